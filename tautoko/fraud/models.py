from __future__ import annotations

import ipaddress
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tautoko.lib.tokens import code_new
from tautoko.petitions.models import Petition, Signature

# The permission the bulk invalidation pages ask for (with two-factor).
PERMISSION_INVALIDATE = "fraud.invalidate"


class FraudSettings(models.Model):
    """The limits and thresholds of the fraud checks: one row, edited by staff in the admin.

    The sign path reads it through ``tautoko.fraud.checks.settings_current()``, which keeps
    a copy per process for a few seconds, so an edit takes effect everywhere within
    ``TAUTOKO["FRAUD_CONFIG_SECONDS"]`` without a deploy.
    """

    burst_limit = models.PositiveIntegerField(default=1)
    burst_seconds = models.PositiveIntegerField(default=60)
    sustained_limit = models.PositiveIntegerField(default=5)
    sustained_seconds = models.PositiveIntegerField(default=300)
    no_pow_sustained_limit = models.PositiveIntegerField(
        default=2,
        help_text=_("Sustained limit for signatures sent without a proof-of-work (no JavaScript)."),
    )
    pow_max_number = models.PositiveIntegerField(
        default=50_000, help_text=_("Proof-of-work difficulty: the largest number to search.")
    )
    pow_surge_max_number = models.PositiveIntegerField(
        default=200_000, help_text=_("Difficulty for a petition in surge mode.")
    )
    surge_signs_per_minute = models.PositiveIntegerField(
        default=600, help_text=_("A petition signed faster than this is in surge mode.")
    )
    surge_failure_percent = models.PositiveSmallIntegerField(
        default=30,
        help_text=_("Or when this share of its sign requests fails the checks (at least 20)."),
    )
    min_fill_seconds = models.PositiveSmallIntegerField(
        default=3, help_text=_("A form sent sooner than this after the page was served is flagged.")
    )
    trending_ip_threshold = models.PositiveIntegerField(
        default=20, help_text=_("Alert when one IP signs one petition this often in an hour.")
    )
    trending_domain_threshold = models.PositiveIntegerField(
        default=200,
        help_text=_("Alert when one email domain signs one petition this often in an hour."),
    )

    class Meta:
        verbose_name = _("fraud settings")
        verbose_name_plural = _("fraud settings")

    def __str__(self) -> str:
        return "Fraud settings"


class Rule(models.Model):
    """A staff allow or block entry for an IP network, an email domain or an address.

    Blocked: the signature is shadow-flagged. Allowed: an IP network or address is exempt
    from the rate limits; a domain or address is accepted even if it is a disposable one.
    """

    class Kind(models.TextChoices):
        NETWORK = "network", _("IP network (CIDR)")
        DOMAIN = "domain", _("Email domain")
        ADDRESS = "address", _("Email address")

    class Action(models.TextChoices):
        ALLOW = "allow", _("Allow")
        BLOCK = "block", _("Block")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    value = models.CharField(max_length=254)
    action = models.CharField(max_length=8, choices=Action.choices)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["kind", "value"], name="fraud_rule_unique")
        ]
        ordering: ClassVar[list[str]] = ["kind", "value"]

    def __str__(self) -> str:
        return f"{self.action} {self.kind} {self.value}"

    def clean(self) -> None:
        self.value = self.value.strip().lower()
        if self.kind == self.Kind.NETWORK:
            try:
                self.value = str(ipaddress.ip_network(self.value, strict=False))
            except ValueError as error:
                raise ValidationError({"value": _("Enter a network like 192.0.2.0/24.")}) from error
        elif self.kind == self.Kind.DOMAIN and ("@" in self.value or "." not in self.value):
            raise ValidationError({"value": _("Enter a domain like example.org.")})
        elif self.kind == self.Kind.ADDRESS and "@" not in self.value:
            raise ValidationError({"value": _("Enter an address like name@example.org.")})


class Invalidation(models.Model):
    """An audit record of one bulk invalidation: who, why, when, what it matched, how many.

    The signatures it took are listed in ``InvalidationItem`` with the state each had, so
    that it can be cancelled (every one restored) exactly.
    """

    # Public reference for the staff pages' URLs (never the row id).
    code = models.CharField(max_length=24, unique=True, default=code_new)
    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    criteria = models.JSONField(default=dict)
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    invalidated = models.PositiveIntegerField(default=0)
    uncounted = models.PositiveIntegerField(default=0)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    restored = models.PositiveIntegerField(default=0)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        permissions = (("invalidate", "Can invalidate signatures in bulk"),)
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True) | Q(cancelled_by__isnull=False),
                name="invalidation_cancel_has_who",
            )
        ]

    def __str__(self) -> str:
        return f"Invalidation {self.id}: {self.invalidated} signatures"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class InvalidationItem(models.Model):
    invalidation = models.ForeignKey(Invalidation, on_delete=models.CASCADE, related_name="items")
    signature = models.ForeignKey(Signature, on_delete=models.CASCADE, related_name="+")
    previous_state = models.CharField(max_length=16, choices=Signature.State.choices)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["invalidation", "signature"], name="invalidation_item_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.invalidation_id}: {self.signature_id} was {self.previous_state}"


class TrendingAlert(models.Model):
    """One alert of the trending report: an IP hash or email domain signing one petition
    unusually often in an hour. Unique per hour, so staff are emailed once about it."""

    class Kind(models.TextChoices):
        IP = "ip", _("IP hash")
        DOMAIN = "domain", _("Email domain")

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    value = models.CharField(max_length=254)
    hour = models.CharField(max_length=13)  # YYYY-MM-DDTHH, UTC
    count = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["petition", "kind", "value", "hour"], name="trending_alert_once_an_hour"
            )
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.kind} {self.value}: {self.count} in {self.hour}"
