"""Stage-timing scores: seed, Series A, Series B and growth, each explained.

Pure arithmetic over a sector's signals (``TimingInputs``) and the config: no data,
no fitting, so the same numbers can be written as live Excel formulas (see
``scoring.report``) and moved in a sensitivity table cheaply.

The thesis (the seed article): a sector matures when capability reaches a usable
share of the human level *and* unit economics are viable (the *milestone*). Seed and
Series A money is best placed 3-5 years before the milestone; Series B when the
milestone is passed but gaps remain; growth near perfection.

Forecast years are uncertain. Each is treated as normal with mean ``mu`` and
standard deviation ``sd`` from its 80% interval (``sd`` 0 for a year already
observed), so "the milestone falls in the seed window" is a probability, not a hard
cut. The milestone is the later of its components, so its CDF is the product of
theirs (independence assumed). Every stage score is

    score = sum over factors of weight x factor,   factor in [0, 1], weights sum to 100

and the contributions (weight x factor) add up to the score by construction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

Z80 = 1.2815515655446004
"""Standard normal quantile at 0.9: an 80% two-sided interval spans +-Z80 sd."""

STAGES = ("seed", "series_a", "series_b", "growth")
RECOMMENDATIONS = STAGES + ("watch", "harvest")


@dataclass(frozen=True)
class YearForecast:
    """A forecast year as a normal distribution (``sd`` 0: known, a step CDF)."""

    name: str
    mu: float
    sd: float
    low: float
    high: float
    passed: bool = False

    def cdf(self, t: float) -> float:
        if self.sd <= 0:
            return 1.0 if t >= self.mu else 0.0
        return 0.5 * (1.0 + math.erf((t - self.mu) / (self.sd * math.sqrt(2.0))))


def forecast_from_interval(name: str, year: float, low: float, high: float, *, passed: bool, min_sd: float, z: float = Z80) -> YearForecast | None:
    """A normal forecast from a point year and its interval; None when there is no year.

    An open upper bound (``inf``: beyond the model's horizon) is read as the point
    year plus the lower half-width, the most one can say about a skewed interval.
    """
    if year is None or not math.isfinite(year):
        return None
    if passed:
        return YearForecast(name, float(year), 0.0, float(year), float(year), True)
    lo = low if low is not None and math.isfinite(low) else year
    hi = high if high is not None and math.isfinite(high) else year + (year - lo)
    sd = max(min_sd, (hi - lo) / (2.0 * z))
    return YearForecast(name, float(year), float(sd), float(lo), float(high) if high is not None else math.inf)


@dataclass(frozen=True)
class TimingInputs:
    """The signals the stage scores are computed from (all optional but ``as_of_year``)."""

    as_of_year: float
    milestone: tuple[YearForecast, ...] = ()  # capability at the milestone share, economics viable
    perfection: YearForecast | None = None  # capability at the perfection share
    velocity: float | None = None  # share of the human gap closed per year
    traction_rate: float | None = None  # share of a cohort graduating within the window
    momentum_ratio: float | None = None  # rounds in the last window / the window before
    has_capability: bool = True
    funding_growth: float | None = None  # yearly growth of the sector's own funding series (None: no recent series)


def milestone_cdf(inputs: TimingInputs, t: float) -> float | None:
    if not inputs.milestone:
        return None
    prob = 1.0
    for f in inputs.milestone:
        prob *= f.cdf(t)
    return prob


def _clip(x: float) -> float:
    return min(1.0, max(0.0, x))


def factor_values(inputs: TimingInputs, cfg: dict) -> dict[str, float | None]:
    """Every factor in [0, 1], or None where the data cannot give it."""
    d = inputs.as_of_year
    stages = cfg["stages"]
    out: dict[str, float | None] = {}
    for stage in ("seed", "series_a"):
        w0, w1 = stages[stage]["window_years"]
        hi, lo = milestone_cdf(inputs, d + w1), milestone_cdf(inputs, d + w0)
        out[f"{stage}.timing"] = None if hi is None else _clip(hi - lo)
    now = milestone_cdf(inputs, d)
    cap_ok = inputs.has_capability and inputs.perfection is not None
    out["works_with_gaps"] = _clip(now * (1.0 - inputs.perfection.cdf(d))) if (now is not None and cap_ok) else None
    # Growth is late: products work now (milestone passed) and the domain is at its
    # perfection threshold. With works_with_gaps it partitions the time after the
    # milestone: Series B while gaps remain, growth once they are closed.
    out["near_perfection"] = _clip(now * inputs.perfection.cdf(d)) if (now is not None and cap_ok) else None
    v = inputs.velocity
    out["capability_momentum"] = None if v is None or not math.isfinite(v) else _clip(v / cfg["capability_momentum"]["full_velocity"])
    parts = []
    if inputs.traction_rate is not None and math.isfinite(inputs.traction_rate):
        parts.append(_clip(inputs.traction_rate / cfg["graduation"]["good_rate"]))
    r = inputs.momentum_ratio
    if r is not None and math.isfinite(r) and r > 0:
        parts.append(_clip(0.5 + 0.5 * math.log(r) / math.log(cfg["momentum"]["full_ratio"])))
    out["traction"] = sum(parts) / len(parts) if parts else None
    return out


def _stage_factor(stage: str, factor: str, values: dict[str, float | None]) -> float | None:
    if factor == "timing":
        return values[f"{stage}.timing"]
    return values[factor]


@dataclass(frozen=True)
class StageScores:
    """The answer for one sector as of a date."""

    scores: dict[str, float]
    contributions: dict[str, dict[str, float]]
    factors: dict[str, float | None]
    missing: tuple[str, ...]
    recommendation: str
    confidence: float
    coverage: float
    decision_probability: float
    reasons: tuple[str, ...] = field(default=())


def score(inputs: TimingInputs, cfg: dict) -> StageScores:
    """The four stage scores, their contributions, and the recommendation."""
    values = factor_values(inputs, cfg)
    missing_value = cfg["signals"]["missing_value"]
    scores, contributions, missing = {}, {}, set()
    for stage in STAGES:
        parts = {}
        for factor, weight in cfg["stages"][stage]["weights"].items():
            v = _stage_factor(stage, factor, values)
            if v is None:
                missing.add(factor if factor != "timing" else "timing")
                v = missing_value
            parts[factor] = float(weight) * v
        contributions[stage] = parts
        scores[stage] = sum(parts.values())
    used = {f for stage in STAGES for f in cfg["stages"][stage]["weights"]}
    coverage = 1.0 - len(missing & used) / max(1, len(used))
    rec, prob = harvest_needs_fading(inputs, scores, *recommend(inputs, scores, cfg), cfg)
    return StageScores(
        scores=scores,
        contributions=contributions,
        factors=values,
        missing=tuple(sorted(missing)),
        recommendation=rec,
        confidence=_clip(prob * coverage),
        coverage=coverage,
        decision_probability=prob,
    )


def recommend(inputs: TimingInputs, scores: dict[str, float], cfg: dict) -> tuple[str, float]:
    """The best stage, or watch (too early) / harvest (too late); with its probability.

    The probability behind each answer: for a stage, its timing factor (seed, A), the
    chance that it works with gaps (B) or is near perfection (growth); for harvest, the
    chance perfection is already reached; for watch, the chance the milestone lies
    beyond the seed window. Unknown probabilities count as the missing value.
    """
    d = inputs.as_of_year
    missing_value = cfg["signals"]["missing_value"]
    values = factor_values(inputs, cfg)
    perfect_now = inputs.perfection.cdf(d) if (inputs.has_capability and inputs.perfection is not None) else None
    best = max(STAGES, key=lambda s: (scores[s], -STAGES.index(s)))
    stage_prob = {
        "seed": values["seed.timing"],
        "series_a": values["series_a.timing"],
        "series_b": values["works_with_gaps"],
        "growth": values["near_perfection"],
    }
    if scores[best] >= cfg["recommendation"]["min_score"] and stage_prob[best] is not None:
        # A stage is recommended only on its own evidence: a score carried by the
        # missing value (no capability data, say) recommends nothing.
        if best == "growth" and perfect_now is not None and perfect_now >= 0.5:
            return "harvest", perfect_now
        return best, stage_prob[best]
    if perfect_now is not None and perfect_now >= 0.5:
        return "harvest", perfect_now
    w1 = cfg["stages"]["seed"]["window_years"][1]
    far = milestone_cdf(inputs, d + w1)
    if far is not None and (1.0 - far) >= 0.5:
        return "watch", 1.0 - far
    past = milestone_cdf(inputs, d)
    if inputs.has_capability and past is not None and past >= 0.5:
        # Past the milestone, nothing strong: gaps are closing without traction.
        return "harvest", past
    return "watch", missing_value


def funding_fading(inputs: TimingInputs, cfg: dict) -> bool | None:
    """Is interest in the sector fading (its funding no longer growing)? None: no recent series."""
    g = inputs.funding_growth
    if g is None or not math.isfinite(g):
        return None
    return g <= cfg["funding"]["growing_above"]


def harvest_needs_fading(inputs: TimingInputs, scores: dict[str, float], rec: str, prob: float, cfg: dict) -> tuple[str, float]:
    """Harvest needs capability near perfection AND fading interest (the seed article:
    vision neared perfection and investment interest declined after 2019).

    Funding still growing: the later of Series B and growth with the higher score stays
    the call, on that stage's own probability. No recent funding series: harvest stands,
    but the chance that interest fades is unknown and counts as the missing value.
    """
    if rec != "harvest":
        return rec, prob
    fading = funding_fading(inputs, cfg)
    if fading is None:
        return rec, prob * cfg["signals"]["missing_value"]
    if fading:
        return rec, prob
    values = factor_values(inputs, cfg)
    stage = max(("series_b", "growth"), key=lambda s: (scores[s], -STAGES.index(s)))
    own = values["works_with_gaps" if stage == "series_b" else "near_perfection"]
    return stage, cfg["signals"]["missing_value"] if own is None else own
