"""Tests of gapscore.models.cost: constant-capability frontier, cost trend, hardware."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gapscore.models._frontier import decimal_year, from_decimal_year
from gapscore.models.cost import (
    API_MARKUP_HIGH,
    API_MARKUP_LOW,
    SEED_ARTICLE,
    CostCurve,
    CostResult,
    SteppedCostCurve,
    api_markup,
    constant_capability_frontier,
    decompose_decline,
    fit_cost,
    hardware_cost_multiplier,
    hardware_step,
)
from gapscore.models.exceptions import InputError, InsufficientDataError, NotFittedError

FIXTURES = Path(__file__).parent / "fixtures" / "epoch_llm_prices"
EPOCH_FILES = ("aa_data_with_math5.csv", "epoch_ai_price_data_not_in_aa_with_benchmarks.csv")
# Epoch's column names -> the project's prices schema (benchmark ids from the brief).
EPOCH_COLUMNS = {
    "Model Name": "model",
    "Release Date": "date",
    "USD per 1M Tokens": "usd_per_mtok",
    "MMLU": "mmlu",
    "GPQA Diamond": "gpqa_diamond",
    "HumanEval": "humaneval",
    "MATH-500": "math500",
    "LMSys Chatbot Arena ELO": "chatbot_arena_elo",
    "MATH 5": "math_level5",
}
# Epoch AI, results/default/lowest_price_models_above_previous_frontier/
# lowest_price_models_results.csv (github.com/epoch-research/llm-benchmark-efficiency),
# row "MMLU, GPT-3, [43.9, 100]": 9 models, 2021-11-20 to 2024-10-03.
EPOCH_MMLU_GPT3_FACTOR = 11.772872667426151
EPOCH_MMLU_GPT3_CI90 = (8.287354506876559, 16.724339561970456)
EPOCH_MMLU_GPT3_FRONTIER = [
    ("GPT-3 175B (davinci)", "2021-11-20", 60.0),
    ("GPT-3 175B (davinci)", "2022-09-01", 20.0),
    ("GPT-3.5 Turbo", "2023-03-06", 2.0),
    ("Llama-2-Chat-13B", "2023-07-18", 0.56),
    ("Llama 2-7B", "2023-12-01", 0.2),
    ("Llama 2-7B", "2024-04-14", 0.13),
    ("Llama-3.1-Instruct-8B", "2024-07-23", 0.1),
    ("Llama-3.2-Instruct-3B", "2024-09-24", 0.08),
    ("Gemini-1.5-Flash-8B", "2024-10-03", 0.07),
]


def epoch_prices() -> pd.DataFrame:
    frames = [pd.read_csv(FIXTURES / name) for name in EPOCH_FILES]
    prices = pd.concat(frames, ignore_index=True).rename(columns=EPOCH_COLUMNS)
    prices["date"] = pd.to_datetime(prices["date"])
    return prices


def prices_table(rows) -> pd.DataFrame:
    """rows: (model, date, price, score)."""
    return pd.DataFrame(
        {
            "model": [r[0] for r in rows],
            "date": pd.to_datetime([r[1] for r in rows]),
            "usd_per_mtok": [r[2] for r in rows],
            "provider": "p",
            "mmlu": [r[3] for r in rows],
            "verified": True,
            "source": "hand-made",
        }
    )


# --- frontier ----------------------------------------------------------------------------

HAND_ROWS = [
    ("a", "2021-01-01", 60.0, 45.0),  # first qualifying: kept
    ("b", "2021-06-01", 60.0, 50.0),  # equal price: not strictly lower, dropped
    ("c", "2021-09-01", 1.0, 30.0),  # cheap but below threshold, dropped
    ("d", "2022-01-01", 20.0, 44.0),  # new low: kept
    ("e", "2022-01-01", 10.0, 44.0),  # same day, cheaper: kept (walked first)
    ("f", "2022-06-01", 15.0, 80.0),  # dearer than 10: dropped
    ("g", "2022-09-01", np.nan, 80.0),  # no price: dropped
    ("h", "2023-01-01", 2.0, np.nan),  # no score: dropped
    ("i", "2023-06-01", 5.0, 43.9),  # exactly at threshold, new low: kept
    ("j", "2024-06-01", 1.0, 90.0),  # after as_of in the test: dropped
]


def test_frontier_hand_worked():
    """Hand-worked on HAND_ROWS, threshold 43.9, as of 2024-01-01: a, e, i
    (d is dearer than e on the same day, so e is the day's low and d never is)."""
    frontier = constant_capability_frontier(
        prices_table(HAND_ROWS), benchmark="mmlu", threshold=43.9, as_of="2024-01-01"
    )
    assert list(frontier.columns) == ["model", "date", "price", "score"]
    assert list(frontier["model"]) == ["a", "e", "i"]
    assert list(frontier["price"]) == [60.0, 10.0, 5.0]
    later = constant_capability_frontier(
        prices_table(HAND_ROWS), benchmark="mmlu", threshold=43.9, as_of="2025-01-01"
    )
    assert list(later["model"]) == ["a", "e", "i", "j"]


def test_frontier_rejects_unknown_benchmark():
    with pytest.raises(InputError, match="no score column 'gpqa'"):
        constant_capability_frontier(
            prices_table(HAND_ROWS), benchmark="gpqa", threshold=1.0, as_of="2024-01-01"
        )


# --- CostCurve -------------------------------------------------------------------------


def test_cost_curve_exact_tenfold_decline_by_hand():
    """Hand-worked: 100, 10, 1 USD at 365-day intervals with 365-day years is exactly
    10x per year; the residuals are zero so the 90% interval collapses to (10, 10)."""
    dates = pd.to_datetime(["2021-01-01", "2022-01-01", "2023-01-01"])
    curve = CostCurve(days_per_year=365).fit(dates, [100.0, 10.0, 1.0])
    assert curve.decline_factor_per_year_ == pytest.approx(10.0, rel=1e-12)
    np.testing.assert_allclose(curve.ci90_, (10.0, 10.0), rtol=1e-9)
    assert curve.r_squared_ == pytest.approx(1.0)
    assert curve.predict(pd.to_datetime(["2024-01-01"]))[0] == pytest.approx(0.1, rel=1e-9)
    # The same data in mean Gregorian years (365.2425 days): 10 ** (365.2425 / 365).
    default = CostCurve().fit(dates, [100.0, 10.0, 1.0])
    assert default.decline_factor_per_year_ == pytest.approx(10 ** (365.2425 / 365), rel=1e-12)


def test_cost_curve_matches_statsmodels_reference():
    """Reference implementation: statsmodels OLS on the same design gives the same slope,
    slope CI and prediction interval (obs_ci of get_prediction)."""
    rng = np.random.default_rng(5)
    dates = pd.Timestamp("2021-01-01") + pd.to_timedelta(np.sort(rng.uniform(0, 1400, 8)), unit="D")
    prices = 50 * np.exp(-2.0 * np.arange(8) / 2 + rng.normal(0, 0.4, 8))
    curve = CostCurve(ci=0.8).fit(dates, prices)

    t = decimal_year(dates)
    reference = sm.OLS(np.log(prices), sm.add_constant(t)).fit()
    assert curve.slope_ == pytest.approx(reference.params[1], rel=1e-10)
    slope_low, slope_high = reference.conf_int(alpha=0.2)[1]
    np.testing.assert_allclose(
        curve.decline_ci_, (np.exp(-slope_high), np.exp(-slope_low)), rtol=1e-10
    )
    new = pd.to_datetime(["2025-06-01", "2026-06-01"])
    frame = reference.get_prediction(
        sm.add_constant(decimal_year(new), has_constant="add")
    ).summary_frame(alpha=0.1)
    low, high = curve.predict_interval(new, level=0.9)
    np.testing.assert_allclose(low, np.exp(frame["obs_ci_lower"]), rtol=1e-9)
    np.testing.assert_allclose(high, np.exp(frame["obs_ci_upper"]), rtol=1e-9)
    np.testing.assert_allclose(curve.predict(new), np.exp(frame["mean"]), rtol=1e-9)


def test_year_price_below_solves_the_trend_and_its_band():
    """Independent check: at the returned year the trend equals the price; at low and
    high the upper / lower prediction bounds equal it (the interval's definition)."""
    rng = np.random.default_rng(9)
    dates = pd.Timestamp("2021-01-01") + pd.to_timedelta(np.arange(10) * 120, unit="D")
    prices = 30 * np.exp(-2.3 * np.arange(10) * 120 / 365.2425 + rng.normal(0, 0.3, 10))
    curve = CostCurve().fit(dates, prices)
    year, low, high = curve.year_price_below(0.01)
    assert curve.predict(from_decimal_year(year))[0] == pytest.approx(0.01, rel=1e-6)
    assert low < year < high
    assert curve.predict_interval(from_decimal_year(low))[0][0] == pytest.approx(0.01, rel=1e-6)
    assert curve.predict_interval(from_decimal_year(high))[1][0] == pytest.approx(0.01, rel=1e-6)


def test_year_price_below_when_prices_do_not_fall():
    dates = pd.to_datetime(["2021-01-01", "2022-01-01", "2023-01-01", "2024-01-01"])
    curve = CostCurve().fit(dates, [1.0, 2.0, 1.5, 3.0])
    year, low, high = curve.year_price_below(0.1)
    assert math.isnan(year) and low == -math.inf and high == math.inf


def test_cost_curve_refuses_unfitted_use_and_bad_input():
    curve = CostCurve()
    with pytest.raises(NotFittedError, match="not fitted"):
        curve.predict(["2024-01-01"])
    with pytest.raises(NotFittedError):
        curve.year_price_below(1.0)
    with pytest.raises(InsufficientDataError, match="at least 3 points"):
        curve.fit(pd.to_datetime(["2021-01-01", "2022-01-01"]), [2.0, 1.0])
    with pytest.raises(InputError, match="positive"):
        curve.fit(pd.to_datetime(["2021-01-01", "2022-01-01", "2023-01-01"]), [2.0, 0.0, 1.0])
    with pytest.raises(InputError, match="'ci'"):
        CostCurve(ci=90).fit(
            pd.to_datetime(["2021-01-01", "2022-01-01", "2023-01-01"]), [3.0, 2.0, 1.0]
        )


# --- Epoch AI reference ----------------------------------------------------------------


def test_epoch_files_share_one_header():
    """Both Epoch files carry the same twelve columns, in the same order."""
    headers = [pd.read_csv(FIXTURES / name, nrows=0).columns.tolist() for name in EPOCH_FILES]
    assert headers[0] == headers[1]
    assert set(EPOCH_COLUMNS) <= set(headers[0])


def test_epoch_mmlu_gpt3_level_frontier_and_decline():
    """Reference value: Epoch AI's published MMLU >= 43.9 (GPT-3 level) decline,
    11.7729x per year, 90% CI 8.29-16.72, from both files together.

    The frontier is Epoch's nine models exactly. With the project's mean Gregorian year
    (365.2425 days) we measure 11.7922x (CI 8.2990-16.7557), 0.16% above Epoch; the
    difference is only the year length: with Epoch's 365-day year (CostCurve
    days_per_year=365) the factor and CI match Epoch's to 1e-9.
    """
    prices = epoch_prices()
    result = fit_cost(prices, benchmark="mmlu", threshold=43.9, as_of=pd.Timestamp("2025-03-01"))
    assert isinstance(result, CostResult) and result.status == "ok"
    frontier = [
        (m, d.strftime("%Y-%m-%d"), p)
        for m, d, p in result.frontier[["model", "date", "price"]].itertuples(index=False)
    ]
    assert frontier == EPOCH_MMLU_GPT3_FRONTIER
    assert result.n_points == 9
    assert (result.start, result.end) == (pd.Timestamp("2021-11-20"), pd.Timestamp("2024-10-03"))
    assert result.decline_factor_per_year == pytest.approx(EPOCH_MMLU_GPT3_FACTOR, rel=0.005)
    assert result.decline_factor_per_year == pytest.approx(11.7922, abs=1e-4)
    np.testing.assert_allclose(result.ci90, (8.2990, 16.7557), atol=1e-4)
    assert result.r_squared == pytest.approx(0.96, abs=0.005)

    exact = CostCurve(days_per_year=365).fit(result.frontier["date"], result.frontier["price"])
    assert exact.decline_factor_per_year_ == pytest.approx(EPOCH_MMLU_GPT3_FACTOR, rel=1e-9)
    np.testing.assert_allclose(exact.ci90_, EPOCH_MMLU_GPT3_CI90, rtol=1e-9)


@pytest.mark.parametrize(
    ("threshold", "n_points", "published"),
    [
        (64.8, 7, 15.830914761762989),  # GPT-3.5 level
        (68.0, 6, 9.34724894739857),  # GPT-3.5 Turbo level
        (86.0, 5, 15.85676156770196),  # GPT-4-0314 level
        (87.0, 5, 35.791221662400446),  # GPT-4 Turbo level
    ],
)
def test_epoch_other_mmlu_thresholds(threshold, n_points, published):
    """Reference values: Epoch AI's lowest_price_models_results.csv, MMLU rows. Same
    frontier sizes; with 365-day years the factors match Epoch's to 1e-9, with the
    default year within 0.5% (measured: 15.860, 9.361, 15.886, 35.876)."""
    result = fit_cost(
        epoch_prices(), benchmark="mmlu", threshold=threshold, as_of=pd.Timestamp("2025-03-01")
    )
    assert result.n_points == n_points
    assert result.decline_factor_per_year == pytest.approx(published, rel=0.005)
    exact = CostCurve(days_per_year=365).fit(result.frontier["date"], result.frontier["price"])
    assert exact.decline_factor_per_year_ == pytest.approx(published, rel=1e-9)


def test_epoch_one_file_alone_misses_gpt3():
    """The AA file alone has no GPT-3 row: the frontier starts in 2023 with a different
    decline, which is why both files must be combined."""
    aa = pd.read_csv(FIXTURES / EPOCH_FILES[0]).rename(columns=EPOCH_COLUMNS)
    result = fit_cost(aa, benchmark="mmlu", threshold=43.9, as_of=pd.Timestamp("2025-03-01"))
    assert result.start > pd.Timestamp("2023-01-01")


def test_fit_cost_insufficient_data():
    rows = HAND_ROWS[:2]
    result = fit_cost(
        prices_table(rows), benchmark="mmlu", threshold=43.9, as_of=pd.Timestamp("2024-01-01")
    )
    assert result.status == "insufficient_data" and result.n_points == 1
    assert math.isnan(result.decline_factor_per_year) and result.curve is None
    with pytest.raises(InsufficientDataError, match="only 1 frontier point"):
        result.project(["2025-01-01"])
    with pytest.raises(InsufficientDataError):
        hardware_step(result, date="2025-01-01")
    with pytest.raises(InputError, match="min_points"):
        fit_cost(
            prices_table(rows), benchmark="mmlu", threshold=43.9, as_of="2024-01-01", min_points=2
        )


def test_project_gives_dates_prices_and_bounds():
    result = fit_cost(
        epoch_prices(), benchmark="mmlu", threshold=43.9, as_of=pd.Timestamp("2025-03-01")
    )
    projection = result.project(pd.to_datetime(["2025-06-01", "2026-06-01"]))
    assert list(projection.columns) == ["date", "price", "low", "high"]
    assert np.all(projection["low"] < projection["price"]) and np.all(
        projection["price"] < projection["high"]
    )
    ratio = projection["price"].iloc[0] / projection["price"].iloc[1]
    assert ratio == pytest.approx(result.decline_factor_per_year ** (365 / 365.2425), rel=1e-9)


# --- hardware and pricing --------------------------------------------------------------


def test_b200_hardware_step_from_the_seed_article():
    """Seed article: B200 at 4x the H100's throughput for ~1.4x its price -> cost x0.35
    (its "70% reduction", rounded). The step applies from the date on, not before."""
    assert hardware_cost_multiplier(throughput_ratio=4.0, price_ratio=1.4) == pytest.approx(0.35)
    dates = pd.to_datetime(["2021-01-01", "2022-01-01", "2023-01-01"])
    curve = CostCurve(days_per_year=365).fit(dates, [100.0, 10.0, 1.0])
    stepped = hardware_step(curve, date="2025-01-01")
    assert isinstance(stepped, SteppedCostCurve) and stepped.multiplier == pytest.approx(0.35)
    query = pd.to_datetime(["2024-12-31", "2025-01-01", "2026-01-01"])
    np.testing.assert_allclose(stepped.predict(query), curve.predict(query) * [1.0, 0.35, 0.35])
    low, high = stepped.predict_interval(query)
    base_low, base_high = curve.predict_interval(query)
    np.testing.assert_allclose(low, base_low * [1.0, 0.35, 0.35])
    # steps compose: a second generation halving cost again
    twice = hardware_step(stepped, date="2026-01-01", throughput_ratio=2.0, price_ratio=1.0)
    np.testing.assert_allclose(twice.predict(query), curve.predict(query) * [1.0, 0.35, 0.175])
    with pytest.raises(InputError, match="throughput_ratio"):
        hardware_cost_multiplier(throughput_ratio=0.0, price_ratio=1.0)


def test_decompose_decline_reproduces_seed_article():
    """Seed article: of a 90% fall, about 20 points from cheaper GPU cloud and 70 from
    inference efficiency. Hand-worked, hardware first: 1 -> 0.8 -> 0.1, so efficiency's
    own factor is 0.1 / 0.8 = 0.125; log shares ln 0.8 / ln 0.1 = 0.0969 and 0.9031."""
    split = decompose_decline()
    assert split.total_fall == pytest.approx(0.9)
    assert split.hardware_points == pytest.approx(0.2)
    assert split.efficiency_points == pytest.approx(0.7)
    assert split.hardware_multiplier == pytest.approx(0.8)
    assert split.efficiency_multiplier == pytest.approx(0.125)
    assert split.hardware_multiplier * split.efficiency_multiplier == pytest.approx(0.1)
    assert split.hardware_log_share == pytest.approx(0.096910, abs=1e-6)
    assert split.hardware_log_share + split.efficiency_log_share == pytest.approx(1.0)
    with pytest.raises(InputError, match="total_fall"):
        decompose_decline(total_fall=1.0)


def test_api_markup_range():
    """Seed article: using model APIs instead of GPU cloud costs 2x to 5x more."""
    assert (API_MARKUP_LOW, API_MARKUP_HIGH) == (2.0, 5.0)
    assert api_markup(1.5) == (3.0, 7.5)
    low, high = api_markup(np.array([1.0, 2.0]))
    np.testing.assert_allclose(low, [2.0, 4.0]) and np.testing.assert_allclose(high, [5.0, 10.0])
    assert "PaleBlueDot" in SEED_ARTICLE


# --- properties ------------------------------------------------------------------------

_EPOCH = epoch_prices()


def assert_same_cost(a: CostResult, b: CostResult) -> None:
    assert a.status == b.status and a.n_points == b.n_points
    np.testing.assert_allclose(
        [a.decline_factor_per_year, *a.ci90, a.r_squared],
        [b.decline_factor_per_year, *b.ci90, b.r_squared],
        rtol=1e-10,
        equal_nan=True,
    )
    pd.testing.assert_frame_equal(a.frontier, b.frontier)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1), threshold=st.sampled_from([43.9, 64.8, 68.0, 86.0]))
