"""The pickers of the rules table that read several fields (services/notifications/domain/
params.py): who a message or task goes to, when a call is due, and every template param, with
every field given and with the optional ones left out (the `-` a reader sees then)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.notifications.domain import params as pm
from services.notifications.domain.event import DomainError, EventView
from services.notifications.domain.specs import Attachment, Recipient
from shared.calendar import BUSINESS_TZ

pytestmark = pytest.mark.quick

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
# 23:50 on Feb 28 in Shanghai: the envelope's business day is the last of the month
OCCURRED = "2026-02-28T15:50:00+00:00"


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=BUSINESS_TZ)


def ev(**payload: Any) -> EventView:
    return EventView(
        "thing.happened", {"event_id": "ev-1", "occurred_at": OCCURRED, **payload}, NOW
    )


def audience(*names: str) -> list[Recipient]:
    return [Recipient("audience", n, n) for n in names]


# --- teams and audiences ---------------------------------------------------------------------
def test_the_desk_that_received_a_complaint_confirms_it() -> None:
    assert pm.confirmation_team(ev(received_by="reception")) == "reception"
    assert pm.confirmation_team(ev(received_by="cs")) == "customer_service"
    assert pm.confirmation_team(ev()) == "customer_service"


def test_a_missed_deadline_goes_to_the_team_that_owed_it() -> None:
    assert pm.deadline_team(ev(deadline="renderings")) == "design"
    assert pm.deadline_team(ev(deadline="contract_to_finance")) == "design"
    assert pm.deadline_team(ev(deadline="works_start")) == "engineering"
    assert pm.deadline_team(ev(deadline="something_new")) == "engineering"
    with pytest.raises(DomainError) as err:
        pm.deadline_team(ev())
    assert err.value.field == "deadline"


def test_an_escalation_mail_goes_to_the_department_at_head_level_else_the_manager() -> None:
    assert pm.escalation_audience(ev(level="dept_head", department="design")) == "design"
    assert pm.escalation_audience(ev(level="dept_head")) == "manager"
    assert pm.escalation_audience(ev(level="dept_head", department="")) == "manager"
    assert pm.escalation_audience(ev(level="manager", department="design")) == "manager"
    assert pm.escalation_audience(ev(department="design")) == "manager"


def test_a_complaint_sheet_goes_to_the_department_the_manager_and_customer_service_once() -> None:
    assert pm.complaint_sheet_to(ev(department="design")) == audience(
        "design", "manager", "customer_service"
    )
    assert pm.complaint_sheet_to(ev(department="manager")) == audience(
        "manager", "customer_service"
    )
    assert pm.complaint_sheet_to(ev(department="customer_service")) == audience(
        "customer_service", "manager"
    )


def test_front_desk_feedback_goes_to_engineering_and_customer_service() -> None:
    assert pm.feedback_to(ev()) == audience("engineering", "customer_service")
    said = {"purpose": "frontdesk_call", "reached": True, "comment": "ok"}
    assert pm.is_frontdesk_feedback(ev(**said)) is True
    assert pm.is_frontdesk_feedback(ev(**{**said, "purpose": "stage_callback"})) is False
    assert pm.is_frontdesk_feedback(ev(**{**said, "reached": False})) is False
    assert pm.is_frontdesk_feedback(ev(**{**said, "comment": ""})) is False
    assert pm.is_frontdesk_feedback(ev(**{**said, "comment": None})) is False


def test_a_reception_complaint_and_a_regions_audience() -> None:
    assert pm.is_reception_complaint(ev(channel="reception")) is True
    assert pm.is_reception_complaint(ev(channel="phone")) is False
    assert pm.is_reception_complaint(ev()) is False
    assert pm.region_audience(ev(region="east")) == "region:east"


# --- dues ------------------------------------------------------------------------------------
def test_the_return_visit_is_due_a_month_after_completion_at_ten() -> None:
    assert pm.RETURN_VISIT_MONTHS == 1
    assert pm.return_visit_due(ev(completed_on="2026-01-31")) == local(2026, 2, 28, 10)
    assert pm.return_visit_due(ev(completed_on="2026-12-15")) == local(2027, 1, 15, 10)
    # no completion date: the business day of the transition (Mar 1, 00:30 local)
    at = "2026-02-28T16:30:00+00:00"
    assert pm.completed_on(ev(at=at)) == date(2026, 3, 1)
    assert pm.return_visit_due(ev(at=at)) == local(2026, 4, 1, 10)


def test_calls_of_a_day_are_at_ten_local_on_the_facts_or_the_envelopes_day() -> None:
    at = "2026-03-31T16:10:00+00:00"  # 00:10 on April 1 in Shanghai
    assert pm.fact_day_call(ev(at=at)) == local(2026, 4, 1, 10)
    assert pm.fact_day_call(ev()) == local(2026, 2, 28, 10)
    assert pm.event_day_call(ev(at=at)) == local(2026, 2, 28, 10)


def test_the_spot_check_is_due_by_the_end_of_its_due_day() -> None:
    assert pm.week_end(ev(due_on="2026-03-15")) == local(2026, 3, 16)
    assert pm.week_end(ev(due_on="2026-02-28")) == local(2026, 3, 1)
    with pytest.raises(DomainError) as err:
        pm.week_end(ev())
    assert err.value.field == "due_on"


def test_warranty_calls_count_from_completion_and_stop_after_the_last_day_of_cover() -> None:
    e = ev(completed_on="2026-01-15", warranty_ends_on="2028-01-15")
    assert pm.warranty_anchor(e) == local(2026, 1, 15, 10)
    assert pm.warranty_stop(e) == local(2028, 1, 16)
    with pytest.raises(DomainError) as err:
        pm.warranty_stop(ev())
    assert err.value.field == "warranty_ends_on"


# --- template params -------------------------------------------------------------------------
def test_complaint_params_with_every_field_and_with_none() -> None:
    assert pm.complaint_params(ev(complaint_id="cp-1")) == {"complaint_no": "cp-1"}
    full = ev(
        complaint_id="cp-1",
        channel="phone",
        category="quality",
        severity="high",
        department="design",
        received_by_sub="cs-7",
        description="墙面开裂",
    )
    assert pm.complaint_sheet_params(full) == {
        "complaint_no": "cp-1",
        "opened_at": "2026-02-28 23:50",
        "channel": "phone",
        "category": "quality",
        "severity": "high",
        "department": "design",
        "received_by": "cs-7",
        "description": "墙面开裂",
    }
    assert pm.complaint_sheet_params(ev(complaint_id="cp-1", department="design")) == {
        "complaint_no": "cp-1",
        "opened_at": "2026-02-28 23:50",
        "channel": "-",
        "category": "-",
        "severity": "-",
        "department": "design",
        "received_by": "-",
        "description": "-",
    }


def test_escalation_params_default_to_the_manager_level() -> None:
    full = ev(complaint_id="cp-1", department="design", level="dept_head", reason="slow")
    assert pm.complaint_escalated_params(full) == {
        "complaint_no": "cp-1",
        "department": "design",
        "level": "dept_head",
        "reason": "slow",
    }
    assert pm.complaint_escalated_params(ev(complaint_id="cp-1")) == {
        "complaint_no": "cp-1",
        "department": "-",
        "level": "manager",
        "reason": "-",
    }


def test_feedback_params_with_and_without_the_optional_fields() -> None:
    full = ev(
        entity={"kind": "project", "id": "p-1"},
        stage="works_started",
        satisfaction=3,
        comment="工人迟到",
        by="rec-1",
        project_manager="pm-1",
    )
    assert pm.feedback_params(full) == {
        "project_no": "p-1",
        "call": "works_started",
        "satisfaction": "3/5",
        "comment": "工人迟到",
        "by": "rec-1",
        "project_manager": "pm-1",
        "at": "2026-02-28 23:50",
    }
    assert pm.feedback_params(ev(comment="ok")) == {
        "project_no": "-",
        "call": "-",
        "satisfaction": "-",
        "comment": "ok",
        "by": "-",
        "project_manager": "-",
        "at": "2026-02-28 23:50",
    }


def test_an_inspections_problems_are_numbered_one_per_line() -> None:
    assert pm.found_problems(ev(problems=["a"])) is True
    assert pm.found_problems(ev(problems=[])) is False
    assert pm.found_problems(ev()) is False
    full = ev(
        project_id="p-1",
        at="2026-03-10T15:00:00+08:00",
        inspector="insp-2",
        quality=2,
        progress=4,
        tidiness=3,
        problems=["防水层破损", "材料堆放杂乱", "无安全帽"],
        project_manager="pm-1",
    )
    assert pm.inspection_params(full) == {
        "project_no": "p-1",
        "at": "2026-03-10 15:00",
        "inspector": "insp-2",
        "quality": "2",
        "progress": "4",
        "tidiness": "3",
        "problems": "1. 防水层破损\n2. 材料堆放杂乱\n3. 无安全帽",
        "project_manager": "pm-1",
    }
    bare = pm.inspection_params(ev(project_id="p-1", quality=5, progress=5, tidiness=5))
    assert (bare["inspector"], bare["problems"], bare["project_manager"]) == ("-", "", "-")
    assert bare["at"] == "2026-02-28 23:50"


def test_care_tips_by_the_problem_repaired() -> None:
    assert pm.care_tips(ev(problem_kind="leak")) == "repair_done_water"
    assert pm.care_tips(ev(problem_kind="plumbing")) == "repair_done_water"
    for kind in ("paint", "crack", "tile", "carpentry"):
        assert pm.care_tips(ev(problem_kind=kind)) == "repair_done_surface", kind
    assert pm.care_tips(ev(problem_kind="electrical")) == "repair_done_electrical"
    assert pm.care_tips(ev(problem_kind="fixture")) == "repair_done"
    assert pm.care_tips(ev()) == "repair_done"
    assert pm.repair_params(ev(repair_id="r-1")) == {"repair_no": "r-1"}


def test_design_acceptance_and_project_params() -> None:
    at = ev(project_id="p-1", on="2026-03-12T14:30:00+08:00")
    assert pm.design_acceptance_params(at) == {"project_no": "p-1", "time": "2026-03-12 14:30"}
    assert pm.project_params(ev(project_id="p-1")) == {"project_no": "p-1"}
    with pytest.raises(DomainError) as err:
        pm.design_acceptance_params(ev(project_id="p-1"))
    assert err.value.field == "on"


def test_works_to_arrange_params() -> None:
    full = ev(
        project_id="p-1",
        at="2026-03-31T16:30:00+00:00",
        works_start_by="2026-04-15",
        project_manager="pm-1",
    )
    assert pm.works_to_arrange_params(full) == {
        "project_no": "p-1",
        "signed_on": "2026-04-01",
        "start_by": "2026-04-15",
        "project_manager": "pm-1",
    }
    assert pm.works_to_arrange_params(ev(project_id="p-1")) == {
        "project_no": "p-1",
        "signed_on": "2026-02-28",
        "start_by": "-",
        "project_manager": "-",
    }


def test_payment_params_say_what_is_still_owed_and_never_less_than_zero() -> None:
    owed = ev(project_id="p-1", amount_fen=3_000_000, paid_fen=1_000_001, due_on="2026-03-13")
    assert pm.payment_params(owed) == {
        "project_no": "p-1",
        "amount": "19,999.99",
        "due_on": "2026-03-13",
    }
    overpaid = ev(project_id="p-1", amount_fen=100, paid_fen=250)
    assert pm.payment_params(overpaid) == {
        "project_no": "p-1",
        "amount": "0.00",
        "due_on": "2026-02-28",
    }
    assert pm.payment_params(ev(project_id="p-1", amount_fen=150))["amount"] == "1.50"


def test_repair_appointment_is_a_time_else_a_day() -> None:
    timed = ev(repair_id="r-1", at="2026-03-12T14:00:00+08:00", on="2026-03-13")
    assert pm.repair_appointment_params(timed) == {"repair_no": "r-1", "date": "2026-03-12 14:00"}
    by_day = ev(repair_id="r-1", on="2026-03-13")
    assert pm.repair_appointment_params(by_day) == {"repair_no": "r-1", "date": "2026-03-13"}
    with pytest.raises(DomainError) as err:
        pm.repair_appointment_params(ev(repair_id="r-1"))
    assert err.value.field == "at"


def test_shipment_params() -> None:
    full = ev(waybill="WB1", origin="SH01", destination="BJ02", at="2026-03-10T09:00:00+08:00")
    assert pm.shipment_params(full) == {
        "waybill": "WB1",
        "origin": "SH01",
        "destination": "BJ02",
        "at": "2026-03-10 09:00",
    }
    assert pm.shipment_params(ev(waybill="WB1")) == {
        "waybill": "WB1",
        "origin": "-",
        "destination": "-",
        "at": "2026-02-28 23:50",
    }
    eta = ev(waybill="WB1", new_eta="2026-03-11T07:30:00+00:00")
    assert pm.delayed_params(eta) == {"waybill": "WB1", "eta": "2026-03-11 15:30"}
    assert pm.delayed_params(ev(waybill="WB1")) == {"waybill": "WB1"}


def test_loading_and_cargo_exception_params() -> None:
    assert pm.loading_params(ev(waybill="WB1", station="SH01", day="2026-03-09")) == {
        "waybill": "WB1",
        "station": "SH01",
        "day": "2026-03-09",
    }
    assert pm.loading_params(ev(waybill="WB1")) == {
        "waybill": "WB1",
        "station": "-",
        "day": "2026-02-28",
    }
    full = ev(waybill="WB1", exception_id="x-1", kind="damage", station="JN03", photos=["a", "b"])
    assert pm.cargo_exception_params(full) == {
        "waybill": "WB1",
        "exception_id": "x-1",
        "kind": "damage",
        "station": "JN03",
        "photos": "2",
    }
    assert pm.cargo_exception_params(ev(waybill="WB1", photos=("a", "b", "c")))["photos"] == "3"
    assert pm.cargo_exception_params(ev(waybill="WB1", photos="a.jpg"))["photos"] == "0"
    assert pm.cargo_exception_params(ev(waybill="WB1")) == {
        "waybill": "WB1",
        "exception_id": "-",
        "kind": "-",
        "station": "-",
        "photos": "0",
    }


def test_receipt_params() -> None:
    full = ev(waybill="WB1", region="east", due_on="2026-02-20", days_overdue=26)
    assert pm.receipt_params(full) == {
        "waybill": "WB1",
        "region": "east",
        "due_on": "2026-02-20",
        "days_overdue": "26",
    }
    assert pm.receipt_params(ev(waybill="WB1", region="east")) == {
        "waybill": "WB1",
        "region": "east",
        "due_on": "-",
        "days_overdue": "0",
    }
    abnormal = ev(
        waybill="WB1",
        region="east",
        defects=["no stamp", "1 copy of 2"],
        step="received",
        found_late=True,
        destination_branch="BJ02",
    )
    assert pm.receipt_abnormal_params(abnormal) == {
        "waybill": "WB1",
        "region": "east",
        "defects": "no stamp; 1 copy of 2",
        "step": "received",
        "found_by_party": "origin",
        "destination": "BJ02",
    }
    assert pm.receipt_abnormal_params(ev(waybill="WB1", region="east", defects="x")) == {
        "waybill": "WB1",
        "region": "east",
        "defects": "-",
        "step": "-",
        "found_by_party": "destination",
        "destination": "-",
    }


def test_a_reports_summary_and_its_csv() -> None:
    assert pm.summary_text({"unreturned": 4, "overdue": 2}) == "unreturned: 4\noverdue: 2"
    assert pm.summary_text(None) == ""
    assert pm.summary_text("all returned") == "all returned"
    assert pm.summary_text(7) == "7"
    e = ev(kind="receipts_monthly", period="2026-02", summary={"a": 1}, csv="region\neast\n")
    assert pm.report_params(e) == {
        "kind": "receipts_monthly",
        "period": "2026-02",
        "summary": "a: 1",
    }
    assert pm.report_attachment(e) == Attachment("receipts_monthly-2026-02.csv", "region\neast\n")
    assert pm.report_attachment(e).media_type == "text/csv"  # type: ignore[union-attr]
    assert pm.report_attachment(ev(kind="k", period="p", csv="")) is None
    assert pm.report_attachment(ev(kind="k", period="p")) is None


def test_a_missing_shippers_slip_names_the_station_and_its_note_or_a_dash() -> None:
    full = ev(waybill="WB1", station="CD01", at="2026-03-10T09:00:00+08:00", note="未见厂家单")
    assert pm.slip_missing_params(full) == {
        "waybill": "WB1",
        "station": "CD01",
        "at": "2026-03-10 09:00",
        "note": "未见厂家单",
    }
    assert pm.slip_missing_params(ev(waybill="WB1", station="CD01", note="")) == {
        "waybill": "WB1",
        "station": "CD01",
        "at": "2026-02-28 23:50",
        "note": "-",
    }
