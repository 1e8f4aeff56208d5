"""The console in tests: the five services in this process (the console reaches them through
in-process transports, no ports), the console served on a free loopback port for browsers
and SSE, accounts made through the console's own workflow, and a signed-in HTTP client."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from services.console.app import create_app
from services.console.config import BACKENDS, ConsoleSettings
from services.console.domain import Staff
from services.console.workflow.accounts import add_staff
from shared.db import transaction
from shared.settings import Settings
from tests.support.harness import running
from tests.support.journeys import Kefu, serve, system

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def console_app(settings: Settings, apps: dict[str, FastAPI], **config: Any) -> FastAPI:
    """A console whose service calls go to these in-process apps (the others unreachable)."""
    mounts = {f"http://{name}": httpx.ASGITransport(app=app) for name, app in apps.items()}
    cfg = ConsoleSettings.model_validate(
        {"service_urls": {name: f"http://{name}" for name in BACKENDS}, **config}
    )
    return create_app(settings, cfg, mounts=mounts)


@dataclass
class Desk:
    """The whole system with a console in front of it."""

    kefu: Kefu
    app: FastAPI
    url: str
    users: dict[str, Staff] = field(default_factory=dict)

    async def add_user(self, username: str, role: str, **claims: str) -> Staff:
        """An account with the test password, added as `kefu user add` adds it."""
        async with self.app.state.pool.acquire() as conn, transaction(conn):
            staff = await add_staff(
                self.app.state.runtime.context(conn), username, PASSWORD, role, **claims
            )
        self.users[username] = staff
        return staff

    def client(self, **kw: Any) -> httpx.AsyncClient:
        """A browser-like HTTP client of the served console (cookies kept, no redirects)."""
        return httpx.AsyncClient(base_url=self.url, headers={"Origin": self.url}, **kw)

    @asynccontextmanager
    async def signed_in(self, username: str, **kw: Any) -> AsyncIterator[httpx.AsyncClient]:
        """A client with a session for the account."""
        async with self.client(**kw) as c:
            assert (await sign_in(c, username)).status_code == 303
            yield c


async def sign_in(c: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    """Open the sign-in page and post its form, as a browser does."""
    page = await c.get("/signin")
    token = form_token(page.text)
    return await c.post(
        "/signin", data={"username": username, "password": password, "csrf_token": token}
    )


def form_token(html: str) -> str:
    """The first form token on a page."""
    found = CSRF.search(html)
    assert found, "the page has a form token"
    return found.group(1)


@asynccontextmanager
async def desk(settings: Settings, nats_url: str, **config: Any) -> AsyncIterator[Desk]:
    """The five services and a console, all in this process; the console on a free port."""
    async with system(settings, nats_url) as kefu, AsyncExitStack() as stack:
        app = console_app(settings, kefu.apps, **config)
        await stack.enter_async_context(running(app))
        url = await stack.enter_async_context(serve(app))
        yield Desk(kefu, app, url)
