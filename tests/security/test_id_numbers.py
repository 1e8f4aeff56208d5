"""National ID numbers are never stored, logged, published or traced in clear (docs/ARCHITECTURE.md §6):
a release with the consignee's and the delegate's IDs, requests that fail validation carrying an
ID, and malformed branch messages carrying one; then every JSON log line, both streams, every
table of every schema (bytea read as hex too) and every span are searched for the numbers."""

from __future__ import annotations

import contextlib
import functools
import io
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import nats
import pytest
from nats.js import JetStreamContext, api
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared import service as platform_service
from shared.observability import JsonFormatter
from shared.settings import SERVICES, Settings
from tests.security.conftest import ADMIN, bearer, uid
from tests.support.harness import Servers, eventually, running

# Valid-shaped numbers used nowhere else in the tests, one per way in.
PRESENTED = "320102198806150411"
DELEGATE = "44030019790823561X"
REQUEST = "510107199212310029"
INGEST = "370202200002290018"
IDS = {"presented": PRESENTED, "delegate": DELEGATE, "request": REQUEST, "ingest": INGEST}


@dataclass
class Found:
    """Where each ID number turned up, by source."""

    hits: dict[str, dict[str, int]] = field(default_factory=dict)
    scanned: dict[str, int] = field(default_factory=dict)
    injected: int = 0

    def count(self, source: str, text: str | bytes) -> None:
        """Add the occurrences of every ID number in one text of a source."""
        blob = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        per = self.hits.setdefault(source, dict.fromkeys(IDS, 0))
        for label, number in IDS.items():
            # bytea columns read as text show \x… hex: count that spelling too.
            per[label] += blob.upper().count(number) + blob.lower().count(number.encode().hex())
        self.scanned[source] = self.scanned.get(source, 0) + 1

    def total(self, *sources: str) -> int:
        """All hits in the named sources (all sources when none named)."""
        names = sources or tuple(self.hits)
        return sum(sum(self.hits.get(s, {}).values()) for s in names)


async def stream_messages(js: JetStreamContext, stream: str, start: int) -> list[tuple[int, bytes]]:
    """(sequence, headers + body) of every message of a stream from a sequence on."""
    cfg = api.ConsumerConfig(
        deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE,
        opt_start_seq=start,
        ack_policy=api.AckPolicy.NONE,
        inactive_threshold=5.0,
    )
    sub = await js.pull_subscribe(">", stream=stream, config=cfg)
    out: list[tuple[int, bytes]] = []
    try:
        while True:
            try:
                msgs = await sub.fetch(500, timeout=0.5)
            except TimeoutError:
                break
            out += [(m.metadata.sequence.stream, repr(m.headers).encode() + m.data) for m in msgs]
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
    return out


@contextlib.contextmanager
def captured_logs() -> Any:
    """Every log record at DEBUG, formatted by the platform's JSON formatter (and raw)."""
    formatted, raw = io.StringIO(), io.StringIO()
    json_handler = logging.StreamHandler(formatted)
    json_handler.setFormatter(JsonFormatter("logistics"))
    raw_handler = logging.StreamHandler(raw)
    raw_handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    attached = [root]
    for h in (json_handler, raw_handler):
        root.addHandler(h)

    def also_unpropagated() -> None:
        # FastStream's loggers do not propagate to the root: listen to them directly.
        for logger in list(logging.root.manager.loggerDict.values()):
            if isinstance(logger, logging.Logger) and not logger.propagate:
                if logger not in attached:
                    attached.append(logger)
                    logger.addHandler(json_handler)
                    logger.addHandler(raw_handler)

    try:
        yield formatted, raw, also_unpropagated
    finally:
        for logger in attached:
            logger.removeHandler(json_handler)
            logger.removeHandler(raw_handler)
        root.setLevel(level)


def shipment(waybill: str, destination: str) -> dict[str, Any]:
    """A receipt-required shipment SH01 → destination."""
    now = datetime.now(UTC)
    return {
        "waybill": waybill,
        "origin_branch": "SH01",
        "destination_branch": destination,
        "region": "east",
        "promised_arrival_at": (now + timedelta(days=2)).isoformat(),
        "shipper": {"name": "上海建材", "phone": "13800000003"},
        "consignee": {"name": "杨明静", "phone": "13900000004"},
        "receipt": {"required": True, "signature": True, "id_number": True},
    }


