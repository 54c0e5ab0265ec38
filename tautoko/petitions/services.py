"""Workflows of the petitions app: signing, confirming, counting."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone, translation

from tautoko.lib.bulk_rows import (
    instance_values,
    instances_saved,
    instances_update,
    rows_insert,
    value_position,
)
from tautoko.lib.email_address import email_canonical
from tautoko.lib.group_commit import durably, durably_batched
from tautoko.lib.local_memo import LocalMemo
from tautoko.lib.tokens import code_new, token_digest, token_new
from tautoko.outbox.models import OutboundEmail
from tautoko.petitions import emails
from tautoko.petitions.models import (
    IllegalTransition,
    Petition,
    Signature,
    Tally,
    TallyDelta,
    TimelineEvent,
)
from tautoko.responses.services import thresholds_check

if TYPE_CHECKING:
    from tautoko.fraud.checks import RateLimits

# Added to a signature's flag reasons when its IP signed this petition too often (checked
# here, inside the write, when the rate limits are counted in the database).
FLAG_RATE_LIMIT = "rate_limit"


class SignatureNotFound(Exception):
    """No signature matches the link: forged, mistyped or already replaced by a newer one."""


class LinkUsed(Exception):
    """The confirmation link was already used."""


class LinkExpired(Exception):
    """The confirmation link is past its expiry."""


@dataclasses.dataclass(frozen=True)
class SignOutcome:
    signature: Signature
    created: bool
    emailed: bool

    @property
    def page_query(self) -> str:
        """What tells the "check your email" page about a repeat, and whether an email went
        (none does once a signature has had its emails, nor for a withdrawn one)."""
        if self.created:
            return ""
        return "?again=1" if self.emailed else "?again=1&unsent=1"


def _token_fresh(*, now: dt.datetime) -> tuple[str, str, dt.datetime]:
    token, digest = token_new()
    return token, digest, now + dt.timedelta(hours=settings.TAUTOKO["CONFIRMATION_TTL_HOURS"])


@dataclasses.dataclass(frozen=True)
class _NewSignature:
    """A signature to write, prepared in the request thread (see signature_create)."""

    petition: Petition
    now: dt.datetime
    language: str
    # The fresh token, for the emails; a repeat signer's pending row takes its hash.
    token: str
    token_hash: str
    token_expires_at: dt.datetime
    # The petition's URL and this token's confirmation URL, for the emails.
    links: tuple[str, str]
    # The new row and its confirmation email, built and prepared for the INSERTs
    # (lib/bulk_rows.instance_values) before the writer's turn. The email's key, which
    # holds the signature's id, is filled in by the writer.
    signature: Signature
    values: list[Any]
    email_values: list[Any]
    ip_hash: str | None = None
    flags: tuple[str, ...] = ()
    rate_limits: RateLimits | None = None


def signature_create(
    *,
    petition: Petition,
    name: str,
    email: str,
    electorate: str,
    country: str,
    source: str = "",
    notify: bool = False,
    now: dt.datetime | None = None,
    ip_hash: str | None = None,
    flags: Sequence[str] = (),
    rate_limits: RateLimits | None = None,
) -> SignOutcome:
    """Sign a petition, or re-send the link to someone who already signed it.

    ``flags`` are the fraud checks it failed (tautoko/fraud): a flagged signature is
    stored, emailed and answered like any other, but never counted. ``rate_limits``, when
    given, are checked against the signatures from ``ip_hash`` inside the write itself, so
    that they hold across processes without a shared cache.

    One short durable write: the signature row and its confirmation email commit together
    (under a surge, in one group with other signatures: lib/group_commit). The unique
    constraint on (petition, canonical email) is what de-duplicates: two simultaneous
    requests from one person still leave one row.
    """
    now = now or timezone.now()
    token, digest, expires = _token_fresh(now=now)
    # Everything that costs CPU but needs no database is done here, in the request's own
    # thread, so that the shared writer spends its time writing: the row and its email are
    # built and their values prepared for the INSERTs.
    flags = tuple(flags)
    language = translation.get_language() or settings.LANGUAGE_CODE
    links = (emails.petition_url(petition), emails.confirm_url(petition, token))
    signature = Signature(
        petition=petition,
        name=name,
        email=email.strip(),
        email_canonical=email_canonical(email),
        electorate=electorate,
        country=country,
        source=source,
        notify=notify,
        created_at=now,
        consent_version=settings.TAUTOKO["CONSENT_TEXT_VERSION"],
        consented_at=now,
        privacy_notice_version=settings.TAUTOKO["PRIVACY_NOTICE_VERSION"],
        token_hash=digest,
        token_expires_at=expires,
        emails_sent=1,
        receipt=code_new(),
        ip_hash=ip_hash,
        flagged=bool(flags),
        flag_reasons=_flag_reasons(flags),
        petition_version=petition.version,
        language=language,
    )
    confirmation = emails.confirmation_build(
        signature=signature, token=token, sequence=1, language=language, links=links
    )
    item = _NewSignature(
        petition=petition,
        now=now,
        language=language,
        token=token,
        token_hash=digest,
        token_expires_at=expires,
        links=links,
        signature=signature,
        values=instance_values(signature),
        email_values=instance_values(confirmation),
        ip_hash=ip_hash,
        flags=flags,
        rate_limits=rate_limits,
    )
    try:
        return durably_batched(_signatures_write, item)
    except IntegrityError:
        # Another request by the same person committed between our check and our insert
        # (on PostgreSQL writes run side by side): its row is there now, so this is a repeat.
        return durably_batched(_signatures_write, item)


def _signatures_write(items: list[_NewSignature]) -> list[SignOutcome]:
    """Write many signatures at once, in the caller's transaction: one query for repeats,
    one INSERT each for the new signatures and for all the emails, one prepared UPDATE for
    the repeats' email counts and fresh links (lib/bulk_rows)."""
    existing = _signatures_existing(items)
    created: dict[tuple[int, str], Signature] = {}
    new: list[tuple[_NewSignature, Signature, list[Any]]] = []
    recent = _recent_by_ip(items)
    for item in items:
        key = (item.petition.id, item.signature.email_canonical)
        if key in existing or key in created:
            continue
        flags = item.flags
        if item.ip_hash is not None:
            times = recent.setdefault((item.petition.id, item.ip_hash), [])
            if item.rate_limits is not None and _over_limits(times, item.rate_limits, item.now):
                flags = (*flags, FLAG_RATE_LIMIT)
            times.append(item.now)
        signature, values = item.signature, item.values
        # Set each time: a batch that failed is written again, one signature at a time.
        signature.flagged, signature.flag_reasons = bool(flags), _flag_reasons(flags)
        if flags != item.flags:
            values = instance_values(signature)
        created[key] = signature
        new.append((item, signature, values))
    rows = [values for _, _, values in new]
    ids = dict(rows_insert(Signature, rows, returning=("receipt", "id")))
    for _, signature, _ in new:
        signature.id = ids[signature.receipt]
    instances_saved([signature for _, signature, _ in new])
    email_rows = []
    key_position = value_position(OutboundEmail, "key")
    for item, signature, _ in new:
        row = list(item.email_values)
        row[key_position] = emails.signature_email_key(signature.id, 1)
        email_rows.append(row)
    outcomes = []
    reminded: dict[int, Signature] = {}
    for item in items:
        key = (item.petition.id, item.signature.email_canonical)
        signature = existing.get(key) or created[key]
        # Receipts are random and unique: only the row made for this very request has its own.
        if signature.receipt == item.signature.receipt:
            outcomes.append(SignOutcome(signature=signature, created=True, emailed=True))
            continue
        # A repeat, of an earlier signature or of one made in this very batch.
        email = _signature_remind_email(
            signature=signature,
            token=item.token,
            token_hash=item.token_hash,
            token_expires_at=item.token_expires_at,
            language=item.language,
            links=item.links,
        )
        if email is not None:
            email_rows.append(instance_values(email))
            reminded[signature.id] = signature
        outcomes.append(SignOutcome(signature=signature, created=False, emailed=email is not None))
    if reminded:
        instances_update(list(reminded.values()), ["emails_sent", "token_hash", "token_expires_at"])
    rows_insert(OutboundEmail, email_rows)
    return outcomes


