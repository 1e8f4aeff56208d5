"""Per-token and per-address request limits (issue 16, "Also"): 429 with Retry-After as
problem details, probes never limited, off unless configured."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from services.intake.app import create_app
from shared.settings import Settings
from shared.web.auth import issue_token
from tests.support.harness import running

pytestmark = pytest.mark.quick


def bearer(settings: Settings, sub: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(settings, role='cs', sub=sub)}"}


async def statuses(client: httpx.AsyncClient, headers: dict[str, str], n: int) -> list[int]:
    return [(await client.get("/v1/complaints", headers=headers)).status_code for _ in range(n)]


async def test_a_token_over_its_limit_gets_429_with_retry_after_and_others_go_on(
    settings: Settings,
) -> None:
    limited = settings.model_copy(
        update={"rate_limit_per_token": "3/minute", "rate_limit_per_address": None}
    )
    async with running(create_app(limited)) as client:
        a, b = bearer(settings, "agent-a"), bearer(settings, "agent-b")
        assert await statuses(client, a, 3) == [200, 200, 200]
        refused = await client.get("/v1/complaints", headers=a)
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.json()["title"] == "Too many requests"
        assert "token" in refused.json()["detail"]
        assert await statuses(client, b, 3) == [200, 200, 200], "another token is not affected"
        # A forged token counts against itself too (the check comes before verification).
        assert await statuses(client, {"Authorization": "Bearer forged"}, 4) == [401] * 3 + [429]
        assert (await client.get("/healthz", headers=a)).status_code == 200
        metrics = (await client.get("/metrics")).text
        assert 'kefu_http_rate_limited_total{scope="token",service="intake"} 2.0' in metrics


async def test_an_address_over_its_limit_gets_429_whatever_its_tokens(settings: Settings) -> None:
    limited = settings.model_copy(
        update={"rate_limit_per_token": None, "rate_limit_per_address": "4/minute"}
    )
    async with running(create_app(limited)) as client:
        got = []
        for i in range(6):
            got.append(
                (await client.get("/v1/complaints", headers=bearer(settings, f"s{i}"))).status_code
            )
        assert got == [200, 200, 200, 200, 429, 429]
        assert (await client.get("/readyz")).status_code == 200, "probes are never limited"


async def test_no_limits_unless_configured_and_a_bad_limit_is_refused(settings: Settings) -> None:
    assert settings.rate_limit_per_token is None and settings.rate_limit_per_address is None
    async with running(create_app(settings)) as client:
        assert set(await statuses(client, bearer(settings, "x"), 50)) == {200}
    with pytest.raises(ValidationError, match="rate_limit_per_token"):
        Settings.model_validate({"env": "test", "rate_limit_per_token": "lots"})
    parsed = Settings.model_validate({"env": "test", "rate_limit_per_address": "5/second;1/day"})
    assert parsed.rate_limit_per_address == "5/second;1/day"
