"""The "Request fields" section of each docs/services/<service>.md, made from the service's OpenAPI.

Read from `services.<name>.app:create_app().openapi()` (not from module paths, which move): every
request body's fields, dotted for nested ones (`house.area_m2`), with whether they are required,
their type, value list (enums), limits, default and the example the API gives. `kefu catalogue
render` writes the section between its two markers; `--check` (and a test) fails on drift.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import os
from collections.abc import Iterator
from typing import Any

from shared.settings import SERVICES, Settings

BEGIN = "<!-- generated: request fields (kefu catalogue render) -->"
END = "<!-- end generated: request fields -->"
NO_EXAMPLE = object()


@contextlib.contextmanager
def _development() -> Iterator[None]:
    """Build the apps as `./dev` does (a service's own settings refuse production defaults)."""
    before = os.environ.get("KEFU_ENV")
    if before not in ("development", "test"):
        os.environ["KEFU_ENV"] = "development"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("KEFU_ENV", None)
        else:
            os.environ["KEFU_ENV"] = before


@functools.cache
def openapi(service: str) -> dict[str, Any]:
    """The service's OpenAPI document, as its /openapi.json serves it."""
    with _development():
        module = importlib.import_module(f"services.{service}.app")
        spec: dict[str, Any] = module.create_app(Settings(env="development")).openapi()
    return spec


class _Schemas:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.components = spec.get("components", {}).get("schemas", {})

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        """The schema a $ref points to (with the referring schema's own keys kept)."""
        while "$ref" in schema:
            target = self.components[schema["$ref"].rsplit("/", 1)[-1]]
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        return schema

    def unwrap(self, schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """(the schema without its `or null` alternative, whether null is allowed)."""
        schema = self.resolve(schema)
        options = schema.get("anyOf") or schema.get("oneOf")
        if options:
            real = [o for o in options if o.get("type") != "null"]
            if len(real) == 1:
                rest = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
                return {**self.resolve(real[0]), **rest}, len(real) < len(options)
        return schema, False

    def type_of(self, schema: dict[str, Any]) -> str:
        schema, _ = self.unwrap(schema)
        options = schema.get("anyOf") or schema.get("oneOf")
        if options:
            return " or ".join(self.type_of(o) for o in options if o.get("type") != "null")
        kind = schema.get("type", "object")
        if kind == "array":
            return f"list of {self.type_of(schema.get('items', {}))}"
        if schema.get("format") == "binary" or "contentMediaType" in schema:
            return "file"
        extra = schema.get("additionalProperties")
        if kind == "object" and isinstance(extra, dict) and extra:
            return f"object of {self.type_of(extra)}"
        fmt = schema.get("format")
        return f"{kind} ({fmt})" if fmt and fmt not in ("uuid",) else kind

    def values(self, schema: dict[str, Any]) -> str:
        """Value list, limits and default, as one cell."""
        schema, nullable = self.unwrap(schema)
        parts: list[str] = []
        items = self.resolve(schema.get("items", {})) if schema.get("type") == "array" else {}
        enum = schema.get("enum") or items.get("enum")
        if enum:
            parts.append(" / ".join(f"`{v}`" for v in enum))
        parts += _limits(schema, "chars")
        if items and not enum:
            parts += [f"each {x}" for x in _limits(items, "chars")]
        if schema.get("type") == "array":
            parts += _limits(schema, "items", length=("minItems", "maxItems"))
        if "default" in schema and schema["default"] not in (None, [], {}, ""):
            default = schema["default"]
            shown = default if isinstance(default, str) else json.dumps(default)
            parts.append(f"default `{_text(shown)}`")
        if nullable and not parts:
            parts.append("may be null")
        return "; ".join(parts)


def _limits(
    schema: dict[str, Any], unit: str, length: tuple[str, str] = ("minLength", "maxLength")
) -> list[str]:
    low, high = schema.get(length[0]), schema.get(length[1])
    out = []
    if low is not None and high is not None:
        out.append(f"{low}–{high} {unit}")
    elif high is not None:
        out.append(f"≤ {high} {unit}")
    elif low:
        out.append(f"≥ {low} {unit}")
    for key, sign in (
        ("minimum", "≥"),
        ("exclusiveMinimum", ">"),
        ("maximum", "≤"),
        ("exclusiveMaximum", "<"),
    ):
        if key in schema:
            out.append(f"{sign} {_number(schema[key])}")
    if "pattern" in schema:
        out.append(f"pattern `{schema['pattern']}`")
    return out


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text.replace("|", "\\|").replace("\n", " ")


def _rows(
    schemas: _Schemas, schema: dict[str, Any], prefix: list[str], example: Any
) -> Iterator[tuple[str, ...]]:
    """One row per field, then the fields of a nested object or of a list's items."""
    schema, _ = schemas.unwrap(schema)
    required = set(schema.get("required", ()))
    for name, prop in schema.get("properties", {}).items():
        here = [*prefix, name]
        inner, _ = schemas.unwrap(prop)
        value = example.get(name, NO_EXAMPLE) if isinstance(example, dict) else NO_EXAMPLE
        shown = "" if value is NO_EXAMPLE or isinstance(value, dict | list) else _text(value)
        yield (
            f"`{'.'.join(here)}`",
            schemas.type_of(prop),
            "**required**" if name in required else "",
            schemas.values(prop),
            shown,
            _text(inner.get("description", prop.get("description", ""))),
        )
        if inner.get("type", "object") == "object" and "properties" in inner:
            yield from _rows(schemas, inner, here, value)
        items = schemas.resolve(inner.get("items", {})) if inner.get("type") == "array" else {}
        if "properties" in items:
            first = value[0] if isinstance(value, list) and value else NO_EXAMPLE
            yield from _rows(schemas, items, [*prefix, f"{name}[]"], first)


def render_section(service: str) -> str | None:
    """The section's text (markers included), or None when the service takes no request body."""
    spec = openapi(service)
    schemas = _Schemas(spec)
    out = [
        BEGIN,
        "## Request fields",
        "",
        f"Generated from the OpenAPI of `services.{service}.app:create_app()` by",
        "`kefu catalogue render`; a test fails when this section and the code differ.",
        "**required** fields must be given; a nested one (`a.b`) is required when its parent is",
        "given, `a[].b` in each item of the list `a`. Examples are the API's own (`/docs`).",
    ]
    bodies = 0
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            kinds = ("application/json", "multipart/form-data")
            kind = next((k for k in kinds if k in content), "")
            if not kind:
                continue
            bodies += 1
            body = schemas.resolve(content[kind]["schema"])
            examples = body.get("examples") or [NO_EXAMPLE]
            form = " (multipart form)" if kind == "multipart/form-data" else ""
            out += ["", f"### {method.upper()} {path}{form}", ""]
            if body.get("additionalProperties") is False:
                out += ["A field not listed here is refused (422 naming it).", ""]
            rows = list(_rows(schemas, body, [], examples[0]))
            if not rows:
                out.append("No fields.")
                continue
            out += [
                "| field | type | required | values, limits, default | example | meaning |",
                "|---|---|---|---|---|---|",
            ]
            out += ["| " + " | ".join(row) + " |" for row in rows]
    out.append(END)
    return "\n".join(out) + "\n" if bodies else None


def sections() -> dict[str, str]:
    """docs/services/<service>.md → its generated section, for every service with a request body."""
    found = {}
    for service in SERVICES:
        text = render_section(service)
        if text is not None:
            found[f"docs/services/{service}.md"] = text
    return found


def replace_section(document: str, section: str) -> str:
    """The document with its marked section replaced (a missing section is an error)."""
    start, end = document.find(BEGIN), document.find(END)
    if start < 0 or end < start:
        raise ValueError(f"no `{BEGIN}` … `{END}` markers")
    return document[:start] + section + document[end + len(END) + 1 :]
