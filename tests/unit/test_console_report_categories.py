"""The report pages' newer tables: intake's complaints by category (the week, and week by week
over the trend) and logistics' delays per route and per station, mapped figure for figure."""

from __future__ import annotations

from typing import Any

import pytest

from services.console.domain.reports import (
    ROUTES,
    Column,
    complaint_categories,
    complaint_trend_by,
    route_delays,
    station_delays,
)

pytestmark = pytest.mark.quick


def weekly(week: str, **departments: dict[str, int]) -> dict[str, Any]:
    total: dict[str, int] = {}
    for counts in departments.values():
        for category, n in counts.items():
            total[category] = total.get(category, 0) + n
    return {
        "week": week,
        "departments": [
            {"department": d, "opened": sum(c.values()), "by_cause": {}, "by_category": c}
            for d, c in departments.items()
        ],
        "by_cause": {},
        "by_category": total,
    }


W47 = weekly("2026-W47", engineering={"quality": 3, "delay": 1}, design={"service": 2})
W48 = weekly("2026-W48", design={"delay": 1, "billing": 4})


def test_the_weeks_categories_over_every_department_or_one() -> None:
    table = complaint_categories(W47)
    assert table.name == "report.complaints.categories"
    assert table.columns == (
        Column("report.category", label="complaint.category"),
        Column("report.opened"),
    )
    assert table.rows == (("quality", 3), ("delay", 1), ("service", 2))
    assert complaint_categories(W47, "design").rows == (("service", 2),)
    assert complaint_categories(W47, "finance").rows == ()


def test_the_trend_per_category_and_for_one_department() -> None:
    table = complaint_trend_by([W47, W48], "category")
    assert table.name == "report.complaints.trend_category"
    assert [c.key for c in table.columns] == [
        "report.week",
        "complaint.category.quality",
        "complaint.category.delay",
        "complaint.category.service",
        "complaint.category.billing",
    ]
    assert table.rows == (("2026-W47", 3, 1, 2, 0), ("2026-W48", 0, 1, 0, 4))
    one = complaint_trend_by([W47, W48], "category", "design")
    assert [c.key for c in one.columns] == [
        "report.week",
        "complaint.category.service",
        "complaint.category.delay",
        "complaint.category.billing",
    ]
    assert one.rows == (("2026-W47", 2, 0, 0), ("2026-W48", 0, 1, 4))


def route(origin: str, destination: str, shipments: int, delayed: int) -> dict[str, Any]:
    rate = round(delayed * 100 / shipments, 1)
    return {
        "origin_branch": origin,
        "destination_branch": destination,
        "shipments": shipments,
        "delayed": delayed,
        "delay_rate_pct": rate,
    }


DELAYS = {
    "month": "2026-11",
    "region": None,
    "shipments": 13,
    "delayed": 5,
    "delay_rate_pct": 38.5,
    "routes": [route("SH01", "CD01", 4, 3), route("BJ02", "SH01", 8, 2), route("A", "B", 1, 0)],
    "stations": [{"station": "WH01", "delays": 4}, {"station": "CD01", "delays": 1}],
}


def test_the_routes_in_logistics_order_with_their_rate() -> None:
    table = route_delays(DELAYS)
    assert table.name == "report.logistics.routes"
    assert [c.key for c in table.columns] == [
        "report.route",
        "report.delays.shipments",
        "report.delays.delayed",
        "report.delays.delay_rate_pct",
    ]
    assert table.rows == (
        ("SH01 → CD01", 4, 3, 75.0),
        ("BJ02 → SH01", 8, 2, 25.0),
        ("A → B", 1, 0, 0.0),
    )


def test_at_most_the_twenty_worst_routes() -> None:
    many = {**DELAYS, "routes": [route(f"O{i:02d}", "D", 2, 1) for i in range(ROUTES + 3)]}
    assert ROUTES == 20
    rows = route_delays(many).rows
    assert len(rows) == 20 and rows[-1][0] == "O19 → D"
    assert route_delays(DELAYS, 1).rows == (("SH01 → CD01", 4, 3, 75.0),)


def test_the_delay_reports_per_station() -> None:
    table = station_delays(DELAYS)
    assert table.name == "report.logistics.station_delays"
    assert table.columns == (Column("report.station"), Column("report.scores.delays"))
    assert table.rows == (("WH01", 4), ("CD01", 1))
