"""Steps of `make bench` that run inside Django, against the benchmark's own database.

bench/run.py calls each one with ``manage.py shell -c``; results are printed as JSON.
"""

from __future__ import annotations

import json
import time

from django.db import connection, transaction
from django.utils import timezone

from tautoko.fraud.models import FraudSettings, Rule
from tautoko.lib.tokens import token_new
from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.models import DecisionMaker, Petition, Signature, Tally, TallyDelta
from tautoko.petitions.services import signature_confirm, signature_create

SLUG = "surge"
# The proof-of-work's difficulty in the benchmark. wrk solves every challenge (surge.lua) on
# the same two cores as the server, so a browser's difficulty (50,000; 200,000 in surge mode)
# would measure the load generator. The server's cost is the same at any difficulty: one
# HMAC and one SHA-256 to verify.
BENCH_POW_MAX_NUMBER = 1_000
SQLITE_SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


def setup_petition() -> None:
    maker, _ = DecisionMaker.objects.get_or_create(slug="bench", defaults={"name": "The Benchmark"})
    petition = Petition.objects.create(
        slug=SLUG,
        title="Surge benchmark",
        summary="A petition under load.",
        statement="Signed by the benchmark.",
        decision_maker=maker,
        goal=100,
    )
    petition.open()
    # All the load comes from 127.0.0.1: an allow-listed network, exempt from the per-IP
    # rate limits (as a deployment's own load tests or monitoring would be). wrk posts the
    # form as soon as it has the page, so no minimum fill time either. Everything else (the
    # proof-of-work, replay, honeypot, block lists) is checked as for anyone.
    Rule.objects.create(kind="network", value="127.0.0.0/8", action="allow", note="benchmark")
    FraudSettings.objects.create(
        min_fill_seconds=0,
        pow_max_number=BENCH_POW_MAX_NUMBER,
        pow_surge_max_number=BENCH_POW_MAX_NUMBER,
    )


def confirm_all() -> None:
    """Confirm every pending signature as signature_confirm does, in chunks (fast)."""
    now = timezone.now()
    ids = list(
        Signature.objects.filter(petition__slug=SLUG, state="pending").values_list("id", flat=True)
    )
    for start in range(0, len(ids), 2000):
        with transaction.atomic():
            rows = list(
                Signature.objects.filter(id__in=ids[start : start + 2000], state="pending").values(
                    "id", "petition_id", "electorate", "country", "source", "flagged"
                )
            )
            Signature.objects.filter(id__in=[row["id"] for row in rows]).update(
                state="confirmed", confirmed_at=now, token_expires_at=None
            )
            TallyDelta.objects.bulk_create(
                TallyDelta(
                    petition_id=row["petition_id"],
                    electorate=row["electorate"],
                    country=row["country"],
                    source=row["source"],
                    at=now,
                    delta=1,
                )
                for row in rows
                # Shadow-flagged signatures are confirmed but never counted.
                if not row["flagged"]
            )
    print(json.dumps({"confirmed": len(ids)}))


def confirm_one() -> None:
    """One more signer, confirmed through the real services."""
    petition = Petition.objects.get(slug=SLUG)
    outcome = signature_create(
        petition=petition,
        name="Last Signer",
        email="last-signer@bench.example",
        electorate="Epsom",
        country="NZ",
    )
    token, digest = token_new()
    Signature.objects.filter(id=outcome.signature.id).update(token_hash=digest)
    signature_confirm(token=token)
    print(json.dumps({"confirmed_at": time.time()}))


def settled_state() -> None:
    """Rows, counts and the pending changes, all read from one snapshot of the database: the
    worker folds counts meanwhile, and a fold that committed between two of these reads
    would make an exact count look wrong (the tally read before it, no deltas after)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        _settled_state_print()


def _settled_state_print() -> None:
    rows = Signature.objects.filter(petition__slug=SLUG)
    total = (
        Tally.objects.filter(petition__slug=SLUG, dimension="total", key="")
        .values_list("count", flat=True)
        .first()
    )
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous")
            durability = "sqlite synchronous=" + SQLITE_SYNCHRONOUS[cursor.fetchone()[0]]
        else:
            cursor.execute("SHOW synchronous_commit")
            durability = "postgresql synchronous_commit=" + cursor.fetchone()[0]
    print(
        json.dumps(
            {
                "rows": rows.count(),
                "confirmed": rows.filter(state="confirmed").count(),
                "counted": rows.counted().count(),
                "flagged": rows.filter(flagged=True).count(),
                "pow_max_number": FraudSettings.objects.get().pow_max_number,
                "pending_deltas": TallyDelta.objects.count(),
                "tally_total": total or 0,
                "emails_queued": OutboundEmail.objects.count(),
                "durability": durability,
                "emails": list(rows.values_list("email_canonical", flat=True)),
            }
        )
    )
