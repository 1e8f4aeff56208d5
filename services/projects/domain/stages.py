"""The stage machine: fifteen stages in order, and the rules each transition must meet."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from types import MappingProxyType

from shared.calendar import local_date
from shared.contracts.values import Installment, SignoffParty, Stage
from shared.errors import DomainError, Invalid
from shared.money import yuan

from .documents import documents_rule, missing_documents
from .errors import require_aware
from .model import Project, StageEntry
from .money import DEPOSIT_MIN_FEN, split_amount

# API.md § projects, DOMAIN.md §2.1. The order is data: a company that orders its trades
# differently changes this tuple (the guards below key on stages, not positions).
STAGE_ORDER: tuple[Stage, ...] = (
    Stage.CONSULTATION,
    Stage.MEASUREMENT,
    Stage.QUOTATION,
    Stage.DESIGN_AGREEMENT,
    Stage.DESIGN,
    Stage.CONTRACT,
    Stage.WORKS_STARTED,
    Stage.MATERIALS_ACCEPTED,
    Stage.PLUMBING_ELECTRICAL_ACCEPTED,
    Stage.MIDTERM_ACCEPTED,
    Stage.CARPENTRY_ACCEPTED,
    Stage.TILING_ACCEPTED,
    Stage.PAINTING_ACCEPTED,
    Stage.COMPLETED,
    Stage.WARRANTY,
)

_FOUR_PARTIES = frozenset(SignoffParty)
# Our reading of the seed: the start-of-works handover (交底), the mid-term and the completion
# acceptance name all four parties (监理、设计、工长、客户). For the material and trade acceptances
# the seed names no parties, so we require those who check the work on site (supervisor, foreman)
# and the customer who accepts it; the designer may sign too, but is not required.
_TRADE_PARTIES = frozenset({SignoffParty.SUPERVISOR, SignoffParty.FOREMAN, SignoffParty.CUSTOMER})
REQUIRED_SIGNOFFS: Mapping[Stage, frozenset[SignoffParty]] = MappingProxyType(
    {
        Stage.WORKS_STARTED: _FOUR_PARTIES,
        Stage.MATERIALS_ACCEPTED: _TRADE_PARTIES,
        Stage.PLUMBING_ELECTRICAL_ACCEPTED: _TRADE_PARTIES,
        Stage.MIDTERM_ACCEPTED: _FOUR_PARTIES,
        Stage.CARPENTRY_ACCEPTED: _TRADE_PARTIES,
        Stage.TILING_ACCEPTED: _TRADE_PARTIES,
        Stage.PAINTING_ACCEPTED: _TRADE_PARTIES,
        Stage.COMPLETED: _FOUR_PARTIES,
    }
)
# Reached by the system, never by a request: warranty follows completion + final payment.
AUTOMATIC_STAGES: frozenset[Stage] = frozenset({Stage.WARRANTY})
_PARTY_ORDER: tuple[SignoffParty, ...] = tuple(SignoffParty)


def parse_stage(value: str | Stage, field: str = "to") -> Stage:
    """A stage from its API name, or Invalid naming the field."""
    try:
        return Stage(value)
    except ValueError:
        raise Invalid(field, f"unknown stage {value!r}") from None


def stage_index(stage: Stage) -> int:
    """The stage's position in STAGE_ORDER."""
    return STAGE_ORDER.index(stage)


def next_stage(stage: Stage) -> Stage | None:
    """The only stage a project at `stage` may move to, or None at the end."""
    i = stage_index(stage)
    return STAGE_ORDER[i + 1] if i + 1 < len(STAGE_ORDER) else None


def has_reached(project: Project, stage: Stage) -> bool:
    """Whether the project is at `stage` or beyond it."""
    return stage_index(project.stage) >= stage_index(stage)


def is_active(stage: Stage) -> bool:
    """Under construction (在施工程): works started and not yet completed."""
    return stage_index(Stage.WORKS_STARTED) <= stage_index(stage) < stage_index(Stage.COMPLETED)


def required_parties(stage: Stage) -> frozenset[SignoffParty]:
    """The parties who must sign before the project may enter `stage` (empty: none)."""
    return REQUIRED_SIGNOFFS.get(stage, frozenset())


def missing_signoffs(
    project: Project, stage: Stage, at: datetime | None = None
) -> set[SignoffParty]:
    """Required parties with no sign-off for `stage` (signed by `at`, when given)."""
    signed = {
        s.party for s in project.signoffs if s.stage == stage and (at is None or s.signed_at <= at)
    }
    return set(required_parties(stage) - signed)


def _parties(parties: set[SignoffParty] | frozenset[SignoffParty]) -> str:
    return ", ".join(p.value for p in _PARTY_ORDER if p in parties)


