"""Capability S-curves: how much of the gap to the human level AI has closed, and when
it will close the rest.

Three steps, each usable alone:

1. :func:`normalise` turns raw benchmark results into ``share``, the share of the gap
   between a floor (chance, or the worst meaningful score) and the human baseline that
   a result has closed, and ``frontier``, the best share reached so far.
2. :class:`SCurve` fits a three-parameter logistic ``share(t) = L / (1 + exp(-k (t - t0)))``
   to frontier points by bounded nonlinear least squares, with a residual bootstrap for
   intervals.
3. :func:`fit_sector` fits one S-curve per benchmark of a sector on the record-setting
   frontier points dated on or before ``as_of`` and averages the curves into a sector
   curve, with threshold forecasts.

The method, every constant and the limits are documented in
``docs/models/capability_cost.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from gapscore.models._frontier import (
    SHARE_MATCH_TOLERANCE,
    check_int,
    decimal_year,
    from_decimal_year,
    require_columns,
    running_best_by_group_date,
    same_share,
    to_datetime_index,
    to_timestamp,
)
from gapscore.models import fit_cache
from gapscore.models._logistic_lsq import METHODS as FIT_METHODS
from gapscore.models._logistic_lsq import fit_logistic_batch
from gapscore.models.exceptions import InputError, InsufficientDataError, NotFittedError

__all__ = [
    "DEFAULT_MIN_ASYMPTOTE",
    "DEFAULT_N_BOOT",
    "DEFAULT_SATURATION_NOISE_POINTS",
    "DEFAULT_SHARE_CEILING",
    "DEFAULT_THRESHOLDS",
    "MAX_HORIZON_YEARS",
    "CapabilityResult",
    "SCurve",
    "ThresholdForecast",
    "fit_sector",
    "PreparedHistory",
    "prepare_history",
    "prepare_histories",
    "crossing_date",
    "logistic",
    "normalise",
    "observed_frontier",
    "superseded_dates",
    "record_points",
    "saturation_dates",
    "widen_forecast",
]

# --- constants (units and sources in docs/models/capability_cost.md) -------------------

#: Upper bound of the share the S-curve fits (dimensionless; 1.0 = human baseline).
#: Raw shares above it are kept in ``normalise`` but clipped to it before fitting, and
#: the asymptote ``L`` is bounded by it. 1.2 lets a curve settle a fifth beyond the
#: human level (ImageNet top-5 error 3.57% in 2015 is a linear share of 1.02, a log
#: share of 1.12) without letting a few superhuman points drag the fit to infinity.
#: Modelling choice, not a published figure.
DEFAULT_SHARE_CEILING = 1.2

#: Lowest asymptote L the S-curve may settle at by default (share of the human level).
#: Assumption from the thesis that capability in a domain climbs to the human level
#: (The inference cost article (PaleBlueDot AI acknowledgement), 2024) and, in every
#: sector of the bundled data that got there, a little past it (best shares: computer
#: vision 1.16 by 2016, Switchboard 1.03-1.10, SQuAD 1.1 F1 1.07). Two reasons: fitted
#: to the early, near-exponential part of a curve a free L is not identified and stops
#: just above the last point; and with L = 1.0 exactly, human parity (threshold 1.0)
#: would be approached forever and never reached. 5% above parity keeps it at a finite
#: date. Backtest on the bundled data (docs/models/capability_cost.md): mean absolute
#: error of 13 threshold forecasts 5.4 years with L free, 2.0 with L >= 1.0, 0.6 with
#: L >= 1.05. Pass ``min_asymptote=0`` to let the data decide.
DEFAULT_MIN_ASYMPTOTE = 1.05

#: Noise of a benchmark reported in percent on a linear scale, in percentage points:
#: a result within this of the human baseline, or of the metric's maximum (100%),
#: cannot be told apart from it, so the benchmark is saturated. Assumption: two
#: binomial standard errors of a small test set near the top (HumanEval, 164 problems,
#: at 98%: s.e. 1.1 points), the same order as the label errors found in saturated
#: benchmarks (Gema et al. 2024, "Are we done with MMLU?": 6.5% of questions wrong).
#: Log-scale measures (error rates, METR time horizons) are saturated only when they
#: pass the human baseline: on a log scale no fixed number of points is "near".
DEFAULT_SATURATION_NOISE_POINTS = 2.0

#: Units whose values are percentages of a bounded score (maximum 100 when higher is
#: better, 0 when lower is better): only these are checked against their maximum.
PERCENT_UNITS = frozenset({"percent"})
_PERCENT_MAX = 100.0

#: Bootstrap replicates for intervals: the config's ``capability.n_boot`` default
#: (scoring/inputs/defaults.toml, which gives the reasoning; the scoring layer always passes
#: the config's value). Was 500 here while the config said 200: the config won, as
#: the user's file, so a direct call of the model agrees with ``gapscore``.
DEFAULT_N_BOOT = 200

#: Thresholds of the human-level share reported by ``fit_sector``: 0.8 is the seed
#: article's "80% of human capabilities" mark that computer vision reached by 2016
#: (The inference cost article (PaleBlueDot AI acknowledgement), 2024); 0.95 and 1.0
#: are near parity and parity.
DEFAULT_THRESHOLDS = (0.8, 0.95, 1.0)

#: Longest forecast reported as a point, in years after ``as_of`` (the default of
#: ``fit_sector(horizon_years=...)``). A threshold year beyond it (or never) is
#: reported as ``as_of + horizon_years`` with ``capped=True`` ("not in sight"); an
#: upper bound beyond it is ``inf``. The config's ``capability.horizon_years``
#: (scoring/inputs/defaults.toml gives the reasoning), which the scoring layer passes; a
#: test keeps this default equal to it.
MAX_HORIZON_YEARS = 30.0

#: Two shares closer than this are the same threshold (``_frontier.SHARE_MATCH_TOLERANCE``,
#: shared with the economics targets of the scores; read through ``same_share``).
THRESHOLD_MATCH_TOLERANCE = SHARE_MATCH_TOLERANCE

#: Years after ``as_of`` covered by the chart curve of ``CapabilityResult.curve``.
CURVE_YEARS_AHEAD = 10.0

#: Fewest points an S-curve is fitted to: three parameters plus one residual degree of
#: freedom, so the residual bootstrap has something to resample.
MIN_SCURVE_POINTS = 4

#: Bounds of the logistic's growth rate k, per year: at k = 0.01 going from 10% to 90%
#: of L takes 2 ln 9 / k = 440 years, at k = 10 it takes 0.44 years (a benchmark
#: solved within months). Modelling choice keeping the fit away from steps and lines.
K_BOUNDS_PER_YEAR = (0.01, 10.0)

#: Smallest asymptote L the fit may choose (dimensionless share).
_L_MIN = 1e-3

#: The midpoint t0 may lie at most this many years outside the span of the data.
T0_MARGIN_YEARS = 50.0

_STATUS_OK = "ok"
_STATUS_INSUFFICIENT = "insufficient_data"
_STATUS_BORROWED = "borrowed_shape"
#: No curve, but the reference class of lifetimes gives the forecasts (models.shape_prior).
_STATUS_REFERENCE = "reference_class"
_FORECAST_STATUSES = (_STATUS_OK, _STATUS_REFERENCE)
_PARAM_NAMES = ("L", "k", "t0")
#: Their labels as one Index, shared by every fit's ``params_`` and ``boot_params_`` (an
#: Index is immutable; the same labels and dtype as building one from the names each time).
_PARAM_INDEX = pd.Index(list(_PARAM_NAMES))
_BISECTION_STEPS = 60


def _settled_from(lo: float, hi: float) -> int:
    """The bisection step from which a bisection of [lo, hi] may have settled: its
    intervals are then adjacent doubles (the spacing of doubles at the larger end), so
    the midpoint is one of the ends and a step may change nothing. A step that changes
    no end is a fixed point (the next step sees the same ends), so the remaining steps
    can be skipped with the same result; from about step 49 of 60 on the pool's
    intervals (80 years near the year 2000, doubles 2.3e-13 apart). Checking from here
    on only saves the check before then: where it starts never changes a result."""
    width, spacing = float(hi) - float(lo), float(np.spacing(max(abs(float(lo)), abs(float(hi)))))
    if not (np.isfinite(width) and width > 0 and spacing > 0):
        return 0
    return max(0, int(np.log2(width / spacing)) - 2)
#: Least-squares method of SCurve fits: "batched" solves every start and every
#: bootstrap replicate of a fit together (projected Levenberg-Marquardt in numpy,
#: ``models/_logistic_lsq.py``); "scipy" is one ``scipy.optimize.least_squares`` call
#: per start and replicate, the reference it is tested against.
DEFAULT_FIT_METHOD = "batched"


# --- the curve ---------------------------------------------------------------------------


def logistic(t: np.ndarray | float, L: float, k: float, t0: float) -> np.ndarray:
    """The three-parameter logistic ``L / (1 + exp(-k (t - t0)))``, computed stably."""
    return L * expit(k * (np.asarray(t, dtype=float) - t0))


def _logistic_slope(t: np.ndarray | float, L: float, k: float, t0: float) -> np.ndarray:
    """Derivative of :func:`logistic` with respect to t (share per year)."""
    e = expit(k * (np.asarray(t, dtype=float) - t0))
    return L * k * e * (1.0 - e)


# --- normalise -----------------------------------------------------------------------------

_BENCHMARK_COLUMNS = ("benchmark", "higher_is_better", "human_baseline", "floor", "scale")
_HISTORY_COLUMNS = ("benchmark", "date", "value")
_ERROR_SCALES = ("log", "linear")
_TRUE_STRINGS = {"true", "1", "yes"}
_FALSE_STRINGS = {"false", "0", "no"}


def _as_bool(value: object, benchmark: str) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (Integral, np.integer)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE_STRINGS | _FALSE_STRINGS:
        return value.strip().lower() in _TRUE_STRINGS
    raise InputError(
        f"The 'higher_is_better' value of benchmark {benchmark!r} must be a boolean. "
        f"Got {value!r} instead."
    )


def _benchmark_table(benchmarks: pd.DataFrame, needed: Sequence[str]) -> pd.DataFrame:
    """Validated benchmark metadata for the ``needed`` ids, indexed by benchmark."""
    require_columns(benchmarks, _BENCHMARK_COLUMNS, "benchmarks")
    duplicated = benchmarks["benchmark"][benchmarks["benchmark"].duplicated()].unique()
    if len(duplicated):
        raise InputError(
            f"The 'benchmarks' table lists benchmark id(s) {sorted(duplicated)} more than "
            "once. Keep one row per benchmark."
        )
    table = benchmarks.set_index("benchmark")
    unknown = sorted(set(needed) - set(table.index))
    if unknown:
        raise InputError(
            f"Benchmark id(s) {unknown} are not in the 'benchmarks' table "
            f"(known: {sorted(table.index)}). Add them to the table or fix the ids."
        )
    table = table.loc[sorted(set(needed))].copy()
    table["higher_is_better"] = [
        _as_bool(value, name) for name, value in table["higher_is_better"].items()
    ]
    table["floor"] = pd.to_numeric(table["floor"], errors="coerce").astype(float)
    table["human_baseline"] = pd.to_numeric(table["human_baseline"], errors="coerce").astype(float)
    # The checks below in one vectorised pass; the row loop that words the problems runs
    # only when one of them fails (this table is read once per fit).
    floor = table["floor"].to_numpy(dtype=float)
    human = table["human_baseline"].to_numpy(dtype=float)
    higher = table["higher_is_better"].to_numpy(dtype=bool)
    with np.errstate(invalid="ignore"):
        wrong_side = ~np.isnan(human) & np.where(higher, ~(human > floor), ~(human < floor))
    if table["scale"].isin(("linear", "log")).all() and np.isfinite(floor).all() and not wrong_side.any():
        return table
    problems = []
    for name, row in table.iterrows():
        if row["scale"] not in ("linear", "log"):
            problems.append(f"{name}: scale must be 'linear' or 'log', got {row['scale']!r}")
        if not np.isfinite(row["floor"]):
            problems.append(f"{name}: floor must be a number, got {row['floor']!r}")
            continue
        human = row["human_baseline"]
        if np.isnan(human):
            continue
        if row["higher_is_better"] and not human > row["floor"]:
            problems.append(
                f"{name}: higher is better, so human_baseline ({human}) must exceed "
                f"floor ({row['floor']})"
            )
        if not row["higher_is_better"] and not human < row["floor"]:
            problems.append(
                f"{name}: lower is better, so human_baseline ({human}) must be below "
                f"floor ({row['floor']})"
            )
    if problems:
        raise InputError("Invalid rows in the 'benchmarks' table: " + "; ".join(problems) + ".")
    return table


def normalise(
    history: pd.DataFrame, benchmarks: pd.DataFrame, *, error_scale: str = "log", _table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Add ``share`` (of the floor-to-human gap closed) and ``frontier`` (best share so far).

    Linear benchmarks: ``share = (value - floor) / (human - floor)``. The same formula
    serves lower-is-better metrics, whose floor lies above the human baseline (ImageNet
    top-5 error: floor 99.5, human 5.1), because numerator and denominator change sign
    together. Log-scale benchmarks (``scale == "log"``, used for error rates) with
    ``error_scale="log"``: ``share = log(floor / value) / log(floor / human)``, so halving
    the error is the same progress at any level; ``error_scale="linear"`` switches the
    log form off for every benchmark.

    The raw share is not clipped: below 0 is worse than the floor, above 1 is
    superhuman. It is NaN where the benchmark has no human baseline. ``frontier`` is,
    per benchmark, the best share among all results dated on or before the row's date
    (same-day results share one value, so row order does not matter).

    Parameters
    ----------
    history : DataFrame with columns benchmark, date, value (others kept as they are).
    benchmarks : DataFrame with columns benchmark, higher_is_better, human_baseline,
        floor, scale (others ignored).
    error_scale : "log" or "linear".

    Returns
    -------
    A copy of ``history`` (same index and row order) with ``date`` as datetime64 and
    the float columns ``share`` and ``frontier`` added.
    """
    if error_scale not in _ERROR_SCALES:
        raise InputError(
            f"The 'error_scale' parameter of normalise must be one of {_ERROR_SCALES}. "
            f"Got {error_scale!r} instead."
        )
    require_columns(history, _HISTORY_COLUMNS, "history")
    out = history.copy()
    out["date"] = to_datetime_index(out["date"], "history dates")
    if out["date"].isna().any():
        raise InputError("The 'history' table has rows with a missing date. Drop or date them.")
    # _table: the caller's own _benchmark_table(benchmarks, ids) over every id of history, validated once
    table = _benchmark_table(benchmarks, out["benchmark"].unique().tolist()) if _table is None else _table

    meta = table.reindex(out["benchmark"].to_numpy())
    value = pd.to_numeric(out["value"], errors="coerce").to_numpy(dtype=float)
    floor = meta["floor"].to_numpy(dtype=float)
    human = meta["human_baseline"].to_numpy(dtype=float)
    use_log = (meta["scale"].to_numpy() == "log") & (error_scale == "log")

    with np.errstate(divide="ignore", invalid="ignore"):
        linear_share = (value - floor) / (human - floor)
        log_share = np.log(floor / value) / np.log(floor / human)
    check = use_log & np.isfinite(human) & np.isfinite(value)
    bad = check & ~((value > 0) & (floor > 0) & (human > 0))
    if bad.any():
        rows = out.loc[bad, ["benchmark", "date", "value"]].head(5).to_dict("records")
        raise InputError(
            "Log-scale benchmarks need positive values, floors and human baselines; "
            f"these rows are not: {rows}. Fix the data or pass error_scale='linear'."
        )
    share = np.where(use_log, log_share, linear_share)
    share = np.where(np.isfinite(human), share, np.nan)
    out["share"] = share.astype(float)

    # running_best_by_date per benchmark, all benchmarks in one vectorised pass
    out["frontier"] = running_best_by_group_date(
        out["benchmark"].to_numpy(), out["date"].to_numpy(), out["share"].to_numpy(dtype=float)
    )
    return out


