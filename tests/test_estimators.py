"""The curve models as scikit-learn estimators (models/estimators.py), and the capability
curve cross-validated over time with TimeSeriesSplit (scoring.signals.calibration.curve_time_cv)."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn.utils.estimator_checks as sk_checks
from scipy.special import expit
from sklearn.base import clone
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.model_selection import TimeSeriesSplit, cross_val_score
from sklearn.utils.validation import check_is_fitted

from gapscore.models import fit_cache
from gapscore.models._frontier import decimal_year
from gapscore.models.capability import SCurve, _SCurveCore
from gapscore.models.cost import CostCurve, _CostCurveCore
from gapscore.models.exceptions import InputError, InsufficientDataError, NotFittedError
from gapscore.models.shape_prior import BorrowedCurve, ShapePrior
from gapscore.scoring.signals.calibration import curve_time_cv

T = np.array([2010.0, 2011.5, 2012.2, 2013.0, 2014.4, 2015.1, 2016.8])
Y = np.array([0.12, 0.2, 0.35, 0.52, 0.7, 0.86, 0.95])
DATES = pd.to_datetime(["2021-01-01", "2021-09-01", "2022-03-01", "2023-01-01", "2023-06-01"])
PRICES = np.array([60.0, 20.0, 9.0, 2.0, 0.9])
PRIOR = ShapePrior(pd.Timestamp("2012-01-01"), np.array([1.1, 1.2, 1.15]), np.array([0.5, 1.0, 0.7]), ("a", "b", "c"))


IDS = ["SCurve", "BorrowedCurve", "CostCurve"]


def estimators():
    """One of each, with non-default settings, and data it can be fitted to."""
    return [
        (SCurve(n_boot=7, random_state=3, min_asymptote=1.0), T, Y),
        (BorrowedCurve(prior=PRIOR, n_boot=9, random_state=2), T[:3], Y[:3]),
        (CostCurve(ci=0.8, days_per_year=365.0), DATES, PRICES),
    ]


# --- the contract -----------------------------------------------------------------------


@pytest.mark.parametrize("est, X, y", estimators(), ids=IDS)
def test_fit_returns_self_and_clone_is_unfitted_with_equal_settings(est, X, y):
    assert est.fit(X, y) is est
    check_is_fitted(est)
    twin = clone(est)
    assert type(twin) is type(est) and twin is not est
    with pytest.raises(SklearnNotFittedError):
        check_is_fitted(twin)
    assert not [name for name in vars(twin) if name.endswith("_")]  # no fitted attribute carried over
    mine, theirs = est.get_params(), twin.get_params()
    assert mine.keys() == theirs.keys()
    for name, value in mine.items():
        if isinstance(value, ShapePrior):  # clone deep-copies a non-estimator setting
            assert np.array_equal(theirs[name].L, value.L) and np.array_equal(theirs[name].k, value.k)
        else:
            assert theirs[name] == value


@pytest.mark.parametrize("est, X, y", estimators(), ids=IDS)
def test_get_params_set_params_round_trip(est, X, y):
    params = est.get_params()
    assert est.set_params(**params) is est and est.get_params() == params
    est.set_params(**{"ci": 0.5} if isinstance(est, CostCurve) else {"n_boot": 4})
    assert est.get_params() != params
    with pytest.raises(ValueError, match="Invalid parameter"):
        est.set_params(no_such_setting=1)


@pytest.mark.parametrize("est, X, y", estimators(), ids=IDS)
def test_every_use_before_fit_raises_not_fitted_of_both_kinds(est, X, y):
    uses = [lambda: est.predict(X), lambda: est.score(X, y), lambda: est.predict_interval(X)]
    if isinstance(est, CostCurve):
        uses.append(lambda: est.year_price_below(1.0))
    else:
        uses += [lambda: est.slope(2015.0), lambda: est.year_reaching(0.8), lambda: est.predict_draws([2015.0])]
    for use in uses:
        with pytest.raises(NotFittedError, match="not fitted yet") as caught:
            use()
        assert isinstance(caught.value, SklearnNotFittedError)


def test_init_stores_settings_as_given_and_fit_validates_them():
    """scikit-learn's rule: __init__ stores, fit validates (with the model's own message)."""
    est = SCurve(n_boot=-3, ceiling="nonsense")
    assert est.get_params()["n_boot"] == -3 and est.get_params()["ceiling"] == "nonsense"
    with pytest.raises(InputError, match="'n_boot'"):
        est.fit(T, Y)
    with pytest.raises(InputError, match="'prior' parameter of BorrowedCurve"):
        BorrowedCurve().fit(T, Y)
    with pytest.raises(InputError, match="requires y"):
        SCurve().fit(T, None)
    with pytest.raises(InputError, match="one column of times"):
        SCurve().fit(np.column_stack([T, T]), Y)


# --- same numbers as the maths classes the scores use -----------------------------------


def test_scurve_numbers_are_the_core_s_to_the_bit():
    core = _SCurveCore(n_boot=25, random_state=np.random.SeedSequence(4)).fit(T, Y)
    for X in (T, T.reshape(-1, 1), pd.DataFrame({"year": T})):
        est = SCurve(n_boot=25, random_state=np.random.SeedSequence(4)).fit(X, Y)
        pd.testing.assert_series_equal(est.params_, core.params_, check_exact=True)
        pd.testing.assert_frame_equal(est.boot_params_, core.boot_params_, check_exact=True)
        assert est.year_reaching(0.8) == core.year_reaching(0.8)
    est = SCurve(n_boot=25, random_state=np.random.SeedSequence(4)).fit(T.reshape(-1, 1), Y)
    assert est.n_features_in_ == 1
    grid = np.linspace(2005, 2030, 11)
    assert np.array_equal(est.predict(grid.reshape(-1, 1)), core.predict(grid))  # one column in, 1-D out
    assert est.predict(2015.0).shape == () and float(est.predict(2015.0)) == float(core.predict(2015.0))


def test_borrowed_and_cost_numbers_are_the_cores():
    core = PRIOR.curve(T[:3], Y[:3], n_draws=9, random_state=2)
    est = BorrowedCurve(prior=PRIOR, n_boot=9, random_state=2).fit(T[:3].reshape(-1, 1), Y[:3])
    pd.testing.assert_frame_equal(est.boot_params_, core.boot_params_, check_exact=True)
    assert est.year_reaching(0.9) == core.year_reaching(0.9)
    cost_core = _CostCurveCore(ci=0.8).fit(DATES, PRICES)
    for X in (DATES, pd.DataFrame({"date": DATES}), np.array(DATES).reshape(-1, 1)):
        cost = CostCurve(ci=0.8).fit(X, PRICES)
        assert (cost.slope_, cost.intercept_, cost.decline_ci_) == (cost_core.slope_, cost_core.intercept_,
                                                                    cost_core.decline_ci_)
        assert np.array_equal(cost.predict(X), cost_core.predict(DATES))


def test_scoring_never_imports_scikit_learn():
    """The scores use the maths classes: scikit-learn (0.7 s and scipy.stats at start-up)
    is imported only when an estimator is asked for."""
    code = ("import sys; from gapscore.scoring.signals import scores, sector; import gapscore.models.capability, "
            "gapscore.models.cost, gapscore.models.shape_prior; print('sklearn' in sys.modules); "
            "from gapscore.models.capability import SCurve; print('sklearn' in sys.modules, SCurve.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True", "gapscore.models.estimators"]


# --- scikit-learn's own checks, where they apply ---------------------------------------

#: The checks of sklearn.utils.estimator_checks that apply to a one-column time regressor.
#: Left out: the checks that fit on several random features (X is one column of times,
#: and more columns are refused), check_fit1d (a 1-D X is the times, on purpose) and
#: check_param_validation (settings are validated by the model's own messages).
CHECKS = ["check_estimator_cloneable", "check_estimator_repr", "check_do_not_raise_errors_in_init_or_set_params",
          "check_no_attributes_set_in_init", "check_parameters_default_constructible", "check_get_params_invariance",
          "check_set_params", "check_estimators_unfitted", "check_mixin_order", "check_requires_y_none",
          "check_fit2d_1feature", "check_estimators_empty_data_messages"]
#: CostCurve's X are dates, not numbers: the two checks that fit it on random floats do not apply.
NOT_FOR_DATES = {"check_fit2d_1feature", "check_estimators_empty_data_messages"}


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("est", [SCurve(n_boot=0), BorrowedCurve(prior=PRIOR, n_boot=3), CostCurve()],
                         ids=lambda e: type(e).__name__)
def test_scikit_learn_estimator_checks(est, check):
    if isinstance(est, CostCurve) and check in NOT_FOR_DATES:
        pytest.skip("CostCurve's X are dates")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        getattr(sk_checks, check)(type(est).__name__, est)


# --- the fit cache under the estimator contract -----------------------------------------


def test_set_params_and_clone_never_read_a_stale_cache_entry(fit_cache_dir):
    """A setting changed with set_params is part of the next fit's key: the refit equals a
    fresh fit with that setting (computed with the cache bypassed), not the cached one; a
    clone refitted reads its twin's entry and gets the same bits."""
    est = SCurve(n_boot=20, random_state=5).fit(T, Y)
    default = est.params_.copy()
    est.set_params(ceiling=1.0).fit(T, Y)
    fit_cache.clear_memo()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(fit_cache.ENV_OFF, "1")
        fresh = _SCurveCore(n_boot=20, random_state=5, ceiling=1.0).fit(T, Y)
    pd.testing.assert_series_equal(est.params_, fresh.params_, check_exact=True)
    pd.testing.assert_frame_equal(est.boot_params_, fresh.boot_params_, check_exact=True)
    assert est.params_["L"] == pytest.approx(1.0) and default["L"] > 1.0 + 1e-3
    hits = fit_cache.stats()["disk_hits"] + fit_cache.stats()["memo_hits"]
    twin = clone(est).fit(T, Y)
    assert fit_cache.stats()["disk_hits"] + fit_cache.stats()["memo_hits"] == hits + 2  # point and bootstrap
    pd.testing.assert_frame_equal(twin.boot_params_, est.boot_params_, check_exact=True)


