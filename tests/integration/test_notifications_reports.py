"""The service-level report on real Postgres: a hand-made data set whose figures are worked
out below, the period rules, CSV, roles, and a callback and an SMS the service itself made."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from nats.js import JetStreamContext

from shared.calendar import BUSINESS_TZ
from shared.settings import Settings
from tests.support.harness import eventually
from tests.support.notifications import (
    ADMIN,
    complaint_opened,
    customer,
    harness,
    new_id,
    new_phone,
    parse_time,
    token,
)

pytestmark = pytest.mark.quick

# ISO week 2026-W10: Monday 2 March to Monday 9 March 2026, midnight in Asia/Shanghai.
START = datetime(2026, 3, 2, tzinfo=BUSINESS_TZ)
END = datetime(2026, 3, 9, tzinfo=BUSINESS_TZ)
DAY, HOUR = timedelta(days=1), timedelta(hours=1)

# (id, purpose, team, status, created_at, due_at, closed_at) — what each one counts for:
CALLBACKS = [
    # completed in the week, before it was due
    ("c1", "complaint_handling", "engineering", "done", START - 3 * DAY, START + DAY, START + DAY / 2),
    # created at the very start; completed a day after its due time (no grace): late
    ("c2", "complaint_handling", "engineering", "done", START, START + 2 * DAY, START + 3 * DAY),
    # created in the week, open and overdue now
    ("c3", "complaint_handling", "design", "overdue", START + 2 * DAY, START + 3 * DAY, None),
    # a return visit 34 days after its due time: within its 61-day grace, not late
    ("c4", "return_visit", "customer_service", "done", START - 40 * DAY, START - 30 * DAY, START + 4 * DAY),
    # given up 75 days after its due time: past the grace, late
    ("c5", "return_visit", "customer_service", "given_up", START - 100 * DAY, START - 70 * DAY, START + 5 * DAY),
    # an SLA task done 3 hours after due (grace 4 h), another 5 hours after (late)
    ("c6", "sla_task", "aftersales", "done", START + DAY, START + DAY, START + DAY + 3 * HOUR),
    ("c7", "sla_task", "aftersales", "done", START + DAY, START + DAY, START + DAY + 5 * HOUR),
    # a person's task (no team), open since before the week
    ("c8", "stage_callback", None, "scheduled", START - 10 * DAY, START + 30 * DAY, None),
    # created in the week and cancelled: created, never completed
    ("c9", "stage_callback", None, "cancelled", START + 2 * DAY, START + 3 * DAY, START + 2 * DAY),
    # completed before the week: not in the report at all
    ("c10", "complaint_confirmation", "customer_service", "done", START - 20 * DAY, START - 11 * DAY, START - 10 * DAY),
    # created in the week, completed exactly at its end (the end is excluded)
    ("c11", "complaint_handling", "engineering", "done", START + 6 * DAY, START + 8 * DAY, END),
    # due but within its time: open, not overdue
    ("c12", "deadline_missed", "design", "due", START - DAY, START - HOUR, None),
]  # fmt: skip


def messages(now: datetime) -> list[tuple[str, str, str, datetime, datetime | None, datetime]]:
    """(id, channel, status, send_at, sent_at, updated_at); `now` is the database's."""
    return [
        ("m1", "sms", "sent", START + DAY, START + DAY, START + DAY),
        ("m2", "sms", "sent", START - DAY, START - DAY, START - DAY),  # before the week
        ("m3", "email", "sent", START + 2 * DAY, START + 2 * DAY, START + 2 * DAY),
        ("m4", "sms", "failed", START + 3 * DAY, None, START + 3 * DAY),  # failed for good
        ("m5", "webhook", "failed", END, None, END + DAY),  # failed after the week
        ("m6", "sms", "queued", now - HOUR, None, now - HOUR),  # an hour late
        ("m7", "sms", "queued", now + HOUR, None, now),  # waiting for a retry: not late
        ("m8", "email", "queued", now - timedelta(minutes=2), None, now),  # within 5 minutes
        ("m9", "webhook", "queued", START + DAY, None, START + DAY),  # stuck since the week
        ("m10", "sms", "sent", START, START, START),  # sent at the very start
    ]


