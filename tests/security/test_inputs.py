"""Hostile values in every field of every operation of every service (issue 16, defect 6): each
class of input (oversized text, NUL characters, times and dates at year 0001 or 9999, numbers
past bigint, impossible phone numbers and ID numbers, impossible weeks and months) is sent in
each field it fits, in JSON bodies and query strings alike. No answer may be a 5xx, every
refusal is a 422 that names the field, and every string the OpenAPI documents has a maximum
length (arrays a maximum size), so the contract itself says what is refused."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.security.conftest import (
    ADMIN,
    Platform,
    available,
    example,
    operations,
    path_params,
    resolve,
)

HUGE = "x" * 300_000
# A query string is capped by the HTTP client (64 KiB): past every bound all the same.
HUGE_QUERY = "x" * 60_000
# Not a mobile prefix; 30 February; all zeros; a wrong check digit; a 15-digit legacy number.
BAD_PHONES = ["12345678901", "1380000", "+1 650 253 0000"]
BAD_IDS = ["110101199002300012", "000000000000000000", "110105194912310037", "110105491231002"]
FAR = {"date-time": ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"]}
FAR["date"] = ["9999-12-31", "0001-01-01"]
SPECIAL_FORMATS = ("date-time", "date", "binary")


@dataclass(frozen=True)
class Leaf:
    """One value a request can carry: where (body path or query name) and its schema."""

    where: str  # "body" or "query"
    path: tuple[str | int, ...]
    schema: dict[str, Any]

    @property
    def field(self) -> str:
        """The name a 422 must give it (the platform's problem details: dotted path)."""
        return ".".join(str(p) for p in self.path)


def _options(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema itself, or its first non-null alternative."""
    schema = resolve(doc, schema)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if resolve(doc, o).get("type") != "null"]
            if options:
                merged = {**resolve(doc, options[0])}
                for k in ("description", "title"):
                    merged.setdefault(k, schema.get(k))
                return merged
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return resolve(doc, schema["allOf"][0])
    return schema


def leaves(
    doc: dict[str, Any], schema: dict[str, Any], path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Every scalar position in a body schema (optional members too; arrays' first item)."""
    schema = _options(doc, schema)
    if schema.get("type") == "object" or "properties" in schema:
        for name, sub in schema.get("properties", {}).items():
            yield from leaves(doc, sub, (*path, name))
    elif schema.get("type") == "array":
        yield from leaves(doc, schema.get("items", {}), (*path, 0))
    else:
        yield path, schema


def body_leaves(
    doc: dict[str, Any], op: dict[str, Any]
) -> tuple[dict[str, Any] | None, list[Leaf]]:
    """The JSON body schema of an operation and its leaves."""
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None, []
    schema = content["application/json"]["schema"]
    return schema, [Leaf("body", p, s) for p, s in leaves(doc, schema)]


def query_leaves(doc: dict[str, Any], op: dict[str, Any]) -> list[Leaf]:
    """The query parameters of an operation."""
    return [
        Leaf("query", (p["name"],), _options(doc, p.get("schema", {})))
        for p in op.get("parameters", [])
        if p.get("in") == "query"
    ]


def place(doc: dict[str, Any], body_schema: dict[str, Any], leaf: Leaf, value: Any) -> Any:
    """A valid body (required members, then every object on the way to the leaf) with the
    hostile value at the leaf."""
    body = example(doc, body_schema)
    node: Any = body
    schema = _options(doc, body_schema)
    for step, nxt in zip(leaf.path, leaf.path[1:], strict=False):
        sub = _options(
            doc, schema["properties"][step] if isinstance(step, str) else schema["items"]
        )
        if isinstance(step, int):
            while len(node) <= step:
                node.append(example(doc, sub))
        elif node.get(step) is None:
            node[step] = [] if sub.get("type") == "array" else example(doc, sub)
        node, schema = node[step], sub
        if isinstance(nxt, int) and not node:
            node.append(example(doc, _options(doc, schema["items"])))
    last = leaf.path[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
    node[last] = value
    return body


def hostile(leaf: Leaf) -> list[tuple[str, Any]]:
    """The classes of input this position can receive, with a value of each."""
    schema, name = leaf.schema, str(leaf.path[-1]) if leaf.path else ""
    kind, fmt = schema.get("type"), schema.get("format")
    found: list[tuple[str, Any]] = []
    if kind == "integer":
        found.append(("past bigint", 2**70))
    if kind == "string" and fmt in FAR:
        found += [(f"{fmt} far", v) for v in FAR[fmt]]
    if kind == "string" and fmt not in SPECIAL_FORMATS:
        found += [("300,000 characters", HUGE), ("NUL", "a\x00b")]
        if name.endswith("phone"):
            found += [("bad phone", v) for v in BAD_PHONES]
        if name == "id_number":
            found += [("bad ID number", v) for v in BAD_IDS]
        if name == "week":
            found += [("bad week", v) for v in ("9999-W52", "2026-W60", "2026-W00")]
        if name == "month":
            found += [("bad month", v) for v in ("9999-12", "2026-13", "0001-01")]
    return found


@dataclass
class Outcome:
    service: str
    operation: str
    field: str
    what: str
    status: int
    named: list[str]


def _named(r: httpx.Response) -> list[str]:
    try:
        errors = r.json().get("errors") or []
    except ValueError:
        return []
    return [str(e.get("field")) for e in errors]


def _fake(param: str) -> str:
    return "00000000-0000-4000-8000-000000000000" if param != "waybill" else "NOSUCHWAYBILL"


def _path(path: str, op: dict[str, Any]) -> str:
    for p in path_params(op):
        path = path.replace("{" + p["name"] + "}", _fake(p["name"]))
    return path


async def probe(p: Platform, service: str) -> list[Outcome]:
    """Every class of hostile value in every field of every operation of a service."""
    client, doc = p.clients[service], p.apps[service].openapi()
    found: list[Outcome] = []
    for method, path, op in operations(doc):
        url = _path(path, op)
        schema, body = body_leaves(doc, op)
        for leaf in body:
            for what, value in hostile(leaf):
                assert schema is not None
                payload = place(doc, schema, leaf, value)
                r = await client.request(method, url, headers=ADMIN, json=payload)
                found.append(
                    Outcome(service, f"{method} {path}", leaf.field, what, r.status_code, _named(r))
                )
        # The required query parameters valid, so the hostile one is the only thing wrong.
        required = {
            q["name"]: example(doc, q.get("schema", {}))
            for q in op.get("parameters", [])
            if q.get("in") == "query" and q.get("required")
        }
        for leaf in query_leaves(doc, op):
            for what, value in hostile(leaf):
                value = HUGE_QUERY if value is HUGE else value
                kwargs: dict[str, Any] = {"params": {**required, leaf.field: value}}
                if schema is not None:
                    kwargs["json"] = example(doc, schema)
                r = await client.request(method, url, headers=ADMIN, **kwargs)
                found.append(
                    Outcome(service, f"{method} {path}", leaf.field, what, r.status_code, _named(r))
                )
    return found


@pytest.mark.parametrize("service", available())
async def test_hostile_values_are_refused_naming_their_field(
    platform: Platform, service: str
) -> None:
    if service not in platform.clients:
        pytest.skip(f"{service} does not build")
    outcomes = await probe(platform, service)
    if not outcomes:
        pytest.skip(f"{service} has no JSON body or query parameter (the console's HTML forms)")
    bad = [o for o in outcomes if o.status != 422 or o.field not in o.named]
    classes: dict[str, int] = {}
    for o in outcomes:
        classes[o.what] = classes.get(o.what, 0) + 1
    print(f"\n{service}: {len(outcomes)} hostile values, {len(bad)} not refused naming the field")
    print("  by class: " + ", ".join(f"{k} {v}" for k, v in sorted(classes.items())))
    for o in bad:
        print(f"  {o.operation:48} {o.field:32} {o.what:20} -> {o.status} {o.named}")
    assert not [o for o in outcomes if o.status >= 500], "5xx answers"
    assert not bad


def unbounded(doc: dict[str, Any], schema: dict[str, Any], path: str, seen: set[str]) -> list[str]:
    """Strings without maxLength, arrays without maxItems, maps without maxProperties."""
    if "$ref" in schema:
        if schema["$ref"] in seen:
            return []
        seen = seen | {schema["$ref"]}
    schema = resolve(doc, schema)
    out: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        options = schema.get(key, [])
        # A decimal is a number or its digits as a string (bounded by max_digits).
        decimal = any(resolve(doc, o).get("type") == "number" for o in options)
        for option in options:
            if not (decimal and resolve(doc, option).get("type") == "string"):
                out += unbounded(doc, option, path, seen)
    kind = schema.get("type")
    if kind == "string" and "enum" not in schema and "const" not in schema:
        if schema.get("format") not in SPECIAL_FORMATS and "maxLength" not in schema:
            out.append(path)
    if kind == "array":
        if "maxItems" not in schema:
            out.append(f"{path}[]")
        out += unbounded(doc, schema.get("items", {}), f"{path}[]", seen)
    if kind == "object" or "properties" in schema:
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            if "maxProperties" not in schema:
                out.append(f"{path}{{}}")
            out += unbounded(doc, extra, f"{path}{{}}", seen)
        for name, sub in schema.get("properties", {}).items():
            out += unbounded(doc, sub, f"{path}.{name}" if path else name, seen)
    return out


@pytest.mark.quick
@pytest.mark.parametrize("service", available())
def test_every_request_string_has_a_maximum_length(settings: Any, service: str) -> None:
    from tests.security.conftest import build

    doc = build(service, settings).openapi()
    found: list[str] = []
    for method, path, op in operations(doc):
        content = op.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            found += [
                f"{method} {path} body {f}"
                for f in unbounded(doc, content["application/json"]["schema"], "", set())
            ]
        for p in op.get("parameters", []):
            if p.get("in") == "query":
                found += [
                    f"{method} {path} query {f}"
                    for f in unbounded(doc, p.get("schema", {}), p["name"], set())
                ]
    assert not found, "\n".join(found)


def test_hostile_leaves_cover_the_issue_s_cases(settings: Any) -> None:
    """The enumeration reaches the fields the issue names (so the sweep above covers them)."""
    from tests.security.conftest import build

    wanted = {
        ("intake", "week", "bad week"),
        ("aftersales", "date", "date far"),
        ("aftersales", "at", "date-time far"),
        ("projects", "customer_id", "300,000 characters"),
        ("projects", "project_manager", "300,000 characters"),
        ("intake", "customer.phone", "bad phone"),
        ("logistics", "presented.id_number", "bad ID number"),
    }
    seen: set[tuple[str, str, str]] = set()
    for service in {s for s, _, _ in wanted}:
        doc = build(service, settings).openapi()
        for _, _, op in operations(doc):
            _, body = body_leaves(doc, op)
            for leaf in [*body, *query_leaves(doc, op)]:
                seen |= {(service, leaf.field, what) for what, _ in hostile(leaf)}
    assert wanted <= seen, wanted - seen
