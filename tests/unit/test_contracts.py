"""The v1 event catalogue (docs/EVENTS.md) as pydantic contracts and committed JSON Schemas."""

from __future__ import annotations

import json
import re
import typing
from enum import Enum
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from shared.contracts import (
    ALL_EVENTS,
    BY_SUBJECT,
    Event,
    ShipmentScanned,
    model_for,
    published_by,
    scan_subject,
)
from shared.contracts.intake import ComplaintOpened
from shared.contracts.logistics import ReceiptOverdue, ShipmentDispatched
from shared.contracts.notifications import CallbackCompleted
from shared.contracts.projects import ProjectPaymentDue
from shared.contracts.schemas import SCHEMA_DIR, generate, render

pytestmark = pytest.mark.quick

# The catalogue of docs/EVENTS.md, in its order.
CATALOGUE = [
    "customer.registered",
    "customer.updated",
    "lead.registered",
    "complaint.opened",
    "complaint.handed_off",
    "complaint.escalated",
    "complaint.resolved",
    "complaint.reopened",
    "complaint.closed",
    "repair.requested",
    "project.opened",
    "project.stage.changed",
    "project.renderings.delivered",
    "project.design_acceptance.booked",
    "project.spot_check.due",
    "project.inspection.recorded",
    "project.materials.recorded",
    "project.payment.due",
    "project.payment.overdue",
    "project.payment.received",
    "project.deadline.missed",
    "repair.opened",
    "repair.scheduled",
    "repair.completed",
    "repair.closed",
    "repair.sla.breached",
    "shipper.registered",
    "shipment.dispatched",
    "shipment.arrived",
    "shipment.signed",
    "shipment.delayed",
    "shipment.shipper_slip.missing",
    "shipment.loading.unconfirmed",
    "shipment.exception.registered",
    "shipment.tracking.flagged",
    "receipt.returned",
    "receipt.overdue",
    "receipt.abnormal",
    "receipt.cancelled",
    "receipt.collected",
    "callback.scheduled",
    "callback.completed",
    "callback.overdue",
    "notification.sent",
    "report.published",
    "ingest.*.shipment.scanned",
]

AT = "2026-11-20T10:00:00+08:00"
CUSTOMER = {"customer_id": "c-1", "name": "王芳", "phone": "13800000000", "language": "zh"}
COMPLAINT = {"complaint_id": "k-1", "customer_id": "c-1", "department": "engineering"}
# Contract of 200 000 yuan: 65 % at signing, 30 % after mid-term, 5 % minus the 500 deposit.
PAYMENT = {"project_id": "p-1", "customer_id": "c-1", "installment": "first"}
REPAIR = {"repair_id": "r-1", "customer_id": "c-1", "project_id": "p-1", "complaint_id": "k-1"}
MOVE = {
    "waybill": "WB100",
    "origin": "sh01",
    "destination": "cd02",
    "region": "sw",
    "transfers": 2,
    "promised_arrival_at": AT,
    "urgent": True,
    "batch": 1,
    "at": AT,
    "contacts": {"shipper_phone": "13900000000", "consignee_phone": "13700000000"},
    "receipt_required": True,
}
# Two transfers: 20 days to return it, a hard breach past 25 (arrived 1 Nov, checked 27 Nov).
RECEIPT = {"waybill": "WB100", "region": "sw", "origin_branch": "sh01", "due_on": "2026-11-21"}
CALLBACK = {
    "callback_id": "cb-1",
    "entity": {"kind": "complaint", "id": "k-1"},
    "due_at": AT,
    "team": "customer_service",
}

