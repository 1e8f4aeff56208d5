"""Branch isolation (API.md "a branch sees only its own records"): SH01 creates records in every
service, then BJ02 calls every record endpoint of every OpenAPI document on them and lists with
every filter. BJ02 must get exactly what an unknown id gets (404, or 403 where the role may not use
the endpoint at all), never SH01's data, and SH01's records must not change."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from shared.calendar import BUSINESS_TZ
from shared.settings import Settings
from tests.security.conftest import (
    ADMIN,
    PNG,
    Platform,
    bearer,
    operations,
    path_params,
    request_kwargs,
    uid,
)
from tests.support.harness import eventually

OWNER, OTHER = "SH01", "BJ02"
MAX_PAGES = 40


@dataclass
class World:
    """SH01's records: the value of each path parameter, and what BJ02 must never see."""

    ids: dict[tuple[str, str], str] = field(default_factory=dict)
    markers: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def value(self, service: str, param: str) -> str:
        """SH01's id for a path parameter of a service (the receipt step is not an id)."""
        if param == "step":
            return "signed"
        if param == "region":
            return "east"  # SH01's region: a code every branch knows, not a record of SH01's
        found = self.ids.get((service, param)) or self.ids.get(("*", param))
        if found is None:
            self.missing.append(f"{service}:{param}")
            return unknown(param)
        return found


def unknown(param: str) -> str:
    """An id nobody has: what BJ02's answer must be indistinguishable from."""
    if param == "step":
        return "signed"
    if param == "waybill":
        return f"NX{uuid.uuid4().hex[:12].upper()}"
    return str(uuid.uuid4())


def fill(path: str, values: dict[str, str]) -> str:
    """The path template with its parameters filled in."""
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


def check(r: httpx.Response, status: int = 201) -> dict[str, Any]:
    """The JSON body of a seeding call that must succeed."""
    assert r.status_code == status, f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
    body: dict[str, Any] = r.json()
    return body


async def first(
    client: httpx.AsyncClient, url: str, timeout: float = 30.0
) -> dict[str, Any] | None:
    """The first item an admin list returns within the timeout, or None."""

    async def probe() -> dict[str, Any] | None:
        r = await client.get(url, headers=ADMIN)
        items = r.json().get("items", []) if r.status_code == 200 else []
        return items[0] if items else None

    try:
        found: dict[str, Any] | None = await eventually(probe, timeout=timeout, interval=0.2)
        return found
    except AssertionError:
        return None


