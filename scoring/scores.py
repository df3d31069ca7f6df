"""The product's answer: stage scores per sector as of a date, with reasons and sensitivity."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from gapscore.scoring import config as config_mod
from gapscore.scoring.datasets import DataStore
from gapscore.scoring.signals import SectorSignals, sector_signals
from gapscore.scoring.stage_model import STAGES, factor_key, milestone_cdf
from gapscore.scoring.timing import StageScores, score


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
        }


def _year(y: float) -> str:
    return "never in sight" if y is None or not math.isfinite(y) else f"{y:.0f}" if abs(y - round(y)) < 0.05 else f"{y:.1f}"


def _interval(low: float, high: float) -> str:
    lo = "?" if low is None or not math.isfinite(low) else f"{math.floor(low):.0f}"
    hi = "later" if high is None or not math.isfinite(high) else f"{math.ceil(high):.0f}"
    return f"{lo}-{hi}"


def reasons_for(sig: SectorSignals, res: StageScores, cfg: dict) -> tuple[str, ...]:
    """A few plain-language lines behind the scores."""
    out: list[str] = []
    ms = cfg["milestone"]
    cap = sig.capability
    if cap is None:
        out.append("no capability benchmark with a human baseline for this sector: capability not measured")
    elif not cap.is_fitted:
        lvl = "" if not math.isfinite(cap.observed_level) else f" (best so far {cap.observed_level:.0%} of human)"
        out.append(f"capability: insufficient data to fit a curve as of {sig.as_of.date()}{lvl}")
    else:
        line = f"capability at {cap.level:.0%} of human, rising {100 * cap.velocity_per_year:.1f} points a year"
        for thr in (ms["capability_threshold"], ms["perfection_threshold"]):
            f = cap.forecast(thr)
            if f.passed:
                line += f"; {thr:.0%} reached in {_year(f.year)}"
            elif f.capped or not math.isfinite(f.year):
                line += f"; {thr:.0%} not in sight"
            else:
                line += f"; {thr:.0%} expected in {_year(f.year)} ({_interval(f.low, f.high)})"
        out.append(line)
        borrowed = cap.borrowed()[["benchmark", "n_points"]]
        if len(borrowed):
            names = ", ".join(f"{b} ({n} records)" for b, n in borrowed.itertuples(index=False))
            out.append(f"too few records to fit alone: {names}; their curves borrow the shapes fitted on other "
                       f"benchmarks by {sig.as_of.date()}, with their own timing")
    if sig.cost is not None and sig.cost.is_fitted:
        c = sig.cost
        out.append(
            f"price of {c.benchmark} >= {c.threshold:g} capability falls {c.decline_factor_per_year:.1f}x a year "
            f"(90% CI {c.ci90[0]:.1f}-{c.ci90[1]:.1f}x, {c.n_points} frontier models)"
        )
    econ = sig.economics_at(cfg["economics"]["target_share"])
    if econ is not None:
        year, low, high, already = econ
        target = cfg["economics"]["target_share"]
        if already:
            out.append(f"unit economics viable: inference below {target:.0%} of revenue since {_year(year)}")
        elif year is None:
            out.append(f"unit economics: inference not below {target:.0%} of revenue within the horizon")
        else:
            out.append(f"unit economics: inference below {target:.0%} of revenue expected in {_year(year)} ({_interval(low, high)})")
    else:
        out.append("unit economics not estimated (no price series or cost anchor for this sector)")
    t = sig.traction
    if t is not None:
        out.append(f"seed to Series A graduation {t.rate:.0%} ({t.origin}: {t.source})")
    else:
        out.append(f"no graduation data known on {sig.as_of.date()}: traction counted as {cfg['signals']['missing_value']:.0%}")
    if sig.momentum_ratio is not None:
        last, prior = sig.momentum_counts
        out.append(f"funding momentum: {last} rounds in the last {cfg['momentum']['window_months']} months against {prior} before")
    inputs = sig.timing_inputs(cfg)
    d = inputs.as_of_year
    p_now = milestone_cdf(inputs, d)
    if p_now is not None:
        out.append(f"probability the milestone is already passed: {p_now:.0%}")
    rec = res.recommendation
    out.append(f"recommendation: {rec} (confidence {res.confidence:.0%}; data coverage {res.coverage:.0%})")
    return tuple(out)


def score_sector(store: DataStore, sector_id: str, as_of: pd.Timestamp, cfg: dict) -> SectorScore:
    sig = sector_signals(store, sector_id, as_of, cfg)
    return score_signals(sig, cfg)


def score_signals(sig: SectorSignals, cfg: dict) -> SectorScore:
    res = score(sig.timing_inputs(cfg), cfg)
    return SectorScore(sig.sector, sig.name, sig.as_of, res, reasons_for(sig, res, cfg), sig)


def score_all(store: DataStore, as_of: pd.Timestamp, cfg: dict, sectors: list[str] | None = None, *, progress=None) -> list[SectorScore]:
    """Every (or the named) sector, ranked by its best stage score (ties: by name)."""
    ids = list(sectors) if sectors else list(store.sectors())
    for s in ids:
        store.sector(s)  # an unknown sector fails before any work
    results = []
    for i, s in enumerate(ids, 1):
        results.append(score_sector(store, s, as_of, cfg))
        if progress:
            progress(i, len(ids), s)
    return sorted(results, key=lambda r: (-max(r.result.scores.values()), r.sector))


def ranking_frame(results: list[SectorScore]) -> pd.DataFrame:
    rows = []
    for r in results:
        rows.append({
            "sector": r.sector,
            "as_of": r.as_of.date().isoformat(),
            **{s: r.result.scores[s] for s in STAGES},
            "recommendation": r.result.recommendation,
            "confidence": r.result.confidence,
        })
    return pd.DataFrame(rows)


def sensitivity(sig: SectorSignals, cfg: dict) -> pd.DataFrame:
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
    if isinstance(v, list):
        return "-".join(f"{x:g}" for x in v)
    return f"{v:g}" if isinstance(v, (int, float)) else str(v)


def explain(store: DataStore, sector: str, as_of: pd.Timestamp, cfg: dict) -> dict:
    """Contributions, reasons and sensitivity of one sector, as text and as data.

    The JSON holds the score (as ``SectorScore.as_dict``), the sensitivity table and,
    under ``evidence``, the rest of ``evidence.SectorEvidence`` the memo presents
    (frontier points, graduation cohorts and survival, data vintage).
    """
    from gapscore.scoring.evidence import sector_evidence
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
    lines += ["contributions (points = weight x value; a stage's points add up to its score):", frame_to_table(contrib)]
    lines += ["sensitivity (change in each stage score with the setting at the low / high end of its range):", frame_to_table(sens)]
    more = {k: v for k, v in evidence.as_dict().items() if k != "sensitivity"}
    payload = {**result.as_dict(), "sensitivity": sens, "evidence": more}
    return {"text": "\n".join(lines), "json": payload, "sensitivity": sens, "contributions": contrib, "evidence": evidence}
