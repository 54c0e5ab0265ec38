"""Helpers for tests of staff pages: a real moderator, two-factor verified or not."""

from __future__ import annotations

import time

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tautoko.accounts.models import User
from tautoko.accounts.staff import totp_device_add, totp_device_for
from tautoko.moderation.services import moderators_group_ensure, rejection_reasons_seed
from tests.base import TautokoTestCase


def totp_token(device: TOTPDevice) -> str:
    """The code the staff member's authenticator app shows right now (by ``time.time()``,
    so a test's ``Clock`` moves it too, as it moves the device's own check)."""
    app = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    app.time = time.time()
    return f"{app.token():0{device.digits}d}"


def staff_login(client: Client, user: User, *, verified: bool = True) -> None:
    """Log in; with ``verified``, as if the two-factor page had accepted a code."""
    client.force_login(user)
    if verified:
        device = totp_device_for(user) or totp_device_add(user=user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


class ModerationTestCase(TautokoTestCase):
    """The base personas, with the moderator in the Moderators group and a TOTP device,
    and a second moderator for checkout tests."""

    other_moderator: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # Also made by a migration, but a flushing test (live server) may have run first.
        rejection_reasons_seed()
        group = moderators_group_ensure()
        cls.moderator.groups.add(group)
        totp_device_add(user=cls.moderator)
        cls.other_moderator = User.objects.create_user(
            "moderator2@example.org", "moderator-password", name="Hemi Moderator", is_staff=True
        )
        cls.other_moderator.groups.add(group)
