"""The demo petition: "It's not OK, Prime Minister", replayed from its first day.

The signature history is generated (fake names, reserved example domains) to match what
is known of the real 2015 campaign: launched at 12:40 and shared on social media, 90+
signatures in the first hour, the goal of 1,000 reached and raised to 2,000, about 2,500
signatures by 19:00. Counts and goal events come from the real folding code.
"""

from __future__ import annotations

import base64
import bisect
import datetime as dt
import random
from urllib.parse import quote
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tautoko.accounts.models import User
from tautoko.accounts.staff import totp_device_add, totp_device_for
from tautoko.lib.email_address import email_canonical
from tautoko.lib.tokens import code_new
from tautoko.moderation.services import moderators_group_ensure, rejection_reasons_seed
from tautoko.petitions.forms import electorate_names
from tautoko.petitions.models import (
    DecisionMaker,
    Petition,
    Signature,
    TallyDelta,
    TimelineEvent,
    sponsors_required,
)
from tautoko.petitions.services import tallies_apply

DEMO_SLUG = "saysorryjohn"
DEMO_PASSWORD = "tautoko-demo"  # noqa: S105 - printed by `make run`; demo mode only
DEMO_USERS = (
    ("admin", "admin@tautoko.example", "Ana Admin", True),
    ("moderator", "moderator@tautoko.example", "Mere Moderator", False),
    ("organiser", "organiser@tautoko.example", "Rawiri Organiser", False),
)
STAFF_ROLES = ("admin", "moderator")
# Demo only: fixed TOTP secrets (hex), printed by demo_load so the staff logins work at once.
# A real deployment gives each staff member their own with `manage.py staff_totp_add`.
DEMO_TOTP_KEYS = {
    "admin": "3132333435363738393031323334353637383930",
    "moderator": "74617574616b6f2d64656d6f2d6d6f6465726174",
}
QUEUED_SLUG = "fund-school-lunches"
SPONSORING_SLUG = "predator-free-backyards"
NZ = ZoneInfo("Pacific/Auckland")
DAY = dt.date(2015, 11, 11)
LAUNCH = dt.datetime(2015, 11, 11, 12, 40, tzinfo=NZ)

TITLE = "It's not OK, Prime Minister"
SUMMARY = (
    "We ask the Prime Minister to apologise in Parliament for saying that members who raised "
    "concerns about detained New Zealanders were backing rapists."
)
STATEMENT = """\
Words spoken in the House carry weight far beyond it. When a Prime Minister uses sexual
violence as a weapon in a political argument, survivors hear it, and so do their families.

Many people who have lived through sexual violence say they felt **dismissed and used** as
they watched members who tried to speak about it being ordered out of the chamber.

We are not asking anyone to change their policy. We are asking for something simple:

- acknowledge that the remark hurt people who have survived sexual violence;
- apologise for it, in the House, where it was said;
- commit to debate that never turns survivors into a point-scoring line.

Saying sorry is what we teach our children to do. It's not OK, Prime Minister.
"""

