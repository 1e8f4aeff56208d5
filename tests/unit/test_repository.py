"""Repository-level checks: the import contract, the compose file, the console entry point."""

from __future__ import annotations

import shutil
import subprocess
import sys
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


def test_every_service_has_the_same_file_names() -> None:
    for service in SERVICES:
        folder = ROOT / "services" / service
        for name in ("app", "config", "handlers", "api", "queries", "domain"):  # see test_layout.py
            # A module past ~300 lines may become a package of the same name (DESIGN.md §2).
            assert (folder / f"{name}.py").exists() or (folder / name / "__init__.py").exists(), (
                f"services/{service}/{name}.py is missing"
            )
        assert list((folder / "migrations").glob("*.sql")), f"{service} has no migrations"


def test_generated_files_match_the_catalogue() -> None:
    """docs/EVENTS.md (and every other file `kefu catalogue render` writes) is current."""
    from tooling.catalogue import render

    assert render(ROOT, check=True) == [], "run `kefu catalogue render` and commit the result"
