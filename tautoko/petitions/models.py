from __future__ import annotations

import calendar
import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from tautoko.lib.markdown import markdown_render
from tautoko.lib.tokens import code_new, token_derived, token_digest
from tautoko.petitions.goals import goal_next

# The purpose of the derived token in a petition's sponsor link (lib/tokens.token_derived).
SPONSOR_LINK_PURPOSE = "sponsor-link"


def months_after(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time ``months`` later (the month's last day when it is shorter)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


class IllegalTransition(Exception):
    """A lifecycle move that the current state does not allow."""


class NothingChanged(IllegalTransition):
    """An edit whose text is the same as the current version's."""


def text_normal(text: str) -> str:
    """Text as it is compared and kept: browsers send CRLF line ends, people stray spaces."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


class DecisionMakerQuerySet(models.QuerySet["DecisionMaker"]):
    def listed(self) -> DecisionMakerQuerySet:
        """The managed list: what organisers pick from and what public pages show."""
        return self.filter(status=DecisionMaker.Status.LISTED)


class DecisionMaker(models.Model):
    """Who must act on a petition: a minister, a council, a parliament, a company.

    A *proposed* one was written in by the organiser of one petition because theirs was not
    listed. It stays off every list and picker until the moderator approving that petition
    accepts it (it becomes listed) or matches the petition to a listed one (it is deleted).
    """

    class Status(models.TextChoices):
        LISTED = "listed", _("Listed")
        PROPOSED = "proposed", _("Proposed by an organiser")

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    title = models.CharField(max_length=160, blank=True)
    contact_email = models.EmailField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.LISTED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposed_at = models.DateTimeField(null=True, blank=True)

    objects = DecisionMakerQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_listed(self) -> bool:
        return self.status == self.Status.LISTED

    def _proposal_check(self, petition: Petition) -> None:
        if self.status != self.Status.PROPOSED:
            raise IllegalTransition(f"{self.name} is not a proposal: it is {self.status}")
        if petition.decision_maker_id != self.id:
            raise IllegalTransition("this petition is not addressed to that proposal")

    def accept(
        self, *, petition: Petition, by: Any, now: dt.datetime | None = None
    ) -> TimelineEvent:
        """A moderator lists the decision maker the organiser of ``petition`` proposed."""
        self._proposal_check(petition)
        moved = DecisionMaker.objects.filter(id=self.id, status=self.Status.PROPOSED).update(
            status=self.Status.LISTED
        )
        if not moved:
            raise IllegalTransition("this proposal was dealt with meanwhile")
        self.status = self.Status.LISTED
        return petition.event(
            kind=TimelineEvent.Kind.DECISION_MAKER_LISTED,
            at=now,
            actor=by,
            data={"decision_maker": self.slug, "name": self.name, "title": self.title},
        )

    def match(
        self,
        *,
        petition: Petition,
        to: DecisionMaker,
        by: Any,
        now: dt.datetime | None = None,
    ) -> TimelineEvent:
        """A moderator addresses ``petition`` to the listed decision maker ``to`` instead of
        the one its organiser proposed; the proposal is deleted (the event keeps what it said)."""
        self._proposal_check(petition)
        if not to.is_listed:
            raise IllegalTransition("a petition can only be matched to a listed decision maker")
        moved = Petition.objects.filter(id=petition.id, decision_maker_id=self.id).update(
            decision_maker=to
        )
        if not moved:
            raise IllegalTransition("this petition's decision maker changed meanwhile")
        petition.decision_maker = to
        proposed = {"name": self.name, "title": self.title, "contact_email": self.contact_email}
        self.delete()
        return petition.event(
            kind=TimelineEvent.Kind.DECISION_MAKER_MATCHED,
            at=now,
            actor=by,
            data={"decision_maker": to.slug, "name": to.name, "proposed": proposed},
        )


class PetitionQuerySet(models.QuerySet["Petition"]):
    def visible(self) -> PetitionQuerySet:
        return self.filter(state__in=Petition.VISIBLE)

    def signable(self, *, now: dt.datetime | None = None) -> PetitionQuerySet:
        now = now or timezone.now()
        return self.filter(state__in=Petition.SIGNABLE).filter(
            Q(closes_at__isnull=True) | Q(closes_at__gt=now)
        )

    def successes(self) -> PetitionQuerySet:
        """Successful petitions, the latest victory first (``succeeded_at``)."""
        declared = (
            TimelineEvent.objects.filter(
                petition=OuterRef("pk"), kind=TimelineEvent.Kind.SUCCESSFUL
            )
            .order_by("-at")
            .values("at")[:1]
        )
        return (
            self.filter(state=Petition.State.SUCCESSFUL)
            .annotate(succeeded_at=Subquery(declared))
            .order_by(F("succeeded_at").desc(nulls_last=True), "-id")
        )


class Petition(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SPONSORING = "sponsoring", _("Gathering sponsors")
        PENDING = "pending", _("Awaiting moderation")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected")
        HIDDEN = "hidden", _("Hidden")
        SUCCESSFUL = "successful", _("Successful")

    # Rejected petitions stay public, with the moderator's reason, but cannot be signed;
    # successful ones (the organiser's declaration) stay public and take no more signatures.
    VISIBLE: ClassVar[tuple[str, ...]] = (
        State.OPEN,
        State.CLOSED,
        State.REJECTED,
        State.SUCCESSFUL,
    )
    HIDEABLE: ClassVar[tuple[str, ...]] = (
        State.OPEN,
        State.CLOSED,
        State.REJECTED,
        State.SUCCESSFUL,
    )
    SIGNABLE: ClassVar[tuple[str, ...]] = (State.OPEN,)
    # Victory can be declared while signing and after it has stopped.
    SUCCEEDABLE: ClassVar[tuple[str, ...]] = (State.OPEN, State.CLOSED)
    # Once open, only the organiser's edits of the text change it, each a new version; a
    # closed petition's text is what its signers signed, and stays.
    EDITABLE: ClassVar[tuple[str, ...]] = (State.OPEN,)
    # Not yet the moderators' business: the organiser's draft, and a petition still
    # gathering its sponsors.
    BEFORE_MODERATION: ClassVar[tuple[str, ...]] = (State.DRAFT, State.SPONSORING)
    # A sponsor's confirmation still counts once the petition has its sponsors: while it
    # waits for moderation, and once it is open (a late confirmation then counts like any).
    SPONSOR_CONFIRMABLE: ClassVar[tuple[str, ...]] = (State.SPONSORING, State.PENDING)

    slug = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=80)
    summary = models.CharField(_("what should happen"), max_length=300)
    statement = models.TextField(_("why"), max_length=5000, blank=True)
    decision_maker = models.ForeignKey(
        DecisionMaker, on_delete=models.PROTECT, related_name="petitions"
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="petitions",
    )
    goal = models.PositiveIntegerField(default=100)
    goal_ladder = models.BooleanField(
        default=True, help_text=_("Raise the goal when it is reached.")
    )
    goal_steps = models.JSONField(
        null=True,
        blank=True,
        help_text=_("Goal steps for this petition, e.g. [1000, 2000]; empty for the site's."),
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The number of the current text's version: 1 as it opened, one more for each edit after
    # (PetitionVersion keeps them all). Pages read the text from this row alone.
    version = models.PositiveSmallIntegerField(default=1)
    # The sponsor link (/sponsor/<token>): its token is derived from this nonce with a key
    # only the site holds (lib/tokens.token_derived), so the organiser can be shown it
    # again; only its SHA-256 is stored, to find the petition by it.
    sponsor_link_nonce = models.CharField(max_length=32, blank=True)
    sponsor_link_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)

    objects = PetitionQuerySet.as_manager()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=Q(goal__gte=1), name="petition_goal_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def statement_html(self) -> SafeString:
        return markdown_render(self.statement)

    def is_signable(self, *, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.state in self.SIGNABLE and (self.closes_at is None or self.closes_at > now)

    def is_visible(self) -> bool:
        return self.state in self.VISIBLE

    def open(self, *, by: Any = None, now: dt.datetime | None = None) -> TimelineEvent:
        """Open a draft or pending petition as it is, without ``approve``'s checks and
        dates: for the demo and tests. Moderators approve."""
        now = now or timezone.now()
        with transaction.atomic():
            self._move(
                allowed=(self.State.DRAFT, self.State.PENDING),
                to=self.State.OPEN,
                verb="open",
                opened_at=now,
            )
            self._version_keep(at=now)
            return self.event(kind=TimelineEvent.Kind.OPENED, at=now, actor=by)

    def close(
        self, *, by: Any = None, now: dt.datetime | None = None, reason: str = ""
    ) -> TimelineEvent:
        """Stop signing an open petition: the organiser early, or the worker at its closing
        time (``by`` None). ``reason`` is the event's note."""
        now = now or timezone.now()
        with transaction.atomic():
            self._move(
                allowed=(self.State.OPEN,),
                to=self.State.CLOSED,
                verb="close",
                closed_at=now,
            )
            return self.event(kind=TimelineEvent.Kind.CLOSED, at=now, actor=by, note=reason)

    # --- Moderation lifecycle: draft → pending → open | rejected; open ⇄ hidden --------------
    # Each move is a conditional UPDATE on the state it starts from, so two people acting at
    # once cannot both succeed: the second finds the state changed and gets IllegalTransition.

    def _move(self, *, allowed: tuple[str, ...], to: str, verb: str, **fields: Any) -> None:
        if self.state not in allowed:
            raise IllegalTransition(f"cannot {verb} a petition that is {self.state}")
        moved = Petition.objects.filter(id=self.id, state=self.state).update(state=to, **fields)
        if not moved:
            raise IllegalTransition(f"cannot {verb} this petition: someone else changed it")
        self.state = to
        for name, value in fields.items():
            setattr(self, name, value)

    def submit(self, *, by: Any, now: dt.datetime | None = None) -> TimelineEvent:
        """The organiser sends a draft on: to gather sponsors through its sponsor link when
        the site asks for sponsors (``SPONSORS_REQUIRED``), else to the moderation queue."""
        now = now or timezone.now()
        required = sponsors_required()
        if not required:
            self._move(allowed=(self.State.DRAFT,), to=self.State.PENDING, verb="submit")
            return self.event(kind=TimelineEvent.Kind.SUBMITTED, at=now, actor=by)
        nonce = code_new()
        self._move(
            allowed=(self.State.DRAFT,),
            to=self.State.SPONSORING,
            verb="submit",
            sponsor_link_nonce=nonce,
            sponsor_link_hash=token_digest(_sponsor_link_token(nonce)),
        )
        return self.event(
            kind=TimelineEvent.Kind.SPONSORING, at=now, actor=by, data={"required": required}
        )

    def sponsors_complete(self, *, now: dt.datetime | None = None) -> TimelineEvent:
        """Enough sponsors have confirmed: the petition joins the moderation queue.

        Refused while fewer than ``SPONSORS_REQUIRED`` have confirmed (shadow-flagged ones
        do not count). The move is the conditional UPDATE of ``_move``, so of the sponsors
        confirming at once only one moves it. The event is a "submitted" one, which is when
        the queue counts its wait from.
        """
        now = now or timezone.now()
        if self.state != self.State.SPONSORING:
            raise IllegalTransition(
                f"cannot complete the sponsors of a petition that is {self.state}"
            )
        required = sponsors_required()
        confirmed = self.sponsors_confirmed()
        if confirmed < required:
            raise IllegalTransition(f"only {confirmed} of {required} sponsors have confirmed")
        self._move(allowed=(self.State.SPONSORING,), to=self.State.PENDING, verb="queue")
        return self.event(
            kind=TimelineEvent.Kind.SUBMITTED,
            at=now,
            note=f"{confirmed} sponsors confirmed",
            data={"sponsors": confirmed, "required": required},
        )

    def sponsor_link_token(self) -> str | None:
        """The token of the sponsor link, to show the organiser; None when it has none, or
        when the site's secret key changed since it was made (its link no longer works)."""
        if not self.sponsor_link_nonce or not self.sponsor_link_hash:
            return None
        token = _sponsor_link_token(self.sponsor_link_nonce)
        return token if token_digest(token) == self.sponsor_link_hash else None

    def sponsor_link_renew(self) -> str:
        """Replace the sponsor link (the old one stops working); return the new token.

        Only while the petition gathers sponsors: signatures already made stay, and so do
        their confirmation links, which do not depend on the sponsor link.
        """
        if self.state != self.State.SPONSORING:
            raise IllegalTransition(
                f"cannot renew the sponsor link of a petition that is {self.state}"
            )
        nonce = code_new()
        token = _sponsor_link_token(nonce)
        moved = Petition.objects.filter(id=self.id, state=self.State.SPONSORING).update(
            sponsor_link_nonce=nonce, sponsor_link_hash=token_digest(token)
        )
        if not moved:
            raise IllegalTransition("cannot renew the sponsor link: someone else changed it")
        self.sponsor_link_nonce, self.sponsor_link_hash = nonce, token_digest(token)
        return token

    def sponsors_confirmed(self) -> int:
        """Sponsors who confirmed and count (not shadow-flagged), from the rows themselves."""
        return Signature.objects.counted().sponsors().filter(petition_id=self.id).count()

    def approve(self, *, by: Any, now: dt.datetime | None = None) -> TimelineEvent:
        """A moderator opens a pending petition for signatures.

        It closes on the date the organiser chose if that is still ahead, else after the
        default period; never later than the maximum period after opening.
        """
        now = now or timezone.now()
        limits = settings.TAUTOKO
        latest = months_after(now, limits["PETITION_MAX_MONTHS"])
        closes_at = self.closes_at
        if closes_at is None or closes_at <= now:
            closes_at = months_after(now, limits["PETITION_DEFAULT_MONTHS"])
        closes_at = min(closes_at, latest)
        if self.state == self.State.PENDING and not self.decision_maker.is_listed:
            # A public petition is always addressed to a listed decision maker.
            raise IllegalTransition(
                "accept the proposed decision maker, or choose a listed one, before approving"
            )
        with transaction.atomic():
            self._move(
                allowed=(self.State.PENDING,),
                to=self.State.OPEN,
                verb="approve",
                opened_at=now,
                closes_at=closes_at,
            )
            self._version_keep(at=now)
            return self.event(kind=TimelineEvent.Kind.OPENED, at=now, actor=by)

    # --- Versions of the text ---------------------------------------------------------------

    def _version_keep(self, *, at: dt.datetime) -> PetitionVersion:
        """Keep the current text as version ``self.version``, unless it is kept already.

        Opening keeps version 1, written by the organiser. A petition made open some other
        way (an import, the admin) has no version yet: its first edit keeps it first.
        """
        version, _ = PetitionVersion.objects.get_or_create(
            petition=self,
            number=self.version,
            defaults={
                "title": self.title,
                "summary": self.summary,
                "statement": self.statement,
                "created_at": self.opened_at or at,
                "created_by_id": self.organiser_id,
            },
        )
        return version

    def revise(
        self,
        *,
        by: Any,
        title: str,
        summary: str,
        statement: str,
        note: str,
        now: dt.datetime | None = None,
    ) -> PetitionVersion:
        """The organiser changes the text of an open petition: a new version of it.

        Title, "what should happen" and "why" only: the decision maker stays, as people
        signed a petition to them. The note saying what changed is public, on the timeline
        and the history page. The change is a conditional UPDATE on the state and the
        version it starts from, so of two edits made at once only one succeeds.
        """
        now = now or timezone.now()
        if self.state not in self.EDITABLE:
            raise IllegalTransition(f"cannot edit a petition that is {self.state}")
        note = note.strip()
        if not note:
            raise IllegalTransition("an edit needs a note saying what changed")
        new = {
            "title": text_normal(title),
            "summary": text_normal(summary),
            "statement": text_normal(statement),
        }
        changed = [name for name, text in new.items() if text != text_normal(getattr(self, name))]
        if not changed:
            raise NothingChanged("the edit changes nothing")
        with transaction.atomic():
            self._version_keep(at=now)
            number = self.version + 1
            moved = Petition.objects.filter(
                id=self.id, state=self.state, version=self.version
            ).update(version=number, **new)
            if not moved:
                raise IllegalTransition("cannot edit this petition: someone else changed it")
            for name, text in new.items():
                setattr(self, name, text)
            self.version = number
            version = PetitionVersion.objects.create(
                petition=self, number=number, note=note, created_at=now, created_by=by, **new
            )
            self.event(
                kind=TimelineEvent.Kind.EDITED,
                at=now,
                actor=by,
                note=note,
                data={"version": number, "fields": changed},
            )
        return version

    def reject(
        self,
        *,
        by: Any,
        reason_code: str,
        reason_label: str,
        note: str = "",
        now: dt.datetime | None = None,
    ) -> TimelineEvent:
        """A moderator refuses a pending petition; the reason is public."""
        now = now or timezone.now()
        self._move(allowed=(self.State.PENDING,), to=self.State.REJECTED, verb="reject")
        return self.event(
            kind=TimelineEvent.Kind.REJECTED,
            at=now,
            actor=by,
            note=note,
            data={"reason": reason_code, "reason_label": reason_label},
        )

    def hide(self, *, by: Any, reason: str, now: dt.datetime | None = None) -> TimelineEvent:
        """A moderator takes a public petition down; ``restore`` puts it back as it was."""
        now = now or timezone.now()
        if not reason.strip():
            raise IllegalTransition("hiding a petition needs a reason")
        previous = self.state
        self._move(allowed=self.HIDEABLE, to=self.State.HIDDEN, verb="hide")
        return self.event(
            kind=TimelineEvent.Kind.HIDDEN, at=now, actor=by, note=reason, data={"from": previous}
        )

    def restore(
        self, *, by: Any, reason: str = "", now: dt.datetime | None = None
    ) -> TimelineEvent:
        now = now or timezone.now()
        hidden = (
            self.events.filter(kind=TimelineEvent.Kind.HIDDEN).order_by("-at", "-id").first()
            if self.state == self.State.HIDDEN
            else None
        )
        previous = (hidden.data.get("from") if hidden else None) or self.State.OPEN
        self._move(allowed=(self.State.HIDDEN,), to=previous, verb="restore")
        return self.event(
            kind=TimelineEvent.Kind.RESTORED, at=now, actor=by, note=reason, data={"to": previous}
        )

    def declare_successful(
        self, *, by: Any, story: str = "", now: dt.datetime | None = None
    ) -> TimelineEvent:
        """The organiser declares that the petition won. Signing stops, as when it closes;
        the page stays public with its count, timeline and the story (the event's note)."""
        now = now or timezone.now()
        self._move(
            allowed=self.SUCCEEDABLE,
            to=self.State.SUCCESSFUL,
            verb="declare victory for",
            closed_at=self.closed_at or now,
        )
        return self.event(kind=TimelineEvent.Kind.SUCCESSFUL, at=now, actor=by, note=story)

    @property
    def rejection(self) -> TimelineEvent | None:
        """The latest rejection, whose reason the public page shows."""
        if self.state != self.State.REJECTED:
            return None
        return self.events.filter(kind=TimelineEvent.Kind.REJECTED).order_by("-at", "-id").first()

    def next_goal(self, count: int) -> int:
        return goal_next(count=count, steps=self.goal_steps)

    def event(
        self,
        *,
        kind: str,
        at: dt.datetime | None = None,
        actor: Any = None,
        note: str = "",
        data: dict[str, Any] | None = None,
    ) -> TimelineEvent:
        return TimelineEvent.objects.create(
            petition=self,
            kind=kind,
            at=at or timezone.now(),
            actor=actor,
            note=note,
            data=data or {},
        )


def sponsors_required() -> int:
    """How many confirmed sponsors a submitted petition needs; 0 when sponsors are off."""
    required = settings.TAUTOKO["SPONSORS_REQUIRED"]
    assert isinstance(required, int) and required >= 0, "SPONSORS_REQUIRED: an integer >= 0"
    return required


def _sponsor_link_token(nonce: str) -> str:
    return token_derived(purpose=SPONSOR_LINK_PURPOSE, nonce=nonce)


VERSION_NOTE_MAX = 200


class PetitionVersion(models.Model):
    """The text of a petition from one moment on: version 1 as it opened, one per edit after.

    The petition row holds the current text too (pages read one row); these rows are its
    history, and signatures record which of them was current when they were made.
    """

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=80)
    summary = models.CharField(_("what should happen"), max_length=300)
    statement = models.TextField(_("why"), max_length=5000, blank=True)
    # Public: what the organiser changed and why. Empty only for version 1.
    note = models.CharField(_("what changed"), max_length=VERSION_NOTE_MAX, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["petition", "number"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["petition", "number"], name="petition_version_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="petition_version_from_one"),
            models.CheckConstraint(
                condition=Q(number=1) | ~Q(note=""), name="petition_version_edit_has_note"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} v{self.number}"

    @property
    def statement_html(self) -> SafeString:
        return markdown_render(self.statement)


class SignatureQuerySet(models.QuerySet["Signature"]):
    def counted(self) -> SignatureQuerySet:
        """Confirmed and not shadow-flagged: what the count is made of."""
        return self.filter(state=Signature.State.CONFIRMED, flagged=False)

    def sponsors(self) -> SignatureQuerySet:
        """Signatures made through a petition's sponsor link."""
        return self.filter(source=Signature.SOURCE_SPONSOR)


class Signature(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        INVALIDATED = "invalidated", _("Invalidated")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # The source of a sponsor's signature: reserved, never taken from a share link's code
    # (petitions.forms.source_clean), so only the sponsor page makes sponsors.
    SOURCE_SPONSOR: ClassVar[str] = "sponsor"

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="signatures")
    name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254)
    # Lower-cased, provider-normalised address: the de-duplication key (see lib/email_address).
    email_canonical = models.CharField(max_length=254)
    electorate = models.CharField(max_length=64, blank=True)
    country = CountryField()
    source = models.CharField(max_length=32, blank=True)
    notify = models.BooleanField(default=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Explicit consent, as given on the sign form: which consent text (its version), when,
    # and which privacy notice was shown beside it (see /privacy).
    consent_version = models.CharField(max_length=16)
    consented_at = models.DateTimeField(default=timezone.now)
    privacy_notice_version = models.CharField(max_length=16, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Set once name and email are gone (erased by the signer, or by the retention job): the
    # row stays, with its electorate, country, source and state, so counts stay exact.
    anonymised_at = models.DateTimeField(null=True, blank=True)
    # SHA-256 of the single-use confirmation token; kept once used, so that the spent link
    # can be recognised as used; replaced when a new link is sent.
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    emails_sent = models.PositiveSmallIntegerField(default=0)
    # Keyed, truncated hash of the signer's IP address (lib/client_ip), for rate limits and
    # fraud review; emptied after IP_HASH_KEEP_DAYS by the worker (tautoko/fraud).
    ip_hash = models.CharField(max_length=16, null=True, blank=True)  # noqa: DJ001 - NULL: dropped
    # Shadow-flagged by a fraud check: stored and treated like any other signature in what
    # the signer sees, but never counted. ``flag_reasons`` says which checks, comma-separated.
    flagged = models.BooleanField(default=False)
    flag_reasons = models.CharField(max_length=200, blank=True)
    # Public, unguessable reference used in the signer's own URLs (never the row id).
    receipt = models.CharField(max_length=24, unique=True)
    # The petition's text version that was current when this signature was made
    # (Petition.version, as the sign view read it; see PetitionVersion).
    petition_version = models.PositiveSmallIntegerField(default=1)
    # The language the signer signed in: their emails about the petition (updates, the
    # official response) are in it. Empty for signatures made before it was kept.
    language = models.CharField(max_length=8, blank=True)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["petition", "email_canonical"], name="signature_one_per_person"
            ),
            models.CheckConstraint(
                condition=Q(state="confirmed", confirmed_at__isnull=False) | ~Q(state="confirmed"),
                name="signature_confirmed_has_time",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(
                fields=["petition", "state", "confirmed_at"], name="signature_counted_idx"
            ),
            models.Index(fields=["petition", "ip_hash", "created_at"], name="signature_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.petition_id}"

    def confirm(self, *, now: dt.datetime) -> None:
        if self.state != self.State.PENDING:
            raise IllegalTransition(f"cannot confirm a signature that is {self.state}")
        self.state = self.State.CONFIRMED
        self.confirmed_at = now
        self.token_expires_at = None
        self.save(update_fields=["state", "confirmed_at", "token_expires_at"])

    @property
    def is_counted(self) -> bool:
        return self.state == self.State.CONFIRMED and not self.flagged

    @property
    def is_sponsor(self) -> bool:
        return self.source == self.SOURCE_SPONSOR

    def token_is_expired(self, *, now: dt.datetime) -> bool:
        return self.token_expires_at is None or self.token_expires_at <= now


class Tally(models.Model):
    """A settled count of confirmed signatures, by dimension.

    ``total`` has one row per petition (key ""); ``electorate``, ``country`` and ``source``
    one row per value; ``hour`` one row per UTC hour (key ``YYYY-MM-DDTHH``). Rows move only
    when the worker folds in ``TallyDelta`` rows, never once per signature.
    """

    class Dimension(models.TextChoices):
        TOTAL = "total", _("Total")
        ELECTORATE = "electorate", _("Electorate")
        COUNTRY = "country", _("Country")
        SOURCE = "source", _("Source")
        HOUR = "hour", _("Hour")

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="tallies")
    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    key = models.CharField(max_length=64, blank=True)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["petition", "dimension", "key"], name="tally_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.dimension}:{self.key}={self.count}"


class TallyDelta(models.Model):
    """One change to the counts (+1 on confirm, -1 on withdrawal or invalidation).

    Written in the same transaction as the change to the signature: an insert, so that no
    two signers ever wait on the same row. The worker folds these into ``Tally`` and
    deletes them in one transaction, so each is counted exactly once.
    """

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="+")
    electorate = models.CharField(max_length=64, blank=True)
    country = models.CharField(max_length=2, blank=True)
    source = models.CharField(max_length=32, blank=True)
    at = models.DateTimeField()
    delta = models.SmallIntegerField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=Q(delta__in=[-1, 1]), name="tally_delta_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.delta:+d} @ {self.at:%Y-%m-%d %H:%M}"


class TimelineEventQuerySet(models.QuerySet["TimelineEvent"]):
    def public(self) -> TimelineEventQuerySet:
        """What anyone may see on a petition's timeline: all but moderators' own events."""
        return self.exclude(kind__in=TimelineEvent.STAFF_ONLY)


class TimelineEvent(models.Model):
    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        SPONSORING = "sponsoring", _("Gathering sponsors")
        SUBMITTED = "submitted", _("Sent for moderation")
        OPENED = "opened", _("Opened for signatures")
        SHARED = "shared", _("Shared")
        GOAL_REACHED = "goal_reached", _("Goal reached")
        GOAL_RAISED = "goal_raised", _("Goal raised")
        UPDATE = "update", _("Update posted")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected")
        HIDDEN = "hidden", _("Hidden")
        RESTORED = "restored", _("Restored")
        EDITED = "edited", _("Text changed")
        THRESHOLD_REACHED = "threshold_reached", _("Threshold reached")
        RESPONDED = "responded", _("Official response")
        DEBATE_SCHEDULED = "debate_scheduled", _("Debate scheduled")
        DEBATED = "debated", _("Debated")
        # The organiser's: switching the goal ladder, setting the goal by hand, victory.
        LADDER_ON = "ladder_on", _("Goal ladder switched on")
        LADDER_OFF = "ladder_off", _("Goal ladder switched off")
        GOAL_CHANGED = "goal_changed", _("Goal changed")
        SUCCESSFUL = "successful", _("Victory declared")
        # Moderation's own (see STAFF_ONLY).
        SECOND_OPINION_ASKED = "second_opinion_asked", _("Second opinion asked for")
        SECOND_OPINION_GIVEN = "second_opinion_given", _("Second opinion given")
        DECISION_MAKER_LISTED = "decision_maker_listed", _("Proposed decision maker listed")
        DECISION_MAKER_MATCHED = "decision_maker_matched", _("Decision maker matched")

    # Moderators' deliberation: shown on the moderation pages only, never to the public nor
    # to the organiser (the result of it, the approval or rejection, is public).
    STAFF_ONLY: ClassVar[tuple[str, ...]] = (
        Kind.SECOND_OPINION_ASKED,
        Kind.SECOND_OPINION_GIVEN,
        Kind.DECISION_MAKER_LISTED,
        Kind.DECISION_MAKER_MATCHED,
    )
    # The goal's history: reached, raised by the ladder, changed by the organiser.
    GOAL_KINDS: ClassVar[tuple[str, ...]] = (
        Kind.GOAL_REACHED,
        Kind.GOAL_RAISED,
        Kind.GOAL_CHANGED,
    )

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = TimelineEventQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["at", "id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["petition", "at"], name="event_petition_at_idx")
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.kind} @ {self.at:%Y-%m-%d %H:%M}"
