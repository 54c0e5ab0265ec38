from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tautoko.petitions.models import Petition

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
