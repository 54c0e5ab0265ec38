"""Sponsor workflows: the check that queues a petition, the worker's safety net, and
sponsors counted as signers once the petition opens."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse

from tautoko.moderation.services import moderation_queue, petition_approve
from tautoko.organise.services import sponsor_sign, sponsoring_complete_due, sponsors_check
from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.counts import count_current
from tautoko.petitions.models import IllegalTransition, Petition, Signature, Tally, TimelineEvent
from tautoko.petitions.services import petition_recount, tally_total
from tautoko.signers.services import signature_withdraw
from tests.base import tautoko_settings
from tests.base_sponsors import REQUIRED, SponsorsTestCase


class SponsorsCheckTests(SponsorsTestCase):
    def test_it_moves_a_petition_once_it_has_its_sponsors_and_only_once(self) -> None:
        petition = self.make_sponsoring_petition()
        for _ in range(REQUIRED - 1):
            self.make_sponsor(petition)
        assert sponsors_check(petition_id=petition.id) is False
        self.make_sponsor(petition)
        assert sponsors_check(petition_id=petition.id) is True
        assert sponsors_check(petition_id=petition.id) is False
        petition.refresh_from_db()
        assert petition.state == Petition.State.PENDING
        assert petition.events.filter(kind=TimelineEvent.Kind.SUBMITTED).count() == 1
        assert OutboundEmail.objects.filter(template="petition-sponsored").count() == 1

    def test_a_withdrawn_sponsor_no_longer_counts(self) -> None:
        petition = self.make_sponsoring_petition()
        sponsors = [self.make_sponsor(petition) for _ in range(REQUIRED)]
        signature_withdraw(signature=sponsors[0])
        assert petition.sponsors_confirmed() == REQUIRED - 1
        assert sponsors_check(petition_id=petition.id) is False

    def test_signing_through_the_service_is_refused_once_it_has_its_sponsors(self) -> None:
        for state in (Petition.State.DRAFT, Petition.State.PENDING, Petition.State.OPEN):
            petition = self.make_petition(state=state)
            with pytest.raises(IllegalTransition):
                sponsor_sign(
                    petition=petition,
                    name="Aroha Test",
                    email="aroha@example.org",
                    electorate="Wellington Central",
                    country="NZ",
                )
        assert not Signature.objects.exists()


class SafetyNetTests(SponsorsTestCase):
    def test_the_worker_queues_a_petition_whose_move_was_missed(self) -> None:
        # Sponsors confirmed, but the check after the last one never ran (a crash).
        missed = self.make_sponsoring_petition()
        for _ in range(REQUIRED):
            self.make_sponsor(missed)
        waiting = self.make_sponsoring_petition()
        self.make_sponsor(waiting)
        # The worker recycles database connections between rounds; a test's connection
        # holds the test's transaction, so it must stay (on PostgreSQL it would be closed).
        with mock.patch(
            "tautoko.outbox.management.commands.worker.close_old_connections", lambda: None
        ):
            call_command("worker", "--once", "--nice", "0")
        missed.refresh_from_db()
        waiting.refresh_from_db()
        assert missed.state == Petition.State.PENDING
        assert waiting.state == Petition.State.SPONSORING
        assert list(moderation_queue()) == [missed]

    def test_with_sponsors_switched_off_every_petition_gathering_them_is_queued(self) -> None:
        petitions = [self.make_sponsoring_petition() for _ in range(2)]
        untouched = self.make_petition(state=Petition.State.DRAFT)
        with tautoko_settings(SPONSORS_REQUIRED=0):
            assert sponsoring_complete_due() == 2
        for petition in petitions:
            petition.refresh_from_db()
            assert petition.state == Petition.State.PENDING
        untouched.refresh_from_db()
        assert untouched.state == Petition.State.DRAFT


class SponsorsAreSignersTests(SponsorsTestCase):
    def sponsor_through_the_pages(self, petition: Petition, email: str, *, address: str) -> None:
        """Sign on the sponsor page and confirm from the email, from the sponsor's own IP
        address (from one address, the rate limits would flag all but the first)."""
        response = self.client.post(
            self.sponsor_url(petition, "sign"),
            self.sign_form(petition, email=email),
            REMOTE_ADDR=address,
        )
        assert response.status_code == 302
        self.work_run()
        link = self.sponsor_confirmation_link_latest(to=email)
        assert self.client.post(link).status_code == 302

    def test_once_approved_its_count_and_tallies_include_the_confirmed_sponsors(self) -> None:
        petition = self.make_sponsoring_petition()
        for n in range(REQUIRED):
            self.sponsor_through_the_pages(
                petition, f"sponsor{n}@example.org", address=f"203.0.113.{n + 1}"
            )
        # One who never confirmed: a signature, but not counted.
        self.client.post(
            self.sponsor_url(petition, "sign"),
            self.sign_form(petition, email="unconfirmed@example.org"),
            REMOTE_ADDR="198.51.100.7",
        )
        self.work_run()
        petition.refresh_from_db()
        assert petition.state == Petition.State.PENDING
        assert not Signature.objects.filter(flagged=True).exists()

        petition_approve(petition=petition, moderator=self.moderator)
        self.work_run()
        assert count_current(petition_id=petition.id) == REQUIRED
        assert tally_total(petition_id=petition.id) == REQUIRED
        assert Tally.objects.get(
            petition=petition, dimension=Tally.Dimension.SOURCE, key=Signature.SOURCE_SPONSOR
        ).count == (REQUIRED)
        page = self.client.get(reverse("petitions:detail", args=[petition.slug])).content.decode()
        assert f"data-count>{REQUIRED}<" in page
        json = self.client.get(reverse("petitions:count-json", args=[petition.slug])).json()
        assert json["count"] == REQUIRED

        # A public signer joins them; a recount from the rows agrees with the tallies.
        self.client.post(reverse("petitions:sign", args=[petition.slug]), self.sign_form(petition))
        self.work_run()
        self.client.post(self.confirmation_link_latest(to="aroha@example.org"))
        self.work_run()
        assert count_current(petition_id=petition.id) == REQUIRED + 1
        assert petition_recount(petition=petition) == REQUIRED + 1

    def test_a_sponsor_who_signs_the_open_petition_again_is_told_it_already_counts(self) -> None:
        petition = self.make_sponsoring_petition()
        for n in range(REQUIRED):
            self.sponsor_through_the_pages(
                petition, f"sponsor{n}@example.org", address=f"203.0.113.{n + 1}"
            )
        petition.refresh_from_db()
        petition_approve(petition=petition, moderator=self.moderator)
        response = self.client.post(
            reverse("petitions:sign", args=[petition.slug]),
            self.sign_form(petition, email="sponsor0@example.org"),
        )
        assert response["Location"].endswith("?again=1")
        assert Signature.objects.filter(petition=petition).count() == REQUIRED
        assert OutboundEmail.objects.order_by("-id").first().template == "already-sponsored"  # type: ignore[union-attr]
