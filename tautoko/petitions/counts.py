"""Counts as the public sees them: settled tallies, read through the cache.

Pages and JSON never aggregate signature rows. Each read costs at most one indexed lookup
per ``COUNT_CACHE_SECONDS`` per process (or per cluster with Redis), so a count is at most
that much older than the worker's last fold (every second).
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from tautoko.petitions.models import Tally


def _key(petition_id: int) -> str:
    return f"petition:{petition_id}:count"


def count_current(*, petition_id: int) -> int:
    cached = cache.get(_key(petition_id))
    if cached is not None:
        return int(cached)
    row = Tally.objects.filter(
        petition_id=petition_id, dimension=Tally.Dimension.TOTAL, key=""
    ).first()
    count = row.count if row else 0
    cache.set(_key(petition_id), count, settings.TAUTOKO["COUNT_CACHE_SECONDS"])
    return count


def counts_current(*, petition_ids: list[int]) -> dict[int, int]:
    found = cache.get_many([_key(i) for i in petition_ids])
    result = {i: int(found[_key(i)]) for i in petition_ids if _key(i) in found}
    missing = [i for i in petition_ids if i not in result]
    if missing:
        rows = Tally.objects.filter(
            petition_id__in=missing, dimension=Tally.Dimension.TOTAL, key=""
        )
        fresh = {i: 0 for i in missing} | {row.petition_id: row.count for row in rows}
        cache.set_many(
            {_key(i): n for i, n in fresh.items()}, settings.TAUTOKO["COUNT_CACHE_SECONDS"]
        )
        result.update(fresh)
    return result


def breakdown(*, petition_id: int, dimension: str, limit: int = 100) -> list[tuple[str, int]]:
    rows = (
        Tally.objects.filter(petition_id=petition_id, dimension=dimension, count__gt=0)
        .order_by("-count", "key")
        .values_list("key", "count")[:limit]
    )
    return list(rows)
