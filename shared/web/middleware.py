"""Body-size limit and the Idempotency-Key store, as ASGI middleware for every service."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import asyncpg
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.db import commit_hooks
from shared.web import idempotency
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
    """IETF Idempotency-Key semantics on POST: replay, 422 on a changed body, 409 in flight
    (with Retry-After: when the claim's lease ends, a retry takes over). How a crash or a slow
    owner can never give a second effect: shared/web/idempotency.py."""

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
        settings = request.app.state.settings
        header = request.headers.get("authorization", "")
        token = header.partition(" ")[2].strip()
        try:
            p = verify(settings, token) if token else None
            # Role and branch too: the same sub under another branch is another caller.
            who = f"{p.role.value}:{p.branch or ''}:{p.sub}" if p else ""
        except Problem as exc:
            return problem_response(exc.status, exc.title, exc.detail)
        if not who:
            return await call_next(request)
        body = await request.body()
        digest = hashlib.sha256(request.url.path.encode() + b"\n" + body).hexdigest()
        k = idempotency.Key(who, key)
        lease = settings.idempotency_lease_seconds
        owner = uuid.uuid4()
        pool: asyncpg.Pool = request.app.state.pool
        async with pool.acquire() as conn:
            claimed = await idempotency.claim(
                conn,
                k,
                method=request.method,
                path=request.url.path,
                digest=digest,
                owner=owner,
                lease_seconds=lease,
                retention_seconds=settings.idempotency_retention_hours * 3600,
            )
            if not claimed:
                return _answer_existing(await idempotency.existing(conn, k, lease), digest)
            held = idempotency.Keyed(conn, k, owner, lease)
            setattr(request.state, idempotency.STATE, held)
            try:
                with commit_hooks() as hooks:
                    response = await call_next(request)
                    chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
                    content = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
                    if response.status_code >= 500:
                        await held.abandon()
                        completed = True
                    else:
                        stored = {
                            "body": content.decode(errors="replace"),
                            # The header, not `response.media_type` (None on call_next's
                            # streaming response): a replayed problem or CSV keeps its type.
                            "media_type": response.headers.get("content-type"),
                        }
                        completed = await held.complete(
                            response.status_code, json.dumps(stored).encode()
                        )
            except BaseException:
                await held.abandon()
                raise
            finally:
                setattr(request.state, idempotency.STATE, None)
        if not completed:
            return problem_response(
                409,
                "Conflict",
                "this request outlived its Idempotency-Key lease and a retry took over;"
                " nothing of this request was stored",
            )
        for fn in hooks:
            fn()
        return Response(
            content=content,
            status_code=response.status_code,
            headers=dict(response.headers),
            media_type=response.media_type,
        )


def _answer_existing(row: asyncpg.Record | None, digest: str) -> Response:
    """The answer for a key another request holds or has finished."""
    if row is None:
        return problem_response(
            409,
            "Conflict",
            "retry: the earlier request with this Idempotency-Key just failed",
            headers={"Retry-After": "1"},
        )
    if row["request_hash"] != digest:
        return problem_response(
            422,
            "Invalid input",
            "this Idempotency-Key was used with a different request body",
            [{"field": "Idempotency-Key", "message": "reused with a different body"}],
        )
    if row["status"] is None:
        wait = idempotency.retry_after(row["lease_left"])
        return problem_response(
            409,
            "Conflict",
            "a request with this Idempotency-Key is still in flight; if it never finishes, a"
            f" retry after {wait} s takes it over",
            headers={"Retry-After": wait},
        )
    stored: dict[str, Any] = json.loads(row["response"])
    return Response(
        content=stored["body"].encode(),
        status_code=row["status"],
        media_type=stored.get("media_type") or "application/json",
        headers={"Idempotent-Replayed": "true"},
    )
