"""The OpenAPI document as clients need it: the bearer scheme, the Idempotency-Key header on
POSTs, and every refusal the platform answers documented as problem details (RFC 9457)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from shared.web.errors import PROBLEM_JSON

BEARER = "bearer"
PROBLEM = "Problem"
REF = f"#/components/schemas/{PROBLEM}"
MUTATING = frozenset({"post", "put", "patch", "delete"})

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": PROBLEM,
    "description": "RFC 9457 problem details; a 422 names each refused field in `errors`. A "
    "refusal by a business rule carries its `code` and may carry more members (e.g. `rules`).",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "default": "about:blank"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string", "description": "The rule's code (refusals by a rule)"},
        "errors": {
            "type": "array",
            "description": "Each refused field and why (422)",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}

IDEMPOTENCY_KEY: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Makes a retried POST safe: the first answer is stored and replayed "
    "(`Idempotent-Replayed: true`) for the same key and body; the same key with another body "
    "is a 422, one still in flight a 409 with Retry-After (docs/API.md).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}

DESCRIPTIONS = {
    401: "No bearer token, or one that is not accepted",
    403: "The caller's role may not do this",
    404: "No such record (or another branch's: the same answer on purpose)",
    409: "Not allowed in the record's current state, or the Idempotency-Key is in flight",
    412: "The record changed since the version named in If-Match",
    413: "The body is larger than the limit",
    415: "The file's type is not accepted",
    422: "Invalid input: `errors` names each field",
    429: "Too many requests (when rate limits are configured): wait for Retry-After",
}


def stored_file(types: Iterable[str]) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route that answers a stored file's bytes in one of these types."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": "The file", "content": {t: binary for t in sorted(types)}}}


def statuses(method: str, op: dict[str, Any]) -> list[int]:
    """The refusals the platform may answer for one operation."""
    found = {429}
    if op.get("security"):
        found |= {401, 403}
    params = {p.get("in") for p in op.get("parameters", [])}
    if params or "requestBody" in op:
        found.add(422)
    if "path" in params or method in MUTATING:
        found.add(404)  # an id in the path, or one in the body (a customer, a project)
    if method in MUTATING:
        found |= {409, 413}
    if "requestBody" in op:
        content = op["requestBody"].get("content", {})
        found.add(413)
        if "multipart/form-data" in content:
            found.add(415)
    if any(p.get("name") == "If-Match" for p in op.get("parameters", [])):
        found.add(412)
    return sorted(found)


def offers_csv(op: dict[str, Any]) -> bool:
    """Whether the operation answers CSV for `?format=csv` (the reports)."""
    for p in op.get("parameters", []):
        if p.get("in") == "query" and p.get("name") == "format":
            schema = p.get("schema", {})
            options = [schema, *schema.get("anyOf", [])]
            for o in options:
                pattern = o.get("pattern")
                if "csv" in o.get("enum", ()) or o.get("const") == "csv":
                    return True
                if pattern and re.search(pattern, "csv"):
                    return True
    return False


def problem(status: int) -> dict[str, Any]:
    """One documented problem-details response."""
    return {
        "description": DESCRIPTIONS.get(status, "Refused"),
        "content": {PROBLEM_JSON: {"schema": {"$ref": REF}}},
    }


def complete(doc: dict[str, Any]) -> dict[str, Any]:
    """Add the security scheme, the Idempotency-Key header and the problem responses."""
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas[PROBLEM] = PROBLEM_SCHEMA
    for item in doc.get("paths", {}).values():
        for method, op in item.items():
            if method not in ("get", "put", "post", "delete", "patch", "head", "options"):
                continue
            if method == "post" and op.get("security"):
                names = {p["name"].lower() for p in op.get("parameters", [])}
                if "idempotency-key" not in names:
                    op.setdefault("parameters", []).append(dict(IDEMPOTENCY_KEY))
            responses = op.setdefault("responses", {})
            if offers_csv(op):
                for code, answer in responses.items():
                    if code.startswith("2"):
                        csv = {"schema": {"type": "string"}}
                        answer.setdefault("content", {})["text/csv"] = csv
            for status in statuses(method, op):
                responses[str(status)] = problem(status)
    return doc


def install(app: FastAPI) -> None:
    """Make `app.openapi()` serve the completed document (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    openapi_version=app.openapi_version,
                    description=app.description,
                    routes=app.routes,
                    servers=app.servers,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