async def seed(p: Platform, settings: Settings) -> World:
    """SH01 creates a lead, a complaint, a repair request and a shipment; the other services
    derive a project, a repair ticket, callbacks and messages from their events."""
    w, u = World(), uid()
    sh01 = bearer(settings, "branch", branch=OWNER)
    phone = f"139{uuid.uuid4().int % 10**8:08d}"
    w.markers.update(
        name=f"安全客户{u}",
        phone=phone,
        address=f"上海市安全路{u}号",
        description=f"墙面开裂{u}",
        problem=f"水管漏水{u}",
        consignee=f"收货人{u}",
        shipper=f"发货人{u}",
        note=f"外包装破损{u}",
    )
    intake = p.clients["intake"]
    lead = check(
        await intake.post(
            "/v1/leads",
            headers=sh01,
            json={
                "customer": {"name": w.markers["name"], "phone": phone},
                "house": {"address": w.markers["address"], "area_m2": 98.5, "layout": "3室2厅"},
                "requirements": "现代简约",
                "source": "security-suite",
            },
        )
    )
    complaint = check(
        await intake.post(
            "/v1/complaints",
            headers=sh01,
            json={
                "customer_id": lead["customer_id"],
                "channel": "phone",
                "category": "service",
                "severity": "normal",
                "description": w.markers["description"],
                "department": "customer_service",
            },
        )
    )
    repair = check(
        await intake.post(
            "/v1/repair-requests",
            headers=sh01,
            json={
                "complaint_id": complaint["id"],
                "address": w.markers["address"],
                "problem": w.markers["problem"],
            },
        )
    )
    w.ids.update(
        {
            ("intake", "lead_id"): lead["id"],
            ("*", "customer_id"): lead["customer_id"],
            ("*", "complaint_id"): complaint["id"],
            ("intake", "request_id"): repair["id"],
        }
    )
    if "logistics" in p.clients:
        gz03 = bearer(settings, "branch", branch="GZ03")
        await _shipment(p.clients["logistics"], sh01, gz03, w, u)
    if "aftersales" in p.clients:
        aftersales = p.clients["aftersales"]
        ticket = await first(aftersales, f"/v1/repairs?complaint_id={complaint['id']}")
        assert ticket is not None, "aftersales opened no ticket from SH01's repair.requested"
        assert ticket["branch_id"] == OWNER
        # Photos are taken from the survey booking on: assign and book first.
        path = f"/v1/repairs/{ticket['id']}"
        check(
            await aftersales.post(f"{path}/assignment", headers=ADMIN, json={"staff": "as-1"}), 200
        )
        survey = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        check(
            await aftersales.post(f"{path}/survey-booking", headers=ADMIN, json={"at": survey}), 200
        )
        photo = check(
            await aftersales.post(
                f"/v1/repairs/{ticket['id']}/photos",
                headers=ADMIN,
                files={"file": ("crack.png", PNG, "image/png")},
            )
        )
        w.ids[("*", "repair_id")] = ticket["id"]
        w.ids[("aftersales", "photo_id")] = photo["photo_id"]
    if "projects" in p.clients:
        projects = p.clients["projects"]
        project = await first(projects, f"/v1/projects?lead_id={lead['id']}")
        assert project is not None, "projects opened no project from SH01's lead.registered"
        review = check(
            await projects.post(
                f"/v1/projects/{project['id']}/reviews", headers=ADMIN, json={"kind": "drawings"}
            )
        )
        scan = check(
            await projects.post(
                f"/v1/projects/{project['id']}/files",
                headers=ADMIN,
                files={"file": ("quotation.png", PNG, "image/png")},
            )
        )
        w.ids[("*", "project_id")] = project["id"]
        w.ids[("projects", "review_id")] = review["id"]
        deposit = check(
            await projects.post(
                f"/v1/projects/{project['id']}/payments",
                headers=ADMIN,
                json={"installment": "deposit", "amount_fen": 50_000},
            ),
            200,
        )
        w.ids[("projects", "file_id")] = scan["file_id"]
        w.ids[("projects", "receipt_no")] = deposit["payments"][0]["receipt_no"]
    if "notifications" in p.clients:
        notifications = p.clients["notifications"]
        callback = await first(notifications, f"/v1/callbacks?entity_id={complaint['id']}", 10)
        message = await first(notifications, f"/v1/messages?entity_id={complaint['id']}", 10)
        if callback is not None:
            w.ids[("notifications", "callback_id")] = str(callback["id"])
        if message is not None:
            w.ids[("notifications", "message_id")] = str(message["id"])
    w.markers.update({f"{svc}:{param}": value for (svc, param), value in w.ids.items()})
    return w


async def _shipment(
    logistics: httpx.AsyncClient, sh01: dict[str, str], gz03: dict[str, str], w: World, u: str
) -> None:
    """A receipt-required shipment from SH01 to GZ03 (BJ02 is not on its route), a photo, an
    exception, and its signed receipt in an envelope GZ03 seals back to SH01."""
    waybill = f"SEC{u}"
    now = datetime.now(UTC)
    created = check(
        await logistics.post(
            "/v1/shipments",
            headers=sh01,
            json={
                "waybill": waybill,
                "origin_branch": OWNER,
                "destination_branch": "GZ03",
                "region": "east",
                "transfers": 0,
                "transfer_branches": [],
                "promised_arrival_at": (now + timedelta(days=3)).isoformat(),
                "shipper": {"name": w.markers["shipper"], "phone": "13800000001"},
                "consignee": {"name": w.markers["consignee"], "phone": "13900000002"},
                "receipt": {"required": True, "signature": True, "copies": 1},
            },
        )
    )
    photo = check(
        await logistics.post(
            f"/v1/shipments/{waybill}/photos",
            headers=sh01,
            files={"file": ("box.png", PNG, "image/png")},
        )
    )
    check(
        await logistics.post(
            f"/v1/shipments/{waybill}/exceptions",
            headers=sh01,
            json={
                "kind": "damage",
                "note": w.markers["note"],
                "station": OWNER,
                "photo_ids": [photo["photo_id"]],
            },
        )
    )
    scanned = {"kind": "arrived_destination", "station": "GZ03"}
    check(await logistics.post(f"/v1/shipments/{waybill}/scans", headers=gz03, json=scanned), 202)
    check(await logistics.post(f"/v1/shipments/{waybill}/receipt/signed", headers=gz03), 200)
    sealed = {"from_branch": "GZ03", "to_branch": OWNER, "waybills": [waybill]}
    envelope = check(await logistics.post("/v1/receipt-envelopes", headers=gz03, json=sealed))
    w.ids[("*", "waybill")] = waybill
    w.ids[("logistics", "photo_id")] = photo["photo_id"]
    w.ids[("logistics", "envelope_id")] = envelope["envelope_id"]
    w.ids[("logistics", "shipper_id")] = created["shipper_id"]  # the shipper is SH01's customer
    # A data request belongs to no branch (branch tokens may not reach any): an existing one.
    asked = {"department": "finance", "scope": "2026年11月 运单", "purpose": "对账"}
    w.ids[("logistics", "request_id")] = check(
        await logistics.post("/v1/data-requests", headers=ADMIN, json=asked)
    )["request_id"]


