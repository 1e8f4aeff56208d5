"""The branch desk's route and its release lines (services/console/domain/desk.py): a route as
the logistics API answers it, and the values every requirement and refusal is worded with."""

from __future__ import annotations

import pytest

from services.console.domain.desk import Line, Route, refusal_lines, requirement_lines

pytestmark = pytest.mark.quick


def test_a_route_is_read_from_the_logistics_answer() -> None:
    route = Route.of(
        {"origin_branch": "SH01", "destination_branch": "HZ02", "transfer_branches": ["NJ03", 4]}
    )
    assert route == Route("SH01", "HZ02", ("NJ03", "4"))
    assert route.stations() == ["SH01", "NJ03", "4", "HZ02"]
    direct = Route.of({"origin_branch": "SH01", "destination_branch": "HZ02"})
    assert direct == Route("SH01", "HZ02", ())
    assert Route.of({"origin_branch": 1, "destination_branch": 2, "transfer_branches": None}) == (
        Route("1", "2", ())
    )


def test_each_requirement_is_worded_with_the_consignee_and_the_other_proven_names() -> None:
    needs = {
        "consignee": {"name": "杨民敬"},
        "accepted_names": ["杨民敬", "杨明静", "杨敏静"],
        "requirements": [
            {"code": "exact_name", "text": "the exact name"},
            {"code": "original_id"},
        ],
    }
    assert requirement_lines(needs) == [
        Line(
            "release.needs.exact_name",
            {"name": "杨民敬", "names": "杨明静、杨敏静", "text": "the exact name"},
        ),
        Line(
            "release.needs.original_id", {"name": "杨民敬", "names": "杨明静、杨敏静", "text": ""}
        ),
    ]


def test_requirements_without_a_consignee_name_or_proven_names_are_worded_blank() -> None:
    needs = {"consignee": {}, "requirements": [{"code": "delegate", "text": "t"}]}
    assert requirement_lines(needs) == [
        Line("release.needs.delegate", {"name": "", "names": "", "text": "t"})
    ]
    no_consignee = {"consignee": None, "accepted_names": None, "requirements": [{"code": "x"}]}
    assert requirement_lines(no_consignee) == [
        Line("release.needs.x", {"name": "", "names": "", "text": ""})
    ]
    assert requirement_lines({}) == []


def test_each_refusal_keeps_its_own_reason_and_the_names_at_the_counter() -> None:
    lines = refusal_lines(
        ["name_differs", "delegate_no_id", "phone_not_confirmed"],
        ["the name differs", "no id"],
        presented="杨明静",
        consignee="杨民敬",
        delegate="王五",
    )
    names = {"name": "杨明静", "consignee": "杨民敬", "delegate": "王五"}
    assert lines == [
        Line("release.refused.name_differs", {**names, "text": "the name differs"}),
        Line("release.refused.delegate_no_id", {**names, "text": "no id"}),
        # more codes than reasons: the code stands for its missing reason
        Line("release.refused.phone_not_confirmed", {**names, "text": "phone_not_confirmed"}),
    ]
    assert refusal_lines([], ["x"], presented="", consignee="", delegate="") == []
