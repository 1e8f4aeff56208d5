"""The customer tracking page's pure rules (services/console/domain/tracking.py): which link
still opens the page after a revocation, the progress bar, and which delay notice shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.console.domain.tracking import STEPS, Step, admits, delay_notice, progress
from shared.links import Audience, Link

pytestmark = pytest.mark.quick

T0 = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)


def link(issued_at: datetime = T0) -> Link:
    return Link("WB100200300", Audience.CONSIGNEE, issued_at, issued_at + timedelta(days=30))


def bar(status: str) -> list[tuple[str, bool, bool]]:
    return [(s.name, s.done, s.current) for s in progress(status)]


def test_a_revocation_closes_every_link_issued_up_to_it() -> None:
    assert admits(link(), None)
    assert not admits(link(), T0)  # revoked the second it was issued
    assert not admits(link(), T0 + timedelta(hours=1))
    assert admits(link(), T0 - timedelta(seconds=1))  # a link sent after the revocation opens
    assert admits(link(T0 + timedelta(microseconds=1)), T0)
    assert not admits(None, None)
    assert not admits(None, T0)


def test_the_customer_sees_four_steps_in_order() -> None:
    assert STEPS == ("created", "in_transit", "arrived", "signed")
    assert all(isinstance(s, Step) for s in progress("created"))


@pytest.mark.parametrize(
    ("status", "done", "current"),
    [
        ("created", [True, False, False, False], [True, False, False, False]),
        ("in_transit", [True, True, False, False], [False, True, False, False]),
        ("partially_arrived", [True, True, False, False], [False, True, False, False]),
        ("arrived", [True, True, True, False], [False, False, True, False]),
        ("signed", [True, True, True, True], [False, False, False, True]),
    ],
)
def test_every_status_marks_the_steps_up_to_it_done_and_its_own_current(
    status: str, done: list[bool], current: list[bool]
) -> None:
    assert bar(status) == [(name, d, c) for name, d, c in zip(STEPS, done, current, strict=True)]


def test_a_status_the_page_does_not_know_shows_the_first_step() -> None:
    first = [("created", True, True)] + [(name, False, False) for name in STEPS[1:]]
    assert bar("returned") == first
    assert bar("") == first


@pytest.mark.parametrize("status", ["created", "in_transit", "partially_arrived"])
def test_a_late_shipment_on_its_way_has_a_new_time_or_one_being_confirmed(status: str) -> None:
    assert delay_notice(status, True, True) == "new_eta"
    assert delay_notice(status, True, False) == "tbc"
    assert delay_notice(status, False, False) is None
    assert delay_notice(status, False, True) is None


@pytest.mark.parametrize("status", ["arrived", "signed"])
def test_goods_that_are_here_need_no_delay_notice(status: str) -> None:
    for delayed in (True, False):
        for confirmed in (True, False):
            assert delay_notice(status, delayed, confirmed) is None
