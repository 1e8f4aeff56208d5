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
    "NetworkPolicy",
    "Ingress",
}
ACCOUNTS = (ROOT / "deploy" / "nats" / "accounts.conf").read_text()

# --- the CRDs: required fields and value lists from their published reference ------------------
_STR = {"type": "string"}
_INT = {"type": "integer"}
_NAME_REF = {"type": "object", "required": ["name"], "properties": {"name": _STR}}
_STRING_MAP = {"type": "object", "additionalProperties": _STR}
_DURATION = {"type": "string", "pattern": r"^(\d+(ns|us|ms|s|m|h))+$"}
_RELABEL = {
    "type": "object",
    "properties": {
        "sourceLabels": {"type": "array", "items": _STR},
        "targetLabel": _STR,
        "regex": _STR,
        "replacement": _STR,
        "action": {"enum": ["replace", "keep", "drop", "labelmap", "labeldrop", "labelkeep"]},
    },
}
_MONITOR_ENDPOINT = {
    "type": "object",
    "required": ["port"],
    "properties": {
        "port": _STR,
        "path": _STR,
        "interval": _DURATION,
        "honorLabels": {"type": "boolean"},
        "relabelings": {"type": "array", "items": _RELABEL},
        "metricRelabelings": {"type": "array", "items": _RELABEL},
    },
}

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
            # CNPG-I plugins (the Barman Cloud plugin archives WAL and takes base backups)
            "plugins": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": _STR,
                        "enabled": {"type": "boolean"},
                        "isWALArchiver": {"type": "boolean"},
                        "parameters": _STRING_MAP,
                    },
                },
            },
        },
    },
    # barmancloud.cnpg.io/v1 ObjectStore (Barman Cloud plugin; `configuration` is the former
    # barmanObjectStore section, retention moved here from the Cluster)
    ("barmancloud.cnpg.io/v1", "ObjectStore"): {
        "type": "object",
        "required": ["configuration"],
        "properties": {
            "retentionPolicy": {"type": "string", "pattern": r"^[1-9][0-9]*[dwm]$"},
            "configuration": {
                "type": "object",
                "required": ["destinationPath"],
                "properties": {
                    "destinationPath": _STR,
                    "s3Credentials": {
                        "type": "object",
                        "properties": {"accessKeyId": _NAME_REF, "secretAccessKey": _NAME_REF},
                    },
                    "wal": {
                        "type": "object",
                        "properties": {"compression": {"enum": ["gzip", "bzip2", "snappy"]}},
                    },
                    "data": {
                        "type": "object",
                        "properties": {"compression": {"enum": ["gzip", "bzip2", "snappy"]}},
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
            "pluginConfiguration": _NAME_REF,
            "backupOwnerReference": {"enum": ["none", "self", "cluster"]},
        },
    },
    # monitoring.coreos.com/v1 (prometheus-operator API reference)
    ("monitoring.coreos.com/v1", "ServiceMonitor"): {
        "type": "object",
        "required": ["selector", "endpoints"],
        "properties": {
            "selector": {"type": "object", "properties": {"matchLabels": _STRING_MAP}},
            "endpoints": {"type": "array", "minItems": 1, "items": _MONITOR_ENDPOINT},
        },
    },
    ("monitoring.coreos.com/v1", "PodMonitor"): {
        "type": "object",
        "required": ["selector", "podMetricsEndpoints"],
        "properties": {
            "selector": {"type": "object", "properties": {"matchLabels": _STRING_MAP}},
            "namespaceSelector": {
                "type": "object",
                "properties": {"matchNames": {"type": "array", "items": _STR}},
            },
            "podMetricsEndpoints": {"type": "array", "minItems": 1, "items": _MONITOR_ENDPOINT},
        },
    },
    ("monitoring.coreos.com/v1", "PrometheusRule"): {
        "type": "object",
        "required": ["groups"],
        "properties": {
            "groups": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["name", "rules"],
                    "properties": {
                        "name": _STR,
                        "rules": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["expr"],
                                "properties": {
                                    "alert": _STR,
                                    "record": _STR,
                                    "expr": _STR,
                                    "for": _DURATION,
                                    "labels": _STRING_MAP,
                                    "annotations": _STRING_MAP,
                                },
                            },
                        },
                    },
                },
            },
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
    assert container["image"] == "kefu", "the tag is the kustomization's (images:)"
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
    for obj in [*_objects("Deployment"), *_objects("Job"), *_objects("StatefulSet")]:
        volumes = obj["spec"]["template"]["spec"].get("volumes", [])
        referenced |= {v["secret"]["secretName"] for v in volumes if "secret" in v}
        container = _container(obj)
        for item in container.get("env", []):
            ref = item.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                referenced.add(ref["name"])
        env_from = container.get("envFrom", [])
        referenced |= {e["secretRef"]["name"] for e in env_from if "secretRef" in e}
    cluster = _one("Cluster", "kefu-pg")["spec"]
    referenced |= {r["passwordSecret"]["name"] for r in cluster["managed"]["roles"]}
    for store in _objects("ObjectStore"):
        credentials = store["spec"].get("configuration", {}).get("s3Credentials", {})
        referenced |= {ref["name"] for ref in credentials.values()}
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
    buckets = {
        o["spec"]["bucket"]: o["spec"]
        for o in _objects("ObjectStore")
        if o["apiVersion"].startswith("jetstream.nats.io/")
    }
    assert set(buckets) == {"kefu-projects", "kefu-aftersales", "kefu-logistics"}
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


def test_backups_use_the_barman_cloud_plugin_not_the_removed_in_tree_store() -> None:
    # spec.backup.barmanObjectStore is deprecated and removed in CloudNativePG 1.31
    for path in MANIFESTS:
        assert "barmanObjectStore:" not in path.read_text(), path.name
    cluster = _one("Cluster", "kefu-pg")["spec"]
    assert "backup" not in cluster, "retention and the store live in the ObjectStore now"
    (plugin,) = cluster["plugins"]
    assert plugin["name"] == "barman-cloud.cloudnative-pg.io"
    assert plugin["isWALArchiver"] is True
    (store,) = [o for o in _objects("ObjectStore") if o["apiVersion"] == "barmancloud.cnpg.io/v1"]
    assert plugin["parameters"]["barmanObjectName"] == store["metadata"]["name"]
    assert store["spec"]["retentionPolicy"] == "30d"
    scheduled = _one("ScheduledBackup", "kefu-pg-daily")["spec"]
    assert scheduled["method"] == "plugin"
    assert scheduled["pluginConfiguration"]["name"] == plugin["name"]


# --- images ----------------------------------------------------------------------------------


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return obj["spec"]["template"]["spec"]["containers"]  # type: ignore[no-any-return]


def test_every_image_is_pinned() -> None:
    for path in [*MANIFESTS, K8S / "nats-values.yaml"]:
        assert ":latest" not in path.read_text(), path.name
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)
    assert version
    kustomization = yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text())
    assert kustomization["images"] == [{"name": "kefu", "newTag": version.group(1)}]
    workloads = [*_objects("Deployment"), *_objects("Job"), *_objects("StatefulSet")]
    for obj in workloads:
        for container in _containers(obj):
            image = container["image"]
            if image != "kefu":  # the kustomization pins it
                assert re.search(r":v?\d+\.\d+", image), f"{obj['metadata']['name']}: {image}"
    image = _one("Cluster", "kefu-pg")["spec"]["imageName"]
    assert re.search(r":\d+\.\d+$", image), image


