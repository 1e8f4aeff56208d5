"""Cargo exceptions (异常): registration, the daily truck check and the weekly summary (§4.2)."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from shared.contracts.values import ExceptionKind

from .errors import INVALID_VALUE, DomainError
from .rules import check_aware
from .shipments import Shipment, check_on_route


@dataclass(frozen=True, slots=True)
class CargoException:
    """Damage, shortage or a mismatch registered at a station, with its photos."""

    exception_id: str
    waybill: str
    kind: ExceptionKind
    station: str
    note: str
    at: datetime
    photo_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ExceptionFinding:
    """One discrepancy the truck check found on a waybill."""

    waybill: str
    kind: ExceptionKind
    note: str


@dataclass(frozen=True, slots=True)
class ExceptionSummaryLine:
    """How many exceptions of one kind a station registered in the week, and on which waybills."""

    station: str
    kind: ExceptionKind
    count: int
    waybills: tuple[str, ...]


def register_exception(
    s: Shipment,
    exception_id: str,
    kind: ExceptionKind,
    station: str,
    note: str,
    at: datetime,
    photo_ids: Iterable[str] = (),
) -> CargoException:
    """An exception is registered by a station on the shipment's route, in words."""
    check_aware(at, "at")
    check_on_route(s, station)
    if not note.strip():
        raise DomainError(INVALID_VALUE, "describe the damage, shortage or mismatch", "note")
    return CargoException(
        exception_id, s.waybill, kind, station, note.strip(), at, tuple(photo_ids)
    )


def _pieces(lines: Iterable[tuple[str, int]], what: str) -> Counter[str]:
    """Pieces per waybill, a waybill listed twice counting twice."""
    total: Counter[str] = Counter()
    for waybill, pieces in lines:
        if pieces < 0:
            raise ValueError(f"{what}: pieces cannot be negative (waybill {waybill})")
        total[waybill] += pieces
    return total


def reconcile_truck(
    handover_list: list[tuple[str, int]],
    received: list[tuple[str, int]],
    waybills_known: set[str],
) -> list[ExceptionFinding]:
    """Check a truck against its handover list (交接清单) and the waybills; one finding each."""
    listed = _pieces(handover_list, "handover list")
    got = _pieces(received, "received")
    findings: list[ExceptionFinding] = []
    for waybill in sorted(set(listed) | set(got)):
        want, have = listed.get(waybill), got.get(waybill, 0)
        if waybill not in waybills_known:
            where = "on the handover list" if want is not None else "received"
            findings.append(
                ExceptionFinding(
                    waybill, ExceptionKind.MISMATCH, f"{where} but not a known waybill"
                )
            )
        elif want is None:
            findings.append(
                ExceptionFinding(
                    waybill,
                    ExceptionKind.MISMATCH,
                    f"received {have} piece(s) of a waybill not on the handover list",
                )
            )
        elif have == 0:
            findings.append(
                ExceptionFinding(
                    waybill,
                    ExceptionKind.SHORTAGE,
                    f"listed {want} piece(s), none received",
                )
            )
        elif have < want:
            findings.append(
                ExceptionFinding(
                    waybill,
                    ExceptionKind.SHORTAGE,
                    f"listed {want} piece(s), received {have}: {want - have} short",
                )
            )
        elif have > want:
            findings.append(
                ExceptionFinding(
                    waybill,
                    ExceptionKind.MISMATCH,
                    f"listed {want} piece(s), received {have}: {have - want} extra",
                )
            )
    return findings


@dataclass(frozen=True, slots=True)
class Inspected:
    """What the check found on one received line besides its count: damaged pieces, and what
    is wrong with the waybill's information (托运单信息准确性), if anything."""

    waybill: str
    pieces: int
    damaged: int = 0
    waybill_issue: str | None = None


def inspect_goods(lines: Iterable[Inspected]) -> list[ExceptionFinding]:
    """考评记录 ①货损、货差、托运单信息的准确性: damaged pieces are damage, an inaccurate waybill
    a mismatch (the count is reconcile_truck's); one finding each, in waybill order."""
    findings: list[ExceptionFinding] = []
    for line in sorted(lines, key=lambda x: x.waybill):
        if not 0 <= line.damaged <= line.pieces:
            raise DomainError(
                INVALID_VALUE,
                f"waybill {line.waybill}: {line.damaged} damaged of {line.pieces} received",
                "received",
            )
        if line.damaged:
            findings.append(
                ExceptionFinding(
                    line.waybill,
                    ExceptionKind.DAMAGE,
                    f"{line.damaged} of {line.pieces} piece(s) damaged",
                )
            )
        issue = (line.waybill_issue or "").strip()
        if issue:
            findings.append(
                ExceptionFinding(
                    line.waybill, ExceptionKind.MISMATCH, f"waybill information inaccurate: {issue}"
                )
            )
    return findings


def weekly_exception_summary(
    exceptions: Iterable[CargoException], week_start: datetime, week_end: datetime
) -> list[ExceptionSummaryLine]:
    """Exceptions registered in [week_start, week_end), counted per station and kind."""
    check_aware(week_start, "week_start")
    check_aware(week_end, "week_end")
    groups: dict[tuple[str, ExceptionKind], list[str]] = defaultdict(list)
    for e in exceptions:
        if week_start <= e.at < week_end:
            groups[(e.station, e.kind)].append(e.waybill)
    return [
        ExceptionSummaryLine(station, kind, len(waybills), tuple(sorted(set(waybills))))
        for (station, kind), waybills in sorted(groups.items())
    ]


def summary_csv(lines: Iterable[ExceptionSummaryLine]) -> str:
    """The weekly summary as CSV for the customer-service supervisor."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["station", "kind", "count", "waybills"])
    for line in lines:
        writer.writerow([line.station, line.kind.value, line.count, " ".join(line.waybills)])
    return out.getvalue()
