"""The CSRF token for the petition page, made without Django's slow random strings.

Every new visitor of a petition page needs a CSRF secret (their cookie) and a masked token
(in the form). Django's ``get_token`` draws each of their 64 random characters with its
own ``secrets.choice`` call, which costs a fifth of the page's CPU under a surge. This does
the same from one ``os.urandom`` read, with rejection sampling so that every character is
equally likely, and hands the secret to ``CsrfViewMiddleware`` the way ``get_token`` does
(``request.META``), so that the middleware sets the cookie and checks the POST as usual.
"""

from __future__ import annotations

import os

from django.http import HttpRequest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH

_ALPHABET = CSRF_ALLOWED_CHARS
_SIZE = len(_ALPHABET)
# Bytes at or above the largest multiple of the alphabet's size that fits in a byte are
# dropped, so that ``byte % _SIZE`` is uniform; the rest map straight to characters.
_UNBIASED_BELOW = 256 - 256 % _SIZE
_DROPPED = bytes(range(_UNBIASED_BELOW, 256))
_TO_CHARACTER = bytes(ord(_ALPHABET[byte % _SIZE]) for byte in range(256))
_INDEX = {character: index for index, character in enumerate(_ALPHABET)}


def random_string(length: int = CSRF_SECRET_LENGTH) -> str:
    """``length`` characters drawn uniformly from Django's CSRF alphabet."""
    drawn = b""
    while len(drawn) < length:
        # 4 bytes in 256 are dropped (62 characters): a few extra nearly always cover them.
        drawn += os.urandom(length + 8).translate(_TO_CHARACTER, _DROPPED)
    return drawn[:length].decode("ascii")


def token_masked(secret: str) -> str:
    """``secret`` masked as Django masks it: a random mask, then the secret shifted by it."""
    mask = random_string(CSRF_SECRET_LENGTH)
    cipher = "".join(
        _ALPHABET[(_INDEX[character] + _INDEX[shift]) % _SIZE]
        for character, shift in zip(secret, mask, strict=True)
    )
    return mask + cipher


def csrf_token(request: HttpRequest) -> str:
    """What ``django.middleware.csrf.get_token`` returns, with the same effects."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = random_string()
        request.META["CSRF_COOKIE"] = secret
    # As get_token does: the cookie goes out with the response, renewing its expiry.
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    return token_masked(secret)