def _flag_reasons(flags: Sequence[str]) -> str:
    return ",".join(dict.fromkeys(flags))[:200]


def _signatures_existing(items: list[_NewSignature]) -> dict[tuple[int, str], Signature]:
    """The signatures the items' signers already made, by (petition id, canonical email).

    Nearly every signer is new, so first one narrow query asks which addresses signed
    (served by the unique index); only those rows are then loaded, and locked on
    PostgreSQL, where a repeat's writes may run beside another's (on SQLite the batch
    already holds the database's write lock).
    """
    wanted: dict[int, set[str]] = {}
    petitions: dict[int, Petition] = {}
    for item in items:
        wanted.setdefault(item.petition.id, set()).add(item.signature.email_canonical)
        petitions[item.petition.id] = item.petition
    table = connection.ops.quote_name(Signature._meta.db_table)
    found: dict[int, list[str]] = {}
    with connection.cursor() as cursor:
        for petition_id, canonicals in wanted.items():
            # Only the table's quoted name and placeholders; every value is a parameter.
            placeholders = ", ".join(["%s"] * len(canonicals))
            query = f"SELECT email_canonical FROM {table} WHERE petition_id = %s AND email_canonical IN ({placeholders})"  # noqa: S608, E501  # nosec B608
            cursor.execute(query, [petition_id, *canonicals])
            found[petition_id] = [row[0] for row in cursor.fetchall()]
    existing: dict[tuple[int, str], Signature] = {}
    for petition_id, canonicals_found in found.items():
        if not canonicals_found:
            continue
        for signature in Signature.objects.select_for_update().filter(
            petition_id=petition_id, email_canonical__in=canonicals_found
        ):
            signature.petition = petitions[petition_id]  # the same row: no query to fetch it
            existing[(petition_id, signature.email_canonical)] = signature
    return existing


