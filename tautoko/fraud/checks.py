"""The fraud checks on the sign path: each a set lookup, an HMAC or a cache increment.

Nothing here refuses a signature (but a disposable address, which the form refuses with a
message). A failed check *shadow-flags* it: the signature is stored with its reasons and
the signer sees the same pages and emails as anyone, but it is never counted.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import threading
import time
from typing import Any

from disposable_email_domains import blocklist as _disposable_domains
from django.conf import settings
from django.core.cache import caches
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest

from tautoko.fraud.models import FraudSettings, Rule
from tautoko.fraud.pow import PowResult, PowStatus, challenge_new, pow_check
from tautoko.lib.client_ip import client_ip, ip_hash

# Reasons stored in Signature.flag_reasons.
FLAG_HONEYPOT = "honeypot"
FLAG_TOO_FAST = "too_fast"
FLAG_NO_CHALLENGE = "no_challenge"
FLAG_POW_INVALID = "pow_invalid"
FLAG_POW_REPLAYED = "pow_replayed"
FLAG_RATE_LIMIT = "rate_limit"
FLAG_BLOCKED_NETWORK = "blocked_network"
FLAG_BLOCKED_DOMAIN = "blocked_domain"
FLAG_BLOCKED_ADDRESS = "blocked_address"

_POW_FLAGS = {
    PowStatus.MISSING: FLAG_NO_CHALLENGE,
    PowStatus.INVALID: FLAG_POW_INVALID,
    PowStatus.REPLAYED: FLAG_POW_REPLAYED,
}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """The staff-edited settings and rules, as this process last read them."""

    settings: FraudSettings
    allowed_networks: tuple[Network, ...]
    blocked_networks: tuple[Network, ...]
    allowed_domains: frozenset[str]
    blocked_domains: frozenset[str]
    allowed_addresses: frozenset[str]
    blocked_addresses: frozenset[str]
    loaded_at: float

    def ip_allowed(self, address: Address | None) -> bool:
        return address is not None and any(address in n for n in self.allowed_networks)

    def ip_blocked(self, address: Address | None) -> bool:
        return address is not None and any(address in n for n in self.blocked_networks)


_snapshot: Snapshot | None = None
_snapshot_lock = threading.Lock()


def snapshot_forget(**_: Any) -> None:
    global _snapshot
    _snapshot = None


def fraud_state_forget() -> None:
    """Forget what this process remembers (settings, rules, surge decisions): for tests."""
    snapshot_forget()
    _surge_seen.clear()


def snapshot() -> Snapshot:
    """Settings and rules, read from the database at most every FRAUD_CONFIG_SECONDS."""
    global _snapshot
    current = _snapshot
    now = time.monotonic()
    if current is not None and now - current.loaded_at < settings.TAUTOKO["FRAUD_CONFIG_SECONDS"]:
        return current
    with _snapshot_lock:
        _snapshot = _snapshot_load(now)
        return _snapshot


def _snapshot_load(now: float) -> Snapshot:
    values = FraudSettings.objects.order_by("id").first() or FraudSettings()
    sets: dict[tuple[str, str], set[str]] = {}
    for kind, value, action in Rule.objects.values_list("kind", "value", "action"):
        sets.setdefault((kind, action), set()).add(value.lower())

    def networks(action: str) -> tuple[Network, ...]:
        found = []
        for value in sets.get((Rule.Kind.NETWORK, action), ()):
            try:
                found.append(ipaddress.ip_network(value, strict=False))
            except ValueError:
                continue
        return tuple(found)

    def values_of(kind: str, action: str) -> frozenset[str]:
        return frozenset(sets.get((kind, action), ()))

    return Snapshot(
        settings=values,
        allowed_networks=networks(Rule.Action.ALLOW),
        blocked_networks=networks(Rule.Action.BLOCK),
        allowed_domains=values_of(Rule.Kind.DOMAIN, Rule.Action.ALLOW),
        blocked_domains=values_of(Rule.Kind.DOMAIN, Rule.Action.BLOCK),
        allowed_addresses=values_of(Rule.Kind.ADDRESS, Rule.Action.ALLOW),
        blocked_addresses=values_of(Rule.Kind.ADDRESS, Rule.Action.BLOCK),
        loaded_at=now,
    )


# An edit in this process shows at once; other processes see it within the period.
for _model in (FraudSettings, Rule):
    post_save.connect(snapshot_forget, sender=_model, dispatch_uid=f"fraud-forget-{_model}")
    post_delete.connect(snapshot_forget, sender=_model, dispatch_uid=f"fraud-forget-d-{_model}")


def email_is_disposable(email_canonical: str) -> bool:
    """A throwaway-inbox domain (the disposable-email-domains list), unless staff allow it."""
    domain = email_canonical.rpartition("@")[2]
    if domain not in _disposable_domains:
        return False
    rules = snapshot()
    return domain not in rules.allowed_domains and email_canonical not in rules.allowed_addresses


# --- Rate limits ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RateLimits:
    burst_limit: int
    burst_seconds: int
    sustained_limit: int
    sustained_seconds: int


def _incr(key: str, timeout: int) -> int:
    cache = caches["fraud"]
    try:
        return int(cache.incr(key))
    except ValueError:
        if cache.add(key, 1, timeout=timeout):
            return 1
        return int(cache.incr(key))


def _over_limits_in_cache(
    *, petition_id: int, subject: str, limits: RateLimits, now: float
) -> bool:
    """Fixed windows counted in the fraud cache (Redis: shared by every process)."""
    over = False
    for limit, seconds, name in (
        (limits.burst_limit, limits.burst_seconds, "b"),
        (limits.sustained_limit, limits.sustained_seconds, "s"),
    ):
        window = int(now // max(seconds, 1))
        key = f"rate:{petition_id}:{subject}:{name}{seconds}:{window}"
        over |= _incr(key, seconds + 1) > limit
    return over


# --- Surge mode ----------------------------------------------------------------------------

_surge_seen: dict[int, tuple[float, bool]] = {}


def _attempt_record(*, petition_id: int, failed: bool, now: float) -> None:
    minute = int(now // 60)
    _incr(f"surge:{petition_id}:{minute}:signs", 120)
    if failed:
        _incr(f"surge:{petition_id}:{minute}:fails", 120)


def surge_active(*, petition_id: int, now: float) -> bool:
    """Whether a petition is being signed abnormally fast, or failing the checks abnormally
    often, this minute or the last. Decided at most once a second per process."""
    seen = _surge_seen.get(petition_id)
    if seen is not None and now - seen[0] < 1:
        return seen[1]
    minute = int(now // 60)
    keys = [
        f"surge:{petition_id}:{m}:{kind}"
        for m in (minute - 1, minute)
        for kind in ("signs", "fails")
    ]
    found = caches["fraud"].get_many(keys)
    values = snapshot().settings
    active = False
    for m in (minute - 1, minute):
        signs = int(found.get(f"surge:{petition_id}:{m}:signs", 0))
        fails = int(found.get(f"surge:{petition_id}:{m}:fails", 0))
        if signs > values.surge_signs_per_minute:
            active = True
        if signs >= 20 and fails * 100 >= values.surge_failure_percent * signs:
            active = True
    _surge_seen[petition_id] = (now, active)
    return active


def challenge_for(*, petition_id: int, now: float | None = None) -> str:
    """The sign form's challenge: harder while the petition is in surge mode."""
    now = time.time() if now is None else now
    values = snapshot().settings
    surge = surge_active(petition_id=petition_id, now=now)
    max_number = values.pow_surge_max_number if surge else values.pow_max_number
    return challenge_new(petition_id=petition_id, max_number=max(max_number, 1), now=now)


