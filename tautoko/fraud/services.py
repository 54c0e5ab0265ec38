"""The thorough side of the fraud checks, off the sign path: the worker's trending report
and IP-hash retention, and staff's bulk invalidation (with its dry run and its undo)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import StrIndex, Substr
from django.utils import timezone

from tautoko.accounts.models import User
from tautoko.fraud import emails
from tautoko.fraud.checks import snapshot
from tautoko.fraud.models import Invalidation, InvalidationItem, TrendingAlert
from tautoko.lib.email_address import email_canonical
from tautoko.lib.group_commit import durably
from tautoko.petitions.models import IllegalTransition, Petition, Signature
from tautoko.petitions.services import _tally_delta

logger = logging.getLogger("tautoko.fraud")

# At most this many signatures' IP hashes are emptied per transaction.
IP_HASH_BATCH = 5_000


# --- Retention -------------------------------------------------------------------------------


def ip_hashes_drop_due(*, now: dt.datetime | None = None) -> int:
    """Empty the IP hashes of signatures older than IP_HASH_KEEP_DAYS; return how many."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.TAUTOKO["IP_HASH_KEEP_DAYS"])
    due = Signature.objects.filter(created_at__lte=cutoff, ip_hash__isnull=False)
    total = 0
    while True:
        # Look before taking the write lock: this nearly always finds nothing, and signers
        # must not wait while it searches the signatures.
        ids = list(due.order_by("id").values_list("id", flat=True)[:IP_HASH_BATCH])
        if not ids:
            return total
        # Filtered again in the write: a row found a moment ago may have changed since.
        total += durably(partial(due.filter(id__in=ids).update, ip_hash=None))


# --- Trending report -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Trend:
    petition_id: int
    kind: str
    value: str
    count: int


def _domain() -> Substr:
    return Substr("email_canonical", StrIndex("email_canonical", Value("@")) + 1)


def trending_find(*, now: dt.datetime | None = None) -> list[Trend]:
    """Per petition, the IP hashes and email domains that signed at least their threshold
    in the last hour (flagged signatures included: they are what this looks for)."""
    now = now or timezone.now()
    values = snapshot().settings
    recent = Signature.objects.filter(created_at__gt=now - dt.timedelta(hours=1))
    trends: list[Trend] = []
    by_ip = (
        recent.exclude(ip_hash__isnull=True)
        .values("petition_id", "ip_hash")
        .annotate(n=Count("id"))
        .filter(n__gte=values.trending_ip_threshold)
        .order_by("-n")
    )
    trends += [
        Trend(row["petition_id"], TrendingAlert.Kind.IP, str(row["ip_hash"]), row["n"])
        for row in by_ip
    ]
    by_domain = (
        recent.exclude(anonymised_at__isnull=False)
        .annotate(domain=_domain())
        .values("petition_id", "domain")
        .annotate(n=Count("id"))
        .filter(n__gte=values.trending_domain_threshold)
        .order_by("-n")
    )
    trends += [
        Trend(row["petition_id"], TrendingAlert.Kind.DOMAIN, row["domain"], row["n"])
        for row in by_domain
    ]
    return trends


def trending_report(*, now: dt.datetime | None = None) -> int:
    """Log every trend and alert staff by email, once an hour per trend. Run by the worker;
    returns how many new alerts."""
    now = now or timezone.now()
    hour = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H")
    alerted = 0
    for trend in trending_find(now=now):
        logger.warning(
            "trending: petition %s, %s %s signed %d times in the last hour",
            trend.petition_id,
            trend.kind,
            trend.value,
            trend.count,
        )
        try:
            with transaction.atomic():
                alert = TrendingAlert.objects.create(
                    petition_id=trend.petition_id,
                    kind=trend.kind,
                    value=trend.value,
                    hour=hour,
                    count=trend.count,
                    created_at=now,
                )
                emails.trending_queue(alert=alert, to=_staff_addresses())
        except IntegrityError:
            continue  # already alerted this hour
        alerted += 1
    return alerted


def _staff_addresses() -> list[tuple[int, str]]:
    return list(
        User.objects.filter(is_staff=True, is_active=True)
        .exclude(email="")
        .order_by("id")
        .values_list("id", "email")
    )


@dataclasses.dataclass
class _Periodic:
    """Work that this process does at most once per ``seconds`` (of ``time.monotonic``)."""

    seconds: float
    next_at: float = 0.0

    def due(self, clock: float) -> bool:
        if clock < self.next_at:
            return False
        self.next_at = clock + self.seconds
        return True


# Finding the IP hashes due to be dropped reads every signature (no index on created_at, on
# purpose: it would cost every signature one more index entry, a few per cent of a surge's
# rate), and a hash kept 30 days may as well go within the hour: hourly, not every round.
IP_HASH_DROP_SECONDS = 3600
# The trending report scans an hour of signatures: every few minutes is often enough.
TRENDING_SECONDS = 300
_ip_hashes_schedule = _Periodic(IP_HASH_DROP_SECONDS)
_trending_schedule = _Periodic(TRENDING_SECONDS)


def fraud_housekeeping(*, now: dt.datetime | None = None, clock: float | None = None) -> int:
    """The worker's periodic fraud work, each part when it is due; returns how many rows it
    changed. ``clock`` is ``time.monotonic()`` unless given (by tests)."""
    now = now or timezone.now()
    clock = time.monotonic() if clock is None else clock
    changed = 0
    if _ip_hashes_schedule.due(clock):
        changed += ip_hashes_drop_due(now=now)
    if _trending_schedule.due(clock):
        changed += trending_report(now=now)
    return changed


