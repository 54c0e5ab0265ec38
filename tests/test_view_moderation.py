"""The moderation pages: the queue, a petition's review page and its actions."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from tautoko.moderation.models import Checkout
from tautoko.moderation.services import checkout_take
from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.models import Petition, TimelineEvent
from tests.base import caches_clear, tautoko_settings
from tests.staff import ModerationTestCase, staff_login

ACTIONS = ("checkout", "release", "approve", "reject", "hide", "restore")


class AccessTests(ModerationTestCase):
    """Every moderation page: logged in, moderation permission, and two-factor."""

    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(state=Petition.State.PENDING)
        self.urls = [
            reverse("moderation:queue"),
            reverse("moderation:review", args=[self.petition.slug]),
        ]
        self.action_urls = [
            reverse(f"moderation:{action}", args=[self.petition.slug]) for action in ACTIONS
        ]

    def test_anonymous_visitors_are_sent_to_log_in(self) -> None:
        for url in self.urls:
            response = self.client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        for url in self.action_urls:
            assert self.client.post(url).status_code == 302
        self.assert_nothing_changed()

    def test_organisers_get_a_404(self) -> None:
        self.client.force_login(self.organiser)
        for url in self.urls:
            assert self.client.get(url).status_code == 404
        for url in self.action_urls:
            assert self.client.post(url, {"reason": "duplicate"}).status_code == 404
        self.assert_nothing_changed()

    def test_staff_without_the_moderation_permission_get_a_404(self) -> None:
        self.moderator.groups.clear()
        staff_login(self.client, self.moderator)
        for url in self.urls:
            assert self.client.get(url).status_code == 404

    def test_moderators_who_have_not_passed_two_factor_are_sent_to_the_check(self) -> None:
        staff_login(self.client, self.moderator, verified=False)
        for url in self.urls + self.action_urls:
            response = (self.client.get if url in self.urls else self.client.post)(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("staff-verify"))
        self.assert_nothing_changed()

    def test_actions_refuse_get(self) -> None:
        staff_login(self.client, self.moderator)
        for url in self.action_urls:
            assert self.client.get(url).status_code == 405
        self.assert_nothing_changed()

    def test_drafts_are_not_shown_to_moderators(self) -> None:
        draft = self.make_petition(state=Petition.State.DRAFT)
        staff_login(self.client, self.moderator)
        assert self.client.get(reverse("moderation:review", args=[draft.slug])).status_code == 404

    def assert_nothing_changed(self) -> None:
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.PENDING
        assert not Checkout.objects.exists()
        assert not OutboundEmail.objects.exists()


class QueueTests(ModerationTestCase):
    def test_it_lists_pending_petitions_oldest_first_and_flags_the_overdue(self) -> None:
        now = timezone.now()
        late = self.make_petition(state=Petition.State.DRAFT, title="Waiting ages")
        late.submit(by=self.organiser, now=now - dt.timedelta(days=8))
        fresh = self.make_petition(state=Petition.State.DRAFT, title="Just arrived")
        fresh.submit(by=self.organiser, now=now - dt.timedelta(hours=2))
        staff_login(self.client, self.moderator)
        with tautoko_settings(MODERATION_TARGET_DAYS=7):
            response = self.client.get(reverse("moderation:queue"))
        assert response.status_code == 200
        html = response.content.decode()
        assert html.index("Waiting ages") < html.index("Just arrived")
        assert html.count("Overdue") == 1
        assert [p.overdue for p in response.context["petitions"]] == [True, False]

    def test_it_shows_who_is_reviewing_what(self) -> None:
        petition = self.make_petition(state=Petition.State.PENDING)
        checkout_take(petition=petition, moderator=self.other_moderator)
        staff_login(self.client, self.moderator)
        response = self.client.get(reverse("moderation:queue"))
        assert "Being reviewed by Hemi Moderator" in response.content.decode()


class ReviewAndActionTests(ModerationTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(state=Petition.State.PENDING, title="Save the kākā")
        staff_login(self.client, self.moderator)

    def url(self, name: str) -> str:
        return reverse(f"moderation:{name}", args=[self.petition.slug])

    def test_the_review_page_shows_the_petition_and_its_actions(self) -> None:
        response = self.client.get(self.url("review"))
        assert response.status_code == 200
        html = response.content.decode()
        assert "Save the kākā" in html
        assert "Approve" in html
        assert "Check out to review" in html
        assert not Checkout.objects.exists()  # GET changes nothing

    def test_checking_out_reserves_the_petition(self) -> None:
        response = self.client.post(self.url("checkout"))
        assert response.status_code == 302
        assert Checkout.objects.get().moderator == self.moderator
        assert (
            "You are reviewing this petition"
            in self.client.get(self.url("review")).content.decode()
        )

    def test_another_moderators_checkout_hides_the_actions_and_refuses_them(self) -> None:
        checkout_take(petition=self.petition, moderator=self.other_moderator)
        html = self.client.get(self.url("review")).content.decode()
        assert "Hemi Moderator is reviewing this petition" in html
        assert "Approve" not in html
        response = self.client.post(self.url("approve"))
        assert response.status_code == 409
        assert "Hemi Moderator is reviewing this petition" in response.content.decode()
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.PENDING
        assert self.client.post(self.url("checkout")).status_code == 409

    def test_releasing_frees_the_petition(self) -> None:
        self.client.post(self.url("checkout"))
        assert self.client.post(self.url("release")).status_code == 302
        assert not Checkout.objects.exists()

    def test_approving_opens_it_and_queues_the_organisers_email(self) -> None:
        response = self.client.post(self.url("approve"))
        assert response.status_code == 302
        assert response["Location"] == reverse("moderation:queue")
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.OPEN
        event = self.petition.events.get(kind=TimelineEvent.Kind.OPENED)
        assert event.actor == self.moderator
        assert OutboundEmail.objects.get().template == "petition-approved"
        page = self.client.get(reverse("petitions:detail", args=[self.petition.slug]))
        assert page.status_code == 200

    def test_approving_twice_is_refused(self) -> None:
        self.client.post(self.url("approve"))
        response = self.client.post(self.url("approve"))
        assert response.status_code == 409
        assert "cannot be done to a petition that is Open" in response.content.decode()
        assert OutboundEmail.objects.count() == 1

    def test_rejecting_records_the_reason_shows_it_publicly_and_emails_it(self) -> None:
        response = self.client.post(
            self.url("reject"), {"reason": "not-decision-maker", "note": "Ask the council."}
        )
        assert response.status_code == 302
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.REJECTED
        event = self.petition.events.get(kind=TimelineEvent.Kind.REJECTED)
        assert (event.actor, event.note, event.data["reason"]) == (
            self.moderator,
            "Ask the council.",
            "not-decision-maker",
        )
        assert OutboundEmail.objects.get().template == "petition-rejected"
        page = self.client.get(reverse("petitions:detail", args=[self.petition.slug]))
        assert "Not something the decision maker can do" in page.content.decode()
        assert "Ask the council." in page.content.decode()

    def test_rejecting_without_a_known_reason_is_refused(self) -> None:
        for data in ({}, {"reason": "made-up"}, {"reason": "advert", "note": "x" * 1001}):
            response = self.client.post(self.url("reject"), data)
            assert response.status_code == 400
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.PENDING
        assert not OutboundEmail.objects.exists()

    def test_hiding_and_restoring_an_open_petition(self) -> None:
        self.petition.approve(by=self.moderator)
        assert self.client.post(self.url("hide"), {"reason": ""}).status_code == 400
        response = self.client.post(self.url("hide"), {"reason": "Legal complaint"})
        assert response.status_code == 302
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.HIDDEN
        public = reverse("petitions:detail", args=[self.petition.slug])
        self.client.logout()

        caches_clear()
        assert self.client.get(public).status_code == 404
        staff_login(self.client, self.moderator)
        assert "Hidden petitions" in self.client.get(reverse("moderation:queue")).content.decode()
        response = self.client.post(self.url("restore"), {"reason": "Complaint withdrawn"})
        assert response.status_code == 302
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.OPEN
        kinds = list(self.petition.events.values_list("kind", flat=True))
        assert kinds[-2:] == [TimelineEvent.Kind.HIDDEN, TimelineEvent.Kind.RESTORED]

    def test_restoring_a_petition_that_is_not_hidden_is_refused(self) -> None:
        response = self.client.post(self.url("restore"), {"reason": ""})
        assert response.status_code == 409

    def test_an_unknown_petition_is_a_404(self) -> None:
        assert self.client.get(reverse("moderation:review", args=["nope"])).status_code == 404
        assert self.client.post(reverse("moderation:approve", args=["nope"])).status_code == 404


class EditedPetitionTests(ModerationTestCase):
    """Organisers' edits of open petitions are in front of moderators, who may hide them."""

    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(state=Petition.State.PENDING, title="Save the kākā")
        self.petition.approve(by=self.moderator)
        staff_login(self.client, self.moderator)

    def revise(self, *, title: str, note: str, now: dt.datetime | None = None) -> None:
        self.petition.revise(
            by=self.organiser,
            title=title,
            summary=self.petition.summary,
            statement=self.petition.statement,
            note=note,
            now=now,
        )

    def test_the_queue_lists_recent_edits_newest_first(self) -> None:
        self.revise(title="Save the kākā and the kea", note="Added the kea.")
        self.revise(title="Old edit", note="Long ago.", now=timezone.now() - dt.timedelta(days=30))
        response = self.client.get(reverse("moderation:queue"))
        html = response.content.decode()
        assert "Recently edited" in html
        assert [v.number for v in response.context["edits"]] == [2]
        assert "Added the kea." in html and "Long ago." not in html
        assert "Rawiri Organiser" in html
        review = reverse("moderation:review", args=[self.petition.slug])
        assert f"{review}#version-2" in html

    def test_the_queue_has_no_edits_section_without_edits(self) -> None:
        html = self.client.get(reverse("moderation:queue")).content.decode()
        assert "Recently edited" not in html

    def test_the_review_page_shows_the_versions_and_what_changed(self) -> None:
        self.revise(title="Save the kea", note="The kākā is safe.")
        html = self.client.get(reverse("moderation:review", args=[self.petition.slug])).content
        page = html.decode()
        assert "Versions of the text (now version 2)" in page
        assert "The kākā is safe." in page
        assert "<del>" in page and "<ins>" in page
        assert "Hide" in page  # as for any open petition

    def test_an_edited_petition_can_be_hidden_as_today(self) -> None:
        self.revise(title="Something else entirely", note="Changed it.")
        response = self.client.post(
            reverse("moderation:hide", args=[self.petition.slug]), {"reason": "Bait and switch"}
        )
        assert response.status_code == 302
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.HIDDEN
        assert (
            self.client.get(reverse("petitions:history", args=[self.petition.slug])).status_code
            == 404
        )
