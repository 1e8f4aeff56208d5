"""The five services' public APIs, called on behalf of the signed-in person with a token
minted for them (a few minutes' life, the same claims and key as any staff token)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from services.console.domain import Staff
from services.console.metrics import SERVICE_CALLS
from shared.settings import Settings
from shared.web.auth import issue_token


@dataclass
class ServiceError(Exception):
    """A service refused or could not answer: its status and problem details (status 503 and
    no problem when it could not be reached)."""

    service: str
    status: int
    title: str = ""
    detail: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    code: str = ""
    rules: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # the problem's other extension members

    def __str__(self) -> str:
        return f"{self.service} answered {self.status}: {self.detail or self.title}"

    def field_errors(self) -> dict[str, str]:
        """The invalid fields the problem named, by field."""
        return {str(e.get("field")): str(e.get("message", "")) for e in self.errors}


@dataclass(frozen=True)
class Fetched:
    """A file a service served: its bytes, content type and entity tag."""

    content: bytes
    content_type: str
    etag: str | None = None


class Services:
    """A pooled HTTP client per service, and the token minting."""

    def __init__(
        self,
        urls: Mapping[str, str],
        settings: Settings,
        *,
        token_ttl_seconds: int,
        timeout_seconds: float,
        in_flight: int,
        mounts: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        self.urls = dict(urls)
        self.settings = settings
        self.token_ttl_seconds = token_ttl_seconds
        self.timeout_seconds = timeout_seconds
        # httpcore's pool scans every connection it holds for every request queued in it, with
        # a system call per idle connection: under a burst the scans cost more than the calls
        # and the console never catches up (bench.tracking: 100 % CPU at 85 pages/s with one
        # pool of 200). So each service gets its own small pool, calls beyond it wait their turn
        # here (which also keeps a slow service from holding another's calls), and keep-alive is
        # as large as the pool, so no connection is closed and reopened between calls.
        self.slots = {name: asyncio.Semaphore(in_flight) for name in self.urls}
        limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
        self.clients = {
            name: httpx.AsyncClient(
                timeout=timeout_seconds, mounts=dict(mounts or {}), limits=limits
            )
            for name in self.urls
        }

    def token(self, staff: Staff) -> str:
        """A short-lived bearer token carrying the person's claims."""
        return issue_token(
            self.settings,
            role=staff.role.value,
            ttl_seconds=self.token_ttl_seconds,
            **staff.claims(),
        )

    async def call(
        self,
        staff: Staff | str,
        service: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        """One call as `staff` (or with a token already minted for a narrower scope, such as a
        customer link's); the JSON answer, or ServiceError with the service's problem."""
        r = await self._send(staff, service, method, path, params=params, body=body)
        return r.json() if r.content else None

    async def fetch(
        self, staff: Staff, service: str, path: str, params: Mapping[str, Any] | None = None
    ) -> Fetched:
        """A stored file as `staff` (a photo, a document, a printed card, a printed report):
        its bytes and type, or ServiceError exactly as for a JSON call."""
        r = await self._send(staff, service, "GET", path, params=params, accept="*/*")
        return Fetched(
            r.content,
            r.headers.get("content-type", "application/octet-stream"),
            r.headers.get("etag"),
        )

    async def upload(
        self,
        staff: Staff,
        service: str,
        path: str,
        *,
        filename: str,
        content: bytes,
        kind: str,
        fields: Mapping[str, str] | None = None,
    ) -> Any:
        """A file posted as `staff` (multipart, field `file`, with any other form fields); the
        JSON answer."""
        files = {"file": (filename, content, kind)}
        r = await self._send(staff, service, "POST", path, files=files, data=fields)
        return r.json() if r.content else None

    async def _send(
        self,
        staff: Staff | str,
        service: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        data: Mapping[str, str] | None = None,
        accept: str = "application/json",
    ) -> httpx.Response:
        bearer = staff if isinstance(staff, str) else self.token(staff)
        headers = {"Authorization": f"Bearer {bearer}", "Accept": accept}
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout_seconds):
                await self.slots[service].acquire()
        except TimeoutError as exc:
            SERVICE_CALLS.labels(service, "unreachable").observe(time.perf_counter() - started)
            raise ServiceError(service, 503, "Unavailable", "too many calls waiting") from exc
        try:
            r = await self.clients[service].request(
                method,
                f"{self.urls[service]}{path}",
                params={k: v for k, v in (params or {}).items() if v is not None},
                json=body,
                files=files,
                data=data,
                headers=headers,
            )
        except httpx.HTTPError as exc:
            SERVICE_CALLS.labels(service, "unreachable").observe(time.perf_counter() - started)
            raise ServiceError(service, 503, "Unavailable", str(exc) or type(exc).__name__) from exc
        finally:
            self.slots[service].release()
        SERVICE_CALLS.labels(service, f"{r.status_code // 100}xx").observe(
            time.perf_counter() - started
        )
        if r.status_code >= 400:
            raise _problem(service, r)
        return r

    async def get(self, staff: Staff | str, service: str, path: str, **params: Any) -> Any:
        """A read as `staff`."""
        return await self.call(staff, service, "GET", path, params=params)

    async def post(self, staff: Staff, service: str, path: str, body: Mapping[str, Any]) -> Any:
        """A change as `staff`."""
        return await self.call(staff, service, "POST", path, body=body)

    async def close(self) -> None:
        """Close the pooled connections."""
        for client in self.clients.values():
            await client.aclose()


_MEMBERS = frozenset({"type", "title", "status", "detail", "instance", "errors", "code", "rules"})


def _problem(service: str, r: httpx.Response) -> ServiceError:
    try:
        body = r.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    return ServiceError(
        service,
        r.status_code,
        str(body.get("title", r.reason_phrase)),
        str(body.get("detail", "")),
        [e for e in body.get("errors") or [] if isinstance(e, dict)],
        str(body.get("code") or ""),
        [r for r in body.get("rules") or [] if isinstance(r, dict)],
        {k: v for k, v in body.items() if k not in _MEMBERS},
    )
