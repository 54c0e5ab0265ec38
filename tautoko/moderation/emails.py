"""One function per moderation email to the organiser. Each queues into the durable outbox."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from tautoko.moderation.models import RejectionReason
from tautoko.outbox.services import email_queue
from tautoko.petitions.models import Petition, TimelineEvent


def _context(petition: Petition) -> dict[str, str]:
    organiser = petition.organiser
    return {
        "name": (organiser.name if organiser else "") or "",
        "petition_title": petition.title,
        "petition_url": settings.SITE_URL + reverse("petitions:detail", args=[petition.slug]),
    }


def approved_queue(*, petition: Petition, event: TimelineEvent) -> None:
    if petition.organiser is None:
        return
    email_queue(
        key=f"petition:{petition.id}:event:{event.id}",
        to=petition.organiser.email,
        template="petition-approved",
        context={
            **_context(petition),
            "closes_at": petition.closes_at.isoformat() if petition.closes_at else "",
        },
    )


def rejected_queue(*, petition: Petition, event: TimelineEvent, reason: RejectionReason) -> None:
    if petition.organiser is None:
        return
    email_queue(
        key=f"petition:{petition.id}:event:{event.id}",
        to=petition.organiser.email,
        template="petition-rejected",
        context={
            **_context(petition),
            "reason": reason.label,
            "explanation": reason.explanation,
            "note": event.note,
        },
    )
