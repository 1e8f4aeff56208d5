"""The renovation customer's page over the real services (NATS and Postgres real, the console
served on loopback): a signed link opens it without sign-in; the page reads projects and
aftersales with a token that can read that one project's customer views and nothing else; a
forged, altered, expired or revoked link and an unknown project all get the shipment page's
same "not found"; the openings are rate-limited per address (issue 19)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.console.workflow.tracking import revoke_links
from shared.db import transaction
from shared.links import Audience
from shared.settings import Settings
from shared.web.auth import issue_token
from shared.web.ratelimit import AddressLimit
from tests.support.console import Desk, desk
from tests.support.harness import Servers
from tests.support.renovation import (
    ADDRESS,
    CUSTOMER,
    PAYMENT_DUE,
    STAGE_CHANGED,
    customer_project,
    report_repair,
    signed_project,
)
from tests.support.tracking import path_of, sms_link, tampered

# The two endpoints a project_view token may call, each for its own project only.
CUSTOMER_VIEWS = {
    ("projects", "/v1/projects/{project_id}/customer-view"),
    ("aftersales", "/v1/projects/{project_id}/open-repairs"),
}


@pytest.fixture(scope="module")
async def kd(servers: Servers, settings: Settings) -> AsyncIterator[Desk]:
    async with desk(settings, servers.nats_url, link_rate_limit="1000/minute") as d:
        yield d


def kefu(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`kefu …` in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "tooling.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


def same_page(html: str, path: str) -> str:
    """A page with the link's own token (echoed in the language switch) taken out."""
    return html.replace(path.removeprefix("/t/"), "TOKEN")


async def test_the_link_token_reads_one_project_through_its_customer_views(
    kd: Desk, settings: Settings
) -> None:
    k = kd.kefu
    mine = await customer_project(k, "contract")
    theirs = await customer_project(k, "quotation")
    pid, other = mine["project_id"], theirs["project_id"]
    await report_repair(k, mine, "卫生间吊顶渗水")
    await report_repair(k, theirs, "客厅地板起拱")

    def as_link(project: str = pid) -> dict[str, str]:
        token = issue_token(
            settings, role="project_view", project=project, audience="customer", ttl_seconds=60
        )
        return {"Authorization": f"Bearer {token}"}

    projects, aftersales = k.clients["projects"], k.clients["aftersales"]
    found = await projects.get(f"/v1/projects/{pid}/customer-view", headers=as_link())
    assert found.status_code == 200, found.text
    view = found.json()
    assert view["stage"] == "contract" and view["next"]["stage"] == "works_started"
    assert set(view["next"]["waiting_for"]) >= {"contract_not_effective", "drawings_not_signed"}
    assert view["address"] == "上海市浦东新区****" and ADDRESS not in found.text
    assert view["customer_name"] == "赵*" and CUSTOMER not in found.text
    assert [p["installment"] for p in view["plan"]] == ["first", "midterm", "final"]
    assert view["due_now"]["installment"] == "first" and not view["due_now"]["overdue"]
    assert view["warranty"] is None
    for staff in ("eng-chen", "fin-liu", "designer", "project_manager"):
        assert staff not in found.text
    repairs = await aftersales.get(f"/v1/projects/{pid}/open-repairs", headers=as_link())
    assert repairs.status_code == 200, repairs.text
    [ticket] = repairs.json()["items"]
    assert ticket["problem"] == "卫生间吊顶渗水" and ticket["next"]["step"] == "contact"
    assert "客厅地板起拱" not in repairs.text

    # Project A's token reads nothing of project B: the same 404 as a project never heard of.
    for client, path in (
        (projects, f"/v1/projects/{other}/customer-view"),
        (aftersales, f"/v1/projects/{other}/open-repairs"),
        (projects, "/v1/projects/no-such-project/customer-view"),
    ):
        refused = await client.get(path, headers=as_link())
        assert refused.status_code == 404, path
        assert other not in refused.text or "no project" in refused.text
    assert (
        await projects.get(f"/v1/projects/{other}/customer-view", headers=as_link(other))
    ).status_code == 200

    # Every other operation of every service refuses the token (403), whatever it names.
    checked = 0
    for name, app in k.apps.items():
        for path, ops in app.openapi()["paths"].items():
            if (name, path) in CUSTOMER_VIEWS:
                continue
            for method in ops:
                url = re.sub(r"\{project_id\}", pid, path)
                url = re.sub(r"\{[^}]+\}", "x", url)
                body: Any = {} if method in ("post", "put", "patch") else None
                r = await k.clients[name].request(method.upper(), url, json=body, headers=as_link())
                assert r.status_code == 403, f"{name} {method} {path}: {r.status_code}"
                checked += 1
    assert checked > 60


