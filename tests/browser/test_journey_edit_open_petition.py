"""An organiser changes the text of an open petition people have signed: the public page
says it changed since it opened, and its history shows what changed, word by word."""

from __future__ import annotations

from playwright.sync_api import expect

from tautoko.accounts.models import User
from tautoko.petitions.models import DecisionMaker, Petition
from tests.browser.base import BrowserTestCase

PASSWORD = "kererū-autumn-2026"


class EditOpenPetitionJourneyTests(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.organiser = User.objects.create_user(
            "rawiri@example.org", PASSWORD, name="Rawiri", email_verified=True
        )
        moderator = User.objects.create_user("mere@example.org", PASSWORD, is_staff=True)
        self.petition = Petition.objects.create(
            slug="kaiwharawhara",
            title="Save the Kaiwharawhara stream",
            summary="Stop the council from piping the stream.",
            statement="The council votes on *3 March*.",
            decision_maker=DecisionMaker.objects.create(slug="wcc", name="Wellington City Council"),
            organiser=self.organiser,
            state=Petition.State.PENDING,
            goal=100,
        )
        self.petition.approve(by=moderator)

    def test_the_organiser_edits_and_the_public_sees_the_notice_and_the_diff(self) -> None:
        page = self.page
        # A visitor's view first: the petition and its page are now in the cache.
        page.goto(self.url("/kaiwharawhara"))
        expect(page.get_by_role("heading", name="Save the Kaiwharawhara stream")).to_be_visible()
        expect(page.locator("[data-changed]")).to_have_count(0)

        page.goto(self.url("/accounts/login/"))
        page.locator("input[name=login]").fill(self.organiser.email)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page.get_by_role("heading", name="Your petitions")).to_be_visible()
        page.get_by_role("link", name="Dashboard").click()
        page.get_by_role("link", name="Change the text").click()

        expect(page.get_by_text("The decision maker cannot change")).to_be_visible()
        form = page.locator("form.petition-form")
        # Saving the text as it is is refused, with a clear error.
        form.get_by_label("What changed").fill("Nothing really.")
        form.get_by_role("button", name="Save as a new version").click()
        expect(page.get_by_text("This is the text as it stands")).to_be_visible()

        form = page.locator("form.petition-form")
        form.locator("textarea[name=statement]").fill("The council votes on *10 March*.")
        form.get_by_label("What changed").fill("Corrected the date of the vote.")
        form.get_by_role("button", name="Save as a new version").click()
        expect(page.get_by_text("Saved as version 2.")).to_be_visible()

        page.goto(self.url("/kaiwharawhara"))
        notice = page.locator("[data-changed]")
        expect(notice).to_contain_text("Changed since it opened")
        expect(page.locator(".statement em").first).to_have_text("10 March")
        expect(page.locator(".timeline")).to_contain_text("Corrected the date of the vote.")
        notice.get_by_role("link", name="see the history").click()

        expect(
            page.get_by_role("heading", name="History of “Save the Kaiwharawhara stream”")
        ).to_be_visible()
        latest = page.locator("#version-2")
        expect(latest).to_contain_text("Corrected the date of the vote.")
        expect(latest.locator("del")).to_have_text("removed: *3")
        expect(latest.locator("ins")).to_have_text("added: *10")
        expect(page.locator("#version-1")).to_contain_text("The text as the petition opened.")
        page.locator("#version-1 summary").click()
        expect(page.locator("#version-1 em")).to_have_text("3 March")
        self.assert_no_page_errors()
