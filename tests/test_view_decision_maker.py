"""A decision maker's public page."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from tautoko.petitions.models import Petition
from tautoko.responses.models import OfficialResponse, ThresholdCrossing
from tests.base import TautokoTestCase


class DecisionMakerPageTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.maker = self.make_decision_maker(name="The <b>Prime</b> Minister")
        now = timezone.now()
        self.waiting = self.make_petition(decision_maker=self.maker, title="Waiting one")
        ThresholdCrossing.objects.create(
            petition=self.waiting,
            threshold="response",
            signatures=10_000,
            crossed_at=now - dt.timedelta(days=12),
        )
        self.answered = self.make_petition(
            decision_maker=self.maker, title="Answered one", state=Petition.State.CLOSED
        )
        ThresholdCrossing.objects.create(
            petition=self.answered,
            threshold="response",
            signatures=10_000,
            crossed_at=now - dt.timedelta(days=40),
        )
        OfficialResponse.objects.create(
            petition=self.answered,
            body="We *heard* you.",
            published_at=now - dt.timedelta(days=30),
        )
        self.make_petition(decision_maker=self.maker, title="Hidden one", state="hidden")
        self.make_petition(title="Someone else's")
        self.url = reverse("responses:decision-maker", args=[self.maker.slug])

    def test_it_shows_petitions_thresholds_days_waiting_and_responses(self) -> None:
        response = self.client.get(self.url)

        assert response.status_code == 200
        html = response.content.decode()
        assert "Waiting one" in html and "Answered one" in html
        assert "Hidden one" not in html and "Someone else" not in html
        assert "waiting 12 days" in html
        assert "<em>heard</em>" in html
        assert "10 days after the threshold" in html
        assert '<dd data-figure="thresholds">2</dd>' in html
        assert '<dd data-figure="responses">1</dd>' in html

    def test_the_name_is_escaped(self) -> None:
        html = self.client.get(self.url).content.decode()
        assert "<b>Prime</b>" not in html and "&lt;b&gt;Prime&lt;/b&gt;" in html

    def test_an_unknown_decision_maker_is_404(self) -> None:
        assert (
            self.client.get(reverse("responses:decision-maker", args=["nobody"])).status_code == 404
        )

    def test_a_petitions_page_links_to_its_decision_maker(self) -> None:
        html = self.client.get(reverse("petitions:detail", args=[self.waiting.slug])).content
        assert f'href="{self.url}"'.encode() in html

    def test_it_refuses_post(self) -> None:
        assert self.client.post(self.url).status_code == 405