def saturation_dates(
    normalised: pd.DataFrame,
    benchmarks: pd.DataFrame,
    *,
    noise_points: float = DEFAULT_SATURATION_NOISE_POINTS,
    _table: pd.DataFrame | None = None,
) -> pd.Series:
    """The first date each benchmark saturated (a task done), from normalised results.

    A result saturates its benchmark when it passes the human baseline (share >= 1), or,
    for a percentage on a linear scale (``unit`` in ``PERCENT_UNITS``), comes within
    ``noise_points`` of the human baseline or of the metric's maximum (100%, or 0%
    when lower is better): further progress is then within the benchmark's noise. Each
    row is judged on its own, so the date is point in time. Returns a Series indexed by
    benchmark (every benchmark of ``normalised``), NaT where none saturated.
    """
    if isinstance(noise_points, bool) or not isinstance(noise_points, Real) or not noise_points >= 0:
        raise InputError(
            f"The 'noise_points' parameter of saturation_dates must be a number >= 0. Got {noise_points!r} instead."
        )
    require_columns(normalised, ("benchmark", "date", "value", "share"), "normalised history")
    names = pd.unique(normalised["benchmark"])
    if not len(normalised):
        return pd.Series(pd.NaT, index=pd.Index(names, name="benchmark"), dtype="datetime64[ns]")
    table = _benchmark_table(benchmarks, list(names)) if _table is None else _table  # _table: as in normalise
    meta = table.reindex(normalised["benchmark"].to_numpy())
    value = pd.to_numeric(normalised["value"], errors="coerce").to_numpy(dtype=float)
    share = normalised["share"].to_numpy(dtype=float)
    human = meta["human_baseline"].to_numpy(dtype=float)
    higher = meta["higher_is_better"].to_numpy(dtype=bool)
    units = meta["unit"].astype(str).to_numpy() if "unit" in meta.columns else np.full(len(meta), "")
    percent = np.isin(units, list(PERCENT_UNITS)) & (meta["scale"].to_numpy() == "linear")
    best = np.where(higher, _PERCENT_MAX, 0.0)
    sign = np.where(higher, 1.0, -1.0)
    with np.errstate(invalid="ignore"):
        near = percent & np.isfinite(human) & (
            (sign * (value - human) >= -noise_points) | (sign * (value - best) >= -noise_points)
        )
        done = (np.isfinite(share) & (share >= 1.0)) | near
    dates = pd.Series(to_datetime_index(normalised["date"]), index=normalised.index)
    first = dates[done].groupby(normalised["benchmark"][done]).min()
    return first.reindex(pd.Index(names, name="benchmark")).astype("datetime64[ns]")


def observed_frontier(
    normalised: pd.DataFrame,
    members: Sequence[str],
    *,
    cap: float = 1.0,
    saturated: pd.Series | None = None,
    retired: pd.Series | None = None,
) -> pd.Series:
    """A sector's observed capability over time: the one implementation the scores,
    the reasons and the backtest share.

    At every date a member set a record: the mean, over the members with a result by
    then (a benchmark joins the suite from its first dated result), of each one's best
    share so far clipped to [0, cap]; a member counts at least min(1, cap), the human
    level (a task done), from the date it saturated (``saturated``: benchmark -> date, as from :func:`saturation_dates`).
    A member leaves the mean from the date it was superseded (``retired``: benchmark ->
    date, as from :func:`superseded_dates`); that date is a row too.
    Indexed by date (name "date"), named "level"; empty without results.
    """
    share = normalised["share"].to_numpy(dtype=float)
    keep = np.isfinite(share) & normalised["benchmark"].isin(list(members)).to_numpy()
    if not keep.any():
        return pd.Series(dtype=float, index=pd.DatetimeIndex([], name="date"), name="level")
    # A date x member table in numpy: each cell the best share of that member that day,
    # then its running best (days without a result carry it forward), clipped.
    day, day_of = np.unique(to_datetime_index(normalised["date"][keep]).to_numpy(), return_inverse=True)
    names, member_of = np.unique(normalised["benchmark"].to_numpy()[keep].astype(str), return_inverse=True)
    wide = np.full((day.size, names.size), np.nan)
    np.fmax.at(wide, (day_of, member_of), share[keep])
    wide = np.clip(np.fmax.accumulate(wide, axis=0), 0.0, cap)
    if saturated is not None:
        for j, name in enumerate(names):
            when = saturated.get(name, pd.NaT)
            if pd.notna(when):
                after = day >= np.datetime64(pd.Timestamp(when))
                wide[after, j] = np.maximum(wide[after, j], min(1.0, cap))
    if retired is not None and len(retired):
        known = set(names.tolist())
        gone = {str(b): np.datetime64(pd.Timestamp(d), "ns") for b, d in retired.items() if str(b) in known and pd.notna(d)}
        extra = np.setdiff1d(np.array(sorted(set(gone.values())), dtype=day.dtype), day)
        if extra.size:  # a retirement date is a row too, carrying the running bests forward
            grown = np.union1d(day, extra)
            last = np.searchsorted(day, grown, side="right") - 1
            wide = np.where((last >= 0)[:, None], wide[np.clip(last, 0, None)], np.nan)
            day = grown
        for j, name in enumerate(names):
            if name in gone:
                wide[day >= gone[name], j] = np.nan
    # The mean over the members with a result, summed member by member in name order.
    total, count = np.zeros(day.size), np.zeros(day.size)
    for j in range(names.size):
        seen = ~np.isnan(wide[:, j])
        total = total + np.where(seen, wide[:, j], 0.0)
        count = count + seen
    with np.errstate(invalid="ignore", divide="ignore"):  # no member left: NaN, as pandas' mean gives
        level = total / count
    return pd.Series(level, index=pd.DatetimeIndex(day, name="date"), name="level")


