"""The renovation customer's view of a project (issue 19): the name and the address masked, the
stages with when each was reached, what the next stage waits for, each instalment's state and
the one due now, the warranty card only once it is handed over."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.projects.domain import Project
from services.projects.domain.customer import (
    ADDRESS_KEPT_MAX,
    HANDED_OVER,
    NextStage,
    PlanLine,
    StageStep,
    coming_next,
    due_now,
    handed_over,
    mask_address,
    mask_name,
    payment_state,
    plan_lines,
    stage_steps,
)
from services.projects.domain.model import CardStatus, Payment, StageEntry, WarrantyCard
from services.projects.domain.money import Due, PlannedInstallment
from shared.contracts.values import Installment, Stage

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 10, 15, 0, tzinfo=SH)


def row(
    installment: Installment = Installment.FIRST,
    *,
    amount: int = 10_000,
    paid: int = 0,
    due_at: datetime | None = None,
) -> PlannedInstallment:
    due = Due(due_at.date(), due_at) if due_at is not None else None
    return PlannedInstallment(installment, amount, Stage.CONTRACT, 3, due, paid)


def test_names_are_masked_to_what_their_owner_recognises() -> None:
    assert mask_name("孙丽") == "孙*"
    assert mask_name(" 欧阳娜娜 ") == "欧***"
    assert mask_name("赵磊磊") == "赵**"
    assert mask_name("上海美居装饰有限公司") == "上海******公司"
    assert mask_name("诸葛孔明先") == "诸葛*明先"
    assert mask_name("李") == "*"
    assert mask_name("  ") == "*"


def test_an_address_keeps_its_city_and_district_only() -> None:
    assert mask_address("上海市浦东新区锦绣路100弄5号1201") == "上海市浦东新区****"
    assert mask_address(" 上海市徐汇区漕溪北路 1 号 ") == "上海市徐汇区****"
    assert mask_address("江苏省苏州市吴中区东山镇") == "江苏省苏州市吴中区****"
    assert mask_address("浙江省湖州市安吉县递铺街道") == "浙江省湖州市安吉县****"
    # a 县 before a 区: the first of them ends what is shown
    assert mask_address("某某县城区路1号") == "某某县****"
    assert mask_address("某某区里的县前路") == "某某区****"
    assert mask_address("某某区里的区前路") == "某某区****"  # the first 区, not the last
    assert mask_address("区府路1号") == "区****"
    # no district in the first twelve characters: the first three only
    assert mask_address("北京朝阳门外大街甲6号院2号楼1单元") == "北京朝****"
    assert mask_address("一二三四五六七八九十十一区") == "一二三****"
    assert mask_address("一二三四五六七八九十一区路") == "一二三四五六七八九十一区****"
    assert ADDRESS_KEPT_MAX == 12
    # never the whole of a short address
    assert mask_address("徐汇区") == "徐汇****"
    assert mask_address("长宁") == "长****"
    assert mask_address("") == "****"
    assert mask_address("   ") == "****"


def test_the_stages_are_done_up_to_the_current_one_with_when_each_was_reached() -> None:
    p = Project(
        id="p-1",
        customer_id="c-1",
        stage=Stage.MEASUREMENT,
        history=(
            StageEntry(Stage.CONSULTATION, T0),
            StageEntry(Stage.MEASUREMENT, T0 + timedelta(days=2)),
        ),
    )
    steps = stage_steps(p)
    assert len(steps) == len(Stage)
    assert steps[0] == StageStep(Stage.CONSULTATION, True, False, T0)
    assert steps[1] == StageStep(Stage.MEASUREMENT, True, True, T0 + timedelta(days=2))
    assert steps[2] == StageStep(Stage.QUOTATION, False, False, None)
    assert [s.stage for s in steps] == list(Stage)
    assert steps[-1] == StageStep(Stage.WARRANTY, False, False, None)
    last = stage_steps(replace(p, stage=Stage.WARRANTY))
    assert all(s.done for s in last) and [s.current for s in last][-2:] == [False, True]


def test_what_comes_next_and_what_it_waits_for() -> None:
    p = Project(id="p-1", customer_id="c-1", stage=Stage.QUOTATION)
    assert coming_next(p, T0, deposit_min_fen=50_000) == NextStage(
        Stage.DESIGN_AGREEMENT, False, ("deposit_unpaid", "documents_missing")
    )
    paid = replace(p, payments=(Payment(Installment.DEPOSIT, 30_000, T0),))
    # the configured minimum and the time asked about both count
    assert coming_next(paid, T0, deposit_min_fen=30_000).waiting_for == ("documents_missing",)
    assert coming_next(paid, T0, deposit_min_fen=30_001).waiting_for[0] == "deposit_unpaid"
    before = T0 - timedelta(seconds=1)
    assert coming_next(paid, before, deposit_min_fen=30_000).waiting_for[0] == "deposit_unpaid"
    design = replace(p, stage=Stage.DESIGN)
    assert coming_next(design, T0, deposit_min_fen=50_000) == NextStage(
        Stage.CONTRACT,
        False,
        ("scheme_not_approved", "contract_not_signed", "documents_missing"),
    )
    measured = replace(p, stage=Stage.CONSULTATION)
    assert coming_next(measured, T0, deposit_min_fen=50_000) == NextStage(
        Stage.MEASUREMENT, False, ()
    )
    completed = replace(p, stage=Stage.COMPLETED)
    assert coming_next(completed, T0, deposit_min_fen=50_000) == NextStage(Stage.WARRANTY, True, ())
    end = replace(p, stage=Stage.WARRANTY)
    assert coming_next(end, T0, deposit_min_fen=50_000) == NextStage(None, False, ())


def test_an_instalment_is_paid_overdue_due_or_upcoming() -> None:
    assert payment_state(row(paid=10_000), T0) == "paid"
    assert payment_state(row(paid=10_000, due_at=T0 - timedelta(days=1)), T0) == "paid"
    assert payment_state(row(paid=9_999), T0) == "upcoming"  # its clock not started
    assert payment_state(row(paid=9_999, due_at=T0), T0) == "overdue"  # at the bound: late
    assert payment_state(row(due_at=T0 + timedelta(seconds=1)), T0) == "due"
    assert payment_state(row(due_at=T0 - timedelta(seconds=1)), T0) == "overdue"


def test_the_plan_in_its_order_and_the_instalment_to_pay_now() -> None:
    first = row(Installment.FIRST, paid=10_000, due_at=T0 - timedelta(days=30))
    mid = row(Installment.MIDTERM, due_at=T0 + timedelta(days=2))
    final = row(Installment.FINAL)
    lines = plan_lines([first, mid, final], T0)
    assert lines == [
        PlanLine(first, "paid"),
        PlanLine(mid, "due"),
        PlanLine(final, "upcoming"),
    ]
    assert due_now(lines) == PlanLine(mid, "due")
    late = plan_lines([row(Installment.MIDTERM, due_at=T0), final], T0)
    assert due_now(late) == late[0] and late[0].state == "overdue"
    assert due_now(plan_lines([first, final], T0)) is None
    assert due_now([]) is None


def test_the_warranty_card_shows_once_it_is_handed_over() -> None:
    card = WarrantyCard("WC-ABC", date(2026, 7, 1), date(2028, 7, 1))
    assert handed_over(None) is None
    assert handed_over(card) is None  # filled at the settlement: not the customer's yet
    assert handed_over(replace(card, status=CardStatus.SIGNED)) is None
    issued = replace(card, status=CardStatus.ISSUED)
    assert handed_over(issued) is issued
    archived = replace(card, status=CardStatus.ARCHIVED)
    assert handed_over(archived) is archived
    assert HANDED_OVER == {CardStatus.ISSUED, CardStatus.ARCHIVED}
