"""CSRF tokens made from one os.urandom read (tautoko/lib/csrf.py)."""

from __future__ import annotations

from collections import Counter

from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    _check_token_format,
    _unmask_cipher_token,
)
from django.test import RequestFactory, SimpleTestCase

from tautoko.lib.csrf import csrf_token, random_string, token_masked


class CsrfTokenTests(SimpleTestCase):
    def test_a_masked_token_unmasks_to_its_secret_as_django_reads_it(self) -> None:
        for _ in range(200):
            secret = random_string()
            token = token_masked(secret)
            _check_token_format(token)
            assert _unmask_cipher_token(token) == secret

    def test_the_same_secret_is_masked_differently_each_time(self) -> None:
        secret = random_string()
        assert len({token_masked(secret) for _ in range(50)}) == 50

    def test_random_strings_use_every_character_of_the_alphabet_evenly(self) -> None:
        drawn = Counter("".join(random_string() for _ in range(5000)))
        assert set(drawn) == set(CSRF_ALLOWED_CHARS)
        expected = 5000 * CSRF_SECRET_LENGTH / len(CSRF_ALLOWED_CHARS)
        # Far outside chance for a uniform draw (about 50 standard deviations).
        assert all(abs(n - expected) < 0.15 * expected for n in drawn.values())

    def test_a_new_visitor_gets_a_new_secret_for_their_cookie(self) -> None:
        request = RequestFactory().get("/")
        token = csrf_token(request)
        assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
        assert _unmask_cipher_token(token) == request.META["CSRF_COOKIE"]

    def test_a_returning_visitor_keeps_their_secret(self) -> None:
        request = RequestFactory().get("/")
        request.META["CSRF_COOKIE"] = secret = random_string()
        assert _unmask_cipher_token(csrf_token(request)) == secret
        assert request.META["CSRF_COOKIE"] == secret
