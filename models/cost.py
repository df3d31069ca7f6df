"""Inference price at constant capability, and what hardware adds to its decline.

The method is Epoch AI's ("LLM inference prices have fallen rapidly but unequally
across tasks", 2025) and a16z's ("LLMflation", 2024): fix a capability threshold on a
benchmark, follow the cheapest model that meets it over time, and fit a log-linear
trend of price on release date.

- :func:`constant_capability_frontier` picks the models that set a new lowest price.
- :class:`CostCurve` fits ``ln(price) = a + b * years`` by OLS (statsmodels); the
  price falls by ``exp(-b)`` per year.
- :func:`fit_cost` combines both as of a date into a :class:`CostResult`.
- :func:`hardware_step`, :func:`decompose_decline` and :func:`api_markup` carry the
  seed article's hardware and pricing figures.

Method, constants with sources and limits: ``docs/models/capability_cost.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from gapscore.models._frontier import (
    DAYS_PER_YEAR,
    check_int,
    decimal_year,
    require_columns,
    to_datetime_index,
    to_timestamp,
)
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
    "CostCurve",
    "CostResult",
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


class CostCurve:
    """Log-linear trend of price over time: ``ln(price) = a + b * years`` by OLS.

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

    def fit(self, dates: object, prices: object) -> CostCurve:
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

    def _check_fitted(self) -> None:
        if not hasattr(self, "results_"):
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
    curve: CostCurve | None
    r_squared: float

    def project(self, dates: object, level: float | None = None) -> pd.DataFrame:
        """Projected frontier price with its prediction interval: date, price, low, high."""
        if self.curve is None:
            raise InsufficientDataError(
                f"No cost trend for {self.benchmark} >= {self.threshold} as of "
                f"{self.as_of.date()}: only {self.n_points} frontier point(s)."
            )
        index = to_datetime_index(dates)
        low, high = self.curve.predict_interval(index, level)
        return pd.DataFrame(
            {"date": index, "price": self.curve.predict(index), "low": low, "high": high}
        )

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
    curve = CostCurve(ci=ci).fit(frontier["date"], frontier["price"].to_numpy())
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
    curve_or_result: CostCurve | CostResult | SteppedCostCurve,
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
    if isinstance(base, CostCurve):
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
