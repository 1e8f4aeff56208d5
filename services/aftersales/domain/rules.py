"""The figures the repair rules take (DOMAIN.md §3); `AftersalesSettings.rules()` builds them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from shared.contracts.values import ProblemKind

MIB: Final = 1024 * 1024

# The seed names a fee schedule (收费标准) but gives no figures: these are placeholders in fen.
DEFAULT_FEE_SCHEDULE_FEN: Final[Mapping[ProblemKind, int]] = MappingProxyType(
    {
        ProblemKind.LEAK: 30_000,
        ProblemKind.CRACK: 20_000,
        ProblemKind.ELECTRICAL: 15_000,
        ProblemKind.PLUMBING: 20_000,
        ProblemKind.PAINT: 25_000,
        ProblemKind.CARPENTRY: 20_000,
        ProblemKind.TILE: 25_000,
        ProblemKind.FIXTURE: 10_000,
        ProblemKind.CUSTOMER_DAMAGE: 35_000,
        ProblemKind.NORMAL_WEAR: 15_000,
        ProblemKind.OTHER: 20_000,
    }
)


@dataclass(frozen=True)
class RepairRules:
    """Warranty exclusions, the fee schedule, service levels and photo limits.

    The warranty's span is not here: its last day comes from projects with each project.
    """

    uncovered_kinds: frozenset[ProblemKind] = frozenset(
        {ProblemKind.CUSTOMER_DAMAGE, ProblemKind.NORMAL_WEAR}
    )
    fee_schedule_fen: Mapping[ProblemKind, int] = field(
        default_factory=lambda: DEFAULT_FEE_SCHEDULE_FEN
    )
    default_fee_fen: int = 20_000
    sla_first_contact_hours: int = 24
    sla_survey_hours: int = 72
    photo_types: frozenset[str] = frozenset(
        {"image/jpeg", "image/png", "image/webp", "application/pdf"}
    )
    photo_max_bytes: int = 10 * MIB
    # 维修结束相片(存档): the repair is completed only once its end is photographed.
    after_photo_required: bool = True


DEFAULT_RULES: Final = RepairRules()
