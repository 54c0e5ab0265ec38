from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
from django.core.management import call_command

from tautoko.lib.group_commit import group_commit_close


@pytest.fixture(scope="session", autouse=True)
def _static_files_collected() -> None:
    """Pages link hashed static files, so the manifest must exist, as in production."""
    # Always: a manifest left from an older checkout would lack files added since.
    call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def _group_commit_writer_closed(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Live-server tests sign through this process's group-commit writer, which keeps its
    connection: it must let go before the test database is dropped (PostgreSQL refuses to
    drop a database with sessions, and the database would be left behind)."""
    yield
    with django_db_blocker.unblock():
        group_commit_close()


@pytest.fixture(autouse=True)
def _cache_cleared() -> None:
    """Each test starts with an empty cache: pages and counts are cached for a second."""
    from tests.base import caches_clear

    caches_clear()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language, and leaves it so. A request through the
    test client runs in the test's own thread, where LocaleMiddleware activates the
    language it serves and nothing deactivates it: after a test that read a page in te reo
    Māori, the next one read Māori where it expected English."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say so when the browser tests did not run: a skip is easy to miss among passes."""
    skipped_for_no_chromium = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "browser" in report.keywords and "no chromium" in str(report.longrepr)
    ]
    if skipped_for_no_chromium:
        terminalreporter.write_line(
            f"{len(skipped_for_no_chromium)} browser tests skipped: no chromium found "
            "(CI installs Debian's chromium)",
            yellow=True,
            bold=True,
        )


# Property-based tests: a quick run by default (`make test`), a thorough one in CI
# (HYPOTHESIS_PROFILE=ci). Database work is slow and uneven, so no per-example deadline.
hypothesis.settings.register_profile("dev", max_examples=20, stateful_step_count=25, deadline=None)
hypothesis.settings.register_profile(
    "ci", max_examples=200, stateful_step_count=50, deadline=None, print_blob=True
)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