async def drive(
    client: httpx.AsyncClient, js: JetStreamContext, settings: Settings, u: str
) -> tuple[list[str], int]:
    """The release, the failing requests and the malformed branch messages; returns the
    response texts and how many messages carrying an ID were published to INGEST."""
    wb, dest = f"ID{u}", f"D{u}"
    texts: list[str] = []
    r = await client.post("/v1/shipments", json=shipment(wb, dest), headers=ADMIN)
    assert r.status_code == 201, r.text
    at = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    r = await client.post(
        f"/v1/shipments/{wb}/scans",
        json={"kind": "arrived_destination", "station": dest, "at": at},
        headers=ADMIN,
    )
    assert r.status_code == 202, r.text
    desk = bearer(settings, "branch", branch=dest, sub="clerk-li")
    delegate = {"name": "李四", "id_number": DELEGATE}
    body: dict[str, Any] = {
        "presented": {"name": "杨明静", "id_number": PRESENTED},
        "delegate": delegate,
    }
    refused = await client.post(f"/v1/shipments/{wb}/release", json=body, headers=desk)
    assert refused.status_code == 409, refused.text
    body["consignee_phone_confirmed"] = True
    key = {**desk, "Idempotency-Key": f"release-{u}"}
    released = await client.post(f"/v1/shipments/{wb}/release", json=body, headers=key)
    assert released.status_code == 200, released.text
    replayed = await client.post(f"/v1/shipments/{wb}/release", json=body, headers=key)
    assert replayed.headers.get("idempotent-replayed") == "true"
    texts += [refused.text, released.text, replayed.text]
    # Requests failing validation, each carrying an ID number: wrong type, unknown field, bad JSON.
    person = {"name": "王五", "id_number": REQUEST}
    failing: list[dict[str, Any]] = [
        {"json": {"presented": person, "company_stamp": "stamped"}},
        {"json": {"presented": person, "id_card": REQUEST}},
        {"json": {"presented": {"name": "王五", "id_number": 51010719921231}}},
        {"json": {"presented": {"name": REQUEST * 12, "id_number": REQUEST}}},
        {"content": b'{"presented": {"name": "\xe7\x8e\x8b", "id_number": "%s"' % REQUEST.encode()},
    ]
    for kwargs in failing:
        headers = {**desk, "Content-Type": "application/json", "Idempotency-Key": f"bad-{uid()}"}
        r = await client.post(f"/v1/shipments/{wb}/release", headers=headers, **kwargs)
        assert r.status_code == 422, r.text
        texts.append(r.text)
    # Branch messages that cannot be processed, carrying an ID the scanner should not have sent.
    stamp = datetime.now(UTC).isoformat()
    bad = [
        (
            dest,
            b'{"waybill": "%s", "kind": "signed", "station": "%s", "at": "yesterday",'
            b' "signer_id_number": "%s"}' % (wb.encode(), dest.encode(), INGEST.encode()),
        ),
        (
            dest,
            b'{"waybill": "%s", "kind": "signed", "signer_id_number": "%s", '
            % (wb.encode(), INGEST.encode()),
        ),
        (
            f"X{u}",
            b'{"waybill": "%s", "kind": "signed", "station": "X%s", "at": "%s",'
            b' "signer_id_number": "%s"}'
            % (wb.encode(), u.encode(), stamp.encode(), INGEST.encode()),
        ),
    ]
    for n, (branch, payload) in enumerate(bad):
        await js.publish(
            f"ingest.{branch}.shipment.scanned", payload, headers={"Nats-Msg-Id": f"bad-{u}-{n}"}
        )
    return texts, len(bad)


