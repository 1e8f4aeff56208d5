"""Every service's API documents as other teams' tools read them: /docs and /redoc work offline
(every asset they reference is served by the service itself); the OpenAPI documents pass
openapi-spec-validator and say what a client needs (the bearer scheme, Idempotency-Key, every
refusal as problem details), and a client generated from one calls a running service; the
AsyncAPI documents parse with the official parser (@asyncapi/parser, from the npm registry)."""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jsonschema
import pytest
from fastapi import FastAPI
from openapi_spec_validator import validate

from services.intake.app import create_app as create_intake
from shared.settings import SERVICES, Settings
from shared.web.errors import PROBLEM_JSON
from shared.web.platform import asyncapi
from tests.security.conftest import ADMIN, factory
from tests.support import harness
from tests.support.harness import running

# Building an app connects to nothing: these tests need no server (the lifespan never runs).
SETTINGS: Settings = harness.test_settings(
    "nats://127.0.0.1:1", "postgresql://kefu@127.0.0.1:1/kefu"
)


def app_of(service: str) -> FastAPI:
    """The service's app, built but not started."""
    create = factory(service)
    if create is None:
        pytest.skip(f"services.{service}.app does not import")
    return create(SETTINGS)


async def client_of(service: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_of(service))
    async with httpx.AsyncClient(transport=transport, base_url="http://kefu.test") as client:
        yield client