@pytest.fixture(scope="module")
async def world(platform: Platform, settings: Settings) -> World:
    """SH01's records in every running service."""
    return await seed(platform, settings)


async def snapshot(p: Platform, w: World) -> dict[str, Any]:
    """What BJ02's calls could have changed on SH01's records, read as admin."""
    views: dict[str, Any] = {}
    reads = {
        "intake": [f"/v1/complaints/{w.ids[('*', 'complaint_id')]}"],
        "aftersales": [f"/v1/repairs/{w.ids.get(('*', 'repair_id'))}"],
        "logistics": [f"/v1/shipments/{w.ids.get(('*', 'waybill'))}"],
        "projects": [f"/v1/projects/{w.ids.get(('*', 'project_id'))}"],
    }
    for service, urls in reads.items():
        if service not in p.clients:
            continue
        for url in urls:
            body = (await p.clients[service].get(url, headers=ADMIN)).json()
            views[url] = {
                k: body.get(k)
                for k in (
                    "status",
                    "version",
                    "stage",
                    "department",
                    "assignee",
                    "handoffs",
                    "escalations",
                    "resolution",
                    "staff",
                    "exceptions",
                    "receipt",
                    "designer",
                    "project_manager",
                )
            }
            views[url]["history"] = len(body.get("history") or [])
    return views


def title(r: httpx.Response) -> Any:
    """The problem's title, if the body is a JSON object."""
    try:
        body = r.json()
    except ValueError:
        return None
    return body.get("title") if isinstance(body, dict) else None


def leaks(text: str, w: World, sent: set[str]) -> list[str]:
    """SH01's values found in a response, other than the ids the caller sent itself."""
    return [label for label, value in w.markers.items() if value not in sent and value in text]


async def test_branch_cannot_reach_another_branchs_records(
    platform: Platform, world: World, settings: Settings
) -> None:
    bj02 = bearer(settings, "branch", branch=OTHER)
    sh01 = bearer(settings, "branch", branch=OWNER)
    before = await snapshot(platform, world)
    rows: list[tuple[str, str, int, int, int | None, list[str]]] = []
    for service, client in platform.clients.items():
        doc = platform.apps[service].openapi()
        for method, path, op in operations(doc):
            params = [p["name"] for p in path_params(op)]
            if not params:
                continue
            real = {name: world.value(service, name) for name in params}
            fake = {name: unknown(name) for name in params}
            kwargs = request_kwargs(doc, op)
            r = await client.request(method, fill(path, real), headers=bj02, **kwargs)
            n = await client.request(method, fill(path, fake), headers=bj02, **kwargs)
            owner = None
            if method == "GET":
                owner = (await client.get(fill(path, real), headers=sh01)).status_code
            found = leaks(r.text, world, set(real.values()))
            same = r.status_code == n.status_code and title(r) == title(n)
            problem = r.headers.get("content-type", "").startswith("application/problem+json")
            if not (same and problem):
                found.append(f"differs from an unknown id ({n.status_code})")
            rows.append((service, f"{method} {path}", r.status_code, n.status_code, owner, found))
    assert not world.missing, f"no SH01 record for path parameters {world.missing}"
    hidden = [row for row in rows if row[2] in (403, 404) and not row[5]]
    print(
        f"\nbranch x endpoint matrix: {len(rows)} record endpoints in {len(platform.clients)} services"
    )
    for service, endpoint, status, unknown_status, owner, found in rows:
        mark = "ok" if status in (403, 404) and not found else "LEAK"
        print(
            f"  {mark:4} {service:13} {endpoint:58} BJ02 {status}  unknown {unknown_status}"
            f"  SH01 {owner if owner is not None else '-'}  {', '.join(found)}"
        )
    rate = 100.0 * len(hidden) / len(rows)
    print(f"invisibility rate: {len(hidden)}/{len(rows)} = {rate:.1f} %")
    assert rows and rate == 100.0, [row for row in rows if row not in hidden]
    # A 404 is isolation, not a broken request: the owner reads each of those records.
    for service, endpoint, status, _, owner, _ in rows:
        if owner is not None:
            assert (status, owner) in ((404, 200), (403, 403)), (service, endpoint, status, owner)
    assert await snapshot(platform, world) == before


async def pages(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], params: dict[str, str]
) -> tuple[int, str]:
    """Every page of a list (following next_cursor): the status and all bodies' text."""
    texts: list[str] = []
    query = {**params, "limit": "500"}
    for _ in range(MAX_PAGES):
        r = await client.get(path, headers=headers, params=query)
        if r.status_code != 200:
            return r.status_code, r.text
        texts.append(r.text)
        cursor = (
            r.json().get("next_cursor") if "json" in r.headers.get("content-type", "") else None
        )
        if not cursor:
            break
        query["cursor"] = cursor
    return 200, "\n".join(texts)


