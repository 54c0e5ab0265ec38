"""The background worker: sends queued email, folds counts, closes petitions on time."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from tautoko.fraud.services import fraud_housekeeping
from tautoko.lib.env import env_int
from tautoko.organise.services import sponsoring_complete_due
from tautoko.outbox.services import DELIVER_BATCH, broadcasts_fan_out, outbox_deliver
from tautoko.petitions.services import TALLY_BATCH, petitions_close_due, tallies_apply
from tautoko.signers.services import signers_housekeeping

logger = logging.getLogger("tautoko.worker")

HOUSEKEEPING_SECONDS = 30
# After a round that found work but emptied the queue, the next begins this much later. In
# a surge, signers' emails and count changes arrive steadily: taken the moment each one is
# due, every round would be a few of them, and each round holds the database's write lock
# (on SQLite, the one that signers wait for) twice. A short pause gathers them into fewer,
# fuller rounds; an email or a count is at most this much later for it.
GATHER_SECONDS = 0.2


def pause_after(*, delivered: int, folded: int, fanned_out: int, interval: float) -> float:
    """How long the worker waits before its next round, after one that did this much.

    A full batch means a backlog: go again at once. Some work means more is arriving: wait
    a little, to take it together. None: wait the idle interval.
    """
    if delivered >= DELIVER_BATCH or folded >= TALLY_BATCH or fanned_out > 0:
        return 0.0
    if delivered or folded:
        return min(GATHER_SECONDS, interval)
    return interval


# An idle worker still folds counts and sends emails once a round: an hour is the most.
MAX_INTERVAL_SECONDS = 3600


class Command(BaseCommand):
    help = "Run the background worker (emails, counts, closing dates). Stops on SIGINT or SIGTERM."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Do one round of work, then exit.")
        parser.add_argument(
            "--interval", type=float, default=0.5, help="Seconds to sleep when idle."
        )
        parser.add_argument(
            "--nice",
            type=int,
            default=env_int("WORKER_NICE", default=10, minimum=0),
            help="CPU niceness (0-19): background work yields to web requests on a shared machine.",
        )

    def handle(self, *args: Any, once: bool, interval: float, nice: int, **options: Any) -> None:
        # Not a number (nan compares false with everything) or beyond what a sleep takes.
        if not 0 < interval <= MAX_INTERVAL_SECONDS:
            raise CommandError(
                f"--interval must be a number of seconds above 0 and at most {MAX_INTERVAL_SECONDS}"
            )
        if not 0 <= nice <= 19:
            raise CommandError(f"--nice (or WORKER_NICE) must be between 0 and 19, not {nice}")
        if nice:
            os.nice(nice)
        stopping = threading.Event()
        if not once:
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: stopping.set())
            logger.info("worker started")
        next_housekeeping = 0.0
        while not stopping.is_set():
            folded = fanned_out = delivered = 0
            try:
                close_old_connections()
                folded = tallies_apply()
                fanned_out = broadcasts_fan_out()
                delivered = outbox_deliver()
                if time.monotonic() >= next_housekeeping:
                    petitions_close_due()
                    # Petitions whose last sponsor confirmed but whose move was missed.
                    sponsoring_complete_due()
                    # Retention: anonymise signers of long-closed petitions, drop old links.
                    signers_housekeeping()
                    # IP hashes dropped after 30 days; the trending report and its alerts.
                    fraud_housekeeping()
                    next_housekeeping = time.monotonic() + HOUSEKEEPING_SECONDS
            except Exception:
                # A locked database or a lost connection must not kill the worker: log it and
                # try again; all of its work is transactional and safe to repeat.
                logger.exception("worker round failed")
            if once:
                break
            pause = pause_after(
                delivered=delivered, folded=folded, fanned_out=fanned_out, interval=interval
            )
            if pause:
                stopping.wait(pause)
        logger.info("worker stopped")
