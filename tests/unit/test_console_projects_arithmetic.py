"""The console's money arithmetic over generated amounts (Hypothesis, derandomised; no deadline:
the machine the quick suite runs on may be busy): an amount shown in yuan reads back as the
same fen, and the plan's totals add up over any split of its instalments."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.console.domain.projects import PlanTotals, fen_of, plan_totals, yuan

pytestmark = pytest.mark.quick

FEN = st.integers(min_value=0, max_value=10**12)
ROWS = st.lists(
    st.fixed_dictionaries(
        {"amount_fen": FEN, "paid_fen": FEN, "outstanding_fen": FEN},
        optional={"note": st.text(max_size=3)},
    ),
    max_size=8,
)


@settings(max_examples=100, derandomize=True, deadline=None)
@given(fen=FEN)
def test_an_amount_shown_in_yuan_reads_back_as_the_same_fen(fen: int) -> None:
    shown = yuan(fen)
    assert shown.startswith("¥")
    assert fen_of(shown) == fen
    whole, cents = divmod(fen, 100)
    assert fen_of(str(whole)) == whole * 100
    assert fen_of(f"{whole}.{cents // 10}") == whole * 100 + cents // 10 * 10


@settings(max_examples=100, derandomize=True, deadline=None)
@given(rows=ROWS, cut=st.integers(min_value=0, max_value=8))
def test_the_plans_totals_add_up_over_any_split_of_its_instalments(
    rows: list[dict[str, object]], cut: int
) -> None:
    whole = plan_totals(rows)
    first, rest = plan_totals(rows[:cut]), plan_totals(rows[cut:])
    assert whole == PlanTotals(
        first.amount_fen + rest.amount_fen,
        first.paid_fen + rest.paid_fen,
        first.outstanding_fen + rest.outstanding_fen,
    )
    assert whole.amount_fen == sum(int(str(r["amount_fen"])) for r in rows)
