"""Borrowed S-curve shapes for sparse benchmarks (models/shape_prior.py) and their use in fit_sector."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, logit

from gapscore.models._frontier import decimal_year
from gapscore.models.capability import K_BOUNDS_PER_YEAR, fit_sector
from gapscore.models.exceptions import InputError
from gapscore.models.shape_prior import ShapePrior, shape_prior
from test_capability import ACCURACY, IMAGENET, bench_table, history_rows

AS_OF = pd.Timestamp("2012-01-01")


def prior_of(*shapes: tuple[float, float]) -> ShapePrior:
    arr = np.array(shapes, dtype=float)
    return ShapePrior(AS_OF, arr[:, 0], arr[:, 1], tuple(f"b{i}" for i in range(len(shapes))))


def test_one_point_hand_worked():
    """share 0.6 = L / 2 at 2011.0 puts t0 at 2011.0; 0.8 of L = 1.2 is logit(2/3) = ln 2 later."""
    curve = prior_of((1.2, 0.5)).curve([2011.0], [0.6], n_draws=10)
    assert curve.params_["t0"] == pytest.approx(2011.0)
    year, low, high = curve.year_reaching(0.8)
    assert year == pytest.approx(2011.0 + math.log(2) / 0.5)
    assert low == pytest.approx(year) and high == pytest.approx(year)  # one shape: no spread


def test_exact_logistic_points_recover_t0():
    t = np.array([2014.0, 2015.5, 2016.25])
    share = 1.1 * expit(0.7 * (t - 2017.3))
    curve = prior_of((1.1, 0.7)).curve(t, share, n_draws=5)
    assert curve.params_["t0"] == pytest.approx(2017.3)
    np.testing.assert_allclose(curve.predict(t), share)
    assert curve.residual_std_ == pytest.approx(0.0, abs=1e-12)


def test_interval_is_the_spread_of_the_reference_class():
    """Two shapes, k = 0.25 and 1.0 (L = 1.2); one point at half of L in 2011.

    Years to 0.8: 2011 + ln 2 / k, i.e. 2013.77 and 2011.69. Draws pick either shape
    about half the time, so the 10% and 90% quantiles are those two years; the point
    curve uses the median shape k = 0.625.
    """
    curve = prior_of((1.2, 0.25), (1.2, 1.0)).curve([2011.0], [0.6], n_draws=400, random_state=3)
    year, low, high = curve.year_reaching(0.8, level=0.8)
    assert year == pytest.approx(2011.0 + math.log(2) / 0.625)
    assert low == pytest.approx(2011.0 + math.log(2) / 1.0)
    assert high == pytest.approx(2011.0 + math.log(2) / 0.25)
    picked = curve.boot_params_["k"].value_counts(normalize=True)
    assert 0.4 < picked[0.25] < 0.6


def test_t0_is_least_squares_on_the_logit_scale():
    """Two points off any single curve: t0 is the mean of the two implied midpoints."""
    L, k = 1.2, 0.5
    t, y = np.array([2010.0, 2012.0]), np.array([0.3, 0.9])
    implied = t - logit(y / L) / k
    curve = prior_of((L, k)).curve(t, y, n_draws=0)
    assert curve.params_["t0"] == pytest.approx(implied.mean())
    assert curve.boot_params_.empty


def test_curve_validates_inputs():
    prior = prior_of((1.2, 0.5))
    with pytest.raises(InputError):
        prior.curve([], [], n_draws=5)
    with pytest.raises(InputError):
        prior.curve([2011.0, 2012.0], [0.5], n_draws=5)
    with pytest.raises(InputError):
        prior.curve([2011.0], [float("nan")], n_draws=5)
    # The prior is a setting of the estimator: without one, fit refuses; a curve refitted
    # to the same points (same prior and seed) is the same curve.
    from gapscore.models.shape_prior import BorrowedCurve

    with pytest.raises(InputError, match="'prior' parameter of BorrowedCurve"):
        BorrowedCurve(n_boot=5).fit([2011.0], [0.5])
    first = prior.curve([2011.0], [0.5], n_draws=5)
    again = first.fit([2011.0], [0.5])
    assert again is first and again.params_["t0"] == pytest.approx(2011.0 + logit(0.5 / 1.2) * -2.0)


# --- the reference class ---------------------------------------------------------------


def logistic_history(row: dict, k: float, t0: float, start: str = "2008-01-01", months: int = 6, n: int = 16):
    """Results whose linear share follows 1.1 / (1 + exp(-k (t - t0))), a rising frontier."""
    dates = pd.date_range(start, periods=n, freq=f"{months}MS")
    share = 1.1 * expit(k * (decimal_year(dates) - t0))
    floor, human = row["floor"], row["human_baseline"]
    return history_rows(row["benchmark"], dates, floor + share * (human - floor))


def linear_benchmark(name: str) -> dict:
    return {**ACCURACY, "benchmark": name, "scale": "linear"}


def test_shape_prior_recovers_the_shapes_of_the_reference_class():
    rows = [linear_benchmark(f"task{i}") for i in range(3)]
    history = pd.concat([logistic_history(r, k, 2012.0) for r, k in zip(rows, (0.4, 0.8, 1.6))])
    prior = shape_prior(history, bench_table(*rows), as_of="2016-01-01", reference=[r["benchmark"] for r in rows],
                        error_scale="linear")
    assert prior.benchmarks == ("task0", "task1", "task2")
    np.testing.assert_allclose(prior.k, [0.4, 0.8, 1.6], rtol=1e-3)
    np.testing.assert_allclose(prior.L, 1.1, rtol=1e-3)


def test_shape_prior_needs_enough_fitted_benchmarks_and_ignores_steps():
    rows = [linear_benchmark(f"task{i}") for i in range(3)]
    history = pd.concat([
        logistic_history(rows[0], 0.5, 2012.0),
        logistic_history(rows[1], 0.9, 2012.0),
        # A jump from 0.1 to 1.0 of the gap within one day: the fitted rate sits at its bound.
        history_rows("task2", pd.to_datetime(["2010-01-01", "2010-01-02", "2010-01-03", "2010-01-04", "2010-01-05", "2010-01-06"]),
                     [25 + 65 * s for s in (0.1, 0.11, 0.12, 1.0, 1.01, 1.02)]),
    ])
    names = [r["benchmark"] for r in rows]
    kwargs = dict(as_of="2016-01-01", reference=names, error_scale="linear")
    full = shape_prior(history, bench_table(*rows), min_benchmarks=2, **kwargs)
    assert full.benchmarks == ("task0", "task1")
    assert np.all(full.k < K_BOUNDS_PER_YEAR[1])
    assert shape_prior(history, bench_table(*rows), min_benchmarks=3, **kwargs) is None
    # Too few records by an early date: no class at all.
    assert shape_prior(history, bench_table(*rows), min_benchmarks=1, as_of="2009-06-30", reference=names,
                       error_scale="linear") is None


def test_shape_prior_ignores_rows_dated_after_as_of():
    rows = [linear_benchmark(f"task{i}") for i in range(3)]
    history = pd.concat([logistic_history(r, k, 2012.0) for r, k in zip(rows, (0.4, 0.8, 1.6))])
    later = pd.concat([history, logistic_history(rows[0], 3.0, 2016.5, start="2016-01-02", n=8)])
    kwargs = dict(as_of="2016-01-01", reference=[r["benchmark"] for r in rows], error_scale="linear")
    a, b = shape_prior(history, bench_table(*rows), **kwargs), shape_prior(later, bench_table(*rows), **kwargs)
    np.testing.assert_array_equal(a.k, b.k)
    np.testing.assert_array_equal(a.L, b.L)


# --- in a sector ------------------------------------------------------------------------


def test_sparse_benchmark_joins_the_sector_mean():
    """A sector of one well-measured task and one with two records.

    Without a prior the sparse task is left out (the sector is the full task alone);
    with it, the sector level is the mean of the two curves at as_of, each capped at
    the task cap, and the sparse one is marked as borrowing its shape.
    """
    full = linear_benchmark("full_task")
    sparse = linear_benchmark("sparse_task")
    history = pd.concat([
        logistic_history(full, 0.8, 2012.0),
        history_rows("sparse_task", pd.to_datetime(["2014-01-01", "2015-01-01"]), [25 + 65 * 0.2, 25 + 65 * 0.3]),
    ])
    prior = prior_of((1.1, 0.5), (1.1, 1.0), (1.2, 0.7))
    kwargs = dict(sector_benchmarks=["full_task", "sparse_task"], as_of="2015-06-30", n_boot=50, random_state=0,
                  error_scale="linear", task_cap=1.0)
    alone = fit_sector(history, bench_table(full, sparse), **kwargs)
    both = fit_sector(history, bench_table(full, sparse), prior=prior, **kwargs)
    assert alone.benchmarks == ("full_task",)
    assert both.benchmarks == ("full_task", "sparse_task")
    per = both.per_benchmark.set_index("benchmark")
    assert per.at["sparse_task", "status"] == "borrowed_shape"
    assert per.at["full_task", "status"] == "ok"
    assert (alone.forecast_method, both.forecast_method) == ("fitted", "borrowed")
    assert per.at["sparse_task", "k"] == pytest.approx(0.7)  # the median shape
    levels = [min(per.at[b, "level"], 1.0) for b in ("full_task", "sparse_task")]
    assert both.level == pytest.approx(np.mean(levels))
    assert both.level < alone.level  # the lagging task pulls the sector back
    # One record is not enough to borrow a shape (prior_min_points=2).
    one = fit_sector(history[history["date"] < "2014-06-01"], bench_table(full, sparse), prior=prior,
                     **{**kwargs, "as_of": "2014-06-01"})
    assert one.per_benchmark.set_index("benchmark").at["sparse_task", "status"] == "insufficient_data"


def test_sparse_only_sector_gets_a_forecast_with_the_spread_of_the_prior():
    history = history_rows("imagenet_top5_error", pd.to_datetime(["2010-08-01", "2011-10-01"]), [28.2, 25.8])
    prior = prior_of((1.2, 0.3), (1.2, 0.5), (1.2, 1.0))
    kwargs = dict(sector_benchmarks=["imagenet_top5_error"], as_of="2011-12-31", n_boot=200, random_state=0)
    without = fit_sector(history, bench_table(IMAGENET), **kwargs)
    assert without.status == "insufficient_data" and without.forecast_method is None
    res = fit_sector(history, bench_table(IMAGENET), prior=prior, **kwargs)
    assert res.status == "ok"
    f80 = next(f for f in res.thresholds if f.threshold == 0.8)
    assert f80.low < f80.year < f80.high
    # The median shape's year, by hand from the two records' log shares.
    t = decimal_year(pd.to_datetime(["2010-08-01", "2011-10-01"]))
    share = np.log(99.5 / np.array([28.2, 25.8])) / np.log(99.5 / 5.1)
    t0 = np.mean(t - logit(share / 1.2) / 0.5)
    assert f80.year == pytest.approx(t0 + logit(0.8 / 1.2) / 0.5, abs=1e-6)


# --- on the bundled data ----------------------------------------------------------------


def test_llm_assistants_2021_borrow_the_shapes_of_the_sector_benchmarks_fitted_by_then():
    """MMLU had two records by the end of 2021 (2020-05 and 2021-12 in capability.csv).

    Without a reference class the sector has no curve; with it, MMLU borrows the shapes
    of the sector benchmarks that had five records by then, and the result names them.
    The class is recomputed here from the data directly: every sector benchmark with a
    human baseline and at least five record points dated on or before the as-of date.
    """

    from gapscore.models.capability import normalise, record_points
    from gapscore.scoring.inputs.config import load_config, set_value
    from gapscore.scoring.inputs.datasets import DataStore
    from gapscore.scoring.signals.scores import score_sector
    from gapscore.scoring.signals.sector import shape_prior as shape_prior_of

    cfg = load_config()
    store = DataStore()
    as_of = pd.Timestamp("2021-12-31")
    res = score_sector(store, "llm_assistants", as_of, cfg)
    cap = res.signals.capability
    per = cap.per_benchmark.set_index("benchmark")
    assert per.at["mmlu", "status"] == "borrowed_shape"
    assert per.at["mmlu", "n_points"] == 2
    assert any("mmlu (2 records)" in line for line in res.reasons)

    bench = store.load("benchmarks")
    listed = {b for t in store.sectors().values() for b in t.get("benchmarks", [])}
    table = bench[bench["benchmark"].isin(listed) & bench["human_baseline"].notna()]
    hist = store.as_of("capability", as_of)
    records = record_points(normalise(hist[hist["benchmark"].isin(table["benchmark"])], table), as_of=as_of)
    enough = sorted(b for b, n in records.groupby("benchmark").size().items() if n >= cfg["capability"]["min_points"])
    prior = shape_prior_of(store, as_of, cfg)
    assert prior is not None and set(prior.benchmarks) <= set(enough) and len(prior) >= 3
    assert per.at["mmlu", "k"] == pytest.approx(float(np.median(prior.k)))

    off = set_value(cfg, "capability.shape_reference", "none")
    # Without shapes to borrow, the reference class of lifetimes still forecasts from the
    # records; with that off too, there is nothing to forecast from.
    assert score_sector(DataStore(), "llm_assistants", as_of, off).signals.capability.status == "reference_class"
    off = set_value(off, "capability.lifetime_reference", "none")
    assert score_sector(DataStore(), "llm_assistants", as_of, off).signals.capability.status == "insufficient_data"


# --- the reference class of lifetimes ----------------------------------------------------


def _lifetime_history(firsts, lifetimes, censored_at=None):
    """One linear benchmark (floor 0, human 100) per first year: 10 at its first result,
    100 after its lifetime (or still 10 when None)."""
    rows, table = [], []
    for i, (first, life) in enumerate(zip(firsts, lifetimes, strict=True)):
        name = f"b{i}"
        table.append(dict(benchmark=name, sector="s", metric="acc", higher_is_better=True, human_baseline=100.0,
                          floor=0.0, unit="percent", scale="linear", source="hand"))
        start = pd.Timestamp(f"{first}-01-01")
        rows.append((name, start, 10.0))
        if life is not None:
            rows.append((name, start + pd.Timedelta(days=round(life * 365.25)), 100.0))
    history = pd.DataFrame(rows, columns=["benchmark", "date", "value"])
    return history, pd.DataFrame(table)


def test_lifetime_prior_without_censoring_is_least_squares_on_log_lifetime():
    """All resolved and a flat trend prior: the MAP is ordinary least squares of log
    lifetime on the first year (numpy.polyfit), sigma its maximum-likelihood sqrt(RSS/n)."""
    from gapscore.models.shape_prior import lifetime_prior

    firsts, lives = [2000, 2005, 2010, 2015], [16.0, 9.0, 4.0, 2.2]
    history, table = _lifetime_history(firsts, lives)
    prior = lifetime_prior(history, table, as_of="2030-01-01", thresholds=[0.8], trend_prior_sd=1e6)
    fit = prior.fit_for(0.8)
    x, y = np.array(firsts, float), np.log(lives)
    b, a = np.polyfit(x - x.mean(), y, 1)
    assert fit.b == pytest.approx(b, abs=2e-3) and fit.a == pytest.approx(a, abs=2e-3)
    rss = np.sum((y - a - b * (x - x.mean())) ** 2)
    assert fit.sigma == pytest.approx(np.sqrt(rss / 4), rel=5e-3)
    assert fit.n_resolved == 4 and fit.n_censored == 0
    # lifetimes shorten: the class's median for a 2020 benchmark is below one for 2000
    assert prior.median_lifetime(0.8, 2020.0) < prior.median_lifetime(0.8, 2000.0)


def test_lifetime_prior_counts_unfinished_benchmarks_as_censored_and_is_point_in_time():
    from gapscore.models.shape_prior import lifetime_prior

    history, table = _lifetime_history([2000, 2005, 2010, 2015, 2012], [16.0, 9.0, 4.0, 2.2, None])
    with_open = lifetime_prior(history, table, as_of="2030-01-01", thresholds=[0.8], trend_prior_sd=1e6)
    assert with_open.fit_for(0.8).n_censored == 1
    # b4 has waited 18 years and counting: the class's lifetimes lengthen
    without = lifetime_prior(history[history["benchmark"] != "b4"], table, as_of="2030-01-01", thresholds=[0.8],
                             trend_prior_sd=1e6)
    assert with_open.median_lifetime(0.8, 2012.0) > without.median_lifetime(0.8, 2012.0)
    # as of 2014 only two lifetimes had resolved: fewer than min_benchmarks (3), no class
    assert lifetime_prior(history, table, as_of="2014-01-01", thresholds=[0.8]) is None
    later = pd.concat([history, pd.DataFrame({"benchmark": ["b4"], "date": [pd.Timestamp("2031-01-01")], "value": [100.0]})])
    same = lifetime_prior(later, table, as_of="2030-01-01", thresholds=[0.8], trend_prior_sd=1e6)
    assert same.fit_for(0.8).a == pytest.approx(with_open.fit_for(0.8).a)


def test_a_user_benchmark_with_two_records_gets_the_class_forecast():
    """HellaSwag (Zellers et al. 2019, arxiv.org/abs/1905.07830: human 95.6%, four-way
    chance 25%), not in the bundled data: BERT-Large 47.3% (the paper, 2019-05-19) and
    RoBERTa 85.2% (leaderboard, Liu et al. 2019-07-26). As of 2019-12-31 the 80% mark
    (81.5%) is passed on 2019-07-26; 95% of human (92.1%) is a forecast from the
    reference class of the bundled benchmarks as of that date. What happened: UNICORN
    93.9% (Lourie et al., arxiv.org/abs/2103.13009, 2021-03-24), a realized year of 2021.2.
    """
    from gapscore.models.capability import fit_sector
    from gapscore.scoring.inputs.config import load_config
    from gapscore.scoring.inputs.datasets import DataStore
    from gapscore.scoring.signals.sector import lifetime_prior

    table = pd.DataFrame([dict(benchmark="hellaswag", sector="user", metric="accuracy", higher_is_better=True,
                               human_baseline=95.6, floor=25.0, unit="percent", scale="linear", source="Zellers 2019")])
    history = pd.DataFrame({"benchmark": "hellaswag", "date": pd.to_datetime(["2019-05-19", "2019-07-26"]),
                            "value": [47.3, 85.2]})
    as_of = pd.Timestamp("2019-12-31")
    prior = lifetime_prior(DataStore(), as_of, load_config())
    res = fit_sector(history, table, sector_benchmarks=["hellaswag"], as_of=as_of, n_boot=20, lifetime_prior=prior)
    assert res.status == "reference_class" and res.has_forecast and res.forecast_method == "reference_class"
    by = {f.threshold: f for f in res.thresholds}
    assert by[0.8].passed and by[0.8].year == pytest.approx(2019.0 + (pd.Timestamp("2019-07-26").day_of_year - 1) / 365.25, abs=0.01)
    f95 = by[0.95]
    assert not f95.passed and 2019.56 < f95.low < f95.year < f95.high  # after the last record, with an interval
    assert f95.low <= 2021.23 <= f95.high  # the realized year falls inside the 80% interval
    off = fit_sector(history, table, sector_benchmarks=["hellaswag"], as_of=as_of, n_boot=20)
    assert off.status == "insufficient_data"


def test_conformal_scale_is_the_ninth_of_ten_standardised_errors_over_z80_never_below_one():
    """Ten resolved lifetimes: split conformal at 0.8 takes the ceil(11 x 0.8) = 9th
    smallest |error| / sd and divides it by z(0.9) = 1.28155; tight lifetimes score 1."""
    from scipy.stats import norm

    from gapscore.models.shape_prior import lifetime_prior

    firsts = list(range(2000, 2010))
    lives = [4.0, 4.2, 3.8, 4.1, 40.0, 3.9, 4.0, 0.4, 4.3, 30.0]  # three far from the rest
    history, table = _lifetime_history(firsts, lives)
    plain = lifetime_prior(history, table, as_of="2050-01-01", thresholds=[0.8]).fit_for(0.8)
    scaled = lifetime_prior(history, table, as_of="2050-01-01", thresholds=[0.8], conformal_level=0.8).fit_for(0.8)
    z = [abs(np.log(life) - plain.log_lifetime(f)[0]) / plain.log_lifetime(f)[1] for f, life in zip(firsts, lives)]
    expected = max(1.0, sorted(z)[8] / norm.ppf(0.9))
    assert scaled.conformal_scale == pytest.approx(expected, rel=1e-4)  # lifetimes are whole days in the history
    assert scaled.log_lifetime(2005.0)[1] == pytest.approx(expected * plain.log_lifetime(2005.0)[1], rel=1e-4)
    # equal deviations either side: every |error| is about one sd, inside z(0.9)
    tight, _ = _lifetime_history(firsts, [4.0 * np.exp(0.05 * (-1) ** i) for i in range(10)])
    assert lifetime_prior(tight, table, as_of="2050-01-01", thresholds=[0.8], conformal_level=0.8).fit_for(0.8).conformal_scale == 1.0
