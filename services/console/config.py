"""Settings of the console (env prefix KEFU_CONSOLE_)."""

from __future__ import annotations

from datetime import timedelta

from limits import parse_many
from pydantic import Field, PositiveInt, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.console.domain.sessions import SessionRules, Throttle
from shared.links import DEV_LINK_SECRET
from shared.settings import Settings

# The services the console reads and changes data through.
BACKENDS = ("intake", "projects", "aftersales", "logistics", "notifications")


class ConsoleSettings(BaseSettings):
    """Where the services are, how long sessions and tokens live, how sign-in is throttled."""

    model_config = SettingsConfigDict(env_prefix="KEFU_CONSOLE_", extra="ignore")

    env: str = Field(default="dev", validation_alias="KEFU_ENV")
    service_urls: dict[str, str] = Field(
        default_factory=dict,
        description="Base URL per service (JSON); a service not named is on 127.0.0.1 at its "
        "port (KEFU_<SERVICE>_HTTP_PORT or the default)",
    )
    token_ttl_seconds: PositiveInt = Field(
        default=300, description="Lifetime of the token minted per staff member for a call"
    )
    session_idle_minutes: PositiveInt = Field(
        default=120, description="A session unused this long ends"
    )
    session_max_hours: PositiveInt = Field(
        default=12, description="A session ends this long after sign-in, used or not"
    )
    user_failures: PositiveInt = Field(
        default=5, description="Failed sign-ins for one user within the window before a pause"
    )
    address_failures: PositiveInt = Field(
        default=20, description="Failed sign-ins from one address within the window"
    )
    failure_window_minutes: PositiveInt = Field(default=15)
    keep_days: PositiveInt = Field(
        default=90, description="Sign-in attempts and ended sessions are kept this long"
    )
    cookie_secure: bool | None = Field(
        default=None, description="Secure cookies; unset: when the request came over https"
    )
    trusted_origins: list[str] = Field(
        default_factory=list,
        description="Origins besides the console's own that may post its forms",
    )
    worklist_size: PositiveInt = Field(default=100, le=500, description="Tasks on one page")
    desk_size: PositiveInt = Field(
        default=50, le=200, description="Shipments in each list of the branch desk"
    )
    desk_receipt_days: int = Field(
        default=3, ge=0, le=60, description="The desk lists receipts due within this many days"
    )
    heartbeat_seconds: float = Field(default=15.0, gt=0, description="SSE keep-alive comment")
    timeout_seconds: float = Field(default=10.0, gt=0, description="A call to a service")
    calls_in_flight: PositiveInt = Field(
        default=4, description="Calls to one service at once; more wait their turn"
    )
    # Customers' pages (/t/{token}): the links notifications signs into SMS, opened here.
    link_secret: str = Field(default=DEV_LINK_SECRET, validation_alias="KEFU_LINK_SECRET")
    link_rate_limit: str | None = Field(
        default="30/minute;300/hour",
        description="Link openings per client address ('' switches the limit off)",
    )
    link_token_ttl_seconds: PositiveInt = Field(
        default=60, description="Lifetime of the one-waybill token minted for a link's page"
    )

    @field_validator("link_rate_limit")
    @classmethod
    def _limit_parses(cls, value: str | None) -> str | None:
        if value:
            parse_many(value)  # a ValueError names what it could not read
        return value or None

    def session_rules(self) -> SessionRules:
        """The session lifetimes the pure rules take."""
        return SessionRules(
            idle=timedelta(minutes=self.session_idle_minutes),
            absolute=timedelta(hours=self.session_max_hours),
        )

    def throttles(self) -> tuple[Throttle, Throttle]:
        """The per-user and per-address sign-in throttles."""
        window = timedelta(minutes=self.failure_window_minutes)
        return Throttle(self.user_failures, window), Throttle(self.address_failures, window)

    def urls(self, settings: Settings) -> dict[str, str]:
        """Each service's base URL: as configured, else on this host at its port."""
        ports = settings.model_copy(update={"http_port": None})  # this process's port is ours
        return {
            name: self.service_urls.get(name) or f"http://127.0.0.1:{ports.port_for(name)}"
            for name in BACKENDS
        }
