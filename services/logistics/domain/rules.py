"""The configurable figures of DOMAIN.md §4, with the seed's defaults."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

MAX_TRANSFERS: Final = 2


@dataclass(frozen=True, slots=True)
class LogisticsRules:
    """Deadlines, re-check interval and penalty amounts; `LogisticsSettings.rules()` builds one."""

    receipt_days_direct: int = 10
    receipt_days_one_transfer: int = 15
    receipt_days_two_transfers: int = 20
    # 二次中转 … 20天,最迟25天: past this the receipt is a hard breach for the region's manager.
    receipt_days_hard_limit: int = 25
    delay_recheck: timedelta = timedelta(hours=4)
    penalty_overdue_fen: int = 5_000
    penalty_abnormal_fen: int = 10_000
    lost_receipt_staff_pct: int = 50
    # 及时协商处理: an abnormal receipt not signed again within this is "not handled in time".
    abnormal_handling: timedelta = timedelta(days=3)

    def receipt_days(self, transfers: int) -> int:
        """Calendar days a receipt has to come back, by the number of transfers."""
        check_transfers(transfers)
        return (
            self.receipt_days_direct,
            self.receipt_days_one_transfer,
            self.receipt_days_two_transfers,
        )[transfers]


DEFAULT_RULES: Final = LogisticsRules()


def check_transfers(transfers: int) -> None:
    """A route has 0, 1 or 2 transfers (中转)."""
    if not 0 <= transfers <= MAX_TRANSFERS:
        raise ValueError(f"transfers must be 0, 1 or 2, not {transfers}")


def check_aware(at: datetime, name: str) -> None:
    """Business times carry an offset; naive times cannot be placed on the Shanghai calendar."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must carry a UTC offset")