SAMPLES: dict[str, dict[str, Any]] = {
    "customer.registered": CUSTOMER,
    "customer.updated": {**CUSTOMER, "phone": "13811111111"},
    "lead.registered": {
        "lead_id": "l-1",
        "customer_id": "c-1",
        "house": {"address": "成都市武侯区1号", "area_m2": 98.5, "layout": "3室2厅"},
        "requirements": "现代简约",
        "budget_fen": 20_000_000,
        "expected_measure_on": "2026-11-22",
        "expected_sign_on": "2026-12-01",
        "lead_source": "referral",
    },
    "complaint.opened": {
        **COMPLAINT,
        "channel": "reception",
        "category": "quality",
        "severity": "high",
        "subject": {"kind": "project", "id": "p-1"},
        "received_by": "reception",
        "received_by_sub": "staff-7",
    },
    "complaint.handed_off": {
        **COMPLAINT,
        "from_department": "engineering",
        "to_department": "customer_service",
        "by": "head-1",
    },
    "complaint.escalated": {
        **COMPLAINT,
        "level": "manager",
        "automatic": True,
        "reason": "customer not satisfied",
    },
    "complaint.resolved": {
        **COMPLAINT,
        "result": "wall repainted",
        "alternatives_offered": ["refund 500 yuan"],
        "received_by": "cs",
        "resolved_by": "aftersales",
    },
    "complaint.reopened": {**COMPLAINT, "reason": "paint peeling again"},
    "complaint.closed": COMPLAINT,
    "repair.requested": {
        "request_id": "rq-1",
        "customer_id": "c-1",
        "project_id": "p-1",
        "address": "成都市武侯区1号",
        "problem": "bathroom leak",
    },
    "project.opened": {
        "project_id": "p-1",
        "customer_id": "c-1",
        "address": "成都市武侯区1号",
        "designer": "d-1",
        "project_manager": "pm-1",
    },
    "project.stage.changed": {
        "project_id": "p-1",
        "customer_id": "c-1",
        "from_stage": "painting_accepted",
        "to_stage": "completed",
        "at": AT,
        "by": "eng-1",
        "project_manager": "pm-1",
        "completed_on": "2026-11-20",
        "warranty_ends_on": "2028-11-20",
    },
    "project.renderings.delivered": {
        "project_id": "p-1",
        "customer_id": "c-1",
        "at": AT,
        "designer": "d-1",
    },
    "project.design_acceptance.booked": {
        "project_id": "p-1",
        "customer_id": "c-1",
        "on": AT,
        "designer": "d-1",
    },
    "project.spot_check.due": {
        "project_id": "p-1",
        "customer_id": "c-1",
        "project_manager": "pm-1",
        "week": "2026-W47",
        "due_on": "2026-11-22",
    },
    "project.inspection.recorded": {
        "project_id": "p-1",
        "customer_id": "c-1",
        "inspection_id": "in-1",
        "inspector": "eng-2",
        "at": AT,
        "quality": 2,
        "progress": 4,
        "tidiness": 3,
        "problems": ["卫生间防水层破损"],
        "project_manager": "pm-1",
    },
    "project.materials.recorded": {
        "project_id": "p-1",
        "items": [{"category": "paint", "brand": "立邦", "model": "A1", "colour": "W-01"}],
    },
    "project.payment.due": {**PAYMENT, "amount_fen": 13_000_000, "due_on": "2026-11-20"},
    "project.payment.overdue": {
        **PAYMENT,
        "installment": "midterm",
        "amount_fen": 6_000_000,
        "due_on": "2026-11-23",
    },
    "project.payment.received": {
        **PAYMENT,
        "installment": "final",
        "amount_fen": 950_000,
        "paid_fen": 950_000,
        "paid_at": AT,
        "receipt_no": "RC-3F2A9C1B7D4E-04",
    },
    "project.deadline.missed": {
        "project_id": "p-1",
        "deadline": "renderings",
        "due_at": AT,
        "responsible": "d-1",
    },
    "repair.opened": {**REPAIR, "kind": "survey"},
    "repair.scheduled": {**REPAIR, "kind": "repair", "on": "2026-11-25", "duration_days": 2},
    "repair.completed": {
        **REPAIR,
        "covered": False,
        "fee_fen": 30_000,
        "evaluation_score": 5,
        "problem_kind": "leak",
    },
    "repair.closed": {**REPAIR, "covered": True, "fee_fen": 0},
    "repair.sla.breached": {**REPAIR, "step": "first_contact", "due_at": AT, "staff": "as-1"},
    "shipper.registered": {
        "shipper_id": "s-1",
        "name": "川货",
        "phone": "13900000000",
        "key_customer": True,
    },
    "shipment.dispatched": MOVE,
    "shipment.arrived": {**MOVE, "batch": None},
    "shipment.signed": {**MOVE, "shipper_id": "s-1"},
    "shipment.delayed": {
        "waybill": "WB100",
        "promised_arrival_at": AT,
        "new_eta": "2026-11-21T18:00:00+08:00",
        "station": "cd02",
        "contacts": {"consignee_phone": "13700000000"},
        "region": "sw",
    },
    "shipment.loading.unconfirmed": {"waybill": "WB100", "station": "sh01", "day": "2026-11-20"},
    "shipment.exception.registered": {
        "waybill": "WB100",
        "exception_id": "x-1",
        "kind": "damage",
        "station": "wh01",
        "photos": ["ph-1", "ph-2"],
    },
    "receipt.returned": {**RECEIPT, "at": AT},
    "receipt.overdue": {**RECEIPT, "days_overdue": 6, "hard_breach": True},
    "receipt.abnormal": {
        **RECEIPT,
        "abnormality_id": "ab-1",
        "destination_branch": "bj02",
        "step": "signed",
        "defects": ["the company stamp is missing"],
        "at": AT,
    },
    "shipment.shipper_slip.missing": {
        "waybill": "WB100",
        "region": "east",
        "origin_branch": "sh01",
        "station": "cd01",
        "note": "托运凭证后未见厂家单",
        "at": AT,
    },
    "receipt.cancelled": {
        "waybill": "WB100",
        "region": "east",
        "origin_branch": "sh01",
        "due_on": "2026-11-30",
        "contacts": {"shipper_phone": "13800000000"},
        "at": AT,
        "reason": "cash_paid",
    },
    "receipt.collected": {
        "waybill": "WB100",
        "region": "east",
        "origin_branch": "sh01",
        "contacts": {"shipper_phone": "13800000000"},
        "at": AT,
        "collected_by": "王芳",
    },
    "shipment.tracking.flagged": {
        "waybill": "WB100",
        "region": "east",
        "station": "wh01",
        "kind": "delivery",
        "goods_state": "damaged",
        "note": "外包装破损",
        "at": AT,
    },
    "callback.scheduled": {**CALLBACK, "purpose": "complaint_handling"},
    "callback.completed": {
        **CALLBACK,
        "entity": {"kind": "project", "id": "p-1"},
        "purpose": "completion_survey",
        "reached": True,
        "satisfied": True,
        "satisfaction": 4,
        "ratings": {"designer": 5, "inspector": 4, "foreman": 3, "engineering_manager": 4},
        "attempts": 2,
        "project_manager": "pm-1",
    },
    "callback.overdue": {
        **CALLBACK,
        "purpose": "stage_callback",
        "stage": "contract",
        "level": "dept_head",
    },
    "notification.sent": {
        "message_id": "m-1",
        "channel": "sms",
        "entity": {"kind": "complaint", "id": "k-1"},
        "status": "sent",
        "customer_id": "c-1",
    },
    "report.published": {
        "kind": "receipts_monthly",
        "period": "2026-11",
        "audience": "region:sw",
        "summary": {"sw": {"unreturned": 3, "overdue": 1, "penalties_fen": 5_000}},
        "csv": "region,unreturned,overdue,penalties_fen\nsw,3,1,5000\n",
    },
    "ingest.*.shipment.scanned": {
        "waybill": "WB100",
        "kind": "arrived_hub",
        "station": "wh01",
        "batch": 1,
        "at": AT,
    },
}

