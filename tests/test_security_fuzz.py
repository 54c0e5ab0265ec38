"""Item 12 of the trust-and-safety issue: a Hypothesis-driven fuzz of every public form and
endpoint (sign, resend, confirm, the count JSON, the petition page, the home page and the
language switch) answers every request without a server error, and oversized bodies get 400.

Each generated example is one request: any method, a real or made-up slug and token, any
query string, form fields with real, junk and missing values plus fields nobody asked for,
raw bodies of any content type, odd headers. ``make test`` sends a few hundred;
``HYPOTHESIS_PROFILE=ci`` sends 6,000 (``TAUTOKO_FUZZ_REQUESTS`` overrides both).
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tautoko.petitions.models import Petition, Signature
from tests.base import SIGN_FORM_VALID, TautokoTestCase

FUZZ_REQUESTS = int(
    os.environ.get("TAUTOKO_FUZZ_REQUESTS")
    or (6_000 if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else 300)
)

# Any text a browser could send: every Unicode character but lone surrogates, which cannot
# be encoded (the client refuses them before any request is made).
junk = st.text(st.characters(exclude_categories=("Cs",)), max_size=120)
short_junk = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
# Header values arrive as bytes that WSGI servers decode as Latin-1, without control codes.
header_junk = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=40)
formula_names = st.sampled_from(["=1+1", "+64", "-x", "@SUM(A1)", "\t=x", " =x"])
field_values = st.one_of(
    junk,
    formula_names,
    st.sampled_from(["", " ", "on", "off", "NZ", "XX", "Wellington Central", "\x00", "é" * 101]),
    short_junk.map(lambda local: f"{local}@example.org"),
    st.integers().map(str),
)
FORM_FIELDS = ["name", "email", "electorate", "country", "consent", "notify", "source"]
FORM_FIELDS += ["language", "next", "csrfmiddlewaretoken"]


@st.composite
def forms(draw: st.DrawFn) -> dict[str, Any]:
    base = draw(st.sampled_from([{}, SIGN_FORM_VALID]))
    fields: dict[str, Any] = dict(base)
    for name in draw(st.lists(st.sampled_from(FORM_FIELDS), max_size=8)):
        fields[name] = draw(field_values)
    for name in draw(st.lists(short_junk, max_size=3)):
        fields[name] = draw(field_values)
    if draw(st.booleans()):  # a repeated field, as a browser sends for multiple values
        fields[draw(st.sampled_from(FORM_FIELDS))] = draw(st.lists(field_values, max_size=3))
    return fields


class PublicEndpointFuzzTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.open = self.make_petition()
        self.closed = self.make_petition(state=Petition.State.CLOSED)
        self.hidden = self.make_petition(state=Petition.State.HIDDEN)
        self.pending = self.make_signature(self.open)
        self.confirmed = self.make_signature(self.open, state=Signature.State.CONFIRMED)
        self.statuses: Counter[int] = Counter()
        self.endpoints: Counter[str] = Counter()

    def slugs(self) -> st.SearchStrategy[str]:
        real = [self.open.slug, self.closed.slug, self.hidden.slug]
        return st.one_of(st.sampled_from(real), short_junk.map(lambda s: quote(s, safe="")))

    def tokens(self) -> st.SearchStrategy[str]:
        token = self.pending.token  # type: ignore[attr-defined]
        real = [token, token[:-1], token + "x", "x"]
        return st.one_of(st.sampled_from(real), short_junk.map(lambda s: quote(s, safe="")))

    def requests(self) -> st.SearchStrategy[tuple[str, str]]:
        slugs, tokens = self.slugs(), self.tokens()
        return st.one_of(
            st.tuples(st.just("sign"), slugs.map(lambda s: f"/{s}/sign")),
            st.tuples(st.just("resend"), slugs.map(lambda s: f"/{s}/resend")),
            st.tuples(
                st.just("confirm"),
                st.tuples(slugs, tokens).map(lambda pair: f"/{pair[0]}/confirm/{pair[1]}"),
            ),
            st.tuples(st.just("count"), slugs.map(lambda s: f"/api/v1/petitions/{s}/count")),
            st.tuples(st.just("detail"), slugs.map(lambda s: f"/{s}")),
            st.tuples(st.just("home"), st.just("/")),
            st.tuples(st.just("language"), st.just(reverse("set_language"))),
        )

    def test_generated_requests_to_every_public_endpoint_cause_no_server_error(self) -> None:
        client = Client()
        strict_client = Client(enforce_csrf_checks=True)

        @hypothesis_settings(
            max_examples=FUZZ_REQUESTS,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(
            request=self.requests(),
            method=st.sampled_from(["GET", "POST", "POST", "POST", "HEAD", "PUT", "OPTIONS"]),
            form=forms(),
            query=st.dictionaries(st.sampled_from(["source", "next", "again", "x"]), junk),
            body=st.one_of(st.none(), st.binary(max_size=600)),
            content_type=st.sampled_from(
                [
                    "application/x-www-form-urlencoded",
                    "multipart/form-data; boundary=BoUnDaRy",
                    "multipart/form-data",
                    "application/json",
                    "text/plain; charset=utf-16",
                    "application/x-www-form-urlencoded; charset=bogus",
                    "application/x-www-form-urlencoded; charset=latin-1",
                ]
            ),
            headers=st.fixed_dictionaries(
                {},
                optional={
                    "HTTP_ACCEPT_LANGUAGE": header_junk,
                    "HTTP_X_FORWARDED_FOR": header_junk,
                    "HTTP_REFERER": header_junk,
                    "HTTP_HX_REQUEST": st.just("true"),
                    "HTTP_COOKIE": header_junk,
                },
            ),
            enforce_csrf=st.booleans(),
        )
        def request_once(
            request: tuple[str, str],
            method: str,
            form: dict[str, Any],
            query: dict[str, str],
            body: bytes | None,
            content_type: str,
            headers: dict[str, str],
            enforce_csrf: bool,
        ) -> None:
            endpoint, path = request
            the_client = strict_client if enforce_csrf else client
            if query:
                path += "?" + urlencode(query)
            if method == "POST" and body is None:
                response = the_client.post(path, form, **headers)
            else:
                response = the_client.generic(
                    method, path, data=body or b"", content_type=content_type, **headers
                )
            self.statuses[response.status_code] += 1
            self.endpoints[endpoint] += 1
            assert response.status_code < 500, (method, path, response.status_code)

        request_once()

        assert sum(self.statuses.values()) >= FUZZ_REQUESTS, self.statuses
        assert not [status for status in self.statuses if status >= 500], self.statuses
        # The fuzz reached every endpoint, and got past the CSRF check into the views.
        assert set(self.endpoints) == {
            "sign",
            "resend",
            "confirm",
            "count",
            "detail",
            "home",
            "language",
        }, self.endpoints
        assert {200, 403, 404, 405} <= set(self.statuses), self.statuses
        assert {302, 400, 410} & set(self.statuses), self.statuses  # forms were processed


class OversizedBodyTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        petition = self.make_petition()
        signature = self.make_signature(petition)
        self.post_endpoints = [
            reverse("petitions:sign", args=[petition.slug]),
            reverse("petitions:resend", args=[petition.slug]),
            reverse("petitions:confirm", args=[petition.slug, signature.token]),  # type: ignore[attr-defined]
            reverse("set_language"),
        ]

    def test_a_body_over_64_kib_is_refused_with_400_on_every_post_endpoint(self) -> None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        assert limit == 64 * 1024
        bodies = {
            "urlencoded": ("application/x-www-form-urlencoded", "name=" + "x" * limit),
            "multipart": (
                "multipart/form-data; boundary=B",
                '--B\r\nContent-Disposition: form-data; name="name"\r\n\r\n'
                + "x" * (limit + 1)
                + "\r\n--B--\r\n",
            ),
        }
        for path in self.post_endpoints:
            for kind, (content_type, body) in bodies.items():
                with self.subTest(path=path, kind=kind):
                    response = self.client.generic(
                        "POST", path, data=body, content_type=content_type
                    )
                    assert response.status_code == 400
        assert not Signature.objects.filter(name__startswith="xxx").exists()

    def test_a_body_just_under_the_limit_is_read(self) -> None:
        body = "name=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 100)
        response = self.client.generic(
            "POST",
            self.post_endpoints[0],
            data=body,
            content_type="application/x-www-form-urlencoded",
        )
        # The form's own checks answer (name too long, fields missing), not the size limit.
        assert response.status_code == 400
        assert b"Ensure this value has at most 100 characters" in response.content

    def test_more_than_50_fields_are_refused_with_400(self) -> None:
        fields = {f"field{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

        response = self.client.post(self.post_endpoints[0], fields)

        assert response.status_code == 400
        assert b"Ensure this value" not in response.content


class UrlCodeTests(TautokoTestCase):
    def test_a_token_receipt_or_code_outside_its_alphabet_is_a_404_without_a_query(self) -> None:
        # Found in review: a NUL byte in /<slug>/thanks/<receipt> reached a query, which
        # PostgreSQL refuses (a 500 there). Our codes are URL-safe Base64: nothing else routes.
        petition = self.make_petition()
        client = Client(raise_request_exception=False)
        for odd in ("ab%00cd", "a.b", "%C4%81", "a%20b", "a%2Fb"):
            paths = [
                f"/{petition.slug}/thanks/{odd}",
                f"/{petition.slug}/confirm/{odd}",
                f"/my-signatures/{odd}",
                f"/my-signatures/{odd}/export.json",
                f"/sponsor/{odd}",
                f"/sponsor/thanks/{odd}",
                f"/dev/outbox/{odd}/",
                f"/fraud/invalidations/{odd}/",
            ]
            for path in paths:
                with self.subTest(path=path):
                    with self.assertNumQueries(0):
                        response = client.get(path)
                    assert response.status_code == 404

    def test_the_codes_tautoko_makes_still_route(self) -> None:
        petition = self.make_petition()
        signature = self.make_signature(petition, state=Signature.State.CONFIRMED)
        response = self.client.get(
            reverse("petitions:thanks", args=[petition.slug, signature.receipt])
        )
        assert response.status_code == 200


class MalformedBodyTests(TautokoTestCase):
    def test_a_multipart_post_without_boundary_to_an_unknown_url_is_a_400_not_a_500(self) -> None:
        # Found by the fuzz: Django's 404 handler reads the body for a CSRF token, and the
        # parse error escaped the error handler as a 500.
        client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        client.get("/")  # a visitor with a CSRF cookie, whose token the handler looks for
        for path in ["/%3A/sign", "/no/such/page/here", "/dev/outbox/a/b/"]:
            with self.subTest(path=path):
                response = client.generic(
                    "POST", path, data=b"\x00", content_type="multipart/form-data"
                )
                assert response.status_code == 400

    def test_a_form_in_another_charset_is_a_400_with_every_header_on_every_url(self) -> None:
        # Found in review: Django refuses a urlencoded form that is not UTF-8 with BadRequest,
        # and its 400 page read the body again for a CSRF token: a bare 500, no headers.
        petition = self.make_petition()
        client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        client.get("/")
        paths = [
            reverse("petitions:sign", args=[petition.slug]),
            reverse("petitions:detail", args=[petition.slug]),
            reverse("signers:request"),
            reverse("set_language"),
            "/no/such/page/here",
        ]
        for charset in ("latin-1", "iso-8859-1", "windows-1252"):
            for path in paths:
                with self.subTest(path=path, charset=charset):
                    response = client.generic(
                        "POST",
                        path,
                        data="name=Zoë".encode(charset),
                        content_type=f"application/x-www-form-urlencoded; charset={charset}",
                    )
                    assert response.status_code == 400
                    assert "Content-Security-Policy" in response.headers
                    assert response.headers["X-Content-Type-Options"] == "nosniff"

    def test_an_unknown_url_still_answers_404_to_a_well_formed_post(self) -> None:
        response = Client(enforce_csrf_checks=True).post("/no/such/page/here", {"a": "b"})
        assert response.status_code == 404
