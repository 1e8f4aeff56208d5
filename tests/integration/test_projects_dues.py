"""The month's deadlines and payments due over HTTP on real Postgres: a known data set in a branch
of its own (projects, their plans and payments, their deadlines, written through the service's
own SQL), the figures worked by hand; another branch's projects count only for it; who may read
which report, and a branch's staff only their own branch."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime
from typing import Any

import pytest

from services.projects.app import create_app
from shared.settings import Settings
from shared.web.auth import issue_token
from tests.support.dues import DEADLINE_FIGURES, MONTH, PAYMENT_FIGURES, at, bound, seed
from tests.support.harness import running

pytestmark = pytest.mark.quick


def token(settings: Settings, role: str, **claims: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(settings, role=role, **claims)}"}


def instants(line: dict[str, Any]) -> dict[str, Any]:
    """A missed deadline with its times as instants (the service writes them in UTC)."""
    return line | {
        k: datetime.fromisoformat(line[k]) if line[k] else None for k in ("due_at", "satisfied_at")
    }


async def test_the_months_deadlines_and_payments_of_a_branch_worked_by_hand(
    settings: Settings,
) -> None:
    u = uuid.uuid4().hex[:6].upper()
    branch, other = f"T{u}", f"U{u}"
    app = create_app(settings)
    async with running(app) as client:
        p1, p2, p3, p4, _ = await seed(app, branch, other)
        manager = token(settings, "manager")
        where = {"month": MONTH, "branch": branch}

        r = await client.get("/v1/reports/deadlines/monthly", params=where, headers=manager)
        assert r.status_code == 200, r.text
        found = r.json()
        figures = DEADLINE_FIGURES
        assert (found["month"], found["branch_id"]) == (MONTH, branch)
        assert found["total"] == figures
        assert found["branches"] == [{"branch_id": branch, **figures}]
        assert found["people"] == [
            {"person": "des-1", "due": 1, "met": 1, "missed": 0, "open_past_due": 0, "pending": 0},
            {"person": "des-3", "due": 1, "met": 0, "missed": 1, "open_past_due": 0, "pending": 0},
            {"person": "pm-a", "due": 1, "met": 0, "missed": 1, "open_past_due": 1, "pending": 0},
        ]
        assert [instants(x) for x in found["missed"]] == [
            {
                "project_id": p1,
                "branch_id": branch,
                "deadline": "works_start",
                "responsible": "pm-a",
                "due_on": "2025-03-08",
                "due_at": bound("2025-03-08"),
                "satisfied_at": None,
                "status": "open_past_due",
            },
            {
                "project_id": p3,
                "branch_id": branch,
                "deadline": "renderings",
                "responsible": "des-3",
                "due_on": "2025-03-31",
                "due_at": bound("2025-03-31"),
                "satisfied_at": at("2025-04-01", 9),
                "status": "late",
            },
        ]

        r = await client.get("/v1/reports/payments/monthly", params=where, headers=manager)
        assert r.status_code == 200, r.text
        paid = r.json()
        money = PAYMENT_FIGURES
        assert paid["total"] == money
        assert paid["branches"] == [{"branch_id": branch, **money}]
        assert [
            (o["project_id"], o["installment"], o["due_on"], o["outstanding_fen"])
            for o in paid["overdue"]
        ] == [
            (p3, "first", "2025-02-10", 6_500_000),
            (p2, "midterm", "2025-03-01", 6_000_000),
            (p1, "first", "2025-03-05", 2_500_000),
        ]
        assert paid["overdue"][2] == {
            "project_id": p1,
            "branch_id": branch,
            "project_manager": "pm-a",
            "installment": "first",
            "due_on": "2025-03-05",
            "amount_fen": 6_500_000,
            "paid_fen": 4_000_000,
            "outstanding_fen": 2_500_000,
        }

        # Every branch: each branch's line is the same as when asked for alone.
        r = await client.get(
            "/v1/reports/deadlines/monthly", params={"month": MONTH}, headers=manager
        )
        lines = {x["branch_id"]: x for x in r.json()["branches"]}
        assert lines[branch] == {"branch_id": branch, **figures}
        assert lines[other] == {
            "branch_id": other,
            "due": 1,
            "met": 0,
            "missed": 1,
            "open_past_due": 1,
            "pending": 0,
        }
        r = await client.get(
            "/v1/reports/payments/monthly", params={"month": MONTH}, headers=manager
        )
        lines = {x["branch_id"]: x for x in r.json()["branches"]}
        assert lines[branch] == {"branch_id": branch, **money}
        assert lines[other]["overdue_fen"] == 6_500_000
        assert p4 in {o["project_id"] for o in r.json()["overdue"]}

        # Care compliance of the branch: its project managers' lines only.
        r = await client.get(
            "/v1/reports/care-compliance", params={"branch": branch}, headers=manager
        )
        managers = {x["project_manager"] for x in r.json()["rows"]}
        assert r.status_code == 200 and managers == {"pm-a", "pm-b"}
        r = await client.get(
            "/v1/reports/care-compliance", params={"branch": other}, headers=manager
        )
        assert [x["project_manager"] for x in r.json()["rows"]] == ["pm-x"]

        # CSV: one line per branch.
        r = await client.get(
            "/v1/reports/payments/monthly", params={**where, "format": "csv"}, headers=manager
        )
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert list(csv.reader(io.StringIO(r.text))) == [
            ["month", "branch_id", *money],
            [MONTH, branch, *(str(v) for v in money.values())],
        ]
        r = await client.get(
            "/v1/reports/deadlines/monthly", params={**where, "format": "csv"}, headers=manager
        )
        assert list(csv.reader(io.StringIO(r.text))) == [
            ["month", "branch_id", *figures],
            [MONTH, branch, *(str(v) for v in figures.values())],
        ]


async def test_who_reads_the_dues_and_a_branchs_staff_only_their_own(settings: Settings) -> None:
    u = uuid.uuid4().hex[:6].upper()
    branch, other = f"T{u}", f"U{u}"
    app = create_app(settings)
    async with running(app) as client:
        await seed(app, branch, other)
        deadlines, payments = "/v1/reports/deadlines/monthly", "/v1/reports/payments/monthly"
        finance = token(settings, "finance")
        assert (
            await client.get(payments, params={"month": MONTH}, headers=finance)
        ).status_code == 200
        assert (
            await client.get(deadlines, params={"month": MONTH}, headers=finance)
        ).status_code == 403
        shop = token(settings, "branch", branch=branch)
        for path in (deadlines, payments):
            assert (
                await client.get(path, params={"month": MONTH}, headers=shop)
            ).status_code == 403

        # A manager of the other branch reads that branch only, asked or not.
        theirs = token(settings, "manager", branch=other)
        r = await client.get(deadlines, params={"month": MONTH}, headers=theirs)
        assert r.status_code == 200 and r.json()["branch_id"] == other
        assert [x["branch_id"] for x in r.json()["branches"]] == [other]
        r = await client.get(payments, params={"month": MONTH, "branch": other}, headers=theirs)
        assert [x["branch_id"] for x in r.json()["branches"]] == [other]
        r = await client.get(payments, params={"month": MONTH, "branch": branch}, headers=theirs)
        assert r.status_code == 403
        care = "/v1/reports/care-compliance"
        r = await client.get(care, params={"branch": branch}, headers=theirs)
        assert r.status_code == 403
        r = await client.get(care, headers=theirs)
        assert [x["project_manager"] for x in r.json()["rows"]] == ["pm-x"]

        r = await client.get(
            deadlines, params={"month": "2025-13"}, headers=token(settings, "manager")
        )
        assert r.status_code == 422 and "month" in r.text