def superseded_dates(
    normalised: pd.DataFrame,
    members: Sequence[str],
    *,
    as_of: object,
    stale_after_years: float,
    saturated: pd.Series | None = None,
) -> pd.Series:
    """The date each member no longer reported was superseded in its sector, as of ``as_of``.

    A member is no longer reported (stale) when it is not saturated and its last result is
    more than ``stale_after_years`` before ``as_of``. It is *superseded* when another member
    of the sector had its first result after the stale member's last one: the field moved
    on to a later benchmark of the same sector (NIST's 1995-97 Switchboard evaluations,
    then Hub5'00). From the later of the two dates (silent for ``stale_after_years``; the
    first such successor's first result) it leaves the sector's level: a measurement nobody
    has repeated for years, on a task the sector's later benchmarks took over, does not say
    where the sector is today. Once superseded it stays so (the successor going silent in
    turn does not bring it back). A stale member with no successor keeps its last share.
    Returns benchmark -> date (only superseded members), sorted by benchmark.
    """
    as_of = to_timestamp(as_of)
    frame = normalised[normalised["benchmark"].isin(list(members))]
    frame = frame[np.isfinite(frame["share"].to_numpy(dtype=float))]
    frame = frame[np.asarray(to_datetime_index(frame["date"]) <= as_of)]
    out: dict[str, pd.Timestamp] = {}
    if frame.empty:
        return pd.Series(out, dtype="datetime64[ns]")
    dates = pd.Series(to_datetime_index(frame["date"]), index=frame.index)
    first = dates.groupby(frame["benchmark"]).min()
    last = dates.groupby(frame["benchmark"]).max()
    t_as_of = float(decimal_year(as_of)[0])
    done = set() if saturated is None else {b for b, d in saturated.items() if pd.notna(d) and pd.Timestamp(d) <= as_of}
    t_last = {b: float(decimal_year(last[b])[0]) for b in last.index}
    stale = [b for b in last.index if b not in done and t_last[b] < t_as_of - float(stale_after_years)]
    for b in stale:
        successors = [first[c] for c in last.index if c != b and first[c] > last[b]]
        if successors:
            silent = from_decimal_year(np.array([t_last[b] + float(stale_after_years)]))[0]
            out[b] = max(pd.Timestamp(silent), min(successors))
    return pd.Series(out, dtype="datetime64[ns]").sort_index()


def crossing_date(levels: pd.Series, threshold: float) -> pd.Timestamp | None:
    """The date from which ``levels`` stays at or above ``threshold``; None if below at the end.

    "Stays": a harder benchmark joining the suite can pull the sector's level back under
    a threshold it had passed; the passage counts from the last time it came back above.
    """
    if levels.empty or not levels.iloc[-1] >= threshold:
        return None
    below = np.flatnonzero(levels.to_numpy() < threshold)
    return pd.Timestamp(levels.index[0 if below.size == 0 else int(below[-1]) + 1])


def record_points(normalised: pd.DataFrame, *, as_of: object) -> pd.DataFrame:
    """The record-setting frontier points dated on or before ``as_of``.

    For each benchmark, the dates on which the best share so far strictly increased,
    with that best share: the "state of the art over time" steps the S-curves are fitted
    to. Columns benchmark, date, share; sorted by benchmark then date.
    """
    as_of = to_timestamp(as_of)
    require_columns(normalised, ("benchmark", "date", "share"), "normalised history")
    frame = normalised.loc[
        (to_datetime_index(normalised["date"]) <= as_of)
        & np.isfinite(normalised["share"].to_numpy(dtype=float)),
        ["benchmark", "date", "share"],
    ]
    if frame.empty:
        return pd.DataFrame(
            {
                "benchmark": pd.Series(dtype=object),
                "date": pd.Series(dtype="datetime64[ns]"),
                "share": pd.Series(dtype=float),
            }
        )
    # Every benchmark at once: rows sorted by (benchmark, date), each day's best share,
    # and a day is a record when it beats the best of the benchmark's earlier days.
    day, per_day = _daily_best(frame)
    code = day["code"]
    best = pd.Series(per_day).groupby(code).cummax().to_numpy()
    first = np.ones(code.size, dtype=bool)
    first[1:] = code[1:] != code[:-1]
    previous = np.empty(code.size)
    previous[0] = np.nan
    previous[1:] = best[:-1]
    is_record = first | (per_day > previous)
    names = day["names"]
    return pd.DataFrame({
        "benchmark": pd.Series(names[code[is_record]].tolist()),  # the ids' own inferred dtype, as a scalar column gets
        "date": day["date"][is_record],
        "share": per_day[is_record],
    })


def _daily_best(frame: pd.DataFrame) -> tuple[dict, np.ndarray]:
    """Each (benchmark, date)'s best share, sorted by benchmark then date: ({"code": the
    benchmark's index in "names" (sorted ids), "names", "date"}, the best shares)."""
    codes, names = pd.factorize(frame["benchmark"].to_numpy(), sort=True)
    dates = to_datetime_index(frame["date"]).to_numpy()
    order = np.lexsort((dates, codes))
    g, d = codes[order], dates[order]
    new_day = np.ones(g.size, dtype=bool)
    new_day[1:] = (g[1:] != g[:-1]) | (d[1:] != d[:-1])
    starts = np.flatnonzero(new_day)
    best = np.maximum.reduceat(frame["share"].to_numpy(dtype=float)[order], starts)
    return {"code": g[starts], "names": np.asarray(names, dtype=object), "date": d[starts]}, best


# --- the estimator ---------------------------------------------------------------------


def _jacobian(params: np.ndarray, t: np.ndarray, y: np.ndarray) -> np.ndarray:
    L, k, t0 = params
    e = expit(k * (t - t0))
    de = e * (1.0 - e)
    return np.column_stack([e, L * de * (t - t0), -L * de * k])


def _modified_residuals(params: np.ndarray, t: np.ndarray, residuals: np.ndarray) -> np.ndarray:
    """Leverage-adjusted, centred residuals ``r_i / sqrt(1 - h_ii)`` for the residual
    bootstrap (Davison and Hinkley 1997, Bootstrap Methods and their Application, eq. 6.9,
    with the hat matrix of the linearised model at the estimate)."""
    jac = _jacobian(params, t, residuals)
    try:
        q, _ = np.linalg.qr(jac)
        leverage = np.clip(np.sum(q**2, axis=1), 0.0, 1.0 - 1e-9)
    except np.linalg.LinAlgError:
        leverage = np.full(t.size, jac.shape[1] / t.size)
    modified = residuals / np.sqrt(1.0 - leverage)
    return modified - modified.mean()


def _least_squares_logistic(
    t: np.ndarray, y: np.ndarray, starts: list[np.ndarray], lower: np.ndarray, upper: np.ndarray,
    method: str = "batched",
) -> np.ndarray | None:
    """Best bounded least-squares fit over the starting points (None if none converged)."""
    solutions, costs = fit_logistic_batch(t, y, np.stack(starts), lower, upper, method=method)
    if not np.isfinite(costs).any():
        return None
    return solutions[int(np.argmin(costs))]


def _check_level(level: float, name: str = "level") -> float:
    if not isinstance(level, Real) or not 0.0 < float(level) < 1.0:
        raise InputError(
            f"The {name!r} parameter must be a number strictly between 0 and 1 "
            f"(e.g. 0.8 for an 80% interval). Got {level!r} instead."
        )
    return float(level)


def _quantile_bounds(draws: np.ndarray, level: float, method: str = "linear") -> tuple:
    """Lower and upper ``level`` quantiles along axis 0, ignoring NaN draws."""
    q = [(1.0 - level) / 2.0, (1.0 + level) / 2.0]
    if draws.shape[0] == 0 or np.all(np.isnan(draws)):
        shape = draws.shape[1:]
        return np.full(shape, np.nan), np.full(shape, np.nan)
    # Without NaN, np.quantile gives nanquantile's numbers (the same per-column
    # algorithm) in one vectorised call instead of a Python loop over columns.
    quantile = np.nanquantile if np.isnan(draws).any() else np.quantile
    low, high = quantile(draws, q, axis=0, method=method)
    return low, high


