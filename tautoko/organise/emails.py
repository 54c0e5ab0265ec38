"""One function per email to an organiser about their petition before it opens. Each
queues into the durable outbox, in the transaction of the change that causes it."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from tautoko.outbox.services import email_queue
from tautoko.petitions.models import Petition, TimelineEvent


def sponsored_queue(*, petition: Petition, event: TimelineEvent, sponsors: int) -> None:
    """Its sponsors have confirmed: the petition waits for a moderator now."""
    organiser = petition.organiser
    if organiser is None:
        return
    email_queue(
        key=f"petition:{petition.id}:event:{event.id}",
        to=organiser.email,
        template="petition-sponsored",
        context={
            "name": organiser.name or "",
            "petition_title": petition.title,
            "sponsors": sponsors,
            "preview_url": settings.SITE_URL + reverse("organise:preview", args=[petition.slug]),
        },
    )
