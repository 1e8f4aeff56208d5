"""Every change logistics makes, one transaction each: load, call the rules, save, emit,
schedule. Routes, the bulk scan handler and the timers call the same functions."""

from __future__ import annotations

from typing import Final

# Timer kinds (the key is the waybill, or the report's period name).
DELAY_CHECK: Final = "shipment.delay_check"
LOADING_CHECK: Final = "shipment.loading_check"
RECEIPT_DEADLINE: Final = "receipt.deadline"
EXCEPTIONS_WEEKLY: Final = "report.exceptions_weekly"
RECEIPTS_MONTHLY: Final = "report.receipts_monthly"
