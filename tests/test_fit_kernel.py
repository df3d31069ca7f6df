"""The batched logistic least-squares kernel against scipy's, on the bundled benchmarks.

The reference is ``SCurve(method="scipy")``: one ``scipy.optimize.least_squares``
(trust-region reflective) call per starting point and per bootstrap replicate, the
method SCurve used before the batched kernel. Both methods get the same points, the
same starts and the same bootstrap draws, so any difference is the solvers'.
"""

from __future__ import annotations

import numpy as np
import pytest

from gapscore.models._frontier import decimal_year
from gapscore.models._logistic_lsq import fit_logistic_batch
from gapscore.models.capability import SCurve, normalise, record_points
from gapscore.models.exceptions import InputError
from gapscore.scoring.inputs.datasets import DataStore

#: Largest difference allowed between the methods' threshold years (point and the
#: 10/50/90% bootstrap quantiles), in years. Measured on the bundled benchmarks whose
#: climb is observed, at four as-of dates with 200 replicates: at most 0.007 years
#: (go_elo as of 2016), 0.033 for the Hutter prize (docs/models/capability_cost.md).
YEAR_TOLERANCE = 0.02


def _records(as_of):
    store = DataStore()
    bench = store.load("benchmarks")
    bench = bench[bench["human_baseline"].notna()]
    history = store.load("capability")
    history = history[history["benchmark"].isin(bench["benchmark"])]
    return store, record_points(normalise(history, bench), as_of=as_of)


def _sector_benchmarks(store):
    return sorted({b for table in store.sectors().values() for b in table.get("benchmarks", [])})


def _threshold_years(model, threshold):
    """The point year and the 10/50/90% quantiles of the replicates' years."""
    L, k, t0 = model.params_.to_numpy()
    point = t0 + np.log(threshold / (L - threshold)) / k if threshold < L else np.inf
    p = model.boot_params_.dropna().to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        years = np.where(threshold < p[:, 0], p[:, 2] + np.log(threshold / (p[:, 0] - threshold)) / p[:, 1], np.inf)
    return np.array([point, *np.quantile(years, [0.1, 0.5, 0.9], method="inverted_cdf")])


@pytest.mark.parametrize("as_of", ["2018-06-30", "2025-06-30"])
def test_batched_matches_scipy_on_bundled_sector_benchmarks(as_of):
    store, records = _records(as_of)
    fitted = 0
    for benchmark in _sector_benchmarks(store):
        points = records[records["benchmark"] == benchmark]
        if len(points) < 5 or points["share"].iloc[0] >= 1.0:
            # A first record already at the human level shows no climb: k and t0 are not
            # identified (a valley of equal cost, where the solvers stop at different
            # points), which test_batched_never_finds_a_worse_minimum_than_scipy covers.
            continue
        t, y = decimal_year(points["date"]), points["share"].to_numpy(dtype=float)
        fits = {
            m: SCurve(n_boot=60, random_state=np.random.SeedSequence(3), method=m).fit(t, y)
            for m in ("batched", "scipy")
        }
        a, s = fits["batched"], fits["scipy"]
        np.testing.assert_allclose(a.params_[["L", "k"]], s.params_[["L", "k"]], rtol=1e-4, err_msg=benchmark)
        assert abs(a.params_["t0"] - s.params_["t0"]) < 1e-3, benchmark
        assert a.n_boot_failed_ == s.n_boot_failed_ == 0
        for threshold in (0.8, 0.95, 1.0):
            ya, ys = _threshold_years(a, threshold), _threshold_years(s, threshold)
            assert np.array_equal(np.isfinite(ya), np.isfinite(ys)), (benchmark, threshold)
            finite = np.isfinite(ya)
            assert np.all(np.abs(ya[finite] - ys[finite]) < YEAR_TOLERANCE), (benchmark, threshold, ya, ys)
        fitted += 1
    assert fitted >= 5  # the check ran on real curves


def test_batched_never_finds_a_worse_minimum_than_scipy():
    """On every bundled non-Atari benchmark and on the Atari games whose parameters are
    not identified (all points at the ceiling, or a step), where the two methods stop at
    different parameters, the batched point fit's cost is at most scipy's (to rounding)."""
    _, records = _records("2025-06-30")
    flat = {"atari_krull", "atari_boxing", "atari_video_pinball", "atari_gopher", "atari_james_bond", "atari_road_runner",
            "librispeech_test_other_wer"}
    for benchmark, points in records.groupby("benchmark"):
        if len(points) < 5 or (benchmark.startswith("atari_") and benchmark not in flat):
            continue
        t, y = decimal_year(points["date"]), np.minimum(points["share"].to_numpy(dtype=float), 1.2)
        cost = {}
        for m in ("batched", "scipy"):
            fit = SCurve(n_boot=0, method=m).fit(t, y)
            cost[m] = float(np.sum((fit.predict(t) - y) ** 2))
        assert cost["batched"] <= cost["scipy"] * (1 + 1e-9) + 1e-14, (benchmark, cost)


def test_kernel_respects_bounds_and_finds_a_bound_minimum():
    """Points rising to 0.9: with L bounded below by 1.05 the minimum lies on that bound
    (the unconstrained fit would settle near 0.9), and both methods put it there."""
    t = np.linspace(-5, 5, 12)
    y = 0.9 / (1 + np.exp(-1.2 * t))
    lower, upper = np.array([1.05, 0.01, -55.0]), np.array([1.2, 10.0, 55.0])
    starts = np.array([[1.2, 0.3, 0.0], [1.1, 3.0, 2.0], [1.2, 1.0, 7.0]])
    xa, ca = fit_logistic_batch(t, y, starts, lower, upper, method="batched")
    xs, cs = fit_logistic_batch(t, y, starts, lower, upper, method="scipy")
    assert np.all(xa >= lower) and np.all(xa <= upper)
    best_a, best_s = xa[np.argmin(ca)], xs[np.argmin(cs)]
    assert best_a[0] == pytest.approx(1.05)
    np.testing.assert_allclose(best_a, best_s, rtol=1e-4, atol=1e-4)  # scipy stops at its 1e-8 tolerances
    assert ca.min() <= cs.min() * (1 + 1e-9)


def test_kernel_recovers_exact_parameters_per_row():
    """Each row of a batch has its own targets: noise-free curves are recovered exactly."""
    t = np.linspace(-4, 4, 9)
    truth = np.array([[1.1, 0.8, 0.5], [1.15, 1.5, -1.0], [1.08, 0.4, 2.0]])
    y = truth[:, [0]] / (1 + np.exp(-truth[:, [1]] * (t[None, :] - truth[:, [2]])))
    lower, upper = np.array([1e-3, 0.01, -55.0]), np.array([1.2, 10.0, 55.0])
    x, cost = fit_logistic_batch(t, y, np.tile([1.2, 1.0, 0.0], (3, 1)), lower, upper)
    np.testing.assert_allclose(x, truth, rtol=1e-6, atol=1e-7)
    assert np.all(cost < 1e-20)


def test_scurve_rejects_an_unknown_method():
    with pytest.raises(InputError, match="'method' parameter of SCurve"):
        SCurve(method="newton").fit([0, 1, 2, 3], [0.1, 0.2, 0.4, 0.6])
