"""Bearer tokens (API.md "Common rules"): forged, expired, unsigned or mis-keyed tokens are 401 on
every service; a branch token is only ever confined to a branch; an Idempotency-Key never
replays one branch's answer to another."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
import uuid
from typing import Any

import jwt

from shared.settings import Settings
from tests.security.conftest import Platform, bearer, build, uid
from tests.support.harness import running
from tests.support.journeys import serve

# One read each service answers for any staff role (the token check comes first).
PROBES = {
    "intake": "/v1/complaints",
    "projects": "/v1/projects",
    "aftersales": "/v1/repairs",
    "logistics": "/v1/receipts/overdue",
    "notifications": "/v1/callbacks",
}


def bearer_apis(platform: Platform) -> list[tuple[str, Any]]:
    """The services with a bearer-token API (the console signs staff in with sessions)."""
    return [(s, c) for s, c in platform.clients.items() if s in PROBES]


def signed(settings: Settings, claims: dict[str, Any], **kw: Any) -> str:
    """A token signed with the service's own secret unless told otherwise."""
    now = int(time.time())
    body = {"sub": "probe", "iat": now, "exp": now + 600, **claims}
    key = kw.pop("key", settings.auth_secret)
    headers = kw.pop("headers", {"kid": settings.auth_kid})
    return jwt.encode(body, key, algorithm=kw.pop("algorithm", "HS256"), headers=headers)


def unsigned(claims: dict[str, Any]) -> str:
    """An `alg: none` token."""

    def part(d: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

    now = int(time.time())
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part({'sub': 'x', 'role': 'admin', 'exp': now + 600, **claims})}."


def forgeries(settings: Settings) -> dict[str, str]:
    """Tokens no service may accept."""
    good = signed(settings, {"role": "manager"})
    head, payload, sig = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    raised = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return {
        "alg none": unsigned({}),
        "wrong secret": signed(settings, {"role": "admin"}, key="not-the-secret"),
        "expired": signed(settings, {"role": "admin", "exp": int(time.time()) - 60}),
        "unknown kid": signed(settings, {"role": "admin"}, headers={"kid": "k-unknown"}),
        "no role": signed(settings, {}),
        "unknown role": signed(settings, {"role": "root"}),
        "payload edited": f"{head}.{raised}.{sig}",
        "garbage": "not-a-jwt",
        "no exp": jwt.encode(
            {"sub": "probe", "role": "admin", "iat": int(time.time())},
            settings.auth_secret,
            algorithm="HS256",
            headers={"kid": settings.auth_kid},
        ),
        "admin token with a suffix": "test-admin-x",
    }


async def test_forged_tokens_are_401_everywhere(platform: Platform, settings: Settings) -> None:
    rows = []
    for service, client in bearer_apis(platform):
        path = PROBES[service]
        for name, token in forgeries(settings).items():
            r = await client.get(path, headers={"Authorization": f"Bearer {token}"})
            ok = r.status_code == 401 and r.headers["content-type"].startswith(
                "application/problem+json"
            )
            rows.append((service, name, r.status_code, ok))
        for header in ("", "Bearer", "Basic dGVzdDp0ZXN0", "bearer  "):
            r = await client.get(path, headers={"Authorization": header} if header else {})
            rows.append((service, f"header {header!r}", r.status_code, r.status_code == 401))
    refused = sum(ok for *_, ok in rows)
    print(f"\nforged or missing tokens: {refused}/{len(rows)} answered 401")
    assert refused == len(rows), [r for r in rows if not r[3]]


# Header bytes as they come off the wire (UTF-8 here; Starlette reads them as Latin-1).
NON_ASCII = [
    "Bearer café".encode(),
    "Bearer 令牌".encode(),
    b"Bearer \xff\xfe",
    b"Bearer test-admin\xe9",
]


async def test_non_ascii_bearer_tokens_are_401_everywhere(platform: Platform) -> None:
    """Issue 16, defect 6: `Bearer café` was a 500 on every service (keyed POSTs too)."""
    rows = []
    for service, client in bearer_apis(platform):
        for header in NON_ASCII:
            r = await client.get(PROBES[service], headers={"Authorization": header})
            rows.append((service, "GET", header, r.status_code))
            r = await client.post(
                "/v1/anything",
                headers={"Authorization": header, "Idempotency-Key": f"k-{uid()}"},
                json={},
            )
            rows.append((service, "keyed POST", header, r.status_code))
    print(f"\nnon-ASCII bearer tokens: {sum(r[3] == 401 for r in rows)}/{len(rows)} answered 401")
    assert all(status == 401 for *_, status in rows), [r for r in rows if r[3] != 401]


async def test_a_non_ascii_bearer_token_leaves_the_keep_alive_connection_usable(
    settings: Settings,
) -> None:
    """One HTTP/1.1 connection to a real server: the refused request, then a good one."""
    app = build("intake", settings)
    async with running(app), serve(app) as url:
        port = int(url.rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            answers = []
            for token in (b"caf\xc3\xa9", b"test-admin"):
                writer.write(
                    b"GET /v1/complaints HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + token
                    + b"\r\n\r\n"
                )
                await writer.drain()
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
                length = int(re.search(rb"content-length: (\d+)", head.lower()).group(1))  # type: ignore[union-attr]
                await reader.readexactly(length)
                answers.append(int(head.split()[1]))
        finally:
            writer.close()
    assert answers == [401, 200]


async def test_branch_token_without_branch_claim_is_refused(
    platform: Platform, settings: Settings
) -> None:
    # Only the signing key's holder (or a misconfigured identity provider) can mint this token.
    owner = bearer(settings, "branch", branch="SH01")
    r = await platform.clients["intake"].post(
        "/v1/complaints",
        headers=owner,
        json={
            "customer": {"name": f"无分支{uid()}", "phone": f"136{uuid.uuid4().int % 10**8:08d}"},
            "channel": "phone",
            "category": "service",
            "severity": "low",
            "description": "branch claim probe",
            "department": "customer_service",
        },
    )
    assert r.status_code == 201, r.text
    token = signed(settings, {"role": "branch", "sub": "branch:?"})
    headers = {"Authorization": f"Bearer {token}"}
    answers = {}
    for service in ("intake", "aftersales"):
        path = PROBES[service]
        listed = await platform.clients[service].get(path, headers=headers, params={"limit": 500})
        answers[service] = (listed.status_code, len(listed.json().get("items", [])))
    print(f"\nbranch token without a branch claim: {answers}")
    assert all(status == 401 for status, _ in answers.values()), answers


async def test_idempotency_key_never_replays_another_branchs_answer(
    platform: Platform, settings: Settings
) -> None:
    key = f"pos-{uid()}"
    body = {
        "customer": {"name": "同名终端", "phone": f"135{uuid.uuid4().int % 10**8:08d}"},
        "channel": "phone",
        "category": "service",
        "severity": "low",
        "description": "shared terminal name",
        "department": "customer_service",
    }
    intake = platform.clients["intake"]
    answers = []
    for branch in ("SH01", "BJ02"):
        headers = {
            **bearer(settings, "branch", branch=branch, sub="terminal-1"),
            "Idempotency-Key": key,
        }
        answers.append(await intake.post("/v1/complaints", headers=headers, json=body))
    first, second = answers
    print(
        f"\nsame sub and key at SH01 then BJ02: {first.status_code} {second.status_code}, "
        f"replayed={second.headers.get('idempotent-replayed')}"
    )
    assert first.status_code == second.status_code == 201
    assert second.headers.get("idempotent-replayed") is None
    assert first.json()["id"] != second.json()["id"]
