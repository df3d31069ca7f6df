"""Borrowed S-curve shapes for benchmarks with too few records to fit their own.

A benchmark with one to four record points cannot pin down a logistic's three
parameters. Here its *shape* (asymptote ``L`` and rate ``k``) is borrowed from a
reference class: the curves fitted, as of the same date, to the benchmarks that do
have enough records. Only the timing ``t0`` is fitted to the benchmark's own points,
once for every borrowed shape, so the spread of the reference class becomes the
spread of the forecast: an empirical-Bayes predictive interval with the reference
class as the prior. Both the reference class and the benchmark use only results
dated on or before ``as_of``.

With one shape ``(L, k)`` the logistic is linear on the logit scale,
``logit(share / L) = k (t - t0)``, so the least-squares ``t0`` on that scale has a
closed form: the mean over the points of ``t - logit(share / L) / k``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import logit

from gapscore.models._frontier import check_int, decimal_year, to_datetime_index, to_timestamp
from gapscore.models.capability import (
    DEFAULT_MIN_ASYMPTOTE,
    DEFAULT_N_BOOT,
    K_BOUNDS_PER_YEAR,
    MIN_SCURVE_POINTS,
    _PARAM_INDEX,
    _daily_best,
    _SCurveCore,
    normalise,
    record_points,
)
from gapscore.models.exceptions import InputError, InsufficientDataError

__all__ = ["BorrowedCurve", "LifetimeFit", "LifetimePrior", "ShapePrior", "lifetime_prior", "shape_prior", "shape_priors"]

#: Shares are kept this far (as a fraction of L) inside (0, L) before the logit: a
#: result at or below the floor, or at the asymptote, has no finite logit.
_LOGIT_MARGIN = 1e-3


def _t0(t: np.ndarray, share: np.ndarray, L: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Least-squares t0 on the logit scale for each shape (L, k): arrays (m,) -> (m,)."""
    ratio = np.clip(share[None, :] / L[:, None], _LOGIT_MARGIN, 1.0 - _LOGIT_MARGIN)
    return np.mean(t[None, :] - logit(ratio) / k[:, None], axis=1)


@dataclass(frozen=True, eq=False)
class ShapePrior:
    """The shapes (L, k) of the curves fitted as of ``as_of`` on the reference class."""

    as_of: pd.Timestamp
    L: np.ndarray
    k: np.ndarray
    benchmarks: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.benchmarks)

    def curve(self, t: object, share: object, *, n_draws: int, random_state: object = 0) -> _BorrowedCurveCore:
        """A benchmark's curve from its own points and the borrowed shapes (the maths of
        :class:`BorrowedCurve`, fitted: ``BorrowedCurve(prior=self, n_boot=n_draws,
        random_state=random_state).fit(t, share)`` gives the same numbers)."""
        return _BorrowedCurveCore(prior=self, n_boot=n_draws, random_state=random_state).fit(t, share)

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"benchmark": list(self.benchmarks), "L": self.L, "k": self.k})


