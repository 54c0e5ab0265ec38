"""Values from the shared cache, kept inside one process for a fraction of a second.

The hot path reads the same few entries (the petition row, its rendered page) thousands
of times a second. From the shared cache each read costs an unpickling, and with Redis a
round trip carrying the whole page. A ``LocalMemo`` in front keeps what was read for
``TAUTOKO["LOCAL_MEMO_SECONDS"]`` (half a second by default), so each process asks the
shared cache at most twice a second per entry, and a change made anywhere (a moderator
closing a petition) still shows everywhere within the shared cache's time plus that.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from cachetools import TTLCache
from django.conf import settings

_memos: weakref.WeakSet[LocalMemo] = weakref.WeakSet()


class LocalMemo:
    """A small thread-safe map whose entries expire after a fixed time."""

    def __init__(self, *, maxsize: int = 1024, timer: Callable[[], float] = time.monotonic) -> None:
        self._seconds = float(settings.TAUTOKO["LOCAL_MEMO_SECONDS"])
        self._entries: TTLCache[str, Any] = TTLCache(
            maxsize=maxsize, ttl=self._seconds, timer=timer
        )
        self._lock = threading.Lock()
        _memos.add(self)

    def get(self, key: str) -> Any:
        """The value kept for ``key``, or ``None``."""
        with self._lock:
            return self._entries.get(key)

    def set(self, key: str, value: Any) -> None:
        if self._seconds <= 0:
            return
        with self._lock:
            self._entries[key] = value

    def delete(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def local_memos_clear() -> None:
    """Forget everything every memo of this process holds (as ``cache.clear()`` does for
    the shared cache): for tests and for operations that must show at once."""
    for memo in list(_memos):
        memo.clear()
