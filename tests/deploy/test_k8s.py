"""deploy/k8s: every manifest parses, core kinds match the Kubernetes schemas, CRDs their docs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.consumers import CONSUMERS
from shared.settings import SERVICES
from shared.streams import stream_configs

pytestmark = pytest.mark.quick

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUSTOMIZATIONS = ("base", "infra", "monitoring")
MANIFESTS = sorted(p for d in KUSTOMIZATIONS for p in (K8S / d).glob("*.yaml"))
MANIFESTS.append(K8S / "secrets.example.yaml")
CORE_KINDS = {
    "Namespace",
    "ConfigMap",
    "Secret",
    "Deployment",
    "Service",
    "Job",
    "StatefulSet",
    "PodDisruptionBudget",
}
ACCOUNTS = (ROOT / "deploy" / "nats" / "accounts.conf").read_text()

# --- the CRDs: required fields and value lists from their published reference ------------------
_STR = {"type": "string"}
_INT = {"type": "integer"}
_NAME_REF = {"type": "object", "required": ["name"], "properties": {"name": _STR}}
_STRING_MAP = {"type": "object", "additionalProperties": _STR}
_DURATION = {"type": "string", "pattern": r"^(\d+(ns|us|ms|s|m|h))+$"}

CRD_SCHEMAS: dict[tuple[str, str], dict[str, Any]] = {
    # keda.sh/v1alpha1 ScaledObject (KEDA "Scaling Deployments", nats-jetstream scaler)
    ("keda.sh/v1alpha1", "ScaledObject"): {
        "type": "object",
        "required": ["scaleTargetRef", "triggers"],
        "properties": {
            "scaleTargetRef": _NAME_REF,
            "minReplicaCount": {"type": "integer", "minimum": 0},
            "maxReplicaCount": {"type": "integer", "minimum": 1},
            "pollingInterval": _INT,
            "cooldownPeriod": _INT,
            "triggers": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["type", "metadata"],
                    "properties": {
                        "type": _STR,
                        "metricType": {"enum": ["AverageValue", "Value", "Utilization"]},
                        # KEDA reads trigger metadata as strings only
                        "metadata": _STRING_MAP,
                    },
                },
            },
        },
    },
    # postgresql.cnpg.io/v1 (CloudNativePG API reference)
    ("postgresql.cnpg.io/v1", "Cluster"): {
        "type": "object",
        "required": ["instances", "storage"],
        "properties": {
            "instances": {"type": "integer", "minimum": 1},
            "imageName": _STR,
            "enableSuperuserAccess": {"type": "boolean"},
            "storage": {"type": "object", "required": ["size"], "properties": {"size": _STR}},
            "postgresql": {"type": "object", "properties": {"parameters": _STRING_MAP}},
            "bootstrap": {
                "type": "object",
                "properties": {
                    "initdb": {
                        "type": "object",
                        "properties": {
                            "database": _STR,
                            "owner": _STR,
                            "postInitApplicationSQL": {"type": "array", "items": _STR},
                        },
                    }
                },
            },
            "managed": {
                "type": "object",
                "properties": {
                    "roles": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["name"],
                            "properties": {
                                "name": _STR,
                                "ensure": {"enum": ["present", "absent"]},
                                "login": {"type": "boolean"},
                                "passwordSecret": _NAME_REF,
                            },
                        },
                    }
                },
            },
            "backup": {
                "type": "object",
                "properties": {
                    "retentionPolicy": {"type": "string", "pattern": r"^[1-9][0-9]*[dwm]$"},
                    "barmanObjectStore": {
                        "type": "object",
                        "required": ["destinationPath"],
                        "properties": {"destinationPath": _STR},
                    },
                },
            },
        },
    },
    ("postgresql.cnpg.io/v1", "Pooler"): {
        "type": "object",
        "required": ["cluster", "pgbouncer"],
        "properties": {
            "cluster": _NAME_REF,
            "type": {"enum": ["rw", "ro", "r"]},
            "instances": {"type": "integer", "minimum": 0},
            "pgbouncer": {
                "type": "object",
                "properties": {
                    "poolMode": {"enum": ["session", "transaction"]},
                    "parameters": _STRING_MAP,
                },
            },
        },
    },
    ("postgresql.cnpg.io/v1", "ScheduledBackup"): {
        "type": "object",
        "required": ["schedule", "cluster"],
        "properties": {
            # six fields, seconds first
            "schedule": {"type": "string", "pattern": r"^\S+( \S+){5}$"},
            "cluster": _NAME_REF,
            "method": {"enum": ["barmanObjectStore", "volumeSnapshot", "plugin"]},
            "backupOwnerReference": {"enum": ["none", "self", "cluster"]},
        },
    },
    # jetstream.nats.io/v1beta2 (NACK CRDs)
    ("jetstream.nats.io/v1beta2", "Stream"): {
        "type": "object",
        "required": ["name", "subjects"],
        "properties": {
            "name": _STR,
            "subjects": {"type": "array", "minItems": 1, "items": _STR},
            "storage": {"enum": ["file", "memory"]},
            "retention": {"enum": ["limits", "interest", "workqueue"]},
            "discard": {"enum": ["old", "new"]},
            "replicas": {"type": "integer", "minimum": 1, "maximum": 5},
            "maxAge": _DURATION,
            "duplicateWindow": _DURATION,
        },
    },
    ("jetstream.nats.io/v1beta2", "ObjectStore"): {
        "type": "object",
        "required": ["bucket"],
        "properties": {
            "bucket": _STR,
            "storage": {"enum": ["file", "memory"]},
            "replicas": {"type": "integer", "minimum": 1, "maximum": 5},
        },
    },
}


def _check(value: Any, schema: dict[str, Any], path: str = "spec") -> list[str]:
    """The subset of JSON Schema used above, for machines without the jsonschema package."""
    problems: list[str] = []
    kind = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool}
    if kind == "integer" and (not isinstance(value, int) or isinstance(value, bool)):
        return [f"{path}: not an integer"]
    if kind in types and not isinstance(value, types[kind]):
        return [f"{path}: not a {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{path}: {value!r} not in {schema['enum']}")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        problems.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if "minimum" in schema and value < schema["minimum"]:
        problems.append(f"{path}: below {schema['minimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        problems.append(f"{path}: above {schema['maximum']}")
    if isinstance(value, dict):
        problems += [f"{path}.{k}: missing" for k in schema.get("required", []) if k not in value]
        for k, v in value.items():
            sub = schema.get("properties", {}).get(k, schema.get("additionalProperties"))
            if isinstance(sub, dict):
                problems += _check(v, sub, f"{path}.{k}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            problems.append(f"{path}: fewer than {schema['minItems']} items")
        for i, item in enumerate(value):
            problems += _check(item, schema.get("items", {}), f"{path}[{i}]")
    return problems


def _docs(path: Path) -> Iterator[dict[str, Any]]:
    for doc in yaml.safe_load_all(path.read_text()):
        if doc is not None:
            yield doc


def _objects(kind: str | None = None) -> list[dict[str, Any]]:
    found = [d for p in MANIFESTS for d in _docs(p) if d.get("kind") != "Kustomization"]
    return [d for d in found if kind is None or d["kind"] == kind]


def _one(kind: str, name: str) -> dict[str, Any]:
    (obj,) = [o for o in _objects(kind) if o["metadata"]["name"] == name]
    return obj


def _config() -> dict[str, str]:
    return _one("ConfigMap", "kefu-config")["data"]  # type: ignore[no-any-return]


def _container(obj: dict[str, Any]) -> dict[str, Any]:
    (container,) = obj["spec"]["template"]["spec"]["containers"]
    return container  # type: ignore[no-any-return]


def _env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container.get("env", [])}


def _go_duration(text: str) -> float:
    units = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+)(ns|us|ms|s|m|h)", text))


# --- every file -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: str(p.relative_to(K8S)))
def test_every_object_has_api_version_kind_and_name(path: Path) -> None:
    docs = list(_docs(path))
    assert docs
    for doc in docs:
        api_version = doc.get("apiVersion")
        assert isinstance(api_version, str), doc
        assert api_version == "v1" or re.fullmatch(r"[a-z0-9.-]+/v\d+\w*", api_version), doc
        assert isinstance(doc.get("kind"), str), doc
        if doc["kind"] == "Kustomization":
            continue
        name = doc["metadata"]["name"]
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", name), name
        assert len(name) <= 63


@pytest.mark.parametrize("directory", KUSTOMIZATIONS)
def test_kustomizations_list_exactly_their_files(directory: str) -> None:
    kustomization = yaml.safe_load((K8S / directory / "kustomization.yaml").read_text())
    assert kustomization["kind"] == "Kustomization"
    assert kustomization["namespace"] == "kefu"
    files = {p.name for p in (K8S / directory).glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(files)


def test_core_kinds_match_the_kubernetes_schemas() -> None:
    kv = pytest.importorskip(
        "kubernetes_validate",
        reason="kubernetes-validate not installed (dev dependency kubernetes-validate==1.37.0)",
    )
    core = [o for o in _objects() if o["kind"] in CORE_KINDS]
    assert {o["kind"] for o in core} == CORE_KINDS
    for obj in core:
        try:
            kv.validate(obj, kv.latest_version(), strict=True)
        except kv.ValidationError as exc:
            pytest.fail(
                f"{obj['kind']}/{obj['metadata']['name']}: {exc.message} at {list(exc.path)}"
            )


def test_custom_resources_have_the_fields_their_operators_require() -> None:
    try:
        import jsonschema
    except ImportError:
        jsonschema = None
    seen = set()
    for obj in _objects():
        key = (obj["apiVersion"], obj["kind"])
        if obj["kind"] in CORE_KINDS:
            continue
        assert key in CRD_SCHEMAS, f"no schema for {key}"
        seen.add(key)
        assert _check(obj["spec"], CRD_SCHEMAS[key]) == [], obj["metadata"]["name"]
        if jsonschema is not None:
            jsonschema.validate(obj["spec"], CRD_SCHEMAS[key])
    assert seen == set(CRD_SCHEMAS)


def test_the_schema_subset_checker_catches_mistakes() -> None:
    schema = CRD_SCHEMAS[("jetstream.nats.io/v1beta2", "Stream")]
    bad = {"name": "EVENTS", "subjects": [], "storage": "disk", "replicas": 0, "maxAge": "30d"}
    problems = _check(bad, schema)
    assert len(problems) == 4, problems


# --- the services ----------------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_one_deployment_per_service_runs_it_with_probes_and_a_graceful_stop(service: str) -> None:
    deployment = _one("Deployment", service)
    pod = deployment["spec"]["template"]
    assert (
        deployment["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    )
    container = _container(deployment)
    assert container["image"] == "kefu:latest"
    assert container["args"] == ["run", service, "--port", "8000"]
    assert [p["containerPort"] for p in container["ports"]] == [8000]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert {"configMapRef": {"name": "kefu-config"}} in container["envFrom"]
    config = _config()
    assert config["KEFU_DECLARE_ON_START"] == "false"
    graceful = float(config["KEFU_GRACEFUL_TIMEOUT"])
    assert graceful == 10
    pause = float(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    # uvicorn waits graceful + 2 s (tooling/cli.py) after the preStop pause
    assert pod["spec"]["terminationGracePeriodSeconds"] == 30
    assert pod["spec"]["terminationGracePeriodSeconds"] > pause + graceful + 2
    env = _env(container)
    assert f"kefu_{service}:" in env[f"KEFU_{service.upper()}_DATABASE_URL"]["value"]
    assert env["KEFU_NATS_URL"]["value"].startswith(f"nats://{service}:")
    assert "KEFU_DATABASE_URL" not in env, "services never get the administrative connection"


def test_one_service_per_deployment_targets_its_pods() -> None:
    for service in SERVICES:
        svc = _one("Service", service)
        pod_labels = _one("Deployment", service)["spec"]["template"]["metadata"]["labels"]
        assert svc["spec"]["selector"].items() <= pod_labels.items()
        assert svc["spec"]["ports"][0]["targetPort"] == "http"


def test_env_references_resolve_to_earlier_variables() -> None:
    # Kubernetes expands $(VAR) only from envFrom and variables defined earlier in `env`.
    config = set(_config())
    for obj in [*_objects("Deployment"), *_objects("Job")]:
        container = _container(obj)
        defined = (
            set(config)
            if {"configMapRef": {"name": "kefu-config"}} in container["envFrom"]
            else set()
        )
        for item in container.get("env", []):
            for ref in re.findall(r"\$\((\w+)\)", item.get("value", "")):
                assert ref in defined, f"{obj['metadata']['name']}: {item['name']} uses $({ref})"
            defined.add(item["name"])


def test_migration_job_migrates_then_declares_with_admin_credentials() -> None:
    job = _one("Job", "kefu-migrate")
    container = _container(job)
    assert container["command"] == ["sh", "-c", "kefu migrate && kefu bus declare"]
    env = _env(container)
    assert env["PGPASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "kefu-pg-superuser"
    assert env["KEFU_NATS_URL"]["value"].startswith("nats://kefu-admin:")
    assert "kefu-pg-rw" == _config()["KEFU_DB_HOST"], "migrations bypass the pooler"
    assert job["metadata"]["labels"]["kefu/stage"] == "prepare"
    assert _one("ConfigMap", "kefu-config")["metadata"]["labels"]["kefu/stage"] == "prepare"


def test_every_referenced_secret_is_documented_in_the_example() -> None:
    documented = {
        s["metadata"]["name"] for s in _docs(K8S / "secrets.example.yaml") if s["kind"] == "Secret"
    }
    made_by_operators = {"kefu-pg-superuser"}
    referenced = set()
    for obj in [*_objects("Deployment"), *_objects("Job")]:
        container = _container(obj)
        for item in container.get("env", []):
            ref = item.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                referenced.add(ref["name"])
        referenced |= {e["secretRef"]["name"] for e in container["envFrom"] if "secretRef" in e}
    cluster = _one("Cluster", "kefu-pg")["spec"]
    referenced |= {r["passwordSecret"]["name"] for r in cluster["managed"]["roles"]}
    referenced.add(cluster["backup"]["barmanObjectStore"]["s3Credentials"]["accessKeyId"]["name"])
    assert referenced - made_by_operators <= documented


# --- autoscaling -------------------------------------------------------------------------------


def test_every_durable_consumer_scales_its_service_with_keda() -> None:
    scaled = _objects("ScaledObject")
    targets = [s["spec"]["scaleTargetRef"]["name"] for s in scaled]
    # KEDA admits one ScaledObject per workload: consumers are triggers of their service's one
    assert sorted(targets) == sorted(SERVICES)
    for spec in CONSUMERS:
        (obj,) = [s for s in scaled if s["spec"]["scaleTargetRef"]["name"] == spec.service]
        assert obj["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        triggers = [
            t["metadata"]
            for t in obj["spec"]["triggers"]
            if t["type"] == "nats-jetstream" and t["metadata"]["consumer"] == spec.durable
        ]
        assert len(triggers) == 1, spec.durable
        (trigger,) = triggers
        assert trigger["stream"] == spec.stream
        assert trigger["account"] == "KEFU"
        assert int(trigger["lagThreshold"]) > 0
        assert trigger["natsServerMonitoringEndpoint"].endswith(":8222")
    for obj in scaled:
        jetstream = [t for t in obj["spec"]["triggers"] if t["type"] == "nats-jetstream"]
        assert {t["metadata"]["consumer"] for t in jetstream} == {
            c.durable for c in CONSUMERS if c.service == obj["metadata"]["name"]
        }
        # services answer HTTP and fire timers: never scaled to zero
        assert obj["spec"]["minReplicaCount"] >= 2
    assert "KEFU: {\n    jetstream: enabled" in ACCOUNTS


# --- NATS ------------------------------------------------------------------------------------


def test_nack_streams_match_what_kefu_bus_declare_creates() -> None:
    config = _config()
    replicas = int(config["KEFU_STREAM_REPLICAS"])
    assert replicas == 3
    expected = {
        c.name: c for c in stream_configs(replicas, int(config["KEFU_EVENTS_MAX_AGE_DAYS"]))
    }
    streams = {s["spec"]["name"]: s["spec"] for s in _objects("Stream")}
    assert set(streams) == set(expected)
    for name, spec in streams.items():
        want = expected[name]
        assert spec["subjects"] == want.subjects, name
        assert spec["replicas"] == want.num_replicas == 3, name
        assert (spec["storage"], spec["retention"]) == ("file", "limits"), name
        assert _go_duration(spec["maxAge"]) == want.max_age, name
        if want.duplicate_window:
            assert _go_duration(spec["duplicateWindow"]) == want.duplicate_window, name


def test_photo_buckets_are_replicated_and_granted_to_their_service() -> None:
    buckets = {o["spec"]["bucket"]: o["spec"] for o in _objects("ObjectStore")}
    assert set(buckets) == {"kefu-aftersales", "kefu-logistics"}
    for bucket, spec in buckets.items():
        assert spec["replicas"] == 3
        owner = bucket.removeprefix("kefu-").upper()
        block = ACCOUNTS.split(f"{owner}_PERMS = {{", 1)[1].split("\n}\n", 1)[0]
        assert f'"$O.{bucket}.>"' in block


def test_nats_helm_values_give_a_replicated_jetstream_cluster_with_the_accounts() -> None:
    values = yaml.safe_load((K8S / "nats-values.yaml").read_text())
    config = values["config"]
    assert config["cluster"] == {"enabled": True, "replicas": 3}
    assert config["jetstream"]["enabled"] is True
    assert config["jetstream"]["fileStore"]["enabled"] is True
    assert config["jetstream"]["fileStore"]["pvc"]["enabled"] is True
    assert config["monitor"] == {"enabled": True, "port": 8222}
    assert "accounts.conf" in config["merge"].values()
    # every password accounts.conf reads from the environment is given to the servers
    wanted = set(re.findall(r"password: \$(\w+)", ACCOUNTS))
    assert wanted and wanted == set(values["container"]["env"])
    assert values["promExporter"]["enabled"] is True


# --- Postgres --------------------------------------------------------------------------------


def test_postgres_cluster_has_three_instances_and_a_role_per_service() -> None:
    cluster = _one("Cluster", "kefu-pg")["spec"]
    assert cluster["instances"] == 3
    roles = {r["name"]: r for r in cluster["managed"]["roles"]}
    assert set(roles) == {f"kefu_{s}" for s in SERVICES}
    sql = "\n".join(cluster["bootstrap"]["initdb"]["postInitApplicationSQL"])
    for service in SERVICES:
        role = roles[f"kefu_{service}"]
        assert role["login"] is True
        secret = role["passwordSecret"]["name"]
        deployment_env = _env(_container(_one("Deployment", service)))
        assert deployment_env["DB_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == secret
        assert (
            f"ALTER ROLE kefu_{service} IN DATABASE kefu SET search_path = {service}, public" in sql
        )
    assert _one("ScheduledBackup", "kefu-pg-daily")["spec"]["cluster"]["name"] == "kefu-pg"


def test_pooler_is_pgbouncer_in_transaction_mode_that_asyncpg_can_use() -> None:
    pooler = _one("Pooler", "kefu-pg-pooler-rw")["spec"]
    assert pooler["cluster"]["name"] == "kefu-pg"
    assert pooler["type"] == "rw"
    bouncer = pooler["pgbouncer"]
    assert bouncer["poolMode"] == "transaction"
    assert int(bouncer["parameters"]["max_prepared_statements"]) > 0
    assert "search_path" in bouncer["parameters"]["ignore_startup_parameters"].split(",")
    text = (K8S / "infra" / "postgres.yaml").read_text()
    for needed in ("statement_cache_size=0", "ALTER ROLE", "SET ROLE", "LISTEN", "advisory"):
        assert needed in text, needed


def test_all_replicas_at_their_maximum_fit_the_postgres_connection_limit() -> None:
    # each replica's pool (KEFU_POOL_MAX, the outbox LISTEN included) goes straight to Postgres
    most = sum(s["spec"]["maxReplicaCount"] for s in _objects("ScaledObject"))
    per_replica = int(_config()["KEFU_POOL_MAX"])
    limit = int(_one("Cluster", "kefu-pg")["spec"]["postgresql"]["parameters"]["max_connections"])
    reserve = 50  # the migration Job, `kefu dlq`, the operator, an operator's psql
    assert most * per_replica + reserve <= limit, (most, per_replica, limit)
