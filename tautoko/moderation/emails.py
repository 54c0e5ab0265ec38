"""One function per moderation email to the organiser. Each queues into the durable outbox."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from tautoko.moderation.models import RejectionReason, SecondOpinion
from tautoko.outbox.services import email_queue
from tautoko.petitions.models import Petition, TimelineEvent


def _context(petition: Petition) -> dict[str, str]:
    organiser = petition.organiser
    return {
        "name": (organiser.name if organiser else "") or "",
        "petition_title": petition.title,
        "petition_url": settings.SITE_URL + reverse("petitions:detail", args=[petition.slug]),
    }


def approved_queue(
    *, petition: Petition, event: TimelineEvent, proposal: dict[str, str] | None = None
) -> None:
    """``proposal``: the decision maker the organiser proposed (``proposed_name``) and
    whether it was listed or the petition matched to a listed one (``outcome``)."""
    if petition.organiser is None:
        return
    proposal = proposal or {}
    email_queue(
        key=f"petition:{petition.id}:event:{event.id}",
        to=petition.organiser.email,
        template="petition-approved",
        context={
            **_context(petition),
            "closes_at": petition.closes_at.isoformat() if petition.closes_at else "",
            "decision_maker": petition.decision_maker.name,
            "proposed_name": proposal.get("proposed_name", ""),
            "proposal_outcome": proposal.get("outcome", ""),
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


def second_opinion_given_queue(*, opinion: SecondOpinion, event: TimelineEvent) -> None:
    """Tell the moderator who asked for a second opinion that another one gave it."""
    asker, answerer = opinion.asked_by, opinion.answered_by
    if asker is None or not asker.email:
        return
    petition = opinion.petition
    email_queue(
        key=f"second-opinion:{opinion.id}:event:{event.id}",
        to=asker.email,
        template="second-opinion-given",
        context={
            "name": asker.get_full_name(),
            "petition_title": petition.title,
            "review_url": settings.SITE_URL + reverse("moderation:review", args=[petition.slug]),
            "moderator": answerer.get_full_name() if answerer else "",
            "outcome": opinion.outcome,
            "opinion": opinion.answer,
            "note": opinion.note,
        },
    )