EXPECTED_CALLBACKS = {
    "created": 6,  # c2, c3, c6, c7, c9, c11
    "open": 3,  # c3, c8, c12
    "overdue": 1,  # c3
    "completed": 6,  # c1, c2, c4, c5, c6, c7
    "completed_late": 3,  # c2, c5, c7
    "given_up": 1,  # c5
}
EXPECTED_PURPOSES = [
    # purpose, created, open, overdue, completed, completed_late, given_up
    ("complaint_handling", 3, 1, 1, 2, 1, 0),  # c1 c2 c3 c11
    ("deadline_missed", 0, 1, 0, 0, 0, 0),  # c12
    ("return_visit", 0, 0, 0, 2, 1, 1),  # c4 c5
    ("sla_task", 2, 0, 0, 2, 1, 0),  # c6 c7
    ("stage_callback", 1, 1, 0, 0, 0, 0),  # c8 c9
]
EXPECTED_TEAMS = [
    ("aftersales", 2, 0, 0, 2, 1, 0),  # c6 c7
    ("customer_service", 0, 0, 0, 2, 1, 1),  # c4 c5
    ("design", 1, 2, 1, 0, 0, 0),  # c3 c12
    ("engineering", 2, 0, 0, 2, 1, 0),  # c1 c2 c11
    (None, 1, 1, 0, 0, 0, 0),  # c8 c9
]
EXPECTED_MESSAGES = {"sent": 3, "failed": 1, "queued_late": 2}  # m1 m3 m10; m4; m6 m9
EXPECTED_CHANNELS = [
    ("sms", 2, 1, 1),  # m1 m10; m4; m6
    ("email", 1, 0, 0),  # m3
    ("webhook", 0, 0, 1),  # m9
]
FIGURES = ("created", "open", "overdue", "completed", "completed_late", "given_up")

# The branch each record is of: BJ02's few below, none for c12 and m9 (the company's), SH01's
# the rest.
BRANCHES: dict[str, str | None] = {
    **dict.fromkeys(("c2", "c3", "c5", "c8", "m1", "m4", "m6"), "BJ02"),
    "c12": None,
    "m9": None,
}
BJ02_CALLBACKS = {
    "created": 2,  # c2, c3
    "open": 2,  # c3, c8
    "overdue": 1,  # c3
    "completed": 2,  # c2, c5
    "completed_late": 2,  # c2, c5
    "given_up": 1,  # c5
}
BJ02_PURPOSES = [
    ("complaint_handling", 2, 1, 1, 1, 1, 0),  # c2 c3
    ("return_visit", 0, 0, 0, 1, 1, 1),  # c5
    ("stage_callback", 0, 1, 0, 0, 0, 0),  # c8
]
BJ02_TEAMS = [
    ("customer_service", 0, 0, 0, 1, 1, 1),  # c5
    ("design", 1, 1, 1, 0, 0, 0),  # c3
    ("engineering", 1, 0, 0, 1, 1, 0),  # c2
    (None, 0, 1, 0, 0, 0, 0),  # c8
]
BJ02_MESSAGES = {"sent": 1, "failed": 1, "queued_late": 1}  # m1; m4; m6
BJ02_CHANNELS = [("sms", 1, 1, 1), ("email", 0, 0, 0), ("webhook", 0, 0, 0)]


def branch_of(id_: str) -> str | None:
    return BRANCHES.get(id_, "SH01")