# --- Bulk invalidation -----------------------------------------------------------------------


class NothingToDo(Exception):
    """No criterion given: an invalidation must say what it takes."""


@dataclasses.dataclass(frozen=True)
class Criteria:
    petition: Petition | None = None
    ip_hash: str = ""
    domain: str = ""
    email: str = ""
    electorate: str = ""
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None

    def is_empty(self) -> bool:
        return not (
            self.ip_hash
            or self.domain
            or self.email
            or self.electorate
            or self.created_from
            or self.created_to
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "petition": self.petition.slug if self.petition else "",
            "ip_hash": self.ip_hash,
            "domain": self.domain,
            "email": self.email,
            "electorate": self.electorate,
            "created_from": self.created_from.isoformat() if self.created_from else "",
            "created_to": self.created_to.isoformat() if self.created_to else "",
        }


# Only these can be invalidated; withdrawn ones are gone already.
INVALIDATABLE = (Signature.State.PENDING, Signature.State.CONFIRMED)


def signatures_matching(criteria: Criteria) -> QuerySet[Signature]:
    if criteria.is_empty():
        raise NothingToDo
    q = Q(state__in=INVALIDATABLE)
    if criteria.petition is not None:
        q &= Q(petition=criteria.petition)
    if criteria.ip_hash:
        q &= Q(ip_hash=criteria.ip_hash.strip().lower())
    if criteria.domain:
        domain = criteria.domain.strip().lower().lstrip("@")
        q &= Q(email_canonical__endswith="@" + domain)
    if criteria.email:
        q &= Q(email_canonical=email_canonical(criteria.email))
    if criteria.electorate:
        q &= Q(electorate=criteria.electorate)
    if criteria.created_from:
        q &= Q(created_at__gte=criteria.created_from)
    if criteria.created_to:
        q &= Q(created_at__lt=criteria.created_to)
    return Signature.objects.filter(q)


@dataclasses.dataclass(frozen=True)
class Preview:
    matching: int
    counted: int


def invalidation_preview(*, criteria: Criteria) -> Preview:
    """The dry run: how many signatures would go, and how many of them are counted now."""
    matching = signatures_matching(criteria)
    return Preview(
        matching=matching.count(),
        counted=matching.filter(flagged=False, state=Signature.State.CONFIRMED).count(),
    )


def invalidation_apply(
    *, criteria: Criteria, by: User, reason: str, now: dt.datetime | None = None
) -> Invalidation:
    """Invalidate every matching signature, recording who, why, when and how many.

    Rows are kept, in state ``invalidated``; each counted one writes a -1 count change (at
    its confirmation time, so the hourly breakdown loses it where it gained it), in the
    same transaction, so the count is exact once the worker folds it.
    """
    now = now or timezone.now()
    if not reason.strip():
        raise IllegalTransition("an invalidation needs a reason")
    with transaction.atomic():
        signatures = list(signatures_matching(criteria).select_for_update().order_by("id"))
        invalidation = Invalidation.objects.create(
            petition=criteria.petition,
            criteria=criteria.as_json(),
            reason=reason,
            created_by=by,
            created_at=now,
        )
        taken, uncounted = 0, 0
        for signature in signatures:
            # The confirmation link of a pending one stops working (it is no longer pending)
            # and works again if the invalidation is cancelled.
            moved = Signature.objects.filter(id=signature.id, state=signature.state).update(
                state=Signature.State.INVALIDATED
            )
            if not moved:
                continue
            InvalidationItem.objects.create(
                invalidation=invalidation, signature=signature, previous_state=signature.state
            )
            taken += 1
            if signature.is_counted:
                assert signature.confirmed_at is not None
                _tally_delta(signature=signature, delta=-1, at=signature.confirmed_at)
                uncounted += 1
        Invalidation.objects.filter(id=invalidation.id).update(
            invalidated=taken, uncounted=uncounted
        )
        invalidation.invalidated, invalidation.uncounted = taken, uncounted
    logger.warning(
        "invalidation %s by %s: %d signatures (%d counted): %s",
        invalidation.id,
        by.pk,
        taken,
        uncounted,
        reason,
    )
    return invalidation


def invalidation_cancel(
    *, invalidation: Invalidation, by: User, reason: str = "", now: dt.datetime | None = None
) -> int:
    """Undo an invalidation: every signature it took goes back to the state it had (+1 for
    each that counted). Returns how many were restored: not one its signer erased meanwhile,
    which erasure withdrew (tautoko/signers)."""
    now = now or timezone.now()
    with transaction.atomic():
        moved = Invalidation.objects.filter(id=invalidation.id, cancelled_at__isnull=True).update(
            cancelled_at=now, cancelled_by=by, cancel_reason=reason
        )
        if not moved:
            raise IllegalTransition("this invalidation was already cancelled")
        restored = 0
        items = InvalidationItem.objects.filter(invalidation=invalidation).select_related(
            "signature"
        )
        for item in items.order_by("id"):
            signature = item.signature
            back = Signature.objects.filter(
                id=signature.id, state=Signature.State.INVALIDATED
            ).update(state=item.previous_state)
            if not back:
                continue
            restored += 1
            signature.state = item.previous_state
            if signature.is_counted:
                assert signature.confirmed_at is not None
                _tally_delta(signature=signature, delta=1, at=signature.confirmed_at)
        Invalidation.objects.filter(id=invalidation.id).update(restored=F("restored") + restored)
        invalidation.refresh_from_db()
    logger.warning("invalidation %s cancelled by %s: %d restored", invalidation.id, by.pk, restored)
    return restored
