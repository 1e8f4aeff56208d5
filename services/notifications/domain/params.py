"""Pickers the rules table uses that need more than one field: template params, teams, dues."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Final

from services.notifications.domain.event import EventView, local_text, text_of
from services.notifications.domain.schedule import add_months, call_time
from services.notifications.domain.specs import Attachment, Recipient
from shared.calendar import end_of_local_day, local_date
from shared.contracts.values import (
    CallbackPurpose,
    Channel,
    Deadline,
    EscalationLevel,
    ProblemKind,
    ReceivedBy,
    Team,
)
from shared.money import yuan

RETURN_VISIT_MONTHS: Final = 1  # due at +1 month; late after +3 (callbacks.OVERDUE_GRACE)

# Who answers for a missed project deadline when the event names no person.
DEADLINE_TEAMS: Final[dict[str, Team]] = {
    Deadline.RENDERINGS: Team.DESIGN,
    Deadline.CONTRACT_TO_FINANCE: Team.DESIGN,
    Deadline.WORKS_START: Team.ENGINEERING,
}


# --- teams and audiences ---------------------------------------------------------------------
def confirmation_team(ev: EventView) -> str:
    """Whoever received the complaint confirms its result: reception or customer service."""
    if ev.opt("received_by") == ReceivedBy.RECEPTION:
        return Team.RECEPTION
    return Team.CUSTOMER_SERVICE


def deadline_team(ev: EventView) -> str:
    """The team that owed the missed deadline."""
    return DEADLINE_TEAMS.get(ev.text("deadline"), Team.ENGINEERING)


def escalation_audience(ev: EventView) -> str:
    """The manager for a manager-level escalation, else the department (its head reads it)."""
    if ev.opt("level") == EscalationLevel.DEPT_HEAD and ev.opt("department"):
        return ev.text("department")
    return "manager"


# Who gets a new complaint's sheet (《投诉登记表》: 报主管经理及相关部门): the responsible
# department, the manager in charge and customer service, who coordinate and supervise it.
SHEET_MANAGER: Final = "manager"
SHEET_CUSTOMER_SERVICE: Final = Team.CUSTOMER_SERVICE.value


def complaint_sheet_to(ev: EventView) -> list[Recipient]:
    """The department, the manager and customer service (once, if it is the department)."""
    names = [ev.text("department"), SHEET_MANAGER, SHEET_CUSTOMER_SERVICE]
    unique = list(dict.fromkeys(names))
    return [Recipient("audience", name, name) for name in unique]


# 对于客户反馈,认真记录,并于当日转至工程部和客户服务部: who gets a front-desk call's feedback.
FEEDBACK_TO: Final = (Team.ENGINEERING.value, Team.CUSTOMER_SERVICE.value)


def feedback_to(ev: EventView) -> list[Recipient]:
    """Engineering and customer service."""
    return [Recipient("audience", name, name) for name in FEEDBACK_TO]


def is_frontdesk_feedback(ev: EventView) -> bool:
    """A front-desk call that reached the customer and recorded what they said."""
    return (
        ev.opt("purpose") == CallbackPurpose.FRONTDESK_CALL
        and ev.flag("reached")
        and ev.opt("comment") is not None
    )


def is_reception_complaint(ev: EventView) -> bool:
    """Registered at the reception desk (投诉至接待员处)."""
    return ev.opt("channel") == Channel.RECEPTION


def region_audience(ev: EventView) -> str:
    """The region's manager (audience `region:<code>`)."""
    return f"region:{ev.text('region')}"


def origin_station_audience(ev: EventView) -> str:
    """The origin branch's staff (audience `station:<code>`): the station that shipped it."""
    return f"station:{ev.text('origin_branch')}"


def station_audience(ev: EventView) -> str:
    """The event's station's staff (audience `station:<code>`), e.g. the downstream station."""
    return f"station:{ev.text('station')}"


# --- dues ------------------------------------------------------------------------------------
def completed_on(ev: EventView) -> date:
    """The completion date, else the business day of the transition."""
    return ev.day("completed_on") or local_date(ev.fact_at)


def return_visit_due(ev: EventView) -> datetime:
    """One month after completion, 10:00 local (the window runs to +3 months)."""
    return call_time(add_months(completed_on(ev), RETURN_VISIT_MONTHS))


def fact_day_call(ev: EventView) -> datetime:
    """10:00 local on the fact's business day: recurring calls keep office hours."""
    return call_time(local_date(ev.fact_at))


def event_day_call(ev: EventView) -> datetime:
    """10:00 local on the envelope time's business day."""
    return call_time(local_date(ev.occurred_at))


def week_end(ev: EventView) -> datetime:
    """The end of the event's `due_on` (local; exclusive bound)."""
    return end_of_local_day(ev.required_day("due_on"))


def warranty_anchor(ev: EventView) -> datetime:
    """Quarterly warranty calls count from completion day, 10:00 local."""
    return call_time(completed_on(ev))


