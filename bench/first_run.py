"""A newcomer's first `./dev up` on a fresh clone, then the second one, timed to every /readyz 200.

    .venv/bin/python -m bench.first_run [--repo .] [--port-base 28000] [--keep]

Clones the repository's HEAD into a temporary directory (pip's cache stays as it is) and runs
`./dev up --port-base N` there twice: the first run creates .venv/, installs requirements.lock
and initialises the embedded Postgres; the second must install nothing. For each run it prints
the wall time from the command to the moment every service's /readyz answers 200, and the CPU
seconds the run used until then (its whole process tree, Postgres included): on a shared machine
the wall time follows the load, the CPU time much less. `--favoured` gives the runs' session
priority over every other session (Linux autogroups; root), which on a shared machine comes
closest to a quiet one. Target (issue 20): first run < 60 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

from bench.support import footer, header, result, verdict
from shared.settings import DEFAULT_PORT_BASE, DEFAULT_PORTS

TARGET_SECONDS = 60.0


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
            return bool(r.status == 200)
    except Exception:
        return False


def _cpu(root: psutil.Process, clone: Path) -> float:
    """CPU seconds of the run: the tree under `./dev up` (children it waited for included) and
    the Postgres processes of the clone (pg_ctl starts them outside the tree)."""
    procs = {root.pid: root}
    procs |= {p.pid: p for p in root.children(recursive=True)}
    for p in psutil.process_iter(["cmdline"]):
        if any(str(clone) in part for part in p.info["cmdline"] or ()):
            procs.setdefault(p.pid, p)
    total = 0.0
    for p in procs.values():
        try:
            t = p.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        except psutil.Error:
            pass
    return total


def _favour(pid: int) -> None:
    """Give the session of pid priority over every other session (Linux autogroups, root):
    on a shared machine, the closest to measuring on a quiet one."""
    Path(f"/proc/{pid}/autogroup").write_text("-19")


def run_once(
    clone: Path, base: int, log: Path, favoured: bool, timeout: float = 600
) -> tuple[float, float, str, dict[str, float]]:
    """One `./dev up`: (seconds to every /readyz 200, CPU seconds, its output, when each line
    of its output came); then stopped."""
    ports = [base + p - DEFAULT_PORT_BASE for p in DEFAULT_PORTS.values()]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env.pop("VIRTUAL_ENV", None)
    lines: dict[str, float] = {}
    started = time.monotonic()
    proc = subprocess.Popen(
        ["./dev", "up", "--port-base", str(base)],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    if favoured:
        _favour(proc.pid)

    def read() -> None:
        assert proc.stdout is not None
        with open(log, "wb") as out:
            for raw in proc.stdout:
                out.write(raw)
                lines.setdefault(raw.decode(errors="replace")[:18], time.monotonic() - started)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        root = psutil.Process(proc.pid)
        while not all(_ready(p) for p in ports):
            if proc.poll() is not None or time.monotonic() - started > timeout:
                raise RuntimeError(f"./dev up did not get ready: see {log}")
            time.sleep(0.2)
        took = time.monotonic() - started
        cpu = _cpu(root, clone)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        reader.join(10)
    return took, cpu, log.read_text(errors="replace"), lines


def phases(lines: dict[str, float], took: float) -> str:
    """Seconds each phase took, from when its closing output line came."""
    marks = [("venv + install + NATS", "embedded NATS"), ("Postgres", "embedded Postgres")]
    marks += [("migrate + declare", "fake SMS gateway"), ("services to ready", "")]
    out, previous = [], 0.0
    for name, line in marks:
        at = next((t for text, t in lines.items() if line and text.startswith(line)), took)
        out.append(f"{name} {at - previous:.1f}")
        previous = at
    return ", ".join(out)


def main(args: argparse.Namespace) -> None:
    favoured = " (its session favoured over the others')" if args.favoured else ""
    header(f"first and second `./dev up` on a fresh clone, to every /readyz 200{favoured}")
    work = Path(tempfile.mkdtemp(prefix="kefu-first-run-"))
    clone = work / "kefu"
    try:
        subprocess.run(
            ["git", "clone", "-q", str(Path(args.repo).resolve()), str(clone)], check=True
        )
        head = subprocess.run(
            ["git", "log", "--oneline", "-1"], cwd=clone, capture_output=True, text=True
        ).stdout.strip()
        print(f"clone of {head}", flush=True)
        first, first_cpu, out1, lines1 = run_once(
            clone, args.port_base, work / "first.log", args.favoured
        )
        second, second_cpu, out2, lines2 = run_once(
            clone, args.port_base, work / "second.log", args.favoured
        )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    installed_again = "installing" in out2
    print()
    result(
        "second run (baseline: nothing to install)", f"{second:5.1f} s  (CPU {second_cpu:.0f} s)"
    )
    result(
        "first run (venv, install, initdb)",
        f"{first:5.1f} s  (CPU {first_cpu:.0f} s)",
        first / second,
        f"< {TARGET_SECONDS:.0f} s {verdict(first < TARGET_SECONDS)}",
    )
    print(f"phases of the first run (s): {phases(lines1, first)}")
    print(f"phases of the second run (s): {phases(lines2, second)}")
    print(f"second run installed {'SOMETHING (a defect)' if installed_again else 'nothing'}")
    if "installing" not in out1:
        print("note: the first run installed nothing (is the clone's .venv reused?)")
    footer()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", default=".", help="the repository to clone (its HEAD)")
    parser.add_argument("--port-base", type=int, default=28000, help="`./dev up --port-base`")
    parser.add_argument("--keep", action="store_true", help="keep the clone and logs")
    parser.add_argument(
        "--favoured",
        action="store_true",
        help="give the runs' session priority over other sessions (Linux autogroup, root): a"
        " shared machine measured as if quiet",
    )
    main(parser.parse_args())
