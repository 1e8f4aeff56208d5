"""HTTP RED metrics: every answer counted by route template, method and status class, whoever
answered it (a route, the body limit, the router's 404, an unhandled error)."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client import REGISTRY

from services.intake.app import create_app
from tests.support import harness

pytestmark = pytest.mark.quick

# Building an app connects to nothing; these requests never reach the database.
SETTINGS = harness.test_settings(
    "nats://127.0.0.1:1", "postgresql://kefu@127.0.0.1:1/kefu", max_body_bytes=1000
)
METRIC = "kefu_http_request_duration_seconds"


def count(method: str, route: str, status_class: str) -> float:
    labels = {"service": "intake", "method": method, "route": route, "status_class": status_class}
    return REGISTRY.get_sample_value(f"{METRIC}_count", labels) or 0.0


async def test_every_answer_is_counted_by_route_template_never_by_raw_path() -> None:
    app = create_app(SETTINGS)
    # The app's own 500 reaches the client as a 500 instead of an exception in the test.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    cases = [
        # (method, path, request kwargs, route label, status class)
        ("GET", "/v1/complaints/raw-id-123", {}, "/v1/complaints/{complaint_id}", "4xx"),
        ("POST", "/v1/complaints", {"content": b"x" * 5000}, "/v1/complaints", "4xx"),
        ("GET", "/no/such/path/raw-id-456", {}, "unmatched", "4xx"),
        ("GET", "/docs", {}, "/docs", "2xx"),
        ("GET", "/static-offline-docs/swagger-ui.css", {}, "/static-offline-docs/{path}", "2xx"),
        # With the admin token the route runs and finds no database (the app is not started).
        (
            "GET",
            "/v1/complaints/raw-id-789",
            {"headers": {"Authorization": "Bearer test-admin"}},
            "/v1/complaints/{complaint_id}",
            "5xx",
        ),
    ]
    before = [count(m, route, cls) for m, _, _, route, cls in cases]
    async with httpx.AsyncClient(transport=transport, base_url="http://kefu.test") as client:
        statuses = [(await client.request(m, p, **kw)).status_code for m, p, kw, _, _ in cases]
        page = (await client.get("/metrics")).text
    assert statuses == [401, 413, 404, 200, 200, 500]
    after = [count(m, route, cls) for m, _, _, route, cls in cases]
    # The two requests on /v1/complaints/{complaint_id} have different status classes.
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 1, 1, 1, 1]
    assert "raw-id" not in page and "/no/such" not in page
    buckets = REGISTRY.get_sample_value(
        f"{METRIC}_bucket",
        {
            "service": "intake",
            "method": "GET",
            "route": "/docs",
            "status_class": "2xx",
            "le": "+Inf",
        },
    )
    assert buckets == after[3]


async def test_an_unknown_method_is_one_bounded_label() -> None:
    app = create_app(SETTINGS)
    transport = httpx.ASGITransport(app=app)
    before = count("other", "/v1/complaints", "4xx")
    async with httpx.AsyncClient(transport=transport, base_url="http://kefu.test") as client:
        r = await client.request("BREW", "/v1/complaints")
    assert r.status_code == 405
    assert count("other", "/v1/complaints", "4xx") == before + 1
