"""Thresholds: recorded once when the settled count reaches them, with staff and the
decision maker told through the outbox."""

from __future__ import annotations

from django.contrib.auth.models import Group

from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.models import Signature, TallyDelta, TimelineEvent
from tautoko.petitions.services import tallies_apply
from tautoko.responses.models import Threshold, ThresholdCrossing
from tests.base import tautoko_settings
from tests.staff import ModerationTestCase

LOW = {"RESPONSE_THRESHOLD": 3, "DEBATE_THRESHOLD": 5}


class ThresholdTests(ModerationTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.maker = self.make_decision_maker(contact_email="minister@example.govt.nz")
        self.petition = self.make_petition(decision_maker=self.maker)

    def sign(self, n: int) -> None:
        for _ in range(n):
            self.make_signature(self.petition, state=Signature.State.CONFIRMED)

    def test_reaching_the_response_threshold_is_recorded_once(self) -> None:
        with tautoko_settings(**LOW):
            self.sign(3)
            tallies_apply()
            self.sign(1)
            tallies_apply()
            tallies_apply()

        crossing = ThresholdCrossing.objects.get()
        assert (crossing.threshold, crossing.signatures) == (Threshold.RESPONSE, 3)
        events = self.petition.events.filter(kind=TimelineEvent.Kind.THRESHOLD_REACHED)
        assert events.count() == 1
        assert events.get().data == {"threshold": "response", "signatures": 3, "count": 3}
        assert events.get().note == "3 signatures: an official response is due"

    def test_staff_and_the_decision_makers_contact_are_emailed_once(self) -> None:
        with tautoko_settings(**LOW):
            self.sign(3)
            tallies_apply()
            self.sign(1)
            tallies_apply()

        emails = OutboundEmail.objects.filter(template="threshold-reached")
        assert sorted(emails.values_list("to", flat=True)) == sorted(
            [
                "minister@example.govt.nz",
                self.moderator.email,
                self.other_moderator.email,
            ]
        )
        staff_email = emails.get(to=self.moderator.email)
        assert staff_email.context["for_staff"] is True
        assert emails.get(to="minister@example.govt.nz").context["for_staff"] is False

    def test_staff_without_the_moderation_permission_are_not_emailed(self) -> None:
        Group.objects.get(name="Moderators").user_set.remove(self.other_moderator)
        with tautoko_settings(**LOW):
            self.sign(3)
            tallies_apply()

        assert not OutboundEmail.objects.filter(to=self.other_moderator.email).exists()

    def test_a_count_that_jumps_past_both_thresholds_records_both(self) -> None:
        with tautoko_settings(**LOW):
            self.sign(6)
            tallies_apply()

        assert set(ThresholdCrossing.objects.values_list("threshold", flat=True)) == {
            Threshold.RESPONSE,
            Threshold.DEBATE,
        }
        assert OutboundEmail.objects.filter(template="threshold-reached").count() == 6

    def test_below_the_threshold_nothing_happens(self) -> None:
        with tautoko_settings(**LOW):
            self.sign(2)
            tallies_apply()

        assert not ThresholdCrossing.objects.exists()
        assert not OutboundEmail.objects.exists()

    def test_falling_below_and_rising_again_records_nothing_new(self) -> None:
        with tautoko_settings(**LOW):
            self.sign(3)
            tallies_apply()
            signature = Signature.objects.filter(petition=self.petition).first()
            assert signature is not None
            TallyDelta.objects.create(
                petition=self.petition,
                electorate="",
                country="NZ",
                at=signature.created_at,
                delta=-1,
            )
            tallies_apply()
            self.sign(1)
            tallies_apply()

        assert ThresholdCrossing.objects.count() == 1
        assert OutboundEmail.objects.filter(template="threshold-reached").count() == 3

    def test_a_decision_maker_without_a_contact_address_is_skipped(self) -> None:
        self.maker.contact_email = ""
        self.maker.save()
        with tautoko_settings(**LOW):
            self.sign(3)
            tallies_apply()

        assert OutboundEmail.objects.filter(template="threshold-reached").count() == 2

    def test_the_default_thresholds_are_ten_thousand_and_a_hundred_thousand(self) -> None:
        from tautoko.responses.models import threshold_levels

        assert threshold_levels() == {"response": 10_000, "debate": 100_000}
