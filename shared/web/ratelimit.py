"""Per-token and per-address request limits (the `limits` library), answered 429 with
Retry-After as problem details. Off unless KEFU_RATE_LIMIT_PER_TOKEN / _PER_ADDRESS are set.

Counters live in this process's memory (sliding-window counters): with N replicas behind a
balancer a caller gets up to N times the limit, which the limit's figure should allow for.
Health, readiness and metrics are never limited (probes come from one address).
"""

from __future__ import annotations

import hashlib
import math
import time

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter
from prometheus_client import Counter
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.web.errors import problem_response

LIMITED = Counter("kefu_http_rate_limited_total", "Requests refused with 429", ["service", "scope"])
EXEMPT = frozenset({"/healthz", "/readyz", "/metrics"})


class SweptMemoryStorage(MemoryStorage):
    """limits' in-memory counters, with keys nobody asks about again swept at most once a
    minute on the caller's thread instead of by a new thread after every hit."""

    # limits' MemoryStorage starts a threading.Timer on a hit whenever the previous one (10 ms)
    # has run: at a few hundred requests a second that is a thread per request or two, started
    # synchronously on the event loop (py-spy: about 5 % of intake's CPU, more in the thread).
    # A counter read after its expiry is dropped by limits' own get(), so the sweep only frees
    # memory. Overriding the name-mangled method is the seam limits offers; the version is
    # pinned and tests/unit/test_ratelimit_storage.py fails if the seam moves.
    SWEEP_SECONDS = 60.0

    def __init__(self) -> None:
        super().__init__()
        self.swept = time.monotonic()

    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now - self.swept >= self.SWEEP_SECONDS:
            self.swept = now
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def parse(spec: str | None) -> list[RateLimitItem]:
    """'20/second;600/minute' → the limits it names (empty for None or '')."""
    return parse_many(spec) if spec else []


class RateLimit:
    """Refuse a request over its token's or its address's limit, before anything else runs."""

    def __init__(
        self, app: ASGIApp, *, service: str, per_token: str | None, per_address: str | None
    ) -> None:
        self.app, self.service = app, service
        self.per_token, self.per_address = parse(per_token), parse(per_address)
        self.limiter = SlidingWindowCounterRateLimiter(SweptMemoryStorage())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in EXEMPT:
            await self.app(scope, receive, send)
            return
        refused = self._over(scope)
        if refused is None:
            await self.app(scope, receive, send)
            return
        which, wait = refused
        LIMITED.labels(self.service, which).inc()
        response = problem_response(
            429,
            "Too many requests",
            f"the {which}'s request limit is reached; retry after {wait} s",
            headers={"Retry-After": str(wait)},
        )
        await response(scope, receive, send)

    def _over(self, scope: Scope) -> tuple[str, int] | None:
        """(which limit, seconds to wait) for a request over a limit, else None."""
        if self.per_address:
            client = scope.get("client")
            address = client[0] if client else "unknown"
            for item in self.per_address:
                if not self.limiter.hit(item, "address", address):
                    return "address", self._wait(item, "address", address)
        if self.per_token:
            token = _bearer(scope)
            if token:
                # A digest, so no token is kept in memory and every key has the same size.
                key = hashlib.blake2b(token, digest_size=16).hexdigest()
                for item in self.per_token:
                    if not self.limiter.hit(item, "token", key):
                        return "token", self._wait(item, "token", key)
        return None

    def _wait(self, item: RateLimitItem, *ids: str) -> int:
        reset = self.limiter.get_window_stats(item, *ids).reset_time
        return max(1, math.ceil(reset - time.time()))


class AddressLimit:
    """A per-address limit one route applies itself (a public page that answers its refusal
    as a page): the same notation, limiter and metric as the middleware's address limit."""

    def __init__(self, spec: str | None, *, service: str, scope: str) -> None:
        self.items, self.service, self.scope = parse(spec), service, scope
        self.limiter = SlidingWindowCounterRateLimiter(SweptMemoryStorage())

    def refuse(self, address: str) -> int | None:
        """Seconds to wait when this address is over the limit (the hit counted), else None."""
        for item in self.items:
            if not self.limiter.hit(item, self.scope, address):
                LIMITED.labels(self.service, self.scope).inc()
                reset = self.limiter.get_window_stats(item, self.scope, address).reset_time
                return max(1, math.ceil(reset - time.time()))
        return None


def _bearer(scope: Scope) -> bytes:
    for name, value in scope.get("headers") or ():
        if name == b"authorization":
            scheme, _, token = value.partition(b" ")
            return token.strip() if scheme.lower() == b"bearer" else b""
    return b""
