"""An organiser starts and submits a petition; a moderator, after the two-factor check,
approves it and the public page shows it open, or rejects one and the page shows why.
With sponsors required, the organiser first shares the sponsor link and the sponsors sign
and confirm by email before the petition reaches the queue; once open, they are its count.
An organiser proposes a decision maker who is not listed; one moderator asks for a second
opinion and cannot approve it; another approves it, accepting the proposal, and the public
page names the new decision maker."""

from __future__ import annotations

from django.conf import settings
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tautoko.accounts.models import User
from tautoko.accounts.staff import totp_device_add
from tautoko.fraud.models import FraudSettings, Rule
from tautoko.moderation.models import SecondOpinion
from tautoko.moderation.services import moderators_group_ensure, rejection_reasons_seed
from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.models import DecisionMaker, Petition, Signature, TimelineEvent
from tautoko.petitions.services import tallies_apply
from tests.browser.base import BrowserTestCase

PASSWORD = "pōhutukawa-summer-2026"
SPONSORS = (
    ("Aroha Sponsor", "aroha.sponsor@example.org"),
    ("Hemi Sponsor", "hemi.sponsor@example.org"),
    ("Kiri Sponsor", "kiri.sponsor@example.org"),
)


class CreateAndModerateJourneyTests(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        rejection_reasons_seed()
        DecisionMaker.objects.create(slug="minister-of-education", name="The Minister of Education")
        self.organiser = User.objects.create_user(
            "rawiri@example.org", PASSWORD, name="Rawiri", email_verified=True
        )
        self.moderator = User.objects.create_user(
            "mere@example.org", PASSWORD, name="Mere", is_staff=True, email_verified=True
        )
        self.moderator.groups.add(moderators_group_ensure())
        self.device = totp_device_add(user=self.moderator)

    def moderator_log_in_and_verify(
        self, moderator: User | None = None, device: TOTPDevice | None = None
    ) -> None:
        self.staff_log_in_and_verify(
            (moderator or self.moderator).email, password=PASSWORD, device=device or self.device
        )

    def organiser_creates_a_draft(self) -> None:
        self.log_in(self.organiser.email, password=PASSWORD)
        self.organiser_drafts(
            title="Free lunches in every school",
            summary="Fund a healthy lunch for every pupil.",
            statement="Hungry children **cannot** learn.",
            decision_maker="minister-of-education",
            goal=500,
        )

    # Only demo mode has the development outbox, and keeps sent emails' bodies (their links).
    @override_settings(
        DEMO=True,
        TAUTOKO={**settings.TAUTOKO, "OUTBOX_KEEP_BODIES": True, "SPONSORS_REQUIRED": 3},
    )
    def test_sponsors_bring_a_petition_to_the_queue_and_are_counted_once_it_opens(self) -> None:
        # Every sponsor here signs from 127.0.0.1 and at machine speed, which the fraud
        # checks would flag (and not count) as people never do.
        Rule.objects.create(kind="network", value="127.0.0.0/8", action="allow", note="tests")
        FraudSettings.objects.create(min_fill_seconds=0)
        page = self.page
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        self.organiser_creates_a_draft()
        expect(page.get_by_text("First it needs 3 sponsors")).to_be_visible()
        page.get_by_role("button", name="Submit for moderation").click()
        expect(page.locator("[data-state]")).to_have_text("Gathering sponsors")
        expect(page.locator("[data-sponsors]")).to_have_text("0 of 3 sponsors confirmed")
        link = page.locator("#sponsor-url").input_value()
        petition = Petition.objects.get()
        assert link.startswith(self.live_server_url + "/sponsor/")
        token = link.rsplit("/", 1)[1]
        # An unguessable token: neither the slug nor the row id.
        assert len(token) == 43 and token not in (petition.slug, str(petition.id))
        # The copy button appears with JavaScript and puts the link on the clipboard.
        copy = page.get_by_role("button", name="Copy link")
        copy.click()
        expect(page.get_by_role("button", name="Copied")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == link

        page.context.clear_cookies()
        # Sponsors read the draft's text as the organiser wrote it, Markdown and all.
        page.goto(link)
        expect(page.locator(".statement strong")).to_have_text("cannot")
        for name, email in SPONSORS:
            self.sponsor_signs_and_confirms(link, name=name, email=email)
        expect(page.locator(".sponsor-progress")).to_contain_text("has all the sponsors it needs")
        petition.refresh_from_db()
        assert petition.state == Petition.State.PENDING
        assert not Signature.objects.filter(flagged=True).exists()
        assert OutboundEmail.objects.filter(
            to=self.organiser.email, template="petition-sponsored"
        ).exists()

        self.moderator_log_in_and_verify()
        queued = page.locator("table.queue tbody tr").first
        expect(queued).to_contain_text("Free lunches in every school")
        queued.get_by_role("link").click()
        page.get_by_role("button", name="Check out to review").click()
        page.get_by_role("button", name="Approve").click()
        expect(page.get_by_text("Nothing is waiting for moderation.")).to_be_visible()

        # The worker folds the sponsors' confirmations: they are the open petition's count.
        tallies_apply()
        page.goto(self.url(f"/{petition.slug}"))
        expect(page.locator("form.sign-form")).to_be_visible()
        expect(page.locator("[data-count]")).to_have_text("3")
        # The sponsor link now leads to the public page.
        page.goto(link)
        expect(page).to_have_url(self.url(f"/{petition.slug}"))
        self.assert_no_page_errors()

    def test_an_organiser_submits_and_a_moderator_approves_it_into_an_open_petition(
        self,
    ) -> None:
        page = self.page
        self.organiser_creates_a_draft()
        expect(page.locator(".statement strong")).to_have_text("cannot")
        page.get_by_role("button", name="Submit for moderation").click()
        expect(page.locator("[data-state]")).to_have_text("Awaiting moderation")
        petition = Petition.objects.get()
        assert petition.slug == "free-lunches-in-every-school"
        assert petition.state == Petition.State.PENDING

        self.moderator_log_in_and_verify()
        queued = page.locator("table.queue tbody tr").first
        expect(queued).to_contain_text("Free lunches in every school")
        queued.get_by_role("link").click()
        page.get_by_role("button", name="Check out to review").click()
        expect(page.get_by_text("You are reviewing this petition")).to_be_visible()
        page.get_by_role("button", name="Approve").click()
        expect(page.get_by_text("Nothing is waiting for moderation.")).to_be_visible()

        page.goto(self.url(f"/{petition.slug}"))
        expect(page.get_by_role("heading", name="Free lunches in every school")).to_be_visible()
        expect(page.locator("form.sign-form")).to_be_visible()
        petition.refresh_from_db()
        assert petition.state == Petition.State.OPEN
        assert OutboundEmail.objects.filter(
            to=self.organiser.email, template="petition-approved"
        ).exists()
        self.assert_no_page_errors()

    def test_a_rejected_petition_shows_its_reason_and_cannot_be_signed(self) -> None:
        petition = Petition.objects.create(
            slug="buy-my-widgets",
            title="Buy my widgets",
            summary="Everyone should buy my widgets.",
            statement="They are great.",
            decision_maker=DecisionMaker.objects.get(),
            organiser=self.organiser,
            state=Petition.State.DRAFT,
        )
        petition.submit(by=self.organiser)
        page = self.page
        self.moderator_log_in_and_verify()
        page.get_by_role("link", name="Buy my widgets").click()
        form = page.locator("form.reject-form")
        form.get_by_label("Reason").select_option("advert")
        form.get_by_label("More about it").fill("Petitions cannot sell things.")
        form.get_by_role("button", name="Reject").click()
        expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()

        page.context.clear_cookies()
        page.goto(self.url("/buy-my-widgets"))
        expect(page.get_by_role("heading", name="This petition was rejected")).to_be_visible()
        expect(page.locator(".rejection-reason")).to_have_text("Advert")
        expect(page.locator(".rejection-note")).to_have_text("Petitions cannot sell things.")
        expect(page.locator("form.sign-form")).to_have_count(0)
        self.assert_no_page_errors()

    def test_a_proposed_decision_maker_a_second_opinion_and_approval_by_another_moderator(
        self,
    ) -> None:
        page = self.page
        second = User.objects.create_user(
            "hemi@example.org", PASSWORD, name="Hemi", is_staff=True, email_verified=True
        )
        second.groups.add(moderators_group_ensure())
        second_device = totp_device_add(user=second)

        # The organiser's decision maker is not on the list: they propose it.
        self.log_in(self.organiser.email, password=PASSWORD)
        page.get_by_role("link", name="Start a petition").last.click()
        form = page.locator("form.petition-form")
        form.get_by_label("Title").fill("A footbridge over the Whanganui")
        form.get_by_label("What should happen").fill("Build a footbridge at Taumarunui.")
        form.get_by_label("Why").fill("Walkers cross the road bridge with the trucks.")
        expect(form.get_by_label("Who can make it happen")).not_to_contain_text("Ruapehu")
        form.get_by_label("Name of the decision maker").fill("Ruapehu District Council")
        form.get_by_label("Their role or office").fill("Territorial authority")
        form.get_by_label("Their contact email (optional)").fill("info@ruapehu.example")
        form.get_by_label("Signature goal").fill("300")
        form.get_by_role("button", name="Save draft and preview").click()
        expect(page.locator(".proposed-flag")).to_contain_text("your proposal")
        page.get_by_role("button", name="Submit for moderation").click()
        expect(page.locator("[data-state]")).to_have_text("Awaiting moderation")
        petition = Petition.objects.get()
        assert petition.decision_maker.status == DecisionMaker.Status.PROPOSED

        # Moderator A is unsure, and asks for a second opinion.
        self.moderator_log_in_and_verify()
        row = page.locator("table.queue tbody tr", has_text="A footbridge over the Whanganui")
        expect(row).to_contain_text("(proposed, not listed)")
        row.get_by_role("link").click()
        expect(page.locator("[data-proposal=name]")).to_have_text("Ruapehu District Council")
        page.get_by_role("button", name="Check out to review").click()
        ask = page.locator("form.second-opinion-ask-form")
        ask.get_by_label("What should another moderator look at?").fill(
            "Is a district council the right decision maker for a bridge on a state highway?"
        )
        ask.get_by_role("button", name="Ask for a second opinion").click()
        flagged = page.locator("table.queue tbody tr.second-opinion")
        expect(flagged).to_contain_text("Second opinion wanted")
        expect(flagged).to_contain_text("(asked by Mere)")

        # A cannot approve (or reject) it now.
        flagged.get_by_role("link").click()
        expect(page.get_by_text("You asked for it: another moderator")).to_be_visible()
        expect(page.locator("form.approve-form")).to_have_count(0)
        expect(page.locator("form.reject-form")).to_have_count(0)

        # Moderator B finds it through the queue's filter and approves it, accepting the
        # proposal, which clears the flag.
        self.moderator_log_in_and_verify(second, second_device)
        page.get_by_role("link", name="Second opinion wanted (1)").click()
        page.locator("table.queue tbody tr").first.get_by_role("link").click()
        expect(page.locator("blockquote.second-opinion-note")).to_contain_text("state highway")
        page.get_by_role("button", name="Check out to review").click()
        approve = page.locator("form.approve-form")
        approve.get_by_label("Accept it: add it to the list as proposed").check()
        approve.get_by_role("button", name="Approve").click()
        expect(page.get_by_text("Nothing is waiting for moderation.")).to_be_visible()

        petition.refresh_from_db()
        assert petition.state == Petition.State.OPEN
        assert petition.decision_maker.status == DecisionMaker.Status.LISTED
        opinion = SecondOpinion.objects.get()
        assert (opinion.answered_by, opinion.outcome) == (second, SecondOpinion.Outcome.APPROVED)
        assert list(petition.events.values_list("kind", flat=True))[-3:] == [
            TimelineEvent.Kind.SECOND_OPINION_GIVEN,
            TimelineEvent.Kind.DECISION_MAKER_LISTED,
            TimelineEvent.Kind.OPENED,
        ]
        assert OutboundEmail.objects.filter(
            to=self.moderator.email, template="second-opinion-given"
        ).exists()

        # The public page names the new decision maker, and links its new page.
        page.context.clear_cookies()
        page.goto(self.url(f"/{petition.slug}"))
        to = page.locator("p.to")
        expect(to).to_contain_text("Petition to Ruapehu District Council, Territorial authority")
        expect(page.locator(".timeline")).not_to_contain_text("Second opinion")
        to.get_by_role("link", name="Ruapehu District Council").click()
        expect(page.get_by_role("heading", name="Ruapehu District Council")).to_be_visible()
        expect(page.locator(".petition-list")).to_contain_text("A footbridge over the Whanganui")
        self.assert_no_page_errors()