def test_fit_cost_is_unchanged_by_row_order(seed, threshold):
    shuffled = _EPOCH.sample(frac=1.0, random_state=seed)
    as_of = pd.Timestamp("2025-03-01")
    assert_same_cost(
        fit_cost(_EPOCH, benchmark="mmlu", threshold=threshold, as_of=as_of),
        fit_cost(shuffled, benchmark="mmlu", threshold=threshold, as_of=as_of),
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    as_of=st.dates(
        min_value=pd.Timestamp("2022-01-01").date(), max_value=pd.Timestamp("2025-03-01").date()
    ),
    extra=st.lists(
        st.tuples(st.integers(1, 2000), st.floats(0.001, 100.0), st.floats(0.0, 100.0)),
        min_size=1,
        max_size=5,
    ),
)
def test_fit_cost_as_of_ignores_later_rows(as_of, extra):
    """Property: rows dated after as_of, however cheap and capable, change nothing."""
    as_of = pd.Timestamp(as_of)
    later = prices_table(
        [(f"late{i}", as_of + pd.Timedelta(days=d), p, s) for i, (d, p, s) in enumerate(extra)]
    )
    base = fit_cost(_EPOCH, benchmark="mmlu", threshold=43.9, as_of=as_of)
    more = fit_cost(
        pd.concat([_EPOCH, later], ignore_index=True), benchmark="mmlu", threshold=43.9, as_of=as_of
    )
    assert_same_cost(base, more)


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 1500), st.floats(0.01, 100.0), st.floats(0.0, 100.0)),
        min_size=0,
        max_size=25,
    )
)
def test_frontier_is_dated_and_strictly_cheaper(rows):
    """Property: frontier dates never go back, prices strictly fall, every score meets
    the threshold, and each kept price is below every earlier qualifying price."""
    table = prices_table(
        [
            (f"m{i}", pd.Timestamp("2021-01-01") + pd.Timedelta(days=d), p, s)
            for i, (d, p, s) in enumerate(rows)
        ]
    )
    frontier = constant_capability_frontier(
        table, benchmark="mmlu", threshold=50.0, as_of="2030-01-01"
    )
    assert frontier["date"].is_monotonic_increasing
    assert np.all(np.diff(frontier["price"]) < 0)
    assert np.all(frontier["score"] >= 50.0)
    qualifying = table[table["mmlu"] >= 50.0]
    for _, row in frontier.iterrows():
        earlier = qualifying[qualifying["date"] < row["date"]]
        assert earlier.empty or row["price"] < earlier["usd_per_mtok"].min()


