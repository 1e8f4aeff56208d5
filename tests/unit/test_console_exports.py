"""The download's file name: ASCII names stay as they are; a name with Chinese (a region or a
branch typed in the filter) gets an ASCII stand-in and the real name as UTF-8, and the header
encodes as Latin-1, as HTTP needs."""

from __future__ import annotations

import pytest
from starlette.responses import Response

from shared.web.downloads import attachment

pytestmark = pytest.mark.quick


def test_an_ascii_name_is_kept_as_it_is() -> None:
    assert attachment("logistics-2026-11-east.csv") == (
        'attachment; filename="logistics-2026-11-east.csv"'
    )


def test_a_chinese_name_gets_a_stand_in_and_its_utf8_form() -> None:
    header = attachment("logistics-2026-11-华东.xlsx")
    assert header == (
        'attachment; filename="logistics-2026-11-__.xlsx";'
        " filename*=UTF-8''logistics-2026-11-%E5%8D%8E%E4%B8%9C.xlsx"
    )
    response = Response(b"x", headers={"Content-Disposition": header})
    assert response.headers["content-disposition"] == header


def test_quotes_and_separators_cannot_break_out_of_the_header() -> None:
    header = attachment('a"b;c\r\nd.csv')
    assert header == (
        "attachment; filename=\"a_b_c__d.csv\"; filename*=UTF-8''a%22b%3Bc%0D%0Ad.csv"
    )
