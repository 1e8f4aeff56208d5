"""The cargo exception report as a PDF (logistics api/pdf.py), read back with pypdf: A4, the
printed page's heading, columns and lines in Chinese, a long day over several pages."""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader

from services.logistics.api.pdf import exception_pdf
from services.logistics.api.printed import PRINTED, printed_lines
from shared.calendar import BUSINESS_TZ
from shared.web.downloads import attachment

pytestmark = pytest.mark.quick
DAY = date(2026, 12, 4)
A4 = (595, 842)  # points, rounded


def row(n: int, kind: str = "damage", truck: bool = False) -> dict[str, object]:
    """A line as logistics' query answers it (a mapping, like an asyncpg record)."""
    return {
        "exception_id": uuid.uuid4(),
        "at": datetime(2026, 12, 4, 8, 0, tzinfo=BUSINESS_TZ) + timedelta(minutes=7 * n),
        "waybill": f"SH{n:08d}",
        "kind": kind,
        "note": f"外箱破损 第 {n} 件",
        "photo_ids": ["p1", "p2"][: n % 3],
        "by": "hub-clerk",
        "truck_check_id": uuid.uuid4() if truck else None,
    }


def pages(content: bytes) -> list[str]:
    """Each page's text, a line broken in a narrow column read as one (spaces normalised)."""
    reader = PdfReader(io.BytesIO(content))
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == A4
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def test_a_day_is_the_printed_pages_heading_columns_and_lines() -> None:
    rows = [row(1), row(2, "shortage", truck=True), {**row(3, "mismatch"), "note": "单<号>不符"}]
    content = exception_pdf("HUB01", DAY, rows)  # type: ignore[arg-type]
    assert content.startswith(b"%PDF-")
    [text] = pages(content)
    assert "货物异常报表 Cargo exception report" in text
    assert "网点 Station: HUB01" in text and "日期 Day: 2026-12-04" in text
    assert "共 Total: 3" in text
    for heading, _ in PRINTED:
        assert heading in text
    for line in printed_lines(rows):  # type: ignore[arg-type]
        for _, key in PRINTED:
            assert str(line[key]) in text, (key, line[key])
    assert "08:07" in text and "货差 shortage" in text and "交接清单考评 truck check" in text
    assert "单<号>不符" in text  # the note as typed, not read as markup
    assert "清点人 Counted by" in text and "货管部主管 Cargo supervisor" in text


def test_a_long_day_runs_over_pages_each_with_the_heading_row() -> None:
    rows = [row(n) for n in range(120)]
    texts = pages(exception_pdf("HUB01", DAY, rows))  # type: ignore[arg-type]
    assert len(texts) >= 3
    assert all("运单号 Waybill" in t and f"第 {i} 页" in t for i, t in enumerate(texts, 1))
    found = "\n".join(texts)
    assert all(f"SH{n:08d}" in found for n in range(120))
    assert "货管部主管 Cargo supervisor" in texts[-1]


def test_a_day_without_exceptions_says_so() -> None:
    [text] = pages(exception_pdf("HUB01", DAY, []))
    assert "无异常 No exceptions" in text and "共 Total: 0" in text


def test_the_file_name_is_ascii_whatever_the_station() -> None:
    assert attachment(f"exceptions-HUB01-{DAY}.pdf", inline=True) == (
        'inline; filename="exceptions-HUB01-2026-12-04.pdf"'
    )
    assert attachment(f'exceptions-上海"01-{DAY}.pdf', inline=True).startswith(
        "inline; filename=\"exceptions-___01-2026-12-04.pdf\"; filename*=UTF-8''"
    )
