"""Calibration of the capability forecaster: predicted against realized threshold years.

For every benchmark with a human baseline, at every as-of date, the forecaster the
scores use (``models.capability.fit_sector`` on that benchmark alone, with the
configured interval, bootstrap and normalisation) predicts the year the benchmark's
share of the human level reaches each of ``backtest.calibration_thresholds``, with its
interval. Only forecasts made before the threshold was reached count. The realized
year is the first result at or above the threshold in everything known on the
evaluation date.

Each forecast ends up in one of three states:

- ``realized``: the threshold was reached by the evaluation date; the forecast is
  scored on whether its interval holds the realized year, and by its error in years;
- ``missed``: not reached by the benchmark's last result, and the interval's upper
  end lies before that result: the interval cannot hold the realized year, a miss;
- ``open``: not reached, and the interval reaches past the last result: left out of
  the coverage.

Forecasts are made only at as-of dates between a benchmark's first and last result:
after the last one (many EFF benchmarks stopped being reported in 2017) nothing new is
known, and repeating a stale forecast every year would count it many times.

Coverage is reported over realized forecasts and over realized plus missed ones (the
second counts the censored misses; neither can count open forecasts, which is a
bias towards forecasts that resolved: the report gives the counts).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gapscore.models._frontier import year_of
from gapscore.scoring.inputs.datasets import DataStore
from gapscore.scoring.errors import ConfigError

if TYPE_CHECKING:
    from gapscore.scoring.inputs.config_types import Config

COLUMNS = ["benchmark", "sector", "as_of", "method", "threshold", "points", "year", "low", "high", "capped",
           "realized_year", "state", "inside", "error_years", "horizon_years", "line_year", "class_year",
           "line_error_years", "class_error_years"]



def as_of_dates(first_year: int, last_year: int, step_months: int = 12) -> list[pd.Timestamp]:
    """Month-end as-of dates from the end of ``last_year`` back to ``first_year``, oldest first.

    With a 12-month step: 31 December of every year; with 6 months: 30 June and 31 December.
    """
    if last_year < first_year:
        raise ConfigError(f"--to {last_year} is before --from {first_year}")
    end = pd.Timestamp(f"{last_year}-12-31")
    start = pd.Timestamp(f"{first_year}-01-01")
    dates, k = [], 0
    while True:
        d = end - pd.DateOffset(months=k * step_months) + pd.offsets.MonthEnd(0)
        if d < start:
            break
        dates.append(pd.Timestamp(d))
        k += 1
    return dates[::-1]


def naive_line_year(records: pd.DataFrame, threshold: float, as_of_year: float, horizon_year: float) -> float:
    """Straight line through the last two record points, to ``threshold``: the naive
    extrapolation. A flat or single record never gets there: the horizon (as the
    forecaster's own "not in sight"). Never before ``as_of_year``."""
    if len(records) < 2:
        return horizon_year
    return _line_year(records[["t", "share"]].to_numpy(dtype=float)[-2:], threshold, as_of_year, horizon_year)


def _line_year(last_two: np.ndarray, threshold: float, as_of_year: float, horizon_year: float) -> float:
    """:func:`naive_line_year` on the last two record points, rows (t, share)."""
    (t1, s1), (t2, s2) = last_two
    if not s2 > s1:
        return horizon_year
    return float(min(max(t2 + (threshold - s2) * (t2 - t1) / (s2 - s1), as_of_year), horizon_year))


def naive_class_year(lifetimes, threshold: float, first_year: float, as_of_year: float, horizon_year: float) -> float:
    """The benchmark's first-result year plus the reference class's median lifetime for
    it: the naive reference-class forecast (never before ``as_of_year``)."""
    life = np.nan if lifetimes is None else lifetimes.median_lifetime(threshold, first_year)
    if not np.isfinite(life):
        return np.nan
    return float(min(max(first_year + life, as_of_year), horizon_year))


def realized_years(history: pd.DataFrame, benchmarks: pd.DataFrame, thresholds, error_scale: str) -> dict:
    """(benchmark, threshold) -> decimal year of the first result at or above it (absent if never)."""
    from gapscore.models.capability import normalise

    norm = normalise(history, benchmarks, error_scale=error_scale)
    out = {}
    for name, rows in norm.groupby("benchmark"):
        rows = rows.sort_values("date")
        share = rows["share"].to_numpy(dtype=float)
        for thr in thresholds:
            hit = np.flatnonzero(np.isfinite(share) & (share >= thr))
            if hit.size:
                out[(name, float(thr))] = year_of(rows["date"].iloc[hit[0]])
    return out


def _resolve(real: float | None, year: float, low: float, high: float, capped: bool, last_year: float) -> tuple:
    """(low, high, state, inside, error) of a forecast (year, low, high) of a threshold
    realized in ``real`` (None: not by the evaluation date) when the results stop in
    ``last_year``: "realized" scored on its interval and its error in years; "missed"
    when not realized and the interval ends before the last result; else "open". A
    capped forecast ("not in sight") has an open upper end."""
    low, high = float(low), float(high)
    if capped:
        high = np.inf
    if real is not None:
        inside = bool(low <= real <= high) if np.isfinite(low) else bool(real <= high)
        return low, high, "realized", inside, abs(real - year) if np.isfinite(year) else np.nan
    if np.isfinite(high) and high < last_year:
        return low, high, "missed", False, np.nan
    return low, high, "open", None, np.nan


def could_forecast(prepared, as_of: pd.Timestamp, c: dict, prior, lifetimes) -> bool:
    """False when ``fit_sector`` on ``prepared``'s one benchmark as of ``as_of`` (with the
    settings ``c`` = ``cfg["capability"]``, shape ``prior`` and reference class
    ``lifetimes`` of that date) can only return "insufficient_data", with no forecast:
    no reference class of lifetimes, fewer record points than a curve needs (its own,
    ``min_points``, or a borrowed shape's, ``shape_min_points``, when a shape prior
    exists) and not saturated (a saturated member counts as a curve at the cap). Lets
    the pool skip those dates (about half of them on the bundled data: the years before
    either reference class has enough members) without fitting;
    ``tests/test_calibration_pool.py`` checks the answer against ``fit_sector``'s."""
    if lifetimes is not None:
        return True
    _, records, saturated = prepared.as_of(as_of)
    n = len(records)
    if n >= int(c["min_points"]) or len(saturated):
        return True
    return prior is not None and len(prior) > 0 and n >= int(c["shape_min_points"])


def _benchmark_task(task) -> list[dict]:
    """All forecasts of one benchmark over the dates."""
    from gapscore.models.capability import fit_sector, prepare_history
    from gapscore.models.exceptions import GapscoreError

    name, sector, history, benchmarks, dates, cfg, realized, priors, lifetimes = task
    c = cfg["capability"]
    thresholds = [float(t) for t in cfg["backtest"]["calibration_thresholds"]]
    rows = []
    first, last = history["date"].min(), history["date"].max()
    last_year = year_of(last)  # results stop here: a later crossing could not have been seen
    first_year = year_of(first)
    # normalised once for every date: fit_sector slices it at each as-of date (same numbers)
    prepared = prepare_history(history, benchmarks, [name], error_scale=c["error_scale"],
                               saturation_noise=c["saturation_noise_points"])
    # the record points of every date (dated, so the first k are those known on a date)
    record_ns = prepared.records["date"].to_numpy(dtype="datetime64[ns]")
    record_ts = np.column_stack([[year_of(x) for x in prepared.records["date"]],
                                 prepared.records["share"].to_numpy(dtype=float)]).reshape(-1, 2)
    for d in dates:
        if d < first or d > last:
            continue  # before the first result, or after the last (no new information)
        t = year_of(d)
        open_thresholds = [thr for thr in thresholds if realized.get((name, thr), np.inf) > t]
        if not open_thresholds:
            break  # every threshold reached: nothing left to forecast
        if not could_forecast(prepared, d, c, priors.get(d), lifetimes.get(d)):
            continue  # fit_sector would say "insufficient_data": no curve, no class (tested)
        try:
            res = fit_sector(history, benchmarks, sector_benchmarks=[name], as_of=d, thresholds=thresholds,
                             level=c["interval"], min_points=c["min_points"], error_scale=c["error_scale"],
                             n_boot=c["n_boot"], random_state=c["random_state"],
                             prior=priors.get(d), prior_min_points=c["shape_min_points"],
                             saturation_noise=c["saturation_noise_points"], lifetime_prior=lifetimes.get(d),
                             horizon_years=c["horizon_years"], prepared=prepared, with_curve=False)
        except GapscoreError:
            continue
        if not res.has_forecast:
            continue
        method = res.forecast_method
        known = record_ts[:int(np.searchsorted(record_ns, np.datetime64(d, "ns"), side="right"))]
        horizon_year = res.horizon_year  # as_of + capability.horizon_years, the fit's own horizon
        for f in res.thresholds:
            if f.threshold not in open_thresholds or f.passed:
                continue
            real = realized.get((name, f.threshold))
            low, high, state, inside, error = _resolve(real, f.year, f.low, f.high, f.capped, last_year)
            line = horizon_year if len(known) < 2 else _line_year(known[-2:], f.threshold, t, horizon_year)
            klass = naive_class_year(lifetimes.get(d), f.threshold, first_year, t, horizon_year)
            rows.append({
                "line_year": line, "class_year": klass,
                "line_error_years": abs(real - line) if real is not None else np.nan,
                "class_error_years": abs(real - klass) if real is not None and np.isfinite(klass) else np.nan,
                "benchmark": name, "sector": sector, "as_of": d.date().isoformat(), "method": method, "threshold": f.threshold,
                "points": res.n_points, "year": f.year, "low": low, "high": high, "capped": bool(f.capped),
                "realized_year": real, "state": state, "inside": inside, "error_years": error,
                "horizon_years": (real - t) if real is not None else np.nan,
            })
    return rows


def calibration_forecasts(store: DataStore, dates: list[pd.Timestamp], cfg: Config, *, truth_as_of: pd.Timestamp,
                          benchmarks: list[str] | None = None, jobs: int | None = None, scheduler: str | None = None,
                          progress=None, conformal: bool | None = None) -> pd.DataFrame:
    """One row per (benchmark, as-of date, threshold) forecast made before the threshold was reached.

    ``conformal`` (default ``capability.forecast_conformal``): each curve-based forecast's
    interval is scaled by the split-conformal factor of its as-of date
    (:func:`forecast_scales`: learned from every benchmark's raw forecasts on these
    dates made and resolved by then), as the scores' forecasts are; the raw interval is
    kept in ``raw_low`` / ``raw_high`` and the factor in ``scale``.
    """
    table = _calibrated_table(store, benchmarks)
    conformal = bool(cfg["capability"]["forecast_conformal"]) if conformal is None else conformal
    if not conformal:
        return _raw_forecasts(store, dates, cfg, truth_as_of=truth_as_of, table=table, jobs=jobs, scheduler=scheduler,
                              progress=progress)
    # The factors come from every benchmark's raw forecasts (the pool the scores use); the
    # requested benchmarks' own rows are those of the pool when it holds them (same dates,
    # outcomes known on the same data), else they are forecast here.
    pool = forecast_pool(store, cfg, jobs=jobs, scheduler=scheduler, progress=progress)
    end = store.load("capability")["date"].max()
    # the pool's own dates, including those on which no benchmark could be forecast (no
    # rows: the requested benchmarks have none there either)
    pool_has = {round(year_of(d), 6) for d in pool_dates(cfg, pd.Timestamp(end))}
    wanted = {round(year_of(pd.Timestamp(d)), 6) for d in dates}
    if pd.Timestamp(truth_as_of) >= end and wanted <= pool_has | {t for t in wanted if t > year_of(end)}:
        raw = pool[pool["benchmark"].isin(table["benchmark"]) & pool["t"].round(6).isin(wanted)].reset_index(drop=True)
    else:
        raw = _raw_forecasts(store, dates, cfg, truth_as_of=truth_as_of, table=table, jobs=jobs, scheduler=scheduler,
                             progress=progress)
    return apply_scales(raw, store, cfg, pool, truth_as_of=pd.Timestamp(truth_as_of))


def _calibrated_table(store: DataStore, benchmarks: list[str] | None) -> pd.DataFrame:
    table = store.load("benchmarks")
    table = table[table["human_baseline"].notna()]
    if benchmarks is not None:
        unknown = sorted(set(benchmarks) - set(table["benchmark"]))
        if unknown:
            from gapscore.scoring.errors import DataFileError

            raise DataFileError("benchmarks.csv", None, "benchmark",
                                f"no benchmark with a human baseline named {', '.join(unknown)}; see 'gapscore data show benchmarks'")
        table = table[table["benchmark"].isin(benchmarks)]
    return table


def _raw_forecasts(store: DataStore, dates: list[pd.Timestamp], cfg: Config, *, truth_as_of: pd.Timestamp,
                   table: pd.DataFrame, jobs: int | None = None, scheduler: str | None = None, progress=None) -> pd.DataFrame:
    """The forecaster's own forecasts (no conformal factor) of ``table``'s benchmarks on ``dates``."""
    from gapscore.scoring.parallel import run_map
    from gapscore.scoring.signals.sector import preload_fits, lifetime_priors, shape_priors

    preload_fits()  # before any worker forks

    history = store.as_of("capability", truth_as_of)
    history = history[history["benchmark"].isin(table["benchmark"])][["benchmark", "date", "value"]]
    thresholds = [float(t) for t in cfg["backtest"]["calibration_thresholds"]]
    realized = realized_years(history, table, thresholds, cfg["capability"]["error_scale"])
    keep = table.drop(columns=[c for c in table.columns if c.startswith("_")])
    # The reference class of each date comes from every benchmark known then (not only
    # the calibrated ones), as in the scores.
    # Only the dates some calibrated benchmark is forecast on (between its first and last result).
    if len(history):
        spans = history.groupby("benchmark")["date"].agg(["min", "max"])
        dates = [d for d in dates if ((spans["min"] <= d) & (d <= spans["max"])).any()]
    else:
        dates = []
    priors = shape_priors(store, list(dates), cfg, jobs=jobs, scheduler=scheduler)
    lifetimes = lifetime_priors(store, list(dates), cfg, jobs=jobs, scheduler=scheduler)
    tasks = []
    for name, rows in history.groupby("benchmark", sort=True):
        mine = {k: v for k, v in realized.items() if k[0] == name}
        sector = str(keep.loc[keep["benchmark"] == name, "sector"].iloc[0])
        tasks.append((name, sector, rows.reset_index(drop=True), keep[keep["benchmark"] == name], list(dates), cfg, mine, priors, lifetimes))
    results = run_map(_benchmark_task, tasks, jobs=jobs, scheduler=scheduler,
                      progress=None if progress is None else (lambda i, n, t: progress(i, n, t[0])))
    flat = [r for chunk in results for r in chunk]
    out = pd.DataFrame(flat, columns=COLUMNS)
    out["t"] = [year_of(pd.Timestamp(d)) for d in out["as_of"]]
    return out


def sector_benchmarks(store: DataStore, sectors: list[str]) -> list[str]:
    """The benchmarks with a human baseline that the named sectors list (the default calibration scope)."""
    table = store.load("benchmarks")
    known = set(table.loc[table["human_baseline"].notna(), "benchmark"])
    return sorted({b for s in sectors for b in (store.sector(s).get("benchmarks") or []) if b in known})


def calibration_by_sector(forecasts: pd.DataFrame, cfg: Config) -> pd.DataFrame:
    """``calibration_summary`` per sector (the benchmark's sector in benchmarks.csv)."""
    frames = [calibration_summary(group, cfg).assign(sector=sector)
              for sector, group in forecasts.groupby("sector", sort=True)]
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    return out[["sector", *[c for c in out.columns if c != "sector"]]]


def _median(frame: pd.DataFrame, column: str) -> float:
    return float(frame[column].median()) if len(frame) and column in frame.columns else np.nan


def calibration_summary(forecasts: pd.DataFrame, cfg: Config, method: str | None = None) -> pd.DataFrame:
    """Per threshold: counts, coverage (realized; realized + missed) and median absolute error.

    ``method``: only the forecasts of fitted curves ("fitted") or of borrowed shapes ("borrowed").
    """
    level = cfg["capability"]["interval"]
    if method is not None:
        forecasts = forecasts[forecasts["method"] == method]
    rows = []
    for thr in [float(t) for t in cfg["backtest"]["calibration_thresholds"]]:
        f = forecasts[np.isclose(forecasts["threshold"].astype(float), thr)]
        realized = f[f["state"] == "realized"]
        missed = f[f["state"] == "missed"]
        resolved = pd.concat([realized, missed])
        inside_real = realized["inside"].astype(bool)
        rows.append({
            "threshold": thr,
            "nominal": level,
            "forecasts": int(len(f)),
            "benchmarks": int(f["benchmark"].nunique()),
            "realized": int(len(realized)),
            "missed": int(len(missed)),
            "open": int((f["state"] == "open").sum()),
            "coverage_realized": float(inside_real.mean()) if len(realized) else np.nan,
            "coverage_resolved": float(resolved["inside"].astype(bool).mean()) if len(resolved) else np.nan,
            "median_abs_error_years": float(realized["error_years"].median()) if len(realized) else np.nan,
            # the two naive forecasters on the same realized forecasts
            "median_abs_error_line": _median(realized, "line_error_years"),
            "median_abs_error_class": _median(realized, "class_error_years"),
            "too_early": int((realized["realized_year"] > realized["high"]).sum()),
            "too_late": int((realized["realized_year"] < realized["low"]).sum()),
        })
    return pd.DataFrame(rows)


# --- split-conformal scaling of the curve-based forecasts, point in time ----------------

#: The forecasts the conformal scale is learned from and applied to: those resting on a
#: fitted or borrowed curve (the class alone has its own conformal step).
CURVE_METHODS = ("fitted", "borrowed")


def conformity_scores(pool: pd.DataFrame, as_of_year: float) -> pd.DataFrame:
    """Each forecast of ``pool`` whose outcome was known on ``as_of_year``, with its score.

    A forecast made on or before ``as_of_year`` is resolved then when the threshold was
    reached by then (``realized_year <= as_of_year``): its score is how far the realized
    year lies outside the forecast's year, in units of the interval's side it fell on,
    ``(r - year) / (high - year)`` late or ``(year - r) / (year - low)`` early, so that
    the interval scaled by s about its year holds r exactly when the score is at most s.
    A forecast not reached by then whose interval had ended (``high < as_of_year``) is a
    known miss: its score is at least ``(as_of_year - year) / (high - year)`` (> 1) and
    counts with that. Any other forecast is open and left out. Returns the resolved rows
    with a ``score`` column.
    """
    made = pool[pool["t"] <= as_of_year]
    real = made["realized_year"].to_numpy(dtype=float)
    year, low, high = (made[c].to_numpy(dtype=float) for c in ("year", "low", "high"))
    reached = np.isfinite(real) & (real <= as_of_year)
    missed = ~reached & np.isfinite(high) & (high < as_of_year)
    r = np.where(reached, real, as_of_year)
    with np.errstate(divide="ignore", invalid="ignore"):
        late = np.where(r > year, (r - year) / (high - year), 0.0)
        early = np.where(r < year, (year - r) / (year - low), 0.0)
    late = np.where(np.isfinite(high), late, 0.0)  # an open upper end holds any late year
    early = np.where(np.isnan(low), 0.0, early)
    score = np.where(np.isnan(late) | (late < 0), np.inf, late) + np.where(np.isnan(early) | (early < 0), np.inf, early)
    keep = reached | missed
    return made[keep].assign(score=score[keep])


def conformal_scale(scores: np.ndarray, level: float, min_count: int) -> float | None:
    """The split-conformal factor: the ceil((n + 1) level)-th smallest of n scores (the
    largest when that rank passes n); None with fewer than ``min_count`` scores."""
    scores = np.sort(np.asarray(scores, dtype=float))
    n = scores.size
    if n < max(int(min_count), 1):
        return None
    return float(scores[min(int(np.ceil((n + 1) * level)), n) - 1])


def conformal_scales(pool: pd.DataFrame, as_of_year: float, thresholds, *, level: float, min_count: int) -> dict:
    """{threshold: factor} for the curve-based forecasts made on ``as_of_year``.

    ``pool``: earlier raw forecasts (``calibration_forecasts`` rows, with a decimal-year
    ``t`` column of their as-of date). Per threshold from that threshold's resolved
    forecasts (:func:`conformity_scores`); a threshold with fewer than ``min_count`` uses
    every threshold's resolved forecasts together; fewer still, no factor (the interval
    stays the curves').
    """
    curve = pool[pool["method"].isin(CURVE_METHODS)]
    resolved = conformity_scores(curve, as_of_year)
    together = conformal_scale(resolved["score"].to_numpy(), level, min_count)
    out = {}
    for thr in thresholds:
        own = resolved[np.isclose(resolved["threshold"].astype(float), float(thr))]["score"].to_numpy()
        value = conformal_scale(own, level, min_count)
        value = together if value is None else value
        if value is not None:
            out[float(thr)] = value
    return out


def _pool_key(cfg: Config) -> tuple:
    c = cfg["capability"]
    return ("forecast_pool", repr(sorted(c.items())), repr(cfg["backtest"]["calibration_thresholds"]),
            int(cfg["backtest"]["calibration_step_months"]))


def pool_source_files() -> list:
    """The source files whose code computes the forecast pool, in its cache key: this
    module, the module of the scores' reference classes (``shape_priors``,
    ``lifetime_prior``), and every module of ``gapscore.models`` (the fits, the
    reference classes, and the date and frontier helpers of ``models/_frontier.py``,
    which the key left out before, so an edit there could leave a stale pool). Found
    from the modules themselves, so a file that moves keeps its place in the key."""
    import inspect
    from pathlib import Path

    import gapscore.models
    from gapscore.scoring.signals.sector import shape_priors

    models = sorted(Path(gapscore.models.__file__).resolve().parent.glob("*.py"))
    return [Path(__file__).resolve(), Path(inspect.getsourcefile(shape_priors)).resolve(), *models]


def _remember_pool(store: DataStore, cfg: Config, truth: pd.Timestamp, dates: list, pool: pd.DataFrame) -> None:
    """Keep ``pool`` (raw forecasts on ``dates``, outcomes known on ``truth``) on the store for later dates."""
    memo = store._cache.setdefault("memo", {})
    memo[_pool_key(cfg)] = (pd.Timestamp(truth), pool)


def pool_dates(cfg: Config, as_of: pd.Timestamp) -> list[pd.Timestamp]:
    """The as-of dates of the pool: every ``backtest.calibration_step_months`` from the
    start of ``capability.forecast_conformal_from_year`` to ``as_of``."""

    first = int(cfg["capability"]["forecast_conformal_from_year"])
    if as_of.year < first:
        return []
    dates = as_of_dates(first, as_of.year, int(cfg["backtest"]["calibration_step_months"]))
    return [d for d in dates if d <= as_of]


_NUMERIC = ["t", "threshold", "points", "year", "low", "high", "realized_year", "error_years", "horizon_years",
            "line_year", "class_year", "line_error_years", "class_error_years"]
_METHODS = ("fitted", "borrowed", "reference_class")
_STATES = ("realized", "missed", "open")


def _encode(pool: pd.DataFrame, names: list[str]) -> np.ndarray:
    """The pool as one float array (codes for the text columns), for the fit cache."""
    if not len(pool):
        return np.empty((0, len(_NUMERIC) + 6))
    code = {n: i for i, n in enumerate(names)}
    inside = pool["inside"].map(lambda v: -1.0 if v is None or (isinstance(v, float) and np.isnan(v)) else float(bool(v)))
    return np.column_stack([
        pool["benchmark"].map(code).to_numpy(dtype=float),
        pool["method"].map({m: i for i, m in enumerate(_METHODS)}).to_numpy(dtype=float),
        pool["state"].map({m: i for i, m in enumerate(_STATES)}).to_numpy(dtype=float),
        inside.to_numpy(dtype=float),
        pool["capped"].to_numpy(dtype=float),
        pd.to_datetime(pool["as_of"]).to_numpy(dtype="datetime64[ns]").astype("int64").astype(float),
        *(pd.to_numeric(pool[c], errors="coerce").to_numpy(dtype=float) for c in _NUMERIC),
    ])


def _decode(arr: np.ndarray, names: list[str], sectors: dict) -> pd.DataFrame:
    bench = np.array(names, dtype=object)[arr[:, 0].astype(int)]
    frame = pd.DataFrame(arr[:, 6:], columns=_NUMERIC)
    frame["benchmark"] = bench
    frame["sector"] = [sectors[b] for b in bench]
    frame["method"] = np.array(_METHODS, dtype=object)[arr[:, 1].astype(int)]
    frame["state"] = np.array(_STATES, dtype=object)[arr[:, 2].astype(int)]
    frame["inside"] = [None if v < 0 else bool(v) for v in arr[:, 3]]
    frame["capped"] = arr[:, 4].astype(bool)
    frame["as_of"] = [d.date().isoformat() for d in pd.to_datetime(arr[:, 5].astype("int64"))]
    frame["points"] = frame["points"].astype(int)
    frame["realized_year"] = [None if np.isnan(v) else float(v) for v in frame["realized_year"]]
    return frame[[*COLUMNS, "t"]]


def forecast_pool(store: DataStore, cfg: Config, as_of: pd.Timestamp | None = None, *, jobs: int | None = None,
                  scheduler: str | None = None, progress=None) -> pd.DataFrame:
    """Raw forecasts of every benchmark with a baseline on :func:`pool_dates` up to
    ``as_of`` (default: the last result in the data), with the outcomes known on it.

    A pool with outcomes known on T serves every as-of date D <= T: :func:`scales_as_of`
    keeps only the forecasts made by D on results known by D (a forecast is made on d only
    between a benchmark's first and last result: d <= its last result known on D), scored
    on outcomes known by D, so rows dated after D change nothing a date-D factor uses. The
    pool is kept on the store (a backtest's later dates reuse it) and on disk in the fit
    cache (``models.fit_cache``), keyed by the rows known on ``as_of``, the benchmark
    table, the settings and the code, so another run on the same rows reads it instead of
    re-running some thousand forecasts. ``jobs`` / ``scheduler`` spread the benchmarks
    over processes (``scoring.parallel``; the same rows in the same order); ``progress(i,
    n, benchmark)`` is called as each benchmark's forecasts are done.
    """
    from gapscore.models import fit_cache

    data = store.load("capability")
    end = pd.Timestamp(data["date"].max()) if len(data) else pd.Timestamp("1970-01-01")
    as_of = end if as_of is None else min(pd.Timestamp(as_of), end)
    held = store._cache.get("memo", {}).get(_pool_key(cfg))
    if held is not None and held[0] >= as_of:
        return held[1]
    table = _calibrated_table(store, None)
    names = sorted(table["benchmark"].astype(str))
    known = store.as_of("capability", as_of)
    known = known[known["benchmark"].isin(names)].sort_values(["benchmark", "date", "value"])
    sources = "".join(path.read_text() for path in pool_source_files())
    # text as fixed-width unicode arrays: an object array's bytes are pointers, not the text
    key = fit_cache.key("forecast_pool", np.array(names, dtype=str), np.array(known["benchmark"].astype(str).tolist(), dtype=str),
                        known["date"].to_numpy(dtype="datetime64[ns]").astype("int64"), known["value"].to_numpy(dtype=float),
                        table.drop(columns=[c for c in table.columns if c.startswith("_")]).to_csv(index=False),
                        _pool_key(cfg), str(as_of), sources)
    arr = fit_cache.get(key)
    if arr is None:
        pool = _raw_forecasts(store, pool_dates(cfg, as_of), cfg, truth_as_of=as_of, table=table, jobs=jobs,
                              scheduler=scheduler, progress=progress)
        fit_cache.put(key, _encode(pool, names))
    else:
        pool = _decode(arr, names, dict(zip(table["benchmark"].astype(str), table["sector"].astype(str), strict=True)))
    _remember_pool(store, cfg, as_of, [], pool)
    return pool


def _last_results(store: DataStore, as_of: pd.Timestamp) -> pd.Series:
    known = store.as_of("capability", as_of)
    last = known.groupby("benchmark")["date"].max()
    return pd.Series([year_of(d) for d in last], index=last.index, dtype=float)


def scales_as_of(pool: pd.DataFrame, last: pd.Series, as_of: pd.Timestamp, cfg: Config) -> dict:
    """The conformal factors on ``as_of`` from ``pool``, point in time: only forecasts
    made by then on results known then (a forecast dated after its benchmark's last
    result known on ``as_of`` would not have been made), scored on outcomes known then."""
    c = cfg["capability"]
    t = year_of(pd.Timestamp(as_of))
    made = pool[pool["t"].to_numpy() <= pool["benchmark"].map(last).fillna(-np.inf).to_numpy()]
    return conformal_scales(made, t, [float(x) for x in cfg["backtest"]["calibration_thresholds"]],
                            level=float(c["interval"]), min_count=int(c["forecast_conformal_min_count"]))


def forecast_scales(store: DataStore, as_of: pd.Timestamp, cfg: Config) -> dict | None:
    """{threshold: factor} for the curve-based forecasts of ``as_of`` (None: switched off).

    Split conformal over time: the factor is learned from the forecasts the same
    forecaster made, on every benchmark with a human baseline, on the pool's dates up to
    ``as_of`` and resolved by then (:func:`conformal_scales`). Computed once per date.
    """
    if not cfg["capability"]["forecast_conformal"]:
        return None
    as_of = pd.Timestamp(as_of)

    def make():
        pool = forecast_pool(store, cfg, as_of)
        return scales_as_of(pool, _last_results(store, as_of), as_of, cfg) or None

    return store.memo(("forecast_scales", as_of, *_pool_key(cfg)), make)


def apply_scales(raw: pd.DataFrame, store: DataStore, cfg: Config, pool: pd.DataFrame, *, truth_as_of: pd.Timestamp) -> pd.DataFrame:
    """``raw`` calibration rows with each curve-based forecast scaled by its date's factor
    (from ``pool``, point in time) and its state, coverage and error read again."""
    from gapscore.models.capability import ThresholdForecast, widen_forecast

    out = raw.copy()
    out["raw_low"], out["raw_high"], out["scale"] = out["low"], out["high"], np.nan
    if out.empty:
        return out
    last_year = _last_results(store, truth_as_of)
    horizon_years = float(cfg["capability"]["horizon_years"])
    for d in sorted(out["as_of"].unique()):
        date = pd.Timestamp(d)
        scales = scales_as_of(pool, _last_results(store, date), date, cfg)
        rows = out.index[(out["as_of"] == d) & out["method"].isin(CURVE_METHODS)]
        for i in rows:
            r = out.loc[i]
            value = scales.get(float(r["threshold"]))
            if value is None:
                continue
            t = year_of(date)
            f = widen_forecast(ThresholdForecast(float(r["threshold"]), float(r["year"]), float(r["low"]), float(r["high"]),
                                                 False, bool(r["capped"])), value, t, t + horizon_years)
            low, high = f.low, f.high
            real = float(r["realized_year"]) if pd.notna(r["realized_year"]) else np.nan
            if np.isfinite(real):
                state, inside = "realized", bool(low <= real <= high) if np.isfinite(low) else bool(real <= high)
            elif np.isfinite(high) and high < last_year.get(r["benchmark"], -np.inf):
                state, inside = "missed", False
            else:
                state, inside = "open", None
            out.at[i, "low"], out.at[i, "high"], out.at[i, "scale"] = low, high, value
            out.at[i, "state"], out.at[i, "inside"] = state, inside
    return out


# --- the curve as a scikit-learn estimator, cross-validated over time --------------------

#: Columns of :func:`curve_time_cv`.
TIME_CV_COLUMNS = ["benchmark", "fold", "n_train", "n_test", "train_until", "test_from", "test_until",
                   "mae", "persistence_mae"]


def curve_time_cv(history: pd.DataFrame, benchmarks: pd.DataFrame, benchmark: str, *, as_of: object, cfg: Config,
                  n_splits: int = 3, estimator: object | None = None) -> pd.DataFrame:
    """The capability curve of one benchmark cross-validated over time: one row per fold.

    The points are the benchmark's record-setting frontier points dated on or before
    ``as_of`` (``models.capability.record_points``: the points the scores' S-curves are
    fitted to), X their decimal years as one column, y their shares. The splits are
    ``sklearn.model_selection.TimeSeriesSplit``: each fold trains on every point before
    a date and tests on the next ``test_size`` points. One benchmark's record points
    have one date each, so a row-position split is an as-of split: the training block is
    exactly what was known on the day before the first test point (a tie of dates would
    straddle a fold; ``record_points`` rules it out, and this function checks it). The
    test block is as large as it can be with at least ``capability.min_points`` points
    in the first training block (the fewest the scores fit a curve to).

    ``estimator`` (default ``SCurve(n_boot=0, random_state=capability.random_state)``:
    the scores' point curve; intervals are not scored) is cloned for every fold by
    ``sklearn.model_selection.cross_validate``, which scores it with
    ``neg_mean_absolute_error``: ``mae`` is the mean absolute error of the predicted
    share on the test block, shares above the estimator's ceiling counted as the
    ceiling (as the fit counts them). ``persistence_mae`` is the naive forecast's, the last
    training record carried forward (a record can only rise, so persistence is always
    low: a curve that does not beat it has not learned the climb).

    Raises ``InsufficientDataError`` when there are fewer than ``min_points + n_splits``
    record points (no test block).
    """
    from sklearn.base import clone
    from sklearn.metrics import mean_absolute_error
    from sklearn.model_selection import TimeSeriesSplit, cross_validate

    from gapscore.models._frontier import decimal_year, to_timestamp
    from gapscore.models.capability import DEFAULT_SHARE_CEILING, SCurve, normalise, record_points
    from gapscore.models.exceptions import InputError, InsufficientDataError

    c = cfg["capability"]
    as_of = to_timestamp(as_of)
    mine = history[(history["benchmark"] == benchmark)]
    mine = mine[pd.to_datetime(mine["date"]) <= as_of]
    records = record_points(normalise(mine[["benchmark", "date", "value"]], benchmarks, error_scale=c["error_scale"]),
                            as_of=as_of).sort_values("date", kind="mergesort")
    if records["date"].duplicated().any():
        raise InputError(f"curve_time_cv: {benchmark} has two record points on one date; a row split would not be as of a date")
    min_train = int(c["min_points"])
    test_size = (len(records) - min_train) // int(n_splits)
    if test_size < 1:
        raise InsufficientDataError(
            f"curve_time_cv needs at least {min_train + n_splits} record points of {benchmark} by {as_of.date()} "
            f"(capability.min_points {min_train} to train on, then one per fold). Got {len(records)}.")
    X = decimal_year(records["date"]).reshape(-1, 1)
    model = SCurve(n_boot=0, random_state=c["random_state"]) if estimator is None else clone(estimator)
    # Shares beyond the curve's ceiling (Atari scores are hundreds of times the human
    # level) are scored as the ceiling: the fit clips them so, and a curve cannot say more.
    ceiling = model.get_params().get("ceiling")
    y = np.minimum(records["share"].to_numpy(dtype=float), DEFAULT_SHARE_CEILING if ceiling is None else float(ceiling))
    cv = TimeSeriesSplit(n_splits=int(n_splits), test_size=test_size)
    scores = cross_validate(model, X, y, cv=cv, scoring="neg_mean_absolute_error", error_score="raise")
    dates = records["date"].to_numpy()
    rows = []
    for fold, (train, test) in enumerate(cv.split(X)):
        rows.append({
            "benchmark": benchmark, "fold": fold, "n_train": len(train), "n_test": len(test),
            "train_until": pd.Timestamp(dates[train[-1]]), "test_from": pd.Timestamp(dates[test[0]]),
            "test_until": pd.Timestamp(dates[test[-1]]), "mae": float(-scores["test_score"][fold]),
            "persistence_mae": float(mean_absolute_error(y[test], np.full(len(test), y[train[-1]]))),
        })
    return pd.DataFrame(rows, columns=TIME_CV_COLUMNS)


def curve_time_cv_table(store: DataStore, cfg: Config, *, as_of: object, n_splits: int = 3,
                        estimator: object | None = None, benchmarks: list[str] | None = None) -> pd.DataFrame:
    """:func:`curve_time_cv` of every benchmark with a human baseline (or of ``benchmarks``)
    on the results known on ``as_of``, one row per benchmark and fold (columns
    ``TIME_CV_COLUMNS``). A benchmark with fewer than ``capability.min_points +
    n_splits`` record points, or whose curve cannot be fitted on a training block, is
    left out (``docs/methodology.md`` gives the numbers on the bundled data)."""
    from gapscore.models._frontier import to_timestamp
    from gapscore.models.exceptions import InsufficientDataError

    as_of = to_timestamp(as_of)
    table = _calibrated_table(store, benchmarks)
    history = store.as_of("capability", as_of)
    frames = []
    for name in sorted(table["benchmark"].astype(str)):
        try:
            frames.append(curve_time_cv(history, table, name, as_of=as_of, cfg=cfg, n_splits=n_splits,
                                        estimator=estimator))
        except InsufficientDataError:
            continue
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=TIME_CV_COLUMNS)


