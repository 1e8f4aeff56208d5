"""Who is asking, and whether a form may be accepted: the session cookie, the synchronizer
token of every form and the Origin check."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import Response

from services.console.api.pages import redirect
from services.console.workflow import sessions
from services.console.workflow.sessions import Visit
from shared.web.deps import change

SESSION = "kefu_session"
# Before sign-in there is no session to hold the form token: a signed cookie does (the
# double-submit pattern), readable only by the console and sent only to /signin.
SIGNIN = "kefu_signin"


async def visit(request: Request) -> Visit | None:
    """The signed-in person behind the request's session cookie, or None."""
    token = request.cookies.get(SESSION)
    if not token:
        return None
    async with change(request) as ctx:
        return await sessions.current(ctx, token)


def to_signin(request: Request) -> Response:
    """Send the browser to the sign-in page, back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(f"/signin?next={quote(target, safe='')}")


def secure(request: Request) -> bool:
    """Whether cookies get the Secure flag: as configured, else when served over https."""
    chosen = request.app.state.svc.config.cookie_secure
    return request.url.scheme == "https" if chosen is None else bool(chosen)


def keep_session(response: Response, request: Request, token: str) -> None:
    """Set the session cookie: HttpOnly, SameSite=Lax, Secure under https, for this browser
    session (the server ends it on idle or at its maximum age)."""
    response.set_cookie(
        SESSION, token, httponly=True, samesite="lax", secure=secure(request), path="/"
    )


def drop_session(response: Response, request: Request) -> None:
    """Remove the session cookie from the browser."""
    response.delete_cookie(SESSION, path="/", httponly=True, samesite="lax", secure=secure(request))


def same_origin(request: Request) -> bool:
    """Whether a form post comes from the console's own pages (or a trusted origin): by the
    Origin header, else the Referer; a post with neither is refused."""
    sent = request.headers.get("origin") or _origin_of(request.headers.get("referer", ""))
    if not sent or sent == "null":
        return False
    own = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"
    return sent == own or sent in request.app.state.svc.config.trusted_origins


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def form_ok(request: Request, visit: Visit, token: str | None) -> bool:
    """A signed-in person's form: the session's token and the right origin."""
    return same_origin(request) and hmac.compare_digest(
        (token or "").encode(), visit.csrf_token.encode()
    )


def _signin_key(request: Request) -> bytes:
    secret = request.app.state.settings.auth_secret.encode()
    return hmac.new(secret, b"kefu console sign-in form", hashlib.sha256).digest()


def signin_token(request: Request) -> str:
    """A fresh sign-in form token: a nonce and its MAC (set as cookie and form field)."""
    nonce = secrets.token_urlsafe(18)
    mac = hmac.new(_signin_key(request), nonce.encode(), hashlib.sha256).hexdigest()
    return f"{nonce}.{mac}"


def keep_signin_token(response: Response, request: Request, token: str) -> None:
    """The sign-in form's cookie half (an hour: long enough to type a password)."""
    response.set_cookie(
        SIGNIN,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=secure(request),
        path="/signin",
    )


def drop_signin_token(response: Response, request: Request) -> None:
    """The sign-in form's cookie is spent once signed in."""
    response.delete_cookie(
        SIGNIN, path="/signin", httponly=True, samesite="strict", secure=secure(request)
    )


def signin_form_ok(request: Request, token: str | None) -> bool:
    """The sign-in form: the field equals the cookie, the MAC is ours, the origin is right."""
    cookie = request.cookies.get(SIGNIN, "")
    nonce, _, mac = cookie.partition(".")
    expected = hmac.new(_signin_key(request), nonce.encode(), hashlib.sha256).hexdigest()
    return (
        same_origin(request)
        and bool(nonce)
        and hmac.compare_digest(mac.encode(), expected.encode())
        and hmac.compare_digest((token or "").encode(), cookie.encode())
    )
