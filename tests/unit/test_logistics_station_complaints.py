"""Complaints per station on the monthly scorecard (监督考评联盟质量运营): counted beside the
delays, exceptions, truck checks, receipts and violations, a station with only complaints
listed too."""

from __future__ import annotations

import pytest

from services.logistics.domain import StationScore, station_scorecards

pytestmark = pytest.mark.quick


def test_duty_station_scorecard_counts_complaints_per_station() -> None:
    lines = station_scorecards(
        delays={"CD01": 2},
        exceptions=[],
        truck_checks={},
        receipts_late={},
        abnormal={},
        violations={},
        complaints={"CD01": 3, "WH01": 1},
    )
    assert [(x.station, x.delays, x.complaints) for x in lines] == [("CD01", 2, 3), ("WH01", 0, 1)]


def test_duty_station_scorecard_without_complaints_counts_none() -> None:
    [line] = station_scorecards(
        delays={"CD01": 1},
        exceptions=[],
        truck_checks={},
        receipts_late={},
        abnormal={},
        violations={},
    )
    assert line == StationScore(
        station="CD01",
        delays=1,
        exceptions={"damage": 0, "shortage": 0, "mismatch": 0},
    )
    assert line.complaints == 0
