"""Tests of gapscore.models.capability: normalisation, the S-curve, sector fits."""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.special import logit

from gapscore.models._frontier import decimal_year
from gapscore.models.capability import (
    MAX_HORIZON_YEARS,
    CapabilityResult,
    SCurve,
    fit_sector,
    logistic,
    normalise,
    record_points,
)
from gapscore.models.exceptions import InputError, InsufficientDataError, NotFittedError

# ImageNet top-5 error: chance with 1,000 classes and five guesses is 1 - 5/1000 = 99.5%
# error; the human baseline is Russakovsky et al. (2015)'s 5.1%.
IMAGENET = dict(
    benchmark="imagenet_top5_error",
    sector="computer_vision",
    metric="top-5 error",
    higher_is_better=False,
    human_baseline=5.1,
    floor=99.5,
    unit="percent",
    scale="log",
    source="hand-made test row",
)
# A made-up higher-is-better benchmark: floor 25 (four-way chance), human 90.
ACCURACY = dict(
    benchmark="toy_accuracy",
    sector="computer_vision",
    metric="accuracy",
    higher_is_better=True,
    human_baseline=90.0,
    floor=25.0,
    unit="percent",
    scale="linear",
    source="hand-made test row",
)
NO_HUMAN = dict(
    benchmark="chatbot_arena_elo",
    sector="llm_assistants",
    metric="elo",
    higher_is_better=True,
    human_baseline=np.nan,
    floor=1000.0,
    unit="elo",
    scale="linear",
    source="hand-made test row",
)


def bench_table(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def history_rows(benchmark: str, dates, values) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "benchmark": benchmark,
            "date": pd.to_datetime(list(dates)),
            "system": [f"s{i}" for i in range(len(values))],
            "value": list(values),
            "source": "synthetic",
        }
    )


# --- normalise -----------------------------------------------------------------------


def test_normalise_imagenet_hand_worked():
    """Hand-worked: floor 99.5, human 5.1.

    Log scale: share = ln(99.5 / v) / ln(99.5 / 5.1), with ln(99.5 / 5.1) = ln 19.5098
    = 2.970918. v = 5.1 -> 1; v = 99.5 -> 0; v = 49.75 (one halving) -> ln 2 / 2.970918
    = 0.233310; v = 24.875 (two halvings) -> 0.466620; v = 2.55 (one halving beyond
    human) -> 1.233310 (not clipped).
    Linear: v = 50 -> (99.5 - 50) / (99.5 - 5.1) = 49.5 / 94.4 = 0.524364.
    """
    history = history_rows(
        "imagenet_top5_error",
        ["2010-01-01", "2011-01-01", "2012-01-01", "2013-01-01", "2014-01-01", "2015-01-01"],
        [99.5, 49.75, 24.875, 5.1, 2.55, 50.0],
    )
    log = normalise(history, bench_table(IMAGENET))
    np.testing.assert_allclose(
        log["share"],
        [0.0, 0.233310, 0.466620, 1.0, 1.233310, math.log(1.99) / 2.970918],
        atol=5e-6,
    )
    linear = normalise(history, bench_table(IMAGENET), error_scale="linear")
    assert linear["share"].iloc[3] == pytest.approx(1.0)
    assert linear["share"].iloc[5] == pytest.approx(0.524364, abs=1e-6)
    assert linear["share"].iloc[4] == pytest.approx((99.5 - 2.55) / 94.4)


def test_normalise_higher_is_better_hand_worked():
    """Hand-worked, floor 25, human 90: (v - 25) / 65. 57.5 -> 0.5, 90 -> 1,
    95 -> 70/65 = 1.076923 (superhuman, kept), 20 -> -5/65 = -0.076923 (below floor)."""
    history = history_rows("toy_accuracy", ["2020-01-01"] * 4, [57.5, 90.0, 95.0, 20.0])
    out = normalise(history, bench_table(ACCURACY))
    np.testing.assert_allclose(out["share"], [0.5, 1.0, 1.076923, -0.076923], atol=1e-6)


def test_normalise_keeps_rows_and_adds_columns():
    history = history_rows("toy_accuracy", ["2020-01-01", "2021-01-01"], [57.5, 90.0])
    history.index = [10, 7]
    out = normalise(history, bench_table(ACCURACY))
    assert list(out.index) == [10, 7]
    assert list(out.columns) == [*history.columns, "share", "frontier"]
    assert "share" not in history.columns  # input untouched


def test_normalise_missing_human_baseline_gives_nan_share():
    history = history_rows("chatbot_arena_elo", ["2024-01-01"], [1250.0])
    out = normalise(history, bench_table(NO_HUMAN))
    assert np.isnan(out["share"].iloc[0]) and np.isnan(out["frontier"].iloc[0])


