"""Files made from the catalogue (the contracts and shared/consumers.py) instead of by hand, and
the "Request fields" section of each docs/services/<service>.md (from the service's OpenAPI:
tooling/request_fields.py).

`kefu catalogue render` writes them; `kefu catalogue render --check` (and a test) fails when a
committed file differs from what the catalogue gives, so a new event or consumer is added in
the contract and the catalogue only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from shared.consumers import CONSUMERS, OBJECT_BUCKETS, ConsumerSpec
from shared.contracts import ALL_EVENTS

ROOT = Path(__file__).resolve().parents[1]
ENVELOPE = {
    "event_id",
    "occurred_at",
    "schema_version",
    "source",
    "branch_id",
    "correlation_id",
    "causation_id",
}


def _matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: `*` one token, `>` the rest."""
    p, s = pattern.split("."), subject.split(".")
    for i, token in enumerate(p):
        if token == ">":
            return len(s) > i
        if i >= len(s) or (token != "*" and token != s[i]):
            return False
    return len(p) == len(s)


def consumers_of_subject(subject: str) -> list[ConsumerSpec]:
    """The durable consumers whose filter takes this subject."""
    return [c for c in CONSUMERS if any(_matches(f, subject) for f in c.subjects)]


def _type_of(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        target = defs.get(name, {})
        return _type_of(target, defs) if "enum" in target else name
    if "anyOf" in prop:
        return " or ".join(_type_of(p, defs) for p in prop["anyOf"])
    if prop.get("type") == "array":
        return f"list of {_type_of(prop.get('items', {}), defs)}"
    if "enum" in prop:
        return " / ".join(f"`{v}`" for v in prop["enum"])
    kind = str(prop.get("type", "object"))
    fmt = prop.get("format")
    return f"{kind} ({fmt})" if fmt else kind


def render_events() -> str:
    """docs/EVENTS.md: every subject, who publishes it, its payload and who consumes it."""
    out = [
        "# Events: the catalogue",
        "",
        "Generated from `shared/contracts/` and `shared/consumers.py` by `kefu catalogue render`;",
        "a test fails when this file and the code differ. Every event also carries the envelope:",
        "`event_id` (also the `Nats-Msg-Id` header), `occurred_at`, `schema_version`, `source`,",
        "`branch_id`, `correlation_id`, `causation_id`, and its aggregate's `version`. The JSON",
        "Schema of each is committed in `shared/contracts/schema/`. How another team subscribes",
        "(a NATS user, live events, the history through a stream of its own, the versioning",
        "promise): [SUBSCRIBING.md](SUBSCRIBING.md).",
        "",
        "| subject | published by | consumed by |",
        "|---|---|---|",
    ]
    for model in ALL_EVENTS:
        subject = getattr(model, "SUBJECT")  # noqa: B009
        owner = getattr(model, "OWNER", "")
        publisher = "each reporting service" if owner == "*" else owner
        readers = ", ".join(f"{c.service} (`{c.name}`)" for c in consumers_of_subject(subject))
        out.append(f"| `{subject}` | {publisher} | {readers or '—'} |")
    for model in ALL_EVENTS:
        subject = getattr(model, "SUBJECT")  # noqa: B009
        schema = model.model_json_schema()
        required = set(schema.get("required", ()))
        defs = schema.get("$defs", {})
        doc = (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else ""
        out += ["", f"## `{subject}`", "", doc, "", "| field | type | required | meaning |"]
        out.append("|---|---|---|---|")
        for name, prop in schema.get("properties", {}).items():
            if name in ENVELOPE:
                continue
            meaning = str(prop.get("description", "")).replace("|", "\\|").replace("\n", " ")
            yes = "yes" if name in required else ""
            out.append(f"| `{name}` | {_type_of(prop, defs)} | {yes} | {meaning} |")
    return "\n".join(out) + "\n"


def render(root: Path = ROOT, *, check: bool = False) -> list[str]:
    """Write every generated file (or, with check, list those that differ without writing)."""
    from tooling.request_fields import replace_section, sections

    renderers: dict[str, Callable[[str], str]] = {
        "docs/EVENTS.md": lambda _: render_events(),
        "deploy/nats/accounts.conf": render_accounts,
        "deploy/k8s/base/scaledobjects.yaml": lambda _: render_scaledobjects(),
    }
    for relative, section in sections().items():
        renderers[relative] = partial(replace_section, section=section)
    differing = []
    for relative, fn in renderers.items():
        path = root / relative
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        text = fn(current)
        if current != text:
            differing.append(relative)
            if not check:
                path.write_text(text, encoding="utf-8")
    return differing


# --- NATS permissions (deploy/nats/accounts.conf, between the markers) -------------------------

BEGIN = "# --- generated by `kefu catalogue render` from shared/consumers.py and shared/contracts/"
END = "# --- end of the generated permissions"
SERVICES = ("intake", "projects", "aftersales", "logistics", "notifications")


def _object_store_grants(bucket: str) -> list[str]:
    """What nats-py's Object Store needs for one bucket, and nothing beyond it."""
    stream = f"OBJ_{bucket}"
    return [
        f"$O.{bucket}.>",
        "$JS.API.STREAM.NAMES",
        f"$JS.API.STREAM.INFO.{stream}",
        f"$JS.API.STREAM.CREATE.{stream}",
        f"$JS.API.STREAM.MSG.GET.{stream}",
        f"$JS.API.STREAM.PURGE.{stream}",
        f"$JS.API.DIRECT.GET.{stream}",
        f"$JS.API.DIRECT.GET.{stream}.>",
        f"$JS.API.CONSUMER.CREATE.{stream}",
        f"$JS.API.CONSUMER.CREATE.{stream}.>",
        f"$JS.API.CONSUMER.DELETE.{stream}.>",
        f"$JS.API.CONSUMER.INFO.{stream}.>",
        f"$JS.FC.{stream}.>",
        f"$JS.ACK.{stream}.>",
    ]


def service_grants(service: str) -> list[str]:
    """Everything one service's NATS user may publish: its own subjects (the relay), the JetStream
    API of its own pre-created durable consumers (bind, fetch, ack; never create or delete),
    its advisory consumer, the original message of a dead-lettered one, its buckets."""
    from shared.contracts import published_by

    subjects = [getattr(m, "SUBJECT") for m in published_by(service)]  # noqa: B009
    grants = list(dict.fromkeys(subjects))
    streams = []
    consumers = [c for c in CONSUMERS if c.service == service]
    for c in consumers:
        grants += [
            f"$JS.API.CONSUMER.INFO.{c.stream}.{c.durable}",
            f"$JS.API.CONSUMER.MSG.NEXT.{c.stream}.{c.durable}",
            f"$JS.ACK.{c.stream}.{c.durable}.>",
        ]
        streams.append(c.stream)
    if consumers:
        advisory = f"{service}-advisories"
        grants += [
            f"$JS.API.CONSUMER.INFO.ADVISORIES.{advisory}",
            f"$JS.API.CONSUMER.MSG.NEXT.ADVISORIES.{advisory}",
            f"$JS.ACK.ADVISORIES.{advisory}.>",
        ]
        grants += [f"$JS.API.STREAM.MSG.GET.{s}" for s in dict.fromkeys(streams)]
    for bucket in OBJECT_BUCKETS.get(service, ()):
        grants += _object_store_grants(bucket)
    return grants


def render_permissions() -> str:
    """The per-service permission blocks of accounts.conf."""
    out = [
        BEGIN + " (edit those, not this) ---",
    ]
    for service in SERVICES:
        out += ["", f"{service.upper()}_PERMS = {{", "  publish: {allow: ["]
        out += [f'    "{grant}"' for grant in service_grants(service)]
        out += ["  ]}", '  subscribe: {allow: ["_INBOX.>"]}', "}"]
    out += ["", END + " ---"]
    return "\n".join(out)


def render_accounts(current: str) -> str:
    """accounts.conf with its generated section replaced (the rest is written by hand)."""
    if BEGIN not in current or END not in current:
        raise ValueError("deploy/nats/accounts.conf has lost its generated-section markers")
    head, rest = current.split(BEGIN, 1)
    tail = rest.split(END, 1)[1].split("\n", 1)[1]
    return head + render_permissions() + "\n" + tail


# --- KEDA (deploy/k8s/base/scaledobjects.yaml) -------------------------------------------------

# How far each Deployment may scale, and the lag (pending messages) one replica should carry.
MAX_REPLICAS = {"intake": 6, "projects": 6, "aftersales": 6, "logistics": 12, "notifications": 8}
LAG_PER_REPLICA = {False: 500, True: 10000}  # ordinary consumers, bulk consumers
CONSOLE_MAX_REPLICAS = 4
MONITORING = "nats-headless.nats.svc.cluster.local:8222"

_KEDA_HEADER = """\
# Generated by `kefu catalogue render` from shared/consumers.py (edit tooling/catalogue.py).
# KEDA: one ScaledObject per service Deployment, with one `nats-jetstream` trigger per durable
# consumer of that service (shared/consumers.py) plus CPU for the HTTP side. KEDA allows a single
# ScaledObject per workload (a second one is rejected by its admission webhook, and two HPAs on one
# Deployment would fight), and a service process runs all its consumers, so the consumers of a
# service are triggers of one ScaledObject; the HPA follows the largest of them.
# Safe to scale: replicas share each durable consumer (messages split between them, the inbox
# stops duplicates), the outbox relay (SKIP LOCKED) and the timers (leases). minReplicaCount 2:
# services also answer HTTP and fire timers, so they never scale to zero.
# The monitoring endpoint is the headless service: in a cluster KEDA asks the consumer's leader
# at <server_name>.<endpoint>, and the chart names servers after their pods.
# account: the NATS account of deploy/nats/accounts.conf that holds the streams.
"""

_CPU = """\
    - type: cpu
      metricType: Utilization
      metadata:
        value: "70"
"""


def _scaled_object(name: str, max_replicas: int, *, behaviour: bool) -> str:
    text = f"""\
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: {name}
  labels:
    app.kubernetes.io/name: {name}
    app.kubernetes.io/component: autoscaling
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {name}
  minReplicaCount: 2
  maxReplicaCount: {max_replicas}
  pollingInterval: 15
  cooldownPeriod: 300
"""
    if behaviour:
        text += """\
  advanced:
    horizontalPodAutoscalerConfig:
      behavior:
        scaleDown:
          stabilizationWindowSeconds: 300
          policies:
            - type: Pods
              value: 1
              periodSeconds: 60
"""
    return text + "  triggers:\n"


def render_scaledobjects() -> str:
    """deploy/k8s/base/scaledobjects.yaml: a trigger per durable consumer, CPU for HTTP."""
    out = _KEDA_HEADER
    for service in SERVICES:
        out += _scaled_object(service, MAX_REPLICAS[service], behaviour=True)
        for c in (c for c in CONSUMERS if c.service == service):
            out += f"""\
    - type: nats-jetstream
      metadata:
        natsServerMonitoringEndpoint: {MONITORING}
        account: KEFU
        stream: {c.stream}
        consumer: {c.durable}
        lagThreshold: "{LAG_PER_REPLICA[c.bulk]}"
"""
        out += _CPU
    out += "---\n# The console has no durable consumer: it scales on CPU (page rendering),"
    out += " never below two.\n"
    out += _scaled_object("console", CONSOLE_MAX_REPLICAS, behaviour=False).removeprefix("---\n")
    return out + _CPU
