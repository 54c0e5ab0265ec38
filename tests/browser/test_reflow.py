"""Pages reflow at 320 CSS pixels (WCAG 1.4.10: 1,280 px zoomed to 400 %) without scrolling
sideways, in both languages, with their scripts running."""

from __future__ import annotations

from django.conf import settings

from tautoko.accounts.models import User
from tautoko.petitions.models import DecisionMaker, Petition, Signature
from tests.browser.base import BrowserTestCase

PASSWORD = "pōhutukawa-summer-2026"
WIDTH = 320


class ReflowTests(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.page.set_viewport_size({"width": WIDTH, "height": 800})
        maker = DecisionMaker.objects.create(slug="council", name="Wellington City Council")
        self.organiser = User.objects.create_user(
            "rawiri@example.org", PASSWORD, name="Rawiri", email_verified=True
        )
        self.petition = Petition.objects.create(
            slug="fixthepotholes",
            title="Fix the potholes on Ōwhiro Bay Parade",
            summary="We ask the council to fix the potholes on our street.",
            decision_maker=maker,
            organiser=self.organiser,
            state=Petition.State.OPEN,
        )
        self.signature = Signature.objects.create(
            petition=self.petition,
            name="Mere",
            email="mere@example.org",
            email_canonical="mere@example.org",
            country="NZ",
            consent_version="1",
            receipt="receipt-of-mere",
        )

    def scroll_width(self, path: str) -> int:
        self.page.goto(self.url(path))
        self.page.wait_for_load_state("networkidle")
        return int(self.page.evaluate("document.documentElement.scrollWidth"))

    def test_the_petition_and_thanks_pages_fit_in_both_languages(self) -> None:
        for language in ("en", "mi"):
            self.page.context.add_cookies(
                [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": self.url("/")}]
            )
            for path in ("/fixthepotholes", "/fixthepotholes/thanks/receipt-of-mere"):
                with self.subTest(language=language, path=path):
                    assert self.scroll_width(path) <= WIDTH
        self.assert_no_page_errors()

    def test_starting_a_petition_fits_with_its_live_preview(self) -> None:
        self.log_in(self.organiser.email, password=PASSWORD)
        assert self.scroll_width("/organise/new") <= WIDTH
        self.assert_no_page_errors()
