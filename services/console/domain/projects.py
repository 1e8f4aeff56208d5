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
    # An unknown stage has reached nothing: every stage is ahead.
    reached = order[: order.index(current)] if current in order else []
    steps = []
    for stage in order:
        h = entered.get(stage, {})
        state = "current" if stage == current else "done" if stage in reached else "ahead"
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
    mine = query["mine"] == "1" if "mine" in query else staff.role is Role.ENGINEERING
    if mine:
        out["project_manager"] = staff.username
    if staff.branch and query.get("branch", "1") == "1":
        out["branch_id"] = staff.branch
    if query.get("stage") in {s.value for s in Stage}:
        out["stage"] = query["stage"]
    return out


def repair_filters(query: Mapping[str, str], statuses: Sequence[str]) -> dict[str, str]:
    """The repair list's filters from the query string (a known status only)."""
    return {"status": query["status"]} if query.get("status") in statuses else {}


# The steps of a repair ticket aftersales takes from each status (its ALLOWED_FROM, as forms);
# aftersales still decides every one.
_BEFORE_COMPLETION = REPAIR_STATUSES[: REPAIR_STATUSES.index("completed")]
_PHOTOS = REPAIR_STATUSES[REPAIR_STATUSES.index("survey_booked") : REPAIR_STATUSES.index("closed")]
STEP_FROM: dict[str, frozenset[str]] = {
    "assignment": frozenset(_BEFORE_COMPLETION),
    "survey-booking": frozenset({"assigned", "survey_booked"}),
    "survey": frozenset({"survey_booked"}),
    "quote-acceptance": frozenset({"surveyed"}),
    "schedule": frozenset({"surveyed", "quote_accepted", "scheduled"}),
    "start": frozenset({"scheduled"}),
    "completion": frozenset({"scheduled", "in_repair"}),
    "reimbursement": frozenset({"completed"}),
    "approval": frozenset({"reimbursement_claimed", "reimbursement_dept_approved"}),
    "closure": frozenset({"completed", "reimbursement_finance_approved"}),
    "photos": frozenset(_PHOTOS),
}
# Who signs each level of a reimbursement (aftersales' APPROVERS).
APPROVAL_LEVEL = {
    "reimbursement_claimed": frozenset({Role.DEPT_HEAD, Role.MANAGER, Role.ADMIN}),
    "reimbursement_dept_approved": frozenset({Role.FINANCE, Role.ADMIN}),
}


def repair_steps(ticket: Mapping[str, Any], role: Role) -> list[str]:
    """The step forms a ticket offers this role now: every step of after-sales staff (admin
    too) its status allows; an approver the approval at their level. A covered repair has no
    quote to accept; a paid one is scheduled once the quote is accepted."""
    status = str(ticket.get("status"))
    if role is not Role.AFTERSALES and role is not Role.ADMIN:
        allowed = APPROVAL_LEVEL.get(status, frozenset())
        return ["approval"] if role in allowed else []
    steps = [step for step, statuses in STEP_FROM.items() if status in statuses]
    covered = (ticket.get("warranty") or {}).get("covered")
    if covered or ticket.get("quote_accepted"):
        steps = [s for s in steps if s != "quote-acceptance"]
    elif status == "surveyed":
        steps = [s for s in steps if s != "schedule"]
    if role is not Role.ADMIN or status not in APPROVAL_LEVEL:
        steps = [s for s in steps if s != "approval"]
    return steps


def approval_level(status: str) -> str:
    """The level the next reimbursement signature is at."""
    return "dept_head" if status == "reimbursement_claimed" else "finance"


def fen_of(text: str) -> int:
    """Yuan as typed (350, 350.5, 1,350.00) in fen; ValueError when it is not an amount."""
    cleaned = text.strip().replace(",", "").replace("¥", "")
    whole, _, cents = cleaned.partition(".")
    if not whole.isdigit() or len(cents) > 2 or (cents and not cents.isdigit()):
        raise ValueError("an amount in yuan, at most two decimals")
    return int(whole) * 100 + int(cents.ljust(2, "0"))
