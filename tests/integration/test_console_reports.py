"""The managers' report pages over the real services (all in this process, Postgres and NATS
real): every figure on a page, in its chart and its table, and in the CSV and XLSX exports, is
the service's own report endpoint's for the same period and role; a role the service refuses
reads 无权查看."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader

from services.console.api.i18n import catalogue
from services.console.domain.reports import month_of, short, week_of
from shared.calendar import BUSINESS_TZ
from shared.settings import Settings
from tests.support.console import Desk, desk
from tests.support.harness import Servers, eventually
from tests.support.journeys import new_phone, shipment_body, uid

DEPARTMENT = {"engineering": "工程部", "design": "设计部", "customer_service": "客服部"}
FIGURES = ("opened", "resolved", "escalated", "open")
HEADINGS = {"opened": "新增", "resolved": "已解决", "escalated": "升级", "open": "未结"}


@pytest.fixture(scope="module")
async def kd(servers: Servers, settings: Settings) -> AsyncIterator[Desk]:
    async with desk(settings, servers.nats_url) as d:
        await d.add_user("boss", "manager")
        await d.add_user("head", "dept_head", department="engineering")
        await d.add_user("money", "finance")
        yield d


async def complaint(d: Desk, department: str, category: str = "quality") -> str:
    body = {
        "customer": {"name": "王芳", "phone": new_phone()},
        "channel": "phone",
        "category": category,
        "severity": "normal",
        "description": "卫生间墙面开裂",
        "department": department,
    }
    created = await d.kefu.post("intake", "/v1/complaints", body, headers=d.kefu.auth("cs"))
    return str(created["id"])


async def weekly(d: Desk, week: str, role: str, **claims: str) -> dict[str, Any]:
    found: dict[str, Any] = await d.kefu.call(
        "intake",
        "GET",
        "/v1/reports/complaints/weekly",
        headers=d.kefu.auth(role, **claims),
        params={"week": week},
        expect=200,
    )
    return found


def bars(html: str) -> dict[tuple[str, str], str]:
    """The first chart's bars: (label, series) → the value it shows."""
    chart = html.split("<svg", 2)[1]
    return {
        (label, series): value
        for label, series, value in re.findall(
            r'<rect [^>]*data-label="([^"]+)" data-series="([^"]+)" data-value="([^"]+)"', chart
        )
    }


def chart(html: str, title: str) -> dict[tuple[str, str], str]:
    """The bars of the chart with that title: (label, series) → the value it shows."""
    drawn = html.split(f'aria-label="{title}"', 1)[1].split("</svg>", 1)[0]
    return {
        (label, series): value
        for label, series, value in re.findall(
            r'<rect [^>]*data-label="([^"]+)" data-series="([^"]+)" data-value="([^"]+)"', drawn
        )
    }


def shown(value: Any) -> str:
    return "—" if value is None else (str(value) if isinstance(value, int) else f"{value:.1f}")