# Cumulative confirmed signatures at local times on the day: slow for the first hour,
# then fast once the petition was shared widely.
CURVE = (
    ((12, 40), 0),
    ((13, 40), 94),
    ((14, 40), 310),
    ((15, 40), 720),
    ((16, 10), 1010),
    ((16, 40), 1240),
    ((17, 40), 1720),
    ((18, 20), 2150),
    ((19, 0), 2480),
)
SOURCES = (("facebook", 44), ("x", 26), ("link", 12), ("email", 9), ("", 6), ("whatsapp", 3))
COUNTRIES = (("NZ", 930), ("AU", 35), ("GB", 15), ("US", 10), ("CA", 5), ("DE", 5))
BIG_ELECTORATES = (
    "Wellington Central",
    "Auckland Central",
    "Rongotai",
    "Mt Albert",
    "Christchurch Central",
    "Dunedin",
    "Epsom",
    "Mt Roskill",
    "Hutt South",
    "Ōhāriu",
    "Tāmaki Makaurau",
    "Te Tai Tokerau",
)
FIRST_NAMES = (
    "Aroha",
    "Mere",
    "Hemi",
    "Tama",
    "Kiri",
    "Wiremu",
    "Ngaio",
    "Anahera",
    "Tane",
    "Moana",
    "Sophie",
    "Olivia",
    "Charlotte",
    "Isla",
    "Amelia",
    "Jack",
    "Oliver",
    "Lucas",
    "Noah",
    "Leo",
    "Priya",
    "Arjun",
    "Mei",
    "Wei",
    "Sione",
    "Losa",
    "Malia",
    "Tevita",
    "Fatima",
    "Omar",
    "Grace",
    "Ruby",
    "Ella",
    "Hannah",
    "James",
    "Thomas",
    "Liam",
    "Ben",
    "Kate",
    "Emma",
)
LAST_NAMES = (
    "Ngata",
    "Parata",
    "Walker",
    "Smith",
    "Williams",
    "Brown",
    "Wilson",
    "Taylor",
    "Tautahi",
    "Harris",
    "Thompson",
    "Martin",
    "King",
    "Clark",
    "Patel",
    "Singh",
    "Chen",
    "Wang",
    "Li",
    "Fonoti",
    "Tuilagi",
    "Latu",
    "Hughes",
    "Young",
    "Campbell",
    "Stewart",
    "Reid",
    "Rāwiri",
    "Kereama",
    "Morgan",
    "Anderson",
    "Scott",
    "Cooper",
    "Bell",
    "Ward",
    "Baker",
    "Evans",
)


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _time_of(index: int, rng: random.Random) -> dt.datetime:
    """Local time at which the index-th confirmation happened, following CURVE."""
    counts = [count for _, count in CURVE]
    segment = max(1, bisect.bisect_right(counts, index)) - 1
    segment = min(segment, len(CURVE) - 2)
    (h0, m0), c0 = CURVE[segment]
    (h1, m1), c1 = CURVE[segment + 1]
    start = dt.datetime(DAY.year, DAY.month, DAY.day, h0, m0, tzinfo=NZ)
    end = dt.datetime(DAY.year, DAY.month, DAY.day, h1, m1, tzinfo=NZ)
    fraction = (index - c0 + rng.random()) / max(1, c1 - c0)
    return start + (end - start) * min(fraction, 0.9999)


def demo_users() -> dict[str, User]:
    users = {}
    moderators = moderators_group_ensure()
    for role, email, name, is_admin in DEMO_USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email,
                DEMO_PASSWORD,
                name=name,
                is_staff=role in STAFF_ROLES,
                is_superuser=is_admin,
            )
        # Logins need a confirmed address (allauth); the demo's are confirmed already.
        EmailAddress.objects.filter(user=user).update(verified=True)
        if role == "moderator":
            user.groups.add(moderators)
        if role in DEMO_TOTP_KEYS and totp_device_for(user) is None:
            totp_device_add(user=user, name="Demo authenticator", key=DEMO_TOTP_KEYS[role])
        users[role] = user
    return users


def demo_totp(role: str) -> tuple[str, str]:
    """The demo staff member's TOTP secret (base32, for an authenticator app) and URL."""
    key = bytes.fromhex(DEMO_TOTP_KEYS[role])
    secret = base64.b32encode(key).decode().rstrip("=")
    email = next(email for r, email, _name, _admin in DEMO_USERS if r == role)
    url = f"otpauth://totp/Tautoko:{quote(email)}?secret={secret}&issuer=Tautoko&digits=6&period=30"
    return secret, url