# --- shrinkage, long-run regression, floor, compute cost (issue 17) --------------------

from gapscore.models.cost import (  # noqa: E402
    H100_DENSE_FLOPS,
    CostProjection,
    LongRunRate,
    energy_floor,
    smallest_model,
    fit_compute_cost,
    pool_slopes,
    shrink_slope,
    with_projection,
)


def test_pool_and_shrink_worked_by_hand():
    """Two series, slopes -1 and -3, both se 0.5 (worked by hand):
    w = 4 each, fixed-effect mean -2, Q = 4 + 4 = 8, C = 8 - 32/8 = 4,
    tau2 = (8 - 1)/4 = 1.75; random-effects weights 1/(0.25 + 1.75) = 0.5 each,
    mean -2, se 1. Shrinking the first: B = 0.25/2 = 0.125, slope 0.875 x -1 +
    0.125 x -2 = -1.125, variance 0.875 x 0.25 + 0.125^2 x 1 = 0.234375."""
    pool = pool_slopes([-1.0, -3.0], [0.5, 0.5], ["a", "b"])
    assert (pool.mean, pool.se, pool.tau2, pool.k) == pytest.approx((-2.0, 1.0, 1.75, 2))
    assert pool.factor == pytest.approx(math.exp(2.0))
    got = shrink_slope(-1.0, 0.5, pool)
    assert got.weight == pytest.approx(0.125)
    assert got.slope == pytest.approx(-1.125)
    assert got.se == pytest.approx(math.sqrt(0.234375))
    assert got.raw_factor == pytest.approx(math.e) and got.factor == pytest.approx(math.exp(1.125))


