"""The customers' pages (issue 19): `GET /t/{token}` on one console replica at a paced rate, a
shipment's and a renovation project's, each beside a bare page over the same rows measured in
the same run.

    .venv/bin/python -m bench.tracking [--rate 200] [--seconds 20] [--warmup 3] [--shipments 1000]
        [--projects 300]

Logistics and the console run as processes (`kefu run`, free ports) on embedded servers; the
shipments are registered through logistics' API with four scans each. Each request opens the
link of a shipment at random (HMAC, expiry, the revocation lookup in the console's schema, a
one-waybill token minted, logistics' `GET /v1/shipments/{waybill}/tracking` over HTTP, the
page rendered), open-loop at `--rate` with latency from each scheduled start (bench/loadgen.py,
the lean keep-alive client). Baseline: a bare FastAPI + uvicorn + asyncpg process
(bench/bare_tracking.py) that reads the same shipment and its scans with two statements and
renders them with one Jinja2 template, at the same rate. Target: p99 < 50 ms at 200/s.

The renovation customer's page the same way: projects and aftersales run as processes too, the
projects opened through projects' API; each request opens a project's link (HMAC, expiry,
revocation, a one-project token, projects' `customer-view` and aftersales' `open-repairs` over
HTTP at once, the page rendered); its baseline reads the project and its open repairs with two
statements (`/p/{project_id}` of bench/bare_tracking.py).
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


async def open_projects(url: str, secret: str, n: int) -> list[str]:
    """n projects opened through projects' API (a manager's token); their ids."""
    manager = {"Authorization": f"Bearer {_token(secret, 'manager')}"}
    async with httpx.AsyncClient(base_url=url, timeout=30) as c:
        sem = asyncio.Semaphore(8)

        async def one(i: int) -> str:
            async with sem:
                body = {"customer_id": f"BC{i:08d}", "address": "上海市浦东新区锦绣路100弄5号1201"}
                r = await c.post("/v1/projects", json=body, headers=manager)
                assert r.status_code == 201, r.text
                return str(r.json()["id"])

        return list(await asyncio.gather(*(one(i) for i in range(n))))


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
        f" {args.shipments} shipments, {args.projects} projects"
    )
    secret = SECRET
    async with environment("tracking") as env:
        await migrate(env.url, ("logistics", "projects", "aftersales", "console"))
        lport, pport, aport = free_port(), free_port(), free_port()
        cport, bport = free_port(), free_port()
        base = env_for(env.servers.nats_url, env.url, KEFU_LINK_SECRET=DEV_LINK_SECRET)
        urls = {"logistics": lport, "projects": pport, "aftersales": aport}
        console_env = {
            **base,
            "KEFU_CONSOLE_SERVICE_URLS": json.dumps(
                {name: f"http://127.0.0.1:{port}" for name, port in urls.items()}
            ),
            "KEFU_CONSOLE_LINK_RATE_LIMIT": "",  # one address sends everything here
        }
        home = env.home
        async with (
            process(kefu_run("logistics", lport), base, lport, home / "logistics.log") as lg,
            process(kefu_run("projects", pport), base, pport, home / "projects.log") as pj,
            process(kefu_run("aftersales", aport), base, aport, home / "aftersales.log"),
            process(kefu_run("console", cport), console_env, cport, home / "console.log"),
        ):
            started = time.perf_counter()
            waybills = await register(lg, secret, args.shipments)
            projects = await open_projects(pj, secret, args.projects)
            result(
                "registered",
                f"{len(waybills)} shipments, {len(projects)} projects"
                f" in {time.perf_counter() - started:.1f} s",
            )
            key, now = key_of(DEV_LINK_SECRET), datetime.now(UTC)
            days = timedelta(days=30)
            paths = ["/t/" + sign(key, wb, Audience.SHIPPER, now, days) for wb in waybills]
            reno = ["/t/" + sign(key, p, Audience.CUSTOMER, now, days) for p in projects]
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{cport}") as c:
                first = await c.get(paths[0])
                assert first.status_code == 200 and waybills[0] in first.text, first.text[-800:]
                page = await c.get(reno[0])
                assert page.status_code == 200 and "我的装修工程" in page.text, page.text[-800:]
            ours = await measure(cport, paths, args.rate, args.seconds, args.warmup)
            ours_reno = await measure(cport, reno, args.rate, args.seconds, args.warmup)
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
            bare_reno = [f"/p/{p}" for p in projects]
            theirs_reno = await measure(bport, bare_reno, args.rate, args.seconds, args.warmup)
        for name, mine, bare in (
            ("shipment page", ours, theirs),
            ("renovation page", ours_reno, theirs_reno),
        ):
            ratio = mine.p99 / bare.p99 if bare.latencies else None
            result(
                f"{name} at {args.rate:g}/s, p50 / p99",
                f"{percentile(mine.latencies, 50):.1f} / {mine.p99:.1f} ms"
                f"  ({mine.achieved:,.0f}/s done, errors {mine.errors})",
                ratio,
                f"p99 < {TARGET_MS:g} ms " + verdict(mine.p99 < TARGET_MS and mine.errors == 0),
            )
            result(
                f"baseline: bare FastAPI + asyncpg + Jinja2 {name}, p50 / p99",
                f"{percentile(bare.latencies, 50):.1f} / {bare.p99:.1f} ms"
                f"  ({bare.achieved:,.0f}/s done, errors {bare.errors})",
            )
    footer()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--shipments", type=int, default=1000)
    parser.add_argument("--projects", type=int, default=300)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
