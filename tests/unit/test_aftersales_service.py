"""Aftersales' service rules at their edges (services/aftersales/domain/service.py and
report.py): the visit a ticket waits for, a repair without its length, a photo's media type
with parameters and every refusal's words and field, a material without a category, the
report month's refusal."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from services.aftersales.domain import (
    PHOTO_TOO_LARGE,
    PHOTO_TYPE_NOT_ALLOWED,
    RepairRules,
    SlaStep,
    Status,
    Ticket,
    Visit,
    booked_visit,
    check_photo,
    materials_list,
    open_ticket,
    parse_month,
    photo_phase,
    require_after_photo,
    sla_deadlines,
)
from services.aftersales.domain.errors import AFTER_PHOTO_MISSING, PHOTO_PHASE, DomainError
from shared.calendar import BUSINESS_TZ
from shared.contracts.values import PhotoPhase, ProblemKind, RepairKind

pytestmark = pytest.mark.quick

RULES = RepairRules()
OPENED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=BUSINESS_TZ)
OPENED = open_ticket(id="r1", customer_id="c1", problem="漏水", now=OPENED_AT)


def at(status: Status, **changes: object) -> Ticket:
    return replace(OPENED, status=status, **changes)  # type: ignore[arg-type]


def refusal(call: object) -> tuple[str, str, str | None]:
    assert callable(call)
    with pytest.raises(DomainError) as err:
        call()
    return err.value.code, err.value.detail, err.value.field


def test_a_scheduled_repair_is_visited_from_the_start_of_its_shanghai_day() -> None:
    t = at(Status.SCHEDULED, repair_on=date(2026, 3, 10), duration_days=3)
    assert booked_visit(t) == Visit(
        kind=RepairKind.REPAIR,
        at=datetime(2026, 3, 10, 0, 0, tzinfo=BUSINESS_TZ),
        on=date(2026, 3, 10),
        duration_days=3,
    )
    survey_at = datetime(2026, 3, 3, 14, tzinfo=BUSINESS_TZ)
    assert booked_visit(at(Status.SURVEY_BOOKED, survey_at=survey_at)) == Visit(
        kind=RepairKind.SURVEY, at=survey_at
    )


def test_a_repair_under_way_or_without_a_date_waits_for_no_visit() -> None:
    assert booked_visit(at(Status.IN_REPAIR, repair_on=date(2026, 3, 10), duration_days=1)) is None
    assert booked_visit(at(Status.SCHEDULED)) is None
    assert booked_visit(at(Status.SURVEY_BOOKED)) is None
    assert booked_visit(at(Status.SURVEYED, survey_at=OPENED_AT)) is None


def test_a_repair_without_its_length_has_no_repair_deadline() -> None:
    steps = [
        step for step, _ in sla_deadlines(at(Status.SCHEDULED, repair_on=date(2026, 3, 10)), RULES)
    ]
    assert steps == [SlaStep.FIRST_CONTACT, SlaStep.SURVEY]
    steps = [step for step, _ in sla_deadlines(at(Status.SCHEDULED, duration_days=2), RULES)]
    assert steps == [SlaStep.FIRST_CONTACT, SlaStep.SURVEY]
    one_day = at(Status.SCHEDULED, repair_on=date(2026, 3, 10), duration_days=1)
    assert sla_deadlines(one_day, RULES)[-1] == (
        SlaStep.REPAIR,
        datetime(2026, 3, 10, 0, 0, tzinfo=BUSINESS_TZ) + timedelta(days=1),
    )


@pytest.mark.parametrize(
    "content_type",
    ["image/jpeg", "IMAGE/PNG", " image/webp ; name=a;b", "application/pdf;a b", "image/png;"],
)
def test_a_photo_type_is_read_before_its_parameters(content_type: str) -> None:
    check_photo(at(Status.IN_REPAIR), content_type, 1, RULES)


@pytest.mark.parametrize(
    ("content_type", "named"),
    [
        ("image/gif", "image/gif"),
        ("", "unknown"),
        ("; charset=utf-8", "unknown"),
        ("text/plain; image/png", "text/plain"),
        ("image/png image/gif", "image/png image/gif"),
    ],
)
def test_a_photo_of_another_type_is_refused_naming_the_accepted_ones(
    content_type: str, named: str
) -> None:
    assert refusal(lambda: check_photo(at(Status.IN_REPAIR), content_type, 1, RULES)) == (
        PHOTO_TYPE_NOT_ALLOWED,
        f"{named} is not accepted; use application/pdf, image/jpeg, image/png, image/webp",
        "file",
    )


def test_a_photo_over_the_limit_is_refused_with_both_sizes() -> None:
    rules = RepairRules(photo_max_bytes=1_000, photo_types=frozenset({"image/heic"}))
    check_photo(at(Status.IN_REPAIR), "image/heic", 1_000, rules)
    assert refusal(lambda: check_photo(at(Status.IN_REPAIR), "image/heic", 1_001, rules)) == (
        PHOTO_TOO_LARGE,
        "the file has 1001 bytes; the limit is 1000 bytes",
        "file",
    )
    assert refusal(lambda: check_photo(at(Status.IN_REPAIR), "image/jpeg", 1, rules))[1] == (
        "image/jpeg is not accepted; use image/heic"
    )


def test_a_photo_of_the_repair_before_its_schedule_is_refused_in_words() -> None:
    assert refusal(lambda: photo_phase(at(Status.SURVEY_BOOKED), PhotoPhase.DURING)) == (
        PHOTO_PHASE,
        "a photo `during` the repair waits until the repair is scheduled; the ticket is"
        " survey booked",
        "phase",
    )
    assert refusal(lambda: photo_phase(at(Status.QUOTE_ACCEPTED), PhotoPhase.AFTER))[1] == (
        "a photo `after` the repair waits until the repair is scheduled; the ticket is"
        " quote accepted"
    )


def test_completion_without_a_photo_of_the_end_is_refused_in_words() -> None:
    assert refusal(lambda: require_after_photo(0, RULES)) == (
        AFTER_PHOTO_MISSING,
        "photograph the finished repair first (维修结束相片): add a photo with phase `after`",
        None,
    )


def test_a_material_without_a_category_is_prepared_only_when_every_one_is() -> None:
    items: list[dict[str, object]] = [
        {"category": None, "brand": "A"},
        {"brand": "B"},
        {"category": "", "brand": "C"},
        {"category": " Paint ", "brand": "D"},
    ]
    assert [m["brand"] for m in materials_list(items, ProblemKind.PAINT)] == ["D"]
    assert [m["brand"] for m in materials_list(items, ProblemKind.OTHER)] == ["A", "B", "C", "D"]


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "26-11", "2026/11", "", "2026-1"])
def test_a_report_month_that_is_not_one_is_refused_in_words(month: str) -> None:
    with pytest.raises(ValueError, match=r"^month must look like YYYY-MM$"):
        parse_month(month)


def test_december_runs_to_the_first_of_january_in_shanghai() -> None:
    assert parse_month(" 2026-12 ") == (
        datetime(2026, 12, 1, tzinfo=BUSINESS_TZ),
        datetime(2027, 1, 1, tzinfo=BUSINESS_TZ),
    )