# --- cross-validation over time ----------------------------------------------------------

L_TRUE, K_TRUE, T0_TRUE = 1.1, 0.8, 2015.0
CFG = {"capability": {"error_scale": "linear", "min_points": 5, "random_state": 0}}


def toy(n: int = 11, extra: list | None = None):
    """A benchmark whose record points lie exactly on a logistic (human 100, floor 0): one
    result every 8 months from 2011, so each is a record (the logistic only rises)."""
    dates = pd.date_range("2011-01-01", periods=n, freq="8MS")
    share = L_TRUE * expit(K_TRUE * (decimal_year(dates) - T0_TRUE))
    history = pd.DataFrame({"benchmark": "toy", "date": dates, "value": 100.0 * share})
    if extra:
        history = pd.concat([history, pd.DataFrame(extra)], ignore_index=True)
    bench = pd.DataFrame({"benchmark": ["toy"], "higher_is_better": [True], "human_baseline": [100.0],
                          "floor": [0.0], "scale": ["linear"]})
    return history, bench, share


def test_curve_time_cv_folds_are_as_of_dates_and_exact_data_is_predicted_exactly():
    """11 points, min_points 5, 3 folds: test blocks of (11 - 5) // 3 = 2 points after
    5, 7 and 9 training points. On exact logistic points the refitted curve predicts the
    test block exactly; persistence (the last training share carried forward) misses by
    the climb, worked out here from the shares themselves."""
    history, bench, share = toy()
    cv = curve_time_cv(history, bench, "toy", as_of="2020-01-01", cfg=CFG, n_splits=3)
    assert list(cv["n_train"]) == [5, 7, 9] and list(cv["n_test"]) == [2, 2, 2]
    assert (cv["train_until"] < cv["test_from"]).all()
    dates = history["date"]
    assert list(cv["test_from"]) == [dates[5], dates[7], dates[9]]
    np.testing.assert_allclose(cv["mae"], 0.0, atol=1e-6)
    by_hand = [np.mean([share[i] - share[i - 1], share[i + 1] - share[i - 1]]) for i in (5, 7, 9)]
    np.testing.assert_allclose(cv["persistence_mae"], by_hand, rtol=1e-12)


