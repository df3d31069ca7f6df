"""The fit cache (models/fit_cache.py): same results with and without it, keys that
change with every input, nothing written when bypassed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gapscore.models import fit_cache
from gapscore.models.capability import SCurve

T = np.array([2010.0, 2011.5, 2012.2, 2013.0, 2014.4, 2015.1, 2016.8])
Y = np.array([0.12, 0.2, 0.35, 0.52, 0.7, 0.86, 0.95])


def _fit(seed=np.random.SeedSequence(11), n_boot=50):
    return SCurve(n_boot=n_boot, random_state=seed).fit(T, Y)


def _files(directory):
    return sorted(directory.rglob("*.npy")) if directory.exists() else []


def test_results_are_identical_computed_from_memo_and_from_disk(fit_cache_dir, monkeypatch):
    monkeypatch.setenv(fit_cache.ENV_OFF, "1")
    plain = _fit()
    assert _files(fit_cache_dir) == []  # bypassed: nothing written
    fit_cache.clear_memo()
    monkeypatch.delenv(fit_cache.ENV_OFF)
    cold = _fit()  # computes, writes point and bootstrap entries
    assert len(_files(fit_cache_dir)) == 2
    warm_memo = _fit()
    fit_cache.clear_memo()
    before = fit_cache.stats()["disk_hits"]
    warm_disk = _fit()
    assert fit_cache.stats()["disk_hits"] == before + 2
    for other in (cold, warm_memo, warm_disk):
        pd.testing.assert_series_equal(other.params_, plain.params_, check_exact=True)
        pd.testing.assert_frame_equal(other.boot_params_, plain.boot_params_, check_exact=True)
        assert other.residual_std_ == plain.residual_std_


def test_a_cached_result_is_not_shared_by_callers(fit_cache_dir):
    first = _fit()
    first.boot_params_.iloc[0, 0] = -1.0
    first.params_.iloc[0] = -1.0
    second = _fit()
    assert second.params_.iloc[0] > 0 and second.boot_params_.iloc[0, 0] > 0


def test_every_input_changes_the_key():
    base = fit_cache.key("scurve-point", T, Y, 1.2, 1.05, "batched")
    variants = [
        fit_cache.key("scurve-point", T, Y + 1e-15, 1.2, 1.05, "batched"),
        fit_cache.key("scurve-point", T[:-1], Y[:-1], 1.2, 1.05, "batched"),
        fit_cache.key("scurve-point", T, Y, 1.1, 1.05, "batched"),
        fit_cache.key("scurve-point", T, Y, 1.2, 1.0, "batched"),
        fit_cache.key("scurve-point", T, Y, 1.2, 1.05, "scipy"),
        fit_cache.key("scurve-boot", T, Y, 1.2, 1.05, "batched"),
    ]
    assert base not in variants and len(set(variants)) == len(variants)
    assert fit_cache.key("scurve-point", T.copy(), Y.copy(), 1.2, 1.05, "batched") == base


def test_the_code_version_is_part_of_the_key(monkeypatch):
    base = fit_cache.key("scurve-point", T, Y)
    monkeypatch.setattr(fit_cache, "CODE_VERSION", "another version of the fitting code")
    assert fit_cache.key("scurve-point", T, Y) != base


def test_seeds_that_fix_the_draws_are_keyed_and_others_are_not():
    ss = np.random.SeedSequence(5)
    child_a, child_b = ss.spawn(2)
    assert fit_cache.seed_token(3) == fit_cache.seed_token(3)
    assert fit_cache.seed_token(child_a) != fit_cache.seed_token(child_b)
    assert fit_cache.seed_token(child_a) == fit_cache.seed_token(np.random.SeedSequence(5).spawn(1)[0])
    assert fit_cache.seed_token(None) is None
    assert fit_cache.seed_token(np.random.default_rng(1)) is None
    assert fit_cache.seed_token(True) is None


def test_a_generator_seed_draws_afresh_each_time(fit_cache_dir):
    rng = np.random.default_rng(4)
    first = _fit(seed=rng)
    second = _fit(seed=rng)  # the generator moved on: other draws, not a cached copy
    assert not first.boot_params_.equals(second.boot_params_)
    pd.testing.assert_series_equal(first.params_, second.params_, check_exact=True)


def test_an_unreadable_entry_is_a_miss_and_is_rewritten(fit_cache_dir):
    reference = _fit()
    for path in _files(fit_cache_dir):
        path.write_bytes(b"not an array")
    fit_cache.clear_memo()
    again = _fit()
    pd.testing.assert_frame_equal(again.boot_params_, reference.boot_params_, check_exact=True)
    for path in _files(fit_cache_dir):
        np.load(path)  # rewritten whole


def test_cli_no_cache_flag_writes_nothing(tmp_path, monkeypatch, runner):
    from gapscore.scoring.cli import main

    monkeypatch.setenv(fit_cache.ENV_DIR, str(tmp_path / "fits"))
    monkeypatch.setenv(fit_cache.ENV_OFF, "0")  # restored after the test (the flag sets it to 1)
    fit_cache.clear_memo()
    result = runner.invoke(main, ["--no-cache", "score", "--as-of", "2020-06-30", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert _files(tmp_path / "fits") == []
    monkeypatch.setenv(fit_cache.ENV_OFF, "0")
    fit_cache.clear_memo()
    cached = runner.invoke(main, ["score", "--as-of", "2020-06-30", "--format", "csv"])
    assert cached.exit_code == 0
    assert _files(tmp_path / "fits")
    assert cached.output == result.output


def test_no_code_version_means_no_disk_store(fit_cache_dir, monkeypatch):
    """Where the fitting code's source cannot be hashed, no entry could be proved fresh:
    nothing is read from or written to disk (the in-run memo still works)."""
    monkeypatch.setattr(fit_cache, "CODE_VERSION", None)
    assert fit_cache.cache_dir() is None
    _fit()
    assert _files(fit_cache_dir) == []


def test_the_forecast_pool_key_reads_every_file_that_computes_it():
    """The calibration's forecast pool is stored in the fit cache keyed by the source of
    the code that computes it: the calibration, the reference classes' signals and every
    models module, the date and frontier helpers (models/_frontier.py) included."""
    import inspect

    from gapscore.scoring.signals import calibration
    from gapscore.scoring.signals.sector import lifetime_prior, shape_priors

    names = {p.name for p in calibration.pool_source_files()}
    files = set(calibration.pool_source_files())
    assert {"_frontier.py", "capability.py", "shape_prior.py", "_logistic_lsq.py", "fit_cache.py"} <= names
    assert {Path(inspect.getsourcefile(f)).resolve() for f in (calibration.forecast_pool, shape_priors, lifetime_prior)} <= files
