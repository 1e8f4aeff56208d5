"""Helpers routes use to reach the database and the runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from fastapi import Request

from shared.db import transaction


@asynccontextmanager
async def tx(request: Request) -> AsyncIterator[asyncpg.Connection]:
    """A checked transaction on the service's pool."""
    async with request.app.state.pool.acquire() as conn, transaction(conn):
        yield conn


@asynccontextmanager
async def read(request: Request) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection for reads."""
    async with request.app.state.pool.acquire() as conn:
        yield conn


def service_config(request: Request) -> Any:
    """The service's own settings object."""
    return request.app.state.svc.config


async def config(request: Request) -> Any:
    """The service's own settings object, as a dependency (async: FastAPI runs a sync
    dependency in its thread pool, a thread hop per request)."""
    return service_config(request)