def test_pool_without_spread_is_the_precision_weighted_mean():
    """Slopes -1 (se 1) and -1.5 (se 0.5): w = 1 and 4, mean (-1 - 6)/5 = -1.4,
    Q = 1 x 0.16 + 4 x 0.01 = 0.2 < k - 1, so tau2 = 0: the pool is the
    precision-weighted mean, se sqrt(1/5), and a series is pulled all the way to it."""
    pool = pool_slopes([-1.0, -1.5], [1.0, 0.5])
    assert pool.tau2 == 0.0
    assert pool.mean == pytest.approx(-1.4) and pool.se == pytest.approx(math.sqrt(0.2))
    got = shrink_slope(-1.0, 1.0, pool)
    assert got.weight == 1.0 and got.slope == pytest.approx(-1.4)
    assert shrink_slope(-1.0, 1.0, None).slope == -1.0  # no pool: raw


def test_pool_rejects_bad_input():
    with pytest.raises(InputError, match="one standard error per slope"):
        pool_slopes([-1.0, -2.0], [0.5])
    with pytest.raises(InputError, match="positive"):
        pool_slopes([-1.0], [0.0])


def _exact_curve(factor: float, start: str = "2023-01-01", years: int = 2, noise: float = 0.0):
    """A CostCurve fitted to monthly prices falling exactly ``factor`` x a year (plus ``noise``)."""
    dates = pd.date_range(start, periods=12 * years + 1, freq="MS")
    t = decimal_year(dates)
    wobble = noise * np.sin(np.arange(len(dates)))
    price = 10.0 * np.exp(-math.log(factor) * (t - t[0]) + wobble)
    return CostCurve().fit(dates, price), dates


