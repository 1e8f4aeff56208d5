"""Material acceptance (《家装公司工作流程》七、材料验收: 按合同规定的材料要求核对数量,品牌,型号,质量)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from services.projects.domain import (
    CHECKED,
    NOT_CONTRACTED,
    ContractedItem,
    DeliveredItem,
    check_materials,
    open_project,
)
from shared.contracts.values import Stage
from shared.errors import DomainError, Invalid

pytestmark = pytest.mark.quick

AT = datetime(2026, 3, 9, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
SITE = replace(open_project("p-1", "c-1", AT), stage=Stage.WORKS_STARTED)
PAINT = ContractedItem("paint", "Nippon", "A-100", Decimal(6))
TILE = ContractedItem("tile", "东鹏", "YF-600", Decimal(40))
TILE_B = ContractedItem("tile", "东鹏", "YF-300", Decimal(12))
CONTRACT = (PAINT, TILE, TILE_B)


def test_duty_material_check_names_each_mismatch_item_by_item() -> None:
    """核对数量,品牌,型号,质量: each delivered item against the contracted one of its category
    (the same model first); every mismatch is named, in the manual's order."""
    assert CHECKED == ("quantity", "brand", "model", "quality")
    delivered = [
        DeliveredItem("Paint ", "nippon", "a-100", Decimal(6)),  # case and spaces aside: a match
        DeliveredItem("tile", "东鹏", "YF-300", Decimal(10), quality_ok=False, note="两箱破损"),
        DeliveredItem("tile", "马可波罗", "YF-600", Decimal(40)),
        DeliveredItem("flooring", "圣象", "K-1", Decimal(30)),
    ]
    check = check_materials(SITE, CONTRACT, delivered, "eng-1", AT)
    results = [(i.expected, i.mismatches) for i in check.items]
    assert results == [
        (PAINT, ()),
        (TILE_B, ("quantity", "quality")),
        (TILE, ("brand",)),
        (None, (NOT_CONTRACTED,)),
    ]
    assert check.missing == () and not check.passed
    assert (check.at, check.checked_by) == (AT, "eng-1")


def test_a_check_passes_only_when_everything_contracted_arrived_and_matched() -> None:
    exact = [DeliveredItem(c.category, c.brand, c.model, c.quantity) for c in CONTRACT]
    assert check_materials(SITE, CONTRACT, exact, "eng-1", AT).passed
    short = check_materials(SITE, CONTRACT, exact[:2], "eng-1", AT)
    assert short.missing == (TILE_B,) and not short.passed
    wrong_model = [DeliveredItem("paint", "Nippon", "A-200", Decimal(6))]
    assert check_materials(SITE, (PAINT,), wrong_model, "eng-1", AT).items[0].mismatches == (
        "model",
    )
    bad_and_unknown = [DeliveredItem("glass", quality_ok=False)]
    [unknown] = check_materials(SITE, (PAINT,), bad_and_unknown, "eng-1", AT).items
    assert unknown.mismatches == (NOT_CONTRACTED, "quality")
    # What the contract leaves open is not checked: no quantity, brand or model named.
    loose = ContractedItem("fixture")
    assert check_materials(
        SITE, (loose,), [DeliveredItem("fixture", "X", "Y", Decimal(3))], "e", AT
    ).passed


def test_material_check_refusals() -> None:
    for stage in (Stage.CONTRACT, Stage.COMPLETED):
        with pytest.raises(DomainError) as idle:
            check_materials(replace(SITE, stage=stage), CONTRACT, [DeliveredItem("paint")], "e", AT)
        assert idle.value.code == "not_under_construction"
    with pytest.raises(DomainError) as none:
        check_materials(SITE, (), [DeliveredItem("paint")], "e", AT)
    assert none.value.code == "no_materials"
    with pytest.raises(Invalid) as empty:
        check_materials(SITE, CONTRACT, [], "e", AT)
    assert empty.value.field == "items"
    with pytest.raises(Invalid):
        check_materials(SITE, CONTRACT, [DeliveredItem("paint")], "e", AT.replace(tzinfo=None))
