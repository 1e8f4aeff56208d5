"""Customer care during a project: which callbacks are owed and how many were made (§2.3)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

from shared.contracts.values import CallbackPurpose, Stage, StageCallback

from .errors import require_aware
from .model import StageEntry

FRONTDESK_CALLS = 3  # 前台电话回访不得少于3次 per project under construction
WEEK = timedelta(weeks=1)

# The stage whose reaching owes each required stage callback (API.md value lists).
STAGE_CALLBACK_AT: Mapping[Stage, StageCallback] = MappingProxyType(
    {
        Stage.DESIGN_AGREEMENT: StageCallback.DESIGN_AGREEMENT,
        Stage.CONTRACT: StageCallback.CONTRACT,
        Stage.PLUMBING_ELECTRICAL_ACCEPTED: StageCallback.PLUMBING_ELECTRICAL_ACCEPTED,
        Stage.CARPENTRY_ACCEPTED: StageCallback.CARPENTRY_ACCEPTED,
        Stage.TILING_ACCEPTED: StageCallback.TILING_ACCEPTED,
        Stage.PAINTING_ACCEPTED: StageCallback.PAINTING_ACCEPTED,
        Stage.COMPLETED: StageCallback.COMPLETION_SURVEY,
    }
)


@dataclass(frozen=True)
class CareRequirement:
    """Calls owed on one project (or, as MadeCalls, the completed ones of each kind)."""

    frontdesk: int = 0
    weekly: int = 0
    stage_callbacks: frozenset[StageCallback] = frozenset()

    @property
    def total(self) -> int:
        """All calls counted together."""
        return self.frontdesk + self.weekly + len(self.stage_callbacks)


MadeCalls = CareRequirement


@dataclass(frozen=True)
class CompletedCallback:
    """A callback.completed on the project: its purpose and, for stage callbacks, the stage."""

    purpose: CallbackPurpose
    stage: str | None = None


def required_calls(
    history: Sequence[StageEntry], now: datetime, *, frontdesk: int = FRONTDESK_CALLS
) -> CareRequirement:
    """Calls owed by `now`, from the stages the project reached and when.

    Front desk: `frontdesk` (3) once works have started. Weekly works: one per full 7 days
    from works_started to completed (or to `now` while under construction). Stage callbacks:
    one per required stage reached (the completion survey at `completed`).
    """
    require_aware(now, "now")
    reached = {e.stage: e.at for e in history if e.at <= now}
    started = reached.get(Stage.WORKS_STARTED)
    weekly = 0
    if started is not None:
        end = reached.get(Stage.COMPLETED, now)
        weekly = max((end - started) // WEEK, 0)
    return CareRequirement(
        frontdesk=frontdesk if started is not None else 0,
        weekly=weekly,
        stage_callbacks=frozenset(cb for st, cb in STAGE_CALLBACK_AT.items() if st in reached),
    )


def _stage_callback(callback: CompletedCallback) -> StageCallback | None:
    if callback.purpose == CallbackPurpose.COMPLETION_SURVEY:
        return StageCallback.COMPLETION_SURVEY
    if callback.purpose != CallbackPurpose.STAGE_CALLBACK or callback.stage is None:
        return None
    if callback.stage == Stage.COMPLETED:
        return StageCallback.COMPLETION_SURVEY
    try:
        return StageCallback(callback.stage)
    except ValueError:
        return None


def made_calls(callbacks: Iterable[CompletedCallback]) -> MadeCalls:
    """Count completed callbacks by kind (other purposes are not care calls)."""
    frontdesk = weekly = 0
    stages: set[StageCallback] = set()
    for cb in callbacks:
        if cb.purpose == CallbackPurpose.FRONTDESK_CALL:
            frontdesk += 1
        elif cb.purpose == CallbackPurpose.WEEKLY_WORKS:
            weekly += 1
        elif (stage := _stage_callback(cb)) is not None:
            stages.add(stage)
    return MadeCalls(frontdesk, weekly, frozenset(stages))


def credited_calls(required: CareRequirement, made: MadeCalls) -> int:
    """Made calls that count, capped per requirement (extra calls of one kind don't offset)."""
    return (
        min(made.frontdesk, required.frontdesk)
        + min(made.weekly, required.weekly)
        + len(made.stage_callbacks & required.stage_callbacks)
    )


def _pct(credited: int, required: int) -> Decimal:
    if required == 0:
        return Decimal("100.0")
    return (Decimal(100 * credited) / Decimal(required)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def compliance(required: CareRequirement, made: MadeCalls) -> Decimal:
    """Percent of owed calls made (one decimal); 100 when nothing is owed yet."""
    return _pct(credited_calls(required, made), required.total)


@dataclass(frozen=True)
class ProjectCare:
    """One project's owed and made calls, under its project manager."""

    project_id: str
    project_manager: str | None
    required: CareRequirement
    made: MadeCalls


@dataclass(frozen=True)
class ComplianceRow:
    """A project manager's line of the care-compliance report."""

    project_manager: str | None
    projects: int
    required_calls: int
    made_calls: int
    compliance_pct: Decimal


def care_compliance(projects: Iterable[ProjectCare]) -> list[ComplianceRow]:
    """Per project manager: projects, owed calls, credited calls and the percentage."""
    totals: dict[str | None, list[int]] = {}
    for p in projects:
        row = totals.setdefault(p.project_manager, [0, 0, 0])
        row[0] += 1
        row[1] += p.required.total
        row[2] += credited_calls(p.required, p.made)
    return [
        ComplianceRow(pm, n, req, made, _pct(made, req))
        # At most one row has no project manager, and it goes last: None is never compared.
        for pm, (n, req, made) in sorted(totals.items(), key=lambda kv: (kv[0] is None, kv[0]))
    ]
