"""The inspection report as a PDF drawn on the server (R7.1.2), with reportlab.

Chinese needs a font that has it: WenQuanYi Micro Hei from Debian's ``fonts-wqy-microhei`` (embedded, as
a subset) or, when that file is missing, reportlab's built-in ``STSong-Light`` CID font (not embedded; the
reader supplies it). The report number is in the document's title and subject as well as on every page.
No Django: the view passes the rows it already builds for the XLSX export.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT = "WQYMicroHei"
FALLBACK_FONT = "STSong-Light"
# the findings table on landscape A4 (770 pt between the margins)
COLUMN_WIDTHS = (26, 52, 110, 58, 92, 120, 50, 110, 60, 92)


def _font() -> str:
    """The registered font name (registered once per process)."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return FONT
    if FALLBACK_FONT in pdfmetrics.getRegisteredFontNames():
        return FALLBACK_FONT
    if FONT_FILE.is_file():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE), subfontIndex=0))
        return FONT
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


def _cell(value: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape("" if value is None else str(value)).replace("\n", "<br/>"), style)


def report_pdf(
    *,
    number: str,
    title: str,
    head: Sequence[Sequence[Any]],
    header: Sequence[Any],
    rows: Sequence[Sequence[Any]],
    sign_off: str,
    empty: str,
    generated: str,
) -> bytes:
    """A PDF of the report: the title and number, the summary table, the findings table (the header
    repeated on each page), the sign-off line; ``generated`` and the number in every page's footer."""
    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=8, leading=10, wordWrap="CJK")
    heading = ParagraphStyle("heading", fontName=font, fontSize=15, leading=20, spaceAfter=6)
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=36,
        rightMargin=36,
        topMargin=36,
        bottomMargin=36,
        title=f"{title} {number}",
        subject=number,
        author="Mallops",
        creator="Mallops",
    )
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
        ]
    )
    story: list[Any] = [Paragraph(escape(f"{title} {number}"), heading)]
    summary = Table(
        [[_cell(name, body), _cell(value, body)] for name, value in head], colWidths=(200, 200), hAlign="LEFT"
    )
    summary.setStyle(
        TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    story += [summary, Spacer(1, 6 * mm)]
    data = [[_cell(name, body) for name in header]]
    data += [[_cell(value, body) for value in row] for row in rows]
    if not rows:
        data.append([_cell(empty, body)] + [""] * (len(header) - 1))
    findings = Table(data, colWidths=COLUMN_WIDTHS[: len(header)], repeatRows=1)
    findings.setStyle(grid)
    story += [findings, Spacer(1, 8 * mm), Paragraph(escape(sign_off), body)]

    def footer(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 7)
        canvas.drawString(36, 20, f"{number} · {generated}")
        canvas.drawRightString(landscape(A4)[0] - 36, 20, str(doc.page))
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
