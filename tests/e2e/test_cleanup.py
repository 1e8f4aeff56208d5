"""Nothing outlives what started it: a test session, a `kefu up` however it ends, and a port
another `kefu up` holds is refused rather than shared."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.support.kefu_up import alive, free_ports, kefu_up, up_env

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]

LEAKY = """
import subprocess, sys
from pathlib import Path

def test_starts_a_server_and_forgets_it(tmp_path):
    # In its own session, as nats-server and postgres run: no process group reaches it.
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                         start_new_session=True)
    Path(__file__).with_name("pid").write_text(str(p.pid))

def test_a_daemon_whose_parent_is_gone():
    # sh starts the sleeper in the background and exits: its parent becomes init.
    subprocess.run(["sh", "-c", "sleep 600 & echo $! > " + str(Path(__file__).with_name("orphan"))])
"""

TIDY = """
import subprocess, sys

def test_starts_and_stops():
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    p.kill()
    p.wait()
"""


def _gone(pid: int) -> bool:
    try:
        return not alive([psutil.Process(pid)])
    except psutil.NoSuchProcess:
        return True


def _session(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    """Run a pytest session on `source` with the leak check loaded (not this suite's conftest)."""
    (tmp_path / "test_inner.py").write_text(source)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [
            *(
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "tests.support.leaks",
                "-p",
                "no:cacheprovider",
            ),
            *("--rootdir", str(tmp_path), "--basetemp", str(tmp_path / "inner"), "-q"),
            str(tmp_path / "test_inner.py"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.quick
def test_a_session_that_leaves_a_process_running_fails_and_kills_it(tmp_path: Path) -> None:
    run = _session(tmp_path, LEAKY)
    out = run.stdout + run.stderr
    assert "2 passed" in out, out  # the tests themselves pass: the session end fails them
    assert run.returncode == pytest.ExitCode.TESTS_FAILED, out
    assert "processes left running by this session (now stopped)" in out
    for name in ("pid", "orphan"):
        pid = int((tmp_path / name).read_text())
        assert f"pid {pid}:" in out, out
        assert _gone(pid), f"pid {pid} still runs"


@pytest.mark.quick
def test_a_session_that_stops_what_it_started_passes(tmp_path: Path) -> None:
    run = _session(tmp_path, TIDY)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "left running" not in run.stdout


@pytest.mark.quick
def test_kefu_up_refuses_a_port_in_use_and_starts_nothing(tmp_path: Path) -> None:
    ports = free_ports()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", ports["projects"]))
        holder.listen()
        run = subprocess.run(
            [sys.executable, "-m", "tooling.cli", "up", "--home", str(tmp_path / "home")],
            env=up_env(ports),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert run.returncode != 0
    assert f"port(s) already in use: projects {ports['projects']}" in run.stderr, run.stderr
    assert "--port-base" in run.stderr
    assert not (tmp_path / "home" / "up.json").exists()
    assert not (tmp_path / "home" / "nats").exists(), "nothing was started"


def test_kefu_up_killed_outright_leaves_nothing_running(tmp_path: Path) -> None:
    """SIGKILL to `kefu up` alone, as a timed-out test once did: its reaper stops the rest."""
    with kefu_up(tmp_path, "intake") as up:
        up.wait_ready(("intake",))
        started = [p for p in up.started if p.pid != up.process.pid]
        names = " ".join(" ".join(p.cmdline()) for p in started)
        assert "nats-server" in names and "postgres" in names and "tooling.fakes" in names
        assert "tooling.cli run intake" in names

        up.process.kill()
        up.process.wait()
        deadline = time.monotonic() + 40
        while alive(started) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive(started), [" ".join(p.cmdline()) for p in alive(started)]
        assert not (up.home / "up.json").exists()
        reaper = (up.home / "reaper.log").read_text()
        assert "ended without stopping: stopped" in reaper, reaper
        for name in ("nats-server", "postgres", "fakes", "intake"):
            assert name in reaper, reaper
