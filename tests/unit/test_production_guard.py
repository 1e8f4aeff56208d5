"""Issue 16, defect 2: development conveniences exist only when development or test mode is
asked for exactly; every other KEFU_ENV (or none) is production and refuses to start with a
development secret, the admin token or the development ID key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.logistics.config import LogisticsSettings
from shared.service import ServiceDef, build_app
from shared.settings import DEV_AUTH_SECRET, Settings

pytestmark = pytest.mark.quick

REPO = Path(__file__).resolve().parents[2]
STRONG = "a-real-production-secret-of-at-least-32-bytes"
# Everything that is not exactly "development" or "test" is production.
NOT_DEVELOPMENT = [
    "production",
    "Production",
    "PRODUCTION",
    "prod",
    "production ",
    " production",
    "staging",
    "",
    "dev",
    "Development",
    "development ",
    "TEST",
    "test ",
    "testing",
]
UNSET = None


def settings(env: str | None, **values: object) -> Settings:
    """Settings as a process would read them, with KEFU_ENV as given (None: unset)."""
    if env is not None:
        values["env"] = env
    return Settings.model_validate(values)


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("KEFU_"):
            monkeypatch.delenv(name)


def start(s: Settings) -> None:
    """What every service does when it starts (create_app → build_app)."""
    build_app(ServiceDef(name="platformtest", consumers=()), s)


@pytest.mark.parametrize("env", [*NOT_DEVELOPMENT, UNSET])
def test_anything_but_development_or_test_refuses_the_admin_token(env: str | None, no_env) -> None:
    with pytest.raises(ValidationError, match="KEFU_ADMIN_TOKEN"):
        settings(env, admin_token="kefu-local-admin", auth_secret=STRONG)


@pytest.mark.parametrize("env", [*NOT_DEVELOPMENT, UNSET])
@pytest.mark.parametrize(
    "secret",
    [
        DEV_AUTH_SECRET,  # the default
        "change-me-in-production",  # the compose file's old default
        "kefu-test-signing-secret-32-bytes-long",  # the test suite's
        "short",
    ],
)
def test_anything_but_development_or_test_refuses_to_start_with_a_public_or_weak_secret(
    env: str | None, secret: str, no_env
) -> None:
    s = settings(env, auth_secret=secret)
    assert not s.is_test and not s.is_development
    with pytest.raises(ValueError, match="KEFU_AUTH_SECRET"):
        start(s)
    with pytest.raises(ValueError, match=r"KEFU_AUTH_PREVIOUS_KEYS\[k0\]"):
        start(settings(env, auth_secret=STRONG, auth_previous_keys={"k0": secret}))


def test_an_unset_kefu_env_is_production(no_env) -> None:
    s = Settings()
    assert s.env == "production" and not s.is_development and not s.is_test
    with pytest.raises(ValueError, match="KEFU_AUTH_SECRET"):
        start(s)


@pytest.mark.parametrize("env", NOT_DEVELOPMENT)
def test_production_starts_with_its_own_secret(env: str, no_env) -> None:
    start(settings(env, auth_secret=STRONG))


@pytest.mark.parametrize("env", ["development", "test"])
def test_development_and_test_keep_their_conveniences(env: str, no_env) -> None:
    s = settings(env, admin_token="kefu-local-admin")
    assert s.auth_secret == DEV_AUTH_SECRET and s.is_development
    assert s.is_test is (env == "test")
    start(s)


@pytest.mark.parametrize("env", [*NOT_DEVELOPMENT, UNSET])
def test_the_development_id_hmac_key_is_refused_outside_development(
    env: str | None, no_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    if env is not None:
        monkeypatch.setenv("KEFU_ENV", env)
    with pytest.raises(ValidationError, match="ID_HMAC_KEY"):
        LogisticsSettings()
    monkeypatch.setenv("KEFU_LOGISTICS_ID_HMAC_KEY", "a-real-secret-hmac-key-for-ids-0123456789")
    assert LogisticsSettings().id_key().startswith(b"a-real")


@pytest.mark.parametrize("env", ["development", "test"])
def test_the_development_id_hmac_key_is_kept_in_development(
    env: str, no_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEFU_ENV", env)
    assert LogisticsSettings().id_key()


@pytest.mark.parametrize("env", [UNSET, "Production"])
def test_a_bare_kefu_run_in_a_container_fails_closed(env: str | None) -> None:
    """`kefu run intake` with nothing configured (or a near miss) exits before it serves."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    if env is not None:
        environment["KEFU_ENV"] = env
    done = subprocess.run(
        [sys.executable, "-m", "tooling.cli", "run", "intake", "--port", "1"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "KEFU_AUTH_SECRET" in done.stderr + done.stdout