class _SCurveCore:
    """Logistic S-curve of the human-level share over time, with bootstrap intervals.

    The maths of :class:`SCurve`, without scikit-learn: ``fit_sector`` uses it directly,
    so that scoring never imports scikit-learn (0.7 s of start-up, scipy.stats
    included). :class:`SCurve` (``gapscore.models.estimators``) is this class plus the
    scikit-learn estimator contract (``get_params``/``set_params``/``clone``,
    ``score``, input validation, ``check_is_fitted``); numbers are the same.

    ``share(t) = L / (1 + exp(-k (t - t0)))``, t in decimal years, fitted by bounded
    nonlinear least squares from a grid of starting points (all solved at once by a
    projected Levenberg-Marquardt in numpy, ``models/_logistic_lsq.py``; ``method="scipy"``
    uses ``scipy.optimize.least_squares``, trust-region reflective, the solver behind
    ``curve_fit`` with bounds, once per start: the reference). Shares
    above ``ceiling`` are clipped to it before fitting and ``L`` is bounded by
    ``ceiling``, so every prediction lies in ``[0, ceiling]``. Shares below 0 (worse
    than the floor) are kept as they are: they are noise around a curve that starts at
    0, and clipping them would bias the early curve upward.

    Intervals come from a residual bootstrap: ``n_boot`` replicate series
    ``fitted + resampled residuals`` (leverage-adjusted and centred residuals),
    clipped above at ``ceiling`` and refitted from the point estimate. Replicates whose
    refit fails are kept as NaN rows and ignored. Percentile intervals from a dozen
    to a few dozen points cover somewhat less than their nominal level (about 0.74 for
    0.8 in the simulations of docs/models/capability_cost.md).

    Parameters
    ----------
    n_boot : int, default DEFAULT_N_BOOT (200)
        Bootstrap replicates; 0 gives NaN intervals.
    random_state : int, numpy Generator or SeedSequence, default 0
        Seed of the bootstrap (``numpy.random.default_rng``).
    ceiling : float or None, default None
        Upper bound of the fitted share; None means ``DEFAULT_SHARE_CEILING`` (1.2).
    min_asymptote : float, default 1.05
        Lower bound of the asymptote L (``DEFAULT_MIN_ASYMPTOTE``: the curve heads a
        little past the human level); 0 leaves L free. A value above ``ceiling`` is
        lowered to it (L is then fixed at the ceiling).
    method : {"batched", "scipy"} or None, default None
        Least-squares solver (``DEFAULT_FIT_METHOD`` when None): "batched" fits all
        starts, then all bootstrap replicates, in one vectorised run each; "scipy" calls
        ``scipy.optimize.least_squares`` once per start and replicate (the reference).

    Attributes
    ----------
    params_ : Series with index L, k, t0.
    boot_params_ : DataFrame, one row per bootstrap replicate, columns L, k, t0.
    n_boot_failed_ : int
    ceiling_ : float
    min_asymptote_ : float, the lower bound of L used.
    n_points_ : int
    t_range_ : tuple (first, last) decimal year of the data.
    residual_std_ : float, root mean square residual (share units, n - 3 dof).
    """

    def __init__(
        self,
        *,
        n_boot: int = DEFAULT_N_BOOT,
        random_state: object = 0,
        ceiling: float | None = None,
        min_asymptote: float = DEFAULT_MIN_ASYMPTOTE,
        method: str | None = None,
    ) -> None:
        self.n_boot = n_boot
        self.random_state = random_state
        self.ceiling = ceiling
        self.min_asymptote = min_asymptote
        self.method = method

    # -- fitting
    def _validated_settings(self) -> tuple[int, float, float]:
        check_int(self.n_boot, "n_boot", "SCurve", 0)
        ceiling = DEFAULT_SHARE_CEILING if self.ceiling is None else self.ceiling
        if not isinstance(ceiling, Real) or not np.isfinite(ceiling) or ceiling <= _L_MIN:
            raise InputError(
                f"The 'ceiling' parameter of SCurve must be a finite number above {_L_MIN} "
                f"(1.0 is the human level) or None. Got {self.ceiling!r} instead."
            )
        low = self.min_asymptote
        if isinstance(low, bool) or not isinstance(low, Real) or not 0.0 <= low < np.inf:
            raise InputError(
                f"The 'min_asymptote' parameter of SCurve must be a finite number >= 0. "
                f"Got {low!r} instead."
            )
        # Above the ceiling it is lowered to it, which fixes L at the ceiling (to 1e-9:
        # least_squares needs lower < upper).
        return int(self.n_boot), float(ceiling), min(max(float(low), _L_MIN), ceiling * (1 - 1e-9))

    def fit(self, t: object, share: object) -> _SCurveCore:
        """Fit the curve to points (t in decimal years, share of the human level).

        Raises InsufficientDataError with fewer than 4 points or 3 distinct times.
        """
        n_boot, ceiling, l_low = self._validated_settings()
        method = DEFAULT_FIT_METHOD if self.method is None else self.method
        if method not in FIT_METHODS:
            raise InputError(
                f"The 'method' parameter of SCurve must be one of {FIT_METHODS} or None. "
                f"Got {self.method!r} instead."
            )
        t_arr = np.asarray(t, dtype=float).ravel()
        y_arr = np.asarray(share, dtype=float).ravel()
        if t_arr.shape != y_arr.shape:
            raise InputError(
                f"SCurve.fit needs as many times as shares. Got {t_arr.size} and {y_arr.size}."
            )
        if not (np.all(np.isfinite(t_arr)) and np.all(np.isfinite(y_arr))):
            raise InputError("SCurve.fit needs finite times and shares; drop missing values first.")
        if t_arr.size < MIN_SCURVE_POINTS or np.unique(t_arr).size < 3:
            raise InsufficientDataError(
                f"SCurve.fit needs at least {MIN_SCURVE_POINTS} points at 3 distinct dates. "
                f"Got {t_arr.size} points at {np.unique(t_arr).size} dates."
            )
        order = np.lexsort((y_arr, t_arr))  # fit does not depend on row order
        t_arr, y_arr = t_arr[order], np.minimum(y_arr[order], ceiling)

        centre = float(np.mean(t_arr))
        tc = t_arr - centre
        lower = np.array([l_low, K_BOUNDS_PER_YEAR[0], tc.min() - T0_MARGIN_YEARS])
        upper = np.array([ceiling, K_BOUNDS_PER_YEAR[1], tc.max() + T0_MARGIN_YEARS])
        point_key = fit_cache.key("scurve-point", t_arr, y_arr, ceiling, l_low, method)
        params = fit_cache.get(point_key)
        if params is None:
            top = max(float(y_arr.max()), 10 * _L_MIN)
            quartiles = tuple(np.quantile(tc, [0.25, 0.5, 0.75]))  # once, not once per start (same values)
            starts = [
                np.array([L0, k0, t00])
                for L0 in (float(np.clip(1.05 * top, l_low, ceiling)), ceiling)
                for k0 in (0.3, 1.0, 3.0)
                for t00 in (*quartiles, tc.max() + 2.0)
            ]
            params = _least_squares_logistic(tc, y_arr, starts, lower, upper, method)
            fit_cache.put(point_key, np.full(3, np.nan) if params is None else params)
        if params is None or np.isnan(params).any():
            raise InsufficientDataError("SCurve.fit: the least-squares fit did not converge.")

        fitted = logistic(tc, *params)
        residuals = y_arr - fitted
        n = y_arr.size
        dof = n - len(_PARAM_NAMES)
        boot = np.full((n_boot, 3), np.nan)
        seed = fit_cache.seed_token(self.random_state)
        boot_key = fit_cache.key("scurve-boot", point_key, n_boot, seed) if seed is not None else None
        cached = fit_cache.get(boot_key) if n_boot and boot_key else None
        if cached is not None:
            boot = cached
        elif n_boot:
            rng = np.random.default_rng(self.random_state)
            pool = _modified_residuals(params, tc, residuals)
            # One draw of n_boot x n is the same stream as n_boot draws of n in a row.
            y_boot = np.minimum(fitted + rng.choice(pool, size=(n_boot, n), replace=True), ceiling)
            boot, _ = fit_logistic_batch(
                tc, y_boot, np.repeat(params[None, :], n_boot, axis=0), lower, upper, method=method
            )
            if boot_key:
                fit_cache.put(boot_key, boot)
        boot[:, 2] += centre

        self.ceiling_ = ceiling
        self.min_asymptote_ = l_low
        self.params_ = pd.Series(
            [params[0], params[1], params[2] + centre], index=_PARAM_INDEX
        )
        self.boot_params_ = pd.DataFrame(boot, columns=_PARAM_INDEX)
        self.n_boot_failed_ = int(np.isnan(boot[:, 0]).sum())
        self.n_points_ = int(n)
        self.t_range_ = (float(t_arr[0]), float(t_arr[-1]))
        self.residual_std_ = float(np.sqrt(np.sum(residuals**2) / dof))
        return self

    # -- use
    def __sklearn_is_fitted__(self) -> bool:
        """scikit-learn's fitted-state protocol (read by ``check_is_fitted``)."""
        return hasattr(self, "params_")

    def _check_fitted(self) -> None:
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(
                "This SCurve instance is not fitted yet. Call 'fit' with times and shares first."
            )

    def predict(self, t: object) -> np.ndarray:
        """Fitted share at decimal years ``t`` (always within [0, ceiling])."""
        self._check_fitted()
        return logistic(np.asarray(t, dtype=float), *self.params_.to_numpy())

    def slope(self, t: object) -> np.ndarray:
        """Derivative of the fitted curve at ``t``, in share per year."""
        self._check_fitted()
        return _logistic_slope(np.asarray(t, dtype=float), *self.params_.to_numpy())

    def predict_draws(self, t: object) -> np.ndarray:
        """Bootstrap curves at ``t``: array (n_boot, len(t)); NaN rows for failed refits."""
        self._check_fitted()
        t_arr = np.atleast_1d(np.asarray(t, dtype=float))
        p = self.boot_params_.to_numpy()
        return p[:, [0]] * expit(p[:, [1]] * (t_arr[None, :] - p[:, [2]]))

    def predict_interval(self, t: object, level: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
        """Bootstrap percentile interval (low, high) of the curve at ``t``."""
        self._check_fitted()
        level = _check_level(level)
        return _quantile_bounds(self.predict_draws(t), level)

    def year_reaching(self, threshold: float, level: float = 0.8) -> tuple[float, float, float]:
        """Decimal year the curve reaches ``threshold``, with a bootstrap interval.

        Returns (year, low, high). ``year`` is NaN when the fitted asymptote L does not
        exceed the threshold (the curve never reaches it). A bootstrap replicate that
        never reaches it counts as +inf, so ``high`` (and, if most replicates never get
        there, ``low``) can be ``inf``. Quantiles use the inverted-CDF rule, so each
        bound is one replicate's year (no interpolation with infinity).
        """
        self._check_fitted()
        level = _check_level(level)
        if not isinstance(threshold, Real) or not np.isfinite(threshold) or threshold <= 0:
            raise InputError(
                f"The 'threshold' parameter must be a positive share of the human level "
                f"(e.g. 0.8). Got {threshold!r} instead."
            )
        L, k, t0 = self.params_.to_numpy()
        year = float(t0 + logit(threshold / L) / k) if threshold < L else np.nan
        p = self.boot_params_.dropna().to_numpy()
        if p.shape[0] == 0:
            return year, np.nan, np.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            draws = np.where(
                threshold < p[:, 0],
                p[:, 2] + logit(np.minimum(threshold / p[:, 0], 1.0)) / p[:, 1],
                np.inf,
            )
        low, high = _quantile_bounds(draws[:, None], level, method="inverted_cdf")
        return year, float(low[0]), float(high[0])


# --- sector combination --------------------------------------------------------------


@dataclass(frozen=True)
class ThresholdForecast:
    """When a sector's share of the human level reaches ``threshold``.

    ``year``, ``low`` and ``high`` are decimal years. ``passed``: the observed frontier
    had reached the threshold by ``as_of``; then year = low = high = the first date it
    did. Otherwise a forecast from the fitted curve (a fitted crossing before ``as_of`` that the
    results have not shown keeps its past year); when
    the curve gets there only after ``as_of + MAX_HORIZON_YEARS`` (or never), ``year``
    is that horizon and ``capped`` is True; ``high = inf`` means the upper bound lies
    beyond the horizon. All NaN when the sector has too little data for a forecast.
    """

    threshold: float
    year: float
    low: float
    high: float
    passed: bool
    capped: bool = False


@dataclass(frozen=True, eq=False)
class CapabilityResult:
    """A sector's capability curve as of a date (see :func:`fit_sector`).

    Fields
    ------
    sector, as_of, status ("ok" or "insufficient_data"),
    level : fitted sector share at ``as_of`` (NaN if insufficient),
    observed_level : the observed frontier at ``as_of`` (:func:`observed_frontier`): mean
        over the members with a result of the best share reached, each clipped to
        [0, min(ceiling, task_cap)], a saturated member counting as that cap (NaN
        without data),
    velocity_per_year : slope of the fitted sector curve at ``as_of`` (share per year),
    thresholds : tuple of ThresholdForecast,
    n_points : record-setting points the curves were fitted to,
    benchmarks : benchmark ids the sector curve averages,
    curve : DataFrame (date, fit, low, high) monthly to ``as_of + 10 years``,
    per_benchmark : DataFrame, one row per listed benchmark (see ``summary``),
    interval_level : coverage of the intervals (the ``level`` argument),
    horizon_year : ``as_of`` + MAX_HORIZON_YEARS as a decimal year,
    ceiling : upper bound of the fitted share,
    saturated : members saturated by ``as_of`` (tasks done: counted at the cap),
    beyond_measure : no member with a result still measures (each is saturated, or no
        longer reported when ``stale_after_years`` is set): the sector's capability
        is beyond what its benchmarks measure, and its level says nothing of the gaps,
    observed_curve : the observed level at each record date (:func:`observed_frontier`),
    stale : members no longer reported (last result more than ``stale_after_years``
        before ``as_of``, not saturated): counted at their last observed share, unless
    superseded : stale members whose sector moved on to a later benchmark
        (:func:`superseded_dates`): out of the level from that date
        (``per_benchmark["superseded_date"]``).

    Equality is identity (the fields include DataFrames).
    """

    sector: str
    as_of: pd.Timestamp
    status: str
    level: float
    observed_level: float
    velocity_per_year: float
    thresholds: tuple[ThresholdForecast, ...]
    n_points: int
    benchmarks: tuple[str, ...]
    curve: pd.DataFrame
    per_benchmark: pd.DataFrame
    interval_level: float
    horizon_year: float
    ceiling: float
    saturated: tuple[str, ...] = ()
    beyond_measure: bool = False
    observed_curve: pd.Series | None = None
    stale: tuple[str, ...] = ()
    superseded: tuple[str, ...] = ()

    @property
    def has_forecast(self) -> bool:
        """Threshold forecasts exist: from curves ("ok") or from the reference class alone."""
        return self.status in _FORECAST_STATUSES

    def summary(self) -> pd.DataFrame:
        """Per-benchmark results: status, points, observed share, L, k, t0, level, slope."""
        return self.per_benchmark.copy()

    def measuring(self) -> pd.DataFrame:
        """The members with a result that are not saturated: those the remaining gap is read on."""
        rows = self.per_benchmark
        stale = rows["stale"].astype(bool) if "stale" in rows.columns else False
        return rows[(rows["n_points"] > 0) & ~rows["saturated"].astype(bool) & ~stale]

    def borrowed(self) -> pd.DataFrame:
        """The benchmarks whose curve borrows its shape (too few records to fit alone)."""
        return self.per_benchmark[self.per_benchmark["status"] == _STATUS_BORROWED]

    def thresholds_frame(self) -> pd.DataFrame:
        """The threshold forecasts as a DataFrame, with the years also as dates."""
        frame = pd.DataFrame(
            [vars(f) for f in self.thresholds],
            columns=["threshold", "year", "low", "high", "passed", "capped"],
        )
        frame.insert(0, "sector", self.sector)
        frame["date"] = from_decimal_year(frame["year"].to_numpy(dtype=float))
        return frame

    @property
    def is_fitted(self) -> bool:
        """A sector curve was fitted (status "ok"): level, velocity and forecasts are numbers."""
        return self.status == _STATUS_OK

    @property
    def forecast_method(self) -> str | None:
        """Where the threshold forecasts come from: "fitted" (the members' own curves),
        "borrowed" (at least one member's curve borrows its shape), "reference_class"
        (no curve: the class of benchmark lifetimes alone), or None (no forecast)."""
        if self.status == _STATUS_REFERENCE:
            return "reference_class"
        if not self.is_fitted:
            return None
        # the status column read as an array: the rows ``borrowed()`` keeps, without a frame per call
        return "borrowed" if (self.per_benchmark["status"].to_numpy() == _STATUS_BORROWED).any() else "fitted"

    def forecast(self, threshold: float) -> ThresholdForecast:
        """The forecast at ``threshold`` (a share that was asked of ``fit_sector``); KeyError otherwise."""
        for f in self.thresholds:
            if same_share(f.threshold, threshold):
                return f
        raise KeyError(f"capability threshold {threshold} was not forecast (forecast: "
                       f"{', '.join(f'{f.threshold:g}' for f in self.thresholds)})")

    def passed(self, threshold: float) -> bool:
        """The observed frontier had reached ``threshold`` by ``as_of``."""
        return bool(self.forecast(threshold).passed)

    def in_sight(self, threshold: float) -> bool:
        """A forecast within the horizon (False without forecasts, capped or never)."""
        f = self.forecast(threshold)
        return self.has_forecast and not f.capped and bool(np.isfinite(f.year))

    def interval(self, threshold: float) -> tuple[float, float]:
        """(low, high) decimal years of the forecast at ``threshold`` (``interval_level`` coverage)."""
        f = self.forecast(threshold)
        return float(f.low), float(f.high)


def _sector_mean(params: np.ndarray, t: np.ndarray, cap: float = np.inf, done: np.ndarray | None = None,
                 top: float = 1.0, frozen: tuple | None = None) -> np.ndarray:
    """Mean over benchmarks of logistic curves, each capped at ``cap``; a benchmark counts
    at least ``top`` from its saturation year ``done`` (B,) on, and exactly ``level`` from
    ``since`` on when ``frozen = (since, level)`` (B,) each (no longer reported: its last
    observed share; before then at most that share, so the mean keeps rising with t);
    ``frozen = (since, level, retired)``: also out of the mean from ``retired`` on (superseded).
    params (D, B, 3), t (D,) -> (D,)."""
    values = np.minimum(params[:, :, 0] * expit(params[:, :, 1] * (t[:, None] - params[:, :, 2])), cap)
    if done is not None:
        values = np.where(t[:, None] >= done[None, :], np.maximum(values, top), values)
    if frozen is not None:
        # before ``since`` at most ``level``, so the mean still rises with t (bisection)
        values = np.where(t[:, None] >= frozen[0][None, :], frozen[1][None, :], np.minimum(values, frozen[1][None, :]))
        if len(frozen) > 2:  # superseded from ``frozen[2]`` on: out of the mean
            values = np.where(t[:, None] >= frozen[2][None, :], np.nan, values)
            return np.nanmean(values, axis=1)
    return values.mean(axis=1)


def _sector_mean_grid(params: np.ndarray, t: np.ndarray, cap: float = np.inf, done: np.ndarray | None = None,
                      top: float = 1.0, frozen: tuple | None = None) -> np.ndarray:
    """Mean over benchmarks of capped logistic curves on a grid. params (D, B, 3), t (G,) -> (D, G)."""
    L, k, t0 = (params[:, :, i, None] for i in range(3))
    values = np.minimum(L * expit(k * (t[None, None, :] - t0)), cap)
    if done is not None:
        values = np.where(t[None, None, :] >= done[None, :, None], np.maximum(values, top), values)
    if frozen is not None:
        values = np.where(t[None, None, :] >= frozen[0][None, :, None], frozen[1][None, :, None],
                          np.minimum(values, frozen[1][None, :, None]))
        if len(frozen) > 2:  # superseded from ``frozen[2]`` on: out of the mean
            values = np.where(t[None, None, :] >= frozen[2][None, :, None], np.nan, values)
            return np.nanmean(values, axis=1)
    return values.mean(axis=1)


def _member_year(params: np.ndarray, threshold: float | np.ndarray, lo: float, hi: float, cap: float,
                 done: float | None, top: float) -> np.ndarray:
    """:func:`_sector_year` of a sector of one member (no ``frozen``; params (D, 1, 3)):
    the mean of one value is that value, bit for bit, so the bisection reads the
    member's capped logistic, at least ``top`` from ``done`` on, directly: the same
    elementwise operations on the same operands, written into buffers kept across the
    steps (every replay of the calibration pool is a one-member sector)."""
    L, k, t0 = (np.ascontiguousarray(params[:, 0, i]) for i in range(3))
    n = L.size
    a, b = np.full(n, lo), np.full(n, hi)
    mid, values = np.empty(n), np.empty(n)
    above, below, after = np.empty(n, dtype=bool), np.empty(n, dtype=bool), np.empty(n, dtype=bool)

    def curve(t: np.ndarray) -> np.ndarray:
        # min(L * expit(k * (t - t0)), cap), then max(., top) where t >= done
        np.subtract(t, t0, out=values)
        np.multiply(k, values, out=values)
        expit(values, out=values)
        np.multiply(L, values, out=values)
        np.minimum(values, cap, out=values)
        if done is not None:
            np.greater_equal(t, done, out=after)
            np.maximum(values, top, out=values, where=after)
        return values

    reached_at_hi = curve(b) >= threshold
    settled_from = _settled_from(lo, hi)
    for step in range(_BISECTION_STEPS):
        np.add(a, b, out=mid)
        np.multiply(0.5, mid, out=mid)
        np.greater_equal(curve(mid), threshold, out=above)
        if step >= settled_from and (mid == np.where(above, b, a)).all():
            break  # this step would change no end: every later one too (_settled_from)
        np.logical_not(above, out=below)
        np.putmask(b, above, mid)  # b[above] = mid[above], a[below] = mid[below]
        np.putmask(a, below, mid)
    return np.where(reached_at_hi, b, np.inf)


def _sector_year(params: np.ndarray, threshold: float | np.ndarray, lo: float, hi: float, cap: float = np.inf,
                 done: np.ndarray | None = None, top: float = 1.0, frozen: tuple | None = None) -> np.ndarray:
    """First year each averaged curve reaches ``threshold`` (one, or one per curve) in
    [lo, hi]; inf if not by hi.

    Each logistic rises with t (k > 0), so their mean does too and bisection finds the
    single crossing. A curve already above the threshold at ``lo`` returns ``lo``.
    """
    if params.shape[1] == 1 and frozen is None:
        return _member_year(params, threshold, lo, hi, cap, None if done is None else done[0], top)
    n = params.shape[0]
    a, b = np.full(n, lo), np.full(n, hi)
    reached_at_hi = _sector_mean(params, b, cap, done, top, frozen) >= threshold
    settled_from = _settled_from(lo, hi)
    for step in range(_BISECTION_STEPS):
        mid = 0.5 * (a + b)
        above = _sector_mean(params, mid, cap, done, top, frozen) >= threshold
        if step >= settled_from and (mid == np.where(above, b, a)).all():
            break  # this step would change no end: every later one too (_settled_from)
        b = np.where(above, mid, b)
        a = np.where(above, a, mid)
    return np.where(reached_at_hi, b, np.inf)


@dataclass(frozen=True, eq=False)
class PreparedHistory:
    """The rows of some benchmarks normalised once, for :func:`fit_sector` at many as-of
    dates (see :func:`prepare_history`). Equality is identity."""

    ids: tuple[str, ...]
    error_scale: str
    saturation_noise: float | None
    table: pd.DataFrame
    normalised: pd.DataFrame
    day_ns: np.ndarray
    records: pd.DataFrame
    record_ns: np.ndarray
    saturated: pd.Series
    sector: str | None = None
    _last: dict = field(default_factory=dict, compare=False, repr=False)
    _slices: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def _saturated_ns(self) -> np.ndarray:
        return self.saturated.to_numpy(dtype="datetime64[ns]")

    def as_of(self, as_of: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
        """(normalised rows, record points, saturation dates) known on ``as_of``: each a
        running quantity of earlier rows, so the slice of the whole is what
        :func:`normalise`, :func:`record_points` and :func:`saturation_dates` give on the
        rows dated on or before ``as_of`` (``tests/test_calibration_pool.py`` checks it)."""
        cut = np.datetime64(pd.Timestamp(as_of), "ns")
        if cut in self._last:  # the last date asked (a caller's check, then its fit)
            return self._last[cut]
        rows, keep = self.day_ns <= cut, self.record_ns <= cut
        done = self._saturated_ns <= cut
        # The rows known on a date only grow with it, so two dates that know as many rows,
        # records and saturations know the same ones: their slices are the same frames
        # (shared, never modified), kept by those counts (quarterly dates often add nothing).
        counts = (int(rows.sum()), int(keep.sum()), int(done.sum()))
        held = self._slices.get(counts)
        if held is None:
            normalised = self.normalised.loc[rows]
            records = self.records.loc[keep].reset_index(drop=True) if counts[1] else record_points(normalised, as_of=as_of)
            held = (normalised, records, self.saturated[done])
            if counts[1]:
                self._slices[counts] = held
        self._last.clear()
        self._last[cut] = held
        return held

    def frontier(self, normalised: pd.DataFrame, saturated: pd.Series | None, members: Sequence[str], cap: float) -> pd.Series:
        """:func:`observed_frontier` of a slice :meth:`as_of` returned (``normalised``,
        ``saturated``; no member retired), computed once per slice, members and cap; a copy."""
        key = ("frontier", id(normalised), id(saturated), tuple(members), float(cap))
        held = self._slices.get(key)
        # the very objects (an id is only unique while its object lives)
        if held is None or held[0] is not normalised or held[1] is not saturated:
            held = (normalised, saturated, observed_frontier(normalised, members, cap=cap, saturated=saturated))
            self._slices[key] = held
        return held[2].copy()


def prepare_history(history: pd.DataFrame, benchmarks: pd.DataFrame, ids: Sequence[str], *, error_scale: str = "log",
                    saturation_noise: float | None = DEFAULT_SATURATION_NOISE_POINTS) -> PreparedHistory:
    """``ids``' rows of ``history`` normalised, their record points and saturation dates,
    once for every as-of date: :func:`fit_sector` (``prepared=``) slices them at its
    ``as_of`` instead of recomputing them from the rows known then. The numbers are the
    same either way: a share is a function of its row, and a frontier, a record and a
    saturation date depend only on rows dated on or before them. For a caller fitting
    the same benchmarks at many dates (the calibration's replay over as-of dates)."""
    ids = tuple(sorted(set(ids)))
    require_columns(benchmarks, ("benchmark",), "benchmarks")
    require_columns(history, _HISTORY_COLUMNS, "history")
    listed = benchmarks[benchmarks["benchmark"].isin(ids)]
    table = _benchmark_table(benchmarks, ids)
    to_datetime_index(history["date"], "history dates")  # the same check fit_sector makes
    mine = history.loc[history["benchmark"].isin(ids).to_numpy()]
    normalised = normalise(mine, listed, error_scale=error_scale, _table=table)
    last = normalised["date"].max() if len(normalised) else pd.Timestamp("1970-01-01")
    records = record_points(normalised, as_of=last)
    if saturation_noise is None:
        saturated = pd.Series(dtype="datetime64[ns]")
    else:
        saturated = saturation_dates(normalised, listed, noise_points=saturation_noise, _table=table).dropna()
    return _prepared(ids, error_scale, saturation_noise, table, normalised, records, saturated, listed)


def _prepared(ids: tuple, error_scale: str, saturation_noise: float | None, table: pd.DataFrame,
              normalised: pd.DataFrame, records: pd.DataFrame, saturated: pd.Series,
              listed: pd.DataFrame) -> PreparedHistory:
    """A :class:`PreparedHistory` of its frames, with the sector ``fit_sector`` infers from
    the listed benchmarks (None: not one; it then says so)."""
    sector = str(listed["sector"].iloc[0]) if "sector" in listed.columns and listed["sector"].nunique() == 1 else None
    return PreparedHistory(ids, error_scale, saturation_noise, table, normalised,
                           normalised["date"].to_numpy(dtype="datetime64[ns]"), records,
                           records["date"].to_numpy(dtype="datetime64[ns]"), saturated, sector)


def prepare_histories(history: pd.DataFrame, benchmarks: pd.DataFrame, id_sets: Sequence[Sequence[str]], *,
                      error_scale: str = "log",
                      saturation_noise: float | None = DEFAULT_SATURATION_NOISE_POINTS) -> list[PreparedHistory]:
    """:func:`prepare_history` of each of ``id_sets`` (sets of ids sharing no id) on the
    same ``history``, in one pass: every row normalised once, the record points and
    saturation dates found for all of them together, then split. The same frames as one
    :func:`prepare_history` call per set (a share is a function of its row; a frontier,
    a record and a saturation date of one benchmark depend only on its own rows;
    ``tests/test_calibration_pool.py`` compares them), for a caller preparing many
    benchmarks (the calibration pool: one per benchmark, 121 on the bundled data, where
    one call each spent most of its time in pandas' fixed costs)."""
    sets = [tuple(sorted(set(ids))) for ids in id_sets]
    every = sorted({b for ids in sets for b in ids})
    if len(every) != sum(len(ids) for ids in sets):
        raise InputError("prepare_histories needs sets of benchmark ids that share no id.")
    if not sets:
        return []
    require_columns(benchmarks, ("benchmark",), "benchmarks")
    require_columns(history, _HISTORY_COLUMNS, "history")
    table = _benchmark_table(benchmarks, every)
    to_datetime_index(history["date"], "history dates")  # the same check fit_sector makes
    listed = benchmarks[benchmarks["benchmark"].isin(every)]
    normalised = normalise(history.loc[history["benchmark"].isin(every).to_numpy()], listed, error_scale=error_scale,
                           _table=table)
    records = record_points(normalised, as_of=normalised["date"].max()) if len(normalised) else None
    if saturation_noise is None or not len(normalised):
        saturated = None
    else:
        saturated = saturation_dates(normalised, listed, noise_points=saturation_noise, _table=table).dropna()
    def positions(column: pd.Series) -> dict:
        """id -> the positions of its rows (in order)."""
        codes, names = pd.factorize(column.to_numpy())
        order = np.argsort(codes, kind="stable")
        return dict(zip(names, np.split(order, np.flatnonzero(np.diff(codes[order])) + 1), strict=True)) if len(codes) else {}

    def rows_of(where: dict, ids: tuple) -> np.ndarray:
        found = [where[b] for b in ids if b in where]
        return np.sort(np.concatenate(found)) if found else np.empty(0, dtype=int)

    member = positions(normalised["benchmark"])
    record_member = {} if records is None else positions(records["benchmark"])
    listed_member = positions(listed["benchmark"])
    out = []
    for ids in sets:
        mine = rows_of(member, ids)
        if not mine.size or records is None:
            out.append(prepare_history(history, benchmarks, ids, error_scale=error_scale,
                                       saturation_noise=saturation_noise))
            continue  # no row: prepare_history's own empty frames
        part = normalised.iloc[mine]
        kept = rows_of(record_member, ids)
        part_records = records.iloc[kept].reset_index(drop=True) if kept.size else record_points(part, as_of=part["date"].max())
        if saturation_noise is None:
            part_saturated = pd.Series(dtype="datetime64[ns]")
        else:
            part_saturated = saturated[saturated.index.isin(ids)]
        out.append(_prepared(ids, error_scale, saturation_noise, table.loc[list(ids)], part, part_records,
                             part_saturated, listed.iloc[rows_of(listed_member, ids)]))
    return out


def _validate_sector_args(
    thresholds, level, min_points, n_boot, random_state, ceiling, min_asymptote, prior_min_points=1
):
    level = _check_level(level)
    check_int(min_points, "min_points", "fit_sector", MIN_SCURVE_POINTS)
    check_int(prior_min_points, "prior_min_points", "fit_sector", 1)
    if random_state is not None and (
        isinstance(random_state, bool) or not isinstance(random_state, Integral)
    ):
        raise InputError(
            f"The 'random_state' parameter of fit_sector must be an integer or None. "
            f"Got {random_state!r} instead."
        )
    _, ceiling, _ = _SCurveCore(
        n_boot=n_boot, ceiling=ceiling, min_asymptote=min_asymptote
    )._validated_settings()
    values = []
    for threshold in thresholds:
        if (
            not isinstance(threshold, Real)
            or not np.isfinite(threshold)
            or not 0 < threshold <= ceiling
        ):
            raise InputError(
                f"Each threshold of fit_sector must be a share in (0, ceiling={ceiling}]. "
                f"Got {threshold!r} instead."
            )
        values.append(float(threshold))
    if not values:
        raise InputError("The 'thresholds' parameter of fit_sector must list at least one share.")
    return tuple(values), level, ceiling


def fit_sector(
    history: pd.DataFrame,
    benchmarks: pd.DataFrame,
    *,
    sector_benchmarks: Sequence[str],
    as_of: object,
    sector: str | None = None,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    level: float = 0.8,
    min_points: int = 5,
    error_scale: str = "log",
    n_boot: int = DEFAULT_N_BOOT,
    random_state: int | None = 0,
    ceiling: float | None = None,
    min_asymptote: float = DEFAULT_MIN_ASYMPTOTE,
    task_cap: float | None = None,
    pool_when_sparse: bool = False,
    prior: object | None = None,
    prior_min_points: int = 2,
    saturation_noise: float | None = DEFAULT_SATURATION_NOISE_POINTS,
    lifetime_prior: object | None = None,
    horizon_years: float = MAX_HORIZON_YEARS,
    interval_scales: Mapping[float, float] | None = None,
    stale_after_years: float | None = None,
    prepared: PreparedHistory | None = None,
    with_curve: bool = True,
) -> CapabilityResult:
    """Fit a sector's capability S-curve as of ``as_of``.

    Method: results dated after ``as_of`` are dropped; the rest are normalised
    (:func:`normalise`); for each listed benchmark the record-setting frontier points
    (:func:`record_points`) are fitted with an :class:`SCurve` when there are at least
    ``min_points`` of them. The sector curve is the equally weighted mean of the
    per-benchmark curves, and each bootstrap replicate of it the mean of the
    benchmarks' replicates with the same index (independent bootstraps, one seed per
    benchmark id spawned from ``random_state``). With no benchmark fitted the status is
    "insufficient_data": fitted values and forecasts are NaN, observed values are kept.

    ``task_cap`` (e.g. 1.0): each benchmark's share counts at most this much in the
    sector mean, observed and fitted, so a superhuman result on one task cannot make up
    for a gap on another (ImageNet beyond human does not close visual question
    answering). ``pool_when_sparse``: when no benchmark alone has ``min_points``
    records but the sector's benchmarks together do, one curve is fitted to their pooled
    record points (each capped at ``task_cap``) instead of reporting insufficient data.
    ``prior`` (a ``models.shape_prior.ShapePrior`` as of the same date): a benchmark
    with fewer than ``min_points`` records but at least ``prior_min_points`` gets a
    curve of the prior's shapes with its own timing (status "borrowed_shape"), and
    counts in the sector mean like a fitted one; pooling is then not needed.

    Saturation (``saturation_noise``, percentage points; None switches it off): a
    benchmark that passed the human baseline or came within its noise of it or of its
    maximum (:func:`saturation_dates`) is a task done: from that date it counts as the
    cap (1.0) in the sector, observed and fitted, adds no velocity and says nothing more
    about the remaining gap, which is read on the members that still measure. When every
    member with a result is saturated, ``beyond_measure`` is True.

    ``lifetime_prior`` (a ``models.shape_prior.LifetimePrior`` as of the same date): the
    reference class of how long benchmarks took from their first result to each
    threshold. Each threshold forecast not yet passed is then the class's log-normal
    lifetime for the sector's first result (among the members that still measure),
    combined with the curves' forecast by precision (normal-normal, on log lifetime),
    and conditioned on not having been reached by ``as_of``. Without any curve the class
    alone gives the forecast (status "reference_class"), from the first record on.

    ``interval_scales`` ({threshold: factor}): the curve-based forecasts (fitted or
    borrowed curves, combined with the class) of each threshold get their interval
    scaled by the factor about their year (:func:`widen_forecast`): the split-conformal
    factor learned from earlier forecasts that had resolved by ``as_of``
    (``scoring.signals.calibration.conformal_scales``). Forecasts of the class alone are left as
    they are (the class has its own conformal step).

    ``stale_after_years`` (None: off): a member not saturated whose last result is more
    than this many years before ``as_of`` is no longer reported (``stale``): it keeps its
    last observed share in the sector, observed and fitted, from its last result on (its
    fitted curve is not extrapolated past it), adds no velocity, and the remaining gap and
    the reference class's forecast are read on the members still reported.

    ``prepared`` (:func:`prepare_history` of ``history`` for the same benchmarks, error
    scale and saturation noise): the normalised rows, record points and saturation dates
    are sliced at ``as_of`` from it instead of computed again (same numbers; for a caller
    fitting the same benchmarks at many dates). ``with_curve=False`` leaves the monthly
    ``curve`` empty (a caller that reads only the forecasts, level and velocity).

    ``sector`` defaults to the single sector of the listed benchmarks in ``benchmarks``.
    """
    if stale_after_years is not None and not (isinstance(stale_after_years, Real) and not isinstance(stale_after_years, bool)
                                              and np.isfinite(stale_after_years) and stale_after_years > 0):
        raise InputError("The 'stale_after_years' parameter of fit_sector must be a positive number of years or None. "
                         f"Got {stale_after_years!r} instead.")
    cap = np.inf if task_cap is None else float(task_cap)
    if not cap > 0:
        raise InputError(f"The 'task_cap' parameter of fit_sector must be a positive share or None. Got {task_cap!r} instead.")
    as_of = to_timestamp(as_of)
    thresholds, level, ceiling_value = _validate_sector_args(
        thresholds, level, min_points, n_boot, random_state, ceiling, min_asymptote, prior_min_points
    )
    if isinstance(sector_benchmarks, str) or not len(sector_benchmarks):
        raise InputError(
            "The 'sector_benchmarks' parameter of fit_sector must be a non-empty list of "
            f"benchmark ids. Got {sector_benchmarks!r} instead."
        )
    ids = sorted(set(sector_benchmarks))
    require_columns(benchmarks, ("benchmark",), "benchmarks")
    require_columns(history, _HISTORY_COLUMNS, "history")
    listed = None if prepared is not None and prepared.sector is not None and sector is None else (
        benchmarks[benchmarks["benchmark"].isin(ids)])
    if prepared is not None:
        if (prepared.ids, prepared.error_scale, prepared.saturation_noise) != (tuple(ids), error_scale, saturation_noise):
            raise InputError(
                "The 'prepared' parameter of fit_sector was made for other benchmarks or settings: "
                f"{prepared.ids}, error_scale {prepared.error_scale!r}, saturation_noise {prepared.saturation_noise!r}; "
                f"this fit asks for {tuple(ids)}, {error_scale!r}, {saturation_noise!r}. Call prepare_history with them.")
        table = prepared.table
    else:
        table = _benchmark_table(benchmarks, ids)  # raises on unknown ids or bad metadata; read once below
    if sector is None and listed is None:
        sector = prepared.sector  # inferred from the same listed benchmarks by prepare_history
    if sector is None:
        if "sector" not in listed.columns or listed["sector"].nunique() != 1:
            raise InputError(
                "fit_sector could not infer the sector: the listed benchmarks belong to "
                f"{sorted(listed.get('sector', pd.Series(dtype=object)).unique())}. "
                "Pass sector='...'."
            )
        sector = str(listed["sector"].iloc[0])

    if prepared is not None:
        normalised, records, saturated = prepared.as_of(as_of)
    else:
        dates = to_datetime_index(history["date"], "history dates")
        in_time = history.loc[np.asarray(dates <= as_of) & history["benchmark"].isin(ids).to_numpy()]
        normalised = normalise(in_time, listed, error_scale=error_scale, _table=table)
        records = record_points(normalised, as_of=as_of)
        if saturation_noise is None:
            saturated = pd.Series(dtype="datetime64[ns]")
        else:
            saturated = saturation_dates(normalised, listed, noise_points=saturation_noise, _table=table).dropna()
    # A saturated task counts as done: at least the human level (share 1), within the caps.
    top = min(1.0, ceiling_value, cap)

    t_as_of = float(decimal_year(as_of)[0])
    if isinstance(horizon_years, bool) or not (isinstance(horizon_years, Real) and np.isfinite(horizon_years) and horizon_years > 0):
        raise InputError(f"The 'horizon_years' parameter of fit_sector must be a positive number of years. Got {horizon_years!r} instead.")
    horizon = t_as_of + float(horizon_years)
    seeds = dict(zip(ids, np.random.SeedSequence(random_state).spawn(len(ids)), strict=True))

    fits: dict[str, _SCurveCore] = {}
    rows = []
    # the id columns read once as arrays (the same masks as comparing the columns per member)
    record_of = records["benchmark"].to_numpy()
    member_of, day_of = normalised["benchmark"].to_numpy(), normalised["date"].to_numpy()
    all_shares = normalised["share"].to_numpy(dtype=float)
    for benchmark in ids:
        mine = record_of == benchmark
        points = records if mine.all() else records[mine]
        shares = all_shares[member_of == benchmark]
        observed = float(np.nanmax(shares)) if np.isfinite(shares).any() else np.nan
        row = {
            "benchmark": benchmark,
            "status": _STATUS_INSUFFICIENT,
            "n_points": len(points),
            "first_date": points["date"].min() if len(points) else pd.NaT,
            "last_record_date": points["date"].max() if len(points) else pd.NaT,
            "observed_share": observed,
            "L": np.nan,
            "k": np.nan,
            "t0": np.nan,
            "level": np.nan,
            "velocity_per_year": np.nan,
            "saturated": benchmark in saturated.index,
            "saturated_date": saturated.get(benchmark, pd.NaT),
        }
        model, status = None, _STATUS_OK
        if len(points) >= min_points:
            try:
                model = _SCurveCore(
                    n_boot=n_boot,
                    random_state=seeds[benchmark],
                    ceiling=ceiling,
                    min_asymptote=min_asymptote,
                ).fit(decimal_year(points["date"]), points["share"].to_numpy(dtype=float))
            except InsufficientDataError:
                model = None
        if model is None and prior is not None and len(prior) and len(points) >= prior_min_points:
            model = prior.curve(decimal_year(points["date"]), points["share"].to_numpy(dtype=float),
                                n_draws=n_boot, random_state=seeds[benchmark])
            status = _STATUS_BORROWED
        if model is not None:
            fits[benchmark] = model
            row.update(
                status=status,
                L=model.params_["L"],
                k=model.params_["k"],
                t0=model.params_["t0"],
                level=float(model.predict(t_as_of)),
                velocity_per_year=float(model.slope(t_as_of)),
            )
        rows.append(row)

    used = sorted(fits) if fits else sorted(records["benchmark"].unique())
    if not fits and pool_when_sparse and len(records) >= min_points and records["benchmark"].nunique() > 1:
        pooled = records.sort_values("date")
        try:
            fits["pooled"] = _SCurveCore(
                n_boot=n_boot, random_state=np.random.SeedSequence(random_state), ceiling=ceiling,
                min_asymptote=min_asymptote,
            ).fit(decimal_year(pooled["date"]), np.minimum(pooled["share"].to_numpy(dtype=float), cap))
        except InsufficientDataError:
            fits.pop("pooled", None)
    measured = sorted(set(record_of.tolist()))
    done_names = [b for b in measured if b in saturated.index]
    beyond = bool(measured) and len(done_names) == len(measured)
    if fits or beyond:
        # A saturated member without a curve of its own is a task done: it counts at
        # the cap from its saturation date (its curve before then is never read).
        for b in done_names:
            if b not in fits:
                fits[b] = _SaturatedCurve(float(decimal_year(saturated[b])[0]), top,
                                          int((records["benchmark"] == b).sum()), n_boot)
        used = sorted(set(used) | set(done_names))
    # No longer reported: a member not saturated whose last result is more than
    # ``stale_after_years`` before as_of stops measuring. It keeps its last observed share
    # in the sector (observed and fitted, from its last result on), adds no velocity and
    # no extrapolation, and the remaining gap is read on the others.
    # each member's last result (a dict: the groupby max's Timestamps, without a groupby per fit)
    last_result = {b: pd.Timestamp(day_of[member_of == b].max()) for b in pd.unique(member_of)}
    t_last = {b: float(decimal_year(last_result[b])[0]) for b in measured}
    stale_names = [] if stale_after_years is None else [
        b for b in measured if b not in done_names and t_last[b] < t_as_of - float(stale_after_years)]
    obs_share = {row["benchmark"]: row["observed_share"] for row in rows}
    stale_level = {b: float(np.clip(obs_share[b], 0.0, min(ceiling_value, cap))) for b in stale_names}
    if fits:
        for b in stale_names:
            if b not in fits:
                fits[b] = _SaturatedCurve(t_last[b], stale_level[b], int((records["benchmark"] == b).sum()), n_boot)
        used = sorted(set(used) | set(stale_names))
    # No member still measures (each is saturated or no longer reported): the level says
    # nothing current about the gaps the sector's products meet.
    beyond = beyond or (bool(measured) and all(b in done_names or b in stale_names for b in measured))
    # Superseded: a stale member whose sector moved on to a later benchmark leaves the
    # level (observed and fitted) from the date it was superseded (superseded_dates).
    retired = (_NOT_RETIRED if stale_after_years is None else
               superseded_dates(normalised, measured, as_of=as_of, stale_after_years=float(stale_after_years),
                                saturated=saturated))
    retired = retired[[b in fits for b in retired.index]] if fits and len(retired) else retired
    # One row per listed benchmark (never empty), its last three columns in the row
    # dicts too: one frame built once (the columns and dtypes of adding them one by one).
    for row in rows:
        b = row["benchmark"]
        row.update(stale=b in stale_level, superseded_date=retired.get(b, pd.NaT) if len(retired) else pd.NaT,
                   last_result_date=last_result.get(b, pd.NaT))
    per_benchmark = pd.DataFrame(rows)
    curve_keys = sorted(fits)
    done = np.array([float(decimal_year(saturated[b])[0]) if b in saturated.index else np.inf for b in curve_keys])
    frozen = None
    if any(b in stale_level for b in curve_keys):
        frozen = (np.array([t_last[b] if b in stale_level else np.inf for b in curve_keys]),
                  np.array([stale_level.get(b, np.inf) for b in curve_keys]))
        if len(retired):
            frozen = (*frozen, np.array([float(decimal_year(retired[b])[0]) if b in retired.index else np.inf
                                         for b in curve_keys]))
    if prepared is not None and not len(retired):  # the same slice on another date: computed once
        observed_series = prepared.frontier(normalised, saturated, measured, min(ceiling_value, cap))
    else:
        observed_series = observed_frontier(normalised, measured, cap=min(ceiling_value, cap), saturated=saturated,
                                            retired=retired)
    observed_level = float(observed_series.iloc[-1]) if len(observed_series) else np.nan

    common = dict(
        sector=sector,
        as_of=as_of,
        observed_level=observed_level,
        benchmarks=tuple(used),
        per_benchmark=per_benchmark,
        interval_level=level,
        horizon_year=horizon,
        ceiling=ceiling_value,
        saturated=tuple(done_names),
        beyond_measure=beyond,
        observed_curve=observed_series,
        stale=tuple(stale_names),
        superseded=tuple(retired.index),
    )
    still_names = [b for b in measured if b not in done_names and b not in stale_names]
    # Known not reached up to the last result of a member that still measures (not up to
    # as_of: a benchmark no longer reported says nothing about the years since).
    # (the latest of their last results: every member measured has rows, so none is missing)
    seen_until = float(decimal_year(max(last_result[b] for b in still_names))[0]) if still_names else np.nan
    # every member still measures: no saturation or retirement to apply, the same level as observed_series
    still_level = (observed_series if still_names == measured else
                   prepared.frontier(normalised, None, still_names, min(ceiling_value, cap)) if prepared is not None else
                   observed_frontier(normalised, still_names, cap=min(ceiling_value, cap)))

    def with_prior(threshold, curve_forecast):
        if lifetime_prior is None or still_level.empty:
            return None
        # The class of benchmarks that were as far along: lifetimes counted from the date
        # the members still measuring first reached that stage (0: their first result).
        stage = lifetime_prior.stage(float(still_level.iloc[-1]), threshold)
        at = 0 if stage == 0 else int(np.argmax(still_level.to_numpy() >= stage))
        start = float(decimal_year(still_level.index[at])[0])
        return _prior_forecast(lifetime_prior.fit_for(threshold, stage), threshold, start, seen_until, horizon,
                               level, curve_forecast)

    if not fits:
        forecasts = tuple(
            _passed_forecast(threshold, observed_series)
            or with_prior(threshold, None)
            or ThresholdForecast(threshold, np.nan, np.nan, np.nan, False)
            for threshold in thresholds
        )
        from_class = any(not f.passed and np.isfinite(f.year) for f in forecasts)
        return CapabilityResult(
            status=_STATUS_REFERENCE if from_class else _STATUS_INSUFFICIENT,
            level=np.nan,
            velocity_per_year=np.nan,
            thresholds=forecasts,
            n_points=int(records["benchmark"].isin(used).sum()),
            curve=_empty_curve(),
            **common,
        )

    point = np.stack([fits[b].params_.to_numpy() for b in curve_keys])[None, :, :]  # (1, B, 3)
    draws = np.stack([fits[b].boot_params_.to_numpy() for b in curve_keys], axis=1)  # (D, B, 3)
    draws = draws[~np.isnan(draws).any(axis=(1, 2))]

    lo = min(fits[b].t_range_[0] for b in curve_keys) - T0_MARGIN_YEARS
    forecasts = []
    passages = [_passed_forecast(threshold, observed_series) for threshold in thresholds]
    # Every open threshold's point and replicate curves bisected in one batch (each
    # row's bisection is its own: the same numbers as one threshold at a time).
    open_thresholds = [thr for thr, passed in zip(thresholds, passages, strict=True) if passed is None]
    rows_per = 1 + draws.shape[0]
    crossing = _sector_year(np.concatenate([point, draws] * len(open_thresholds)) if open_thresholds else point[:0],
                            np.repeat(np.array(open_thresholds, dtype=float), rows_per),
                            lo, horizon, cap, done, top, frozen).reshape(len(open_thresholds), rows_per)
    # each threshold's replicate years a column: the inverted-CDF quantiles of every column
    # in one call (each column's own order statistics, as one call per threshold gives)
    draw_bounds = _quantile_bounds(crossing[:, 1:].T, level, method="inverted_cdf")
    for threshold, passed in zip(thresholds, passages, strict=True):
        if passed is not None:
            forecasts.append(passed)
            continue
        row = open_thresholds.index(threshold)
        year = float(crossing[row, 0])
        low, high = float(draw_bounds[0][row]), float(draw_bounds[1][row])
        capped = not year <= horizon
        fitted = ThresholdForecast(
            threshold=threshold,
            # A fitted crossing before as_of that the observed results have not
            # shown yet keeps its (past) fitted year: "due" since then, not "now".
            year=horizon if capped else year,
            low=min(low, horizon) if not np.isnan(low) else np.nan,
            high=high if not np.isnan(high) else np.nan,
            passed=False,
            capped=capped,
        )
        combined = with_prior(threshold, fitted) or fitted
        scale = _scale_for(interval_scales, threshold)
        forecasts.append(combined if scale is None else widen_forecast(combined, scale, t_as_of, horizon))

    if not with_curve:
        curve = _empty_curve()
    else:
        curve = _curve_frame(fits, curve_keys, t_as_of, point, draws, level, cap, done, top, frozen)

    # A benchmark already at the cap, or saturated, adds nothing more: its slope counts 0.
    velocity = float(np.mean([
        fits[b].slope(t_as_of) if float(fits[b].predict(t_as_of)) < cap and d > t_as_of and b not in stale_level else 0.0
        for b, d in zip(curve_keys, done, strict=True)
    ]))
    return CapabilityResult(
        status=_STATUS_OK,
        level=float(_sector_mean(point, np.array([t_as_of]), cap, done, top, frozen)[0]),
        velocity_per_year=velocity,
        thresholds=tuple(forecasts),
        n_points=int(sum(fits[b].n_points_ for b in curve_keys)),
        curve=curve,
        **common,
    )


#: The superseded dates of a fit without ``stale_after_years`` (none; shared, never modified).
_NOT_RETIRED = pd.Series(dtype="datetime64[ns]")

_EMPTY_CURVE = pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "fit": [], "low": [], "high": []})


