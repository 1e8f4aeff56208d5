"""The one mapping between aftersales' rows and its domain objects."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any, Final

import asyncpg

from services.aftersales.domain import Status, Ticket
from shared.contracts.values import ProblemKind

# The ticket's columns are the domain dataclass's fields, so the two cannot drift apart.
TICKET_COLUMNS: Final[tuple[str, ...]] = tuple(f.name for f in fields(Ticket))


@dataclass(frozen=True)
class Stored:
    """A ticket as stored, with what the rules do not see."""

    ticket: Ticket
    branch_id: str | None
    source: str | None


def ticket_values(ticket: Ticket) -> list[Any]:
    """A ticket's column values in TICKET_COLUMNS order."""
    out: list[Any] = []
    for name in TICKET_COLUMNS:
        value = getattr(ticket, name)
        if name == "materials":
            value = json.dumps([dict(m) for m in value])
        elif name in ("status", "problem_kind") and value is not None:
            value = value.value
        out.append(value)
    return out


def stored(row: asyncpg.Record) -> Stored:
    """A ticket row as the rules see it, with its branch and source."""
    values = {name: row[name] for name in TICKET_COLUMNS}
    values["status"] = Status(values["status"])
    if values["problem_kind"] is not None:
        values["problem_kind"] = ProblemKind(values["problem_kind"])
    values["materials"] = tuple(json.loads(values["materials"]))
    return Stored(Ticket(**values), row["branch_id"], row["source"])


def history_entry(row: asyncpg.Record) -> dict[str, Any]:
    """One history row with its details spread out."""
    return {"at": row["at"], "action": row["action"], "by": row["by"], **json.loads(row["details"])}
