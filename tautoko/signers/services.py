"""Signers' privacy: manage links, withdrawal, erasure, export, and the retention job.

Anonymising a signature empties its name and email in place and keeps the row, with its
state, electorate, country, source and times: tallies are keyed by those, so counts and
breakdowns stay exact (``manage.py recount`` gives the same figures before and after).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation

from tautoko.lib.email_address import email_canonical
from tautoko.lib.group_commit import durably
from tautoko.lib.tokens import token_digest, token_new
from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.emails import signature_email_key_prefix
from tautoko.petitions.models import Petition, Signature
from tautoko.petitions.services import _tally_delta
from tautoko.signers import emails
from tautoko.signers.models import ManageLink

# Outbox rows are matched by key prefix; an OR of this many prefixes per query.
_KEYS_PER_QUERY = 200
# The retention job anonymises at most this many signatures per transaction, and this many
# transactions per call, so the worker's other work never waits long.
RETENTION_BATCH = 1_000
RETENTION_BATCHES_PER_CALL = 10


class LinkNotFound(Exception):
    """No manage link has this token: forged or mistyped."""


class LinkExpired(Exception):
    """The manage link is past its expiry."""


class LinkUsed(Exception):
    """The manage link was spent: its holder erased their data."""


def _setting_int(name: str) -> int:
    value = settings.TAUTOKO[name]
    assert isinstance(value, int), f"TAUTOKO[{name!r}] must be an integer"
    return value


# --- Manage links -----------------------------------------------------------------------------


def _rate_key(canonical: str) -> str:
    # A digest, so that no address appears in the cache's keys.
    return "signers:manage-links:" + hashlib.sha256(canonical.encode()).hexdigest()


def _manage_link_rate_allows(canonical: str) -> bool:
    """At most MANAGE_LINKS_PER_HOUR links to one address an hour, across all processes."""
    key = _rate_key(canonical)
    cache.add(key, 0, timeout=3600)
    try:
        sent = cache.incr(key)
    except ValueError:
        # The window ended between add() and incr(): this is the first of a new one.
        cache.set(key, 1, timeout=3600)
        sent = 1
    return bool(sent <= _setting_int("MANAGE_LINKS_PER_HOUR"))


def manage_link_request(*, email: str, now: dt.datetime | None = None) -> bool:
    """Email a manage link to an address that signed something; return whether one was queued.

    The caller answers the same whatever this returns, so nobody can learn from the page
    whether an address signed anything. The rate limit is counted before the address is
    looked up, so it behaves the same for every address too.
    """
    now = now or timezone.now()
    canonical = email_canonical(email)
    if not _manage_link_rate_allows(canonical):
        return False
    language = translation.get_language() or settings.LANGUAGE_CODE
    with transaction.atomic():
        latest = Signature.objects.filter(email_canonical=canonical).order_by("-created_at").first()
        if latest is None:
            return False
        token, digest = token_new()
        link = ManageLink.objects.create(
            token_hash=digest,
            email_canonical=canonical,
            created_at=now,
            expires_at=now + dt.timedelta(minutes=_setting_int("MANAGE_LINK_TTL_MINUTES")),
        )
        # To the address as the signer typed it when signing, which is where their
        # confirmation link went.
        emails.manage_link_queue(link=link, to=latest.email, token=token, language=language)
    return True


def manage_link_for_token(*, token: str, now: dt.datetime | None = None) -> ManageLink:
    now = now or timezone.now()
    link = ManageLink.objects.filter(token_hash=token_digest(token)).first()
    if link is None:
        raise LinkNotFound
    if link.used_at is not None:
        raise LinkUsed
    if link.is_expired(now=now):
        raise LinkExpired
    return link


def signatures_of(*, link: ManageLink) -> QuerySet[Signature]:
    """Every signature made with the link's address, on any petition, newest first."""
    if not link.email_canonical:
        return Signature.objects.none()
    return (
        Signature.objects.filter(email_canonical=link.email_canonical)
        .select_related("petition")
        .order_by("-created_at", "-id")
    )


# --- Withdrawal and erasure -------------------------------------------------------------------


