"""Versions of a petition's text: version 1 on opening, a new one per edit, refusals."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from tautoko.organise.services import petition_revise
from tautoko.petitions.models import (
    IllegalTransition,
    NothingChanged,
    Petition,
    PetitionVersion,
    TimelineEvent,
)
from tautoko.petitions.services import petition_cache_key
from tests.base import TautokoTestCase


class OpeningKeepsVersionOneTests(TautokoTestCase):
    def test_approving_keeps_the_text_as_version_one(self) -> None:
        petition = self.make_petition(state=Petition.State.PENDING, title="Save the kākā")
        now = timezone.now()
        petition.approve(by=self.moderator, now=now)
        version = PetitionVersion.objects.get(petition=petition)
        assert (version.number, version.title, version.note) == (1, "Save the kākā", "")
        assert (version.summary, version.statement) == (petition.summary, petition.statement)
        assert version.created_at == now
        assert version.created_by == self.organiser  # who wrote it; the event says who opened
        assert petition.version == 1

    def test_opening_a_draft_keeps_version_one_too(self) -> None:
        petition = self.make_petition(state=Petition.State.DRAFT)
        petition.open(by=self.organiser)
        assert list(petition.versions.values_list("number", flat=True)) == [1]

    def test_a_rejected_petition_has_no_version(self) -> None:
        petition = self.make_petition(state=Petition.State.PENDING)
        petition.reject(by=self.moderator, reason_code="duplicate", reason_label="Duplicate")
        assert not petition.versions.exists()


class ReviseTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(
            state=Petition.State.PENDING,
            title="Save the kākā",
            statement="Kākā are in danger.\n\nThey need pest control.",
        )
        self.petition.approve(by=self.moderator)

    def revise(self, petition: Petition | None = None, **changes: str) -> PetitionVersion:
        petition = petition or self.petition
        values = {
            "title": petition.title,
            "summary": petition.summary,
            "statement": petition.statement,
            "note": "Fixed a typo.",
        }
        return petition.revise(by=self.organiser, **(values | changes))

    def test_each_edit_is_the_next_version_and_the_row_holds_the_current_text(self) -> None:
        second = self.revise(title="Save the kākā and the kea", note="Added the kea.")
        third = self.revise(statement="Because they are *taonga*.", note="Said why.")
        assert (second.number, third.number) == (2, 3)
        self.petition.refresh_from_db()
        assert self.petition.version == 3
        assert self.petition.title == "Save the kākā and the kea"
        assert self.petition.statement == "Because they are *taonga*."
        titles = list(self.petition.versions.values_list("number", "title", "note"))
        assert titles == [
            (1, "Save the kākā", ""),
            (2, "Save the kākā and the kea", "Added the kea."),
            (3, "Save the kākā and the kea", "Said why."),
        ]

    def test_each_edit_is_on_the_timeline_with_who_when_and_why(self) -> None:
        now = timezone.now() + dt.timedelta(hours=1)
        self.petition.revise(
            by=self.organiser,
            title="Save the kea",
            summary=self.petition.summary,
            statement=self.petition.statement,
            note="  The kākā is safe now.  ",
            now=now,
        )
        event = self.petition.events.get(kind=TimelineEvent.Kind.EDITED)
        assert (event.actor, event.at, event.note) == (self.organiser, now, "The kākā is safe now.")
        assert event.data == {"version": 2, "fields": ["title"]}
        version = self.petition.versions.get(number=2)
        assert (version.created_by, version.created_at) == (self.organiser, now)

    def test_an_edit_that_changes_nothing_is_refused(self) -> None:
        with pytest.raises(NothingChanged):
            self.revise()
        # Only line ends and surrounding spaces differ: still nothing.
        with pytest.raises(NothingChanged):
            self.revise(statement="  " + self.petition.statement.replace("\n", "\r\n") + "\n")
        assert self.petition.versions.count() == 1
        assert not self.petition.events.filter(kind=TimelineEvent.Kind.EDITED).exists()

    def test_an_edit_needs_a_note(self) -> None:
        with pytest.raises(IllegalTransition):
            self.revise(title="Something else", note="   ")
        self.petition.refresh_from_db()
        assert (self.petition.title, self.petition.version) == ("Save the kākā", 1)

    def test_only_an_open_petition_can_be_edited(self) -> None:
        for state in (
            Petition.State.DRAFT,
            Petition.State.PENDING,
            Petition.State.CLOSED,
            Petition.State.REJECTED,
            Petition.State.HIDDEN,
        ):
            petition = self.make_petition(state=state, title="As it was")
            with pytest.raises(IllegalTransition):
                self.revise(petition, title="Changed")
            petition.refresh_from_db()
            assert (petition.title, petition.version) == ("As it was", 1)
            assert not petition.versions.filter(number__gt=1).exists()

    def test_a_petition_closed_meanwhile_is_not_edited(self) -> None:
        stale = Petition.objects.get(id=self.petition.id)
        self.petition.close(by=self.organiser)
        with pytest.raises(IllegalTransition):
            self.revise(stale, title="Changed")
        self.petition.refresh_from_db()
        assert self.petition.title == "Save the kākā"

    def test_of_two_edits_from_the_same_version_only_the_first_succeeds(self) -> None:
        stale = Petition.objects.get(id=self.petition.id)
        self.revise(title="First edit")
        with pytest.raises(IllegalTransition):
            self.revise(stale, title="Second edit")
        self.petition.refresh_from_db()
        assert (self.petition.title, self.petition.version) == ("First edit", 2)
        assert self.petition.versions.count() == 2

    def test_a_petition_opened_without_a_version_keeps_its_text_as_version_one_first(
        self,
    ) -> None:
        # An open petition made some other way (an import, the admin) has no version yet.
        petition = self.make_petition(title="Imported")
        assert not petition.versions.exists()
        self.revise(petition, title="Imported, then edited")
        assert list(petition.versions.values_list("number", "title")) == [
            (1, "Imported"),
            (2, "Imported, then edited"),
        ]

    def test_the_database_keeps_numbers_unique_and_notes_on_edits(self) -> None:
        with pytest.raises(IntegrityError), transaction.atomic():
            PetitionVersion.objects.create(petition=self.petition, number=1, title="Again")
        with pytest.raises(IntegrityError), transaction.atomic():
            PetitionVersion.objects.create(petition=self.petition, number=2, title="No note")


class ServiceTests(TautokoTestCase):
    def test_the_cached_petition_is_dropped_once_the_edit_is_committed(self) -> None:
        petition = self.make_petition(state=Petition.State.PENDING)
        petition.approve(by=self.moderator)
        key = petition_cache_key(petition.slug)
        cache.set(key, petition, 60)
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            petition_revise(
                petition=petition,
                by=self.organiser,
                title="A clearer title",
                summary=petition.summary,
                statement=petition.statement,
                note="Clearer title.",
            )
            # Not before the commit: a reader in between would cache the old row again.
            assert cache.get(key) is not None
        assert len(callbacks) == 1
        assert cache.get(key) is None

    def test_a_refused_edit_leaves_the_cache_alone(self) -> None:
        petition = self.make_petition(state=Petition.State.CLOSED)
        key = petition_cache_key(petition.slug)
        cache.set(key, petition, 60)
        with (
            self.captureOnCommitCallbacks(execute=True) as callbacks,
            pytest.raises(IllegalTransition),
        ):
            petition_revise(
                petition=petition,
                by=self.organiser,
                title="Changed",
                summary=petition.summary,
                statement=petition.statement,
                note="Changed.",
            )
        assert callbacks == []
        assert cache.get(key) is not None


class BackfillMigrationTests(TautokoTestCase):
    """The data migration gives every petition that has opened its version 1."""

    def test_opened_petitions_get_version_one_and_others_none(self) -> None:
        migration = importlib.import_module("tautoko.petitions.migrations.0005_petition_versions")
        opened = self.make_petition(title="Open one")
        closed = self.make_petition(state=Petition.State.CLOSED, title="Closed one")
        hidden = self.make_petition(
            state=Petition.State.HIDDEN, opened_at=timezone.now(), title="Hidden one"
        )
        draft = self.make_petition(state=Petition.State.DRAFT)
        already = self.make_petition(state=Petition.State.PENDING, title="Approved")
        already.approve(by=self.moderator)

        migration.versions_first_keep(apps, None)

        for petition in (opened, closed, hidden):
            version = petition.versions.get()
            assert (version.number, version.title) == (1, petition.title)
            assert version.created_at == petition.opened_at
        assert not draft.versions.exists()
        assert already.versions.count() == 1
