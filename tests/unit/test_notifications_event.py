"""Reading a consumed event (services/notifications/domain/event.py): times, dates and text
fields as the rules see them, and the refusal a malformed event gets (its dead letter's reason)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from enum import Enum
from typing import Any

import pytest

from services.notifications.domain.event import (
    CALLBACK_CLOSED,
    HTTP_STATUS,
    INVALID_EVENT,
    INVALID_OUTCOME,
    SATISFIED_REQUIRED,
    DomainError,
    EventView,
    local_text,
    text_of,
    to_date,
    to_datetime,
)
from shared.calendar import BUSINESS_TZ
from shared.contracts.values import EscalationLevel

pytestmark = pytest.mark.quick

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def view(**payload: Any) -> EventView:
    return EventView("thing.happened", payload, NOW)


def refusal(err: pytest.ExceptionInfo[DomainError]) -> tuple[str, str, str | None]:
    return err.value.code, err.value.detail, err.value.field


def test_the_error_codes_and_their_http_statuses() -> None:
    assert (INVALID_EVENT, INVALID_OUTCOME, SATISFIED_REQUIRED, CALLBACK_CLOSED) == (
        "invalid_event",
        "invalid_outcome",
        "satisfied_required",
        "callback_closed",
    )
    assert HTTP_STATUS == {
        "invalid_event": 422,
        "invalid_outcome": 422,
        "satisfied_required": 422,
        "callback_closed": 409,
    }
    assert DomainError(INVALID_EVENT, "x", "f").http_status == 422
    assert DomainError(CALLBACK_CLOSED, "x").http_status == 409


def test_a_time_is_an_aware_datetime_or_iso_text_and_naive_means_utc() -> None:
    aware = datetime(2026, 3, 10, 9, 0, tzinfo=BUSINESS_TZ)
    assert to_datetime(aware, "at") is aware
    naive = datetime(2026, 3, 10, 9, 0)
    assert to_datetime(naive, "at") == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    assert to_datetime(naive, "at").tzinfo is UTC
    parsed = to_datetime("2026-03-10T09:00:00+08:00", "at")
    assert parsed == datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
    assert parsed.utcoffset() == timedelta(hours=8)  # the offset given is kept
    assert to_datetime("2026-03-10T09:00:00", "at") == datetime(2026, 3, 10, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "detail"),
    [
        ("10 March", "due_at is not an ISO 8601 time"),
        ("", "due_at is not an ISO 8601 time"),
        (1773100800, "due_at is not a time"),
        (None, "due_at is not a time"),
        (date(2026, 3, 10), "due_at is not a time"),
    ],
)
def test_a_bad_time_is_refused_naming_the_field(value: object, detail: str) -> None:
    with pytest.raises(DomainError) as err:
        to_datetime(value, "due_at")
    assert refusal(err) == (INVALID_EVENT, detail, "due_at")


def test_a_date_is_the_business_day_of_an_instant_or_the_first_ten_characters_of_text() -> None:
    # 17:00 UTC on the 31st is already 01:00 on the 1st in Shanghai.
    assert to_date(datetime(2026, 3, 31, 17, 0, tzinfo=UTC), "on") == date(2026, 4, 1)
    assert to_date(datetime(2026, 3, 31, 15, 59, tzinfo=UTC), "on") == date(2026, 3, 31)
    assert to_date(date(2026, 2, 28), "on") == date(2026, 2, 28)
    assert to_date("2026-02-28", "on") == date(2026, 2, 28)
    assert to_date("2026-02-28T23:30:00+08:00", "on") == date(2026, 2, 28)


@pytest.mark.parametrize(
    ("value", "detail"),
    [
        ("28/02/2026", "due_on is not a YYYY-MM-DD date"),
        ("2026-02-30", "due_on is not a YYYY-MM-DD date"),
        (20260228, "due_on is not a date"),
        (None, "due_on is not a date"),
    ],
)
def test_a_bad_date_is_refused_naming_the_field(value: object, detail: str) -> None:
    with pytest.raises(DomainError) as err:
        to_date(value, "due_on")
    assert refusal(err) == (INVALID_EVENT, detail, "due_on")


class Colour(Enum):
    RED = "red"


def test_text_of_gives_the_wire_text_of_enums_uuids_and_numbers() -> None:
    assert text_of(EscalationLevel.DEPT_HEAD) == "dept_head"
    assert text_of(Colour.RED) == "red"  # any enum's value, not its name
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert text_of(ident) == "12345678-1234-5678-1234-567812345678"
    assert (text_of(7), text_of("x"), text_of(0)) == ("7", "x", "0")


def test_the_envelope_time_else_now_and_the_business_time_else_the_envelope_time() -> None:
    occurred = "2026-03-09T08:00:00+08:00"
    at = "2026-03-01T12:00:00+08:00"
    assert view().occurred_at == NOW
    assert view(occurred_at=None).occurred_at == NOW
    assert view(occurred_at=occurred).occurred_at == datetime(2026, 3, 9, 0, tzinfo=UTC)
    assert view(occurred_at=occurred, at=at).fact_at == datetime(2026, 3, 1, 4, tzinfo=UTC)
    assert view(occurred_at=occurred).fact_at == datetime(2026, 3, 9, 0, tzinfo=UTC)
    assert view(occurred_at=occurred, at="").fact_at == datetime(2026, 3, 9, 0, tzinfo=UTC)
    assert view().fact_at == NOW
    with pytest.raises(DomainError) as err:
        view(occurred_at="yesterday").occurred_at  # noqa: B018
    assert refusal(err) == (INVALID_EVENT, "occurred_at is not an ISO 8601 time", "occurred_at")


def test_event_id_is_required_and_named_in_the_refusal() -> None:
    assert view(event_id="ev-9").event_id == "ev-9"
    with pytest.raises(DomainError) as err:
        view().event_id  # noqa: B018
    assert refusal(err) == (INVALID_EVENT, "thing.happened needs `event_id`", "event_id")


def test_optional_text_treats_absent_and_empty_alike_but_keeps_zero_and_false() -> None:
    ev = view(a="x", empty="", none=None, zero=0, no=False, level=EscalationLevel.MANAGER)
    assert ev.opt("a") == "x"
    assert (ev.opt("empty"), ev.opt("none"), ev.opt("missing")) == (None, None, None)
    assert (ev.opt("zero"), ev.opt("no")) == ("0", "False")
    assert ev.opt("level") == "manager"
    assert ev.text("zero") == "0"
    for name in ("empty", "none", "missing"):
        with pytest.raises(DomainError) as err:
            ev.text(name)
        assert refusal(err) == (INVALID_EVENT, f"thing.happened needs `{name}`", name)


def test_flags_and_numbers_default_to_false_and_zero() -> None:
    ev = view(yes=True, one=1, no=False, text="12", n=7, zero=0)
    assert (ev.flag("yes"), ev.flag("one"), ev.flag("no"), ev.flag("missing")) == (
        True,
        True,
        False,
        False,
    )
    assert (ev.number("n"), ev.number("text"), ev.number("zero"), ev.number("missing")) == (
        7,
        12,
        0,
        0,
    )
    assert view(n=None).number("n") == 0


def test_optional_times_and_days() -> None:
    ev = view(at="2026-03-10T09:00:00+08:00", empty="", on="2026-03-31", when=NOW)
    assert ev.time("at") == datetime(2026, 3, 10, 1, tzinfo=UTC)
    assert ev.time("when") == NOW
    assert (ev.time("empty"), ev.time("missing"), view(at=None).time("at")) == (None, None, None)
    assert ev.day("on") == date(2026, 3, 31)
    assert ev.day("at") == date(2026, 3, 10)
    assert (ev.day("empty"), ev.day("missing"), view(on=None).day("on")) == (None, None, None)
    assert ev.required_day("on") == date(2026, 3, 31)
    with pytest.raises(DomainError) as err:
        ev.required_day("empty")
    assert refusal(err) == (INVALID_EVENT, "thing.happened needs `empty`", "empty")
    with pytest.raises(DomainError) as err:
        view(at="soon").time("at")
    assert refusal(err) == (INVALID_EVENT, "at is not an ISO 8601 time", "at")
    with pytest.raises(DomainError) as err:
        view(on="someday").day("on")
    assert refusal(err) == (INVALID_EVENT, "on is not a YYYY-MM-DD date", "on")


def test_nested_text_reads_inside_an_object_field_only() -> None:
    ev = view(
        contacts={"shipper_phone": "138", "empty": "", "none": None, "n": 5},
        flat="138",
        listed=["shipper_phone"],
    )
    assert ev.nested("contacts", "shipper_phone") == "138"
    assert ev.nested("contacts", "n") == "5"
    assert ev.nested("contacts", "empty") is None
    assert ev.nested("contacts", "none") is None
    assert ev.nested("contacts", "missing") is None
    assert ev.nested("flat", "shipper_phone") is None
    assert ev.nested("listed", "shipper_phone") is None
    assert ev.nested("missing", "shipper_phone") is None


def test_local_text_is_the_shanghai_wall_clock_to_the_minute() -> None:
    assert local_text(datetime(2026, 3, 31, 16, 5, 59, tzinfo=UTC)) == "2026-04-01 00:05"
    assert local_text(datetime(2026, 3, 10, 9, 30, tzinfo=timezone(timedelta(hours=9)))) == (
        "2026-03-10 08:30"
    )