def test_frontier_is_running_best_by_date_regardless_of_row_order():
    """Hand-worked: shares by date 2011: 0.2, 2012: 0.5 and 0.1 (same day), 2013: 0.3,
    2014: 0.6 -> frontier 0.2, 0.5, 0.5, 0.5, 0.6."""
    values = [25 + 65 * s for s in (0.5, 0.2, 0.6, 0.3, 0.1)]
    dates = ["2012-01-01", "2011-01-01", "2014-01-01", "2013-01-01", "2012-01-01"]
    out = normalise(history_rows("toy_accuracy", dates, values), bench_table(ACCURACY))
    np.testing.assert_allclose(out["frontier"], [0.5, 0.2, 0.6, 0.5, 0.5])


def test_frontier_is_per_benchmark():
    history = pd.concat(
        [
            history_rows("toy_accuracy", ["2012-01-01", "2013-01-01"], [90.0, 25.0]),
            history_rows("imagenet_top5_error", ["2012-06-01", "2013-06-01"], [99.5, 5.1]),
        ]
    )
    out = normalise(history, bench_table(ACCURACY, IMAGENET))
    np.testing.assert_allclose(out["frontier"], [1.0, 1.0, 0.0, 1.0])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(human_baseline=99.9), "must be below floor"),
        (dict(scale="cubic"), "scale must be"),
        (dict(higher_is_better="maybe"), "must be a boolean"),
    ],
)
def test_normalise_rejects_bad_benchmark_rows(change, message):
    history = history_rows("imagenet_top5_error", ["2012-01-01"], [15.3])
    with pytest.raises(InputError, match=message):
        normalise(history, bench_table({**IMAGENET, **change}))


def test_normalise_rejects_unknown_benchmark_and_bad_values():
    with pytest.raises(InputError, match="not in the 'benchmarks' table"):
        normalise(history_rows("nope", ["2012-01-01"], [1.0]), bench_table(IMAGENET))
    with pytest.raises(InputError, match="positive values"):
        normalise(history_rows("imagenet_top5_error", ["2012-01-01"], [0.0]), bench_table(IMAGENET))
    with pytest.raises(InputError, match="error_scale"):
        normalise(
            history_rows("imagenet_top5_error", ["2012-01-01"], [1.0]),
            bench_table(IMAGENET),
            error_scale="sqrt",
        )
    with pytest.raises(InputError, match="missing column"):
        normalise(pd.DataFrame({"benchmark": ["x"]}), bench_table(IMAGENET))


def test_normalise_accepts_string_booleans_from_csv():
    """A CSV read without dtype hints gives 'false'; it must not be read as True."""
    history = history_rows("imagenet_top5_error", ["2012-01-01"], [5.1])
    out = normalise(history, bench_table({**IMAGENET, "higher_is_better": "false"}))
    assert out["share"].iloc[0] == pytest.approx(1.0)


def test_record_points_keeps_strict_improvements_up_to_as_of():
    """Hand-worked from the frontier example: records at 2011 (0.2), 2012 (0.5),
    2014 (0.6); 2013 (0.3) is no record; as of 2013-12-31 the 2014 record is dropped."""
    values = [25 + 65 * s for s in (0.5, 0.2, 0.6, 0.3, 0.1)]
    dates = ["2012-01-01", "2011-01-01", "2014-01-01", "2013-01-01", "2012-01-01"]
    out = normalise(history_rows("toy_accuracy", dates, values), bench_table(ACCURACY))
    records = record_points(out, as_of="2030-01-01")
    assert list(records["date"].dt.year) == [2011, 2012, 2014]
    np.testing.assert_allclose(records["share"], [0.2, 0.5, 0.6])
    assert list(record_points(out, as_of="2013-12-31")["date"].dt.year) == [2011, 2012]


# --- SCurve --------------------------------------------------------------------------

TRUE_L, TRUE_K, TRUE_T0 = 1.1, 0.8, 2015.0


def noisy_logistic(seed: int, n: int = 30, start: float = 2008.0, sd: float = 0.03):
    rng = np.random.default_rng(seed)
    t = np.linspace(start, 2022.0, n)
    return t, logistic(t, TRUE_L, TRUE_K, TRUE_T0) + rng.normal(0.0, sd, n)


def test_scurve_recovers_known_parameters():
    """Synthetic logistic L = 1.1, k = 0.8/yr, t0 = 2015, 30 points 2008-2022, noise sd
    0.03 (seed 7). Tolerances are about 4 sampling SDs measured over 100 seeds
    (SD of L 0.011, of k 0.038, of t0 0.065; means within 0.01 of the truth)."""
    t, y = noisy_logistic(7)
    model = SCurve(n_boot=20, random_state=0).fit(t, y)
    assert model.params_["L"] == pytest.approx(TRUE_L, abs=0.05)
    assert model.params_["k"] == pytest.approx(TRUE_K, abs=0.15)
    assert model.params_["t0"] == pytest.approx(TRUE_T0, abs=0.3)
    assert model.residual_std_ == pytest.approx(0.03, rel=0.4)
    assert model.boot_params_.shape == (20, 3)
    assert model.n_points_ == 30