async def test_the_week_on_the_page_and_in_both_exports_is_intakes_weekly_report(kd: Desk) -> None:
    ids = [await complaint(kd, "engineering") for _ in range(3)]
    await complaint(kd, "design")
    await kd.kefu.post(
        "intake",
        f"/v1/complaints/{ids[0]}/resolution",
        {"result": "已修补"},
        headers=kd.kefu.auth("cs"),
    )
    await kd.kefu.post(
        "intake",
        f"/v1/complaints/{ids[1]}/escalations",
        {"reason": "三天未上门"},
        headers=kd.kefu.auth("cs"),
    )
    week = week_of(datetime.now(BUSINESS_TZ).date())
    async with kd.signed_in("boss") as c:
        page = await c.get("/reports/complaints")
        xlsx = await c.get("/reports/complaints/export", params={"week": week, "format": "xlsx"})
        csv_file = await c.get("/reports/complaints/export", params={"week": week, "format": "csv"})
    report = await weekly(kd, week, "manager")
    lines = {line["department"]: line for line in report["departments"]}
    assert lines["engineering"]["opened"] >= 3 and lines["design"]["opened"] >= 1

    # The chart: one bar per department and figure, each saying the report's number.
    assert page.status_code == 200 and f"投诉报表 · {week}" in page.text
    drawn = bars(page.text)
    assert drawn == {
        (DEPARTMENT.get(dept, dept), HEADINGS[f]): str(line[f])
        for dept, line in lines.items()
        for f in FIGURES
    }
    # The slowest open cases link to their pages.
    assert f'href="/complaints/{ids[1]}"' in page.text

    # CSV: the week's table, the same numbers.
    assert csv_file.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    assert rows[0] == ["部门", "新增", "已解决", "升级", "未结", "解决时长中位数（小时）"]
    assert {r[0]: r[1:] for r in rows[1:]} == {
        DEPARTMENT.get(d, d): [*(str(line[f]) for f in FIGURES), _csv(line)]
        for d, line in lines.items()
    }

    # XLSX: every table a sheet; the week's sheet has the report's numbers as numbers.
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames[:4] == [
        "本周各部门投诉",
        "本周新增投诉的原因",
        "本周新增投诉的类别",
        "近 12 周趋势",
    ]
    sheet = list(book["本周各部门投诉"].iter_rows(values_only=True))
    assert {r[0]: list(r[1:]) for r in sheet[1:]} == {
        DEPARTMENT.get(d, d): [*(line[f] for f in FIGURES), line["median_hours_to_resolve"]]
        for d, line in lines.items()
    }
    trend = list(book["近 12 周趋势"].iter_rows(values_only=True))
    assert len(trend) == 13 and trend[-1][0] == week
    assert list(trend[-1][1:]) == [sum(line[f] for line in lines.values()) for f in FIGURES]


CATEGORY = {
    "quality": "质量",
    "service": "服务",
    "delay": "延误",
    "billing": "收费",
    "logistics": "物流",
    "other": "其他",
}


async def test_the_weeks_categories_and_their_trend_are_intakes_by_category(kd: Desk) -> None:
    for department, category in (
        ("engineering", "delay"),
        ("engineering", "delay"),
        ("design", "service"),
        ("engineering", "billing"),
    ):
        await complaint(kd, department, category)
    week = week_of(datetime.now(BUSINESS_TZ).date())
    async with kd.signed_in("boss") as c:
        page = await c.get("/reports/complaints", params={"week": week})
        one = await c.get("/reports/complaints", params={"week": week, "department": "design"})
        xlsx = await c.get("/reports/complaints/export", params={"week": week, "format": "xlsx"})
        csv_file = await c.get(
            "/reports/complaints/export",
            params={"week": week, "section": "report.complaints.categories"},
        )
    report = await weekly(kd, week, "manager")
    counts = report["by_category"]
    assert counts["delay"] >= 2 and counts["service"] >= 1 and counts["billing"] >= 1
    assert sum(counts.values()) == sum(line["opened"] for line in report["departments"])

    # The week's chart and table: one bar per category, the report's number.
    assert chart(page.text, "本周新增投诉的类别") == {
        (CATEGORY[k], "新增"): str(n) for k, n in counts.items()
    }
    design = next(x for x in report["departments"] if x["department"] == "design")
    assert chart(one.text, "本周新增投诉的类别") == {
        (CATEGORY[k], "新增"): str(n) for k, n in design["by_category"].items()
    }
    rows = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    assert rows == [["类别", "新增"], *([CATEGORY[k], str(n)] for k, n in counts.items())]
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    sheet = list(book["本周新增投诉的类别"].iter_rows(values_only=True))
    assert sheet[1:] == [(CATEGORY[k], n) for k, n in counts.items()]

    # The trend per category: each week's row is that week's by_category (the page reads the
    # same endpoint once per week).
    trend = list(book["近 12 周各类别新增投诉"].iter_rows(values_only=True))
    assert len(trend) == 13 and trend[-1][0] == week
    code = {name: k for k, name in CATEGORY.items()}
    for at in (-1, -2):
        found = await weekly(kd, str(trend[at][0]), "manager")
        assert dict(zip(trend[0][1:], trend[at][1:], strict=True)) == {
            name: found["by_category"].get(code[name], 0) for name in trend[0][1:]
        }
    assert {code[name] for name in trend[0][1:]} >= set(counts)


def _csv(line: dict[str, Any]) -> str:
    median = line["median_hours_to_resolve"]
    return "" if median is None else str(median)


