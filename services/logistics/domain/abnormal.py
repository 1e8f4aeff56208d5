"""Abnormal receipts (异常回单): what a signed receipt lacks against the shipper's requirements,
the register of abnormal ones, and when one was not found or not handled in time (§4.3)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from shared.contracts.values import ReceiptStep

from .errors import INVALID_VALUE, DomainError
from .rules import DEFAULT_RULES, LogisticsRules, check_aware
from .shipments import ReceiptRequirements

# The two checks the manual names: the destination on signing (到货网点…确认回执单是否合格) and the
# origin on receiving it (发站网点…审核回执单是否按要求签单).
CHECKED_AT = (ReceiptStep.SIGNED, ReceiptStep.RECEIVED)
REPORTED_IRREGULAR = "the station reported the signing as irregular"


@dataclass(frozen=True, slots=True)
class ReceiptFindings:
    """What the checking station sees on the signed receipt."""

    signature: bool
    stamp: bool
    id_number: bool
    copies: int


def receipt_defects(
    req: ReceiptRequirements, *, signature: bool, stamp: bool, id_number: bool, copies: int
) -> list[str]:
    """What a signed receipt lacks against the shipper's requirements, in plain words."""
    defects: list[str] = []
    if req.signature and not signature:
        defects.append("the consignee's signature is missing")
    if req.stamp and not stamp:
        defects.append("the company stamp is missing")
    if req.id_number and not id_number:
        defects.append("the ID number is missing")
    if copies < req.copies:
        defects.append(f"{req.copies} copies are required, {copies} signed")
    return defects


def check_receipt(
    req: ReceiptRequirements,
    step: ReceiptStep,
    findings: ReceiptFindings | None,
    *,
    compliant: bool = True,
    note: str = "",
) -> list[str]:
    """A checked receipt's defects: the requirements against what the station found, plus the
    station's own verdict (`compliant` false: e.g. 货物签收异常, with its note); none: compliant."""
    if step not in CHECKED_AT and (findings is not None or not compliant):
        raise DomainError(
            INVALID_VALUE,
            "a receipt is checked when it is signed and when the origin receives it",
            "presented" if findings is not None else "compliant",
        )
    defects = (
        receipt_defects(
            req,
            signature=findings.signature,
            stamp=findings.stamp,
            id_number=findings.id_number,
            copies=findings.copies,
        )
        if findings is not None
        else []
    )
    if not compliant:
        defects.append(note.strip() or REPORTED_IRREGULAR)
    return defects


@dataclass(frozen=True, slots=True)
class AbnormalReceipt:
    """One abnormal receipt in the register: found by a check, resolved when signed again."""

    abnormality_id: str
    waybill: str
    region: str
    step: ReceiptStep  # signed: the destination found it; received: only the origin did
    defects: tuple[str, ...]
    found_at: datetime
    resolved_at: datetime | None = None

    @property
    def found_late(self) -> bool:
        """The destination's check let it through: 工作疏忽不能及时发现."""
        return self.step is ReceiptStep.RECEIVED


def register_abnormal(
    abnormality_id: str,
    waybill: str,
    region: str,
    step: ReceiptStep,
    defects: list[str],
    found_at: datetime,
) -> AbnormalReceipt:
    """An abnormal receipt found at a check; the supervisor is told at once (第一时间报主管)."""
    check_aware(found_at, "found_at")
    if step not in CHECKED_AT:
        raise DomainError(INVALID_VALUE, "only a check finds an abnormal receipt", "step")
    if not defects:
        raise DomainError(INVALID_VALUE, "an abnormal receipt has at least one defect", "defects")
    return AbnormalReceipt(abnormality_id, waybill, region, step, tuple(defects), found_at)


def resolve_abnormal(a: AbnormalReceipt, at: datetime) -> AbnormalReceipt:
    """The receipt was signed again properly (返回重签): the abnormality is handled."""
    check_aware(at, "at")
    if a.resolved_at is not None:
        return a
    return replace(a, resolved_at=max(at, a.found_at))


def handling_deadline(a: AbnormalReceipt, rules: LogisticsRules = DEFAULT_RULES) -> datetime:
    """By when the supervisor must have it handled (及时协商处理): found + the handling days."""
    return a.found_at + rules.abnormal_handling


def abnormal_penalty_at(
    a: AbnormalReceipt, now: datetime, rules: LogisticsRules = DEFAULT_RULES
) -> datetime | None:
    """When the 100 yuan for this receipt fell due, or None (not due, or not yet known).

    Our reading of 凡因工作疏忽不能及时发现,或因主管(经理)未及时处理,处罚100元/票: due when the
    origin, not the destination, found it (not found in time: at the finding), or when it was
    not signed again within the handling days (not handled in time: at the deadline). Once per
    receipt abnormality, never both."""
    check_aware(now, "now")
    if a.found_late:
        return a.found_at
    deadline = handling_deadline(a, rules)
    if a.resolved_at is not None:
        return deadline if a.resolved_at > deadline else None
    return deadline if now > deadline else None
