"""The base class of browser tests: a live server and a fresh browser page per test."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from django.test import LiveServerTestCase, override_settings
from playwright.sync_api import Browser, ConsoleMessage, Error, Page

# Long enough for a slow CI machine, short enough that a broken page fails quickly.
TIMEOUT_MS = 10_000


class BrowserTestCase(LiveServerTestCase):
    """A live server and, for each test, a fresh browser context and page.

    LiveServerTestCase, not StaticLiveServerTestCase: pages link the hashed file names that
    collectstatic wrote to STATIC_ROOT, which the latter's static file finders do not know.
    """

    host = "127.0.0.1"
    page: Page
    page_errors: list[str]

    @pytest.fixture(autouse=True)
    def _browser_page(self, browser: Browser) -> Iterator[None]:
        context = browser.new_context(locale="en")
        context.set_default_timeout(TIMEOUT_MS)
        self.page = context.new_page()
        self.page_errors = []
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        self.page.on("console", self._console_error_keep)
        # Links in emails are built from SITE_URL: they must lead back to this server.
        with override_settings(SITE_URL=self.live_server_url):
            yield
        # An interrupted run (Ctrl-C, a CI timeout) may have stopped chromium already.
        with contextlib.suppress(Error):
            context.close()

    def _console_error_keep(self, message: ConsoleMessage) -> None:
        # A blocked script or style is only reported on the console.
        if message.type == "error" and "Content Security Policy" in message.text:
            self.page_errors.append(message.text)

    def url(self, path: str) -> str:
        return self.live_server_url + path

    def assert_no_page_errors(self) -> None:
        assert self.page_errors == []
