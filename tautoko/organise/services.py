"""Organiser workflows: drafting and submitting a petition; running it once it is open."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from tautoko.lib.group_commit import durably
from tautoko.lib.markdown import markdown_render
from tautoko.lib.tokens import code_new, token_digest
from tautoko.organise import emails
from tautoko.organise.models import PetitionUpdate, Victory
from tautoko.organise.slugs import decision_maker_slug_suggest, slug_suggest
from tautoko.outbox.services import broadcast_queue
from tautoko.petitions.audiences import SIGNERS_OPTED_IN
from tautoko.petitions.models import (
    DecisionMaker,
    IllegalTransition,
    Petition,
    PetitionVersion,
    Signature,
    TimelineEvent,
    sponsors_required,
)
from tautoko.petitions.services import (
    SignOutcome,
    petition_cache_forget,
    petition_goal_set,
    petition_ladder_set,
    signature_confirm,
    signature_create,
    tally_total,
)

if TYPE_CHECKING:
    from tautoko.fraud.checks import RateLimits

# Updates belong to petitions that people can see and have signed, successful ones too
# (signers want to hear how the win turned out); the goal only matters before victory.
RUNNING = (Petition.State.OPEN, Petition.State.CLOSED, Petition.State.SUCCESSFUL)
GOAL_CHANGEABLE = (Petition.State.OPEN, Petition.State.CLOSED)
UPDATE_TEMPLATE = "petition-update"


class SlugTaken(Exception):
    """Someone took the slug between the form's check and the save."""


class GoalNotAboveCount(Exception):
    """A new goal at or below the signatures a petition already has: it would be "reached"
    at the next count, on the public timeline, without anyone signing."""

    def __init__(self, count: int) -> None:
        super().__init__(f"the petition already has {count} signatures")
        self.count = count


def _closes_at(closes_on: dt.date) -> dt.datetime:
    # The end of the chosen day where the site is.
    return timezone.make_aware(dt.datetime.combine(closes_on, dt.time(23, 59, 59)))


