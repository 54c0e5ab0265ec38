"""Fraud work off the sign path: sustained limits, IP-hash retention, the trending report,
bulk invalidation and its undo, and what shadow-flagging means for counts."""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.db.models import Count
from django.utils import timezone

from tautoko.fraud.checks import RateLimits
from tautoko.fraud.models import FraudSettings, Invalidation, TrendingAlert
from tautoko.fraud.services import (
    IP_HASH_DROP_SECONDS,
    Criteria,
    NothingToDo,
    fraud_housekeeping,
    invalidation_apply,
    invalidation_cancel,
    invalidation_preview,
    ip_hashes_drop_due,
    trending_report,
)
from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.models import IllegalTransition, Signature, TallyDelta
from tautoko.petitions.services import (
    petition_recount,
    signature_confirm,
    signature_create,
    tally_total,
)
from tautoko.signers.services import signature_withdraw, signer_erase
from tests.base import TautokoTestCase
from tests.base_signers import SignersTestCase

LIMITS = RateLimits(burst_limit=1, burst_seconds=60, sustained_limit=5, sustained_seconds=300)
# A looser burst, so that the sustained limit is the one reached.
LOOSE_BURST = RateLimits(burst_limit=2, burst_seconds=60, sustained_limit=5, sustained_seconds=300)


class SustainedLimitTests(TautokoTestCase):
    def test_one_ip_signing_every_31_s_is_counted_5_times_in_300_s_then_flagged(self) -> None:
        petition = self.make_petition()
        start = timezone.now()
        for n in range(7):
            signature_create(
                petition=petition,
                name="Same Place",
                email=f"signer{n}@example.org",
                electorate="Epsom",
                country="NZ",
                now=start + dt.timedelta(seconds=31 * n),
                ip_hash="abcdef0123456789",
                rate_limits=LOOSE_BURST,
            )
        flags = list(Signature.objects.order_by("created_at").values_list("flagged", flat=True))
        # 0, 31, 62, 93, 124 s: five in 300 s, never two in 60 s; the sixth and seventh
        # (155 s, 186 s) are over five in 300 s.
        assert flags == [False, False, False, False, False, True, True]

    def test_the_burst_limit_flags_a_second_signature_within_60_s(self) -> None:
        petition = self.make_petition()
        start = timezone.now()
        for n, seconds in enumerate((0, 59, 121)):
            signature_create(
                petition=petition,
                name="Same Place",
                email=f"signer{n}@example.org",
                electorate="Epsom",
                country="NZ",
                now=start + dt.timedelta(seconds=seconds),
                ip_hash="abcdef0123456789",
                rate_limits=LIMITS,
            )
        flags = list(Signature.objects.order_by("created_at").values_list("flagged", flat=True))
        assert flags == [False, True, False]

    def test_repeat_signers_do_not_use_up_the_limit(self) -> None:
        petition = self.make_petition()
        now = timezone.now()
        for _ in range(3):
            signature_create(
                petition=petition,
                name="Same Person",
                email="same@example.org",
                electorate="Epsom",
                country="NZ",
                now=now,
                ip_hash="abcdef0123456789",
                rate_limits=LIMITS,
            )
        assert Signature.objects.get().flagged is False


class FlaggedCountingTests(TautokoTestCase):
    def test_confirming_a_flagged_signature_writes_no_count_change(self) -> None:
        petition = self.make_petition()
        self.make_signature(petition, state=Signature.State.CONFIRMED)
        flagged = self.make_signature(petition, flagged=True, flag_reasons="honeypot")
        signature_confirm(token=flagged.token)  # type: ignore[attr-defined]
        assert TallyDelta.objects.filter(delta=1).count() == 1  # the genuine one only
        self.work_run()
        assert tally_total(petition_id=petition.id) == 1
        assert Signature.objects.counted().count() == 1
        assert petition_recount(petition=petition) == 1

    def test_withdrawing_a_flagged_signature_takes_nothing_off_the_count(self) -> None:
        petition = self.make_petition()
        self.make_signature(petition, state=Signature.State.CONFIRMED)
        flagged = self.make_signature(
            petition, state=Signature.State.CONFIRMED, flagged=True, flag_reasons="rate_limit"
        )
        self.work_run()
        assert signature_withdraw(signature=flagged) is True
        self.work_run()
        assert tally_total(petition_id=petition.id) == 1 == petition_recount(petition=petition)


