"""Sponsors on the Petition model: submitting into "gathering sponsors", the sponsor link,
and the move to the moderation queue once enough sponsors confirmed; every illegal move."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

import tautoko.settings
from tautoko.lib.tokens import token_digest
from tautoko.petitions.models import IllegalTransition, Petition, Signature, TimelineEvent
from tests.base import TautokoTestCase, tautoko_settings
from tests.base_sponsors import SponsorsTestCase

NOW = dt.datetime(2026, 3, 31, 9, 0, tzinfo=dt.UTC)
ALL_STATES = [state for state, _label in Petition.State.choices]


def settings_loaded(**environment: str) -> dict[str, object]:
    """settings.TAUTOKO as tautoko/settings.py builds it from ``environment``."""
    spec = importlib.util.spec_from_file_location(
        "tautoko_settings_copy", tautoko.settings.__file__
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    values = {k: v for k, v in os.environ.items() if k != "TAUTOKO_SPONSORS_REQUIRED"}
    with mock.patch.dict(os.environ, values | environment, clear=True):
        spec.loader.exec_module(module)
    return module.TAUTOKO


class SettingTests(TautokoTestCase):
    def test_five_sponsors_are_required_unless_the_environment_says_otherwise(self) -> None:
        assert settings_loaded()["SPONSORS_REQUIRED"] == 5
        assert settings_loaded(TAUTOKO_SPONSORS_REQUIRED="3")["SPONSORS_REQUIRED"] == 3
        assert settings_loaded(TAUTOKO_SPONSORS_REQUIRED="0")["SPONSORS_REQUIRED"] == 0

    def test_a_malformed_or_negative_value_stops_the_start(self) -> None:
        for value in ("-1", "five", "2.5"):
            with pytest.raises(ImproperlyConfigured, match="TAUTOKO_SPONSORS_REQUIRED"):
                settings_loaded(TAUTOKO_SPONSORS_REQUIRED=value)


class ModelSponsorsTestCase(SponsorsTestCase):
    def sponsoring(self, *, required: int = 3) -> Petition:
        petition = self.make_petition(state=Petition.State.DRAFT)
        with tautoko_settings(SPONSORS_REQUIRED=required):
            petition.submit(by=self.organiser, now=NOW)
        return petition

    def sponsor(self, petition: Petition, **fields: object) -> Signature:
        return self.make_sponsor(petition, **fields)


class SubmitTests(ModelSponsorsTestCase):
    def test_with_sponsors_required_a_draft_gathers_sponsors_with_a_timeline_event(self) -> None:
        petition = self.make_petition(state=Petition.State.DRAFT)
        with tautoko_settings(SPONSORS_REQUIRED=5):
            event = petition.submit(by=self.organiser, now=NOW)
        petition.refresh_from_db()
        assert petition.state == Petition.State.SPONSORING
        assert (event.kind, event.actor, event.at, event.data) == (
            TimelineEvent.Kind.SPONSORING,
            self.organiser,
            NOW,
            {"required": 5},
        )
        assert not petition.events.filter(kind=TimelineEvent.Kind.SUBMITTED).exists()

    def test_with_sponsors_off_a_draft_goes_straight_to_the_queue(self) -> None:
        petition = self.make_petition(state=Petition.State.DRAFT)
        with tautoko_settings(SPONSORS_REQUIRED=0):
            event = petition.submit(by=self.organiser, now=NOW)
        petition.refresh_from_db()
        assert (petition.state, event.kind) == (
            Petition.State.PENDING,
            TimelineEvent.Kind.SUBMITTED,
        )
        assert petition.sponsor_link_hash is None
        assert petition.sponsor_link_token() is None

    def test_only_a_draft_can_be_submitted(self) -> None:
        for state in set(ALL_STATES) - {Petition.State.DRAFT}:
            petition = self.make_petition(state=state)
            with tautoko_settings(SPONSORS_REQUIRED=5), pytest.raises(IllegalTransition):
                petition.submit(by=self.organiser, now=NOW)
            petition.refresh_from_db()
            assert petition.state == state
            assert petition.sponsor_link_hash is None
            assert not petition.events.exists()

    def test_a_second_submit_from_a_stale_copy_changes_nothing(self) -> None:
        petition = self.make_petition(state=Petition.State.DRAFT)
        stale = Petition.objects.get(id=petition.id)
        with tautoko_settings(SPONSORS_REQUIRED=5):
            petition.submit(by=self.organiser, now=NOW)
            link = petition.sponsor_link_hash
            with pytest.raises(IllegalTransition):
                stale.submit(by=self.organiser, now=NOW)
        petition.refresh_from_db()
        assert petition.sponsor_link_hash == link
        assert petition.events.count() == 1


class SponsorLinkTests(ModelSponsorsTestCase):
    def test_the_link_is_unguessable_and_only_its_digest_is_stored(self) -> None:
        petition = self.sponsoring()
        petition.refresh_from_db()
        token = petition.sponsor_link_token()
        assert token is not None and len(token) == 43  # 256 bits, URL-safe base64
        assert petition.sponsor_link_hash == token_digest(token)
        assert token not in (petition.sponsor_link_nonce, petition.sponsor_link_hash)
        assert str(petition.id) != token

    def test_each_petition_has_its_own_link(self) -> None:
        tokens = {self.sponsoring().sponsor_link_token() for _ in range(3)}
        assert len(tokens) == 3

    def test_the_link_needs_the_sites_secret_key(self) -> None:
        petition = self.sponsoring()
        with override_settings(SECRET_KEY="another-secret-key-" + "x" * 40):
            # Rebuilt under another key it is another token, which the stored digest refuses.
            assert petition.sponsor_link_token() is None

    def test_renewing_replaces_the_link(self) -> None:
        petition = self.sponsoring()
        old = petition.sponsor_link_token()
        new = petition.sponsor_link_renew()
        petition.refresh_from_db()
        assert new != old
        assert petition.sponsor_link_token() == new
        assert petition.sponsor_link_hash == token_digest(new)

    def test_only_a_petition_gathering_sponsors_can_renew_its_link(self) -> None:
        petition = self.sponsoring(required=1)
        self.sponsor(petition)
        with tautoko_settings(SPONSORS_REQUIRED=1):
            petition.sponsors_complete(now=NOW)
        link = petition.sponsor_link_hash
        with pytest.raises(IllegalTransition):
            petition.sponsor_link_renew()
        petition.refresh_from_db()
        assert petition.sponsor_link_hash == link
        for state in set(ALL_STATES) - {Petition.State.SPONSORING}:
            with pytest.raises(IllegalTransition):
                self.make_petition(state=state).sponsor_link_renew()


class SponsorsCompleteTests(ModelSponsorsTestCase):
    def test_enough_confirmed_sponsors_send_it_to_the_queue_with_a_submitted_event(self) -> None:
        petition = self.sponsoring(required=3)
        for _ in range(3):
            self.sponsor(petition)
        with tautoko_settings(SPONSORS_REQUIRED=3):
            event = petition.sponsors_complete(now=NOW + dt.timedelta(hours=2))
        petition.refresh_from_db()
        assert petition.state == Petition.State.PENDING
        assert (event.kind, event.at, event.actor) == (
            TimelineEvent.Kind.SUBMITTED,
            NOW + dt.timedelta(hours=2),
            None,
        )
        assert event.data == {"sponsors": 3, "required": 3}
        assert event.note == "3 sponsors confirmed"

    def test_it_refuses_while_too_few_sponsors_have_confirmed(self) -> None:
        petition = self.sponsoring(required=3)
        self.sponsor(petition)
        self.sponsor(petition)
        self.sponsor(petition, state=Signature.State.PENDING)  # not confirmed yet
        self.sponsor(petition, flagged=True, flag_reasons="honeypot")  # never counted
        self.sponsor(petition, state=Signature.State.WITHDRAWN)
        self.make_signature(petition, state=Signature.State.CONFIRMED)  # not a sponsor
        with (
            tautoko_settings(SPONSORS_REQUIRED=3),
            pytest.raises(IllegalTransition, match="2 of 3"),
        ):
            petition.sponsors_complete(now=NOW)
        petition.refresh_from_db()
        assert petition.state == Petition.State.SPONSORING
        assert petition.sponsors_confirmed() == 2
        assert not petition.events.filter(kind=TimelineEvent.Kind.SUBMITTED).exists()

    def test_it_refuses_every_state_but_gathering_sponsors(self) -> None:
        for state in set(ALL_STATES) - {Petition.State.SPONSORING}:
            petition = self.make_petition(state=state)
            self.sponsor(petition)
            with tautoko_settings(SPONSORS_REQUIRED=1), pytest.raises(IllegalTransition):
                petition.sponsors_complete(now=NOW)
            petition.refresh_from_db()
            assert petition.state == state
            assert not petition.events.exists()

    def test_of_two_moves_at_once_only_one_happens(self) -> None:
        petition = self.sponsoring(required=1)
        self.sponsor(petition)
        # Both read the petition while it gathered sponsors, as two confirmations would.
        first, second = Petition.objects.get(id=petition.id), Petition.objects.get(id=petition.id)
        with tautoko_settings(SPONSORS_REQUIRED=1):
            first.sponsors_complete(now=NOW)
            with pytest.raises(IllegalTransition, match="someone else changed it"):
                second.sponsors_complete(now=NOW)
        assert petition.events.filter(kind=TimelineEvent.Kind.SUBMITTED).count() == 1

    def test_a_petition_gathering_sponsors_is_neither_visible_nor_signable(self) -> None:
        petition = self.sponsoring()
        assert not petition.is_visible()
        assert not petition.is_signable()
        assert petition not in Petition.objects.visible()
        assert petition not in Petition.objects.signable()