def warranty_stop(ev: EventView) -> datetime:
    """The end of the warranty card's last day of cover (exclusive): no call after it.

    `warranty_ends_on` is the card's last day as projects published it, used as given. A
    warranty from 2026-01-15 whose last day is 2028-01-15 gives 8 quarterly calls
    (2026-04-15 … 2028-01-15): the last falls on the last day of cover, still within it.
    """
    return end_of_local_day(ev.required_day("warranty_ends_on"))


# --- template params -------------------------------------------------------------------------
def complaint_params(ev: EventView) -> dict[str, str]:
    """complaint_ack: the complaint number."""
    return {"complaint_no": ev.text("complaint_id")}


def complaint_sheet_params(ev: EventView) -> dict[str, str]:
    """complaint_registered / complaint_reception_sheet: the registration form's fields."""
    return {
        "complaint_no": ev.text("complaint_id"),
        "opened_at": local_text(ev.occurred_at),
        "channel": ev.opt("channel") or "-",
        "category": ev.opt("category") or "-",
        "severity": ev.opt("severity") or "-",
        "department": ev.text("department"),
        "received_by": ev.opt("received_by_sub") or "-",
        "description": ev.opt("description") or "-",
    }


def complaint_escalated_params(ev: EventView) -> dict[str, str]:
    """complaint_escalated: which complaint, where, to whom and why."""
    return {
        "complaint_no": ev.text("complaint_id"),
        "department": ev.opt("department") or "-",
        "level": ev.opt("level") or EscalationLevel.MANAGER.value,
        "reason": ev.opt("reason") or "-",
    }


def feedback_params(ev: EventView) -> dict[str, str]:
    """frontdesk_feedback: the project, which call, the score and the customer's words."""
    satisfaction = ev.opt("satisfaction")
    return {
        "project_no": ev.nested("entity", "id") or "-",
        "call": ev.opt("stage") or "-",
        "satisfaction": f"{satisfaction}/5" if satisfaction else "-",
        "comment": ev.text("comment"),
        "by": ev.opt("by") or "-",
        "project_manager": ev.opt("project_manager") or "-",
        "at": local_text(ev.occurred_at),
    }


def found_problems(ev: EventView) -> bool:
    """The inspection found at least one problem."""
    return bool(ev.payload.get("problems"))


def inspection_params(ev: EventView) -> dict[str, str]:
    """inspection_problems: the inspection's marks and its problems, one per line."""
    problems = ev.payload.get("problems") or []
    return {
        "project_no": ev.text("project_id"),
        "at": local_text(ev.fact_at),
        "inspector": ev.opt("inspector") or "-",
        "quality": ev.text("quality"),
        "progress": ev.text("progress"),
        "tidiness": ev.text("tidiness"),
        "problems": "\n".join(f"{n}. {text_of(p)}" for n, p in enumerate(problems, 1)),
        "project_manager": ev.opt("project_manager") or "-",
    }


# Which care tips follow a repaired problem (the completion SMS's template suffix).
CARE_TIPS: Final[dict[str, str]] = {
    ProblemKind.LEAK: "_water",
    ProblemKind.PLUMBING: "_water",
    ProblemKind.PAINT: "_surface",
    ProblemKind.CRACK: "_surface",
    ProblemKind.TILE: "_surface",
    ProblemKind.CARPENTRY: "_surface",
    ProblemKind.ELECTRICAL: "_electrical",
}


def care_tips(ev: EventView) -> str:
    """The repair_done template for the repaired problem (the general one when unknown)."""
    return "repair_done" + CARE_TIPS.get(ev.opt("problem_kind") or "", "")


def repair_params(ev: EventView) -> dict[str, str]:
    """repair_done*: the repair's number (the service card's)."""
    return {"repair_no": ev.text("repair_id")}


def design_acceptance_params(ev: EventView) -> dict[str, str]:
    """design_acceptance_booked: the project and the appointment's local time."""
    on = ev.time("on")
    return {"project_no": ev.text("project_id"), "time": local_text(on) if on else ev.text("on")}


def project_params(ev: EventView) -> dict[str, str]:
    """renderings_ready: the project's number."""
    return {"project_no": ev.text("project_id")}


# A project's stages as the customer's SMS names them (the console's catalogue says the same).
STAGE_NAMES: Final[Mapping[str, str]] = {
    "consultation": "咨询",
    "measurement": "量房",
    "quotation": "报价",
    "design_agreement": "签订设计协议",
    "design": "设计",
    "contract": "签订施工合同",
    "works_started": "开工",
    "materials_accepted": "材料验收",
    "plumbing_electrical_accepted": "水电验收",
    "midterm_accepted": "中期验收",
    "carpentry_accepted": "木工验收",
    "tiling_accepted": "瓦工验收",
    "painting_accepted": "油漆验收",
    "completed": "竣工",
    "warranty": "保修",
}


def stage_params(ev: EventView) -> dict[str, str]:
    """project_stage: the project's number and the stage it entered, by its Chinese name."""
    stage = ev.text("to_stage")
    return {"project_no": ev.text("project_id"), "stage": STAGE_NAMES.get(stage, stage)}


