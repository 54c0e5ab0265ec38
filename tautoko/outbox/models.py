from __future__ import annotations

import datetime as dt
import re
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboundEmailQuerySet(models.QuerySet["OutboundEmail"]):
    def due(self, *, now: dt.datetime) -> OutboundEmailQuerySet:
        """Queued emails whose time has come, and claims abandoned by a dead worker."""
        return self.filter(
            Q(state=OutboundEmail.State.QUEUED, next_attempt_at__lte=now)
            | Q(state=OutboundEmail.State.SENDING, lease_expires_at__lte=now)
        )


class OutboundEmail(models.Model):
    """An email written in the same transaction as the change that caused it.

    The row commits or rolls back with that change, so a rolled-back signature never sends
    an email and a committed one always does. ``key`` names the event (for example the
    third email about one signature), so one event can never queue two emails.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    key = models.CharField(max_length=160, unique=True)
    # Public reference for the development outbox's URLs.
    code = models.CharField(max_length=24, unique=True)
    to = models.EmailField(max_length=254)
    template = models.CharField(max_length=60)
    language = models.CharField(max_length=8, default="en")
    # What the template needs. May hold a single-use link: wiped once sent (see worker).
    context = models.JSONField(default=dict)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    # One of a broadcast's many (an update, a response): sent after every email due that is
    # one person's own, so that a new signer's confirmation link never waits behind an
    # update to twenty thousand people.
    bulk = models.BooleanField(default=False)

    objects = OutboundEmailQuerySet.as_manager()

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["state", "next_attempt_at"], name="outbox_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.to} ({self.state})"

    @property
    def message_id(self) -> str:
        """Stable per event, so a receiving server can drop a copy sent twice after a crash.

        RFC 5322's dot-atom: a key's other characters (":", the "@" of an address in a
        threshold email's key) become dots, so there is one "@", before the domain."""
        local = re.sub(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+", ".", self.key).strip(".")
        return f"<{local}@tautoko>"


class Broadcast(models.Model):
    """One message to many people (an update, a response), fanned out by the worker.

    The worker turns it into one ``OutboundEmail`` per recipient, a batch at a time: each
    batch's emails and the new ``cursor`` commit together, and every email's key names the
    broadcast and the recipient, so a crash never skips anyone nor queues anyone twice.
    Recipients come from an audience registered by another app (see outbox/audiences.py).
    """

    key = models.CharField(max_length=120, unique=True)
    audience = models.CharField(max_length=60)
    audience_args = models.JSONField(default=dict)
    template = models.CharField(max_length=60)
    language = models.CharField(max_length=8, default="en")
    context = models.JSONField(default=dict)
    # The last recipient id queued so far; recipients are taken in id order.
    cursor = models.BigIntegerField(default=0)
    queued = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["finished_at"], name="broadcast_unfinished_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.queued} queued)"
