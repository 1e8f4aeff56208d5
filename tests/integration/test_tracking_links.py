"""The customer's shipment page over the real services (NATS and Postgres real, the console
served on loopback): the SMS the fake gateway records carries a signed link; the link opens the
page without sign-in; a forged, altered, expired or revoked link and an unknown waybill all get
the same "not found"; the page reads logistics with a token that can read that one waybill for
that audience and nothing else; the openings are rate-limited per address (issue 19)."""

from __future__ import annotations

import asyncio
import json
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
from tests.support.tracking import (
    CONSIGNEE,
    DISPATCHED,
    SHIPPER,
    path_of,
    register,
    signed,
    sms_link,
    tampered,
)


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


async def test_the_dispatch_sms_carries_each_contact_their_own_link_to_the_page(
    kd: Desk,
) -> None:
    k = kd.kefu
    s = await register(k)
    await k.sent("shipment_dispatched", s["waybill"], count=2)
    to_consignee = await sms_link(k, s["consignee"], DISPATCHED)
    to_shipper = await sms_link(k, s["shipper"], DISPATCHED)
    assert to_consignee != to_shipper
    assert re.fullmatch(r"http://127\.0\.0\.1:8000/t/[A-Za-z0-9_-]{30,60}", to_consignee)
    # the text the message log keeps ends with the same link
    [logged] = [
        m
        for m in await k.messages(entity_id=s["waybill"], template="shipment_dispatched")
        if m["recipient"]["label"] == "consignee"
    ]
    assert logged["text"].endswith(to_consignee)

    async with httpx.AsyncClient(base_url=kd.url) as browser:
        page = await browser.get(path_of(to_consignee))
        assert page.status_code == 200, page.text
        html = page.text
        assert s["waybill"] in html and "已受理，待发出" in html
        assert "您是本运单的收货人" in html and "提货须知" in html
        assert "收货人本人的身份证原件" in html
        # names and phones masked, never in full; no receipt for the consignee
        assert "王**" in html and CONSIGNEE not in html and SHIPPER not in html
        assert s["consignee"] not in html and s["shipper"] not in html
        assert s["consignee"][:3] + "****" + s["consignee"][-4:] in html
        assert "回单" not in html
        assert page.headers["referrer-policy"] == "no-referrer"
        assert page.headers["cache-control"] == "no-store"
        assert "noindex" in page.headers["x-robots-tag"]

        shipper = await browser.get(path_of(to_shipper))
        assert shipper.status_code == 200
        assert "您是本运单的发货人" in shipper.text and "待收货人签署回单" in shipper.text

        english = await browser.get(path_of(to_consignee), cookies={"kefu_lang": "en"})
        assert (
            "Accepted, not yet departed" in english.text and "Collecting the goods" in english.text
        )


async def test_a_scan_and_a_delay_show_on_the_page(kd: Desk) -> None:
    k = kd.kefu
    s = await register(k, promised_hours=-1)  # promised an hour ago: late already
    wb = s["waybill"]
    await k.scan(wb, "departed", "SH01", headers=k.auth("branch", branch="SH01"))
    await k.scan(wb, "arrived_hub", "HZ05", headers=k.auth("branch", branch="HZ05"))
    await k.post(
        "logistics",
        f"/v1/shipments/{wb}/eta",
        {
            "eta": (datetime.now(UTC) + timedelta(hours=20)).isoformat(),
            "station": "HZ05",
            "note": "高速封路",
        },
        headers=k.auth("cs"),
    )
    link = await sms_link(k, s["consignee"], "SMS_008")  # the delay SMS carries a link too
    async with httpx.AsyncClient(base_url=kd.url) as browser:
        html = (await browser.get(path_of(link))).text
    assert "运输中" in html and "到达中转站 · HZ05" in html and "已发出 · SH01" in html
    assert "未能按原定时间到达，预计到达时间调整为" in html
    assert html.index("到达中转站") < html.index("已发出 · SH01")  # newest first
    assert "高速封路" not in html  # the station's note is staff's, not the customer's


async def test_forged_altered_expired_revoked_and_unknown_links_all_read_not_found(
    kd: Desk,
) -> None:
    k = kd.kefu
    s = await register(k)
    wb = s["waybill"]
    good = signed(wb)
    async with httpx.AsyncClient(base_url=kd.url) as browser:
        assert (await browser.get(good)).status_code == 200
        refused = {
            "altered": tampered(good),
            "expired": signed(wb, issued=datetime.now(UTC) - timedelta(days=31)),
            "unknown waybill": signed(f"NO{wb}"),
            "garbage": "/t/not-a-link",
            "too long": "/t/" + "A" * 400,
        }
        pages = {}
        for why, path in refused.items():
            r = await browser.get(path)
            assert r.status_code == 404, why
            pages[why] = same_page(r.text, path)
            assert wb not in r.text, why
        assert len(set(pages.values())) == 1, "every refusal is the same page"
        assert "未找到" in pages["altered"]

        runtime = kd.app.state.runtime
        async with kd.app.state.pool.acquire() as conn, transaction(conn):
            await revoke_links(
                runtime.context(conn), wb, [Audience.CONSIGNEE], "cs-li", "手机号变更"
            )
        revoked = await browser.get(good)
        assert revoked.status_code == 404 and same_page(revoked.text, good) == pages["altered"]
        shipper = signed(wb, Audience.SHIPPER, issued=datetime.now(UTC) - timedelta(minutes=1))
        assert (await browser.get(shipper)).status_code == 200  # the other audience's still opens
        fresh = signed(wb, issued=datetime.now(UTC) + timedelta(seconds=2))
        assert (await browser.get(fresh)).status_code == 200  # a link sent afterwards opens