async def search_tables(conn: asyncpg.Connection, found: Found) -> None:
    """Every row of every table of every service schema, cast to text (bytea shows as hex)."""
    rows = await conn.fetch(
        "SELECT table_schema, table_name FROM information_schema.tables"
        " WHERE table_type = 'BASE TABLE' AND table_schema = ANY($1::text[])",
        list(SERVICES),
    )
    patterns = [f"%{n}%" for n in IDS.values()] + [f"%{n.encode().hex()}%" for n in IDS.values()]
    for t in rows:
        schema, table = t["table_schema"], t["table_name"]
        source = "dead_letters" if table == "dead_letters" else "tables"
        texts = await conn.fetch(
            f'SELECT x::text AS t FROM "{schema}"."{table}" x WHERE x::text ILIKE ANY($1::text[])',
            patterns,
        )
        found.scanned[f"{source} (tables)"] = found.scanned.get(f"{source} (tables)", 0) + 1
        for row in texts:
            found.count(source, row["t"])
            found.count(f"{source}: {schema}.{table}", row["t"])


@pytest.fixture(scope="module")
async def found(servers: Servers, settings: Settings, database_url: str) -> AsyncIterator[Found]:
    """Drive everything that could leak an ID number, then search every place it could land."""
    from services.logistics import app as logistics_app

    result, u = Found(), uid()
    exporter = InMemorySpanExporter()
    before = trace.get_tracer_provider()
    nc = await nats.connect(servers.nats_url)
    js = nc.jetstream()
    conn = await asyncpg.connect(database_url)
    with captured_logs() as (formatted, raw, also_unpropagated):
        # The app exactly as the service builds it, with spans kept in memory.
        build = functools.partial(platform_service.build_app, span_exporter=exporter)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(logistics_app, "build_app", build)
            app = logistics_app.create_app(settings)
        provider = trace.get_tracer_provider()
        if isinstance(before, TracerProvider) and provider is before:
            # A provider was installed earlier in this process: ours was not; listen to that one.
            before.add_span_processor(SimpleSpanProcessor(exporter))
        async with running(app) as client:
            also_unpropagated()
            starts = {s: (await js.stream_info(s)).state.last_seq + 1 for s in ("EVENTS", "INGEST")}
            texts, result.injected = await drive(client, js, settings, u)

            async def settled() -> bool:
                letters = await conn.fetchval(
                    "SELECT count(*) FROM logistics.dead_letters WHERE subject LIKE $1",
                    f"ingest.%{u}.shipment.scanned",
                )
                pending = await conn.fetchval("SELECT count(*) FROM logistics.outbox")
                return bool(letters >= result.injected and pending == 0)

            await eventually(settled, timeout=20)
        if isinstance(provider, TracerProvider):
            provider.force_flush()
    with contextlib.suppress(Exception):
        from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

        AsyncPGInstrumentor().uninstrument()
    for text in texts:
        result.count("http responses", text)
    for line in formatted.getvalue().splitlines():
        result.count("json log lines", line)
    for line in raw.getvalue().splitlines():
        result.count("raw log lines (before masking)", line)
    for span in exporter.get_finished_spans():
        result.count("trace spans", span.to_json())
    for stream, start in starts.items():
        for _seq, data in await stream_messages(js, stream, start):
            injected = stream == "INGEST" and INGEST.encode() in data
            result.count(
                f"{stream} stream" + (" (the malformed messages sent)" if injected else ""), data
            )
    await search_tables(conn, result)
    await conn.close()
    await nc.close()
    print("\nnational ID numbers found (presented / delegate / request / ingest):")
    for source, per in sorted(result.hits.items()):
        print(
            f"  {source:58} {' / '.join(str(per[k]) for k in IDS)}  ({result.scanned.get(source, 0)} items)"
        )
    print(
        f"  tables searched: {result.scanned.get('tables (tables)', 0)} + "
        f"{result.scanned.get('dead_letters (tables)', 0)} dead_letters tables"
    )
    yield result


def test_release_leaves_no_id_number_in_responses_logs_events_or_traces(found: Found) -> None:
    assert found.scanned.get("json log lines", 0) > 0
    assert found.scanned.get("trace spans", 0) > 0
    assert found.scanned.get("EVENTS stream", 0) > 0
    assert found.total("http responses", "json log lines", "trace spans", "EVENTS stream") == 0


def test_no_id_number_in_any_table_but_dead_letters(found: Found) -> None:
    assert found.scanned.get("tables (tables)", 0) >= 5 * 10
    assert found.total("tables") == 0, found.hits


