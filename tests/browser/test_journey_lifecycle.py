"""A petition's whole life, in one journey through the browser: an organiser writes and
submits it; two sponsors sign through the sponsor link and confirm by email; a moderator,
after the two-factor check, approves it; a member of the public signs and confirms; once
the worker folds the counts it has crossed the response threshold (set low here); staff
publish the official response; and it reaches, in the development outbox, the signers who
asked to be kept updated and no one else."""

from __future__ import annotations

from django.conf import settings
from django.test import override_settings
from playwright.sync_api import expect

from tautoko.accounts.models import User
from tautoko.accounts.staff import totp_device_add
from tautoko.fraud.models import FraudSettings, Rule
from tautoko.moderation.services import moderators_group_ensure, rejection_reasons_seed
from tautoko.outbox.models import OutboundEmail
from tautoko.outbox.services import broadcasts_fan_out, outbox_deliver
from tautoko.petitions.models import DecisionMaker, Petition, Signature, TimelineEvent
from tautoko.petitions.services import tallies_apply
from tautoko.responses.models import OfficialResponse, ThresholdCrossing
from tests.base import caches_clear
from tests.browser.base import BrowserTestCase

PASSWORD = "harakeke-winter-2026"
TITLE = "Free lunches in every school"
# The first sponsor asks to be kept updated, the second does not: sponsors are signers.
SPONSOR_UPDATED = ("Aroha Sponsor", "aroha.sponsor@example.org")
SPONSOR_QUIET = ("Hemi Sponsor", "hemi.sponsor@example.org")
SIGNER = ("Kiri Public", "kiri.public@example.org")
RESPONSE = "The Government will fund **a healthy lunch** in every school from 2027."


