"""Postgres access: one pool per service with its role and schema, checked transactions."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from shared.settings import Settings


class CommitFailed(RuntimeError):
    """Postgres answered COMMIT with ROLLBACK: nothing was written."""


def role_for(service: str) -> str:
    """The database role that owns a service's schema."""
    return f"kefu_{service}"


async def create_pool(settings: Settings, service: str, **kwargs: Any) -> asyncpg.Pool:
    """A pool whose connections act as the service's role with its schema on the search_path."""
    own_credentials = settings.service_database_url is not None
    url = settings.service_database_url or settings.database_url

    # Startup parameters, not SET: asyncpg's pool runs RESET ALL when a connection is
    # released, which returns to these session defaults but would drop a SET.
    server_settings = {"application_name": f"kefu-{service}", "search_path": f"{service}, public"}
    if not own_credentials:
        server_settings["role"] = role_for(service)
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


@asynccontextmanager
async def transaction(conn: asyncpg.Connection) -> AsyncIterator[asyncpg.Connection]:
    """A transaction whose COMMIT outcome is checked (a swallowed error makes it ROLLBACK)."""
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
