"""One function per email about thresholds, responses and debates; each queues into the
durable outbox, inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from tautoko.outbox.models import Broadcast
from tautoko.outbox.services import broadcast_queue, email_queue
from tautoko.petitions.audiences import SIGNERS_OPTED_IN
from tautoko.petitions.models import Petition
from tautoko.responses.models import Debate, OfficialResponse, ThresholdCrossing


def _context(petition: Petition) -> dict[str, Any]:
    return {
        "petition_title": petition.title,
        "petition_url": settings.SITE_URL + reverse("petitions:detail", args=[petition.slug]),
        "decision_maker_name": petition.decision_maker.name,
    }


def threshold_reached_queue(
    *, crossing: ThresholdCrossing, recipients: list[tuple[str, str]]
) -> None:
    """Tell staff and the decision maker's contact that a petition reached a threshold.

    ``recipients`` are (role, address) pairs; the role picks the wording."""
    petition = crossing.petition
    for role, address in recipients:
        email_queue(
            key=f"threshold:{crossing.id}:{role}:{address}"[:120],
            to=address,
            template="threshold-reached",
            context={
                **_context(petition),
                "threshold": crossing.threshold,
                "threshold_label": str(crossing.get_threshold_display()),
                "signatures": crossing.signatures,
                "for_staff": role == "staff",
                "staff_url": settings.SITE_URL
                + reverse("responses:staff-petition", args=[petition.slug]),
            },
        )


def response_broadcast(*, response: OfficialResponse) -> Broadcast:
    """The official response, to every confirmed signer who asked to be kept updated."""
    petition = response.petition
    return broadcast_queue(
        key=f"response:{response.id}",
        audience=SIGNERS_OPTED_IN,
        audience_args={"petition_id": petition.id},
        template="petition-response",
        context={**_context(petition), "response_text": response.body},
        language=settings.LANGUAGE_CODE,
    )


def debate_outcome_broadcast(*, debate: Debate) -> Broadcast:
    """The debate's outcome, to every confirmed signer who asked to be kept updated."""
    petition = debate.petition
    return broadcast_queue(
        key=f"debate:{debate.id}",
        audience=SIGNERS_OPTED_IN,
        audience_args={"petition_id": petition.id},
        template="petition-debated",
        context={**_context(petition), "outcome_text": debate.outcome},
        language=settings.LANGUAGE_CODE,
    )
