"""Debian's Chromium driven by Playwright (never `playwright install`), the whole system with
the console in this process, and a screenshot helper."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from shared.settings import Settings
from tests.support.console import Desk, desk
from tests.support.harness import Servers

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(__file__).parent / "screenshots"
WIDE = {"width": 1280, "height": 720}
NARROW = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser
# A page waits for what a person would wait for; on a busy machine the services behind it are
# slower than Playwright's 5 s default (each assertion still passes the moment it holds).
expect.set_options(timeout=15_000)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("Debian's chromium is not installed (./dev test installs it as root)")
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        await b.close()


@pytest.fixture(scope="module")
async def kd(servers: Servers, settings: Settings) -> AsyncIterator[Desk]:
    """The system with a console; sessions outlive the clock moves of the tests, and a person
    is paused after three failed sign-ins (to see the refusal without many tries)."""
    async with desk(
        settings,
        servers.nats_url,
        session_idle_minutes=10**5,
        session_max_hours=10**3,
        user_failures=3,
    ) as d:
        await d.add_user("li.na", "cs", team="customer_service")
        await d.add_user("zhou.admin", "admin")
        yield d


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A fresh browser profile (no cookies) at the desktop size."""
    ctx = await browser.new_context(viewport=WIDE, locale="zh-CN")
    yield ctx
    await ctx.close()


@pytest.fixture
async def page(context: BrowserContext) -> Page:
    return await context.new_page()


async def shoot(page: Page, name: str) -> None:
    """Screenshots of the page as it is, at 1280×720 and 390 px wide (full height), and no
    sideways scrolling at either width."""
    SHOTS.mkdir(exist_ok=True)
    before = page.viewport_size or WIDE
    for label, size in (("1280", WIDE), ("390", NARROW)):
        await page.set_viewport_size(size)
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {label} px"
        await page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    await page.set_viewport_size(before)
