"""Repository-level checks: the import contract, the compose file, the console entry point."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from shared.settings import SERVICES

pytestmark = pytest.mark.quick
ROOT = Path(__file__).resolve().parents[2]


def test_import_contract_holds() -> None:
    """No service imports another; the platform imports no service; neither imports tooling."""
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout
    for name in (
        "Services are independent of each other KEPT",
        "The platform imports no service KEPT",
        "No service and no platform module imports the tooling KEPT",
        "Domain rules do no I/O KEPT",
    ):
        assert name in result.stdout


def test_compose_file_parses_and_names_every_service() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    names = set(compose["services"])
    assert set(SERVICES) <= names
    assert {"nats", "postgres", "migrate", "prometheus", "grafana"} <= names
    for service in SERVICES:
        spec = compose["services"][service]
        assert spec["command"][:2] == ["run", service]
        assert "healthcheck" in spec
        assert "ports" not in spec, "scaled services must not publish fixed host ports"
    # JetStream and the accounts come from the config file (tests/deploy/test_compose.py)
    assert compose["services"]["nats"]["command"] == ["-c", "/etc/nats/compose.conf"]
    assert "jetstream {" in (ROOT / "deploy" / "nats" / "compose.conf").read_text()


def test_generated_files_match_the_catalogue() -> None:
    """docs/EVENTS.md, the request fields of docs/services/*.md (and every other file or section
    `kefu catalogue render` writes) are current."""
    from tooling.catalogue import render

    assert render(ROOT, check=True) == [], "run `kefu catalogue render` and commit the result"


def test_nothing_points_outside_the_repository() -> None:
    """A clone has nothing beside it: no file refers to ../shared or to the original brief."""
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    outside = [
        name
        for name in tracked
        if (ROOT / name).is_file()
        and not name.endswith((".png", ".jpg", ".lock"))
        and (
            "../shared" in (text := (ROOT / name).read_text(errors="replace"))
            or "DESIGN.md" in text
        )
        and name != "tests/unit/test_repository.py"
    ]
    assert outside == []


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text()
    return {k.lower(): v for k, v in re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", text, re.M)}


def test_the_runtime_lock_is_the_dev_lock_without_the_dev_tools() -> None:
    """`./dev up` installs requirements.lock, the tests requirements-dev.lock: the same pins,
    and no test tool in the first (regenerate both with `./dev lock`)."""
    runtime, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    assert {k: dev.get(k) for k in runtime} == runtime, "a pin differs between the two locks"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    direct = {re.split(r"[\[=<>]", d)[0].lower() for d in project["dependencies"]}
    tools = {re.split(r"[\[=<>]", d)[0].lower() for d in project["optional-dependencies"]["dev"]}
    assert direct <= set(runtime), f"missing from requirements.lock: {direct - set(runtime)}"
    assert tools <= set(dev), f"missing from requirements-dev.lock: {tools - set(dev)}"
    assert not (tools - direct) & set(runtime), "dev tools in requirements.lock"
