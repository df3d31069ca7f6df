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
