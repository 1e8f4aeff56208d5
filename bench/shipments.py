"""bench.shipments: logistics' `GET /v1/shipments` with a million shipments in the table.

The service runs in its own process (as `kefu run logistics` starts it) over a table filled
with `--shipments` waybills among 40 branches and 4 regions (a year of dispatches, most
signed, the last days' still on their way, arrived or late; one to three legs per route;
200,000 consignee phones, 50,000 shippers). Each request is one of the desk's and the search
box's questions, drawn at random: newest for a staff member, a consignee's phone, a shipper's
phone, a branch's route (the merge of four legs), its next page, a branch's arriving,
awaiting-release and delayed lists, a day's dispatches, a status. One request after another;
p50/p95/p99 per question and overall. Baseline, in the same run: the very same SQL statements
on one asyncpg connection, without HTTP, tokens or JSON (the floor the API stands on).
Target (issue 18): p99 < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from bench.console import SECRET, env_for, process
from bench.support import environment, footer, header, percentile, result, verdict
from services.logistics.queries.lists import ON_THE_WAY, ShipmentFilter, list_shipments
from shared.migrate import migrate
from shared.settings import Settings
from shared.web.auth import issue_token
from tooling.embedded import free_port

BRANCHES = [f"B{n:02d}" for n in range(40)]
REGIONS = ["east", "south", "west", "north"]
PHONES = 200_000
SHIPPERS = 50_000
LIMIT = 50


async def fill(url: str, n: int) -> float:
    """n shipments over the last year, set-wise; the seconds it took (ANALYZE included)."""
    started = time.perf_counter()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO logistics.shippers (shipper_id, name, phone)"
            " SELECT 'shp_bench_' || g, '发货人' || g, '136' || lpad(g::text, 8, '0')"
            " FROM generate_series(1, $1) g",
            SHIPPERS,
        )
        # g's hash spreads branches, legs and phones; the newest 2 % are not yet signed.
        await conn.execute(
            """
            WITH g AS (
              SELECT g, hashint4(g) AS h, hashint4(g + 7919) AS k,
                     now() - (($1 - g)::float / $1) * interval '365 days' AS at
              FROM generate_series(1, $1) g)
            INSERT INTO logistics.shipments (waybill, origin_branch, destination_branch, region,
              transfers, transfer_branches, promised_arrival_at, dispatched_at, shipper_id,
              shipper_name, shipper_phone, consignee_name, consignee_phone, consignee_kind,
              receipt_required, status, arrived_batches, last_arrival_at, signed_at,
              delay_reported_for, created_by)
            SELECT 'WB' || lpad(g::text, 9, '0'),
              'B' || lpad((abs(h) % 40)::text, 2, '0'),
              'B' || lpad((abs(k) % 40)::text, 2, '0'),
              (ARRAY['east','south','west','north'])[1 + abs(h) % 4],
              abs(h / 7) % 3,
              CASE abs(h / 7) % 3
                WHEN 0 THEN '{}'::text[]
                WHEN 1 THEN ARRAY['B' || lpad((abs(k / 3) % 40)::text, 2, '0')]
                ELSE ARRAY['B' || lpad((abs(k / 3) % 40)::text, 2, '0'),
                           'B' || lpad((abs(k / 11) % 40)::text, 2, '0')] END,
              at + interval '3 days', at,
              'shp_bench_' || (1 + abs(k) % $2), '发货人', '136' || lpad((1 + abs(k) % $2)::text, 8, '0'),
              '收货人', '139' || lpad((abs(h) % $3)::text, 8, '0'), 'person',
              abs(k) % 2 = 0,
              CASE WHEN g <= $1 * 0.98 THEN 'signed'
                   ELSE (ARRAY['created','in_transit','in_transit','partially_arrived','arrived'])[1 + abs(k) % 5] END,
              CASE WHEN g <= $1 * 0.98 OR abs(k) % 5 >= 3 THEN '{"1": "2026-01-01T00:00:00+00:00"}'::jsonb
                   ELSE '{}'::jsonb END,
              CASE WHEN g <= $1 * 0.98 THEN at + interval '2 days' END,
              CASE WHEN g <= $1 * 0.98 THEN at + interval '2 days' END,
              CASE WHEN g > $1 * 0.98 AND abs(k) % 5 < 3 AND abs(h) % 4 = 0 THEN at + interval '3 days' END,
              'bench'
            FROM g
            """,
            n,
            SHIPPERS,
            PHONES,
        )
        await conn.execute("VACUUM ANALYZE logistics.shipments")
    finally:
        await conn.close()
    return time.perf_counter() - started


Question = tuple[dict[str, str], dict[str, Any], ShipmentFilter]


def questions(rng: random.Random, since: datetime) -> dict[str, Callable[[], Question]]:
    """Each kind of question: the token's claims, the query string, the same filter for SQL."""

    def phone(prefix: str, count: int) -> str:
        return f"{prefix}{rng.randrange(1, count):08d}"

    def branch() -> str:
        return rng.choice(BRANCHES)

    def newest() -> Question:
        return {"role": "cs"}, {}, ShipmentFilter()

    def consignee() -> Question:
        p = phone("139", PHONES)
        return {"role": "cs"}, {"consignee_phone": p}, ShipmentFilter(consignee_phone=p)

    def shipper() -> Question:
        p = phone("136", SHIPPERS)
        return {"role": "cs"}, {"shipper_phone": p}, ShipmentFilter(shipper_phone=p)

    def route() -> Question:
        b = branch()
        return {"role": "branch", "branch": b}, {}, ShipmentFilter(station=b)

    def arriving() -> Question:
        b = branch()
        params = {"destination_branch": b, "status": list(ON_THE_WAY)}
        f = ShipmentFilter(station=b, destination_branch=b, statuses=ON_THE_WAY)
        return {"role": "branch", "branch": b}, params, f

    def awaiting() -> Question:
        b = branch()
        f = ShipmentFilter(station=b, destination_branch=b, awaiting_release=True)
        params = {"destination_branch": b, "awaiting_release": "true"}
        return {"role": "branch", "branch": b}, params, f

    def delayed() -> Question:
        b = branch()
        f = ShipmentFilter(station=b, delayed=True)
        return {"role": "branch", "branch": b}, {"delayed": "true"}, f

    def day() -> Question:
        d = (since + timedelta(days=rng.randrange(1, 360))).date()
        start, end = (
            datetime.combine(d, datetime.min.time(), UTC) + timedelta(hours=-8),
            datetime.combine(d, datetime.min.time(), UTC) + timedelta(hours=16),
        )
        params = {"dispatched_from": d.isoformat(), "dispatched_to": d.isoformat()}
        return {"role": "cs"}, params, ShipmentFilter(dispatched_from=start, dispatched_before=end)

    def status() -> Question:
        s = rng.choice(["in_transit", "arrived"])
        return {"role": "logistics"}, {"status": s}, ShipmentFilter(statuses=(s,))

    return {
        "staff: newest": newest,
        "staff: consignee phone": consignee,
        "staff: shipper phone": shipper,
        "branch: its route (4 legs)": route,
        "branch: arriving": arriving,
        "branch: awaiting release": awaiting,
        "branch: delayed": delayed,
        "staff: one day's dispatches": day,
        "staff: a status": status,
    }