def signature_withdraw(*, signature: Signature, now: dt.datetime | None = None) -> bool:
    """Withdraw a signature; return whether it was counted or pending before.

    A confirmed signature leaves the count: a -1 change is written in the same transaction,
    dated at its confirmation so that the hourly breakdown loses it where it gained it (as
    a recount would). A pending one simply becomes withdrawn. Conditional UPDATEs decide,
    so two simultaneous withdrawals take one off the count, not two.
    """
    now = now or timezone.now()
    with transaction.atomic():
        moved = Signature.objects.filter(id=signature.id, state=Signature.State.CONFIRMED).update(
            state=Signature.State.WITHDRAWN, withdrawn_at=now
        )
        if moved:
            signature.refresh_from_db()
            assert signature.confirmed_at is not None
            # A shadow-flagged signature was never counted, so leaves no count behind.
            if not signature.flagged:
                _tally_delta(signature=signature, delta=-1, at=signature.confirmed_at)
            return True
        # Its confirmation link stops working: the signature is no longer pending.
        moved = Signature.objects.filter(id=signature.id, state=Signature.State.PENDING).update(
            state=Signature.State.WITHDRAWN, withdrawn_at=now, token_expires_at=None
        )
        signature.refresh_from_db()
        return bool(moved)


def _outbox_keys_q(prefixes: list[str]) -> Q:
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(key__startswith=prefix)
    return q


def _outbox_anonymise(prefixes: Iterable[str]) -> None:
    """Forget the addresses and contents of the emails under these outbox key prefixes.

    An email still waiting to go is dropped: it would go to someone who asked us to forget
    them. A sent one keeps its row (the key stops the same event ever emailing twice).
    """
    prefixes = list(prefixes)
    for start in range(0, len(prefixes), _KEYS_PER_QUERY):
        q = _outbox_keys_q(prefixes[start : start + _KEYS_PER_QUERY])
        OutboundEmail.objects.filter(q).filter(
            state__in=(OutboundEmail.State.QUEUED, OutboundEmail.State.SENDING)
        ).delete()
        OutboundEmail.objects.filter(q).update(
            to="", context={}, subject="", body_text="", body_html="", last_error=""
        )


def _signature_outbox_prefixes(signature_ids: Iterable[int]) -> list[str]:
    return [signature_email_key_prefix(signature_id) for signature_id in signature_ids]


def _signatures_anonymise(*, signature_ids: list[int], now: dt.datetime) -> int:
    """Empty name and email in place. The canonical address becomes unique per row, so the
    one-signature-per-person constraint holds and the row can never match an address."""
    anonymised = Signature.objects.filter(id__in=signature_ids).update(
        name="",
        email="",
        email_canonical=Concat(Value("anonymised:"), Cast("id", output_field=CharField())),
        notify=False,
        token_hash=None,
        token_expires_at=None,
        # The IP hash too: it is kept for fraud review only while a signature may count.
        ip_hash=None,
        language="",
        anonymised_at=now,
    )
    _outbox_anonymise(_signature_outbox_prefixes(signature_ids))
    return anonymised


