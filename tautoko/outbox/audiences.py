"""Who a broadcast goes to. Apps register audiences by name in their AppConfig.ready().

An audience is a function ``(args, after, limit) -> list[Recipient]`` returning up to
``limit`` recipients whose id is greater than ``after``, in id order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any


@dataclasses.dataclass(frozen=True)
class Recipient:
    id: int
    email: str
    # What this person's email of a broadcast is keyed under in the outbox: the key is this
    # followed by the broadcast's own key. An app that finds (or forgets) a person's emails
    # by a key prefix gives that prefix here, so that broadcasts are found with the rest.
    key_prefix: str
    # Merged into the broadcast's context for this person's email (name, unsubscribe link…).
    context: dict[str, Any] = dataclasses.field(default_factory=dict)
    # The language of this person's email; empty: the broadcast's own.
    language: str = ""


Audience = Callable[[dict[str, Any], int, int], list[Recipient]]

_audiences: dict[str, Audience] = {}


def audience_register(name: str, audience: Audience) -> None:
    _audiences[name] = audience


def audience_get(name: str) -> Audience:
    try:
        return _audiences[name]
    except KeyError:
        raise LookupError(f"no audience registered as {name!r}") from None
