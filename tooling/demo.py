"""`kefu demo`: the journeys of docs/ARCHITECTURE.md §8 against a running `kefu up`, over HTTP.

Deadlines pass through backdated business times (forms entered after the fact), never through a
clock offset: `kefu up` does not run in test mode.
"""

from __future__ import annotations

import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from jwt.warnings import InsecureKeyLengthWarning

from shared.calendar import BUSINESS_TZ
from shared.settings import SERVICES, Settings
from shared.web.auth import issue_token

JOURNEYS = ("complaint", "repair", "project", "shipment", "cargo")
STAGES = (
    "consultation measurement quotation design_agreement design contract works_started"
    " materials_accepted plumbing_electrical_accepted midterm_accepted carpentry_accepted"
    " tiling_accepted painting_accepted completed"
).split()
_FOUR, _TRADE = (
    ("supervisor", "designer", "foreman", "customer"),
    ("supervisor", "foreman", "customer"),
)
SIGNOFFS = {s: _TRADE for s in STAGES[7:13]} | {
    s: _FOUR for s in ("works_started", "midterm_accepted", "completed")
}
CONTRACT_FEN, DEPOSIT_FEN = 20_000_000, 50_000
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(17)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# The documents a stage waits for: the written quotation, the signed contract and budget, the
# completion acceptance notice (docs/DOMAIN.md §2.1).
PAPERWORK = {
    "design_agreement": ("quotation",),
    "contract": ("construction_contract", "budget"),
    "completed": ("completion_notice",),
}
PARTIES = (
    {"role": "company", "name": "上海美居装饰有限公司"},
    {"role": "customer", "name": "客户"},
)


class DemoFailed(Exception):
    """A step did not happen; the message says which and what to look at."""


def new_phone() -> str:
    """A random mobile number, so every run has its own customers."""
    return f"139{uuid.uuid4().int % 10**8:08d}"


def local_now() -> datetime:
    """Now in the business calendar's time zone."""
    return datetime.now(BUSINESS_TZ)


def local(at: str) -> str:
    """An API time as local wall-clock time, e.g. '2026-11-28 08:02'."""
    return datetime.fromisoformat(at).astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")


@dataclass
class Demo:
    """An HTTP client for the five services, tokens, and the waits between the steps."""

    http: httpx.Client
    urls: dict[str, str]
    admin: dict[str, str]
    settings: Settings
    out: Callable[[str], None] = print
    timeout: float = 30.0
    look: dict[str, str] = field(default_factory=dict)

    def auth(self, role: str, **claims: Any) -> dict[str, str]:
        """Headers with a token for a role, signed with the services' secret."""
        with warnings.catch_warnings():
            # PyJWT warns about the short local development secret on every token.
            warnings.simplefilter("ignore", InsecureKeyLengthWarning)
            token = issue_token(self.settings, role=role, **claims)
        return {"Authorization": f"Bearer {token}"}

    def call(
        self,
        svc: str,
        method: str,
        path: str,
        body: Any = None,
        *,
        who: dict[str, str] | None = None,
        expect: tuple[int, ...] = (200, 201, 202),
        **kw: Any,
    ) -> Any:
        """One request; anything but the expected status stops the demo with the answer."""
        if body is not None:
            kw["json"] = body
        try:
            r = self.http.request(method, self.urls[svc] + path, headers=who or self.admin, **kw)
        except httpx.HTTPError as exc:
            raise DemoFailed(f"{svc} is not reachable at {self.urls[svc]} ({exc})") from exc
        if r.status_code == 401:
            raise DemoFailed(
                f"{svc} refused the token (401): pass the admin token with --token, and run "
                "with the KEFU_AUTH_SECRET the services use"
            )
        if r.status_code not in expect:
            raise DemoFailed(
                f"{method} {self.urls[svc]}{path} answered {r.status_code}: {r.text[:300]}"
            )
        return r.json() if r.content else None

    def get(self, svc: str, path: str, **params: Any) -> Any:
        return self.call(svc, "GET", path, params=params, expect=(200,))

    def post(self, svc: str, path: str, body: Any = None, **kw: Any) -> Any:
        if body is None and "files" not in kw:
            body = {}
        return self.call(svc, "POST", path, body, **kw)

    def wait(self, what: str, check: Callable[[], Any]) -> Any:
        """Poll until `check` returns something truthy; fail naming `what`."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if value := check():
                return value
            time.sleep(0.25)
        raise DemoFailed(f"{what}: not seen within {self.timeout:.0f} s")

    def task(self, purpose: str, entity_id: str, **match: Any) -> dict[str, Any]:
        """Wait for a callback task of this purpose about the entity."""

        def found() -> dict[str, Any] | None:
            items = self.get(
                "notifications", "/v1/callbacks", purpose=purpose, entity_id=entity_id, limit=500
            )["items"]
            return next((c for c in items if all(c.get(k) == v for k, v in match.items())), None)

        return dict(self.wait(f"{purpose} task for {entity_id}", found))

    def messages(self, template: str, entity_id: str, count: int = 1) -> list[dict[str, Any]]:
        """Wait for messages of a template about the entity, then briefly for them to go out
        (an SMS in the quiet hours stays queued until 08:00: that is no failure)."""

        def found() -> list[dict[str, Any]] | None:
            params = {"template": template, "entity_id": entity_id}
            items = self.get("notifications", "/v1/messages", **params)["items"]
            return items if len(items) >= count else None

        def pending(items: list[dict[str, Any]]) -> bool:
            held = quiet_hours()  # held SMS stay queued: no point waiting for them
            return any(
                m["status"] == "queued" and not (held and m["channel"] == "sms") for m in items
            )

        items = list(self.wait(f"{template} message for {entity_id}", found))
        deadline = time.monotonic() + 5
        while pending(items) and time.monotonic() < deadline:
            time.sleep(0.25)
            items = found() or items
        return items

    def say(self, n: int, text: str) -> None:
        """One progress line of journey n."""
        self.out(f"[{n}/5 {JOURNEYS[n - 1]}] {text}")


def quiet_hours() -> bool:
    """Whether notifications' default SMS quiet hours (21:00–08:00 local) hold SMS now."""
    hour = local_now().hour
    return hour >= 21 or hour < 8