def signer_erase(*, link: ManageLink, now: dt.datetime | None = None) -> int:
    """Erase everything Tautoko holds about the link's address; return how many signatures.

    Erasure withdraws too: an erased signer no longer supports any petition, and a count
    must not include a signature nobody stands behind. Then the rows are anonymised in
    place, the emails about them forgotten, every manage link of the address dropped, and
    this one spent.
    """
    now = now or timezone.now()
    with transaction.atomic():
        link = ManageLink.objects.select_for_update().get(id=link.id)
        if link.used_at is not None:
            raise LinkUsed
        signatures = list(signatures_of(link=link))
        for signature in signatures:
            signature_withdraw(signature=signature, now=now)
        # An invalidated one is withdrawn too (it counted for nothing): so that cancelling
        # the invalidation later cannot bring it back into a count.
        Signature.objects.filter(
            id__in=[s.id for s in signatures], state=Signature.State.INVALIDATED
        ).update(state=Signature.State.WITHDRAWN, withdrawn_at=now)
        _signatures_anonymise(signature_ids=[s.id for s in signatures], now=now)
        links = ManageLink.objects.filter(email_canonical=link.email_canonical)
        _outbox_anonymise(other.outbox_prefix for other in links)
        links.exclude(id=link.id).delete()
        ManageLink.objects.filter(id=link.id).update(email_canonical="", used_at=now)
    return len(signatures)


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def signer_export(*, link: ManageLink, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything held about the link's address, as JSON-ready data."""
    now = now or timezone.now()
    signatures = list(signatures_of(link=link))
    prefixes = _signature_outbox_prefixes(s.id for s in signatures)
    prefixes += [
        other.outbox_prefix
        for other in ManageLink.objects.filter(email_canonical=link.email_canonical)
    ]
    outbox: list[OutboundEmail] = []
    for start in range(0, len(prefixes), _KEYS_PER_QUERY):
        q = _outbox_keys_q(prefixes[start : start + _KEYS_PER_QUERY])
        outbox += OutboundEmail.objects.filter(q)
    return {
        "exported_at": now.isoformat(),
        "email_canonical": link.email_canonical,
        "privacy_notice_version": settings.TAUTOKO["PRIVACY_NOTICE_VERSION"],
        "signatures": [
            {
                "petition": {"slug": s.petition.slug, "title": s.petition.title},
                # The number of the petition's text that was current when this was signed.
                "petition_version": s.petition_version,
                "name": s.name,
                "email": s.email,
                "electorate": s.electorate,
                "country": str(s.country),
                "source": s.source,
                "notify": s.notify,
                "language": s.language,
                "state": s.state,
                "created_at": _when(s.created_at),
                "confirmed_at": _when(s.confirmed_at),
                "withdrawn_at": _when(s.withdrawn_at),
                "consent_version": s.consent_version,
                "consented_at": _when(s.consented_at),
                "privacy_notice_version": s.privacy_notice_version,
                "receipt": s.receipt,
            }
            for s in signatures
        ],
        "emails": [
            {
                "template": e.template,
                "to": e.to,
                "state": e.state,
                "created_at": _when(e.created_at),
                "sent_at": _when(e.sent_at),
            }
            for e in sorted(outbox, key=lambda e: (e.created_at, e.id))
        ],
    }


# --- Retention --------------------------------------------------------------------------------


def signatures_anonymise_due(*, now: dt.datetime | None = None) -> int:
    """Anonymise the signatures of petitions closed more than ANONYMISE_AFTER_DAYS ago.

    Run by the worker's housekeeping. Closing time, not state, decides: a petition that
    closed and was later hidden is anonymised too. Signatures keep their state, so a
    closed petition's final count and breakdowns do not move. Returns how many rows.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=_setting_int("ANONYMISE_AFTER_DAYS"))
    due = Signature.objects.filter(
        petition__in=Petition.objects.filter(closed_at__lte=cutoff), anonymised_at__isnull=True
    )
    total = 0
    for _ in range(RETENTION_BATCHES_PER_CALL):
        # Look before taking the write lock (the worker asks every half minute, and nearly
        # always nothing is due); the write takes only the rows still due.
        ids = list(due.order_by("id").values_list("id", flat=True)[:RETENTION_BATCH])
        if not ids:
            break
        total += durably(partial(_signatures_anonymise_still_due, due=due, ids=ids, now=now))
    return total


def _signatures_anonymise_still_due(
    *, due: QuerySet[Signature], ids: list[int], now: dt.datetime
) -> int:
    still_due = list(due.filter(id__in=ids).values_list("id", flat=True))
    return _signatures_anonymise(signature_ids=still_due, now=now) if still_due else 0


def manage_links_purge(*, now: dt.datetime | None = None) -> int:
    """Drop expired manage links and forget the emails that carried them."""
    now = now or timezone.now()
    expired = ManageLink.objects.filter(expires_at__lte=now)
    # Look before taking the write lock: the worker asks every half minute.
    if not expired.exists():
        return 0
    return durably(partial(_manage_links_delete, expired))


def _manage_links_delete(expired: QuerySet[ManageLink]) -> int:
    _outbox_anonymise(link.outbox_prefix for link in expired)
    deleted, _ = expired.delete()
    return deleted


def signers_housekeeping(*, now: dt.datetime | None = None) -> int:
    """The worker's periodic privacy work; returns how many rows it changed."""
    now = now or timezone.now()
    return signatures_anonymise_due(now=now) + manage_links_purge(now=now)


def updates_unsubscribe(*, signature: Signature) -> None:
    """Stop a petition's updates to this signer (the one-click link in every update)."""
    Signature.objects.filter(id=signature.id).update(notify=False)
    signature.notify = False