class Assets(HTMLParser):
    """The URLs a page makes the browser load: scripts, stylesheets, icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for attr in ("src", "href"):
            if tag in ("script", "link", "img") and named.get(attr):
                self.urls.append(str(named[attr]))


@pytest.mark.quick
@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_docs_pages_load_every_asset_from_the_service_itself(
    service: str, page: str
) -> None:
    async for client in client_of(service):
        r = await client.get(page)
        assert r.status_code == 200, r.text
        parser = Assets()
        parser.feed(r.text)
        # The document the page renders, named in its script (`url: '/openapi.json'`).
        spec = re.findall(r"""(?:url:|spec-url=)\s*["']([^"']+)["']""", r.text)
        urls = parser.urls + spec
        assert any(u.endswith(".js") for u in urls), urls
        assert "/openapi.json" in spec, r.text
        for url in urls:
            parts = urlsplit(url)
            assert not parts.scheme and not parts.netloc, f"{page} loads {url} from elsewhere"
            asset = await client.get(url)
            assert asset.status_code == 200, f"{page} references {url}: {asset.status_code}"
            assert asset.content, url
        # Swagger UI's validator badge is an image from a public site unless switched off.
        if page == "/docs":
            assert '"validatorUrl": null' in r.text


def document(service: str) -> dict[str, Any]:
    """The service's OpenAPI document as it serves it."""
    doc: dict[str, Any] = app_of(service).openapi()
    return doc


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) for every operation."""
    return [(m, p, op) for p, item in doc["paths"].items() for m, op in item.items()]


def problem_ref(response: dict[str, Any]) -> str | None:
    """The schema a documented response names for problem details, if it does."""
    schema = response.get("content", {}).get(PROBLEM_JSON, {}).get("schema", {})
    ref: str | None = schema.get("$ref")
    return ref


@pytest.mark.quick
@pytest.mark.parametrize("service", SERVICES)
def test_every_openapi_document_is_valid_and_says_what_a_client_needs(service: str) -> None:
    doc = document(service)
    validate(doc)  # openapi-spec-validator: the OpenAPI 3.1 schema and its rules
    assert "HTTPValidationError" not in json.dumps(doc), "422 is documented as FastAPI's shape"
    ops = operations(doc)
    if not ops:
        return  # the console: its pages are HTML, not part of the API document
    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": ANY_TEXT,
    }
    problem = doc["components"]["schemas"]["Problem"]
    assert {"type", "title", "status"} <= set(problem["required"])
    for method, path, op in ops:
        where = f"{service} {method.upper()} {path}"
        assert op.get("security") == [{"bearer": []}], where
        responses = op["responses"]
        expected = {"401", "403"}
        if op.get("parameters") or "requestBody" in op:
            expected.add("422")
        if method == "post":
            expected |= {"404", "409", "413"}
            headers = [p for p in op["parameters"] if p["in"] == "header"]
            assert [p["name"] for p in headers] == ["Idempotency-Key"], where
            assert headers[0]["schema"]["maxLength"] == 255
        if any(p["in"] == "path" for p in op.get("parameters", [])):
            expected.add("404")
        for status in expected:
            assert status in responses, f"{where}: {status} not documented"
            assert problem_ref(responses[status]) == "#/components/schemas/Problem", where


class _AnyText:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and bool(other)


ANY_TEXT: Any = _AnyText()


@pytest.mark.quick
@pytest.mark.parametrize("service", [s for s in SERVICES if s != "console"])
async def test_refusals_answer_the_documented_problem_shape(service: str) -> None:
    doc = document(service)
    schema = {**doc["components"]["schemas"]["Problem"], "components": doc["components"]}
    _, path, op = next(
        (m, p, op) for m, p, op in operations(doc) if m == "post" and "requestBody" in op
    )
    path = re.sub(r"\{[^}]+\}", "x", path)
    async for client in client_of(service):
        answers = {
            "no token": await client.post(path, json={}),
            "bad token": await client.post(path, json={}, headers={"Authorization": "Bearer x"}),
            "invalid body": await client.post(path, json={"x": 1}, headers=ADMIN),
            "not UTF-8": await client.post(
                path,
                content=b"\xff\xfe{",
                headers={**ADMIN, "Content-Type": "application/json"},
            ),
        }
    for case, r in answers.items():
        assert str(r.status_code) in op["responses"], (case, r.status_code, r.text)
        assert r.headers["content-type"] == PROBLEM_JSON, case
        jsonschema.validate(r.json(), schema)
    assert answers["invalid body"].status_code == 422
    assert answers["not UTF-8"].status_code == 422
    assert answers["not UTF-8"].json()["errors"][0]["field"] == "body"


def generate_client(doc: dict[str, Any], home: Path, package: str) -> None:
    """Generate a client package with openapi-python-client into `home` (warnings fail)."""
    spec, config = home / "openapi.json", home / "config.yaml"
    spec.write_text(json.dumps(doc))
    config.write_text(f"post_hooks: []\npackage_name_override: {package}\n")
    tool = Path(sys.executable).with_name("openapi-python-client")
    done = subprocess.run(
        [
            tool,
            "generate",
            "--path",
            spec,
            "--config",
            config,
            "--meta",
            "none",
            "--output-path",
            home / package,
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.quick
async def test_a_generated_client_calls_a_running_service(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_intake(settings)
    generate_client(app.openapi(), tmp_path, "kefu_intake_client")
    monkeypatch.syspath_prepend(str(tmp_path))
    client_module = importlib.import_module("kefu_intake_client")
    register = importlib.import_module("kefu_intake_client.api.leads.register_lead_v1_leads_post")
    get_lead = importlib.import_module("kefu_intake_client.api.leads.get_lead_v1_leads_lead_id_get")
    models = importlib.import_module("kefu_intake_client.models")
    phone = f"139{uuid.uuid4().int % 10**8:08d}"
    body = models.LeadIn.from_dict(
        {
            "customer": {"name": "生成客户端", "phone": phone},
            "house": {"address": "上海", "area_m2": 90},
        }
    )
    # The client builds its own httpx client (and its Authorization header); only the
    # transport is the running app's.
    over = {"transport": httpx.ASGITransport(app=app)}
    async with running(app):
        client = client_module.AuthenticatedClient(
            base_url="http://test", token="test-admin", httpx_args=over
        )
        created = await register.asyncio_detailed(client=client, body=body, idempotency_key="gen-1")
        assert created.status_code == 201, created.content
        assert isinstance(created.parsed, models.LeadCreated)
        again = await register.asyncio_detailed(client=client, body=body, idempotency_key="gen-1")
        assert again.headers.get("idempotent-replayed") == "true"
        assert again.parsed.id == created.parsed.id
        lead = await get_lead.asyncio(client=client, lead_id=created.parsed.id)
        assert isinstance(lead, models.LeadOut), lead
        assert lead.id == created.parsed.id
        stranger = client_module.AuthenticatedClient(
            base_url="http://test", token="nonsense", httpx_args=over
        )
        refused = await get_lead.asyncio(client=stranger, lead_id=created.parsed.id)
        assert isinstance(refused, models.Problem), refused
        assert refused.status == 401
        # A refusal replayed for its Idempotency-Key keeps its type (it came back as JSON).
        http = client.get_async_httpx_client()
        keyed = {"Idempotency-Key": f"gen-{phone}"}
        first = await http.post("/v1/leads", json={"customer": {}}, headers=keyed)
        replay = await http.post("/v1/leads", json={"customer": {}}, headers=keyed)
        assert first.status_code == replay.status_code == 422, first.text
        assert replay.headers["idempotent-replayed"] == "true"
        assert first.headers["content-type"] == replay.headers["content-type"] == PROBLEM_JSON


PARSER_VERSION = "3.6.3"  # @asyncapi/parser, the official AsyncAPI parser
PARSER_HOME = Path(__file__).resolve().parents[2] / ".cache" / "asyncapi-parser"
PARSE_SCRIPT = Path(__file__).resolve().parents[1] / "support" / "asyncapi_parse.cjs"
UNREACHABLE = ("ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT", "ECONNRESET", "network")


@pytest.fixture(scope="module")
def asyncapi_parser() -> Path:
    """The official AsyncAPI parser, installed from the npm registry on first use into a
    git-ignored folder (the test setup, not `./dev up`); skipped only when npm cannot reach
    the registry or Node is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("Node.js and npm are needed to run @asyncapi/parser (not installed)")
    installed = PARSER_HOME / "node_modules" / "@asyncapi" / "parser" / "package.json"
    if not installed.exists() or json.loads(installed.read_text())["version"] != PARSER_VERSION:
        PARSER_HOME.mkdir(parents=True, exist_ok=True)
        package = f"@asyncapi/parser@{PARSER_VERSION}"
        quiet = ["--no-audit", "--no-fund", "--ignore-scripts"]  # no telemetry postinstall
        done = subprocess.run(
            [npm, "install", *quiet, "--prefix", str(PARSER_HOME), package],
            capture_output=True,
            text=True,
            timeout=600,
        )
        output = done.stdout + done.stderr
        if done.returncode != 0 and any(word in output for word in UNREACHABLE):
            pytest.skip(f"npm cannot reach the registry for @asyncapi/parser: {output[-400:]}")
        assert done.returncode == 0, output
    return PARSER_HOME / "node_modules"