async def seed(settings: Settings) -> datetime:
    """Write the data set; returns the database's now the message times were set from."""
    conn = await asyncpg.connect(settings.database_url)
    try:
        now: datetime = await conn.fetchval("SELECT now()")
        await conn.executemany(
            "INSERT INTO notifications.callbacks (id, dedupe_key, purpose, entity_kind,"
            "   entity_id, due_at, status, team, assignee, script, created_at, updated_at,"
            "   closed_at, duty, branch_id)"
            " VALUES ($1, $1, $2, 'complaint', $1, $6, $4, $3, $7, 'x', $5, $5, $8, $1, $9)",
            [
                (
                    id_,
                    purpose,
                    team,
                    status,
                    created,
                    due,
                    None if team else "pm-1",
                    closed,
                    branch_of(id_),
                )
                for id_, purpose, team, status, created, due, closed in CALLBACKS
            ],
        )
        await conn.executemany(
            "INSERT INTO notifications.messages (id, dedupe_key, channel, template,"
            "   recipient_kind, recipient_value, recipient_label, params, rendered_language,"
            "   body, status, send_at, sent_at, created_at, updated_at, branch_id)"
            " VALUES ($1, $1, $2, 'complaint_ack', 'phone', '13800000000', 'customer', '{}',"
            "   'zh', '-', $3, $4, $5, $4, $6, $7)",
            [(*m, branch_of(m[0])) for m in messages(now)],
        )
    finally:
        await conn.close()
    return now


def lines(items: list[dict[str, Any]], key: str, names: tuple[str, ...]) -> list[tuple[Any, ...]]:
    return [(i[key], *(i[n] for n in names)) for i in items]


async def test_a_week_of_callbacks_and_messages_adds_up_to_the_figures_worked_out_by_hand(
    settings: Settings, js: JetStreamContext
) -> None:
    async with harness(settings, js) as h:
        now = await seed(settings)
        r = await h.client.get("/v1/reports/service-levels?week=2026-W10", headers=ADMIN)
        as_csv = await h.client.get(
            "/v1/reports/service-levels",
            params={"week": "2026-W10", "format": "csv"},
            headers=token(settings, "dept_head", department="engineering"),
        )
        # The same days as a date range (both ends included).
        ranged = await h.client.get(
            "/v1/reports/service-levels",
            params={"from": "2026-03-02", "to": "2026-03-08"},
            headers=token(settings, "manager"),
        )
        # One day less: c11 (created on Sunday 8 March) and nothing else drops out.
        shorter = await h.client.get(
            "/v1/reports/service-levels",
            params={"from": "2026-03-02", "to": "2026-03-07"},
            headers=token(settings, "cs"),
        )

    assert r.status_code == 200, r.text
    body = r.json()
    assert body["week"] == "2026-W10"
    assert parse_time(body["from"]) == START and parse_time(body["to"]) == END
    assert now <= parse_time(body["as_of"]) < now + timedelta(minutes=1)
    calls, sends = body["callbacks"], body["messages"]
    assert {k: calls[k] for k in FIGURES} == EXPECTED_CALLBACKS
    assert lines(calls["by_purpose"], "purpose", FIGURES) == EXPECTED_PURPOSES
    assert lines(calls["by_team"], "team", FIGURES) == EXPECTED_TEAMS
    names = ("sent", "failed", "queued_late")
    assert {k: sends[k] for k in names} == EXPECTED_MESSAGES
    assert lines(sends["by_channel"], "channel", names) == EXPECTED_CHANNELS

    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert 'filename="service-levels-2026-W10.csv"' in as_csv.headers["content-disposition"]
    assert as_csv.text.splitlines() == [
        "subject,by,key,created,open,overdue,completed,completed_late,given_up,sent,failed,"
        "queued_late",
        "callbacks,all,,6,3,1,6,3,1,,,",
        "callbacks,purpose,complaint_handling,3,1,1,2,1,0,,,",
        "callbacks,purpose,deadline_missed,0,1,0,0,0,0,,,",
        "callbacks,purpose,return_visit,0,0,0,2,1,1,,,",
        "callbacks,purpose,sla_task,2,0,0,2,1,0,,,",
        "callbacks,purpose,stage_callback,1,1,0,0,0,0,,,",
        "callbacks,team,aftersales,2,0,0,2,1,0,,,",
        "callbacks,team,customer_service,0,0,0,2,1,1,,,",
        "callbacks,team,design,1,2,1,0,0,0,,,",
        "callbacks,team,engineering,2,0,0,2,1,0,,,",
        "callbacks,team,,1,1,0,0,0,0,,,",
        "messages,all,,,,,,,,3,1,2",
        "messages,channel,sms,,,,,,,2,1,1",
        "messages,channel,email,,,,,,,1,0,0",
        "messages,channel,webhook,,,,,,,0,0,1",
    ]

    assert ranged.status_code == 200, ranged.text
    same = ranged.json()
    assert same["week"] is None and (same["from"], same["to"]) == (body["from"], body["to"])
    assert (same["callbacks"], same["messages"]) == (calls, sends)
    short = shorter.json()
    assert parse_time(short["to"]) == END - DAY
    assert short["callbacks"]["created"] == 5 and short["callbacks"]["completed"] == 6
    assert short["messages"] == sends


