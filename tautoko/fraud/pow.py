"""Proof-of-work on signing: ALTCHA challenges (the ``altcha`` package, protocol v1).

The page carries a challenge: ``challenge = SHA-256(salt + number)`` for a secret random
``number`` no larger than ``maxNumber``, and an HMAC of it by a key only the server has.
The salt holds, signed with it, the petition, the issue time and the expiry. The browser
(static/tautoko/pow.js) searches for the number and sends it back; the server checks it
with one hash and one HMAC, and remembers the challenge as spent in the fraud cache until
it expires, so that a solution is good for one signature only.

The challenge sits in the form whether or not the browser runs JavaScript: its issue time
gives the form's fill time in both cases.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
import hashlib
import hmac
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, cast

import altcha
from django.conf import settings
from django.core.cache import caches

ALGORITHM: Literal["SHA-256"] = "SHA-256"


class PowStatus(enum.Enum):
    SOLVED = "solved"
    UNSOLVED = "unsolved"  # a real challenge, not solved (no JavaScript) or expired
    MISSING = "missing"  # no challenge at all: the form did not come from our page
    INVALID = "invalid"  # forged, for another petition, or a wrong number
    REPLAYED = "replayed"  # a solution already spent


@dataclass(frozen=True)
class PowResult:
    status: PowStatus
    issued_at: float | None = None


@lru_cache(maxsize=4)
def _key(secret: str) -> str:
    return hashlib.sha256(b"tautoko.fraud.pow:" + secret.encode()).hexdigest()


def pow_key() -> str:
    return _key(settings.SECRET_KEY)


def _encode(data: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()


def challenge_new(*, petition_id: int, max_number: int, now: float) -> str:
    """A fresh challenge for the sign form's ``pow`` field (base64 JSON, as ALTCHA's)."""
    challenge = altcha.create_challenge_v1(
        algorithm=ALGORITHM,
        hmac_key=pow_key(),
        max_number=max_number,
        salt_length=12,
        salt="",
        number=None,
        expires=dt.datetime.fromtimestamp(now + settings.TAUTOKO["POW_TTL_SECONDS"], dt.UTC),
        params={"p": str(petition_id), "t": str(int(now))},
    )
    # ALTCHA signs the challenge; the salt (issue time, petition) is bound to it only by a
    # solved number, so it gets a signature of its own for forms sent unsolved.
    return _encode({**challenge.to_dict(), "saltSignature": _salt_signature(challenge.salt)})


def _salt_signature(salt: str) -> str:
    return altcha.hmac_hex(ALGORITHM, b"salt:" + salt.encode(), pow_key())


def solution_encode(challenge_field: str, number: int) -> str:
    """What the browser sends back once it has found ``number`` (for tests and tools)."""
    data = json.loads(base64.b64decode(challenge_field))
    return _encode(
        {
            "algorithm": data["algorithm"],
            "challenge": data["challenge"],
            "number": number,
            "salt": data["salt"],
            "signature": data["signature"],
            "saltSignature": data["saltSignature"],
        }
    )


def solve(challenge_field: str) -> int:
    """Search for the number, as the browser does (for tests and tools)."""
    data = json.loads(base64.b64decode(challenge_field))
    for number in range(int(data["maxNumber"]) + 1):
        if hashlib.sha256(f"{data['salt']}{number}".encode()).hexdigest() == data["challenge"]:
            return number
    raise ValueError("no solution")


def pow_check(value: str, *, petition_id: int, now: float) -> PowResult:
    """Check the ``pow`` field of a sign form. Cheap: one HMAC, at most one SHA-256 and one
    cache add. Spends a solved challenge."""
    if not value:
        return PowResult(PowStatus.MISSING)
    try:
        data = json.loads(base64.b64decode(value, validate=True))
    except (ValueError, binascii.Error, RecursionError):  # RecursionError: "[[[[…" nested
        return PowResult(PowStatus.INVALID)
    if not isinstance(data, dict):
        return PowResult(PowStatus.INVALID)
    fields = [data.get(name) for name in ("challenge", "signature", "salt", "saltSignature")]
    # Everything we issue is ASCII; anything else (JSON may carry any character, even a lone
    # surrogate, which cannot be encoded) is not ours, and compare_digest refuses it.
    if not all(isinstance(field, str) and field.isascii() for field in fields):
        return PowResult(PowStatus.INVALID)
    challenge, signature, salt, salt_signature = cast("list[str]", fields)
    expected = altcha.hmac_hex(ALGORITHM, challenge.encode(), pow_key())
    if data.get("algorithm") != ALGORITHM or not hmac.compare_digest(expected, signature):
        return PowResult(PowStatus.INVALID)
    if not hmac.compare_digest(_salt_signature(salt), salt_signature):
        return PowResult(PowStatus.INVALID)
    params = altcha.extract_params_v1({"salt": salt})  # type: ignore[typeddict-item]
    try:
        issued_at = float(params["t"][0])
        expires = float(params["expires"][0])
        challenge_petition = int(params["p"][0])
    except (KeyError, IndexError, ValueError):
        return PowResult(PowStatus.INVALID)
    if challenge_petition != petition_id:
        return PowResult(PowStatus.INVALID)
    number = data.get("number")
    if number is None or expires < now:
        return PowResult(PowStatus.UNSOLVED, issued_at)
    if not isinstance(number, int) or number < 0:
        return PowResult(PowStatus.INVALID, issued_at)
    if not hmac.compare_digest(altcha.hash_hex(ALGORITHM, f"{salt}{number}".encode()), challenge):
        return PowResult(PowStatus.INVALID, issued_at)
    if not caches["fraud"].add(f"pow:{challenge}", 1, timeout=int(expires - now) + 1):
        return PowResult(PowStatus.REPLAYED, issued_at)
    return PowResult(PowStatus.SOLVED, issued_at)
