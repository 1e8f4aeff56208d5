"""`./dev mutate [module…]`: mutmut over the domain rules, each service's with its own unit tests.

A mutant is a small change to a rule (`+=` → `=`, `<=` → `<`, 25 → 26); the unit tests should fail
on every change of behaviour. mutmut 3 is configured in pyproject.toml ([tool.mutmut]); which tests
pin which service is [tool.kefu.mutate.tests] there. Each service runs in its own work directory
`.mutants/<service>/` (mutmut writes `mutants/` into the directory it runs in), with
[tool.mutmut] narrowed to that service's domain modules and test files, several services at once.
The command prints the score of every module and exits 1 when one is below [tool.kefu.mutate]
min-score (or below its floor in [tool.kefu.mutate.floor], an allowance that may only rise).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutants"

# mutmut's exit codes per mutant (mutmut/stats.py): a timeout is a kill (the change looped), a
# mutant no test reaches is not.
KILLED = {1, 3, 24, -24, 152, 255, 36}
SKIPPED = {34}

# Printed for each failing module after the run, in the work directory (mutmut reads its config
# from there): the changed lines of every surviving mutant.
_SHOW = """
import json, sys
from mutmut.mutation.diff_apply import get_diff_for_mutant
for name, path in json.loads(sys.argv[1]):
    lines = get_diff_for_mutant(name, path=path).splitlines()[2:]
    changed = [l for l in lines if l[:1] in "+-"]
    print("  " + name)
    for line in changed:
        print("      " + line)
"""


@dataclass
class Plan:
    """Which modules of one service to mutate and which test files pin them."""

    service: str
    modules: list[str]  # paths relative to the repository, services/<service>/domain/<m>.py
    tests: list[str]


@dataclass
class Score:
    """mutmut's verdicts on one module's mutants."""

    module: str
    killed: int = 0
    total: int = 0
    unchecked: int = 0
    failing: dict[str, int] = field(default_factory=dict)  # mutant name -> exit code

    @property
    def percent(self) -> float | None:
        """Killed over tested, None for a module without mutants."""
        return None if self.total == 0 else 100.0 * self.killed / self.total


def settings() -> dict[str, Any]:
    """[tool.kefu.mutate] and [tool.mutmut] of pyproject.toml."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    return {"kefu": data["tool"]["kefu"]["mutate"], "mutmut": data["tool"]["mutmut"], "all": data}


def domain_modules(service: str) -> list[str]:
    """The rule modules of a service, as repository paths."""
    folder = ROOT / "services" / service / "domain"
    return sorted(str(p.relative_to(ROOT)) for p in folder.glob("*.py"))


def test_files(patterns: list[str]) -> list[str]:
    """The unit test files the patterns name (sorted, each once)."""
    found = {str(p.relative_to(ROOT)) for pattern in patterns for p in ROOT.glob(pattern)}
    return sorted(found)


def plans(selection: list[str], tests: dict[str, list[str]]) -> list[Plan]:
    """What to run for the arguments: nothing given is every service; a service name is all of
    its modules; `service.module` or a path is that module."""
    wanted: dict[str, set[str]] = {}
    for arg in selection or list(tests):
        name = arg.removesuffix(".py").replace("/", ".")
        parts = name.split(".")
        if parts[0] == "services":
            parts = parts[1:]
        parts = [p for p in parts if p != "domain"]
        service = parts[0]
        if service not in tests:
            raise SystemExit(
                f"mutate: unknown service {service!r} in {arg!r}; "
                f"[tool.kefu.mutate.tests] names {', '.join(tests)}"
            )
        known = domain_modules(service)
        if len(parts) == 1:
            wanted.setdefault(service, set()).update(known)
        else:
            path = f"services/{service}/domain/{parts[1]}.py"
            if path not in known:
                raise SystemExit(f"mutate: no module {path}")
            wanted.setdefault(service, set()).add(path)
    result = []
    for service, modules in wanted.items():
        files = test_files(tests[service])
        if not files:
            raise SystemExit(f"mutate: no test file matches {tests[service]} for {service}")
        result.append(Plan(service, sorted(modules), files))
    # The biggest first, so the last one to finish is a small one.
    return sorted(result, key=lambda p: -sum((ROOT / m).stat().st_size for m in p.modules))


