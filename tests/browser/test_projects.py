"""Projects and repairs in a real browser: a project opened by a lead at the front door, shown
with its stage, the next step's unmet rules in words and the payment plan's amounts; a repair
with its photo as a thumbnail the console fetched with the person's token; and roles that may
not read them do not see them."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import Page, expect

from shared.calendar import BUSINESS_TZ
from tests.browser.conftest import shoot
from tests.browser.test_console import sign_in
from tests.support.console import Desk
from tests.support.harness import eventually
from tests.support.journeys import drive, lead, new_phone


def png(width: int = 64, height: int = 48) -> bytes:
    """A real PNG (stripes of colour) that a browser decodes, made without an image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + bytes((200, (80 + y * 3) % 256, 40) if (y // 8) % 2 else (30, 110, 190)) * width
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@dataclass(frozen=True)
class Site:
    """One project at `contract` with part of its first payment in, and a repair about it."""

    project_id: str
    address: str
    repair_id: str
    photo_id: str


@pytest.fixture(scope="module")
async def site(kd: Desk) -> Site:
    k = kd.kefu
    await kd.add_user("chen.pm", "engineering", team="engineering")
    await kd.add_user("liu.fin", "finance", team="finance")
    await kd.add_user("sun.as", "aftersales", team="aftersales")
    await kd.add_user("wu.branch", "branch", branch="SH02")

    # The front door: a lead at branch SH01 opens the project (lead.registered).
    _, customer_id, pid = await lead(k, "赵磊", new_phone(), branch="SH01")
    await drive(k, pid, "contract")
    await k.call(
        "projects",
        "PATCH",
        f"/v1/projects/{pid}",
        {"project_manager": "chen.pm", "designer": "designer-wang"},
        headers=k.auth("manager"),
    )
    await k.post(
        "projects",
        f"/v1/projects/{pid}/payments",
        {"installment": "first", "amount_fen": 5_000_000},
        headers=k.auth("finance", sub="liu.fin"),
    )
    address = str((await k.get("projects", f"/v1/projects/{pid}"))["address"])

    # A repair request at the same branch; aftersales opens the ticket from its event.
    await k.post(
        "intake",
        "/v1/repair-requests",
        {
            "customer_id": customer_id,
            "project_id": pid,
            "address": address,
            "problem": "卫生间吊顶渗水",
        },
        headers=k.auth("branch", branch="SH01"),
    )

    async def opened() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = (await k.get("aftersales", "/v1/repairs", project_id=pid))[
            "items"
        ]
        return found

    rid = str((await eventually(opened, timeout=20, interval=0.2))[0]["id"])
    tech = k.auth("aftersales", sub="sun.as")
    base = f"/v1/repairs/{rid}"
    await k.post("aftersales", f"{base}/assignment", {"staff": "sun.as"}, headers=tech)
    survey_at = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    await k.post("aftersales", f"{base}/survey-booking", {"at": survey_at}, headers=tech)
    r = await k.clients["aftersales"].post(
        f"{base}/photos", files={"file": ("ceiling.png", png(), "image/png")}, headers=tech
    )
    assert r.status_code == 201, r.text
    await k.post(
        "aftersales",
        f"{base}/survey",
        {
            "findings": "淋浴房挡水条被拆除, 水渗入吊顶",
            "proposed_fix": "重做防水, 修补吊顶",
            "problem_kind": "customer_damage",
        },
        headers=tech,
    )
    return Site(pid, address, rid, str(r.json()["photo_id"]))


async def test_a_project_shows_its_stage_its_unmet_rules_and_the_payment_plan(
    page: Page, kd: Desk, site: Site
) -> None:
    await sign_in(page, kd, "chen.pm")
    await page.get_by_role("navigation").get_by_role("link", name="工程").click()
    await expect(page.get_by_role("heading", name="工程", exact=True)).to_be_visible()
    # A project manager's list starts with their own projects.
    await expect(page.get_by_label("我负责的")).to_have_value("1")
    await shoot(page, "projects")
    await page.get_by_role("link", name=site.address).first.click()

    await expect(page.get_by_role("heading", name=f"工程 · {site.address}")).to_be_visible()
    current = page.locator(".timeline li[aria-current=step]")
    await expect(current).to_contain_text("签订施工合同")
    await expect(page.locator(".timeline li.done")).to_have_count(5)

    nxt = page.get_by_role("region", name="下一步")
    await expect(nxt).to_contain_text("进入「开工」还差 3 项：")
    rules = nxt.get_by_role("list", name="未满足的条件").get_by_role("listitem")
    await expect(rules).to_have_count(3)
    await expect(rules.nth(0)).to_contain_text("施工合同尚未生效（首期款未付清）")
    await expect(rules.nth(0)).to_contain_text("50,000.00 yuan of 130,000.00 yuan received")
    await expect(rules.nth(1)).to_contain_text("客户未签字确认施工图")
    await expect(rules.nth(2)).to_contain_text("缺少签字")

    plan = page.get_by_role("table", name="付款计划")
    first = plan.get_by_role("row", name="首期款")
    for amount in ("¥130,000.00", "¥50,000.00", "¥80,000.00"):
        await expect(first).to_contain_text(amount)
    await expect(plan.get_by_role("row", name="中期款")).to_contain_text("¥60,000.00")
    await expect(plan.get_by_role("row", name="尾款")).to_contain_text("¥9,500.00")
    total = plan.get_by_role("row", name="合计")
    for amount in ("¥199,500.00", "¥50,000.00", "¥149,500.00"):
        await expect(total).to_contain_text(amount)
    documents = page.get_by_role("region", name="文件")
    await expect(documents.get_by_role("link", name="《施工合同》")).to_be_visible()
    # Engineering does not read repair tickets (aftersales answers 403): no such section.
    await expect(page.get_by_role("region", name="维修单")).to_have_count(0)
    await shoot(page, "project")

    # The move to the next stage, refused by projects with every reason on the page.
    await page.get_by_label("备注（可选）").fill("准备开工")
    await page.get_by_role("button", name="进入下一阶段：开工").click()
    refusal = page.get_by_role("alert")
    await expect(refusal).to_contain_text("未能进入「开工」，原因如下：")
    await expect(refusal.get_by_role("listitem")).to_have_count(3)
    await expect(refusal).to_contain_text("客户未签字确认施工图")
    await shoot(page, "project-refused")
    moved = await kd.kefu.get("projects", f"/v1/projects/{site.project_id}")
    assert moved["stage"] == "contract"


async def test_a_repair_shows_its_steps_quote_and_photo_thumbnail(
    page: Page, kd: Desk, site: Site
) -> None:
    await sign_in(page, kd, "li.na")
    await page.get_by_role("navigation").get_by_role("link", name="维修").click()
    await expect(page.get_by_role("heading", name="维修", exact=True)).to_be_visible()
    await page.get_by_label("状态").select_option("surveyed")
    await page.get_by_role("button", name="筛选").click()
    await page.get_by_role("link", name="卫生间吊顶渗水").first.click()

    await expect(page.get_by_role("heading", name="维修单 · 卫生间吊顶渗水")).to_be_visible()
    await expect(page.get_by_text("不在保修范围内，需收费维修。")).to_be_visible()
    steps = page.get_by_role("region", name="处理记录").get_by_role("listitem")
    await expect(steps.filter(has_text="报修登记")).to_have_count(1)
    await expect(steps.filter(has_text="已派工")).to_have_count(1)
    await expect(steps.filter(has_text="上传照片")).to_have_count(1)
    await expect(steps.filter(has_text="完成勘察")).to_have_count(1)

    thumb = page.get_by_role("img", name="维修照片 1")
    await expect(thumb).to_be_visible()
    src = await thumb.get_attribute("src")
    assert src == f"/repairs/{site.repair_id}/photos/{site.photo_id}"  # the console's own URL
    loaded = await thumb.evaluate("img => img.complete && img.naturalWidth")
    assert loaded == 64, "the browser decoded the photo the console served"
    await expect(page.locator(".photos figcaption")).to_have_text(["现场勘查"])
    # The project it is about links to the project page (customer service reads projects).
    await page.get_by_role("link", name=site.project_id).click()
    repairs = page.get_by_role("region", name="维修单")
    await expect(repairs.get_by_role("link", name="卫生间吊顶渗水")).to_be_visible()
    await page.go_back()
    await expect(thumb).to_be_visible()
    await shoot(page, "repair")


async def test_roles_without_access_do_not_see_projects_or_other_branches_repairs(
    page: Page, kd: Desk, site: Site
) -> None:
    # Another branch: no projects link, the project is forbidden, the repair and its photo
    # are not found (aftersales answers 404 for another branch's ticket).
    await sign_in(page, kd, "wu.branch")
    nav = page.get_by_role("navigation")
    await expect(nav.get_by_role("link", name="维修")).to_be_visible()
    await expect(nav.get_by_role("link", name="工程")).to_have_count(0)
    answer = await page.goto(f"{kd.url}/projects/{site.project_id}")
    assert answer is not None and answer.status == 403
    await expect(page.get_by_role("heading", name="无权访问")).to_be_visible()
    await expect(page.get_by_text(site.address)).to_have_count(0)
    answer = await page.goto(f"{kd.url}/repairs/{site.repair_id}")
    assert answer is not None and answer.status == 404
    await expect(page.get_by_role("heading", name="未找到")).to_be_visible()
    await shoot(page, "repair-not-found")
    photo = await page.request.get(f"{kd.url}/repairs/{site.repair_id}/photos/{site.photo_id}")
    assert photo.status == 404 and not photo.headers["content-type"].startswith("image/")
    await page.goto(f"{kd.url}/repairs")
    await expect(page.get_by_role("link", name="卫生间吊顶渗水")).to_have_count(0)

    # Aftersales reads the repair but not projects: the project is named, not linked.
    await page.get_by_role("button", name="退出登录").click()
    await sign_in(page, kd, "sun.as")
    await page.goto(f"{kd.url}/repairs/{site.repair_id}")
    await expect(page.get_by_text(site.project_id)).to_be_visible()
    await expect(page.get_by_role("link", name=site.project_id)).to_have_count(0)
    answer = await page.goto(f"{kd.url}/projects/{site.project_id}")
    assert answer is not None and answer.status == 403

    # Signed out, a photo's address gives nothing.
    async with kd.client() as anonymous:
        r = await anonymous.get(f"/repairs/{site.repair_id}/photos/{site.photo_id}")
        assert r.status_code == 401 and r.content == b""


async def test_the_project_page_in_english(page: Page, kd: Desk, site: Site) -> None:
    await sign_in(page, kd, "liu.fin")
    await page.goto(f"{kd.url}/projects/{site.project_id}")
    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", name=f"Project · {site.address}")).to_be_visible()
    await expect(page.get_by_role("region", name="Next step")).to_contain_text(
        "3 rule(s) not met yet for Works started:"
    )
    # Finance reads projects but does not move them: no transition form.
    await expect(
        page.get_by_role("button", name="Move to the next stage: Works started")
    ).to_have_count(0)
    await shoot(page, "project-en")
    await page.get_by_role("link", name="中文").click()


async def test_after_sales_staff_take_a_repair_from_opening_to_closure(
    page: Page, kd: Desk, site: Site
) -> None:
    k = kd.kefu
    project = await k.get("projects", f"/v1/projects/{site.project_id}")
    await k.post(
        "intake",
        "/v1/repair-requests",
        {
            "customer_id": project["customer_id"],
            "project_id": site.project_id,
            "address": site.address,
            "problem": "厨房水管接头漏水",
        },
        headers=k.auth("branch", branch="SH01"),
    )

    async def opened() -> str | None:
        items = (await k.get("aftersales", "/v1/repairs", project_id=site.project_id))["items"]
        return next((str(i["id"]) for i in items if i["problem"] == "厨房水管接头漏水"), None)

    rid = await eventually(opened, timeout=20, interval=0.2)
    await sign_in(page, kd, "sun.as")
    await page.goto(f"{kd.url}/repairs/{rid}")
    act = page.get_by_role("region", name="下一步处理")
    notice = page.get_by_role("status")

    async def step(name: str) -> Any:
        """The step's form, opened."""
        form = act.locator("details.step", has=page.locator("summary", has_text=name))
        if await form.get_attribute("open") is None:
            await form.locator("summary").click()
        return form

    form = await step("派工")
    await expect(form.get_by_label("维修人员（用户名）")).to_have_value("sun.as")
    await form.get_by_role("button", name="提交").click()
    await expect(notice).to_have_text("已派工。")

    tomorrow = datetime.now(UTC).astimezone(BUSINESS_TZ) + timedelta(days=1)
    form = await step("预约勘察")
    await form.get_by_label("与客户约定的勘察时间").fill(tomorrow.strftime("%Y-%m-%dT10:00"))
    await form.get_by_role("button", name="提交").click()
    await expect(notice).to_have_text("已预约勘察。")

    form = await step("添加照片")
    await form.get_by_label("照片（JPEG、PNG、WebP）").set_input_files(
        files=[{"name": "pipe.png", "mimeType": "image/png", "buffer": png(80, 60)}]
    )
    await form.get_by_role("button", name="上传").click()
    await expect(notice).to_have_text("照片已上传。")
    await expect(page.get_by_role("img", name="维修照片 1")).to_be_visible()

    form = await step("记录勘察结果")
    await form.get_by_label("勘察结果").fill("水槽下方软管接头老化")
    await form.get_by_label("维修方案").fill("更换软管和接头")
    await form.get_by_label("问题类型").select_option("plumbing")
    await shoot(page, "repair-steps")
    await form.get_by_role("button", name="提交").click()
    await expect(notice).to_have_text("已记录勘察结果。")
    # The project is not completed, so the warranty cannot cover it: a paid repair.
    await expect(page.get_by_text("不在保修范围内，需收费维修。")).to_be_visible()
    quote = (await k.get("aftersales", f"/v1/repairs/{rid}"))["fee_quote_fen"]
    await expect(act.locator("summary", has_text="排定维修")).to_have_count(0)

    form = await step("客户接受报价")
    await form.get_by_role("button", name="提交").click()
    await expect(notice).to_have_text("已记录客户接受报价。")

    form = await step("排定维修")
    await form.get_by_label("维修开始日期").fill(tomorrow.strftime("%Y-%m-%d"))
    await form.get_by_label("预计天数").fill("2")
    await form.get_by_role("button", name="提交").click()
    await expect(notice).to_have_text("已排定维修。")
    await expect(page.get_by_role("region", name="排期")).to_contain_text(
        f"{tomorrow:%Y-%m-%d} 开始，预计 2 天"
    )

    form = await step("开始维修")
    await form.get_by_role("button", name="提交").click()
    await expect(notice).to_have_text("已开始维修。")

    # The end of the repair is photographed before it is completed (维修结束相片).
    form = await step("添加照片")
    await form.get_by_label("照片（JPEG、PNG、WebP）").set_input_files(
        files=[{"name": "done.png", "mimeType": "image/png", "buffer": png(80, 60)}]
    )
    await form.get_by_label("拍摄阶段").select_option("after")
    await form.get_by_role("button", name="上传").click()
    await expect(notice).to_have_text("照片已上传。")
    photos = page.get_by_role("region", name="照片")
    await expect(photos.locator("figcaption")).to_have_text(["现场勘查", "维修结束"])

    # A fee that is not the quote: aftersales refuses, and the page says so on the form.
    form = await step("维修完成")
    await expect(form.get_by_label("已收维修费（元）")).to_have_value(f"{quote / 100:.2f}")
    await form.get_by_label("已收维修费（元）").fill("1.00")
    await form.get_by_role("button", name="提交").click()
    refusal = page.get_by_role("alert")
    await expect(refusal).to_contain_text("「维修完成」未完成，原因如下：")
    await expect(refusal).to_contain_text("已收维修费")
    await shoot(page, "repair-step-refused")
    form = await step("维修完成")
    await form.get_by_label("客户评价").select_option("5")
    await form.get_by_label("客户意见").fill("师傅很专业")
    await form.get_by_label("已收维修费（元）").fill(f"{quote / 100:.2f}")
    await form.get_by_role("button", name="提交").click()
    await expect(notice).to_have_text("已记录维修完成。")

    form = await step("结案")
    await form.get_by_label("维修总结").fill("更换软管, 客户满意")
    await form.get_by_role("button", name="提交").click()
    await expect(notice).to_have_text("维修单已结案。")
    await expect(page.locator(".facts").first).to_contain_text("已结案")
    await expect(act).to_have_count(0)  # nothing left to do
    done = await k.get("aftersales", f"/v1/repairs/{rid}")
    assert done["status"] == "closed" and done["fee_paid_fen"] == quote
    actions = [h["action"] for h in done["history"]]
    for action in ("assigned", "survey_booked", "photo_added", "surveyed", "quote_accepted"):
        assert action in actions
    assert actions[-4:] == ["repair_started", "photo_added", "completed", "closed"]
    assert [p["phase"] for p in done["photos"]] == ["survey", "after"]
