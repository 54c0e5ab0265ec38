from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.cache import get_max_age

from tautoko.petitions.models import Petition, Signature
from tests.base import TautokoTestCase


class PetitionCountJsonTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(goal=500)
        self.url = reverse("petitions:count-json", args=[self.petition.slug])

    def test_it_answers_the_count_goal_and_state(self) -> None:
        response = self.client.get(self.url)

        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response.json() == {
            "slug": self.petition.slug,
            "count": 0,
            "goal": 500,
            "state": "open",
            "signable": True,
        }

    def test_only_confirmed_signatures_count_once_folded(self) -> None:
        self.make_signature(self.petition, state=Signature.State.CONFIRMED)
        self.make_signature(self.petition, state=Signature.State.CONFIRMED)
        self.make_signature(self.petition)
        self.make_signature(self.petition, state=Signature.State.INVALIDATED)
        self.make_signature(self.petition, state=Signature.State.WITHDRAWN)
        other = self.make_petition()
        self.make_signature(other, state=Signature.State.CONFIRMED)

        assert self.client.get(self.url).json()["count"] == 0  # not folded yet
        self.work_run()
        assert self.client.get(self.url).json()["count"] == 2

    def test_a_signature_confirmed_through_the_link_counts(self) -> None:
        signature = self.make_signature(self.petition)
        self.client.post(reverse("petitions:confirm", args=[self.petition.slug, signature.token]))
        self.work_run()

        assert self.client.get(self.url).json()["count"] == 1

    def test_shared_caches_may_keep_it_briefly(self) -> None:
        response = self.client.get(self.url)

        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert "public" in directives
        assert "private" not in directives
        assert get_max_age(response) == settings.TAUTOKO["COUNT_CACHE_SECONDS"] + 1
        assert "Set-Cookie" not in response

    def test_a_closed_petition_is_not_signable(self) -> None:
        petition = self.make_petition(state=Petition.State.CLOSED)

        data = self.client.get(reverse("petitions:count-json", args=[petition.slug])).json()

        assert data["state"] == "closed"
        assert data["signable"] is False

    def test_a_logged_in_visitor_gets_the_same_answer(self) -> None:
        self.client.force_login(self.visitor)

        assert self.client.get(self.url).json()["slug"] == self.petition.slug

    def test_it_answers_404_for_an_unknown_petition(self) -> None:
        response = self.client.get(reverse("petitions:count-json", args=["no-such-petition"]))

        assert response.status_code == 404

    def test_it_answers_404_for_a_petition_that_is_not_public(self) -> None:
        for state in (Petition.State.DRAFT, Petition.State.PENDING, Petition.State.HIDDEN):
            with self.subTest(state=state):
                petition = self.make_petition(state=state)
                response = self.client.get(reverse("petitions:count-json", args=[petition.slug]))
                assert response.status_code == 404

    def test_it_refuses_a_post(self) -> None:
        assert self.client.post(self.url).status_code == 405
