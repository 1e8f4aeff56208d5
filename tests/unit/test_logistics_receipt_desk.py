"""The receipt desk (回单管理流程, 回单规范要求, 回单管理及签收标准考核): who takes each step,
what a signed receipt is checked against, custody, and the duties around them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.logistics.domain import (
    STEP_PARTY,
    AbnormalReceipt,
    DomainError,
    Envelope,
    LogisticsRules,
    ReceiptFindings,
    ReceiptOwner,
    ReceiptParty,
    ReceiptRequirements,
    abnormal_penalty_at,
    check_envelope,
    check_handover,
    check_receipt,
    check_step_party,
    handling_deadline,
    holder_after,
    name_receipt_owner,
    register_abnormal,
    resolve_abnormal,
    seal_envelope,
)
from shared.contracts.values import ReceiptStep, Role
from shared.errors import Forbidden

pytestmark = pytest.mark.quick

ORIGIN, DESTINATION, TRANSFER, OTHER = "SH01", "BJ02", "ZZ03", "GZ04"

# Who may record each step (回单规范要求 3)–6)): the destination branch signs and sends, the
# origin branch receives and hands over, finance settles; the receipt desk (logistics) records
# the branches' steps for them; admin may do anything.
CALLERS: dict[str, tuple[Role, str | None]] = {
    "origin branch": (Role.BRANCH, ORIGIN),
    "destination branch": (Role.BRANCH, DESTINATION),
    "transfer branch": (Role.BRANCH, TRANSFER),
    "other branch": (Role.BRANCH, OTHER),
    "receipt desk": (Role.LOGISTICS, None),
    "finance": (Role.FINANCE, None),
    "customer service": (Role.CS, None),
    "admin": (Role.ADMIN, None),
}
ALLOWED: dict[ReceiptStep, set[str]] = {
    ReceiptStep.SIGNED: {"destination branch", "receipt desk", "admin"},
    ReceiptStep.SENT: {"destination branch", "receipt desk", "admin"},
    ReceiptStep.RECEIVED: {"origin branch", "receipt desk", "admin"},
    ReceiptStep.HANDED_OVER: {"origin branch", "receipt desk", "admin"},
    ReceiptStep.SETTLED: {"finance", "admin"},
}


@pytest.mark.parametrize("caller", sorted(CALLERS))
@pytest.mark.parametrize("step", list(ALLOWED))
def test_duty_each_receipt_step_belongs_to_its_party(step: ReceiptStep, caller: str) -> None:
    """回单规范要求 3)–6): 到货网点…让提货人在回执单上签字…做好回单签收和寄出; 发站网点收到回执单后
    …做好回单接收; 发站网点…与客户或业务归属人员交接; 将返回回单交于财务部 (finance settles).
    Every step × every party: only the step's own party may record it."""
    role, branch = CALLERS[caller]
    if caller in ALLOWED[step]:
        check_step_party(step, role=role, branch=branch, origin=ORIGIN, destination=DESTINATION)
        return
    with pytest.raises(Forbidden) as refused:
        check_step_party(step, role=role, branch=branch, origin=ORIGIN, destination=DESTINATION)
    assert refused.value.http_status == 403
    party = STEP_PARTY[step]
    assert party.value in refused.value.detail
    if party is not ReceiptParty.FINANCE:
        owner = DESTINATION if party is ReceiptParty.DESTINATION else ORIGIN
        assert owner in refused.value.detail


def test_duty_every_receipt_step_has_a_party() -> None:
    """Each step the life cycle knows is given to exactly one party."""
    assert set(STEP_PARTY) == set(ReceiptStep)


# --- 确认回执单是否合格: the receipt checked against the shipper's requirements ------------------

SH = ZoneInfo("Asia/Shanghai")
STAMPED_TWO = ReceiptRequirements(required=True, signature=True, stamp=True, copies=2)
FOUND = datetime(2026, 11, 3, 10, tzinfo=SH)
TICK = timedelta(microseconds=1)