async def test_a_branch_filter_counts_that_branchs_callbacks_and_messages_only(
    settings: Settings, js: JetStreamContext
) -> None:
    """`branch=`: the same week over one branch's records; records of no branch are in the
    company's report only."""
    async with harness(settings, js) as h:
        await seed(settings)

        async def report(**params: str) -> Any:
            return await h.client.get(
                "/v1/reports/service-levels",
                params={"week": "2026-W10", **params},
                headers=token(settings, "manager"),
            )

        everyone, bj02, sh01, gz03 = [
            await report(**b)
            for b in ({}, {"branch": "BJ02"}, {"branch": "SH01"}, {"branch": "GZ03"})
        ]
        as_csv = await report(branch="BJ02", format="csv")
        refused = await h.client.get(
            "/v1/reports/service-levels",
            params={"week": "2026-W10", "branch": "SH01"},
            headers=token(settings, "branch", branch="SH01"),
        )
        bad = await report(branch="")

    assert bj02.status_code == 200, bj02.text
    body = bj02.json()
    assert (body["week"], body["branch"], everyone.json()["branch"]) == ("2026-W10", "BJ02", None)
    calls, sends = body["callbacks"], body["messages"]
    assert {k: calls[k] for k in FIGURES} == BJ02_CALLBACKS
    assert lines(calls["by_purpose"], "purpose", FIGURES) == BJ02_PURPOSES
    assert lines(calls["by_team"], "team", FIGURES) == BJ02_TEAMS
    names = ("sent", "failed", "queued_late")
    assert {k: sends[k] for k in names} == BJ02_MESSAGES
    assert lines(sends["by_channel"], "channel", names) == BJ02_CHANNELS

    # SH01's and BJ02's add up to the company's, less c12 (open) and m9 (queued late).
    whole, other = everyone.json(), sh01.json()
    assert {k: calls[k] + other["callbacks"][k] for k in FIGURES} == {
        **EXPECTED_CALLBACKS,
        "open": EXPECTED_CALLBACKS["open"] - 1,
    }
    assert {k: sends[k] + other["messages"][k] for k in names} == {
        **EXPECTED_MESSAGES,
        "queued_late": EXPECTED_MESSAGES["queued_late"] - 1,
    }
    assert {k: whole["callbacks"][k] for k in FIGURES} == EXPECTED_CALLBACKS

    nothing = gz03.json()
    assert {k: nothing["callbacks"][k] for k in FIGURES} == dict.fromkeys(FIGURES, 0)
    assert nothing["callbacks"]["by_purpose"] == [] and nothing["callbacks"]["by_team"] == []
    assert [x["sent"] for x in nothing["messages"]["by_channel"]] == [0, 0, 0]

    assert 'filename="service-levels-2026-W10-BJ02.csv"' in as_csv.headers["content-disposition"]
    assert as_csv.text.splitlines()[1] == "callbacks,all,,2,2,1,2,2,1,,,"
    # The branch role reads no service levels, its own branch's included (docs/SECURITY.md).
    assert refused.status_code == 403
    assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == ["branch"]


