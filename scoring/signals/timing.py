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

and the contributions (weight x factor) add up to the score by construction. The
factors, weights, windows and the recommendation rule are declared once in
``scoring.stage_model``; this module holds the forecast types and the sums.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gapscore.scoring import stage_model
from gapscore.scoring.stage_model import RECOMMENDATIONS, STAGES, clip as _clip, milestone_cdf  # noqa: F401  (re-exported)

if TYPE_CHECKING:
    from gapscore.scoring.inputs.config_types import Config

Z80 = 1.2815515655446004
"""Standard normal quantile at 0.9: an 80% two-sided interval spans +-Z80 sd."""

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
    saturated_only: bool = False  # every capability measure is saturated: beyond what they measure
    funding_growth: float | None = None  # yearly growth of the sector's own funding series (None: no recent series)


def factor_values(inputs: TimingInputs, cfg: Config) -> dict[str, float | None]:
    """Every factor in [0, 1], or None where the data cannot give it (``stage_model.FACTORS``)."""
    return stage_model.factor_values(inputs, cfg)


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
    clause: str = ""
    """The clause of ``stage_model.RECOMMENDATION_RULE`` that decided the recommendation."""


def score(inputs: TimingInputs, cfg: Config) -> StageScores:
    """The four stage scores, their contributions, and the recommendation."""
    values = factor_values(inputs, cfg)
    missing_value = cfg["signals"]["missing_value"]
    scores, contributions, missing = {}, {}, set()
    for stage in STAGES:
        parts = {}
        for weight_key, weight in cfg["stages"][stage]["weights"].items():
            v = values[stage_model.factor_key(stage, weight_key)]
            if v is None:
                missing.add(weight_key)
                v = missing_value
            parts[weight_key] = float(weight) * v
        contributions[stage] = parts
        scores[stage] = sum(parts.values())
    coverage = stage_model.data_coverage(inputs, cfg, values)
    decision = decide(inputs, scores, cfg, values)
    return StageScores(
        scores=scores,
        contributions=contributions,
        factors=values,
        missing=tuple(sorted(missing)),
        recommendation=decision.recommendation,
        confidence=_clip(decision.probability * coverage),
        coverage=coverage,
        decision_probability=decision.probability,
        clause=decision.clause,
    )


def decide(inputs: TimingInputs, scores: dict[str, float], cfg: Config, values: dict | None = None) -> stage_model.Decision:
    """The recommendation rule (``stage_model.RECOMMENDATION_RULE``) on these scores.

    A harvest is then checked by ``stage_model.HARVEST_RULE``: funding still growing keeps
    the later of Series B and growth; no funding series multiplies its probability by the
    missing value; saturated benchmarks alone hold it to
    ``capability.saturated_max_confidence``.
    """
    values = factor_values(inputs, cfg) if values is None else values
    ctx = stage_model.RuleContext(inputs, cfg, scores, values, stage_model.best_stage(scores))
    return stage_model.decide_gated(ctx)


def recommend(inputs: TimingInputs, scores: dict[str, float], cfg: Config) -> tuple[str, float]:
    """The best stage, or watch (too early) / harvest (too late); with its probability.

    The probability behind each answer: for a stage, its timing factor (seed, A), the
    chance that it works with gaps (B) or is near perfection (growth); for harvest, the
    chance perfection is already reached; for watch, the chance the milestone lies
    beyond the seed window. Unknown probabilities count as the missing value. The
    clauses, in order, are ``stage_model.RECOMMENDATION_RULE``.
    """
    d = decide(inputs, scores, cfg)
    return d.recommendation, d.probability
