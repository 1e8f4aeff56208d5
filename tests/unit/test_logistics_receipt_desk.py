"""The receipt desk (回单管理流程, 回单规范要求, 回单管理及签收标准考核): who takes each step,
what a signed receipt is checked against, custody, and the duties around them."""

from __future__ import annotations

import pytest

from services.logistics.domain import STEP_PARTY, ReceiptParty, check_step_party
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