async def test_a_department_head_reads_their_department_and_finance_reads_nothing(
    kd: Desk,
) -> None:
    await complaint(kd, "engineering")
    await complaint(kd, "design")
    week = week_of(datetime.now(BUSINESS_TZ).date())
    async with kd.signed_in("head") as c:
        page = await c.get("/reports/complaints", params={"week": week})
    report = await weekly(kd, week, "dept_head", department="engineering")
    assert [line["department"] for line in report["departments"]] == ["engineering"]
    assert {label for label, _ in bars(page.text)} == {"工程部"}

    async with kd.signed_in("money") as c:
        refused = await c.get("/reports/complaints", params={"week": week})
        export = await c.get("/reports/complaints/export", params={"format": "csv"})
    assert refused.status_code == 200
    assert refused.text.count("无权查看") == 8
    assert "<svg" not in refused.text and "<table" not in refused.text
    assert export.status_code == 404


async def test_a_week_that_is_not_one_is_said_at_its_field(kd: Desk) -> None:
    async with kd.signed_in("boss") as c:
        page = await c.get("/reports/complaints", params={"week": "2026-W60"})
    assert page.status_code == 422
    assert 'aria-invalid="true"' in page.text and "请按 YYYY-Www 填写周" in page.text
    assert f"投诉报表 · {week_of(datetime.now(BUSINESS_TZ).date())}" in page.text


async def as_manager(d: Desk, service: str, path: str, **params: str) -> Any:
    """A service's report as a manager reads it."""
    return await d.kefu.call(
        service, "GET", path, headers=d.kefu.auth("manager"), params=params, expect=200
    )


async def test_the_logistics_page_and_its_exports_are_the_logistics_reports(kd: Desk) -> None:
    u = uid()
    origin, hub, dest, region = f"O{u}", f"H{u}", f"D{u}", f"R{u}"
    now = datetime.now(BUSINESS_TZ)
    # A receipt gone overdue (arrived twelve days ago, ten days' grace) and a damaged parcel.
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
    month = month_of(now.date())
    week = week_of(now.date())

    async def settled() -> dict[str, Any] | None:
        # The parcel promised for now is reported late by logistics' own delay check.
        found = await as_manager(
            kd, "logistics", "/v1/reports/delays/monthly", month=month, region=region
        )
        return found if found["stations"] and found["delayed"] == found["shipments"] else None

    delays = await eventually(settled, timeout=30)
    async with kd.signed_in("boss") as c:
        page = await c.get("/reports/logistics", params={"region": region})
        xlsx = await c.get("/reports/logistics/export", params={"region": region, "format": "xlsx"})
        printed = await c.get(
            "/reports/logistics/exceptions/print", params={"station": hub, "day": str(now.date())}
        )
        pdf = await c.get(
            "/reports/logistics/exceptions/pdf", params={"station": hub, "day": str(now.date())}
        )
    receipts = await as_manager(
        kd, "logistics", "/v1/reports/receipts/monthly", month=month, region=region
    )
    stations = await as_manager(
        kd, "logistics", "/v1/reports/stations/monthly", month=month, region=region
    )
    exceptions = await as_manager(kd, "logistics", "/v1/reports/exceptions/weekly", week=week)
    assert page.status_code == 200 and f"物流报表 · {month} · {region}" in page.text

    # The receipts chart: each figure of the region's line, as logistics counts it.
    [line] = receipts["regions"]
    assert line["region"] == region and line["unreturned"] >= 1
    figures = {
        "unreturned": "未返回",
        "overdue": "逾期",
        "late": "本月逾期",
        "abnormal": "异常回单",
    }
    assert bars(page.text) == {(region, name): str(line[f]) for f, name in figures.items()}

    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    sheet = list(book["各区域回单（月末）与罚款"].iter_rows(values_only=True))
    assert sheet[1][:6] == (
        region,
        *(line[f] for f in ("unreturned", "overdue", "late", "abnormal", "lost")),
    )
    assert sheet[1][-1] == line["penalties_fen"] / 100
    scores = {r[0]: r[1:] for r in list(book["站点月度考评"].iter_rows(values_only=True))[1:]}
    assert scores == {
        x["station"]: (
            x["delays"],
            x["exceptions"],
            *(x["exceptions_by_kind"].get(k, 0) for k in ("damage", "shortage", "mismatch")),
            x["truck_checks"],
            x["truck_findings"],
            x["receipts_late"],
            x["receipts_abnormal"],
            x["abnormal_missed"],
            x["violations"],
        )
        for x in stations["stations"]
    }
    weeks = list(book["每周货物异常"].iter_rows(values_only=True))
    assert len(weeks) == 9 and weeks[-1][0] == week
    kinds = {k: 0 for k in ("damage", "shortage", "mismatch")}
    for x in exceptions["lines"]:
        kinds[x["kind"]] += x["count"]
    assert weeks[-1][1:] == (*kinds.values(), exceptions["total"])
    at_hub = {
        r[0]: r[1:] for r in list(book["最近一周各站点货物异常"].iter_rows(values_only=True))[1:]
    }
    assert at_hub[hub] == (1, 0, 0, 1)

    # Delays per route and per station: logistics' delays report, in the charts and the sheets.
    routes = [
        (f"{x['origin_branch']} → {x['destination_branch']}", x["shipments"], x["delayed"])
        for x in delays["routes"]
    ]
    assert (origin + " → " + dest, 1, 1) in routes or (origin + " → " + dest, 2, 2) in routes
    drawn = chart(page.text, "本月发运延误最多的线路（前 20 条）")
    assert drawn == {
        **{(route, "发运"): str(n) for route, n, _ in routes},
        **{(route, "延误"): str(late) for route, _, late in routes},
    }
    sheet = list(book["本月发运延误最多的线路（前 20 条）"].iter_rows(values_only=True))
    assert sheet[0] == ("线路", "发运", "延误", "延误率（%）")
    assert sheet[1:] == [
        (*r, x["delay_rate_pct"]) for r, x in zip(routes, delays["routes"], strict=True)
    ]
    assert chart(page.text, "各站点延误") == {
        (x["station"], "延误"): str(x["delays"]) for x in delays["stations"]
    }
    assert [r[:2] for r in book["各站点延误"].iter_rows(values_only=True)][1:] == [
        (x["station"], x["delays"]) for x in delays["stations"]
    ]
    assert origin in {x["station"] for x in delays["stations"]}

    # The printable cargo exception report is logistics' own, served by the console.
    assert printed.status_code == 200 and printed.headers["content-type"].startswith("text/html")
    assert broken in printed.text and "sandbox" in printed.headers["content-security-policy"]
    # 下载 PDF: the same report as logistics' PDF, downloaded through the console.
    assert 'formaction="/reports/logistics/exceptions/pdf"' in page.text and "下载 PDF" in page.text
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == (
        f'attachment; filename="exceptions-{hub}-{now.date()}.pdf"'
    )
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert pdf.content.startswith(b"%PDF") and broken in text and hub in text


