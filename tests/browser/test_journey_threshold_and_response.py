"""The public signs a petition until it reaches the response threshold (set low here); staff,
after the two-factor check, publish the official response; it reaches the signers who asked
to be kept updated, in the development outbox, and shows on the petition's page."""

from __future__ import annotations

from django.conf import settings
from django.test import override_settings
from playwright.sync_api import expect

from tautoko.accounts.models import User
from tautoko.accounts.staff import totp_device_add
from tautoko.fraud.checks import fraud_state_forget
from tautoko.fraud.models import FraudSettings
from tautoko.moderation.services import moderators_group_ensure
from tautoko.outbox.services import broadcasts_fan_out, outbox_deliver
from tautoko.petitions.models import DecisionMaker, Petition, Signature
from tautoko.petitions.services import tallies_apply
from tautoko.responses.models import OfficialResponse, ThresholdCrossing
from tests.base import caches_clear
from tests.browser.base import BrowserTestCase

PASSWORD = "pōhutukawa-summer-2026"
SIGNER_NAME = "Aroha Testing"
SIGNER_EMAIL = "aroha.testing@example.org"
RESPONSE = "The Government will fund **warm homes** for every renter."


@override_settings(
    DEMO=True,
    TAUTOKO={
        **settings.TAUTOKO,
        "OUTBOX_KEEP_BODIES": True,
        "RESPONSE_THRESHOLD": 2,
        "DEBATE_THRESHOLD": 1_000,
    },
)
class ThresholdAndResponseJourneyTests(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        maker = DecisionMaker.objects.create(
            slug="minister-of-housing",
            name="The Minister of Housing",
            contact_email="housing@example.govt.nz",
        )
        self.petition = Petition.objects.create(
            slug="warm-homes",
            title="Warm homes for renters",
            summary="Set a heating standard for every rented home.",
            statement="Cold homes make children sick.",
            decision_maker=maker,
            goal=100,
            goal_ladder=False,
        )
        self.petition.open()
        self.moderator = User.objects.create_user(
            "mere@example.org", PASSWORD, name="Mere", is_staff=True, email_verified=True
        )
        self.moderator.groups.add(moderators_group_ensure())
        self.device = totp_device_add(user=self.moderator)
        # Two people sign from one address (this test's browser) within a minute: above
        # the default per-IP burst limit, which would shadow-flag the second (tautoko/fraud).
        FraudSettings.objects.create(burst_limit=5, sustained_limit=10)
        fraud_state_forget()

    def test_a_petition_crosses_the_threshold_and_its_response_reaches_its_signers(
        self,
    ) -> None:
        page = self.page
        slug = self.petition.slug
        self.sign_and_confirm(slug, name=SIGNER_NAME, email=SIGNER_EMAIL, notify=True)
        self.sign_and_confirm(slug, name="Quiet Signer", email="quiet@example.org", notify=False)
        assert Signature.objects.counted().count() == 2

        # The worker folds the confirmations: the count reaches the threshold.
        tallies_apply()
        assert ThresholdCrossing.objects.get(petition=self.petition).threshold == "response"
        caches_clear()
        page.goto(self.url(f"/{self.petition.slug}"))
        expect(page.locator(".timeline")).to_contain_text("Threshold reached")
        # Staff and the decision maker's contact are told.
        outbox_deliver()
        page.goto(self.url("/dev/outbox/"))
        outbox = page.locator("table.outbox tbody")
        expect(outbox).to_contain_text("housing@example.govt.nz")
        expect(outbox).to_contain_text(self.moderator.email)

        # Staff log in, pass the two-factor check and publish the response.
        self.staff_log_in_and_verify(self.moderator.email, password=PASSWORD, device=self.device)
        page.goto(self.url("/staff/responses/"))
        page.locator("table.responses-waiting").get_by_role(
            "link", name="Warm homes for renters"
        ).click()
        form = page.locator("form.response-form")
        form.get_by_label("The official response").fill(RESPONSE)
        form.get_by_role("button", name="Publish the response").click()
        expect(page.locator("ul.messages")).to_contain_text("Response published")
        assert OfficialResponse.objects.get().published_by == self.moderator

        # The public page shows it.
        page.context.clear_cookies()
        caches_clear()
        page.goto(self.url(f"/{self.petition.slug}"))
        section = page.locator("section.official-response")
        expect(section.get_by_role("heading")).to_have_text("Response from The Minister of Housing")
        expect(section.locator("strong")).to_have_text("warm homes")

        # The worker fans the response out and sends it: only the signer who opted in.
        while broadcasts_fan_out():
            pass
        outbox_deliver()
        page.goto(self.url("/dev/outbox/"))
        responses = page.locator("table.outbox tbody tr", has_text="Response from")
        expect(responses).to_have_count(1)
        expect(responses).to_contain_text(SIGNER_EMAIL)
        responses.get_by_role("link").click()
        expect(page.locator(".email-body")).to_contain_text(f"Kia ora {SIGNER_NAME}")
        expect(page.locator(".email-body")).to_contain_text("warm homes")
        self.assert_no_page_errors()