def test_scurve_intervals_cover_truth_in_most_replicates():
    """Coverage check over 20 seeded replicates (12 points 2011-2022, sd 0.03): the 80%
    interval of the curve at 2016.0 and of the year reaching 0.8 must cover the truth
    in at least 12 of 20. Over 100 replicates we measured 0.73-0.75 coverage (the
    percentile bootstrap is a little narrow with 12 points; see the docs)."""
    truth_curve = logistic(2016.0, TRUE_L, TRUE_K, TRUE_T0)
    truth_year = TRUE_T0 + logit(0.8 / TRUE_L) / TRUE_K
    hits_curve = hits_year = 0
    for seed in range(20):
        t, y = noisy_logistic(1000 + seed, n=12, start=2011.0)
        model = SCurve(n_boot=40, random_state=seed).fit(t, y)
        low, high = model.predict_interval([2016.0], level=0.8)
        hits_curve += bool(low[0] <= truth_curve <= high[0])
        _, year_low, year_high = model.year_reaching(0.8, level=0.8)
        hits_year += bool(year_low <= truth_year <= year_high)
    assert hits_curve >= 12
    assert hits_year >= 12


def test_year_reaching_inverts_predict():
    """Independent check: the curve evaluated at the returned year equals the threshold."""
    t, y = noisy_logistic(3)
    model = SCurve(n_boot=30, random_state=1).fit(t, y)
    year, low, high = model.year_reaching(0.9)
    assert model.predict(year) == pytest.approx(0.9, abs=1e-9)
    assert low <= year <= high


def test_year_reaching_never_reached_gives_nan_and_inf():
    """A curve levelling off at 0.6 (with min_asymptote=0 so L is free) never reaches 0.9:
    the point is NaN and the bootstrap upper bound is +inf."""
    rng = np.random.default_rng(11)
    t = np.linspace(2000, 2020, 25)
    y = logistic(t, 0.6, 0.7, 2008.0) + rng.normal(0, 0.01, t.size)
    model = SCurve(n_boot=30, random_state=0, min_asymptote=0.0).fit(t, y)
    assert model.params_["L"] == pytest.approx(0.6, abs=0.03)
    year, low, high = model.year_reaching(0.9)
    assert math.isnan(year) and high == math.inf and low == math.inf


def test_scurve_refuses_unfitted_use():
    model = SCurve()
    for call in (
        lambda: model.predict([2020.0]),
        lambda: model.predict_interval([2020.0]),
        lambda: model.year_reaching(0.8),
        lambda: model.slope(2020.0),
    ):
        with pytest.raises(NotFittedError, match="not fitted"):
            call()


def test_scurve_validates_inputs():
    with pytest.raises(InsufficientDataError, match="at least 4 points"):
        SCurve(n_boot=5).fit([2010.0, 2011.0, 2012.0], [0.1, 0.2, 0.3])
    with pytest.raises(InputError, match="finite"):
        SCurve(n_boot=5).fit([2010.0, 2011.0, 2012.0, np.nan], [0.1, 0.2, 0.3, 0.4])
    with pytest.raises(InputError, match="n_boot"):
        SCurve(n_boot=-1).fit([2010.0, 2011.0, 2012.0, 2013.0], [0.1, 0.2, 0.3, 0.4])
    with pytest.raises(InputError, match="min_asymptote"):
        SCurve(min_asymptote=-0.1).fit([2010.0, 2011.0, 2012.0, 2013.0], [0.1, 0.2, 0.3, 0.4])
    t, y = noisy_logistic(3)
    model = SCurve(n_boot=5).fit(t, y)
    with pytest.raises(InputError, match="strictly between 0 and 1"):
        model.predict_interval([2020.0], level=80)


def test_scurve_init_only_stores_arguments():
    model = SCurve(n_boot=-3, ceiling="nonsense")
    assert model.n_boot == -3 and model.ceiling == "nonsense"
    assert not hasattr(model, "params_")


def test_scurve_superhuman_points_are_clipped_to_ceiling():
    """Shares far above the ceiling (1.2) are fitted as 1.2: L ends at the ceiling."""
    t = np.linspace(2010, 2020, 12)
    y = logistic(t, 3.0, 1.0, 2014.0)
    model = SCurve(n_boot=10).fit(t, y)
    assert model.params_["L"] == pytest.approx(1.2)
    assert np.all(model.predict(np.linspace(1900, 2200, 50)) <= 1.2)


