from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.utils import timezone

from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.models import Signature
from tautoko.petitions.services import (
    SignatureNotFound,
    SignOutcome,
    signature_confirm,
    signature_create,
)
from tests.base import TautokoTestCase, tautoko_settings


def queued_token(signature: Signature, *, sequence: int) -> str:
    """The token in the confirmation email queued as the ``sequence``-th about a signature."""
    email = OutboundEmail.objects.get(key=f"signature:{signature.id}:{sequence}")
    return str(email.context["confirm_url"].rsplit("/", 1)[1])


class SignatureCreateTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.now = timezone.now()
        self.petition = self.make_petition()

    def sign(self, email: str = "aroha@example.org", **fields: Any) -> SignOutcome:
        values: dict[str, Any] = {
            "petition": self.petition,
            "name": "Aroha Test",
            "email": email,
            "electorate": "Wellington Central",
            "country": "NZ",
            "now": self.now,
        }
        return signature_create(**(values | fields))

    def test_it_creates_a_pending_signature_with_the_signers_details(self) -> None:
        outcome = self.sign(" Aroha.Test@Example.org ", source="facebook", notify=True)

        assert outcome.created and outcome.emailed
        signature = Signature.objects.get()
        assert signature == outcome.signature
        assert signature.petition == self.petition
        assert signature.state == Signature.State.PENDING
        assert signature.email == "Aroha.Test@Example.org"
        assert signature.email_canonical == "aroha.test@example.org"
        assert (signature.electorate, str(signature.country)) == ("Wellington Central", "NZ")
        assert (signature.source, signature.notify) == ("facebook", True)
        assert signature.created_at == self.now
        assert signature.confirmed_at is None
        assert signature.consent_version == settings.TAUTOKO["CONSENT_TEXT_VERSION"]
        assert signature.privacy_notice_version == settings.TAUTOKO["PRIVACY_NOTICE_VERSION"]
        assert len(signature.receipt) >= 16

    def test_it_queues_one_confirmation_email_in_the_same_transaction(self) -> None:
        outcome = self.sign()

        email = OutboundEmail.objects.get()
        assert email.key == f"signature:{outcome.signature.id}:1"
        assert email.to == "aroha@example.org"
        assert email.template == "confirm-signature"
        assert email.state == OutboundEmail.State.QUEUED
        assert outcome.signature.emails_sent == 1

    def test_its_token_carries_at_least_128_bits_and_only_its_sha256_is_stored(self) -> None:
        signature = self.sign().signature
        token = queued_token(signature, sequence=1)

        assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) >= 16
        signature.refresh_from_db()
        assert signature.token_hash == hashlib.sha256(token.encode()).hexdigest()
        stored = [str(getattr(signature, field.attname)) for field in Signature._meta.fields]
        assert not any(token in value for value in stored)

    def test_each_signature_gets_its_own_token_and_receipt(self) -> None:
        first = self.sign("one@example.org").signature
        second = self.sign("two@example.org").signature

        assert queued_token(first, sequence=1) != queued_token(second, sequence=1)
        assert first.token_hash != second.token_hash
        assert first.receipt != second.receipt

    def test_its_link_expires_after_the_configured_time(self) -> None:
        with tautoko_settings(CONFIRMATION_TTL_HOURS=5):
            signature = self.sign().signature

        assert signature.token_expires_at == self.now + dt.timedelta(hours=5)

    def test_the_same_person_signing_with_a_variant_of_their_address_leaves_one_row(
        self,
    ) -> None:
        first = self.sign("jane.doe@gmail.com")
        again = self.sign("Jane.Doe+petitions@googlemail.com", name="Someone Else")

        assert Signature.objects.count() == 1
        assert not again.created
        assert again.signature.id == first.signature.id
        assert Signature.objects.get().name == "Aroha Test"

    def test_signing_again_while_pending_sends_a_new_link_and_kills_the_old_one(self) -> None:
        first = self.sign().signature
        old_token = queued_token(first, sequence=1)

        again = self.sign("AROHA@example.org")

        assert again.emailed
        new_token = queued_token(first, sequence=2)
        assert new_token != old_token
        with self.assertRaises(SignatureNotFound):
            signature_confirm(token=old_token, now=self.now)
        assert signature_confirm(token=new_token, now=self.now).id == first.id

    def test_signing_again_after_confirming_says_it_already_counts(self) -> None:
        first = self.sign().signature
        signature_confirm(token=queued_token(first, sequence=1), now=self.now)

        again = self.sign()

        assert again.emailed and not again.created
        email = OutboundEmail.objects.get(key=f"signature:{first.id}:2")
        assert email.template == "already-signed"
        first.refresh_from_db()
        assert first.state == Signature.State.CONFIRMED

    def test_no_more_than_five_emails_ever_go_out_about_one_signature(self) -> None:
        outcomes = [self.sign() for _ in range(8)]

        assert [outcome.emailed for outcome in outcomes] == [True] * 5 + [False] * 3
        signature = Signature.objects.get()
        assert signature.emails_sent == 5
        assert OutboundEmail.objects.filter(to="aroha@example.org").count() == 5

    def test_the_email_limit_follows_the_setting(self) -> None:
        with tautoko_settings(MAX_EMAILS_PER_SIGNATURE=2):
            outcomes = [self.sign() for _ in range(3)]

        assert [outcome.emailed for outcome in outcomes] == [True, True, False]
        assert OutboundEmail.objects.count() == 2

    def test_different_people_get_different_rows(self) -> None:
        self.sign("jane.doe@example.org")
        self.sign("janedoe@example.org")  # dots matter outside Gmail

        assert Signature.objects.count() == 2

    def test_one_person_may_sign_different_petitions(self) -> None:
        other = self.make_petition()
        self.sign()
        outcome = self.sign(petition=other)

        assert outcome.created
        assert Signature.objects.filter(email_canonical="aroha@example.org").count() == 2
