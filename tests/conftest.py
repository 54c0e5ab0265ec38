from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command


@pytest.fixture(scope="session", autouse=True)
def _static_files_collected() -> None:
    """Pages link hashed static files, so the manifest must exist, as in production."""
    if not (settings.STATIC_ROOT / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)