class _BorrowedCurveCore(_SCurveCore):
    """An S-curve whose shape comes from a :class:`ShapePrior`; only t0 is fitted.

    The point curve uses the median shape of the reference class; each of the
    ``n_boot`` draws a shape drawn (with replacement) from the class, with its own
    fitted t0. Everything else (``predict``, ``slope``, ``year_reaching``, intervals)
    is the S-curve's. The maths of :class:`BorrowedCurve` (the scikit-learn estimator,
    ``gapscore.models.estimators``), without scikit-learn.

    Parameters
    ----------
    prior : ShapePrior or None
        The reference class of shapes; ``fit`` refuses without one.
    n_boot, random_state, ceiling, min_asymptote : as for the S-curve (``n_boot`` is
        the number of shapes drawn).
    """

    def __init__(
        self,
        *,
        prior: ShapePrior | None = None,
        n_boot: int = DEFAULT_N_BOOT,
        random_state: object = 0,
        ceiling: float | None = None,
        min_asymptote: float = DEFAULT_MIN_ASYMPTOTE,
    ) -> None:
        self.prior = prior
        self.n_boot = n_boot
        self.random_state = random_state
        self.ceiling = ceiling
        self.min_asymptote = min_asymptote

    def fit(self, t: object, share: object) -> _BorrowedCurveCore:
        """Fit t0 to the points (t in decimal years, share of the human level) for the
        median shape and for each of ``n_boot`` shapes drawn from ``prior``."""
        prior = self.prior
        if not isinstance(prior, ShapePrior):
            raise InputError(
                "The 'prior' parameter of BorrowedCurve must be a ShapePrior (from shape_prior(...)). "
                f"Got {type(prior).__name__} instead."
            )
        n_boot, ceiling, l_low = self._validated_settings()
        t_arr = np.asarray(t, dtype=float).ravel()
        y_arr = np.minimum(np.asarray(share, dtype=float).ravel(), ceiling)
        if t_arr.shape != y_arr.shape or not t_arr.size:
            raise InputError("BorrowedCurve needs at least one point, with as many times as shares.")
        if not (np.all(np.isfinite(t_arr)) and np.all(np.isfinite(y_arr))):
            raise InputError("BorrowedCurve needs finite times and shares; drop missing values first.")
        if not len(prior):
            raise InsufficientDataError("The shape prior has no reference curves.")
        L_all, k_all = np.asarray(prior.L, dtype=float), np.asarray(prior.k, dtype=float)
        L_mid, k_mid = np.array([np.median(L_all)]), np.array([np.median(k_all)])
        rng = np.random.default_rng(self.random_state)
        pick = rng.integers(0, len(L_all), size=n_boot)
        L_b, k_b = L_all[pick], k_all[pick]
        boot = np.column_stack([L_b, k_b, _t0(t_arr, y_arr, L_b, k_b)]) if n_boot else np.empty((0, 3))
        t0 = float(_t0(t_arr, y_arr, L_mid, k_mid)[0])

        self.ceiling_ = ceiling
        self.min_asymptote_ = l_low
        self.params_ = pd.Series([float(L_mid[0]), float(k_mid[0]), t0], index=_PARAM_INDEX)
        self.boot_params_ = pd.DataFrame(boot, columns=_PARAM_INDEX)
        self.n_boot_failed_ = 0
        self.n_points_ = int(t_arr.size)
        self.t_range_ = (float(t_arr.min()), float(t_arr.max()))
        residuals = y_arr - self.predict(t_arr)
        self.residual_std_ = float(np.sqrt(np.mean(residuals**2)))
        self.prior_benchmarks_ = prior.benchmarks
        return self


def shape_prior(
    history: pd.DataFrame,
    benchmarks: pd.DataFrame,
    *,
    as_of: object,
    reference: Sequence[str],
    min_points: int = 5,
    min_benchmarks: int = 3,
    error_scale: str = "log",
    ceiling: float | None = None,
    min_asymptote: float = DEFAULT_MIN_ASYMPTOTE,
) -> ShapePrior | None:
    """The reference class as of ``as_of``: None when fewer than ``min_benchmarks`` fit.

    Every benchmark of ``reference`` with a human baseline and at least ``min_points``
    record points dated on or before ``as_of`` is fitted (no bootstrap). A fitted rate
    at either bound of ``K_BOUNDS_PER_YEAR`` is left out: the records are then a step
    (or a line), which says nothing about a curve's shape.
    """
    return shape_priors(history, benchmarks, dates=[as_of], reference=reference, min_points=min_points,
                        min_benchmarks=min_benchmarks, error_scale=error_scale, ceiling=ceiling,
                        min_asymptote=min_asymptote)[0]


