"""Rows ↔ domain, once: the project and review aggregates as JSON documents (the `state`
column) and back."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from services.projects.domain import (
    RESPONSIBLE_ROLE,
    Addition,
    CardStatus,
    Contract,
    ContractedItem,
    DeadlineState,
    DesignAcceptance,
    DocumentSignature,
    FeedbackForm,
    MaterialCheck,
    NamedParty,
    Payment,
    PaymentPlan,
    Project,
    ProjectDocument,
    QualityInspection,
    Review,
    ReviewKind,
    ReviewStatus,
    ReviewStep,
    RuleScore,
    Signoff,
    StageChange,
    StageEntry,
    StoredFile,
    WarrantyCard,
    receipt_number,
)
from services.projects.domain.dues import DueDeadline
from shared.contracts.values import (
    Deadline,
    DocumentKind,
    DocumentParty,
    Installment,
    SignoffParty,
    Stage,
)


def _t(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _pt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def _d(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _pd(value: str | None) -> date | None:
    return date.fromisoformat(value) if value is not None else None


def plan_json(plan: PaymentPlan) -> dict[str, int]:
    """A payment plan's shares."""
    return {
        "first_pct": plan.first_pct,
        "midterm_pct": plan.midterm_pct,
        "final_pct": plan.final_pct,
    }


def contract_json(contract: Contract | None) -> dict[str, Any] | None:
    """The construction contract as the API shows it."""
    if contract is None:
        return None
    return {
        "amount_fen": contract.amount_fen,
        "signed_at": _t(contract.signed_at),
        "plan": plan_json(contract.plan),
        "effective_at": _t(contract.effective_at),
        "main_materials_by_company": contract.main_materials_by_company,
    }


def file_json(file: StoredFile) -> dict[str, Any]:
    """A stored file's reference as the API shows it."""
    return {
        "file_id": file.file_id,
        "sha256": file.sha256,
        "content_type": file.content_type,
        "size_bytes": file.size_bytes,
    }


def document_json(d: ProjectDocument) -> dict[str, Any]:
    """A project document as the API shows it."""
    return {
        "id": d.id,
        "kind": d.kind.value,
        "number": d.number,
        "at": _t(d.at),
        "parties": [{"role": p.role.value, "name": p.name} for p in d.parties],
        "signatures": [
            {"party": s.party.value, "name": s.name, "signed_at": _t(s.signed_at)}
            for s in d.signatures
        ],
        "amount_fen": d.amount_fen,
        "file": file_json(d.file),
        "recorded_by": d.recorded_by,
    }


def document_from_json(doc: dict[str, Any]) -> ProjectDocument:
    """Rebuild a project document from its JSON."""
    f = doc["file"]
    return ProjectDocument(
        id=doc["id"],
        kind=DocumentKind(doc["kind"]),
        number=doc["number"],
        at=_at(doc["at"]),
        parties=tuple(NamedParty(DocumentParty(p["role"]), p["name"]) for p in doc["parties"]),
        file=StoredFile(f["file_id"], f["sha256"], f["content_type"], f["size_bytes"]),
        recorded_by=doc["recorded_by"],
        signatures=tuple(
            DocumentSignature(DocumentParty(s["party"]), s["name"], _at(s["signed_at"]))
            for s in doc["signatures"]
        ),
        amount_fen=doc.get("amount_fen"),
    )


def warranty_json(card: WarrantyCard | None) -> dict[str, Any] | None:
    """The warranty card as the API shows it: its dates and each step taken."""
    if card is None:
        return None
    return {
        "card_no": card.card_no,
        "starts_on": _d(card.starts_on),
        "ends_on": _d(card.ends_on),
        "status": card.status.value,
        "signed_by": card.signed_by,
        "signed_at": _t(card.signed_at),
        "issued_by": card.issued_by,
        "issued_at": _t(card.issued_at),
        "receipt_no": card.receipt_no,
        "archived_by": card.archived_by,
        "archived_at": _t(card.archived_at),
        "archive_file": file_json(card.archive_file) if card.archive_file else None,
    }