async def test_the_link_opens_the_page_and_bad_links_read_not_found(kd: Desk) -> None:
    k = kd.kefu
    project = await customer_project(k, "contract")
    pid = project["project_id"]
    await report_repair(k, project, "厨房插座不通电")
    good = signed_project(pid)
    async with httpx.AsyncClient(base_url=kd.url) as browser:
        page = await browser.get(good)
        assert page.status_code == 200, page.text
        html = page.text
        for shown in (
            "我的装修工程",
            "当前阶段：签订施工合同",
            "下一阶段是开工，还需要：",
            "付清首期款（施工合同随即生效）",
            "首期款",
            "待支付",
            "竣工结算后发放保修单",
            "厨房插座不通电",
            "售后人员将致电与您预约上门勘察",
            "赵*",
            "上海市浦东新区****",
        ):
            assert shown in html, shown
        assert CUSTOMER not in html and ADDRESS not in html
        assert page.headers["referrer-policy"] == "no-referrer"
        assert page.headers["cache-control"] == "no-store"
        assert "noindex" in page.headers["x-robots-tag"]
        english = await browser.get(good, cookies={"kefu_lang": "en"})
        assert "My renovation" in english.text and "Payment plan" in english.text

        refused = {
            "altered": tampered(good),
            "expired": signed_project(pid, issued=datetime.now(UTC) - timedelta(days=31)),
            "unknown project": signed_project(f"no-{pid}"),
            "garbage": "/t/not-a-link",
        }
        pages = {}
        for why, path in refused.items():
            r = await browser.get(path)
            assert r.status_code == 404, why
            pages[why] = same_page(r.text, path)
            assert pid not in r.text and "装修" not in r.text, why
        assert len(set(pages.values())) == 1, "every refusal is the same page"
        assert "未找到" in pages["altered"]

        runtime = kd.app.state.runtime
        async with kd.app.state.pool.acquire() as conn, transaction(conn):
            await revoke_links(runtime.context(conn), pid, [Audience.CUSTOMER], "cs-li", "换号")
        revoked = await browser.get(good)
        assert revoked.status_code == 404 and same_page(revoked.text, good) == pages["altered"]
        fresh = signed_project(pid, issued=datetime.now(UTC) + timedelta(seconds=2))
        assert (await browser.get(fresh)).status_code == 200  # a link sent afterwards opens


async def test_openings_are_limited_per_address(kd: Desk) -> None:
    project = await customer_project(kd.kefu, "consultation")
    good = signed_project(project["project_id"])
    before = kd.app.state.link_limit
    kd.app.state.link_limit = AddressLimit("2/minute", service="console", scope="link")
    try:
        async with httpx.AsyncClient(base_url=kd.url) as browser:
            answers = [await browser.get(good) for _ in range(2)]
            assert [a.status_code for a in answers] == [200, 200]
            refused = await browser.get(good)
            assert refused.status_code == 429
            assert 1 <= int(refused.headers["retry-after"]) <= 60
            assert "访问过于频繁" in refused.text
    finally:
        kd.app.state.link_limit = before


async def test_staff_print_and_revoke_a_projects_link_with_kefu(
    kd: Desk, settings: Settings
) -> None:
    project = await customer_project(kd.kefu, "consultation")
    pid = project["project_id"]
    env = {"KEFU_DATABASE_URL": settings.database_url, "KEFU_LINK_BASE_URL": kd.url}
    issued = await asyncio.to_thread(kefu, "link", "issue", pid, "--project", env=env)
    assert issued.returncode == 0, issued.stderr
    link = issued.stdout.strip()
    assert link.startswith(f"{kd.url}/t/")
    async with httpx.AsyncClient() as browser:
        page = await browser.get(link)
        assert page.status_code == 200 and "当前阶段：咨询" in page.text
        revoked = await asyncio.to_thread(
            kefu, "link", "revoke", pid, "--project", "--by", "cs-li", env=env
        )
        assert revoked.returncode == 0, revoked.stderr
        assert f"revoked the links to {pid} for customer" in revoked.stdout
        assert (await browser.get(link)).status_code == 404
    mixed = await asyncio.to_thread(
        kefu, "link", "issue", pid, "--project", "--audience", "shipper", env=env
    )
    assert mixed.returncode != 0 and "--project" in mixed.stderr + mixed.stdout


async def test_the_stage_and_payment_sms_carry_the_customers_link(kd: Desk) -> None:
    k = kd.kefu
    project = await customer_project(k, "contract")
    pid, phone = project["project_id"], project["phone"]
    await k.sent("payment_due", pid, timeout=120)  # the first instalment, due at signing
    due = await sms_link(k, phone, PAYMENT_DUE)
    stage = await sms_link(k, phone, STAGE_CHANGED)
    for link in (due, stage):
        assert re.fullmatch(r"http://127\.0\.0\.1:8000/t/[A-Za-z0-9_-]{60,90}", link), link
    [logged] = await k.messages(entity_id=pid, template="payment_due")
    assert logged["text"].endswith(f"前支付。查看：{due}")
    staged = [m["text"] for m in await k.messages(entity_id=pid, template="project_stage")]
    assert "您的装修项目" in staged[0] and "阶段。进度和下一步：" in staged[0]
    async with httpx.AsyncClient(base_url=kd.url) as browser:
        for link in (due, stage):
            page = await browser.get(path_of(link))
            assert page.status_code == 200, page.text
            assert "当前阶段：签订施工合同" in page.text and "请于" in page.text
