"""The console in a real browser, used as a person uses it: by labels and roles, with the
mouse and with the keyboard alone, at a desktop's and a phone's width."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.async_api import Page, expect

from tests.browser.conftest import shoot
from tests.support.console import PASSWORD, Desk
from tests.support.journeys import new_phone


async def sign_in(page: Page, kd: Desk, username: str, password: str = PASSWORD) -> None:
    await page.goto(f"{kd.url}/")
    await expect(page.get_by_role("heading", name="登录")).to_be_visible()
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录").click()


async def complaint(
    kd: Desk, name: str, opened: timedelta = timedelta(0), phone: str | None = None
) -> str:
    """A complaint for customer service, registered through intake's API (opened `opened` ago)."""
    body: dict[str, Any] = {
        "customer": {"name": name, "phone": phone or new_phone()},
        "channel": "phone",
        "category": "service",
        "severity": "normal",
        "description": "安装师傅迟到三个小时, 态度差",
        "department": "customer_service",
    }
    if opened:
        body["opened_at"] = (datetime.now(UTC) - opened).isoformat()
    created = await kd.kefu.post("intake", "/v1/complaints", body, headers=kd.kefu.auth("cs"))
    return str(created["id"])


async def task_of(kd: Desk, cid: str) -> dict[str, Any]:
    return await kd.kefu.callback("complaint_handling", cid, status="scheduled")


async def test_sign_in_shows_my_worklist_and_sign_out_ends_the_session(
    page: Page, kd: Desk
) -> None:
    await page.goto(f"{kd.url}/")
    await shoot(page, "signin")
    await sign_in(page, kd, "li.na", "wrong password")
    await expect(page.get_by_role("alert")).to_have_text("用户名或密码不正确。")
    await shoot(page, "signin-wrong")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_role("heading", name="我的回访任务")).to_be_visible()
    await expect(page.get_by_text("li.na · 客服 · 客服部")).to_be_visible()

    await page.get_by_role("button", name="退出登录").click()
    await expect(page.get_by_role("status")).to_have_text("您已退出登录。")
    await page.goto(f"{kd.url}/")
    await expect(page.get_by_role("heading", name="登录")).to_be_visible()


async def test_a_new_complaint_appears_on_my_open_worklist_without_a_reload(
    page: Page, kd: Desk
) -> None:
    await complaint(kd, "李强", opened=timedelta(hours=30))  # its task is overdue
    await complaint(kd, "陈静", opened=timedelta(hours=20))  # due within hours
    await sign_in(page, kd, "li.na")
    await expect(page.get_by_text("实时更新已开启")).to_be_visible()
    loads = await page.evaluate("performance.getEntriesByType('navigation').length")

    started = time.monotonic()
    phone = new_phone()
    cid = await complaint(kd, "王芳", phone=phone)
    task = page.locator(".task", has_text=cid)
    await expect(task).to_be_visible(timeout=2000)
    elapsed = time.monotonic() - started
    # Her name and the masked number; the link dials the full one (an agent calls customers).
    masked = f"{phone[:3]}****{phone[-4:]}"
    await expect(task.get_by_text("王芳")).to_be_visible()
    call = task.get_by_role("link", name=f"拨打 {masked}")
    await expect(call).to_have_text(masked)
    await expect(call).to_have_attribute("href", f"tel:{phone}")
    assert await page.evaluate("performance.getEntriesByType('navigation').length") == loads
    await expect(task.get_by_role("heading")).to_have_text("投诉处理")
    await expect(page.get_by_role("heading", name="已逾期")).to_be_visible()
    print(f"complaint registered → on the open page in {elapsed:.2f} s")
    await shoot(page, "worklist")


async def test_the_outcome_recorded_on_the_page_takes_the_task_off_the_list(
    page: Page, kd: Desk
) -> None:
    cid = await complaint(kd, "赵磊")
    await task_of(kd, cid)
    await sign_in(page, kd, "li.na")
    task = page.locator(".task", has_text=cid)
    await task.get_by_text("回访话术").click()
    await task.get_by_text("记录回访结果").click()
    await task.get_by_role("group", name="是否接通").get_by_label("是").check()
    await task.get_by_role("group", name="客户是否满意").get_by_label("是").check()
    await task.get_by_label("满意度评分").select_option("5")
    await task.get_by_label("备注").fill("已致歉并重新预约上门时间")
    await shoot(page, "outcome-form")
    await task.get_by_role("button", name="保存结果").click()
    await expect(page.get_by_role("status").filter(has_text="回访结果已保存")).to_have_text(
        "回访结果已保存，任务已完成。"
    )
    await expect(page.locator(".task", has_text=cid)).to_have_count(0)


