"""The moderator reviewing a petition with a proposed decision maker: accepting the proposal
or matching it to a listed decision maker while approving; rejecting leaves it unlisted."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from tautoko.moderation.forms import MESSAGE_MATCH_MISSING, MESSAGE_PROPOSAL_UNANSWERED
from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.models import DecisionMaker, Petition, TimelineEvent
from tests.base import caches_clear
from tests.security import staff_client
from tests.staff import ModerationTestCase, staff_login


class ProposalReviewTestCase(ModerationTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.listed = self.make_decision_maker(
            slug="minister-of-transport", name="Minister of Transport"
        )
        self.proposal = self.make_decision_maker(
            slug="ruapehu-district-council",
            name="Ruapehu District Council",
            title="Territorial authority",
            contact_email="info@ruapehu.example",
            status=DecisionMaker.Status.PROPOSED,
            proposed_by=self.organiser,
            proposed_at=timezone.now(),
        )
        self.petition = self.make_petition(
            state=Petition.State.PENDING, decision_maker=self.proposal, title="A footbridge"
        )
        staff_login(self.client, self.moderator)

    def url(self, name: str) -> str:
        return reverse(f"moderation:{name}", args=[self.petition.slug])

    def assert_still_pending(self) -> None:
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.PENDING
        assert self.petition.decision_maker_id == self.proposal.id
        self.proposal.refresh_from_db()
        assert self.proposal.status == DecisionMaker.Status.PROPOSED
        assert not OutboundEmail.objects.exists()
        assert not self.petition.events.exists()


class ReviewPageTests(ProposalReviewTestCase):
    def test_the_review_page_shows_the_proposal_and_the_choice(self) -> None:
        response = self.client.get(self.url("review"))
        html = response.content.decode()
        assert "Proposed decision maker (not on the list)" in html
        assert "Territorial authority" in html and "info@ruapehu.example" in html
        assert 'name="proposal"' in html
        assert f'value="{self.listed.slug}"' in html
        assert 'value="ruapehu-district-council"' not in html  # not offered as a match

    def test_the_queue_marks_the_proposal(self) -> None:
        html = self.client.get(reverse("moderation:queue")).content.decode()
        assert "Ruapehu District Council" in html
        assert "(proposed, not listed)" in html


class ApproveTests(ProposalReviewTestCase):
    def test_approving_needs_an_answer_about_the_proposal(self) -> None:
        response = self.client.post(self.url("approve"))
        assert response.status_code == 400
        assert response.context["approve_form"].errors["proposal"] == [
            str(MESSAGE_PROPOSAL_UNANSWERED)
        ]
        self.assert_still_pending()

    def test_matching_needs_a_listed_decision_maker(self) -> None:
        for data, error in (
            ({"proposal": "match"}, [str(MESSAGE_MATCH_MISSING)]),
            ({"proposal": "match", "match_to": "nobody"}, None),
            ({"proposal": "match", "match_to": self.proposal.slug}, None),
            ({"proposal": "something-else"}, None),
        ):
            response = self.client.post(self.url("approve"), data)
            assert response.status_code == 400
            errors = response.context["approve_form"].errors
            assert errors, data
            if error is not None:
                assert errors["match_to"] == error
        self.assert_still_pending()

    def test_accepting_lists_it_opens_the_petition_and_tells_the_organiser(self) -> None:
        response = self.client.post(self.url("approve"), {"proposal": "accept"})
        assert response.status_code == 302
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.OPEN
        self.proposal.refresh_from_db()
        assert self.proposal.status == DecisionMaker.Status.LISTED
        kinds = list(self.petition.events.values_list("kind", "actor"))
        assert kinds == [
            (TimelineEvent.Kind.DECISION_MAKER_LISTED, self.moderator.id),
            (TimelineEvent.Kind.OPENED, self.moderator.id),
        ]
        self.work_run()
        email = self.email_latest(to=self.organiser.email)
        assert "Ruapehu District Council, is now on our list" in email.body_text
        caches_clear()
        page = self.client.get(reverse("petitions:detail", args=[self.petition.slug]))
        assert reverse("responses:decision-maker", args=[self.proposal.slug]) in (
            page.content.decode()
        )
        maker_page = self.client.get(reverse("responses:decision-maker", args=[self.proposal.slug]))
        assert maker_page.status_code == 200
        assert "A footbridge" in maker_page.content.decode()
        search = self.client.get(reverse("search:search")).content.decode()
        assert 'value="ruapehu-district-council"' in search

    def test_matching_addresses_it_to_the_listed_one_and_drops_the_proposal(self) -> None:
        response = self.client.post(
            self.url("approve"), {"proposal": "match", "match_to": self.listed.slug}
        )
        assert response.status_code == 302
        self.petition.refresh_from_db()
        assert (self.petition.state, self.petition.decision_maker) == (
            Petition.State.OPEN,
            self.listed,
        )
        assert not DecisionMaker.objects.filter(id=self.proposal.id).exists()
        event = self.petition.events.get(kind=TimelineEvent.Kind.DECISION_MAKER_MATCHED)
        assert event.data["proposed"]["name"] == "Ruapehu District Council"
        self.work_run()
        body = self.email_latest(to=self.organiser.email).body_text
        assert "You proposed “Ruapehu District Council”" in body
        assert "we addressed it to Minister of Transport" in body
        review = self.client.get(self.url("review")).content.decode()
        assert "(proposed as “Ruapehu District Council”)" in review

    def test_a_listed_decision_maker_needs_no_answer(self) -> None:
        plain = self.make_petition(state=Petition.State.PENDING, decision_maker=self.listed)
        response = self.client.post(
            reverse("moderation:approve", args=[plain.slug]), {"proposal": "match"}
        )
        assert response.status_code == 302
        plain.refresh_from_db()
        assert plain.state == Petition.State.OPEN


class RejectTests(ProposalReviewTestCase):
    def test_rejecting_leaves_the_proposal_unlisted(self) -> None:
        response = self.client.post(self.url("reject"), {"reason": "not-decision-maker"})
        assert response.status_code == 302
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.REJECTED
        self.proposal.refresh_from_db()
        assert self.proposal.status == DecisionMaker.Status.PROPOSED
        assert self.proposal not in DecisionMaker.objects.listed()
        self.client.logout()
        url = reverse("responses:decision-maker", args=[self.proposal.slug])
        assert self.client.get(url).status_code == 404


class AdminTests(ProposalReviewTestCase):
    def test_the_admin_lists_proposals_with_their_petition(self) -> None:
        from tautoko.accounts.models import User

        admin = User.objects.create_superuser("admin@example.org", "admin-password")
        client = staff_client(admin)
        url = reverse("admin:petitions_decisionmaker_changelist")
        response = client.get(url, {"status": "proposed"})
        assert response.status_code == 200
        html = response.content.decode()
        assert "Ruapehu District Council" in html
        assert "A footbridge (Awaiting moderation)" in html
        assert "Minister of Transport" not in html
        assert "Minister of Transport" in client.get(url).content.decode()
