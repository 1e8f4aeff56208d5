"""Business metrics of the console (kefu_console_…); labels stay bounded."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from services.console.config import BACKENDS

OUTCOMES = ("ok", "bad_password", "unknown_user", "disabled", "throttled")
STATUSES = ("2xx", "4xx", "5xx", "unreachable")

SIGN_INS = Counter(
    "kefu_console_sign_ins_total",
    "Sign-in attempts by outcome (ok, bad_password, unknown_user, disabled, throttled)",
    ["outcome"],
)
SERVICE_CALLS = Histogram(
    "kefu_console_service_call_seconds",
    "Calls from the console to a service's API, by service and status class",
    ["service", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
LIVE_PAGES = Gauge("kefu_console_live_pages", "Pages of this replica listening for live updates")
LIVE_SENT = Counter("kefu_console_live_hints_total", "Change hints queued for open pages")
LIVE_DROPPED = Counter(
    "kefu_console_live_hints_dropped_total", "Hints dropped because a page stopped reading"
)
LIVE_UNREADABLE = Counter(
    "kefu_console_live_unreadable_total", "Bus messages on callback.> the console could not read"
)

# Every series exists from the start, so a rate over it is 0 rather than "no data".
for _outcome in OUTCOMES:
    SIGN_INS.labels(_outcome)
for _service in BACKENDS:
    for _status in STATUSES:
        SERVICE_CALLS.labels(_service, _status)
