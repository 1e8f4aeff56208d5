"""The branch desk's rules and forms: who scans, releases and takes a receipt step, how the
release's requirements and refusals are worded, and an ID number kept out of reprs."""

from __future__ import annotations

import pytest

from services.console.api.i18n import LANGS, catalogue
from services.console.api.models import ReleaseForm, ScanForm
from services.console.domain import Staff
from services.console.domain.desk import (
    PARTY,
    SCAN_KINDS,
    Route,
    desk_branch,
    lands_on_desk,
    may_release,
    may_work_desk,
    receipt_step,
    refusal_lines,
    requirement_lines,
    scan_stations,
)
from shared.contracts.values import Role

pytestmark = pytest.mark.quick

ROUTE = Route("SH01", "HZ02", ("NJ03",))
ORIGIN = Staff("o", Role.BRANCH, branch="SH01")
HUB = Staff("h", Role.BRANCH, branch="NJ03")
DEST = Staff("d", Role.BRANCH, branch="HZ02")
DESK = Staff("l", Role.LOGISTICS)
FINANCE = Staff("f", Role.FINANCE)
CS = Staff("c", Role.CS)
# Every code the logistics API words (services/logistics/domain/release.py).
REFUSALS = (
    "already_signed",
    "not_arrived",
    "name_missing",
    "no_original_id",
    "name_differs",
    "delegate_name_missing",
    "delegate_no_id",
    "phone_not_confirmed",
    "company_proof_missing",
    "letter_without_id",
)
NEEDS = (
    "already_signed",
    "not_arrived",
    "original_id",
    "exact_name",
    "delegate",
    "company_stamp",
    "authorisation_letter",
    "change_proof",
)


def test_a_branch_works_its_own_desk_and_lands_on_it() -> None:
    assert desk_branch(DEST, "SH01") == "HZ02"
    assert desk_branch(DESK, "SH01") == "SH01" and desk_branch(DESK, None) is None
    assert may_work_desk(DEST) and may_work_desk(DESK) and not may_work_desk(CS)
    assert lands_on_desk(DEST) and not lands_on_desk(DESK)


def test_who_scans_where_and_who_releases() -> None:
    assert ROUTE.stations() == ["SH01", "NJ03", "HZ02"]
    assert scan_stations(HUB, ROUTE) == ["NJ03"]
    assert scan_stations(Staff("x", Role.BRANCH, branch="XX"), ROUTE) == []
    assert scan_stations(DESK, ROUTE) == ["SH01", "NJ03", "HZ02"]
    assert scan_stations(CS, ROUTE) == []
    assert "signed" not in SCAN_KINDS  # the release is the signing
    assert may_release(DEST, ROUTE, "arrived") and not may_release(DEST, ROUTE, "signed")
    assert not may_release(ORIGIN, ROUTE, "arrived") and not may_release(CS, ROUTE, "arrived")
    assert may_release(DESK, ROUTE, "in_transit")


def test_the_receipt_step_belongs_to_its_party() -> None:
    assert receipt_step(DEST, ROUTE, "required", arrived=True) == "signed"
    assert receipt_step(DEST, ROUTE, "required", arrived=False) is None
    assert receipt_step(DEST, ROUTE, "redo", arrived=True) == "signed"
    assert receipt_step(DEST, ROUTE, "signed", arrived=True) == "sent"
    assert receipt_step(ORIGIN, ROUTE, "signed", arrived=True) is None
    assert receipt_step(ORIGIN, ROUTE, "sent", arrived=True) == "received"
    assert receipt_step(ORIGIN, ROUTE, "received", arrived=True) == "handed_over"
    assert receipt_step(ORIGIN, ROUTE, "handed_over", arrived=True) is None
    assert receipt_step(FINANCE, ROUTE, "handed_over", arrived=True) == "settled"
    assert receipt_step(DESK, ROUTE, "sent", arrived=True) == "received"
    assert receipt_step(DESK, ROUTE, "handed_over", arrived=True) is None
    assert receipt_step(HUB, ROUTE, "required", arrived=True) is None
    assert receipt_step(DEST, ROUTE, "not_required", arrived=True) is None
    assert set(PARTY) == {"signed", "sent", "received", "handed_over", "settled"}


@pytest.mark.parametrize("lang", LANGS)
def test_every_requirement_and_refusal_code_is_worded(lang: str) -> None:
    messages = catalogue(lang)
    needs = {
        "consignee": {"name": "杨民敬"},
        "accepted_names": ["杨民敬", "杨明静"],
        "requirements": [{"code": c, "text": c} for c in NEEDS],
    }
    for line in requirement_lines(needs):
        assert line.key in messages, line.key
        messages[line.key].format(**line.values)
    assert requirement_lines(needs)[-1].values["names"] == "杨明静"
    lines = refusal_lines(REFUSALS, [], presented="杨明静", consignee="杨民敬", delegate="")
    for line in lines:
        assert line.key in messages, line.key
        messages[line.key].format(**line.values)
    differs = lines[REFUSALS.index("name_differs")]
    assert "杨明静" in messages[differs.key].format(**differs.values)


def test_an_unknown_refusal_keeps_the_service_words() -> None:
    [line] = refusal_lines(["new_rule"], ["a new rule"], presented="", consignee="", delegate="")
    assert line.key not in catalogue("zh-CN") and line.values["text"] == "a new rule"


def test_the_release_form_becomes_the_api_body_and_never_shows_the_id() -> None:
    form = ReleaseForm.model_validate(
        {
            "csrf_token": "t",
            "name": " 杨民敬 ",
            "id_number": "11010519491231002X",
            "delegate_name": "王五",
            "delegate_id_number": "110105194912310036",
            "phone_confirmed": "yes",
        }
    )
    assert form.body() == {
        "presented": {"name": "杨民敬", "id_number": "11010519491231002X"},
        "delegate": {"name": "王五", "id_number": "110105194912310036"},
        "consignee_phone_confirmed": True,
        "company_stamp": False,
        "authorisation_letter": False,
    }
    assert "1101051949" not in repr(form) and "1101051949" not in str(form.kept())
    assert form.kept()["name"] == " 杨民敬 " and form.kept()["phone_confirmed"] == "yes"
    bare = ReleaseForm.model_validate({"name": "杨民敬"}).body()
    assert bare["presented"] == {"name": "杨民敬"} and "delegate" not in bare


def test_the_scan_form_becomes_the_api_body() -> None:
    form = ScanForm.model_validate({"kind": "arrived_destination", "station": "HZ02"})
    assert form.body() == {"kind": "arrived_destination", "station": "HZ02"}
    with_batch = ScanForm.model_validate({"kind": "departed", "station": "SH01", "batch": "2"})
    assert with_batch.body()["batch"] == 2
    for bad in ({"kind": "signed", "station": "HZ02"}, {"kind": "departed", "station": "a b"}):
        with pytest.raises(ValueError):
            ScanForm.model_validate(bad)
