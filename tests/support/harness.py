"""Test support: real servers (the KEFU_* ones when set, else embedded), fresh databases,
in-process services. Used by tests/ and bench/."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
from fastapi import FastAPI

from shared.settings import Settings
from tooling.embedded import EmbeddedNats, EmbeddedPostgres, start_nats, start_postgres


@dataclass
class Servers:
    """The NATS and Postgres servers a test session uses."""

    nats_url: str
    admin_url: str
    owned: list[Any] = field(default_factory=list)
    nats: EmbeddedNats | None = None
    postgres: EmbeddedPostgres | None = None

    def stop(self) -> None:
        for s in reversed(self.owned):
            s.stop()


@contextmanager
def server_home(prefix: str) -> Iterator[Path]:
    """A directory for embedded servers outside pytest's temporary tree, removed afterwards.

    Run as root, the embedded Postgres runs as its own user, who must be able to enter every
    parent of its data dir; each new pytest session on the machine (ours or anyone's) makes
    /tmp/pytest-of-<user> private again, which failed an initdb or a start running meanwhile.
    """
    home = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


def start_servers(home: Path, *, force_embedded: bool = False) -> Servers:
    """Use KEFU_NATS_URL / KEFU_DATABASE_URL when set, otherwise start embedded servers."""
    servers = Servers(
        nats_url=os.environ.get("KEFU_NATS_URL", ""),
        admin_url=os.environ.get("KEFU_DATABASE_URL", ""),
    )
    if force_embedded or not servers.nats_url:
        servers.nats = start_nats(home / "nats")
        servers.owned.append(servers.nats)
        servers.nats_url = servers.nats.url
    if force_embedded or not servers.admin_url:
        servers.postgres = start_postgres(home / "pg")
        servers.owned.append(servers.postgres)
        servers.admin_url = servers.postgres.url
    return servers


def with_database(url: str, database: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


async def create_database(admin_url: str, prefix: str = "kefu_test") -> str:
    """A fresh database on the server; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    return with_database(admin_url, name)


async def drop_database(admin_url: str, url: str) -> None:
    """Drop a database created by create_database."""
    name = urlsplit(url).path.lstrip("/")
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await conn.close()


def test_settings(nats_url: str, database_url: str, **overrides: Any) -> Settings:
    """Settings for tests: short retry delays, test-only switches allowed."""
    values: dict[str, Any] = {
        "env": "test",
        "nats_url": nats_url,
        "database_url": database_url,
        "retry_delays": (0.3, 0.6, 1.0),
        "max_deliver": 4,
        "relay_poll_seconds": 0.2,
        "timer_poll_seconds": 0.1,
        "graceful_timeout": 3.0,
        "admin_token": "test-admin",
        "auth_secret": "kefu-test-signing-secret-32-bytes-long",
    }
    values.update(overrides)
    return Settings.model_validate(values)


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan in-process and give an HTTP client bound to it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def eventually(check: Callable[[], Any], timeout: float = 10.0, interval: float = 0.1) -> Any:
    """Poll an (async) check until it returns a truthy value; fail after the timeout."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while asyncio.get_running_loop().time() < deadline:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")
