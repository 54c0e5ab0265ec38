from __future__ import annotations

import datetime as dt
from unittest import mock

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tautoko.petitions.models import Petition, Signature, TallyDelta
from tautoko.petitions.views import (
    MESSAGE_CLOSED_BEFORE_CONFIRMATION,
    MESSAGE_LINK_EXPIRED,
    MESSAGE_LINK_INVALID,
    MESSAGE_LINK_USED,
)
from tests.base import TautokoTestCase


class SignatureConfirmTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition()
        self.signature = self.make_signature(self.petition, email="aroha@example.org")
        self.url = reverse("petitions:confirm", args=[self.petition.slug, self.signature.token])

    def assert_offers_a_new_link(self, page: str) -> None:
        assert reverse("petitions:resend", args=[self.petition.slug]) in page
        assert 'name="email"' in page

    def assert_still_pending(self) -> None:
        self.signature.refresh_from_db()
        assert self.signature.state == Signature.State.PENDING
        assert self.signature.confirmed_at is None
        assert not TallyDelta.objects.exists()

    # --- Success ------------------------------------------------------------------------------

    def test_opening_the_link_shows_a_confirm_button(self) -> None:
        response = self.client.get(self.url)

        assert response.status_code == 200
        page = response.content.decode()
        assert '<form method="post">' in page
        assert ">Confirm</button>" in page
        assert self.signature.name in page
        # The URL holds the token: the page must never send it to another site.
        assert response["Referrer-Policy"] in ("same-origin", "no-referrer")

    def test_opening_the_link_never_changes_anything(self) -> None:
        for _ in range(3):  # a mail scanner, a preview, the person
            assert self.client.get(self.url).status_code == 200

        self.assert_still_pending()
        assert self.client.post(self.url).status_code == 302

    def test_pressing_confirm_confirms_and_redirects_to_the_thanks_page(self) -> None:
        response = self.client.post(self.url)

        self.signature.refresh_from_db()
        assert response.status_code == 302
        assert response["Location"] == reverse(
            "petitions:thanks", args=[self.petition.slug, self.signature.receipt]
        )
        assert self.signature.state == Signature.State.CONFIRMED
        assert self.signature.confirmed_at is not None

    def test_confirming_writes_one_count_change_that_the_worker_folds(self) -> None:
        self.client.post(self.url)

        delta = TallyDelta.objects.get()
        assert (delta.petition_id, delta.delta) == (self.petition.id, 1)
        self.work_run()
        count_url = reverse("petitions:count-json", args=[self.petition.slug])
        assert self.client.get(count_url).json()["count"] == 1
        assert not TallyDelta.objects.exists()

    def test_reaching_the_goal_puts_goal_events_on_the_timeline(self) -> None:
        petition = self.make_petition(goal=1, goal_ladder=True, goal_steps=[1, 5])
        signature = self.make_signature(petition)

        self.client.post(reverse("petitions:confirm", args=[petition.slug, signature.token]))
        self.work_run()

        petition.refresh_from_db()
        assert petition.goal == 5
        kinds = list(petition.events.values_list("kind", flat=True))
        assert kinds == ["goal_reached", "goal_raised"]

    def test_the_whole_journey_works_from_the_email(self) -> None:
        self.client.post(
            reverse("petitions:sign", args=[self.petition.slug]),
            self.sign_form(self.petition, email="rua@example.org"),
        )
        self.work_run()

        link = self.confirmation_link_latest(to="rua@example.org")
        response = self.client.post(link, follow=True)

        assert response.status_code == 200
        assert "You are signer number 1." in response.content.decode()

    # --- Anonymous and someone else's link ----------------------------------------------------

    def test_a_logged_in_visitor_can_confirm_too(self) -> None:
        self.client.force_login(self.visitor)

        assert self.client.post(self.url).status_code == 302

    def test_a_link_for_another_petition_does_not_work_here(self) -> None:
        other = self.make_petition()
        url = reverse("petitions:confirm", args=[other.slug, self.signature.token])

        for method in (self.client.get, self.client.post):
            response = method(url)
            assert response.status_code == 404
            assert MESSAGE_LINK_INVALID in response.content.decode()
        self.assert_still_pending()

    def test_it_answers_404_for_an_unknown_petition(self) -> None:
        response = self.client.post(
            reverse("petitions:confirm", args=["no-such-petition", self.signature.token])
        )

        assert response.status_code == 404
        assert "Page not found" in response.content.decode()
        self.assert_still_pending()

    def test_it_answers_404_for_a_hidden_petition(self) -> None:
        petition = self.make_petition(state=Petition.State.HIDDEN)
        signature = self.make_signature(petition)

        response = self.client.post(
            reverse("petitions:confirm", args=[petition.slug, signature.token])
        )

        assert response.status_code == 404
        signature.refresh_from_db()
        assert signature.state == Signature.State.PENDING

    # --- Wrong method -------------------------------------------------------------------------

    def test_a_petition_closed_before_confirmation_does_not_count_the_signature(self) -> None:
        Petition.objects.filter(id=self.petition.id).update(
            state=Petition.State.CLOSED, closed_at=timezone.now()
        )

        for method in (self.client.get, self.client.post):
            response = method(self.url)
            assert response.status_code == 410
            assert MESSAGE_CLOSED_BEFORE_CONFIRMATION in response.content.decode()
        self.assert_still_pending()

    def test_it_refuses_other_methods(self) -> None:
        for method in (self.client.put, self.client.delete, self.client.patch):
            response = method(self.url)
            assert response.status_code == 405
        self.assert_still_pending()

    # --- Forged, expired and used links -------------------------------------------------------

    def test_a_forged_link_says_it_is_not_valid_and_offers_a_new_one(self) -> None:
        url = reverse("petitions:confirm", args=[self.petition.slug, "forged-token"])

        for method in (self.client.get, self.client.post):
            response = method(url)
            assert response.status_code == 404
            page = response.content.decode()
            assert MESSAGE_LINK_INVALID in page
            self.assert_offers_a_new_link(page)
        self.assert_still_pending()

    def test_a_truncated_link_does_not_work(self) -> None:
        url = reverse("petitions:confirm", args=[self.petition.slug, self.signature.token[:-1]])

        assert self.client.post(url).status_code == 404
        self.assert_still_pending()

    def test_an_expired_link_says_so_and_offers_a_new_one(self) -> None:
        later = timezone.now() + dt.timedelta(
            hours=settings.TAUTOKO["CONFIRMATION_TTL_HOURS"], seconds=1
        )

        with mock.patch("django.utils.timezone.now", return_value=later):
            responses = [self.client.get(self.url), self.client.post(self.url)]

        for response in responses:
            assert response.status_code == 410
            page = response.content.decode()
            assert MESSAGE_LINK_EXPIRED in page
            self.assert_offers_a_new_link(page)
        self.assert_still_pending()

    def test_a_link_just_before_expiry_still_works(self) -> None:
        later = timezone.now() + dt.timedelta(
            hours=settings.TAUTOKO["CONFIRMATION_TTL_HOURS"], seconds=-5
        )

        with mock.patch("django.utils.timezone.now", return_value=later):
            response = self.client.post(self.url)

        assert response.status_code == 302

    def test_a_used_link_says_it_was_used(self) -> None:
        self.client.post(self.url)

        for method in (self.client.get, self.client.post):
            response = method(self.url)
            assert response.status_code == 410
            page = response.content.decode()
            assert MESSAGE_LINK_USED in page
            self.assert_offers_a_new_link(page)
        assert TallyDelta.objects.count() == 1
