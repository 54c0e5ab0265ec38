"""`manage.py demo_load` leaves the Prime Minister's page with a response and one waiting."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from tautoko.outbox.models import Broadcast
from tautoko.responses.demo import ANSWERED_SLUG, WAITING_SLUG
from tautoko.responses.models import OfficialResponse, ThresholdCrossing
from tests.base import TautokoTestCase


@override_settings(DEMO=True)
class DemoResponsesTests(TautokoTestCase):
    def test_the_prime_ministers_page_shows_a_response_and_a_petition_waiting(self) -> None:
        call_command("demo_load", stdout=StringIO())
        call_command("demo_load", stdout=StringIO())  # idempotent

        assert set(ThresholdCrossing.objects.values_list("petition__slug", flat=True)) == {
            ANSWERED_SLUG,
            WAITING_SLUG,
        }
        assert OfficialResponse.objects.get().petition.slug == ANSWERED_SLUG
        assert Broadcast.objects.count() == 1
        html = self.client.get(
            reverse("responses:decision-maker", args=["prime-minister"])
        ).content.decode()
        assert '<dd data-figure="responses">1</dd>' in html
        assert '<dd data-figure="waiting">1</dd>' in html
        assert "24 days after the threshold" in html