SUBJECTS = list(SAMPLES)


def _enums_in(annotation: Any) -> list[type[Enum]]:
    """The Enum classes an annotation mentions, at any depth."""
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [annotation]
    return [e for arg in typing.get_args(annotation) for e in _enums_in(arg)]


def _property_names(schema: Any) -> list[str]:
    """Every property name in a JSON Schema, nested definitions included."""
    if isinstance(schema, list):
        return [n for item in schema for n in _property_names(item)]
    if not isinstance(schema, dict):
        return []
    names = list(schema.get("properties", {}))
    return names + [n for value in schema.values() for n in _property_names(value)]


def test_every_catalogue_subject_has_a_model_in_catalogue_order() -> None:
    assert [getattr(m, "SUBJECT") for m in ALL_EVENTS] == CATALOGUE  # noqa: B009
    assert set(BY_SUBJECT) == set(CATALOGUE)
    assert len(ALL_EVENTS) == 46
    assert set(SAMPLES) == set(CATALOGUE)


def test_owners_match_modules() -> None:
    for model in ALL_EVENTS:
        owner = getattr(model, "OWNER")  # noqa: B009
        if model is ShipmentScanned:
            assert owner == "branch"
            assert not issubclass(model, Event)
            assert "event_id" not in model.model_fields
        elif getattr(model, "SUBJECT") == "report.published":  # noqa: B009
            assert owner == "*"
        else:
            assert issubclass(model, Event)
            assert model.__module__ == f"shared.contracts.{owner}"
        assert model.__doc__ and "\n" not in model.__doc__.strip()


