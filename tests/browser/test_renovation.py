"""The renovation customer's page in a real browser, opened as a customer opens it: from the link
in the stage or payment SMS the fake gateway recorded, on a phone's width first, without
signing in (issue 19)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import NARROW, shoot
from tests.support.console import Desk
from tests.support.harness import eventually
from tests.support.renovation import (
    ADDRESS,
    CUSTOMER,
    PAYMENT_DUE,
    STAGE_CHANGED,
    customer_project,
    report_repair,
    signed_project,
    under_warranty,
)
from tests.support.tracking import path_of, sms_link, tampered


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A phone's browser: 390 px wide, Chinese, no cookies."""
    ctx = await browser.new_context(viewport=NARROW, locale="zh-CN", is_mobile=True)
    yield ctx
    await ctx.close()


@pytest.fixture
async def customer(phone: BrowserContext) -> Page:
    return await phone.new_page()


async def test_the_customer_opens_the_payment_sms_link_and_sees_what_is_due(
    customer: Page, kd: Desk
) -> None:
    k = kd.kefu
    project = await customer_project(k, "midterm_accepted", pay=False)
    pid, phone = project["project_id"], project["phone"]
    await k.sent("payment_due", pid, timeout=120)  # the midterm's, due from its acceptance

    def midterm_link() -> str | None:
        """The link in the SMS asking for the midterm instalment (30 %: 60,000 yuan)."""
        for sms in k.sms_to(phone):
            params = json.loads(sms["template_param"])
            if sms["template_code"] == PAYMENT_DUE and params["amount"] == "60,000.00":
                return str(params["link"])
        return None

    link = await eventually(midterm_link, timeout=60, interval=0.2)
    answer = await customer.goto(kd.url + path_of(link))
    assert answer is not None and answer.status == 200
    await expect(customer.get_by_role("heading", name="我的装修工程")).to_be_visible()
    await expect(customer.get_by_role("status")).to_have_text("当前阶段：中期验收")
    phases = customer.get_by_role("list", name="工程进度")
    await expect(phases.locator("[aria-current=step]")).to_have_text("施工")
    nxt = customer.get_by_role("region", name="接下来")
    await expect(nxt).to_contain_text("下一阶段是木工验收")
    plan = customer.get_by_role("region", name="付款计划")
    await expect(plan.get_by_role("alert")).to_contain_text("支付中期款 ¥60,000.00")
    await expect(plan.get_by_role("listitem")).to_have_count(3)
    await expect(plan.get_by_role("listitem").first).to_contain_text("已付清")
    await expect(plan.get_by_role("listitem").nth(1)).to_contain_text("待支付")
    await expect(plan.get_by_role("listitem").nth(2)).to_contain_text("竣工后开始计算付款期限")
    warranty = customer.get_by_role("region", name="保修单")
    await expect(warranty).to_contain_text("竣工结算后发放保修单")
    await expect(customer.get_by_role("region", name="维修")).to_contain_text(
        "目前没有进行中的维修"
    )
    await expect(customer.get_by_text("赵*，您好！")).to_be_visible()
    await expect(customer.get_by_text(CUSTOMER)).to_have_count(0)
    await expect(customer.get_by_text(ADDRESS)).to_have_count(0)
    await shoot(customer, "reno-payment-due")


async def test_the_customer_sees_the_warranty_card_and_the_open_repair(
    customer: Page, kd: Desk
) -> None:
    k = kd.kefu
    project = await under_warranty(k)
    pid, phone = project["project_id"], project["phone"]
    rid = await report_repair(k, project, "卫生间吊顶渗水")
    survey = datetime.now(UTC) + timedelta(days=1)
    tech = k.auth("aftersales", sub="sun.as")
    await k.post("aftersales", f"/v1/repairs/{rid}/assignment", {"staff": "sun.as"}, headers=tech)
    await k.post(
        "aftersales", f"/v1/repairs/{rid}/survey-booking", {"at": survey.isoformat()}, headers=tech
    )
    await k.sent("project_stage", pid, count=14, timeout=120)  # every stage, the warranty's last
    link = await sms_link(k, phone, STAGE_CHANGED)

    answer = await customer.goto(kd.url + path_of(link))
    assert answer is not None and answer.status == 200
    await expect(customer.get_by_role("status")).to_have_text("当前阶段：保修")
    phases = customer.get_by_role("list", name="工程进度")
    await expect(phases.locator("[aria-current=step]")).to_have_text("保修")
    await expect(customer.get_by_role("region", name="接下来")).to_contain_text("工程已进入保修期")
    plan = customer.get_by_role("region", name="付款计划")
    await expect(plan.get_by_text("已付清", exact=True)).to_have_count(3)
    await expect(plan.get_by_role("alert")).to_have_count(0)
    warranty = customer.get_by_role("region", name="保修单")
    await expect(warranty).to_contain_text(project["card_no"])
    await expect(warranty).to_contain_text("有效期至")
    await expect(warranty).to_contain_text("保修期内的质量问题免费维修")
    repairs = customer.get_by_role("region", name="维修")
    await expect(repairs.get_by_role("listitem")).to_have_count(1)
    await expect(repairs).to_contain_text("卫生间吊顶渗水")
    await expect(repairs).to_contain_text("下一步：上门勘察")
    await expect(customer.get_by_text("sun.as")).to_have_count(0)
    await shoot(customer, "reno-warranty")

    await customer.get_by_role("link", name="English").click()
    await expect(customer.get_by_role("heading", name="My renovation")).to_be_visible()
    await expect(customer.get_by_role("region", name="Repairs")).to_contain_text("site survey at")
    await shoot(customer, "reno-warranty-en")


async def test_a_tampered_and_an_expired_link_show_not_found(customer: Page, kd: Desk) -> None:
    project = await customer_project(kd.kefu, "measurement")
    pid = project["project_id"]
    for path in (
        tampered(signed_project(pid)),
        signed_project(pid, issued=datetime.now(UTC) - timedelta(days=31)),
    ):
        answer = await customer.goto(kd.url + path)
        assert answer is not None and answer.status == 404
        await expect(customer.get_by_role("heading", name="未找到")).to_be_visible()
        await expect(customer.get_by_text("装修")).to_have_count(0)
    await shoot(customer, "reno-not-found")