# --- The check -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SignCheck:
    """What the sign path learned about one request, handed to signature_create."""

    ip_hash: str
    flags: tuple[str, ...]
    # Limits still to check against the signature rows, inside the write (the database
    # store); None when exempt or already counted in the cache.
    rate_limits: RateLimits | None
    pow: PowResult


def sign_check(
    request: HttpRequest,
    *,
    petition_id: int,
    email_canonical: str,
    pow_value: str,
    honeypot: str,
    now: float | None = None,
) -> SignCheck:
    now = time.time() if now is None else now
    rules = snapshot()
    values = rules.settings
    ip = client_ip(request)
    subject = ip_hash(ip)
    address: Address | None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        address = None
    flags: list[str] = []
    if honeypot:
        flags.append(FLAG_HONEYPOT)
    pow_result = pow_check(pow_value, petition_id=petition_id, now=now)
    if pow_result.status in _POW_FLAGS:
        flags.append(_POW_FLAGS[pow_result.status])
    if pow_result.issued_at is not None and now - pow_result.issued_at < values.min_fill_seconds:
        flags.append(FLAG_TOO_FAST)
    domain = email_canonical.rpartition("@")[2]
    if rules.ip_blocked(address):
        flags.append(FLAG_BLOCKED_NETWORK)
    if domain in rules.blocked_domains:
        flags.append(FLAG_BLOCKED_DOMAIN)
    if email_canonical in rules.blocked_addresses:
        flags.append(FLAG_BLOCKED_ADDRESS)
    limits: RateLimits | None = None
    if not (rules.ip_allowed(address) or email_canonical in rules.allowed_addresses):
        # Without a solved proof-of-work (no JavaScript), a stricter sustained limit.
        solved = pow_result.status == PowStatus.SOLVED
        limits = RateLimits(
            burst_limit=values.burst_limit,
            burst_seconds=values.burst_seconds,
            sustained_limit=values.sustained_limit if solved else values.no_pow_sustained_limit,
            sustained_seconds=values.sustained_seconds,
        )
        if settings.TAUTOKO["RATE_LIMIT_STORE"] == "cache":
            if _over_limits_in_cache(
                petition_id=petition_id, subject=subject, limits=limits, now=now
            ):
                flags.append(FLAG_RATE_LIMIT)
            limits = None
    _attempt_record(
        petition_id=petition_id,
        failed=bool(flags) or pow_result.status != PowStatus.SOLVED,
        now=now,
    )
    return SignCheck(ip_hash=subject, flags=tuple(flags), rate_limits=limits, pow=pow_result)
