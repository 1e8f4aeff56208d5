"""What a customer's page shows of a shipment: which link opens it, how far the goods have
come, and which delay notice applies (pure; the figures come from logistics' answer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.links import Link

# The steps a customer sees, in order; logistics' partially_arrived is on the way to arrived.
STEPS = ("created", "in_transit", "arrived", "signed")
_STEP_OF = {"partially_arrived": "in_transit"}


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the progress bar: its name and whether it is done or where the goods are."""

    name: str
    done: bool
    current: bool


def admits(link: Link | None, revoked_at: datetime | None) -> bool:
    """A valid link opens the page unless its record's links for its audience were revoked
    after it was issued (a revocation covers every link issued up to its second)."""
    if link is None:
        return False
    return revoked_at is None or link.issued_at > revoked_at


def progress(status: str) -> list[Step]:
    """The steps up to the shipment's status done, its own step current."""
    step = _STEP_OF.get(status, status)
    here = STEPS.index(step) if step in STEPS else 0
    return [Step(name, i <= here, i == here) for i, name in enumerate(STEPS)]


def delay_notice(status: str, delayed: bool, eta_confirmed: bool) -> str | None:
    """Which notice the page shows: a late shipment still on its way has a new expected time
    (`new_eta`) or one being confirmed (`tbc`); arrived or signed goods need none."""
    if not delayed or status in ("arrived", "signed"):
        return None
    return "new_eta" if eta_confirmed else "tbc"
