"""An inbound call in a real browser: the search box finds the caller, the customer card shows
what every service knows of them (and only what the role may read), and a complaint is
registered through the form and followed to its confirmation call."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import shoot
from tests.browser.test_console import sign_in
from tests.support.console import Desk
from tests.support.journeys import lead, new_phone, now_local, shipment_body, uid


@pytest.fixture(scope="module")
async def caller(kd: Desk) -> dict[str, Any]:
    """A customer every service has something of: a lead (and the project it opened), a
    complaint with its handling task, and a shipment to their phone."""
    await kd.add_user("wang.jie", "reception", team="reception")
    await kd.add_user("qian.cw", "finance", team="finance")
    phone = new_phone()
    _, customer_id, project_id = await lead(kd.kefu, "周晓梅", phone)
    complaint = {
        "customer_id": customer_id,
        "channel": "phone",
        "category": "delay",
        "severity": "high",
        "description": "瓷砖迟迟未到",
        "department": "customer_service",
    }
    created = await kd.kefu.post("intake", "/v1/complaints", complaint, headers=kd.kefu.auth("cs"))
    await kd.kefu.callback("complaint_handling", created["id"])
    waybill = f"WB{uid()}"
    body = shipment_body(waybill, ("SH01", "BJ01"), "north", now_local() + timedelta(days=2))
    body["consignee"] = {"name": "周晓梅", "phone": phone, "kind": "person"}
    await kd.kefu.post(
        "logistics", "/v1/shipments", body, headers=kd.kefu.auth("branch", branch="SH01")
    )
    return {
        "phone": phone,
        "customer_id": customer_id,
        "project_id": project_id,
        "complaint_id": created["id"],
        "waybill": waybill,
    }


async def test_an_agent_finds_the_caller_by_phone_and_sees_the_timeline(
    page: Page, kd: Desk, caller: dict[str, Any]
) -> None:
    await sign_in(page, kd, "li.na")
    search = page.get_by_role("searchbox", name="查找客户、运单、投诉或维修")
    await search.fill(caller["phone"])
    await search.press("Enter")
    # The number is the customer's and the consignee's of a shipment: both are offered.
    await expect(page.get_by_role("heading", name="查找结果")).to_be_visible()
    await expect(page.get_by_role("link", name=caller["waybill"])).to_be_visible()
    await shoot(page, "lookup")
    await page.get_by_role("link", name="周晓梅").click()

    await expect(page.get_by_role("heading", name="周晓梅", exact=True)).to_be_visible()
    masked = f"{caller['phone'][:3]}****{caller['phone'][-4:]}"
    await expect(page.get_by_role("link", name=f"拨打 {masked}")).to_have_attribute(
        "href", f"tel:{caller['phone']}"
    )
    timeline = page.locator("ol.customer-timeline")
    for kind in ("咨询", "工程", "投诉", "运单", "回访"):
        await expect(timeline.locator(".badge", has_text=kind).first).to_be_visible()
    await expect(timeline.get_by_role("link", name="延误")).to_have_attribute(
        "href", f"/complaints/{caller['complaint_id']}"
    )
    await expect(timeline.get_by_text("投诉处理")).to_be_visible()
    await expect(timeline.get_by_role("link", name=caller["waybill"])).to_be_visible()
    project = timeline.locator(".kind-project")
    await expect(project.get_by_role("link")).to_have_attribute(
        "href", f"/projects/{caller['project_id']}"
    )
    sources = page.locator("ul.sources")
    await expect(sources.locator(".source", has_text="工程项目")).to_contain_text("1")
    await expect(page.get_by_text("无权查看")).to_have_count(0)
    await shoot(page, "customer-card")

    # The last four digits with the exact name open the card at once.
    await search.fill(f"{caller['phone'][-4:]} 周晓梅")
    await search.press("Enter")
    await expect(page.get_by_role("heading", name="周晓梅", exact=True)).to_be_visible()
    assert page.url.endswith(f"/customers/{caller['customer_id']}")


async def test_each_role_sees_only_what_the_services_let_it_read(
    page: Page, kd: Desk, caller: dict[str, Any]
) -> None:
    # Reception reads customers, but not projects, repairs or shipments.
    await sign_in(page, kd, "wang.jie")
    await page.goto(f"{kd.url}/customers/{caller['customer_id']}")
    await expect(page.get_by_role("heading", name="周晓梅", exact=True)).to_be_visible()
    for name in ("工程项目", "维修单", "运单（收货人）"):
        await expect(page.locator(".source", has_text=name)).to_contain_text("无权查看")
    await expect(page.locator(".source", has_text="投诉")).not_to_contain_text("无权查看")
    timeline = page.locator("ol.customer-timeline")
    await expect(timeline.locator(".badge", has_text="投诉").first).to_be_visible()
    await expect(timeline.locator(".kind-project")).to_have_count(0)
    await expect(timeline.locator(".kind-shipment")).to_have_count(0)
    await expect(page.get_by_text(caller["waybill"])).to_have_count(0)
    await shoot(page, "customer-card-reception")

    # A department head reads their department's complaints only (this one is customer
    # service's), and the customer's projects.
    await page.context.clear_cookies()
    await kd.add_user("lin.bz", "dept_head", department="design", team="design")
    await sign_in(page, kd, "lin.bz")
    await page.goto(f"{kd.url}/customers/{caller['customer_id']}")
    await expect(page.locator(".source", has_text="投诉")).to_contain_text("0")
    await expect(page.locator(".source", has_text="工程项目")).to_contain_text("1")
    await expect(page.locator("ol.customer-timeline .kind-complaint")).to_have_count(0)

    # Finance may read shipments but not customers: the search says so and shows the shipment.
    await page.context.clear_cookies()
    await sign_in(page, kd, "qian.cw")
    search = page.get_by_role("searchbox", name="查找客户、运单、投诉或维修")
    await search.fill(caller["phone"])
    await search.press("Enter")
    await expect(page.get_by_role("note")).to_have_text("您的角色无权查看： 客户")
    await expect(page.get_by_role("link", name=caller["waybill"])).to_be_visible()
    await expect(page.get_by_role("link", name="周晓梅")).to_have_count(0)
    await page.goto(f"{kd.url}/customers/{caller['customer_id']}")
    await expect(page.get_by_role("heading", name="无权访问")).to_be_visible()
    await expect(page.get_by_text("周晓梅")).to_have_count(0)


async def test_a_complaint_registered_on_the_form_is_followed_to_its_confirmation_call(
    page: Page, kd: Desk
) -> None:
    await sign_in(page, kd, "li.na")
    await page.get_by_role("link", name="登记投诉").click()
    await expect(page.get_by_role("heading", name="登记投诉")).to_be_visible()
    await page.get_by_label("客户姓名").fill("吴海燕")
    await page.get_by_label("联系电话").fill("1381234")  # too short to be a number
    await page.get_by_label("投诉类别").select_option(label="质量")
    await page.get_by_label("紧急程度").select_option(label="高")
    await page.get_by_label("责任部门").select_option(label="客服部")
    await page.get_by_label("投诉内容").fill("卫生间墙面开裂, 师傅两次未按约上门")
    await page.get_by_role("button", name="登记投诉").click()
    # intake's 422 names customer.phone: the message is beside the phone field, in Chinese.
    phone = page.get_by_label("联系电话")
    await expect(phone).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#phone-error")).to_have_text(
        "请填写有效的中国手机号，或带区号的固定电话。"
    )
    await expect(page.get_by_label("投诉内容")).to_have_value("卫生间墙面开裂, 师傅两次未按约上门")
    await shoot(page, "complaint-new-invalid")
    await phone.fill(new_phone())
    await page.get_by_role("button", name="登记投诉").click()

    await expect(page.get_by_role("status")).to_have_text("投诉已登记。")
    await expect(page.locator(".state")).to_have_text("待处理")
    complaint_id = page.url.split("/complaints/")[1].split("?")[0]
    trail = page.locator("ol.trail")
    await expect(trail.locator(".trail-opened")).to_contain_text("li.na")

    await page.locator("#form-handoff summary").click()
    await page.get_by_label("转交部门").select_option(label="工程部")
    await page.get_by_label("转交说明").fill("墙面开裂需工程部现场查看")
    await page.get_by_role("button", name="转交", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("已转交。")
    await expect(trail.locator(".trail-handoff")).to_contain_text("客服部 → 工程部")

    await page.locator("#form-escalation summary").click()
    await page.get_by_label("升级原因").fill("客户第二次来电, 仍未安排上门")
    await page.get_by_role("button", name="升级", exact=True).click()
    await expect(page.locator(".state")).to_have_text("已升级")
    await expect(trail.locator(".trail-escalation")).to_contain_text("部门负责人")

    await page.locator("#form-cause summary").click()
    await page.get_by_label("投诉原因").select_option(label="施工质量")
    await page.get_by_label("调查情况").fill("墙面批荡未挂网, 干缩开裂")
    await page.get_by_role("button", name="保存原因").click()
    await expect(trail.locator(".trail-cause")).to_contain_text("施工质量")

    await page.locator("#form-resolution summary").click()
    await page.get_by_label("处理结果").fill("已重新批荡并刷漆")
    await page.get_by_label("提供的方案").fill("更换瓷砖\n补偿500元")
    await page.get_by_role("button", name="保存处理结果").click()
    await expect(page.locator(".state")).to_have_text("已处理，待确认回访")
    resolution = trail.locator(".trail-resolution")
    await expect(resolution.get_by_role("listitem")).to_have_text(["更换瓷砖", "补偿500元"])
    await expect(page.get_by_text("转交其他部门")).to_have_count(0)

    # The confirmation call is scheduled from the resolution's event: it appears on the page.
    await kd.kefu.callback("complaint_confirmation", complaint_id)
    await page.reload()
    confirm = page.get_by_role("region", name="确认回访")
    await confirm.get_by_role("group", name="是否接通").get_by_label("是").check()
    await confirm.get_by_role("group", name="客户对处理结果是否满意").get_by_label("是").check()
    await confirm.get_by_label("备注").fill("客户认可处理结果")
    await shoot(page, "complaint-case")
    await confirm.get_by_role("button", name="保存回访结果").click()
    await expect(page.get_by_role("status")).to_have_text("确认回访结果已记录，投诉状态随之更新。")
    # intake closes it when notifications reports the call: the page shows it after a reload.
    for _ in range(40):
        if await page.locator(".state").inner_text() == "已结案":
            break
        await page.wait_for_timeout(250)
        await page.reload()
    await expect(page.locator(".state")).to_have_text("已结案")
    await expect(trail.locator(".trail-confirmation")).to_contain_text("客户满意")


async def test_reception_registers_but_does_not_handle(page: Page, kd: Desk) -> None:
    await kd.add_user("he.qt", "reception", team="reception")
    await sign_in(page, kd, "he.qt")
    await page.goto(f"{kd.url}/complaints/new")
    await expect(page.get_by_label("投诉渠道")).to_have_value("reception")
    await page.get_by_label("客户姓名").fill("马丽")
    await page.get_by_label("联系电话").fill(new_phone())
    await page.get_by_label("投诉类别").select_option(label="服务")
    await page.get_by_label("责任部门").select_option(label="设计部")
    await page.get_by_label("投诉内容").fill("设计师不回电话")
    await shoot(page, "complaint-new")
    await page.get_by_role("button", name="登记投诉").click()
    await expect(page.get_by_role("status")).to_have_text("投诉已登记。")
    await expect(page.get_by_role("heading", name="下一步处理")).to_have_count(0)
    await expect(page.get_by_text("转交其他部门")).to_have_count(0)
