"""Ordinary least squares for the cost curve, without importing ``statsmodels.api``.

``import statsmodels.api`` loads most of statsmodels (formulas, GLMs, time series; about
0.9 s of every command's start-up, measured with ``python -X importtime``) for one
two-parameter regression. This module repeats, step by step, what
``statsmodels.api.OLS(y, X).fit()`` computes with its default ``method="pinv"``
(``statsmodels.regression.linear_model.RegressionModel.fit`` and
``statsmodels.tools.tools.pinv_extended``), for the attributes ``models/cost.py`` reads,
so the numbers are the same to the last bit; ``tests/test_cost.py`` checks them against
statsmodels. The Student t quantile is ``scipy.special.stdtrit``, which
``scipy.stats.t.ppf`` calls.

``models/cost.py`` imports this module as ``sm``: ``sm.OLS`` and ``sm.add_constant``
have statsmodels' signatures (for the arguments used there).
"""

from __future__ import annotations

import numpy as np
from scipy.special import stdtrit

from gapscore.models._intervals import norm as _norm

__all__ = ["OLS", "OLSResults", "add_constant", "stats"]

#: Singular values below this fraction of the largest count as zero (statsmodels'
#: ``pinv_extended`` default ``rcond``).
_RCOND = 1e-15


def add_constant(data, prepend: bool = True, has_constant: str = "add") -> np.ndarray:
    """A column of ones added to a 1-d or 2-d array (``has_constant="add"`` only)."""
    if has_constant != "add":
        raise ValueError("only has_constant='add' is supported")
    x = np.asarray(data, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    cols = [np.ones(x.shape[0]), x]
    return np.column_stack(cols if prepend else cols[::-1])


def _pinv_extended(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    u, s, vt = np.linalg.svd(x, False)
    s_orig = np.copy(s)
    cutoff = _RCOND * np.maximum.reduce(s)
    for i in range(min(u.shape[0], vt.shape[1])):
        s[i] = 1.0 / s[i] if s[i] > cutoff else 0.0
    return np.dot(np.transpose(vt), np.multiply(s[:, np.newaxis], np.transpose(u))), s_orig


class OLS:
    """``statsmodels.api.OLS(endog, exog)`` for a design with a constant column."""

    def __init__(self, endog, exog) -> None:
        self.endog = np.asarray(endog, dtype=float)
        self.exog = np.asarray(exog, dtype=float)

    def fit(self) -> OLSResults:
        pinv, singular_values = _pinv_extended(self.exog)
        normalized_cov = np.dot(pinv, np.transpose(pinv))
        rank = int(np.linalg.matrix_rank(np.diag(singular_values)))
        params = np.dot(pinv, self.endog)
        return OLSResults(self, params, normalized_cov, rank)


class OLSResults:
    """The results ``models/cost.py`` uses: params, rsquared, scale, df_resid,
    ``cov_params()``, ``conf_int(alpha)``."""

    def __init__(self, model: OLS, params: np.ndarray, normalized_cov: np.ndarray, rank: int) -> None:
        self.model = model
        self.params = params
        self.normalized_cov_params = normalized_cov
        self.df_resid = float(model.exog.shape[0] - rank)
        self.resid = model.endog - np.dot(model.exog, params)
        self.ssr = np.dot(self.resid, self.resid)
        self.scale = self.ssr / self.df_resid
        centered = model.endog - model.endog.mean()
        self.rsquared = 1 - self.ssr / np.dot(centered, centered)

    def cov_params(self) -> np.ndarray:
        return self.normalized_cov_params * self.scale

    @property
    def bse(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov_params()))

    def conf_int(self, alpha: float = 0.05) -> np.ndarray:
        q = stats.t.ppf(1 - alpha / 2, self.df_resid)
        return np.column_stack([self.params - q * self.bse, self.params + q * self.bse])


class _StudentT:
    @staticmethod
    def ppf(q, df):
        """Quantile of Student's t (``scipy.stats.t.ppf``, which is ``stdtrit(df, q)``)."""
        return stdtrit(df, q)


class _Stats:
    """``scipy.stats`` for the cost curve: ``t.ppf`` and ``norm`` (ppf, isf, cdf, sf)
    without importing it (0.3 s); any other name imports scipy.stats and is its own."""

    t = _StudentT()
    norm = _norm

    def __getattr__(self, name: str):
        import scipy.stats

        return getattr(scipy.stats, name)


stats = _Stats()