def test_min_asymptote_bounds_l_from_below():
    """Early-phase data (t < t0, truth L = 1.1): the default keeps L >= 1.05 (the curve
    heads past human level); min_asymptote=0 lets L fall toward the data; a ceiling
    below the default bound fixes L at the ceiling."""
    t, y = noisy_logistic(5, n=10, start=2008.0)
    early = t < 2013.0
    default = SCurve(n_boot=5).fit(t[early], y[early])
    free = SCurve(n_boot=5, min_asymptote=0.0).fit(t[early], y[early])
    assert default.params_["L"] >= 1.05 - 1e-12 and default.min_asymptote_ == 1.05
    assert free.params_["L"] < default.params_["L"]
    fixed = SCurve(n_boot=5, ceiling=1.0).fit(t, y)
    assert fixed.params_["L"] == pytest.approx(1.0, abs=1e-6)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    shares=st.lists(st.floats(-0.5, 3.0), min_size=4, max_size=10),
    gaps=st.lists(st.floats(0.05, 3.0), min_size=12, max_size=12),
    ceiling=st.sampled_from([1.0, 1.2, 1.5]),
)
def test_scurve_fit_output_is_bounded(shares, gaps, ceiling):
    """Property: predictions and interval bounds lie in [0, ceiling] for any data."""
    t = 2000.0 + np.cumsum(gaps[: len(shares)])
    model = SCurve(n_boot=5, random_state=0, ceiling=ceiling).fit(t, shares)
    grid = np.linspace(1950, 2100, 31)
    for values in (model.predict(grid), *model.predict_interval(grid)):
        finite = values[np.isfinite(values)]
        assert np.all(finite >= 0.0) and np.all(finite <= ceiling + 1e-12)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_scurve_is_unchanged_by_point_order(seed):
    """Property: permuting the points changes nothing (fit sorts them first)."""
    t, y = noisy_logistic(seed % 50, n=10, start=2010.0)
    order = np.random.default_rng(seed).permutation(t.size)
    a = SCurve(n_boot=5, random_state=2).fit(t, y)
    b = SCurve(n_boot=5, random_state=2).fit(t[order], y[order])
    pd.testing.assert_series_equal(a.params_, b.params_)
    pd.testing.assert_frame_equal(a.boot_params_, b.boot_params_)


# --- fit_sector ------------------------------------------------------------------------

VISION = [
    IMAGENET,
    {**IMAGENET, "benchmark": "cifar10_error", "human_baseline": 6.0, "floor": 90.0},
]