def test_duty_signed_receipt_is_checked_against_the_shippers_requirements() -> None:
    """回单规范要求 3): 到货网点收到回执单时,须按要求确认回执单是否合格,如:是否按要求加蓋公章或簽
    提貨人身份證號碼 — the station says what the receipt carries; the rules say what it lacks."""
    whole = ReceiptFindings(signature=True, stamp=True, id_number=False, copies=2)
    assert check_receipt(STAMPED_TWO, ReceiptStep.SIGNED, whole) == []
    short = ReceiptFindings(signature=True, stamp=False, id_number=False, copies=1)
    assert check_receipt(STAMPED_TWO, ReceiptStep.SIGNED, short) == [
        "the company stamp is missing",
        "2 copies are required, 1 signed",
    ]
    id_needed = ReceiptRequirements(required=True, id_number=True)
    bare = ReceiptFindings(signature=False, stamp=False, id_number=False, copies=1)
    assert check_receipt(id_needed, ReceiptStep.RECEIVED, bare) == [
        "the consignee's signature is missing",
        "the ID number is missing",
    ]


def test_duty_a_signing_irregularity_is_a_defect_in_the_stations_words() -> None:
    """异常回单(回单签收不完整、不规范,货物签收异常等): besides the requirements, the station may
    find the signing itself irregular; its note is the defect."""
    whole = ReceiptFindings(signature=True, stamp=True, id_number=True, copies=2)
    got = check_receipt(
        STAMPED_TWO, ReceiptStep.SIGNED, whole, compliant=False, note=" signed by the driver "
    )
    assert got == ["signed by the driver"]
    assert check_receipt(STAMPED_TWO, ReceiptStep.SIGNED, None, compliant=False) == [
        "the station reported the signing as irregular"
    ]
    assert check_receipt(STAMPED_TWO, ReceiptStep.SIGNED, None) == []


@pytest.mark.parametrize("step", [ReceiptStep.SENT, ReceiptStep.HANDED_OVER, ReceiptStep.SETTLED])
def test_receipt_is_checked_only_when_signed_and_when_received(step: ReceiptStep) -> None:
    whole = ReceiptFindings(signature=True, stamp=True, id_number=True, copies=2)
    assert check_receipt(STAMPED_TWO, step, None) == []
    with pytest.raises(DomainError) as bad:
        check_receipt(STAMPED_TWO, step, whole)
    assert (bad.value.field, bad.value.http_status) == ("presented", 422)
    with pytest.raises(DomainError) as bad:
        check_receipt(STAMPED_TWO, step, None, compliant=False)
    assert bad.value.field == "compliant"


# --- 回单管理及签收标准考核 8): 100 yuan when not found or not handled in time -------------------


def abnormal(step: ReceiptStep = ReceiptStep.SIGNED) -> AbnormalReceipt:
    return register_abnormal("ab-1", "WB1", "east", step, ["the company stamp is missing"], FOUND)


def test_duty_abnormal_receipt_found_only_at_the_origin_was_not_found_in_time() -> None:
    """凡因工作疏忽不能及时发现…处罚100元/票: the destination's check should have caught it; found
    at the origin, the 100 yuan falls due at the finding, whatever happens next."""
    late = abnormal(ReceiptStep.RECEIVED)
    assert late.found_late
    assert abnormal_penalty_at(late, FOUND) == FOUND
    resolved = resolve_abnormal(late, FOUND + timedelta(hours=1))
    assert abnormal_penalty_at(resolved, FOUND + timedelta(days=9)) == FOUND


