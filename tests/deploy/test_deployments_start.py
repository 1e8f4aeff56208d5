"""The migration step of both deployments, run exactly as they run it.

Every service waits for it, so when it fails nothing comes up. The command lines are not
copied here: they are read from docker-compose.yml (as the Docker Compose CLI resolves it) and
from the Kubernetes Job, combined with the Dockerfile's ENTRYPOINT/CMD/ENV by Docker's and
Kubernetes' rules, and run as subprocesses against a real Postgres and a NATS server started
the way that deployment starts it (accounts and passwords included), on the Python the image
is built from.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import nats
import pytest
import yaml

from shared.consumers import CONSUMERS
from shared.migrate import migrations_for
from shared.settings import SERVICES
from shared.streams import stream_configs
from tests.support.deploy import (
    K8S,
    ROOT,
    compose_config,
    compose_nats_args,
    docker_argv,
    dockerfile,
    k8s_env,
    k8s_objects,
    kefu_services,
    kubernetes_argv,
    process_env,
    running_nats,
    with_host,
)
from tests.support.harness import Servers, create_database, drop_database, eventually
from tooling.embedded import free_port

IMAGE = dockerfile()


@pytest.fixture
async def database(servers: Servers) -> AsyncIterator[str]:
    url = await create_database(servers.admin_url, prefix="kefu_deploy")
    yield url
    await drop_database(servers.admin_url, url)


async def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run, argv, env=env, capture_output=True, text=True, timeout=180, check=False
    )


async def _assert_migrated_and_declared(database_url: str, nats_url: str) -> None:
    """Every service's schema has all its migrations; every stream and consumer exists."""
    conn = await asyncpg.connect(database_url)
    try:
        for service in SERVICES:
            applied = await conn.fetch(f"SELECT name FROM {service}.schema_migrations")
            assert {r["name"] for r in applied} == {m.name for m in migrations_for(service)}
    finally:
        await conn.close()
    nc = await nats.connect(nats_url, max_reconnect_attempts=0)
    try:
        js = nc.jetstream()
        for cfg in stream_configs(1, 30):
            assert (await js.stream_info(cfg.name or "")).config.subjects == cfg.subjects
        for spec in CONSUMERS:
            info = await js.consumer_info(spec.stream, spec.durable)
            assert info.name == spec.durable
    finally:
        await nc.close()


async def _twice(argv: list[str], env: dict[str, str]) -> None:
    """Run the step, then again as a restarted container or a re-applied Job would."""
    for attempt in (1, 2):
        result = await _run(argv, env)
        assert result.returncode == 0, (
            f"{argv} exited {result.returncode} (attempt {attempt}):\n"
            f"{result.stdout[-2000:]}{result.stderr[-4000:]}"
        )
    for service in SERVICES:
        assert f"{service}: " in result.stdout, result.stdout


def test_the_tests_run_on_the_python_the_image_is_built_from() -> None:
    if sys.version_info[:2] != IMAGE.python:
        pytest.skip(
            f"the image runs Python {'.'.join(map(str, IMAGE.python))} and this is "
            f"{sys.version.split()[0]}: run this file with that Python to test what ships"
        )
    assert sys.version_info[:2] == IMAGE.python


async def test_compose_migrate_service_runs_its_command_line(database: str, tmp_path: Path) -> None:
    project = compose_config()
    migrate = project["services"]["migrate"]
    argv = docker_argv(IMAGE, migrate.get("entrypoint"), migrate.get("command"))
    assert "kefu" in " ".join(argv), argv

    # NATS as compose starts it: its command (the image's entrypoint runs nats-server with
    # arguments), its config files through their bind mounts, its environment.
    server = project["services"]["nats"]
    nats_env = dict(os.environ) | server.get("environment", {})
    with running_nats(compose_nats_args(server, tmp_path), nats_env, tmp_path) as port:
        env = dict(migrate.get("environment", {}))
        env["KEFU_NATS_URL"] = with_host(env["KEFU_NATS_URL"], "nats", f"127.0.0.1:{port}")
        # compose's URL names the postgres service; this test's database stands in for it
        with_host(env["KEFU_DATABASE_URL"], "postgres", "")
        env["KEFU_DATABASE_URL"] = database
        await _twice(argv, process_env(IMAGE, env))
        await _assert_migrated_and_declared(database, env["KEFU_NATS_URL"])


