"""The client's IP address behind a known number of proxies, and its keyed hash.

Behind N trusted proxies (``TAUTOKO["TRUSTED_PROXIES"]``, env ``TAUTOKO_TRUSTED_PROXIES``),
each proxy appends the address it saw to ``X-Forwarded-For``; the client is the N-th entry
from the right. Anything to the left of it was written by the client and is ignored, so a
spoofed header changes nothing. With N = 0 (the default) the header is not read at all.

The address itself is never stored: only ``ip_hash()``, an HMAC keyed by a key derived
from SECRET_KEY (so it cannot be reversed by hashing all 2^32 IPv4 addresses without the
key), truncated to 64 bits. IPv6 addresses are hashed by their /64 network, which is what
one household or phone is given.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

IP_HASH_LENGTH = 16  # hex characters: 64 bits

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _unmapped(address: IPAddress) -> IPAddress:
    """An IPv4 address as such, also where an IPv6 socket or proxy wrote it IPv4-mapped
    (``::ffff:203.0.113.9``): as IPv6, every such address is in one /64 (``::/64``), and
    all IPv4 signers would share one rate limit and miss the staff's IPv4 rules."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_ip(request: HttpRequest) -> str:
    """The client's address as the outermost trusted proxy (or the socket) saw it."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    with contextlib.suppress(ValueError):
        remote = str(_unmapped(ipaddress.ip_address(remote)))
    trusted = int(settings.TAUTOKO.get("TRUSTED_PROXIES", 0))
    if trusted <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if part.strip()
    ]
    if not forwarded:
        return remote
    # Fewer entries than proxies: every entry was written by a trusted proxy.
    candidate = forwarded[-trusted] if len(forwarded) >= trusted else forwarded[0]
    try:
        return str(_unmapped(ipaddress.ip_address(candidate)))
    except ValueError:
        return remote


@lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    return hashlib.sha256(b"tautoko.lib.client_ip:" + secret.encode()).digest()


def ip_subject(ip: str) -> str:
    """What is hashed: the address, or its /64 network for IPv6."""
    try:
        address = _unmapped(ipaddress.ip_address(ip))
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def ip_hash(ip: str) -> str:
    """A keyed, truncated hash of an address: the same for one address, useless without
    SECRET_KEY."""
    digest = hmac.new(_key(settings.SECRET_KEY), ip_subject(ip).encode(), hashlib.sha256)
    return digest.hexdigest()[:IP_HASH_LENGTH]
