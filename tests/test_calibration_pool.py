"""The calibration pool's shortcuts give the numbers of the plain computation.

The pool (``scoring.signals.calibration.forecast_pool``) replays ``fit_sector`` on one
benchmark at every quarterly as-of date. Two shortcuts make it cheaper, and each is
checked here against the plain call on the bundled data:

- ``prepare_history``: the benchmark's rows normalised once, their record points and
  saturation dates sliced at each date, instead of recomputed from the rows known then;
- ``could_forecast``: a date on which ``fit_sector`` can only answer "insufficient_data"
  (no reference class, too few records for a curve, not saturated) is skipped unfitted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gapscore.models.capability import fit_sector, prepare_history
from gapscore.models.exceptions import InputError
from gapscore.scoring.inputs.config import load_config
from gapscore.scoring.inputs.datasets import DataStore
from gapscore.scoring.signals.calibration import could_forecast, pool_dates
from gapscore.scoring.signals.sector import lifetime_prior, shape_prior

AS_OF = pd.Timestamp("2025-06-30")


@pytest.fixture(scope="module")
def bundled():
    cfg = load_config(None)
    store = DataStore(None)
    table = store.load("benchmarks")
    table = table[table["human_baseline"].notna()]
    history = store.as_of("capability", AS_OF)
    history = history[history["benchmark"].isin(table["benchmark"])][["benchmark", "date", "value"]]
    return cfg, store, table.drop(columns=[c for c in table.columns if c.startswith("_")]), history


def _fit(cfg, history, table, name, d, prior, lifetimes, **extra):
    c = cfg["capability"]
    return fit_sector(history, table[table["benchmark"] == name], sector_benchmarks=[name], as_of=d,
                      thresholds=[float(t) for t in cfg["backtest"]["calibration_thresholds"]], level=c["interval"],
                      min_points=c["min_points"], error_scale=c["error_scale"], n_boot=20,
                      random_state=c["random_state"], prior=prior, prior_min_points=c["shape_min_points"],
                      saturation_noise=c["saturation_noise_points"], lifetime_prior=lifetimes,
                      horizon_years=c["horizon_years"], **extra)


# Benchmarks of different kinds: a long fitted vision series, a saturated one, Atari
# games (sparse, superhuman), language benchmarks with few points.
SAMPLE = 6


def test_prepared_history_gives_the_plain_fit(bundled):
    cfg, store, table, history = bundled
    c = cfg["capability"]
    names = sorted(history["benchmark"].unique())
    counts = history.groupby("benchmark").size()
    # the longest series and a spread of the others, fixed (sorted names)
    picks = list(counts.sort_values(ascending=False).index[:2]) + names[:: max(len(names) // SAMPLE, 1)][:SAMPLE]
    dates = [d for d in pool_dates(cfg, AS_OF) if d.month == 12]
    compared = 0
    for name in dict.fromkeys(picks):
        rows = history[history["benchmark"] == name].reset_index(drop=True)
        mine = table[table["benchmark"] == name]
        prepared = prepare_history(rows, mine, [name], error_scale=c["error_scale"],
                                   saturation_noise=c["saturation_noise_points"])
        for d in dates:
            if d < rows["date"].min():
                continue
            prior, lifetimes = shape_prior(store, d, cfg), lifetime_prior(store, d, cfg)
            plain = _fit(cfg, rows, table, name, d, prior, lifetimes)
            fast = _fit(cfg, rows, table, name, d, prior, lifetimes, prepared=prepared, with_curve=False)
            assert fast.status == plain.status and fast.n_points == plain.n_points
            assert fast.thresholds == plain.thresholds  # frozen dataclasses: exact floats
            assert fast.saturated == plain.saturated and fast.benchmarks == plain.benchmarks
            np.testing.assert_array_equal([fast.level, fast.velocity_per_year, fast.observed_level],
                                          [plain.level, plain.velocity_per_year, plain.observed_level])
            pd.testing.assert_frame_equal(fast.per_benchmark, plain.per_benchmark, check_exact=True)
            pd.testing.assert_series_equal(fast.observed_curve, plain.observed_curve, check_exact=True)
            assert fast.curve.empty
            compared += 1
    assert compared > 30


def test_prepared_history_is_refused_for_other_settings(bundled):
    cfg, _, table, history = bundled
    name = sorted(history["benchmark"].unique())[0]
    prepared = prepare_history(history, table, [name], error_scale="linear")
    with pytest.raises(InputError, match="prepare_history"):
        _fit(cfg, history, table, name, AS_OF, None, None, prepared=prepared)


def test_skipped_dates_are_those_fit_sector_cannot_forecast(bundled):
    """Every (benchmark, date) ``could_forecast`` skips, ``fit_sector`` answers with no
    forecast; and the skip is not vacuous (the bundled data has such dates)."""
    cfg, store, table, history = bundled
    c = cfg["capability"]
    dates = [d for d in pool_dates(cfg, AS_OF) if d.month in (6, 12)]
    skipped = kept = 0
    for name, rows in history.groupby("benchmark", sort=True):
        rows = rows.reset_index(drop=True)
        prepared = prepare_history(rows, table[table["benchmark"] == name], [name], error_scale=c["error_scale"],
                                   saturation_noise=c["saturation_noise_points"])
        for d in dates:
            if not rows["date"].min() <= d <= rows["date"].max():
                continue
            prior, lifetimes = shape_prior(store, d, cfg), lifetime_prior(store, d, cfg)
            if could_forecast(prepared, d, c, prior, lifetimes):
                kept += 1
                continue
            skipped += 1
            res = _fit(cfg, rows, table, name, d, prior, lifetimes)
            assert not res.has_forecast, (name, d)
    assert skipped > 50 and kept > 50


@pytest.mark.parametrize("date", ["2025-06-30", "1999-02-28 13:45:10", pd.Timestamp("2020-02-29 13:00", tz="UTC"),
                                  pd.Timestamp("2021-01-01").as_unit("s"), np.datetime64("2011-03-04"), "2019"])
def test_decimal_year_of_one_date_is_the_pandas_computation(date):
    """One date goes through numpy in its own unit; the bits are those of the pandas
    computation on a one-element DatetimeIndex (2000-01-01 plus days / DAYS_PER_YEAR)."""
    from gapscore.models._frontier import DAYS_PER_YEAR, decimal_year, to_timestamp, year_of

    index = pd.DatetimeIndex([to_timestamp(date, "date")])
    expected = 2000.0 + float(((index - pd.Timestamp("2000-01-01")) / pd.Timedelta(days=1))[0]) / DAYS_PER_YEAR
    assert decimal_year(date)[0] == expected and year_of(date) == expected


def test_calibration_rows_come_from_the_pool_on_its_dates(bundled, monkeypatch):
    """A backtest's calibration on the pool's quarterly dates reads the pool's rows
    (with every date covered, also those on which no benchmark could be forecast) and
    they are the rows a fresh replay of the requested benchmarks gives."""
    from gapscore.scoring.backtest.engine import as_of_dates
    from gapscore.scoring.signals import calibration as cal

    cfg, store, _, _ = bundled
    dates = as_of_dates(2010, 2025, int(cfg["backtest"]["calibration_step_months"]))
    truth = pd.Timestamp("2026-12-05")
    scope = cal.sector_benchmarks(store, ["computer_vision"])
    pool = cal.forecast_pool(store, cfg)
    rowless = {d for d in dates if not (pool["as_of"] == d.date().isoformat()).any()}
    assert rowless  # the early dates: no reference class yet, so no forecast at all
    calls = []
    replay = cal._raw_forecasts

    def counted(*args, **kwargs):
        calls.append(args[1])
        return replay(*args, **kwargs)

    monkeypatch.setattr(cal, "_raw_forecasts", counted)
    via_pool = cal.calibration_forecasts(store, dates, cfg, truth_as_of=truth, benchmarks=scope)
    assert calls == []
    fresh = replay(store, dates, cfg, truth_as_of=truth, table=cal._calibrated_table(store, scope))
    expected = cal.apply_scales(fresh, store, cfg, pool, truth_as_of=truth)
    pd.testing.assert_frame_equal(via_pool, expected, check_exact=True)


@pytest.mark.parametrize("done", [None, 2021.3])
def test_one_member_bisection_is_the_sector_mean_bisection(done):
    """``_sector_year`` of a one-member sector reads the member's curve directly; its
    years are those of the bisection on ``_sector_mean`` (the general path), bit for bit."""
    from gapscore.models import capability as cap

    rng = np.random.default_rng(7)
    params = np.column_stack([rng.uniform(0.6, 1.2, 300), rng.uniform(0.05, 3.0, 300), rng.uniform(2010, 2030, 300)])
    params = params[:, None, :]
    thresholds = np.repeat([0.5, 0.8, 0.95], 100)
    done_arr = None if done is None else np.array([done])
    lo, hi = 2008.0, 2035.0
    a, b = np.full(300, lo), np.full(300, hi)
    reached = cap._sector_mean(params, b, np.inf, done_arr, 1.0) >= thresholds
    for _ in range(cap._BISECTION_STEPS):
        mid = 0.5 * (a + b)
        above = cap._sector_mean(params, mid, np.inf, done_arr, 1.0) >= thresholds
        a, b = np.where(above, a, mid), np.where(above, mid, b)
    expected = np.where(reached, b, np.inf)
    got = cap._sector_year(params, thresholds, lo, hi, np.inf, done_arr, 1.0)
    # not vacuous: crossings found, and without saturation some curves never get there
    assert np.isfinite(got).sum() > 100 and (done is not None or np.isinf(got).sum() > 10)
    np.testing.assert_array_equal(got, expected)


def test_shape_priors_of_many_dates_are_those_of_each_date(bundled):
    """``models.shape_prior.shape_priors`` (the reference class normalised once, a curve
    fitted once per set of record points) gives, at every pool date, the prior
    ``shape_prior`` computes from the rows known on that date alone: same benchmarks,
    same shapes (exact)."""
    from gapscore.models.shape_prior import shape_prior as one, shape_priors as many
    from gapscore.scoring.signals.sector import _prior_reference

    cfg, store, _, _ = bundled
    c = cfg["capability"]
    bench = store.load("benchmarks")
    dates = [pd.Timestamp("2003-12-31"), *pool_dates(cfg, AS_OF)]  # a date before the class exists too
    settings = dict(reference=_prior_reference(store, cfg), min_points=c["min_points"],
                    min_benchmarks=c["shape_min_benchmarks"], error_scale=c["error_scale"])
    batch = many(store.as_of("capability", AS_OF), bench, dates=dates, **settings)
    kinds = set()
    for d, got in zip(dates, batch, strict=True):
        expected = one(store.as_of("capability", d), bench, as_of=d, **settings)
        kinds.add(expected is None)
        if expected is None:
            assert got is None, d
            continue
        assert got.benchmarks == expected.benchmarks and got.as_of == expected.as_of, d
        np.testing.assert_array_equal(got.L, expected.L)
        np.testing.assert_array_equal(got.k, expected.k)
    assert kinds == {True, False}  # dates with and without a class


def test_the_pool_on_two_forked_workers_is_the_pool_of_one_process():
    """``jobs=2`` deals the dates' reference classes and the benchmarks to two forked
    workers (``scoring.parallel``); every row must equal the single-process replay, bit
    for bit. Two fresh stores, so no reference class computed by one run serves the other."""
    from gapscore.scoring.signals import calibration as cal

    cfg = load_config(None)
    runs = []
    for jobs in (1, 2):
        store = DataStore(None)
        scope = cal.sector_benchmarks(store, ["computer_vision", "code_assistants"])
        dates = pool_dates(cfg, AS_OF)[-12:]
        runs.append(cal._raw_forecasts(store, dates, cfg, truth_as_of=AS_OF, table=cal._calibrated_table(store, scope),
                                       jobs=jobs))
    assert len(runs[0]) > 50
    pd.testing.assert_frame_equal(runs[1], runs[0], check_exact=True)