def status_of(msgs: list[dict[str, Any]]) -> str:
    """'sent', or 'queued' with the reason when the SMS quiet hours hold it."""
    states = "/".join(sorted({m["status"] for m in msgs}))
    held = "queued" in states and quiet_hours()
    return states + (" (quiet hours: out at 08:00)" if held else "")


# --- projects -----------------------------------------------------------------------------------
Times = Iterator[dict[str, str]]


def business_times(start: datetime | None) -> Times:
    """`{"at": …}` five minutes apart from `start`, or `{}` forever (the server's now)."""
    while True:
        if start is None:
            yield {}
        else:
            start += timedelta(minutes=5)
            yield {"at": start.isoformat()}


def _at(times: Times, name: str) -> dict[str, str]:
    """The next business time under another field name (signed_at, paid_at)."""
    return {name: at for at in next(times).values()}  # noqa: B035 (empty for the server's now)


def enter(d: Demo, pid: str, to: str, times: Times, pay: bool = True) -> dict[str, Any]:
    """Meet the next stage's rules (deposit, approvals, contract, payments, sign-offs), enter it."""
    eng, fin = d.auth("engineering", sub="eng-chen"), d.auth("finance", sub="fin-liu")

    def post(what: str, body: dict[str, Any], who: dict[str, str] = eng) -> dict[str, Any]:
        return dict(d.post("projects", f"/v1/projects/{pid}/{what}", body, who=who))

    def pay_in(name: str, fen: int) -> None:
        post("payments", {"installment": name, "amount_fen": fen, **_at(times, "paid_at")}, fin)

    for kind in PAPERWORK.get(to, ()):
        scan = {"file": (f"{kind}.pdf", PDF, "application/pdf")}
        stored = d.post("projects", f"/v1/projects/{pid}/files", files=scan, who=eng)
        paper: dict[str, Any] = {
            "kind": kind,
            "number": f"{kind[:4].upper()}-{uuid.uuid4().hex[:6].upper()}",
            "parties": list(PARTIES),
            "file_id": stored["file_id"],
            **next(times),
        }
        if kind in ("construction_contract", "budget"):
            signed_at = _at(times, "signed_at")
            paper["signatures"] = [
                {"party": p["role"], "name": p["name"], **signed_at} for p in PARTIES
            ]
        if kind in ("quotation", "budget"):
            paper["amount_fen"] = CONTRACT_FEN
        post("documents", paper)

    if to == "design_agreement":
        pay_in("deposit", DEPOSIT_FEN)
    if to == "design":  # the renderings are due within 4 days of the design agreement
        post("facts", {"fact": "renderings_delivered", **next(times)})
    if to == "contract":
        post("approvals", {"what": "scheme_and_quote", **next(times)})
        signed = post("contract", {"amount_fen": CONTRACT_FEN, **_at(times, "signed_at")})
        pay_in(
            "first",
            next(i["amount_fen"] for i in signed["installments"] if i["installment"] == "first"),
        )
        post("facts", {"fact": "contract_to_finance", **next(times)})
        return signed
    if to == "works_started":
        post("approvals", {"what": "construction_drawings", **next(times)})
    for party in SIGNOFFS.get(to, ()):
        post(
            "signoffs",
            {"stage": to, "party": party, "name": f"{party}-签字", **_at(times, "signed_at")},
        )
    moved = post("transitions", {"to": to, **next(times)})
    if pay and to == "midterm_accepted":
        pay_in(
            "midterm",
            next(i["amount_fen"] for i in moved["installments"] if i["installment"] == "midterm"),
        )
    return moved