def test_ingest_stream_holds_only_what_the_scanner_sent(found: Found) -> None:
    # The stream keeps what a branch published (that is its input, not our leak); nothing else.
    assert found.total("INGEST stream") == 0
    assert found.hits["INGEST stream (the malformed messages sent)"]["ingest"] == found.injected


def test_dead_letters_hold_no_id_number(found: Found) -> None:
    assert found.scanned.get("dead_letters (tables)", 0) == len(SERVICES)
    assert found.total("dead_letters") == 0, found.hits


# ---- ID numbers typed into free text, on every service (issue 16, defect 7) -----------------

# Valid resident ID numbers, each typed into the free text of one service.
TYPED = {
    "intake": "110101198001010010",
    "projects": "440106198811112228",
    "aftersales": "330106199002153336",
    "logistics": "130102198507205552",
    "notifications": "11010519491231002X",
}
# A waybill-like long number that is no ID number: it must come through as typed.
NOT_AN_ID = "123456789012345678"


def masked(number: str) -> str:
    """The form a typed ID number is stored and published in."""
    return "*" * (len(number) - 4) + number[-4:]


def said(number: str) -> str:
    """Free text as a person types it, the ID number in the middle of a sentence."""
    return f"客户身份证 {number}，单号{NOT_AN_ID}，请核实"


@dataclass
class Typed:
    """What the free-text drive left: the answers, and where each number turned up."""

    answers: dict[str, list[str]] = field(default_factory=dict)
    clear: dict[str, list[str]] = field(default_factory=dict)
    masked_in: dict[str, list[str]] = field(default_factory=dict)


async def _type_everywhere(p: Any, settings: Settings) -> dict[str, list[str]]:
    """Free text carrying an ID number through every service's forms; the answers, by service."""
    from tests.security.test_branch_isolation import check, first

    u, out = uid(), {s: [] for s in TYPED}
    sh01 = bearer(settings, "branch", branch="SH01")
    intake, text = p.clients["intake"], said(TYPED["intake"])
    lead = check(
        await intake.post(
            "/v1/leads",
            headers=sh01,
            json={
                "customer": {"name": "王芳", "phone": f"139{int(u, 16) % 10**8:08d}"},
                "house": {"address": f"上海市 {text}", "area_m2": 80, "layout": "3室"},
                "requirements": text,
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
                "description": text,
                "department": "customer_service",
            },
        )
    )
    handoff = await intake.post(
        f"/v1/complaints/{complaint['id']}/handoffs",
        headers=ADMIN,
        json={"to_department": "engineering", "note": text},
    )
    repair = check(
        await intake.post(
            "/v1/repair-requests",
            headers=sh01,
            json={"complaint_id": complaint["id"], "address": "上海市", "problem": text},
        )
    )
    out["intake"] += [
        handoff.text,
        (await intake.get(f"/v1/complaints/{complaint['id']}", headers=ADMIN)).text,
        (await intake.get(f"/v1/repair-requests/{repair['id']}", headers=ADMIN)).text,
    ]
    projects, text = p.clients["projects"], said(TYPED["projects"])
    project = check(
        await projects.post(
            "/v1/projects",
            headers=ADMIN,
            json={"customer_id": lead["customer_id"], "address": f"北京市 {text}"},
        )
    )
    out["projects"].append(
        (await projects.get(f"/v1/projects/{project['id']}", headers=ADMIN)).text
    )
    aftersales, text = p.clients["aftersales"], said(TYPED["aftersales"])
    ticket = await first(aftersales, f"/v1/repairs?complaint_id={complaint['id']}")
    assert ticket is not None, "no repair ticket from the repair request"
    path = f"/v1/repairs/{ticket['id']}"
    check(await aftersales.post(f"{path}/assignment", headers=ADMIN, json={"staff": "as-1"}), 200)
    soon = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    check(await aftersales.post(f"{path}/survey-booking", headers=ADMIN, json={"at": soon}), 200)
    survey = {"findings": text, "proposed_fix": text, "problem_kind": "crack"}
    out["aftersales"].append(
        (await aftersales.post(f"{path}/survey", headers=ADMIN, json=survey)).text
    )
    out["aftersales"].append((await aftersales.get(path, headers=ADMIN)).text)
    logistics, text = p.clients["logistics"], said(TYPED["logistics"])
    waybill = f"FT{u}"
    body = shipment(waybill, "GZ03")
    check(await logistics.post("/v1/shipments", json=body, headers=ADMIN))
    exception = {"kind": "damage", "note": text, "station": "SH01"}
    out["logistics"].append(
        (
            await logistics.post(
                f"/v1/shipments/{waybill}/exceptions", json=exception, headers=ADMIN
            )
        ).text
    )
    out["logistics"].append((await logistics.get(f"/v1/shipments/{waybill}", headers=ADMIN)).text)
    notifications, text = p.clients["notifications"], said(TYPED["notifications"])
    callback = await first(
        notifications, f"/v1/callbacks?entity_id={complaint['id']}&status=open", 20
    )
    assert callback is not None, "no callback for the complaint"
    outcome = {"reached": True, "satisfied": True, "comment": text}
    r = await notifications.post(
        f"/v1/callbacks/{callback['id']}/outcome", json=outcome, headers=ADMIN
    )
    assert r.status_code == 200, r.text
    out["notifications"] += [r.text]
    return out