def feedback_json(form: FeedbackForm | None) -> dict[str, Any] | None:
    """The feedback form as the API shows it."""
    if form is None:
        return None
    return {
        "receipt_no": form.receipt_no,
        "satisfaction": form.satisfaction,
        "comments": form.comments,
        "filled_at": _t(form.filled_at),
        "recorded_by": form.recorded_by,
    }


def design_acceptance_json(d: DesignAcceptance | None) -> dict[str, Any] | None:
    """The design acceptance as the API shows it."""
    if d is None:
        return None
    return {
        "on": _t(d.on),
        "booked_by": d.booked_by,
        "booked_at": _t(d.booked_at),
        "accepted": d.accepted,
        "notes": d.notes,
        "customer_name": d.customer_name,
        "recorded_by": d.recorded_by,
        "recorded_at": _t(d.recorded_at),
    }


def project_to_json(p: Project) -> dict[str, Any]:
    """Serialise the whole aggregate."""
    return {
        "id": p.id,
        "customer_id": p.customer_id,
        "stage": p.stage.value,
        "version": p.version,
        "designer": p.designer,
        "project_manager": p.project_manager,
        "supervisor": p.supervisor,
        "foreman": p.foreman,
        "history": [{"stage": e.stage.value, "at": _t(e.at)} for e in p.history],
        "scheme_approved_at": _t(p.scheme_approved_at),
        "drawings_signed_at": _t(p.drawings_signed_at),
        "contract": contract_json(p.contract),
        "payments": [
            {
                "installment": x.installment.value,
                "amount_fen": x.amount_fen,
                "paid_at": _t(x.paid_at),
                "receipt_no": x.receipt_no,
                "received_by": x.received_by,
            }
            for x in p.payments
        ],
        "additions": [
            {"description": a.description, "amount_fen": a.amount_fen, "at": _t(a.at)}
            for a in p.additions
        ],
        "signoffs": [
            {
                "stage": s.stage.value,
                "party": s.party.value,
                "name": s.name,
                "signed_at": _t(s.signed_at),
            }
            for s in p.signoffs
        ],
        "completed_on": _d(p.completed_on),
        "warranty": warranty_json(p.warranty),
        "documents": [document_json(d) for d in p.documents],
        "feedback": feedback_json(p.feedback),
        "design_acceptance": design_acceptance_json(p.design_acceptance),
    }


def _contract(doc: dict[str, Any] | None) -> Contract | None:
    if doc is None:
        return None
    signed_at = _pt(doc["signed_at"])
    assert signed_at is not None
    return Contract(
        amount_fen=doc["amount_fen"],
        signed_at=signed_at,
        plan=PaymentPlan(**doc["plan"]),
        effective_at=_pt(doc.get("effective_at")),
        main_materials_by_company=bool(doc.get("main_materials_by_company", False)),
    )


def _file(doc: dict[str, Any] | None) -> StoredFile | None:
    if doc is None:
        return None
    return StoredFile(doc["file_id"], doc["sha256"], doc["content_type"], doc["size_bytes"])


def _warranty(doc: dict[str, Any] | None) -> WarrantyCard | None:
    if doc is None:
        return None
    starts, ends = _pd(doc["starts_on"]), _pd(doc["ends_on"])
    assert starts is not None and ends is not None
    return WarrantyCard(
        doc["card_no"],
        starts,
        ends,
        # Cards issued before the card's steps were recorded are filled, waiting for a signature.
        status=CardStatus(doc.get("status", CardStatus.FILLED)),
        signed_by=doc.get("signed_by"),
        signed_at=_pt(doc.get("signed_at")),
        issued_by=doc.get("issued_by"),
        issued_at=_pt(doc.get("issued_at")),
        receipt_no=doc.get("receipt_no"),
        archived_by=doc.get("archived_by"),
        archived_at=_pt(doc.get("archived_at")),
        archive_file=_file(doc.get("archive_file")),
    )


