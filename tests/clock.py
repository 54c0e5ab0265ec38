"""A clock the test moves by hand, for limits that lapse with time.

Django's ``timezone.now()`` and ``time.time()`` both read it: allauth's rate limits stamp
their attempts with ``time.time()``, django-otp's throttle with ``timezone.now()`` and its
TOTP codes with ``time.time()`` again, and the local-memory cache expires keys by
``time.time()``. Stopping only one of them would test a world that cannot happen.
(A Redis cache still expires keys in real time; the limits hold anyway, as allauth drops
attempts older than its window by their stamps.)
"""

from __future__ import annotations

import datetime as dt
from contextlib import ExitStack
from types import TracebackType
from unittest import mock

from django.utils import timezone


class Clock:
    """``with Clock() as clock: …; clock.advance(minutes=5)`` — stopped at the moment it
    starts (now, unless told), and moved only by ``advance``."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.now = start or timezone.now()
        self._patches = ExitStack()

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now

    def time(self) -> float:
        return self.now.timestamp()

    def __enter__(self) -> Clock:
        self._patches.enter_context(mock.patch("django.utils.timezone.now", new=lambda: self.now))
        self._patches.enter_context(mock.patch("time.time", new=self.time))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._patches.close()
