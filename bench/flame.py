"""Summarise a py-spy profile (raw/collapsed format): where the event loop's time goes.

    .venv/bin/py-spy record -f raw -r 100 -o /tmp/ordinary.txt -- \\
        .venv/bin/python -m bench.consume --paths ordinary --events 20000
    .venv/bin/python -m bench.flame /tmp/ordinary.txt [--only _run_module_as_main] [--top 30]

Prints self time by component (the package of the innermost frame), then inclusive time of
the busiest functions. `--only` keeps the stacks that contain a frame (e.g. the main thread's
entry), which leaves out idle worker threads.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

COMPONENTS = (
    ("fast_depends/", "FastStream DI (fast_depends)"),
    ("faststream/prometheus", "FastStream Prometheus middleware"),
    ("faststream/", "FastStream"),
    ("anyio/", "anyio"),
    ("asyncpg/", "asyncpg"),
    ("nats/", "nats-py"),
    ("pydantic", "pydantic"),
    ("prometheus_client/", "prometheus_client"),
    ("opentelemetry/", "OpenTelemetry"),
    ("shared/", "platform (shared/)"),
    ("bench/", "benchmark code"),
    ("starlette/", "Starlette"),
    ("fastapi/", "FastAPI"),
    ("uvicorn/", "uvicorn"),
    ("h11/", "h11"),
    ("selector_events.py", "socket I/O (asyncio transports)"),
    ("selectors.py", "waiting in epoll"),
    ("asyncio/", "asyncio event loop"),
    ("json/", "json"),
    ("uuid.py", "uuid"),
    ("logging/", "logging"),
    ("<frozen", "imports"),
)
_LINE = re.compile(r":\d+\)$")


def component(frame: str) -> str:
    """The component a frame belongs to, by its file path."""
    for needle, name in COMPONENTS:
        if needle in frame:
            return name
    return "other"


def summarize(path: Path, only: str | None, top: int) -> str:
    """The report for one profile."""
    selfs: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_LINE.sub(")", f) for f in stack.split(";")]
        if only and not any(only in f for f in frames):
            continue
        n = int(count)
        total += n
        selfs[component(frames[-1])] += n
        for f in set(frames):
            inclusive[f] += n
    if not total:
        return "no samples"
    out = [f"{total} samples", "", "self time by component:"]
    out += [f"  {100 * v / total:5.1f}%  {k}" for k, v in selfs.most_common()]
    out += ["", f"inclusive time, top {top}:"]
    out += [f"  {100 * v / total:5.1f}%  {k}" for k, v in inclusive.most_common(top)]
    return "\n".join(out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("profile", type=Path)
    parser.add_argument("--only", help="keep stacks containing this frame text")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    print(summarize(args.profile, args.only, args.top))
