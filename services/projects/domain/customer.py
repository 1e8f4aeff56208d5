"""What a renovation customer's link shows of their project: how far the works have come and
what the next stage waits for, each instalment with what is due and by when, the warranty card
once it is in their hands; their name and address masked (whoever holds the link sees it)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from shared.contracts.values import Stage

from .model import CardStatus, Project, WarrantyCard
from .money import PlannedInstallment
from .stages import AUTOMATIC_STAGES, STAGE_ORDER, next_stage, unmet_rules

# The card is the customer's once it has been handed over (保修单发放): issued, then archived.
HANDED_OVER: Final = frozenset({CardStatus.ISSUED, CardStatus.ARCHIVED})
# The first characters of an address that may be shown: the city and district, never the door.
ADDRESS_AREA: Final = ("区", "县")
ADDRESS_KEPT_MAX: Final = 12
ADDRESS_KEPT_DEFAULT: Final = 3
MASK: Final = "****"


@dataclass(frozen=True, slots=True)
class StageStep:
    """One stage on the customer's progress: reached (with when), the current one, or ahead."""

    stage: Stage
    done: bool
    current: bool
    at: datetime | None


@dataclass(frozen=True, slots=True)
class NextStage:
    """The stage that comes next, whether the system moves there itself (the warranty), and
    the codes of what it still waits for (the rules a transition would refuse)."""

    stage: Stage | None
    automatic: bool
    waiting_for: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PlanLine:
    """An instalment as the customer reads it: its state (paid, overdue, due, upcoming: its
    clock not started until its stage) and the amounts."""

    row: PlannedInstallment
    state: str


def mask_name(name: str) -> str:
    """孙* / 欧阳** / 上海****公司: enough for its owner to recognise, not to identify them."""
    text = name.strip()
    if len(text) <= 1:
        return "*"
    if len(text) <= 4:
        return text[0] + "*" * (len(text) - 1)
    return text[:2] + "*" * (len(text) - 4) + text[-2:]


def mask_address(address: str) -> str:
    """The city and district only (上海市浦东新区****): up to the first 区 or 县 within the first
    twelve characters, else the first three; street, building and door never shown."""
    text = address.strip()
    found = [i for i in (text.find(c) for c in ADDRESS_AREA) if i >= 0]
    cut = min(found, default=ADDRESS_KEPT_MAX)
    kept = cut + 1 if cut < ADDRESS_KEPT_MAX else ADDRESS_KEPT_DEFAULT
    return text[: min(kept, len(text) - 1)] + MASK


def stage_steps(project: Project) -> list[StageStep]:
    """Every stage in order: those before the project's done, its own current, each with the
    time the project entered it."""
    here = STAGE_ORDER.index(project.stage)
    return [
        StageStep(stage, i <= here, i == here, project.reached_at(stage))
        for i, stage in enumerate(STAGE_ORDER)
    ]


def coming_next(project: Project, now: datetime, *, deposit_min_fen: int) -> NextStage:
    """The next stage and what it waits for now (nothing at the last stage, nothing the
    customer does for an automatic one)."""
    to = next_stage(project.stage)
    if to is None:
        return NextStage(None, False, ())
    if to in AUTOMATIC_STAGES:
        return NextStage(to, True, ())
    rules = unmet_rules(project, to, now, deposit_min_fen=deposit_min_fen)
    return NextStage(to, False, tuple(code for code, _ in rules))


def payment_state(row: PlannedInstallment, now: datetime) -> str:
    """paid; overdue once past its due time; due while its clock runs; upcoming before its
    stage starts the clock."""
    if row.fully_paid:
        return "paid"
    if row.due is None:
        return "upcoming"
    return "overdue" if now >= row.due.due_at else "due"


def plan_lines(rows: Iterable[PlannedInstallment], now: datetime) -> list[PlanLine]:
    """The plan in its order, each instalment with its state now."""
    return [PlanLine(row, payment_state(row, now)) for row in rows]


def due_now(lines: Sequence[PlanLine]) -> PlanLine | None:
    """The instalment to pay now: the first overdue or due one, else None."""
    return next((line for line in lines if line.state in ("overdue", "due")), None)


def handed_over(card: WarrantyCard | None) -> WarrantyCard | None:
    """The warranty card once the customer has it; None before (filled or signed only)."""
    return card if card is not None and card.status in HANDED_OVER else None
