"""The signing batch (``_signatures_write``), given several prepared signatures at once, as
the group-commit writer gives it a surge's: each prepared in its request's thread (the row
and its email built and their values prepared), then written together."""

from __future__ import annotations

from typing import Any
from unittest import mock

from django.db import transaction

from tautoko.fraud.checks import FLAG_RATE_LIMIT, RateLimits
from tautoko.outbox.models import OutboundEmail
from tautoko.petitions import services
from tautoko.petitions.models import Signature
from tests.base import TautokoTestCase

LIMITS = RateLimits(burst_limit=1, burst_seconds=60, sustained_limit=100, sustained_seconds=3600)


class Undone(Exception):
    pass


class SigningBatchTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition()

    def prepared(self, email: str, **fields: Any) -> services._NewSignature:
        """What signature_create hands the writer for one request (without writing it)."""
        handed: list[services._NewSignature] = []

        def capture(handler: Any, item: services._NewSignature, **_: Any) -> None:
            handed.append(item)

        with mock.patch.object(services, "durably_batched", capture):
            services.signature_create(
                petition=self.petition,
                name=email.split("@")[0].title(),
                email=email,
                electorate="Epsom",
                country="NZ",
                **fields,
            )
        [item] = handed
        return item

    def assert_each_row_has_its_own_email(self) -> None:
        for signature in Signature.objects.all():
            email = OutboundEmail.objects.get(key=f"signature:{signature.id}:1")
            assert email.to == signature.email
            assert email.context["name"] == signature.name
            assert email.template == "confirm-signature"

    def test_a_batch_writes_each_new_signer_once_with_its_confirmation_email(self) -> None:
        items = [self.prepared(f"signer{n}@example.org") for n in range(5)]
        outcomes = services._signatures_write(items)
        assert [o.created for o in outcomes] == [True] * 5
        assert [o.signature.email for o in outcomes] == [i.signature.email for i in items]
        stored = {s.id: s.email for s in Signature.objects.all()}
        assert stored == {o.signature.id: o.signature.email for o in outcomes}
        assert OutboundEmail.objects.count() == 5
        self.assert_each_row_has_its_own_email()

    def test_the_same_person_twice_in_one_batch_is_one_row_and_a_second_link(self) -> None:
        first = self.prepared("kiri@example.org")
        again = self.prepared("Kiri@Example.org ")
        outcomes = services._signatures_write([first, again])
        assert [o.created for o in outcomes] == [True, False]
        assert outcomes[0].signature.id == outcomes[1].signature.id
        assert Signature.objects.count() == 1
        assert set(OutboundEmail.objects.values_list("key", flat=True)) == {
            f"signature:{outcomes[0].signature.id}:1",
            f"signature:{outcomes[0].signature.id}:2",
        }

    def test_a_flag_added_in_the_batch_is_written_though_the_row_was_prepared_without(
        self,
    ) -> None:
        items = [
            self.prepared(f"place{n}@example.org", ip_hash="a1b2c3", rate_limits=LIMITS)
            for n in range(3)
        ]
        services._signatures_write(items)
        flagged = dict(Signature.objects.values_list("email", "flag_reasons"))
        assert flagged == {
            "place0@example.org": "",
            "place1@example.org": FLAG_RATE_LIMIT,
            "place2@example.org": FLAG_RATE_LIMIT,
        }
        assert Signature.objects.filter(flagged=True).count() == 2

    def test_a_batch_undone_and_written_again_gets_fresh_ids_and_matching_emails(
        self,
    ) -> None:
        # As the writer does when a batch fails: its savepoint is rolled back and each item
        # is written again, alone. The prepared rows must not keep anything of the first try.
        items = [
            self.prepared(f"again{n}@example.org", ip_hash="d4e5f6", rate_limits=LIMITS)
            for n in range(3)
        ]
        with self.assertRaises(Undone), transaction.atomic():
            services._signatures_write(items)
            raise Undone
        assert not Signature.objects.exists()
        assert not OutboundEmail.objects.exists()
        outcomes = [services._signatures_write([item])[0] for item in reversed(items)]
        assert all(o.created for o in outcomes)
        assert Signature.objects.count() == 3
        assert OutboundEmail.objects.count() == 3
        self.assert_each_row_has_its_own_email()
        # Written alone in the other order, "again2" came first and is not over the limit.
        flags = dict(Signature.objects.values_list("email", "flagged"))
        assert flags == {
            "again2@example.org": False,
            "again1@example.org": True,
            "again0@example.org": True,
        }
        assert {o.signature.flagged for o in outcomes} == {False, True}
        assert outcomes[0].signature.flagged is False
