"""Receipts that end without finance: a cash-paid one cancelled, the customer told (现付类回单,
要及时通知客户取消,并做好交接), and one the customer collects at the origin, signed out and
written off (客户上门取回单,作回单签收登记和系统回单核销) — 日回单管理 2), 3)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from enum import StrEnum
from typing import Final

from .custody import CUSTOMER
from .errors import INVALID_VALUE, WRONG_STATE, DomainError
from .receipts import Receipt, ReceiptState
from .rules import check_aware

# Where a cancelled receipt not yet back goes: nowhere (it is no longer chased or returned).
VOID: Final = "void"
_OPEN: Final = frozenset(
    {
        ReceiptState.REQUIRED,
        ReceiptState.REDO,
        ReceiptState.SIGNED,
        ReceiptState.SENT,
        ReceiptState.RECEIVED,
        ReceiptState.HANDED_OVER,
    }
)
# At the origin: the paper is there to give the customer.
_AT_ORIGIN: Final = frozenset({ReceiptState.RECEIVED, ReceiptState.HANDED_OVER})


class Closure(StrEnum):
    """How a receipt ended without finance's settlement."""

    CASH_PAID = "cash_paid"  # 现付: cancelled, the customer told
    COLLECTED = "collected"  # 客户上门取回单: signed out to the customer and written off


def cancel_cash_paid(r: Receipt, at: datetime) -> Receipt:
    """现付类回单: the freight was paid at dispatch, so the receipt settles nothing: it is
    cancelled wherever it is (the clock stops, nothing more is chased) — 409 once it is
    settled, cancelled or written off."""
    check_aware(at, "at")
    if r.state not in _OPEN:
        raise DomainError(
            WRONG_STATE,
            f"the receipt of waybill {r.waybill} is {r.state.value}: it cannot be cancelled",
        )
    return replace(r, state=ReceiptState.CANCELLED, closed_at=at, version=r.version + 1)


def cancelled_holder(before: Receipt) -> str:
    """做好交接: a receipt back at the origin is handed to the customer with the notice; one
    still out is void (no one returns it)."""
    return CUSTOMER if before.state in _AT_ORIGIN else VOID


def write_off_collected(r: Receipt, collected_by: str, at: datetime) -> Receipt:
    """客户上门取回单: the customer takes the receipt at the origin (received there, not yet
    handed over or settled): the signing-out is registered and the receipt written off."""
    check_aware(at, "at")
    if not collected_by.strip():
        raise DomainError(INVALID_VALUE, "who collected the receipt is required", "collected_by")
    if r.state is not ReceiptState.RECEIVED:
        raise DomainError(
            WRONG_STATE,
            f"the receipt of waybill {r.waybill} is {r.state.value}: a customer collects it "
            "once it is received at the origin",
        )
    return replace(r, state=ReceiptState.WRITTEN_OFF, closed_at=at, version=r.version + 1)
