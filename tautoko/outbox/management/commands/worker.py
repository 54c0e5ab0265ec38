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
from tautoko.outbox.services import broadcasts_fan_out, outbox_deliver
from tautoko.petitions.services import petitions_close_due, tallies_apply
from tautoko.signers.services import signers_housekeeping

logger = logging.getLogger("tautoko.worker")

HOUSEKEEPING_SECONDS = 30


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
        if interval <= 0:
            raise CommandError("--interval must be positive")
        if not 0 <= nice <= 19:
            raise CommandError("--nice must be between 0 and 19")
        if nice:
            os.nice(nice)
        stopping = threading.Event()
        if not once:
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: stopping.set())
            logger.info("worker started")
        next_housekeeping = 0.0
        while not stopping.is_set():
            busy = False
            try:
                close_old_connections()
                busy |= tallies_apply() > 0
                busy |= broadcasts_fan_out() > 0
                busy |= outbox_deliver() > 0
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
            if not busy:
                stopping.wait(interval)
        logger.info("worker stopped")
