"""Secret tokens for links sent by email.

A token carries 256 bits from the operating system's CSPRNG. Only its SHA-256 digest is
stored, so a copy of the database cannot be used to confirm or manage anyone's signature.
"""

from __future__ import annotations

import hashlib
import secrets

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
