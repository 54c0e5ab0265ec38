"""Proposed decision makers on the model: listed only by acceptance, matched away otherwise,
and never the decision maker of an open petition."""

from __future__ import annotations

import datetime as dt

import pytest

from tautoko.petitions.models import DecisionMaker, IllegalTransition, Petition, TimelineEvent
from tests.base import TautokoTestCase

NOW = dt.datetime(2026, 6, 2, 9, 30, tzinfo=dt.UTC)


class ProposalTestCase(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.proposed = self.make_decision_maker(
            slug="ruapehu-district-council",
            name="Ruapehu District Council",
            title="Council",
            contact_email="info@council.example",
            status=DecisionMaker.Status.PROPOSED,
            proposed_by=self.organiser,
            proposed_at=NOW,
        )
        self.petition = self.make_petition(
            state=Petition.State.PENDING, decision_maker=self.proposed
        )
        self.listed = self.make_decision_maker(name="Minister of Local Government")


class ListedTests(ProposalTestCase):
    def test_only_listed_decision_makers_are_on_the_list(self) -> None:
        assert not self.proposed.is_listed
        assert self.listed.is_listed
        assert self.proposed not in DecisionMaker.objects.listed()
        assert self.listed in DecisionMaker.objects.listed()

    def test_decision_makers_are_listed_unless_proposed(self) -> None:
        maker = DecisionMaker.objects.create(slug="new-one", name="New One")
        assert maker.status == DecisionMaker.Status.LISTED


class AcceptTests(ProposalTestCase):
    def test_accepting_lists_it_with_a_timeline_event(self) -> None:
        event = self.proposed.accept(petition=self.petition, by=self.moderator, now=NOW)
        self.proposed.refresh_from_db()
        assert self.proposed.status == DecisionMaker.Status.LISTED
        assert self.proposed in DecisionMaker.objects.listed()
        assert (event.kind, event.actor, event.at) == (
            TimelineEvent.Kind.DECISION_MAKER_LISTED,
            self.moderator,
            NOW,
        )
        assert event.data == {
            "decision_maker": "ruapehu-district-council",
            "name": "Ruapehu District Council",
            "title": "Council",
        }

    def test_it_refuses_a_listed_one_or_another_petitions_proposal(self) -> None:
        other = self.make_petition(state=Petition.State.PENDING, decision_maker=self.listed)
        with pytest.raises(IllegalTransition):
            self.listed.accept(petition=other, by=self.moderator)
        with pytest.raises(IllegalTransition):
            self.proposed.accept(petition=other, by=self.moderator)
        self.proposed.refresh_from_db()
        assert self.proposed.status == DecisionMaker.Status.PROPOSED
        assert not TimelineEvent.objects.exists()

    def test_it_is_accepted_once(self) -> None:
        stale = DecisionMaker.objects.get(id=self.proposed.id)
        self.proposed.accept(petition=self.petition, by=self.moderator)
        with pytest.raises(IllegalTransition):
            stale.accept(petition=self.petition, by=self.moderator)
        assert self.petition.events.count() == 1


class MatchTests(ProposalTestCase):
    def test_matching_addresses_the_petition_to_the_listed_one_and_drops_the_proposal(
        self,
    ) -> None:
        event = self.proposed.match(petition=self.petition, to=self.listed, by=self.moderator)
        self.petition.refresh_from_db()
        assert self.petition.decision_maker == self.listed
        assert not DecisionMaker.objects.filter(slug="ruapehu-district-council").exists()
        assert event.kind == TimelineEvent.Kind.DECISION_MAKER_MATCHED
        assert event.data == {
            "decision_maker": self.listed.slug,
            "name": "Minister of Local Government",
            "proposed": {
                "name": "Ruapehu District Council",
                "title": "Council",
                "contact_email": "info@council.example",
            },
        }

    def test_it_refuses_to_match_to_another_proposal(self) -> None:
        another = self.make_decision_maker(status=DecisionMaker.Status.PROPOSED)
        with pytest.raises(IllegalTransition):
            self.proposed.match(petition=self.petition, to=another, by=self.moderator)
        self.petition.refresh_from_db()
        assert self.petition.decision_maker == self.proposed

    def test_it_refuses_a_listed_decision_maker(self) -> None:
        other = self.make_petition(state=Petition.State.PENDING, decision_maker=self.listed)
        with pytest.raises(IllegalTransition):
            self.listed.match(petition=other, to=self.listed, by=self.moderator)


class ApproveTests(ProposalTestCase):
    def test_a_petition_addressed_to_a_proposal_cannot_be_approved(self) -> None:
        with pytest.raises(IllegalTransition):
            self.petition.approve(by=self.moderator, now=NOW)
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.PENDING
        assert not self.petition.events.exists()

    def test_it_can_once_the_proposal_is_accepted_or_matched(self) -> None:
        self.proposed.accept(petition=self.petition, by=self.moderator)
        self.petition.approve(by=self.moderator)
        assert self.petition.state == Petition.State.OPEN
        other_proposal = self.make_decision_maker(status=DecisionMaker.Status.PROPOSED)
        other = self.make_petition(state=Petition.State.PENDING, decision_maker=other_proposal)
        other_proposal.match(petition=other, to=self.listed, by=self.moderator)
        other.approve(by=self.moderator)
        assert other.state == Petition.State.OPEN

    def test_rejecting_leaves_the_proposal_unlisted(self) -> None:
        self.petition.reject(by=self.moderator, reason_code="advert", reason_label="Advert")
        self.proposed.refresh_from_db()
        assert self.proposed.status == DecisionMaker.Status.PROPOSED
        assert self.proposed not in DecisionMaker.objects.listed()
