"""The monthly repairs report on real NATS + Postgres: a month of tickets walked through the API
with business times, and every figure of the report worked out by hand below."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from services.aftersales.app import create_app
from shared.calendar import BUSINESS_TZ
from shared.contracts.values import Stage
from shared.settings import Settings
from tests.support.aftersales import (
    ADMIN,
    new_id,
    photographed,
    post,
    publish,
    repair_requested,
    stage_changed,
    tickets,
    token,
    wait_drained,
)
from tests.support.harness import eventually, running

pytestmark = pytest.mark.quick

# The service's clock during the test: 20 October 2026, noon in Shanghai. Deadlines before it
# have passed, later ones are pending.
NOW = datetime(2026, 10, 20, 12, 0, tzinfo=BUSINESS_TZ)


def t(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A Shanghai business time in 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=BUSINESS_TZ)


@dataclass(frozen=True)
class Walk:
    """One ticket's life: when it opened and when each step happened (None: not yet)."""

    opened: datetime
    covered_project: bool = False
    assigned: datetime | None = None
    contacted: datetime | None = None
    surveyed: datetime | None = None
    kind: str = "leak"
    accepted: datetime | None = None
    repair: tuple[date, int] | None = None
    completed: datetime | None = None
    fee_paid_fen: int | None = None
    closed: datetime | None = None


# SLA: first contact by opening + 24 h, survey by opening + 72 h, repair by the end of its last
# planned day. Fees of the default schedule: crack 200.00, leak 300.00, customer damage 350.00.
# A project with a recorded completion in 2026 is under warranty; an unknown one is not.
WALKS = {
    # Opened in September; its survey (due 2 Oct 10:00) and repair (due 4 Oct 00:00) fall in
    # October, both met; paid crack: quoted and paid 20,000 in October.
    "A": Walk(
        opened=t(9, 29, 10),
        contacted=t(9, 29, 14),
        surveyed=t(10, 1, 9),
        kind="crack",
        accepted=t(10, 1, 10),
        repair=(date(2026, 10, 3), 1),
        completed=t(10, 3, 16),
        fee_paid_fen=20_000,
    ),
    # Opened 30 Sep 23:30 in Shanghai: first contact due 1 Oct 23:30, made 2 Oct 08:00
    # (breached); survey due 3 Oct 23:30, not done (breached).
    "B": Walk(opened=t(9, 30, 23, 30), contacted=t(10, 2, 8)),
    # Opened 1 Oct 00:30 in Shanghai (still 30 Sep in UTC): October's. Nothing done: first
    # contact (due 2 Oct 00:30) and survey (due 4 Oct 00:30) breached.
    "C": Walk(opened=t(10, 1, 0, 30)),
    # Everything on time, paid leak 30,000, closed.
    "D": Walk(
        opened=t(10, 2, 9),
        contacted=t(10, 2, 15),
        surveyed=t(10, 4, 10),
        accepted=t(10, 4, 11),
        repair=(date(2026, 10, 8), 2),
        completed=t(10, 9, 17),
        fee_paid_fen=30_000,
        closed=t(10, 10, 9),
    ),
    # Covered; first contact 2 h late (due 6 Oct 10:00); survey on time; repair due 13 Oct
    # 00:00, completed 13 Oct 07:00 (breached: the last planned day ended at midnight in
    # Shanghai, while in UTC it was still 12 Oct 23:00).
    "E": Walk(
        opened=t(10, 5, 10),
        covered_project=True,
        contacted=t(10, 6, 12),
        surveyed=t(10, 7, 9),
        repair=(date(2026, 10, 12), 1),
        completed=t(10, 13, 7),
    ),
    # Survey due 13 Oct 08:00, recorded 14 Oct 09:00 (breached); customer damage quoted 35,000.
    "F": Walk(
        opened=t(10, 10, 8), contacted=t(10, 10, 20), surveyed=t(10, 14, 9), kind="customer_damage"
    ),
    # Covered; repair 21–23 Oct, due 24 Oct 00:00: pending at noon on 20 Oct.
    "G": Walk(
        opened=t(10, 12, 9),
        covered_project=True,
        contacted=t(10, 12, 10),
        surveyed=t(10, 13, 9),
        kind="tile",
        repair=(date(2026, 10, 21), 3),
    ),
    # Covered; repair 30–31 Oct, due 1 Nov 00:00 in Shanghai (still 31 Oct in UTC): November's.
    "H": Walk(
        opened=t(10, 13, 9),
        covered_project=True,
        contacted=t(10, 13, 11),
        surveyed=t(10, 15, 10),
        kind="paint",
        repair=(date(2026, 10, 30), 2),
    ),
    # Opened 19 Oct 18:00, only assigned: first contact (due 20 Oct 18:00) and survey (due
    # 22 Oct 18:00) pending.
    "I": Walk(opened=t(10, 19, 18), assigned=t(10, 19, 19)),
}

