"""Who holds a receipt (回单出入清晰、可查, 交接手续) and the envelope a destination seals its
signed receipts in for the origin, which checks it against the list on it (回单规范要求 4), 5))."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from shared.contracts.values import ReceiptStep

from .errors import INVALID_VALUE, WRONG_STATE, DomainError
from .rules import check_aware

FINANCE: Final = "finance"
CUSTOMER: Final = "customer"
MAX_ENVELOPE: Final = 200


def envelope_holder(envelope_id: str) -> str:
    """The holder of a receipt sealed in an envelope on its way to the origin."""
    return f"envelope:{envelope_id}"


def holder_after(
    step: ReceiptStep,
    *,
    origin: str,
    destination: str,
    to: str | None = None,
    envelope_id: str | None = None,
) -> str:
    """Who holds the receipt once the step is taken: the destination that had it signed, the
    post (an envelope) once sent, the origin once received, the customer or the salesperson it
    was handed to (业务归属人员), finance once settled."""
    if step is ReceiptStep.SIGNED:
        return destination
    if step is ReceiptStep.SENT:
        return envelope_holder(envelope_id) if envelope_id else f"post:{destination}>{origin}"
    if step is ReceiptStep.RECEIVED:
        return origin
    if step is ReceiptStep.HANDED_OVER:
        return to or CUSTOMER
    return FINANCE


def check_handover(step: ReceiptStep, to: str | None, business_owner: str | None) -> None:
    """Whom it was handed to and the business owner belong to the handover alone."""
    if step is not ReceiptStep.HANDED_OVER and (to or business_owner):
        raise DomainError(
            INVALID_VALUE,
            "only the handover names whom the receipt went to and its business owner",
            "to" if to else "business_owner",
        )


@dataclass(frozen=True, slots=True)
class Envelope:
    """Signed receipts sealed at a destination for one origin, with the list written on it."""

    envelope_id: str
    from_branch: str
    to_branch: str
    waybills: tuple[str, ...]
    sealed_at: datetime
    checked_at: datetime | None = None
    missing: tuple[str, ...] = ()
    unexpected: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        """How many receipts the envelope says it holds (数量)."""
        return len(self.waybills)


def seal_envelope(
    envelope_id: str, from_branch: str, to_branch: str, waybills: list[str], at: datetime
) -> Envelope:
    """The list of a sealed envelope: each waybill once, at least one, at most 200."""
    check_aware(at, "at")
    if from_branch == to_branch:
        raise DomainError(INVALID_VALUE, "an envelope goes to another branch", "to_branch")
    listed = tuple(dict.fromkeys(waybills))
    if not listed:
        raise DomainError(INVALID_VALUE, "an envelope holds at least one receipt", "waybills")
    if len(listed) != len(waybills):
        raise DomainError(INVALID_VALUE, "a waybill is listed twice", "waybills")
    if len(listed) > MAX_ENVELOPE:
        raise DomainError(
            INVALID_VALUE, f"an envelope holds at most {MAX_ENVELOPE} receipts", "waybills"
        )
    return Envelope(envelope_id, from_branch, to_branch, listed, at)


def check_envelope(env: Envelope, found: list[str], at: datetime) -> Envelope:
    """The origin opens it and compares the receipts with the list: what is missing, what is
    there but not listed (若不符或者没有回执单,要及时与到站网点联系确认). Checked once."""
    check_aware(at, "at")
    if env.checked_at is not None:
        raise DomainError(
            WRONG_STATE, f"envelope {env.envelope_id} was checked at {env.checked_at.isoformat()}"
        )
    present = set(found)
    return replace(
        env,
        checked_at=max(at, env.sealed_at),
        missing=tuple(w for w in env.waybills if w not in present),
        unexpected=tuple(sorted(present - set(env.waybills))),
    )
