"""The shared base of the signers' privacy tests: a builder for "manage my signatures" links."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from tautoko.lib.email_address import email_canonical
from tautoko.lib.tokens import token_new
from tautoko.signers.models import ManageLink
from tests.base import TautokoTestCase


class SignersTestCase(TautokoTestCase):
    def make_manage_link(
        self, email: str, *, expires_at: dt.datetime | None = None
    ) -> tuple[ManageLink, str]:
        """A live link for ``email``'s signatures; returns the row and its token."""
        now = timezone.now()
        token, digest = token_new()
        link = ManageLink.objects.create(
            token_hash=digest,
            email_canonical=email_canonical(email),
            created_at=now,
            expires_at=expires_at
            or now + dt.timedelta(minutes=settings.TAUTOKO["MANAGE_LINK_TTL_MINUTES"]),
        )
        return link, token
