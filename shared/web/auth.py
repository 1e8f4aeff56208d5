"""Bearer tokens: verified locally in every service (role, branch, region)."""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from typing import Any

import jwt
from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.contracts.values import Role
from shared.settings import Settings
from shared.web.errors import Problem

# A token without an expiry would be valid for ever: refused (issue 16).
REQUIRED_CLAIMS = ["exp", "sub", "role"]
# Whom a tracking token reads for (shared.links.Audience's values for a shipment).
AUDIENCES = frozenset({"consignee", "shipper"})
# Whom a project_view token reads for: the project's customer.
PROJECT_AUDIENCE = "customer"
# The OpenAPI security scheme every authenticated operation names (the 401 is ours).
BEARER = HTTPBearer(
    scheme_name="bearer",
    bearerFormat="JWT",
    description="A token from `kefu token issue` (HS256 or the configured public key)",
    auto_error=False,
)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's claims."""

    sub: str
    role: Role
    branch: str | None = None
    region: str | None = None
    department: str | None = None
    team: str | None = None
    waybill: str | None = None  # a tracking token: the one waybill it reads
    audience: str | None = None  # a tracking token: consignee or shipper; project_view: customer
    project: str | None = None  # a project_view token: the one project it reads

    @property
    def is_branch(self) -> bool:
        return self.role is Role.BRANCH

    def may_see_branch(self, branch: str | None) -> bool:
        """A branch token sees only its own branch's records; staff see all (or their region)."""
        return not self.is_branch or (branch is not None and branch == self.branch)


def issue_token(
    settings: Settings,
    *,
    role: str,
    sub: str | None = None,
    branch: str | None = None,
    region: str | None = None,
    department: str | None = None,
    team: str | None = None,
    waybill: str | None = None,
    audience: str | None = None,
    project: str | None = None,
    ttl_seconds: int = 86400 * 30,
) -> str:
    """Sign a token (HS256 with KEFU_AUTH_SECRET, key id in the header); it always expires."""
    Role(role)
    if ttl_seconds <= 0:
        raise ValueError("a token needs a positive lifetime (ttl_seconds)")
    if role == Role.BRANCH and not branch:
        raise ValueError("a branch token needs --branch")
    if role == Role.TRACKING and not (waybill and audience in AUDIENCES):
        raise ValueError("a tracking token needs a waybill and an audience (consignee, shipper)")
    if role == Role.PROJECT_VIEW and not (project and audience == PROJECT_AUDIENCE):
        raise ValueError("a project_view token needs a project and the audience customer")
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub or (f"branch:{branch}" if branch else role),
        "role": role,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    for k, v in (
        ("branch", branch),
        ("region", region),
        ("department", department),
        ("team", team),
        ("waybill", waybill),
        ("audience", audience),
        ("project", project),
    ):
        if v:
            claims[k] = v
    return jwt.encode(
        claims, settings.auth_secret, algorithm="HS256", headers={"kid": settings.auth_kid}
    )


def verify(settings: Settings, token: str) -> Principal:
    """Check a bearer token's signature and claims, or raise a 401 problem."""
    if not token.isascii():
        # Tokens are ASCII (base64url JWTs, the admin token); compare_digest raised on others.
        raise Problem(401, "Invalid token", "the bearer token was not accepted: not ASCII")
    if settings.admin_token and hmac.compare_digest(token, settings.admin_token):
        return Principal(sub="admin", role=Role.ADMIN)
    try:
        if settings.auth_public_key:
            claims = jwt.decode(
                token,
                settings.auth_public_key,
                algorithms=["RS256", "ES256", "EdDSA"],
                options={"require": REQUIRED_CLAIMS},
            )
        else:
            kid = jwt.get_unverified_header(token).get("kid", settings.auth_kid)
            secret = (
                settings.auth_secret
                if kid == settings.auth_kid
                else settings.auth_previous_keys.get(kid)
            )
            if secret is None:
                raise jwt.InvalidKeyError(f"unknown signing key id {kid!r}")
            claims = jwt.decode(
                token, secret, algorithms=["HS256"], options={"require": REQUIRED_CLAIMS}
            )
        role = Role(claims["role"])
        if role is Role.BRANCH and not claims.get("branch"):
            raise ValueError("a branch token must name its branch")
        if role is Role.TRACKING and not (
            claims.get("waybill") and claims.get("audience") in AUDIENCES
        ):
            raise ValueError("a tracking token must name its waybill and audience")
        if role is Role.PROJECT_VIEW and not (
            claims.get("project") and claims.get("audience") == PROJECT_AUDIENCE
        ):
            raise ValueError("a project_view token must name its project and audience customer")
        return Principal(
            sub=str(claims["sub"]),
            role=role,
            branch=claims.get("branch"),
            region=claims.get("region"),
            department=claims.get("department"),
            team=claims.get("team"),
            waybill=claims.get("waybill"),
            audience=claims.get("audience"),
            project=claims.get("project"),
        )
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise Problem(401, "Invalid token", f"the bearer token was not accepted: {exc}") from exc


async def principal(
    request: Request, bearer: HTTPAuthorizationCredentials | None = Security(BEARER)
) -> Principal:
    """FastAPI dependency: the verified caller, or 401 (async: no thread-pool hop)."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    token = bearer.credentials.strip() if bearer is not None else ""
    if not token:
        raise Problem(401, "Unauthorized", "send Authorization: Bearer <token>")
    p = verify(request.app.state.settings, token)
    request.state.principal = p
    return p


def require(*roles: Role | str) -> Any:
    """FastAPI dependency factory: the caller must have one of these roles (admin always may)."""
    allowed = {Role(r) for r in roles} | {Role.ADMIN}

    async def check(p: Principal = Depends(principal)) -> Principal:
        if p.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Problem(
                403, "Forbidden", f"role {p.role.value} may not do this (allowed: {names})"
            )
        return p

    return Depends(check)