def _signature_remind_email(
    *,
    signature: Signature,
    token: str,
    token_hash: str,
    token_expires_at: dt.datetime,
    language: str,
    links: tuple[str, str],
) -> OutboundEmail | None:
    """The email for someone who signs again (a fresh confirmation link while pending, else
    a note that they already signed), or None.

    Never more than MAX_EMAILS_PER_SIGNATURE emails about one signature, ever, so the form
    cannot be used to flood someone's inbox; withdrawn and invalidated signatures get
    nothing and spend nothing. Changes ``signature`` in memory only: the caller, which has
    locked the row in its transaction, writes it and the email.
    """
    if signature.state not in (Signature.State.PENDING, Signature.State.CONFIRMED):
        return None
    if signature.emails_sent >= settings.TAUTOKO["MAX_EMAILS_PER_SIGNATURE"]:
        return None
    signature.emails_sent += 1
    if signature.state == Signature.State.PENDING:
        # The fresh token replaces the earlier link.
        signature.token_hash, signature.token_expires_at = token_hash, token_expires_at
        return emails.confirmation_build(
            signature=signature,
            token=token,
            sequence=signature.emails_sent,
            language=language,
            links=links,
        )
    return emails.already_signed_build(
        signature=signature,
        sequence=signature.emails_sent,
        language=language,
        petition_link=links[0],
    )


def _recent_by_ip(items: list[_NewSignature]) -> dict[tuple[int, str], list[dt.datetime]]:
    """When the signatures of the rate-limited items' IPs were made, within their windows:
    one query per petition, served by the (petition, ip_hash, created_at) index."""
    wanted: dict[int, set[str]] = {}
    since: dict[int, dt.datetime] = {}
    for item in items:
        if item.rate_limits is None or item.ip_hash is None:
            continue
        pid = item.petition.id
        wanted.setdefault(pid, set()).add(item.ip_hash)
        window = max(item.rate_limits.burst_seconds, item.rate_limits.sustained_seconds)
        start = item.now - dt.timedelta(seconds=window)
        since[pid] = min(since.get(pid, start), start)
    recent: dict[tuple[int, str], list[dt.datetime]] = {}
    for pid, hashes in wanted.items():
        rows = Signature.objects.filter(
            petition_id=pid, ip_hash__in=hashes, created_at__gt=since[pid]
        ).values_list("ip_hash", "created_at")
        for hashed, created_at in rows:
            if hashed is not None:
                recent.setdefault((pid, hashed), []).append(created_at)
    return recent


def _over_limits(times: list[dt.datetime], limits: RateLimits, now: dt.datetime) -> bool:
    burst_start = now - dt.timedelta(seconds=limits.burst_seconds)
    sustained_start = now - dt.timedelta(seconds=limits.sustained_seconds)
    return (
        sum(1 for at in times if at > burst_start) >= limits.burst_limit
        or sum(1 for at in times if at > sustained_start) >= limits.sustained_limit
    )