# --- availability, network, ingress ----------------------------------------------------------


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """A label selector (matchLabels, matchExpressions with In) matches these labels."""
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    for expr in selector.get("matchExpressions", []):
        assert expr["operator"] == "In"
        if labels.get(expr["key"]) not in expr["values"]:
            return False
    return True


def _pod_labels(name: str) -> dict[str, str]:
    return _one("Deployment", name)["spec"]["template"]["metadata"]["labels"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_a_disruption_budget_that_leaves_replicas_up(service: str) -> None:
    (pdb,) = [
        p
        for p in _objects("PodDisruptionBudget")
        if _selects(p["spec"]["selector"], _pod_labels(service))
    ]
    assert pdb["spec"]["maxUnavailable"] == 1
    # KEDA keeps at least two replicas: one may go, one stays
    (scaled,) = [
        s for s in _objects("ScaledObject") if s["spec"]["scaleTargetRef"]["name"] == service
    ]
    assert scaled["spec"]["minReplicaCount"] > pdb["spec"]["maxUnavailable"]


def _policies(labels: dict[str, str], kind: str) -> list[dict[str, Any]]:
    return [
        p["spec"]
        for p in _objects("NetworkPolicy")
        if kind in p["spec"]["policyTypes"] and _selects(p["spec"]["podSelector"], labels)
    ]


def _egress_ports(labels: dict[str, str]) -> set[int]:
    return {
        port["port"]
        for p in _policies(labels, "Egress")
        for rule in p["egress"]
        for port in rule["ports"]
    }


@pytest.mark.parametrize("service", SERVICES)
def test_network_policies_fence_every_service(service: str) -> None:
    labels = _pod_labels(service)
    (ingress,) = _policies(labels, "Ingress")
    sources = [peer for rule in ingress["ingress"] for peer in rule["from"]]
    namespaces = {
        p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        for p in sources
        if "namespaceSelector" in p
    }
    assert namespaces == {"ingress-nginx", "monitoring"}, "the ingress controller and Prometheus"
    assert [p["podSelector"]["matchLabels"] for p in sources if "podSelector" in p] == [
        {"app.kubernetes.io/name": "console"}
    ]
    assert {port["port"] for rule in ingress["ingress"] for port in rule["ports"]} == {"http"}
    # NATS, Postgres/PgBouncer and DNS; the console also the services; notifications its providers
    expected = {4222, 5432, 53}
    if service == "console":
        expected |= {8000}
    if service == "notifications":
        expected |= {443, 25, 465, 587}
    assert _egress_ports(labels) == expected


def test_the_migration_job_reaches_only_nats_postgres_and_dns() -> None:
    labels = _one("Job", "kefu-migrate")["spec"]["template"]["metadata"]["labels"]
    (ingress,) = _policies(labels, "Ingress")
    assert "ingress" not in ingress, "nothing may connect to it"
    assert _egress_ports(labels) == {4222, 5432, 53}


def test_every_service_has_an_https_host_on_the_ingress() -> None:
    routes: dict[str, tuple[str, str]] = {}
    for ingress in _objects("Ingress"):
        spec = ingress["spec"]
        tls_hosts = {h for t in spec["tls"] for h in t["hosts"]}
        for rule in spec["rules"]:
            assert rule["host"] in tls_hosts, rule["host"]
            (path,) = rule["http"]["paths"]
            backend = path["backend"]["service"]
            routes[rule["host"]] = (backend["name"], backend["port"]["name"])
    assert sorted(routes.values()) == sorted((s, "http") for s in SERVICES)
    for host, (service, _) in routes.items():
        assert host.startswith(f"{service}.")
        assert _one("Service", service)["spec"]["ports"][0]["name"] == "http"


# --- prometheus-operator -----------------------------------------------------------------------


def test_service_monitor_scrapes_every_service_as_job_kefu() -> None:
    (monitor,) = _objects("ServiceMonitor")
    selector = monitor["spec"]["selector"]
    for service in SERVICES:
        assert _selects(selector, _one("Service", service)["metadata"]["labels"]), service
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] == "http" and endpoint["honorLabels"] is True
    assert {"targetLabel": "job", "replacement": "kefu"} in endpoint["relabelings"]
    assert "service" in [r["targetLabel"] for r in endpoint["relabelings"]]


