"""The data migrations: goal events split into their own kinds, victories made successful,
broadcast emails keyed under their signatures.

Each migration's functions run here against the real tables (through the app registry, as
``migrate`` runs them through its historical one), forwards and back.
"""

from __future__ import annotations

import datetime as dt
import importlib
from types import ModuleType

from django.apps import apps

from tautoko.organise.models import Victory
from tautoko.outbox.models import Broadcast, OutboundEmail
from tautoko.petitions.models import Petition, Signature, TimelineEvent
from tests.base import TautokoTestCase

AT = dt.datetime(2025, 11, 11, 13, 5, tzinfo=dt.UTC)


def migration(app: str, name: str) -> ModuleType:
    return importlib.import_module(f"tautoko.{app}.migrations.{name}")


EVENT_KINDS = migration("petitions", "0007_decision_maker_proposals_successful_and_event_kinds")
VICTORIES = migration("organise", "0002_victories_make_petitions_successful")


class GoalEventsTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        petition = self.make_petition()
        self.ladder_on = petition.event(
            kind="goal_raised",
            at=AT,
            actor=self.organiser,
            data={"from": 5, "to": 5, "ladder": True},
        )
        self.ladder_off = petition.event(
            kind="goal_raised", at=AT, data={"from": 7, "to": 7, "ladder": False}
        )
        self.by_hand = petition.event(
            kind="goal_raised", at=AT, actor=self.organiser, data={"from": 5, "to": 7}
        )
        # The organiser's account is gone, and no goal was reached at that moment.
        self.by_hand_orphan = petition.event(
            kind="goal_raised", at=AT + dt.timedelta(minutes=1), data={"from": 7, "to": 9}
        )
        later = AT + dt.timedelta(hours=1)
        self.reached = petition.event(kind="goal_reached", at=later, data={"goal": 9, "count": 9})
        self.automatic = petition.event(kind="goal_raised", at=later, data={"from": 9, "to": 20})

    def kinds_and_data(self) -> list[tuple[str, dict[str, object]]]:
        events = (
            self.ladder_on,
            self.ladder_off,
            self.by_hand,
            self.by_hand_orphan,
            self.automatic,
        )
        for event in events:
            event.refresh_from_db()
        return [(event.kind, event.data) for event in events]

    def test_switches_and_changes_by_hand_get_their_own_kinds(self) -> None:
        EVENT_KINDS.goal_events_split(apps, None)
        assert self.kinds_and_data() == [
            (TimelineEvent.Kind.LADDER_ON, {"goal": 5}),
            (TimelineEvent.Kind.LADDER_OFF, {"goal": 7}),
            (TimelineEvent.Kind.GOAL_CHANGED, {"from": 5, "to": 7}),
            (TimelineEvent.Kind.GOAL_CHANGED, {"from": 7, "to": 9}),
            (TimelineEvent.Kind.GOAL_RAISED, {"from": 9, "to": 20}),
        ]
        self.reached.refresh_from_db()
        assert self.reached.kind == TimelineEvent.Kind.GOAL_REACHED

    def test_it_goes_back_as_it_was(self) -> None:
        before = self.kinds_and_data()
        EVENT_KINDS.goal_events_split(apps, None)
        EVENT_KINDS.goal_events_merge(apps, None)
        assert self.kinds_and_data() == before

    def test_running_it_twice_changes_nothing_more(self) -> None:
        EVENT_KINDS.goal_events_split(apps, None)
        once = self.kinds_and_data()
        EVENT_KINDS.goal_events_split(apps, None)
        assert self.kinds_and_data() == once