def test_projection_regresses_to_the_long_run_rate_beyond_the_data():
    """100x a year over two years of data; long run 4x. At the data's end the annual
    decline is the fitted 100x; ten e-folding times later it is 4x (to 1e-3); the fall
    over u years past the end is exp(r0 g + r_lr (u - g)), g = tau (1 - exp(-u/tau)),
    tau = span (worked by hand for u = 5)."""
    curve, dates = _exact_curve(100.0, noise=0.01)
    long_run = LongRunRate(4.0, 2.0, 8.0)
    proj = CostProjection(curve=curve, shrunk=shrink_slope(curve.slope_, 0.01, None), long_run=long_run,
                          floor=1e-30, persistence=1.0, start=dates[0], end=dates[-1])
    tau = proj.tau_
    assert tau == pytest.approx(decimal_year(dates[-1:])[0] - decimal_year(dates[:1])[0])
    end = from_decimal_year([proj.end_])[0]
    assert proj.rate([end])[0] == pytest.approx(curve.decline_factor_per_year_, rel=1e-9)
    far = from_decimal_year([proj.end_ + 10 * tau])[0]
    assert proj.rate([far])[0] == pytest.approx(4.0, rel=1e-3 * math.log(100.0 / 4.0) * 10)
    assert proj.rate([from_decimal_year([proj.end_ + 30 * tau])[0]])[0] == pytest.approx(4.0, rel=1e-9)
    u = 5.0
    g = tau * (1 - math.exp(-u / tau))
    expected = math.exp(-curve.slope_ * g + math.log(4.0) * (u - g))
    p0, p5 = proj.predict(from_decimal_year([proj.end_, proj.end_ + u]))
    assert p0 / p5 == pytest.approx(expected, rel=1e-9)
    assert p0 / p5 < 4.0**u * math.exp((-curve.slope_ - math.log(4.0)) * tau)  # the stated bound
    assert p0 / p5 < curve.decline_factor_per_year_**u / 1e4  # far below the raw trend's 100^5


