from __future__ import annotations

import datetime as dt
import io
import itertools
import unittest.mock
from contextlib import redirect_stderr

from django.core.management import CommandError, ManagementUtility, call_command
from django.test import TransactionTestCase
from django.utils import timezone

from tautoko.petitions.goals import goal_next, goal_steps
from tautoko.petitions.models import (
    DecisionMaker,
    Petition,
    Signature,
    Tally,
    TallyDelta,
    TimelineEvent,
)
from tautoko.petitions.services import petition_recount, petitions_close_due, tallies_apply
from tests.base import TautokoTestCase, tautoko_settings

UTC = dt.UTC


def tallies(petition: Petition) -> dict[tuple[str, str], int]:
    rows = Tally.objects.filter(petition=petition).exclude(count=0)
    return {(row.dimension, row.key): row.count for row in rows}


class TalliesApplyTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(goal=1_000)

    def confirmed(self, petition: Petition | None = None, **fields: object) -> Signature:
        return self.make_signature(
            petition or self.petition, state=Signature.State.CONFIRMED, **fields
        )

    def test_it_folds_each_change_into_every_dimension(self) -> None:
        at_9 = dt.datetime(2026, 3, 1, 9, 15, tzinfo=UTC)
        at_10 = dt.datetime(2026, 3, 1, 10, 5, tzinfo=UTC)
        self.confirmed(electorate="Ōhāriu", country="NZ", source="x", confirmed_at=at_9)
        self.confirmed(electorate="Ōhāriu", country="NZ", source="", confirmed_at=at_10)
        self.confirmed(electorate="", country="AU", source="x", confirmed_at=at_10)

        assert tallies_apply() == 3

        assert tallies(self.petition) == {
            ("total", ""): 3,
            ("electorate", "Ōhāriu"): 2,
            ("electorate", ""): 1,
            ("country", "NZ"): 2,
            ("country", "AU"): 1,
            ("source", "x"): 2,
            ("source", ""): 1,
            ("hour", "2026-03-01T09"): 1,
            ("hour", "2026-03-01T10"): 2,
        }
        assert not TallyDelta.objects.exists()

    def test_it_keys_hours_in_utc_whatever_the_time_zone(self) -> None:
        auckland = dt.timezone(dt.timedelta(hours=13))
        self.confirmed(confirmed_at=dt.datetime(2026, 1, 1, 8, 30, tzinfo=auckland))

        tallies_apply()

        assert Tally.objects.get(petition=self.petition, dimension="hour").key == "2025-12-31T19"

    def test_it_folds_each_change_exactly_once(self) -> None:
        for _ in range(3):
            self.confirmed()
        tallies_apply()

        assert tallies_apply() == 0
        assert tallies(self.petition)[("total", "")] == 3

        self.confirmed()
        assert tallies_apply() == 1
        assert tallies(self.petition)[("total", "")] == 4

    def test_it_adds_to_what_is_already_settled(self) -> None:
        self.confirmed(source="x")
        tallies_apply()
        self.confirmed(source="x")
        self.confirmed(source="facebook")
        tallies_apply()

        counts = tallies(self.petition)
        assert counts[("total", "")] == 3
        assert counts[("source", "x")] == 2
        assert counts[("source", "facebook")] == 1

    def test_it_subtracts_a_withdrawal(self) -> None:
        signature = self.confirmed(source="x")
        self.confirmed(source="x")
        tallies_apply()
        TallyDelta.objects.create(
            petition=self.petition,
            electorate=signature.electorate,
            country="NZ",
            source="x",
            at=signature.confirmed_at,
            delta=-1,
        )

        tallies_apply()

        counts = tallies(self.petition)
        assert counts[("total", "")] == 1
        assert counts[("source", "x")] == 1

    def test_it_keeps_petitions_apart(self) -> None:
        other = self.make_petition()
        self.confirmed()
        self.confirmed(other)
        self.confirmed(other)

        tallies_apply()

        assert tallies(self.petition)[("total", "")] == 1
        assert tallies(other)[("total", "")] == 2

    def test_a_small_batch_folds_the_rest_on_the_next_round(self) -> None:
        for _ in range(5):
            self.confirmed()

        assert [tallies_apply(batch=2) for _ in range(4)] == [2, 2, 1, 0]
        assert tallies(self.petition)[("total", "")] == 5