async def run(args: argparse.Namespace) -> None:
    header(f"bench.shipments: GET /v1/shipments with {args.shipments:,} shipments")
    async with environment("shipments") as env:
        await migrate(env.url, ("logistics",))
        took = await fill(env.url, args.shipments)
        result("fill (insert, indexes, VACUUM ANALYZE)", f"{took:.0f} s")
        port = free_port()
        base = env_for(env.servers.nats_url, env.url)
        argv = [sys.executable, "-m", "tooling.cli", "run", "logistics", "--port", str(port)]
        settings = Settings(env="test", auth_secret=SECRET)
        rng = random.Random(18)
        since = datetime.now(UTC) - timedelta(days=365)
        kinds = questions(rng, since)
        plan = [rng.choice(list(kinds)) for _ in range(args.requests)]
        asked = [(k, kinds[k]()) for k in plan]
        http_ms: dict[str, list[float]] = defaultdict(list)
        sql_ms: dict[str, list[float]] = defaultdict(list)
        pages: list[float] = []
        async with (
            process(argv, base, port, env.home / "logistics.log") as url,
            httpx.AsyncClient(base_url=url, timeout=30) as c,
        ):
            tokens: dict[str, str] = {}

            def auth(claims: dict[str, str]) -> dict[str, str]:
                key = repr(sorted(claims.items()))
                if key not in tokens:
                    tokens[key] = issue_token(settings, ttl_seconds=3600, **claims)  # type: ignore[arg-type]
                return {"Authorization": f"Bearer {tokens[key]}"}

            for _, (claims, params, _f) in asked[:50]:  # warm-up
                await c.get("/v1/shipments", params=params, headers=auth(claims))
            for kind, (claims, params, _f) in asked:
                started = time.perf_counter()
                r = await c.get("/v1/shipments", params=params, headers=auth(claims))
                http_ms[kind].append((time.perf_counter() - started) * 1000)
                assert r.status_code == 200, r.text
                body = r.json()
                if kind.startswith("branch: its route") and body["next_cursor"]:
                    started = time.perf_counter()
                    r = await c.get(
                        "/v1/shipments",
                        params={**params, "cursor": body["next_cursor"]},
                        headers=auth(claims),
                    )
                    pages.append((time.perf_counter() - started) * 1000)
                    assert r.status_code == 200
        conn = await asyncpg.connect(env.url)
        try:

            async def timed(f: ShipmentFilter) -> list[Any]:
                return await list_shipments(conn, where=f, after=None, limit=LIMIT + 1)

            for _, (_c, _p, f) in asked[:50]:
                await timed(f)
            for kind, (_c, _p, f) in asked:
                started = time.perf_counter()
                await timed(f)
                sql_ms[kind].append((time.perf_counter() - started) * 1000)
        finally:
            await conn.close()
    every = [x for v in http_ms.values() for x in v] + pages
    bare = [x for v in sql_ms.values() for x in v]
    for kind in kinds:
        h, s = http_ms[kind], sql_ms[kind]
        if h:
            result(
                f"  {kind} ({len(h)})",
                f"{percentile(h, 50):.1f} / {percentile(h, 99):.1f} ms"
                f"   SQL {percentile(s, 50):.1f} / {percentile(s, 99):.1f} ms",
            )
    if pages:
        result(
            f"  branch: its route, page 2 ({len(pages)})",
            f"{percentile(pages, 50):.1f} / {percentile(pages, 99):.1f} ms",
        )
    p99 = percentile(every, 99)
    result(
        f"GET /v1/shipments, {len(every)} requests p50 / p95 / p99",
        f"{percentile(every, 50):.1f} / {percentile(every, 95):.1f} / {p99:.1f} ms",
        p99 / percentile(bare, 99),
        "p99 < 50 ms " + verdict(p99 < 50),
    )
    result(
        "baseline: the same SQL on one connection",
        f"{percentile(bare, 50):.1f} / {percentile(bare, 95):.1f} / {percentile(bare, 99):.1f} ms",
    )
    footer()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shipments", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
