"""Moderation workflows: checkouts, and the moves that also send email."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from tautoko.moderation import emails
from tautoko.moderation.models import Checkout, RejectionReason, SecondOpinion
from tautoko.petitions.models import (
    DecisionMaker,
    IllegalTransition,
    Petition,
    PetitionVersion,
    TimelineEvent,
)


class CheckedOutByOther(Exception):
    """Another moderator is reviewing this petition."""

    def __init__(self, checkout: Checkout) -> None:
        super().__init__(f"checked out by {checkout.moderator} until {checkout.expires_at}")
        self.checkout = checkout


MODERATION_SLOW_KEY = "moderation:slow"
# How long one answer to "is moderation slow?" serves every page that shows the notice.
MODERATION_SLOW_CACHE_SECONDS = 60


def moderation_queue() -> QuerySet[Petition]:
    """Pending petitions, the longest waiting first, with when each was submitted."""
    submitted = (
        TimelineEvent.objects.filter(petition=OuterRef("pk"), kind=TimelineEvent.Kind.SUBMITTED)
        .order_by("-at")
        .values("at")[:1]
    )
    return (
        Petition.objects.filter(state=Petition.State.PENDING)
        .annotate(submitted_at=Subquery(submitted))
        .select_related("decision_maker", "organiser", "checkout__moderator")
        .prefetch_related(
            Prefetch(
                "second_opinions",
                queryset=SecondOpinion.objects.open().select_related("asked_by"),
                to_attr="second_opinions_open",
            )
        )
        .order_by("submitted_at", "id")
    )


def edits_recent(*, now: dt.datetime | None = None) -> QuerySet[PetitionVersion]:
    """Organisers' edits of open petitions in the last MODERATION_RECENT_EDITS_DAYS, newest
    first: an approved text can change, so moderators look again (and may hide it)."""
    since = (now or timezone.now()) - dt.timedelta(
        days=settings.TAUTOKO["MODERATION_RECENT_EDITS_DAYS"]
    )
    return (
        PetitionVersion.objects.filter(number__gt=1, created_at__gte=since)
        .exclude(petition__state=Petition.State.DRAFT)
        .select_related("petition", "created_by")
        .order_by("-created_at", "-id")
    )


def second_opinion_open(*, petition: Petition) -> SecondOpinion | None:
    return SecondOpinion.objects.open().select_related("asked_by").filter(petition=petition).first()


def overdue_before(*, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=settings.TAUTOKO["MODERATION_TARGET_DAYS"])


def moderation_is_slow(*, now: dt.datetime | None = None) -> bool:
    """Whether moderation is taking longer than usual, which the public and organisers are
    told: a petition has waited in the queue past MODERATION_TARGET_DAYS, or at least
    MODERATION_QUEUE_LONG petitions wait (0 leaves the length out).

    One answer serves every page for MODERATION_SLOW_CACHE_SECONDS: at most two small
    queries a minute, whatever the traffic. The petition page and signing never ask.
    """
    slow = cache.get(MODERATION_SLOW_KEY)
    if slow is None:
        slow = moderation_queue_is_long() or moderation_overdue_exists(now=now or timezone.now())
        cache.set(MODERATION_SLOW_KEY, slow, MODERATION_SLOW_CACHE_SECONDS)
    return bool(slow)


def moderation_queue_is_long() -> bool:
    """At least MODERATION_QUEUE_LONG petitions wait for moderation: one row looked up past
    the first N - 1, never the whole queue counted."""
    long = settings.TAUTOKO["MODERATION_QUEUE_LONG"]
    if long <= 0:
        return False
    waiting = Petition.objects.filter(state=Petition.State.PENDING).order_by().values("id")
    return waiting[long - 1 : long].exists()


def moderation_overdue_exists(*, now: dt.datetime) -> bool:
    """A petition has waited in the queue past the target."""
    limit = overdue_before(now=now)
    return moderation_queue().filter(submitted_at__lte=limit).exists()  # type: ignore[misc]


def checkout_take(
    *, petition: Petition, moderator: Any, now: dt.datetime | None = None
) -> Checkout:
    """Check a petition out to ``moderator``, or renew their checkout.

    Raises CheckedOutByOther while someone else's checkout is live. Race-free: the update
    only takes a checkout that is ours or expired, and the unique petition column stops two
    moderators creating one at the same moment.
    """
    now = now or timezone.now()
    expires_at = now + dt.timedelta(minutes=settings.TAUTOKO["MODERATION_CHECKOUT_MINUTES"])
    taken = (
        Checkout.objects.filter(petition=petition)
        .filter(Q(moderator=moderator) | Q(expires_at__lte=now))
        .update(moderator=moderator, taken_at=now, expires_at=expires_at)
    )
    if not taken:
        try:
            with transaction.atomic():
                Checkout.objects.create(
                    petition=petition, moderator=moderator, taken_at=now, expires_at=expires_at
                )
        except IntegrityError:
            pass
    checkout = Checkout.objects.select_related("moderator").get(petition=petition)
    if checkout.moderator_id != moderator.pk:
        raise CheckedOutByOther(checkout)
    return checkout


def checkout_release(*, petition: Petition, moderator: Any) -> None:
    Checkout.objects.filter(petition=petition, moderator=moderator).delete()


def _checkout_require(*, petition: Petition, moderator: Any, now: dt.datetime) -> None:
    """Acting needs a live checkout of one's own; take one if the petition is free."""
    checkout_take(petition=petition, moderator=moderator, now=now)


