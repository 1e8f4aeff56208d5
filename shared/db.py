"""Postgres access: one pool per service with its role and schema, checked transactions."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import Any

import asyncpg

from shared.settings import Settings


class CommitFailed(RuntimeError):
    """Postgres answered COMMIT with ROLLBACK: nothing was written."""


def role_for(service: str) -> str:
    """The database role that owns a service's schema."""
    return f"kefu_{service}"


_after_commit: ContextVar[list[Callable[[], None]] | None] = ContextVar(
    "kefu_after_commit", default=None
)


async def create_pool(
    settings: Settings, service: str, *, relay_in_process: bool = False, **kwargs: Any
) -> asyncpg.Pool:
    """A pool whose connections act as the service's role with its schema on the search_path.

    relay_in_process: this process runs the service's outbox relay and wakes it in memory
    after each commit, so the outbox trigger sends no NOTIFY (0002_outbox_local_wake.sql).
    """
    own_credentials = settings.service_database_url is not None
    url = settings.service_database_url or settings.database_url

    # Startup parameters, not SET: asyncpg's pool runs RESET ALL when a connection is
    # released, which returns to these session defaults but would drop a SET.
    server_settings = {"application_name": f"kefu-{service}", "search_path": f"{service}, public"}
    if not own_credentials:
        server_settings["role"] = role_for(service)
    if relay_in_process:
        server_settings["kefu.relay_in_process"] = "on"
    pool = await asyncpg.create_pool(
        url,
        reset=_keep_session,
        min_size=kwargs.pop("min_size", settings.pool_min),
        max_size=kwargs.pop("max_size", settings.pool_max),
        server_settings=server_settings,
        **kwargs,
    )
    assert pool is not None
    return pool


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Skip asyncpg's per-release RESET ALL round trip: sessions hold no state of their own.

    Everything a service sets is transaction-scoped (SET LOCAL, set_config(..., true)); the
    role and search_path are startup parameters.
    """


def after_commit(fn: Callable[[], None]) -> bool:
    """Call fn once the enclosing checked transaction has committed (never if it rolls back);
    False when the caller is in none (then fn is not called)."""
    hooks = _after_commit.get()
    if hooks is None:
        return False
    if fn not in hooks:
        hooks.append(fn)
    return True


@contextmanager
def commit_hooks() -> Iterator[list[Callable[[], None]]]:
    """Collect after_commit callbacks for a transaction the caller commits and checks itself."""
    hooks: list[Callable[[], None]] = []
    token = _after_commit.set(hooks)
    try:
        yield hooks
    finally:
        _after_commit.reset(token)


@asynccontextmanager
async def transaction(conn: asyncpg.Connection) -> AsyncIterator[asyncpg.Connection]:
    """A transaction whose COMMIT outcome is checked (a swallowed error makes it ROLLBACK)."""
    with commit_hooks() as hooks:
        await conn.execute("BEGIN")
        try:
            yield conn
        except BaseException:
            if not conn.is_closed():
                with contextlib.suppress(Exception):
                    await conn.execute("ROLLBACK")
            raise
        status = await conn.execute("COMMIT")
        if status != "COMMIT":
            raise CommitFailed(f"COMMIT answered {status}")
    for fn in hooks:
        fn()


def bytes_literal(data: bytes) -> str:
    """A bytea SQL literal for a simple-protocol statement, safe for any input (base64)."""
    return f"decode('{base64.b64encode(data).decode()}', 'base64')"


def text_literal(value: str) -> str:
    """A text SQL literal for a simple-protocol statement, safe for any input (base64).

    Base64 rather than quote doubling: the result never depends on the session's
    standard_conforming_strings or on what the text contains; a NUL is refused by Postgres.
    """
    return f"convert_from({bytes_literal(value.encode())}, 'UTF8')"


async def db_now(conn: asyncpg.Connection) -> Any:
    """The database's clock (with the test offset), which timers follow."""
    return await conn.fetchval("SELECT kefu_now()")
