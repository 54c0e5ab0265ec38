"""A visitor signs the demo petition, confirms by email and sees the count rise."""

from __future__ import annotations

from django.conf import settings
from django.test import override_settings
from playwright.sync_api import expect

from tautoko.outbox.services import outbox_deliver
from tautoko.petitions.demo import DEMO_SLUG, demo_load
from tautoko.petitions.models import Signature
from tautoko.petitions.services import tallies_apply
from tests.browser.base import BrowserTestCase

SIGNER_NAME = "Aroha Testing"
SIGNER_EMAIL = "aroha.testing@example.org"


# The development outbox at /dev/outbox/ exists only in demo mode, and only there do sent
# emails keep the bodies that hold the confirmation link.
@override_settings(DEMO=True, TAUTOKO={**settings.TAUTOKO, "OUTBOX_KEEP_BODIES": True})
class SignAndConfirmJourneyTests(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        demo_load()

    def count_shown(self) -> int:
        return int(self.page.locator("[data-count]").inner_text().replace(",", ""))

    def test_a_visitor_signs_confirms_from_the_email_and_the_count_rises_by_one(self) -> None:
        page = self.page
        page.goto(self.url(f"/{DEMO_SLUG}"))
        before = self.count_shown()
        assert before > 0

        form = page.locator("form.sign-form")
        form.get_by_label("Your name", exact=True).fill(SIGNER_NAME)
        form.get_by_label("Email address", exact=True).fill(SIGNER_EMAIL)
        form.get_by_label("Electorate", exact=True).select_option("Wellington Central")
        form.get_by_label("I agree that Tautoko records my signature").check()
        # A person takes a few seconds over the form; a form sent sooner after the page was
        # served is shadow-flagged (tautoko/fraud), and would not raise the count below.
        page.wait_for_timeout(3_000)
        form.get_by_role("button", name="Sign", exact=True).click()
        expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
        signature = Signature.objects.get(email=SIGNER_EMAIL)
        assert signature.state == Signature.State.PENDING
        # The page's script solved the proof-of-work: not flagged, so it will count.
        assert (signature.flagged, signature.flag_reasons) == (False, "")

        # The worker's job, done here: send the queued confirmation email.
        assert outbox_deliver() == 1
        page.goto(self.url("/dev/outbox/"))
        newest = page.locator("table.outbox tbody tr").first
        expect(newest).to_contain_text(SIGNER_EMAIL)
        newest.get_by_role("link").click()
        expect(page.locator(".email-body")).to_contain_text(f"Kia ora {SIGNER_NAME}")

        page.locator(".email-body a[href*='/confirm/']").click()
        expect(page.get_by_role("heading", name="Confirm your signature")).to_be_visible()
        page.get_by_role("button", name="Confirm", exact=True).click()
        expect(page.locator(".signer-number")).to_have_text(
            f"You are signer number {before + 1:,}."
        )

        page.get_by_role("link", name="Back to the petition").click()
        expect(page.locator("[data-count]")).to_have_text(f"{before:,}")
        # Marks this very document: it is gone if the page is reloaded.
        page.evaluate("window.notReloaded = true")
        # The worker's other job: fold the confirmation into the settled count.
        assert tallies_apply() == 1
        expect(page.locator("[data-count]")).to_have_text(f"{before + 1:,}")
        assert page.evaluate("window.notReloaded === true")

        page.reload()
        assert self.count_shown() == before + 1
        self.assert_no_page_errors()