def test_duty_abnormal_receipt_signed_again_in_time_costs_nothing() -> None:
    """及时协商处理…返回重签: signed again within the handling days (3 by default), no penalty."""
    a = abnormal()
    assert not a.found_late
    assert handling_deadline(a) == FOUND + timedelta(days=3)
    assert abnormal_penalty_at(a, FOUND + timedelta(days=3)) is None  # not yet known
    done = resolve_abnormal(a, FOUND + timedelta(days=3))
    assert done.resolved_at == FOUND + timedelta(days=3)
    assert abnormal_penalty_at(done, FOUND + timedelta(days=30)) is None
    assert resolve_abnormal(done, FOUND + timedelta(days=5)) is done  # handled once


def test_duty_abnormal_receipt_not_handled_in_time_costs_100_at_the_deadline() -> None:
    """因主管(经理)未及时处理,处罚100元/票: not signed again by the deadline — due at the deadline,
    whether it is signed later or never; the handling days are configurable."""
    a = abnormal()
    deadline = FOUND + timedelta(days=3)
    assert abnormal_penalty_at(a, deadline + TICK) == deadline
    late = resolve_abnormal(a, deadline + timedelta(days=1))
    assert abnormal_penalty_at(late, deadline + timedelta(days=1)) == deadline
    week = LogisticsRules(abnormal_handling=timedelta(days=7))
    assert abnormal_penalty_at(a, deadline + TICK, week) is None
    assert abnormal_penalty_at(late, deadline + timedelta(days=9), week) is None


def test_an_abnormal_receipt_needs_a_check_a_defect_and_an_aware_time() -> None:
    with pytest.raises(DomainError) as bad:
        register_abnormal("x", "WB1", "east", ReceiptStep.SENT, ["d"], FOUND)
    assert bad.value.field == "step"
    with pytest.raises(DomainError) as bad:
        register_abnormal("x", "WB1", "east", ReceiptStep.SIGNED, [], FOUND)
    assert bad.value.field == "defects"
    with pytest.raises(ValueError, match="found_at must carry a UTC offset"):
        register_abnormal("x", "WB1", "east", ReceiptStep.SIGNED, ["d"], datetime(2026, 11, 3))
    assert resolve_abnormal(abnormal(), FOUND - timedelta(days=1)).resolved_at == FOUND


# --- 各区域公司需明确回单管理责任人 ------------------------------------------------------------


def test_duty_a_region_names_a_receipt_owner_and_a_different_superior() -> None:
    """回单管理及签收标准考核 6): the owner answers for late receipts; when they cannot be held to
    it, their superior does — so the superior is someone else."""
    named = name_receipt_owner("east", "clerk-1", "王回单", "boss-1", "李经理")
    assert named == ReceiptOwner("east", "clerk-1", "王回单", "boss-1", "李经理")
    with pytest.raises(DomainError) as bad:
        name_receipt_owner("east", "clerk-1", "王回单", "clerk-1", "王回单")
    assert (bad.value.field, bad.value.http_status) == ("superior", 422)


# --- 回单…出入清晰、可查, 交接手续; 装入信封,记录数量明细 ------------------------------------------


@pytest.mark.parametrize(
    ("step", "holder"),
    [
        (ReceiptStep.SIGNED, DESTINATION),
        (ReceiptStep.SENT, f"post:{DESTINATION}>{ORIGIN}"),
        (ReceiptStep.RECEIVED, ORIGIN),
        (ReceiptStep.HANDED_OVER, "customer"),
        (ReceiptStep.SETTLED, "finance"),
    ],
)
def test_duty_each_step_hands_the_receipt_to_its_next_holder(
    step: ReceiptStep, holder: str
) -> None:
    """对回单收发做好必要的登记,且做好交接手续: every step says who holds the receipt next."""
    assert holder_after(step, origin=ORIGIN, destination=DESTINATION) == holder