async def test_the_link_token_reads_one_waybill_through_one_endpoint(
    kd: Desk, settings: Settings
) -> None:
    k = kd.kefu
    mine, theirs = await register(k), await register(k)
    wb = mine["waybill"]

    def as_link(audience: str, waybill: str = wb) -> dict[str, str]:
        token = issue_token(
            settings, role="tracking", waybill=waybill, audience=audience, ttl_seconds=60
        )
        return {"Authorization": f"Bearer {token}"}

    logistics = k.clients["logistics"]
    consignee = await logistics.get(f"/v1/shipments/{wb}/tracking", headers=as_link("consignee"))
    assert consignee.status_code == 200
    view = consignee.json()
    assert view["receipt"] is None, "the receipt is the shipper's business"
    assert view["consignee"]["name"] == "王**" and SHIPPER not in json.dumps(
        view, ensure_ascii=False
    )
    shipper = await logistics.get(f"/v1/shipments/{wb}/tracking", headers=as_link("shipper"))
    assert shipper.json()["receipt"]["status"] == "required"
    other = await logistics.get(
        f"/v1/shipments/{theirs['waybill']}/tracking", headers=as_link("consignee")
    )
    assert other.status_code == 404  # the same answer as a waybill that does not exist

    # Every other operation of every service refuses the token (403), whatever it names.
    checked = 0
    for name, app in k.apps.items():
        for path, ops in app.openapi()["paths"].items():
            for method in ops:
                if path == "/v1/shipments/{waybill}/tracking":
                    continue
                url = re.sub(r"\{waybill\}", wb, path)
                url = re.sub(r"\{[^}]+\}", "x", url)
                body: Any = {} if method in ("post", "put", "patch") else None
                r = await k.clients[name].request(
                    method.upper(), url, json=body, headers=as_link("shipper")
                )
                assert r.status_code == 403, f"{name} {method} {path}: {r.status_code}"
                checked += 1
    assert checked > 60


async def test_openings_are_limited_per_address(kd: Desk) -> None:
    s = await register(kd.kefu)
    good = signed(s["waybill"])
    before = kd.app.state.link_limit
    kd.app.state.link_limit = AddressLimit("3/minute", service="console", scope="link")
    try:
        async with httpx.AsyncClient(base_url=kd.url) as browser:
            answers = [await browser.get(good) for _ in range(3)]
            assert [a.status_code for a in answers] == [200, 200, 200]
            refused = await browser.get(good)
            assert refused.status_code == 429
            assert 1 <= int(refused.headers["retry-after"]) <= 60
            assert "访问过于频繁" in refused.text
            forged = await browser.get(tampered(good))
            assert forged.status_code == 429  # counted before the link is even read
    finally:
        kd.app.state.link_limit = before


async def test_staff_print_a_link_and_revoke_a_waybills_links_with_kefu(
    kd: Desk, settings: Settings
) -> None:
    s = await register(kd.kefu)
    wb = s["waybill"]
    env = {"KEFU_DATABASE_URL": settings.database_url, "KEFU_LINK_BASE_URL": kd.url}
    issued = await asyncio.to_thread(kefu, "link", "issue", wb, "--audience", "shipper", env=env)
    assert issued.returncode == 0, issued.stderr
    link = issued.stdout.strip()
    assert link.startswith(f"{kd.url}/t/")
    async with httpx.AsyncClient() as browser:
        page = await browser.get(link)
        assert page.status_code == 200 and "您是本运单的发货人" in page.text
        revoked = await asyncio.to_thread(
            kefu, "link", "revoke", wb, "--by", "cs-li", "--reason", "发货人要求", env=env
        )
        assert revoked.returncode == 0, revoked.stderr
        assert f"revoked the links to {wb} for consignee, shipper" in revoked.stdout
        assert (await browser.get(link)).status_code == 404
    refused = await asyncio.to_thread(
        kefu, "link", "issue", wb, "--audience", "shipper", env={"KEFU_ENV": "production"}
    )
    assert refused.returncode == 2 and "KEFU_LINK_SECRET" in refused.stderr
