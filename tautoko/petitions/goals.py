"""The goal ladder: when a petition reaches its goal, the next goal is the next step up."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.conf import settings


def goal_steps(steps: Sequence[int] | None = None) -> Iterator[int]:
    """Yield the ladder's steps in order, without end.

    After the last explicit step the goal grows by the configured factors in turn
    (times 2, 2.5, 2 by default: 10,000 → 20,000 → 50,000 → 100,000 → 200,000 …).
    """
    explicit = list(steps) if steps else list(settings.TAUTOKO["GOAL_STEPS"])
    factors = settings.TAUTOKO["GOAL_GROWTH_FACTORS"]
    yield from explicit
    current = explicit[-1]
    index = 0
    while True:
        current = round(current * factors[index % len(factors)])
        index += 1
        yield current


def goal_next(*, count: int, steps: Sequence[int] | None = None) -> int:
    """The smallest step of the ladder that is greater than ``count``."""
    for step in goal_steps(steps):
        if step > count:
            return step
    raise AssertionError("the goal ladder never ends")  # pragma: no cover