def test_duty_a_receipt_in_an_envelope_or_handed_to_a_salesperson_is_held_by_them() -> None:
    """与客户或业务归属人员交接: the handover names who took it; sent in an envelope, the envelope
    holds it."""
    assert holder_after(
        ReceiptStep.SENT, origin=ORIGIN, destination=DESTINATION, envelope_id="e1"
    ) == ("envelope:e1")
    assert holder_after(
        ReceiptStep.HANDED_OVER, origin=ORIGIN, destination=DESTINATION, to="张销售"
    ) == ("张销售")
    check_handover(ReceiptStep.HANDED_OVER, "张销售", "sales-1")
    with pytest.raises(DomainError) as bad:
        check_handover(ReceiptStep.RECEIVED, "张销售", None)
    assert bad.value.field == "to"
    with pytest.raises(DomainError) as bad:
        check_handover(ReceiptStep.SIGNED, None, "sales-1")
    assert bad.value.field == "business_owner"


def test_duty_the_envelope_carries_the_number_and_list_the_origin_checks() -> None:
    """回单规范要求 4), 5): 将回执单数量、明细等记录在信封上…发站网点…根据信封上的运单明细仔细核对:
    what is missing and what is there unlisted are named; an envelope is checked once."""
    env = seal_envelope("e1", DESTINATION, ORIGIN, ["W1", "W2", "W3"], FOUND)
    assert (env.count, env.waybills) == (3, ("W1", "W2", "W3"))
    checked = check_envelope(env, ["W3", "W9", "W1"], FOUND + timedelta(days=2))
    assert (checked.missing, checked.unexpected) == (("W2",), ("W9",))
    assert checked.checked_at == FOUND + timedelta(days=2)
    with pytest.raises(DomainError) as again:
        check_envelope(checked, ["W2"], FOUND + timedelta(days=3))
    assert again.value.http_status == 409
    early = check_envelope(env, ["W1", "W2", "W3"], FOUND - timedelta(hours=1))
    assert (early.checked_at, early.missing, early.unexpected) == (FOUND, (), ())


@pytest.mark.parametrize(
    ("waybills", "field", "why"),
    [
        ([], "waybills", "at least one"),
        (["W1", "W1"], "waybills", "twice"),
        ([f"W{i}" for i in range(201)], "waybills", "at most 200"),
    ],
)
def test_an_envelope_lists_each_receipt_once_and_at_most_200(
    waybills: list[str], field: str, why: str
) -> None:
    with pytest.raises(DomainError) as bad:
        seal_envelope("e1", DESTINATION, ORIGIN, waybills, FOUND)
    assert bad.value.field == field and why in bad.value.detail


def test_an_envelope_goes_to_another_branch() -> None:
    with pytest.raises(DomainError) as bad:
        seal_envelope("e1", ORIGIN, ORIGIN, ["W1"], FOUND)
    assert bad.value.field == "to_branch"


def test_a_receipt_carrying_everything_required_has_no_defect() -> None:
    """Each requirement met by what the station found is no defect, the ID number included."""
    everything = ReceiptRequirements(
        required=True, signature=True, stamp=True, id_number=True, copies=3
    )
    found = ReceiptFindings(signature=True, stamp=True, id_number=True, copies=3)
    assert check_receipt(everything, ReceiptStep.RECEIVED, found) == []
    fewer = ReceiptFindings(signature=True, stamp=True, id_number=True, copies=2)
    assert check_receipt(everything, ReceiptStep.SIGNED, fewer) == [
        "3 copies are required, 2 signed"
    ]


def test_the_register_keeps_what_the_check_found() -> None:
    found = register_abnormal(
        "ab-7", "WB9", "west", ReceiptStep.RECEIVED, ["stamp missing", "1 copy short"], FOUND
    )
    assert found == AbnormalReceipt(
        "ab-7", "WB9", "west", ReceiptStep.RECEIVED, ("stamp missing", "1 copy short"), FOUND
    )


def test_a_sealed_envelope_keeps_its_id_branches_list_and_time() -> None:
    env = seal_envelope("e9", DESTINATION, ORIGIN, ["W2", "W1"], FOUND)
    assert env == Envelope("e9", DESTINATION, ORIGIN, ("W2", "W1"), FOUND)