def _empty_curve() -> pd.DataFrame:
    """The curve of a result without one (a copy: a result's frame is its own)."""
    return _EMPTY_CURVE.copy()


def _curve_frame(fits: dict, curve_keys: list, t_as_of: float, point: np.ndarray, draws: np.ndarray, level: float,
                 cap: float, done: np.ndarray, top: float, frozen: tuple | None) -> pd.DataFrame:
    """The sector curve monthly from its first record to ``CURVE_YEARS_AHEAD`` after
    ``as_of``: the point curve and the bootstrap's ``level`` interval."""
    first = min(fits[b].t_range_[0] for b in curve_keys)
    grid = pd.date_range(
        from_decimal_year(first)[0].to_period("M").to_timestamp(),
        from_decimal_year(t_as_of + CURVE_YEARS_AHEAD)[0],
        freq="MS",
    )
    t_grid = decimal_year(grid)
    fit_grid = _sector_mean(np.repeat(point, len(t_grid), axis=0), t_grid, cap, done, top, frozen)
    draw_grid = _sector_mean_grid(draws, t_grid, cap, done, top, frozen)
    low_grid, high_grid = _quantile_bounds(draw_grid, level)
    return pd.DataFrame({"date": grid, "fit": fit_grid, "low": low_grid, "high": high_grid})


