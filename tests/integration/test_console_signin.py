"""Console sign-in on real Postgres: sessions, sign-out, CSRF refusals, the throttle per user
and per address (shared by replicas), expiry on the console's clock, the account command."""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from services.console.workflow.sessions import token_hash
from services.notifications.app import create_app as notifications_app
from shared.settings import Settings
from tests.support.console import PASSWORD, console_app, form_token, sign_in
from tests.support.harness import running
from tooling import cli

BASE = "http://console.test"


def new_name() -> str:
    return f"u{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
async def notifications(settings: Settings) -> AsyncIterator[FastAPI]:
    """The service the worklist (the page after sign-in) reads."""
    app = notifications_app(settings)
    async with running(app):
        yield app


@asynccontextmanager
async def console(
    settings: Settings, apps: dict[str, FastAPI], **config: object
) -> AsyncIterator[FastAPI]:
    app = console_app(settings, apps, **config)
    async with running(app):
        yield app


def browser(app: FastAPI, address: str = "127.0.0.1", base: str = BASE) -> httpx.AsyncClient:
    """A client from one address whose forms come from the console's own pages."""
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url=base, headers={"Origin": base})


@pytest.fixture(scope="module")
async def backends(notifications: FastAPI) -> dict[str, FastAPI]:
    return {"notifications": notifications}


@pytest.fixture(scope="module")
async def app(settings: Settings, backends: dict[str, FastAPI]) -> AsyncIterator[FastAPI]:
    async with console(settings, backends) as a:
        yield a


async def add(app: FastAPI, role: str = "cs", **claims: str) -> str:
    name = new_name()
    await cli_add(app, name, role, **claims)
    return name


async def cli_add(app: FastAPI, name: str, role: str, **claims: str) -> None:
    from services.console.workflow.accounts import add_staff
    from shared.db import transaction

    async with app.state.pool.acquire() as conn, transaction(conn):
        await add_staff(app.state.runtime.context(conn), name, PASSWORD, role, **claims)


async def test_sign_in_opens_a_session_that_sign_out_ends(app: FastAPI) -> None:
    name = await add(app, team="customer_service")
    async with browser(app) as c:
        r = await sign_in(c, name)
        assert r.status_code == 303 and r.headers["location"] == "/"
        cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("kefu_session="))
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
        home = await c.get("/")
        assert home.status_code == 200 and name in home.text
        assert home.headers["content-security-policy"].startswith("default-src 'self'")
        token = c.cookies["kefu_session"]

        out = await c.post("/signout", data={"csrf_token": form_token(home.text)})
        assert out.status_code == 303 and out.headers["location"] == "/signin?signed_out=1"
    async with browser(app) as stale:
        stale.cookies.set("kefu_session", token)
        again = await stale.get("/")
        assert again.status_code == 303 and again.headers["location"].startswith("/signin")
    async with app.state.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT ended_by FROM console.sessions WHERE token_hash = $1", token_hash(token)
        )
    assert row["ended_by"] == "sign_out"


async def test_a_wrong_password_or_unknown_name_is_refused_alike(app: FastAPI) -> None:
    name = await add(app)
    async with browser(app, "10.9.0.1") as c:
        wrong = await sign_in(c, name, "not the password")
        unknown = await sign_in(c, new_name())
    for r in (wrong, unknown):
        assert r.status_code == 401 and "用户名或密码不正确" in r.text
        assert "kefu_session" not in r.cookies
    async with app.state.pool.acquire() as conn:
        outcomes = await conn.fetch(
            "SELECT outcome FROM console.login_attempts WHERE address = '10.9.0.1' ORDER BY id"
        )
    assert [r["outcome"] for r in outcomes] == ["bad_password", "unknown_user"]


async def test_https_cookies_are_secure(app: FastAPI) -> None:
    name = await add(app)
    async with browser(app, base="https://console.test") as c:
        r = await sign_in(c, name)
    assert r.status_code == 303
    assert all("Secure" in h for h in r.headers.get_list("set-cookie"))