def _toml(value: Any) -> str:
    """A TOML value for the strings, numbers, booleans and lists the settings hold (JSON's
    spelling of these is TOML's)."""
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value)


def prepare(plan: Plan, config: dict[str, Any]) -> Path:
    """A fresh work directory for one service: the sources and tests linked, and a
    pyproject.toml with pytest's settings and [tool.mutmut] narrowed to this service."""
    work = WORK / plan.service
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for name in ("services", "tests"):
        (work / name).symlink_to(ROOT / name)
    mutmut = dict(config["mutmut"])
    mutmut["only_mutate"] = plan.modules
    mutmut["pytest_add_cli_args_test_selection"] = plan.tests
    lines = ["[tool.pytest.ini_options]"]
    lines += [
        f"{k} = {_toml(v)}" for k, v in config["all"]["tool"]["pytest"]["ini_options"].items()
    ]
    lines += ["", "[tool.mutmut]"]
    lines += [f"{k} = {_toml(v)}" for k, v in mutmut.items()]
    (work / "pyproject.toml").write_text("\n".join(lines) + "\n", "utf-8")
    return work


def scores(work: Path, modules: list[str]) -> list[Score]:
    """The verdicts mutmut saved so far, per module."""
    result = []
    for module in modules:
        score = Score(module)
        meta = work / "mutants" / (module + ".meta")
        if meta.exists():
            try:
                verdicts = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
            except (ValueError, KeyError):  # being rewritten right now
                verdicts = {}
            for name, code in verdicts.items():
                if code in SKIPPED:
                    continue
                score.total += 1
                if code is None:
                    score.unchecked += 1
                elif code in KILLED:
                    score.killed += 1
                else:
                    score.failing[name] = code
        result.append(score)
    return result


def floor_of(module: str, kefu: dict[str, Any]) -> float:
    """The score a module must reach: min-score, or its allowance while it has one."""
    floors: dict[str, float] = kefu.get("floor", {})
    return float(floors.get(module, kefu["min-score"]))


def _line(score: Score, floor: float) -> str:
    percent = score.percent
    if percent is None:
        return f"  {score.module:<48} {'—':>7}   no mutants"
    verdict = "ok" if percent >= floor else f"BELOW {floor:g} %"
    survived = score.total - score.killed - score.unchecked
    return (
        f"  {score.module:<48} {percent:6.1f} %  {score.killed:>4}/{score.total:<4} killed"
        f"  {survived:>3} survived   {verdict}"
    )


def show_survivors(work: Path, failing: list[tuple[str, str]], limit: int) -> None:
    """The changed lines of the surviving mutants (mutmut's own diff)."""
    if not failing:
        return
    shown = failing[:limit]
    python = ROOT / ".venv" / "bin" / "python"
    subprocess.run(
        [str(python if python.exists() else sys.executable), "-c", _SHOW, json.dumps(shown)],
        cwd=work,
        check=False,
    )
    if len(failing) > limit:
        print(f"  … and {len(failing) - limit} more (cd {work.relative_to(ROOT)} && mutmut browse)")


