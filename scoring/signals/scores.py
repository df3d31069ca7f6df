"""The product's answer: stage scores per sector as of a date, with reasons and sensitivity."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from gapscore.scoring.inputs import config as config_mod
from gapscore.scoring.inputs.datasets import DataStore
from gapscore.scoring.signals.sector import SectorSignals, sector_signals
from gapscore.scoring.stage_model import STAGE_BY_ID, STAGES, factor_key, milestone_cdf
from gapscore.scoring.signals.timing import StageScores, score

if TYPE_CHECKING:
    from gapscore.scoring.inputs.config_types import Config


@dataclass(frozen=True, eq=False)
class SectorScore:
    sector: str
    name: str
    as_of: pd.Timestamp
    result: StageScores
    reasons: tuple[str, ...]
    signals: SectorSignals

    def as_dict(self) -> dict:
        r = self.result
        return {
            "sector": self.sector,
            "name": self.name,
            "as_of": self.as_of.date().isoformat(),
            "scores": {s: round(r.scores[s], 6) for s in STAGES},
            "recommendation": r.recommendation,
            "confidence": round(r.confidence, 6),
            "contributions": {s: {k: round(v, 6) for k, v in r.contributions[s].items()} for s in STAGES},
            "factors": {k: (None if v is None else round(v, 6)) for k, v in r.factors.items()},
            "missing": list(r.missing),
            "reasons": list(self.reasons),
            "funding": None if self.signals.funding is None else self.signals.funding.as_dict(),
            "traction": None if self.signals.traction is None else {
                "rate": round(self.signals.traction.rate, 6), "low": _round(self.signals.traction.low),
                "high": _round(self.signals.traction.high), "n": _round(self.signals.traction.n),
                "origin": self.signals.traction.origin, "population": self.signals.traction.population,
                "band": self.signals.traction.band_kind(), "describes": self.signals.traction.describes,
                "not_used": self.signals.traction.note, "source": self.signals.traction.source},
        }


def _round(x) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 6)


def _year(y: float | None) -> str:
    return "never in sight" if y is None or not math.isfinite(y) else f"{y:.0f}" if abs(y - round(y)) < 0.05 else f"{y:.1f}"


def viable_reason(target: float, since: tuple | None, as_of: pd.Timestamp) -> str:
    """The reason line of a sector whose unit economics are viable on ``as_of``.

    ``since``: (year, found) from ``signals.viable_since``; found False means viable
    from the first year with a cost estimate.
    """
    below = f"inference below {target:.0%} of revenue"
    if since is None:
        return f"unit economics viable: {below} at the as-of date ({as_of.date()})"
    year, found = since
    if found:
        return f"unit economics viable: {below} since {year} (the first year the cost per unit, as estimated on {as_of.date()}, is below it)"
    return f"unit economics already viable at the as-of date: {below} since at least {year}, the first year with a cost estimate"


def _interval(low: float | None, high: float | None) -> str:
    lo = "?" if low is None or not math.isfinite(low) else f"{math.floor(low):.0f}"
    hi = "later" if high is None or not math.isfinite(high) else f"{math.ceil(high):.0f}"
    return f"{lo}-{hi}"


def reasons_for(sig: SectorSignals, res: StageScores, cfg: Config) -> tuple[str, ...]:
    """A few plain-language lines behind the scores."""
    out: list[str] = []
    ms = cfg["milestone"]
    cap = sig.capability
    if cap is None:
        out.append("no capability benchmark with a human baseline for this sector: capability not measured")
    elif not cap.has_forecast:
        lvl = "" if not math.isfinite(cap.observed_level) else f" (best observed so far {cap.observed_level:.0%} of human)"
        out.append(f"capability: insufficient data to fit a curve as of {sig.as_of.date()}{lvl}")
    else:
        obs = "" if not math.isfinite(cap.observed_level) else f"{cap.observed_level:.0%} observed (best results so far)"
        if cap.is_fitted:
            line = f"capability at {cap.level:.0%} of human fitted, {obs}, rising {100 * cap.velocity_per_year:.1f} points a year"
        else:
            line = (f"capability at {obs}; too few records for a curve: forecasts from the reference class "
                    "(how long benchmarks took from their first result to each share of human level)")
        d = sig.as_of_year
        for thr in (ms["capability_threshold"], ms["perfection_threshold"]):
            f = cap.forecast(thr)
            if f.passed:
                line += f"; {thr:.0%} passed in the results in {_year(f.year)}"
            elif f.capped or not math.isfinite(f.year):
                line += f"; {thr:.0%} not in sight"
            elif f.year <= d:
                line += f"; {thr:.0%} due since {_year(f.year)} on the fitted curve, not yet in the results ({_interval(f.low, f.high)})"
            else:
                line += f"; {thr:.0%} expected in {_year(f.year)} ({_interval(f.low, f.high)})"
        out.append(line)
        out += _saturation_reasons(cap, cfg)
        borrowed = cap.borrowed()[["benchmark", "n_points"]]
        if len(borrowed):
            names = ", ".join(f"{b} ({n} records)" for b, n in borrowed.itertuples(index=False))
            out.append(f"too few records to fit alone: {names}; their curves borrow the shapes fitted on other "
                       f"benchmarks by {sig.as_of.date()}, with their own timing")
    if sig.cost is not None and sig.cost.is_fitted:
        out.append(sig.cost.describe())
    econ = sig.economics_at(cfg["economics"]["target_share"])
    if econ is not None:
        year, low, high, already = econ
        target = cfg["economics"]["target_share"]
        if already:
            out.append(viable_reason(target, sig.economics_since, sig.as_of))
        elif year is None:
            out.append(f"unit economics: inference not below {target:.0%} of revenue within the horizon")
        else:
            out.append(f"unit economics: inference below {target:.0%} of revenue expected in {_year(year)} ({_interval(low, high)})")
    elif sig.cost is not None and not sig.cost.is_fitted and not sig.cost.from_compute:
        n, at = sig.cost.n_points, f"{sig.cost.benchmark} >= {sig.cost.threshold:g} by {sig.as_of.date()}"
        if n == 0:
            out.append(f"unit economics not estimated: no priced model at {at} yet")
        else:
            out.append(f"unit economics not estimated: price series too short to fit ({n} model{'' if n == 1 else 's'} at {at})")
    elif sig.cost is not None and sig.cost.is_fitted:
        out.append(f"unit economics not estimated: the cost curve is fitted, but no revenue per unit is known on {sig.as_of.date()}")
    else:
        out.append("unit economics not estimated (no price series or cost anchor for this sector)")
    t = sig.traction
    if t is not None:
        out.append(t.line())
    else:
        out.append(f"no graduation data known on {sig.as_of.date()}: traction counted as {cfg['signals']['missing_value']:.0%}")
    if sig.momentum_ratio is not None and sig.momentum_counts is not None and sig.momentum_counts[1] > 0:
        last, prior = sig.momentum_counts
        out.append(f"funding momentum: {last} rounds in the last {cfg['momentum']['window_months']} months against {prior} before")
    elif sig.momentum_ratio is not None:
        out.append(f"funding momentum from the sector's funding series: {sig.momentum_ratio:.2f}x last year's amount")
    if sig.funding is not None:
        out.append(sig.funding.line())
    if res.recommendation == "harvest" and (sig.funding is None or sig.funding.growth_if_current is None):
        out.append("harvest not confirmed by fading interest: no recent funding series with two years for this sector "
                   f"(the funding leg is missing; the chance interest fades counts as {cfg['signals']['missing_value']:.0%})")
    elif sig.funding is not None and sig.funding.growth_if_current is not None and res.recommendation in ("series_b", "growth", "harvest"):
        fading = sig.funding.growth_if_current <= cfg["funding"]["growing_above"]
        out.append(f"interest {'no longer growing' if fading else 'still growing'}: funding {sig.funding.direction} "
                   f"({100 * sig.funding.growth_if_current:+.0f}% a year; harvest needs at most "
                   f"{100 * cfg['funding']['growing_above']:+.0f}%)")
    inputs = sig.timing_inputs(cfg)
    d = inputs.as_of_year
    p_now = milestone_cdf(inputs, d)
    if p_now is not None and inputs.has_capability and cap is not None and cap.has_forecast:
        out.append(f"probability the milestone is already passed: {p_now:.0%}")
    elif p_now is not None:
        # The milestone is capability AND unit economics: without a capability reading
        # its probability is unknown, whatever the economics say.
        out.append("probability the milestone is already passed: unknown (capability not measured)")
    rec = res.recommendation
    out.append(f"recommendation: {rec} (confidence {res.confidence:.0%}; data coverage {res.coverage:.0%})")
    return tuple(out)


def _saturation_reasons(cap, cfg: Config) -> list[str]:
    """Which benchmarks are saturated (tasks done), no longer reported, and which still measure the remaining gap."""
    if not cap.saturated and not cap.stale:
        return []
    rows = cap.per_benchmark.set_index("benchmark")
    out = []
    if cap.saturated:
        done = ", ".join(f"{b} since {rows.loc[b, 'saturated_date'].year}" for b in cap.saturated)
        out.append(f"saturated (tasks done, counted at 100%; they say nothing more about the remaining gap): {done}")
    superseded = set(getattr(cap, "superseded", ()))
    kept = [b for b in cap.stale if b not in superseded]
    if kept:
        gone = ", ".join(f"{b} since {rows.loc[b, 'last_result_date'].year} (kept at its {rows.loc[b, 'observed_share']:.0%})"
                         for b in kept)
        out.append(f"no longer reported (last result more than {cfg['capability']['stale_after_years']:g} years ago; "
                   f"kept at its last observed share, not extrapolated, no velocity): {gone}")
    if superseded:
        gone = ", ".join(f"{b} (last result {rows.loc[b, 'last_result_date'].year}, at {rows.loc[b, 'observed_share']:.0%}; "
                         f"out since {rows.loc[b, 'superseded_date'].year})" for b in cap.stale if b in superseded)
        out.append("superseded (no longer reported, and the sector moved on to a later benchmark first reported after "
                   f"its last result): no longer counted in today's level: {gone}")
    if cap.beyond_measure:
        out.append("capability beyond what its benchmarks measure: no benchmark of the sector still measures (each is "
                   "saturated or no longer reported) and the data has no harder one, so the gaps its products still meet "
                   f"are not measured; any call on it is held to confidence {cfg['capability']['saturated_max_confidence']:.0%} at most")
        return out
    measuring = cap.measuring()
    if len(measuring):
        parts = []
        for b, obs, lvl, last in measuring[["benchmark", "observed_share", "level", "last_record_date"]].itertuples(index=False):
            fitted = f", fitted {min(lvl, cfg['capability']['task_cap']):.0%} today" if math.isfinite(lvl) else ", no curve"
            parts.append(f"{b} ({obs:.0%} observed by {last.date()}{fitted})")
        out.append("the remaining gap is read on: " + ", ".join(parts))
    return out


def score_sector(store: DataStore, sector_id: str, as_of: pd.Timestamp, cfg: Config) -> SectorScore:
    sig = sector_signals(store, sector_id, as_of, cfg)
    return score_signals(sig, cfg)


def score_signals(sig: SectorSignals, cfg: Config) -> SectorScore:
    res = score(sig.timing_inputs(cfg), cfg)
    return SectorScore(sig.sector, sig.name, sig.as_of, res, reasons_for(sig, res, cfg), sig)


def score_all(store: DataStore, as_of: pd.Timestamp, cfg: Config, sectors: list[str] | None = None, *, progress=None) -> list[SectorScore]:
    """Every (or the named) sector, ranked by its best stage score (ties: by sector id).

    Sectors are scored on the default number of worker processes (``scoring.parallel``;
    the same scores in the same order on one)."""
    from gapscore.scoring.parallel import run_map, workers
    from gapscore.scoring.signals.sector import shared_references

    ids = list(sectors) if sectors else list(store.sectors())
    for s in ids:
        store.sector(s)  # an unknown sector fails before any work
    fits = any(store.sector(s).get("benchmarks") for s in ids)
    if cfg["capability"]["forecast_conformal"] and fits:
        from gapscore.scoring.signals.calibration import forecast_pool

        # the conformal factors' pool of past forecasts, which every sector's first fit
        # needs: computed (or read from the fit cache) here, so a long first run shows progress
        forecast_pool(store, cfg, as_of, progress=None if progress is None else (
            lambda i, n, name: progress(i, n, f"calibration pool: {name}")))
    if workers(None, len(ids)) > 1:
        shared_references(store, as_of, cfg, capability=fits)
    results = run_map(functools.partial(_score_task, store, pd.Timestamp(as_of), cfg), ids,
                      progress=progress)
    return sorted(results, key=lambda r: (-max(r.result.scores.values()), r.sector))


def _score_task(store: DataStore, as_of: pd.Timestamp, cfg: Config, sector_id: str) -> SectorScore:
    return score_sector(store, sector_id, as_of, cfg)


RANK_BY = {
    "best": ("the best stage score (the highest of seed, series_a, series_b, growth whose evidence was measured; "
             "sectors called watch or harvest, with no stage recommended, after those with a stage call; "
             "sectors with none measured last)", STAGES),
    "early": ("the early-stage case (the higher of the seed and series_a scores whose evidence was measured; "
              "sectors called harvest, already done, and sectors with no measured early-stage evidence last)",
              ("seed", "series_a")),
    **{s: (f"the {s} score", (s,)) for s in STAGES},
}
"""What ``score --rank-by`` can rank on: a description and the stages whose highest score counts."""


def measured(result: SectorScore, stage: str) -> bool:
    """Whether the factor ``stage``'s recommendation rests on (``Stage.evidence``) was measured,
    rather than filled with the missing-data value (as the portfolio allocation asks)."""
    return result.result.factors.get(STAGE_BY_ID[stage].evidence) is not None


def rank_key(result: SectorScore, by: str = "best") -> tuple[float, str]:
    """The value a sector is ranked on (``RANK_BY``) and the stage that gives it (ties: the
    earlier stage). Only stages with measured evidence count, when there is one: a score
    carried by the missing-data value is not a case."""
    stages = RANK_BY[by][1]
    stages = tuple(s for s in stages if measured(result, s)) or stages
    stage = max(stages, key=lambda s: (result.result.scores[s], -stages.index(s)))
    return result.result.scores[stage], stage


def rank(results: list[SectorScore], by: str = "best") -> list[SectorScore]:
    """``results`` ranked by ``by`` (``RANK_BY``), highest first; ties by sector id.

    Ranked on the early-stage case, a sector the model calls harvest comes after every
    other: its series_a score can be high (capability near perfection pushes the
    timing factor up) while the recommendation says the window has closed. On any
    ranking, a sector none of whose ranked stages rests on measured evidence comes
    after those that do: its scores are the missing-data value, not a case (a sector
    with no data at all once topped the 2012 ranking on seed 50.0). Ranked on the best
    stage, a sector called watch or harvest comes after every sector with a stage call,
    for the same reason: its best score did not make a call (a harvest sector's growth
    score is high because perfection is reached, which is why it is harvest).
    """
    def done(r: SectorScore) -> bool:
        if by == "best":
            return r.result.recommendation not in STAGES
        return by == "early" and r.result.recommendation == "harvest"

    def unmeasured(r: SectorScore) -> bool:
        return not any(measured(r, s) for s in RANK_BY[by][1])

    return sorted(results, key=lambda r: (done(r), unmeasured(r), -rank_key(r, by)[0], r.sector))


def ranking_frame(results: list[SectorScore], by: str = "best") -> pd.DataFrame:
    rows = []
    for r in results:
        value, stage = rank_key(r, by)
        rows.append({
            "sector": r.sector,
            "as_of": r.as_of.date().isoformat(),
            **{s: r.result.scores[s] for s in STAGES},
            "recommendation": r.result.recommendation,
            "confidence": r.result.confidence,
            "ranked_by": by,
            "rank_score": value,
            "rank_stage": stage,
        })
    return pd.DataFrame(rows)


def ranking_text(results: list[SectorScore], by: str = "best") -> str:
    """The terminal answer of ``gapscore score``: what the ranking is by, the top sector, then the table."""
    from gapscore.scoring.output import frame_to_table

    if not results:
        return "no sectors to score\n"
    ranked = rank(results, by)
    top = ranked[0]
    value, stage = rank_key(top, by)
    early = rank(results, "early")[0]
    e_value, e_stage = rank_key(early, "early")
    as_of = top.as_of.date()
    lines = [
        f"Stage-timing scores (0-100) as of {as_of}, ranked by {RANK_BY[by][0]}; ties by sector id.",
        f"Top: {top.sector} ({stage} {value:.1f}; its call: {top.result.recommendation}). "
        f"Strongest early-stage case: {early.sector} ({e_stage} {e_value:.1f}, {early.result.recommendation}).",
        "",
    ]
    frame = ranking_frame(ranked, by).drop(columns=["as_of", "ranked_by", "rank_score", "rank_stage"])
    frame.insert(1, "ranked on", [f"{rank_key(r, by)[1]} {rank_key(r, by)[0]:.1f}" for r in ranked])
    lines.append(frame_to_table(frame))
    return "\n".join(lines)


def sensitivity(sig: SectorSignals, cfg: Config) -> pd.DataFrame:
    """Each setting in ``[sensitivity]`` moved alone to its low and high end: stage-score swings."""
    base = score(sig.timing_inputs(cfg), cfg).scores
    rows = []
    for key, (low, high) in cfg.get("sensitivity", {}).items():
        current = config_mod.get(cfg, key)
        out = {"setting": key, "current": _show(current), "low": _show(low), "high": _show(high)}
        for end, value in (("low", low), ("high", high)):
            moved = config_mod.set_value(cfg, key, value)
            scores = score(sig.timing_inputs(moved), moved).scores
            for s in STAGES:
                out[f"{s}_{end}"] = scores[s] - base[s]
        out["max_swing"] = max(abs(out[f"{s}_{e}"]) for s in STAGES for e in ("low", "high"))
        rows.append(out)
    frame = pd.DataFrame(rows)
    return frame.sort_values("max_swing", ascending=False, kind="stable").reset_index(drop=True)


def _show(v) -> str:
    if isinstance(v, (list, tuple)):
        return "-".join(f"{x:g}" for x in v)
    return f"{v:g}" if isinstance(v, (int, float)) else str(v)


def explain(store: DataStore, sector: str, as_of: pd.Timestamp, cfg: Config) -> dict:
    """Contributions, reasons and sensitivity of one sector, as text and as data.

    The JSON holds the score (as ``SectorScore.as_dict``), the sensitivity table and,
    under ``evidence``, the rest of ``evidence.SectorEvidence`` the memo presents
    (frontier points, graduation cohorts and survival, data vintage).
    """
    from gapscore.scoring.signals.evidence import sector_evidence
    from gapscore.scoring.output import frame_to_table

    evidence = sector_evidence(store, sector, as_of, cfg)
    result = evidence.score
    sens = evidence.sensitivity
    r = result.result
    contrib = pd.DataFrame([
        {"stage": s, "factor": f, "weight": cfg["stages"][s]["weights"][f],
         "value": r.factors[factor_key(s, f)], "points": v}
        for s in STAGES for f, v in r.contributions[s].items()
    ])
    lines = [f"{result.name} ({sector}) as of {as_of.date()}: {r.recommendation} (confidence {r.confidence:.0%})", ""]
    lines += ["scores: " + ", ".join(f"{s} {r.scores[s]:.1f}" for s in STAGES), ""]
    lines += ["why:"] + [f"  - {line}" for line in result.reasons] + [""]
    shown = contrib.assign(value=pd.to_numeric(contrib["value"]).round(2))  # a factor is read to 2 decimals (0.00017 is 0.00)
    lines += ["contributions (points = weight x value; a stage's points add up to its score):", frame_to_table(shown)]
    lines += ["sensitivity (change in each stage score with the setting at the low / high end of its range):", frame_to_table(sens)]
    more = {k: v for k, v in evidence.as_dict().items() if k != "sensitivity"}
    payload = {**result.as_dict(), "sensitivity": sens, "evidence": more}
    return {"text": "\n".join(lines), "json": payload, "sensitivity": sens, "contributions": contrib, "evidence": evidence}