def synthetic_vision_history(seed: int = 1) -> pd.DataFrame:
    """Two error benchmarks whose log shares follow 1.3 / (1 + exp(-k (t - t0))), with
    multiplicative noise, quarterly from mid-2010 to 2020."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2010-06-01", "2020-01-01", freq="90D")
    t = decimal_year(dates)
    frames = []
    for row, k, t0 in ((VISION[0], 0.9, 2013.5), (VISION[1], 0.7, 2014.5)):
        floor, human = row["floor"], row["human_baseline"]
        share = 1.3 / (1 + np.exp(-k * (t - t0)))
        error = floor * np.exp(-np.log(floor / human) * share) * np.exp(rng.normal(0, 0.1, t.size))
        frames.append(history_rows(row["benchmark"], dates, error))
    return pd.concat(frames, ignore_index=True)


def fit_vision(history, as_of, **kwargs) -> CapabilityResult:
    options = dict(
        sector_benchmarks=["imagenet_top5_error", "cifar10_error"],
        as_of=pd.Timestamp(as_of),
        n_boot=20,
        random_state=0,
    )
    options.update(kwargs)
    return fit_sector(history, bench_table(*VISION), **options)


def test_fit_sector_forecasts_thresholds_before_they_pass():
    """As of 2013 the synthetic sector (truth: the mean curve crosses 0.8 in 2014.6)
    is at about 0.4 of human level; forecasts lie after as_of, are ordered by threshold
    and bracket their point years."""
    result = fit_vision(synthetic_vision_history(), "2013-01-01")
    assert result.status == "ok"
    assert result.sector == "computer_vision"
    assert result.benchmarks == ("cifar10_error", "imagenet_top5_error")
    assert 0.3 < result.level < 0.5 and 0.3 < result.observed_level < 0.5
    assert result.velocity_per_year > 0
    years = [f.year for f in result.thresholds]
    as_of_year = decimal_year(pd.Timestamp("2013-01-01"))[0]
    assert all(not f.passed and not f.capped for f in result.thresholds)
    assert as_of_year < years[0] < years[1] < years[2]
    assert 2014.0 < years[0] < 2016.5
    for forecast in result.thresholds:
        assert forecast.low <= forecast.year <= forecast.high
    assert result.n_points == result.summary()["n_points"].sum()
    assert list(result.curve.columns) == ["date", "fit", "low", "high"]
    assert result.curve["date"].max() > pd.Timestamp("2022-11-30")
    assert np.all(np.diff(result.curve["fit"]) >= 0)


def test_fit_sector_reports_passed_thresholds_at_first_observed_date():
    """Passed thresholds give the first date on which the mean of the benchmarks' best
    shares so far reached them (recomputed independently here), with low = high."""
    history = synthetic_vision_history()
    result = fit_vision(history, "2018-01-01")
    passed = [f for f in result.thresholds if f.passed]
    assert len(passed) == 3

    normalised = normalise(history[history["date"] <= "2018-01-01"], bench_table(*VISION))
    wide = normalised.pivot_table(index="date", columns="benchmark", values="frontier")
    sector = wide.ffill().clip(0, 1.2).mean(axis=1)
    for forecast in passed:
        first = sector[sector >= forecast.threshold].index[0]
        assert forecast.year == pytest.approx(decimal_year(first)[0])
        assert forecast.low == forecast.high == forecast.year
    assert result.observed_level == pytest.approx(sector.iloc[-1])


def test_fit_sector_insufficient_data_gives_nans_not_a_crash():
    history = synthetic_vision_history()
    result = fit_vision(history, "2011-06-01")  # 3 and 4 records; min_points=5
    assert result.status == "insufficient_data"
    assert math.isnan(result.level) and math.isnan(result.velocity_per_year)
    assert all(math.isnan(f.year) and not f.passed for f in result.thresholds)
    assert result.curve.empty
    assert np.isfinite(result.observed_level)  # the observed data is still reported

    empty = fit_vision(history, "1999-01-01")
    assert empty.status == "insufficient_data" and empty.n_points == 0
    assert math.isnan(empty.observed_level)


def test_fit_sector_caps_far_forecasts_at_the_horizon():
    """A slow benchmark (k = 0.05/yr, 0.22 of human level in 2010): 0.8 lies beyond
    as_of + 30 years, so the year is the horizon, flagged capped, high = inf."""
    dates = pd.date_range("2000-01-01", "2010-01-01", freq="180D")
    t = decimal_year(dates)
    values = 25 + 65 * 0.4 / (1 + np.exp(-0.05 * (t - 2005)))
    result = fit_sector(
        history_rows("toy_accuracy", dates, values),
        bench_table(ACCURACY),
        sector_benchmarks=["toy_accuracy"],
        as_of=pd.Timestamp("2010-06-01"),
        n_boot=20,
    )
    horizon = decimal_year(pd.Timestamp("2010-06-01"))[0] + MAX_HORIZON_YEARS
    assert result.horizon_year == pytest.approx(horizon)
    for forecast in result.thresholds:
        assert forecast.capped and forecast.year == pytest.approx(horizon)
        assert forecast.high == math.inf


def test_fit_sector_validates_arguments():
    history = synthetic_vision_history()
    with pytest.raises(InputError, match="not in the 'benchmarks' table"):
        fit_vision(history, "2015-01-01", sector_benchmarks=["imagenet_top5_error", "nope"])
    with pytest.raises(InputError, match="threshold"):
        fit_vision(history, "2015-01-01", thresholds=(0.8, 1.5))
    with pytest.raises(InputError, match="min_points"):
        fit_vision(history, "2015-01-01", min_points=2)
    with pytest.raises(InputError, match="as_of"):
        fit_sector(
            history,
            bench_table(*VISION),
            sector_benchmarks=["cifar10_error"],
            as_of="not a date",
            n_boot=5,
        )
    with pytest.raises(InputError, match="infer the sector"):
        fit_sector(
            history,
            bench_table(*VISION, NO_HUMAN),
            sector_benchmarks=["imagenet_top5_error", "chatbot_arena_elo"],
            as_of=pd.Timestamp("2015-01-01"),
            n_boot=5,
        )


def test_thresholds_frame_and_summary():
    result = fit_vision(synthetic_vision_history(), "2014-06-01")
    frame = result.thresholds_frame()
    assert list(frame.columns) == [
        "sector",
        "threshold",
        "year",
        "low",
        "high",
        "passed",
        "capped",
        "date",
    ]
    assert list(frame["threshold"]) == [0.8, 0.95, 1.0]
    summary = result.summary()
    assert set(summary["status"]) == {"ok"}
    assert {"L", "k", "t0", "observed_share", "level", "velocity_per_year"} <= set(summary.columns)


def assert_same_result(a: CapabilityResult, b: CapabilityResult) -> None:
    assert a.status == b.status and a.benchmarks == b.benchmarks and a.n_points == b.n_points
    np.testing.assert_allclose(
        [a.level, a.observed_level, a.velocity_per_year],
        [b.level, b.observed_level, b.velocity_per_year],
        rtol=1e-12,
        equal_nan=True,
    )
    assert a.thresholds == b.thresholds
    pd.testing.assert_frame_equal(a.curve, b.curve)
    pd.testing.assert_frame_equal(a.per_benchmark, b.per_benchmark)


_HISTORY = synthetic_vision_history()
_AS_OF = pd.Timestamp("2014-01-01")


@functools.cache
def _baseline() -> CapabilityResult:
    """The result on the unshuffled history up to _AS_OF, computed once."""
    return fit_vision(_HISTORY[_HISTORY["date"] <= _AS_OF], _AS_OF)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1))
def test_fit_sector_is_unchanged_by_row_order(seed):
    """Property: shuffling the history rows gives the identical result."""
    shuffled = _HISTORY.sample(frac=1.0, random_state=seed)
    assert_same_result(_baseline(), fit_vision(shuffled, _AS_OF))


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    extra=st.lists(
        st.tuples(
            st.sampled_from(["imagenet_top5_error", "cifar10_error"]),
            st.integers(1, 3000),
            st.floats(0.01, 99.0),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_fit_sector_as_of_ignores_later_rows(extra):
    """Property: rows dated after as_of (any values, even record-breaking) change nothing."""
    as_of = _AS_OF
    base = _HISTORY[_HISTORY["date"] <= as_of]
    later = pd.DataFrame(
        {
            "benchmark": [b for b, _, _ in extra],
            "date": [as_of + pd.Timedelta(days=d) for _, d, _ in extra],
            "system": "late",
            "value": [v for _, _, v in extra],
            "source": "synthetic",
        }
    )
    assert_same_result(_baseline(), fit_vision(pd.concat([base, later]), as_of))


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    as_of=st.dates(
        min_value=pd.Timestamp("2012-06-01").date(), max_value=pd.Timestamp("2021-01-01").date()
    )
)
def test_fit_sector_levels_are_bounded(as_of):
    """Property: fitted level and the chart curve stay in [0, ceiling]."""
    result = fit_vision(_HISTORY, pd.Timestamp(as_of), n_boot=10)
    if result.status == "ok":
        assert 0.0 <= result.level <= result.ceiling
        values = result.curve[["fit", "low", "high"]].to_numpy()
        assert np.all((values >= 0.0) & (values <= result.ceiling + 1e-12))


# --- saturation and the observed frontier ------------------------------------------------

# METR's 50% time horizon as a log-scale, higher-is-better measure in minutes of human
# work: floor 0.05 min (3 seconds, assumption for the test), human level a 40-hour
# working week = 2,400 minutes.
HORIZON = dict(
    benchmark="metr_horizon", sector="code_assistants", metric="time horizon", higher_is_better=True,
    human_baseline=2400.0, floor=0.05, unit="minutes", scale="log", source="hand-made test row",
)
# A percentage benchmark whose human baseline is the maximum (HumanEval-like).
PASS_RATE = dict(
    benchmark="toy_pass_rate", sector="code_assistants", metric="pass@1", higher_is_better=True,
    human_baseline=100.0, floor=0.0, unit="percent", scale="linear", source="hand-made test row",
)


def test_saturation_dates_by_hand():
    """toy_accuracy (human 90): 87.9 is 2.1 points short, 88.0 is within the 2-point noise.
    toy_pass_rate (human = max = 100): 98.5 is within 2 of the maximum. metr_horizon: 500
    minutes is far above 100 but below the week: never saturated, whatever its size."""
    from gapscore.models.capability import saturation_dates

    history = pd.concat([
        history_rows("toy_accuracy", ["2020-01-01", "2021-01-01", "2022-01-01"], [60.0, 87.9, 88.0]),
        history_rows("toy_pass_rate", ["2020-01-01", "2021-06-01"], [70.0, 98.5]),
        history_rows("metr_horizon", ["2020-01-01", "2021-01-01", "2022-01-01"], [10.0, 120.0, 500.0]),
    ], ignore_index=True)
    table = bench_table(ACCURACY, PASS_RATE, HORIZON)
    norm = normalise(history, table)
    dates = saturation_dates(norm, table)
    assert dates["toy_accuracy"] == pd.Timestamp("2022-01-01")
    assert dates["toy_pass_rate"] == pd.Timestamp("2021-06-01")
    assert pd.isna(dates["metr_horizon"])
    # log share of 500 minutes: ln(500 / 0.05) / ln(2400 / 0.05) = 9.2103 / 10.7789 = 0.8545
    horizon = norm[norm["benchmark"] == "metr_horizon"]["share"].to_numpy()
    assert horizon[-1] == pytest.approx(np.log(500 / 0.05) / np.log(2400 / 0.05))
    assert horizon[-1] == pytest.approx(0.8545, abs=1e-4)
    # A horizon past the working week passes the human level: saturated then.
    more = pd.concat([history, history_rows("metr_horizon", ["2023-01-01"], [3000.0])], ignore_index=True)
    assert saturation_dates(normalise(more, table), table)["metr_horizon"] == pd.Timestamp("2023-01-01")
    assert saturation_dates(normalise(history, table), table, noise_points=0.0)["toy_accuracy"] is pd.NaT


def test_observed_frontier_counts_saturated_tasks_as_done_and_members_from_their_first_result():
    """a: 0.5 (2020), saturated at 88/90 = share 0.9692 (2021) -> counts 1.0;
    b joins in 2021-06 at 0.2: mean(1.0, 0.2) = 0.6."""
    from gapscore.models.capability import crossing_date, observed_frontier, saturation_dates

    b_row = dict(ACCURACY, benchmark="b")
    history = pd.concat([
        history_rows("toy_accuracy", ["2020-01-01", "2021-01-01"], [57.5, 88.0]),
        history_rows("b", ["2021-06-01"], [38.0]),
    ], ignore_index=True)
    table = bench_table(ACCURACY, b_row)
    norm = normalise(history, table)
    level = observed_frontier(norm, ["toy_accuracy", "b"], cap=1.0, saturated=saturation_dates(norm, table))
    assert level.to_list() == pytest.approx([0.5, 1.0, 0.6])
    # 0.8 was passed in 2021 but the harder member pulled the level back under it.
    assert crossing_date(level, 0.8) is None and crossing_date(level, 0.55) == pd.Timestamp("2021-01-01")


def test_fit_sector_all_saturated_is_beyond_measure_and_log_horizon_keeps_measuring():
    dates = [f"{y}-01-01" for y in range(2018, 2024)]
    history = pd.concat([
        history_rows("toy_pass_rate", dates, [20.0, 40.0, 60.0, 80.0, 95.0, 99.0]),
        history_rows("metr_horizon", dates, [0.5, 2.0, 8.0, 30.0, 120.0, 500.0]),
    ], ignore_index=True)
    table = bench_table(PASS_RATE, HORIZON)
    alone = fit_sector(history, table, sector_benchmarks=["toy_pass_rate"], as_of="2024-01-01", n_boot=20)
    assert alone.beyond_measure and alone.saturated == ("toy_pass_rate",)
    assert alone.observed_level == 1.0
    both = fit_sector(history, table, sector_benchmarks=["toy_pass_rate", "metr_horizon"], as_of="2024-01-01",
                      n_boot=20, task_cap=1.0)
    assert not both.beyond_measure and both.saturated == ("toy_pass_rate",)
    assert list(both.measuring()["benchmark"]) == ["metr_horizon"]
    # observed: mean(1.0 done, 0.8545 horizon) = 0.92727
    assert both.observed_level == pytest.approx((1.0 + np.log(500 / 0.05) / np.log(2400 / 0.05)) / 2)
    # the saturated task adds no velocity: the sector's slope is half the horizon's.
    horizon_alone = fit_sector(history, table, sector_benchmarks=["metr_horizon"], as_of="2024-01-01", n_boot=20, task_cap=1.0)
    assert both.velocity_per_year == pytest.approx(horizon_alone.velocity_per_year / 2)


# --- calibrated intervals and benchmarks no longer reported ---------------------------------


def test_widen_forecast_by_hand():
    from gapscore.models.capability import ThresholdForecast, widen_forecast

    f = ThresholdForecast(0.8, 2020.0, 2019.0, 2022.0, False)
    wide = widen_forecast(f, 2.0, 2018.5, 2050.0)
    # each side doubled about 2020: 2018 .. 2024, the low end not before the as-of date 2018.5
    assert (wide.year, wide.low, wide.high) == (2020.0, 2018.5, 2024.0)
    narrow = widen_forecast(f, 0.5, 2018.5, 2050.0)
    assert (narrow.low, narrow.high) == (2019.5, 2021.0)
    assert widen_forecast(f, 2.0, 2018.5, 2023.0).high == np.inf  # past the horizon: open
    passed = ThresholdForecast(0.8, 2017.0, 2017.0, 2017.0, True)
    assert widen_forecast(passed, 3.0, 2018.5, 2050.0) is passed


def test_fit_sector_interval_scales_widen_the_curve_forecasts():
    from gapscore.models.capability import widen_forecast

    history = synthetic_vision_history()
    plain = fit_vision(history, "2013-01-01")
    scaled = fit_vision(history, "2013-01-01", interval_scales={0.95: 2.0})
    t = float(decimal_year(pd.Timestamp("2013-01-01"))[0])
    assert scaled.forecast(0.95) == widen_forecast(plain.forecast(0.95), 2.0, t, plain.horizon_year)
    assert scaled.forecast(0.8) == plain.forecast(0.8)  # no factor for 0.8: unchanged
    assert scaled.forecast(0.95).high - scaled.forecast(0.95).year == pytest.approx(
        2 * (plain.forecast(0.95).high - plain.forecast(0.95).year))


def test_fit_sector_benchmark_no_longer_reported_keeps_its_last_share():
    full = synthetic_vision_history()
    # CIFAR-10 stops being reported at the start of 2014; ImageNet goes on (and passes
    # the human level in late 2014: saturated, counted at 1.0).
    history = full[(full["benchmark"] != "cifar10_error") | (full["date"] < "2014-01-01")]
    table = bench_table(*VISION)
    cifar = normalise(history[history["benchmark"] == "cifar10_error"], table)
    best = float(cifar["share"].max())
    assert 0.3 < best < 0.8
    res = fit_vision(history, "2017-01-01", stale_after_years=2.0, task_cap=1.0)
    assert res.stale == ("cifar10_error",) and res.saturated == ("imagenet_top5_error",)
    # the sector is the mean of ImageNet done (1.0) and CIFAR-10 kept at its last best share:
    assert res.observed_level == pytest.approx((1.0 + best) / 2)
    assert res.level == pytest.approx((1.0 + best) / 2)
    assert res.velocity_per_year == 0.0
    assert res.measuring().empty
    # nothing measures the remaining gap any more: 95% of human is not in sight
    assert res.forecast(0.95).capped and not res.forecast(0.95).passed
    row = res.per_benchmark.set_index("benchmark").loc["cifar10_error"]
    assert bool(row["stale"]) and row["last_result_date"] < pd.Timestamp("2014-01-01")
    # without the rule the fitted curve is extrapolated three years past its last result
    old = fit_vision(history, "2017-01-01", task_cap=1.0)
    assert old.stale == () and old.level > res.level + 0.1
    # two years after its last result it still measures (the silence is not long enough)
    recent = fit_vision(history, "2015-06-01", stale_after_years=2.0, task_cap=1.0)
    assert recent.stale == ()
    with pytest.raises(InputError, match="stale_after_years"):
        fit_vision(history, "2017-01-01", stale_after_years=0)


def test_superseded_dates_hand_worked():
    """A (1995-97) is silent after 1997-06 and the sector moved on: B's first result
    (2000-01-01) comes after A's last. A is superseded from the later of 1999-06 (two
    years silent) and the first successor's first result (B, 2000-01-01; C starts 2005):
    2000-01-01. C is stale too (last result 2010) but no member started after 2010: kept
    (no successor). A stays superseded when its successors go silent in turn (as of
    2030 every member is stale)."""
    from gapscore.models.capability import observed_frontier, superseded_dates

    norm = pd.DataFrame({
        "benchmark": ["A", "A", "B", "B", "C", "C"],
        "date": pd.to_datetime(["1995-06-01", "1997-06-01", "2000-01-01", "2019-01-01", "2005-01-01", "2010-01-01"]),
        "share": [0.30, 0.37, 0.50, 0.90, 0.40, 0.60],
    })
    got = superseded_dates(norm, ["A", "B", "C"], as_of="2020-01-01", stale_after_years=2.0)
    assert got.to_dict() == {"A": pd.Timestamp("2000-01-01")}
    assert superseded_dates(norm, ["A", "B", "C"], as_of="2030-01-01", stale_after_years=2.0).to_dict() == {
        "A": pd.Timestamp("2000-01-01")}
    # point in time: as of 1999-01-01 A is not yet stale (silent 1.6 years) and B unknown
    assert superseded_dates(norm, ["A", "B", "C"], as_of="1999-01-01", stale_after_years=2.0).empty
    level = observed_frontier(norm, ["A", "B", "C"], retired=got)
    # before: A alone 0.37; from 2000-01-01 A leaves: B 0.50; 2005: (0.50 + 0.40) / 2; 2019: (0.90 + 0.60) / 2
    assert level.loc["1997-06-01"] == pytest.approx(0.37)
    assert level.loc["2000-01-01"] == pytest.approx(0.50)
    assert level.loc["2005-01-01"] == pytest.approx(0.45)
    assert level.iloc[-1] == pytest.approx(0.75)
    # without the rule A would hold the level down: (0.37 + 0.90 + 0.60) / 3
    assert observed_frontier(norm, ["A", "B", "C"]).iloc[-1] == pytest.approx(1.87 / 3)


def test_fit_sector_superseded_member_leaves_the_level():
    """CIFAR-10 reported 2010-06 to 2011-12 only; ImageNet first reported in 2012-06, so
    the sector moved on: as of 2017 CIFAR-10 is superseded (from two years after its last
    result) and the level is ImageNet's alone (saturated: 1.0), where keeping CIFAR-10 at
    its last share would hold it at (1 + best) / 2."""
    full = synthetic_vision_history()
    keep = ((full["benchmark"] == "cifar10_error") & (full["date"] < "2012-01-01")) | (
        (full["benchmark"] == "imagenet_top5_error") & (full["date"] >= "2012-06-01"))
    history = full[keep]
    res = fit_vision(history, "2017-01-01", stale_after_years=2.0, task_cap=1.0)
    assert res.stale == ("cifar10_error",) and res.superseded == ("cifar10_error",)
    assert res.saturated == ("imagenet_top5_error",)
    assert res.observed_level == pytest.approx(1.0)
    assert res.level == pytest.approx(1.0)
    assert res.beyond_measure
    row = res.per_benchmark.set_index("benchmark").loc["cifar10_error"]
    last = row["last_result_date"]
    assert abs((row["superseded_date"] - (last + pd.DateOffset(years=2))).days) <= 1
    # before it was superseded, it counted in the observed level
    before = res.observed_curve[res.observed_curve.index < row["superseded_date"]]
    assert before.iloc[-1] < 1.0
    # off (no stale rule): nothing is superseded
    assert fit_vision(history, "2017-01-01", task_cap=1.0).superseded == ()