OCTOBER: dict[str, Any] = {
    "month": "2026-10",
    "branch": None,
    "from": "2026-10-01T00:00:00+08:00",
    "to": "2026-11-01T00:00:00+08:00",
    # Opened in October: C D E F G H I (A and B are September's).
    "opened": {
        "total": 7,
        "by_status": {
            "opened": 1,  # C
            "assigned": 1,  # I
            "survey_booked": 0,
            "surveyed": 1,  # F
            "quote_accepted": 0,
            "scheduled": 2,  # G H
            "in_repair": 0,
            "completed": 1,  # E
            "reimbursement_claimed": 0,
            "reimbursement_dept_approved": 0,
            "reimbursement_finance_approved": 0,
            "closed": 1,  # D
        },
    },
    "service_levels": [
        # Due in October: B C D E F G H I (A's was 30 Sep). Met D F G H; breached B C E;
        # pending I.
        {"step": "first_contact", "due": 8, "met": 4, "breached": 3, "pending": 1},
        # Due in October: all nine. Met A D E G H; breached B C F; pending I.
        {"step": "survey", "due": 9, "met": 5, "breached": 3, "pending": 1},
        # Due in October: A D E G (H's is November's). Met A D; breached E; pending G.
        {"step": "repair", "due": 4, "met": 2, "breached": 1, "pending": 1},
    ],
    "repairs": {
        # Surveyed in October: covered E G H; paid A (20,000) D (30,000) F (35,000).
        "surveyed": {"covered": 3, "paid": 3, "quoted_fen": 85_000},
        # Completed in October: covered E; paid A (20,000) D (30,000).
        "completed": {"covered": 1, "paid": 2, "paid_fen": 50_000},
    },
}

SEPTEMBER: dict[str, Any] = {
    "month": "2026-09",
    "branch": None,
    "from": "2026-09-01T00:00:00+08:00",
    "to": "2026-10-01T00:00:00+08:00",
    # A (completed) and B (survey booked).
    "opened": {
        "total": 2,
        "by_status": {
            **{status: 0 for status in OCTOBER["opened"]["by_status"]},
            "survey_booked": 1,
            "completed": 1,
        },
    },
    "service_levels": [
        # Only A's first contact (due 30 Sep 10:00, made 29 Sep 14:00) falls in September.
        {"step": "first_contact", "due": 1, "met": 1, "breached": 0, "pending": 0},
        {"step": "survey", "due": 0, "met": 0, "breached": 0, "pending": 0},
        {"step": "repair", "due": 0, "met": 0, "breached": 0, "pending": 0},
    ],
    "repairs": {
        "surveyed": {"covered": 0, "paid": 0, "quoted_fen": 0},
        "completed": {"covered": 0, "paid": 0, "paid_fen": 0},
    },
}


# The branches the tickets came from: A, D and G from BJ02, the others from SH01.
BJ02 = {"A", "D", "G"}
OCTOBER_BJ02: dict[str, Any] = {
    **OCTOBER,
    "branch": "BJ02",
    # Opened in October: D (closed) and G (scheduled); A is September's.
    "opened": {
        "total": 2,
        "by_status": {
            **{status: 0 for status in OCTOBER["opened"]["by_status"]},
            "scheduled": 1,
            "closed": 1,
        },
    },
    "service_levels": [
        # Due in October: D and G, both met (A's was 30 Sep).
        {"step": "first_contact", "due": 2, "met": 2, "breached": 0, "pending": 0},
        # A, D and G, all met.
        {"step": "survey", "due": 3, "met": 3, "breached": 0, "pending": 0},
        # A and D met; G pending.
        {"step": "repair", "due": 3, "met": 2, "breached": 0, "pending": 1},
    ],
    "repairs": {
        # Surveyed: covered G; paid A (20,000) and D (30,000).
        "surveyed": {"covered": 1, "paid": 2, "quoted_fen": 50_000},
        # Completed: paid A (20,000) and D (30,000).
        "completed": {"covered": 0, "paid": 2, "paid_fen": 50_000},
    },
}


