from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tautoko.lib.tokens import token_new
from tautoko.petitions.models import Signature, TallyDelta
from tautoko.petitions.services import (
    LinkExpired,
    LinkUsed,
    SignatureNotFound,
    signature_confirm,
    signature_for_token,
)
from tests.base import TautokoTestCase


class SignatureConfirmTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.now = timezone.now()
        self.petition = self.make_petition()
        self.signature = self.make_signature(
            self.petition,
            source="whatsapp",
            electorate="Ōhāriu",
            token_expires_at=self.now + dt.timedelta(hours=1),
        )
        self.token: str = self.signature.token  # type: ignore[attr-defined]

    def test_it_confirms_the_signature_the_link_is_for(self) -> None:
        confirmed = signature_confirm(token=self.token, now=self.now)

        assert confirmed.id == self.signature.id
        self.signature.refresh_from_db()
        assert self.signature.state == Signature.State.CONFIRMED
        assert self.signature.confirmed_at == self.now

    def test_it_writes_one_count_change_with_the_signatures_dimensions(self) -> None:
        signature_confirm(token=self.token, now=self.now)

        delta = TallyDelta.objects.get()
        assert delta.petition_id == self.petition.id
        assert delta.delta == 1
        assert (delta.electorate, delta.country, delta.source) == ("Ōhāriu", "NZ", "whatsapp")
        assert delta.at == self.now

    def test_its_link_works_only_once(self) -> None:
        signature_confirm(token=self.token, now=self.now)

        with self.assertRaises(LinkUsed):
            signature_confirm(token=self.token, now=self.now + dt.timedelta(seconds=1))
        assert TallyDelta.objects.count() == 1
        self.signature.refresh_from_db()
        assert self.signature.confirmed_at == self.now

    def test_it_refuses_an_expired_link_and_changes_nothing(self) -> None:
        expiry = self.now + dt.timedelta(hours=1)

        with self.assertRaises(LinkExpired):
            signature_confirm(token=self.token, now=expiry)
        self.signature.refresh_from_db()
        assert self.signature.state == Signature.State.PENDING
        assert not TallyDelta.objects.exists()

    def test_it_accepts_a_link_until_its_last_moment(self) -> None:
        signature_confirm(token=self.token, now=self.now + dt.timedelta(minutes=59, seconds=59))

        self.signature.refresh_from_db()
        assert self.signature.state == Signature.State.CONFIRMED

    def test_it_refuses_a_forged_or_mistyped_token(self) -> None:
        for token in (token_new()[0], self.token[:-1], self.token + "x", ""):
            with self.assertRaises(SignatureNotFound):
                signature_confirm(token=token, now=self.now)
        assert not TallyDelta.objects.exists()

    def test_it_refuses_to_confirm_a_signature_that_is_no_longer_pending(self) -> None:
        for state in (Signature.State.WITHDRAWN, Signature.State.INVALIDATED):
            Signature.objects.filter(id=self.signature.id).update(state=state)

            with self.assertRaises(LinkUsed):
                signature_confirm(token=self.token, now=self.now)
        assert not TallyDelta.objects.exists()

    def test_it_leaves_other_signatures_alone(self) -> None:
        other = self.make_signature(self.petition)

        signature_confirm(token=self.token, now=self.now)

        other.refresh_from_db()
        assert other.state == Signature.State.PENDING

    def test_looking_up_a_link_returns_its_pending_signature_without_confirming(self) -> None:
        found = signature_for_token(token=self.token, now=self.now)

        assert found.id == self.signature.id
        assert found.petition == self.petition
        found.refresh_from_db()
        assert found.state == Signature.State.PENDING
        assert not TallyDelta.objects.exists()