def shape_priors(
    history: pd.DataFrame,
    benchmarks: pd.DataFrame,
    *,
    dates: Sequence[object],
    reference: Sequence[str],
    min_points: int = 5,
    min_benchmarks: int = 3,
    error_scale: str = "log",
    ceiling: float | None = None,
    min_asymptote: float = DEFAULT_MIN_ASYMPTOTE,
) -> list[ShapePrior | None]:
    """:func:`shape_prior` at each of ``dates`` (the same priors), for a caller that needs
    many dates (the calibration pool's quarterly dates).

    The reference class's rows are normalised and their record points found once: a
    share is a function of its row and a record depends only on earlier rows, so the
    record points known on a date are those of the whole history dated on or before it
    (as :func:`capability.prepare_history` slices them). A benchmark's curve is fitted
    once per set of record points (its first n records by date), however many dates
    know the same n.
    """
    check_int(min_points, "min_points", "shape_prior", MIN_SCURVE_POINTS)
    check_int(min_benchmarks, "min_benchmarks", "shape_prior", 1)
    cuts = [to_timestamp(d) for d in dates]
    if not cuts:
        return []
    table = benchmarks[benchmarks["benchmark"].isin(set(reference)) & benchmarks["human_baseline"].notna()]
    day_index = to_datetime_index(history["date"], "history dates")
    mine = history["benchmark"].isin(table["benchmark"]).to_numpy()
    last = max(cuts)
    known = history[np.asarray(day_index <= last) & mine]
    known_ns = np.sort(np.asarray(day_index[mine], dtype="datetime64[ns]"))
    records = record_points(normalise(known, table, error_scale=error_scale), as_of=last)
    # each benchmark's record points in date order (ties keep their order: all or none are known on a date)
    series = []
    for benchmark, points in records.groupby("benchmark", sort=True):
        points = points.sort_values("date", kind="mergesort")
        series.append((benchmark, points["date"].to_numpy(dtype="datetime64[ns]"), decimal_year(points["date"]),
                       points["share"].to_numpy(dtype=float)))
    lo, hi = K_BOUNDS_PER_YEAR
    shapes: dict = {}  # (benchmark, record count) -> (L, k), or None when the fit says nothing of a shape
    out = []
    for cut in cuts:
        cut_ns = np.datetime64(cut, "ns")
        if not (known_ns.size and known_ns[0] <= cut_ns):
            out.append(None)  # no row known then (shape_prior's "known.empty")
            continue
        names, found = [], []
        for benchmark, day_ns, t, share in series:
            n = int(np.searchsorted(day_ns, cut_ns, side="right"))
            if n < min_points:
                continue
            if (benchmark, n) not in shapes:
                try:
                    fit = _SCurveCore(n_boot=0, ceiling=ceiling, min_asymptote=min_asymptote).fit(t[:n], share[:n])
                    L, k, _ = fit.params_.to_numpy()
                    shapes[(benchmark, n)] = (L, k) if lo * (1 + 1e-6) < k < hi * (1 - 1e-6) else None
                except InsufficientDataError:
                    shapes[(benchmark, n)] = None
            if shapes[(benchmark, n)] is not None:
                names.append(str(benchmark))
                found.append(shapes[(benchmark, n)])
        if len(names) < min_benchmarks:
            out.append(None)
            continue
        arr = np.array(found)
        out.append(ShapePrior(as_of=cut, L=arr[:, 0], k=arr[:, 1], benchmarks=tuple(names)))
    return out


# --- the reference class of benchmark lifetimes ------------------------------------------

#: Shortest lifetime counted, in years: a benchmark crossing a threshold within days of
#: its first result has a lifetime of about zero, whose logarithm is not finite.
_MIN_LIFETIME_YEARS = 1.0 / 12.0


