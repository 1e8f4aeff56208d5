"""The customer's shipment page in a real browser, opened as a customer opens it: from the link
in the SMS the fake gateway recorded, on a phone's width first, without signing in (issue 19)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from shared.web.ratelimit import AddressLimit
from tests.browser.conftest import NARROW, shoot
from tests.support.console import Desk
from tests.support.tracking import (
    DISPATCHED,
    path_of,
    register,
    signed,
    sms_link,
    tampered,
)


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A phone's browser: 390 px wide, Chinese, no cookies."""
    ctx = await browser.new_context(viewport=NARROW, locale="zh-CN", is_mobile=True)
    yield ctx
    await ctx.close()


@pytest.fixture
async def customer(phone: BrowserContext) -> Page:
    return await phone.new_page()


async def test_the_consignee_opens_the_sms_link_and_sees_status_and_timeline(
    customer: Page, kd: Desk
) -> None:
    k = kd.kefu
    s = await register(k)
    wb = s["waybill"]
    link = await sms_link(k, s["consignee"], DISPATCHED)
    await k.scan(wb, "departed", "SH01", headers=k.auth("branch", branch="SH01"))
    await k.scan(wb, "arrived_hub", "HZ05", headers=k.auth("branch", branch="HZ05"))

    answer = await customer.goto(kd.url + path_of(link))
    assert answer is not None and answer.status == 200
    await expect(customer.get_by_role("heading", name=f"运单 {wb}")).to_be_visible()
    await expect(customer.get_by_role("status")).to_have_text("运输中")
    progress = customer.get_by_role("list", name="运输进度")
    await expect(progress.locator("[aria-current=step]")).to_have_text("运输中")
    timeline = customer.get_by_role("region", name="物流轨迹").get_by_role("listitem")
    await expect(timeline).to_have_count(2)
    await expect(timeline.first).to_contain_text("到达中转站 · HZ05")
    await expect(customer.get_by_role("region", name="提货须知")).to_contain_text("身份证原件")
    await expect(customer.get_by_text("王**")).to_be_visible()
    await expect(customer.get_by_role("region", name="回单")).to_have_count(0)
    await shoot(customer, "track-consignee")

    await customer.get_by_role("link", name="English").click()
    await expect(customer.get_by_role("heading", name=f"Waybill {wb}")).to_be_visible()
    await expect(customer.get_by_role("status")).to_have_text("In transit")
    await shoot(customer, "track-consignee-en")


async def test_the_shipper_sees_the_receipt_and_a_late_shipment_says_why_and_when(
    customer: Page, kd: Desk
) -> None:
    k = kd.kefu
    s = await register(k, promised_hours=-2)
    wb = s["waybill"]
    await k.scan(wb, "departed", "SH01", headers=k.auth("branch", branch="SH01"))
    eta = datetime.now(UTC) + timedelta(hours=20)
    await k.post(
        "logistics",
        f"/v1/shipments/{wb}/eta",
        {"eta": eta.isoformat(), "station": "HZ05", "note": "高速封路"},
        headers=k.auth("cs"),
    )
    link = await sms_link(k, s["shipper"], "SMS_008")
    await customer.goto(kd.url + path_of(link))
    await expect(customer.get_by_role("alert")).to_contain_text("预计到达时间调整为")
    await expect(customer.get_by_role("region", name="回单")).to_contain_text("待收货人签署回单")
    await expect(customer.get_by_text("您是本运单的发货人。")).to_be_visible()
    await shoot(customer, "track-shipper-delayed")


async def test_a_tampered_and_an_expired_link_show_not_found(customer: Page, kd: Desk) -> None:
    s = await register(kd.kefu)
    wb = s["waybill"]
    for path in (
        tampered(signed(wb)),
        signed(wb, issued=datetime.now(UTC) - timedelta(days=31)),
    ):
        answer = await customer.goto(kd.url + path)
        assert answer is not None and answer.status == 404
        await expect(customer.get_by_role("heading", name="未找到")).to_be_visible()
        await expect(customer.get_by_text(wb)).to_have_count(0)
    await shoot(customer, "track-not-found")


async def test_too_many_openings_from_one_address_answer_429(customer: Page, kd: Desk) -> None:
    s = await register(kd.kefu)
    path = signed(s["waybill"])
    before = kd.app.state.link_limit
    kd.app.state.link_limit = AddressLimit("2/minute", service="console", scope="link")
    try:
        statuses = []
        for _ in range(3):
            answer = await customer.goto(kd.url + path)
            assert answer is not None
            statuses.append(answer.status)
        assert statuses == [200, 200, 429]
        await expect(customer.get_by_role("heading", name="请稍后再试")).to_be_visible()
        await shoot(customer, "track-busy")
    finally:
        kd.app.state.link_limit = before
