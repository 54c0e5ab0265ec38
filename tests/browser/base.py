"""The base class of browser tests: a live server and a fresh browser page per test, and
the steps that several journeys share (logging in, drafting, signing and confirming)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import pytest
from django.test import LiveServerTestCase, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, ConsoleMessage, Error, Locator, Page, expect

from tautoko.outbox.services import outbox_deliver
from tests.staff import totp_token

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
        self._requests_finished_wait()

    @staticmethod
    def _requests_finished_wait(seconds: float = 5.0) -> None:
        """Wait (a few seconds at most) for the live server's request threads to end.

        Each connection the browser opened is served by a thread of its own, which closes
        the database connections it used when the browser closes the connection. The live
        server shares the test's database connection with those threads only while the
        test class runs: a thread that ended after the class had torn down tried to close
        the connection from a thread no longer allowed to, and failed in the background.
        """
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and any(
            thread.is_alive() and thread.name.endswith("(process_request_thread)")
            for thread in threading.enumerate()
        ):
            time.sleep(0.02)

    def _console_error_keep(self, message: ConsoleMessage) -> None:
        # A blocked script or style is only reported on the console.
        if message.type == "error" and "Content Security Policy" in message.text:
            self.page_errors.append(message.text)

    def url(self, path: str) -> str:
        return self.live_server_url + path

    def assert_no_page_errors(self) -> None:
        assert self.page_errors == []

    # --- Steps shared by journeys ------------------------------------------------------
    # Journeys that use the dev outbox run with DEMO and OUTBOX_KEEP_BODIES on, and do the
    # worker's jobs (sending email, folding counts) themselves, where a person would wait.

    def log_in(self, email: str, *, password: str, lands_on: str = "Your petitions") -> None:
        """Log in as someone else: the cookies of whoever came before are dropped."""
        page = self.page
        page.context.clear_cookies()
        page.goto(self.url("/accounts/login/"))
        page.locator("input[name=login]").fill(email)
        page.locator("input[name=password]").fill(password)
        page.locator("main form button[type=submit]").click()
        expect(page.get_by_role("heading", name=lands_on)).to_be_visible()

    def staff_log_in_and_verify(self, email: str, *, password: str, device: TOTPDevice) -> None:
        """Staff land on the moderation queue, which first asks for the two-factor code.

        A TOTP code is accepted once: a second verification by the same device within one
        30-second step is refused, so a journey's second staff login uses another member.
        """
        page = self.page
        self.log_in(email, password=password, lands_on="Two-factor check")
        page.get_by_label("Code from your authenticator app").fill(totp_token(device))
        page.get_by_role("button", name="Verify").click()
        expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()

    def organiser_drafts(
        self, *, title: str, summary: str, statement: str, decision_maker: str, goal: int
    ) -> None:
        """A logged-in organiser starts a petition and saves it: its preview, as a draft."""
        page = self.page
        page.get_by_role("link", name="Start a petition").last.click()
        form = page.locator("form.petition-form")
        form.get_by_label("Title").fill(title)
        form.get_by_label("What should happen").fill(summary)
        form.get_by_label("Why").fill(statement)
        form.get_by_label("Who can make it happen").select_option(decision_maker)
        form.get_by_label("Signature goal").fill(str(goal))
        form.get_by_role("button", name="Save draft and preview").click()
        expect(page.locator("[data-state]")).to_have_text("Draft")

    def sign_form_fill(self, form: Locator, *, name: str, email: str, notify: bool) -> None:
        """Fill in the sign form (the public one or the sponsors'), consent included."""
        form.get_by_label("Your name", exact=True).fill(name)
        form.get_by_label("Email address", exact=True).fill(email)
        form.get_by_label("Electorate", exact=True).select_option("Wellington Central")
        if notify:
            form.get_by_label("Keep me updated about this petition").check()
        form.get_by_label("I agree that Tautoko records my signature").check()

    def outbox_email_open(self, to: str) -> None:
        """Send what is queued (the worker's job), then open the newest email to ``to``."""
        page = self.page
        outbox_deliver()
        page.goto(self.url("/dev/outbox/"))
        page.locator("table.outbox tbody tr", has_text=to).first.get_by_role("link").click()
        expect(page.locator(".email-body")).to_be_visible()

    def sponsor_signs_and_confirms(
        self, link: str, *, name: str, email: str, notify: bool = False
    ) -> None:
        """A sponsor opens the sponsor link, signs, and confirms from the emailed link."""
        page = self.page
        page.context.clear_cookies()
        page.goto(link)
        form = page.locator("form.sign-form")
        self.sign_form_fill(form, name=name, email=email, notify=notify)
        form.get_by_role("button", name="Sponsor", exact=True).click()
        expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
        self.outbox_email_open(email)
        page.locator(".email-body a[href*='/sponsor/confirm/']").click()
        expect(page.get_by_role("heading", name="Confirm that you sponsor it")).to_be_visible()
        page.get_by_role("button", name="Confirm", exact=True).click()
        expect(
            page.get_by_role("heading", name="Thank you — you sponsor this petition")
        ).to_be_visible()

    def sign_and_confirm(
        self, slug: str, *, name: str, email: str, notify: bool, wait_ms: int = 3_000
    ) -> None:
        """A member of the public signs on the petition's page and confirms by email.

        ``wait_ms``: a person takes a few seconds over the form, and one sent sooner after
        the page was served is shadow-flagged as a bot's (tautoko/fraud), unless the test
        lowered ``FraudSettings.min_fill_seconds``.
        """
        page = self.page
        page.context.clear_cookies()
        page.goto(self.url(f"/{slug}"))
        form = page.locator("form.sign-form")
        self.sign_form_fill(form, name=name, email=email, notify=notify)
        if wait_ms:
            page.wait_for_timeout(wait_ms)
        form.get_by_role("button", name="Sign", exact=True).click()
        expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
        self.outbox_email_open(email)
        page.locator(".email-body a[href*='/confirm/']").click()
        expect(page.get_by_role("heading", name="Confirm your signature")).to_be_visible()
        page.get_by_role("button", name="Confirm", exact=True).click()
        expect(page.locator(".signer-number")).to_be_visible()
