"""The staff pages that publish official responses and debates."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from tautoko.outbox.models import Broadcast
from tautoko.petitions.models import Petition, Signature, TimelineEvent
from tautoko.responses.models import Debate, OfficialResponse, ThresholdCrossing
from tautoko.responses.views import MESSAGE_ALREADY_RESPONDED
from tests.staff import ModerationTestCase, staff_login

ACTIONS = {
    "respond": {"body": "We agree."},
    "debate-schedule": {"scheduled_for": "2027-03-01"},
    "debate-outcome": {"outcome": "Agreed."},
}


class AccessTests(ModerationTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition()
        self.pages = [
            reverse("responses:staff-list"),
            reverse("responses:staff-petition", args=[self.petition.slug]),
        ]
        self.actions = [
            (reverse(f"responses:{name}", args=[self.petition.slug]), data)
            for name, data in ACTIONS.items()
        ]

    def assert_nothing_changed(self) -> None:
        assert not OfficialResponse.objects.exists()
        assert not Debate.objects.exists()
        assert not Broadcast.objects.exists()

    def test_anonymous_visitors_are_sent_to_log_in(self) -> None:
        for url in self.pages:
            response = self.client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        for url, data in self.actions:
            assert self.client.post(url, data).status_code == 302
        self.assert_nothing_changed()

    def test_organisers_even_of_this_petition_get_a_404(self) -> None:
        self.client.force_login(self.organiser)
        for url in self.pages:
            assert self.client.get(url).status_code == 404
        for url, data in self.actions:
            assert self.client.post(url, data).status_code == 404
        self.assert_nothing_changed()

    def test_staff_without_the_moderation_permission_get_a_404(self) -> None:
        self.moderator.groups.clear()
        staff_login(self.client, self.moderator)
        for url in self.pages:
            assert self.client.get(url).status_code == 404
        for url, data in self.actions:
            assert self.client.post(url, data).status_code == 404
        self.assert_nothing_changed()

    def test_staff_who_have_not_passed_two_factor_are_sent_to_the_check(self) -> None:
        staff_login(self.client, self.moderator, verified=False)
        for url in self.pages:
            assert self.client.get(url)["Location"].startswith(reverse("staff-verify"))
        for url, data in self.actions:
            assert self.client.post(url, data)["Location"].startswith(reverse("staff-verify"))
        self.assert_nothing_changed()

    def test_actions_refuse_get(self) -> None:
        staff_login(self.client, self.moderator)
        for url, _data in self.actions:
            assert self.client.get(url).status_code == 405
        self.assert_nothing_changed()

    def test_pages_refuse_post(self) -> None:
        staff_login(self.client, self.moderator)
        for url in self.pages:
            assert self.client.post(url).status_code == 405

    def test_petitions_the_public_cannot_see_are_404(self) -> None:
        staff_login(self.client, self.moderator)
        for state in (Petition.State.DRAFT, Petition.State.PENDING, Petition.State.HIDDEN):
            petition = self.make_petition(state=state)
            assert (
                self.client.get(
                    reverse("responses:staff-petition", args=[petition.slug])
                ).status_code
                == 404
            )
            response = self.client.post(
                reverse("responses:respond", args=[petition.slug]), {"body": "Yes."}
            )
            assert response.status_code == 404
        self.assert_nothing_changed()


class StaffResponseTests(ModerationTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(title="Warm homes for renters")
        self.make_signature(self.petition, state=Signature.State.CONFIRMED, notify=True)
        staff_login(self.client, self.moderator)

    def test_the_list_shows_petitions_waiting_for_a_response(self) -> None:
        ThresholdCrossing.objects.create(
            petition=self.petition, threshold="response", signatures=10_000
        )
        response = self.client.get(reverse("responses:staff-list"))
        assert response.status_code == 200
        assert "Warm homes for renters" in response.content.decode()

    def test_publishing_a_response_puts_it_on_the_page_and_queues_the_email(self) -> None:
        url = reverse("responses:respond", args=[self.petition.slug])
        response = self.client.post(url, {"body": "We will *legislate*."})

        assert response.status_code == 302
        assert response["Location"] == reverse(
            "responses:staff-petition", args=[self.petition.slug]
        )
        assert OfficialResponse.objects.get().published_by == self.moderator
        assert Broadcast.objects.get().template == "petition-response"
        assert self.petition.events.filter(kind=TimelineEvent.Kind.RESPONDED).exists()
        page = self.client.get(reverse("petitions:detail", args=[self.petition.slug]))
        html = page.content.decode()
        assert "Response from" in html and "<em>legislate</em>" in html

    def test_an_empty_response_is_refused(self) -> None:
        url = reverse("responses:respond", args=[self.petition.slug])
        response = self.client.post(url, {"body": "  "})
        assert response.status_code == 400
        assert not OfficialResponse.objects.exists()

    def test_a_second_response_is_refused_with_a_message(self) -> None:
        url = reverse("responses:respond", args=[self.petition.slug])
        self.client.post(url, {"body": "Yes."})
        response = self.client.post(url, {"body": "No."})
        assert response.status_code == 409
        assert MESSAGE_ALREADY_RESPONDED in response.content.decode()
        assert OfficialResponse.objects.get().body == "Yes."

    def test_a_rejected_petition_cannot_be_answered(self) -> None:
        petition = self.make_petition(state=Petition.State.REJECTED)
        response = self.client.post(
            reverse("responses:respond", args=[petition.slug]), {"body": "Yes."}
        )
        assert response.status_code == 409
        assert not OfficialResponse.objects.exists()

    def test_a_debate_is_scheduled_then_its_outcome_published(self) -> None:
        schedule = reverse("responses:debate-schedule", args=[self.petition.slug])
        outcome = reverse("responses:debate-outcome", args=[self.petition.slug])
        assert self.client.post(schedule, {"scheduled_for": "not a date"}).status_code == 400
        assert self.client.post(outcome, {"outcome": "Agreed."}).status_code == 409
        assert self.client.post(schedule, {"scheduled_for": "2027-03-01"}).status_code == 302
        assert self.client.post(outcome, {"outcome": ""}).status_code == 400
        assert self.client.post(outcome, {"outcome": "Agreed."}).status_code == 302

        assert Debate.objects.get().is_held()
        assert Broadcast.objects.get().template == "petition-debated"
        page = self.client.get(reverse("petitions:detail", args=[self.petition.slug]))
        assert "Debated on" in page.content.decode()

    def test_a_debate_date_before_the_petition_or_years_away_is_refused(self) -> None:
        schedule = reverse("responses:debate-schedule", args=[self.petition.slug])
        opened = timezone.localdate(self.petition.opened_at or self.petition.created_at)
        for day in ("0001-01-01", str(opened - dt.timedelta(days=1)), "2099-01-01"):
            response = self.client.post(schedule, {"scheduled_for": day})
            assert response.status_code == 400, day
        errors = (
            self.client.post(schedule, {"scheduled_for": "0001-01-01"})
            .context["schedule_form"]
            .errors["scheduled_for"]
        )
        assert errors == [
            f"A debate cannot come before the petition opened ({date_format(opened)})."
        ]
        assert not Debate.objects.exists()
        assert self.client.post(schedule, {"scheduled_for": str(opened)}).status_code == 302

    def test_markup_in_a_response_is_sanitised_on_the_page(self) -> None:
        self.client.post(
            reverse("responses:respond", args=[self.petition.slug]),
            {"body": '<script>alert("x")</script><img src=x onerror=alert(1)>'},
        )
        html = self.client.get(reverse("petitions:detail", args=[self.petition.slug])).content
        assert b"<script>alert" not in html and b"<img src=x" not in html
        assert b"&lt;script&gt;alert" in html