def signature_remind(*, signature: Signature, now: dt.datetime | None = None) -> bool:
    """Email a signer again: a fresh confirmation link, or a note that they already signed
    (the rules are ``_signature_remind_email``'s). Returns whether an email was queued."""
    now = now or timezone.now()
    language = translation.get_language() or settings.LANGUAGE_CODE
    token, digest, expires = _token_fresh(now=now)
    petition = signature.petition
    links = (emails.petition_url(petition), emails.confirm_url(petition, token))

    def write() -> bool:
        # Locked, so that two re-sends at once cannot both take the last email.
        locked = Signature.objects.select_for_update().get(id=signature.id)
        locked.petition = petition
        email = _signature_remind_email(
            signature=locked,
            token=token,
            token_hash=digest,
            token_expires_at=expires,
            language=language,
            links=links,
        )
        if email is None:
            return False
        locked.save(update_fields=["emails_sent", "token_hash", "token_expires_at"])
        email.save(force_insert=True)
        signature.emails_sent, signature.state = locked.emails_sent, locked.state
        signature.token_hash, signature.token_expires_at = (
            locked.token_hash,
            locked.token_expires_at,
        )
        return True

    return durably(write)


def signature_for_token(*, token: str, now: dt.datetime | None = None) -> Signature:
    """The pending signature a confirmation link is for, or why the link does not work."""
    now = now or timezone.now()
    signature = (
        Signature.objects.select_related("petition").filter(token_hash=token_digest(token)).first()
    )
    if signature is None:
        raise SignatureNotFound
    if signature.state != Signature.State.PENDING:
        raise LinkUsed
    if signature.token_is_expired(now=now):
        raise LinkExpired
    return signature


def signature_confirm(*, token: str, now: dt.datetime | None = None) -> Signature:
    """Confirm the signature a link is for. Single use: a confirmed signature's link is spent.

    The spent token's digest stays, so that a second click on the link (people do) is told
    "already used" rather than "not valid".
    """
    now = now or timezone.now()
    signature = signature_for_token(token=token, now=now)

    def write() -> Signature:
        # Only one of two simultaneous confirmations can move the row out of pending.
        moved = Signature.objects.filter(id=signature.id, state=Signature.State.PENDING).update(
            state=Signature.State.CONFIRMED,
            confirmed_at=now,
            token_expires_at=None,
        )
        if not moved:
            raise LinkUsed
        signature.state, signature.confirmed_at, signature.token_expires_at = (
            Signature.State.CONFIRMED,
            now,
            None,
        )
        # A shadow-flagged signature is confirmed like any other, but never counted.
        if not signature.flagged:
            _tally_delta(signature=signature, delta=1, at=now)
        return signature

    return durably(write)


def _tally_delta(*, signature: Signature, delta: int, at: dt.datetime) -> None:
    TallyDelta.objects.create(
        petition_id=signature.petition_id,
        electorate=signature.electorate,
        country=str(signature.country),
        source=signature.source,
        at=at,
        delta=delta,
    )


def signer_number(*, signature: Signature) -> int:
    """The position of a confirmed signature among its petition's confirmed signatures."""
    if signature.confirmed_at is None:
        raise IllegalTransition("only a confirmed signature has a number")
    earlier = (
        Signature.objects.counted()
        .filter(petition_id=signature.petition_id, confirmed_at__lt=signature.confirmed_at)
        .count()
    )
    same_instant = (
        Signature.objects.counted()
        .filter(
            petition_id=signature.petition_id,
            confirmed_at=signature.confirmed_at,
            id__lte=signature.id,
        )
        .count()
    )
    # A shadow-flagged signer is shown the number they would have had, like anyone.
    return earlier + same_instant + (1 if signature.flagged else 0)


# --- Counting ---------------------------------------------------------------------------------


