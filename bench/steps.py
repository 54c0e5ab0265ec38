"""Steps of `make bench` that run inside Django, against the benchmark's own database.

bench/run.py calls each one with ``manage.py shell -c``; results are printed as JSON.
"""

from __future__ import annotations

import json
import time

from django.db import connection, transaction
from django.utils import timezone

from tautoko.lib.tokens import token_new
from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.models import DecisionMaker, Petition, Signature, Tally, TallyDelta
from tautoko.petitions.services import signature_confirm, signature_create

SLUG = "surge"
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
                    "id", "petition_id", "electorate", "country", "source"
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
                "pending_deltas": TallyDelta.objects.count(),
                "tally_total": total or 0,
                "emails_queued": OutboundEmail.objects.count(),
                "durability": durability,
                "emails": list(rows.values_list("email_canonical", flat=True)),
            }
        )
    )
