"""A pytest plugin: the session fails if any process it started outlives it.

At start it puts a mark unique to this session into the environment, which every process the
session starts inherits (and hands on: a server's workers, a daemon that left its parent). At the
end, after every fixture is torn down, whatever still runs with that mark, or below the pytest
process, was left behind: it is listed, killed (so the next run starts clean) and the session
fails. Loaded by tests/conftest.py; `pytest -p tests.support.leaks` loads it anywhere.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid

import psutil
import pytest

MARK = "PYTEST_KEFU_SESSION"  # not KEFU_*: tests hand children an environment without those
GRACE_SECONDS = 3.0  # what is still shutting down at the end gets this long to finish


def _marked(mark: str) -> list[psutil.Process]:
    """Live processes other than this one whose environment carries the mark."""
    found = []
    for p in psutil.process_iter():
        if p.pid == os.getpid():
            continue
        with contextlib.suppress(psutil.Error):
            if p.status() != psutil.STATUS_ZOMBIE and p.environ().get(MARK) == mark:
                found.append(p)
    return found


def leftovers(mark: str) -> list[psutil.Process]:
    """Processes started by this session that still run: marked ones and our descendants."""
    found = {p.pid: p for p in _marked(mark)}
    with contextlib.suppress(psutil.Error):
        for p in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if p.status() != psutil.STATUS_ZOMBIE:
                    found.setdefault(p.pid, p)
    return list(found.values())


def _describe(p: psutil.Process) -> str:
    try:
        return f"pid {p.pid}: {' '.join(p.cmdline())[:160]}"
    except psutil.Error:
        return f"pid {p.pid}"


def check(mark: str, grace: float = GRACE_SECONDS) -> list[str]:
    """Wait out the grace for what is stopping; describe and stop (SIGTERM, then SIGKILL) the
    rest."""
    deadline = time.monotonic() + grace
    left = leftovers(mark)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = leftovers(mark)
    described = [_describe(p) for p in left]
    for p in left:
        with contextlib.suppress(psutil.Error):
            p.terminate()
    _, still = psutil.wait_procs(left, timeout=5)
    for p in still:
        with contextlib.suppress(psutil.Error):
            p.kill()
    psutil.wait_procs(still, timeout=5)
    return described


def pytest_configure(config: pytest.Config) -> None:
    os.environ[MARK] = f"{os.getpid()}-{uuid.uuid4().hex}"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> object:
    """After every fixture's teardown (and the summary): fail if anything was left running."""
    result = yield
    left = check(os.environ[MARK])
    if left:
        writer = session.config.get_terminal_writer()
        writer.line()
        writer.sep("=", "processes left running by this session (now stopped)", red=True)
        for line in left:
            writer.line(line, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    return result