@pytest.mark.parametrize("subject", SUBJECTS)
def test_round_trips_through_json(subject: str) -> None:
    model = BY_SUBJECT[subject]
    event = model.model_validate(SAMPLES[subject])
    again = model.model_validate_json(event.model_dump_json())
    assert again == event


@pytest.mark.parametrize("subject", SUBJECTS)
def test_unknown_fields_are_ignored(subject: str) -> None:
    model = BY_SUBJECT[subject]
    event = model.model_validate({**SAMPLES[subject], "added_in_v1_1": {"x": 1}})
    assert "added_in_v1_1" not in event.model_dump()


def test_unknown_nested_fields_are_ignored() -> None:
    payload = {**SAMPLES["complaint.opened"], "subject": {"kind": "shipment", "id": "WB1", "n": 2}}
    event = ComplaintOpened.model_validate(payload)
    assert event.subject is not None and event.subject.model_dump() == {
        "kind": "shipment",
        "id": "WB1",
    }


@pytest.mark.parametrize(
    "subject",
    [
        s
        for s in SUBJECTS
        if any(_enums_in(f.annotation) for f in BY_SUBJECT[s].model_fields.values())
    ],
)
def test_a_bad_enum_value_is_rejected(subject: str) -> None:
    model = BY_SUBJECT[subject]
    name = next(n for n, f in model.model_fields.items() if _enums_in(f.annotation))
    with pytest.raises(ValidationError):
        model.model_validate({**SAMPLES[subject], name: "no_such_value"})


@pytest.mark.parametrize(
    ("subject", "field", "value"),
    [
        ("complaint.opened", "severity", "critical"),
        ("callback.scheduled", "entity", {"kind": "invoice", "id": "i-1"}),
        ("callback.completed", "ratings", {"plumber": 5}),
        ("report.published", "kind", "sales_daily"),
        ("ingest.*.shipment.scanned", "kind", "teleported"),
    ],
)
def test_bad_enum_values_in_nested_places_are_rejected(
    subject: str, field: str, value: Any
) -> None:
    with pytest.raises(ValidationError):
        BY_SUBJECT[subject].model_validate({**SAMPLES[subject], field: value})


def test_enums_travel_as_their_values() -> None:
    wire = json.loads(ComplaintOpened.model_validate(SAMPLES["complaint.opened"]).to_json())
    assert (wire["severity"], wire["received_by"], wire["subject"]["kind"]) == (
        "high",
        "reception",
        "project",
    )


