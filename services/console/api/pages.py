"""Rendering: the Jinja2 templates with the catalogue, formatting and security headers."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from services.console.api import navigation
from services.console.api.i18n import LANGS, lang_of, translator
from services.console.domain import dial_link, mask
from services.console.domain.projects import yuan
from services.console.workflow.sessions import Visit
from shared.calendar import BUSINESS_TZ

HERE = Path(__file__).parent
STATIC = HERE / "static"
# Everything the pages load comes from the console itself; no inline script or style.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def local_time(at: datetime | None) -> str:
    """A time as the business calendar reads it (Asia/Shanghai), to the minute."""
    return at.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M") if at else ""


def parse_time(text: str) -> datetime | None:
    """A time from a query string (ISO 8601), or None when it is not one."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def when(text: str | None) -> str:
    """A time a service sent (ISO 8601) in the business calendar, to the minute; a date as it
    is; nothing for none."""
    if not text:
        return ""
    at = parse_time(str(text))
    if at is None or at.tzinfo is None:
        return str(text)
    return local_time(at)


@cache
def static_url(name: str) -> str:
    """A static file's URL with its content hash, so a new version is never served stale."""
    digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
    return f"/static/{name}?v={digest}"


ENV = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters.update(local_time=local_time, mask=mask, parse_time=parse_time, when=when, yuan=yuan)
ENV.globals.update(static_url=static_url, dial_link=dial_link, LANGS=LANGS)


def render(
    request: Request,
    template: str,
    *,
    visit: Visit | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **values: Any,
) -> HTMLResponse:
    """A page (or a fragment) in the person's language."""
    lang = lang_of(request)
    html = ENV.get_template(template).render(
        t=translator(lang),
        lang=lang,
        visit=visit,
        staff=visit.staff if visit else None,
        nav=navigation.links(visit.staff) if visit else [],
        here=navigation.current(request.url.path),
        path=request.url.path,
        **values,
    )
    return HTMLResponse(html, status_code=status, headers={**HEADERS, **(headers or {})})


def redirect(to: str) -> Response:
    """See other (303): after a form, the browser loads the page with GET."""
    return RedirectResponse(to, status_code=303, headers=HEADERS)


def local_path(target: str | None, default: str = "/") -> str:
    """A redirect target only within the console (never another site, never //host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
