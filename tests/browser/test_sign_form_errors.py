"""The sign form, submitted with mistakes, says what is wrong and keeps what was typed."""

from __future__ import annotations

from playwright.sync_api import expect

from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.forms import ERROR_CONSENT_REQUIRED, ERROR_EMAIL_INVALID
from tautoko.petitions.models import DecisionMaker, Petition, Signature
from tests.browser.base import BrowserTestCase

TYPED_NAME = "Mere Parata"
TYPED_EMAIL = "mere.parata-at-example.org"
CORRECTED_EMAIL = "mere.parata@example.org"


class SignFormErrorsTests(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        decision_maker = DecisionMaker.objects.create(slug="council", name="The Council")
        self.petition = Petition.objects.create(
            slug="fixthepotholes",
            title="Fix the potholes",
            summary="We ask the council to fix the potholes on our street.",
            decision_maker=decision_maker,
            state=Petition.State.OPEN,
        )

    def test_it_shows_the_errors_and_keeps_the_typed_values(self) -> None:
        page = self.page
        page.goto(self.url("/fixthepotholes"))
        form = page.locator("form.sign-form")
        form.get_by_label("Your name", exact=True).fill(TYPED_NAME)
        form.get_by_label("Email address", exact=True).fill(TYPED_EMAIL)
        form.get_by_label("Electorate", exact=True).select_option("Dunedin")
        form.get_by_label("Keep me updated").check()
        with page.expect_response(lambda response: response.url.endswith("/sign")) as answer:
            form.get_by_role("button", name="Sign", exact=True).click()
        assert answer.value.status == 400

        form = page.locator("form.sign-form")
        expect(form.get_by_role("alert")).to_contain_text("Please correct the problems below.")
        # Each message is its field's accessible description: read with the field, not
        # only seen beside it (aria-describedby names the message's id).
        email = form.get_by_label("Email address", exact=True)
        expect(email).to_have_attribute("aria-invalid", "true")
        expect(email).to_have_accessible_description(str(ERROR_EMAIL_INVALID))
        consent = form.get_by_label("I agree that Tautoko records my signature")
        expect(consent).to_have_accessible_description(str(ERROR_CONSENT_REQUIRED))
        expect(form.locator(".has-error")).to_have_count(2)
        expect(form.get_by_label("Your name", exact=True)).to_have_value(TYPED_NAME)
        expect(form.get_by_label("Email address", exact=True)).to_have_value(TYPED_EMAIL)
        expect(form.get_by_label("Electorate", exact=True)).to_have_value("Dunedin")
        expect(form.get_by_label("Keep me updated")).to_be_checked()
        expect(form.get_by_label("I agree that Tautoko records my signature")).not_to_be_checked()
        assert not Signature.objects.exists()
        assert not OutboundEmail.objects.exists()

        form.get_by_label("Email address", exact=True).fill(CORRECTED_EMAIL)
        form.get_by_label("I agree that Tautoko records my signature").check()
        form.get_by_role("button", name="Sign", exact=True).click()
        expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
        signature = Signature.objects.get(petition=self.petition)
        assert (signature.name, signature.email, signature.electorate, signature.notify) == (
            TYPED_NAME,
            CORRECTED_EMAIL,
            "Dunedin",
            True,
        )
        self.assert_no_page_errors()