async def test_forms_without_the_token_or_from_another_site_are_refused(app: FastAPI) -> None:
    name = await add(app)
    async with browser(app) as c:
        page = await c.get("/signin")
        token = form_token(page.text)
        body = {"username": name, "password": PASSWORD}
        assert (await c.post("/signin", data=body)).status_code == 403, "no form token"
        forged = {**body, "csrf_token": token + "x"}
        assert (await c.post("/signin", data=forged)).status_code == 403, "another token"
        evil = {"Origin": "https://evil.example"}
        good = {**body, "csrf_token": token}
        r = await c.post("/signin", data=good, headers=evil)
        assert r.status_code == 403 and "kefu_session" not in r.cookies, "cross-site sign-in"

        assert (await sign_in(c, name)).status_code == 303
        home = await c.get("/")
        session_token = form_token(home.text)
        refused = await c.post("/signout", data={"csrf_token": "guess"})
        assert refused.status_code == 403 and "表单未被接受" in refused.text
        cross = await c.post("/signout", data={"csrf_token": session_token}, headers=evil)
        assert cross.status_code == 403
        no_origin = httpx.AsyncClient(transport=c._transport, base_url=BASE, cookies=c.cookies)
        async with no_origin:
            blind = await no_origin.post("/signout", data={"csrf_token": session_token})
        assert blind.status_code == 403, "a post with neither Origin nor Referer"
        assert (await c.get("/")).status_code == 200, "still signed in after the refusals"
        by_referer = await c.post(
            "/signout",
            data={"csrf_token": session_token},
            headers={"Origin": "", "Referer": f"{BASE}/"},
        )
        assert by_referer.status_code == 303


async def test_failed_sign_ins_are_throttled_per_user(
    settings: Settings, backends: dict[str, FastAPI]
) -> None:
    async with console(settings, backends, user_failures=3, address_failures=100) as app:
        name = await add(app)
        async with browser(app, "10.9.1.1") as c:
            for _ in range(3):
                assert (await sign_in(c, name, "wrong password")).status_code == 401
            r = await sign_in(c, name)
            assert r.status_code == 429, "even the right password waits"
            assert int(r.headers["retry-after"]) == 15 * 60
            assert "登录失败次数过多" in r.text and "15" in r.text
        # From another address too: the account is paused, not the address.
        async with browser(app, "10.9.1.2") as other:
            assert (await sign_in(other, name)).status_code == 429
        # Another account from the first address is not affected.
        someone = await add(app)
        async with browser(app, "10.9.1.1") as c:
            assert (await sign_in(c, someone)).status_code == 303
        # Once the window has passed (the console's clock moved), the right password works.
        app.state.runtime.clock.offset_seconds = 15 * 60 + 1
        try:
            async with browser(app, "10.9.1.1") as c:
                assert (await sign_in(c, name)).status_code == 303
        finally:
            app.state.runtime.clock.offset_seconds = 0


async def test_failed_sign_ins_are_throttled_per_address_across_replicas(
    settings: Settings, backends: dict[str, FastAPI]
) -> None:
    async with (
        console(settings, backends, user_failures=100, address_failures=4) as one,
        console(settings, backends, user_failures=100, address_failures=4) as two,
    ):
        victim = await add(one)
        for replica in (one, two, one, two):
            async with browser(replica, "10.9.2.1") as c:
                assert (await sign_in(c, new_name(), "guess guess")).status_code == 401
        async with browser(two, "10.9.2.1") as c:
            assert (await sign_in(c, victim)).status_code == 429, "the address is paused"
        async with browser(one, "10.9.2.2") as c:
            assert (await sign_in(c, victim)).status_code == 303, "other addresses are not"


async def test_a_session_opened_on_one_replica_works_on_another(
    settings: Settings, backends: dict[str, FastAPI]
) -> None:
    async with console(settings, backends) as one, console(settings, backends) as two:
        name = await add(one)
        async with browser(one) as c:
            await sign_in(c, name)
            cookie = c.cookies["kefu_session"]
        async with browser(two) as c:
            c.cookies.set("kefu_session", cookie)
            home = await c.get("/")
            assert home.status_code == 200 and name in home.text
            out = await c.post("/signout", data={"csrf_token": form_token(home.text)})
            assert out.status_code == 303
        async with browser(one) as c:
            c.cookies.set("kefu_session", cookie)
            assert (await c.get("/")).status_code == 303, "signed out everywhere"


