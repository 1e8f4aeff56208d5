"""The "Request fields" section of docs/services/*.md comes from each service's OpenAPI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tooling.request_fields import BEGIN, END, replace_section, sections

pytestmark = pytest.mark.quick
ROOT = Path(__file__).resolve().parents[2]


def _rows(section: str, operation: str) -> dict[str, list[str]]:
    """field → its cells, in the table under `### operation`."""
    lines = section.split(f"### {operation}\n", 1)[1].split("\n### ", 1)[0].splitlines()
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines if "| `" in line]
    return {c[0].strip("`"): c[1:] for c in cells}


def test_required_fields_value_lists_and_limits_are_marked() -> None:
    intake = sections()["docs/services/intake.md"]
    lead = _rows(intake, "POST /v1/leads")
    assert lead["house"][1] == lead["house.area_m2"][1] == "**required**"
    assert lead["house.area_m2"][2] == "> 0; ≤ 100000"
    assert lead["house.layout"][1] == "" and lead["source"][1] == ""
    assert "no fixed list" in lead["source"][4]
    handoff = _rows(intake, "POST /v1/complaints/{complaint_id}/handoffs")
    assert handoff["note"][1] == "**required**" and handoff["to_assignee"][1] == ""
    complaint = _rows(intake, "POST /v1/complaints")
    assert complaint["channel"][2] == "`phone` / `visit` / `reception` / `department`"
    assert complaint["subject.kind"][1] == "**required**", "required within its parent"

    shipment = _rows(sections()["docs/services/logistics.md"], "POST /v1/shipments")
    assert shipment["region"][1] == "**required**" and "no fixed list" in shipment["region"][4]
    assert shipment["consignee.kind"][2] == "`person` / `company`; default `person`"
    assert shipment["urgent"][2] == "default `false`"
    check = _rows(sections()["docs/services/logistics.md"], "POST /v1/truck-checks")
    assert check["handover[].waybill"][1] == "**required**", "fields of a list's items"


def test_a_section_that_differs_from_the_code_is_rewritten_and_flagged() -> None:
    path = "docs/services/intake.md"
    committed = (ROOT / path).read_text(encoding="utf-8")
    tampered = committed.replace("| `note` | string | **required** |", "| `note` | string |  |")
    assert tampered != committed
    rendered = replace_section(tampered, sections()[path])
    assert rendered == committed, "the committed doc is what the code gives"
    assert rendered != tampered  # what `kefu catalogue render --check` reports
    with pytest.raises(ValueError, match="markers"):
        replace_section(committed.replace(BEGIN, "").replace(END, ""), sections()[path])
