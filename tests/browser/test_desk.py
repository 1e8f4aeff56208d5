"""The branch desk in a real browser, as a branch clerk works it: the desk's lists, a scan,
the release form (its requirements, the refusal of a one-character name mismatch, the release),
a receipt step, and another branch kept out."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import Page, expect

from shared.calendar import BUSINESS_TZ
from tests.browser.conftest import shoot
from tests.support.console import PASSWORD, Desk, form_token
from tests.support.journeys import shipment_body, uid

# A well-formed national ID number (17 digits and a check character): typed at the counter,
# it must never come back in a page, nor reach a log.
ID_NUMBER = "11010519491231002X"


async def sign_in(page: Page, kd: Desk, username: str) -> None:
    await page.goto(f"{kd.url}/")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()


async def ship(kd: Desk, waybill: str, route: tuple[str, ...], **extra: Any) -> None:
    """A shipment to 杨民敬 with a receipt, registered through logistics' API."""
    now = datetime.now(BUSINESS_TZ)
    body = shipment_body(waybill, route, "east", now + timedelta(days=2), **extra)
    body["consignee"]["name"] = "杨民敬"
    body["receipt"] = {"required": True}
    await kd.kefu.post("logistics", "/v1/shipments", body)


async def test_a_clerk_scans_an_arrival_is_refused_for_the_wrong_name_then_releases(
    page: Page, kd: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    u = uid()
    origin, dest = f"O{u}", f"D{u}"
    waybill = f"W{u}"
    await ship(kd, waybill, (origin, dest))
    await kd.kefu.scan(waybill, "departed", origin)
    # A shipment whose receipt is overdue: it arrived twelve days ago (ten days' grace).
    late = f"R{u}"
    await ship(kd, late, (origin, dest), dispatched_at=_ago(days=14))
    await kd.kefu.scan(
        late, "arrived_destination", dest, at=datetime.now(BUSINESS_TZ) - timedelta(days=12)
    )
    clerk = f"clerk.{u.lower()}"
    await kd.add_user(clerk, "branch", branch=dest)

    # The clerk lands on the desk: the shipment on its way, the late receipt.
    await sign_in(page, kd, clerk)
    await expect(page.get_by_role("heading", name=f"网点工作台 · {dest}")).to_be_visible()
    arriving = page.get_by_role("region", name="待到货")
    await expect(arriving.get_by_role("link", name=waybill)).to_be_visible()
    overdue = page.get_by_role("region", name="逾期回单")
    await expect(overdue.get_by_role("link", name=late)).to_be_visible()
    await expect(overdue.get_by_text("逾期 2 天")).to_be_visible()
    await shoot(page, "desk")

    # The truck is in: scan it arrived at this branch.
    await arriving.get_by_role("link", name=waybill).click()
    await expect(page.get_by_role("heading", name=f"运单 {waybill}")).to_be_visible()
    await page.get_by_label("扫描类型").select_option(label="到达目的网点")
    await page.get_by_role("button", name="登记扫描").click()
    await expect(page.get_by_role("status")).to_have_text("已登记扫描：到达目的网点。")
    await expect(page.get_by_text("已到达", exact=True)).to_be_visible()
    await expect(page.get_by_text(f"到达目的网点 · {dest}")).to_be_visible()
    await shoot(page, "shipment")

    # The release form says what the rules require before asking for anything.
    await page.get_by_role("link", name="放货").click()
    needs = page.get_by_role("region", name="放货要求")
    await expect(needs.get_by_text("收货人 杨民敬 的身份证原件（复印件无效）。")).to_be_visible()
    await expect(needs.get_by_text("完全一致", exact=False)).to_be_visible()
    await expect(needs.get_by_text("代人提货", exact=False)).to_be_visible()
    id_field = page.get_by_label("收货人身份证号（原件）")
    await expect(id_field).to_have_attribute("type", "password")
    # 核对票据预留电话: the counter may check the phone on the waybill when the name differs.
    await expect(page.get_by_label("票据预留电话（证件姓名与收货人不一致时核对）")).to_be_visible()

    # One character off: refused, with the reason and the proof it needs.
    await page.get_by_label("证件上的姓名").fill("杨明静")
    await id_field.fill(ID_NUMBER)
    await page.get_by_role("button", name="核验并放货").click()
    refusal = page.get_by_role("alert")
    await expect(refusal).to_contain_text("不能放货")
    await expect(refusal).to_contain_text(
        "证件姓名「杨明静」与运单收货人「杨民敬」不一致，不能放货。需要发货人出具的收货人变更证明"
    )
    # The number is gone: not in the field, not anywhere in the page.
    await expect(page.get_by_label("证件上的姓名")).to_have_value("杨明静")
    await expect(page.get_by_label("收货人身份证号（原件）")).to_have_value("")
    assert ID_NUMBER not in await page.content()
    assert ID_NUMBER[:-4] not in await page.content()
    await shoot(page, "release-refused")

    # The right name: released, the waybill signed for.
    await page.get_by_label("证件上的姓名").fill("杨民敬")
    await page.get_by_label("收货人身份证号（原件）").fill(ID_NUMBER)
    await page.get_by_role("button", name="核验并放货").click()
    await expect(page.get_by_role("status")).to_have_text("已放货，运单已签收。")
    await expect(page.get_by_text("已签收", exact=True)).to_be_visible()
    await expect(page.get_by_text("放货给 杨民敬（已核验证件）")).to_be_visible()
    assert ID_NUMBER not in await page.content()
    shipment = await kd.kefu.get("logistics", f"/v1/shipments/{waybill}")
    assert shipment["status"] == "signed"

    # The receipt: the destination signs it, from the same page.
    await page.get_by_role("button", name="登记：回单已签").click()
    await expect(page.get_by_role("status")).to_have_text("回单已登记：到站签回单。")
    await expect(page.get_by_role("button", name="登记：回单已寄出")).to_be_visible()
    await shoot(page, "shipment-released")

    logged = "\n".join(r.getMessage() + repr(getattr(r, "fields", "")) for r in caplog.records)
    assert ID_NUMBER not in logged and ID_NUMBER[:-4] not in logged


async def test_another_branch_gets_not_found_for_the_waybill(page: Page, kd: Desk) -> None:
    u = uid()
    waybill = f"W{u}"
    await ship(kd, waybill, (f"O{u}", f"D{u}"))
    stranger = f"clerk.x{u.lower()}"
    await kd.add_user(stranger, "branch", branch=f"X{u}")
    await sign_in(page, kd, stranger)
    await expect(page.get_by_role("heading", name=f"网点工作台 · X{u}")).to_be_visible()
    await expect(page.get_by_role("link", name=waybill)).to_have_count(0)

    for path in (f"/shipments/{waybill}", f"/shipments/{waybill}/release"):
        answer = await page.goto(f"{kd.url}{path}")
        assert answer is not None and answer.status == 404
        await expect(page.get_by_role("heading", name="未找到运单")).to_be_visible()
        await expect(page.get_by_role("alert")).to_have_text(
            f"没有找到运单 {waybill}。请核对运单号。"
        )
        await expect(page.get_by_text("杨民敬")).to_have_count(0)
    # The desk's waybill box lands on the same answer.
    await page.goto(f"{kd.url}/desk")
    await page.get_by_label("运单号").fill(waybill)
    await page.get_by_role("button", name="打开").click()
    await expect(page.get_by_role("heading", name="未找到运单")).to_be_visible()
    await shoot(page, "shipment-not-found")


async def test_a_misshapen_id_or_an_unconfirmed_delegate_is_refused_without_the_numbers(
    kd: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    u = uid()
    dest, waybill = f"D{u}", f"W{u}"
    await ship(kd, waybill, (f"O{u}", dest))
    await kd.kefu.scan(waybill, "arrived_destination", dest)
    clerk = f"clerk.m{u.lower()}"
    await kd.add_user(clerk, "branch", branch=dest)
    delegate_id = "110105198001011238"
    async with kd.signed_in(clerk) as c:
        form = {
            "csrf_token": form_token((await c.get(f"/shipments/{waybill}/release")).text),
            "name": "杨民敬",
            "id_number": "1101051949ABCD",
            "delegate_name": "王五",
            "delegate_id_number": delegate_id,
        }
        r = await c.post(f"/shipments/{waybill}/release", data=form)
        assert r.status_code == 422
        assert "身份证号格式不正确" in r.text and 'value="王五"' in r.text
        assert "1101051949ABCD" not in r.text and delegate_id not in r.text

        # A delegate without the consignee's phone confirmation: refused, worded, no numbers.
        r = await c.post(f"/shipments/{waybill}/release", data={**form, "id_number": ID_NUMBER})
        assert r.status_code == 409, re.findall(r'<ul class="error".*?</ul>', r.text, re.S)
        assert "代人提货须先电话联系收货人 杨民敬（运单上的号码）确认。" in r.text
        assert ID_NUMBER not in r.text and delegate_id not in r.text
        r = await c.post(
            f"/shipments/{waybill}/release",
            data={**form, "id_number": ID_NUMBER, "phone_confirmed": "yes"},
        )
        assert r.status_code == 303
        page = (await c.get(r.headers["location"])).text
        assert "放货：收货人 杨民敬，由 王五 代提（已核验证件）" in page
        assert ID_NUMBER[-4:] not in page and delegate_id[-4:] not in page

    # The logistics desk opens any branch's desk by its code; customer service has none.
    await kd.add_user(f"desk.{u.lower()}", "logistics")
    async with kd.signed_in(f"desk.{u.lower()}") as c:
        r = await c.get("/desk", params={"branch": dest})
        assert r.status_code == 200 and f"网点工作台 · {dest}" in r.text
        r = await c.get(f"/shipments/{waybill}")
        assert r.status_code == 200 and "已签收" in r.text
    await kd.add_user(f"cs.{u.lower()}", "cs", team="customer_service")
    async with kd.signed_in(f"cs.{u.lower()}") as c:
        assert (await c.get("/desk")).status_code == 403
    logged = "\n".join(r.getMessage() + repr(getattr(r, "fields", "")) for r in caplog.records)
    assert ID_NUMBER not in logged and delegate_id not in logged


def _ago(days: int) -> str:
    return (datetime.now(BUSINESS_TZ) - timedelta(days=days)).isoformat()
