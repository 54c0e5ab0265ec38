"""Demo data for the Prime Minister's page: one petition answered after its response
threshold, one still waiting. Fictional petitions, signers and response text.

Signatures are real rows and the counts are rebuilt from them (``petition_recount``); the
response threshold is then recorded, and announced to staff, by the real
``thresholds_check``, dated when the 10,000th signature came in.
"""

from __future__ import annotations

import datetime as dt
import random

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tautoko.accounts.models import User
from tautoko.lib.tokens import code_new
from tautoko.petitions.demo import DEMO_USERS
from tautoko.petitions.forms import electorate_names
from tautoko.petitions.models import DecisionMaker, Petition, Signature, TimelineEvent
from tautoko.petitions.services import petition_recount
from tautoko.responses.models import OfficialResponse, threshold_levels
from tautoko.responses.services import response_publish, thresholds_check

ANSWERED_SLUG = "warm-dry-rentals"
WAITING_SLUG = "free-public-transport-for-students"
RESPONSE_TEXT = """\
Thank you to everyone who signed this petition.

The Government agrees that every rented home should be **warm and dry**. From next winter,
landlords will have to meet heating, insulation and ventilation standards, checked when a
tenancy starts.

We will report on progress to the House in twelve months.
"""
_FIRST = ("Aroha", "Ben", "Chloe", "Dev", "Emma", "Finn", "Grace", "Hemi", "Isla", "Jack")
_LAST = ("Brown", "Ngata", "Patel", "Smith", "Tane", "Wilson", "Young", "Zhang", "Kaur", "Lee")


@transaction.atomic
def demo_responses_load() -> None:
    """For ``manage.py demo_load``, after ``demo_load()`` made the users and the Prime Minister."""
    moderator_email = next(email for role, email, _n, _a in DEMO_USERS if role == "moderator")
    demo_responses(
        moderator=User.objects.get(email=moderator_email),
        decision_maker=DecisionMaker.objects.get(slug="prime-minister"),
    )


def demo_responses(*, moderator: User, decision_maker: DecisionMaker, seed: int = 2026) -> None:
    """Create the two petitions once; nothing changes when they are already there."""
    rng = random.Random(seed)  # noqa: S311 - reproducible fake data
    now = timezone.now()
    if not Petition.objects.filter(slug=ANSWERED_SLUG).exists():
        petition = _petition(
            slug=ANSWERED_SLUG,
            title="Warm, dry homes for every renter",
            summary="We ask the Prime Minister to set heating and insulation standards that "
            "every rented home must meet.",
            statement="Cold, damp houses make children sick. Renters cannot fix the homes "
            "they live in; the law can.",
            decision_maker=decision_maker,
            opened_at=now - dt.timedelta(days=200),
            signatures=10_380,
            days=40,
            rng=rng,
        )
        petition.close(now=now - dt.timedelta(days=20), reason="closing date reached")
        if not OfficialResponse.objects.filter(petition=petition).exists():
            crossed = petition.crossings.get(threshold="response").crossed_at
            response_publish(
                petition=petition,
                body=RESPONSE_TEXT,
                by=moderator,
                now=crossed + dt.timedelta(days=24),
            )
    if not Petition.objects.filter(slug=WAITING_SLUG).exists():
        _petition(
            slug=WAITING_SLUG,
            title="Free public transport for students",
            summary="We ask the Prime Minister to make buses and trains free for every student.",
            statement="Fares keep students from classes, jobs and whānau. Free travel "
            "would pay for itself in fewer cars and more people in study.",
            decision_maker=decision_maker,
            opened_at=now - dt.timedelta(days=30),
            signatures=10_120,
            days=21,
            rng=rng,
        )


def _petition(
    *,
    slug: str,
    title: str,
    summary: str,
    statement: str,
    decision_maker: DecisionMaker,
    opened_at: dt.datetime,
    signatures: int,
    days: int,
    rng: random.Random,
) -> Petition:
    petition = Petition.objects.create(
        slug=slug,
        title=title,
        summary=summary,
        statement=statement,
        decision_maker=decision_maker,
        goal=20_000,
        goal_ladder=False,
        created_at=opened_at - dt.timedelta(days=1),
        closes_at=opened_at + dt.timedelta(days=180),
    )
    petition.event(kind=TimelineEvent.Kind.CREATED, at=petition.created_at)
    petition.open(now=opened_at)
    electorates = list(electorate_names())
    rows = []
    for index in range(signatures):
        # Most sign early, then it tails off over the days.
        confirmed_at = opened_at + dt.timedelta(seconds=int(days * 86_400 * rng.random() ** 2))
        email = f"{slug}.{index}@example.net"
        rows.append(
            Signature(
                petition=petition,
                name=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
                email=email,
                email_canonical=email,
                electorate=rng.choice(electorates),
                country="NZ",
                source=rng.choice(("facebook", "link", "email", "")),
                # A few asked for news, so the response reaches a handful in the demo outbox.
                notify=index % 500 == 0,
                created_at=confirmed_at - dt.timedelta(minutes=5),
                consented_at=confirmed_at - dt.timedelta(minutes=5),
                consent_version=settings.TAUTOKO["CONSENT_TEXT_VERSION"],
                privacy_notice_version=settings.TAUTOKO["PRIVACY_NOTICE_VERSION"],
                receipt=code_new(),
                state=Signature.State.CONFIRMED,
                confirmed_at=confirmed_at,
                emails_sent=1,
            )
        )
    Signature.objects.bulk_create(rows, batch_size=1_000)
    total = petition_recount(petition=petition)
    rows.sort(key=lambda s: s.confirmed_at or opened_at)
    for level in threshold_levels().values():
        if level <= total:
            reached_at = rows[level - 1].confirmed_at
            assert reached_at is not None
            thresholds_check(petition_id=petition.id, at=reached_at)
    petition.refresh_from_db()
    return petition
