"""running_best_by_group_date against running_best_by_date called once per group."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gapscore.models._frontier import running_best_by_date, running_best_by_group_date


def _per_group(groups, dates, values):
    out = np.full(len(values), np.nan)
    for key in pd.unique(groups):
        idx = np.flatnonzero(groups == key)
        out[idx] = running_best_by_date(pd.Series(dates[idx]), pd.Series(values[idx])).to_numpy()
    return out


@pytest.mark.parametrize("seed", range(40))
def test_grouped_running_best_equals_the_per_group_one(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    groups = rng.choice(np.array(["a", "b", "c", "d"], dtype=object), n)
    dates = (pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 8, n), "D")).to_numpy()
    values = rng.normal(size=n)
    values[rng.uniform(size=n) < 0.3] = np.nan  # NaN shares (no human baseline) are skipped
    expected = _per_group(groups, dates, values)
    assert np.array_equal(running_best_by_group_date(groups, dates, values), expected, equal_nan=True)


def test_hand_worked_case():
    groups = np.array(["x", "x", "y", "x", "y", "x"], dtype=object)
    dates = pd.to_datetime(["2020-03-01", "2020-01-01", "2020-01-01", "2020-03-01", "2020-02-01", "2020-02-01"]).to_numpy()
    values = np.array([0.2, 0.5, np.nan, 0.7, 0.1, np.nan])
    # x: 01-01 best 0.5; 02-01 NaN day carries 0.5; 03-01 max(0.2, 0.7) = 0.7 for both rows.
    # y: 01-01 NaN (nothing yet); 02-01 0.1.
    expected = np.array([0.7, 0.5, np.nan, 0.7, 0.1, 0.5])
    assert np.array_equal(running_best_by_group_date(groups, dates, values), expected, equal_nan=True)
    assert running_best_by_group_date(groups[:0], dates[:0], values[:0]).size == 0