class GoalLadderTests(TautokoTestCase):
    def test_the_default_ladder_climbs_in_steps_then_by_two_two_and_a_half_and_two(self) -> None:
        assert list(itertools.islice(goal_steps(), 13)) == [
            100,
            200,
            500,
            1_000,
            2_000,
            5_000,
            10_000,
            20_000,
            50_000,
            100_000,
            200_000,
            500_000,
            1_000_000,
        ]

    def test_the_next_goal_is_the_first_step_above_the_count(self) -> None:
        assert goal_next(count=0) == 100
        assert goal_next(count=100) == 200
        assert goal_next(count=999) == 1_000
        assert goal_next(count=10_000) == 20_000
        assert goal_next(count=60_000) == 100_000

    def test_a_petition_may_have_its_own_steps(self) -> None:
        assert list(itertools.islice(goal_steps([150, 400]), 5)) == [150, 400, 800, 2_000, 4_000]
        assert goal_next(count=150, steps=[150, 400]) == 400

    def test_the_site_ladder_comes_from_settings(self) -> None:
        with tautoko_settings(GOAL_STEPS=[10, 30], GOAL_GROWTH_FACTORS=[3.0]):
            assert list(itertools.islice(goal_steps(), 4)) == [10, 30, 90, 270]


class GoalEventsTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.at = dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def sign_confirmed(self, petition: Petition, count: int) -> None:
        for n in range(count):
            self.make_signature(
                petition,
                state=Signature.State.CONFIRMED,
                confirmed_at=self.at + dt.timedelta(seconds=n),
            )

    def events(self, petition: Petition) -> list[tuple[str, dict[str, int]]]:
        return [
            (event.kind, event.data)
            for event in TimelineEvent.objects.filter(petition=petition).order_by("id")
        ]

    def test_nothing_happens_below_the_goal(self) -> None:
        petition = self.make_petition(goal=5, goal_ladder=True)
        self.sign_confirmed(petition, 4)

        tallies_apply()

        assert self.events(petition) == []
        petition.refresh_from_db()
        assert petition.goal == 5

    def test_reaching_the_goal_records_it_and_raises_the_goal_one_step(self) -> None:
        petition = self.make_petition(goal=100, goal_ladder=True)
        self.sign_confirmed(petition, 100)

        tallies_apply()

        assert self.events(petition) == [
            ("goal_reached", {"goal": 100, "count": 100}),
            ("goal_raised", {"from": 100, "to": 200}),
        ]
        petition.refresh_from_db()
        assert petition.goal == 200
        at = self.at + dt.timedelta(seconds=99)
        assert set(TimelineEvent.objects.values_list("at", flat=True)) == {at}

    def test_a_goal_overtaken_in_one_fold_is_raised_past_the_count(self) -> None:
        petition = self.make_petition(goal=100, goal_ladder=True)
        self.sign_confirmed(petition, 230)

        tallies_apply()

        assert self.events(petition) == [
            ("goal_reached", {"goal": 100, "count": 230}),
            ("goal_raised", {"from": 100, "to": 500}),
        ]

    def test_each_goal_is_reached_once(self) -> None:
        petition = self.make_petition(goal=2, goal_ladder=True, goal_steps=[2, 4])
        for _ in range(5):
            self.sign_confirmed(petition, 1)
            tallies_apply()

        assert self.events(petition) == [
            ("goal_reached", {"goal": 2, "count": 2}),
            ("goal_raised", {"from": 2, "to": 4}),
            ("goal_reached", {"goal": 4, "count": 4}),
            ("goal_raised", {"from": 4, "to": 8}),
        ]
        petition.refresh_from_db()
        assert petition.goal == 8

    def test_a_petitions_own_steps_override_the_site_ladder(self) -> None:
        petition = self.make_petition(goal=3, goal_ladder=True, goal_steps=[3, 7, 11])
        self.sign_confirmed(petition, 3)

        tallies_apply()

        petition.refresh_from_db()
        assert petition.goal == 7

    def test_without_the_ladder_the_goal_is_reached_once_and_stays(self) -> None:
        petition = self.make_petition(goal=3, goal_ladder=False)
        self.sign_confirmed(petition, 3)
        tallies_apply()
        self.sign_confirmed(petition, 2)
        tallies_apply()

        assert self.events(petition) == [("goal_reached", {"goal": 3, "count": 3})]
        petition.refresh_from_db()
        assert petition.goal == 3


class PetitionRecountTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(goal=1_000)
        self.at = dt.datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
        for electorate in ("Ōhāriu", "Ōhāriu", "Wellington Central"):
            self.make_signature(
                self.petition,
                state=Signature.State.CONFIRMED,
                electorate=electorate,
                confirmed_at=self.at,
            )
        self.make_signature(self.petition)  # pending: not counted
        tallies_apply()
        self.settled = tallies(self.petition)

    def test_it_repairs_a_corrupted_tally(self) -> None:
        Tally.objects.filter(petition=self.petition, dimension="total").update(count=999)
        Tally.objects.filter(petition=self.petition, key="Ōhāriu").update(count=-4)
        Tally.objects.create(petition=self.petition, dimension="source", key="bogus", count=7)
        Tally.objects.filter(petition=self.petition, dimension="hour").delete()

        assert petition_recount(petition=self.petition) == 3

        assert tallies(self.petition) == self.settled
        assert self.settled[("total", "")] == 3
        assert self.settled[("electorate", "Ōhāriu")] == 2
        assert self.settled[("hour", "2026-03-01T09")] == 3

    def test_it_leaves_changes_still_waiting_to_the_worker(self) -> None:
        self.make_signature(self.petition, state=Signature.State.CONFIRMED, confirmed_at=self.at)
        Tally.objects.filter(petition=self.petition, dimension="total").update(count=0)

        assert petition_recount(petition=self.petition) == 3
        tallies_apply()

        assert tallies(self.petition)[("total", "")] == 4
        assert tallies(self.petition)[("hour", "2026-03-01T09")] == 4

    def test_it_changes_nothing_when_the_counts_are_right(self) -> None:
        assert petition_recount(petition=self.petition) == 3

        assert tallies(self.petition) == self.settled

    def test_it_leaves_other_petitions_alone(self) -> None:
        other = self.make_petition()
        Tally.objects.create(petition=other, dimension="total", key="", count=42)

        petition_recount(petition=self.petition)

        assert tallies(other) == {("total", ""): 42}


class RecountCommandTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.first = self.make_petition(slug="first")
        self.second = self.make_petition(slug="second")
        for petition, count in ((self.first, 2), (self.second, 1)):
            for _ in range(count):
                self.make_signature(petition, state=Signature.State.CONFIRMED)
        tallies_apply()
        Tally.objects.filter(dimension="total").update(count=50)

    def test_it_recounts_the_petitions_named(self) -> None:
        out = io.StringIO()
        call_command("recount", "first", stdout=out)

        assert out.getvalue() == "first: 2\n"
        assert tallies(self.first)[("total", "")] == 2
        assert tallies(self.second)[("total", "")] == 50

    def test_it_recounts_every_petition_when_none_is_named(self) -> None:
        out = io.StringIO()
        call_command("recount", stdout=out)

        assert out.getvalue() == "first: 2\nsecond: 1\n"
        assert tallies(self.second)[("total", "")] == 1

    def test_it_refuses_an_unknown_slug_and_recounts_nothing(self) -> None:
        with self.assertRaisesMessage(CommandError, "No petition with slug: nosuch"):
            call_command("recount", "first", "nosuch", stdout=io.StringIO())

        assert tallies(self.first)[("total", "")] == 50