def _scale_for(scales: Mapping[float, float] | None, threshold: float) -> float | None:
    """The factor of ``scales`` for ``threshold`` (None: no scaling)."""
    if not scales:
        return None
    for thr, value in scales.items():
        if same_share(thr, threshold):
            return float(value)
    return None


def widen_forecast(forecast: ThresholdForecast, scale: float, as_of_year: float, horizon: float) -> ThresholdForecast:
    """``forecast`` with each side of its interval scaled by ``scale`` about its year.

    The split-conformal step of the curve-based forecasts (``scoring.signals.calibration``): a
    realized year ``r`` falls inside ``[year - s (year - low), year + s (high - year)]``
    exactly when its score ``(r - year) / (high - year)`` (late) or ``(year - r) /
    (year - low)`` (early) is at most ``s``. A passed, capped or missing forecast is
    returned unchanged; the low end is not moved before ``as_of_year`` (a threshold not
    passed is not reached before then) unless it already was; a high end past
    ``horizon`` is open (inf).
    """
    if forecast.passed or forecast.capped or not np.isfinite(forecast.year) or not (np.isfinite(scale) and scale > 0):
        return forecast
    y = forecast.year
    low = forecast.low
    if np.isfinite(low):
        low = max(y - scale * (y - low), min(low, as_of_year))
    high = forecast.high
    if np.isfinite(high):
        high = y + scale * (high - y)
        high = high if high <= horizon else np.inf
    return ThresholdForecast(threshold=forecast.threshold, year=y, low=float(low), high=float(high), passed=False,
                             capped=False)