def filters(service: str, w: World, names: list[str], required: list[str]) -> list[dict[str, str]]:
    """The required parameters alone, then each other filter set to one of SH01's values."""
    known = {
        "customer_id": w.ids.get(("*", "customer_id")),
        "complaint_id": w.ids.get(("*", "complaint_id")),
        "project_id": w.ids.get(("*", "project_id")),
        "lead_id": w.ids.get(("intake", "lead_id")),
        "entity_id": w.ids.get(("*", "complaint_id")),
        "region": "east",
        "department": "customer_service",
        "phone": w.markers["phone"],
        "month": f"{datetime.now(BUSINESS_TZ):%Y-%m}",
    }
    if service == "intake":
        known["status"] = "open"
    base = {name: value for name in required if (value := known.get(name))}
    found: list[dict[str, str]] = [base]
    for name in names:
        value = known.get(name)
        if value and name not in base:
            found.append({**base, name: value})
    if "phone_last4" in names and "name" in names:
        found.append({"phone_last4": w.markers["phone"][-4:], "name": w.markers["name"]})
    return found


async def test_branch_lists_never_show_another_branchs_records(
    platform: Platform, world: World, settings: Settings
) -> None:
    bj02 = bearer(settings, "branch", branch=OTHER)
    sh01 = bearer(settings, "branch", branch=OWNER)
    ids = {label: v for label, v in world.markers.items() if ":" in label}
    calls, shown = 0, []
    for service, client in platform.clients.items():
        for method, path, op in operations(platform.apps[service].openapi()):
            if method != "GET" or path_params(op):
                continue
            query_params = [p for p in op.get("parameters", []) if p.get("in") == "query"]
            names = [p["name"] for p in query_params]
            required = [p["name"] for p in query_params if p.get("required")]
            for query in filters(service, world, names, required):
                status, text = await pages(client, path, bj02, query)
                calls += 1
                seen = [label for label, v in ids.items() if v in text]
                print(f"  {service:13} GET {path:36} {query!s:52} BJ02 {status} {seen or ''}")
                # A search that needs a criterion refuses the empty query; it shows nothing.
                refused = status == 422 and not query
                if (status not in (200, 403) and not refused) or seen:
                    shown.append((service, path, query, status, seen))
    print(f"lists with filters: {calls} calls, {len(shown)} showing SH01's records")
    assert calls and not shown, shown
    # The same lists do show SH01 its own records, so the filters above really matched them.
    complaint = world.ids[("*", "complaint_id")]
    _, text = await pages(platform.clients["intake"], "/v1/complaints", sh01, {"status": "open"})
    assert complaint in text
    if "aftersales" in platform.clients:
        query = {"complaint_id": complaint}
        _, text = await pages(platform.clients["aftersales"], "/v1/repairs", sh01, query)
        assert world.ids[("*", "repair_id")] in text


async def test_branch_cannot_reference_another_branchs_records_in_a_body(
    platform: Platform, world: World, settings: Settings
) -> None:
    bj02 = bearer(settings, "branch", branch=OTHER)
    intake = platform.clients["intake"]
    complaint = {
        "channel": "phone",
        "category": "service",
        "severity": "low",
        "description": "reference probe",
        "department": "customer_service",
    }
    repair = {"address": "北京市", "problem": "reference probe"}
    cases: list[tuple[str, dict[str, Any], str, tuple[str, str]]] = [
        ("/v1/complaints", complaint, "customer_id", ("*", "customer_id")),
        ("/v1/repair-requests", repair, "customer_id", ("*", "customer_id")),
        (
            "/v1/repair-requests",
            {**repair, "customer": {"name": "x", "phone": "13700000000"}},
            "complaint_id",
            ("*", "complaint_id"),
        ),
    ]
    rows = []
    for path, body, field_name, key in cases:
        theirs = await intake.post(path, headers=bj02, json={**body, field_name: world.ids[key]})
        nobody = await intake.post(path, headers=bj02, json={**body, field_name: str(uuid.uuid4())})
        same = (theirs.status_code, title(theirs)) == (nobody.status_code, title(nobody))
        named = [e.get("field") for e in theirs.json().get("errors", [])] == [field_name]
        rows.append((path, field_name, theirs.status_code, nobody.status_code, same and named))
        print(
            f"  POST {path} {field_name}=SH01's: {theirs.status_code}, unknown: {nobody.status_code}"
        )
    assert all(ok and status == 422 for *_, status, _, ok in rows), rows