def _second_opinion_settle(
    *, petition: Petition, moderator: Any, outcome: str, now: dt.datetime
) -> None:
    """Deciding a flagged petition answers its open second opinion; its asker cannot."""
    opinion = second_opinion_open(petition=petition)
    if opinion is not None:
        event = opinion.settle(by=moderator, outcome=outcome, now=now)
        emails.second_opinion_given_queue(opinion=opinion, event=event)


@transaction.atomic
def petition_approve(
    *,
    petition: Petition,
    moderator: Any,
    proposal_accept: bool = False,
    match_to: DecisionMaker | None = None,
    now: dt.datetime | None = None,
) -> TimelineEvent:
    """Open a pending petition. If its organiser proposed a decision maker, the moderator
    either accepts the proposal (``proposal_accept``: it becomes listed) or addresses the
    petition to a listed one (``match_to``); Petition.approve refuses to open it otherwise."""
    now = now or timezone.now()
    _checkout_require(petition=petition, moderator=moderator, now=now)
    _second_opinion_settle(
        petition=petition, moderator=moderator, outcome=SecondOpinion.Outcome.APPROVED, now=now
    )
    proposed = petition.decision_maker
    proposal: dict[str, str] = {}
    if match_to is not None:
        proposed.match(petition=petition, to=match_to, by=moderator, now=now)
        proposal = {"proposed_name": proposed.name, "outcome": "matched"}
    elif proposal_accept:
        proposed.accept(petition=petition, by=moderator, now=now)
        proposal = {"proposed_name": proposed.name, "outcome": "listed"}
    event = petition.approve(by=moderator, now=now)
    emails.approved_queue(petition=petition, event=event, proposal=proposal)
    checkout_release(petition=petition, moderator=moderator)
    return event


@transaction.atomic
def petition_reject(
    *,
    petition: Petition,
    moderator: Any,
    reason: RejectionReason,
    note: str = "",
    now: dt.datetime | None = None,
) -> TimelineEvent:
    now = now or timezone.now()
    _checkout_require(petition=petition, moderator=moderator, now=now)
    _second_opinion_settle(
        petition=petition, moderator=moderator, outcome=SecondOpinion.Outcome.REJECTED, now=now
    )
    # A proposed decision maker stays unlisted: the rejected petition still names it.
    event = petition.reject(
        by=moderator, reason_code=reason.code, reason_label=reason.label, note=note, now=now
    )
    emails.rejected_queue(petition=petition, event=event, reason=reason)
    checkout_release(petition=petition, moderator=moderator)
    return event


@transaction.atomic
def second_opinion_ask(
    *, petition: Petition, moderator: Any, note: str, now: dt.datetime | None = None
) -> SecondOpinion:
    """Flag a pending petition for another moderator's view. The asker's checkout is given
    back, so that another moderator can take the petition up."""
    now = now or timezone.now()
    _checkout_require(petition=petition, moderator=moderator, now=now)
    opinion = SecondOpinion.ask(petition=petition, by=moderator, note=note, now=now)
    checkout_release(petition=petition, moderator=moderator)
    return opinion


@transaction.atomic
def second_opinion_give(
    *, petition: Petition, moderator: Any, opinion: str, now: dt.datetime | None = None
) -> SecondOpinion:
    """Another moderator gives their opinion on a flagged petition; its asker is emailed."""
    now = now or timezone.now()
    _checkout_require(petition=petition, moderator=moderator, now=now)
    wanted = second_opinion_open(petition=petition)
    if wanted is None:
        raise IllegalTransition("no second opinion is asked for on this petition")
    event = wanted.give(by=moderator, opinion=opinion, now=now)
    emails.second_opinion_given_queue(opinion=wanted, event=event)
    checkout_release(petition=petition, moderator=moderator)
    return wanted


@transaction.atomic
def petition_hide(
    *, petition: Petition, moderator: Any, reason: str, now: dt.datetime | None = None
) -> TimelineEvent:
    now = now or timezone.now()
    _checkout_require(petition=petition, moderator=moderator, now=now)
    event = petition.hide(by=moderator, reason=reason, now=now)
    checkout_release(petition=petition, moderator=moderator)
    return event


@transaction.atomic
def petition_restore(
    *, petition: Petition, moderator: Any, reason: str = "", now: dt.datetime | None = None
) -> TimelineEvent:
    now = now or timezone.now()
    _checkout_require(petition=petition, moderator=moderator, now=now)
    event = petition.restore(by=moderator, reason=reason, now=now)
    checkout_release(petition=petition, moderator=moderator)
    return event


def rejection_reasons_seed() -> None:
    """Create the default rejection reasons that are missing (the demo, after a flush)."""
    from tautoko.moderation.defaults import REJECTION_REASONS

    for position, (code, label, explanation) in enumerate(REJECTION_REASONS):
        RejectionReason.objects.get_or_create(
            code=code, defaults={"label": label, "explanation": explanation, "position": position}
        )


def moderators_group_ensure() -> Any:
    """The Moderators group with the moderation permission (created by a migration too)."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    group, _ = Group.objects.get_or_create(name="Moderators")
    content_type = ContentType.objects.get_for_model(Checkout)
    permission, _ = Permission.objects.get_or_create(
        codename="moderate",
        content_type=content_type,
        defaults={"name": "Can moderate petitions (queue, approve, reject, hide, restore)"},
    )
    group.permissions.add(permission)
    return group
