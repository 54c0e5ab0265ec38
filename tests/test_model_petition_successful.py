"""The successful state: the organiser's declaration of victory, on the Petition model."""

from __future__ import annotations

import datetime as dt

import pytest

from tautoko.petitions.models import IllegalTransition, Petition, TimelineEvent
from tests.base import TautokoTestCase

NOW = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
ALL_STATES = [state for state, _label in Petition.State.choices]


class DeclareSuccessfulTests(TautokoTestCase):
    def test_an_open_petition_becomes_successful_and_stops_taking_signatures(self) -> None:
        petition = self.make_petition(state=Petition.State.OPEN)
        event = petition.declare_successful(by=self.organiser, story="They agreed.", now=NOW)
        petition.refresh_from_db()
        assert petition.state == Petition.State.SUCCESSFUL
        assert petition.closed_at == NOW
        assert not petition.is_signable()
        assert petition.is_visible()
        assert not Petition.objects.signable().filter(id=petition.id).exists()
        assert Petition.objects.visible().filter(id=petition.id).exists()
        assert (event.kind, event.actor, event.at, event.note) == (
            TimelineEvent.Kind.SUCCESSFUL,
            self.organiser,
            NOW,
            "They agreed.",
        )

    def test_a_closed_petition_keeps_its_closing_time(self) -> None:
        closed_at = NOW - dt.timedelta(days=3)
        petition = self.make_petition(state=Petition.State.CLOSED, closed_at=closed_at)
        petition.declare_successful(by=self.organiser, now=NOW)
        petition.refresh_from_db()
        assert (petition.state, petition.closed_at) == (Petition.State.SUCCESSFUL, closed_at)

    def test_it_refuses_every_state_but_open_and_closed(self) -> None:
        for state in set(ALL_STATES) - {Petition.State.OPEN, Petition.State.CLOSED}:
            petition = self.make_petition(state=state)
            with pytest.raises(IllegalTransition):
                petition.declare_successful(by=self.organiser, now=NOW)
            petition.refresh_from_db()
            assert petition.state == state
            assert not petition.events.exists()

    def test_it_is_declared_once_even_from_two_requests_at_once(self) -> None:
        petition = self.make_petition(state=Petition.State.OPEN)
        stale = Petition.objects.get(id=petition.id)
        petition.declare_successful(by=self.organiser, now=NOW)
        with pytest.raises(IllegalTransition):
            stale.declare_successful(by=self.organiser, now=NOW)
        assert petition.events.filter(kind=TimelineEvent.Kind.SUCCESSFUL).count() == 1

    def test_a_hidden_successful_petition_is_restored_as_successful(self) -> None:
        petition = self.make_petition(state=Petition.State.OPEN)
        petition.declare_successful(by=self.organiser, now=NOW)
        petition.hide(by=self.moderator, reason="Complaint")
        assert not petition.is_visible()
        petition.restore(by=self.moderator)
        petition.refresh_from_db()
        assert petition.state == Petition.State.SUCCESSFUL


class SuccessesTests(TautokoTestCase):
    def test_successes_are_the_successful_petitions_latest_victory_first(self) -> None:
        first = self.make_petition(title="First win")
        second = self.make_petition(title="Second win", state=Petition.State.CLOSED)
        self.make_petition(title="Still open")
        first.declare_successful(by=self.organiser, now=NOW)
        second.declare_successful(by=self.organiser, now=NOW + dt.timedelta(days=1))
        successes = list(Petition.objects.successes())
        assert [p.title for p in successes] == ["Second win", "First win"]
        assert successes[0].succeeded_at == NOW + dt.timedelta(days=1)