async def test_idle_sessions_expire_on_the_consoles_clock(
    settings: Settings, backends: dict[str, FastAPI]
) -> None:
    async with console(settings, backends, session_idle_minutes=30) as app:
        name = await add(app)
        async with browser(app) as c:
            await sign_in(c, name)
            assert (await c.get("/")).status_code == 200
            app.state.runtime.clock.offset_seconds = timedelta(minutes=31).total_seconds()
            try:
                r = await c.get("/")
            finally:
                app.state.runtime.clock.offset_seconds = 0
            assert r.status_code == 303 and r.headers["location"] == "/signin?next=%2F"
            token = c.cookies["kefu_session"]
        async with app.state.pool.acquire() as conn:
            ended = await conn.fetchval(
                "SELECT ended_by FROM console.sessions WHERE token_hash = $1", token_hash(token)
            )
        assert ended == "expired"
        async with browser(app) as c:
            c.cookies.set("kefu_session", token)
            assert (await c.get("/")).status_code == 303, "an expired session stays ended"


async def test_the_audit_counts_failures_and_is_for_admins_only(app: FastAPI) -> None:
    admin, agent = await add(app, "admin"), await add(app)
    async with browser(app, "10.9.3.1") as c:
        for _ in range(2):
            await sign_in(c, agent, "wrong password")
        await sign_in(c, agent)
        denied = await c.get("/audit/sign-ins")
        assert denied.status_code == 403
    async with browser(app, "10.9.3.2") as c:
        await sign_in(c, admin)
        page = await c.get("/audit/sign-ins?hours=1")
    assert page.status_code == 200
    assert f'<th scope="row">{agent}</th><td>2</td><td>1</td>' in page.text
    assert '<th scope="row">10.9.3.1</th><td>2</td><td>1</td>' in page.text
    assert f'<th scope="row">{admin}</th>' in page.text, "the admin's own session is listed"


async def kefu(*args: str) -> int:
    """The kefu command in a thread (it runs its own event loop)."""
    return await asyncio.to_thread(cli.main, list(args))


async def test_kefu_user_add_reads_the_password_from_stdin(
    app: FastAPI,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    name = new_name()
    monkeypatch.setenv("KEFU_DATABASE_URL", settings.database_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long new password\n"))
    code = await kefu("user", "add", name, "--role", "reception", "--team", "reception")
    assert code == 0 and f"added {name} (reception)" in capsys.readouterr().out
    async with browser(app) as c:
        assert (await sign_in(c, name, "a long new password")).status_code == 303
        home = await c.get("/")
    assert "前台" in home.text
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert await kefu("user", "add", new_name(), "--role", "cs") == 2
    assert "password" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("a long new password\n"))
    assert await kefu("user", "add", name, "--role", "cs") == 2, "the name is taken"
    conn = await asyncpg.connect(settings.database_url)
    try:
        stored = await conn.fetchval(
            "SELECT password_hash FROM console.staff WHERE username = $1", name
        )
    finally:
        await conn.close()
    assert stored.startswith("$argon2id$") and "a long new password" not in stored


async def test_old_attempts_and_ended_sessions_are_forgotten(app: FastAPI) -> None:
    from services.console.workflow.sessions import prune
    from shared.db import transaction

    name = await add(app)
    async with browser(app, "10.9.4.1") as c:
        await sign_in(c, name, "wrong password")
        await sign_in(c, name)
        token = c.cookies["kefu_session"]

    async def pruned(days: float) -> tuple[int, int]:
        app.state.runtime.clock.offset_seconds = days * 86400
        try:
            async with app.state.pool.acquire() as conn, transaction(conn):
                await prune(app.state.runtime.context(conn))
                attempts = await conn.fetchval(
                    "SELECT count(*) FROM console.login_attempts WHERE username = $1", name
                )
                sessions = await conn.fetchval(
                    "SELECT count(*) FROM console.sessions WHERE token_hash = $1",
                    token_hash(token),
                )
        finally:
            app.state.runtime.clock.offset_seconds = 0
        return attempts, sessions

    assert await pruned(89) == (2, 1), "kept for 90 days"
    assert await pruned(91) == (0, 0), "the session expired within hours; both are gone"
