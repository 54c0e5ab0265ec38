"""The word diff between versions of a petition's text (tautoko/petitions/versions.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tautoko.petitions.models import PetitionVersion
from tautoko.petitions.versions import DiffPart, version_changes, version_entries, words_diff


def test_a_replaced_phrase_reads_as_one_deletion_then_one_insertion() -> None:
    assert words_diff("Fund a free lunch now.", "Fund a healthy school lunch now.") == [
        DiffPart("same", "Fund a "),
        DiffPart("removed", "free"),
        DiffPart("added", "healthy school"),
        DiffPart("same", " lunch now."),
    ]


def test_words_added_at_the_end_and_removed_at_the_start() -> None:
    assert words_diff("Please fund lunches", "fund lunches for all") == [
        DiffPart("removed", "Please "),
        DiffPart("same", "fund lunches"),
        DiffPart("added", " for all"),
    ]


def test_line_ends_from_a_browser_are_no_change() -> None:
    assert words_diff("One.\n\nTwo.", "One.\r\n\r\nTwo.") == [DiffPart("same", "One.\n\nTwo.")]


def test_a_new_paragraph_is_an_insertion_with_its_line_breaks() -> None:
    parts = words_diff("One.", "One.\n\nTwo.")
    assert parts == [DiffPart("same", "One."), DiffPart("added", "\n\nTwo.")]


def test_text_with_markup_is_kept_as_text() -> None:
    parts = words_diff("Hello", "Hello <script>alert(1)</script>")
    assert parts[-1] == DiffPart("added", " <script>alert(1)</script>")


@given(st.text(), st.text())
def test_the_parts_rebuild_both_texts(before: str, after: str) -> None:
    parts = words_diff(before, after)
    old = "".join(p.text for p in parts if p.kind != "added")
    new = "".join(p.text for p in parts if p.kind != "removed")
    normal = [t.replace("\r\n", "\n").replace("\r", "\n").strip() for t in (before, after)]
    assert (old, new) == (normal[0], normal[1])
    assert all(part.text for part in parts)


def _version(number: int, **fields: str) -> PetitionVersion:
    values = {"title": "Title", "summary": "Summary", "statement": "Why"} | fields
    return PetitionVersion(number=number, **values)


def test_only_the_fields_that_changed_are_listed() -> None:
    changes = version_changes(_version(1), _version(2, statement="Because"))
    assert [change.name for change in changes] == ["statement"]
    assert changes[0].label == "Why"


def test_the_entries_follow_the_numbers_and_the_first_has_no_changes() -> None:
    entries = version_entries([_version(2, title="New"), _version(1)])
    assert [entry.version.number for entry in entries] == [1, 2]
    assert entries[0].changes == []
    assert [change.name for change in entries[1].changes] == ["title"]
    assert version_entries([]) == []