def estimator_forecasts(store: DataStore, dates: list[pd.Timestamp], cfg: Config, *, truth_as_of: pd.Timestamp,
                        forecaster: object, benchmarks: list[str] | None = None) -> pd.DataFrame:
    """The calibration of a curve estimator alone: :func:`calibration_forecasts`' rows
    (columns ``COLUMNS``, ``method`` "estimator"), so ``calibration_summary`` scores it.

    For every benchmark with a human baseline (or of ``benchmarks``) and every as-of date
    between its first and last result, ``forecaster`` (an unfitted estimator with
    ``fit(X, y)`` and ``year_reaching(threshold, level)``, e.g. ``SCurve(n_boot=200)``)
    is cloned (``sklearn.base.clone``) and fitted to the benchmark's record points dated
    on or before that date (at least ``capability.min_points``), X their decimal years,
    y their shares; each threshold of ``backtest.calibration_thresholds`` not reached by
    then is forecast with its ``capability.interval`` interval and scored as the scores'
    forecaster is (realized / missed / open; a year beyond ``capability.horizon_years``,
    or never, is "not in sight"). The as-of replay is the time split: each fit sees only
    the records known on its date (no reference classes, saturation rule or conformal
    factor: this measures the curve alone). The naive line forecast is given; the
    class forecast is not (NaN).
    """
    from sklearn.base import clone

    from gapscore.models.capability import normalise, record_points
    from gapscore.models.exceptions import InsufficientDataError

    c = cfg["capability"]
    table = _calibrated_table(store, benchmarks)
    keep = table.drop(columns=[col for col in table.columns if col.startswith("_")])
    history = store.as_of("capability", truth_as_of)
    history = history[history["benchmark"].isin(keep["benchmark"])][["benchmark", "date", "value"]]
    thresholds = [float(t) for t in cfg["backtest"]["calibration_thresholds"]]
    realized = realized_years(history, keep, thresholds, c["error_scale"])
    rows = []
    for name, mine in history.groupby("benchmark", sort=True):
        sector = str(keep.loc[keep["benchmark"] == name, "sector"].iloc[0])
        first, last = mine["date"].min(), mine["date"].max()
        last_year = year_of(last)
        records = record_points(normalise(mine, keep, error_scale=c["error_scale"]), as_of=last)
        records["t"] = [year_of(x) for x in records["date"]]
        for d in (pd.Timestamp(x) for x in dates):
            if d < first or d > last:
                continue
            t = year_of(d)
            open_thresholds = [thr for thr in thresholds if realized.get((name, thr), np.inf) > t]
            known = records[records["date"] <= d]
            if not open_thresholds or len(known) < int(c["min_points"]):
                continue
            try:
                model = clone(forecaster).fit(known[["t"]].to_numpy(), known["share"].to_numpy(dtype=float))
            except InsufficientDataError:
                continue
            horizon_year = t + float(c["horizon_years"])
            for thr in open_thresholds:
                year, low, high = model.year_reaching(thr, level=c["interval"])
                capped = not year <= horizon_year  # beyond the horizon, or never (NaN)
                year = horizon_year if capped else year
                low = min(low, horizon_year) if not np.isnan(low) else np.nan  # as fit_sector caps it
                real = realized.get((name, thr))
                low, high, state, inside, error = _resolve(real, year, low, high, capped, last_year)
                line = naive_line_year(known, thr, t, horizon_year)
                rows.append({
                    "benchmark": name, "sector": sector, "as_of": d.date().isoformat(), "method": "estimator",
                    "threshold": thr, "points": len(known), "year": year, "low": low, "high": high,
                    "capped": bool(capped), "realized_year": real, "state": state, "inside": inside,
                    "error_years": error, "horizon_years": (real - t) if real is not None else np.nan,
                    "line_year": line, "class_year": np.nan,
                    "line_error_years": abs(real - line) if real is not None else np.nan, "class_error_years": np.nan,
                })
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["t"] = [year_of(pd.Timestamp(x)) for x in out["as_of"]]
    return out