def _hour_key(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H")


# Count changes folded per round of the worker (see tallies_apply).
TALLY_BATCH = 5_000


def tallies_apply(*, batch: int = TALLY_BATCH, now: dt.datetime | None = None) -> int:
    """Fold pending count changes into the settled tallies; return how many were folded.

    Runs in every round of the worker. Everything happens in one transaction: the deltas are
    read, added to the tallies with set-based ``F()`` updates and deleted, so a crash at any
    point either applies a delta once or not at all. On PostgreSQL, ``SKIP LOCKED`` lets
    several workers fold different deltas side by side. A backlog is folded ``batch`` at a
    time: each round holds the write lock that signers wait for, and keeps its deltas in
    memory, so a round stays short and small.
    """
    # Look before taking the write lock: an idle worker must not queue behind signers.
    if not TallyDelta.objects.exists():
        return 0
    return durably(lambda: _tallies_fold(batch=batch))


def _tallies_fold(*, batch: int) -> int:
    deltas = list(
        TallyDelta.objects.select_for_update(skip_locked=True)
        .order_by("id")
        .values("id", "petition_id", "electorate", "country", "source", "at", "delta")[:batch]
    )
    if not deltas:
        return 0
    changes: Counter[tuple[int, str, str]] = Counter()
    latest: dict[int, dt.datetime] = {}
    for row in deltas:
        petition_id, delta = row["petition_id"], row["delta"]
        changes[(petition_id, Tally.Dimension.TOTAL, "")] += delta
        changes[(petition_id, Tally.Dimension.ELECTORATE, row["electorate"])] += delta
        changes[(petition_id, Tally.Dimension.COUNTRY, row["country"])] += delta
        changes[(petition_id, Tally.Dimension.SOURCE, row["source"])] += delta
        changes[(petition_id, Tally.Dimension.HOUR, _hour_key(row["at"]))] += delta
        latest[petition_id] = max(latest.get(petition_id, row["at"]), row["at"])
    Tally.objects.bulk_create(
        [Tally(petition_id=p, dimension=d, key=k, count=0) for (p, d, k) in changes],
        ignore_conflicts=True,
    )
    # A fixed order of row locks, so two workers folding on PostgreSQL cannot deadlock.
    for (petition_id, dimension, key), change in sorted(changes.items()):
        if change:
            Tally.objects.filter(petition_id=petition_id, dimension=dimension, key=key).update(
                count=F("count") + change
            )
    TallyDelta.objects.filter(id__in=[row["id"] for row in deltas]).delete()
    for petition_id, at in sorted(latest.items()):
        goal_check(petition_id=petition_id, at=at)
        thresholds_check(petition_id=petition_id, at=at)
    return len(deltas)


def goal_check(*, petition_id: int, at: dt.datetime) -> None:
    """Record "goal reached" and, with the ladder on, raise the goal to the next step."""
    petition = Petition.objects.select_for_update().get(id=petition_id)
    count = tally_total(petition_id=petition_id)
    if count < petition.goal:
        return
    reached = petition.goal
    # Without the ladder the goal stays put, and every later fold is still at or above it:
    # it was reached once.
    already = petition.events.filter(kind=TimelineEvent.Kind.GOAL_REACHED, data__goal=reached)
    if not petition.goal_ladder and already.exists():
        return
    petition.event(
        kind=TimelineEvent.Kind.GOAL_REACHED, at=at, data={"goal": reached, "count": count}
    )
    if not petition.goal_ladder:
        return
    raised = petition.next_goal(count)
    Petition.objects.filter(id=petition_id, goal=reached).update(goal=raised)
    petition.event(kind=TimelineEvent.Kind.GOAL_RAISED, at=at, data={"from": reached, "to": raised})


def petition_goal_set(
    *, petition: Petition, goal: int, by: object = None, now: dt.datetime | None = None
) -> None:
    """An organiser raises (or lowers) the goal by hand: a ``goal_changed`` event, never the
    ladder's ``goal_raised``."""
    if goal < 1:
        raise ValueError("a goal must be at least 1")
    with transaction.atomic():
        previous = petition.goal
        Petition.objects.filter(id=petition.id).update(goal=goal)
        petition.goal = goal
        petition.event(
            kind=TimelineEvent.Kind.GOAL_CHANGED,
            at=now,
            actor=by,
            data={"from": previous, "to": goal},
        )


def petition_ladder_set(
    *, petition: Petition, ladder: bool, by: object = None, now: dt.datetime | None = None
) -> None:
    """An organiser switches the goal ladder on or off (``ladder_on`` / ``ladder_off``)."""
    with transaction.atomic():
        Petition.objects.filter(id=petition.id).update(goal_ladder=ladder)
        petition.goal_ladder = ladder
        petition.event(
            kind=TimelineEvent.Kind.LADDER_ON if ladder else TimelineEvent.Kind.LADDER_OFF,
            at=now,
            actor=by,
            data={"goal": petition.goal},
        )


def petition_cache_key(slug: str) -> str:
    """Where the public pages keep the petition row they read (petitions/views.py)."""
    return f"petition:slug:{slug}"


# The petition rows this process read from the shared cache lately (lib/local_memo).
petition_memo = LocalMemo()


def petition_cache_forget(*, petition: Petition) -> None:
    """Drop the cached petition row, once the change to it is committed.

    Pages read the petition through the cache for a second; its page is cached under a key
    holding the petition's goal, state and version. A change to those shows once the row is
    read again; dropping it makes that the very next request in this process, and in every
    process within LOCAL_MEMO_SECONDS when the cache is Redis.
    """
    key = petition_cache_key(petition.slug)

    def forget() -> None:
        cache.delete(key)
        petition_memo.delete(key)

    transaction.on_commit(forget)


def tally_total(*, petition_id: int) -> int:
    row = Tally.objects.filter(
        petition_id=petition_id, dimension=Tally.Dimension.TOTAL, key=""
    ).first()
    return row.count if row else 0


def petition_recount(*, petition: Petition, attempts: int = 5) -> int:
    """Rebuild a petition's tallies from its signature rows; return the settled total.

    Repairs any drift. Settled tallies are set to what the confirmed rows say less what is
    still waiting in deltas (the worker folds those in later). All reads come from one
    snapshot (REPEATABLE READ on PostgreSQL; SQLite's IMMEDIATE transaction holds the write
    lock), so a confirmation committing meanwhile is either in both or in neither. If the
    worker changes a tally under us, PostgreSQL refuses our write and we start again.
    """
    for attempt in range(attempts):
        try:
            return _petition_recount_once(petition=petition)
        except (OperationalError, IntegrityError):
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _petition_recount_once(*, petition: Petition) -> int:
    # SET TRANSACTION must come first in a transaction, so it is only possible when this
    # block starts one; inside a caller's transaction, the caller's isolation level applies.
    starts_transaction = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and starts_transaction:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        confirmed = Signature.objects.counted().filter(petition=petition)
        pending = TallyDelta.objects.filter(petition=petition)
        wanted: Counter[tuple[str, str]] = Counter()  # (dimension, key) -> settled count
        for dimension, field in (
            (Tally.Dimension.ELECTORATE, "electorate"),
            (Tally.Dimension.COUNTRY, "country"),
            (Tally.Dimension.SOURCE, "source"),
        ):
            for row in confirmed.values(field).annotate(n=Count("id")).order_by():
                wanted[(dimension, str(row[field]))] += row["n"]
            for row in pending.values(field).annotate(n=Sum("delta")).order_by():
                wanted[(dimension, str(row[field]))] -= row["n"]
        for confirmed_at in confirmed.values_list("confirmed_at", flat=True).iterator():
            if confirmed_at is not None:  # always set on confirmed rows (a check constraint)
                wanted[(Tally.Dimension.HOUR, _hour_key(confirmed_at))] += 1
        for at, delta in pending.values_list("at", "delta"):
            wanted[(Tally.Dimension.HOUR, _hour_key(at))] -= delta
        total = confirmed.count() - (pending.aggregate(n=Sum("delta"))["n"] or 0)
        wanted[(Tally.Dimension.TOTAL, "")] = total
        current = {(t.dimension, t.key): t for t in Tally.objects.filter(petition=petition)}
        for (dimension_key, key), count in sorted(wanted.items()):
            row = current.pop((dimension_key, key), None)
            if row is None:
                Tally.objects.create(
                    petition=petition, dimension=dimension_key, key=key, count=count
                )
            elif row.count != count:
                Tally.objects.filter(id=row.id).update(count=count)
        stale = [row.id for row in current.values() if row.count != 0]
        Tally.objects.filter(id__in=stale).update(count=0)
    return total


def petitions_close_due(*, now: dt.datetime | None = None) -> int:
    """Close every open petition whose closing time has passed; return how many."""
    now = now or timezone.now()
    closed = 0
    for petition in Petition.objects.filter(state=Petition.State.OPEN, closes_at__lte=now):

        def close(petition: Petition = petition) -> bool:
            # Re-read under a row lock: another worker may have closed it meanwhile.
            petition = Petition.objects.select_for_update().get(id=petition.id)
            if petition.state != Petition.State.OPEN:
                return False
            petition.close(now=petition.closes_at or now, reason="closing date reached")
            return True

        closed += durably(close)
    return closed
