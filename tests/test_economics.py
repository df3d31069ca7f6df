"""Tests for gapscore.models.economics.

Expected numbers are hand-worked (written out in each docstring) or follow from an
independent restatement of the definition (cost = price x tokens / 1e6).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gapscore.models.economics import (
    DEFAULT_TARGET_BAND,
    EconomicsResult,
    assess_economics,
    unit_economics,
    viable_year,
)
from gapscore.models.exceptions import InputError


def curve(years, prices, spread=2.0) -> pd.DataFrame:
    """A cost projection with low = price / spread and high = price * spread."""
    prices = np.asarray(prices, dtype=float)
    return pd.DataFrame(
        {"year": list(years), "price": prices, "low": prices / spread, "high": prices * spread}
    )


def test_hand_worked_inference_share():
    """$10 per 1M tokens x 2,000 tokens = $0.02 a unit; / $0.10 revenue = 20% share.

    Gross margin 1 - 0.20 = 80%, or 70% with 10% other cost of goods. The interval
    (low $5, high $20) gives shares 10% and 40%, margins 60% (from the high price)
    to 90% (from the low price) without other costs.
    """
    table = unit_economics(
        curve([2024], [10.0]), tokens_per_unit=2000, revenue_per_unit=0.10
    ).iloc[0]
    assert table["cost_per_unit"] == pytest.approx(0.02)
    assert table["inference_share"] == pytest.approx(0.20)
    assert table["gross_margin"] == pytest.approx(0.80)
    assert table["share_low"] == pytest.approx(0.10)
    assert table["share_high"] == pytest.approx(0.40)
    assert table["margin_low"] == pytest.approx(0.60)
    assert table["margin_high"] == pytest.approx(0.90)
    assert table["status"] == "above" and not table["meets_target"]

    with_cogs = unit_economics(
        curve([2024], [10.0]), tokens_per_unit=2000, revenue_per_unit=0.10, other_cogs_share=0.1
    ).iloc[0]
    assert with_cogs["gross_margin"] == pytest.approx(0.70)
    assert with_cogs["inference_share"] == pytest.approx(0.20)


def test_status_against_the_band():
    """Hand-worked: prices 10, 4, 1.5 -> shares 20%, 8%, 3% -> above, in band, below."""
    table = unit_economics(
        curve([2024, 2025, 2026], [10.0, 4.0, 1.5]), tokens_per_unit=2000, revenue_per_unit=0.10
    )
    np.testing.assert_allclose(table["inference_share"], [0.20, 0.08, 0.03])
    assert table["status"].tolist() == ["above", "in_band", "below"]
    assert table["meets_target"].tolist() == [False, True, True]
    assert DEFAULT_TARGET_BAND == (0.05, 0.10)


def test_viable_year_hand_worked():
    """Prices 10, 1, 0.1 (interval x/10 .. x*10), 2,000 tokens, $0.10 a unit.

    Central shares 20%, 2%, 0.2% -> first <= 10% in 2024. Low prices 1, 0.1, 0.01 ->
    2% already in 2023. High prices 100, 10, 1 -> 200%, 20%, 2% -> 2025.
    """
    cost = curve([2023, 2024, 2025], [10.0, 1.0, 0.1], spread=10.0)
    assert viable_year(cost, tokens_per_unit=2000, revenue_per_unit=0.10) == (2024, 2023, 2025)
    result = assess_economics(cost, tokens_per_unit=2000, revenue_per_unit=0.10)
    assert isinstance(result, EconomicsResult)
    assert (result.viable_year, result.low, result.high) == (2024, 2023, 2025)
    assert result.target_share == (0.05, 0.10)
    assert len(result.table) == 3
    with pytest.raises(AttributeError):
        result.viable_year = 2030  # frozen


def test_viable_year_already_and_never():
    """Hand-worked: a share of 2% in the first year -> that year; 200% throughout -> None."""
    cheap = curve([2020, 2021], [1.0, 0.5])
    assert viable_year(cheap, tokens_per_unit=2000, revenue_per_unit=0.10) == (2020, 2020, 2020)
    dear = curve([2020, 2021], [100.0, 90.0])
    assert viable_year(dear, tokens_per_unit=2000, revenue_per_unit=0.10) == (None, None, None)
    # Only the optimistic edge gets there: central 200%, 18%; low price 0.1 -> 0.2% in 2020.
    mixed = curve([2020, 2021], [100.0, 9.0], spread=1000.0)
    assert viable_year(mixed, tokens_per_unit=2000, revenue_per_unit=0.10) == (None, 2020, None)


def test_target_as_single_share_and_years_subset():
    """Hand-worked: with a 25% target, 20% already qualifies; years picks rows."""
    cost = curve([2023, 2024, 2025], [10.0, 4.0, 1.5])
    year, _, _ = viable_year(cost, tokens_per_unit=2000, revenue_per_unit=0.10, target_share=0.25)
    assert year == 2023
    table = unit_economics(
        cost, tokens_per_unit=2000, revenue_per_unit=0.10, years=[2025, 2024]
    )
    assert table["year"].tolist() == [2024, 2025]


def test_unsorted_projection_is_sorted_by_year():
    cost = curve([2026, 2024, 2025], [1.5, 10.0, 4.0])
    table = unit_economics(cost, tokens_per_unit=2000, revenue_per_unit=0.10)
    assert table["year"].tolist() == [2024, 2025, 2026]
    np.testing.assert_allclose(table["price"], [10.0, 4.0, 1.5])


@pytest.mark.parametrize(
    ("cost", "kwargs", "match"),
    [
        (curve([2024], [10.0]).drop(columns="low"), {}, "low"),
        (curve([2024], [10.0]).assign(low=20.0), {}, "low <= price <= high"),
        (curve([2024], [10.0]).assign(price=0.0, low=0.0), {}, "positive"),
        (curve([2024, 2024], [10.0, 9.0]), {}, "more than one row"),
        (curve([2024.5], [10.0]), {}, "whole years"),
        (curve([2024], [10.0]), {"years": [2030]}, "2030"),
        (curve([2024], [10.0]), {"tokens_per_unit": 0}, "tokens_per_unit"),
        (curve([2024], [10.0]), {"revenue_per_unit": -1.0}, "revenue_per_unit"),
        (curve([2024], [10.0]), {"other_cogs_share": 1.2}, "other_cogs_share"),
        (curve([2024], [10.0]), {"target_share": (0.2, 0.1)}, "target_share"),
        (curve([2024], [10.0]), {"target_share": 10}, "target_share"),
        ("not a frame", {}, "DataFrame"),
    ],
)
def test_bad_inputs_are_named(cost, kwargs, match):
    kwargs = {"tokens_per_unit": 2000, "revenue_per_unit": 0.10, **kwargs}
    with pytest.raises(InputError, match=match):
        unit_economics(cost, **kwargs)


@settings(max_examples=60, deadline=None)
@given(
    start=st.floats(0.01, 1000.0),
    decline=st.floats(1.1, 20.0),
    spread=st.floats(1.0, 10.0),
    tokens=st.floats(10.0, 1e6),
    revenue=st.floats(1e-4, 10.0),
)
def test_falling_prices_give_ordered_years(start, decline, spread, tokens, revenue):
    """Property: with prices falling every year, low year <= year <= high year, and
    every year on or after the viable year meets the target."""
    years = list(range(2020, 2035))
    prices = start / decline ** np.arange(len(years))
    cost = curve(years, prices, spread=spread)
    kw = dict(tokens_per_unit=tokens, revenue_per_unit=revenue)
    year, low, high = viable_year(cost, **kw)
    order = [y if y is not None else np.inf for y in (low, year, high)]
    assert order[0] <= order[1] <= order[2]
    table = unit_economics(cost, **kw)
    assert (table["share_low"] <= table["inference_share"] + 1e-15).all()
    assert (table["inference_share"] <= table["share_high"] + 1e-15).all()
    if year is not None:
        assert table.loc[table["year"] >= year, "meets_target"].all()
        assert not table.loc[table["year"] < year, "meets_target"].any()


# --- every bundled sector's cost curve stays physical (issue 17) ------------------------

import math  # noqa: E402

from gapscore.scoring.signals import sector as sig_mod  # noqa: E402
from gapscore.scoring.inputs.config import load_config  # noqa: E402
from gapscore.scoring.inputs.datasets import DataStore  # noqa: E402

AS_OF = pd.Timestamp("2025-12-01")


@pytest.fixture(scope="module")
def bundled():
    return DataStore(), load_config()


def test_every_sector_projection_is_bounded_and_above_the_floor(bundled):
    """Five years past the as-of date the central projection falls by at most
    exp(5 r_lr + (r0 - r_lr) tau) (the bound the docs state), and nothing is below the
    floor; every sector with a price series gets a shrunk rate."""
    store, cfg = bundled
    lr = sig_mod.long_run_rates(cfg)["central"]
    seen = 0
    for sid, table in store.sectors().items():
        cost = sig_mod._cost(store, table, AS_OF, cfg)
        if cost is None or cost.status != "ok":
            continue
        seen += 1
        dates = pd.date_range(AS_OF, periods=16, freq="12MS")
        frame = cost.project(dates, 0.9)
        assert (frame["low"] >= frame["floor"] * (1 - 1e-12)).all() and (frame["price"] >= frame["floor"] * (1 - 1e-12)).all()
        fall = frame["price"].iloc[0] / frame["price"].iloc[5]
        proj = cost.projection
        if not cost.from_compute:
            # the floor of the smallest model known on the date to reach the series' threshold
            assert frame["floor"].iloc[0] == pytest.approx(sig_mod.token_floor(cfg, table["cost"], AS_OF))
            r0, rl = -proj.shrunk.slope, -lr.slope
            assert fall <= math.exp(5 * rl + max(r0 - rl, 0) * proj.tau_) * (1 + 1e-9)
            assert cost.shrunk is not None and cost.shrunk.pool is not None
        else:  # compute sectors: hardware trend x algorithmic rate, no faster
            assert fall <= cost.ci90[1] ** 5
    assert seen >= 6


def test_vision_and_speech_have_cost_and_economics_from_cited_inputs(bundled):
    """Both legs of the milestone: a compute cost curve and unit economics, with revenue
    from a dated cloud list price; before the inputs' dates there is neither."""
    store, cfg = bundled
    for sid, revenue in (("computer_vision", 1.50), ("speech_recognition", 1.44)):
        sig = sig_mod.sector_signals(store, sid, AS_OF, cfg)
        assert sig.cost.status == "ok" and sig.cost.unit.startswith("USD per ")
        assert isinstance(sig.economics, pd.DataFrame) and len(sig.economics)
        year, low, high, already = sig.economics_by_target[round(cfg["economics"]["target_share"], 6)]
        assert already and year == AS_OF.year  # inference is a tiny share of the list price
        assert (sig.economics["inference_share"] < 0.01).all()
        early = sig_mod.sector_signals(store, sid, pd.Timestamp("2019-01-01"), cfg)
        assert early.cost.status == "insufficient_data" and early.economics is None


