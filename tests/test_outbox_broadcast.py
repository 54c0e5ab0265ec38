from __future__ import annotations

from unittest import mock

import pytest
from django.db import transaction

from tautoko.outbox.models import Broadcast, OutboundEmail
from tautoko.outbox.services import broadcast_queue, broadcasts_fan_out
from tautoko.petitions.audiences import SIGNERS_OPTED_IN
from tautoko.petitions.models import Signature
from tests.base import TautokoTestCase


class BroadcastTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition()
        self.opted_in = [
            self.make_signature(
                self.petition,
                state=Signature.State.CONFIRMED,
                email=f"in{n}@example.org",
                notify=True,
            )
            for n in range(7)
        ]
        self.make_signature(self.petition, state=Signature.State.CONFIRMED, email="no@example.org")
        self.make_signature(self.petition, email="pending@example.org", notify=True)
        self.make_signature(
            self.petition, state=Signature.State.WITHDRAWN, email="gone@example.org", notify=True
        )
        other = self.make_petition()
        self.make_signature(
            other, state=Signature.State.CONFIRMED, email="other@example.org", notify=True
        )

    def queue(self, key: str = "update:1") -> Broadcast:
        return broadcast_queue(
            key=key,
            audience=SIGNERS_OPTED_IN,
            audience_args={"petition_id": self.petition.id},
            template="already-signed",
            context={"petition_title": self.petition.title, "petition_url": "https://x.example/"},
        )

    def test_it_reaches_every_confirmed_signer_who_opted_in_and_no_one_else(self) -> None:
        self.queue()

        while broadcasts_fan_out(batch=3):
            pass

        emails = OutboundEmail.objects.order_by("to")
        assert sorted(emails.values_list("to", flat=True)) == sorted(s.email for s in self.opted_in)
        broadcast = Broadcast.objects.get()
        assert broadcast.queued == 7 and broadcast.finished_at is not None
        assert emails.first().context["name"] == self.opted_in[0].name
        # Bulk: sent after the emails due that are one person's own (a confirmation link).
        assert set(emails.values_list("bulk", flat=True)) == {True}

    def test_it_fans_out_a_batch_at_a_time(self) -> None:
        self.queue()

        assert broadcasts_fan_out(batch=3) == 3
        assert OutboundEmail.objects.count() == 3
        assert Broadcast.objects.get().finished_at is None

    def test_a_batch_that_fails_queues_nobody_and_is_retried_whole(self) -> None:
        self.queue()
        with (
            mock.patch.object(Broadcast, "save", side_effect=RuntimeError("disk full")),
            pytest.raises(RuntimeError),
        ):
            broadcasts_fan_out(batch=3)

        assert not OutboundEmail.objects.exists()
        assert Broadcast.objects.get().cursor == 0
        while broadcasts_fan_out(batch=3):
            pass
        assert OutboundEmail.objects.count() == 7

    def test_nobody_is_queued_twice_even_if_the_cursor_is_lost(self) -> None:
        self.queue()
        while broadcasts_fan_out(batch=4):
            pass
        Broadcast.objects.update(cursor=0, finished_at=None)

        while broadcasts_fan_out(batch=4):
            pass

        assert OutboundEmail.objects.count() == 7

    def test_a_broadcast_rolled_back_with_its_transaction_reaches_nobody(self) -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            self.queue()
            raise RuntimeError("the update was not saved")

        assert broadcasts_fan_out() == 0
        assert not OutboundEmail.objects.exists()

    def test_an_unknown_audience_is_refused_when_queued(self) -> None:
        with pytest.raises(LookupError):
            broadcast_queue(key="x", audience="nobody", audience_args={}, template="t", context={})