def demo_queue(*, organiser: User, decision_maker: DecisionMaker) -> None:
    """A petition waiting for a moderator, so the queue has something in it."""
    if Petition.objects.filter(slug=QUEUED_SLUG).exists():
        return
    now = timezone.now()
    petition = Petition.objects.create(
        slug=QUEUED_SLUG,
        title="Free healthy lunches in every school",
        summary="We ask the Prime Minister to fund a free, healthy lunch for every school pupil.",
        statement=(
            "Children learn better when they are not hungry. A free lunch for every pupil "
            "costs less than the harm that hunger does, and it takes the **stigma** away."
        ),
        decision_maker=decision_maker,
        organiser=organiser,
        goal=500,
        closes_at=now + dt.timedelta(days=180),
        created_at=now - dt.timedelta(days=2),
    )
    petition.event(kind=TimelineEvent.Kind.CREATED, at=petition.created_at, actor=organiser)
    submitted = now - dt.timedelta(days=1)
    petition.submit(by=organiser, now=submitted)
    if petition.state == Petition.State.SPONSORING:
        # Its sponsors signed and confirmed within hours; the last one sent it to the queue.
        _demo_sponsors(petition, count=sponsors_required(), start=submitted)
        # Imported here: the organise app builds on this one.
        from tautoko.organise.services import sponsors_check

        sponsors_check(petition_id=petition.id, now=submitted + dt.timedelta(hours=4))


def demo_sponsoring(*, organiser: User, decision_maker: DecisionMaker) -> None:
    """A petition still gathering sponsors, so the organiser's page shows a sponsor link."""
    if Petition.objects.filter(slug=SPONSORING_SLUG).exists():
        return
    required = sponsors_required()
    if not required:
        return  # sponsors are off: a submitted petition goes straight to the queue
    now = timezone.now()
    petition = Petition.objects.create(
        slug=SPONSORING_SLUG,
        title="Predator-free backyards by 2030",
        summary="We ask the Prime Minister to fund a free trap for every household that "
        "asks for one.",
        statement=(
            "Rats, stoats and possums kill millions of native birds every year. Backyard "
            "trapping works where people **live**, and a free trap is the step most "
            "households are waiting for."
        ),
        decision_maker=decision_maker,
        organiser=organiser,
        goal=1_000,
        closes_at=now + dt.timedelta(days=180),
        created_at=now - dt.timedelta(hours=6),
    )
    petition.event(kind=TimelineEvent.Kind.CREATED, at=petition.created_at, actor=organiser)
    submitted = now - dt.timedelta(hours=3)
    petition.submit(by=organiser, now=submitted)
    _demo_sponsors(petition, count=min(2, required - 1), start=submitted)


def _demo_sponsors(petition: Petition, *, count: int, start: dt.datetime) -> None:
    """``count`` confirmed sponsors, signed and confirmed after ``start``: ordinary
    signatures of the petition, with the count changes confirming writes."""
    electorates = list(electorate_names())
    for index in range(count):
        first, last = FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[index % len(LAST_NAMES)]
        email = f"{first}.{last}.sponsor{index}@example.org".lower()
        signed = start + dt.timedelta(minutes=20 * index + 5)
        confirmed = signed + dt.timedelta(minutes=3)
        signature = Signature.objects.create(
            petition=petition,
            name=f"{first} {last}",
            email=email,
            email_canonical=email_canonical(email),
            electorate=electorates[index % len(electorates)],
            country="NZ",
            source=Signature.SOURCE_SPONSOR,
            created_at=signed,
            consented_at=signed,
            consent_version=settings.TAUTOKO["CONSENT_TEXT_VERSION"],
            privacy_notice_version=settings.TAUTOKO["PRIVACY_NOTICE_VERSION"],
            receipt=code_new(),
            state=Signature.State.CONFIRMED,
            confirmed_at=confirmed,
            emails_sent=1,
        )
        TallyDelta.objects.create(
            petition=petition,
            electorate=signature.electorate,
            country="NZ",
            source=signature.source,
            at=confirmed,
            delta=1,
        )
    tallies_apply()