async def test_the_report_counts_what_the_service_itself_recorded(
    settings: Settings, js: JetStreamContext
) -> None:
    cust, phone = new_id("cust"), new_phone()
    async with harness(settings, js) as h:
        await h.publish(customer(cust, phone))
        await h.wait_drained()
        opened = complaint_opened(cust)
        await h.publish(opened)
        [task] = await eventually(lambda: h.callbacks(entity_id=opened.complaint_id))
        await eventually(lambda: h.messages(entity_id=opened.complaint_id, status="sent"))
        today = datetime.now(BUSINESS_TZ).date()
        days = {"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=1))}
        before = await h.client.get("/v1/reports/service-levels", params=days, headers=ADMIN)
        done = await h.outcome(task["id"], {"reached": True, "satisfaction": 5})
        after = await h.client.get("/v1/reports/service-levels", params=days, headers=ADMIN)

    assert done.status_code == 200, done.text
    opened_calls, closed_calls = before.json()["callbacks"], after.json()["callbacks"]
    assert {k: opened_calls[k] for k in FIGURES} == {
        "created": 1, "open": 1, "overdue": 0, "completed": 0, "completed_late": 0, "given_up": 0
    }  # fmt: skip
    assert {k: closed_calls[k] for k in FIGURES} == {
        "created": 1, "open": 0, "overdue": 0, "completed": 1, "completed_late": 0, "given_up": 0
    }  # fmt: skip
    assert [(x["purpose"], x["completed"]) for x in closed_calls["by_purpose"]] == [
        ("complaint_handling", 1)
    ]
    assert [(x["team"], x["completed"]) for x in closed_calls["by_team"]] == [("engineering", 1)]
    sms = after.json()["messages"]["by_channel"][0]
    assert (sms["channel"], sms["sent"], sms["failed"], sms["queued_late"]) == ("sms", 1, 0, 0)


async def test_periods_roles_and_bad_input(settings: Settings, js: JetStreamContext) -> None:
    async with harness(settings, js) as h:

        async def get(headers: dict[str, str] = ADMIN, **params: str) -> Any:
            return await h.client.get("/v1/reports/service-levels", params=params, headers=headers)

        last_week = await get()
        refused = [
            (await get(token(settings, role))).status_code
            for role in ("logistics", "finance", "reception")
        ]
        branch = await get(token(settings, "branch", branch="SH01"))
        bad = {
            "week=2026-W60": await get(week="2026-W60"),
            "week=47": await get(week="47"),
            "from only": await get(**{"from": "2026-03-02"}),
            "to only": await get(to="2026-03-02"),
            "both": await get(week="2026-W10", to="2026-03-08", **{"from": "2026-03-02"}),
            "reversed": await get(**{"from": "2026-03-08", "to": "2026-03-02"}),
            "too long": await get(**{"from": "2025-01-01", "to": "2026-03-02"}),
            "not a date": await get(**{"from": "2026-02-30", "to": "2026-03-02"}),
            "format": await get(format="xml"),
        }

    assert last_week.status_code == 200, last_week.text
    as_of = parse_time(last_week.json()["as_of"]).astimezone(BUSINESS_TZ)
    year, week, _ = (as_of.date() - timedelta(days=7)).isocalendar()
    assert last_week.json()["week"] == f"{year}-W{week:02d}"
    monday = date.fromisocalendar(year, week, 1)
    assert parse_time(last_week.json()["from"]) == datetime.combine(
        monday, datetime.min.time(), BUSINESS_TZ
    )
    assert refused == [403, 403, 403] and branch.status_code == 403
    fields = {
        name: (r.status_code, [e["field"] for e in r.json().get("errors", [])])
        for name, r in bad.items()
    }
    assert fields == {
        "week=2026-W60": (422, ["week"]),
        "week=47": (422, ["week"]),
        "from only": (422, ["to"]),
        "to only": (422, ["from"]),
        "both": (422, ["week"]),
        "reversed": (422, ["to"]),
        "too long": (422, ["to"]),
        "not a date": (422, ["from"]),
        "format": (422, ["format"]),
    }, json.dumps({k: r.json() for k, r in bad.items()}, default=str)[:2000]
    assert "2026 has no week 60" in bad["week=2026-W60"].json()["detail"]
