"""The demo's logins: a moderator with two-factor, and a petition waiting in the queue."""

from __future__ import annotations

from io import StringIO

from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.test import override_settings

from tautoko.accounts.models import User
from tautoko.accounts.staff import totp_device_for
from tautoko.moderation.models import PERMISSION_MODERATE
from tautoko.petitions.demo import QUEUED_SLUG, demo_load
from tautoko.petitions.models import Petition
from tests.base import TautokoTestCase


class DemoStaffTests(TautokoTestCase):
    def test_it_seeds_a_moderator_with_two_factor_and_a_queued_petition_once(self) -> None:
        demo_load()
        moderator = User.objects.get(email="moderator@tautoko.example")
        assert moderator.is_staff and not moderator.is_superuser
        assert moderator.has_perm(PERMISSION_MODERATE)
        assert totp_device_for(moderator) is not None
        assert EmailAddress.objects.get(user=moderator).verified
        assert Petition.objects.get(slug=QUEUED_SLUG).state == Petition.State.PENDING
        # Loading again changes nothing.
        counts = (User.objects.count(), Petition.objects.count())
        assert demo_load() is False
        assert (User.objects.count(), Petition.objects.count()) == counts

    @override_settings(DEMO=True)
    def test_the_command_prints_each_login_and_the_demo_only_two_factor_secret(self) -> None:
        out = StringIO()
        call_command("demo_load", stdout=out)
        lines = out.getvalue().splitlines()
        for role in ("admin", "moderator", "organiser"):
            assert f"{role}: {role}@tautoko.example / tautoko-demo" in lines
        assert any(
            line.startswith("moderator two-factor (DEMO ONLY") and "otpauth://totp/" in line
            for line in lines
        )
