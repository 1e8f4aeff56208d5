"""Real servers for the whole test session: the KEFU_* ones when set, else embedded.
The session fails if any process it started is still running at its end (tests/support/leaks.py)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import nats
import pytest
from hypothesis import settings as hypothesis_settings
from nats.aio.client import Client
from nats.js import JetStreamContext

from shared import streams
from shared.migrate import migrate
from shared.settings import SERVICES, Settings
from tests.support.harness import (
    Servers,
    create_database,
    drop_database,
    server_home,
    start_servers,
    test_settings,
)

# The tests ask for test mode explicitly (an unset KEFU_ENV is production, shared/settings.py).
os.environ.setdefault("KEFU_ENV", "test")

# Property tests are the same examples on every run and have no time limit per example: on a
# loaded 2-core machine Hypothesis' default 200 ms deadline failed a test that was right.
hypothesis_settings.register_profile("kefu", deadline=None, derandomize=True)
hypothesis_settings.load_profile("kefu")


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    with server_home("kefu-test-") as home:
        s = start_servers(home)
        try:
            yield s
        finally:
            s.stop()


@pytest.fixture(scope="session")
async def database_url(servers: Servers) -> AsyncIterator[str]:
    url = await create_database(servers.admin_url)
    await migrate(url, (*SERVICES, "platformtest"))
    yield url
    await drop_database(servers.admin_url, url)


@pytest.fixture(scope="session")
def settings(servers: Servers, database_url: str) -> Settings:
    return test_settings(servers.nats_url, database_url)


@pytest.fixture
async def nc(servers: Servers) -> AsyncIterator[Client]:
    client = await nats.connect(servers.nats_url)
    yield client
    await client.close()


@pytest.fixture
async def js(nc: Client) -> JetStreamContext:
    """JetStream with the streams declared and emptied, so each test starts clean."""
    context = nc.jetstream()
    await streams.declare(context, consumers=())
    for name in ("EVENTS", "INGEST", "ADVISORIES"):
        await context.purge_stream(name)
    return context
