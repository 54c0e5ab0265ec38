"""Publishing an official response, scheduling a debate and recording its outcome."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from tautoko.outbox.services import broadcasts_fan_out, outbox_deliver
from tautoko.petitions.models import IllegalTransition, Petition, Signature, TimelineEvent
from tautoko.responses import services
from tautoko.responses.models import Debate, OfficialResponse
from tautoko.signers.unsubscribe import unsubscribe_url
from tests.staff import ModerationTestCase


class ResponsePublishTests(ModerationTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition()
        self.opted_in = self.make_signature(
            self.petition, state=Signature.State.CONFIRMED, email="keen@example.org", notify=True
        )
        self.make_signature(
            self.petition, state=Signature.State.CONFIRMED, email="quiet@example.org"
        )
        self.make_signature(self.petition, email="unconfirmed@example.org", notify=True)

    def deliver(self) -> None:
        while broadcasts_fan_out():
            pass
        outbox_deliver()

    def test_the_response_reaches_only_confirmed_signers_who_opted_in(self) -> None:
        services.response_publish(
            petition=self.petition, body="We will **act**.\n\n<script>x</script>", by=self.moderator
        )
        self.deliver()

        assert [message.to for message in mail.outbox] == [["keen@example.org"]]
        message = mail.outbox[0]
        assert self.petition.title in message.subject
        assert "We will **act**." in message.body
        html = message.alternatives[0][0]
        assert "<script>x</script>" not in html and "&lt;script&gt;" in html
        # As an update does, it says how to stop these emails, with a one-click link.
        unsubscribe = unsubscribe_url(receipt=self.opted_in.receipt)
        assert unsubscribe in message.body and f'href="{unsubscribe}"' in html

    def test_it_is_on_the_timeline_and_on_record(self) -> None:
        response = services.response_publish(petition=self.petition, body="Yes.", by=self.moderator)

        assert OfficialResponse.objects.get() == response
        event = self.petition.events.get(kind=TimelineEvent.Kind.RESPONDED)
        assert event.actor == self.moderator

    def test_a_second_response_is_refused(self) -> None:
        services.response_publish(petition=self.petition, body="Yes.", by=self.moderator)
        with pytest.raises(services.AlreadyResponded):
            services.response_publish(petition=self.petition, body="No.", by=self.moderator)
        assert OfficialResponse.objects.count() == 1

    def test_rejected_hidden_and_pending_petitions_cannot_be_answered(self) -> None:
        for state in (Petition.State.REJECTED, Petition.State.HIDDEN, Petition.State.PENDING):
            petition = self.make_petition(state=state)
            with pytest.raises(IllegalTransition):
                services.response_publish(petition=petition, body="Yes.", by=self.moderator)
        assert not OfficialResponse.objects.exists()

    def test_a_closed_petition_can_be_answered(self) -> None:
        petition = self.make_petition(state=Petition.State.CLOSED)
        services.response_publish(petition=petition, body="Yes.", by=self.moderator)
        assert OfficialResponse.objects.filter(petition=petition).exists()


class DebateTests(ModerationTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition()
        self.opted_in = self.make_signature(
            self.petition, state=Signature.State.CONFIRMED, email="keen@example.org", notify=True
        )

    def test_a_debate_is_scheduled_moved_and_then_held(self) -> None:
        services.debate_schedule(petition=self.petition, on=dt.date(2027, 3, 1), by=self.moderator)
        services.debate_schedule(petition=self.petition, on=dt.date(2027, 3, 8), by=self.moderator)
        debate = services.debate_record(
            petition=self.petition, outcome="The House agreed.", by=self.moderator
        )

        assert debate.scheduled_for == dt.date(2027, 3, 8) and debate.is_held()
        kinds = list(self.petition.events.values_list("kind", flat=True))
        assert kinds.count(TimelineEvent.Kind.DEBATE_SCHEDULED) == 2
        assert kinds.count(TimelineEvent.Kind.DEBATED) == 1
        while broadcasts_fan_out():
            pass
        outbox_deliver()
        assert [message.to for message in mail.outbox] == [["keen@example.org"]]
        assert "The House agreed." in mail.outbox[0].body
        unsubscribe = unsubscribe_url(receipt=self.opted_in.receipt)
        assert unsubscribe in mail.outbox[0].body
        assert f'href="{unsubscribe}"' in mail.outbox[0].alternatives[0][0]

    def test_an_outcome_needs_a_scheduled_debate(self) -> None:
        with pytest.raises(IllegalTransition):
            services.debate_record(petition=self.petition, outcome="Yes.", by=self.moderator)

    def test_a_held_debate_cannot_be_moved_or_recorded_again(self) -> None:
        services.debate_schedule(petition=self.petition, on=dt.date(2027, 3, 1), by=None)
        services.debate_record(petition=self.petition, outcome="Agreed.", by=None)
        with pytest.raises(IllegalTransition):
            services.debate_schedule(petition=self.petition, on=dt.date(2027, 4, 1), by=None)
        with pytest.raises(IllegalTransition):
            services.debate_record(petition=self.petition, outcome="Again.", by=None)
        assert Debate.objects.get().outcome == "Agreed."