@transaction.atomic
def demo_load(*, seed: int = 20151111) -> bool:
    """Create the demo once; return False (and change nothing) if it is already there."""
    users = demo_users()
    prime_minister, _ = DecisionMaker.objects.get_or_create(
        slug="prime-minister",
        defaults={"name": "The Prime Minister", "title": "Prime Minister of New Zealand"},
    )
    rejection_reasons_seed()
    demo_queue(organiser=users["organiser"], decision_maker=prime_minister)
    demo_sponsoring(organiser=users["organiser"], decision_maker=prime_minister)
    if Petition.objects.filter(slug=DEMO_SLUG).exists():
        return False
    petition = Petition.objects.create(
        slug=DEMO_SLUG,
        title=TITLE,
        summary=SUMMARY,
        statement=STATEMENT,
        decision_maker=prime_minister,
        organiser=users["organiser"],
        goal=1_000,
        goal_ladder=True,
        goal_steps=[1_000, 2_000, 5_000, 10_000],
        created_at=LAUNCH - dt.timedelta(minutes=35),
    )
    petition.event(
        kind=TimelineEvent.Kind.CREATED, at=petition.created_at, actor=users["organiser"]
    )
    petition.open(by=users["organiser"], now=LAUNCH)
    petition.event(
        kind=TimelineEvent.Kind.SHARED,
        at=LAUNCH + dt.timedelta(minutes=20),
        actor=users["organiser"],
        note="Shared on social media by the organisers.",
    )
    _demo_signatures(petition, rng=random.Random(seed))  # noqa: S311 - reproducible fake data
    return True


def _demo_signatures(petition: Petition, *, rng: random.Random) -> None:
    electorates = list(electorate_names())
    weights = [12 if name in BIG_ELECTORATES else 2 for name in electorates]
    total = CURVE[-1][1]
    signatures, seen = [], set()
    for index in range(total):
        confirmed_at = _time_of(index, rng)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first}.{last}{index}@example.{rng.choice(('com', 'net', 'org'))}".lower()
        country = _weighted(rng, COUNTRIES)
        signature = Signature(
            petition=petition,
            name=f"{first} {last}",
            email=email,
            email_canonical=email_canonical(email),
            electorate=rng.choices(electorates, weights=weights)[0] if country == "NZ" else "",
            country=country,
            source=_weighted(rng, SOURCES),
            notify=rng.random() < 0.6,
            created_at=confirmed_at - dt.timedelta(seconds=rng.randint(20, 900)),
            consent_version="2015-11",
            receipt=code_new(),
            state=Signature.State.CONFIRMED,
            confirmed_at=confirmed_at,
            emails_sent=1,
        )
        if signature.email_canonical not in seen:
            seen.add(signature.email_canonical)
            signatures.append(signature)
    # Some never confirmed: they stay pending and are never counted.
    for index in range(total, total + total // 16):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first}.{last}{index}@example.net".lower()
        signatures.append(
            Signature(
                petition=petition,
                name=f"{first} {last}",
                email=email,
                email_canonical=email,
                electorate=rng.choice(electorates),
                country="NZ",
                source=_weighted(rng, SOURCES),
                created_at=_time_of(rng.randrange(total), rng),
                consent_version="2015-11",
                receipt=code_new(),
            )
        )
    # Each consented when signing, under the notice of the day.
    for signature in signatures:
        signature.consented_at = signature.created_at
        signature.privacy_notice_version = signature.consent_version
    Signature.objects.bulk_create(signatures, batch_size=500)
    confirmed = sorted(
        (s for s in signatures if s.confirmed_at), key=lambda s: s.confirmed_at or LAUNCH
    )
    # Replay the day minute by minute through the real folding code, so the goal events
    # land when the counts crossed them.
    minute: dt.datetime | None = None
    batch: list[TallyDelta] = []
    for signature in confirmed:
        assert signature.confirmed_at is not None
        this_minute = signature.confirmed_at.replace(second=0, microsecond=0)
        if minute is not None and this_minute != minute:
            TallyDelta.objects.bulk_create(batch)
            tallies_apply()
            batch = []
        minute = this_minute
        batch.append(
            TallyDelta(
                petition=petition,
                electorate=signature.electorate,
                country=str(signature.country),
                source=signature.source,
                at=signature.confirmed_at,
                delta=1,
            )
        )
    TallyDelta.objects.bulk_create(batch)
    tallies_apply()
