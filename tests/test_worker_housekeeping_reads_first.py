"""The worker's periodic housekeeping runs every half minute, and nearly always finds
nothing to do. It must find that out by reading: a write transaction takes SQLite's one
write lock, which every signer of a surge is waiting for."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tautoko.fraud.services import ip_hashes_drop_due
from tautoko.outbox.services import broadcasts_fan_out
from tautoko.petitions.models import Signature
from tautoko.petitions.services import petitions_close_due, tallies_apply
from tautoko.signers.services import manage_links_purge, signatures_anonymise_due
from tests.base import TautokoTestCase


class HousekeepingReadsFirstTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        # Signatures that are not due for anything: recent, on an open petition.
        petition = self.make_petition()
        for n in range(3):
            self.make_signature(
                petition,
                email=f"signer{n}@example.org",
                state=Signature.State.CONFIRMED,
                ip_hash="0" * 16,
            )
        self.work_run()

    def assert_only_reads(self, job: Callable[[], int]) -> None:
        with CaptureQueriesContext(connection) as queries:
            assert job() == 0
        statements = [query["sql"].split()[0].upper() for query in queries.captured_queries]
        assert statements, "it did not look at all"
        assert set(statements) == {"SELECT"}, statements

    def test_dropping_ip_hashes(self) -> None:
        self.assert_only_reads(ip_hashes_drop_due)

    def test_anonymising_signers_of_long_closed_petitions(self) -> None:
        self.assert_only_reads(signatures_anonymise_due)

    def test_purging_expired_manage_links(self) -> None:
        self.assert_only_reads(manage_links_purge)

    def test_the_rest_of_the_workers_round(self) -> None:
        for job in (tallies_apply, broadcasts_fan_out, petitions_close_due):
            self.assert_only_reads(job)
