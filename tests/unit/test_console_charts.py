"""The report pages' SVG charts: the scale's top, where each bar and point goes and what it
says, the picture as drawn (escaped), nothing drawn for nothing."""

from __future__ import annotations

import pytest

from services.console.domain.charts import (
    Mark,
    Series,
    bar_chart,
    bars,
    figure,
    line_chart,
    nice_max,
    points,
    tick,
    top_of,
)

pytestmark = pytest.mark.quick


@pytest.mark.parametrize(
    ("value", "top"),
    [
        (-3, 1),
        (0, 1),
        (0.1, 0.1),
        (0.3, 0.5),
        (1, 1),
        (1.5, 2),
        (2, 2),
        (3, 5),
        (5, 5),
        (6, 10),
        (10, 10),
        (11, 20),
        (47, 50),
        (150, 200),
        (501, 1000),
    ],
)
def test_the_scale_tops_at_one_two_or_five_times_a_power_of_ten(value: float, top: float) -> None:
    assert nice_max(value) == pytest.approx(top)


def test_the_top_is_over_every_figure_of_every_series_and_ignores_none() -> None:
    assert top_of([Series("a", (3, None)), Series("b", (None, 7))]) == 10
    assert top_of([Series("a", (None,))]) == 1
    assert top_of([]) == 1


def test_grouped_bars_each_in_its_slot_and_as_tall_as_its_figure() -> None:
    marks = bars(["A", "B"], [Series("x", (3, 4)), Series("y", (1,))])
    # Two slots of 296 over the 592 between the margins; two bars of 118.4 in 80 % of each;
    # the scale tops at 5 over a plot 184 high, its baseline at 200.
    assert marks == [
        Mark("A", "x", 3, 69.6, 89.6, 118.4, 110.4, 0),
        Mark("A", "y", 1, 188.0, 163.2, 118.4, 36.8, 1),
        Mark("B", "x", 4, 365.6, 52.8, 118.4, 147.2, 0),
        Mark("B", "y", None, 484.0, 200.0, 118.4, 0.0, 1),
    ]


def test_the_seventh_series_takes_the_first_colour_again() -> None:
    many = [Series(str(n), (1,)) for n in range(7)]
    assert [m.colour for m in bars(["A"], many)] == [0, 1, 2, 3, 4, 5, 0]
    assert [m.colour for m in points(["A"], many)] == [0, 1, 2, 3, 4, 5, 0]


def test_points_at_the_middle_of_each_slot_series_by_series() -> None:
    marks = points(["W1", "W2"], [Series("a", (2, None)), Series("b", (1.5, 4))])
    assert marks == [
        Mark("W1", "a", 2, 188.0, 126.4, 0, 0, 0),
        Mark("W2", "a", None, 484.0, 200.0, 0, 0, 0),
        Mark("W1", "b", 1.5, 188.0, 144.8, 0, 0, 1),
        Mark("W2", "b", 4, 484.0, 52.8, 0, 0, 1),
    ]


def test_nothing_to_draw_draws_nothing() -> None:
    for draw in (bars, points):
        assert draw([], [Series("a", ())]) == []
        assert draw(["A"], []) == []
    assert bar_chart("t", [], []) == ""
    assert line_chart("t", ["A"], []) == ""


@pytest.mark.parametrize(
    ("value", "text"), [(None, "—"), (0, "0"), (3, "3"), (3.0, "3"), (2.5, "2.5"), (30.04, "30.0")]
)
def test_figures_read_as_people_write_them(value: float | None, text: str) -> None:
    assert figure(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (5, "5"),
        (9_999, "9999"),
        (10_000, "10k"),
        (12_500, "12.5k"),
        (200_000, "200k"),
        (500_000, "500k"),
        (1_000_000, "1M"),
        (1_500_000, "1.5M"),
    ],
)
def test_the_scales_top_is_written_short_for_the_margin(value: float, text: str) -> None:
    assert tick(value) == text


def test_a_chart_of_large_figures_writes_its_top_in_thousands() -> None:
    drawn = bar_chart("t", ["A"], [Series("s", (150_000,))])
    assert '<text class="tick" x="36" y="16">200k</text>' in drawn
    assert 'data-value="150000"' in drawn


def test_a_bar_chart_as_drawn_with_its_title_escaped() -> None:
    drawn = bar_chart("周 <报>", ["工程部&"], [Series("新增", (3,))])
    assert drawn == (
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 640 240"'
        ' role="img" aria-label="周 &lt;报&gt;"><title>周 &lt;报&gt;</title>'
        '<line class="axis" x1="40" y1="200" x2="632" y2="200"/>'
        '<text class="tick" x="36" y="200">0</text><text class="tick" x="36" y="16">5</text>'
        '<rect class="s0" x="99.2" y="89.6" width="473.6" height="110.4"'
        ' data-label="工程部&amp;" data-series="新增" data-value="3">'
        "<title>工程部&amp; · 新增: 3</title></rect>"
        '<text class="name" x="336.0" y="216">工程部&amp;</text></svg>'
    )


def test_a_line_chart_as_drawn_leaving_out_points_without_a_figure() -> None:
    drawn = line_chart("趋势", ["W1", "W2"], [Series("a", (2, None)), Series("b", (1.5, 4))])
    assert drawn == (
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 640 240"'
        ' role="img" aria-label="趋势"><title>趋势</title>'
        '<line class="axis" x1="40" y1="200" x2="632" y2="200"/>'
        '<text class="tick" x="36" y="200">0</text><text class="tick" x="36" y="16">5</text>'
        '<polyline class="line s0" points="188.0,126.4"/>'
        '<circle class="s0" cx="188.0" cy="126.4" r="3" data-label="W1" data-series="a"'
        ' data-value="2"><title>W1 · a: 2</title></circle>'
        '<polyline class="line s1" points="188.0,144.8 484.0,52.8"/>'
        '<circle class="s1" cx="188.0" cy="144.8" r="3" data-label="W1" data-series="b"'
        ' data-value="1.5"><title>W1 · b: 1.5</title></circle>'
        '<circle class="s1" cx="484.0" cy="52.8" r="3" data-label="W2" data-series="b"'
        ' data-value="4"><title>W2 · b: 4</title></circle>'
        '<text class="name" x="188.0" y="216">W1</text>'
        '<text class="name" x="484.0" y="216">W2</text></svg>'
    )


def test_the_line_of_a_seventh_series_takes_the_first_colour() -> None:
    many = [Series(str(n), (1,)) for n in range(7)]
    drawn = line_chart("t", ["A"], many)
    assert drawn.count('class="line s0"') == 2