def test_every_asyncapi_document_parses_with_the_official_parser(
    asyncapi_parser: Path, tmp_path: Path
) -> None:
    files = []
    for service in SERVICES:
        app = app_of(service)
        doc = asyncapi(service, app.state.svc.published(), ["nats://reader:secret@nats:4222"])
        assert "secret" not in json.dumps(doc)  # the servers never carry credentials
        assert doc["servers"]["nats"]["host"] == "nats:4222"
        path = tmp_path / f"{service}.json"
        path.write_text(json.dumps(doc))
        files.append(str(path))
    done = subprocess.run(
        ["node", str(PARSE_SCRIPT), *files],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NODE_PATH": str(asyncapi_parser)},
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    report = {Path(f).stem: (r["parsed"], r["errors"], r["warnings"]) for f, r in results.items()}
    assert all(parsed and not errors for parsed, errors, _ in report.values()), report
    assert not any(warnings for _, _, warnings in report.values()), report


@pytest.mark.quick
async def test_the_served_asyncapi_document_names_the_servers_without_credentials() -> None:
    settings = harness.test_settings(
        "nats://intake:pw@nats-1:4222,nats://intake:pw@nats-2:4222", "postgresql://k@h:1/k"
    )
    from services.intake.app import create_app

    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://kefu.test") as client:
        doc = (await client.get("/asyncapi.json")).json()
    assert {s["host"] for s in doc["servers"].values()} == {"nats-1:4222", "nats-2:4222"}
    assert "pw" not in json.dumps(doc["servers"])
    # Every message payload is a reference into components, which holds every nested schema.
    text = json.dumps(doc)
    assert "#/$defs/" not in text
    for ref in re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', text):
        assert ref in doc["components"]["schemas"], ref
