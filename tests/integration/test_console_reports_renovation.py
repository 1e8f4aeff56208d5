"""The renovation page's deadlines and payments over the real services (all in this process,
Postgres and NATS real): for the same month and branch, every figure in their charts, tables,
CSV and XLSX is projects' own `GET /v1/reports/deadlines/monthly` and
`/v1/reports/payments/monthly`; finance reads the payments only; a branch's manager their own
branch whatever the address asks."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import openpyxl
import pytest

from services.console.domain.charts import figure
from shared.settings import Settings
from tests.support.console import Desk, desk
from tests.support.dues import DEADLINE_FIGURES, MONTH, PAYMENT_FIGURES, seed
from tests.support.harness import Servers

U = uuid.uuid4().hex[:6].upper()
BRANCH, OTHER = f"T{U}", f"U{U}"
DEADLINE = {"renderings": "交付效果图", "works_start": "开工", "contract_to_finance": "合同交财务"}
STATUS = {"late": "逾期完成", "open_past_due": "逾期未完成"}
INSTALMENT = {"first": "首期款", "midterm": "中期款", "final": "尾款"}


@pytest.fixture(scope="module")
async def kd(servers: Servers, settings: Settings) -> AsyncIterator[Desk]:
    async with desk(settings, servers.nats_url) as d:
        await d.add_user("boss", "manager")
        await d.add_user("money", "finance")
        await d.add_user("shop", "manager", branch=OTHER)
        await seed(d.kefu.apps["projects"], BRANCH, OTHER)
        yield d


async def report(d: Desk, path: str, role: str = "manager", **claims: str) -> Any:
    """projects' report for the month and BRANCH as `role` reads it."""
    return await d.kefu.call(
        "projects",
        "GET",
        path,
        headers=d.kefu.auth(role, **claims),
        params={"month": MONTH, "branch": claims.get("branch", BRANCH)},
        expect=200,
    )


def chart(html: str, title: str) -> dict[tuple[str, str], str]:
    """The bars of the chart named `title`: (label, series) → the value it shows."""
    [svg] = [s for s in html.split("<svg")[1:] if title in s.split("</svg>")[0]]
    return {
        (label, series): value
        for label, series, value in re.findall(
            r'<rect [^>]*data-label="([^"]+)" data-series="([^"]+)" data-value="([^"]+)"', svg
        )
    }


async def sheets(c: Any, **params: str) -> dict[str, list[tuple[Any, ...]]]:
    r = await c.get("/reports/renovation/export", params={**params, "format": "xlsx"})
    assert r.status_code == 200, r.text
    assert f"renovation-{MONTH}" in r.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    return {name: list(book[name].iter_rows(values_only=True))[1:] for name in book.sheetnames}