class IpRetentionTests(TautokoTestCase):
    def test_ip_hashes_are_dropped_after_30_days_and_kept_before(self) -> None:
        petition = self.make_petition()
        now = timezone.now()
        old = self.make_signature(
            petition, ip_hash="1111111111111111", created_at=now - dt.timedelta(days=31)
        )
        recent = self.make_signature(
            petition, ip_hash="2222222222222222", created_at=now - dt.timedelta(days=29)
        )
        assert ip_hashes_drop_due(now=now) == 1
        old.refresh_from_db()
        recent.refresh_from_db()
        assert old.ip_hash is None and recent.ip_hash == "2222222222222222"
        # The rest of the row is untouched.
        assert old.email and old.state == Signature.State.PENDING

    def test_the_worker_housekeeping_drops_them_once_an_hour(self) -> None:
        petition = self.make_petition()
        now = timezone.now()
        # Later than any schedule an earlier test may have set in this process.
        clock = time.monotonic() + 30 * 86400

        def kept_hashes(hours_later: float) -> int:
            # A 16-character hash of its own for each signature (the column's length).
            number = Signature.objects.count() + 1
            self.make_signature(
                petition,
                ip_hash=f"{number:016d}",
                created_at=now - dt.timedelta(days=40),
            )
            fraud_housekeeping(now=now, clock=clock + hours_later * IP_HASH_DROP_SECONDS)
            return Signature.objects.filter(ip_hash__isnull=False).count()

        assert kept_hashes(0) == 0
        # Its next round, half a minute later, does not search again...
        assert kept_hashes(30 / 3600) == 1
        # ...until the hour has passed.
        assert kept_hashes(1) == 0


class TrendingReportTests(TautokoTestCase):
    def test_an_ip_signing_20_times_in_an_hour_is_logged_and_staff_are_emailed_once(
        self,
    ) -> None:
        petition = self.make_petition()
        # Mid-hour, so that "five minutes later" is the same hour (alerts are once an hour).
        now = timezone.now().replace(minute=30, second=0, microsecond=0)
        for n in range(20):
            self.make_signature(
                petition,
                ip_hash="feedfeedfeedfeed",
                created_at=now - dt.timedelta(minutes=n),
                email=f"s{n}@example.org",
            )
        for n in range(19):
            self.make_signature(
                petition, ip_hash="0000000000000000", created_at=now, email=f"o{n}@example.org"
            )
        with self.assertLogs("tautoko.fraud", level=logging.WARNING) as logs:
            assert trending_report(now=now) == 1
        assert "feedfeedfeedfeed signed 20 times" in "\n".join(logs.output)
        alert = TrendingAlert.objects.get()
        assert (alert.kind, alert.value, alert.count) == ("ip", "feedfeedfeedfeed", 20)
        # One email to each staff member (the moderator persona is the only one here).
        emails = OutboundEmail.objects.filter(template="fraud-trending")
        assert list(emails.values_list("to", flat=True)) == [self.moderator.email]
        # The next run in the same hour alerts no one again.
        assert trending_report(now=now + dt.timedelta(minutes=5)) == 0
        assert OutboundEmail.objects.filter(template="fraud-trending").count() == 1

    def test_an_email_domain_over_its_threshold_is_reported(self) -> None:
        FraudSettings.objects.create(trending_domain_threshold=10)
        petition = self.make_petition()
        now = timezone.now()
        for n in range(10):
            self.make_signature(petition, email=f"n{n}@bulk.example", created_at=now)
        for n in range(9):
            self.make_signature(petition, email=f"n{n}@other.example", created_at=now)
        # An hour and more ago does not count.
        for n in range(5):
            self.make_signature(
                petition, email=f"m{n}@other.example", created_at=now - dt.timedelta(hours=2)
            )
        assert trending_report(now=now) == 1
        alert = TrendingAlert.objects.get()
        assert (alert.kind, alert.value, alert.count) == ("domain", "bulk.example", 10)


