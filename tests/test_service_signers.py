"""Withdrawal, erasure and retention keep counts exact and leave no personal data behind."""

from __future__ import annotations

import datetime as dt
import json
from unittest import mock

from django.core.management import call_command
from django.utils import timezone

from tautoko.outbox.models import OutboundEmail
from tautoko.outbox.services import broadcast_queue, broadcasts_fan_out
from tautoko.petitions.audiences import SIGNERS_OPTED_IN
from tautoko.petitions.models import Petition, Signature, Tally
from tautoko.petitions.services import petition_recount, tally_total
from tautoko.signers import services
from tautoko.signers.models import ManageLink
from tests.base import tautoko_settings
from tests.base_signers import SignersTestCase

ELECTORATES = ("Wellington Central", "Rongotai", "Ōhāriu")


def breakdown(petition: Petition) -> dict[tuple[str, str], int]:
    return {
        (t.dimension, t.key): t.count
        for t in Tally.objects.filter(petition=petition).exclude(count=0)
    }


class SignersServiceTestCase(SignersTestCase):
    def make_signers(self, petition: Petition, n: int, **fields: object) -> list[Signature]:
        """``n`` confirmed signatures spread over electorates, countries and sources, each
        with the confirmation email the signer was sent."""
        signatures = []
        for i in range(n):
            signature = self.make_signature(
                petition,
                state=Signature.State.CONFIRMED,
                electorate=ELECTORATES[i % 3],
                country="NZ" if i % 4 else "AU",
                source=("facebook", "twitter", "")[i % 3],
                **fields,
            )
            OutboundEmail.objects.create(
                key=f"signature:{signature.id}:1",
                code=f"code-{signature.id}",
                to=signature.email,
                template="confirm-signature",
                context={"name": signature.name},
                state=OutboundEmail.State.SENT,
                subject="Confirm your signature",
                body_text=f"Kia ora {signature.name}",
            )
            signatures.append(signature)
        return signatures


