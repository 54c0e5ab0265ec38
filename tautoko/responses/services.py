"""Workflows of thresholds, official responses and debates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from tautoko.moderation.models import PERMISSION_MODERATE
from tautoko.petitions.models import IllegalTransition, Petition, Tally, TimelineEvent
from tautoko.responses import emails
from tautoko.responses.models import (
    Debate,
    OfficialResponse,
    Threshold,
    ThresholdCrossing,
    threshold_levels,
)

# Petitions that can be answered or debated: public, and not refused by a moderator.
ANSWERABLE: tuple[str, ...] = (
    Petition.State.OPEN,
    Petition.State.CLOSED,
    Petition.State.SUCCESSFUL,
)


# What reaching each threshold means, on the petition's timeline.
THRESHOLD_NOTES = {
    Threshold.RESPONSE.value: "an official response is due",
    Threshold.DEBATE.value: "to be considered for debate",
}


class AlreadyResponded(Exception):
    """The petition already has its official response."""


def _count(petition_id: int) -> int:
    row = Tally.objects.filter(
        petition_id=petition_id, dimension=Tally.Dimension.TOTAL, key=""
    ).first()
    return row.count if row else 0


def thresholds_check(*, petition_id: int, at: dt.datetime) -> list[ThresholdCrossing]:
    """Record each threshold the petition's settled count has reached, once, and tell staff
    and the decision maker. Runs in the worker's fold, inside its transaction: the unique
    constraint on (petition, threshold) makes a second recording impossible, and the emails
    commit (or roll back) with the row."""
    levels = threshold_levels()
    count = _count(petition_id)
    reached = [name for name, level in levels.items() if count >= level]
    if not reached:
        return []
    known = set(
        ThresholdCrossing.objects.filter(petition_id=petition_id).values_list(
            "threshold", flat=True
        )
    )
    missing = [name for name in reached if name not in known]
    if not missing:
        return []
    petition = Petition.objects.select_related("decision_maker").get(id=petition_id)
    crossings = []
    for name in missing:
        try:
            with transaction.atomic():
                crossing = ThresholdCrossing.objects.create(
                    petition=petition, threshold=name, signatures=levels[name], crossed_at=at
                )
        except IntegrityError:
            continue  # another worker recorded it first
        petition.event(
            kind=TimelineEvent.Kind.THRESHOLD_REACHED,
            at=at,
            note=f"{levels[name]:,} signatures: {THRESHOLD_NOTES[name]}",
            data={"threshold": name, "signatures": levels[name], "count": count},
        )
        emails.threshold_reached_queue(crossing=crossing, recipients=_notified(petition))
        crossings.append(crossing)
    return crossings


def _notified(petition: Petition) -> list[tuple[str, str]]:
    """Staff who handle responses, and the decision maker's contact address."""
    app_label, codename = PERMISSION_MODERATE.split(".")
    staff = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True)
            | Q(
                groups__permissions__codename=codename,
                groups__permissions__content_type__app_label=app_label,
            )
            | Q(
                user_permissions__codename=codename,
                user_permissions__content_type__app_label=app_label,
            )
        )
        .exclude(email="")
        .order_by("id")
        .distinct()
        .values_list("email", flat=True)
    )
    recipients = [("staff", email) for email in staff]
    if petition.decision_maker.contact_email:
        recipients.append(("decision-maker", petition.decision_maker.contact_email))
    return recipients


def response_publish(
    *, petition: Petition, body: str, by: Any, now: dt.datetime | None = None
) -> OfficialResponse:
    """Publish the decision maker's response: on the page, on the timeline, and emailed to
    the signers who opted in (fanned out by the worker)."""
    now = now or timezone.now()
    if petition.state not in ANSWERABLE:
        raise IllegalTransition(f"cannot respond to a petition that is {petition.state}")
    if not body.strip():
        raise ValueError("a response needs a text")
    with transaction.atomic():
        if OfficialResponse.objects.filter(petition=petition).exists():
            raise AlreadyResponded
        try:
            with transaction.atomic():
                response = OfficialResponse.objects.create(
                    petition=petition, body=body, published_at=now, published_by=by
                )
        except IntegrityError:
            raise AlreadyResponded from None
        petition.event(kind=TimelineEvent.Kind.RESPONDED, at=now, actor=by)
        emails.response_broadcast(response=response)
    return response


def debate_schedule(
    *, petition: Petition, on: dt.date, by: Any, now: dt.datetime | None = None
) -> Debate:
    """Set (or move) the date of the petition's debate. Not once it has been held."""
    now = now or timezone.now()
    if petition.state not in ANSWERABLE:
        raise IllegalTransition(f"cannot schedule a debate of a petition that is {petition.state}")
    with transaction.atomic():
        debate = Debate.objects.select_for_update().filter(petition=petition).first()
        if debate is not None and debate.is_held():
            raise IllegalTransition("the debate has already been held")
        if debate is None:
            debate = Debate.objects.create(petition=petition, scheduled_for=on)
        else:
            debate.scheduled_for = on
            debate.save(update_fields=["scheduled_for"])
        petition.event(
            kind=TimelineEvent.Kind.DEBATE_SCHEDULED, at=now, actor=by, data={"on": on.isoformat()}
        )
    return debate


def debate_record(
    *, petition: Petition, outcome: str, by: Any, now: dt.datetime | None = None
) -> Debate:
    """Record the outcome of a scheduled debate; signers who opted in are emailed it."""
    now = now or timezone.now()
    if not outcome.strip():
        raise ValueError("a debate's outcome needs a text")
    with transaction.atomic():
        debate = Debate.objects.select_for_update().filter(petition=petition).first()
        if debate is None:
            raise IllegalTransition("schedule the debate before recording its outcome")
        if debate.is_held():
            raise IllegalTransition("the debate's outcome is already recorded")
        debate.outcome, debate.debated_at = outcome, now
        debate.save(update_fields=["outcome", "debated_at"])
        petition.event(kind=TimelineEvent.Kind.DEBATED, at=now, actor=by)
        emails.debate_outcome_broadcast(debate=debate)
    return debate


def awaiting_response() -> Any:
    """Petitions past the response threshold that have no response yet, longest waiting first."""
    return (
        Petition.objects.filter(
            state__in=ANSWERABLE,
            crossings__threshold=Threshold.RESPONSE,
            official_response__isnull=True,
        )
        .select_related("decision_maker")
        .order_by("crossings__crossed_at")
    )
