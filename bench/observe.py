"""The CPU cost of observing one HTTP request (its RED histogram, its access line), in process.

    .venv/bin/python -m bench.observe [--requests 20000] [--rounds 5]

A platform app (`build_app`: every platform middleware, the admin token checked) with one cheap
authenticated route, called through the ASGI interface with no server and no socket, so the
figure is the platform's own CPU per request and the machine's load barely moves it. Each round
runs three variants of the same app: without `Observe` (its middleware taken out of the stack),
with `Observe` and the access line off (log level WARNING), and with both (INFO, the JSON
formatter writing to a file as a container's stdout would). The figure is process CPU time per
request, best of the rounds; the ratio is against the app without `Observe`. That route is the
cheapest request the platform serves, so the ratio is the upper bound of the overhead: a real
request (a POST that writes, ~1–3 ms CPU) pays the same microseconds on a larger base.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from pathlib import Path
from typing import Any, TextIO

from fastapi import APIRouter

from bench.support import footer, header, result
from shared.observability import setup_logging
from shared.service import ServiceDef, build_app
from shared.web.access import Observe
from shared.web.auth import Principal, require
from tests.support.harness import test_settings

router = APIRouter()


@router.get("/v1/things/{thing_id}")
async def thing(thing_id: str, who: Principal = require("cs")) -> dict[str, str]:
    """The cheapest authenticated answer: no database."""
    return {"id": thing_id, "by": who.sub}


def app(observed: bool) -> Any:
    """The platform app, with or without the Observe middleware."""
    settings = test_settings("nats://127.0.0.1:1", "postgresql://kefu@127.0.0.1:1/kefu")
    built = build_app(ServiceDef(name="bench", router=router), settings)
    if not observed:
        built.user_middleware = [m for m in built.user_middleware if m.cls is not Observe]
    return built


async def drive(asgi: Any, requests: int) -> float:
    """CPU seconds per request for `requests` GETs through the ASGI interface."""
    headers = [(b"authorization", b"Bearer test-admin"), (b"host", b"bench")]

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    def scope(i: int) -> dict[str, Any]:
        return {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": f"/v1/things/T{i}",
            "raw_path": f"/v1/things/T{i}".encode(),
            "root_path": "",
            "query_string": b"",
            "headers": headers,
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }

    for i in range(200):  # warm up: the middleware stack and the route table are built lazily
        await asgi(scope(i), receive, send)
    start = time.process_time()
    for i in range(requests):
        await asgi(scope(i), receive, send)
    spent = time.process_time() - start
    assert set(statuses) == {200}, set(statuses)
    return spent / requests


async def measure(requests: int, rounds: int, out: TextIO) -> dict[str, float]:
    """Alternate the three variants, keep each one's best round."""
    variants = {"without Observe": False, "metrics only": True, "metrics + access line": True}
    best: dict[str, float] = {}
    for _ in range(rounds):
        for label, observed in variants.items():
            setup_logging("bench", "INFO" if label.endswith("line") else "WARNING")
            logging.getLogger().handlers[0].setStream(out)  # type: ignore[attr-defined]
            per = await drive(app(observed), requests)
            best[label] = min(best.get(label, per), per)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    log_file = Path(tempfile.mkdtemp(prefix="kefu-bench-observe-")) / "stdout.log"
    with open(log_file, "w") as out:
        best = asyncio.run(measure(args.requests, args.rounds, out))
    lines = len(log_file.read_text().splitlines())
    base = best["without Observe"]
    header(f"HTTP observation, {args.requests} requests × {args.rounds} rounds, CPU per request")
    for label, per in best.items():
        result(f"{label:<24}", f"{per * 1e6:7.1f} µs", per / base, "overhead < 5 % (issue 15)")
    print(f"  access lines written: {lines} ({log_file})")
    footer()


if __name__ == "__main__":
    main()