async def test_the_deadlines_and_payments_on_the_page_are_projects_reports(kd: Desk) -> None:
    where = {"month": MONTH, "branch": BRANCH}
    async with kd.signed_in("boss") as c:
        page = await c.get("/reports/renovation", params=where)
        book = await sheets(c, **where)
        money_csv = await c.get(
            "/reports/renovation/export",
            params={**where, "format": "csv", "section": "report.renovation.payments"},
        )
    deadlines = await report(kd, "/v1/reports/deadlines/monthly")
    payments = await report(kd, "/v1/reports/payments/monthly")
    # The hand-worked figures (tests/support/dues.py), so the comparisons below compare something.
    assert deadlines["branches"] == [{"branch_id": BRANCH, **DEADLINE_FIGURES}]
    assert payments["branches"] == [{"branch_id": BRANCH, **PAYMENT_FIGURES}]

    assert page.status_code == 200 and f"工程报表 · {MONTH} · {BRANCH}" in page.text
    assert f'name="branch" value="{BRANCH}"' in page.text
    # The charts: each bar says the report's number (money in yuan).
    [line] = deadlines["branches"]
    assert chart(page.text, "各网点本月到期的时限") == {
        (BRANCH, "按时完成"): str(line["met"]),
        (BRANCH, "逾期"): str(line["missed"]),
        (BRANCH, "未到期"): str(line["pending"]),
    }
    [owed] = payments["branches"]
    assert chart(page.text, "各网点本月应收款") == {
        (BRANCH, "已收（元）"): figure(owed["paid_fen"] / 100),
        (BRANCH, "未收（元）"): figure(owed["outstanding_fen"] / 100),
        (BRANCH, "逾期未收（元）"): figure(owed["overdue_fen"] / 100),
    }
    for x in deadlines["missed"] + payments["overdue"]:
        assert f'href="/projects/{x["project_id"]}"' in page.text

    # XLSX: every figure of both reports, money in yuan.
    figures = ("due", "met", "missed", "open_past_due", "pending")
    assert book["各网点本月到期的时限"] == [
        (x["branch_id"], *(x[f] for f in figures)) for x in deadlines["branches"]
    ]
    assert book["各责任人本月到期的时限"] == [
        (x["person"], *(x[f] for f in figures)) for x in deadlines["people"]
    ]
    assert book["本月逾期的时限"] == [
        (
            x["project_id"],
            x["branch_id"],
            DEADLINE[x["deadline"]],
            x["responsible"],
            x["due_on"],
            STATUS[x["status"]],
        )
        for x in deadlines["missed"]
    ]
    assert book["各网点本月应收款"] == [
        (
            x["branch_id"],
            x["due"],
            x["due_fen"] / 100,
            x["paid_fen"] / 100,
            x["outstanding_fen"] / 100,
            x["overdue"],
            x["overdue_fen"] / 100,
        )
        for x in payments["branches"]
    ]
    assert book["逾期未付的款项"] == [
        (
            x["project_id"],
            x["branch_id"],
            x["project_manager"],
            INSTALMENT[x["installment"]],
            x["due_on"],
            x["amount_fen"] / 100,
            x["paid_fen"] / 100,
            x["outstanding_fen"] / 100,
        )
        for x in payments["overdue"]
    ]

    # Care compliance of the same branch.
    care = await kd.kefu.call(
        "projects",
        "GET",
        "/v1/reports/care-compliance",
        headers=kd.kefu.auth("manager"),
        params={"branch": BRANCH},
        expect=200,
    )
    assert care["rows"]
    assert book["项目经理回访达标率"] == [
        (
            x["project_manager"] or "—",
            *(
                x[f]
                for f in (
                    "projects",
                    "required_calls",
                    "made_calls",
                    "compliance_pct",
                    "pending_calls",
                )
            ),
        )
        for x in care["rows"]
    ]

    # CSV: the payments table alone.
    assert money_csv.status_code == 200
    assert money_csv.headers["content-type"].startswith("text/csv")
    assert f"renovation-{MONTH}-{BRANCH}.csv" in money_csv.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(money_csv.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "网点",
        "本月到期笔数",
        "本月应收（元）",
        "已收（元）",
        "未收（元）",
        "逾期笔数",
        "逾期未收（元）",
    ]
    assert rows[1:] == [
        [
            BRANCH,
            str(owed["due"]),
            str(owed["due_fen"] / 100),
            str(owed["paid_fen"] / 100),
            str(owed["outstanding_fen"] / 100),
            str(owed["overdue"]),
            str(owed["overdue_fen"] / 100),
        ]
    ]


async def test_finance_reads_the_payments_only(kd: Desk) -> None:
    async with kd.signed_in("money") as c:
        page = await c.get("/reports/renovation", params={"month": MONTH, "branch": BRANCH})
        book = await sheets(c, month=MONTH, branch=BRANCH)
    payments = await report(kd, "/v1/reports/payments/monthly", "finance")
    assert page.status_code == 200
    # The rating (best, worst), care compliance and the three deadline tables are refused.
    assert page.text.count("无权查看") == 6
    assert list(book) == ["各网点本月应收款", "逾期未付的款项"]
    assert [r[0] for r in book["逾期未付的款项"]] == [x["project_id"] for x in payments["overdue"]]


async def test_a_branchs_manager_reads_their_own_branch_whatever_is_asked(kd: Desk) -> None:
    async with kd.signed_in("shop") as c:
        page = await c.get("/reports/renovation", params={"month": MONTH, "branch": BRANCH})
        book = await sheets(c, month=MONTH, branch=BRANCH)
    theirs = await report(kd, "/v1/reports/payments/monthly", branch=OTHER)
    assert page.status_code == 200 and f"工程报表 · {MONTH} · {OTHER}" in page.text
    assert f'value="{OTHER}" readonly' in page.text
    assert BRANCH not in page.text
    assert [r[0] for r in book["各网点本月应收款"]] == [OTHER]
    assert book["各网点本月应收款"][0][-1] == theirs["branches"][0]["overdue_fen"] / 100
    assert [r[0] for r in book["各网点本月到期的时限"]] == [OTHER]