def test_projection_within_the_data_uses_the_shrunk_slope():
    curve, dates = _exact_curve(100.0, noise=0.01)
    shrunk = shrink_slope(curve.slope_, 0.5, pool_slopes([-math.log(10.0)], [0.01]))
    proj = CostProjection(curve=curve, shrunk=shrunk, long_run=LongRunRate(4.0, 2.0, 8.0), floor=1e-30,
                          persistence=1.0, start=dates[0], end=dates[-1])
    a, b = proj.predict(dates[[0, 12]])
    dt = decimal_year(dates[[12]])[0] - decimal_year(dates[[0]])[0]
    assert a / b == pytest.approx(shrunk.factor**dt, rel=1e-9)
    assert shrunk.factor == pytest.approx(10.0, rel=1e-3)  # the pool's 10x, not the data's 100x
    frame = proj.frame(dates[[0, -1]].append(pd.DatetimeIndex(["2030-01-01"])))
    assert list(frame["phase"]) == ["data", "data", "projection"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    factor=st.floats(1.01, 1e4),
    noise=st.floats(0.0, 1.0),
    floor=st.floats(1e-12, 1e3),
    persistence=st.floats(0.05, 5.0),
    lr=st.floats(1.01, 20.0),
    years_ahead=st.floats(-3.0, 60.0),
    level=st.floats(0.5, 0.99),
)
def test_floor_is_never_crossed(factor, noise, floor, persistence, lr, years_ahead, level):
    """Whatever the trend, the long-run rate or the date, no projected price, low or
    high goes below the floor."""
    curve, dates = _exact_curve(factor, noise=noise)
    proj = CostProjection(curve=curve, shrunk=shrink_slope(curve.slope_, 0.3, None),
                          long_run=LongRunRate(lr, lr / 2, lr * 2), floor=floor, persistence=persistence,
                          start=dates[0], end=dates[-1])
    when = from_decimal_year([proj.end_ + years_ahead])
    low, high = proj.predict_interval(when, level)
    price = proj.predict(when)
    assert price[0] >= floor and low[0] >= floor and high[0] >= floor
    assert low[0] <= price[0] <= high[0]


def test_energy_floor_by_hand():
    """2e9 FLOP a token x 1e6 tokens x 9.9e-14 J/FLOP = 198 J = 5.5e-5 kWh; x $0.08 = $4.4e-6."""
    assert energy_floor(2e15, joules_per_flop=9.9e-14, usd_per_kwh=0.08) == pytest.approx(4.4e-6)


def test_with_projection_keeps_the_epoch_fit_and_adds_the_shrunk_rate():
    raw = fit_cost(epoch_prices(), benchmark="mmlu", threshold=43.9, as_of=pd.Timestamp("2025-03-01"))
    pool = pool_slopes([raw.curve.slope_, -math.log(30.0)], [0.2, 0.2])
    got = with_projection(raw, pool=pool, long_run=LongRunRate(4.0, 2.0, 8.0), floor=1e-6, persistence=1.0)
    assert got.decline_factor_per_year == raw.decline_factor_per_year  # Epoch's number unchanged
    assert raw.decline_factor_per_year < got.shrunk_factor < 30.0
    assert got.shrunk.raw_factor == pytest.approx(raw.decline_factor_per_year)
    proj = got.project(pd.to_datetime(["2024-01-01", "2040-01-01"]))
    assert list(proj["phase"]) == ["data", "projection"] and proj["price"].min() >= 1e-6
    # The shrunk rate leads; the raw (Epoch's) rate stands beside it.
    lo, hi = got.shrunk.ci()
    assert got.describe().startswith(f"price of mmlu >= 43.9 capability falls {got.shrunk_factor:.1f}x a year (90% CI {lo:.1f}-{hi:.1f}x; "
                                     "shrunk toward the pool of 2 price series")
    assert "fitted alone 11.8x, 90% CI 8.3-16.8x, 9 frontier models" in got.describe() and "long-run 4.0x a year" in got.describe()
    assert got.describe().index(f"{got.shrunk_factor:.1f}x") < got.describe().index("fitted alone 11.8x")


def _hardware(rows):
    return pd.DataFrame({"date": pd.to_datetime([r[0] for r in rows]), "chip": [r[1] for r in rows],
                         "price_type": [r[2] for r in rows], "usd_per_hour": [r[3] for r in rows],
                         "relative_throughput": [r[4] for r in rows]})


VISION = dict(capability="ImageNet top-5 accuracy (AlexNet level)", level=84.7, unit="1,000 images classified",
              flop_per_unit=1.44e12, flop_date="2012-12-03", halving_years=16 / 12, halving_date="2020-05-08",
              utilization=0.3, joules_per_flop=9.9e-14, usd_per_kwh=0.08)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # R^2 of a flat price series