@pytest.fixture(scope="module")
async def typed(platform: Any, settings: Settings, servers: Servers, database_url: str) -> Typed:
    """Drive the free text through every service, then search answers, tables and EVENTS."""
    missing = set(TYPED) - set(platform.clients)
    if missing:
        pytest.skip(f"services not running: {missing}")
    nc = await nats.connect(servers.nats_url)
    js = nc.jetstream()
    start = (await js.stream_info("EVENTS")).state.last_seq + 1
    result = Typed(answers=await _type_everywhere(platform, settings))
    conn = await asyncpg.connect(database_url)
    try:

        async def settled() -> bool:
            pending = 0
            for s in TYPED:
                pending += await conn.fetchval(f"SELECT count(*) FROM {s}.outbox")
            return pending == 0

        await eventually(settled, timeout=20)
        tables = await conn.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_type = 'BASE TABLE' AND table_schema = ANY($1::text[])",
            list(SERVICES),
        )
        for t in tables:
            name = f"{t['table_schema']}.{t['table_name']}"
            for service, number in TYPED.items():
                for label, needle in ((number, "clear"), (masked(number), "masked")):
                    hit = await conn.fetchval(
                        f'SELECT count(*) FROM "{t["table_schema"]}"."{t["table_name"]}" x'
                        " WHERE strpos(x::text, $1) > 0",
                        label,
                    )
                    if hit:
                        (result.clear if needle == "clear" else result.masked_in).setdefault(
                            service, []
                        ).append(name)
        for _seq, data in await stream_messages(js, "EVENTS", start):
            for service, number in TYPED.items():
                if number.encode() in data:
                    result.clear.setdefault(service, []).append("EVENTS stream")
                if masked(number).encode() in data:
                    result.masked_in.setdefault(service, []).append("EVENTS stream")
    finally:
        await conn.close()
        await nc.close()
    print("\nID numbers typed into free text, by service: in clear / stored or published masked")
    for service in TYPED:
        print(
            f"  {service:14} clear {result.clear.get(service, [])}"
            f"  masked {sorted(set(result.masked_in.get(service, [])))}"
        )
    return result


def test_an_id_number_typed_into_free_text_is_stored_and_published_masked(typed: Typed) -> None:
    assert typed.clear == {}, typed.clear
    # Each service stored the text (masked), so the search above really looked at it.
    for service in TYPED:
        assert any(t.startswith(f"{service}.") for t in typed.masked_in.get(service, [])), service
    # Events carry the masked text where they carry the text at all.
    assert "EVENTS stream" in typed.masked_in["intake"]


def test_answers_show_the_masked_id_and_other_numbers_as_typed(typed: Typed) -> None:
    echoed = []
    for service, answers in typed.answers.items():
        text = "\n".join(answers)
        assert TYPED[service] not in text, service
        if NOT_AN_ID in text:  # the answer shows the text: with the ID masked, the rest as typed
            echoed.append(service)
            assert masked(TYPED[service]) in text, service
    assert {"intake", "projects", "aftersales", "logistics"} <= set(echoed), echoed
