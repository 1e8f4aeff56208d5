"""Platform settings shared by every service (pydantic-settings, prefix KEFU_)."""

from __future__ import annotations

import os

from limits import parse_many
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared import links

DEV_AUTH_SECRET = "kefu-development-signing-secret-change-me"
# The only values of KEFU_ENV that allow development conveniences (the local admin token, the
# public signing secret, the development ID key, /_test routes). Compared exactly: anything
# else, "Production", "prod", "production " or nothing at all, is production.
DEVELOPMENT_MODES: tuple[str, ...] = ("development", "test")
# Signing secrets published in this repository or its examples: never accepted in production.
PUBLIC_SECRETS = frozenset(
    {
        DEV_AUTH_SECRET,
        "change-me-in-production",
        "kefu-test-signing-secret-32-bytes-long",
        "CHANGE-ME-64-random-bytes",
    }
)
MIN_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key at least as long as the hash
# The console (the staff's web screens) is a service like the others, on port 8000.
SERVICES: tuple[str, ...] = (
    "intake",
    "projects",
    "aftersales",
    "logistics",
    "notifications",
    "console",
)
# Each service's port is DEFAULT_PORT_BASE + a fixed offset; KEFU_PORT_BASE moves them all.
DEFAULT_PORT_BASE = 8000
DEFAULT_PORTS: dict[str, int] = {
    "console": 8000,
    "intake": 8001,
    "projects": 8002,
    "aftersales": 8003,
    "logistics": 8004,
    "notifications": 8005,
}


class InsecureSettings(ValueError):
    """A production process configured with a development convenience."""


