"""The security suite's shared parts: every service's app (notifications skipped cleanly when it
does not import), tokens, the running platform, and request bodies built from each OpenAPI."""

from __future__ import annotations

import importlib
import math
import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shared.settings import SERVICES, Settings
from shared.web.auth import issue_token
from tests.support.harness import running

ADMIN = {"Authorization": "Bearer test-admin"}
# The smallest file each photo endpoint accepts (the object store checks the PNG signature).
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
Factory = Callable[[Settings], FastAPI]


def factory(service: str) -> Factory | None:
    """The service's `create_app`, or None when its app module does not import (yet)."""
    try:
        module = importlib.import_module(f"services.{service}.app")
    except Exception:
        return None
    create: Factory = module.create_app
    return create


def build(service: str, settings: Settings) -> FastAPI:
    """The service's app, or skip the case when the service cannot be built."""
    create = factory(service)
    if create is None:
        pytest.skip(f"services.{service}.app does not import")
    try:
        return create(settings)
    except Exception as exc:
        pytest.skip(f"services.{service}.app cannot build its app: {exc!r}")


def available() -> list[str]:
    """The services whose app module imports."""
    return [s for s in SERVICES if factory(s) is not None]


def bearer(settings: Settings, role: str, **claims: Any) -> dict[str, str]:
    """An Authorization header for a signed token."""
    return {"Authorization": f"Bearer {issue_token(settings, role=role, **claims)}"}


def uid() -> str:
    """A short unique suffix: the suite shares its database with the rest of the session."""
    return uuid.uuid4().hex[:8].upper()


@dataclass
class Platform:
    """Every importable service running in-process, by name."""

    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    apps: dict[str, FastAPI] = field(default_factory=dict)


@pytest.fixture(scope="module")
async def platform(settings: Settings) -> AsyncIterator[Platform]:
    """All five services (those that build) with their whole runtime, for one test module."""
    found = Platform()
    async with AsyncExitStack() as stack:
        for name in SERVICES:
            create = factory(name)
            if create is None:
                continue
            try:
                app = create(settings)
            except Exception:
                continue
            found.apps[name] = app
            found.clients[name] = await stack.enter_async_context(running(app))
        yield found


# ---- request bodies from the OpenAPI document ------------------------------------------------


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow a `$ref` inside the document."""
    while "$ref" in schema:
        node: Any = doc
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _string(schema: dict[str, Any]) -> str:
    fmt = schema.get("format")
    if fmt == "date-time":
        return datetime.now(UTC).isoformat()
    if fmt == "date":
        return date.today().isoformat()
    if fmt == "binary":
        return ""
    pattern = schema.get("pattern")
    value = "X1"
    if pattern:
        value = next(
            (c for c in ("X1", "json", "2026-01", "2026-W01") if re.search(pattern, c)), value
        )
    size = int(schema.get("minLength", 0))
    return value if len(value) >= size else value + "x" * (size - len(value))


def example(doc: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A minimal valid instance of a JSON schema: required members only, lower bounds."""
    schema = resolve(doc, schema)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if resolve(doc, o).get("type") != "null"]
            return example(doc, options[0]) if options else None
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: example(doc, props[name]) for name in schema.get("required", [])}
    if kind == "array":
        return [
            example(doc, schema.get("items", {})) for _ in range(int(schema.get("minItems", 0)))
        ]
    if kind in ("integer", "number"):
        value = 1
        if "minimum" in schema:
            value = max(value, math.ceil(schema["minimum"]))
        if "exclusiveMinimum" in schema:
            value = max(value, math.floor(schema["exclusiveMinimum"]) + 1)
        if "maximum" in schema:
            value = min(value, math.floor(schema["maximum"]))
        return value if kind == "integer" else float(value)
    if kind == "boolean":
        return False
    return _string(schema)


def request_kwargs(doc: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    """httpx keyword arguments carrying a valid body for the operation (JSON or multipart)."""
    content = operation.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        return {"files": {"file": ("photo.png", PNG, "image/png")}}
    if "application/json" in content:
        return {"json": example(doc, content["application/json"]["schema"])}
    return {}


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation) for every GET/POST/PUT/PATCH/DELETE in the document."""
    found = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                found.append((method.upper(), path, op))
    return found


def path_params(op: dict[str, Any]) -> list[dict[str, Any]]:
    """The operation's path parameters."""
    return [p for p in op.get("parameters", []) if p.get("in") == "path"]
