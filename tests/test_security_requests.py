"""Item 9 of the trust-and-safety issue: CSRF on every POST, no state change on GET, and
tokens that are long, stored hashed and never logged."""

from __future__ import annotations

import base64
import io
import logging
import re
import smtplib
from unittest import mock

from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from tautoko.lib.log_redaction import SecretRedactingFilter, secrets_redact
from tautoko.lib.tokens import code_new, token_digest, token_new
from tautoko.petitions.models import Signature
from tests.base import SIGN_FORM_VALID, TautokoTestCase
from tests.security import (
    Route,
    database_snapshot,
    route_filler,
    routes,
    staff_client,
    world_build,
)

# RFC 8058: a mail client's one-click unsubscribe POST carries no cookie and no CSRF token;
# the signed token in the URL authorises it, and all it can do is stop update emails.
CSRF_EXEMPT_ROUTES = {"signers:unsubscribe"}


def bits(token: str) -> int:
    return 8 * len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


class CsrfTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.values = world_build(self)
        self.walked = routes(route_filler(self.values))

    def test_a_post_without_a_token_is_refused_on_every_route(self) -> None:
        clients = {
            "anonymous": Client(enforce_csrf_checks=True),
            "staff": staff_client(self.moderator, enforce_csrf_checks=True),
        }
        before = database_snapshot()
        for who, client in clients.items():
            for route in self.walked:
                if route.name in CSRF_EXEMPT_ROUTES:
                    continue
                response = client.post(route.path, {**SIGN_FORM_VALID, "email": "x@example.org"})
                assert response.status_code == 403, f"{who} POST {route.path}"
                assert b"Please try again" in response.content, f"{who} POST {route.path}"

        assert database_snapshot() == before
        assert len(self.walked) >= 20

    def test_no_view_but_the_one_click_unsubscribe_is_exempt_from_csrf(self) -> None:
        exempt = [route.name for route in self.walked if getattr(route.callback, "csrf_exempt", 0)]
        assert exempt == sorted(CSRF_EXEMPT_ROUTES)

    def test_the_same_post_with_a_token_goes_through_so_the_test_above_can_fail(self) -> None:
        client = Client(enforce_csrf_checks=True)
        page = client.get(reverse("petitions:detail", args=[self.values["slug"]]))
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
        assert token is not None

        response = client.post(
            reverse("petitions:sign", args=[self.values["slug"]]),
            {**SIGN_FORM_VALID, "csrfmiddlewaretoken": token.group(1).decode()},
        )

        assert response.status_code == 302


class EveryRouteTestCase(TautokoTestCase):
    def walk_prepared(self) -> tuple[dict[str, str], list[Client], list[Route]]:
        """The world's values, an anonymous and a staff client, and every route to walk."""
        values = world_build(self)
        # The staff client first: its two-factor device is a row the admin's routes walk.
        anonymous, staff = Client(), staff_client(self.moderator)
        walked = routes(route_filler(values))
        self.moderator.is_superuser = True
        self.moderator.save(update_fields=["is_superuser"])
        return values, [anonymous, staff], walked


class NoStateChangeOnGetTests(EveryRouteTestCase):
    @override_settings(DEMO=True)
    def test_getting_every_route_changes_no_row(self) -> None:
        values, clients, walked = self.walk_prepared()
        before = database_snapshot(sessions=False)

        statuses = []
        for client in clients:
            for route in walked:
                statuses.append(client.get(route.path).status_code)
                # Query strings that a link in an email or a share button might carry.
                client.get(route.path + "?source=email&again=1&resent=1&next=/")

        assert database_snapshot(sessions=False) == before
        assert statuses.count(200) >= 15  # the pages rendered, they did not just redirect
        # The confirmation link is still live after every GET of it.
        signature = Signature.objects.get(token_hash=token_digest(values["token"]))
        assert signature.state == Signature.State.PENDING


class HeadTests(EveryRouteTestCase):
    @override_settings(DEMO=True)
    def test_every_route_that_answers_get_answers_head_alike_and_changes_no_row(self) -> None:
        # Load balancers and link checkers ask with HEAD: a 405 there reads as "down".
        _values, clients, walked = self.walk_prepared()
        answered = []
        for client in clients:
            for route in walked:
                got = client.get(route.path)
                before = database_snapshot(sessions=False)
                head = client.head(route.path)
                assert database_snapshot(sessions=False) == before, route.path
                assert head.status_code == got.status_code, route.path
                assert head.content == b"", route.path
                if got.status_code == 200:
                    assert head["Content-Type"] == got["Content-Type"], route.path
                    answered.append(route.path)
        assert len(answered) >= 15
        assert Client().head("/no/such/page/here").status_code == 404


