from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tautoko.petitions.demo import (
    DEMO_PASSWORD,
    DEMO_SLUG,
    DEMO_TOTP_KEYS,
    DEMO_USERS,
    SPONSORING_SLUG,
    demo_load,
    demo_totp,
)
from tautoko.petitions.models import Petition
from tautoko.responses.demo import demo_responses_load


class Command(BaseCommand):
    help = "Load the demo petition and demo logins (once; running it again changes nothing)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEMO or settings.DEBUG):
            raise CommandError("The demo has known passwords: set TAUTOKO_DEMO=1 to load it.")
        created = demo_load()
        # Decision makers' pages need petitions past the response threshold: ~20,000
        # generated signatures, so only here, not in demo_load() (which tests call often).
        demo_responses_load()
        self.stdout.write(
            ("Loaded" if created else "Kept")
            + f" the demo petition at {settings.SITE_URL}/{DEMO_SLUG}"
        )
        self.stdout.write(f"Development outbox: {settings.SITE_URL}/dev/outbox/")
        self.stdout.write(f"Admin: {settings.SITE_URL}/admin/")
        self.stdout.write(f"Organisers: {settings.SITE_URL}/organise/")
        self.stdout.write(f"Moderation queue: {settings.SITE_URL}/moderate/")
        if Petition.objects.filter(slug=SPONSORING_SLUG).exists():
            self.stdout.write(
                "A petition gathering sponsors (log in as the organiser): "
                f"{settings.SITE_URL}/organise/{SPONSORING_SLUG}/"
            )
        self.stdout.write(f"Responses (staff): {settings.SITE_URL}/staff/responses/")
        self.stdout.write(
            f"The Prime Minister's page: {settings.SITE_URL}/decision-makers/prime-minister"
        )
        for role, email, _name, _admin in DEMO_USERS:
            self.stdout.write(f"{role}: {email} / {DEMO_PASSWORD}")
        for role in DEMO_TOTP_KEYS:
            secret, url = demo_totp(role)
            self.stdout.write(
                f"{role} two-factor (DEMO ONLY, a published secret): add {secret} to an "
                f"authenticator app, or open {url}"
            )