class Settings(BaseSettings):
    """Connection, runtime and security settings read from KEFU_* variables."""

    model_config = SettingsConfigDict(env_prefix="KEFU_", extra="ignore")

    env: str = Field(
        default="production",
        description="'development' or 'test' (exactly) for local conveniences; anything else,"
        " or unset, is production",
    )
    nats_url: str = "nats://127.0.0.1:4222"
    database_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    service_database_url: str | None = Field(
        default=None, description="Set per process from KEFU_<SERVICE>_DATABASE_URL"
    )
    http_host: str = "127.0.0.1"
    http_port: int | None = Field(default=None, description="This process's port, if given")
    port_base: int | None = Field(
        default=None, description="Every service on this base + its offset (intake base + 1 …)"
    )
    service_ports: dict[str, int] = Field(
        default_factory=dict, description="Set by load() from KEFU_<SERVICE>_HTTP_PORT"
    )
    log_level: str = "INFO"
    otel_endpoint: str | None = None
    auth_secret: str = DEV_AUTH_SECRET
    auth_public_key: str | None = None
    auth_kid: str = "k1"
    auth_previous_keys: dict[str, str] = Field(
        default_factory=dict,
        description="Older signing secrets by kid, still accepted during a rotation's overlap",
    )
    admin_token: str | None = None
    admin_password: str | None = Field(
        default=None, description="The console's local `admin` password (`kefu up`)"
    )
    max_body_bytes: int = 1_048_576
    upload_max_bytes: int = 10 * 1_048_576
    pool_min: int = 2
    pool_max: int = 20
    max_deliver: int = 5
    retry_delays: tuple[float, ...] = (1.0, 5.0, 30.0, 120.0)
    ack_wait_seconds: float = 30.0
    graceful_timeout: float = 10.0
    fetch_batch: int = 64
    relay_batch: int = 500
    relay_poll_seconds: float = 1.0
    timer_poll_seconds: float = 1.0
    timer_batch: int = 200
    timer_lease_seconds: float = 30.0
    idempotency_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long a claimed Idempotency-Key stays in flight before a retry takes over",
    )
    idempotency_retention_hours: float = Field(
        default=24.0, gt=0, description="How long a finished Idempotency-Key is replayed"
    )
    idempotency_purge_seconds: float = Field(
        default=600.0, gt=0, description="How often expired Idempotency-Keys are deleted"
    )
    rate_limit_per_token: str | None = Field(
        default=None,
        description="Requests per bearer token, e.g. '20/second;1200/minute' (unset: no limit)",
    )
    rate_limit_per_address: str | None = Field(
        default=None,
        description="Requests per client address, e.g. '50/second;3000/minute' (unset: no limit)",
    )
    stream_replicas: int = 1
    events_max_age_days: int = 30
    declare_on_start: bool = True

    @field_validator("rate_limit_per_token", "rate_limit_per_address")
    @classmethod
    def _limits_parse(cls, value: str | None) -> str | None:
        if value:
            parse_many(value)  # a ValueError names what it could not read
        return value or None

    @model_validator(mode="after")
    def _refuse_admin_token_in_production(self) -> Settings:
        if self.admin_token and not self.admin_token.isascii():
            raise ValueError("KEFU_ADMIN_TOKEN must be ASCII (it is sent in an HTTP header)")
        if self.admin_token and not self.is_development:
            raise ValueError(
                f"KEFU_ADMIN_TOKEN is refused unless KEFU_ENV is exactly 'development' or"
                f" 'test' (it is {self.env!r})"
            )
        if self.admin_password and not self.is_development:
            raise ValueError(
                f"KEFU_ADMIN_PASSWORD is refused unless KEFU_ENV is exactly 'development' or"
                f" 'test' (it is {self.env!r})"
            )
        return self

    @property
    def is_development(self) -> bool:
        """Whether development conveniences are allowed (KEFU_ENV exactly development/test)."""
        return self.env in DEVELOPMENT_MODES

    @property
    def is_test(self) -> bool:
        """Whether test-only switches (the clock offset, /_test routes) are allowed."""
        return self.env == "test"

    def production_problems(self) -> list[str]:
        """Why this configuration must not serve in production (empty in development)."""
        if self.is_development:
            return []
        problems: list[str] = []
        if self.admin_token:
            problems.append("KEFU_ADMIN_TOKEN is set")
        if self.auth_public_key is None:
            secrets = {"KEFU_AUTH_SECRET": self.auth_secret} | {
                f"KEFU_AUTH_PREVIOUS_KEYS[{kid}]": key
                for kid, key in self.auth_previous_keys.items()
            }
            for name, secret in secrets.items():
                if secret in PUBLIC_SECRETS:
                    problems.append(f"{name} is a development secret published with Kefu")
                elif len(secret.encode()) < MIN_SECRET_BYTES:
                    problems.append(f"{name} is shorter than {MIN_SECRET_BYTES} bytes")
        return problems

    def refuse_development_secrets(self) -> None:
        """Raise unless this configuration may serve (called when a service starts and when
        a token is signed)."""
        problems = self.production_problems()
        if problems:
            raise InsecureSettings(
                f"KEFU_ENV={self.env!r} is production (only 'development' or 'test' are not):"
                f" {'; '.join(problems)}"
            )

    def refuse_weak_link_secret(self, secret: str) -> None:
        """Raise unless `secret` (KEFU_LINK_SECRET) may sign and open customer links here:
        called when notifications (which signs them) and the console (which opens them) start."""
        found = links.problem(secret, development=self.is_development)
        if found:
            raise InsecureSettings(
                f"KEFU_ENV={self.env!r} is production (only 'development' or 'test' are not):"
                f" {found}"
            )

    @property
    def nats_servers(self) -> list[str]:
        """KEFU_NATS_URL as a server list: a cluster is given comma-separated."""
        return [u.strip() for u in self.nats_url.split(",") if u.strip()]

    def port_for(self, service: str) -> int:
        """The HTTP port a service listens on: KEFU_HTTP_PORT, KEFU_<SERVICE>_HTTP_PORT,
        KEFU_PORT_BASE + the service's offset, or its default (8001…)."""
        if self.http_port:
            return self.http_port
        if service in self.service_ports:
            return self.service_ports[service]
        if self.port_base is not None:
            return self.port_base + DEFAULT_PORTS[service] - DEFAULT_PORT_BASE
        return DEFAULT_PORTS[service]


def load(service: str | None = None) -> Settings:
    """Read settings with every KEFU_<SERVICE>_HTTP_PORT; with a service, pick up
    KEFU_<SERVICE>_DATABASE_URL too."""
    ports = {
        name: port
        for name in DEFAULT_PORTS
        if (port := os.environ.get(f"KEFU_{name.upper()}_HTTP_PORT"))
    }
    settings = Settings(service_ports=ports)  # type: ignore[arg-type]  # validated as ints
    if service:
        url = os.environ.get(f"KEFU_{service.upper()}_DATABASE_URL")
        if url:
            settings = settings.model_copy(update={"service_database_url": url})
    return settings