class TokenTests(TautokoTestCase):
    def test_confirmation_tokens_carry_256_bits_and_public_codes_at_least_128(self) -> None:
        tokens = {token_new()[0] for _ in range(1000)}
        codes = {code_new() for _ in range(1000)}

        assert len(tokens) == 1000 and len(codes) == 1000
        assert {bits(token) for token in tokens} == {256}
        assert min(bits(code) for code in codes) >= 128

    def test_a_signature_stores_only_the_sha256_of_its_token(self) -> None:
        petition = self.make_petition()
        self.client.post(reverse("petitions:sign", args=[petition.slug]), SIGN_FORM_VALID)
        self.work_run()
        token = self.confirmation_token_latest()

        signature = Signature.objects.get()
        assert bits(token) == 256
        assert signature.token_hash == token_digest(token)
        assert len(signature.token_hash) == 64

    def test_once_sent_the_token_is_nowhere_in_the_database(self) -> None:
        petition = self.make_petition()
        self.client.post(reverse("petitions:sign", args=[petition.slug]), SIGN_FORM_VALID)
        with self.captureOnCommitCallbacks(execute=True):
            pass
        # Find the token while it waits in the outbox, then send it as production does.
        queued = repr(database_snapshot())
        token = re.search(r"/confirm/([\w-]{43})", queued)
        assert token is not None, "the queued email holds the link until it is sent"
        self.work_run(keep_bodies=False)

        assert token.group(1) not in repr(database_snapshot())

    def test_tokens_and_links_are_never_logged(self) -> None:
        petition = self.make_petition()
        records: list[logging.LogRecord] = []
        handler = logging.Handler(level=logging.DEBUG)
        handler.emit = records.append  # type: ignore[method-assign]
        root = logging.getLogger()
        root.addHandler(handler)
        self.addCleanup(root.removeHandler, handler)
        previous_level = root.level
        root.setLevel(logging.DEBUG)
        self.addCleanup(root.setLevel, previous_level)
        client = Client(raise_request_exception=False)

        client.post(reverse("petitions:sign", args=[petition.slug]), SIGN_FORM_VALID)
        self.work_run()
        link = self.confirmation_link_latest()
        token = link.rsplit("/", 1)[1]
        client.get(link)
        client.post(link)
        client.post(link)  # used: 410
        client.get(link[:-3] + "xyz")  # forged: 404
        client.post(reverse("petitions:resend", args=[petition.slug]), SIGN_FORM_VALID)
        self.work_run()

        logged = "\n".join(record.getMessage() + repr(record.args) for record in records)
        assert token not in logged
        assert token[:-3] not in logged
        assert "/confirm/" not in logged
        assert settings.SECRET_KEY not in logged


class LogRedactionTests(TautokoTestCase):
    def test_a_failing_confirmation_request_logs_its_path_without_the_token(self) -> None:
        petition = self.make_petition()
        signature = self.make_signature(petition)
        link = reverse("petitions:confirm", args=[petition.slug, signature.token])
        console = next(
            handler
            for handler in logging.getLogger().handlers
            if any(isinstance(f, SecretRedactingFilter) for f in handler.filters)
        )
        stream = io.StringIO()
        original_stream = console.setStream(stream)  # type: ignore[attr-defined]
        self.addCleanup(console.setStream, original_stream)  # type: ignore[attr-defined]

        with mock.patch(
            "tautoko.petitions.services.signature_confirm", side_effect=RuntimeError("boom")
        ):
            response = Client(raise_request_exception=False).post(link)

        assert response.status_code == 500
        written = stream.getvalue()
        assert "Internal Server Error" in written
        assert f"/{petition.slug}/confirm/[redacted]" in written
        assert signature.token not in written  # type: ignore[attr-defined]

    def test_an_smtp_server_refusing_a_signers_address_does_not_put_it_in_the_log(self) -> None:
        console = next(
            handler
            for handler in logging.getLogger().handlers
            if any(isinstance(f, SecretRedactingFilter) for f in handler.filters)
        )
        stream = io.StringIO()
        original_stream = console.setStream(stream)  # type: ignore[attr-defined]
        self.addCleanup(console.setStream, original_stream)  # type: ignore[attr-defined]
        petition = self.make_petition()
        self.client.post(
            reverse("petitions:sign", args=[petition.slug]),
            {**SIGN_FORM_VALID, "email": "Hine.Signer+news@example.org"},
        )
        refused = smtplib.SMTPRecipientsRefused(
            {"Hine.Signer+news@example.org": (550, b"5.1.1 <Hine.Signer+news@example.org> unknown")}
        )

        with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=refused):
            self.work_run()

        written = stream.getvalue()
        assert "email confirm-signature to outbox key" in written and "failed" in written
        assert "[email]" in written and "550" in written
        assert "hine.signer" not in written.lower()

    def test_the_filter_redacts_tokens_in_messages_and_arguments(self) -> None:
        token = token_new()[0]
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "at %s", (token,), None)

        assert SecretRedactingFilter().filter(record) is True
        assert record.getMessage() == "at [redacted]"
        assert secrets_redact(f"/p/confirm/{token}?x=1") == "/p/confirm/[redacted]?x=1"
        assert secrets_redact("/saysorryjohn/sign") == "/saysorryjohn/sign"