async def test_a_role_logistics_refuses_reads_not_permitted(kd: Desk) -> None:
    await kd.add_user("builder", "engineering", team="engineering")
    async with kd.signed_in("builder") as c:
        page = await c.get("/reports/logistics")
        printed = await c.get(
            "/reports/logistics/exceptions/print", params={"station": "SH01", "day": "2026-12-01"}
        )
        pdf = await c.get(
            "/reports/logistics/exceptions/pdf", params={"station": "SH01", "day": "2026-12-01"}
        )
    assert page.status_code == 200 and page.text.count("无权查看") == 8
    assert "<svg" not in page.text
    assert printed.status_code == 403 and pdf.status_code == 403


async def sheets(c: Any, page: str, **params: str) -> dict[str, list[tuple[Any, ...]]]:
    r = await c.get(f"/reports/{page}/export", params={**params, "format": "xlsx"})
    assert r.status_code == 200, r.text
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    return {name: list(book[name].iter_rows(values_only=True))[1:] for name in book.sheetnames}


async def test_after_sales_service_levels_and_renovation_are_their_services_reports(
    kd: Desk,
) -> None:
    await complaint(kd, "customer_service")  # a complaint: a callback for customer service
    now = datetime.now(BUSINESS_TZ)
    month, week = month_of(now.date()), week_of(now.date())
    async with kd.signed_in("boss") as c:
        pages = {p: await c.get(f"/reports/{p}") for p in ("aftersales", "levels", "renovation")}
        repairs_x = await sheets(c, "aftersales", month=month)
        levels_x = await sheets(c, "levels", week=week)
        renovation_x = await sheets(c, "renovation", month=month)
    assert {p: r.status_code for p, r in pages.items()} == dict.fromkeys(pages, 200)
    assert f"售后报表 · {month}" in pages["aftersales"].text
    assert f"平台服务水平 · {week}" in pages["levels"].text

    repairs = await as_manager(kd, "aftersales", "/v1/reports/repairs/monthly", month=month)
    assert repairs_x["本月登记的维修单（按当前状态）"] == [
        (repair_status(s), n) for s, n in repairs["opened"]["by_status"].items()
    ]
    steps = {"first_contact": "首次联系", "survey": "上门勘查", "repair": "维修完成"}
    assert repairs_x["各环节时限"] == [
        (steps[x["step"]], x["due"], x["met"], x["breached"], x["pending"])
        for x in repairs["service_levels"]
    ]
    surveyed, completed = repairs["repairs"]["surveyed"], repairs["repairs"]["completed"]
    assert repairs_x["保修与收费维修"] == [
        ("保修", surveyed["covered"], None, completed["covered"], None),
        (
            "收费维修",
            surveyed["paid"],
            surveyed["quoted_fen"] / 100,
            completed["paid"],
            completed["paid_fen"] / 100,
        ),
    ]

    levels = await as_manager(kd, "notifications", "/v1/reports/service-levels", week=week)
    figures = ("created", "open", "overdue", "completed", "completed_late", "given_up")
    assert [r[1:] for r in levels_x["各类回访任务"]] == [
        tuple(x[f] for f in figures) for x in levels["callbacks"]["by_purpose"]
    ]
    assert sum(r[1] for r in levels_x["各类回访任务"]) == levels["callbacks"]["created"]
    assert [r[1:] for r in levels_x["消息送达"]] == [
        (x["sent"], x["failed"], x["queued_late"]) for x in levels["messages"]["by_channel"]
    ]

    rating = await as_manager(kd, "projects", "/v1/reports/rating/monthly", month=month)
    care = await as_manager(kd, "projects", "/v1/reports/care-compliance")
    assert [r[:2] for r in renovation_x["本月最佳工程"]] == [
        (x["rank"], x["project_id"]) for x in rating["best"]
    ]
    assert [r[1:] for r in renovation_x["项目经理回访达标率"]] == [
        tuple(
            x[f]
            for f in ("projects", "required_calls", "made_calls", "compliance_pct", "pending_calls")
        )
        for x in care["rows"]
    ]

    async with kd.signed_in("money") as c:
        refused = {p: await c.get(f"/reports/{p}") for p in ("aftersales", "levels", "renovation")}
    assert {p: r.text.count("无权查看") for p, r in refused.items()} == {
        "aftersales": 3,
        "levels": 3,
        "renovation": 6,  # the rating, care compliance and deadlines; finance reads payments
    }


