"""The platform's own Python per consumed message: `Settler.handle` with bench.consume's handler
(one row, one emitted event) on an in-memory connection, so no I/O and no server is involved.

    .venv/bin/python -m bench.settler_cpu [--messages 20000] [--rounds 5] [--against <checkout>]

Prints the best CPU time per message of `--rounds` passes. With `--against`, the same
measurement runs in the other checkout (this file executed by its `.venv/bin/python` on its
code), the two alternating, and the ratio is printed: what the platform's per-message code
costs this commit against another, without the run-to-run drift of a throughput benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from shared import inbox
from shared.bus import Settler
from shared.consumers import ConsumerSpec

REPO = Path(__file__).resolve().parents[1]


class Connection:
    """Answers what the settler's transaction expects: the claim taken, the row, the COMMIT."""

    def is_closed(self) -> bool:
        return False

    async def execute(self, sql: str, *args: Any) -> str:
        if sql.startswith("BEGIN"):
            return inbox.CLAIMED
        return "COMMIT" if sql.endswith("COMMIT") else "INSERT 0 1"


class Acquired:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def __aenter__(self) -> Connection:
        return self.conn

    async def __aexit__(self, *exc: object) -> None:
        return None


class Pool:
    def __init__(self) -> None:
        self.conn = Connection()

    def acquire(self) -> Acquired:
        return Acquired(self.conn)


class Message:
    """A delivered message as nats-py hands it over: body, headers, metadata, ack."""

    def __init__(self, data: bytes, number: int) -> None:
        self.data, self.subject = data, "complaint.opened"
        self.headers = {"Nats-Msg-Id": str(number)}
        self.metadata = SimpleNamespace(num_delivered=1, sequence=SimpleNamespace(stream=number))

    async def ack(self) -> None:
        return None

    async def in_progress(self) -> None:
        return None


async def measure(messages: int, rounds: int) -> float:
    """Best microseconds of CPU per message over `rounds` passes (after a warm-up pass)."""
    from bench.worker import complaint, row_and_event

    spec = ConsumerSpec("bench", "bench_settler_cpu", ("complaint.opened",))
    settler = Settler(Pool(), "bench", spec, [1.0])  # type: ignore[arg-type]
    data = complaint().model_dump_json().encode()
    batch = [Message(data, i) for i in range(messages)]
    for m in batch[: messages // 10]:
        await settler.handle(m, row_and_event)  # type: ignore[arg-type]
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for m in batch:
            await settler.handle(m, row_and_event)  # type: ignore[arg-type]
        best = min(best, (time.process_time() - started) / messages * 1e6)
    return best


def in_checkout(checkout: Path, messages: int, rounds: int) -> float:
    """The same measurement in another checkout's interpreter and code."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    script = f"import asyncio, runpy; m = runpy.run_path({str(Path(__file__))!r}, run_name='x'); "
    script += f"print(asyncio.run(m['measure']({messages}, {rounds})))"
    out = subprocess.run(
        [str(checkout / ".venv" / "bin" / "python"), "-c", script],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--against", type=Path, help="another checkout with its own .venv")
    args = parser.parse_args()
    print(f"Settler.handle, no I/O, best of {args.rounds} × {args.messages:,} messages", flush=True)
    if args.against is None:
        print(f"this checkout: {asyncio.run(measure(args.messages, args.rounds)):.1f} µs")
        return
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(3):
        ours.append(in_checkout(REPO, args.messages, args.rounds))
        theirs.append(in_checkout(args.against.resolve(), args.messages, args.rounds))
        print(f"  this {ours[-1]:.1f} µs, other {theirs[-1]:.1f} µs", flush=True)
    best, other = min(ours), min(theirs)
    print(f"this checkout {best:.1f} µs, other {other:.1f} µs per message: {best / other:.2f}×")


if __name__ == "__main__":
    main()
