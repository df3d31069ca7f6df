"""Point-in-time backtests: what gapscore would have said at each date, and what happened.

Three parts, each usable alone:

- :func:`backtest_rows`: the scores, recommendation and signals of each sector at each
  as-of date, each computed by ``scores.score_sector`` from the rows known on that date
  (dated, or published, on or before it), in parallel through ``scoring.parallel``.
- :func:`realized_history`: what happened, from everything known on the evaluation
  date: the sector's observed capability over time (the same normalisation as the
  scores), its milestone and perfection crossings, and the published outcomes
  (``outcomes.csv``: funding direction by year, the published milestone year).
- :mod:`scoring.backtest.metrics` scores the first against the second (lead times,
  Series B coincidence, rank correlations, baselines); :mod:`scoring.signals.calibration`
  backtests the capability forecaster alone over every benchmark with a human baseline.

Example::

    from gapscore.scoring.backtest.engine import run_backtest, as_of_dates
    result = run_backtest(DataStore(), ["computer_vision"], as_of_dates(2010, 2024), load_config())
    result.metrics["lead_times"]
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gapscore.models._frontier import year_of
from gapscore.scoring.inputs.datasets import DataStore
from gapscore.scoring.errors import ConfigError
from gapscore.scoring.signals.sector import shape_priors
from gapscore.scoring.signals.calibration import as_of_dates  # noqa: F401  (the backtest's date grid, re-exported for callers)
from gapscore.scoring.stage_model import STAGES, milestone_cdf

if TYPE_CHECKING:
    from gapscore.scoring.inputs.config_types import Config

STEP_RE = re.compile(r"^\s*(\d+)\s*([ym])\s*$", re.IGNORECASE)


def parse_step(text: str) -> int:
    """'1y', '2y', '6m' -> months between as-of dates."""
    m = STEP_RE.match(str(text))
    if not m or int(m.group(1)) == 0:
        raise ConfigError(f"--step {text!r}: give a whole number of years or months, e.g. 1y or 6m")
    n = int(m.group(1))
    return n * 12 if m.group(2).lower() == "y" else n


# --------------------------------------------------------------------------- rows


def _finite(x) -> float | None:
    return None if x is None or not isinstance(x, (int, float, np.floating)) or not math.isfinite(x) else float(x)


def signals_of(result, cfg: Config) -> dict:
    """The signals of one scored sector-date as flat numbers (None where not measured)."""
    sig = result.signals
    cap = sig.capability
    out = {
        "capability_level": None, "observed_level": None, "velocity_per_year": None,
        "milestone_year": None, "milestone_low": None, "milestone_high": None,
        "perfection_year": None, "economics_year": None, "traction": None,
        "momentum_ratio": _finite(sig.momentum_ratio), "p_milestone_passed": None,
    }
    ms = cfg["milestone"]
    if cap is not None:
        out["observed_level"] = _finite(cap.observed_level)
        if cap.has_forecast:
            out["capability_level"] = _finite(cap.level)
            out["velocity_per_year"] = _finite(cap.velocity_per_year)
            milestone = cap.forecast(ms["capability_threshold"])
            if not milestone.capped:
                low, high = cap.interval(ms["capability_threshold"])
                out["milestone_year"], out["milestone_low"], out["milestone_high"] = _finite(milestone.year), _finite(low), _finite(high)
            perfection = cap.forecast(ms["perfection_threshold"])
            if not perfection.capped:
                out["perfection_year"] = _finite(perfection.year)
    econ = sig.economics_at(cfg["economics"]["target_share"])
    if econ is not None:
        out["economics_year"] = _finite(econ[0])
    if sig.traction is not None:
        out["traction"] = _finite(sig.traction.rate)
    p = milestone_cdf(sig.timing_inputs(cfg), sig.as_of_year)
    out["p_milestone_passed"] = _finite(p)
    return {k: (None if v is None else round(v, 6)) for k, v in out.items()}


def backtest_row(store: DataStore, cfg: Config, sector: str, as_of: pd.Timestamp) -> dict:
    """One sector at one date: the ``score`` answer as it would have been given then."""
    from gapscore.scoring.signals.scores import score_sector

    result = score_sector(store, sector, as_of, cfg)
    r = result.result
    return {
        "sector": sector,
        "as_of": as_of.date().isoformat(),
        "scores": {s: round(r.scores[s], 6) for s in STAGES},
        "recommendation": r.recommendation,
        "confidence": round(r.confidence, 6),
        "signals": signals_of(result, cfg),
    }


def _row_task(task) -> dict:
    store, cfg, sector, as_of = task
    return backtest_row(store, cfg, sector, as_of)


def backtest_rows(store: DataStore, sectors: list[str], dates: list[pd.Timestamp], cfg: Config, *,
                  jobs: int | None = None, scheduler: str | None = None, progress=None) -> list[dict]:
    """Every sector at every date, ordered by sector then date."""
    from gapscore.scoring.parallel import run_map

    for s in sectors:
        store.sector(s)  # an unknown sector fails before any work
    for name in ("benchmarks", "capability", "prices", "rounds", "graduation"):
        store.load(name)  # load once here; workers get the loaded frames
    shape_priors(store, dates, cfg, jobs=jobs, scheduler=scheduler)  # once per date, not per sector
    if cfg["capability"]["forecast_conformal"] and len(dates):
        from gapscore.scoring.signals.calibration import forecast_pool

        forecast_pool(store, cfg, max(pd.Timestamp(d) for d in dates), jobs=jobs, scheduler=scheduler,  # once, for every date's factors
                      progress=None if progress is None else (lambda i, n, name: progress(i, n, f"calibration pool: {name}")))
    tasks = [(store, cfg, s, d) for s in sectors for d in dates]
    return run_map(_row_task, tasks, jobs=jobs, scheduler=scheduler,
                   progress=None if progress is None else (lambda i, n, t: progress(i, n, f"{t[2]} {t[3].date()}")))


def rows_frame(rows: list[dict]) -> pd.DataFrame:
    """Backtest rows flattened: sector, as_of, the four scores, recommendation, confidence, signals."""
    flat = [{
        "sector": r["sector"], "as_of": r["as_of"], **r["scores"],
        "recommendation": r["recommendation"], "confidence": r["confidence"], **r["signals"],
    } for r in rows]
    columns = ["sector", "as_of", *STAGES, "recommendation", "confidence"]
    return pd.DataFrame(flat, columns=columns + [k for k in (flat[0] if flat else {}) if k not in columns])


# --------------------------------------------------------------------------- realized history


def observed_levels(store: DataStore, sector: str, truth_as_of: pd.Timestamp, cfg: Config) -> pd.Series:
    """The sector's observed capability over time, as known on ``truth_as_of``.

    ``models.capability.observed_frontier``, the same level ``fit_sector`` reports as
    ``observed_level``: at each record date, the mean over the sector's benchmarks with
    a result by then of the best share reached, each clipped to [0, capability.task_cap],
    a saturated benchmark counting as the cap, a superseded one out of the mean from the
    date it was superseded (``superseded_dates``). Indexed by date.
    """
    from gapscore.models.capability import normalise, observed_frontier, saturation_dates, superseded_dates

    table = store.sector(sector)
    names = list(table.get("benchmarks") or [])
    history = store.as_of("capability", truth_as_of)
    history = history[history["benchmark"].isin(names)]
    if history.empty:
        return pd.Series(dtype=float, index=pd.DatetimeIndex([], name="date"), name="level")
    c = cfg["capability"]
    bench = store.load("benchmarks")
    norm = normalise(history, bench, error_scale=c["error_scale"])
    saturated = saturation_dates(norm, bench, noise_points=c["saturation_noise_points"])
    retired = superseded_dates(norm, names, as_of=truth_as_of, stale_after_years=float(c["stale_after_years"]),
                               saturated=saturated.dropna())
    return observed_frontier(norm, names, cap=float(c["task_cap"]), saturated=saturated, retired=retired)


def level_at(levels: pd.Series, when: pd.Timestamp) -> float:
    """The observed level on a date (NaN before the first result)."""
    known = levels[levels.index <= when]
    return float(known.iloc[-1]) if len(known) else float("nan")


def crossing_year(levels: pd.Series, threshold: float) -> float | None:
    """Decimal year from which the observed level stays at or above ``threshold``; None if it is below at the end.

    "Stays": a benchmark joining the sector later (VQA in 2015) can pull the mean back
    under a threshold that classification alone had passed; the crossing counts from
    the last time it came back above.
    """
    from gapscore.models.capability import crossing_date

    when = crossing_date(levels, threshold)
    return None if when is None else year_of(when)


@dataclass(frozen=True)
class Realized:
    """What happened in one sector, as known on the evaluation date."""

    sector: str
    truth_as_of: pd.Timestamp
    levels: pd.Series
    milestone_year: float | None  # capability milestone: published year if any, else the data's crossing
    milestone_origin: str
    data_milestone_year: float | None
    perfection_year: float | None
    funding: dict = field(default_factory=dict)  # year -> +1 surge / 0 flat / -1 decline
    surge_year: int | None = None
    sources: tuple[str, ...] = ()
    funding_origin: dict = field(default_factory=dict)  # year -> "outcomes.csv" or the funding.csv series


def realized_history(store: DataStore, sector: str, truth_as_of: pd.Timestamp, cfg: Config) -> Realized:
    ms = cfg["milestone"]
    levels = observed_levels(store, sector, truth_as_of, cfg)
    data_ms = crossing_year(levels, ms["capability_threshold"])
    perfection = crossing_year(levels, ms["perfection_threshold"])
    outcomes = store.as_of("outcomes", truth_as_of)
    mine = outcomes[outcomes["sector"] == sector]
    published = mine[(mine["metric"] == "capability_share_of_human")
                     & (np.isclose(mine["value"].astype(float), ms["capability_threshold"]))]
    if len(published):
        milestone, origin = float(published["year"].min()) + 0.5, "published (outcomes.csv; mid-year of the stated year)"
    elif data_ms is not None:
        milestone, origin = data_ms, "data (first date the observed capability stays above the threshold)"
    else:
        milestone, origin = None, "not reached by the evaluation date"
    funding_rows = mine[mine["metric"] == "funding_momentum"]
    funding = {int(y): float(v) for y, v in zip(funding_rows["year"], funding_rows["value"])}
    funding_origin = dict.fromkeys(funding, "outcomes.csv")
    # Years the published statements do not label: the sector's own funding series
    # (funding.csv), growth above funding.growing_above +1, below its negative -1.
    from gapscore.scoring.signals.sector import funding_directions

    for year, (label, sid) in funding_directions(store, store.sector(sector), truth_as_of, cfg).items():
        if year not in funding:
            funding[year], funding_origin[year] = label, f"funding.csv {sid}"
    surges = sorted(y for y, v in funding.items() if v > 0)
    return Realized(
        sector=sector, truth_as_of=truth_as_of, levels=levels, milestone_year=milestone,
        milestone_origin=origin, data_milestone_year=data_ms, perfection_year=perfection,
        funding=funding, surge_year=surges[0] if surges else None,
        sources=tuple(sorted(set(mine["source"].astype(str)))), funding_origin=funding_origin,
    )


def forward_outcomes(rows: pd.DataFrame, realized: dict[str, Realized], cfg: Config) -> pd.DataFrame:
    """Per backtest row, what followed: capability gained, funding direction, windows.

    Columns added: ``fwd_capability_gain`` (observed level ``backtest.forward_years``
    later minus now; NaN when that date is after the evaluation date),
    ``fwd_funding`` (mean funding direction over the next ``forward_years`` years; NaN
    unless every one of them is labelled), ``funding_now`` (the label of the as-of
    year), ``years_to_milestone`` (realized), ``in_early_window`` (the realized
    milestone fell inside the union of the seed and Series A windows; NaN while
    undecided), ``gaps_remained`` (perfection not yet reached on the as-of date).
    """
    h = int(cfg["backtest"]["forward_years"])
    windows = [cfg["stages"][s]["window_years"] for s in ("seed", "series_a")]
    lo, hi = min(w[0] for w in windows), max(w[1] for w in windows)
    out = rows.copy()
    cols = {k: [] for k in ("fwd_capability_gain", "fwd_funding", "funding_now", "years_to_milestone", "in_early_window", "gaps_remained")}
    for sector, as_of in zip(rows["sector"], rows["as_of"]):
        real = realized[sector]
        d = pd.Timestamp(as_of)
        t = year_of(d)
        later = d + pd.DateOffset(years=h)
        gain = level_at(real.levels, later) - level_at(real.levels, d) if later <= real.truth_as_of else float("nan")
        cols["fwd_capability_gain"].append(gain)
        labels = [real.funding.get(y) for y in range(d.year + 1, d.year + h + 1)]
        cols["fwd_funding"].append(float(np.mean(labels)) if all(v is not None for v in labels) else float("nan"))
        now = real.funding.get(d.year)
        cols["funding_now"].append(float("nan") if now is None else now)
        truth_t = year_of(real.truth_as_of)
        if real.milestone_year is not None:
            ahead = real.milestone_year - t
            cols["years_to_milestone"].append(ahead)
            cols["in_early_window"].append(float(lo <= ahead <= hi))
        else:
            cols["years_to_milestone"].append(float("nan"))
            has_data = not real.levels.empty
            # Not reached by the evaluation date: outside the window once the window has passed.
            cols["in_early_window"].append(0.0 if has_data and truth_t - t > hi else float("nan"))
        if real.levels.empty:
            cols["gaps_remained"].append(float("nan"))
        else:
            cols["gaps_remained"].append(float(real.perfection_year is None or real.perfection_year > t))
    for k, v in cols.items():
        out[k] = np.asarray(v, dtype=float)
    return out


# --------------------------------------------------------------------------- the run


@dataclass(frozen=True, eq=False)
class BacktestResult:
    sectors: tuple[str, ...]
    dates: tuple[pd.Timestamp, ...]
    truth_as_of: pd.Timestamp
    rows: list[dict]
    frame: pd.DataFrame  # rows flattened with forward outcomes and baseline scores
    realized: dict
    metrics: dict
    calibration: pd.DataFrame | None
    calibration_summary: pd.DataFrame | None
    settings: dict
    calibration_borrowed: pd.DataFrame | None = None  # the summary of borrowed-shape forecasts alone
    calibration_by_sector: pd.DataFrame | None = None  # the summary per sector of the calibrated benchmarks

    def payload(self) -> dict:
        """The JSON answer: rows and metrics (and the calibration table)."""
        cal = None
        if self.calibration_summary is not None:
            cal = {"summary": self.calibration_summary, "borrowed_shapes": self.calibration_borrowed,
                   "by_sector": self.calibration_by_sector,
                   "forecasts": self.calibration}
        return {
            "sectors": list(self.sectors),
            "dates": [d.date().isoformat() for d in self.dates],
            "evaluated_as_of": self.truth_as_of.date().isoformat(),
            "settings": self.settings,
            "rows": self.rows,
            "metrics": {**self.metrics, "calibration": cal},
        }


def run_backtest(store: DataStore, sectors: list[str], dates: list[pd.Timestamp], cfg: Config, *,
                 truth_as_of: pd.Timestamp | None = None, calibration: bool = True,
                 calibration_benchmarks: list[str] | None = None,
                 calibration_dates: list[pd.Timestamp] | None = None, jobs: int | None = None,
                 scheduler: str | None = None, progress=None, calibration_scope: str = "sectors") -> BacktestResult:
    """Rows, realized history, metrics and (optionally) the forecast calibration.

    ``calibration_dates`` default to ``dates``; ``truth_as_of`` (the evaluation date)
    to today. The calibration covers ``calibration_benchmarks`` if given, else the
    requested sectors' benchmarks with a human baseline (``calibration_scope="sectors"``)
    or every benchmark with one (``"all"``).
    """
    from gapscore.scoring.backtest import metrics as bm

    truth = pd.Timestamp(truth_as_of) if truth_as_of is not None else pd.Timestamp.today().normalize()
    cal = summary = borrowed = by_sector = None
    if calibration:
        from gapscore.scoring.signals import calibration as calib

        scope = calibration_benchmarks
        if scope is None and calibration_scope == "sectors":
            scope = calib.sector_benchmarks(store, sectors)
        cal = calib.calibration_forecasts(
            store, list(calibration_dates or dates), cfg, truth_as_of=truth, benchmarks=scope, jobs=jobs, scheduler=scheduler,
            progress=None if progress is None else (lambda i, n, name: progress("calibrating", i, n, name)),
        )
        summary = calib.calibration_summary(cal, cfg)
        borrowed = calib.calibration_summary(cal, cfg, method="borrowed")
        by_sector = calib.calibration_by_sector(cal, cfg)
    # After the calibration: the scores' conformal factors reuse its pool of past forecasts.
    rows = backtest_rows(store, sectors, dates, cfg, jobs=jobs, scheduler=scheduler,
                         progress=None if progress is None else (lambda i, n, name: progress("scoring", i, n, name)))
    realized = {s: realized_history(store, s, truth, cfg) for s in sectors}
    frame = forward_outcomes(rows_frame(rows), realized, cfg)
    frame = bm.add_baselines(frame, cfg)
    metrics = bm.all_metrics(frame, realized, cfg)
    settings = {
        "forward_years": cfg["backtest"]["forward_years"],
        "calibration_thresholds": list(cfg["backtest"]["calibration_thresholds"]),
        "calibration_headline": cfg["backtest"]["calibration_headline"],
        "interval": cfg["capability"]["interval"],
        "baseline_capability_level": cfg["backtest"]["baseline_capability_level"],
    }
    return BacktestResult(tuple(sectors), tuple(dates), truth, rows, frame, realized, metrics, cal, summary, settings, borrowed,
                          by_sector)


def calibration_verdict(summary: pd.DataFrame) -> str:
    """One plain sentence: does the forecaster beat both naive forecasters on median error?"""
    parts = []
    for row in summary.itertuples(index=False):
        if not row.realized:
            continue
        ours, line, klass = row.median_abs_error_years, row.median_abs_error_line, row.median_abs_error_class
        beats = [name for name, other in (("the straight line", line), ("the class median", klass)) if ours < other]
        word = "beats both naive forecasters" if len(beats) == 2 else \
            f"beats only {beats[0]}" if beats else "does NOT beat the naive forecasters"
        parts.append(f"at {row.threshold:.0%} it {word} ({ours:.1f} years against {line:.1f} and {klass:.1f})")
    return "median error: " + ("; ".join(parts) if parts else "no realized forecast") + "."


def summary_text(res: BacktestResult) -> str:
    """The terminal answer: the timeline per sector, the lead times, the verdicts, the calibration."""
    from gapscore.scoring.output import frame_to_table

    lines = [f"Backtest {res.dates[0].date()} to {res.dates[-1].date()}, evaluated as of {res.truth_as_of.date()}; "
             f"each row uses only data known on its as-of date."]
    m = res.metrics

    def yrs(v):
        return "n/a" if v is None else f"{v:+.1f}"

    lines.append("lead times (years from the first call to the milestone / to the funding surge):")
    for lt in m["lead_times"]:  # the answer first: how early the calls came
        lines.append(f"  {lt['sector']}: first seed call {lt['first_seed_call'] or 'none'}, first seed or A call "
                     f"{lt['first_early_call'] or 'none'}; to milestone {yrs(lt['lead_to_milestone_early'])}, "
                     f"to surge {yrs(lt['lead_to_surge_early'])}")
    lines.append("")
    for sector in res.sectors:
        real = res.realized[sector]
        rows = res.frame[res.frame["sector"] == sector]
        ms = "not reached" if real.milestone_year is None else f"{real.milestone_year:.1f} ({real.milestone_origin.split(' (')[0]})"
        surge = f", funding surge from {real.surge_year}" if real.surge_year else ""
        from_series = sorted({o for o in real.funding_origin.values() if o != "outcomes.csv"})
        labels = f"; funding direction from {', '.join(from_series)}" if from_series else ""
        lines.append(f"{sector}: capability milestone {ms}{surge}{labels}")
        table = rows[["as_of", *STAGES, "recommendation", "funding_now"]].rename(columns={"funding_now": "funding"})
        table.insert(6, "capability %", 100 * pd.to_numeric(rows["observed_level"], errors="coerce"))
        lines += ["  " + line for line in frame_to_table(table, digits=1).splitlines()] + [""]
    sb = m["series_b"]
    lines.append(f"Series B calls in years with gaps and strong funding: {sb['coinciding']} of {sb['series_b_calls']} calls "
                 f"(recall {sb['coinciding']} of {sb['gaps_and_strong_funding_years']} such years; "
                 f"{sb['labelled_sector_years']} labelled sector-years)")
    labelled = sum(np.isfinite(pd.to_numeric(res.frame["fwd_funding"], errors="coerce")))
    by_origin = {}
    for real in res.realized.values():
        for o in real.funding_origin.values():
            key = "outcomes.csv" if o == "outcomes.csv" else "funding series"
            by_origin[key] = by_origin.get(key, 0) + 1
    lines.append(f"funding direction labels: {by_origin.get('outcomes.csv', 0)} sector-years from outcomes.csv, "
                 f"{by_origin.get('funding series', 0)} from the sectors' funding series; {labelled} backtest rows "
                 f"have the next {res.settings.get('forward_years', '')} years labelled (the funding outcome below)")
    lines += ["", f"against the baselines ({m['measured_sector_years']} of {m['sector_years']} sector-years had a fitted capability curve):"]
    lines += [f"  - {v}" for v in m["verdicts"]]
    if res.calibration_summary is not None:
        head = res.calibration_summary.set_index("threshold").loc[float(res.settings["calibration_headline"])]
        lines += ["", f"capability forecast calibration: at {res.settings['calibration_headline']:.0%} of human the "
                      f"{res.settings['interval']:.0%} intervals held the realized year {head['coverage_realized']:.0%} of the time "
                      f"({int(head['realized'])} realized forecasts on {int(head['benchmarks'])} benchmarks; median error "
                      f"{head['median_abs_error_years']:.1f} years). Every threshold (coverage near the nominal level is honest):"]
        cols = ["threshold", "forecasts", "benchmarks", "realized", "missed", "open", "coverage_realized",
                "coverage_resolved", "median_abs_error_years", "median_abs_error_line", "median_abs_error_class"]
        cal = res.calibration_summary[cols]
        lines += ["  " + line for line in frame_to_table(cal).splitlines()]
        lines.append("  median_abs_error_line: straight line through the last two records; _class: first result + the "
                     "reference class's median lifetime (the naive forecasters, on the same realized forecasts)")
        lines.append("  " + calibration_verdict(res.calibration_summary))
        if res.calibration_by_sector is not None and len(res.calibration_by_sector):
            lines += ["", "calibration by sector:"]
            lines += ["  " + line for line in frame_to_table(res.calibration_by_sector[["sector", *cols]]).splitlines()]
        b = None if res.calibration_borrowed is None else \
            res.calibration_borrowed.set_index("threshold").loc[float(res.settings["calibration_headline"])]
        if b is not None and b["forecasts"]:
            cov = "n/a" if b["realized"] == 0 else f"{b['coverage_realized']:.0%}"
            lines.append(f"  of these, from borrowed shapes (benchmarks with too few records to fit alone): {int(b['forecasts'])} "
                         f"at {res.settings['calibration_headline']:.0%}, {int(b['realized'])} realized, coverage {cov}")
    return "\n".join(lines) + "\n"
