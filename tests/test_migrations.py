from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.test import TestCase


class MigrationsTests(TestCase):
    def test_the_models_have_no_changes_without_a_migration(self) -> None:
        output = StringIO()
        try:
            call_command("makemigrations", "--check", "--dry-run", stdout=output, stderr=output)
        except SystemExit:
            raise AssertionError(
                "models changed without a migration; run `manage.py makemigrations`:\n"
                + output.getvalue()
            ) from None