def _decision_maker_propose(
    *, organiser: Any, name: str, title: str, email: str, now: dt.datetime
) -> DecisionMaker:
    """A proposed (unlisted) decision maker, with a free slug for the page it may get."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return DecisionMaker.objects.create(
                    slug=decision_maker_slug_suggest(name),
                    name=name,
                    title=title,
                    contact_email=email,
                    status=DecisionMaker.Status.PROPOSED,
                    proposed_by=organiser,
                    proposed_at=now,
                )
        except IntegrityError:
            continue  # someone took the slug meanwhile: suggest again
    raise SlugTaken("no free slug for the proposed decision maker")


def _decision_maker_resolve(
    *,
    organiser: Any,
    current: DecisionMaker | None,
    decision_maker: DecisionMaker | None,
    proposed_name: str,
    proposed_title: str,
    proposed_email: str,
    now: dt.datetime,
) -> DecisionMaker:
    """The listed decision maker chosen, or the organiser's proposal (the draft's own
    proposal is changed in place rather than replaced)."""
    if decision_maker is not None:
        if proposed_name:
            raise ValueError("choose a listed decision maker or propose one, not both")
        if not decision_maker.is_listed:
            raise ValueError("only a listed decision maker can be chosen")
        return decision_maker
    if not proposed_name:
        raise ValueError("choose a listed decision maker or propose one")
    if current is not None and not current.is_listed:
        if current.name != proposed_name:
            current.slug = decision_maker_slug_suggest(proposed_name, exclude_id=current.id)
        current.name, current.title = proposed_name, proposed_title
        current.contact_email = proposed_email
        current.save(update_fields=["slug", "name", "title", "contact_email"])
        return current
    return _decision_maker_propose(
        organiser=organiser, name=proposed_name, title=proposed_title, email=proposed_email, now=now
    )


@transaction.atomic
def petition_draft_create(
    *,
    organiser: Any,
    title: str,
    summary: str,
    statement: str,
    goal: int,
    closes_on: dt.date,
    decision_maker: DecisionMaker | None = None,
    proposed_name: str = "",
    proposed_title: str = "",
    proposed_email: str = "",
    slug: str = "",
    now: dt.datetime | None = None,
) -> Petition:
    """A new draft, addressed to a listed decision maker or to one the organiser proposes."""
    now = now or timezone.now()
    decision_maker = _decision_maker_resolve(
        organiser=organiser,
        current=None,
        decision_maker=decision_maker,
        proposed_name=proposed_name,
        proposed_title=proposed_title,
        proposed_email=proposed_email,
        now=now,
    )
    try:
        with transaction.atomic():
            petition = Petition.objects.create(
                slug=slug or slug_suggest(title),
                title=title,
                summary=summary,
                statement=statement,
                decision_maker=decision_maker,
                organiser=organiser,
                goal=goal,
                closes_at=_closes_at(closes_on),
                state=Petition.State.DRAFT,
                created_at=now,
            )
    except IntegrityError as error:
        raise SlugTaken from error
    petition.event(kind=TimelineEvent.Kind.CREATED, at=now, actor=organiser)
    return petition


@transaction.atomic
def petition_draft_update(
    *,
    petition: Petition,
    title: str,
    summary: str,
    statement: str,
    goal: int,
    closes_on: dt.date,
    decision_maker: DecisionMaker | None = None,
    proposed_name: str = "",
    proposed_title: str = "",
    proposed_email: str = "",
    slug: str = "",
    now: dt.datetime | None = None,
) -> Petition:
    """Change a draft. Only drafts change here: once submitted, moderators see what was sent.

    A proposal the organiser no longer needs (they chose a listed decision maker) is deleted.
    """
    if petition.state != Petition.State.DRAFT:
        raise IllegalTransition(f"cannot edit a petition that is {petition.state}")
    previous = petition.decision_maker
    petition.decision_maker = _decision_maker_resolve(
        organiser=petition.organiser,
        current=previous,
        decision_maker=decision_maker,
        proposed_name=proposed_name,
        proposed_title=proposed_title,
        proposed_email=proposed_email,
        now=now or timezone.now(),
    )
    petition.slug = slug or slug_suggest(title, exclude_id=petition.id)
    petition.title = title
    petition.summary = summary
    petition.statement = statement
    petition.goal = goal
    petition.closes_at = _closes_at(closes_on)
    try:
        with transaction.atomic():
            petition.save()
    except IntegrityError as error:
        raise SlugTaken from error
    if previous.id != petition.decision_maker.id and not previous.is_listed:
        previous.delete()
    return petition


# --- Sponsors -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SponsorStatus:
    """What the organiser's pages show of a petition's sponsors."""

    confirmed: int
    required: int
    # The token of the sponsor link; None when the link is gone (a new secret key).
    token: str | None

    @property
    def missing(self) -> int:
        return max(0, self.required - self.confirmed)


def sponsor_status(*, petition: Petition) -> SponsorStatus:
    return SponsorStatus(
        confirmed=petition.sponsors_confirmed(),
        required=sponsors_required(),
        token=petition.sponsor_link_token(),
    )


def petition_for_sponsor_link(*, token: str) -> Petition | None:
    """The petition whose sponsor link holds ``token``, in whatever state it is now."""
    if not token:
        return None
    return (
        Petition.objects.select_related("decision_maker")
        .filter(sponsor_link_hash=token_digest(token))
        .first()
    )


def sponsor_sign(
    *,
    petition: Petition,
    name: str,
    email: str,
    electorate: str,
    country: str,
    notify: bool = False,
    now: dt.datetime | None = None,
    ip_hash: str | None = None,
    flags: tuple[str, ...] = (),
    rate_limits: RateLimits | None = None,
) -> SignOutcome:
    """A sponsor signs through the sponsor link.

    A sponsor's signature is an ordinary signature of the petition, made by the ordinary
    signing service (so de-duplicated, emailed, fraud-checked and later counted exactly as
    any), marked by its source. Someone who signs again is told so and sent their link
    again, as on the public form.
    """
    if petition.state != Petition.State.SPONSORING:
        raise IllegalTransition(f"cannot sponsor a petition that is {petition.state}")
    return signature_create(
        petition=petition,
        name=name,
        email=email,
        electorate=electorate,
        country=country,
        source=Signature.SOURCE_SPONSOR,
        notify=notify,
        now=now,
        ip_hash=ip_hash,
        flags=flags,
        rate_limits=rate_limits,
    )


def sponsor_confirm(*, token: str, now: dt.datetime | None = None) -> Signature:
    """Confirm a sponsor's signature (the ordinary confirmation), then move the petition
    to the moderation queue if this was the confirmation it was waiting for."""
    now = now or timezone.now()
    signature = signature_confirm(token=token, now=now)
    if signature.is_sponsor:
        sponsors_check(petition_id=signature.petition_id, now=now)
    return signature


def sponsors_check(*, petition_id: int, now: dt.datetime | None = None) -> bool:
    """Send a petition gathering sponsors to the moderation queue once enough have
    confirmed, with its timeline event and the organiser's email; return whether it moved.

    Runs in a transaction after the confirmation's own has committed: of two sponsors
    confirming at once, the later check sees both confirmations, and the conditional UPDATE
    in ``Petition.sponsors_complete`` lets only one check move it (and email the organiser).
    """
    now = now or timezone.now()

    def move() -> bool:
        petition = (
            Petition.objects.select_related("organiser")
            .filter(id=petition_id, state=Petition.State.SPONSORING)
            .first()
        )
        if petition is None:
            return False
        try:
            event = petition.sponsors_complete(now=now)
        except IllegalTransition:
            # Not enough sponsors yet, or another check moved it first.
            return False
        emails.sponsored_queue(petition=petition, event=event, sponsors=event.data["sponsors"])
        return True

    return durably(move)


def sponsoring_complete_due(*, now: dt.datetime | None = None) -> int:
    """Queue every petition gathering sponsors that has enough; return how many moved.

    The worker's safety net: for a confirmation whose own check never ran (the process
    stopped between the two commits), and for petitions that need fewer sponsors since the
    site lowered ``SPONSORS_REQUIRED`` (0: all of them).
    """
    ids = list(
        Petition.objects.filter(state=Petition.State.SPONSORING).values_list("id", flat=True)
    )
    return sum(sponsors_check(petition_id=petition_id, now=now) for petition_id in ids)


# --- Running an open petition -------------------------------------------------------------


@transaction.atomic
def petition_revise(
    *,
    petition: Petition,
    by: Any,
    title: str,
    summary: str,
    statement: str,
    note: str,
    now: dt.datetime | None = None,
) -> PetitionVersion:
    """Change the text of an open petition: a new version, on its timeline and history.

    Raises ``NothingChanged`` when the text is the current one, ``IllegalTransition`` when
    the petition is not open (or changed meanwhile). Its public pages read it through the
    cache, which is dropped once the new version is committed.
    """
    version = petition.revise(
        by=by, title=title, summary=summary, statement=statement, note=note, now=now
    )
    petition_cache_forget(petition=petition)
    return version


def petition_goal_change(
    *, petition: Petition, goal: int, ladder: bool, by: Any, now: dt.datetime | None = None
) -> None:
    """Set the goal and switch the ladder; each change that happens is on the timeline
    (``goal_changed``, ``ladder_on`` / ``ladder_off``). A new goal must be above the settled
    count (``GoalNotAboveCount``); the goal already set may stay where the count passed it."""
    if petition.state not in GOAL_CHANGEABLE:
        raise IllegalTransition(f"cannot change the goal of a petition that is {petition.state}")
    now = now or timezone.now()
    with transaction.atomic():
        if goal != petition.goal:
            count = tally_total(petition_id=petition.id)
            if goal <= count:
                raise GoalNotAboveCount(count)
            petition_goal_set(petition=petition, goal=goal, by=by, now=now)
        if ladder != petition.goal_ladder:
            petition_ladder_set(petition=petition, ladder=ladder, by=by, now=now)


@transaction.atomic
def petition_update_post(
    *, petition: Petition, title: str, body: str, by: Any, now: dt.datetime | None = None
) -> PetitionUpdate:
    """Publish an update on the petition page and email it to the signers who opted in.

    The broadcast is queued in the same transaction: the worker fans it out a batch at a
    time, so a crash never loses the email nor sends one for an update that was rolled back.
    """
    if petition.state not in RUNNING:
        raise IllegalTransition(f"cannot post an update to a petition that is {petition.state}")
    now = now or timezone.now()
    update = PetitionUpdate.objects.create(
        petition=petition, code=code_new(), title=title, body=body, posted_at=now, posted_by=by
    )
    petition_url = settings.SITE_URL + reverse("petitions:detail", args=[petition.slug])
    update.broadcast_key = f"update:{update.code}"
    broadcast_queue(
        key=update.broadcast_key,
        audience=SIGNERS_OPTED_IN,
        audience_args={"petition_id": petition.id},
        template=UPDATE_TEMPLATE,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        context={
            "petition_title": petition.title,
            "petition_url": petition_url,
            "update_url": f"{petition_url}#update-{update.code}",
            "update_title": title,
            "update_body": body,
            # Sanitised by markdown_render, now: the email template prints it as it is.
            "update_body_html": str(markdown_render(body)),
        },
    )
    update.save(update_fields=["broadcast_key"])
    petition.event(
        kind=TimelineEvent.Kind.UPDATE,
        at=now,
        actor=by,
        data={"update": update.code, "title": title},
    )
    return update


@transaction.atomic
def petition_close_early(
    *, petition: Petition, by: Any, reason: str = "", now: dt.datetime | None = None
) -> TimelineEvent:
    """The organiser closes an open petition before its closing date."""
    petition = Petition.objects.select_for_update().get(id=petition.id)
    return petition.close(by=by, now=now, reason=reason or "closed early by the organiser")


@transaction.atomic
def petition_victory_declare(
    *, petition: Petition, story: str, by: Any, now: dt.datetime | None = None
) -> Victory:
    """Record that the petition won, with its story, once: the petition becomes
    ``successful`` (signing stops) and the timeline has a ``successful`` event."""
    now = now or timezone.now()
    # Petition.declare_successful refuses any state but open and closed, so a second
    # declaration is refused there; the one-to-one Victory row is the database's guard.
    petition.declare_successful(by=by, story=story, now=now)
    try:
        with transaction.atomic():
            victory = Victory.objects.create(
                petition=petition, story=story, declared_at=now, declared_by=by
            )
    except IntegrityError as error:
        raise IllegalTransition("victory was already declared") from error
    # Signing stops now, not when the cached petition row expires.
    petition_cache_forget(petition=petition)
    return victory