async def test_a_task_finished_elsewhere_leaves_my_open_page(page: Page, kd: Desk) -> None:
    cid = await complaint(kd, "孙悦")
    task = await task_of(kd, cid)
    await sign_in(page, kd, "li.na")
    await expect(page.get_by_text("实时更新已开启")).to_be_visible()
    row = page.locator(".task", has_text=cid)
    await expect(row).to_be_visible()
    outcome = {"reached": True, "satisfied": True}
    await kd.kefu.post("notifications", f"/v1/callbacks/{task['id']}/outcome", outcome)
    await expect(row).to_have_count(0, timeout=5000)


async def test_a_forged_or_cross_site_form_changes_nothing(page: Page, kd: Desk) -> None:
    cid = await complaint(kd, "钱多")
    await task_of(kd, cid)
    await sign_in(page, kd, "li.na")
    task = page.locator(".task", has_text=cid)
    await task.get_by_text("记录回访结果").click()
    await task.get_by_role("group", name="是否接通").get_by_label("是").check()
    await task.locator("input[name=csrf_token]").evaluate("e => e.value = 'forged'")
    await task.get_by_role("button", name="保存结果").click()
    await expect(page.get_by_role("heading", name="表单未被接受")).to_be_visible()
    await shoot(page, "refused")

    # Another site's page posting the sign-out form: the browser does not send the session
    # cookie cross-site (SameSite), and the console would refuse the origin anyway.
    other = kd.url.replace("127.0.0.1", "localhost")
    await page.route(
        f"{other}/evil",
        lambda route: route.fulfill(
            content_type="text/html",
            body=f'<form method="post" action="{kd.url}/signout"><button>win</button></form>',
        ),
    )
    await page.goto(f"{other}/evil")
    await page.get_by_role("button", name="win").click()
    await page.goto(f"{kd.url}/")
    await expect(page.get_by_role("heading", name="我的回访任务")).to_be_visible()
    still = await kd.kefu.get("notifications", "/v1/callbacks", entity_id=cid)
    assert [c["status"] for c in still["items"]] == ["scheduled"]


async def test_repeated_wrong_passwords_pause_the_account(page: Page, kd: Desk) -> None:
    await kd.add_user("wu.fei", "reception", team="reception")
    for _ in range(3):
        await sign_in(page, kd, "wu.fei", "not the password")
        await expect(page.get_by_role("alert")).to_have_text("用户名或密码不正确。")
    await sign_in(page, kd, "wu.fei")
    await expect(page.get_by_role("alert")).to_have_text("登录失败次数过多，请 15 分钟后再试。")
    await shoot(page, "signin-throttled")


async def test_sign_in_with_the_keyboard_alone(page: Page, kd: Desk) -> None:
    await page.goto(f"{kd.url}/signin")
    await expect(page.get_by_label("用户名")).to_be_focused()
    await page.keyboard.type("li.na")
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("密码")).to_be_focused()
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="我的回访任务")).to_be_visible()
    await page.keyboard.press("Tab")  # the first stop of every page skips to its content
    await expect(page.get_by_role("link", name="跳到正文")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("main")).to_be_focused()
    # The first task's outcome form opens from the keyboard too.
    await complaint(kd, "郑好")
    await page.reload()
    # The complaint's own task (it may arrive live after the reload), not any earlier one.
    task = page.locator("li.task", has_text="郑好").first
    await expect(task).to_be_visible()
    await task.locator("summary", has_text="记录回访结果").focus()
    await page.keyboard.press("Enter")
    await expect(task.locator("details.outcome[open]")).to_be_visible()


async def test_english_is_one_click_away(page: Page, kd: Desk) -> None:
    await sign_in(page, kd, "li.na")
    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", name="My worklist")).to_be_visible()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    await shoot(page, "worklist-en")
    await page.get_by_role("link", name="中文").click()
    await expect(page.get_by_role("heading", name="我的回访任务")).to_be_visible()


async def test_the_admin_sees_the_sign_in_audit(page: Page, kd: Desk) -> None:
    await sign_in(page, kd, "zhou.admin")
    await page.get_by_role("link", name="登录审计").click()
    await expect(page.get_by_role("heading", name="登录审计", exact=True)).to_be_visible()
    await expect(page.get_by_role("heading", name="按用户统计的登录失败")).to_be_visible()
    await expect(page.get_by_role("row", name="zhou.admin")).to_be_visible()
    await shoot(page, "audit")