def test_pod_monitor_renames_nats_metrics_as_the_plain_config_does() -> None:
    (monitor,) = _objects("PodMonitor")
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus-k8s.yml").read_text())
    (nats_job,) = [j for j in config["scrape_configs"] if j["job_name"] == "nats"]
    plain = [
        {
            {"source_labels": "sourceLabels", "target_label": "targetLabel"}.get(k, k): v
            for k, v in r.items()
        }
        for r in nats_job["metric_relabel_configs"]
    ]
    assert endpoint["metricRelabelings"] == plain
    assert endpoint["port"] == "prom-metrics"
    assert {"targetLabel": "job", "replacement": "nats"} in endpoint["relabelings"]


def test_prometheus_rule_carries_exactly_the_alert_rules() -> None:
    (rule,) = _objects("PrometheusRule")
    alerts = yaml.safe_load((ROOT / "deploy" / "prometheus" / "alerts.yml").read_text())
    assert rule["spec"]["groups"] == alerts["groups"], "copy alerts.yml's groups under spec"


def test_alertmanager_reads_its_config_and_smtp_password_from_its_volumes() -> None:
    (statefulset,) = _objects("StatefulSet")
    pod = statefulset["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    # a volume cannot be mounted inside a ConfigMap's (read-only) mount
    for a in mounts.values():
        for b in mounts.values():
            assert a == b or not b.startswith(a.rstrip("/") + "/"), (a, b)
    config = yaml.safe_load((K8S / "monitoring" / "alertmanager.yml").read_text())
    password = Path(config["global"]["smtp_auth_password_file"])
    (secret,) = [v for v in pod["volumes"] if "secret" in v]
    assert str(password.parent) == mounts[secret["name"]]
    assert [i["path"] for i in secret["secret"]["items"]] == [password.name]
    (config_volume,) = [v for v in pod["volumes"] if "configMap" in v]
    assert f"--config.file={mounts[config_volume['name']]}/alertmanager.yml" in container["args"]
