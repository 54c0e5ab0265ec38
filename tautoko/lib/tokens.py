"""Secret tokens for links sent by email.

A token carries 256 bits from the operating system's CSPRNG. Only its SHA-256 digest is
stored, so a copy of the database cannot be used to confirm or manage anyone's signature.

A link that its owner must be able to see again (a petition's sponsor link) is derived
instead: an HMAC, keyed by ``SECRET_KEY``, of a random nonce stored beside the digest. The
site can show it again; a copy of the database alone cannot rebuild it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from django.utils.crypto import salted_hmac

TOKEN_BYTES = 32


def token_new() -> tuple[str, str]:
    """Return ``(token, digest)``: the token goes in the email, the digest in the database."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def code_new(length_bytes: int = 16) -> str:
    """A short public reference (128 bits by default: unguessable), safe to put in URLs."""
    return secrets.token_urlsafe(length_bytes)


def token_derived(*, purpose: str, nonce: str) -> str:
    """A 256-bit URL-safe token derived from ``nonce`` with a key only the site holds.

    ``purpose`` separates the tokens of different kinds of link made from the same nonce.
    Store its ``token_digest``; a new ``SECRET_KEY`` derives a different token.
    """
    digest = salted_hmac(f"tautoko.tokens.{purpose}", nonce, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
