"""Helpers routes use to reach the database and the runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from fastapi import Request

from shared import outbox
from shared.context import Context
from shared.db import transaction
from shared.objects import ObjectStore
from shared.timers import clock_sql
from shared.web.idempotency import keyed


@asynccontextmanager
async def tx(request: Request) -> AsyncIterator[asyncpg.Connection]:
    """A checked transaction on the service's pool (a keyed request's joins the one that also
    completes its Idempotency-Key: shared/web/idempotency.py)."""
    held = keyed(request)
    if held is not None:
        async with held.joined() as conn:
            yield conn
        return
    async with request.app.state.pool.acquire() as conn, transaction(conn):
        yield conn


@asynccontextmanager
async def read(request: Request) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection for reads (a keyed request's own, which sees its writes)."""
    held = keyed(request)
    if held is not None:
        yield held.conn
        return
    async with request.app.state.pool.acquire() as conn:
        yield conn


@asynccontextmanager
async def change(request: Request, *, branch_id: str | None = None) -> AsyncIterator[Context]:
    """The context for a change: a checked transaction on the service's pool, the process
    clock applied; events emitted without a branch get `branch_id` (a keyed request's joins
    the transaction that completes its Idempotency-Key)."""
    runtime = request.app.state.runtime
    held = keyed(request)
    if held is not None:
        async with held.joined() as conn:
            await runtime.clock.apply(conn)
            yield runtime.context(conn, branch_id=branch_id)
        return
    # BEGIN with the clock in one round trip, the events with the COMMIT in another.
    begin = "BEGIN;" + clock_sql(runtime.clock.offset_seconds)
    async with (
        runtime.pool.acquire() as conn,
        outbox.deferred_transaction(conn, begin, runtime.svc.name) as batch,
    ):
        yield runtime.context(conn, branch_id=branch_id, deferred=batch.rows)


@asynccontextmanager
async def view(request: Request) -> AsyncIterator[Context]:
    """The context for reads: a pooled connection (in a transaction only while a test has
    moved the clock, so `kefu_now()` in the queries follows it too)."""
    runtime = request.app.state.runtime
    held = keyed(request)
    if held is not None:  # a keyed request reads on its own connection, seeing its writes
        if not runtime.clock.offset_seconds:
            yield runtime.context(held.conn)
            return
        async with held.joined() as conn:
            await runtime.clock.apply(conn)
            yield runtime.context(conn)
        return
    async with runtime.pool.acquire() as conn:
        if not runtime.clock.offset_seconds:
            yield runtime.context(conn)
            return
        async with transaction(conn):
            await runtime.clock.apply(conn)
            yield runtime.context(conn)


def service_config(request: Request) -> Any:
    """The service's own settings object."""
    return request.app.state.svc.config


async def config(request: Request) -> Any:
    """The service's own settings object, as a dependency (async: FastAPI runs a sync
    dependency in its thread pool, a thread hop per request)."""
    return service_config(request)


def object_store(
    request: Request, bucket: str, *, max_bytes: int, allowed_types: Iterable[str]
) -> ObjectStore:
    """A bucket of the object store, opened once per process and bucket."""
    stores: dict[str, ObjectStore] = request.app.state.__dict__.setdefault("object_stores", {})
    if bucket not in stores:
        stores[bucket] = ObjectStore(
            request.app.state.runtime.js,
            bucket,
            max_bytes=max_bytes,
            allowed_types=frozenset(allowed_types),
        )
    return stores[bucket]