def added(a: Any, b: Any) -> Any:
    """Two reports' figures added up, figure by figure (labels kept from the first)."""
    if isinstance(a, dict):
        return {k: added(v, b[k]) for k, v in a.items()}
    if isinstance(a, list):
        return [added(x, y) for x, y in zip(a, b, strict=True)]
    return a + b if isinstance(a, int) else a


async def clean(settings: Settings) -> None:
    """Only this test's tickets: the figures are counted over the whole table."""
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute(
            "TRUNCATE aftersales.repairs, aftersales.repair_history, aftersales.repair_photos,"
            " aftersales.sla_breaches, aftersales.timers"
        )
    finally:
        await conn.close()


async def move_clock(settings: Settings, runtime: Any, to: datetime) -> None:
    """Set the service's clock to `to` (the test offset is relative to the database's clock)."""
    conn = await asyncpg.connect(settings.database_url)
    try:
        db_now: datetime = await conn.fetchval("SELECT now()")
    finally:
        await conn.close()
    runtime.clock.offset_seconds = (to - db_now).total_seconds()


async def open_ticket(
    client: httpx.AsyncClient, js: JetStreamContext, walk: Walk, branch: str = "SH01"
) -> str:
    """Open a ticket through repair.requested from `branch` at the walk's opening time; its
    id."""
    project = new_id("prj")
    if walk.covered_project:
        await publish(js, stage_changed(project, Stage.COMPLETED, completed_on=date(2026, 1, 15)))
        await wait_drained(js, "on_project_stage_changed")
    await publish(js, repair_requested(project, occurred_at=walk.opened, branch_id=branch))
    items = await eventually(lambda: tickets(client, project_id=project))
    return str(items[0]["id"])


async def walk_through(client: httpx.AsyncClient, rid: str, w: Walk) -> None:
    """Take the ticket through the walk's steps with their business times."""
    base = f"/v1/repairs/{rid}"
    assigned = w.assigned or w.contacted
    if assigned:
        await post(client, f"{base}/assignment", {"staff": "tech-1", "at": assigned.isoformat()})
    if w.contacted:
        planned = w.surveyed or t(10, 25, 10)
        booking = {"at": planned.isoformat(), "contacted_at": w.contacted.isoformat()}
        await post(client, f"{base}/survey-booking", booking)
    if w.surveyed:
        survey = {
            "findings": "found on site",
            "proposed_fix": "fix it",
            "problem_kind": w.kind,
            "at": w.surveyed.isoformat(),
        }
        await post(client, f"{base}/survey", survey)
    if w.accepted:
        await post(client, f"{base}/quote-acceptance", {"at": w.accepted.isoformat()})
    if w.repair:
        on, days = w.repair
        await post(client, f"{base}/schedule", {"date": on.isoformat(), "duration_days": days})
    if w.completed:
        done: dict[str, Any] = {"evaluation_score": 5, "at": w.completed.isoformat()}
        if w.fee_paid_fen is not None:
            done["fee_paid_fen"] = w.fee_paid_fen
        await photographed(client, rid)
        await post(client, f"{base}/completion", done)
    if w.closed:
        await post(client, f"{base}/closure", {"summary": "done", "at": w.closed.isoformat()})


def csv_figures(text: str) -> dict[tuple[str, str, str], int]:
    """The CSV's rows as {(month, section, item): value}, after checking its header."""
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["month", "section", "item", "value"]
    figures = {(m, section, item): int(value) for m, section, item, value in rows[1:]}
    assert len(figures) == len(rows) - 1  # no figure twice
    return figures


def expected_csv(report: dict[str, Any]) -> dict[tuple[str, str, str], int]:
    """The figures a report's CSV carries, from its JSON."""
    month = report["month"]
    out = {(month, "opened", "total"): report["opened"]["total"]}
    out |= {(month, "opened", s): n for s, n in report["opened"]["by_status"].items()}
    for line in report["service_levels"]:
        for item in ("due", "met", "breached", "pending"):
            out[(month, line["step"], item)] = line[item]
    for section, figures in report["repairs"].items():
        out |= {(month, section, item): value for item, value in figures.items()}
    return out