class WithdrawalTests(SignersServiceTestCase):
    def test_withdrawal_drops_the_settled_count_by_exactly_one(self) -> None:
        petition = self.make_petition()
        signatures = self.make_signers(petition, 25)
        self.work_run()
        before = breakdown(petition)

        assert services.signature_withdraw(signature=signatures[7]) is True
        self.work_run()

        after = breakdown(petition)
        assert (before[("total", "")], after[("total", "")]) == (25, 24)
        # Every dimension loses exactly the withdrawn signature's one.
        changed = {key: before[key] - after.get(key, 0) for key in before}
        signature = signatures[7]
        assert {key for key, change in changed.items() if change} == {
            ("total", ""),
            ("electorate", signature.electorate),
            ("country", str(signature.country)),
            ("source", signature.source),
            ("hour", signature.confirmed_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H")),
        }
        assert set(changed.values()) == {0, 1}
        # And a recount from the rows agrees.
        assert petition_recount(petition=petition) == 24
        assert breakdown(petition) == after

    def test_a_second_withdrawal_of_the_same_signature_changes_nothing(self) -> None:
        petition = self.make_petition()
        signature = self.make_signers(petition, 3)[0]
        self.work_run()

        assert services.signature_withdraw(signature=signature) is True
        assert services.signature_withdraw(signature=signature) is False
        self.work_run()

        assert tally_total(petition_id=petition.id) == 2

    def test_an_invalidated_signature_is_not_withdrawn(self) -> None:
        petition = self.make_petition()
        signature = self.make_signature(petition, state=Signature.State.INVALIDATED)

        assert services.signature_withdraw(signature=signature) is False
        signature.refresh_from_db()
        assert signature.state == Signature.State.INVALIDATED


class ErasureTests(SignersServiceTestCase):
    def test_erasure_keeps_every_other_count_exact_and_leaves_no_name_or_email(self) -> None:
        petition = self.make_petition()
        others = self.make_signers(petition, 12)
        erased = self.make_signature(
            petition,
            state=Signature.State.CONFIRMED,
            email="erase.me@example.org",
            name="Hine Erasure",
            electorate="Rongotai",
            ip_hash="0123456789abcdef",
        )
        self.work_run()
        other_petition = self.make_petition()
        self.make_signature(other_petition, email="Erase.Me@example.org", name="Hine Erasure")
        services.manage_link_request(email="erase.me@example.org")
        self.work_run()
        link, _ = self.make_manage_link("erase.me@example.org")
        before = breakdown(petition)

        assert services.signer_erase(link=link) == 2
        self.work_run()

        after = breakdown(petition)
        assert (before[("total", "")], after[("total", "")]) == (13, 12)
        assert (before[("electorate", "Rongotai")], after[("electorate", "Rongotai")]) == (5, 4)
        assert petition_recount(petition=petition) == 12
        assert breakdown(petition) == after
        # Nothing of the signer's is left, in signatures, links or emails.
        everything = json.dumps(
            [
                list(Signature.objects.values()),
                list(OutboundEmail.objects.values()),
                list(ManageLink.objects.values()),
            ],
            default=str,
        ).lower()
        assert "erase.me" not in everything
        assert "hine erasure" not in everything
        erased.refresh_from_db()
        assert erased.ip_hash is None
        # Everyone else's data is untouched.
        for other in others:
            other.refresh_from_db()
            assert other.anonymised_at is None
            assert OutboundEmail.objects.get(key=f"signature:{other.id}:1").to == other.email

    def test_updates_and_responses_to_the_signer_are_exported_then_forgotten(self) -> None:
        petition = self.make_petition()
        signer = self.make_signature(
            petition, state=Signature.State.CONFIRMED, email="erase.me@example.org", notify=True
        )
        other = self.make_signature(
            petition, state=Signature.State.CONFIRMED, email="stays@example.org", notify=True
        )
        sent = (("update:sent", "petition-update"), ("response:1", "petition-response"))
        for key, template in sent:
            broadcast_queue(
                key=key,
                audience=SIGNERS_OPTED_IN,
                audience_args={"petition_id": petition.id},
                template=template,
                context={"petition_title": petition.title},
            )
        broadcasts_fan_out()
        self.work_run()
        # One more update, fanned out but not yet sent when the signer asks.
        broadcast_queue(
            key="update:queued",
            audience=SIGNERS_OPTED_IN,
            audience_args={"petition_id": petition.id},
            template="petition-update",
            context={"petition_title": petition.title},
        )
        broadcasts_fan_out()
        link, _ = self.make_manage_link("erase.me@example.org")

        exported = services.signer_export(link=link)["emails"]
        assert sorted((e["template"], e["state"], e["to"]) for e in exported) == [
            ("petition-response", "sent", "erase.me@example.org"),
            ("petition-update", "queued", "erase.me@example.org"),
            ("petition-update", "sent", "erase.me@example.org"),
        ]

        services.signer_erase(link=link)

        mine = OutboundEmail.objects.filter(key__startswith=f"signature:{signer.id}:")
        assert sorted(mine.values_list("template", "state", "to", "subject", "body_text")) == [
            ("petition-response", "sent", "", "", ""),
            ("petition-update", "sent", "", "", ""),
        ]
        # The other signer's three emails are untouched.
        theirs = OutboundEmail.objects.filter(key__startswith=f"signature:{other.id}:")
        assert sorted(theirs.values_list("to", flat=True)) == ["stays@example.org"] * 3
        assert theirs.exclude(subject="").filter(state=OutboundEmail.State.SENT).count() == 2

    def test_an_email_still_queued_to_the_signer_is_never_sent(self) -> None:
        petition = self.make_petition()
        self.make_signature(petition, email="erase.me@example.org")
        services.manage_link_request(email="erase.me@example.org")
        assert OutboundEmail.objects.filter(state=OutboundEmail.State.QUEUED).count() == 1
        link, _ = self.make_manage_link("erase.me@example.org")

        services.signer_erase(link=link)

        assert not OutboundEmail.objects.exists()


class RetentionTests(SignersServiceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.now = timezone.now()

    def closed_petition(self, *, days_ago: float) -> Petition:
        closed_at = self.now - dt.timedelta(days=days_ago)
        return self.make_petition(state=Petition.State.CLOSED, closed_at=closed_at)

    def test_it_anonymises_only_petitions_closed_longer_than_the_setting(self) -> None:
        old = self.closed_petition(days_ago=184)
        recent = self.closed_petition(days_ago=182)
        still_open = self.make_petition()
        old_signers = self.make_signers(old, 20)
        recent_signers = self.make_signers(recent, 5)
        open_signers = self.make_signers(still_open, 5)
        self.work_run()
        before = {p.id: breakdown(p) for p in (old, recent, still_open)}

        assert services.signatures_anonymise_due(now=self.now) == 20
        self.work_run()

        for signature in old_signers:
            signature.refresh_from_db()
            assert (signature.name, signature.email, signature.state) == ("", "", "confirmed")
            assert signature.anonymised_at == self.now
            assert OutboundEmail.objects.get(key=f"signature:{signature.id}:1").to == ""
        for signature in recent_signers + open_signers:
            signature.refresh_from_db()
            assert signature.anonymised_at is None and signature.email
        # Counts and breakdowns do not move, settled or recounted from the rows.
        assert {p.id: breakdown(p) for p in (old, recent, still_open)} == before
        assert petition_recount(petition=old) == 20
        assert breakdown(old) == before[old.id]
        # Done is done: a second run finds nothing.
        assert services.signatures_anonymise_due(now=self.now) == 0

    def test_the_setting_decides_how_long(self) -> None:
        petition = self.closed_petition(days_ago=31)
        self.make_signers(petition, 2)

        with tautoko_settings(ANONYMISE_AFTER_DAYS=60):
            assert services.signatures_anonymise_due(now=self.now) == 0
        with tautoko_settings(ANONYMISE_AFTER_DAYS=30):
            assert services.signatures_anonymise_due(now=self.now) == 2

    def test_the_worker_runs_it_in_its_housekeeping(self) -> None:
        petition = self.closed_petition(days_ago=200)
        signature = self.make_signers(petition, 1)[0]

        # The worker recycles database connections between rounds; a test's connection
        # holds the test's transaction, so it must stay.
        with mock.patch(
            "tautoko.outbox.management.commands.worker.close_old_connections", lambda: None
        ):
            call_command("worker", "--once", "--nice", "0")

        signature.refresh_from_db()
        assert signature.anonymised_at is not None and signature.name == ""

    def test_expired_manage_links_and_their_emails_are_forgotten(self) -> None:
        petition = self.make_petition()
        self.make_signature(petition, email="signer@example.org")
        services.manage_link_request(email="signer@example.org", now=self.now)
        self.work_run()

        assert services.manage_links_purge(now=self.now + dt.timedelta(minutes=59)) == 0
        assert services.manage_links_purge(now=self.now + dt.timedelta(minutes=61)) == 1

        assert not ManageLink.objects.exists()
        assert OutboundEmail.objects.get(template="manage-signatures").to == ""
