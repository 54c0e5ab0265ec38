"""The shared base of the sponsor tests: petitions gathering sponsors, and their sponsors."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.urls import reverse

from tautoko.petitions.models import Petition, Signature
from tests.base import TautokoTestCase, tautoko_settings

# The sponsors the sponsor tests ask for (the site's default is 5; the suite's 0).
REQUIRED = 3


class SponsorsTestCase(TautokoTestCase):
    """Every test here runs with REQUIRED sponsors switched on."""

    def setUp(self) -> None:
        super().setUp()
        sponsors_on = tautoko_settings(SPONSORS_REQUIRED=REQUIRED)
        sponsors_on.enable()
        self.addCleanup(sponsors_on.disable)

    def make_sponsoring_petition(
        self, *, now: dt.datetime | None = None, **fields: Any
    ) -> Petition:
        """A draft the organiser submitted: it gathers sponsors through its link, kept on the
        instance as ``petition.sponsor_token``."""
        petition = self.make_petition(state=Petition.State.DRAFT, **fields)
        petition.submit(by=self.organiser, now=now)
        petition.sponsor_token = petition.sponsor_link_token()  # type: ignore[attr-defined]
        return petition

    def make_sponsor(
        self, petition: Petition, *, state: str = Signature.State.CONFIRMED, **fields: Any
    ) -> Signature:
        """A sponsor's signature (confirmed unless told otherwise; see make_signature)."""
        return self.make_signature(petition, state=state, source=Signature.SOURCE_SPONSOR, **fields)

    def sponsor_url(self, petition: Petition, name: str = "page") -> str:
        return reverse(f"sponsors:{name}", args=[petition.sponsor_token])  # type: ignore[attr-defined]

    def sponsor_confirmation_link_latest(self, *, to: str | None = None) -> str:
        """The path of the sponsor confirmation link in the latest sent email."""
        email = self.email_latest(to=to)
        assert email.template == "confirm-sponsor", email.template
        match = re.search(
            re.escape(settings.SITE_URL) + r"(/sponsor/confirm/[\w-]+)", email.body_text
        )
        assert match is not None, f"no sponsor confirmation link in: {email.body_text}"
        return match.group(1)
