from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tautoko.accounts.models import User
from tautoko.accounts.staff import totp_device_add, totp_device_for


class Command(BaseCommand):
    help = (
        "Give a staff member a TOTP device for two-factor and print its otpauth:// URL "
        "(show it to them once, e.g. as a QR code; it is their second factor)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument(
            "--replace", action="store_true", help="Remove their existing devices first."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=options["email"].strip().lower()).first()
        if user is None:
            raise CommandError(f"No user with the email address {options['email']}.")
        if not user.is_staff:
            raise CommandError(f"{user.email} is not staff: only staff use two-factor here.")
        if totp_device_for(user) is not None:
            if not options["replace"]:
                raise CommandError(f"{user.email} already has a device (use --replace).")
            user.totpdevice_set.all().delete()  # type: ignore[attr-defined]
        device = totp_device_add(user=user)
        self.stdout.write(device.config_url)