@dataclass(frozen=True, eq=False)
class LifetimeFit:
    """Censored log-normal regression of one threshold's lifetimes on the first-result year.

    ``log(lifetime) = a + b (first_year - centre) + sigma e``, e standard normal; a
    benchmark not at the threshold by ``as_of`` is right-censored at ``as_of - first``.
    """

    threshold: float
    a: float
    b: float
    sigma: float
    centre: float
    var_a: float
    var_b: float
    n_resolved: int
    n_censored: int
    conformal_scale: float = 1.0

    def log_lifetime(self, first_year: float) -> tuple[float, float]:
        """Predictive mean and standard deviation of log(lifetime) for a benchmark first
        reported in ``first_year`` (residual spread plus the fit's own uncertainty, times
        the conformal scale)."""
        x = first_year - self.centre
        return self.a + self.b * x, self.conformal_scale * float(np.sqrt(self.sigma**2 + self.var_a + x * x * self.var_b))


@dataclass(frozen=True, eq=False)
class LifetimePrior:
    """How long benchmarks took from their first result to each share of human level, as
    known on ``as_of``: the reference class every forecast starts from."""

    as_of: pd.Timestamp
    lifetimes: pd.DataFrame  # benchmark, from_share, threshold, first_year (of the start), lifetime, resolved
    min_benchmarks: int = 3
    trend_prior_sd: float = 0.15
    conformal_level: float | None = None
    from_shares: tuple[float, ...] = (0.0,)
    _fits: dict = field(default_factory=dict, repr=False)
    _columns: dict = field(default_factory=dict, repr=False)

    def fit_for(self, threshold: float, from_share: float = 0.0) -> LifetimeFit | None:
        """The class of lifetimes from first reaching ``from_share`` (0: the first result) to
        ``threshold``; None with fewer than ``min_benchmarks`` resolved. Fitted once, on demand."""
        key = (round(float(from_share), 6), round(float(threshold), 6))
        if key not in self._fits:
            if not self._columns:  # the table's columns as arrays, read once for every class
                self._columns.update({name: self.lifetimes[name].to_numpy(dtype=dtype) for name, dtype in (
                    ("from_share", float), ("threshold", float), ("first_year", float), ("lifetime", float),
                    ("resolved", bool))})
            cols = self._columns
            rows = (cols["from_share"] == key[0]) & (cols["threshold"] == key[1])
            self._fits[key] = _fit_lifetimes(cols["first_year"][rows], cols["lifetime"][rows], cols["resolved"][rows],
                                             key[1], self.min_benchmarks, self.trend_prior_sd, self.conformal_level)
        return self._fits[key]

    def stage(self, share: float, threshold: float) -> float:
        """The furthest ``from_shares`` stage below ``threshold`` that ``share`` has reached
        and whose class can be fitted (0.0, the first result, when none)."""
        for f in sorted(self.from_shares, reverse=True):
            if f <= share and f < threshold and (f == 0.0 or self.fit_for(threshold, f) is not None):
                return f
        return 0.0

    def median_lifetime(self, threshold: float, first_year: float) -> float:
        """The class's median lifetime (years) for a benchmark first reported in ``first_year``."""
        fit = self.fit_for(threshold)
        return np.nan if fit is None else float(np.exp(fit.log_lifetime(first_year)[0]))

    def summary(self) -> pd.DataFrame:
        pairs = self.lifetimes[["from_share", "threshold"]].drop_duplicates().itertuples(index=False)
        fits = [(f, self.fit_for(t, f)) for f, t in pairs]
        return pd.DataFrame([{"from_share": f, **vars(fit)} for f, fit in fits if fit is not None])