def _design_acceptance(doc: dict[str, Any] | None) -> DesignAcceptance | None:
    if doc is None:
        return None
    return DesignAcceptance(
        _at(doc["on"]),
        doc["booked_by"],
        _at(doc["booked_at"]),
        doc.get("accepted"),
        doc.get("notes", ""),
        doc.get("customer_name"),
        doc.get("recorded_by"),
        _pt(doc.get("recorded_at")),
    )


def _feedback(doc: dict[str, Any] | None) -> FeedbackForm | None:
    if doc is None:
        return None
    return FeedbackForm(
        doc["receipt_no"],
        doc["satisfaction"],
        doc["comments"],
        _at(doc["filled_at"]),
        doc["recorded_by"],
    )


def _at(value: str) -> datetime:
    parsed = _pt(value)
    assert parsed is not None
    return parsed


def project_from_json(doc: dict[str, Any]) -> Project:
    """Rebuild the aggregate from its document."""
    return Project(
        id=doc["id"],
        customer_id=doc["customer_id"],
        stage=Stage(doc["stage"]),
        version=doc["version"],
        designer=doc.get("designer"),
        project_manager=doc.get("project_manager"),
        supervisor=doc.get("supervisor"),
        foreman=doc.get("foreman"),
        history=tuple(StageEntry(Stage(e["stage"]), _at(e["at"])) for e in doc["history"]),
        scheme_approved_at=_pt(doc.get("scheme_approved_at")),
        drawings_signed_at=_pt(doc.get("drawings_signed_at")),
        contract=_contract(doc.get("contract")),
        payments=tuple(
            Payment(
                Installment(x["installment"]),
                x["amount_fen"],
                _at(x["paid_at"]),
                # Payments recorded before receipts were numbered get the number they would have.
                receipt_no=x.get("receipt_no") or receipt_number(doc["id"], n),
                received_by=x.get("received_by"),
            )
            for n, x in enumerate(doc.get("payments", []), start=1)
        ),
        additions=tuple(
            Addition(a["description"], a["amount_fen"], _at(a["at"]))
            for a in doc.get("additions", [])
        ),
        signoffs=tuple(
            Signoff(Stage(s["stage"]), SignoffParty(s["party"]), s["name"], _at(s["signed_at"]))
            for s in doc.get("signoffs", [])
        ),
        completed_on=_pd(doc.get("completed_on")),
        warranty=_warranty(doc.get("warranty")),
        documents=tuple(document_from_json(d) for d in doc.get("documents", [])),
        feedback=_feedback(doc.get("feedback")),
        design_acceptance=_design_acceptance(doc.get("design_acceptance")),
    )


def review_to_json(r: Review) -> dict[str, Any]:
    """Serialise a review with its audit trail."""
    return {
        "id": r.id,
        "project_id": r.project_id,
        "kind": r.kind.value,
        "designer": r.designer,
        "status": r.status.value,
        "round": r.round,
        "scores": {s.rule: s.score for s in r.scores},
        "total_score": r.total_score,
        "details": r.details,
        "panel": list(r.panel),
        "panel_by": r.panel_by,
        "panel_at": _t(r.panel_at),
        "history": [
            {
                "status": h.status.value,
                "at": _t(h.at),
                "by": h.by,
                "note": h.note,
                "scores": {s.rule: s.score for s in h.scores},
            }
            for h in r.history
        ],
    }


