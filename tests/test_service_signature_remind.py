from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tautoko.lib.tokens import token_digest
from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.models import Signature
from tautoko.petitions.services import (
    LinkExpired,
    SignatureNotFound,
    signature_confirm,
    signature_remind,
)
from tests.base import TautokoTestCase, tautoko_settings


def queued_token(signature: Signature, *, sequence: int) -> str:
    email = OutboundEmail.objects.get(key=f"signature:{signature.id}:{sequence}")
    return str(email.context["confirm_url"].rsplit("/", 1)[1])


class SignatureRemindTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.now = timezone.now()
        self.petition = self.make_petition()
        self.signature = self.make_signature(
            self.petition,
            email="Hemi@Example.org",
            token_expires_at=self.now + dt.timedelta(minutes=5),
        )
        self.old_token: str = self.signature.token  # type: ignore[attr-defined]

    def test_it_sends_a_pending_signer_a_new_confirmation_link(self) -> None:
        assert signature_remind(signature=self.signature, now=self.now)

        email = OutboundEmail.objects.get()
        assert email.key == f"signature:{self.signature.id}:2"
        assert email.template == "confirm-signature"
        assert email.to == "Hemi@Example.org"
        self.signature.refresh_from_db()
        assert self.signature.emails_sent == 2
        assert self.signature.token_hash == token_digest(queued_token(self.signature, sequence=2))

    def test_the_new_link_replaces_the_old_one(self) -> None:
        signature_remind(signature=self.signature, now=self.now)
        new_token = queued_token(self.signature, sequence=2)

        assert new_token != self.old_token
        with self.assertRaises(SignatureNotFound):
            signature_confirm(token=self.old_token, now=self.now)
        signature_confirm(token=new_token, now=self.now)
        self.signature.refresh_from_db()
        assert self.signature.state == Signature.State.CONFIRMED

    def test_the_new_link_gets_a_full_lifetime(self) -> None:
        later = self.now + dt.timedelta(hours=2)  # the old link has expired by now
        with tautoko_settings(CONFIRMATION_TTL_HOURS=3):
            signature_remind(signature=self.signature, now=later)

        self.signature.refresh_from_db()
        assert self.signature.token_expires_at == later + dt.timedelta(hours=3)
        new_token = queued_token(self.signature, sequence=2)
        with self.assertRaises(LinkExpired):
            signature_confirm(token=new_token, now=later + dt.timedelta(hours=3))
        signature_confirm(token=new_token, now=later + dt.timedelta(hours=2))

    def test_each_reminder_gets_a_token_of_its_own(self) -> None:
        for _ in range(3):
            signature_remind(signature=self.signature, now=self.now)

        tokens = {queued_token(self.signature, sequence=n) for n in (2, 3, 4)}
        assert len(tokens) == 3
        self.signature.refresh_from_db()
        assert self.signature.token_hash == token_digest(queued_token(self.signature, sequence=4))

    def test_it_tells_a_confirmed_signer_that_their_signature_counts(self) -> None:
        signature_confirm(token=self.old_token, now=self.now)

        assert signature_remind(signature=self.signature, now=self.now)

        email = OutboundEmail.objects.get()
        assert email.template == "already-signed"
        assert "confirm_url" not in email.context
        self.signature.refresh_from_db()
        assert self.signature.state == Signature.State.CONFIRMED

    def test_it_stops_at_five_emails_about_one_signature_ever(self) -> None:
        # The signature's first email (its confirmation) is already counted.
        sent = [signature_remind(signature=self.signature, now=self.now) for _ in range(6)]

        assert sent == [True, True, True, True, False, False]
        assert OutboundEmail.objects.count() == 4
        self.signature.refresh_from_db()
        assert self.signature.emails_sent == 5
        # Once the limit is reached, the last link sent stays the one that works.
        assert self.signature.token_hash == token_digest(queued_token(self.signature, sequence=5))

    def test_the_limit_holds_for_a_stale_copy_of_the_signature(self) -> None:
        stale = Signature.objects.get(id=self.signature.id)
        for _ in range(4):
            signature_remind(signature=self.signature, now=self.now)

        assert stale.emails_sent == 1
        assert not signature_remind(signature=stale, now=self.now)
        assert OutboundEmail.objects.count() == 4

    def test_it_says_nothing_to_a_withdrawn_or_invalidated_signature(self) -> None:
        for state in (Signature.State.WITHDRAWN, Signature.State.INVALIDATED):
            Signature.objects.filter(id=self.signature.id).update(state=state)

            assert not signature_remind(signature=self.signature, now=self.now)
        assert not OutboundEmail.objects.exists()

    def test_a_withdrawn_signature_spends_nothing_of_its_email_limit(self) -> None:
        Signature.objects.filter(id=self.signature.id).update(state=Signature.State.WITHDRAWN)

        for _ in range(3):
            signature_remind(signature=self.signature, now=self.now)

        self.signature.refresh_from_db()
        assert self.signature.emails_sent == 1