def test_vision_cost_from_the_cited_numbers_by_hand():
    """Hardware: an H100-class chip rented at $2/h at three dates (flat), so 1e18 FLOP at
    peak costs 2 / (989.4e12 x 3600) x 1e18 = $0.5615. Compute (Hernandez & Brown 2020):
    AlexNet's 1.44e9 FLOP an image, halving every 16 months; seven years after 2012-12-03
    a thousand images need 1.44e12 / 2^(84/16) = 3.78e10 FLOP (38x less; the paper
    measured 44x). Cost at 30% of peak: 3.78e10 / 1e18 x 0.5615 / 0.3 = $7.08e-8."""
    hw = _hardware([("2019-06-01", "H100", "on_demand", 2.0, 1.0), ("2019-12-01", "H100", "on_demand", 2.0, 1.0),
                    ("2020-06-01", "H100", "on_demand", 2.0, 1.0), ("2020-06-01", "H100", "purchase", np.nan, 1.0)])
    result = fit_compute_cost(hw, as_of="2021-01-01", **VISION)
    assert result.status == "ok" and result.n_points == 3  # the purchase row is not a rental
    per_eflop = 2.0 / (H100_DENSE_FLOPS * 3600) * 1e18
    assert per_eflop == pytest.approx(0.5615, rel=1e-3)
    when = pd.Timestamp("2012-12-03") + pd.Timedelta(days=7 * 365.2425)
    flop = 1.44e12 / 2 ** (84 / 16)
    assert flop == pytest.approx(3.78e10, rel=2e-3)
    got = result.project([when])
    assert got["price"].iloc[0] == pytest.approx(flop / 1e18 * per_eflop / 0.3, rel=1e-6)
    assert got["price"].iloc[0] == pytest.approx(7.08e-8, rel=1e-2)
    assert got["floor"].iloc[0] == pytest.approx(flop * 9.9e-14 / 3.6e6 * 0.08, rel=1e-6)
    assert result.decline_factor_per_year == pytest.approx(2 ** 0.75, rel=1e-6)  # flat hardware x algorithms
    assert result.unit == "USD per 1,000 images classified"
    assert "cloud price of compute 1.00x (3 quotes, 2019-06 to 2020-06) x algorithmic efficiency 1.68x" in result.describe()


def test_compute_cost_is_point_in_time():
    """Before the algorithmic estimate's publication (2020-05-08) there is no curve; a
    quote dated after the as-of date changes nothing."""
    rows = [("2019-06-01", "A", "on_demand", 2.0, 1.0), ("2019-12-01", "A", "on_demand", 1.8, 1.0),
            ("2020-03-01", "A", "on_demand", 1.5, 1.0)]
    assert fit_compute_cost(_hardware(rows), as_of="2020-05-01", **VISION).status == "insufficient_data"
    base = fit_compute_cost(_hardware(rows), as_of="2020-06-01", **VISION)
    more = fit_compute_cost(_hardware(rows + [("2020-07-01", "B", "on_demand", 0.1, 1.0)]), as_of="2020-06-01", **VISION)
    assert base.decline_factor_per_year == more.decline_factor_per_year and base.n_points == more.n_points == 3


def test_projection_starts_from_the_cheapest_price_still_standing():
    """The GPT-3-level frontier ends 2024-10-03 at $0.07 (Gemini 1.5 Flash 8B); if the
    prices cover MMLU until 2025-02-05 with nothing cheaper, the projection starts there
    from $0.07 (observed), flat in between, and falls only after."""
    raw = fit_cost(epoch_prices(), benchmark="mmlu", threshold=43.9, as_of=pd.Timestamp("2025-03-01"))
    got = with_projection(raw, pool=None, long_run=LongRunRate(4.0, 2.0, 8.0), floor=1e-6, persistence=1.0,
                          observed_end="2025-02-05")
    frame = got.project(pd.to_datetime(["2024-12-01", "2025-02-05", "2026-02-05"]))
    assert frame["price"].iloc[0] == pytest.approx(0.07) and frame["price"].iloc[1] == pytest.approx(0.07)
    assert list(frame["phase"]) == ["data", "data", "projection"]
    assert 0.07 / frame["price"].iloc[2] < raw.decline_factor_per_year  # slower than the raw trend: regressing


def test_a_perfectly_straight_series_is_not_shrunk_toward_nothing():
    """Three prices exactly on a line (10x a year) have a zero standard error: with a
    pool that has spread (tau2 = 1.75), the weight on the pool is 0 / (0 + 1.75) = 0 and
    the slope stays the data's."""
    dates = pd.to_datetime(["2023-01-01", "2024-01-01", "2025-01-01"])
    curve = CostCurve(days_per_year=365).fit(dates, [100.0, 10.0, 1.0])
    shrunk = shrink_slope(curve.slope_, 0.0, pool_slopes([-1.0, -3.0], [0.5, 0.5]))
    assert shrunk.weight == 0.0 and shrunk.slope == pytest.approx(curve.slope_)


FLOOR_ROWS = [
    {"model": "big", "date": "2024-07-23", "parameters": 405e9, "score": 87.0, "source": "s"},
    {"model": "moe", "date": "2025-08-05", "parameters": 5.1e9, "score": 90.0, "source": "s"},
    {"model": "small but short", "date": "2024-01-01", "parameters": 1e9, "score": 80.0, "source": "s"},
]