def _check_order(current: Stage, to: Stage) -> None:
    # Every stage is in STAGE_ORDER, so a stage after the last one cannot be asked for: past
    # these two checks, `current` has a next stage.
    if stage_index(to) <= stage_index(current):
        if to == current:
            raise DomainError("same_stage", f"the project is already at `{to}`")
        raise DomainError(
            "going_back", f"cannot go back from `{current}` to `{to}`: stages only move forward"
        )
    nxt = next_stage(current)
    if to != nxt:
        raise DomainError(
            "skipping", f"cannot skip from `{current}` to `{to}`: the next stage is `{nxt}`"
        )


def unmet_rules(
    project: Project, to: Stage, at: datetime, *, deposit_min_fen: int = DEPOSIT_MIN_FEN
) -> list[tuple[str, str]]:
    """Every (code, plain-words rule) the project fails for entering `to` at `at`."""
    unmet: list[tuple[str, str]] = []
    contract = project.contract
    if to == Stage.DESIGN_AGREEMENT:
        paid = project.paid_fen(Installment.DEPOSIT, by=at)
        if paid < deposit_min_fen:
            unmet.append(
                (
                    "deposit_unpaid",
                    f"the design deposit is not paid: {yuan(paid)} yuan received, "
                    f"at least {yuan(deposit_min_fen)} yuan required",
                )
            )
    if to == Stage.CONTRACT:
        if project.scheme_approved_at is None or project.scheme_approved_at > at:
            unmet.append(
                (
                    "scheme_not_approved",
                    "the customer has not approved the scheme and quote (recorded in `design`)",
                )
            )
        if contract is None or contract.signed_at > at:
            unmet.append(
                ("contract_not_signed", "no construction contract is signed (amount and date)")
            )
    if to == Stage.WORKS_STARTED:
        if contract is None or not contract.effective_by(at):
            detail = "the contract has not taken effect: its first instalment is not fully paid"
            if contract is not None:
                due = split_amount(contract.amount_fen, project.deposit_paid_fen, contract.plan)
                paid = project.paid_fen(Installment.FIRST, by=at)
                detail += (
                    f" ({contract.plan.first_pct} %: {yuan(paid)} yuan of "
                    f"{yuan(due[Installment.FIRST])} yuan received)"
                )
            unmet.append(("contract_not_effective", detail))
        if project.drawings_signed_at is None or project.drawings_signed_at > at:
            unmet.append(
                ("drawings_not_signed", "the customer has not signed the construction drawings")
            )
    missing = missing_signoffs(project, to, at)
    if missing:
        unmet.append(
            (
                "signoffs_missing",
                f"`{to}` needs the sign-offs of {_parties(required_parties(to))}; "
                f"missing: {_parties(missing)}",
            )
        )
    documents = missing_documents(project, to, at)
    if documents:
        unmet.append(("documents_missing", documents_rule(documents, to, project)))
    return unmet


def check_transition(
    project: Project, to: Stage | str, at: datetime, *, deposit_min_fen: int = DEPOSIT_MIN_FEN
) -> None:
    """Raise DomainError naming every unmet rule if the project may not enter `to` at `at`."""
    require_aware(at, "at")
    target = parse_stage(to)
    if target in AUTOMATIC_STAGES:
        raise DomainError(
            "automatic_stage",
            f"`{target}` is not a manual transition: it follows `completed` automatically "
            "when the final payment is recorded",
        )
    _check_order(project.stage, target)
    since = project.reached_at(project.stage)
    if since is not None and at < since:
        raise DomainError(
            "before_current_stage",
            f"{at.isoformat()} is before the project reached `{project.stage}` "
            f"({since.isoformat()})",
        )
    unmet = unmet_rules(project, target, at, deposit_min_fen=deposit_min_fen)
    if unmet:
        raise DomainError(unmet[0][0], "; ".join(text for _, text in unmet))


def enter_stage(project: Project, stage: Stage, at: datetime) -> Project:
    """Move to `stage` without checks (callers check first); completion sets completed_on."""
    return replace(
        project,
        stage=stage,
        version=project.version + 1,
        history=(*project.history, StageEntry(stage, at)),
        completed_on=local_date(at) if stage == Stage.COMPLETED else project.completed_on,
    )


def apply_transition(
    project: Project, to: Stage | str, at: datetime, *, deposit_min_fen: int = DEPOSIT_MIN_FEN
) -> Project:
    """Check a manual transition and return the project at its new stage."""
    check_transition(project, to, at, deposit_min_fen=deposit_min_fen)
    return enter_stage(project, parse_stage(to), at)
