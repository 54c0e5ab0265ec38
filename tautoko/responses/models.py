"""Thresholds crossed, official responses and debates: what a decision maker owes a petition."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from tautoko.lib.markdown import markdown_render
from tautoko.petitions.models import Petition


class Threshold(models.TextChoices):
    """The site's thresholds; their signature counts are settings (see ``threshold_levels``)."""

    RESPONSE = "response", _("Official response")
    DEBATE = "debate", _("Considered for debate")


def threshold_levels() -> dict[str, int]:
    """Signatures needed for each threshold, lowest first."""
    limits = settings.TAUTOKO
    levels = {
        Threshold.RESPONSE.value: int(limits["RESPONSE_THRESHOLD"]),
        Threshold.DEBATE.value: int(limits["DEBATE_THRESHOLD"]),
    }
    return dict(sorted(levels.items(), key=lambda item: item[1]))


class ThresholdCrossing(models.Model):
    """A petition reached a threshold. At most one row per threshold: a unique constraint,
    so that two workers folding counts at once cannot both record (and announce) it."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="crossings")
    threshold = models.CharField(max_length=16, choices=Threshold.choices)
    signatures = models.PositiveIntegerField(help_text=_("The threshold's level at the time."))
    crossed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["petition", "threshold"], name="threshold_crossed_once"
            ),
        ]
        ordering: ClassVar[list[str]] = ["crossed_at", "id"]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.threshold} @ {self.crossed_at:%Y-%m-%d}"


class OfficialResponse(models.Model):
    """The decision maker's response, published by staff. One per petition."""

    petition = models.OneToOneField(
        Petition, on_delete=models.CASCADE, related_name="official_response"
    )
    body = models.TextField(_("response"), max_length=10_000)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Response to {self.petition_id}"

    @property
    def body_html(self) -> SafeString:
        return markdown_render(self.body)


class Debate(models.Model):
    """A debate of the petition: scheduled for a date, later given its outcome."""

    petition = models.OneToOneField(Petition, on_delete=models.CASCADE, related_name="debate")
    scheduled_for = models.DateField()
    outcome = models.TextField(blank=True, max_length=10_000)
    debated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(debated_at__isnull=True) | ~Q(outcome=""),
                name="debate_held_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"Debate of {self.petition_id} on {self.scheduled_for}"

    @property
    def outcome_html(self) -> SafeString:
        return markdown_render(self.outcome)

    def is_held(self) -> bool:
        return self.debated_at is not None


def days_between(start: dt.datetime, end: dt.datetime) -> int:
    return max(0, (end - start).days)
