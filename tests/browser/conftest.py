"""Browser tests: Playwright's sync API driving Debian's chromium against a live server.

Playwright never downloads a browser here. The tests use the chromium found in CHROMIUM_PATH
or on PATH (``chromium`` or ``chromium-browser``) and are skipped, with the reason, when
there is none; CI installs Debian's ``chromium`` package.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Error, sync_playwright

BROWSER_DIRECTORY = Path(__file__).resolve().parent
SKIP_NO_CHROMIUM = "no chromium found (install Debian's chromium or set CHROMIUM_PATH)"

# Chromium runs as root in CI, where it only starts without its sandbox. Left to itself it
# also calls Google's services in the background, and on a closed network those refused
# connections break its start-up: the background-networking flags keep it quiet.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH", "").strip()
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if BROWSER_DIRECTORY in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        pytest.skip(SKIP_NO_CHROMIUM)
    # Playwright's sync API keeps an event loop running in the test thread while it is
    # started, and Django refuses ORM calls from a thread with a running loop unless told
    # otherwise. Only for as long as the browser lives, so other tests keep the check.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            # An interrupted run (Ctrl-C, a CI timeout) may have stopped chromium already.
            with contextlib.suppress(Error):
                launched.close()
    finally:
        playwright.stop()
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
