from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Sequence
from unittest import mock

from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from tautoko.outbox.models import OutboundEmail
from tautoko.outbox.services import (
    LEASE,
    MAX_ATTEMPTS,
    email_build,
    email_queue,
    outbox_claim,
    outbox_deliver,
)
from tautoko.petitions.models import Signature
from tautoko.petitions.services import signature_create
from tests.base import TautokoTestCase, tautoko_settings

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class SmtpDownBackend(BaseEmailBackend):
    """An SMTP server that refuses every message."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise ConnectionRefusedError("SMTP server is down")


class SmtpUnreachableBackend(BaseEmailBackend):
    """An SMTP server that cannot be reached: the connection itself fails (refused, TLS,
    credentials), before any message."""

    def open(self) -> bool:
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise AssertionError("never connected")


class SlowSmtpBackend(BaseEmailBackend):
    """A slow server: each message takes a minute of the round's clock (a replaced
    ``_clock``), and before each, what another worker looking a lease after the claim, and
    then some, would find. Messages to "refused@" are refused."""

    seen: list[tuple[int, int]] = []  # (emails recorded sent, claimable by another worker)
    elapsed = 0.0
    probe_at: dt.datetime

    @classmethod
    def clock(cls) -> float:
        return cls.elapsed

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = OutboundEmail.objects.filter(state=OutboundEmail.State.SENT).count()
        due = (
            OutboundEmail.objects.due(now=SlowSmtpBackend.probe_at)
            .filter(state=OutboundEmail.State.SENDING)  # this round's, not a refused one's retry
            .count()
        )
        SlowSmtpBackend.seen.append((sent, due))
        SlowSmtpBackend.elapsed += 60
        if any(message.to == ["refused@example.org"] for message in email_messages):
            raise smtplib.SMTPRecipientsRefused({"refused@example.org": (550, b"no")})
        mail.outbox.extend(email_messages)
        return len(email_messages)


class RolledBack(Exception):
    pass


@override_settings(EMAIL_BACKEND=LOCMEM)
class OutboxTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        # The worker's clock: a moment after each test queues its emails.
        self.now = timezone.now() + dt.timedelta(seconds=5)

    def queue(self, key: str = "test:1", to: str = "tama@example.org") -> OutboundEmail:
        return email_queue(
            key=key,
            to=to,
            template="already-signed",
            context={
                "name": "Tama",
                "petition_title": "Fix the bridge",
                "petition_url": "http://127.0.0.1:8000/bridge",
            },
        )

    def test_an_email_queued_in_a_rolled_back_transaction_is_never_sent(self) -> None:
        with self.assertRaises(RolledBack), transaction.atomic():
            self.queue()
            raise RolledBack

        assert outbox_deliver(now=self.now) == 0
        assert mail.outbox == []
        assert not OutboundEmail.objects.exists()

    def test_a_signature_rolled_back_with_its_transaction_sends_no_confirmation(self) -> None:
        petition = self.make_petition()
        with self.assertRaises(RolledBack), transaction.atomic():
            signature_create(
                petition=petition,
                name="Tama",
                email="tama@example.org",
                electorate="",
                country="AU",
            )
            raise RolledBack

        outbox_deliver(now=self.now)
        assert mail.outbox == []
        assert not Signature.objects.exists()

    def test_a_committed_email_is_sent_by_the_worker(self) -> None:
        queued = self.queue()

        assert outbox_deliver(now=self.now) == 1

        [message] = mail.outbox
        assert message.to == ["tama@example.org"]
        assert message.subject == "You have already signed: Fix the bridge"
        assert "Kia ora Tama" in message.body
        assert message.extra_headers["Message-ID"] == "<test.1@tautoko>"
        # One "@" and a dot-atom before it, whatever the key holds (an address, spaces).
        odd = OutboundEmail(key="threshold:3:staff:admin@tautoko.example: x")
        assert odd.message_id == "<threshold.3.staff.admin.tautoko.example.x@tautoko>"
        assert [kind for _, kind in message.alternatives] == ["text/html"]
        queued.refresh_from_db()
        assert queued.state == OutboundEmail.State.SENT
        assert queued.attempts == 1
        assert queued.sent_at is not None
        assert queued.lease_expires_at is None

    def test_a_signers_confirmation_email_goes_out_with_its_link(self) -> None:
        petition = self.make_petition(slug="bridge")
        signature_create(
            petition=petition, name="Tama", email="tama@example.org", electorate="", country="AU"
        )

        outbox_deliver(now=self.now)

        [message] = mail.outbox
        assert message.to == ["tama@example.org"]
        assert "/bridge/confirm/" in message.body

    def test_a_sent_email_forgets_its_single_use_link(self) -> None:
        queued = self.queue()
        with tautoko_settings(OUTBOX_KEEP_BODIES=False):
            outbox_deliver(now=self.now)

        queued.refresh_from_db()
        assert queued.context == {}
        assert (queued.body_text, queued.body_html) == ("", "")

    def test_it_sends_each_email_once(self) -> None:
        self.queue()
        outbox_deliver(now=self.now)

        assert outbox_deliver(now=self.now + dt.timedelta(hours=1)) == 0
        assert len(mail.outbox) == 1

    def test_an_email_queued_for_later_waits_for_its_time(self) -> None:
        queued = self.queue()
        OutboundEmail.objects.filter(id=queued.id).update(
            next_attempt_at=self.now + dt.timedelta(minutes=1)
        )

        assert outbox_deliver(now=self.now) == 0
        assert outbox_deliver(now=self.now + dt.timedelta(minutes=1)) == 1

    def test_an_email_left_sending_by_a_killed_worker_is_sent_once_its_lease_expires(
        self,
    ) -> None:
        queued = self.queue()
        [claimed] = outbox_claim(now=self.now)  # ...and then the worker was killed
        assert claimed.state == OutboundEmail.State.SENDING

        assert outbox_deliver(now=self.now + LEASE - dt.timedelta(seconds=1)) == 0
        assert mail.outbox == []

        assert outbox_deliver(now=self.now + LEASE) == 1
        assert len(mail.outbox) == 1
        queued.refresh_from_db()
        assert queued.state == OutboundEmail.State.SENT
        assert queued.attempts == 2

    def test_an_email_under_a_live_lease_is_not_taken_twice(self) -> None:
        self.queue("test:1")
        self.queue("test:2")

        first = outbox_claim(now=self.now)
        second = outbox_claim(now=self.now + dt.timedelta(seconds=30))

        assert len(first) == 2
        assert second == []
        assert outbox_deliver(now=self.now + dt.timedelta(seconds=30)) == 0
        assert mail.outbox == []

    def test_a_claim_takes_at_most_a_batch(self) -> None:
        for n in range(5):
            self.queue(f"test:{n}")

        assert len(outbox_claim(now=self.now, batch=3)) == 3
        assert len(outbox_claim(now=self.now, batch=3)) == 2

    def test_a_failed_send_is_retried_later_with_growing_waits(self) -> None:
        queued = self.queue()
        waits = []
        clock = self.now
        with override_settings(EMAIL_BACKEND="tests.test_outbox.SmtpDownBackend"):
            for _ in range(3):
                assert outbox_deliver(now=clock) == 0
                queued.refresh_from_db()
                assert queued.state == OutboundEmail.State.QUEUED
                assert outbox_deliver(now=queued.next_attempt_at - dt.timedelta(seconds=1)) == 0
                waits.append((queued.next_attempt_at - clock).total_seconds())
                clock = queued.next_attempt_at

        assert waits == [30, 60, 120]
        assert queued.attempts == 3
        assert "SMTP server is down" in queued.last_error

        assert outbox_deliver(now=clock) == 1
        queued.refresh_from_db()
        assert queued.state == OutboundEmail.State.SENT
        assert queued.last_error == ""
        assert len(mail.outbox) == 1

    def test_ones_own_emails_go_before_a_broadcasts_backlog(self) -> None:
        earlier = self.now - dt.timedelta(minutes=5)
        for n in range(5):
            email = email_build(
                key=f"signature:{n}:update:x",
                to=f"signer{n}@example.org",
                template="already-signed",
                context={},
                bulk=True,
            )
            email.next_attempt_at = earlier
            email.save()
        confirmation = self.queue("signature:99:1")

        first = outbox_claim(now=self.now, batch=2)

        # The confirmation, though due five minutes after them, and one of the five.
        assert confirmation.id in [email.id for email in first]
        assert sorted(email.bulk for email in first) == [False, True]

    def test_a_server_that_cannot_be_reached_sends_the_round_to_its_backoff(self) -> None:
        emails = [self.queue(f"test:{n}") for n in range(3)]
        with override_settings(EMAIL_BACKEND="tests.test_outbox.SmtpUnreachableBackend"):
            assert outbox_deliver(now=self.now) == 0
        for email in emails:
            email.refresh_from_db()
            assert email.state == OutboundEmail.State.QUEUED  # not left "sending"
            assert email.attempts == 1
            assert email.next_attempt_at == self.now + dt.timedelta(seconds=30)
            assert "Connection refused" in email.last_error
        assert outbox_deliver(now=self.now + dt.timedelta(seconds=30)) == 3

    def test_a_slow_round_keeps_its_lease_so_no_other_worker_sends_it_again(self) -> None:
        # The first two are refused, slowly: the lease must be renewed though nothing went.
        for n, to in enumerate(["refused@example.org"] * 2 + ["tama@example.org"] * 4):
            self.queue(f"test:{n}", to=to)
        SlowSmtpBackend.seen, SlowSmtpBackend.elapsed = [], 0.0
        # Half a minute after the claim's own lease has run out: due, unless renewed.
        SlowSmtpBackend.probe_at = self.now + LEASE + dt.timedelta(seconds=30)
        with (
            override_settings(EMAIL_BACKEND="tests.test_outbox.SlowSmtpBackend"),
            mock.patch("tautoko.outbox.services._clock", SlowSmtpBackend.clock),
        ):
            assert outbox_deliver(now=self.now) == 4
        # Before each message: what was sent so far is recorded (each renewal records it),
        # and once a minute has passed, nothing of the round is due for another worker.
        assert [due for _, due in SlowSmtpBackend.seen] == [6, 0, 0, 0, 0, 0]
        assert [sent for sent, _ in SlowSmtpBackend.seen][-1] == 3
        assert OutboundEmail.objects.filter(state=OutboundEmail.State.SENT).count() == 4
        assert OutboundEmail.objects.filter(state=OutboundEmail.State.QUEUED).count() == 2
        assert len(mail.outbox) == 4

    def test_an_email_that_keeps_failing_ends_as_failed(self) -> None:
        queued = self.queue()
        clock = self.now
        with override_settings(EMAIL_BACKEND="tests.test_outbox.SmtpDownBackend"):
            for _ in range(MAX_ATTEMPTS):
                outbox_deliver(now=clock)
                queued.refresh_from_db()
                clock = max(clock, queued.next_attempt_at)

        assert queued.state == OutboundEmail.State.FAILED
        assert queued.attempts == MAX_ATTEMPTS
        assert outbox_deliver(now=clock + dt.timedelta(days=30)) == 0
        assert mail.outbox == []

    def test_an_email_whose_worker_dies_every_time_ends_as_failed(self) -> None:
        queued = self.queue()
        clock = self.now
        for _ in range(MAX_ATTEMPTS):  # claimed, then the worker is killed, every time
            assert len(outbox_claim(now=clock)) == 1
            clock += LEASE

        assert outbox_deliver(now=clock) == 0
        queued.refresh_from_db()
        assert queued.state == OutboundEmail.State.FAILED
        assert queued.attempts == MAX_ATTEMPTS
        assert mail.outbox == []

    def test_one_failing_email_does_not_hold_up_the_others(self) -> None:
        self.queue("test:1")
        broken = email_queue(key="test:2", to="x@example.org", template="no-such", context={})
        self.queue("test:3")

        assert outbox_deliver(now=self.now) == 2

        assert len(mail.outbox) == 2
        broken.refresh_from_db()
        assert broken.state == OutboundEmail.State.QUEUED
        assert broken.last_error

    def test_one_event_can_never_queue_two_emails(self) -> None:
        self.queue("signature:7:1", to="first@example.org")

        with self.assertRaises(IntegrityError), transaction.atomic():
            self.queue("signature:7:1", to="second@example.org")

        outbox_deliver(now=self.now)
        assert [message.to for message in mail.outbox] == [["first@example.org"]]


@override_settings(EMAIL_BACKEND=LOCMEM)
class OutboxRecordTests(TautokoTestCase):
    """How a round's sent emails are recorded: together, each with its own subject."""

    def setUp(self) -> None:
        super().setUp()
        self.now = timezone.now() + dt.timedelta(seconds=5)

    def queue(self, number: int, title: str) -> OutboundEmail:
        return email_queue(
            key=f"test:{number}",
            to=f"signer{number}@example.org",
            template="already-signed",
            context={
                "name": f"Signer {number}",
                "petition_title": title,
                "petition_url": "http://127.0.0.1:8000/bridge",
            },
        )

    def deliver(self, emails: list[OutboundEmail], *, keep_bodies: bool) -> dict[str, EmailMessage]:
        """One round sends them all; each row is then recorded as sent. The sent messages,
        by recipient."""
        with tautoko_settings(OUTBOX_KEEP_BODIES=keep_bodies):
            assert outbox_deliver(now=self.now) == len(emails)
        for email in emails:
            email.refresh_from_db()
            assert email.state == OutboundEmail.State.SENT
            assert email.sent_at is not None
            assert email.lease_expires_at is None
        return {message.to[0]: message for message in mail.outbox}

    def test_a_round_records_every_sent_email_with_its_own_subject(self) -> None:
        emails = [
            self.queue(n, "Fix the bridge" if n % 3 else "Save the library") for n in range(9)
        ]

        sent = self.deliver(emails, keep_bodies=False)

        for email in emails:
            assert email.subject == sent[email.to].subject
            assert (email.body_text, email.body_html, email.context) == ("", "", {})
        assert len({email.subject for email in emails}) == 2

    def test_with_bodies_kept_each_email_keeps_its_own(self) -> None:
        emails = [self.queue(n, "Fix the bridge") for n in range(3)]

        sent = self.deliver(emails, keep_bodies=True)

        for email in emails:
            signer = f"Signer {email.key.split(':')[1]}"
            assert email.body_text == sent[email.to].body
            assert signer in email.body_text
            assert email.context["name"] == signer

    def test_a_round_takes_at_most_its_batch(self) -> None:
        for n in range(5):
            self.queue(n, "Fix the bridge")

        assert outbox_deliver(now=self.now, batch=2) == 2
        assert OutboundEmail.objects.filter(state=OutboundEmail.State.SENT).count() == 2
        assert outbox_deliver(now=self.now) == 3
        assert not OutboundEmail.objects.exclude(state=OutboundEmail.State.SENT).exists()
