"""The sign form's electorates file is checked when the settings load: a start-up refusal
with the variable's name, as for any malformed setting, not a server error on every page
that shows the form."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

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
