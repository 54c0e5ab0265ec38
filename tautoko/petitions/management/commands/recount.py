from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tautoko.petitions.models import Petition
from tautoko.petitions.services import petition_recount


class Command(BaseCommand):
    help = "Rebuild the counts of one petition (or all) from the signature rows."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "slugs", nargs="*", help="Petition slugs; all petitions when none are given."
        )

    def handle(self, *args: Any, slugs: list[str], **options: Any) -> None:
        petitions = Petition.objects.all()
        if slugs:
            petitions = petitions.filter(slug__in=slugs)
            missing = set(slugs) - set(petitions.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"No petition with slug: {', '.join(sorted(missing))}")
        for petition in petitions.order_by("id"):
            total = petition_recount(petition=petition)
            self.stdout.write(f"{petition.slug}: {total}")
