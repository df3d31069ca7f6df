"""Inference price at constant capability, and what hardware adds to its decline.

The method is Epoch AI's ("LLM inference prices have fallen rapidly but unequally
across tasks", 2025) and a16z's ("LLMflation", 2024): fix a capability threshold on a
benchmark, follow the cheapest model that meets it over time, and fit a log-linear
trend of price on release date.

- :func:`constant_capability_frontier` picks the models that set a new lowest price.
- :class:`CostCurve` fits ``ln(price) = a + b * years`` by OLS (statsmodels); the
  price falls by ``exp(-b)`` per year.
- :func:`fit_cost` combines both as of a date into a :class:`CostResult`.
- :func:`pool_slopes` and :func:`shrink_slope` pull a thin trend toward the pooled
  rate of the reference series (empirical Bayes, DerSimonian-Laird random effects).
- :class:`CostProjection` carries a trend past its data: the annual decline moves
  from the (shrunk) fitted rate toward a long-run rate (:class:`LongRunRate`, hardware
  price-performance x algorithmic efficiency) and never goes below an energy floor.
- :func:`fit_compute_cost` builds a cost curve for sectors without prices: compute a
  unit of use needs at constant accuracy x cloud price of compute (``hardware.csv``).
- :func:`hardware_step`, :func:`decompose_decline` and :func:`api_markup` carry the
  seed article's hardware and pricing figures.

Method, constants with sources and limits: ``docs/models/capability_cost.md``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from numbers import Real

import numpy as np
import pandas as pd

from gapscore.models._frontier import (
    DAYS_PER_YEAR,
    check_int,
    decimal_year,
    require_columns,
    to_datetime_index,
    to_timestamp,
)
from gapscore.models import _ols as sm  # statsmodels.api.OLS's numbers without importing statsmodels.api
from gapscore.models._ols import stats  # scipy.stats.t.ppf without importing scipy.stats
from gapscore.models.exceptions import InputError, InsufficientDataError, NotFittedError

__all__ = [
    "API_MARKUP_HIGH",
    "API_MARKUP_LOW",
    "B200_PRICE_RATIO",
    "B200_THROUGHPUT_RATIO",
    "DEFAULT_CI",
    "MIN_COST_POINTS",
    "SEED_ARTICLE",
    "SEED_HARDWARE_POINTS",
    "SEED_HARDWARE_SHARE",
    "SEED_TOTAL_FALL",
    "H100_DENSE_FLOPS",
    "JOULES_PER_KWH",
    "ComputeProjection",
    "CostCurve",
    "CostProjection",
    "CostResult",
    "LongRunRate",
    "PooledRate",
    "ShrunkRate",
    "doubling_factor",
    "energy_floor",
    "FloorModel",
    "smallest_model",
    "fit_compute_cost",
    "pool_slopes",
    "shrink_slope",
    "slope_se",
    "effective_slope_se",
    "with_projection",
    "DeclineDecomposition",
    "SteppedCostCurve",
    "api_markup",
    "constant_capability_frontier",
    "decompose_decline",
    "fit_cost",
    "hardware_cost_multiplier",
    "hardware_step",
]

# --- constants -----------------------------------------------------------------------

#: Citation of the seed article behind the thesis and the figures below.
SEED_ARTICLE = "The inference cost article (PaleBlueDot AI acknowledgement), 2024"

#: Fall of the API price at constant capability over about a year (fraction): GPT-4o
#: mini "priced at just 10% of GPT-3.5 Turbo's initial cost" (SEED_ARTICLE, Session 3).
SEED_TOTAL_FALL = 0.90

#: Of that 90% fall, "about 20% ... comes from lower GPU cloud server costs, while the
#: remaining 70% results from improved inference efficiency" (SEED_ARTICLE, Session 3):
#: 20 percentage points of the price, attributed to hardware first.
SEED_HARDWARE_POINTS = 0.20

#: The hardware part as a share of the fall (20 of 90 points).
SEED_HARDWARE_SHARE = SEED_HARDWARE_POINTS / SEED_TOTAL_FALL

#: NVIDIA B200 inference throughput relative to the H100 in MLPerf (FP4 on B200 against
#: FP8 on H100): "4x the throughput" (SEED_ARTICLE, Session 5).
B200_THROUGHPUT_RATIO = 4.0

#: B200 price relative to the H100: "$35,000 - approximately 40% higher than the H100"
#: (SEED_ARTICLE, Session 5).
B200_PRICE_RATIO = 1.4

#: Cost multiplier of calling a model API instead of renting GPU cloud capacity: "If
#: model APIs are used directly, costs would increase by 2x to 5x" (SEED_ARTICLE,
#: Session 2). Dimensionless.
API_MARKUP_LOW = 2.0
API_MARKUP_HIGH = 5.0

#: Two-sided confidence level of the reported decline interval, as Epoch AI reports it
#: (90% CI of the price reduction factor per year).
DEFAULT_CI = 0.9

#: Fewest frontier points a cost trend is fitted to: two parameters plus one residual
#: degree of freedom for the interval.
MIN_COST_POINTS = 3

#: Dense tensor FP16/BF16 FLOP/s of the NVIDIA H100 SXM5, the unit of
#: ``hardware.csv``'s ``relative_throughput`` (Epoch AI chip dataset: 989.4 TFLOP/s).
H100_DENSE_FLOPS = 989.4e12

#: Joules in a kilowatt-hour (3.6 MJ, by definition).
JOULES_PER_KWH = 3.6e6

#: FLOP per unit of the price of compute in :func:`fit_compute_cost` (USD per 1e18 FLOP).
_FLOP_PER_PRICE_UNIT = 1e18

_PRICE_COLUMNS = ("model", "date", "usd_per_mtok")
_STATUS_OK = "ok"
_STATUS_INSUFFICIENT = "insufficient_data"


def _positive(value: object, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, Real)
        or not np.isfinite(value)
        or value <= 0
    ):
        raise InputError(
            f"The {name!r} parameter must be a positive number. Got {value!r} instead."
        )
    return float(value)


def _level(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not 0.0 < float(value) < 1.0:
        raise InputError(
            f"The {name!r} parameter must be strictly between 0 and 1 (0.9 for a 90% "
            f"interval). Got {value!r} instead."
        )
    return float(value)


# --- frontier ------------------------------------------------------------------------


def constant_capability_frontier(
    prices: pd.DataFrame, *, benchmark: str, threshold: float, as_of: object
) -> pd.DataFrame:
    """The models that set a new lowest price among those scoring >= ``threshold``.

    Keeps rows dated on or before ``as_of`` with a score of at least ``threshold`` on
    ``benchmark`` and a positive price; walks them by release date and keeps each one
    strictly cheaper than every earlier qualifying model. Same-day models are taken
    cheapest first (then by name), so the result does not depend on row order.

    Returns a DataFrame with columns model, date, price (USD per million tokens) and
    score, sorted by date.
    """
    as_of = to_timestamp(as_of)
    if not isinstance(threshold, Real) or isinstance(threshold, bool) or not np.isfinite(threshold):
        raise InputError(f"The 'threshold' parameter must be a number. Got {threshold!r} instead.")
    require_columns(prices, _PRICE_COLUMNS, "prices")
    if benchmark not in prices.columns:
        raise InputError(
            f"The 'prices' table has no score column {benchmark!r}; it has "
            f"{list(prices.columns)}. Pass one of the benchmark columns."
        )
    frame = pd.DataFrame(
        {
            "model": prices["model"].to_numpy(),
            "date": to_datetime_index(prices["date"], "prices dates"),
            "price": pd.to_numeric(prices["usd_per_mtok"], errors="coerce").to_numpy(dtype=float),
            "score": pd.to_numeric(prices[benchmark], errors="coerce").to_numpy(dtype=float),
        }
    )
    keep = (
        (frame["date"] <= as_of)
        & (frame["score"] >= threshold)
        & np.isfinite(frame["price"])
        & (frame["price"] > 0)
    )
    frame = frame[keep].copy()
    frame["model_key"] = frame["model"].astype(str)
    frame = frame.sort_values(["date", "price", "model_key", "score"], kind="mergesort")
    earlier_min = frame["price"].cummin().shift(1)
    is_new_low = earlier_min.isna() | (frame["price"] < earlier_min)
    out = frame.loc[is_new_low, ["model", "date", "price", "score"]].reset_index(drop=True)
    out["date"] = out["date"].astype("datetime64[ns]")
    return out


# --- the estimator ---------------------------------------------------------------------


class _CostCurveCore:
    """Log-linear trend of price over time: ``ln(price) = a + b * years`` by OLS.

    The maths of :class:`CostCurve`, without scikit-learn: ``fit_cost`` uses it
    directly, so that scoring never imports scikit-learn (0.7 s of start-up).
    :class:`CostCurve` (``gapscore.models.estimators``) is this class plus the
    scikit-learn estimator contract; numbers are the same.

    Parameters
    ----------
    ci : float, default 0.9
        Two-sided level of the slope interval ``decline_ci_`` and the default level of
        ``predict_interval`` and ``year_price_below``.
    days_per_year : float, default 365.2425 (mean Gregorian year)
        Length of the time unit. Epoch AI used 365-day years; pass 365 to reproduce
        their published factors to the last digit.

    Attributes
    ----------
    slope_ : float, ln(price) per year (negative when prices fall).
    intercept_ : float, fitted ln(price) at ``centre_``.
    centre_ : float, mean decimal year of the data.
    decline_factor_per_year_ : float, ``exp(-slope_)``: 10.0 means 10x cheaper per year.
    decline_ci_ : (low, high) decline factors from the slope's ``ci`` interval.
    ci90_ : (low, high) decline factors from the slope's 90% interval.
    r_squared_, residual_std_ (ln units), n_points_, results_ (statsmodels OLS results).
    """

    def __init__(self, *, ci: float = DEFAULT_CI, days_per_year: float = DAYS_PER_YEAR) -> None:
        self.ci = ci
        self.days_per_year = days_per_year

    def _years(self, dates: object) -> np.ndarray:
        return decimal_year(dates, days_per_year=self.days_per_year)

    def fit(self, dates: object, prices: object) -> _CostCurveCore:
        """Fit the trend to release dates and prices (positive, e.g. USD per 1M tokens)."""
        _level(self.ci, "ci")
        _positive(self.days_per_year, "days_per_year")
        t = self._years(dates)
        price = np.asarray(prices, dtype=float).ravel()
        if t.shape != price.shape:
            raise InputError(
                f"CostCurve.fit needs one price per date. "
                f"Got {t.size} dates and {price.size} prices."
            )
        if not (np.all(np.isfinite(t)) and np.all(np.isfinite(price)) and np.all(price > 0)):
            raise InputError("CostCurve.fit needs dates and positive, finite prices.")
        if t.size < MIN_COST_POINTS or np.unique(t).size < 2:
            raise InsufficientDataError(
                f"CostCurve.fit needs at least {MIN_COST_POINTS} points at 2 or more dates. "
                f"Got {t.size} points at {np.unique(t).size} dates."
            )
        order = np.lexsort((price, t))
        t, price = t[order], price[order]
        centre = float(t.mean())
        results = sm.OLS(np.log(price), sm.add_constant(t - centre, has_constant="add")).fit()
        intercept, slope = (float(v) for v in results.params)

        self.results_ = results
        self.centre_ = centre
        self.intercept_ = intercept
        self.slope_ = slope
        self.decline_factor_per_year_ = float(np.exp(-slope))
        self.decline_ci_ = self._decline_interval(self.ci)
        self.ci90_ = self._decline_interval(DEFAULT_CI)
        self.r_squared_ = float(results.rsquared)
        self.residual_std_ = float(np.sqrt(results.scale))
        self.n_points_ = int(t.size)
        return self

    def _decline_interval(self, level: float) -> tuple[float, float]:
        low_slope, high_slope = np.asarray(self.results_.conf_int(alpha=1.0 - level))[1]
        return float(np.exp(-high_slope)), float(np.exp(-low_slope))

    def __sklearn_is_fitted__(self) -> bool:
        """scikit-learn's fitted-state protocol (read by ``check_is_fitted``)."""
        return hasattr(self, "results_")

    def _check_fitted(self) -> None:
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(
                "This CostCurve instance is not fitted yet. Call 'fit' with dates and prices first."
            )

    def predict(self, dates: object) -> np.ndarray:
        """Trend price at ``dates``: ``exp`` of the fitted mean log price (a median, not
        a mean, of the price under log-normal scatter)."""
        self._check_fitted()
        t = self._years(dates)
        return np.exp(self.intercept_ + self.slope_ * (t - self.centre_))

    def _log_band(self, t: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean log price, and the half-width of its prediction interval, at ``t``."""
        x = np.column_stack([np.ones_like(t), t - self.centre_])
        cov = np.asarray(self.results_.cov_params())
        mean_var = np.einsum("ij,jk,ik->i", x, cov, x)
        q = stats.t.ppf((1.0 + level) / 2.0, self.results_.df_resid)
        mean = self.intercept_ + self.slope_ * (t - self.centre_)
        return mean, q * np.sqrt(self.results_.scale + mean_var), q

    def predict_interval(
        self, dates: object, level: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Prediction interval (low, high) of the frontier price at ``dates``.

        A prediction interval (not the narrower interval of the mean): it is the range
        where the price of the next record-setting model at that date should fall,
        which is what a projection of unit costs needs. Student t with n - 2 degrees
        of freedom on the log scale, exponentiated.
        """
        self._check_fitted()
        level = _level(self.ci if level is None else level, "level")
        mean, half, _ = self._log_band(self._years(dates), level)
        return np.exp(mean - half), np.exp(mean + half)

    def year_price_below(
        self, price: float, level: float | None = None
    ) -> tuple[float, float, float]:
        """Decimal year the trend price falls to ``price``, with an inverse-prediction interval.

        ``year`` solves ``a + b (t - centre) = ln(price)``; NaN if prices are not
        falling (slope >= 0). (low, high) is the set of years whose prediction interval
        contains ``ln(price)`` (the classical calibration / Fieller interval, the roots
        of a quadratic). When the slope is not significantly negative at ``level`` the
        set is unbounded and (low, high) is (-inf, inf).
        """
        self._check_fitted()
        target = np.log(_positive(price, "price"))
        level = _level(self.ci if level is None else level, "level")
        a, b = self.intercept_, self.slope_
        year = self.centre_ + (target - a) / b if b < 0 else np.nan

        cov = np.asarray(self.results_.cov_params())
        q = stats.t.ppf((1.0 + level) / 2.0, self.results_.df_resid)
        d = a - target
        # (d + b u)^2 <= q^2 (s^2 + var_a + 2 u cov_ab + u^2 var_b), u = t - centre
        qa = b * b - q * q * cov[1, 1]
        qb = 2.0 * (d * b - q * q * cov[0, 1])
        qc = d * d - q * q * (self.results_.scale + cov[0, 0])
        disc = qb * qb - 4.0 * qa * qc
        if b >= 0 or qa <= 0 or disc < 0:
            return float(year), -np.inf, np.inf
        roots = np.sort([(-qb - np.sqrt(disc)) / (2 * qa), (-qb + np.sqrt(disc)) / (2 * qa)])
        return float(year), float(self.centre_ + roots[0]), float(self.centre_ + roots[1])


# --- result ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CostResult:
    """Price decline at constant capability as of a date (see :func:`fit_cost`).

    ``decline_factor_per_year`` (10.0 = ten times cheaper each year) and ``ci90``
    (low, high) are NaN with status "insufficient_data"; ``start`` and ``end`` are the
    first and last frontier dates; ``frontier`` holds the frontier models; ``curve`` is
    the fitted :class:`CostCurve` for projections (None when insufficient).
    Equality is identity (the fields include a DataFrame).
    """

    benchmark: str
    threshold: float
    as_of: pd.Timestamp
    status: str
    decline_factor_per_year: float
    ci90: tuple[float, float]
    n_points: int
    start: pd.Timestamp
    end: pd.Timestamp
    frontier: pd.DataFrame
    curve: _CostCurveCore | None
    r_squared: float
    shrunk: ShrunkRate | None = None
    projection: CostProjection | ComputeProjection | None = None
    unit: str = "USD per 1M tokens"

    def project(self, dates: object, level: float | None = None) -> pd.DataFrame:
        """Projected price with its interval: date, price, low, high.

        With a ``projection`` (see :func:`with_projection`, :func:`fit_compute_cost`)
        the physical projection (shrunk rate, long-run regression, energy floor) and a
        ``phase`` column ("data" up to the last data point, "projection" after);
        without one, the raw log-linear trend and its prediction interval.
        """
        if self.curve is None:
            raise InsufficientDataError(
                f"No cost trend for {self.benchmark} >= {self.threshold} as of "
                f"{self.as_of.date()}: only {self.n_points} frontier point(s)."
            )
        index = to_datetime_index(dates)
        if self.projection is not None:
            return self.projection.frame(index, level)
        low, high = self.curve.predict_interval(index, level)
        return pd.DataFrame(
            {"date": index, "price": self.curve.predict(index), "low": low, "high": high}
        )

    def describe(self) -> str:
        """One sentence for the reasons of a score: the rate, its interval, and (when
        set) the shrunk rate, the long-run rate and the parts of a compute cost."""
        if self.curve is None:
            return f"cost of {self.benchmark}: too few data points ({self.n_points})"
        span = f"{self.start.date().isoformat()[:7]} to {self.end.date().isoformat()[:7]}"
        lo, hi = self.ci90
        if self.from_compute:
            p = self.projection
            return (f"cost ({self.unit}) at {self.benchmark} >= {self.threshold:g} falls {self.decline_factor_per_year:.1f}x a year "
                    f"(90% CI {lo:.1f}-{hi:.1f}x): cloud price of compute {self.curve.decline_factor_per_year_:.2f}x "
                    f"({self.n_points} quotes, {span}) x algorithmic efficiency {p.algorithmic_factor:.2f}x")
        raw = f"{self.decline_factor_per_year:.1f}x, 90% CI {lo:.1f}-{hi:.1f}x"
        data = f"{self.n_points} frontier models, {span}"
        if self.shrunk is not None and self.shrunk.pool is not None:
            slo, shi = self.shrunk.ci()
            text = (f"price of {self.benchmark} >= {self.threshold:g} capability falls {self.shrunk.factor:.1f}x a year "
                    f"(90% CI {slo:.1f}-{shi:.1f}x; shrunk toward the pool of {self.shrunk.pool.k} price series, "
                    f"{self.shrunk.weight:.0%} weight on the pool; fitted alone {raw}, {data})")
        else:
            text = (f"price of {self.benchmark} >= {self.threshold:g} capability falls {self.decline_factor_per_year:.1f}x a year "
                    f"(90% CI {lo:.1f}-{hi:.1f}x, {data})")
        if isinstance(self.projection, CostProjection):
            p = self.projection
            text += (f"; prices observed to {p.end_date_:%Y-%m-%d}, the cheapest model at the threshold then "
                     f"USD {float(np.exp(p.level_end_)):.3g}")
            text += f"; past the data it moves toward the long-run {p.long_run.factor:.1f}x a year"
            text += f", above a floor of USD {p.floor:.2g}" + (f" (electricity of {p.floor_basis})" if p.floor_basis else "")
        return text

    @property
    def from_compute(self) -> bool:
        """True for a cost built from compute (:func:`fit_compute_cost`), not from prices."""
        return isinstance(self.projection, ComputeProjection)

    @property
    def shrunk_factor(self) -> float:
        """Decline factor per year after shrinkage (the raw factor when not shrunk)."""
        return self.decline_factor_per_year if self.shrunk is None else self.shrunk.factor

    @property
    def is_fitted(self) -> bool:
        """A price trend was fitted (status "ok"): the decline and its interval are numbers."""
        return self.status == "ok"


def fit_cost(
    prices: pd.DataFrame,
    *,
    benchmark: str,
    threshold: float,
    as_of: object,
    min_points: int = MIN_COST_POINTS,
    ci: float = DEFAULT_CI,
) -> CostResult:
    """Decline of the price of ``benchmark >= threshold`` capability, as of ``as_of``.

    Builds the constant-capability frontier from rows dated on or before ``as_of`` and
    fits a :class:`CostCurve` to it. Fewer than ``min_points`` frontier models gives
    status "insufficient_data" with NaN estimates (never an exception).
    """
    check_int(min_points, "min_points", "fit_cost", MIN_COST_POINTS)
    _level(ci, "ci")
    as_of = to_timestamp(as_of)
    frontier = constant_capability_frontier(
        prices, benchmark=benchmark, threshold=threshold, as_of=as_of
    )
    start = frontier["date"].iloc[0] if len(frontier) else pd.NaT
    end = frontier["date"].iloc[-1] if len(frontier) else pd.NaT
    common = dict(
        benchmark=benchmark,
        threshold=float(threshold),
        as_of=as_of,
        n_points=len(frontier),
        start=start,
        end=end,
        frontier=frontier,
    )
    if len(frontier) < min_points:
        return CostResult(
            status=_STATUS_INSUFFICIENT,
            decline_factor_per_year=np.nan,
            ci90=(np.nan, np.nan),
            curve=None,
            r_squared=np.nan,
            **common,
        )
    curve = _CostCurveCore(ci=ci).fit(frontier["date"], frontier["price"].to_numpy())
    return CostResult(
        status=_STATUS_OK,
        decline_factor_per_year=curve.decline_factor_per_year_,
        ci90=curve.ci90_,
        curve=curve,
        r_squared=curve.r_squared_,
        **common,
    )


# --- hardware and pricing ------------------------------------------------------------


def hardware_cost_multiplier(*, throughput_ratio: float, price_ratio: float) -> float:
    """Cost per token after a hardware change: ``price_ratio / throughput_ratio``.

    B200 against H100: 1.4 / 4 = 0.35, the seed article's "could lead to a 70%
    reduction in inference costs" (0.35 is a 65% cut; the article rounds).
    """
    return _positive(price_ratio, "price_ratio") / _positive(throughput_ratio, "throughput_ratio")


@dataclass(frozen=True)
class SteppedCostCurve:
    """A cost trend with a one-off multiplier applied from ``date`` on.

    ``base`` is anything with ``predict(dates)`` and ``predict_interval(dates, level)``
    (a fitted :class:`CostCurve` or another ``SteppedCostCurve``), so steps compose.
    """

    base: object
    date: pd.Timestamp
    multiplier: float

    def factor(self, dates: object) -> np.ndarray:
        """The multiplier at each date: 1 before ``date``, ``multiplier`` from it on."""
        index = to_datetime_index(dates)
        return np.where(np.asarray(index >= self.date), self.multiplier, 1.0)

    def predict(self, dates: object) -> np.ndarray:
        return self.base.predict(dates) * self.factor(dates)

    def predict_interval(
        self, dates: object, level: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        low, high = self.base.predict_interval(dates, level)
        factor = self.factor(dates)
        return low * factor, high * factor


def hardware_step(
    curve_or_result: _CostCurveCore | CostResult | SteppedCostCurve,
    *,
    date: object,
    throughput_ratio: float = B200_THROUGHPUT_RATIO,
    price_ratio: float = B200_PRICE_RATIO,
) -> SteppedCostCurve:
    """Apply a hardware generation change to a cost trend from ``date`` on.

    The cost per token is multiplied by ``price_ratio / throughput_ratio`` (defaults:
    the seed article's B200 against H100, x0.35). Caveat: the fitted trend already
    contains past hardware gains, so a step on top of it assumes this generation is an
    extra gain beyond the trend.
    """
    base = curve_or_result.curve if isinstance(curve_or_result, CostResult) else curve_or_result
    if base is None:
        raise InsufficientDataError(
            "hardware_step needs a fitted cost trend; this CostResult has status "
            f"{curve_or_result.status!r}."
        )
    if isinstance(base, _CostCurveCore):
        base._check_fitted()
    elif not isinstance(base, SteppedCostCurve):
        raise InputError(
            "hardware_step needs a CostCurve, CostResult or SteppedCostCurve. "
            f"Got {type(curve_or_result).__name__}."
        )
    multiplier = hardware_cost_multiplier(
        throughput_ratio=throughput_ratio, price_ratio=price_ratio
    )
    return SteppedCostCurve(base=base, date=to_timestamp(date, "date"), multiplier=multiplier)


@dataclass(frozen=True)
class DeclineDecomposition:
    """A price fall split into a hardware part and an inference-efficiency part.

    ``*_points``: percentage points of the original price (they add up to
    ``total_fall``), attributing hardware first: cost goes 1 -> hardware_multiplier ->
    1 - total_fall. ``*_multiplier``: each driver's own factor (their product is
    1 - total_fall). ``*_log_share``: order-free split of ln(1 - total_fall).
    """

    total_fall: float
    hardware_points: float
    efficiency_points: float
    hardware_multiplier: float
    efficiency_multiplier: float
    hardware_log_share: float
    efficiency_log_share: float


def decompose_decline(
    total_fall: float = SEED_TOTAL_FALL, hardware_share: float = SEED_HARDWARE_SHARE
) -> DeclineDecomposition:
    """Split a fall in inference cost between cheaper GPUs and inference efficiency.

    Defaults reproduce the seed article: of a 90% fall, 20 points from cheaper GPU
    cloud and 70 points from inference efficiency. Attributing hardware first, GPU
    cloud cost x0.8 and efficiency x0.125 (an 87.5% cut of its own); on a log scale
    (order-free) hardware is 9.7% of the fall and efficiency 90.3%.
    """
    if not isinstance(total_fall, Real) or not 0.0 < float(total_fall) < 1.0:
        raise InputError(
            f"The 'total_fall' parameter must be in (0, 1). Got {total_fall!r} instead."
        )
    if not isinstance(hardware_share, Real) or not 0.0 <= float(hardware_share) <= 1.0:
        raise InputError(
            f"The 'hardware_share' parameter must be in [0, 1]. Got {hardware_share!r} instead."
        )
    hardware_points = float(total_fall) * float(hardware_share)
    hardware_multiplier = 1.0 - hardware_points
    remaining = 1.0 - float(total_fall)
    efficiency_multiplier = remaining / hardware_multiplier
    return DeclineDecomposition(
        total_fall=float(total_fall),
        hardware_points=hardware_points,
        efficiency_points=float(total_fall) - hardware_points,
        hardware_multiplier=hardware_multiplier,
        efficiency_multiplier=efficiency_multiplier,
        hardware_log_share=float(np.log(hardware_multiplier) / np.log(remaining)),
        efficiency_log_share=float(np.log(efficiency_multiplier) / np.log(remaining)),
    )


def api_markup(
    gpu_cloud_cost: object, *, low: float = API_MARKUP_LOW, high: float = API_MARKUP_HIGH
) -> tuple[object, object]:
    """Range (low, high) of the cost when a model API is used instead of GPU cloud:
    the seed article's 2x to 5x markup."""
    low, high = _positive(low, "low"), _positive(high, "high")
    if low > high:
        raise InputError(f"api_markup needs low <= high. Got low={low}, high={high}.")
    cost = np.asarray(gpu_cloud_cost, dtype=float)
    if np.any(cost < 0) or not np.all(np.isfinite(cost)):
        raise InputError(f"The 'gpu_cloud_cost' must be finite and >= 0. Got {gpu_cloud_cost!r}.")
    if cost.ndim == 0:
        return float(cost) * low, float(cost) * high
    return cost * low, cost * high


# --- shrinkage of thin trends (empirical Bayes) -----------------------------------------


@dataclass(frozen=True)
class PooledRate:
    """Random-effects pool of log-price slopes (DerSimonian-Laird).

    ``mean``: pooled slope (ln price per year), weighted by ``1 / (se_i^2 + tau2)``;
    ``se``: its standard error; ``tau2``: the between-series variance of the true
    slopes (method of moments, floored at 0); ``k``: series pooled; ``labels``: which.
    """

    mean: float
    se: float
    tau2: float
    k: int
    labels: tuple = ()

    @property
    def factor(self) -> float:
        """Pooled decline factor per year, ``exp(-mean)``."""
        return float(np.exp(-self.mean))


def pool_slopes(slopes: object, ses: object, labels: object = ()) -> PooledRate:
    """Pool slopes with known standard errors: DerSimonian-Laird random effects.

    Fixed-effect mean ``m = sum(w b) / sum(w)`` with ``w = 1 / se^2``; Cochran's
    ``Q = sum(w (b - m)^2)``; ``tau2 = max(0, (Q - (k - 1)) / (sum w - sum w^2 / sum w))``;
    then the precision-weighted mean with weights ``1 / (se^2 + tau2)``.

    Worked example: slopes -1 and -3, both se 0.5: w = 4 each, m = -2, Q = 8,
    tau2 = (8 - 1) / (8 - 4) = 1.75, weights 0.5 each, mean -2, se 1.
    """
    b = np.asarray(slopes, dtype=float).ravel()
    s = np.asarray(ses, dtype=float).ravel()
    if b.size == 0 or b.shape != s.shape:
        raise InputError(
            f"pool_slopes needs one standard error per slope and at least one slope. "
            f"Got {b.size} slopes and {s.size} standard errors."
        )
    if not (np.all(np.isfinite(b)) and np.all(np.isfinite(s)) and np.all(s > 0)):
        raise InputError("pool_slopes needs finite slopes and positive, finite standard errors.")
    w = 1.0 / s**2
    fixed = float(np.sum(w * b) / np.sum(w))
    k = int(b.size)
    tau2 = 0.0
    if k > 1:
        q = float(np.sum(w * (b - fixed) ** 2))
        c = float(np.sum(w) - np.sum(w**2) / np.sum(w))
        tau2 = max(0.0, (q - (k - 1)) / c) if c > 0 else 0.0
    ws = 1.0 / (s**2 + tau2)
    mean = float(np.sum(ws * b) / np.sum(ws))
    return PooledRate(mean=mean, se=float(np.sqrt(1.0 / np.sum(ws))), tau2=tau2, k=k,
                      labels=tuple(labels))


@dataclass(frozen=True)
class ShrunkRate:
    """A slope pulled toward a pool: raw and shrunk side by side.

    ``weight`` is the share given to the pool, ``B = se^2 / (se^2 + tau2)`` (1 when the
    pool shows no spread between series, 0 without a pool). ``slope`` and ``se`` are
    the posterior mean and standard error (Morris 1983: ``(1 - B) se^2 + B^2 se_pool^2``,
    which counts the uncertainty of the pooled mean).
    """

    raw_slope: float
    raw_se: float
    slope: float
    se: float
    weight: float
    pool: PooledRate | None

    @property
    def factor(self) -> float:
        return float(np.exp(-self.slope))

    @property
    def raw_factor(self) -> float:
        return float(np.exp(-self.raw_slope))

    def ci(self, level: float = DEFAULT_CI) -> tuple[float, float]:
        """(slow, fast) decline factors of the shrunk slope's normal interval at ``level``."""
        z = stats.norm.ppf((1.0 + _level(level, "level")) / 2.0)
        return float(np.exp(-(self.slope + z * self.se))), float(np.exp(-(self.slope - z * self.se)))


def shrink_slope(slope: float, se: float, pool: PooledRate | None) -> ShrunkRate:
    """Empirical-Bayes posterior of one slope given the pool (see :class:`ShrunkRate`).

    Worked example (the pool of :func:`pool_slopes`' docstring): slope -1, se 0.5,
    tau2 1.75: B = 0.25 / 2 = 0.125, shrunk slope 0.875 x -1 + 0.125 x -2 = -1.125,
    variance 0.875 x 0.25 + 0.125^2 x 1 = 0.234375.
    """
    slope, se = float(slope), float(se)
    if pool is None:
        return ShrunkRate(slope, se, slope, se, 0.0, None)
    weight = se**2 / (se**2 + pool.tau2) if pool.tau2 > 0 else 1.0
    post = (1.0 - weight) * slope + weight * pool.mean
    var = (1.0 - weight) * se**2 + weight**2 * pool.se**2
    return ShrunkRate(slope, se, float(post), float(np.sqrt(var)), float(weight), pool)


def slope_se(curve: _CostCurveCore) -> float:
    """Standard error of a fitted trend's slope (ln price per year)."""
    curve._check_fitted()
    return float(np.sqrt(np.asarray(curve.results_.cov_params())[1, 1]))


def effective_slope_se(curve: _CostCurveCore) -> float:
    """The slope's standard error widened for a variance estimated from few residual
    degrees of freedom: ``se x t_{q, df} / z_q`` (``q = (1 + ci) / 2``), so the normal
    interval the pool and the shrinkage assume is as wide as the trend's own Student-t
    interval. Five frontier prices (3 df, 90%): 2.353 / 1.645 = 1.43 x se; many: se.
    """
    q = (1.0 + _level(curve.ci, "ci")) / 2.0
    df = float(curve.results_.df_resid)
    return slope_se(curve) * float(stats.t.ppf(q, df) / stats.norm.ppf(q))


# --- long-run rates, floor and projection -------------------------------------------------


@dataclass(frozen=True)
class LongRunRate:
    """A long-run decline factor per year with a (slow, fast) range and a label.

    ``factor`` = hardware price-performance factor x algorithmic-efficiency factor,
    e.g. ``2 ** (1 / 2.46) x 3.0 = 3.98`` (Epoch GPU doubling time, Gundlach et al.).
    The range is read as a ``range_level`` two-sided normal interval of ``ln factor``.
    """

    factor: float
    slow: float
    fast: float
    label: str = "long run"
    range_level: float = 0.95

    @classmethod
    def from_components(cls, *, hardware_factor: float, algorithmic_factor: float,
                        slow: float | None = None, fast: float | None = None,
                        label: str = "long run", range_level: float = 0.95) -> LongRunRate:
        factor = _positive(hardware_factor, "hardware_factor") * _positive(algorithmic_factor, "algorithmic_factor")
        return cls(factor, factor if slow is None else _positive(slow, "slow"),
                   factor if fast is None else _positive(fast, "fast"), label, range_level)

    @property
    def slope(self) -> float:
        return -float(np.log(self.factor))

    @property
    def slope_sd(self) -> float:
        z = stats.norm.ppf((1.0 + self.range_level) / 2.0)
        return float(np.log(self.fast / self.slow) / (2.0 * z))


def doubling_factor(doubling_years: float) -> float:
    """Factor per year of a quantity doubling every ``doubling_years``: ``2 ** (1 / d)``."""
    return float(2.0 ** (1.0 / _positive(doubling_years, "doubling_years")))


def energy_floor(flop: object, *, joules_per_flop: float, usd_per_kwh: float) -> object:
    """Electricity cost, USD, of ``flop`` floating-point operations: the price floor.

    ``flop x J/FLOP / 3.6e6 J/kWh x USD/kWh``. Example: 2e9 FLOP a token (a 1B-parameter
    model), 1e6 tokens, 9.9e-14 J/FLOP, $0.08/kWh: 2e15 x 9.9e-14 / 3.6e6 x 0.08 = $4.4e-6.
    """
    usd_per_flop = _positive(joules_per_flop, "joules_per_flop") / JOULES_PER_KWH * _positive(usd_per_kwh, "usd_per_kwh")
    return np.asarray(flop, dtype=float) * usd_per_flop if np.ndim(flop) else float(flop) * usd_per_flop


@dataclass(frozen=True)
class FloorModel:
    """The model whose compute per token sets a threshold's floor, or the default.

    ``parameters`` are the parameters active per token (a mixture of experts counts its
    active experts only); ``model`` is None for the default (no model with a published
    parameter count known to reach the threshold on the date).
    """

    parameters: float
    model: str | None = None
    date: pd.Timestamp | None = None
    score: float | None = None
    source: str = ""

    def flop_per_token(self, flop_per_parameter: float) -> float:
        """FLOP a token needs: ``flop_per_parameter`` (2: a multiply and an add) x parameters."""
        return _positive(flop_per_parameter, "flop_per_parameter") * self.parameters

    def describe(self, benchmark: str = "") -> str:
        if self.model is None:
            return f"a default {self.parameters / 1e9:g}B-parameter model ({self.source})"
        on = f" on {benchmark}" if benchmark else ""
        return (f"{self.model}: {self.parameters / 1e9:g}B active parameters, scores {self.score:g}{on}, "
                f"released {self.date.date().isoformat()}")


def smallest_model(models: object, *, threshold: float, as_of: object, default_parameters: float,
                   default_source: str = "no model with a published parameter count known to reach the threshold") -> FloorModel:
    """The model with the fewest active parameters known on ``as_of`` to score at least
    ``threshold`` (point in time: rows dated after ``as_of`` change nothing).

    ``models``: records (dicts) with ``model``, ``date``, ``parameters`` (active per
    token), ``score`` and ``source``. None qualifying: ``default_parameters``.

    >>> rows = [{"model": "a", "date": "2024-01-01", "parameters": 7e10, "score": 88, "source": "s"},
    ...         {"model": "b", "date": "2025-01-01", "parameters": 5e9, "score": 90, "source": "s"},
    ...         {"model": "c", "date": "2023-01-01", "parameters": 1e9, "score": 80, "source": "s"}]
    >>> smallest_model(rows, threshold=86.4, as_of="2024-06-30", default_parameters=1e9).model
    'a'
    >>> smallest_model(rows, threshold=86.4, as_of="2023-06-30", default_parameters=1e9).model is None
    True
    """
    as_of = to_timestamp(as_of, "as_of")
    threshold = float(threshold)
    best: FloorModel | None = None
    for row in models or ():
        date = to_timestamp(row["date"], "date")
        score = float(row["score"])
        if date > as_of or not score >= threshold:
            continue
        params = _positive(row["parameters"], "parameters")
        if best is None or params < best.parameters:
            best = FloorModel(params, str(row["model"]), date, score, str(row.get("source", "")))
    return best if best is not None else FloorModel(_positive(default_parameters, "default_parameters"), None, None, None, default_source)


def _phase(years: np.ndarray, end: float) -> np.ndarray:
    return np.where(years <= end, "data", "projection").astype(object)


class CostProjection:
    """A fitted price trend carried past its data toward a long-run rate, above a floor.

    Up to the last frontier point (``fit_end_``) the price follows the trend's mean log
    price with the shrunk slope. The projection starts at ``end_``: the last date the
    price data still covered the benchmark (``observed_end``, never before the last
    frontier point), from the price standing then (``anchor_price``: the cheapest model
    known, observed, not fitted; between the two dates the observed frontier is flat).
    ``u`` years past ``end_`` the annual log decline is
    ``r(u) = r_lr + (r0 - r_lr) f exp(-u / tau)``: it starts at the shrunk rate ``r0``
    and moves toward the long-run rate ``r_lr``, with ``tau = persistence x span`` of
    the frontier (a trend seen for S years is trusted for about S more, counted from
    the last frontier point: ``f = exp(-(end_ - fit_end_) / tau)``, 1 when the data
    ends on a frontier point). Integrated, ``ln p(end + u) = ln p(end) - r0 g - r_lr
    (u - g)``, ``g = f tau (1 - exp(-u / tau))``; so the fall over any u years is at
    most ``exp(r_lr u + (r0 - r_lr) tau)``.

    The interval (normal on the log scale) adds the trend level's variance at the last
    frontier point, the shrunk slope's variance times ``g^2``, the long-run slope's
    variance times ``(u - g)^2`` and the residual scatter. Price, low and high are
    floored at ``floor`` (same unit as the price).
    """

    def __init__(self, *, curve: _CostCurveCore, shrunk: ShrunkRate, long_run: LongRunRate,
                 floor: float, persistence: float, start: object, end: object,
                 observed_end: object | None = None, anchor_price: float | None = None,
                 floor_basis: str = "") -> None:
        curve._check_fitted()
        self.floor_basis = floor_basis
        self.curve = curve
        self.shrunk = shrunk
        self.long_run = long_run
        self.floor = _positive(floor, "floor")
        self.persistence = _positive(persistence, "persistence")
        year = lambda d, n: float(curve._years(to_datetime_index([to_timestamp(d, n)]))[0])  # noqa: E731
        self.start_ = year(start, "start")
        self.fit_end_ = year(end, "end")
        self.end_ = self.fit_end_ if observed_end is None else max(self.fit_end_, year(observed_end, "observed_end"))
        end_ts = to_timestamp(end, "end")  # the date the projection starts: ``end_`` as a date
        self.end_date_ = end_ts if observed_end is None else max(end_ts, to_timestamp(observed_end, "observed_end"))
        self.tau_ = max(self.fit_end_ - self.start_, 1.0 / DAYS_PER_YEAR) * self.persistence
        trend_end = curve.intercept_ + shrunk.slope * (self.fit_end_ - curve.centre_)
        self.level_end_ = trend_end if anchor_price is None else float(np.log(_positive(anchor_price, "anchor_price")))

    def _log_mean_var(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = self.curve
        cov = np.asarray(c.results_.cov_params())
        b0, var_b = self.shrunk.slope, self.shrunk.se**2
        x = np.minimum(t, self.fit_end_) - c.centre_
        var_level = cov[0, 0] + x**2 * var_b + c.results_.scale
        u = np.maximum(t - self.end_, 0.0)
        g = self._fade() * self.tau_ * (1.0 - np.exp(-u / self.tau_))
        h = u - g
        after = self.level_end_ + b0 * g + self.long_run.slope * h
        mean = np.where(t <= self.fit_end_, c.intercept_ + b0 * x, after)
        var = var_level + g**2 * var_b + h**2 * self.long_run.slope_sd**2
        return mean, var

    def predict(self, dates: object) -> np.ndarray:
        """Central price at ``dates`` (median under log-normal scatter), never below the floor."""
        mean, _ = self._log_mean_var(self.curve._years(dates))
        return np.maximum(np.exp(mean), self.floor)

    def predict_interval(self, dates: object, level: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        level = _level(self.curve.ci if level is None else level, "level")
        mean, var = self._log_mean_var(self.curve._years(dates))
        half = stats.norm.ppf((1.0 + level) / 2.0) * np.sqrt(var)
        return np.maximum(np.exp(mean - half), self.floor), np.maximum(np.exp(mean + half), self.floor)

    def _fade(self) -> float:
        """How much of the fitted rate's excess is left when the projection starts: the
        persistence clock runs from the last frontier point (``fit_end_``), so a stretch
        of data with no cheaper model (up to ``end_``) uses part of it up."""
        return float(np.exp(-(self.end_ - self.fit_end_) / self.tau_))

    def rate(self, dates: object) -> np.ndarray:
        """Annual decline factor of the central projection at ``dates``."""
        t = self.curve._years(dates)
        u = np.maximum(t - self.end_, 0.0)
        r0, rl = -self.shrunk.slope, -self.long_run.slope
        return np.exp(rl + (r0 - rl) * self._fade() * np.exp(-u / self.tau_))

    def with_long_run(self, long_run: LongRunRate) -> CostProjection:
        """The same projection toward another long-run rate (a hardware scenario)."""
        out = copy.copy(self)
        out.long_run = long_run
        return out

    def frame(self, dates: object, level: float | None = None) -> pd.DataFrame:
        index = to_datetime_index(dates)
        low, high = self.predict_interval(index, level)
        years = self.curve._years(index)
        return pd.DataFrame({"date": index, "price": self.predict(index), "low": low, "high": high,
                             "phase": _phase(years, self.end_), "floor": np.full(len(index), self.floor)})


def with_projection(result: CostResult, *, pool: PooledRate | None, long_run: LongRunRate,
                    floor: float, persistence: float, observed_end: object | None = None,
                    floor_basis: str = "") -> CostResult:
    """``result`` with its slope shrunk toward ``pool`` and a :class:`CostProjection`.

    The projection starts from the last frontier price (the cheapest model known),
    at ``observed_end`` (the last date the prices covered the benchmark) when given.
    An insufficient result is returned unchanged.
    """
    if result.curve is None:
        return result
    shrunk = shrink_slope(result.curve.slope_, effective_slope_se(result.curve), pool)
    projection = CostProjection(curve=result.curve, shrunk=shrunk, long_run=long_run, floor=floor,
                                persistence=persistence, start=result.start, end=result.end,
                                observed_end=observed_end, anchor_price=float(result.frontier["price"].iloc[-1]),
                                floor_basis=floor_basis)
    return replace(result, shrunk=shrunk, projection=projection)


# --- compute-based cost for sectors without prices ------------------------------------------


class ComputeProjection:
    """Cost of a unit of use = compute it needs at constant accuracy x price of compute.

    ``flop(t) = flop_per_unit x 2 ** (-(t - flop_year) / halving_years)`` (algorithmic
    efficiency at constant accuracy); the price of 1e18 FLOP follows the fitted
    cloud-price trend ``curve`` (its prediction interval gives the band), divided by
    ``utilization`` (share of peak FLOP/s delivered). The floor is the electricity of
    ``flop(t)`` (:func:`energy_floor`).
    """

    def __init__(self, *, curve: _CostCurveCore, flop_per_unit: float, flop_date: object, halving_years: float,
                 utilization: float, joules_per_flop: float, usd_per_kwh: float, end: object) -> None:
        curve._check_fitted()
        self.curve = curve
        self.flop_per_unit = _positive(flop_per_unit, "flop_per_unit")
        self.flop_year_ = float(curve._years(to_datetime_index([to_timestamp(flop_date, "flop_date")]))[0])
        self.halving_years = _positive(halving_years, "halving_years")
        if isinstance(utilization, bool) or not isinstance(utilization, Real) or not 0.0 < float(utilization) <= 1.0:
            raise InputError(f"The 'utilization' parameter must be in (0, 1]. Got {utilization!r} instead.")
        self.utilization = float(utilization)
        self.joules_per_flop, self.usd_per_kwh = joules_per_flop, usd_per_kwh
        self.end_ = float(curve._years(to_datetime_index([to_timestamp(end, "end")]))[0])

    @property
    def algorithmic_factor(self) -> float:
        return doubling_factor(self.halving_years)

    def flop(self, dates: object) -> np.ndarray:
        t = self.curve._years(dates)
        return self.flop_per_unit * 2.0 ** (-(t - self.flop_year_) / self.halving_years)

    def floor_at(self, dates: object) -> np.ndarray:
        return np.asarray(energy_floor(self.flop(dates), joules_per_flop=self.joules_per_flop,
                                       usd_per_kwh=self.usd_per_kwh), dtype=float)

    def _scale(self, dates: object) -> np.ndarray:
        return self.flop(dates) / _FLOP_PER_PRICE_UNIT / self.utilization

    def predict(self, dates: object) -> np.ndarray:
        return np.maximum(self.curve.predict(dates) * self._scale(dates), self.floor_at(dates))

    def predict_interval(self, dates: object, level: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        low, high = self.curve.predict_interval(dates, level)
        scale, floor = self._scale(dates), self.floor_at(dates)
        return np.maximum(low * scale, floor), np.maximum(high * scale, floor)

    def frame(self, dates: object, level: float | None = None) -> pd.DataFrame:
        index = to_datetime_index(dates)
        low, high = self.predict_interval(index, level)
        return pd.DataFrame({"date": index, "price": self.predict(index), "low": low, "high": high,
                             "phase": _phase(self.curve._years(index), self.end_), "floor": self.floor_at(index)})


def fit_compute_cost(
    hardware: pd.DataFrame,
    *,
    as_of: object,
    capability: str,
    level: float,
    unit: str,
    flop_per_unit: float,
    flop_date: object,
    halving_years: float,
    halving_date: object,
    utilization: float,
    joules_per_flop: float,
    usd_per_kwh: float,
    ci: float = DEFAULT_CI,
    min_points: int = MIN_COST_POINTS,
) -> CostResult:
    """Cost curve of a unit of use from compute, for a sector without a price series.

    The price of compute is the log-linear trend of the cloud rental quotes
    (on-demand and committed, per chip-hour) in ``hardware`` (columns date, chip,
    usd_per_hour, relative_throughput; rows without an hourly price are purchases)
    dated on or before ``as_of``, as USD per 1e18 FLOP at peak dense FP16/BF16
    (``usd_per_hour / (relative_throughput x H100_DENSE_FLOPS x 3600) x 1e18``). The
    decline factor is the hardware trend's x the algorithmic factor
    ``2 ** (1 / halving_years)``. Status "insufficient_data" (no projection) before
    the compute figure's date, before the algorithmic estimate's publication date, or
    with fewer than ``min_points`` quotes at two or more dates.
    """
    as_of = to_timestamp(as_of)
    require_columns(hardware, ("date", "chip", "usd_per_hour", "relative_throughput"), "hardware")
    dates = to_datetime_index(hardware["date"], "hardware dates")
    rel = pd.to_numeric(hardware["relative_throughput"], errors="coerce").to_numpy(dtype=float)
    hourly = pd.to_numeric(hardware["usd_per_hour"], errors="coerce").to_numpy(dtype=float)
    rental = (hardware["price_type"].astype(str).to_numpy() != "purchase") if "price_type" in hardware.columns else True
    keep = (np.asarray(dates <= as_of) & rental
            & np.isfinite(rel) & (rel > 0) & np.isfinite(hourly) & (hourly > 0))
    frontier = pd.DataFrame({
        "model": hardware["chip"].to_numpy()[keep],
        "date": dates[keep],
        "price": hourly[keep] / (rel[keep] * H100_DENSE_FLOPS * 3600.0) * _FLOP_PER_PRICE_UNIT,
        "score": rel[keep],
    }).sort_values(["date", "price", "model"], kind="mergesort").reset_index(drop=True)
    frontier["date"] = frontier["date"].astype("datetime64[ns]")
    known = to_timestamp(flop_date, "flop_date") <= as_of and to_timestamp(halving_date, "halving_date") <= as_of
    common = dict(benchmark=capability, threshold=float(level), as_of=as_of, n_points=len(frontier),
                  start=frontier["date"].iloc[0] if len(frontier) else pd.NaT,
                  end=frontier["date"].iloc[-1] if len(frontier) else pd.NaT, frontier=frontier,
                  unit=f"USD per {unit}")
    if not known or len(frontier) < min_points or frontier["date"].nunique() < 2:
        return CostResult(status=_STATUS_INSUFFICIENT, decline_factor_per_year=np.nan, ci90=(np.nan, np.nan),
                          curve=None, r_squared=np.nan, **common)
    curve = _CostCurveCore(ci=ci).fit(frontier["date"], frontier["price"].to_numpy())
    projection = ComputeProjection(curve=curve, flop_per_unit=flop_per_unit, flop_date=flop_date,
                                   halving_years=halving_years, utilization=utilization,
                                   joules_per_flop=joules_per_flop, usd_per_kwh=usd_per_kwh, end=common["end"])
    algo = projection.algorithmic_factor
    return CostResult(status=_STATUS_OK, decline_factor_per_year=curve.decline_factor_per_year_ * algo,
                      ci90=(curve.ci90_[0] * algo, curve.ci90_[1] * algo), curve=curve,
                      r_squared=curve.r_squared_, projection=projection, **common)


def __getattr__(name: str) -> object:
    """``CostCurve``, the scikit-learn estimator over :class:`_CostCurveCore`, imported on
    first use (PEP 562; see ``gapscore.models.capability.__getattr__``)."""
    if name == "CostCurve":
        from gapscore.models.estimators import CostCurve

        return CostCurve
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