def test_curve_time_cv_is_cross_val_score_with_time_series_split():
    """The same folds and scores as scikit-learn's cross_val_score run by hand, on noisy points."""
    history, bench, share = toy(12)
    noise = np.random.default_rng(0).normal(0, 0.004, share.size)
    history["value"] = 100.0 * np.maximum.accumulate(share + noise)
    history = history[np.r_[True, np.diff(history["value"]) > 0]]  # record points only
    cv = curve_time_cv(history, bench, "toy", as_of="2020-01-01", cfg=CFG, n_splits=2)
    X = decimal_year(history["date"]).reshape(-1, 1)
    y = history["value"].to_numpy() / 100.0
    test_size = (len(y) - 5) // 2
    ref = cross_val_score(SCurve(n_boot=0), X, y, cv=TimeSeriesSplit(n_splits=2, test_size=test_size),
                          scoring="neg_mean_absolute_error")
    np.testing.assert_array_equal(cv["mae"].to_numpy(), -ref)


def test_curve_time_cv_clones_the_estimator_and_ignores_rows_after_as_of():
    history, bench, _ = toy()
    est = SCurve(n_boot=0, min_asymptote=0.0)
    base = curve_time_cv(history, bench, "toy", as_of="2018-06-30", cfg=CFG, n_splits=2, estimator=est)
    assert not hasattr(est, "params_")  # cloned, never fitted in place
    later, bench, _ = toy(extra=[{"benchmark": "toy", "date": pd.Timestamp("2019-01-01"), "value": 109.0}])
    pd.testing.assert_frame_equal(
        curve_time_cv(later, bench, "toy", as_of="2018-06-30", cfg=CFG, n_splits=2, estimator=est), base)