async def test_monthly_report_counts_a_month_worked_out_by_hand(
    settings: Settings, js: JetStreamContext
) -> None:
    await clean(settings)
    app = create_app(settings)
    async with running(app) as client:
        await move_clock(settings, app.state.runtime, NOW)
        for walk in WALKS.values():
            await walk_through(client, await open_ticket(client, js, walk), walk)

        october = await client.get("/v1/reports/repairs/monthly?month=2026-10", headers=ADMIN)
        assert october.status_code == 200, october.text
        assert october.json() == OCTOBER
        september = await client.get("/v1/reports/repairs/monthly?month=2026-09", headers=ADMIN)
        assert september.json() == SEPTEMBER

        # Without a month: the current one at the service's clock.
        current = await client.get("/v1/reports/repairs/monthly", headers=ADMIN)
        assert current.json() == OCTOBER

        as_csv = await client.get(
            "/v1/reports/repairs/monthly?month=2026-10&format=csv", headers=ADMIN
        )
        assert as_csv.status_code == 200
        assert as_csv.headers["content-type"].startswith("text/csv")
        assert csv_figures(as_csv.text) == expected_csv(OCTOBER)
        assert csv_figures(as_csv.text)[("2026-10", "surveyed", "quoted_fen")] == 85_000


async def test_a_branch_reads_the_figures_of_its_own_tickets(
    settings: Settings, js: JetStreamContext
) -> None:
    """`branch=`: the same month counted over one branch's tickets; the two branches' reports
    add up to the whole company's."""
    await clean(settings)
    app = create_app(settings)
    async with running(app) as client:
        await move_clock(settings, app.state.runtime, NOW)
        for name, walk in WALKS.items():
            rid = await open_ticket(client, js, walk, "BJ02" if name in BJ02 else "SH01")
            await walk_through(client, rid, walk)

        async def report(**params: str) -> dict[str, Any]:
            r = await client.get("/v1/reports/repairs/monthly", params=params, headers=ADMIN)
            assert r.status_code == 200, r.text
            body: dict[str, Any] = r.json()
            return body

        everyone = await report(month="2026-10")
        bj02 = await report(month="2026-10", branch="BJ02")
        sh01 = await report(month="2026-10", branch="SH01")
        nobody = await report(month="2026-10", branch="GZ03")
        as_csv = await client.get(
            "/v1/reports/repairs/monthly",
            params={"month": "2026-10", "branch": "BJ02", "format": "csv"},
            headers=token(settings, "manager"),
        )
        refused = await client.get(
            "/v1/reports/repairs/monthly",
            params={"month": "2026-10", "branch": "SH01"},
            headers=token(settings, "branch", branch="SH01"),
        )
        bad = await client.get(
            "/v1/reports/repairs/monthly", params={"branch": "x" * 65}, headers=ADMIN
        )

    assert everyone == OCTOBER
    assert bj02 == OCTOBER_BJ02
    assert sh01["branch"] == "SH01" and sh01["opened"]["total"] == 5
    assert added(bj02, sh01) | {"branch": None} == OCTOBER
    assert nobody["opened"]["total"] == 0 and nobody["service_levels"][0]["due"] == 0
    assert 'filename="repairs-2026-10-BJ02.csv"' in as_csv.headers["content-disposition"]
    assert csv_figures(as_csv.text) == expected_csv(OCTOBER_BJ02)
    # The branch role reads no repairs report, its own branch's included (docs/SECURITY.md).
    assert refused.status_code == 403
    assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == ["branch"]


async def test_monthly_report_roles_and_a_bad_month(settings: Settings) -> None:
    async with running(create_app(settings)) as client:
        for role in ("aftersales", "supervision", "dept_head", "manager"):
            r = await client.get(
                "/v1/reports/repairs/monthly?month=2026-10", headers=token(settings, role)
            )
            assert r.status_code == 200, (role, r.text)
        for role in ("cs", "finance"):
            r = await client.get(
                "/v1/reports/repairs/monthly?month=2026-10", headers=token(settings, role)
            )
            assert r.status_code == 403, role
        branch = token(settings, "branch", branch="SH01")
        r = await client.get("/v1/reports/repairs/monthly?month=2026-10", headers=branch)
        assert r.status_code == 403
        for bad in ("2026-13", "2026-1", "october"):
            r = await client.get(f"/v1/reports/repairs/monthly?month={bad}", headers=ADMIN)
            assert r.status_code == 422, bad
            assert [e["field"] for e in r.json()["errors"]] == ["month"]
        r = await client.get("/v1/reports/repairs/monthly?format=xml", headers=ADMIN)
        assert r.status_code == 422
