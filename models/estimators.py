"""The curve models as scikit-learn estimators: ``SCurve``, ``BorrowedCurve``, ``CostCurve``.

Each is its model's maths (``capability._SCurveCore``, ``shape_prior._BorrowedCurveCore``,
``cost._CostCurveCore``) with scikit-learn's estimator contract on top
(``sklearn.base.BaseEstimator`` and ``RegressorMixin``):

* ``__init__`` stores the settings (hyper-parameters) under their own names and does
  nothing else, so ``get_params``, ``set_params`` and ``sklearn.base.clone`` work (a
  clone is an unfitted estimator with equal settings);
* ``fit(X, y)`` validates its input with ``sklearn.utils.validation.validate_data``,
  fits, and returns ``self``; the fitted attributes end in ``_``;
* ``predict`` and every other use of a fitted model call
  ``sklearn.utils.validation.check_is_fitted`` first and raise :class:`NotFittedError`
  (both gapscore's and scikit-learn's) before ``fit``;
* ``score(X, y)`` is ``RegressorMixin``'s R^2, so ``cross_val_score`` and
  ``TimeSeriesSplit`` evaluate a curve over time (``scoring.signals.calibration.curve_time_cv``).

``X`` is the time: decimal years for the S-curves, dates (anything
``pandas.to_datetime`` reads) for the cost curve, as a 1-D array or one column (n, 1);
``y`` is the share of the human level, or the price. A prediction has the shape of the
times given (n for one column). The numbers are the maths classes' to the last bit:
``fit_sector`` and ``fit_cost`` use the maths classes directly, so that scoring never
imports scikit-learn (about 0.7 s of start-up, scipy.stats included), and
``tests/test_estimators.py`` checks both give the same arrays.

Importing ``SCurve`` from ``gapscore.models.capability`` (``BorrowedCurve`` from
``shape_prior``, ``CostCurve`` from ``cost``) gives these classes, imported on first use.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import NotFittedError as _SklearnNotFittedError
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from gapscore.models import exceptions
from gapscore.models.capability import _SCurveCore
from gapscore.models.cost import _CostCurveCore
from gapscore.models.exceptions import InputError
from gapscore.models.shape_prior import _BorrowedCurveCore

__all__ = ["BorrowedCurve", "CostCurve", "NotFittedError", "SCurve"]


class NotFittedError(exceptions.NotFittedError, _SklearnNotFittedError):
    """An estimator was used before ``fit``: gapscore's ``NotFittedError`` and
    scikit-learn's, so either ``except`` catches it."""


def _one_column(name: str, arr: np.ndarray) -> np.ndarray:
    """The times of ``X``: a 1-D array (or a scalar) as it is, the column of an (n, 1) array."""
    if arr.ndim == 2:
        if arr.shape[1] != 1:
            raise InputError(
                f"{name} takes one column of times as X (or a 1-D array). Got {arr.shape[1]} columns instead."
            )
        return arr[:, 0]
    if arr.ndim > 2:
        raise InputError(f"{name} takes one column of times as X (or a 1-D array). Got {arr.ndim} dimensions.")
    return arr


class _EstimatorContract(RegressorMixin, BaseEstimator):
    """scikit-learn's contract over a maths class that comes after it in the bases."""

    #: What ``fit`` takes, for the not-fitted message.
    _FIT_INPUTS = "times and shares"

    def _check_fitted(self) -> None:
        try:
            check_is_fitted(self)
        except _SklearnNotFittedError:
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with {self._FIT_INPUTS} first."
            ) from None

    def _fit_times(self, X: object, y: object) -> tuple[np.ndarray, np.ndarray]:
        """Validated times (float, 1-D) and targets. Missing values are left to the maths
        class, whose messages say what to do; an (n, 1) X sets ``n_features_in_``."""
        if y is None:  # scikit-learn's wording, which its estimator checks look for
            raise InputError(f"{type(self).__name__} requires y to be passed, but the target y is None.")
        try:
            # ensure_2d for a 2-D X, so that validate_data records n_features_in_
            arr = validate_data(self, X, reset=True, ensure_2d=np.ndim(X) == 2, dtype=np.float64,
                                ensure_all_finite=False, ensure_min_samples=0)
        except (TypeError, ValueError) as err:
            raise InputError(f"{type(self).__name__}.fit: X must be numeric times (decimal years). {err}") from None
        return _one_column(type(self).__name__, arr), np.asarray(y, dtype=float)

    def _times(self, X: object) -> np.ndarray:
        try:
            arr = check_array(X, ensure_2d=False, dtype=np.float64, ensure_all_finite=False, ensure_min_samples=0)
        except (TypeError, ValueError) as err:
            raise InputError(f"{type(self).__name__}: X must be numeric times (decimal years). {err}") from None
        return _one_column(type(self).__name__, arr)