def main(argv: list[str] | None = None) -> int:
    """Run, report, and exit 0 only when every module reaches its score."""
    parser = argparse.ArgumentParser(
        prog="./dev mutate",
        description="Mutation testing of services/*/domain/ (mutmut 3); see docs/TESTING.md.",
    )
    parser.add_argument(
        "modules",
        nargs="*",
        help="a service (logistics), a module (logistics.penalties) or a path; default: all",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 2,
        help="services mutated at once (default: the number of cores)",
    )
    parser.add_argument(
        "--show",
        type=int,
        default=40,
        help="surviving mutants shown per failing service (default 40)",
    )
    args = parser.parse_args(argv)
    config = settings()
    kefu = config["kefu"]
    todo = plans(args.modules, kefu["tests"])
    mutmut = ROOT / ".venv" / "bin" / "mutmut"
    command = str(mutmut) if mutmut.exists() else "mutmut"
    children = max(1, (os.cpu_count() or 2) // max(1, min(args.jobs, len(todo))))
    started = time.monotonic()
    print(
        f"mutate: {', '.join(p.service for p in todo)} "
        f"({min(args.jobs, len(todo))} at once, {children} workers each)",
        flush=True,
    )

    running: dict[str, tuple[subprocess.Popen[bytes], Path, float]] = {}
    works: dict[str, Path] = {}
    failed_runs: list[str] = []
    waiting = list(todo)
    last_report = time.monotonic()
    by_service = {p.service: p for p in todo}
    while waiting or running:
        while waiting and len(running) < args.jobs:
            plan = waiting.pop(0)
            work = prepare(plan, config)
            works[plan.service] = work
            log = (work / "mutmut.log").open("wb")
            process = subprocess.Popen(
                [command, "run", "--max-children", str(children)],
                cwd=work,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            running[plan.service] = (process, work, time.monotonic())
            print(
                f"mutate: {plan.service}: {len(plan.modules)} modules, {len(plan.tests)} test files"
            )
        time.sleep(1)
        for service, (process, work, began) in list(running.items()):
            if process.poll() is None:
                continue
            del running[service]
            seconds = time.monotonic() - began
            if process.returncode != 0:
                failed_runs.append(service)
                print(f"mutate: {service}: mutmut exited {process.returncode}; the end of its log:")
                tail = (work / "mutmut.log").read_text("utf-8", "replace").replace("\r", "\n")
                print("\n".join(line for line in tail.splitlines() if line.strip())[-3000:])
            else:
                done = scores(work, by_service[service].modules)
                total = sum(s.total for s in done)
                print(f"mutate: {service}: {total} mutants in {seconds:.0f} s", flush=True)
        if running and time.monotonic() - last_report >= 30:
            last_report = time.monotonic()
            for service, (_, work, began) in running.items():
                now = scores(work, by_service[service].modules)
                total = sum(s.total for s in now)
                tried = total - sum(s.unchecked for s in now)
                print(
                    f"mutate: {service}: {tried}/{total} mutants tried "
                    f"({time.monotonic() - began:.0f} s)",
                    flush=True,
                )

    failing_modules = 0
    print(f"\nmutation scores (minimum {kefu['min-score']:g} %):")
    for plan in todo:
        if plan.service in failed_runs:
            continue
        results = scores(works[plan.service], plan.modules)
        survivors: list[tuple[str, str]] = []
        for score in results:
            floor = floor_of(score.module, kefu)
            print(_line(score, floor))
            if score.unchecked:
                print(f"      {score.unchecked} mutants were not tried")
            if score.percent is not None and (score.percent < floor or score.unchecked):
                failing_modules += 1
                survivors += [(name, score.module) for name in sorted(score.failing)]
        if survivors:
            print(f"\nmutants of {plan.service} that no test catches (the changed lines):")
            show_survivors(works[plan.service], survivors, args.show)
            print()
    unmatched = [
        m
        for m in kefu.get("floor", {})
        if not any(fnmatch.fnmatch(m, f"services/{s}/domain/*") for s in kefu["tests"])
        or not (ROOT / m).exists()
    ]
    for module in unmatched:
        print(f"mutate: [tool.kefu.mutate.floor] names {module}, which is no domain module")
    elapsed = time.monotonic() - started
    print(f"mutate: {elapsed:.0f} s", flush=True)
    if failed_runs or failing_modules or unmatched:
        print(
            f"mutate: FAILED ({failing_modules} modules below their score"
            + (f", mutmut failed for {', '.join(failed_runs)}" if failed_runs else "")
            + ")"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
