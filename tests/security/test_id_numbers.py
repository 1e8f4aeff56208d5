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