class VictoriesTests(TautokoTestCase):
    def victory(self, petition: Petition) -> Victory:
        petition.event(
            kind="update",
            at=AT,
            actor=self.organiser,
            note="We won.",
            data={"victory": True, "title": "Victory"},
        )
        return Victory.objects.create(
            petition=petition, story="We won.", declared_at=AT, declared_by=self.organiser
        )

    def test_petitions_with_a_victory_become_successful(self) -> None:
        running = self.make_petition(title="Open with a victory", closed_at=None)
        closed_at = AT - dt.timedelta(days=2)
        closed = self.make_petition(state=Petition.State.CLOSED, closed_at=closed_at)
        hidden = self.make_petition(state=Petition.State.OPEN)
        for petition in (running, closed, hidden):
            self.victory(petition)
        hidden.hide(by=self.moderator, reason="Complaint")
        plain = self.make_petition(title="No victory")
        update = plain.event(kind="update", data={"update": "abc", "title": "News"})

        VICTORIES.victories_successful(apps, None)

        for petition in (running, closed, hidden, plain):
            petition.refresh_from_db()
        assert (running.state, running.closed_at) == (Petition.State.SUCCESSFUL, AT)
        assert (closed.state, closed.closed_at) == (Petition.State.SUCCESSFUL, closed_at)
        assert hidden.state == Petition.State.HIDDEN
        assert plain.state == Petition.State.OPEN
        for petition in (running, closed, hidden):
            event = petition.events.get(kind=TimelineEvent.Kind.SUCCESSFUL)
            assert (event.note, event.data, event.actor) == ("We won.", {}, self.organiser)
            assert not petition.events.filter(kind="update").exists()
        update.refresh_from_db()
        assert update.kind == "update"
        hidden.restore(by=self.moderator)
        assert hidden.state == Petition.State.SUCCESSFUL
        assert not running.is_signable()

    def test_it_goes_back_to_closed_petitions_with_victory_updates(self) -> None:
        petition = self.make_petition()
        self.victory(petition)
        VICTORIES.victories_successful(apps, None)
        VICTORIES.victories_back_to_closed(apps, None)
        petition.refresh_from_db()
        assert petition.state == Petition.State.CLOSED
        event = petition.events.get()
        assert (event.kind, event.data) == ("update", {"victory": True, "title": "Victory"})


BROADCAST_KEYS = migration("outbox", "0003_broadcast_emails_keyed_by_recipient")


class BroadcastEmailKeysTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        for key, audience in (
            ("update:abc", "petition-signers-opted-in"),
            ("update:abc:2", "petition-signers-opted-in"),
            ("other:1", "someone-else"),
        ):
            Broadcast.objects.create(key=key, audience=audience, template="petition-update")
        for n, key in enumerate(
            ["update:abc:7", "update:abc:12", "update:abc:2:7", "other:1:7", "signature:7:1"]
        ):
            OutboundEmail.objects.create(
                key=key, code=f"code-{n}", to="x@example.org", template="petition-update"
            )

    def keys(self) -> list[str]:
        return sorted(OutboundEmail.objects.values_list("key", flat=True))

    def test_signers_broadcast_emails_move_under_their_signatures_prefix(self) -> None:
        BROADCAST_KEYS.forwards(apps, None)
        assert self.keys() == [
            "other:1:7",  # not a signers' audience: left as it is
            "signature:12:update:abc",
            "signature:7:1",
            "signature:7:update:abc",
            "signature:7:update:abc:2",
        ]

    def test_it_goes_back_as_it_was(self) -> None:
        before = self.keys()
        BROADCAST_KEYS.forwards(apps, None)
        BROADCAST_KEYS.backwards(apps, None)
        assert self.keys() == before

    def test_the_emails_of_signers_already_anonymised_are_forgotten(self) -> None:
        petition = self.make_petition()
        erased = self.make_signature(petition, email="gone@example.org")
        kept = self.make_signature(petition, email="kept@example.org")
        Signature.objects.filter(id=erased.id).update(
            name="", email="", anonymised_at=AT, email_canonical=f"anonymised:{erased.id}"
        )
        Broadcast.objects.create(
            key="response:9", audience="petition-signers-opted-in", template="petition-response"
        )
        for n, (signature, state) in enumerate(
            [(erased, "sent"), (kept, "sent"), (erased, "queued")]
        ):
            OutboundEmail.objects.create(
                key=f"response:9:{signature.id}" if n < 2 else f"update:abc:{signature.id}",
                code=f"r-{n}",
                to=signature.email or "gone@example.org",
                template="petition-response",
                subject="Response",
                state=state,
            )

        BROADCAST_KEYS.forwards(apps, None)

        emails = {e.key: e for e in OutboundEmail.objects.filter(key__contains=":response:9")}
        assert emails[f"signature:{erased.id}:response:9"].to == ""
        assert emails[f"signature:{erased.id}:response:9"].subject == ""
        assert emails[f"signature:{kept.id}:response:9"].to == "kept@example.org"
        # The erased signer's update still waiting to go is dropped.
        assert not OutboundEmail.objects.filter(key=f"signature:{erased.id}:update:abc").exists()

    def test_running_it_twice_changes_nothing_more(self) -> None:
        BROADCAST_KEYS.forwards(apps, None)
        once = self.keys()
        BROADCAST_KEYS.forwards(apps, None)
        assert self.keys() == once