def test_cost_projection_is_point_in_time(tmp_path, bundled):
    """A price dated after the as-of date (a far cheaper model scoring high on every
    benchmark) changes no sector's fitted or shrunk rate, pool or projection."""
    _, cfg = bundled
    (tmp_path / "prices.csv").write_text(
        "model,date,usd_per_mtok,provider,mmlu,gpqa_diamond,humaneval,math500,verified,source\n"
        "Future,2026-01-15,0.0001,X,99,99,99,99,True,test row\n"
    )
    base, more = DataStore(), DataStore(tmp_path)
    assert len(more.load("prices")) == len(base.load("prices")) + 1
    dates = pd.to_datetime(["2024-07-01", "2027-07-01"])
    for sid in ("llm_assistants", "code_assistants", "computer_use_agents"):
        a = sig_mod._cost(base, base.sector(sid), AS_OF, cfg)
        b = sig_mod._cost(more, more.sector(sid), AS_OF, cfg)
        assert a.decline_factor_per_year == b.decline_factor_per_year and a.shrunk_factor == b.shrunk_factor
        pd.testing.assert_frame_equal(a.project(dates, 0.8), b.project(dates, 0.8))


def test_bundled_token_floor_follows_the_smallest_model_known(bundled):
    """GPT-4 level (MMLU >= 86.4): the 1B default before any model with a published
    parameter count reached it; Llama 3.1 405B (2 x 405e9 FLOP a token: 8.1e17 FLOP per
    1M tokens x 9.9e-14 J / 3.6e6 J/kWh x $0.08 = $1.782e-3) from July 2024; gpt-oss-120b
    (5.1B active: $2.244e-5) from August 2025."""
    store, cfg = bundled
    spec = store.sector("llm_assistants")["cost"]
    assert sig_mod.token_floor(cfg, spec, pd.Timestamp("2024-01-01")) == pytest.approx(4.4e-6)
    assert sig_mod.floor_model(cfg, spec, pd.Timestamp("2024-01-01")).model is None
    assert sig_mod.token_floor(cfg, spec, pd.Timestamp("2024-08-01")) == pytest.approx(1.782e-3)
    assert sig_mod.token_floor(cfg, spec, AS_OF) == pytest.approx(2.244e-5)
    assert sig_mod.floor_model(cfg, spec, AS_OF).model == "gpt-oss-120b"
    cost = sig_mod._cost(store, store.sector("llm_assistants"), AS_OF, cfg)
    assert "gpt-oss-120b" in cost.describe() and "5.1B active parameters" in cost.describe()


