"""Multi-row INSERTs and UPDATEs without the ORM's per-value work (tautoko/lib/bulk_rows.py)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from tautoko.lib.bulk_rows import instances_insert, instances_update
from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.models import Petition, Signature
from tests.base import TautokoTestCase


class BulkRowsTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(state=Petition.State.OPEN)
        self.now = timezone.now().replace(microsecond=123456)

    def signature(self, n: int) -> Signature:
        return Signature(
            petition=self.petition,
            name=f"Signer {n}",
            email=f"signer-{n}@example.org",
            email_canonical=f"signer-{n}@example.org",
            electorate="Wellington Central",
            country="NZ",
            source="bench",
            notify=n % 2 == 0,
            created_at=self.now,
            consent_version="1",
            consented_at=self.now,
            token_hash=f"{n:064d}",
            token_expires_at=self.now + dt.timedelta(hours=72),
            emails_sent=1,
            receipt=f"receipt-{n}",
        )

    def test_inserted_rows_read_back_as_the_orm_would_have_written_them(self) -> None:
        rows = [self.signature(n) for n in range(3)]
        returned = dict(instances_insert(rows, returning=("receipt", "id")))
        assert set(returned) == {"receipt-0", "receipt-1", "receipt-2"}
        for row in rows:
            stored = Signature.objects.get(id=returned[row.receipt])
            assert stored.name == row.name
            assert stored.country.code == "NZ"
            assert stored.notify is row.notify
            assert stored.created_at == self.now
            assert stored.token_expires_at == self.now + dt.timedelta(hours=72)
            assert stored.state == Signature.State.PENDING
            assert stored.flagged is False

    def test_json_fields_are_stored_as_json(self) -> None:
        email = OutboundEmail(
            key="k:1", code="c1", to="a@example.org", template="t", context={"a": [1, "ā"]}
        )
        instances_insert([email])
        assert OutboundEmail.objects.get(key="k:1").context == {"a": [1, "ā"]}

    def test_more_rows_than_one_statement_may_carry_are_split(self) -> None:
        limit = connection.features.max_query_params or 65535
        count = limit // 20 + 7  # a Signature row has more than 20 columns
        returned = instances_insert(
            [self.signature(n) for n in range(count)], returning=("receipt",)
        )
        assert len(returned) == count
        assert Signature.objects.count() == count

    def test_nothing_to_insert_runs_no_query(self) -> None:
        with self.assertNumQueries(0):
            assert instances_insert([]) == []
            instances_update([], ["emails_sent"])

    def test_update_writes_the_named_fields_of_each_row(self) -> None:
        rows = [self.signature(n) for n in range(2)]
        for receipt, row_id in instances_insert(rows, returning=("receipt", "id")):
            next(r for r in rows if r.receipt == receipt).id = row_id
        later = self.now + dt.timedelta(hours=1)
        rows[0].emails_sent, rows[0].token_expires_at = 2, later
        rows[1].emails_sent, rows[1].name = 3, "Not written"
        instances_update(rows, ["emails_sent", "token_expires_at"])
        first, second = (Signature.objects.get(id=r.id) for r in rows)
        assert (first.emails_sent, first.token_expires_at) == (2, later)
        assert (second.emails_sent, second.name) == (3, "Signer 1")