def _prior_forecast(fit, threshold: float, first_year: float, seen_until: float, horizon: float, level: float,
                    curve: ThresholdForecast | None) -> ThresholdForecast | None:
    """The reference class's forecast of ``threshold``, combined with a curve's (or None).

    ``fit``: the class (a ``LifetimeFit``) of lifetimes from a stage the sector reached in
    ``first_year``. On log lifetime ``l = log(year - first_year)``: the class gives a normal (mu_p, s_p);
    a curve's forecast, its year and 80% interval read as a normal (mu_c, s_c), is
    combined with it by precision (the posterior of a normal mean with a normal prior);
    the result is conditioned on ``l > log(seen_until - first_year)`` (not reached by the
    last result of a member that still measures), and
    its median and ``level`` quantiles are the forecast.
    """
    from scipy.special import ndtr, ndtri

    if fit is None or not np.isfinite(first_year):
        return None
    floor = 1.0 / 12.0  # shortest lifetime counted (a month), as in the reference class
    mu, s = fit.log_lifetime(first_year)
    if curve is not None and np.isfinite(curve.year) and not curve.capped:
        z = ndtri(0.5 + level / 2.0)
        lc = np.log(max(curve.year - first_year, floor))
        lo = np.log(max(curve.low - first_year, floor)) if np.isfinite(curve.low) else lc
        hi = np.log(max(curve.high - first_year, floor)) if np.isfinite(curve.high) else lc + (lc - lo)
        sc = max((hi - lo) / (2.0 * z), 1e-3)
        w_c, w_p = 1.0 / sc**2, 1.0 / s**2
        mu, s = (lc * w_c + mu * w_p) / (w_c + w_p), float(np.sqrt(1.0 / (w_c + w_p)))
    alpha = ndtr((np.log(max(seen_until - first_year, floor)) - mu) / s)
    q = np.array([0.5, (1.0 - level) / 2.0, (1.0 + level) / 2.0])
    years = first_year + np.exp(mu + s * ndtri(np.clip(alpha + q * (1.0 - alpha), 0.0, 1.0 - 1e-12)))
    year, low, high = (float(v) for v in years)
    capped = not year <= horizon
    return ThresholdForecast(threshold=threshold, year=horizon if capped else year, low=min(low, horizon),
                             high=high if high <= horizon else np.inf, passed=False, capped=capped)