class BulkInvalidationTests(SignersTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition()
        for n in range(10):
            self.make_signature(
                self.petition, state=Signature.State.CONFIRMED, email=f"c{n}@bot.example"
            )
        for n in range(5):
            self.make_signature(self.petition, email=f"p{n}@bot.example")
        self.make_signature(
            self.petition,
            state=Signature.State.CONFIRMED,
            email="f@bot.example",
            flagged=True,
            flag_reasons="honeypot",
        )
        for n in range(7):
            self.make_signature(
                self.petition, state=Signature.State.CONFIRMED, email=f"g{n}@genuine.example"
            )
        self.work_run()
        self.criteria = Criteria(petition=self.petition, domain="bot.example")

    def test_the_dry_run_says_how_many_would_go_and_changes_nothing(self) -> None:
        preview = invalidation_preview(criteria=self.criteria)
        assert (preview.matching, preview.counted) == (16, 10)
        assert not Signature.objects.filter(state=Signature.State.INVALIDATED).exists()
        assert not Invalidation.objects.exists()

    def test_invalidating_keeps_the_rows_records_the_audit_and_counts_exactly(self) -> None:
        assert tally_total(petition_id=self.petition.id) == 17
        now = timezone.now()
        record = invalidation_apply(
            criteria=self.criteria, by=self.moderator, reason="a bot farm", now=now
        )
        self.work_run()
        # 16 rows invalidated, none deleted; the count drops by exactly the 10 counted ones.
        assert Signature.objects.count() == 23
        assert Signature.objects.filter(state=Signature.State.INVALIDATED).count() == 16
        assert tally_total(petition_id=self.petition.id) == 7
        assert petition_recount(petition=self.petition) == 7
        record.refresh_from_db()
        assert (record.created_by, record.reason, record.created_at) == (
            self.moderator,
            "a bot farm",
            now,
        )
        assert (record.invalidated, record.uncounted) == (16, 10)
        assert record.criteria["domain"] == "bot.example"

    def test_cancelling_restores_every_signature_and_the_count(self) -> None:
        record = invalidation_apply(criteria=self.criteria, by=self.moderator, reason="oops")
        self.work_run()
        restored = invalidation_cancel(invalidation=record, by=self.moderator, reason="genuine")
        self.work_run()
        assert restored == 16
        assert tally_total(petition_id=self.petition.id) == 17
        assert petition_recount(petition=self.petition) == 17
        states = dict(
            Signature.objects.filter(email_canonical__endswith="@bot.example")
            .values("state")
            .annotate(n=Count("id"))
            .values_list("state", "n")
        )
        assert states == {"confirmed": 11, "pending": 5}
        record.refresh_from_db()
        assert record.is_cancelled and record.restored == 16
        with self.assertRaises(IllegalTransition):
            invalidation_cancel(invalidation=record, by=self.moderator)

    def test_cancelling_leaves_out_a_signature_its_signer_erased_meanwhile(self) -> None:
        # Found in review: erasure withdraws only pending and confirmed signatures; the
        # cancel put an erased signer's invalidated one back into the count.
        erased = Signature.objects.filter(
            email_canonical__endswith="@bot.example", state=Signature.State.CONFIRMED
        ).first()
        assert erased is not None
        record = invalidation_apply(criteria=self.criteria, by=self.moderator, reason="oops")
        self.work_run()
        link, _ = self.make_manage_link(erased.email)
        signer_erase(link=link)
        self.work_run()

        restored = invalidation_cancel(invalidation=record, by=self.moderator, reason="genuine")
        self.work_run()

        assert restored == 15
        assert tally_total(petition_id=self.petition.id) == 16
        assert petition_recount(petition=self.petition) == 16
        erased.refresh_from_db()
        assert erased.state == Signature.State.WITHDRAWN and erased.anonymised_at is not None

    def test_by_ip_email_electorate_and_time_range(self) -> None:
        now = timezone.now() + dt.timedelta(hours=1)  # later than setUp's signatures
        a = self.make_signature(
            self.petition, ip_hash="aaaaaaaaaaaaaaaa", electorate="Epsom", created_at=now
        )
        self.make_signature(self.petition, email="x@else.example", created_at=now)
        assert invalidation_preview(criteria=Criteria(ip_hash="aaaaaaaaaaaaaaaa")).matching == 1
        assert invalidation_preview(criteria=Criteria(email=a.email)).matching == 1
        assert invalidation_preview(criteria=Criteria(electorate="Epsom")).matching == 1
        window = Criteria(
            petition=self.petition,
            created_from=now - dt.timedelta(seconds=1),
            created_to=now + dt.timedelta(seconds=1),
        )
        assert invalidation_preview(criteria=window).matching == 2

    def test_it_needs_a_criterion_and_a_reason(self) -> None:
        with self.assertRaises(NothingToDo):
            invalidation_preview(criteria=Criteria(petition=self.petition))
        with self.assertRaises(IllegalTransition):
            invalidation_apply(criteria=self.criteria, by=self.moderator, reason=" ")
