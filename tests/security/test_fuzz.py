"""Schemathesis against every service's OpenAPI, in-process (ASGI, lifespan running): schema-valid
and schema-violating requests with the admin token, on unknown ids and on records that exist; not
one answer may be a 5xx, and every answer must be one the document lists, with its content type,
headers and schema (the document lists every refusal as problem details: shared/web/openapi.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.settings import SERVICES, Settings
from tests.security.conftest import ADMIN, PNG, build

schemathesis = pytest.importorskip("schemathesis")
hypothesis = pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, Phase, given  # noqa: E402
from hypothesis import settings as budget  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import Failure, FailureGroup  # noqa: E402
from schemathesis.python import asgi  # noqa: E402

POSITIVE, NEGATIVE = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
# What a client's code generator relies on: the answer is documented, as documented.
CONFORMANCE = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# (mode, on existing records, examples per operation): small enough for the whole security
# suite to stay near 3 minutes.
PLAN = ((POSITIVE, False, 10), (POSITIVE, True, 20), (NEGATIVE, False, 10))


@dataclass
class Tally:
    """Requests sent and the 5xx answers, per service."""

    cases: int = 0
    operations: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    nonconforming: list[str] = field(default_factory=list)
    unsatisfiable: list[str] = field(default_factory=list)


def seed(service: str, app: Any) -> dict[str, str]:
    """Records the positive cases can act on (path parameter -> id), made as admin."""
    with asgi.get_client(app) as client:

        def post(path: str, **kwargs: Any) -> dict[str, Any]:
            r = client.post(path, headers=ADMIN, **kwargs)
            assert r.status_code in (200, 201), f"{path}: {r.status_code} {r.text}"
            body: dict[str, Any] = r.json()
            return body

        phone = f"137{uuid.uuid4().int % 10**8:08d}"
        if service == "intake":
            customer = {"name": "模糊测试", "phone": phone}
            lead = post(
                "/v1/leads",
                json={"customer": customer, "house": {"address": "上海市", "area_m2": 80}},
            )
            complaint = post(
                "/v1/complaints",
                json={
                    "customer_id": lead["customer_id"],
                    "channel": "phone",
                    "category": "service",
                    "severity": "normal",
                    "description": "fuzz",
                    "department": "customer_service",
                },
            )
            repair = post("/v1/repair-requests", json={"customer_id": lead["customer_id"], "address": "上海", "problem": "漏水"})  # fmt: skip
            return {
                "lead_id": lead["id"],
                "customer_id": lead["customer_id"],
                "complaint_id": complaint["id"],
                "request_id": repair["id"],
            }
        if service == "projects":
            project = post(
                "/v1/projects", json={"customer_id": str(uuid.uuid4()), "address": "上海"}
            )
            review = post(f"/v1/projects/{project['id']}/reviews", json={"kind": "drawings"})
            return {"project_id": project["id"], "review_id": review["id"]}
        if service == "logistics":
            waybill = f"FZ{uuid.uuid4().hex[:10].upper()}"
            promised = (datetime.now(UTC) + timedelta(days=2)).isoformat()
            post(
                "/v1/shipments",
                json={
                    "waybill": waybill,
                    "origin_branch": "SH01",
                    "destination_branch": "GZ03",
                    "region": "east",
                    "promised_arrival_at": promised,
                    "shipper": {"name": "发货", "phone": "13800000005"},
                    "consignee": {"name": "收货", "phone": "13900000006"},
                    "receipt": {"required": True},
                },
            )
            photo = post(
                f"/v1/shipments/{waybill}/photos", files={"file": ("p.png", PNG, "image/png")}
            )
            return {"waybill": waybill, "photo_id": photo["photo_id"]}
    # Aftersales tickets and notifications' callbacks come from events only.
    return {}


def fuzz(
    operation: Any, mode: GenerationMode, ids: dict[str, str] | None, examples: int, tally: Tally
) -> None:
    """Send the operation's generated cases; record every 5xx and every answer that does not
    conform to the document, with its request."""
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=ids)

    @given(case=strategy)
    @budget(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        tally.cases += 1
        response = None
        try:
            response = case.call(headers=ADMIN)
            status = response.status_code
            text = response.content[:300].decode("utf-8", "replace")
        except Exception as exc:
            # The in-process client re-raises what the app did not handle: a 500.
            status, text = 500, f"{type(exc).__name__}: {exc}"[:300]
        tally.statuses[status] = tally.statuses.get(status, 0) + 1
        if status >= 500:
            report = f"{status} {case.as_curl_command(headers=ADMIN)}\n    {text}"
            tally.errors.append(report)
        elif response is not None:
            try:
                case.validate_response(response, checks=CONFORMANCE, headers=ADMIN)
            except (Failure, FailureGroup) as exc:
                failures = exc.exceptions if isinstance(exc, FailureGroup) else (exc,)
                found = [f"{f.title}: {f.message[:300]}" for f in failures]
                curl = case.as_curl_command(headers=ADMIN)
                tally.nonconforming.append(f"{status} {curl}\n    " + "\n    ".join(found))

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        # Nothing in the operation can be made invalid (e.g. a GET with no parameters).
        if mode is POSITIVE:
            raise
        tally.unsatisfiable.append(operation.label)


# The console serves HTML pages, not a JSON API (its OpenAPI lists no operation); its forms'
# refusals are tested in tests/integration/test_console_*.py and tests/browser/.
APIS = tuple(s for s in SERVICES if s != "console")


@pytest.mark.parametrize("service", APIS)
def test_no_server_errors_under_schemathesis(service: str, settings: Settings) -> None:
    app = build(service, settings)
    tally = Tally()
    try:
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        # NUL characters have their own test in test_bodies.py; left out here so the cases go
        # to finding other server errors.
        schema.config.generation.update(allow_x00=False)
        if not any(True for _ in schema.get_all_operations()):
            pytest.skip(f"{service} has no API operations (its pages are HTML, not in OpenAPI)")
        records = seed(service, app)
        for result in schema.get_all_operations():
            operation = result.ok()
            tally.operations += 1
            names = {p.name for p in operation.path_parameters}
            for mode, existing, examples in PLAN:
                ids = {k: v for k, v in records.items() if k in names} if existing else None
                if existing and (not names or set(ids or {}) != names):
                    continue
                fuzz(operation, mode, ids, examples, tally)
    finally:
        asgi.shutdown_lifespans()
    print(
        f"\nschemathesis {schemathesis.__version__} {service}: {tally.operations} operations, "
        f"{tally.cases} cases, statuses {dict(sorted(tally.statuses.items()))}, "
        f"server errors {len(tally.errors)}, not as documented {len(tally.nonconforming)}"
    )
    for error in tally.errors + tally.nonconforming:
        print("  " + error)
    assert tally.cases > 0
    assert not tally.errors, "\n".join(tally.errors)
    assert not tally.nonconforming, "\n".join(tally.nonconforming)