def review_from_json(doc: dict[str, Any]) -> Review:
    """Rebuild a review from its document."""
    return Review(
        id=doc["id"],
        project_id=doc["project_id"],
        kind=ReviewKind(doc["kind"]),
        designer=doc["designer"],
        status=ReviewStatus(doc["status"]),
        round=doc["round"],
        scores=tuple(RuleScore(k, v) for k, v in sorted(doc["scores"].items())),
        details=doc["details"],
        history=tuple(
            ReviewStep(
                ReviewStatus(h["status"]),
                _at(h["at"]),
                h["by"],
                h.get("note", ""),
                tuple(RuleScore(k, v) for k, v in sorted(h.get("scores", {}).items())),
            )
            for h in doc["history"]
        ),
        panel=tuple(doc.get("panel", ())),
        panel_by=doc.get("panel_by"),
        panel_at=_pt(doc.get("panel_at")),
    )


def project_of(row: asyncpg.Record) -> Project:
    """The aggregate a `projects` row holds (its `state` column)."""
    return project_from_json(json.loads(row["state"]))


def review_of(row: asyncpg.Record) -> Review:
    """The review a `reviews` row holds (its `state` column)."""
    return review_from_json(json.loads(row["state"]))


def stage_change_of(row: asyncpg.Record) -> StageChange:
    """A `stage_log` row."""
    return StageChange(
        row["version"],
        Stage(row["from_stage"]),
        Stage(row["to_stage"]),
        row["at"],
        row["by"],
        row["note"],
    )


def deadline_of(row: asyncpg.Record) -> DeadlineState:
    """A `deadlines` row."""
    return DeadlineState(
        Deadline(row["deadline"]),
        row["started_at"],
        row["due_at"],
        row["due_on"],
        row["satisfied_at"],
        row["missed_at"],
    )


def stored_file_of(row: asyncpg.Record) -> StoredFile:
    """A `files` row as the domain refers to it."""
    return StoredFile(row["file_id"], row["sha256"], row["content_type"], row["size_bytes"])


def material_of(row: asyncpg.Record) -> dict[str, Any]:
    """A `materials` row as the API and project.materials.recorded show it."""
    item = {k: row[k] for k in ("category", "supplier", "brand", "model", "spec", "colour")}
    item["quantity"] = float(row["quantity"]) if row["quantity"] is not None else None
    return item


def contracted_of(row: asyncpg.Record) -> ContractedItem:
    """A `materials` row as the material the contract names."""
    return ContractedItem(row["category"], row["brand"], row["model"], row["quantity"])


def _quantity(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def material_check_to_json(check_id: str, check: MaterialCheck) -> dict[str, Any]:
    """A material acceptance sheet as stored and shown: each item, its mismatches, the missing."""

    def contracted(c: ContractedItem) -> dict[str, Any]:
        return {
            "category": c.category,
            "brand": c.brand,
            "model": c.model,
            "quantity": _quantity(c.quantity),
        }

    return {
        "id": check_id,
        "at": _t(check.at),
        "checked_by": check.checked_by,
        "passed": check.passed,
        "items": [
            {
                "category": i.delivered.category,
                "brand": i.delivered.brand,
                "model": i.delivered.model,
                "quantity": _quantity(i.delivered.quantity),
                "quality_ok": i.delivered.quality_ok,
                "note": i.delivered.note,
                "expected": contracted(i.expected) if i.expected else None,
                "mismatches": list(i.mismatches),
            }
            for i in check.items
        ],
        "missing": [contracted(c) for c in check.missing],
    }


def inspection_of(row: asyncpg.Record) -> QualityInspection:
    """An `inspections` row."""
    return QualityInspection(
        row["project_id"],
        row["inspector"],
        row["at"],
        row["quality"],
        row["progress"],
        row["tidiness"],
        tuple(json.loads(row["problems"])),
    )


def due_deadline_of(row: asyncpg.Record) -> DueDeadline:
    """A deadline due in a report's month, with its project's branch and the person owing it
    (the role that owes it names the projects column holding that person)."""
    kind = Deadline(row["deadline"])
    return DueDeadline(
        row["project_id"],
        row["branch_id"],
        kind,
        row[RESPONSIBLE_ROLE[kind]],
        row["due_at"],
        row["due_on"],
        row["satisfied_at"],
    )