def test_floor_of_the_smallest_model_by_hand():
    """A 5.1B-active-parameter model: 2 x 5.1e9 = 1.02e10 FLOP a token; 1e6 tokens x
    9.9e-14 J/FLOP = 1.0098e3 J = 2.805e-4 kWh; x $0.08 = $2.244e-5 per 1M tokens."""
    got = smallest_model(FLOOR_ROWS, threshold=86.4, as_of="2025-12-01", default_parameters=1e9)
    assert got.model == "moe" and got.flop_per_token(2.0) == pytest.approx(1.02e10)
    usd = energy_floor(got.flop_per_token(2.0) * 1e6, joules_per_flop=9.9e-14, usd_per_kwh=0.08)
    assert usd == pytest.approx(1.02e16 * 9.9e-14 / 3.6e6 * 0.08) and usd == pytest.approx(2.244e-5)
    # 405B dense: 8.1e11 FLOP a token, $1.782e-3 per 1M tokens
    big = smallest_model(FLOOR_ROWS, threshold=86.4, as_of="2025-01-01", default_parameters=1e9)
    assert energy_floor(big.flop_per_token(2.0) * 1e6, joules_per_flop=9.9e-14, usd_per_kwh=0.08) == pytest.approx(1.782e-3)


def test_floor_model_is_point_in_time():
    """A model counts only from its release date, and only at or above the threshold."""
    find = lambda d: smallest_model(FLOOR_ROWS, threshold=86.4, as_of=d, default_parameters=1e9)  # noqa: E731
    assert find("2024-07-22").model is None and find("2024-07-22").parameters == 1e9  # the default, named
    assert "no model" in find("2024-07-22").source
    assert find("2024-07-23").model == "big"
    assert find("2025-08-04").model == "big" and find("2025-08-05").model == "moe"
    assert smallest_model(FLOOR_ROWS, threshold=75.0, as_of="2024-06-30", default_parameters=1e9).model == "small but short"


def test_effective_slope_se_matches_the_student_t_interval():
    """Five prices (3 residual df) at 90%: se x t(0.95, 3) / z(0.95) = se x 2.3534 / 1.6449
    = 1.4307 se; the normal interval of the widened se equals the trend's own t interval."""
    from gapscore.models.cost import effective_slope_se, slope_se

    dates = pd.to_datetime(["2024-01-01", "2024-03-01", "2024-06-01", "2024-08-01", "2024-12-01"])
    curve = CostCurve().fit(dates, [10.0, 6.0, 2.5, 2.0, 0.5])
    assert effective_slope_se(curve) == pytest.approx(slope_se(curve) * 2.353363 / 1.644854, rel=1e-5)
    slow, fast = curve._decline_interval(0.9)
    se = effective_slope_se(curve)
    assert math.exp(-curve.slope_ - 1.644854 * se) == pytest.approx(slow, rel=1e-5)
    assert math.exp(-curve.slope_ + 1.644854 * se) == pytest.approx(fast, rel=1e-5)


def test_persistence_clock_runs_from_the_last_frontier_point():
    """100x a year over two years (tau = 2 y), long run 4x. With the data still covering
    the benchmark one year past the last frontier point (no cheaper model), the excess
    rate left at the projection's start is exp(-1 / 2) = 0.6065 of it: the annual decline
    there is 4 x 25^0.6065 = 28.0x, not 100x."""
    curve, dates = _exact_curve(100.0)
    long_run = LongRunRate(4.0, 2.0, 8.0)
    make = lambda end: CostProjection(curve=curve, shrunk=shrink_slope(curve.slope_, 0.3, None), long_run=long_run,  # noqa: E731
                                      floor=1e-30, persistence=1.0, start=dates[0], end=dates[-1], observed_end=end)
    late = make(dates[-1] + pd.DateOffset(years=1))
    fade = math.exp(-(late.end_ - late.fit_end_) / late.tau_)
    assert fade == pytest.approx(math.exp(-0.5), rel=0.01)
    assert late.rate(pd.DatetimeIndex([dates[-1] + pd.DateOffset(years=1)]))[0] == pytest.approx(4.0 * 25.0 ** fade, rel=1e-6)
    assert late.rate(pd.DatetimeIndex([dates[-1] + pd.DateOffset(years=1)]))[0] == pytest.approx(28.0, rel=0.01)
    assert make(None).rate(pd.DatetimeIndex([dates[-1]]))[0] == pytest.approx(100.0, rel=1e-6)


def test_describe_names_the_observed_end_and_the_standing_price():
    """The reason line says until when prices were observed and from which price the
    projection starts: the GPT-3-level frontier's $0.07 (Gemini 1.5 Flash 8B), observed to
    2025-02-05 (as in test_projection_starts_from_the_cheapest_price_still_standing)."""
    raw = fit_cost(epoch_prices(), benchmark="mmlu", threshold=43.9, as_of=pd.Timestamp("2025-03-01"))
    got = with_projection(raw, pool=None, long_run=LongRunRate(4.0, 2.0, 8.0), floor=1e-6, persistence=1.0,
                          observed_end="2025-02-05")
    assert "prices observed to 2025-02-05, the cheapest model at the threshold then USD 0.07;" in got.describe()
    plain = with_projection(raw, pool=None, long_run=LongRunRate(4.0, 2.0, 8.0), floor=1e-6, persistence=1.0)
    assert "prices observed to 2024-10-03" in plain.describe()  # no later rows: the last frontier point
