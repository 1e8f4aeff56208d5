"""The HTTP baseline for bench/http.py: bare FastAPI on uvicorn + asyncpg, one insert per POST.

    .venv/bin/python -m bench.bare_app --port 8099 --database-url postgresql://…

Same server stack and pool size as a Kefu service (uvicorn, FastAPI, asyncpg, 20 connections),
none of the platform: no auth, no validation model, no middleware, no outbox, no relay.
"""

from __future__ import annotations

import argparse
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import uvicorn
from fastapi import FastAPI, Request


def create_app(database_url: str, pool_max: int = 20) -> FastAPI:
    """A FastAPI app with one route that commits one row."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(database_url, min_size=2, max_size=pool_max)
        assert pool is not None
        async with pool.acquire() as conn:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS bare_complaints (id uuid PRIMARY KEY, body jsonb,"
                " created_at timestamptz NOT NULL DEFAULT now())"
            )
        app.state.pool = pool
        yield
        await pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/v1/complaints", status_code=201)
    async def create(request: Request) -> dict[str, str]:
        body = await request.json()
        new_id = uuid.uuid4()
        async with request.app.state.pool.acquire() as conn:
            await conn.execute(
                "INSERT INTO bare_complaints (id, body) VALUES ($1, $2::jsonb)",
                new_id,
                json.dumps(body),
            )
        return {"id": str(new_id), "status": "open"}

    @app.get("/readyz")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    uvicorn.run(
        create_app(args.database_url),
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        access_log=False,
    )
