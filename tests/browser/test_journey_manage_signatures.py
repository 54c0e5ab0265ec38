"""A signer asks for a link by email, opens it and withdraws a signature: the count falls."""

from __future__ import annotations

from django.conf import settings
from django.test import override_settings
from playwright.sync_api import expect

from tautoko.outbox.services import outbox_deliver
from tautoko.petitions.demo import DEMO_SLUG, demo_load
from tautoko.petitions.models import Petition, Signature, TallyDelta
from tautoko.petitions.services import tallies_apply
from tests.browser.base import BrowserTestCase

SIGNER_EMAIL = "hine.withdraws@example.org"


# The development outbox at /dev/outbox/ exists only in demo mode, and only there do sent
# emails keep the bodies that hold the link.
@override_settings(DEMO=True, TAUTOKO={**settings.TAUTOKO, "OUTBOX_KEEP_BODIES": True})
class ManageSignaturesJourneyTests(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        demo_load()
        petition = Petition.objects.get(slug=DEMO_SLUG)
        signature = Signature.objects.filter(petition=petition).counted().first()
        assert signature is not None
        # One of the demo's confirmed signers is our signer.
        Signature.objects.filter(id=signature.id).update(
            name="Hine Withdraws", email=SIGNER_EMAIL, email_canonical=SIGNER_EMAIL
        )
        tallies_apply()

    def count_shown(self) -> int:
        return int(self.page.locator("[data-count]").inner_text().replace(",", ""))

    def test_a_signer_withdraws_from_the_emailed_link_and_the_count_falls_by_one(self) -> None:
        page = self.page
        page.goto(self.url(f"/{DEMO_SLUG}"))
        before = self.count_shown()
        assert before > 0

        page.get_by_role("link", name="Manage my signatures").click()
        page.get_by_label("Email address you signed with").fill(SIGNER_EMAIL)
        page.get_by_role("button", name="Email me a link").click()
        expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

        # The worker's job, done here: send the queued email.
        assert outbox_deliver() == 1
        page.goto(self.url("/dev/outbox/"))
        newest = page.locator("table.outbox tbody tr").first
        expect(newest).to_contain_text(SIGNER_EMAIL)
        newest.get_by_role("link").click()
        page.locator(".email-body a[href*='/my-signatures/']").click()

        expect(page.get_by_role("heading", name="Your signatures")).to_be_visible()
        row = page.locator("table.my-signatures tbody tr")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Hine Withdraws")
        row.get_by_role("button", name="Withdraw").click()
        expect(page.get_by_role("status")).to_contain_text("Your signature was withdrawn")
        expect(row.locator(".state")).to_have_text("Withdrawn")
        assert TallyDelta.objects.get().delta == -1

        # The worker's other job: fold the withdrawal into the settled count.
        assert tallies_apply() == 1
        page.goto(self.url(f"/{DEMO_SLUG}"))
        expect(page.locator("[data-count]")).to_have_text(f"{before - 1:,}")
        self.assert_no_page_errors()
