"""The moderation lifecycle on the Petition model: every move and every illegal one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tautoko.petitions.models import IllegalTransition, Petition, TimelineEvent, months_after
from tests.base import TautokoTestCase

NOW = dt.datetime(2026, 3, 31, 9, 0, tzinfo=dt.UTC)
ALL_STATES = [state for state, _label in Petition.State.choices]


class MonthsAfterTests(TautokoTestCase):
    def test_it_keeps_the_day_and_time(self) -> None:
        assert months_after(NOW, 6) == dt.datetime(2026, 9, 30, 9, 0, tzinfo=dt.UTC)

    def test_it_uses_the_last_day_of_a_shorter_month_and_crosses_years(self) -> None:
        assert months_after(NOW, 11) == dt.datetime(2027, 2, 28, 9, 0, tzinfo=dt.UTC)


class SubmitTests(TautokoTestCase):
    def test_it_sends_a_draft_to_the_queue_with_a_timeline_event(self) -> None:
        petition = self.make_petition(state=Petition.State.DRAFT)
        event = petition.submit(by=self.organiser, now=NOW)
        petition.refresh_from_db()
        assert petition.state == Petition.State.PENDING
        assert (event.kind, event.actor, event.at) == (
            TimelineEvent.Kind.SUBMITTED,
            self.organiser,
            NOW,
        )

    def test_it_refuses_every_other_state(self) -> None:
        for state in set(ALL_STATES) - {Petition.State.DRAFT}:
            petition = self.make_petition(state=state)
            with pytest.raises(IllegalTransition):
                petition.submit(by=self.organiser, now=NOW)
            petition.refresh_from_db()
            assert petition.state == state
            assert not petition.events.exists()


class ApproveTests(TautokoTestCase):
    def test_it_opens_a_pending_petition_and_sets_its_opening_and_closing(self) -> None:
        chosen = NOW + dt.timedelta(days=30)
        petition = self.make_petition(state=Petition.State.PENDING, closes_at=chosen)
        event = petition.approve(by=self.moderator, now=NOW)
        petition.refresh_from_db()
        assert petition.state == Petition.State.OPEN
        assert petition.opened_at == NOW
        assert petition.closes_at == chosen
        assert (event.kind, event.actor) == (TimelineEvent.Kind.OPENED, self.moderator)

    def test_it_uses_the_default_period_when_the_chosen_date_has_passed(self) -> None:
        petition = self.make_petition(
            state=Petition.State.PENDING, closes_at=NOW - dt.timedelta(days=1)
        )
        petition.approve(by=self.moderator, now=NOW)
        assert petition.closes_at == months_after(NOW, 6)

    def test_it_uses_the_default_period_when_no_date_was_chosen(self) -> None:
        petition = self.make_petition(state=Petition.State.PENDING, closes_at=None)
        petition.approve(by=self.moderator, now=NOW)
        assert petition.closes_at == months_after(NOW, 6)

    def test_it_never_runs_longer_than_the_maximum(self) -> None:
        petition = self.make_petition(
            state=Petition.State.PENDING, closes_at=NOW + dt.timedelta(days=800)
        )
        petition.approve(by=self.moderator, now=NOW)
        assert petition.closes_at == months_after(NOW, 12)

    def test_it_refuses_every_state_but_pending(self) -> None:
        for state in set(ALL_STATES) - {Petition.State.PENDING}:
            petition = self.make_petition(state=state)
            with pytest.raises(IllegalTransition):
                petition.approve(by=self.moderator, now=NOW)
            petition.refresh_from_db()
            assert petition.state == state

    def test_the_second_of_two_moderators_acting_at_once_is_refused(self) -> None:
        petition = self.make_petition(state=Petition.State.PENDING)
        stale = Petition.objects.get(id=petition.id)
        petition.approve(by=self.moderator, now=NOW)
        with pytest.raises(IllegalTransition):
            stale.reject(by=self.moderator, reason_code="duplicate", reason_label="Duplicate")
        petition.refresh_from_db()
        assert petition.state == Petition.State.OPEN
        assert petition.events.count() == 1


class RejectTests(TautokoTestCase):
    def test_it_rejects_a_pending_petition_with_its_reason_on_the_timeline(self) -> None:
        petition = self.make_petition(state=Petition.State.PENDING)
        event = petition.reject(
            by=self.moderator,
            reason_code="duplicate",
            reason_label="Duplicate",
            note="See /other-petition.",
            now=NOW,
        )
        petition.refresh_from_db()
        assert petition.state == Petition.State.REJECTED
        assert event.kind == TimelineEvent.Kind.REJECTED
        assert event.actor == self.moderator
        assert event.note == "See /other-petition."
        assert event.data == {"reason": "duplicate", "reason_label": "Duplicate"}
        assert petition.rejection == event

    def test_a_rejected_petition_is_visible_but_not_signable(self) -> None:
        petition = self.make_petition(state=Petition.State.PENDING)
        petition.reject(by=self.moderator, reason_code="advert", reason_label="Advert")
        assert petition.is_visible()
        assert not petition.is_signable()
        assert Petition.objects.visible().filter(id=petition.id).exists()
        assert not Petition.objects.signable().filter(id=petition.id).exists()

    def test_it_refuses_every_state_but_pending(self) -> None:
        for state in set(ALL_STATES) - {Petition.State.PENDING}:
            petition = self.make_petition(state=state)
            with pytest.raises(IllegalTransition):
                petition.reject(by=self.moderator, reason_code="advert", reason_label="Advert")

    def test_only_a_rejected_petition_has_a_rejection(self) -> None:
        assert self.make_petition(state=Petition.State.OPEN).rejection is None


class OpenTests(TautokoTestCase):
    OPENABLE = (Petition.State.DRAFT, Petition.State.PENDING)

    def test_it_opens_a_draft_or_a_pending_petition_with_a_timeline_event(self) -> None:
        for state in self.OPENABLE:
            petition = self.make_petition(state=state)
            event = petition.open(by=self.moderator, now=NOW)
            petition.refresh_from_db()
            assert (petition.state, petition.opened_at) == (Petition.State.OPEN, NOW)
            assert (event.kind, event.actor, event.at) == (
                TimelineEvent.Kind.OPENED,
                self.moderator,
                NOW,
            )
            assert list(petition.events.all()) == [event]
            # The text signers will sign is kept as its first version.
            assert list(petition.versions.values_list("number", "title")) == [(1, petition.title)]

    def test_it_refuses_every_other_state_and_records_nothing(self) -> None:
        refused = [state for state in Petition.State if state not in self.OPENABLE]
        assert len(refused) == len(Petition.State) - len(self.OPENABLE)
        for state in refused:
            petition = self.make_petition(state=state)
            opened_at = petition.opened_at
            with pytest.raises(IllegalTransition):
                petition.open(by=self.moderator, now=NOW)
            petition.refresh_from_db()
            assert (petition.state, petition.opened_at) == (state, opened_at)
            assert not petition.events.exists()
            assert not petition.versions.exists()

    def test_a_stale_copy_cannot_open_a_petition_rejected_meanwhile(self) -> None:
        petition = self.make_petition(state=Petition.State.PENDING)
        stale = Petition.objects.get(id=petition.id)
        petition.reject(by=self.moderator, reason_code="advert", reason_label="Advert")
        with pytest.raises(IllegalTransition):
            stale.open(by=self.moderator, now=NOW)
        petition.refresh_from_db()
        assert (petition.state, petition.opened_at) == (Petition.State.REJECTED, None)
        assert list(petition.events.values_list("kind", flat=True)) == [TimelineEvent.Kind.REJECTED]


class CloseTests(TautokoTestCase):
    def test_it_closes_an_open_petition_with_its_reason_on_the_timeline(self) -> None:
        petition = self.make_petition(state=Petition.State.OPEN)
        event = petition.close(by=self.organiser, now=NOW, reason="We won early.")
        petition.refresh_from_db()
        assert (petition.state, petition.closed_at) == (Petition.State.CLOSED, NOW)
        assert not petition.is_signable(now=NOW)
        assert (event.kind, event.actor, event.at, event.note) == (
            TimelineEvent.Kind.CLOSED,
            self.organiser,
            NOW,
            "We won early.",
        )
        assert list(petition.events.all()) == [event]

    def test_the_worker_closes_it_with_no_one_as_the_actor(self) -> None:
        petition = self.make_petition(state=Petition.State.OPEN)
        event = petition.close(now=NOW, reason="closing date reached")
        assert (event.actor, event.note) == (None, "closing date reached")

    def test_it_refuses_every_state_but_open_and_records_nothing(self) -> None:
        refused = [state for state in Petition.State if state != Petition.State.OPEN]
        assert len(refused) == len(Petition.State) - 1
        for state in refused:
            petition = self.make_petition(state=state)
            closed_at = petition.closed_at
            with pytest.raises(IllegalTransition):
                petition.close(by=self.organiser, now=NOW, reason="Too late.")
            petition.refresh_from_db()
            assert (petition.state, petition.closed_at) == (state, closed_at)
            assert not petition.events.exists()

    def test_a_stale_copy_cannot_close_a_petition_hidden_meanwhile(self) -> None:
        petition = self.make_petition(state=Petition.State.OPEN)
        stale = Petition.objects.get(id=petition.id)
        petition.hide(by=self.moderator, reason="Court order")
        with pytest.raises(IllegalTransition):
            stale.close(by=self.organiser, now=NOW)
        petition.refresh_from_db()
        assert (petition.state, petition.closed_at) == (Petition.State.HIDDEN, None)
        assert list(petition.events.values_list("kind", flat=True)) == [TimelineEvent.Kind.HIDDEN]


class HideAndRestoreTests(TautokoTestCase):
    def test_hiding_takes_an_open_petition_down_with_the_reason(self) -> None:
        petition = self.make_petition(state=Petition.State.OPEN)
        event = petition.hide(by=self.moderator, reason="Court order", now=NOW)
        petition.refresh_from_db()
        assert petition.state == Petition.State.HIDDEN
        assert not petition.is_visible()
        assert (event.kind, event.note, event.data) == (
            TimelineEvent.Kind.HIDDEN,
            "Court order",
            {"from": "open"},
        )

    def test_hiding_needs_a_reason(self) -> None:
        petition = self.make_petition(state=Petition.State.OPEN)
        with pytest.raises(IllegalTransition):
            petition.hide(by=self.moderator, reason="  ")
        petition.refresh_from_db()
        assert petition.state == Petition.State.OPEN

    def test_hiding_refuses_drafts_pending_and_hidden_petitions(self) -> None:
        for state in (Petition.State.DRAFT, Petition.State.PENDING, Petition.State.HIDDEN):
            petition = self.make_petition(state=state)
            with pytest.raises(IllegalTransition):
                petition.hide(by=self.moderator, reason="Court order")

    def test_restoring_puts_it_back_in_the_state_it_was_hidden_from(self) -> None:
        for state in (Petition.State.OPEN, Petition.State.CLOSED, Petition.State.REJECTED):
            petition = self.make_petition(state=state)
            petition.hide(by=self.moderator, reason="Checking a complaint", now=NOW)
            later = NOW + dt.timedelta(hours=1)
            event = petition.restore(by=self.moderator, reason="Complaint unfounded", now=later)
            petition.refresh_from_db()
            assert petition.state == state
            assert (event.kind, event.actor, event.at, event.data) == (
                TimelineEvent.Kind.RESTORED,
                self.moderator,
                later,
                {"to": state},
            )

    def test_restoring_refuses_a_petition_that_is_not_hidden(self) -> None:
        for state in set(ALL_STATES) - {Petition.State.HIDDEN}:
            petition = self.make_petition(state=state)
            with pytest.raises(IllegalTransition):
                petition.restore(by=self.moderator)


def test_months_after_on_aware_local_times() -> None:
    moment = timezone.localtime(NOW)
    assert months_after(moment, 12).year == 2027
