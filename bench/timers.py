"""1,000,000 pending timers: the due query's time, and firing across two replicas.

    .venv/bin/python -m bench.timers [--pending 1000000] [--due 50000] [--replicas 2]

Loads `--pending` timers with COPY (chunks of 100k) into a service schema's `timers` table,
`--due` of them already due. Times the claim query of `shared.timers.claim_due` (the exact SQL,
captured from the function) with EXPLAIN ANALYZE of a prepared statement executed 20 times
(as asyncpg runs it: after 5 executions Postgres may pick a generic plan), each rolled back. Then fires the due
timers with two TimerWorker replicas, each its own process with its own pool (batch 200,
8 concurrent firings, one transaction per firing), against the baseline in the same run: two
processes × 8 loops of a bare `DELETE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED LIMIT 1)`
plus the effect insert, one timer per transaction. Checks fired == due and no double firing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from bench.support import (
    Child,
    Env,
    environment,
    footer,
    header,
    result,
    stop_all,
    verdict,
    wait_count,
)
from bench.worker import TIMER_KIND
from shared import timers
from shared.migrate import migrate

SCHEMA = "platformtest"
TARGET_QUERY_MS = 10.0
TARGET_RATE = 2000.0
OTHER_KINDS = ("complaint.escalate", "payment.due", "receipt.overdue")


class Recorder:
    """A stand-in connection that records the claim query instead of running it."""

    def __init__(self) -> None:
        self.sql = ""
        self.args: tuple[Any, ...] = ()

    async def execute(self, sql: str, *args: Any) -> str:
        return "COMMIT" if sql == "COMMIT" else "OK"

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        self.sql, self.args = sql, args
        return []


async def claim_sql(batch: int, lease: float) -> tuple[str, tuple[Any, ...]]:
    """The exact statement `timers.claim_due` runs, with its arguments."""
    rec = Recorder()
    await timers.claim_due(rec, [TIMER_KIND], batch, lease)  # type: ignore[arg-type]
    return rec.sql, rec.args


async def load(conn: asyncpg.Connection, pending: int, due: int) -> float:
    """COPY `pending` timers in chunks, `due` of them already due; return seconds taken."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    now = datetime.now(UTC)
    rng = random.Random(7)
    due_keys = set(rng.sample(range(pending), due))
    payload = json.dumps({"level": "dept_head"})
    chunk = 100_000
    for lo in range(0, pending, chunk):
        rows = []
        for i in range(lo, min(lo + chunk, pending)):
            if i in due_keys:
                kind, at = TIMER_KIND, now - timedelta(seconds=rng.uniform(1, 3600))
            else:
                kind = TIMER_KIND if i % 4 else rng.choice(OTHER_KINDS)
                at = now + timedelta(seconds=rng.uniform(3600, 90 * 86400))
            rows.append((kind, f"k{i}", at, payload))
        await conn.copy_records_to_table(
            "timers",
            schema_name=SCHEMA,
            columns=("kind", "key", "due_at", "payload"),
            records=rows,
        )
    await conn.execute(f"VACUUM ANALYZE {SCHEMA}.timers")
    return loop.time() - started


async def due_query_ms(conn: asyncpg.Connection, repeat: int = 20) -> tuple[float, float, str]:
    """EXPLAIN ANALYZE the claim query as the worker runs it — a prepared statement, so from
    the 6th execution Postgres may switch to a generic plan — each rolled back; median and max
    execution + planning ms, and the plan of the last execution."""
    sql, args = await claim_sql(200, 30.0)
    await conn.execute(f"SET search_path = {SCHEMA}, public")
    await conn.execute(f"PREPARE bench_claim(text[], bigint, float8) AS {sql}")
    literals = "ARRAY['" + "','".join(args[0]) + f"']::text[], {args[1]}, {float(args[2])}"
    times: list[float] = []
    plan = ""
    try:
        for _ in range(repeat):
            tx = conn.transaction()
            await tx.start()
            try:
                raw = await conn.fetchval(
                    f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE bench_claim({literals})"
                )
            finally:
                await tx.rollback()
            doc = json.loads(raw)[0]
            times.append(float(doc["Execution Time"]) + float(doc.get("Planning Time", 0.0)))
            plan = summarize(doc["Plan"])
    finally:
        await conn.execute("DEALLOCATE bench_claim")
        await conn.execute("RESET search_path")
    return statistics.median(times), max(times), plan


def summarize(node: dict[str, Any], depth: int = 0) -> str:
    """A one-line-per-node outline of a JSON plan."""
    line = f"{'  ' * depth}{node['Node Type']}"
    if "Index Name" in node:
        line += f" using {node['Index Name']}"
    line += f" rows={node.get('Actual Rows')} {node.get('Actual Total Time')} ms"
    return "\n".join([line, *(summarize(c, depth + 1) for c in node.get("Plans", []))])