def test_curve_time_cv_needs_a_training_block_and_a_test_point_per_fold():
    history, bench, _ = toy(7)
    with pytest.raises(InsufficientDataError, match="at least 8 record points"):
        curve_time_cv(history, bench, "toy", as_of="2020-01-01", cfg=CFG, n_splits=3)



def test_curve_time_cv_table_covers_the_benchmarks_with_enough_records(tmp_path):
    """The mini data folder with toy_score given 9 records on an exact logistic (human 90,
    floor 25) and toy_error its 3: the table is toy_score's folds alone, equal to
    curve_time_cv of toy_score; a date before the 8th record leaves it empty."""
    from conftest import write_mini

    from gapscore.scoring.inputs.config import load_config
    from gapscore.scoring.inputs.datasets import DataStore
    from gapscore.scoring.signals.calibration import TIME_CV_COLUMNS, curve_time_cv_table

    dates = pd.date_range("2016-01-01", periods=9, freq="6MS")
    values = 25 + 65 * L_TRUE * expit(K_TRUE * (decimal_year(dates) - 2018.0))
    rows = "\n".join(f"        toy_score,{d.date()},s{i},{float(v)!r},hand-made" for i, (d, v) in enumerate(zip(dates, values)))
    capability = ("\n        benchmark,date,system,value,source\n        toy_error,2010-06-01,a,28.0,hand-made\n"
                  "        toy_error,2012-06-01,b,15.0,hand-made\n        toy_error,2014-06-01,c,6.0,hand-made\n" + rows + "\n")
    store = DataStore(write_mini(tmp_path / "data", {"capability.csv": capability}), replace=True)
    cfg = load_config()
    table = curve_time_cv_table(store, cfg, as_of="2021-01-01")
    # (9 - 5) // 3 = 1 test record per fold, after 6, 7 and 8 to train on
    assert set(table["benchmark"]) == {"toy_score"} and list(table["n_train"]) == [6, 7, 8]
    direct = curve_time_cv(store.as_of("capability", pd.Timestamp("2021-01-01")), store.load("benchmarks"), "toy_score",
                           as_of="2021-01-01", cfg=cfg)
    pd.testing.assert_frame_equal(table, direct)
    np.testing.assert_allclose(table["mae"], 0.0, atol=1e-6)  # exact logistic points
    empty = curve_time_cv_table(store, cfg, as_of=str(dates[6].date()))
    assert empty.empty and list(empty.columns) == TIME_CV_COLUMNS


@pytest.mark.parametrize("est, X, y", estimators(), ids=IDS)
def test_a_fitted_estimator_pickles_to_the_same_predictions(est, X, y):
    import pickle

    est.fit(X, y)
    again = pickle.loads(pickle.dumps(est))
    assert type(again) is type(est) and again.get_params().keys() == est.get_params().keys()
    assert np.array_equal(again.predict(X), est.predict(X))


def test_the_model_modules_use_their_maths_classes_by_name():
    """Inside models/capability.py, cost.py and shape_prior.py the public estimator names
    are not globals (the module's __getattr__ serves them to importers only): code there
    that says SCurve(...), CostCurve(...) or BorrowedCurve(...) would fail at run time.
    It must use _SCurveCore, _CostCurveCore or _BorrowedCurveCore."""
    import ast
    from pathlib import Path

    import gapscore.models

    here = Path(gapscore.models.__file__).parent
    public = {"SCurve", "CostCurve", "BorrowedCurve"}
    for name in ("capability.py", "cost.py", "shape_prior.py"):
        tree = ast.parse((here / name).read_text())
        lazy = {id(node) for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef) and fn.name == "__getattr__"
                for node in ast.walk(fn)}  # the lazy import itself
        used = sorted((node.id, node.lineno) for node in ast.walk(tree) if id(node) not in lazy
                      and isinstance(node, ast.Name) and node.id in public and isinstance(node.ctx, ast.Load))
        assert not used, f"models/{name}: use the _...Core class, not {used}"
