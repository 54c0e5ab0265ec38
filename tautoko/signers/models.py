from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.db import models
from django.utils import timezone


class ManageLink(models.Model):
    """A "manage my signatures" link sent by email: it opens every signature of one address.

    Only the SHA-256 digest of its token is stored (see lib/tokens). It works for a session
    of actions until it expires, and is spent when its holder erases their data.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    # The canonical address whose signatures the link opens; emptied once it is spent.
    email_canonical = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["expires_at"], name="managelink_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"manage link {self.id} (expires {self.expires_at:%Y-%m-%d %H:%M})"

    def is_expired(self, *, now: dt.datetime) -> bool:
        return self.expires_at <= now

    @property
    def outbox_prefix(self) -> str:
        """Start of the outbox key of the email that carried the link (with the colon, so
        that link 1's prefix is not also link 10's)."""
        return f"manage-link:{self.id}:"
