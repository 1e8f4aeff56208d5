"""A known month of renovation dues, written through projects' own SQL (no tests here): a
branch's projects with their plans and payments, and their stage deadlines, in March 2025."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from services.projects import queries
from services.projects.domain import Contract, Payment, Project, StageEntry
from services.projects.queries.records import project_to_json
from shared.calendar import BUSINESS_TZ as SH
from shared.contracts.values import Installment, Stage

MONTH = "2025-03"


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=SH)


def bound(day: str) -> datetime:
    """The exclusive bound of a duty whose last on-time day is `day`."""
    return datetime.fromisoformat(day).replace(tzinfo=SH) + timedelta(days=1)


def project(
    pid: str,
    amount_fen: int,
    signed: str,
    *,
    stages: tuple[tuple[Stage, str], ...] = (),
    paid: tuple[tuple[Installment, int, str], ...] = (),
    designer: str = "des-1",
    project_manager: str = "pm-a",
) -> Project:
    """A contracted project: a 500-yuan deposit, the 65/30/5 plan signed on `signed`, the
    stages reached after the contract and the instalments paid."""
    history = (
        StageEntry(Stage.CONSULTATION, at("2025-01-02")),
        StageEntry(Stage.CONTRACT, at(signed)),
        *(StageEntry(stage, at(day)) for stage, day in stages),
    )
    payments = (
        Payment(Installment.DEPOSIT, 50_000, at("2025-01-03")),
        *(Payment(inst, fen, at(day, 16)) for inst, fen, day in paid),
    )
    return Project(
        id=pid,
        customer_id=f"cust-{pid[:8]}",
        stage=history[-1].stage,
        version=len(history),
        designer=designer,
        project_manager=project_manager,
        history=history,
        contract=Contract(amount_fen=amount_fen, signed_at=at(signed)),
        payments=payments,
    )


async def store(conn: Any, branch: str, p: Project) -> None:
    assert await queries.insert_project(
        conn,
        project_id=p.id,
        customer_id=p.customer_id,
        lead_id=None,
        branch_id=branch,
        address="上海市徐汇区漕溪北路 1 号",
        stage=p.stage.value,
        version=p.version,
        designer=p.designer,
        project_manager=p.project_manager,
        state=project_to_json(p),
    )


async def deadline(
    conn: Any, pid: str, kind: str, started: str, due_on: str, done: datetime | None = None
) -> None:
    await queries.upsert_deadline(
        conn,
        project_id=pid,
        deadline=kind,
        started_at=at(started),
        due_at=bound(due_on),
        due_on=date.fromisoformat(due_on),
    )
    if done is not None:
        assert await queries.satisfy_deadline(conn, project_id=pid, deadline=kind, at=done)


def ids() -> list[str]:
    return [str(uuid.uuid4()) for _ in range(5)]


async def seed(app: Any, branch: str, other: str) -> list[str]:
    """Branch `branch`'s March 2025, worked by hand (amounts in fen; deposit 50,000):

    p1 (pm-a) signed 5 Mar for 10,000,000: first 6,500,000 due 5 Mar, 4,000,000 paid.
    p2 (pm-b) signed 10 Jan for 20,000,000, first paid; mid-term accepted 26 Feb: 6,000,000 due
       1 Mar, unpaid; completed 28 Mar: final 950,000 due 31 Mar, paid.
    p3 (pm-a) signed 10 Feb for 10,000,000: first 6,500,000 due 10 Feb, unpaid (still overdue).
    p4 of the other branch, signed 10 Mar for 10,000,000, unpaid.
    p5 at `design`: no plan yet.
    Deadlines: p1's contract to finance due 6 Mar, handed on 6 Mar (met); p1's start due 8 Mar,
    not started (missed, open); p3's renderings due 31 Mar, delivered 1 Apr (missed, late);
    p2's start due 28 Feb (February's); p4's start due 13 Mar (the other branch's).
    """
    p1, p2, p3, p4, p5 = ids()
    async with app.state.pool.acquire() as conn:
        await store(
            conn,
            branch,
            project(
                p1, 10_000_000, "2025-03-05", paid=((Installment.FIRST, 4_000_000, "2025-03-06"),)
            ),
        )
        await store(
            conn,
            branch,
            project(
                p2,
                20_000_000,
                "2025-01-10",
                stages=((Stage.MIDTERM_ACCEPTED, "2025-02-26"), (Stage.COMPLETED, "2025-03-28")),
                paid=(
                    (Installment.FIRST, 13_000_000, "2025-01-10"),
                    (Installment.FINAL, 950_000, "2025-03-30"),
                ),
                project_manager="pm-b",
            ),
        )
        await store(conn, branch, project(p3, 10_000_000, "2025-02-10", designer="des-3"))
        await store(conn, other, project(p4, 10_000_000, "2025-03-10", project_manager="pm-x"))
        design = Project(
            id=p5,
            customer_id="cust-design",
            stage=Stage.DESIGN,
            version=2,
            history=(
                StageEntry(Stage.CONSULTATION, at("2025-03-01")),
                StageEntry(Stage.DESIGN, at("2025-03-02")),
            ),
        )
        await store(conn, branch, design)
        await deadline(
            conn, p1, "contract_to_finance", "2025-03-05", "2025-03-06", at("2025-03-06", 15)
        )
        await deadline(conn, p1, "works_start", "2025-03-05", "2025-03-08")
        await deadline(conn, p3, "renderings", "2025-03-27", "2025-03-31", at("2025-04-01", 9))
        await deadline(conn, p2, "works_start", "2025-02-25", "2025-02-28")
        await deadline(conn, p4, "works_start", "2025-03-10", "2025-03-13")
    return [p1, p2, p3, p4, p5]


# Branch `branch`'s figures of the data set (`seed`), in fen.
DEADLINE_FIGURES = {"due": 3, "met": 1, "missed": 2, "open_past_due": 1, "pending": 0}
PAYMENT_FIGURES = {
    "due": 3,
    "due_fen": 6_500_000 + 6_000_000 + 950_000,
    "paid_fen": 4_000_000 + 950_000,
    "outstanding_fen": 2_500_000 + 6_000_000,
    "overdue": 3,
    "overdue_fen": 2_500_000 + 6_000_000 + 6_500_000,
}
