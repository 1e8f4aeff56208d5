"""Every service's API documents as other teams' tools read them: /docs and /redoc work offline
(every asset they reference is served by the service itself)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from shared.settings import SERVICES, Settings
from tests.security.conftest import factory
from tests.support import harness

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