def _censored_lognormal(x: np.ndarray, y: np.ndarray, resolved: np.ndarray, trend_sd: float):
    """MAP (a, b, sigma) of y = a + b x + sigma e, y right-censored where not resolved, with a
    normal prior of sd ``trend_sd`` on b (ridge): returns a, b, sigma, var_a, var_b."""
    from scipy.optimize import minimize
    from scipy.special import log_ndtr

    half_log_2pi = 0.5 * np.log(2.0 * np.pi)

    def nll(p):
        a, b, log_s = p
        s = np.exp(log_s)
        z = (y - a - b * x) / s
        # resolved: the normal log density of z (less log s); censored: log P(Z > z)
        ll = np.where(resolved, -0.5 * z * z - half_log_2pi - log_s, log_ndtr(-z))
        return -ll.sum() + 0.5 * (b / trend_sd) ** 2

    start = np.array([float(np.mean(y)), 0.0, np.log(max(float(np.std(y)), 0.3))])
    best = minimize(nll, start, method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-9, "maxiter": 4000})
    a, b, log_s = best.x
    s = float(np.exp(log_s))
    n = max(int(resolved.sum()), 1)
    var_a = s * s / n
    var_b = 1.0 / (float(np.sum(x[resolved] ** 2)) / (s * s) + 1.0 / trend_sd**2)
    return float(a), float(b), s, var_a, var_b


def _conformal(fit: LifetimeFit, first: np.ndarray, log_life: np.ndarray, resolved: np.ndarray, level: float) -> LifetimeFit:
    """``fit`` with its spread rescaled by split-conformal on the class's own lifetimes."""
    from dataclasses import replace

    from scipy.special import ndtri

    mean_sd = np.array([fit.log_lifetime(f) for f in first])
    z = (log_life - mean_sd[:, 0]) / mean_sd[:, 1]
    # A censored lifetime proves an error of at least z when z > 0; otherwise it says nothing.
    scores = np.concatenate([np.abs(z[resolved]), z[~resolved & (z > 0)]])
    n = scores.size
    rank = min(int(np.ceil((n + 1) * level)), n)
    q = float(np.sort(scores)[rank - 1])
    # The unfinished lifetimes still to come are the long ones: the errors seen so far
    # understate the spread, so they may widen the class's interval but never narrow it.
    return replace(fit, conformal_scale=max(1.0, q / float(ndtri(0.5 + level / 2.0))))


