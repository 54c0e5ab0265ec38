"""Moderation workflows: checkouts, and approving or rejecting with the organiser's email."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tautoko.moderation import services
from tautoko.moderation.models import Checkout, RejectionReason
from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.models import IllegalTransition, Petition, TimelineEvent
from tests.base import tautoko_settings
from tests.staff import ModerationTestCase

NOW = dt.datetime(2026, 5, 1, 10, 0, tzinfo=dt.UTC)


class CheckoutTests(ModerationTestCase):
    def test_a_moderator_checks_a_petition_out_for_the_configured_time(self) -> None:
        petition = self.make_petition(state=Petition.State.PENDING)
        with tautoko_settings(MODERATION_CHECKOUT_MINUTES=20):
            checkout = services.checkout_take(petition=petition, moderator=self.moderator, now=NOW)
        assert checkout.moderator == self.moderator
        assert checkout.expires_at == NOW + dt.timedelta(minutes=20)

    def test_taking_it_again_renews_it(self) -> None:
        petition = self.make_petition(state=Petition.State.PENDING)
        services.checkout_take(petition=petition, moderator=self.moderator, now=NOW)
        later = NOW + dt.timedelta(minutes=10)
        checkout = services.checkout_take(petition=petition, moderator=self.moderator, now=later)
        assert checkout.taken_at == later
        assert Checkout.objects.count() == 1

    def test_another_moderator_cannot_take_a_live_checkout(self) -> None:
        petition = self.make_petition(state=Petition.State.PENDING)
        services.checkout_take(petition=petition, moderator=self.moderator, now=NOW)
        with pytest.raises(services.CheckedOutByOther) as caught:
            services.checkout_take(petition=petition, moderator=self.other_moderator, now=NOW)
        assert caught.value.checkout.moderator == self.moderator

    def test_another_moderator_takes_an_expired_checkout(self) -> None:
        petition = self.make_petition(state=Petition.State.PENDING)
        services.checkout_take(petition=petition, moderator=self.moderator, now=NOW)
        later = NOW + dt.timedelta(hours=1)
        checkout = services.checkout_take(
            petition=petition, moderator=self.other_moderator, now=later
        )
        assert checkout.moderator == self.other_moderator

    def test_acting_on_a_petition_someone_else_has_checked_out_is_refused(self) -> None:
        petition = self.make_petition(state=Petition.State.PENDING)
        services.checkout_take(petition=petition, moderator=self.other_moderator)
        with pytest.raises(services.CheckedOutByOther):
            services.petition_approve(petition=petition, moderator=self.moderator)
        petition.refresh_from_db()
        assert petition.state == Petition.State.PENDING
        assert not OutboundEmail.objects.exists()


class ApproveTests(ModerationTestCase):
    def test_it_opens_the_petition_emails_the_organiser_and_releases_the_checkout(self) -> None:
        petition = self.make_petition(state=Petition.State.PENDING)
        services.checkout_take(petition=petition, moderator=self.moderator)
        services.petition_approve(petition=petition, moderator=self.moderator)
        petition.refresh_from_db()
        assert petition.state == Petition.State.OPEN
        assert not Checkout.objects.exists()
        self.work_run()
        email = self.email_latest(to=self.organiser.email)
        assert email.template == "petition-approved"
        assert petition.title in email.subject
        assert f"/{petition.slug}" in email.body_text

    def test_an_illegal_move_changes_nothing_and_sends_nothing(self) -> None:
        petition = self.make_petition(state=Petition.State.OPEN)
        with pytest.raises(IllegalTransition):
            services.petition_approve(petition=petition, moderator=self.moderator)
        assert not OutboundEmail.objects.exists()
        assert not Checkout.objects.exists()


class RejectTests(ModerationTestCase):
    def test_it_rejects_with_the_reason_and_emails_it_to_the_organiser(self) -> None:
        petition = self.make_petition(state=Petition.State.PENDING)
        reason = RejectionReason.objects.get(code="duplicate")
        services.petition_reject(
            petition=petition, moderator=self.moderator, reason=reason, note="See /other."
        )
        petition.refresh_from_db()
        assert petition.state == Petition.State.REJECTED
        event = petition.events.get(kind=TimelineEvent.Kind.REJECTED)
        assert event.data["reason"] == "duplicate"
        self.work_run()
        email = self.email_latest(to=self.organiser.email)
        assert email.template == "petition-rejected"
        assert "Duplicate" in email.body_text
        assert "See /other." in email.body_text


class HideRestoreTests(ModerationTestCase):
    def test_hide_and_restore_record_who_and_why(self) -> None:
        petition = self.make_petition(state=Petition.State.OPEN)
        services.petition_hide(petition=petition, moderator=self.moderator, reason="Complaint")
        services.petition_restore(petition=petition, moderator=self.moderator, reason="Cleared")
        kinds = list(petition.events.values_list("kind", "actor", "note"))
        assert kinds == [
            (TimelineEvent.Kind.HIDDEN, self.moderator.id, "Complaint"),
            (TimelineEvent.Kind.RESTORED, self.moderator.id, "Cleared"),
        ]
        assert not Checkout.objects.exists()


class QueueTests(ModerationTestCase):
    def test_it_lists_pending_petitions_longest_waiting_first(self) -> None:
        now = timezone.now()
        newer = self.make_petition(state=Petition.State.DRAFT)
        older = self.make_petition(state=Petition.State.DRAFT)
        older.submit(by=self.organiser, now=now - dt.timedelta(days=3))
        newer.submit(by=self.organiser, now=now - dt.timedelta(days=1))
        self.make_petition(state=Petition.State.OPEN)
        assert list(services.moderation_queue()) == [older, newer]

    def test_the_default_rejection_reasons_are_seeded(self) -> None:
        codes = set(RejectionReason.objects.values_list("code", flat=True))
        assert {
            "duplicate",
            "not-decision-maker",
            "offensive",
            "defamatory",
            "personal-information",
            "advert",
        } <= codes
