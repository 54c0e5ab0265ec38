"""SecondOpinion: a moderator flags a pending petition, another moderator answers it."""

from __future__ import annotations

import datetime as dt

import pytest

from tautoko.moderation.models import OwnSecondOpinion, SecondOpinion
from tautoko.petitions.models import IllegalTransition, Petition, TimelineEvent
from tests.staff import ModerationTestCase

NOW = dt.datetime(2026, 6, 2, 9, 30, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=2)
ALL_STATES = [state for state, _label in Petition.State.choices]


class AskTests(ModerationTestCase):
    def test_it_flags_a_pending_petition_with_the_note_on_the_timeline(self) -> None:
        petition = self.make_petition(state=Petition.State.PENDING)
        opinion = SecondOpinion.ask(
            petition=petition, by=self.moderator, note="Could this be defamatory?", now=NOW
        )
        assert opinion.is_open
        assert (opinion.asked_by, opinion.asked_at, opinion.note) == (
            self.moderator,
            NOW,
            "Could this be defamatory?",
        )
        event = petition.events.get()
        assert (event.kind, event.actor, event.at, event.note) == (
            TimelineEvent.Kind.SECOND_OPINION_ASKED,
            self.moderator,
            NOW,
            "Could this be defamatory?",
        )
        petition.refresh_from_db()
        assert petition.state == Petition.State.PENDING

    def test_it_needs_a_note(self) -> None:
        petition = self.make_petition(state=Petition.State.PENDING)
        for note in ("", "   \n"):
            with pytest.raises(IllegalTransition):
                SecondOpinion.ask(petition=petition, by=self.moderator, note=note)
        assert not SecondOpinion.objects.exists()
        assert not petition.events.exists()

    def test_it_refuses_every_state_but_pending(self) -> None:
        for state in set(ALL_STATES) - {Petition.State.PENDING}:
            petition = self.make_petition(state=state)
            with pytest.raises(IllegalTransition):
                SecondOpinion.ask(petition=petition, by=self.moderator, note="Look?")
            assert not petition.events.exists()
        assert not SecondOpinion.objects.exists()

    def test_only_one_request_is_open_at_a_time(self) -> None:
        petition = self.make_petition(state=Petition.State.PENDING)
        SecondOpinion.ask(petition=petition, by=self.moderator, note="First")
        with pytest.raises(IllegalTransition):
            SecondOpinion.ask(petition=petition, by=self.other_moderator, note="Second")
        assert SecondOpinion.objects.count() == 1
        assert petition.events.count() == 1

    def test_it_can_be_asked_again_once_answered(self) -> None:
        petition = self.make_petition(state=Petition.State.PENDING)
        first = SecondOpinion.ask(petition=petition, by=self.moderator, note="First", now=NOW)
        first.give(by=self.other_moderator, opinion="Fine by me.", now=LATER)
        again = SecondOpinion.ask(petition=petition, by=self.moderator, note="Once more")
        assert again.is_open
        assert SecondOpinion.objects.open().get() == again


class GiveTests(ModerationTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(state=Petition.State.PENDING)
        self.opinion = SecondOpinion.ask(
            petition=self.petition, by=self.moderator, note="Is this the right minister?", now=NOW
        )

    def test_another_moderator_gives_it_and_the_flag_is_cleared(self) -> None:
        event = self.opinion.give(by=self.other_moderator, opinion="Yes, it is.", now=LATER)
        self.opinion.refresh_from_db()
        assert not self.opinion.is_open
        assert (
            self.opinion.answered_by,
            self.opinion.answered_at,
            self.opinion.answer,
            self.opinion.outcome,
        ) == (self.other_moderator, LATER, "Yes, it is.", SecondOpinion.Outcome.OPINION)
        assert (event.kind, event.actor, event.at, event.note, event.data) == (
            TimelineEvent.Kind.SECOND_OPINION_GIVEN,
            self.other_moderator,
            LATER,
            "Yes, it is.",
            {"outcome": "opinion"},
        )
        assert not SecondOpinion.objects.open().exists()

    def test_the_moderator_who_asked_cannot_give_it(self) -> None:
        with pytest.raises(OwnSecondOpinion):
            self.opinion.give(by=self.moderator, opinion="I agree with myself.")
        with pytest.raises(OwnSecondOpinion):
            self.opinion.settle(by=self.moderator, outcome=SecondOpinion.Outcome.APPROVED)
        self.opinion.refresh_from_db()
        assert self.opinion.is_open
        assert self.petition.events.count() == 1

    def test_an_opinion_needs_words(self) -> None:
        with pytest.raises(IllegalTransition):
            self.opinion.give(by=self.other_moderator, opinion="  ")
        self.opinion.refresh_from_db()
        assert self.opinion.is_open

    def test_it_is_answered_once_even_by_two_moderators_at_once(self) -> None:
        stale = SecondOpinion.objects.get(id=self.opinion.id)
        self.opinion.give(by=self.other_moderator, opinion="Fine.")
        third = self.make_staff_moderator()
        with pytest.raises(IllegalTransition):
            stale.give(by=third, opinion="Also fine.")
        self.opinion.refresh_from_db()
        assert self.opinion.answered_by == self.other_moderator
        assert (
            self.petition.events.filter(kind=TimelineEvent.Kind.SECOND_OPINION_GIVEN).count() == 1
        )

    def test_deciding_the_petition_settles_it_with_the_decision(self) -> None:
        event = self.opinion.settle(
            by=self.other_moderator, outcome=SecondOpinion.Outcome.REJECTED, now=LATER
        )
        self.opinion.refresh_from_db()
        assert (self.opinion.outcome, self.opinion.answer) == (SecondOpinion.Outcome.REJECTED, "")
        assert event.data == {"outcome": "rejected"}

    def test_settling_needs_a_decision(self) -> None:
        with pytest.raises(ValueError):
            self.opinion.settle(by=self.other_moderator, outcome=SecondOpinion.Outcome.OPINION)
        self.opinion.refresh_from_db()
        assert self.opinion.is_open

    def make_staff_moderator(self) -> object:
        from tautoko.accounts.models import User

        return User.objects.create_user(
            "moderator3@example.org", "moderator-password", name="Tama Moderator", is_staff=True
        )
