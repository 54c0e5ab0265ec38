"""The electorates (or regions) file offered on the sign form: one name a line, ``#`` lines
and blank lines skipped. Read by the settings (to refuse a bad file at start-up) and by the
sign form; no Django here, so the settings can call it."""

from __future__ import annotations

from pathlib import Path


def electorates_read(path: Path) -> tuple[str, ...]:
    """The names in ``path``, in order. Raises OSError or UnicodeDecodeError as reading does."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))