# Only demo mode has the development outbox, and keeps sent emails' bodies (their links).
# Two sponsors and one member of the public make three signatures: the response threshold.
@override_settings(
    DEMO=True,
    TAUTOKO={
        **settings.TAUTOKO,
        "OUTBOX_KEEP_BODIES": True,
        "SPONSORS_REQUIRED": 2,
        "RESPONSE_THRESHOLD": 3,
        "DEBATE_THRESHOLD": 1_000,
    },
)
class LifecycleJourneyTests(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        rejection_reasons_seed()
        DecisionMaker.objects.create(
            slug="minister-of-education",
            name="The Minister of Education",
            contact_email="education@example.govt.nz",
        )
        self.organiser = User.objects.create_user(
            "rawiri@example.org", PASSWORD, name="Rawiri", email_verified=True
        )
        moderators = moderators_group_ensure()
        self.moderator = User.objects.create_user(
            "mere@example.org", PASSWORD, name="Mere", is_staff=True, email_verified=True
        )
        self.moderator.groups.add(moderators)
        self.moderator_device = totp_device_add(user=self.moderator)
        # Who publishes the response: another member of staff, as a TOTP code verifies
        # once and the moderator's would still be the same one.
        self.responder = User.objects.create_user(
            "tama@example.org", PASSWORD, name="Tama", is_staff=True, email_verified=True
        )
        self.responder.groups.add(moderators)
        self.responder_device = totp_device_add(user=self.responder)
        # Everyone here signs from 127.0.0.1 and at machine speed, which the fraud checks
        # would flag (and not count) as people never do.
        Rule.objects.create(kind="network", value="127.0.0.0/8", action="allow", note="tests")
        FraudSettings.objects.create(min_fill_seconds=0)

    def test_a_petition_from_its_draft_to_the_response_its_signers_asked_for(self) -> None:
        page = self.page

        # The organiser writes the petition and submits it: it gathers sponsors first.
        self.log_in(self.organiser.email, password=PASSWORD)
        self.organiser_drafts(
            title=TITLE,
            summary="Fund a healthy lunch for every pupil.",
            statement="Hungry children **cannot** learn.",
            decision_maker="minister-of-education",
            goal=500,
        )
        page.get_by_role("button", name="Submit for moderation").click()
        expect(page.locator("[data-state]")).to_have_text("Gathering sponsors")
        expect(page.locator("[data-sponsors]")).to_have_text("0 of 2 sponsors confirmed")
        link = page.locator("#sponsor-url").input_value()
        petition = Petition.objects.get()
        assert petition.state == Petition.State.SPONSORING

        # Two sponsors sign through the link and confirm from the outbox.
        name, email = SPONSOR_UPDATED
        self.sponsor_signs_and_confirms(link, name=name, email=email, notify=True)
        expect(page.locator(".sponsor-progress")).to_contain_text("has 1 of the 2 sponsors")
        name, email = SPONSOR_QUIET
        self.sponsor_signs_and_confirms(link, name=name, email=email, notify=False)
        expect(page.locator(".sponsor-progress")).to_contain_text("has all the sponsors it needs")
        petition.refresh_from_db()
        assert petition.state == Petition.State.PENDING

        # A moderator passes the two-factor check and approves it from the queue.
        self.staff_log_in_and_verify(
            self.moderator.email, password=PASSWORD, device=self.moderator_device
        )
        page.locator("table.queue tbody tr", has_text=TITLE).get_by_role("link").click()
        page.get_by_role("button", name="Check out to review").click()
        page.get_by_role("button", name="Approve").click()
        expect(page.get_by_text("Nothing is waiting for moderation.")).to_be_visible()
        petition.refresh_from_db()
        assert petition.state == Petition.State.OPEN

        # A member of the public signs on the public page, asking for updates, and confirms.
        name, email = SIGNER
        self.sign_and_confirm(petition.slug, name=name, email=email, notify=True, wait_ms=0)
        assert Signature.objects.counted().filter(petition=petition).count() == 3
        assert not Signature.objects.filter(flagged=True).exists()
        assert not ThresholdCrossing.objects.exists()
        page.goto(self.url(f"/{petition.slug}"))
        expect(page.locator(".timeline")).to_be_visible()
        expect(page.locator(".timeline .event-threshold_reached")).to_have_count(0)

        # The worker folds the confirmations: three signatures, the response threshold.
        tallies_apply()
        crossing = ThresholdCrossing.objects.get(petition=petition)
        assert (crossing.threshold, crossing.signatures) == ("response", 3)
        # Pages are cached for a second or two; a person would see this on their next visit.
        caches_clear()
        page.goto(self.url(f"/{petition.slug}"))
        expect(page.locator("[data-count]")).to_have_text("3")
        crossed = page.locator(".timeline .event-threshold_reached")
        expect(crossed).to_contain_text("Threshold reached")
        expect(crossed).to_contain_text("3 signatures: an official response is due")

        # Staff publish the official response from their list of petitions waiting for one.
        self.staff_log_in_and_verify(
            self.responder.email, password=PASSWORD, device=self.responder_device
        )
        page.goto(self.url("/staff/responses/"))
        page.locator("table.responses-waiting").get_by_role("link", name=TITLE).click()
        form = page.locator("form.response-form")
        form.get_by_label("The official response").fill(RESPONSE)
        form.get_by_role("button", name="Publish the response").click()
        expect(page.locator("ul.messages")).to_contain_text("Response published")
        assert OfficialResponse.objects.get(petition=petition).published_by == self.responder

        # The public page shows it, on the timeline too.
        page.context.clear_cookies()
        caches_clear()
        page.goto(self.url(f"/{petition.slug}"))
        section = page.locator("section.official-response")
        expect(section.get_by_role("heading")).to_have_text(
            "Response from The Minister of Education"
        )
        expect(section.locator("strong")).to_have_text("a healthy lunch")
        expect(page.locator(".timeline .event-responded")).to_be_visible()

        # The worker fans the response out and sends it: to the two signers who asked for
        # updates (a sponsor and the member of the public), not to the sponsor who did not.
        while broadcasts_fan_out():
            pass
        outbox_deliver()
        page.goto(self.url("/dev/outbox/"))
        responses = page.locator("table.outbox tbody tr", has_text="Response from")
        expect(responses).to_have_count(2)
        expect(responses.filter(has_text=SPONSOR_UPDATED[1])).to_have_count(1)
        expect(responses.filter(has_text=SIGNER[1])).to_have_count(1)
        expect(responses.filter(has_text=SPONSOR_QUIET[1])).to_have_count(0)
        # The quiet sponsor is in the outbox all the same, with their confirmation email.
        expect(
            page.locator("table.outbox tbody tr", has_text=SPONSOR_QUIET[1]).first
        ).to_be_visible()
        responses.filter(has_text=SIGNER[1]).get_by_role("link").click()
        body = page.locator(".email-body")
        expect(body).to_contain_text(f"Kia ora {SIGNER[0]}")
        expect(body).to_contain_text("a healthy lunch")
        sent_to = set(
            OutboundEmail.objects.filter(template="petition-response").values_list("to", flat=True)
        )
        assert sent_to == {SPONSOR_UPDATED[1], SIGNER[1]}
        assert list(petition.events.values_list("kind", flat=True)) == [
            TimelineEvent.Kind.CREATED,
            TimelineEvent.Kind.SPONSORING,
            TimelineEvent.Kind.SUBMITTED,
            TimelineEvent.Kind.OPENED,
            TimelineEvent.Kind.THRESHOLD_REACHED,
            TimelineEvent.Kind.RESPONDED,
        ]
        self.assert_no_page_errors()
