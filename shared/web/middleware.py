"""Body-size limit and the Idempotency-Key store, as ASGI middleware for every service."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import asyncpg
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.web.auth import verify
from shared.web.errors import Problem, problem_response


class BodyLimit:
    """Answer 413 to bodies over the limit (uploads get their own, larger limit)."""

    def __init__(self, app: ASGIApp, limit: int, upload_limit: int) -> None:
        self.app, self.limit, self.upload_limit = app, limit, upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        limit = self.upload_limit if path.endswith("/photos") else self.limit
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(scope, receive, send, limit)
            return
        seen = 0
        refused = False

        async def limited() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # Answer 413 now; the app sees a client that went away and its own
                    # answer (FastAPI would say 400) is dropped below.
                    refused = True
                    await _too_large(scope, receive, send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, limited, guarded)


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    response = problem_response(413, "Payload too large", f"the body exceeds {limit} bytes")
    await response(scope, receive, send)


class Idempotency(BaseHTTPMiddleware):
    """IETF Idempotency-Key semantics on POST: replay, 422 on a changed body, 409 in flight."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Only keyed POSTs pay for BaseHTTPMiddleware's task group and body streaming.
        if (
            scope["type"] != "http"
            or scope.get("method") != "POST"
            or not any(name == b"idempotency-key" for name, _ in scope.get("headers") or ())
        ):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        key = request.headers.get("idempotency-key")
        if request.method != "POST" or not key:
            return await call_next(request)
        if len(key) > 255:
            return problem_response(
                422,
                "Invalid input",
                "invalid field(s): Idempotency-Key",
                [{"field": "Idempotency-Key", "message": "at most 255 characters"}],
            )
        header = request.headers.get("authorization", "")
        token = header.partition(" ")[2].strip()
        try:
            p = verify(request.app.state.settings, token) if token else None
            # Role and branch too: the same sub under another branch is another caller.
            who = f"{p.role.value}:{p.branch or ''}:{p.sub}" if p else ""
        except Problem as exc:
            return problem_response(exc.status, exc.title, exc.detail)
        if not who:
            return await call_next(request)
        body = await request.body()
        digest = hashlib.sha256(request.url.path.encode() + b"\n" + body).hexdigest()
        pool: asyncpg.Pool = request.app.state.pool
        async with pool.acquire() as conn:
            inserted = await conn.fetchval(
                "INSERT INTO idempotency_keys (principal, key, method, path, request_hash)"
                " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING 1",
                who,
                key,
                request.method,
                request.url.path,
                digest,
            )
            if not inserted:
                row = await conn.fetchrow(
                    "SELECT request_hash, status, response FROM idempotency_keys"
                    " WHERE principal = $1 AND key = $2",
                    who,
                    key,
                )
        if not inserted:
            if row is None:
                return problem_response(409, "Conflict", "retry: the earlier request just failed")
            if row["request_hash"] != digest:
                return problem_response(
                    422,
                    "Invalid input",
                    "this Idempotency-Key was used with a different request body",
                    [{"field": "Idempotency-Key", "message": "reused with a different body"}],
                )
            if row["status"] is None:
                return problem_response(
                    409, "Conflict", "a request with this Idempotency-Key is still in flight"
                )
            stored: dict[str, Any] = json.loads(row["response"])
            return Response(
                content=stored["body"].encode(),
                status_code=row["status"],
                media_type=stored.get("media_type") or "application/json",
                headers={"Idempotent-Replayed": "true"},
            )
        try:
            response = await call_next(request)
        except BaseException:
            await _forget(pool, who, key)
            raise
        chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
        content = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
        if response.status_code >= 500:
            await _forget(pool, who, key)
        else:
            async with pool.acquire() as conn:
                await conn.execute(
                    "UPDATE idempotency_keys SET status = $3, response = $4"
                    " WHERE principal = $1 AND key = $2",
                    who,
                    key,
                    response.status_code,
                    json.dumps(
                        {
                            "body": content.decode(errors="replace"),
                            "media_type": response.media_type,
                        }
                    ).encode(),
                )
        return Response(
            content=content,
            status_code=response.status_code,
            headers=dict(response.headers),
            media_type=response.media_type,
        )


async def _forget(pool: asyncpg.Pool, who: str, key: str) -> None:
    async with pool.acquire() as conn:
        await conn.execute(
            "DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2", who, key
        )
