"""How the worker paces its rounds: at once through a backlog, a short gathering pause while
work trickles in (a surge's emails and counts), the idle interval when there is none."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from tautoko.outbox.management.commands.worker import GATHER_SECONDS, pause_after
from tautoko.outbox.models import OutboundEmail
from tautoko.outbox.services import DELIVER_BATCH, email_build, outbox_deliver
from tautoko.petitions.services import TALLY_BATCH
from tests.base import TautokoTestCase

IDLE = 0.5


class PauseTests(TautokoTestCase):
    def test_a_full_batch_of_emails_means_a_backlog_and_the_next_round_starts_at_once(
        self,
    ) -> None:
        assert pause_after(delivered=DELIVER_BATCH, folded=0, fanned_out=0, interval=IDLE) == 0

    def test_a_full_batch_of_count_changes_does_too(self) -> None:
        assert pause_after(delivered=3, folded=TALLY_BATCH, fanned_out=0, interval=IDLE) == 0

    def test_a_broadcast_being_fanned_out_goes_on_at_once(self) -> None:
        assert pause_after(delivered=0, folded=0, fanned_out=1, interval=IDLE) == 0

    def test_some_emails_but_an_emptied_queue_waits_to_gather_more(self) -> None:
        assert pause_after(delivered=7, folded=0, fanned_out=0, interval=IDLE) == GATHER_SECONDS
        assert pause_after(delivered=0, folded=12, fanned_out=0, interval=IDLE) == GATHER_SECONDS
        assert 0 < GATHER_SECONDS < IDLE

    def test_the_gathering_pause_is_never_longer_than_the_idle_interval(self) -> None:
        assert pause_after(delivered=7, folded=0, fanned_out=0, interval=0.05) == 0.05

    def test_an_idle_round_waits_the_interval(self) -> None:
        assert pause_after(delivered=0, folded=0, fanned_out=0, interval=IDLE) == IDLE


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
class BacklogTests(TautokoTestCase):
    def test_a_backlog_is_sent_a_full_batch_a_round_and_the_rest_in_the_next(self) -> None:
        OutboundEmail.objects.bulk_create(
            email_build(
                key=f"backlog:{n}",
                to=f"signer-{n}@example.org",
                template="already-signed",
                context={"name": "Tama", "petition_title": "Fix the bridge", "petition_url": "/"},
            )
            for n in range(DELIVER_BATCH + 5)
        )
        now = timezone.now() + dt.timedelta(seconds=5)
        first = outbox_deliver(now=now)
        assert first == DELIVER_BATCH
        assert pause_after(delivered=first, folded=0, fanned_out=0, interval=IDLE) == 0
        second = outbox_deliver(now=now)
        assert second == 5
        assert pause_after(delivered=second, folded=0, fanned_out=0, interval=IDLE) > 0
        assert OutboundEmail.objects.filter(state=OutboundEmail.State.SENT).count() == (
            DELIVER_BATCH + 5
        )


class IntervalArgumentTests(TautokoTestCase):
    def test_an_interval_that_is_not_a_usable_number_of_seconds_is_refused(self) -> None:
        for interval in ("0", "-1", "nan", "inf", "1e10"):
            with (
                self.subTest(interval=interval),
                pytest.raises(CommandError, match="--interval must be a number of seconds"),
            ):
                call_command("worker", "--once", "--nice", "0", "--interval", interval)
