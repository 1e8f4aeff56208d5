"""How a project and a repair read on screen: money in yuan, the stage timeline, the payment
plan's totals, the sign-offs by stage, the list filters a person starts from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.console.domain.accounts import Staff
from shared import money
from shared.contracts.values import Role, Stage

# Who reads projects and repairs through the services' APIs (admin always may): projects'
# READERS and aftersales' READ; the navigation and the pages' hidden sections follow them.
PROJECT_READERS = frozenset({Role.CS, Role.MANAGER, Role.DEPT_HEAD, Role.ENGINEERING, Role.FINANCE})
REPAIR_READERS = frozenset(
    {
        Role.AFTERSALES,
        Role.SUPERVISION,
        Role.CS,
        Role.DEPT_HEAD,
        Role.MANAGER,
        Role.FINANCE,
        Role.BRANCH,
    }
)
# A repair ticket's statuses in life-cycle order (aftersales' Status), for the list's filter.
REPAIR_STATUSES = (
    "opened",
    "assigned",
    "survey_booked",
    "surveyed",
    "quote_accepted",
    "scheduled",
    "in_repair",
    "completed",
    "reimbursement_claimed",
    "reimbursement_dept_approved",
    "reimbursement_finance_approved",
    "closed",
)
# Who may move a project to its next stage (projects' ENGINEERING).
MOVERS = frozenset({Role.ENGINEERING, Role.ADMIN})


def yuan(fen: int | None) -> str:
    """An amount in fen as yuan with thousands separators: 13,000,000 fen → ¥130,000.00."""
    if fen is None:
        return ""
    return f"-¥{money.yuan(-fen)}" if fen < 0 else f"¥{money.yuan(fen)}"


@dataclass(frozen=True)
class StageStep:
    """One stage on the timeline: reached (with when and by whom), the current one, or ahead."""

    stage: str
    state: str  # done / current / ahead
    at: str | None = None
    by: str | None = None
    note: str | None = None


def timeline(current: str, history: Iterable[Mapping[str, Any]]) -> list[StageStep]:
    """Every stage in order, each with the time the project entered it (its history)."""
    entered = {str(h["stage"]): h for h in history}
    order = [s.value for s in Stage]
    now = order.index(current) if current in order else -1
    steps = []
    for i, stage in enumerate(order):
        h = entered.get(stage, {})
        state = "done" if i < now else "current" if i == now else "ahead"
        steps.append(StageStep(stage, state, h.get("at"), h.get("by"), h.get("note")))
    return steps


@dataclass(frozen=True)
class PlanTotals:
    """The payment plan summed: due, paid and outstanding in fen."""

    amount_fen: int
    paid_fen: int
    outstanding_fen: int


def plan_totals(installments: Iterable[Mapping[str, Any]]) -> PlanTotals:
    """The sums of the plan's instalments as projects states them."""
    rows = list(installments)
    return PlanTotals(
        sum(int(r.get("amount_fen") or 0) for r in rows),
        sum(int(r.get("paid_fen") or 0) for r in rows),
        sum(int(r.get("outstanding_fen") or 0) for r in rows),
    )


def signoffs_by_stage(signoffs: Iterable[Mapping[str, Any]]) -> list[tuple[str, list[Any]]]:
    """The sign-offs grouped by the stage they hand over or accept, in stage order."""
    order = {s.value: i for i, s in enumerate(Stage)}
    groups: dict[str, list[Any]] = {}
    for s in signoffs:
        groups.setdefault(str(s["stage"]), []).append(s)
    return sorted(groups.items(), key=lambda kv: order.get(kv[0], len(order)))


def project_filters(staff: Staff, query: Mapping[str, str]) -> dict[str, str]:
    """The list a person sees first: an engineer's own projects (as project manager), a person
    with a branch their branch's; the query may widen or change it (`mine=0`, a stage)."""
    out: dict[str, str] = {}
    mine = query.get("mine", "1" if staff.role is Role.ENGINEERING else "0")
    if mine == "1":
        out["project_manager"] = staff.username
    if staff.branch and query.get("branch", "1") == "1":
        out["branch_id"] = staff.branch
    stage = query.get("stage", "")
    if stage in {s.value for s in Stage}:
        out["stage"] = stage
    return out


def repair_filters(query: Mapping[str, str], statuses: Sequence[str]) -> dict[str, str]:
    """The repair list's filters from the query string (a known status only)."""
    status = query.get("status", "")
    return {"status": status} if status in statuses else {}
