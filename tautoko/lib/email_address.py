"""Canonical email addresses, so that one person signs a petition once.

Case and surrounding space never distinguish mailboxes in practice. Some providers also
ignore dots in the local part (Gmail) or everything after a ``+`` (most large providers);
for those the canonical form drops them, so ``J.Key+pm@Gmail.com`` and ``jkey@gmail.com``
are one signer. The lists live in settings.TAUTOKO.
"""

from __future__ import annotations

from django.conf import settings


def email_canonical(email: str) -> str:
    config = settings.TAUTOKO
    address = email.strip().lower()
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    domain = config["EMAIL_DOMAIN_ALIASES"].get(domain, domain)
    if domain in config["EMAIL_PLUS_TAG_DOMAINS"]:
        local = local.split("+", 1)[0]
    if domain in config["EMAIL_DOTLESS_DOMAINS"]:
        local = local.replace(".", "")
    return f"{local}@{domain}"
