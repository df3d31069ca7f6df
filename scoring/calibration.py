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

import numpy as np
import pandas as pd

from gapscore.models._frontier import year_of
from gapscore.scoring.datasets import DataStore

COLUMNS = ["benchmark", "sector", "as_of", "method", "threshold", "points", "year", "low", "high", "capped",
           "realized_year", "state", "inside", "error_years", "horizon_years", "line_year", "class_year",
           "line_error_years", "class_error_years"]


def naive_line_year(records: pd.DataFrame, threshold: float, as_of_year: float, horizon_year: float) -> float:
    """Straight line through the last two record points, to ``threshold``: the naive
    extrapolation. A flat or single record never gets there: the horizon (as the
    forecaster's own "not in sight"). Never before ``as_of_year``."""
    if len(records) < 2:
        return horizon_year
    (t1, s1), (t2, s2) = records[["t", "share"]].to_numpy(dtype=float)[-2:]
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


def _benchmark_task(task) -> list[dict]:
    """All forecasts of one benchmark over the dates."""
    from gapscore.models.capability import fit_sector, normalise, record_points
    from gapscore.models.exceptions import GapscoreError

    name, sector, history, benchmarks, dates, cfg, realized, priors, lifetimes = task
    c = cfg["capability"]
    thresholds = [float(t) for t in cfg["backtest"]["calibration_thresholds"]]
    rows = []
    first, last = history["date"].min(), history["date"].max()
    last_year = year_of(last)  # results stop here: a later crossing could not have been seen
    first_year = year_of(first)
    all_records = record_points(normalise(history, benchmarks, error_scale=c["error_scale"]), as_of=last)
    all_records["t"] = [year_of(x) for x in all_records["date"]]
    for d in dates:
        if d < first or d > last:
            continue  # before the first result, or after the last (no new information)
        t = year_of(d)
        open_thresholds = [thr for thr in thresholds if realized.get((name, thr), np.inf) > t]
        if not open_thresholds:
            break  # every threshold reached: nothing left to forecast
        try:
            res = fit_sector(history, benchmarks, sector_benchmarks=[name], as_of=d, thresholds=thresholds,
                             level=c["interval"], min_points=c["min_points"], error_scale=c["error_scale"],
                             n_boot=c["n_boot"], random_state=c["random_state"],
                             prior=priors.get(d), prior_min_points=c["shape_min_points"],
                             saturation_noise=c["saturation_noise_points"], lifetime_prior=lifetimes.get(d),
                             horizon_years=c["horizon_years"])
        except GapscoreError:
            continue
        if not res.has_forecast:
            continue
        method = "reference_class" if res.status == "reference_class" else "borrowed" if len(res.borrowed()) else "fitted"
        known_records = all_records[all_records["date"] <= d]
        horizon_year = res.horizon_year  # as_of + capability.horizon_years, the fit's own horizon
        for f in res.thresholds:
            if f.threshold not in open_thresholds or f.passed:
                continue
            real = realized.get((name, f.threshold))
            low, high = float(f.low), float(f.high)
            if f.capped:
                high = np.inf
            if real is not None:
                state = "realized"
                inside = bool(low <= real <= high) if np.isfinite(low) else bool(real <= high)
                error = abs(real - f.year) if np.isfinite(f.year) else np.nan
            elif np.isfinite(high) and high < last_year:
                state, inside, error = "missed", False, np.nan
            else:
                state, inside, error = "open", None, np.nan
            line = naive_line_year(known_records, f.threshold, t, horizon_year)
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


def calibration_forecasts(store: DataStore, dates: list[pd.Timestamp], cfg: dict, *, truth_as_of: pd.Timestamp,
                          benchmarks: list[str] | None = None, jobs: int = 1, scheduler: str | None = None,
                          progress=None) -> pd.DataFrame:
    """One row per (benchmark, as-of date, threshold) forecast made before the threshold was reached."""
    from gapscore.scoring.parallel import run_map
    from gapscore.scoring.signals import lifetime_prior, shape_priors

    table = store.load("benchmarks")
    table = table[table["human_baseline"].notna()]
    if benchmarks is not None:
        unknown = sorted(set(benchmarks) - set(table["benchmark"]))
        if unknown:
            from gapscore.scoring.errors import DataFileError

            raise DataFileError("benchmarks.csv", None, "benchmark",
                                f"no benchmark with a human baseline named {', '.join(unknown)}; see 'gapscore data show benchmarks'")
        table = table[table["benchmark"].isin(benchmarks)]
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
    lifetimes = {pd.Timestamp(d): lifetime_prior(store, pd.Timestamp(d), cfg) for d in dates}
    tasks = []
    for name, rows in history.groupby("benchmark", sort=True):
        mine = {k: v for k, v in realized.items() if k[0] == name}
        sector = str(keep.loc[keep["benchmark"] == name, "sector"].iloc[0])
        tasks.append((name, sector, rows.reset_index(drop=True), keep[keep["benchmark"] == name], list(dates), cfg, mine, priors, lifetimes))
    results = run_map(_benchmark_task, tasks, jobs=jobs, scheduler=scheduler,
                      progress=None if progress is None else (lambda i, n, t: progress(i, n, t[0])))
    flat = [r for chunk in results for r in chunk]
    return pd.DataFrame(flat, columns=COLUMNS)


def sector_benchmarks(store: DataStore, sectors: list[str]) -> list[str]:
    """The benchmarks with a human baseline that the named sectors list (the default calibration scope)."""
    table = store.load("benchmarks")
    known = set(table.loc[table["human_baseline"].notna(), "benchmark"])
    return sorted({b for s in sectors for b in (store.sector(s).get("benchmarks") or []) if b in known})


def calibration_by_sector(forecasts: pd.DataFrame, cfg: dict) -> pd.DataFrame:
    """``calibration_summary`` per sector (the benchmark's sector in benchmarks.csv)."""
    frames = [calibration_summary(group, cfg).assign(sector=sector)
              for sector, group in forecasts.groupby("sector", sort=True)]
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    return out[["sector", *[c for c in out.columns if c != "sector"]]]


def _median(frame: pd.DataFrame, column: str) -> float:
    return float(frame[column].median()) if len(frame) and column in frame.columns else np.nan


def calibration_summary(forecasts: pd.DataFrame, cfg: dict, method: str | None = None) -> pd.DataFrame:
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
