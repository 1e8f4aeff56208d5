"""The renovation report's deadlines and payments in a real browser: a manager picks the month
and a branch in the page's form and reads the tables, whose numbers are projects'
`GET /v1/reports/deadlines/monthly` and `/v1/reports/payments/monthly` for them."""

from __future__ import annotations

import uuid

from playwright.async_api import Page, expect

from services.console.domain.projects import yuan
from tests.browser.conftest import shoot
from tests.browser.test_reports import sign_in
from tests.support.console import Desk
from tests.support.dues import MONTH, seed


async def test_a_manager_picks_a_branch_and_reads_its_deadlines_and_payments(
    page: Page, kd: Desk
) -> None:
    u = uuid.uuid4().hex[:6].upper()
    branch = f"T{u}"
    await seed(kd.kefu.apps["projects"], branch, f"U{u}")
    where = {"month": MONTH, "branch": branch}
    manager = kd.kefu.auth("manager")
    deadlines = await kd.kefu.call(
        "projects",
        "GET",
        "/v1/reports/deadlines/monthly",
        headers=manager,
        params=where,
        expect=200,
    )
    payments = await kd.kefu.call(
        "projects", "GET", "/v1/reports/payments/monthly", headers=manager, params=where, expect=200
    )
    name = f"boss.{u.lower()}"
    await kd.add_user(name, "manager")
    await sign_in(page, kd, name)
    await page.get_by_role("link", name="报表").click()
    await page.get_by_role("link", name="工程报表").click()
    await page.get_by_label("月份", exact=True).fill(MONTH)
    await page.get_by_label("网点", exact=True).fill(branch)
    await page.get_by_role("button", name="查看").click()
    await expect(page.get_by_role("heading", name=f"工程报表 · {MONTH} · {branch}")).to_be_visible()

    [line] = deadlines["branches"]
    row = page.get_by_role("table", name="各网点本月到期的时限").get_by_role("row").nth(1)
    await expect(row.get_by_role("rowheader")).to_have_text(branch)
    await expect(row.get_by_role("cell")).to_have_text(
        [str(line[f]) for f in ("due", "met", "missed", "open_past_due", "pending")]
    )
    [owed] = payments["branches"]
    row = page.get_by_role("table", name="各网点本月应收款").get_by_role("row").nth(1)
    await expect(row.get_by_role("cell")).to_have_text(
        [
            str(owed["due"]),
            yuan(owed["due_fen"]),
            yuan(owed["paid_fen"]),
            yuan(owed["outstanding_fen"]),
            str(owed["overdue"]),
            yuan(owed["overdue_fen"]),
        ]
    )
    overdue = page.get_by_role("table", name="逾期未付的款项")
    await expect(overdue.get_by_role("rowheader")).to_have_text(
        [x["project_id"] for x in payments["overdue"]]
    )
    await shoot(page, "report-renovation-dues")
