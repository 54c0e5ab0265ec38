"""The delivery pack: a PDF for the decision maker and a CSV of signatures for the organiser.

Both hold counted (confirmed) signatures only. The CSV has names and electorates; an email
address only where the signer asked to be kept updated ("notify"), the one consent to be
contacted that the sign form asks for. Every cell goes through lib/spreadsheet.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from fpdf import FPDF
from fpdf.fonts import FontFace

from tautoko.lib.spreadsheet import row_safe
from tautoko.organise.stats import Chart, dashboard_figures
from tautoko.petitions.models import Petition, Signature

FONT = Path(__file__).resolve().parent / "fonts" / "DejaVuSans.ttf"
# fontTools logs every step of embedding the font's subset at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)

# "version signed" is the number of the petition's text that was current when the signer
# signed (its history page shows every version).
CSV_HEADER = [
    "name",
    "electorate",
    "email (only if the signer agreed to be contacted)",
    "version signed",
]


def signatures_csv_rows(*, petition: Petition) -> Iterator[Sequence[object]]:
    yield CSV_HEADER
    rows = (
        Signature.objects.counted()
        .filter(petition=petition)
        .order_by("confirmed_at", "id")
        .values_list("name", "electorate", "notify", "email", "petition_version")
    )
    for name, electorate, notify, email, version in rows.iterator():
        yield row_safe([name, electorate, email if notify else "", version])


def signatures_csv(*, petition: Petition) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in signatures_csv_rows(petition=petition):
        writer.writerow(row)
    return buffer.getvalue()


def _chart_draw(pdf: FPDF, chart: Chart, *, width: float) -> None:
    """The dashboard's bar chart, scaled from its SVG units to ``width`` millimetres."""
    scale = width / chart.width
    left, top = pdf.l_margin, pdf.get_y()
    pdf.set_font("DejaVu", size=10)
    pdf.cell(0, 6, f"{chart.title} (peak {chart.peak})", new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y()
    pdf.set_fill_color(31, 94, 140)
    for bar in chart.bars:
        if bar.height:
            pdf.rect(
                left + bar.x * scale,
                top + bar.y * scale,
                bar.width * scale,
                bar.height * scale,
                "F",
            )
    pdf.set_draw_color(80, 80, 80)
    pdf.line(
        left + chart.margin * scale,
        top + chart.baseline * scale,
        left + chart.plot_right * scale,
        top + chart.baseline * scale,
    )
    pdf.set_draw_color(200, 80, 40)
    pdf.set_font("DejaVu", size=6)
    for mark in chart.marks:
        x = left + mark.x * scale
        pdf.line(x, top + chart.margin / 2 * scale, x, top + chart.baseline * scale)
    if chart.bars:
        pdf.set_xy(left + chart.margin * scale, top + chart.baseline * scale + 1)
        pdf.cell(40, 4, chart.bars[0].label)
        pdf.set_xy(left + chart.plot_right * scale - 40, top + chart.baseline * scale + 1)
        pdf.cell(40, 4, chart.bars[-1].label, align="R")
    pdf.set_y(top + chart.height * scale + 2)


def _table(pdf: FPDF, title: str, heading: str, rows: list[tuple[str, str]]) -> None:
    pdf.set_font("DejaVu", size=12)
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=9)
    # One font only (no bold face embedded): headings are set apart by a fill instead.
    headings = FontFace(emphasis="", fill_color=(225, 232, 240))
    with pdf.table(
        col_widths=(3, 1), text_align=("LEFT", "RIGHT"), headings_style=headings
    ) as table:
        table.row([heading, "Signatures"])
        for left, right in rows or [("—", "0")]:
            table.row([left, right])
    pdf.ln(3)


def delivery_pack_pdf(*, petition: Petition) -> bytes:
    """Petition text, final count, breakdowns, the growth chart and the timeline.

    Written in English whatever the organiser's language: the document's own words are,
    so its chart titles and timeline events are too, rather than a mix of two languages.
    """
    with translation.override(settings.LANGUAGE_CODE):
        return _delivery_pack_pdf(petition=petition)


def _delivery_pack_pdf(*, petition: Petition) -> bytes:
    figures = dashboard_figures(petition=petition)
    pdf = FPDF(format="A4")
    pdf.set_title(petition.title)
    pdf.set_author("Tautoko")
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font("DejaVu", size=10)
    maker = petition.decision_maker
    to = f"{maker.name}, {maker.title}" if maker.title else maker.name
    pdf.multi_cell(0, 5, f"Petition to {to}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=18)
    pdf.multi_cell(0, 9, petition.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=11)
    pdf.multi_cell(0, 6, petition.summary, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", size=10)
    # The statement's Markdown subset, as plain text: its markup is a few characters.
    pdf.multi_cell(0, 5, petition.statement, new_x="LMARGIN", new_y="NEXT")
    if petition.version > 1:
        history = settings.SITE_URL + reverse("petitions:history", args=[petition.slug])
        pdf.ln(2)
        pdf.set_font("DejaVu", size=9)
        for line in (
            f"This is version {petition.version} of the text: "
            "it changed after the petition opened.",
            f"Every version, and what changed: {history}",
        ):
            pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", size=14)
    count = figures["count"]
    # Dates where the site is, as on the timeline below (the times are stored in UTC).
    opened = f"{timezone.localtime(petition.opened_at):%d %B %Y}" if petition.opened_at else "—"
    closed = (
        f"{timezone.localtime(petition.closed_at):%d %B %Y}" if petition.closed_at else "still open"
    )
    pdf.multi_cell(0, 8, f"{count:,} confirmed signatures", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=10)
    pdf.multi_cell(0, 5, f"Opened {opened}; closed {closed}.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _chart_draw(pdf, figures["chart_daily"], width=width)  # type: ignore[arg-type]
    _table(
        pdf,
        "Signatures by electorate",
        "Electorate",
        [(s.label, f"{s.count:,}") for s in figures["electorates"]],  # type: ignore[attr-defined]
    )
    _table(
        pdf,
        "Signatures by country",
        "Country",
        [(s.label, f"{s.count:,}") for s in figures["countries"]],  # type: ignore[attr-defined]
    )
    events = [
        (f"{timezone.localtime(e.at):%d %b %Y %H:%M}", str(e.get_kind_display()), e.note)
        for e in petition.events.public()
    ]
    pdf.set_font("DejaVu", size=12)
    pdf.cell(0, 8, "Timeline", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=9)
    for at, kind, note in events:
        line = f"{at}  {kind}" + (f": {note}" if note else "")
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
