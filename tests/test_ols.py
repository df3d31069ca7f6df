"""models/_ols.py against statsmodels.api.OLS: the cost curve's regression without
importing statsmodels.api must give statsmodels' numbers."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from gapscore.models import _ols


@pytest.mark.parametrize("seed", range(20))
def test_ols_matches_statsmodels(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 40))
    t = rng.normal(size=n) * 3
    y = rng.normal(size=n) + 0.4 * t
    ref = sm.OLS(y, sm.add_constant(t, has_constant="add")).fit()
    ours = _ols.OLS(y, _ols.add_constant(t, has_constant="add")).fit()
    assert ours.df_resid == ref.df_resid
    for mine, theirs in [
        (ours.params, ref.params), (ours.rsquared, ref.rsquared), (ours.scale, ref.scale),
        (ours.cov_params(), ref.cov_params()), (ours.conf_int(0.1), ref.conf_int(alpha=0.1)),
    ]:
        np.testing.assert_allclose(mine, theirs, rtol=1e-15, atol=1e-15)
    for q in (0.9, 0.95, 0.975):
        assert _ols.stats.t.ppf(q, ours.df_resid) == stats.t.ppf(q, ref.df_resid)


def test_cost_module_does_not_import_statsmodels_api():
    import subprocess
    import sys

    code = "import sys, gapscore.models.cost; print('statsmodels.api' in sys.modules, 'scipy.stats' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


def test_normal_and_wilson_match_scipy_and_statsmodels():
    from scipy import stats as sps
    from statsmodels.stats.proportion import proportion_confint as reference

    from gapscore.models._intervals import norm, proportion_confint

    rng = np.random.default_rng(0)
    q, x = rng.uniform(size=500), rng.normal(size=500) * 4
    assert np.array_equal(norm.ppf(q), sps.norm.ppf(q)) and np.array_equal(norm.isf(q), sps.norm.isf(q))
    assert np.array_equal(norm.sf(x), sps.norm.sf(x)) and np.array_equal(norm.cdf(x), sps.norm.cdf(x))
    assert norm.ppf(0.9) == sps.norm.ppf(0.9) and norm.sf(1.3) == sps.norm.sf(1.3)
    n = rng.integers(1, 500, size=200)
    k = rng.integers(0, n + 1)
    for alpha in (0.05, 0.2):
        for ours, theirs in zip(proportion_confint(k, n, alpha=alpha), reference(k, n, alpha=alpha, method="wilson")):
            assert np.array_equal(ours, theirs)
        assert proportion_confint(3, 10, alpha=alpha) == reference(3, 10, alpha=alpha, method="wilson")


def test_score_start_up_imports_neither_statsmodels_nor_scipy_stats():
    import subprocess
    import sys

    code = (
        "import sys; from gapscore.scoring.signals import scores, sector; import gapscore.models.graduation, "
        "gapscore.models.cost, gapscore.models.capability, gapscore.models.survival; "
        "print(sorted(m for m in ('statsmodels', 'scipy.stats', 'dask', 'openpyxl') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_cost_stats_shim_gives_scipy_numbers_and_falls_back_to_scipy():
    from scipy import stats as sps

    from gapscore.models._ols import stats

    for q in (0.8, 0.9, 0.95):
        assert stats.norm.ppf(q) == sps.norm.ppf(q)
        assert stats.t.ppf(q, 7.0) == sps.t.ppf(q, 7.0)
    assert stats.chi2 is sps.chi2  # anything else is scipy.stats' own
