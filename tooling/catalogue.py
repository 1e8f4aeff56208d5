"""Files made from the catalogue (the contracts and shared/consumers.py) instead of by hand.

`kefu catalogue render` writes them; `kefu catalogue render --check` (and a test) fails when a
committed file differs from what the catalogue gives, so a new event or consumer is added in
the contract and the catalogue only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from shared.consumers import CONSUMERS, ConsumerSpec
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
        "Schema of each is committed in `shared/contracts/schema/`. How another team subscribes:",
        "[SUBSCRIBING.md](SUBSCRIBING.md) when present, and the NATS accounts in",
        "`deploy/nats/accounts.conf`.",
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


RENDERERS: dict[str, Callable[[], str]] = {
    "docs/EVENTS.md": render_events,
}


def render(root: Path = ROOT, *, check: bool = False) -> list[str]:
    """Write every generated file (or, with check, list those that differ without writing)."""
    differing = []
    for relative, fn in RENDERERS.items():
        path = root / relative
        text = fn()
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            differing.append(relative)
            if not check:
                path.write_text(text, encoding="utf-8")
    return differing
