"""Shippers as customers (客服的工作内容 6), 8), 12); 客服工作的目的 7)): the monthly visit list of
key and new customers, the satisfaction compiled for the supervisor, long-term rates, and data
given only on a superior's approval."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.logistics.domain import (
    NEW_CUSTOMERS_PER_MONTH,
    Candidate,
    DataRequest,
    DomainError,
    Rate,
    RateUnit,
    RequestStatus,
    SatisfactionLine,
    VisitKind,
    agree_rate,
    decide_request,
    provide_data,
    rate_on,
    record_visit,
    visit_list,
    visit_report,
)

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
OCT, NOV = datetime(2026, 10, 1, tzinfo=SH), datetime(2026, 11, 1, tzinfo=SH)
AT = datetime(2026, 11, 12, 10, tzinfo=SH)


def cand(sid: str, key: bool = False, at: datetime = OCT + timedelta(days=3)) -> Candidate:
    return Candidate(sid, key, at)


def test_duty_monthly_visits_take_every_key_customer_and_some_new_ones() -> None:
    pool = [
        cand("k2", key=True, at=OCT - timedelta(days=400)),
        cand("k1", key=True),
        cand("old", at=OCT - timedelta(days=1)),  # registered before last month: not new
        cand("late", at=NOV),  # this month: new next month
        *(cand(f"n{i:02d}") for i in range(15)),
    ]
    listed = visit_list(pool, "2026-11", OCT, NOV)
    assert listed[:2] == [("k1", VisitKind.KEY), ("k2", VisitKind.KEY)]
    new = [sid for sid, kind in listed[2:] if kind is VisitKind.NEW]
    assert len(new) == NEW_CUSTOMERS_PER_MONTH == 10 and len(listed) == 12
    assert new == sorted(new) and set(new) <= {f"n{i:02d}" for i in range(15)}
    # The same list however often it is asked for, another for another month.
    assert visit_list(list(reversed(pool)), "2026-11", OCT, NOV) == listed
    assert visit_list(pool, "2026-12", OCT, NOV) != listed


def test_duty_monthly_visits_take_all_new_ones_when_few_and_none_when_told() -> None:
    pool = [cand("n1"), cand("n2"), cand("k", key=True, at=OCT)]
    assert visit_list(pool, "2026-11", OCT, NOV) == [
        ("k", VisitKind.KEY),
        ("n1", VisitKind.NEW),
        ("n2", VisitKind.NEW),
    ]
    assert visit_list(pool, "2026-11", OCT, NOV, new_per_month=0) == [("k", VisitKind.KEY)]
    # The bounds: the first instant of last month is new, this month's first is not.
    edge = [
        cand("first", at=OCT),
        cand("next", at=NOV - timedelta(microseconds=1)),
        cand("now", at=NOV),
    ]
    assert [s for s, _ in visit_list(edge, "2026-11", OCT, NOV)] == ["first", "next"]


def test_monthly_visit_list_refuses_a_negative_sample_and_naive_times() -> None:
    with pytest.raises(DomainError) as err:
        visit_list([], "2026-11", OCT, NOV, new_per_month=-1)
    assert (err.value.code, err.value.detail) == (
        "invalid_value",
        "the sample of new customers cannot be negative",
    )
    with pytest.raises(ValueError, match="new_since must carry a UTC offset"):
        visit_list([], "2026-11", datetime(2026, 10, 1), NOV)
    with pytest.raises(ValueError, match="new_before must carry a UTC offset"):
        visit_list([], "2026-11", OCT, datetime(2026, 11, 1))


def test_duty_customer_satisfaction_is_scored_1_to_5_only_when_reached() -> None:
    v = record_visit("k1", "2026-11", VisitKind.KEY, True, 4, "  服务好 ", "cs-1", AT)
    assert (v.satisfaction, v.feedback, v.by, v.at, v.branch) == (4, "服务好", "cs-1", AT, None)
    assert (
        record_visit("k1", "2026-11", VisitKind.KEY, False, None, "", "cs-1", AT).reached is False
    )
    for score, reached, detail in (
        (3, False, "a customer not reached gave no satisfaction"),
        (0, True, "satisfaction is scored 1 to 5"),
        (6, True, "satisfaction is scored 1 to 5"),
    ):
        with pytest.raises(DomainError) as err:
            record_visit("k1", "2026-11", VisitKind.KEY, reached, score, "", "cs-1", AT)
        assert (err.value.code, err.value.field, err.value.detail) == (
            "invalid_value",
            "satisfaction",
            detail,
        )
    for score in (1, 5):
        assert (
            record_visit("k1", "2026-11", VisitKind.NEW, True, score, "", "c", AT).satisfaction
            == score
        )
    with pytest.raises(ValueError, match="at must carry a UTC offset"):
        record_visit("k1", "2026-11", VisitKind.KEY, True, 4, "", "c", datetime(2026, 11, 1))


def visit(
    sid: str, kind: VisitKind, score: int | None, branch: str, minutes: int = 0, text: str = ""
):
    v = record_visit(
        sid,
        "2026-11",
        kind,
        score is not None,
        score,
        text,
        "cs-1",
        AT + timedelta(minutes=minutes),
    )
    return replace(v, branch=branch)


def test_duty_monthly_visits_compiled_for_the_supervisor_with_satisfaction() -> None:
    visits = [
        visit("k1", VisitKind.KEY, 2, "SH01", 0, "送货慢"),
        visit("k1", VisitKind.KEY, 5, "SH01", 30, "改进了"),  # the last visit counts
        visit("k2", VisitKind.KEY, None, "BJ02", 5),
        visit("n1", VisitKind.NEW, 4, "SH01", 10),
        visit("n2", VisitKind.NEW, 3, "BJ02", 20, "价格高"),
        replace(visit("n3", VisitKind.NEW, 1, "BJ02"), month="2026-10"),  # another month
    ]
    rep = visit_report("2026-11", ["k1", "k2", "n1", "n2", "n9"], visits)
    assert (rep.month, rep.listed, rep.not_visited) == ("2026-11", 5, ["n9"])
    assert rep.total == SatisfactionLine(
        "all",
        visited=4,
        reached=3,
        scored=3,
        average=4.0,
        satisfied=2,
        scores={1: 0, 2: 0, 3: 1, 4: 1, 5: 1},
    )
    key, new = rep.by_kind
    assert (key.group, key.visited, key.reached, key.average) == ("key", 2, 1, 5.0)
    assert (new.group, new.visited, new.scored, new.average, new.satisfied) == ("new", 2, 2, 3.5, 1)
    assert [(b.group, b.visited, b.average) for b in rep.by_branch] == [
        ("BJ02", 2, 3.0),
        ("SH01", 2, 4.5),
    ]
    assert [(v.shipper_id, v.feedback) for v in rep.feedback] == [
        ("n2", "价格高"),
        ("k1", "改进了"),
    ]


def test_a_month_without_visits_compiles_to_nothing_scored() -> None:
    rep = visit_report("2026-11", ["k1"], [])
    assert rep.total == SatisfactionLine("all")
    assert rep.total.scores == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}
    assert [x.group for x in rep.by_kind] == ["key", "new"] and rep.by_branch == []
    assert rep.not_visited == ["k1"]
    unbranched = visit_report(
        "2026-11", [], [replace(visit("k1", VisitKind.KEY, 4, ""), branch=None)]
    )
    assert [b.group for b in unbranched.by_branch] == ["-"]
    assert (
        round(
            visit_report(
                "2026-11",
                [],
                [
                    visit("a", VisitKind.NEW, 1, "X"),
                    visit("b", VisitKind.NEW, 2, "X"),
                    visit("c", VisitKind.NEW, 2, "X"),
                ],
            ).total.average
            or 0,
            2,
        )
        == 1.67
    )


LANE = Rate("shp_1", "SH01", "CD01", RateUnit.KG, 120, date(2026, 1, 1))


def test_duty_long_term_rate_is_agreed_on_a_lane_for_a_period() -> None:
    assert agree_rate(LANE) is LANE
    assert agree_rate(replace(LANE, valid_to=date(2026, 1, 1))).valid_to == date(2026, 1, 1)
    for bad, field_, detail in (
        (replace(LANE, price_fen=0), "price_fen", "a rate's price must be positive"),
        (replace(LANE, min_charge_fen=-1), "min_charge_fen", "a minimum charge cannot be negative"),
        (replace(LANE, destination="SH01"), "destination", "a lane goes to another branch"),
        (
            replace(LANE, valid_to=date(2025, 12, 31)),
            "valid_to",
            "a rate cannot end before it starts",
        ),
    ):
        with pytest.raises(DomainError) as err:
            agree_rate(bad)
        assert (err.value.code, err.value.field, err.value.detail) == (
            "invalid_value",
            field_,
            detail,
        )
    assert agree_rate(replace(LANE, price_fen=1, min_charge_fen=0)).price_fen == 1


def test_duty_long_term_rate_in_force_is_the_latest_started_covering_the_day() -> None:
    newer = replace(LANE, price_fen=100, valid_from=date(2026, 6, 1), valid_to=date(2026, 6, 30))
    other = replace(LANE, unit=RateUnit.M3, price_fen=9000)
    rates = [newer, LANE, other]
    assert rate_on(rates, "SH01", "CD01", RateUnit.KG, date(2026, 6, 1)) is newer
    assert rate_on(rates, "SH01", "CD01", RateUnit.KG, date(2026, 6, 30)) is newer
    assert rate_on(rates, "SH01", "CD01", RateUnit.KG, date(2026, 7, 1)) is LANE
    assert rate_on(rates, "SH01", "CD01", RateUnit.KG, date(2025, 12, 31)) is None
    assert rate_on(rates, "SH01", "CD01", RateUnit.M3, date(2026, 1, 1)) is other
    assert rate_on(rates, "CD01", "SH01", RateUnit.KG, date(2026, 6, 1)) is None
    assert rate_on(rates, "SH01", "BJ02", RateUnit.KG, date(2026, 6, 1)) is None


ASKED = DataRequest("r-1", "finance", "11月回单数据", "对账", "cs-1", AT)


def test_duty_data_request_needs_a_superiors_approval_before_the_data_goes() -> None:
    with pytest.raises(DomainError) as err:
        provide_data(ASKED, "cs-1", AT)
    assert err.value.code == "wrong_state"
    assert err.value.detail == (
        "data request r-1 is pending: data is provided only after a superior approved it"
    )
    ok = decide_request(ASKED, "head-1", True, "  同意 ", AT + timedelta(hours=1))
    assert (ok.status, ok.decided_by, ok.decided_at, ok.decision_note) == (
        RequestStatus.APPROVED,
        "head-1",
        AT + timedelta(hours=1),
        "同意",
    )
    done = provide_data(ok, "cs-1", AT + timedelta(hours=2))
    assert (done.status, done.provided_by, done.provided_at) == (
        RequestStatus.PROVIDED,
        "cs-1",
        AT + timedelta(hours=2),
    )
    with pytest.raises(DomainError) as again:
        provide_data(done, "cs-1", AT)
    assert "is provided: data is provided only" in again.value.detail


def test_duty_data_request_rejected_or_decided_twice_or_by_the_asker_is_refused() -> None:
    no = decide_request(ASKED, "head-1", False, "", AT)
    assert no.status is RequestStatus.REJECTED
    with pytest.raises(DomainError) as rejected:
        provide_data(no, "cs-1", AT)
    assert "is rejected" in rejected.value.detail
    with pytest.raises(DomainError) as twice:
        decide_request(no, "head-2", True, "", AT)
    assert (twice.value.code, twice.value.detail) == (
        "wrong_state",
        "data request r-1 is rejected, not pending",
    )
    with pytest.raises(DomainError) as own:
        decide_request(ASKED, "cs-1", True, "", AT)
    assert (own.value.code, own.value.detail) == (
        "wrong_state",
        "whoever asked for the data cannot approve their own request",
    )
    with pytest.raises(ValueError, match="at must carry a UTC offset"):
        decide_request(ASKED, "head-1", True, "", datetime(2026, 11, 1))
    with pytest.raises(ValueError, match="at must carry a UTC offset"):
        provide_data(replace(ASKED, status=RequestStatus.APPROVED), "c", datetime(2026, 11, 1))