class RecountCommandLineTests(TransactionTestCase):
    """Run as from a shell. (A command run this way closes the database connections when it
    ends, which a TestCase's enclosing transaction would not survive on PostgreSQL.)"""

    def test_an_unknown_slug_exits_with_an_error_status_and_says_why(self) -> None:
        err = io.StringIO()
        with redirect_stderr(err), self.assertRaises(SystemExit) as exit_:
            ManagementUtility(["manage.py", "recount", "nosuch"]).execute()

        assert exit_.exception.code not in (0, None)
        assert "No petition with slug: nosuch" in err.getvalue()


class PetitionsCloseDueTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.now = timezone.now()

    def test_it_closes_open_petitions_past_their_closing_time(self) -> None:
        closes_at = self.now - dt.timedelta(minutes=5)
        petition = self.make_petition(closes_at=closes_at)

        assert petitions_close_due(now=self.now) == 1

        petition.refresh_from_db()
        assert petition.state == Petition.State.CLOSED
        assert petition.closed_at == closes_at
        event = TimelineEvent.objects.get(petition=petition)
        assert (event.kind, event.at) == (TimelineEvent.Kind.CLOSED, closes_at)
        assert event.note

    def test_it_closes_a_petition_at_its_exact_closing_time(self) -> None:
        petition = self.make_petition(closes_at=self.now)

        assert petitions_close_due(now=self.now) == 1
        petition.refresh_from_db()
        assert petition.state == Petition.State.CLOSED

    def test_it_leaves_petitions_that_are_not_due(self) -> None:
        later = self.make_petition(closes_at=self.now + dt.timedelta(seconds=1))
        endless = self.make_petition(closes_at=None)
        draft = self.make_petition(state=Petition.State.DRAFT, closes_at=self.now)

        assert petitions_close_due(now=self.now) == 0

        states = Petition.objects.filter(id__in=[later.id, endless.id, draft.id])
        assert set(states.values_list("state", flat=True)) == {"open", "draft"}
        assert not TimelineEvent.objects.exists()

    def test_a_petition_closed_meanwhile_is_not_closed_again(self) -> None:
        petition = self.make_petition(closes_at=self.now - dt.timedelta(minutes=1))
        stale = list(Petition.objects.filter(id=petition.id))  # what a second worker read
        petition.close(now=self.now)

        with unittest.mock.patch.object(Petition.objects, "filter", return_value=stale):
            assert petitions_close_due(now=self.now) == 0

        assert TimelineEvent.objects.filter(kind=TimelineEvent.Kind.CLOSED).count() == 1

    def test_it_closes_each_petition_once(self) -> None:
        self.make_petition(closes_at=self.now - dt.timedelta(days=1))
        petitions_close_due(now=self.now)

        assert petitions_close_due(now=self.now + dt.timedelta(hours=1)) == 0
        assert TimelineEvent.objects.filter(kind=TimelineEvent.Kind.CLOSED).count() == 1


class PetitionRecountInItsOwnTransactionTests(TransactionTestCase):
    """As the ``recount`` command runs it: outside any transaction, so that on PostgreSQL it
    reads every count from one REPEATABLE READ snapshot."""

    def test_it_repairs_a_corrupted_tally(self) -> None:
        maker = DecisionMaker.objects.create(slug="pm", name="Prime Minister")
        petition = Petition.objects.create(
            slug="own", title="Own", summary="s", decision_maker=maker, state="open"
        )
        for n in range(2):
            Signature.objects.create(
                petition=petition,
                name="Signer",
                email=f"s{n}@example.org",
                email_canonical=f"s{n}@example.org",
                country="NZ",
                state=Signature.State.CONFIRMED,
                confirmed_at=timezone.now(),
                consent_version="v",
                receipt=f"receipt-{n}",
            )
        Tally.objects.create(petition=petition, dimension="total", key="", count=9)

        assert petition_recount(petition=petition) == 2
        assert tallies(petition)[("total", "")] == 2
        assert tallies(petition)[("country", "NZ")] == 2
