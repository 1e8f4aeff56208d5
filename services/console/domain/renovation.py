"""What a renovation customer's page shows of the works: the fifteen stages folded into the five
phases a customer thinks in (design, contract, construction, completion, warranty), on a
phone's width (pure; the stages come from projects' answer)."""

from __future__ import annotations

from typing import Final

from services.console.domain.tracking import Step
from shared.contracts.values import Stage

# Each phase and the stages it covers, in order; every stage is in exactly one phase.
PHASES: Final[tuple[tuple[str, tuple[Stage, ...]], ...]] = (
    (
        "design",
        (
            Stage.CONSULTATION,
            Stage.MEASUREMENT,
            Stage.QUOTATION,
            Stage.DESIGN_AGREEMENT,
            Stage.DESIGN,
        ),
    ),
    ("contract", (Stage.CONTRACT,)),
    (
        "works",
        (
            Stage.WORKS_STARTED,
            Stage.MATERIALS_ACCEPTED,
            Stage.PLUMBING_ELECTRICAL_ACCEPTED,
            Stage.MIDTERM_ACCEPTED,
            Stage.CARPENTRY_ACCEPTED,
            Stage.TILING_ACCEPTED,
            Stage.PAINTING_ACCEPTED,
        ),
    ),
    ("completed", (Stage.COMPLETED,)),
    ("warranty", (Stage.WARRANTY,)),
)
_PHASE_OF: Final = {stage.value: i for i, (_, stages) in enumerate(PHASES) for stage in stages}


def phase_of(stage: str) -> str:
    """The phase a stage belongs to (the first for a stage not known here)."""
    return PHASES[_PHASE_OF.get(stage, 0)][0]


def phases(stage: str) -> list[Step]:
    """The phases up to the stage's done, its own current."""
    here = _PHASE_OF.get(stage, 0)
    return [Step(name, i <= here, i == here) for i, (name, _) in enumerate(PHASES)]
