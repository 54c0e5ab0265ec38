"""Item 8 of the trust-and-safety issue: the security headers and cookies of every response.

Every route of the URLconf is requested under production settings (HTTPS on), anonymously
and as staff, with real slugs and tokens, and so are the error pages (400, 403 for a CSRF
failure, 404, 405, 410, 500) and a static file.
"""

from __future__ import annotations

from http.cookies import Morsel
from typing import Any

from django.http import HttpResponse
from django.test import Client, override_settings

from tautoko.lib.embedding import embed_frame_ancestors
from tests.base import SIGN_FORM_VALID, TautokoTestCase
from tests.security import (
    production_security_settings,
    route_filler,
    routes,
    staff_client,
    world_build,
)

HSTS = "max-age=31536000; includeSubDomains; preload"


def csp_directives(response: HttpResponse) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    directives = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        directives[name] = sources
    return directives


class SecurityHeaderTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.production = override_settings(
            **production_security_settings(), ROOT_URLCONF="tests.urls_security", DEMO=True
        )
        self.production.enable()
        self.addCleanup(self.production.disable)
        self.values = world_build(self)
        self.cookies_seen: dict[str, Morsel[Any]] = {}
        self.checked = 0

    def assert_secure(self, response: HttpResponse, what: str, *, embeddable: bool = False) -> None:
        assert response["Strict-Transport-Security"] == HSTS, what
        assert response["X-Content-Type-Options"] == "nosniff", what
        assert response["Referrer-Policy"] in ("strict-origin-when-cross-origin", "same-origin")
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", what
        directives = csp_directives(response)
        assert directives["script-src"] == ["'self'"], what
        assert directives["object-src"] == ["'none'"], what
        assert directives["base-uri"] == ["'none'"], what
        assert directives["default-src"] == ["'self'"], what
        if embeddable:
            assert directives["frame-ancestors"] == embed_frame_ancestors(), what
            assert "X-Frame-Options" not in response, what
        else:
            assert directives["frame-ancestors"] == ["'none'"], what
            assert response["X-Frame-Options"] == "DENY", what
        for name, morsel in response.cookies.items():
            self.assert_cookie_secure(name, morsel, what)
        self.checked += 1

    def assert_cookie_secure(self, name: str, morsel: Morsel[Any], what: str) -> None:
        assert name.startswith("__Host-"), f"{name} on {what}"
        assert morsel["secure"] is True, f"{name} on {what}"
        assert morsel["path"] == "/", f"{name} on {what}"
        assert not morsel["domain"], f"{name} on {what}"
        assert morsel["samesite"] in ("Lax", "Strict"), f"{name} on {what}"
        if morsel.value:  # a deletion need not be HttpOnly
            assert morsel["httponly"] is True, f"{name} on {what}"
        self.cookies_seen[name] = morsel

    # --- Every route ----------------------------------------------------------------------

    def test_every_route_answers_with_the_security_headers_anonymously_and_as_staff(
        self,
    ) -> None:
        # The staff client first: its two-factor device is a row the admin's routes walk.
        clients = {
            "anonymous": Client(),
            "staff": staff_client(self.make_superuser()),
        }
        walked = routes(route_filler(self.values), urlconf="tautoko.urls")
        statuses: set[int] = set()
        for who, client in clients.items():
            for route in walked:
                response = client.get(route.path, secure=True)
                statuses.add(response.status_code)
                self.assert_secure(
                    response,
                    f"{who} GET {route.path} ({route.name})",
                    embeddable=getattr(route.callback, "embeddable", False),
                )

        assert len(walked) >= 20  # the petitions, outbox and admin routes at the least
        assert self.checked == 2 * len(walked)
        assert {200, 302} <= statuses
        assert "__Host-csrftoken" in self.cookies_seen

    def make_superuser(self) -> Any:
        self.moderator.is_superuser = True
        self.moderator.save(update_fields=["is_superuser"])
        return self.moderator

    # --- Cookies --------------------------------------------------------------------------

    def test_the_session_and_csrf_cookies_are_host_only_secure_httponly_and_samesite(
        self,
    ) -> None:
        client = Client()
        page = client.get(f"/{self.values['slug']}", secure=True)
        session = client.get("/test-only/session", secure=True)
        language = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, secure=True)

        self.assert_secure(page, "petition page")
        self.assert_secure(session, "session write")
        self.assert_secure(language, "language switch")
        assert set(self.cookies_seen) == {
            "__Host-csrftoken",
            "__Host-sessionid",
            "__Host-django_language",
        }
        assert self.cookies_seen["__Host-sessionid"]["httponly"] is True
        assert self.cookies_seen["__Host-csrftoken"]["httponly"] is True

    # --- Error pages ----------------------------------------------------------------------

    def test_error_pages_carry_the_security_headers(self) -> None:
        slug = self.values["slug"]
        client = Client(raise_request_exception=False)
        strict = Client(enforce_csrf_checks=True)
        closed = self.make_petition(state="closed")
        used = self.make_signature(self.make_petition(), state="pending")
        client.post(f"/{used.petition.slug}/confirm/{used.token}", secure=True)

        responses = {
            400: client.post(
                f"/{slug}/sign",
                data="name=" + "x" * (65 * 1024),
                content_type="application/x-www-form-urlencoded",
                secure=True,
            ),
            403: strict.post(f"/{slug}/sign", SIGN_FORM_VALID, secure=True),
            404: client.get("/no-such-petition-here", secure=True),
            405: client.post(f"/{slug}", secure=True),
            410: client.post(f"/{closed.slug}/sign", SIGN_FORM_VALID, secure=True),
            500: client.get("/test-only/error", secure=True),
        }
        responses_more = [
            client.get(f"/{used.petition.slug}/confirm/{used.token}", secure=True),
            client.get("/admin/no-such-page/", secure=True),
        ]

        for status, response in responses.items():
            assert response.status_code == status, (status, response.status_code)
            self.assert_secure(response, f"error page {status}")
        assert responses_more[0].status_code == 410
        for response in responses_more:
            self.assert_secure(response, f"error page {response.status_code}")
        assert b"Please try again" in responses[403].content  # Tautoko's CSRF failure page

    def test_static_files_carry_hsts_and_nosniff(self) -> None:
        response = Client().get("/static/tautoko/site.css", secure=True)
        assert response.status_code == 200
        assert response["Strict-Transport-Security"] == HSTS
        assert response["X-Content-Type-Options"] == "nosniff"

    def test_plain_http_is_redirected_to_https(self) -> None:
        response = Client().get(f"/{self.values['slug']}")
        assert response.status_code == 301
        assert response["Location"].startswith("https://")

    # --- Framing ----------------------------------------------------------------------------

    def test_an_embeddable_view_may_be_framed_by_the_configured_sites_only(self) -> None:
        response = Client().get("/test-only/widget", secure=True)

        self.assert_secure(response, "widget", embeddable=True)
        assert csp_directives(response)["frame-ancestors"] == ["https:"]
        # The relaxation is the widget's alone.
        self.assert_secure(Client().get(f"/{self.values['slug']}", secure=True), "petition")