def _spawn(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start a process writing its output to a log file."""
    with open(log, "wb") as out:
        return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)


async def test_every_compose_service_comes_up_as_compose_runs_it(
    database: str, tmp_path: Path
) -> None:
    """After the migration step, each service's own command line and environment, under its
    own NATS user, until its /readyz answers 200 (compose's healthcheck)."""
    project = compose_config()
    server = project["services"]["nats"]
    nats_env = dict(os.environ) | server.get("environment", {})
    ports = {name: free_port() for name in SERVICES}
    local = {f"http://{name}:8000": f"http://127.0.0.1:{port}" for name, port in ports.items()}
    children: list[subprocess.Popen[bytes]] = []
    with running_nats(compose_nats_args(server, tmp_path), nats_env, tmp_path) as nats_port:
        migrate = project["services"]["migrate"]
        env = dict(migrate["environment"])
        env["KEFU_NATS_URL"] = with_host(env["KEFU_NATS_URL"], "nats", f"127.0.0.1:{nats_port}")
        env["KEFU_DATABASE_URL"] = database
        argv = docker_argv(IMAGE, migrate.get("entrypoint"), migrate.get("command"))
        assert (await _run(argv, process_env(IMAGE, env))).returncode == 0
        try:
            for name in SERVICES:
                service = project["services"][name]
                argv = docker_argv(IMAGE, service.get("entrypoint"), service.get("command"))
                # the container's port 8000 is its own; here each gets a free loopback port
                assert argv[-2:] == ["--port", "8000"], argv
                argv[-1] = str(ports[name])
                env = dict(service["environment"])
                env["KEFU_NATS_URL"] = with_host(
                    env["KEFU_NATS_URL"], "nats", f"127.0.0.1:{nats_port}"
                )
                with_host(env["KEFU_DATABASE_URL"], "postgres", "")
                env["KEFU_DATABASE_URL"] = database
                env["KEFU_HTTP_HOST"] = "127.0.0.1"
                env.pop("KEFU_OTEL_ENDPOINT", None)  # no collector here
                for url, here in local.items():  # the console's calls to the services
                    env = {k: v.replace(url, here) for k, v in env.items()}
                children.append(_spawn(argv, process_env(IMAGE, env), tmp_path / f"{name}.log"))

            async def all_ready() -> bool:
                async with httpx.AsyncClient(timeout=2) as client:
                    for name, port in ports.items():
                        child = children[SERVICES.index(name)]
                        assert child.poll() is None, (tmp_path / f"{name}.log").read_text()[-3000:]
                        try:
                            r = await client.get(f"http://127.0.0.1:{port}/readyz")
                        except httpx.HTTPError:
                            return False
                        if r.status_code != 200:
                            return False
                return True

            await eventually(all_ready, timeout=90, interval=0.5)
        finally:
            for child in children:
                child.terminate()
            for child in children:
                try:
                    child.wait(30)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()


def _nats_values() -> dict[str, Any]:
    return yaml.safe_load((K8S / "nats-values.yaml").read_text())  # type: ignore[no-any-return]


async def test_kubernetes_migration_job_runs_its_command_line(
    database: str, tmp_path: Path
) -> None:
    objects = list(k8s_objects("base"))
    (job,) = [o for o in objects if o["kind"] == "Job" and o["metadata"]["name"] == "kefu-migrate"]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    argv = kubernetes_argv(IMAGE, container)
    assert "kefu" in " ".join(argv), argv

    # NATS as the Helm chart runs it: deploy/nats/accounts.conf, each password from the
    # nats-users Secret through the variables nats-values.yaml maps.
    keys = {
        variable: ref["valueFrom"]["secretKeyRef"]["key"]
        for variable, ref in _nats_values()["container"]["env"].items()
    }
    passwords = {variable: f"pw-{key}" for variable, key in keys.items()}
    secrets = {("nats-users", key): f"pw-{key}" for key in keys.values()}
    # The Job's copy of the admin password is the same value as the server's (secrets.example.yaml).
    secrets[("kefu-nats-admin", "password")] = secrets[("nats-users", "kefu-admin")]
    secrets[("kefu-pg-superuser", "username")] = "postgres"
    secrets[("kefu-pg-superuser", "password")] = "unused-here"
    secrets[("kefu-auth", "KEFU_AUTH_SECRET")] = "a-production-signing-secret-" + "x" * 32
    secrets[("kefu-auth", "KEFU_AUTH_KID")] = "k1"
    (tmp_path / "accounts.conf").write_text(
        (ROOT / "deploy" / "nats" / "accounts.conf").read_text()
    )
    (tmp_path / "server.conf").write_text(
        f'jetstream {{store_dir: "{tmp_path / "js"}"}}\ninclude accounts.conf\n'
    )
    nats_env = dict(os.environ) | passwords
    config_maps = {o["metadata"]["name"]: o["data"] for o in objects if o["kind"] == "ConfigMap"}
    with running_nats(["-c", str(tmp_path / "server.conf")], nats_env, tmp_path) as port:
        env = k8s_env(container, config_maps, secrets)
        config = config_maps["kefu-config"]
        env["KEFU_NATS_URL"] = with_host(
            env["KEFU_NATS_URL"], config["KEFU_NATS_HOST"], f"127.0.0.1:{port}"
        )
        with_host(env["KEFU_DATABASE_URL"], config["KEFU_DB_HOST"], "")
        env["KEFU_DATABASE_URL"] = database
        # one NATS server here, three in the cluster: streams of one replica
        env["KEFU_STREAM_REPLICAS"] = "1"
        await _twice(argv, process_env(IMAGE, env))
        await _assert_migrated_and_declared(database, env["KEFU_NATS_URL"])


# --- every service accepts the configuration its deployment gives it -------------------------


def _served(argv: list[str]) -> str | None:
    """The service a container runs (`kefu run <service>`), if it runs one."""
    if "kefu" in argv and "run" in argv:
        return argv[argv.index("run") + 1]
    return None


def _accepts(service: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Build the service's app with this environment: its settings are read and checked then."""
    return subprocess.run(
        [sys.executable, "-c", f"from services.{service}.app import create_app; create_app()"],
        env=process_env(IMAGE, env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_every_compose_service_accepts_its_configuration() -> None:
    project = compose_config()
    started = []
    for name, service in kefu_services(project).items():
        argv = docker_argv(IMAGE, service.get("entrypoint"), service.get("command"))
        served = _served(argv)
        if served is None:
            continue
        started.append(served)
        result = _accepts(served, service.get("environment", {}))
        assert result.returncode == 0, f"{name}: {result.stderr[-1500:]}"
    assert sorted(started) == sorted(SERVICES)


def test_every_kubernetes_deployment_accepts_its_configuration() -> None:
    objects = list(k8s_objects("base"))
    config_maps = {o["metadata"]["name"]: o["data"] for o in objects if o["kind"] == "ConfigMap"}
    example = yaml.safe_load_all((K8S / "secrets.example.yaml").read_text())
    # the Secrets as the example documents them, each CHANGE-ME replaced by a made-up value
    secrets = {
        (s["metadata"]["name"], key): (
            f"{s['metadata']['name']}-{key}-" + "0" * 32 if "CHANGE-ME" in value else value
        )
        for s in example
        if s and s["kind"] == "Secret"
        for key, value in s["stringData"].items()
    }
    started = []
    for deployment in (o for o in objects if o["kind"] == "Deployment"):
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        served = _served(kubernetes_argv(IMAGE, container))
        if served is None:
            continue
        started.append(served)
        env = k8s_env(container, config_maps, secrets)
        result = _accepts(served, env)
        assert result.returncode == 0, f"{served}: {result.stderr[-1500:]}"
    assert sorted(started) == sorted(SERVICES)
