"""Malformed settings stop the start with a message naming the variable (README,
"Configuration"), not a server error on every page later: the electorates file, REDIS_URL,
LOG_LEVEL, SITE_URL and the default country."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from tautoko.core.checks import default_country_check
from tests.test_view_moderation_slow_notice import settings_loaded


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),  # no such file
        ("Ōhāriu".encode("utf-16"), "cannot read"),  # not UTF-8
        (b"# a comment only\n\n", "names no electorate"),
    ],
)
def test_a_file_that_cannot_serve_the_form_stops_the_start(
    content: bytes | None, message: str
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "electorates.txt"
        if content is not None:
            path.write_bytes(content)
        with pytest.raises(ImproperlyConfigured, match=f"TAUTOKO_ELECTORATES_FILE: .*{message}"):
            settings_loaded(TAUTOKO_ELECTORATES_FILE=str(path))


def test_a_file_of_names_is_taken() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "electorates.txt"
        path.write_text("# Wellington\nŌhāriu\nRongotai\n", encoding="utf-8")
        assert settings_loaded(TAUTOKO_ELECTORATES_FILE=str(path))["ELECTORATES_FILE"] == str(path)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("REDIS_URL", "notaurl"),
        ("REDIS_URL", "http://127.0.0.1:6379"),
        ("LOG_LEVEL", "LOUD"),
        ("SITE_URL", "not-a-url"),
        ("SITE_URL", "https://"),
        ("SITE_URL", "ftp://petitions.example.org"),
    ],
)
def test_a_malformed_value_stops_the_start_naming_its_variable(variable: str, value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=f"^{variable} must"):
        settings_loaded(**{variable: value})


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("REDIS_URL", "redis://127.0.0.1:6379/2"),
        ("LOG_LEVEL", "warning"),
        ("LOG_LEVEL", "WARNING"),
        ("LOG_LEVEL", "WARN"),
        ("SITE_URL", "https://petitions.example.org"),
        ("SITE_URL", "http://127.0.0.1:8000"),
    ],
)
def test_a_well_formed_value_is_taken(variable: str, value: str) -> None:
    settings_loaded(**{variable: value})


def test_the_default_country_must_be_one_of_the_forms_countries() -> None:
    for code, errors in (("NZ", 0), ("ZZZ", 1), ("XX", 1)):
        with override_settings(TAUTOKO={"DEFAULT_COUNTRY": code}):
            found = default_country_check(None)
        assert len(found) == errors, code
        assert all("TAUTOKO_DEFAULT_COUNTRY" in str(error.msg) for error in found)