def test_domain_bounds_are_part_of_the_contract() -> None:
    # Scores are 1–5; a route has at most two transfers; money is integer fen.
    with pytest.raises(ValidationError):
        CallbackCompleted.model_validate({**SAMPLES["callback.completed"], "satisfaction": 6})
    with pytest.raises(ValidationError):
        CallbackCompleted.model_validate(
            {**SAMPLES["callback.completed"], "ratings": {"foreman": 0}}
        )
    with pytest.raises(ValidationError):
        ShipmentDispatched.model_validate({**MOVE, "transfers": 3})
    with pytest.raises(ValidationError):
        ProjectPaymentDue.model_validate({**SAMPLES["project.payment.due"], "amount_fen": 1.5})
    receipt = ReceiptOverdue.model_validate(SAMPLES["receipt.overdue"])
    assert (receipt.days_overdue, receipt.hard_breach) == (6, True)
    due = ProjectPaymentDue.model_validate(SAMPLES["project.payment.due"])
    assert due.amount_fen == 20_000_000 * 65 // 100 and due.paid_fen == 0


def test_a_complaint_confirmation_always_says_whether_satisfied() -> None:
    payload = {**SAMPLES["callback.completed"], "purpose": "complaint_confirmation"}
    with pytest.raises(ValidationError, match="satisfied"):
        CallbackCompleted.model_validate({**payload, "satisfied": None, "reached": False})
    given_up = CallbackCompleted.model_validate({**payload, "satisfied": False, "reached": False})
    assert given_up.satisfied is False


def test_times_must_carry_an_offset() -> None:
    with pytest.raises(ValidationError):
        ShipmentScanned.model_validate(
            {**SAMPLES["ingest.*.shipment.scanned"], "at": "2026-11-20T10:00:00"}
        )


def test_ingest_subjects() -> None:
    assert scan_subject("sh01") == "ingest.sh01.shipment.scanned"
    assert model_for(scan_subject("sh01")) is ShipmentScanned
    assert model_for("ingest.*.shipment.scanned") is ShipmentScanned
    assert model_for("ingest.a.b.shipment.scanned") is None
    assert model_for("ingest.shipment.scanned") is None
    assert model_for("complaint.opened") is ComplaintOpened
    assert model_for("complaint.opened.v2") is None
    for bad in ("", "sh.01", "sh*", ">", "sh 01"):
        with pytest.raises(ValueError):
            scan_subject(bad)


def test_committed_schemas_match_the_code() -> None:
    expected = generate()
    committed = {p.name: p.read_text(encoding="utf-8") for p in SCHEMA_DIR.glob("*.json")}
    hint = "contracts and committed schemas drifted: run `python -m shared.contracts.schemas`"
    assert sorted(committed) == sorted(expected), hint
    for name, schema in expected.items():
        assert committed[name] == render(schema), f"{name}: {hint}"
    assert "ingest.shipment.scanned.json" in committed


def test_no_national_id_anywhere() -> None:
    forbidden = re.compile(r"id_?number|national_?id|id_?card|identity|citizen", re.IGNORECASE)
    for name, schema in generate().items():
        assert not [p for p in _property_names(schema) if forbidden.search(p)], name


def test_phones_only_where_the_catalogue_has_them() -> None:
    allowed = {
        "customer.registered.json",
        "customer.updated.json",
        "shipper.registered.json",
        "shipment.dispatched.json",
        "shipment.arrived.json",
        "shipment.signed.json",
        "shipment.delayed.json",
        # The shipper is told by SMS that its receipt was cancelled or collected.
        "receipt.cancelled.json",
        "receipt.collected.json",
    }
    with_phones = {
        name
        for name, schema in generate().items()
        if any("phone" in p for p in _property_names(schema))
    }
    assert with_phones == allowed


def test_samples_are_models_of_their_subject() -> None:
    for subject, payload in SAMPLES.items():
        assert isinstance(BY_SUBJECT[subject].model_validate(payload), BaseModel)


def test_each_service_publishes_its_own_contracts_and_its_reports() -> None:
    intake = {getattr(m, "SUBJECT") for m in published_by("intake")}  # noqa: B009
    assert {"complaint.opened", "customer.registered", "report.published"} <= intake
    assert not {s for s in intake if s.startswith(("project.", "shipment.", "callback."))}
    assert "ingest.*.shipment.scanned" not in {
        getattr(m, "SUBJECT")  # noqa: B009
        for service in ("intake", "projects", "aftersales", "logistics", "notifications")
        for m in published_by(service)
    }