async def reload_due(conn: asyncpg.Connection, due: int, round_: int) -> None:
    """Put `due` due timers back (new keys) after a firing run; clean the effects."""
    now = datetime.now(UTC)
    rows = [
        (TIMER_KIND, f"r{round_}-{i}", now - timedelta(seconds=1 + i % 3600), "{}")
        for i in range(due)
    ]
    await conn.copy_records_to_table(
        "timers", schema_name=SCHEMA, columns=("kind", "key", "due_at", "payload"), records=rows
    )
    await conn.execute(f"TRUNCATE {SCHEMA}.fired")
    await conn.execute(f"VACUUM ANALYZE {SCHEMA}.timers")


async def fire(env: Env, conn: asyncpg.Connection, mode: str, due: int, replicas: int) -> float:
    """Fire every due timer with `replicas` worker processes; return timers per second."""
    children = [
        Child(
            "bench.worker",
            {
                "mode_name": mode,
                "label": f"{mode}-{i}",
                "service": SCHEMA,
                "nats_url": env.servers.nats_url,
                "database_url": env.url,
            },
            env.home / f"{mode}-{i}.log",
        )
        for i in range(replicas)
    ]
    try:
        await asyncio.gather(*(c.ready() for c in children))
        for c in children:
            c.go()
        took = await wait_count(conn, f"SELECT count(*) FROM {SCHEMA}.fired", due, 600, 0.02)
    finally:
        await stop_all(children)
    fired, distinct = await conn.fetchrow(
        f"SELECT count(*), count(DISTINCT key) FROM {SCHEMA}.fired"
    )
    left = await conn.fetchval(
        f"SELECT count(*) FROM {SCHEMA}.timers WHERE kind = $1 AND due_at <= now()", TIMER_KIND
    )
    per = await conn.fetch(
        f"SELECT worker, count(*) AS n FROM {SCHEMA}.fired GROUP BY 1 ORDER BY 1"
    )
    split = ", ".join(f"{r['worker']} {r['n']}" for r in per)
    ok = fired == due and distinct == due and left == 0
    print(
        f"  {mode}: {due / took:,.0f}/s  fired {fired}, distinct {distinct}, still due {left}"
        f"  ({split})  {'ok' if ok else 'WRONG'}",
        flush=True,
    )
    if not ok:
        raise AssertionError(f"{mode}: fired {fired}, distinct {distinct}, still due {left}")
    return due / took


async def main(args: argparse.Namespace) -> None:
    header(
        f"timers: {args.pending:,} pending, {args.due:,} due, {args.replicas} replicas"
        " (separate processes, a pool each)"
    )
    async with environment("timers") as env:
        await migrate(env.url, (SCHEMA,))
        conn = await asyncpg.connect(env.url)
        try:
            async with conn.transaction():
                await conn.execute(f"SET LOCAL ROLE kefu_{SCHEMA}")
                await conn.execute(
                    f"CREATE TABLE {SCHEMA}.fired (key text, worker text,"
                    " at timestamptz DEFAULT clock_timestamp())"
                )
            took = await load(conn, args.pending, args.due)
            total = await conn.fetchval(f"SELECT count(*) FROM {SCHEMA}.timers")
            print(f"  loaded {total:,} timers in {took:.1f}s ({total / took:,.0f}/s, COPY)")
            q_med, q_max, plan = await due_query_ms(conn)
            print(f"  due query with {args.due:,} due: median {q_med:.2f} ms, max {q_max:.2f} ms")
            print("    " + plan.replace("\n", "\n    "))
            bare = await fire(env, conn, "bare_timers", args.due, args.replicas)
            await reload_due(conn, args.due, 1)
            platform = await fire(env, conn, "timers", args.due, args.replicas)
            await conn.execute(f"VACUUM ANALYZE {SCHEMA}.timers")
            idle_med, _, _ = await due_query_ms(conn)
            left = await conn.fetchval(f"SELECT count(*) FROM {SCHEMA}.timers")
            print(f"  due query with none due ({left:,} pending): median {idle_med:.2f} ms")
        finally:
            await conn.close()
    print()
    result(
        f"due query, {args.pending:,} pending, {args.due:,} due",
        f"median {q_med:6.2f} ms  max {q_max:6.2f} ms",
        None,
        f"< {TARGET_QUERY_MS:.0f} ms  {verdict(q_max < TARGET_QUERY_MS)}",
    )
    result(f"bare SKIP LOCKED + DELETE, {args.replicas} processes", f"{bare:9,.0f} timers/s", 1.0)
    result(
        f"TimerWorker, {args.replicas} processes",
        f"{platform:9,.0f} timers/s",
        platform / bare,
        f"≥ {TARGET_RATE:,.0f}/s  {verdict(platform >= TARGET_RATE)}",
    )
    print("(fired == due and no key fired twice, checked for both)")
    footer()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pending", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=50_000)
    parser.add_argument("--replicas", type=int, default=2)
    asyncio.run(main(parser.parse_args()))