def test_viability_reason_names_the_year_it_became_viable(bundled):
    """Not the as-of year: the first year the cost per unit (as estimated on the date)
    is below the target share, or 'since at least' the first year with an estimate."""
    from gapscore.scoring.signals.scores import score_sector, viable_reason

    assert viable_reason(0.1, (2023, True), AS_OF).endswith("below 10% of revenue since 2023 (the first year the cost per unit, "
                                                             "as estimated on 2025-12-01, is below it)")
    assert viable_reason(0.1, (2021, False), AS_OF) == ("unit economics already viable at the as-of date: inference below 10% "
                                                        "of revenue since at least 2021, the first year with a cost estimate")
    store, cfg = bundled
    # Language understanding: $50 per 1,000 documents of 2M tokens; 10% is $2.5 per 1M tokens.
    # GPT-3 cost $20-60 (2021-2022); GPT-3.5 Turbo $2 from March 2023.
    sig = sig_mod.sector_signals(store, "language_understanding", AS_OF, cfg)
    assert sig.economics_since == (2023, True)
    reasons = score_sector(store, "language_understanding", AS_OF, cfg).reasons
    assert any("below 10% of revenue since 2023" in r for r in reasons)
    assert not any("since 2025" in r and "unit economics" in r for r in reasons)
    # Computer vision: revenue known from 2025-01-01, viable from the first year it is known.
    assert sig_mod.sector_signals(store, "computer_vision", AS_OF, cfg).economics_since == (2025, False)


def test_a_one_model_price_series_says_too_short(bundled):
    """LLM assistants on 2023-12-31: one model (GPT-4 Turbo) at MMLU >= 86.4."""
    from gapscore.scoring.signals.scores import score_sector

    store, cfg = bundled
    reasons = score_sector(store, "llm_assistants", pd.Timestamp("2023-12-31"), cfg).reasons
    assert "unit economics not estimated: price series too short to fit (1 model at mmlu >= 86.4 by 2023-12-31)" in reasons
    assert not any("no price series" in r for r in reasons)


def test_no_priced_model_yet_says_so(bundled):
    """Math/science assistants on 2023-12-31: no priced model at MATH-500 >= 90 (o1-mini, 2024-09, is the first)."""
    from gapscore.scoring.signals.scores import score_sector

    store, cfg = bundled
    reasons = score_sector(store, "math_science_assistants", pd.Timestamp("2023-12-31"), cfg).reasons
    assert "unit economics not estimated: no priced model at math500 >= 90 by 2023-12-31 yet" in reasons