def repair_status(status: str) -> str:
    return catalogue("zh-CN").get(f"repair.status.{status}", status)


async def test_a_branch_on_the_after_sales_and_service_level_pages_is_the_services_report_for_it(
    kd: Desk,
) -> None:
    """网点筛选: a branch's complaint (its callback and SMS) and repair request; the two pages
    for that branch show aftersales' and notifications' reports with `branch=`; a branch's own
    person is pinned to their branch, and reads what the services give the branch role."""
    branch = f"B{uid()}"
    at_branch = kd.kefu.auth("branch", branch=branch)
    body = {
        "customer": {"name": "李雷", "phone": new_phone()},
        "channel": "phone",
        "category": "service",
        "severity": "normal",
        "description": "上门时间一改再改",
        "department": "customer_service",
    }
    created = await kd.kefu.post("intake", "/v1/complaints", body, headers=at_branch)
    opened = await kd.kefu.call(
        "intake", "GET", f"/v1/complaints/{created['id']}", headers=at_branch, expect=200
    )
    request = {"customer_id": opened["customer_id"], "address": "北京", "problem": "漏水"}
    await kd.kefu.post("intake", "/v1/repair-requests", request, headers=at_branch)
    # The same customer's request taken at reception (the company's, of no branch).
    await kd.kefu.post("intake", "/v1/repair-requests", request, headers=kd.kefu.auth("reception"))
    now = datetime.now(BUSINESS_TZ)
    month, week = month_of(now.date()), week_of(now.date())

    async def arrived() -> bool:
        repairs = await as_manager(
            kd, "aftersales", "/v1/reports/repairs/monthly", month=month, branch=branch
        )
        tickets = await kd.kefu.get("aftersales", "/v1/repairs", customer_id=opened["customer_id"])
        levels = await as_manager(
            kd, "notifications", "/v1/reports/service-levels", week=week, branch=branch
        )
        # The ticket, the callback and the acknowledgement SMS sent: nothing more will change.
        return bool(
            repairs["opened"]["total"]
            and len(tickets["items"]) == 2
            and levels["callbacks"]["created"]
            and levels["messages"]["sent"]
        )

    await eventually(arrived, timeout=20)
    async with kd.signed_in("boss") as c:
        pages = {
            "aftersales": await c.get("/reports/aftersales", params={"branch": branch}),
            "levels": await c.get("/reports/levels", params={"branch": branch}),
        }
        repairs_x = await sheets(c, "aftersales", month=month, branch=branch)
        levels_x = await sheets(c, "levels", week=week, branch=branch)
        named = await c.get(
            "/reports/levels/export", params={"week": week, "branch": branch, "format": "xlsx"}
        )
    repairs = await as_manager(
        kd, "aftersales", "/v1/reports/repairs/monthly", month=month, branch=branch
    )
    company = await as_manager(kd, "aftersales", "/v1/reports/repairs/monthly", month=month)
    levels = await as_manager(
        kd, "notifications", "/v1/reports/service-levels", week=week, branch=branch
    )

    assert {p: r.status_code for p, r in pages.items()} == dict.fromkeys(pages, 200)
    assert f"售后报表 · {month} · {branch}" in pages["aftersales"].text
    assert f"平台服务水平 · {week} · {branch}" in pages["levels"].text
    for page in pages.values():
        assert f'name="branch" value="{branch}"' in page.text
        assert f"&amp;branch={branch}&amp;format=xlsx" in page.text  # the export keeps it
    assert f'filename="levels-{week}-{branch}.xlsx"' in named.headers["content-disposition"]

    # The branch's figures, not the company's: its one ticket, not the reception's.
    assert repairs["branch"] == branch and repairs["opened"]["total"] == 1
    assert company["opened"]["total"] > repairs["opened"]["total"]
    statuses = [(repair_status(s), n) for s, n in repairs["opened"]["by_status"].items()]
    assert repairs_x["本月登记的维修单（按当前状态）"] == statuses
    assert bars(pages["aftersales"].text) == {
        (short(label), "维修单"): str(n) for label, n in statuses
    }
    steps = {"first_contact": "首次联系", "survey": "上门勘查", "repair": "维修完成"}
    assert repairs_x["各环节时限"] == [
        (steps[x["step"]], x["due"], x["met"], x["breached"], x["pending"])
        for x in repairs["service_levels"]
    ]

    figures = ("created", "open", "overdue", "completed", "completed_late", "given_up")
    assert levels["branch"] == branch and levels["callbacks"]["created"] >= 1
    assert [r[1:] for r in levels_x["各类回访任务"]] == [
        tuple(x[f] for f in figures) for x in levels["callbacks"]["by_purpose"]
    ]
    assert [r[1:] for r in levels_x["各团队回访任务"]] == [
        tuple(x[f] for f in figures) for x in levels["callbacks"]["by_team"]
    ]
    assert [r[1:] for r in levels_x["消息送达"]] == [
        (x["sent"], x["failed"], x["queued_late"]) for x in levels["messages"]["by_channel"]
    ]

    # A branch's own person: the filter is fixed to their branch, whatever the address asks;
    # neither service gives the branch role these reports, so the pages say 无权查看.
    await kd.add_user(f"hub.{branch.lower()}", "branch", branch=branch)
    async with kd.signed_in(f"hub.{branch.lower()}") as c:
        own = {p: await c.get(f"/reports/{p}") for p in ("aftersales", "levels")}
        other = await c.get("/reports/aftersales", params={"branch": "SH01"})
    for page in own.values():
        assert page.status_code == 200 and page.text.count("无权查看") == 3
        assert f'id="branch" value="{branch}" readonly' in page.text
    assert f"售后报表 · {month} · {branch}" in other.text and "SH01" not in other.text
    assert other.text.count("无权查看") == 3
