"""The cargo exception report as an A4 PDF (打印货物异常报表): the printable page's title,
columns, lines and signature lines (api/printed.py), in ReportLab's built-in Chinese font."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from asyncpg import Record
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.logistics.api.printed import NONE_FOUND, PRINTED, SIGNATURES, TITLE, printed_lines

# One of the standard CID fonts a PDF reader supplies itself (Adobe's Song for simplified
# Chinese; other readers stand in a Chinese font of the system): the file names the font and
# embeds nothing, so no font has to be installed where the service runs.
FONT = "STSong-Light"
MARGIN = 15 * mm
# The columns' widths in mm, as the page lays them out: 180 mm between the margins.
WIDTHS = (12, 29, 23, 47, 14, 27, 28)
# Columns of Chinese and English words break between words; the others (codes, notes in
# Chinese) anywhere, as Chinese text does.
BY_WORDS = frozenset({"kind", "source"})
GREY = colors.HexColor("#f3f3f3")


@cache
def _font() -> str:
    """The font, registered with ReportLab once."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _style(name: str, size: float, **kw: Any) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=_font(), fontSize=size, leading=size * 1.35, **kw)


def _table(lines: list[dict[str, Any]]) -> Table:
    """The heading row, then a row per exception (or one saying there is none); the heading
    repeats on every page."""
    cell, words = _style("cell", 9, wordWrap="CJK"), _style("words", 9)
    head = [Paragraph(escape(heading), words) for heading, _ in PRINTED]
    body: list[list[Any]] = [
        [
            Paragraph(escape(_text(line[key])), words if key in BY_WORDS else cell)
            for _, key in PRINTED
        ]
        for line in lines
    ]
    style: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), GREY),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if not body:
        body = [[Paragraph(escape(NONE_FOUND), cell), *[""] * (len(PRINTED) - 1)]]
        style.append(("SPAN", (0, 1), (-1, 1)))
    table = Table([head, *body], colWidths=[w * mm for w in WIDTHS], repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def _signatures() -> Table:
    """A line to sign on for each signature, side by side."""
    cell = _style("sign", 10)
    gap = 10 * mm
    width = (sum(WIDTHS) * mm - gap) / 2
    row = [Paragraph(escape(SIGNATURES[0]), cell), "", Paragraph(escape(SIGNATURES[1]), cell)]
    table = Table([row], colWidths=[width, gap, width], rowHeights=[14 * mm])
    table.setStyle(
        TableStyle(
            [
                ("LINEABOVE", (0, 0), (0, 0), 0.6, colors.black),
                ("LINEABOVE", (2, 0), (2, 0), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _footer(text: str) -> Any:
    """Draws `text` and the page's number at the foot of each page."""

    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(_font(), 8)
        canvas.drawRightString(A4[0] - MARGIN, MARGIN / 2, f"{text} / 第 {doc.page} 页")
        canvas.restoreState()

    return draw


def exception_pdf(station: str, day: date, rows: Sequence[Record]) -> bytes:
    """The report as an A4 PDF: title, station, day and total, the table, the signatures; each
    page numbered at its foot."""
    lines = printed_lines(rows)
    heading = f"{TITLE[0]} {TITLE[1]}"
    # "/" where the page has "·": readers that stand in another font for STSong-Light may lack
    # the middle dot in it.
    subtitle = f"网点 Station: {station} / 日期 Day: {day.isoformat()} / 共 Total: {len(lines)}"
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        **dict.fromkeys(("leftMargin", "rightMargin", "topMargin", "bottomMargin"), MARGIN),
        title=f"{heading} · {station} · {day.isoformat()}",
        author="Kefu",
    )
    footer = _footer(f"{station} / {day.isoformat()}")
    doc.build(
        [
            Paragraph(escape(heading), _style("title", 16, alignment=TA_CENTER)),
            Spacer(1, 2 * mm),
            Paragraph(escape(subtitle), _style("subtitle", 10, alignment=TA_CENTER)),
            Spacer(1, 5 * mm),
            _table(lines),
            Spacer(1, 16 * mm),
            _signatures(),
        ],
        onFirstPage=footer,
        onLaterPages=footer,
    )
    return out.getvalue()
