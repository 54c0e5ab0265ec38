from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tautoko.petitions.models import IllegalTransition, Petition, TimelineEvent

# The permission every moderation page asks for; the "Moderators" group holds it.
PERMISSION_MODERATE = "moderation.moderate"
MODERATORS_GROUP = "Moderators"


class RejectionReasonQuerySet(models.QuerySet["RejectionReason"]):
    def active(self) -> RejectionReasonQuerySet:
        return self.filter(active=True)


class RejectionReason(models.Model):
    """One of the reasons moderators choose from; staff edit the list in the admin."""

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=120)
    explanation = models.TextField(
        blank=True, help_text=_("Shown to the organiser and on the petition's page.")
    )
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    objects = RejectionReasonQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["position", "label"]

    def __str__(self) -> str:
        return self.label


class Checkout(models.Model):
    """A moderator reviewing a petition: while it lasts, no other moderator can act on it."""

    petition = models.OneToOneField(Petition, on_delete=models.CASCADE, related_name="checkout")
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    taken_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        permissions = [
            ("moderate", "Can moderate petitions (queue, approve, reject, hide, restore)")
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} checked out by {self.moderator_id} until {self.expires_at}"

    def is_live(self, *, now: dt.datetime) -> bool:
        return self.expires_at > now


class OwnSecondOpinion(IllegalTransition):
    """The moderator who asked for a second opinion cannot be the one who gives it, nor
    approve or reject the petition before another moderator has looked at it."""


NOTE_MAX_LENGTH = 1000


class SecondOpinionQuerySet(models.QuerySet["SecondOpinion"]):
    def open(self) -> SecondOpinionQuerySet:
        """Asked for and not yet given: the petition is flagged."""
        return self.filter(answered_at__isnull=True)


class SecondOpinion(models.Model):
    """A moderator flags a pending petition for another moderator's view, with a note.

    While it is open, the moderator who asked cannot approve or reject the petition; another
    moderator closes it by giving an opinion, or by approving or rejecting the petition.
    Asking and answering are both timeline events (staff only: TimelineEvent.STAFF_ONLY).
    """

    class Outcome(models.TextChoices):
        OPINION = "opinion", _("Opinion given")
        APPROVED = "approved", _("Approved the petition")
        REJECTED = "rejected", _("Rejected the petition")

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="second_opinions")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    asked_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(max_length=NOTE_MAX_LENGTH)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(max_length=NOTE_MAX_LENGTH, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)

    objects = SecondOpinionQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["asked_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            # At most one open request per petition, even with two moderators asking at once.
            models.UniqueConstraint(
                fields=["petition"],
                condition=Q(answered_at__isnull=True),
                name="second_opinion_one_open",
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True, outcome="")
                | Q(answered_at__isnull=False) & ~Q(outcome=""),
                name="second_opinion_answered_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"Second opinion on {self.petition_id} asked by {self.asked_by_id}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None

    def is_asked_by(self, moderator: Any) -> bool:
        return self.asked_by_id is not None and self.asked_by_id == moderator.pk

    @classmethod
    def ask(
        cls, *, petition: Petition, by: Any, note: str, now: dt.datetime | None = None
    ) -> SecondOpinion:
        """Flag a pending petition for a second opinion; refused without a note, for a
        petition that is not pending, and while another request on it is open."""
        now = now or timezone.now()
        if not note.strip():
            raise IllegalTransition("asking for a second opinion needs a note")
        if petition.state != Petition.State.PENDING:
            raise IllegalTransition(
                f"cannot ask for a second opinion on a petition that is {petition.state}"
            )
        try:
            with transaction.atomic():
                opinion = cls.objects.create(
                    petition=petition, asked_by=by, asked_at=now, note=note
                )
        except IntegrityError as error:
            raise IllegalTransition("a second opinion is already asked for") from error
        petition.event(kind=TimelineEvent.Kind.SECOND_OPINION_ASKED, at=now, actor=by, note=note)
        return opinion

    def _answer(
        self, *, by: Any, outcome: str, answer: str, now: dt.datetime | None
    ) -> TimelineEvent:
        now = now or timezone.now()
        if self.is_asked_by(by):
            raise OwnSecondOpinion("another moderator must give the second opinion")
        # Conditional on it being open, so two moderators answering at once cannot both do so.
        answered = SecondOpinion.objects.filter(id=self.id, answered_at__isnull=True).update(
            answered_by=by, answered_at=now, answer=answer, outcome=outcome
        )
        if not answered:
            raise IllegalTransition("this second opinion was already given")
        self.answered_by, self.answered_at, self.answer, self.outcome = by, now, answer, outcome
        return self.petition.event(
            kind=TimelineEvent.Kind.SECOND_OPINION_GIVEN,
            at=now,
            actor=by,
            note=answer,
            data={"outcome": outcome},
        )

    def give(self, *, by: Any, opinion: str, now: dt.datetime | None = None) -> TimelineEvent:
        """Another moderator gives their opinion; the petition is then free to be decided."""
        if not opinion.strip():
            raise IllegalTransition("a second opinion needs a few words")
        return self._answer(by=by, outcome=self.Outcome.OPINION, answer=opinion, now=now)

    def settle(self, *, by: Any, outcome: str, now: dt.datetime | None = None) -> TimelineEvent:
        """Another moderator approves or rejects the flagged petition: that is their opinion."""
        if outcome not in (self.Outcome.APPROVED, self.Outcome.REJECTED):
            raise ValueError(f"not a decision: {outcome}")
        return self._answer(by=by, outcome=outcome, answer="", now=now)