class SCurve(_EstimatorContract, _SCurveCore):
    __doc__ = _SCurveCore.__doc__.split("\n\n", 2)[0] + """

    scikit-learn estimator (``gapscore.models.estimators``): ``fit(X, y)`` with X the
    times in decimal years (1-D or one column), y the shares; ``get_params``,
    ``set_params``, ``clone``, ``score`` (R^2) and ``NotFittedError`` before ``fit``.

""" + _SCurveCore.__doc__.split("\n\n", 2)[2]

    def fit(self, X: object, y: object) -> SCurve:
        """Fit the curve to times X (decimal years) and shares y; returns ``self``.

        Raises InsufficientDataError with fewer than 4 points or 3 distinct times.
        """
        t, share = self._fit_times(X, y)
        return super().fit(t, share)

    def predict(self, X: object) -> np.ndarray:
        """Fitted share at the times X (always within [0, ceiling])."""
        self._check_fitted()
        return super().predict(self._times(X))


class BorrowedCurve(_EstimatorContract, _BorrowedCurveCore):
    __doc__ = _BorrowedCurveCore.__doc__ + """
    scikit-learn estimator (``gapscore.models.estimators``): the shape prior is a
    setting (``prior=``), so ``clone`` and ``set_params`` carry it; ``fit(X, y)`` with X
    the times in decimal years, y the shares.
    """

    def fit(self, X: object, y: object) -> BorrowedCurve:
        """Fit t0 to times X (decimal years) and shares y for the prior's shapes; returns ``self``."""
        t, share = self._fit_times(X, y)
        return super().fit(t, share)

    def predict(self, X: object) -> np.ndarray:
        """Fitted share at the times X."""
        self._check_fitted()
        return super().predict(self._times(X))


class CostCurve(_EstimatorContract, _CostCurveCore):
    __doc__ = _CostCurveCore.__doc__.split("\n\n", 2)[0] + """

    scikit-learn estimator (``gapscore.models.estimators``): ``fit(X, y)`` with X the
    release dates (1-D or one column; anything ``pandas.to_datetime`` reads), y the
    prices; ``get_params``, ``set_params``, ``clone``, ``score`` (R^2 of the price) and
    ``NotFittedError`` before ``fit``.

""" + _CostCurveCore.__doc__.split("\n\n", 2)[2]

    _FIT_INPUTS = "dates and prices"

    @staticmethod
    def _dates(X: object) -> object:
        """Dates as given (1-D), or the one column of a DataFrame or an (n, 1) array.

        Dates are not numbers, so ``check_array`` (numeric) does not apply; the maths
        class reads them with ``decimal_year`` and names a bad one."""
        if isinstance(X, pd.DataFrame):
            if X.shape[1] != 1:
                raise InputError(f"CostCurve takes one column of dates as X. Got {X.shape[1]} columns instead.")
            return X.iloc[:, 0]
        if isinstance(X, np.ndarray):
            return _one_column("CostCurve", X)
        return X

    def fit(self, X: object, y: object) -> CostCurve:
        """Fit the trend to release dates X and prices y (positive); returns ``self``."""
        if y is None:
            raise InputError("CostCurve requires y to be passed, but the target y is None.")
        dates = self._dates(X)
        super().fit(dates, y)
        if np.ndim(X) == 2:
            self.n_features_in_ = 1
        return self

    def predict(self, X: object) -> np.ndarray:
        """Trend price at the dates X (a median under log-normal scatter)."""
        self._check_fitted()
        return super().predict(self._dates(X))
