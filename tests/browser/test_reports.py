"""The managers' report pages in a real browser: a manager opens the complaint report from the
navigation and reads the week's chart, whose bars and table say the numbers of
`GET /v1/reports/complaints/weekly`; the CSV and XLSX downloads open and say the same; finance,
whom intake refuses the report, reads 无权查看."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from playwright.async_api import Locator, Page, expect

from services.console.domain.reports import week_of
from shared.calendar import BUSINESS_TZ
from tests.browser.conftest import SHOTS, shoot
from tests.support.console import PASSWORD, Desk
from tests.support.harness import eventually
from tests.support.journeys import new_phone, shipment_body, uid

DEPARTMENT = {"engineering": "工程部", "design": "设计部", "customer_service": "客服部"}
FIGURES = {"opened": "新增", "resolved": "已解决", "escalated": "升级", "open": "未结"}


async def sign_in(page: Page, kd: Desk, username: str) -> None:
    await page.goto(f"{kd.url}/")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()


async def complaint(kd: Desk, department: str) -> str:
    body = {
        "customer": {"name": "王芳", "phone": new_phone()},
        "channel": "phone",
        "category": "quality",
        "severity": "normal",
        "description": "卫生间墙面开裂",
        "department": department,
    }
    created = await kd.kefu.post("intake", "/v1/complaints", body, headers=kd.kefu.auth("cs"))
    return str(created["id"])


async def weekly(kd: Desk, week: str) -> dict[str, Any]:
    found: dict[str, Any] = await kd.kefu.call(
        "intake",
        "GET",
        "/v1/reports/complaints/weekly",
        headers=kd.kefu.auth("manager"),
        params={"week": week},
        expect=200,
    )
    return found


async def download(page: Page, link: Locator) -> bytes:
    async with page.expect_download() as info:
        await link.click()
    saved = await (await info.value).path()
    return await asyncio.to_thread(Path(saved).read_bytes)


async def test_a_manager_reads_the_weeks_complaint_chart_and_exports_it(
    page: Page, kd: Desk
) -> None:
    manager = f"boss.{uid().lower()}"
    await kd.add_user(manager, "manager")
    ids = [await complaint(kd, "engineering") for _ in range(3)]
    await complaint(kd, "design")
    await complaint(kd, "customer_service")
    cs = kd.kefu.auth("cs")
    await kd.kefu.post(
        "intake", f"/v1/complaints/{ids[0]}/resolution", {"result": "已修补"}, headers=cs
    )
    await kd.kefu.post(
        "intake", f"/v1/complaints/{ids[1]}/escalations", {"reason": "三天未上门"}, headers=cs
    )
    week = week_of(datetime.now(BUSINESS_TZ).date())

    await sign_in(page, kd, manager)
    await page.get_by_role("link", name="报表").click()
    await page.get_by_role("link", name="投诉报表").click()
    await expect(page.get_by_role("heading", name=f"投诉报表 · {week}")).to_be_visible()
    report = await weekly(kd, week)
    lines = {line["department"]: line for line in report["departments"]}
    assert lines["engineering"]["opened"] >= 3

    # The chart: a bar per department and figure, each with the report's number.
    chart = page.get_by_role("img", name="本周各部门投诉")
    await expect(chart).to_be_visible()
    for dept, line in lines.items():
        for figure, heading in FIGURES.items():
            bar = chart.locator(f'rect[data-label="{DEPARTMENT[dept]}"][data-series="{heading}"]')
            await expect(bar).to_have_attribute("data-value", str(line[figure]))
    # Beside it, the table: the same numbers, row by row.
    table = page.get_by_role("table", name="本周各部门投诉")
    await expect(table.get_by_role("row")).to_have_count(len(lines) + 1)
    for dept, line in lines.items():
        row = table.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name=DEPARTMENT[dept])
        )
        cells = row.get_by_role("cell")
        await expect(cells).to_have_text([str(line[f]) for f in FIGURES] + [_median(line)])
    # By category: the week's new complaints registered as 质量, the report's by_category.
    categories = page.get_by_role("table", name="本周新增投诉的类别")
    quality = categories.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="质量", exact=True)
    )
    await expect(quality.get_by_role("cell")).to_have_text([str(report["by_category"]["quality"])])
    await expect(page.get_by_role("img", name="近 12 周各类别新增投诉")).to_be_visible()
    # The slowest open cases link to their case pages.
    slowest = page.get_by_role("region", name="等待最久的未结投诉")
    await expect(slowest.get_by_role("link", name=ids[1])).to_be_visible()
    await shoot(page, "report-complaints")

    # The exports open and say the same.
    week_region = page.get_by_role("region", name="本周各部门投诉")
    rows = list(
        csv.reader(
            io.StringIO(
                (await download(page, week_region.get_by_role("link", name="导出 CSV"))).decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert rows[0][:5] == ["部门", *FIGURES.values()]
    assert {r[0]: [int(v) for v in r[1:5]] for r in rows[1:]} == {
        DEPARTMENT[d]: [line[f] for f in FIGURES] for d, line in lines.items()
    }
    book = openpyxl.load_workbook(
        io.BytesIO(await download(page, page.get_by_role("link", name="导出 Excel（XLSX）")))
    )
    sheet = list(book["本周各部门投诉"].iter_rows(values_only=True))
    assert {r[0]: list(r[1:5]) for r in sheet[1:]} == {
        DEPARTMENT[d]: [line[f] for f in FIGURES] for d, line in lines.items()
    }

    # Another week through the form: the page follows it.
    await page.get_by_label("部门", exact=True).select_option(label="工程部")
    await page.get_by_role("button", name="查看").click()
    await expect(page.get_by_role("img", name="本周各部门投诉").locator("rect")).to_have_count(4)


def _median(line: dict[str, Any]) -> str:
    median = line["median_hours_to_resolve"]
    return (
        "—"
        if median is None
        else (f"{median:.0f}" if float(median).is_integer() else f"{median:.1f}")
    )


async def test_finance_reads_not_permitted_for_the_complaint_report(page: Page, kd: Desk) -> None:
    finance = f"money.{uid().lower()}"
    await kd.add_user(finance, "finance")
    await sign_in(page, kd, finance)
    await page.get_by_role("link", name="报表").click()
    await page.get_by_role("link", name="投诉报表").click()
    week = page.get_by_role("region", name="本周各部门投诉")
    await expect(week.get_by_text("无权查看")).to_be_visible()
    await expect(page.get_by_role("img")).to_have_count(0)
    await expect(page.get_by_role("table")).to_have_count(0)
    await shoot(page, "report-complaints-refused")


async def test_a_manager_reads_the_logistics_report_and_prints_the_exception_report(
    page: Page, kd: Desk
) -> None:
    u = uid()
    origin, hub, dest, region = f"O{u}", f"H{u}", f"D{u}", f"R{u}"
    now = datetime.now(BUSINESS_TZ)
    late = f"L{u}"
    body = shipment_body(late, (origin, dest), region, now - timedelta(days=13))
    body["receipt"] = {"required": True}
    body["dispatched_at"] = (now - timedelta(days=14)).isoformat()
    await kd.kefu.post("logistics", "/v1/shipments", body)
    await kd.kefu.scan(late, "arrived_destination", dest, at=now - timedelta(days=12))
    broken = f"X{u}"
    await kd.kefu.post(
        "logistics", "/v1/shipments", shipment_body(broken, (origin, hub, dest), region, now)
    )
    await kd.kefu.post(
        "logistics",
        f"/v1/shipments/{broken}/exceptions",
        {"kind": "damage", "note": "外箱破损", "station": hub},
    )
    manager = f"boss.{u.lower()}"
    await kd.add_user(manager, "manager")
    await sign_in(page, kd, manager)
    await page.get_by_role("link", name="报表").click()
    await page.get_by_role("link", name="物流报表").click()
    await page.get_by_label("区域", exact=True).fill(region)
    await page.get_by_role("button", name="查看").click()
    month = f"{now.year}-{now.month:02d}"
    await expect(page.get_by_role("heading", name=f"物流报表 · {month} · {region}")).to_be_visible()

    report = await kd.kefu.call(
        "logistics",
        "GET",
        "/v1/reports/receipts/monthly",
        headers=kd.kefu.auth("manager"),
        params={"month": month, "region": region},
        expect=200,
    )
    [line] = report["regions"]
    chart = page.get_by_role("img", name="各区域回单（月末）与罚款")
    for figure, name in (("unreturned", "未返回"), ("overdue", "逾期"), ("late", "本月逾期")):
        bar = chart.locator(f'rect[data-label="{region}"][data-series="{name}"]')
        await expect(bar).to_have_attribute("data-value", str(line[figure]))
    stations = page.get_by_role("table", name="最近一周各站点货物异常")
    row = stations.get_by_role("row").filter(has=page.get_by_role("rowheader", name=hub))
    await expect(row.get_by_role("cell")).to_have_text(["1", "0", "0", "1"])
    # Delays per route: the route's shipments dispatched this month, as logistics counts them.
    delays = await kd.kefu.call(
        "logistics",
        "GET",
        "/v1/reports/delays/monthly",
        headers=kd.kefu.auth("manager"),
        params={"month": month, "region": region},
        expect=200,
    )
    [route] = [x for x in delays["routes"] if x["destination_branch"] == dest]
    routes = page.get_by_role("table", name="本月发运延误最多的线路（前 20 条）")
    row = routes.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=f"{origin} → {dest}")
    )
    await expect(row.get_by_role("cell").first).to_have_text(str(route["shipments"]))
    await shoot(page, "report-logistics")

    # 打印货物异常报表: the hub's day, as logistics lays it out to print.
    await page.get_by_label("站点", exact=True).fill(hub)
    await page.get_by_role("button", name="打开打印页").click()
    await expect(page.get_by_text(broken)).to_be_visible()
    await page.screenshot(path=str(SHOTS / "report-exceptions-printed-1280.png"), full_page=True)


async def test_a_manager_reads_after_sales_renovation_and_service_levels(
    page: Page, kd: Desk
) -> None:
    # A complaint for customer service: its handling callback counts in this week's levels
    # once notifications has it (the callbacks of this module's complaints come before it).
    cid = await complaint(kd, "customer_service")
    await eventually(lambda: _has_callback(kd, cid), timeout=30)
    manager = f"boss.{uid().lower()}"
    await kd.add_user(manager, "manager")
    await sign_in(page, kd, manager)
    week = week_of(datetime.now(BUSINESS_TZ).date())
    levels = await kd.kefu.call(
        "notifications",
        "GET",
        "/v1/reports/service-levels",
        headers=kd.kefu.auth("manager"),
        params={"week": week},
        expect=200,
    )
    await page.get_by_role("link", name="报表").click()
    await page.get_by_role("link", name="平台服务水平").click()
    await expect(page.get_by_role("heading", name=f"平台服务水平 · {week}")).to_be_visible()
    purposes = page.get_by_role("table", name="各类回访任务")
    handling = next(
        x for x in levels["callbacks"]["by_purpose"] if x["purpose"] == "complaint_handling"
    )
    row = purposes.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="投诉处理", exact=True)
    )
    await expect(row.get_by_role("cell").first).to_have_text(str(handling["created"]))
    await shoot(page, "report-levels")

    for title in ("售后报表", "工程报表"):
        await page.get_by_role("navigation").get_by_role("link", name="报表").click()
        await page.get_by_role("link", name=title).click()
        await expect(page.get_by_role("heading", name=re.compile(f"^{title} · "))).to_be_visible()
    await shoot(page, "report-renovation")


async def _has_callback(kd: Desk, complaint_id: str) -> bool:
    found = await kd.kefu.get("notifications", "/v1/callbacks", entity_id=complaint_id)
    return bool(found["items"])
