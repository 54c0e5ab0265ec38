"""An organiser types a new petition and watches the preview beside the form follow, with
an open petition on the same subject offered to sign instead and the short address it would
get; saving shows the preview again."""

from __future__ import annotations

from playwright.sync_api import expect

from tautoko.accounts.models import User
from tautoko.petitions.models import DecisionMaker, Petition
from tests.browser.base import BrowserTestCase

PASSWORD = "pōhutukawa-summer-2026"


class LivePreviewJourneyTests(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.minister = DecisionMaker.objects.create(
            slug="minister-of-education", name="The Minister of Education"
        )
        self.organiser = User.objects.create_user(
            "rawiri@example.org", PASSWORD, name="Rawiri", email_verified=True
        )
        Petition.objects.create(
            slug="heat-our-classrooms",
            title="Heat our classrooms",
            summary="Every classroom warm in winter.",
            statement="Cold children cannot learn.",
            decision_maker=self.minister,
            state=Petition.State.OPEN,
        )

    def test_the_preview_follows_the_typing_and_offers_the_similar_petition(self) -> None:
        page = self.page
        page.goto(self.url("/accounts/login/"))
        page.locator("input[name=login]").fill(self.organiser.email)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page.get_by_role("heading", name="Your petitions")).to_be_visible()
        page.goto(self.url("/organise/new"))

        preview = page.locator("aside.live-preview")
        form = page.locator("form.petition-form")
        expect(preview).to_be_visible()
        expect(preview.locator(".petition-title")).to_have_text("Your title")

        form.get_by_label("Title").press_sequentially("Warm classrooms", delay=20)
        expect(preview.locator(".petition-title")).to_have_text("Warm classrooms")
        form.get_by_label("What should happen").fill("Insulate every school.")
        expect(preview.locator(".summary")).to_have_text("Insulate every school.")
        form.get_by_label("Why").fill("Cold children **cannot** learn.")
        expect(preview.locator(".statement strong")).to_have_text("cannot")
        form.get_by_label("Who can make it happen").select_option("minister-of-education")
        expect(preview.locator(".to strong")).to_have_text("The Minister of Education")

        similar = preview.locator(".similar-petitions")
        expect(similar).to_contain_text("Is there already a petition for this?")
        expect(similar.get_by_role("link", name="Heat our classrooms")).to_have_attribute(
            "href", "/heat-our-classrooms"
        )
        expect(similar).to_contain_text("0 signatures")
        # The short address: made from the title, then the one typed, checked as it is typed.
        address = preview.locator(".petition-address")
        expect(address).to_contain_text(self.url("/warm-classrooms"))
        form.get_by_label("Short address").fill("admin")
        expect(preview.get_by_role("alert")).to_contain_text("reserved for the site")
        expect(preview.get_by_role("alert")).to_contain_text(self.url("/admin-petition"))
        form.get_by_label("Short address").fill("warm-rooms")
        expect(address).to_contain_text(self.url("/warm-rooms"))
        expect(preview.get_by_role("alert")).to_have_count(0)
        # The preview saved nothing.
        assert Petition.objects.count() == 1

        form.get_by_label("Signature goal").fill("500")
        form.get_by_role("button", name="Save draft and preview").click()
        expect(page.locator("[data-state]")).to_have_text("Draft")
        assert Petition.objects.filter(slug="warm-rooms", state=Petition.State.DRAFT).exists()
        expect(page.locator(".similar-petitions")).to_contain_text("Heat our classrooms")
        expect(page.get_by_role("button", name="Submit for moderation")).to_be_visible()
        self.assert_no_page_errors()