def walk(d: Demo, pid: str, to: str, times: Times, pay: bool = True) -> dict[str, Any]:
    """From the project's stage to `to`, one stage at a time."""
    project: dict[str, Any] = d.get("projects", f"/v1/projects/{pid}")
    for stage in STAGES[STAGES.index(project["stage"]) + 1 : STAGES.index(to) + 1]:
        project = enter(d, pid, stage, times, pay)
    return project


def lead(d: Demo, name: str) -> tuple[str, str]:
    """A lead at branch SH01; returns (customer id, the project opened from it, staffed)."""
    house = {"address": "上海市浦东新区锦绣路100弄5号1201", "area_m2": 98.5, "layout": "3室2厅"}
    body = {"customer": {"name": name, "phone": new_phone()}, "house": house, "source": "demo"}
    created = d.post("intake", "/v1/leads", body, who=d.auth("branch", branch="SH01"))
    items = d.wait(
        f"project opened from lead {created['id']}",
        lambda: d.get("projects", "/v1/projects", lead_id=created["id"])["items"],
    )
    staff = {"designer": "des-lin", "project_manager": "pm-zhao", "foreman": "fm-guo"}
    d.call("projects", "PATCH", f"/v1/projects/{items[0]['id']}", {**staff, "supervisor": "sup-ma"})
    return str(created["customer_id"]), str(items[0]["id"])


def _unready(http: httpx.Client, urls: dict[str, str]) -> list[str]:
    """The services whose /readyz does not answer 200."""
    down = []
    for svc, url in urls.items():
        try:
            ready = http.get(f"{url}/readyz").status_code == 200
        except httpx.HTTPError:
            ready = False
        if not ready:
            down.append(f"{svc} ({url})")
    return down


def run(
    token: str,
    settings: Settings,
    host: str = "127.0.0.1",
    out: Callable[[str], None] = print,
    ports: dict[str, int] | None = None,
) -> int:
    """Walk the five journeys: 0 when every one is done, 1 on a failed step, 2 when unreachable.

    The services are on `ports` when given, else where the settings put them."""
    from tooling.demo_journeys import JOURNEYS as WALKS  # they build on this module

    ports = ports or {}
    urls = {s: f"http://{host}:{ports.get(s) or settings.port_for(s)}" for s in SERVICES}
    with httpx.Client(timeout=10) as http:
        if down := _unready(http, urls):
            out(f"kefu demo: not reachable or not ready: {', '.join(down)}.")
            out("Start the system first: `kefu up` (or ./dev up), then run `kefu demo` again.")
            return 2
        d = Demo(http, urls, {"Authorization": f"Bearer {token}"}, settings, out)
        for n, journey in enumerate(WALKS, 1):
            try:
                journey(d)
            except DemoFailed as exc:
                d.say(n, f"FAILED: {exc}")
                return 1
            d.say(n, "done")
    n_url = urls["notifications"]
    out("\nWhere to look (header `Authorization: Bearer <the admin token>`):")
    for label, url in (
        ("agent worklist", f"{n_url}/v1/callbacks?status=open"),
        ("messages", f"{n_url}/v1/messages"),
        *d.look.items(),
        ("complaints report", f"{urls['intake']}/v1/reports/complaints/weekly"),
        ("care compliance", f"{urls['projects']}/v1/reports/care-compliance"),
        ("API docs", f"{urls['intake']}/docs … {n_url}/docs"),
    ):
        out(f"  {label:<18} {url}")
    return 0
