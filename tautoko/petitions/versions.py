"""What changed between two versions of a petition's text: a word-level diff.

The diff is of the text as the organiser wrote it (the statement's Markdown source, not its
HTML), cut into words and the spaces between them. It is data, not markup: templates print
each part, escaped, inside ``<ins>`` or ``<del>``, so no organiser's text is ever trusted as
HTML.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import re
from collections.abc import Sequence

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tautoko.petitions.models import PetitionVersion, text_normal

# A word, or a run of spaces and line breaks: joined again, the tokens are the text.
_TOKEN = re.compile(r"\s+|[^\s]+")

FIELDS: tuple[tuple[str, str | Promise], ...] = (
    ("title", _("Title")),
    ("summary", _("What should happen")),
    ("statement", _("Why")),
)


@dataclasses.dataclass(frozen=True)
class DiffPart:
    kind: str  # "same", "added" or "removed"
    text: str


@dataclasses.dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    parts: list[DiffPart]


@dataclasses.dataclass(frozen=True)
class VersionEntry:
    """One version on the history page, with what changed since the one before it."""

    version: PetitionVersion
    changes: list[FieldChange]


def words_diff(before: str, after: str) -> list[DiffPart]:
    """The parts of ``before`` and ``after`` in reading order: kept, removed, added.

    Line ends are normalised first, so that a browser's CRLF is no change. Each run of
    changes reads as one deletion then one insertion: the spaces kept between changed
    words belong to the run, so "a b" replaced by "x y" is one phrase for another.
    """
    old = _TOKEN.findall(text_normal(before))
    new = _TOKEN.findall(text_normal(after))
    parts: list[DiffPart] = []
    removed: list[str] = []
    added: list[str] = []

    def add(kind: str, tokens: Sequence[str]) -> None:
        text = "".join(tokens)
        if text:
            parts.append(DiffPart(kind, text))

    def flush() -> None:
        add("removed", removed)
        add("added", added)
        removed.clear()
        added.clear()

    opcodes = difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
    for index, (operation, old_start, old_end, new_start, new_end) in enumerate(opcodes):
        if operation == "equal":
            kept = old[old_start:old_end]
            within_a_run = (removed or added) and index < len(opcodes) - 1
            if within_a_run and all(token.isspace() for token in kept):
                removed.extend(kept)
                added.extend(kept)
                continue
            flush()
            add("same", kept)
        else:
            removed.extend(old[old_start:old_end])
            added.extend(new[new_start:new_end])
    flush()
    return parts


def version_changes(previous: PetitionVersion, current: PetitionVersion) -> list[FieldChange]:
    """The fields that differ between two versions, each with its word diff."""
    changes = []
    for name, label in FIELDS:
        before, after = getattr(previous, name), getattr(current, name)
        if text_normal(before) != text_normal(after):
            changes.append(FieldChange(name, str(label), words_diff(before, after)))
    return changes


def version_entries(versions: Sequence[PetitionVersion]) -> list[VersionEntry]:
    """The versions in order, each with what changed since the one before it; the first
    (the text as it opened) has no changes."""
    ordered = sorted(versions, key=lambda version: version.number)
    entries = [VersionEntry(ordered[0], [])] if ordered else []
    for previous, current in itertools.pairwise(ordered):
        entries.append(VersionEntry(current, version_changes(previous, current)))
    return entries