def lifetime_prior(
    history: pd.DataFrame,
    benchmarks: pd.DataFrame,
    *,
    as_of: object,
    thresholds: Sequence[float],
    min_benchmarks: int = 3,
    trend_prior_sd: float = 0.15,
    error_scale: str = "log",
    conformal_level: float | None = None,
    from_shares: Sequence[float] = (0.0,),
) -> LifetimePrior | None:
    """The reference class of lifetimes as of ``as_of`` (None when too few resolved).

    Every benchmark with a human baseline and a result dated on or before ``as_of``
    whose first day's best share was below a threshold is one lifetime for it: the years
    from its first result to its first result at or above the threshold, or, not there
    yet, right-censored at ``as_of``. Per threshold, ``log(lifetime)`` is regressed on the
    first-result year (a censored normal regression: lifetimes have shortened over the
    decades, about 18 years for MNIST, 6 for ImageNet, 1 for GLUE), with a normal prior
    of sd ``trend_prior_sd`` on the slope so that a handful of benchmarks cannot claim a
    steep trend. A threshold needs ``min_benchmarks`` resolved lifetimes.

    ``from_shares``: the lifetime is also counted from the date a benchmark's best share
    first reached each of these stages (0 is its first result), so that a benchmark
    already part of the way is forecast from the class of benchmarks that were there
    too (the remaining time from 50% or 80% of human to the threshold), not from its
    first result whatever its progress. A benchmark that has not reached a stage is not
    in that stage's class.

    ``conformal_level`` (e.g. 0.8): the predictive spread is rescaled so that a central
    interval of that level holds that share of the class's own lifetimes (split
    conformal on the standardised errors |log lifetime - mean| / sd, with the finite-
    sample rank ceil((n + 1) level); a censored lifetime counts with the error its
    censoring time already proves, if positive). The scale is at least 1: the
    lifetimes still unfinished are the long ones, so the errors seen so far understate
    the spread; heavier tails than the log-normal's widen the interval.
    """
    as_of = to_timestamp(as_of)
    check_int(min_benchmarks, "min_benchmarks", "lifetime_prior", 1)
    table = benchmarks[benchmarks["benchmark"].notna() & benchmarks["human_baseline"].notna()]
    known = history[(to_datetime_index(history["date"], "history dates") <= as_of)
                    & history["benchmark"].isin(table["benchmark"])]
    if known.empty:
        return None
    norm = normalise(known[["benchmark", "date", "value"]], table, error_scale=error_scale)
    norm = norm[np.isfinite(norm["share"].to_numpy(dtype=float))]
    t_as_of = float(decimal_year(as_of)[0])
    stages = sorted({0.0, *(round(float(f), 6) for f in from_shares)})
    if norm.empty:
        return None  # no lifetime to learn from
    rows = []
    # each benchmark's best share per day, all benchmarks in one pass (sorted by id, then date)
    day, day_best = _daily_best(norm)
    day_years = decimal_year(day["date"])
    edges = np.flatnonzero(np.r_[True, day["code"][1:] != day["code"][:-1], True])
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        name = day["names"][day["code"][lo]]
        years, shares = day_years[lo:hi], day_best[lo:hi]
        hits: dict = {}  # each threshold's crossings, found once for every stage
        for stage in stages:
            reached = np.flatnonzero(shares >= stage) if stage > 0 else np.array([0])
            if not reached.size:
                continue  # not at this stage yet: not in its class
            i0 = int(reached[0])
            start, best = float(years[i0]), float(np.max(shares[: i0 + 1]))
            for thr in thresholds:
                if stage >= thr or best >= thr:
                    continue  # born past the threshold (or the stage is past it): nothing to forecast
                if thr not in hits:
                    hits[thr] = np.flatnonzero(shares >= thr)
                hit = hits[thr]
                if hit.size:
                    rows.append((name, stage, round(float(thr), 6), start, max(years[hit[0]] - start, _MIN_LIFETIME_YEARS), True))
                elif t_as_of - start >= _MIN_LIFETIME_YEARS:
                    rows.append((name, stage, round(float(thr), 6), start, t_as_of - start, False))
    lifetimes = pd.DataFrame(rows, columns=["benchmark", "from_share", "threshold", "first_year", "lifetime", "resolved"])
    prior = LifetimePrior(as_of=as_of, lifetimes=lifetimes, min_benchmarks=min_benchmarks, trend_prior_sd=trend_prior_sd,
                          conformal_level=conformal_level, from_shares=tuple(stages))
    if not any(prior.fit_for(t) is not None for t in thresholds):
        return None
    return prior


def _fit_lifetimes(first: np.ndarray, lifetime: np.ndarray, resolved: np.ndarray, thr: float, min_benchmarks: int,
                   trend_prior_sd: float, conformal_level: float | None) -> LifetimeFit | None:
    """One class (its rows' start years, lifetimes and whether each is resolved): the
    censored regression of log lifetime on the start year (and its conformal scale)."""
    if resolved.sum() < min_benchmarks:
        return None
    log_life = np.log(lifetime)
    centre = float(np.mean(first[resolved]))
    a, b, s, var_a, var_b = _censored_lognormal(first - centre, log_life, resolved, trend_prior_sd)
    fit = LifetimeFit(float(thr), a, b, s, centre, var_a, var_b, int(resolved.sum()), int((~resolved).sum()))
    if conformal_level is not None:
        fit = _conformal(fit, first, log_life, resolved, conformal_level)
    return fit


def __getattr__(name: str) -> object:
    """``BorrowedCurve``, the scikit-learn estimator, imported on first use (PEP 562; see
    ``gapscore.models.capability.__getattr__``)."""
    if name == "BorrowedCurve":
        from gapscore.models.estimators import BorrowedCurve

        return BorrowedCurve
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
