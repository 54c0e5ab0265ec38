"""The short middleware stack of the signing hot path (tautoko/lib/hot_path.py)."""

from __future__ import annotations

import re

from django.test import Client

from tautoko.lib.hot_path import hot_match
from tautoko.petitions.models import Petition, Signature
from tests.base import TautokoTestCase


class HotMatchTests(TautokoTestCase):
    def test_it_marks_the_petition_page_sign_signed_and_count_as_hot(self) -> None:
        for path in (
            "/saysorryjohn",
            "/saysorryjohn/sign",
            "/saysorryjohn/signed",
            "/api/v1/petitions/saysorryjohn/count",
        ):
            match = hot_match(path)
            assert match is not None, path
            assert match.kwargs == {"slug": "saysorryjohn"}

    def test_it_leaves_every_other_page_to_the_full_stack(self) -> None:
        for path in ("/", "/organise/", "/moderate/", "/search", "/no/such/page", "/" + "a" * 300):
            assert hot_match(path) is None, path


class ShortStackTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(state=Petition.State.OPEN)
        self.path = f"/{self.petition.slug}"

    def test_a_hot_page_never_loads_the_session_or_the_user(self) -> None:
        self.client.force_login(self.organiser)
        response = self.client.get(self.path)
        assert response.status_code == 200
        assert not hasattr(response.wsgi_request, "session")
        assert not hasattr(response.wsgi_request, "user")
        # Any other page still gets the whole stack.
        home = self.client.get("/")
        assert hasattr(home.wsgi_request, "session")
        assert home.wsgi_request.user == self.organiser

    def test_a_hot_page_carries_the_same_security_headers_as_any_page(self) -> None:
        hot = self.client.get(self.path)
        full = self.client.get("/")
        for header in (
            "Content-Security-Policy",
            "X-Frame-Options",
            "X-Content-Type-Options",
            "Referrer-Policy",
            "Cross-Origin-Opener-Policy",
        ):
            assert hot[header] == full[header], header
        assert hot["Content-Language"] == "en"

    def test_the_sign_form_needs_the_csrf_token_the_page_gave(self) -> None:
        browser = Client(enforce_csrf_checks=True)
        page = browser.get(self.path).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None
        data = self.sign_form(self.petition, email="hot@example.org")
        refused = browser.post(f"{self.path}/sign", {**data, "csrfmiddlewaretoken": "x" * 64})
        assert refused.status_code == 403
        assert not Signature.objects.exists()
        signed = browser.post(f"{self.path}/sign", {**data, "csrfmiddlewaretoken": token[1]})
        assert signed.status_code == 302
        assert Signature.objects.get().email == "hot@example.org"