class _SaturatedCurve(_SCurveCore):
    """A saturated benchmark with too few records for a curve: at the cap from the
    date it saturated (the sector reads it only from then on)."""

    def __init__(self, t_done: float, top: float, n_points: int, n_boot: int) -> None:
        super().__init__(n_boot=n_boot)
        params = [top, K_BOUNDS_PER_YEAR[1], t_done]
        self.params_ = pd.Series(params, index=_PARAM_INDEX)
        self.boot_params_ = pd.DataFrame(np.tile(params, (n_boot, 1)), columns=_PARAM_INDEX)
        self.n_boot_failed_ = 0
        self.n_points_ = n_points
        self.t_range_ = (t_done, t_done)
        self.ceiling_ = top
        self.min_asymptote_ = top
        self.residual_std_ = 0.0


def _passed_forecast(threshold: float, observed: pd.Series) -> ThresholdForecast | None:
    """The observed passage of ``threshold`` (:func:`crossing_date`), or None if not passed."""
    when = crossing_date(observed, threshold)
    if when is None:
        return None
    year = float(decimal_year(when)[0])
    return ThresholdForecast(threshold=threshold, year=year, low=year, high=year, passed=True)


def __getattr__(name: str) -> object:
    """``SCurve``, the scikit-learn estimator over :class:`_SCurveCore`, imported on first
    use (PEP 562): importing scikit-learn costs about 0.7 s of start-up (it loads
    scipy.stats), which scoring, using the core directly, never pays."""
    if name == "SCurve":
        from gapscore.models.estimators import SCurve

        return SCurve
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