def works_to_arrange_params(ev: EventView) -> dict[str, str]:
    """works_to_arrange: the signed project, its signing day and the last day to start."""
    start_by = ev.day("works_start_by")
    return {
        "project_no": ev.text("project_id"),
        "signed_on": str(local_date(ev.fact_at)),
        "start_by": str(start_by) if start_by else "-",
        "project_manager": ev.opt("project_manager") or "-",
    }


def payment_params(ev: EventView) -> dict[str, str]:
    """payment_due / payment_overdue: what is still owed, and by when."""
    owed = max(0, ev.number("amount_fen") - ev.number("paid_fen"))
    due_on = ev.day("due_on") or local_date(ev.occurred_at)
    return {"project_no": ev.text("project_id"), "amount": yuan(owed), "due_on": str(due_on)}


def repair_appointment_params(ev: EventView) -> dict[str, str]:
    """repair_appointment: the visit's time (or its day when booked by day)."""
    at, on = ev.time("at"), ev.day("on")
    when = local_text(at) if at else str(on) if on else ev.text("at")
    return {"repair_no": ev.text("repair_id"), "date": when}


def shipment_params(ev: EventView) -> dict[str, str]:
    """shipment_dispatched / arrived / signed: the waybill, route and time."""
    return {
        "waybill": ev.text("waybill"),
        "origin": ev.opt("origin") or "-",
        "destination": ev.opt("destination") or "-",
        "at": local_text(ev.fact_at),
    }


def delayed_params(ev: EventView) -> dict[str, str]:
    """shipment_delayed: the new arrival time (absent while being confirmed)."""
    params = {"waybill": ev.text("waybill")}
    eta = ev.time("new_eta")
    if eta is not None:
        params["eta"] = local_text(eta)
    return params


def loading_params(ev: EventView) -> dict[str, str]:
    """loading_unconfirmed: the urgent waybill not confirmed loaded that day."""
    return {
        "waybill": ev.text("waybill"),
        "station": ev.opt("station") or "-",
        "day": str(ev.day("day") or local_date(ev.occurred_at)),
    }


def cargo_exception_params(ev: EventView) -> dict[str, str]:
    """cargo_exception: what was registered where, with how many photos."""
    photos = ev.payload.get("photos")
    return {
        "waybill": ev.text("waybill"),
        "exception_id": ev.opt("exception_id") or "-",
        "kind": ev.opt("kind") or "-",
        "station": ev.opt("station") or "-",
        "photos": str(len(photos) if isinstance(photos, list | tuple) else 0),
    }


def receipt_params(ev: EventView) -> dict[str, str]:
    """receipt_hard_breach: the late receipt and how late it is."""
    return {
        "waybill": ev.text("waybill"),
        "region": ev.text("region"),
        "due_on": str(ev.day("due_on") or "-"),
        "days_overdue": str(ev.number("days_overdue")),
    }


def tracking_flagged_params(ev: EventView) -> dict[str, str]:
    """tracking_flagged_station: the waybill, what the tracking call found, and when."""
    return {
        "waybill": ev.text("waybill"),
        "kind": ev.text("kind"),
        "goods_state": ev.opt("goods_state") or "-",
        "note": ev.text("note"),
        "at": local_text(ev.fact_at),
    }


def slip_missing_params(ev: EventView) -> dict[str, str]:
    """shipper_slip_missing: the waybill, the station that found it, when, and its note."""
    return {
        "waybill": ev.text("waybill"),
        "station": ev.text("station"),
        "at": local_text(ev.fact_at),
        "note": ev.opt("note") or "-",
    }


def receipt_closed_params(ev: EventView) -> dict[str, str]:
    """receipt_cancelled / receipt_collected: the waybill, when, and who took it."""
    params = {"waybill": ev.text("waybill"), "at": local_text(ev.fact_at)}
    if ev.opt("collected_by"):
        params["collected_by"] = ev.text("collected_by")
    return params


def receipt_abnormal_params(ev: EventView) -> dict[str, str]:
    """receipt_abnormal: the receipt, what it lacks, and who found it."""
    defects = ev.payload.get("defects")
    return {
        "waybill": ev.text("waybill"),
        "region": ev.text("region"),
        "defects": "; ".join(str(d) for d in defects) if isinstance(defects, list) else "-",
        "step": ev.opt("step") or "-",
        "found_by_party": "origin" if ev.flag("found_late") else "destination",
        "destination": ev.opt("destination_branch") or "-",
    }


def summary_text(summary: object) -> str:
    """A report summary as plain lines (an object becomes `key: value` lines)."""
    if isinstance(summary, Mapping):
        return "\n".join(f"{k}: {text_of(v)}" for k, v in summary.items())
    return "" if summary is None else text_of(summary)


def report_params(ev: EventView) -> dict[str, str]:
    """report: kind, period and summary."""
    return {
        "kind": ev.text("kind"),
        "period": ev.text("period"),
        "summary": summary_text(ev.payload.get("summary")),
    }


def report_attachment(ev: EventView) -> Attachment | None:
    """The report's CSV as `<kind>-<period>.csv`."""
    csv = ev.payload.get("csv")
    if not csv:
        return None
    return Attachment(f"{ev.text('kind')}-{ev.text('period')}.csv", str(csv))
