"""The customer's shipment page (issue 19): `GET /t/{token}` on one console replica at a paced
rate, beside a bare page over the same rows measured in the same run.

    .venv/bin/python -m bench.tracking [--rate 200] [--seconds 20] [--warmup 3] [--shipments 1000]

Logistics and the console run as processes (`kefu run`, free ports) on embedded servers; the
shipments are registered through logistics' API with four scans each. Each request opens the
link of a shipment at random (HMAC, expiry, the revocation lookup in the console's schema, a
one-waybill token minted, logistics' `GET /v1/shipments/{waybill}/tracking` over HTTP, the
page rendered), open-loop at `--rate` with latency from each scheduled start (bench/loadgen.py,
the lean keep-alive client). Baseline: a bare FastAPI + uvicorn + asyncpg process
(bench/bare_tracking.py) that reads the same shipment and its scans with two statements and
renders them with one Jinja2 template, at the same rate. Target: p99 < 50 ms at 200/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx

from bench.console import SECRET, env_for, kefu_run, process
from bench.loadgen import LeanClient, Step, paced
from bench.support import environment, footer, header, percentile, result, verdict
from shared.links import DEV_LINK_SECRET, Audience, key_of, sign
from shared.migrate import migrate
from tooling.embedded import free_port

TARGET_MS = 50.0


def _token(secret: str, role: str, **claims: str) -> str:
    from shared.settings import Settings
    from shared.web.auth import issue_token

    return issue_token(
        Settings(env="test", auth_secret=secret), role=role, ttl_seconds=3600, **claims
    )


async def register(url: str, secret: str, n: int) -> list[str]:
    """n shipments SH01 → BJ02 via HZ05, each scanned four times; their waybills."""
    origin = {"Authorization": f"Bearer {_token(secret, 'branch', branch='SH01')}"}
    hub = {"Authorization": f"Bearer {_token(secret, 'branch', branch='HZ05')}"}
    now = datetime.now(UTC)
    waybills = [f"BT{i:08d}" for i in range(n)]
    async with httpx.AsyncClient(base_url=url, timeout=30) as c:
        sem = asyncio.Semaphore(8)

        async def one(i: int, wb: str) -> None:
            async with sem:
                body = {
                    "waybill": wb,
                    "origin_branch": "SH01",
                    "destination_branch": "BJ02",
                    "region": "east",
                    "transfers": 1,
                    "transfer_branches": ["HZ05"],
                    "batches": 1,
                    "promised_arrival_at": (now + timedelta(days=2)).isoformat(),
                    "dispatched_at": (now - timedelta(hours=10)).isoformat(),
                    "urgent": False,
                    "shipper": {"name": "上海美居建材有限公司", "phone": f"137{i:08d}"},
                    "consignee": {"name": "王芳芳", "phone": f"139{i:08d}", "kind": "person"},
                    "receipt": {
                        "required": True,
                        "signature": True,
                        "stamp": False,
                        "id_number": False,
                        "copies": 1,
                    },
                }
                r = await c.post("/v1/shipments", json=body, headers=origin)
                assert r.status_code == 201, r.text
                for kind, station, hours, who in (
                    ("departed", "SH01", 9, origin),
                    ("arrived_hub", "HZ05", 6, hub),
                    ("departed", "HZ05", 5, hub),
                ):
                    at = (now - timedelta(hours=hours)).isoformat()
                    r = await c.post(
                        f"/v1/shipments/{wb}/scans",
                        json={"kind": kind, "station": station, "at": at},
                        headers=who,
                    )
                    assert r.status_code == 202, r.text

        await asyncio.gather(*(one(i, wb) for i, wb in enumerate(waybills)))
    return waybills


async def measure(port: int, paths: list[str], rate: float, seconds: float, warmup: float) -> Step:
    """Warm up, then the paced run over random paths (every answer must be 200)."""
    client = LeanClient("127.0.0.1", port, {})
    chooser = random.Random(7)

    class Random:
        """Each request a shipment at random (the path is chosen per call)."""

        async def get(self, _: str) -> int:
            return await client.get(chooser.choice(paths))

        async def post(self, path: str, body: dict[str, object]) -> int:
            raise NotImplementedError

        async def aclose(self) -> None:
            await client.aclose()

    randomised = Random()
    try:
        await paced(randomised, "", dict, rate, warmup, expect=200, method="GET")
        return await paced(randomised, "", dict, rate, seconds, expect=200, method="GET")
    finally:
        await randomised.aclose()


async def run(args: argparse.Namespace) -> None:
    header(
        f"bench.tracking: GET /t/{{token}} at {args.rate:g}/s for {args.seconds:g} s,"
        f" {args.shipments} shipments"
    )
    secret = SECRET
    async with environment("tracking") as env:
        await migrate(env.url, ("logistics", "console"))
        lport, cport, bport = free_port(), free_port(), free_port()
        base = env_for(env.servers.nats_url, env.url, KEFU_LINK_SECRET=DEV_LINK_SECRET)
        console_env = {
            **base,
            "KEFU_CONSOLE_SERVICE_URLS": json.dumps({"logistics": f"http://127.0.0.1:{lport}"}),
            "KEFU_CONSOLE_LINK_RATE_LIMIT": "",  # one address sends everything here
        }
        async with (
            process(kefu_run("logistics", lport), base, lport, env.home / "logistics.log") as lg,
            process(kefu_run("console", cport), console_env, cport, env.home / "console.log"),
        ):
            started = time.perf_counter()
            waybills = await register(lg, secret, args.shipments)
            result("registered", f"{len(waybills)} in {time.perf_counter() - started:.1f} s")
            key, now = key_of(DEV_LINK_SECRET), datetime.now(UTC)
            paths = [
                "/t/" + sign(key, wb, Audience.SHIPPER, now, timedelta(days=30)) for wb in waybills
            ]
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{cport}") as c:
                first = await c.get(paths[0])
                assert first.status_code == 200 and waybills[0] in first.text, first.text[-800:]
            ours = await measure(cport, paths, args.rate, args.seconds, args.warmup)
        bare_argv = [
            sys.executable,
            "-m",
            "bench.bare_tracking",
            "--port",
            str(bport),
            "--database-url",
            env.url,
        ]
        async with process(bare_argv, base, bport, env.home / "bare.log"):
            bare_paths = [f"/t/{wb}" for wb in waybills]
            theirs = await measure(bport, bare_paths, args.rate, args.seconds, args.warmup)
        ratio = ours.p99 / theirs.p99 if theirs.latencies else None
        result(
            f"customer page at {args.rate:g}/s, p50 / p99",
            f"{percentile(ours.latencies, 50):.1f} / {ours.p99:.1f} ms"
            f"  ({ours.achieved:,.0f}/s done, errors {ours.errors})",
            ratio,
            f"p99 < {TARGET_MS:g} ms " + verdict(ours.p99 < TARGET_MS and ours.errors == 0),
        )
        result(
            "baseline: bare FastAPI + asyncpg + Jinja2 page, p50 / p99",
            f"{percentile(theirs.latencies, 50):.1f} / {theirs.p99:.1f} ms"
            f"  ({theirs.achieved:,.0f}/s done, errors {theirs.errors})",
        )
    footer()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--shipments", type=int, default=1000)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
