"""The stage model, declared once: stages, factors, weights, windows and the recommendation rule.

Every consumer reads these tables instead of restating them:

- ``scoring.inputs.config`` checks ``[stages.*]`` against ``STAGE_MODEL`` (which factors a
  stage may weigh, which stages have a window);
- ``scoring.signals.timing`` computes the factors (``Factor.compute``), the stage scores and
  the recommendation (``RECOMMENDATION_RULE``, evaluated by ``decide``);
- ``scoring.report.scoring_sheet`` writes the Scoring sheet's factor rows and the
  recommendation formulas from the same entries (``Factor.excel_ok`` /
  ``excel_value``, ``excel_rule``), so the Excel copy cannot drift from the Python;
- ``scoring.portfolio`` and the reasons read the stage labels and the factor each
  stage's recommendation rests on (``Stage.evidence``, ``Factor.evidence``).

Adding a factor is one ``Factor`` entry (plus its signal in ``TimingInputs`` and a
signal row on the Scoring sheet); changing the recommendation rule is one ``Clause``
(plus a ``Quantity`` if it reads something new). The rule is an ordered list: the
first clause whose conditions all hold decides; a clause may hold a nested list
(evaluated the same way), and each list ends with an unconditional clause.

The arithmetic is documented in ``scoring.signals.timing`` and docs/methodology.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Union

from gapscore.models.stages import STAGE_LABELS, STAGES

if TYPE_CHECKING:  # only for the type hints: timing imports this module
    from gapscore.scoring.signals.timing import TimingInputs

__all__ = [
    "STAGES", "STAGE_LABELS", "RECOMMENDATIONS", "WEIGHT_TOTAL", "MAX_WINDOW_YEARS", "DECISION_LEVEL",
    "Stage", "STAGE_MODEL", "STAGE_BY_ID", "Factor", "FACTORS", "FACTOR_BY_KEY", "factor_key",
    "Quantity", "Clause", "RECOMMENDATION_RULE", "RuleContext", "Decision", "decide", "best_stage",
    "factor_values", "milestone_cdf", "clip", "excel_rule", "iter_clauses",
    "MILESTONE_LEGS", "milestone_legs_share", "data_coverage", "excel_coverage_available",
]

RECOMMENDATIONS: tuple[str, ...] = STAGES + ("watch", "harvest")
"""Every answer: a stage, watch (too early) or harvest (too late)."""

WEIGHT_TOTAL = 100.0
"""The weights of a stage sum to this, so a contribution reads as points of a 0-100 score."""

MAX_WINDOW_YEARS = 30.0
"""Latest end of a stage window, in years before the milestone (assumption: three fund lives)."""

DECISION_LEVEL = 0.5
"""A probability at or above this is "more likely than not": the rule's cut for watch
and harvest (a decision rule, not a tuned constant)."""


MILESTONE_LEGS: tuple[str, ...] = ("capability", "unit economics")
"""The legs the milestone is made of (the seed article: capability at a usable share of
human *and* viable unit economics). A factor that rests on the milestone is covered by
the share of these legs it has: with capability but no economics it is half covered, so a
sector without unit economics no longer reports full data coverage."""


def clip(x: float) -> float:
    return min(1.0, max(0.0, x))


def milestone_cdf(inputs: TimingInputs, t: float) -> float | None:
    """P(milestone by year ``t``): the product of its components' CDFs (None: no component)."""
    if not inputs.milestone:
        return None
    prob = 1.0
    for f in inputs.milestone:
        prob *= f.cdf(t)
    return prob


# --------------------------------------------------------------------------- stages


@dataclass(frozen=True)
class Stage:
    """One investment stage: the factors it may weigh and the one its recommendation rests on."""

    id: str
    weighs: tuple[str, ...]
    """Keys of ``[stages.<id>.weights]`` (``timing``: this stage's own window timing)."""
    evidence: str
    """Key of the factor behind a recommendation of this stage (its probability)."""
    windowed: bool = False
    """Has ``window_years``: years before the milestone at which its money is best placed."""

    @property
    def label(self) -> str:
        return STAGE_LABELS[self.id]


STAGE_MODEL: tuple[Stage, ...] = (
    Stage("seed", ("timing", "capability_momentum"), "seed.timing", windowed=True),
    Stage("series_a", ("timing", "traction"), "series_a.timing", windowed=True),
    Stage("series_b", ("works_with_gaps", "traction"), "works_with_gaps"),
    Stage("growth", ("near_perfection", "traction"), "near_perfection"),
)
assert tuple(s.id for s in STAGE_MODEL) == STAGES
STAGE_BY_ID: Mapping[str, Stage] = MappingProxyType({s.id: s for s in STAGE_MODEL})
WINDOWED: tuple[str, ...] = tuple(s.id for s in STAGE_MODEL if s.windowed)


def factor_key(stage: str, weight_key: str) -> str:
    """The factor a stage's weight applies to: ``timing`` is the stage's own window timing."""
    return f"{stage}.timing" if weight_key == "timing" else weight_key


# --------------------------------------------------------------------------- factors


@dataclass(frozen=True)
class Factor:
    """A factor in [0, 1], or None where the data cannot give it; in Python and in Excel."""

    key: str
    """Key in ``StageScores.factors`` (a part: only on the Scoring sheet)."""
    label: str
    """Row label on the Scoring sheet."""
    how: str
    """What it measures, in one line (the sheet's note)."""
    compute: Callable[[TimingInputs, Mapping[str, Any], dict], float | None]
    """(inputs, cfg, values of the factors listed before it) -> value."""
    excel_ok: str
    """Excel condition: the data can give it."""
    excel_value: str
    """Excel value where available."""
    evidence: str = ""
    """How a sentence names it when it could not be measured (portfolio reasons)."""
    part: bool = False
    """A part of another factor: not weighed alone, not in ``StageScores.factors``."""
    coverage_ok: str | None = None
    """Excel condition used for data coverage, when shared by several factors."""
    on_milestone: bool = False
    """Rests on the milestone: its data coverage is the share of ``MILESTONE_LEGS`` it has."""

    @property
    def cell(self) -> str:
        """Stem of its defined names on the Scoring sheet (``f_<cell>``, ``f_<cell>_ok``, ``f_<cell>_used``)."""
        return self.key.replace(".", "_")


def _clipped(x: str) -> str:
    return f"MIN(1,MAX(0,{x}))"


def _window_timing(stage: str) -> Factor:
    def compute(inputs, cfg, values):
        w0, w1 = cfg["stages"][stage]["window_years"]
        d = inputs.as_of_year
        hi, lo = milestone_cdf(inputs, d + w1), milestone_cdf(inputs, d + w0)
        return None if hi is None else clip(hi - lo)

    return Factor(
        f"{stage}.timing", f"{stage}.timing", f"P(milestone within the {STAGE_LABELS[stage]} window)", compute,
        "ms_components>0", _clipped(f"ms_cdf_{stage}_end-ms_cdf_{stage}_start"),
        evidence="the timing of the sector's milestone", coverage_ok="ms_components>0", on_milestone=True,
    )


def _after_milestone(inputs) -> tuple[float | None, float | None]:
    """(P(milestone passed), P(perfection reached)) now; None where unknown."""
    now = milestone_cdf(inputs, inputs.as_of_year)
    if now is None or not (inputs.has_capability and inputs.perfection is not None):
        return None, None
    return now, inputs.perfection.cdf(inputs.as_of_year)


def _works_with_gaps(inputs, cfg, values):
    now, perfect = _after_milestone(inputs)
    return None if now is None else clip(now * (1.0 - perfect))


def _near_perfection(inputs, cfg, values):
    # Growth is late: products work now (milestone passed) and the domain is at its
    # perfection threshold. With works_with_gaps it partitions the time after the
    # milestone: Series B while gaps remain, growth once they are closed.
    now, perfect = _after_milestone(inputs)
    return None if now is None else clip(now * perfect)


def _finite(x) -> bool:
    return x is not None and math.isfinite(x)


def _capability_momentum(inputs, cfg, values):
    v = inputs.velocity
    return clip(v / cfg["capability_momentum"]["full_velocity"]) if _finite(v) else None


def _traction_rate(inputs, cfg, values):
    r = inputs.traction_rate
    return clip(r / cfg["graduation"]["good_rate"]) if _finite(r) else None


def _traction_momentum(inputs, cfg, values):
    r = inputs.momentum_ratio
    if not (_finite(r) and r > 0):
        return None
    return clip(0.5 + 0.5 * math.log(r) / math.log(cfg["momentum"]["full_ratio"]))


def _mean_of(key: str, label: str, how: str, parts: tuple[str, ...], evidence: str) -> Factor:
    """A factor that is the mean of its available parts (each a ``part`` Factor listed before it)."""
    def compute(inputs, cfg, values):
        got = [values[p] for p in parts if values[p] is not None]
        return sum(got) / len(got) if got else None

    cells = [p.replace(".", "_") for p in parts]
    ok = "OR(" + ",".join(f"f_{c}_ok" for c in cells) + ")"
    value = ("(" + "+".join(f"IF(f_{c}_ok,f_{c},0)" for c in cells) + ")"
             "/(" + "+".join(f"IF(f_{c}_ok,1,0)" for c in cells) + ")")
    return Factor(key, label, how, compute, ok, value, evidence=evidence)


FACTORS: tuple[Factor, ...] = (
    *(_window_timing(s) for s in WINDOWED),
    Factor("works_with_gaps", "works_with_gaps", "P(milestone passed) x P(perfection not yet reached)", _works_with_gaps,
           "AND(ms_components>0,sig_has_capability)", _clipped("ms_cdf_now*(1-perf_cdf_now)"),
           evidence="whether products work with gaps", on_milestone=True),
    Factor("near_perfection", "near_perfection", "P(milestone passed) x P(perfection reached)", _near_perfection,
           "AND(ms_components>0,sig_has_capability)", _clipped("ms_cdf_now*perf_cdf_now"),
           evidence="whether the domain is near perfection", on_milestone=True),
    Factor("capability_momentum", "capability_momentum", "velocity / full velocity", _capability_momentum,
           "sig_velocity_known", _clipped("sig_velocity/cfg_capability_momentum_full_velocity"),
           evidence="the capability velocity"),
    Factor("traction_rate", "traction: graduation part", "graduation rate / good rate", _traction_rate,
           "sig_traction_rate_known", _clipped("sig_traction_rate/cfg_graduation_good_rate"), part=True),
    Factor("traction_momentum", "traction: momentum part", "0.5 + 0.5 log(ratio) / log(full ratio)", _traction_momentum,
           "AND(sig_momentum_ratio_known,sig_momentum_ratio>0)",
           _clipped("0.5+0.5*LN(sig_momentum_ratio)/LN(cfg_momentum_full_ratio)"), part=True),
    _mean_of("traction", "traction", "mean of the available parts", ("traction_rate", "traction_momentum"),
             "the sector's traction (graduation, funding momentum)"),
)
"""Every factor, in the order of the Scoring sheet (a part before the factor made of it)."""
FACTOR_BY_KEY: Mapping[str, Factor] = MappingProxyType({f.key: f for f in FACTORS})


def factor_values(inputs: TimingInputs, cfg: Mapping[str, Any]) -> dict[str, float | None]:
    """Every (non-part) factor in [0, 1], or None where the data cannot give it."""
    values: dict[str, float | None] = {}
    for f in FACTORS:
        values[f.key] = f.compute(inputs, cfg, values)
    return {f.key: values[f.key] for f in FACTORS if not f.part}


def milestone_legs_share(inputs: TimingInputs) -> float:
    """Share of ``MILESTONE_LEGS`` the milestone has (its components present)."""
    return clip(len(inputs.milestone) / len(MILESTONE_LEGS))


def data_coverage(inputs: TimingInputs, cfg: Mapping[str, Any], values: Mapping[str, float | None]) -> float:
    """Share of the evidence the stage scores use that the data gives, in [0, 1].

    The mean, over the weight keys any stage uses (each counted once), of its
    availability: 0 when the factor is missing; for a factor resting on the milestone,
    the share of the milestone's legs present (``milestone_legs_share``); else 1.
    """
    used: dict[str, Factor] = {}
    for stage in STAGES:
        for weight_key in cfg["stages"][stage]["weights"]:
            used.setdefault(weight_key, FACTOR_BY_KEY[factor_key(stage, weight_key)])
    if not used:
        return 1.0
    legs = milestone_legs_share(inputs)
    total = 0.0
    for weight_key, f in used.items():
        stages = [s for s in STAGES if weight_key in cfg["stages"][s]["weights"]]
        if any(values[factor_key(s, weight_key)] is None for s in stages):
            continue
        total += legs if f.on_milestone else 1.0
    return total / len(used)


def excel_coverage_available(f: Factor) -> str:
    """Excel value (0-1) of one used factor's availability, as ``data_coverage`` reads it."""
    ok = f.coverage_ok or f"f_{f.cell}_ok"
    share = f"ms_components/{len(MILESTONE_LEGS)}" if f.on_milestone else "1"
    return f"IF({ok},{share},0)"


def stage_factors(stage: str) -> tuple[str, ...]:
    """The factor keys a stage may weigh (``seed`` -> ``seed.timing``, ``capability_momentum``)."""
    return tuple(factor_key(stage, w) for w in STAGE_BY_ID[stage].weighs)


# --------------------------------------------------------------------------- the recommendation rule


@dataclass(frozen=True)
class RuleContext:
    """What the rule reads: the signals, the config, the scores, the factors and the best stage."""

    inputs: TimingInputs
    cfg: Mapping[str, Any]
    scores: Mapping[str, float]
    values: Mapping[str, float | None]
    best: str


def best_stage(scores: Mapping[str, float]) -> str:
    """The highest-scoring stage; a tie goes to the earlier stage."""
    return max(STAGES, key=lambda s: (scores[s], -STAGES.index(s)))


@dataclass(frozen=True)
class Quantity:
    """A number the rule compares or answers with: in Python (None: unknown) and in Excel."""

    name: str
    compute: Callable[[RuleContext], float | None]
    excel: str
    excel_known: str | None = None
    """Excel condition that it is known (None: always known)."""


def _now(ctx: RuleContext) -> float:
    return ctx.inputs.as_of_year


def _perfect_now(ctx):
    i = ctx.inputs
    return i.perfection.cdf(_now(ctx)) if (i.has_capability and i.perfection is not None) else None


def _beyond_seed_window(ctx):
    far = milestone_cdf(ctx.inputs, _now(ctx) + ctx.cfg["stages"]["seed"]["window_years"][1])
    return None if far is None else 1.0 - far


def _choose(items: list[str]) -> str:
    return "CHOOSE(score_best_index," + ",".join(items) + ")"


BEST_SCORE = Quantity("best score", lambda c: c.scores[c.best], "score_best")
MIN_SCORE = Quantity("recommendation.min_score", lambda c: c.cfg["recommendation"]["min_score"], "cfg_recommendation_min_score")
PERFECTION_STAGES: tuple[str, ...] = ("growth",)
"""Stages whose call rests on perfection being reached: on saturated benchmarks alone their
probability is held to ``capability.saturated_max_confidence``, as a harvest's is."""


def stage_probability(ctx: RuleContext, stage: str) -> float | None:
    """The probability behind a call of ``stage``: its evidence factor (None: unknown),
    capped for a perfection stage when every capability measure is saturated."""
    v = ctx.values[STAGE_BY_ID[stage].evidence]
    if v is not None and stage in PERFECTION_STAGES and ctx.inputs.saturated_only:
        v = min(v, float(ctx.cfg["capability"]["saturated_max_confidence"]))
    return v


def excel_stage_probability(stage: str) -> str:
    """``stage_probability`` as Excel, over the factor's used value (the missing value if unknown)."""
    used = f"f_{STAGE_BY_ID[stage].evidence.replace('.', '_')}_used"
    if stage in PERFECTION_STAGES:
        return f"IF(sig_saturated_only,MIN({used},cfg_capability_saturated_max_confidence),{used})"
    return used


BEST_PROBABILITY = Quantity(
    "probability behind the best stage", lambda c: stage_probability(c, c.best),
    _choose([f"score_{s}_probability" for s in STAGES]), "score_best_known",
)
PERFECT_NOW = Quantity("P(perfection reached)", _perfect_now, "perf_cdf_now", "sig_has_capability")
BEYOND_SEED_WINDOW = Quantity("P(milestone beyond the seed window)", _beyond_seed_window, "1-ms_cdf_seed_end", "ms_components>0")
MILESTONE_NOW = Quantity("P(milestone passed)", lambda c: milestone_cdf(c.inputs, _now(c)), "ms_cdf_now", "ms_components>0")
MISSING_VALUE = Quantity("signals.missing_value", lambda c: c.cfg["signals"]["missing_value"], "cfg_signals_missing_value")

LIKELY = Quantity("more likely than not", lambda c: DECISION_LEVEL, f"{DECISION_LEVEL:g}")


_COMPARISONS = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b}


@dataclass(frozen=True)
class Compare:
    """``quantity OP level`` (OP ``>=`` or ``>``), both known; the Excel copy guards each
    quantity's known-flag the same way."""

    quantity: Quantity
    level: Quantity
    op: str = ">="

    def __post_init__(self):
        if self.op not in _COMPARISONS:
            raise ValueError(f"Compare op {self.op!r}: use one of {sorted(_COMPARISONS)}")

    def holds(self, ctx) -> bool:
        a, b = self.quantity.compute(ctx), self.level.compute(ctx)
        return a is not None and b is not None and _COMPARISONS[self.op](a, b)

    def excel(self) -> list[str]:
        guards = [q.excel_known for q in (self.quantity, self.level) if q.excel_known]
        return guards + [f"{self.quantity.excel}{self.op}{self.level.excel}"]


def AtLeast(quantity: Quantity, level: Quantity) -> Compare:  # noqa: N802  (reads as a rule term)
    """``quantity >= level``, both known."""
    return Compare(quantity, level, ">=")


def Above(quantity: Quantity, level: Quantity) -> Compare:  # noqa: N802
    """``quantity > level``, both known."""
    return Compare(quantity, level, ">")


@dataclass(frozen=True)
class Known:
    """The quantity is known (the data can give it)."""

    quantity: Quantity

    def holds(self, ctx) -> bool:
        return self.quantity.compute(ctx) is not None

    def excel(self) -> list[str]:
        return [self.quantity.excel_known or "TRUE"]


@dataclass(frozen=True)
class HasCapability:
    """A capability curve was fitted for the sector."""

    def holds(self, ctx) -> bool:
        return bool(ctx.inputs.has_capability)

    def excel(self) -> list[str]:
        return ["sig_has_capability"]


@dataclass(frozen=True)
class BestIs:
    """The best-scoring stage is ``stage``."""

    stage: str

    def holds(self, ctx) -> bool:
        return ctx.best == self.stage

    def excel(self) -> list[str]:
        return [f"score_best_index={STAGES.index(self.stage) + 1}"]


Term = Union[Compare, Known, HasCapability, BestIs]

BEST = "<best stage>"
"""A clause outcome: the best-scoring stage."""


@dataclass(frozen=True)
class Clause:
    """If every condition in ``when`` holds: ``then`` (an answer, BEST, or a nested rule)."""

    name: str
    when: tuple[Term, ...]
    then: str | tuple[Clause, ...]
    probability: Quantity | None = None
    why: str = ""


RECOMMENDATION_RULE: tuple[Clause, ...] = (
    Clause("strong_stage", (AtLeast(BEST_SCORE, MIN_SCORE), Known(BEST_PROBABILITY)), (
        Clause("growth_at_perfection", (BestIs("growth"), AtLeast(PERFECT_NOW, LIKELY)), "harvest", PERFECT_NOW,
               "growth is best but perfection is more likely than not reached: too late"),
        Clause("best_stage", (), BEST, BEST_PROBABILITY,
               "the best stage scores at least min_score on its own evidence (a score carried by the "
               "missing value recommends nothing)"),
    ), why="a stage is recommended only on its own evidence"),
    Clause("perfection_reached", (AtLeast(PERFECT_NOW, LIKELY),), "harvest", PERFECT_NOW,
           "no strong stage, and perfection is more likely than not reached"),
    Clause("milestone_far", (AtLeast(BEYOND_SEED_WINDOW, LIKELY),), "watch", BEYOND_SEED_WINDOW,
           "the milestone more likely than not lies beyond the seed window: too early"),
    Clause("milestone_passed", (HasCapability(), AtLeast(MILESTONE_NOW, LIKELY)), "harvest", MILESTONE_NOW,
           "past the milestone with nothing strong: gaps are closing without traction"),
    Clause("unknown", (), "watch", MISSING_VALUE, "nothing known enough to act on"),
)
"""The recommendation, clause by clause: the first whose conditions hold decides."""


# A harvest from the rule above is then checked against the other two legs' evidence
# (the thesis: interest fades near perfection; "every benchmark passed" is not
# evidence that the gaps a sector's products meet are closed).


def _funding_growth(ctx):
    g = ctx.inputs.funding_growth
    return g if _finite(g) else None


def _harvest_base(ctx):
    """The harvest's probability from the rule above, held to
    ``capability.saturated_max_confidence`` when every capability measure is saturated."""
    p = decide(ctx).probability
    if ctx.inputs.saturated_only:
        p = min(p, float(ctx.cfg["capability"]["saturated_max_confidence"]))
    return p


def _later_stage(ctx) -> str:
    """The higher-scoring of Series B and growth (a tie goes to Series B)."""
    return "growth" if ctx.scores["growth"] > ctx.scores["series_b"] else "series_b"


def _later_probability(ctx):
    v = stage_probability(ctx, _later_stage(ctx))
    return ctx.cfg["signals"]["missing_value"] if v is None else v


FUNDING_GROWTH = Quantity("sector funding growth a year", _funding_growth, "sig_funding_growth", "sig_funding_growth_known")
GROWING_ABOVE = Quantity("funding.growing_above", lambda c: c.cfg["funding"]["growing_above"], "cfg_funding_growing_above")
HARVEST_BASE = Quantity(
    "probability of the harvest (capped on saturated measures)", _harvest_base,
    "IF(sig_saturated_only,MIN(score_decision_probability_base,cfg_capability_saturated_max_confidence),"
    "score_decision_probability_base)")
HARVEST_UNSURE = Quantity(
    "probability of the harvest x signals.missing_value (funding leg missing)",
    lambda c: _harvest_base(c) * c.cfg["signals"]["missing_value"],
    f"({HARVEST_BASE.excel})*cfg_signals_missing_value")
LATER_PROBABILITY = Quantity(
    "probability behind the later stage", _later_probability,
    "IF(score_growth>score_series_b,score_growth_probability,score_series_b_probability)")
LATER = "<later of series_b and growth>"
"""A clause outcome: the higher-scoring of Series B and growth."""


@dataclass(frozen=True)
class Unknown:
    """The quantity is not known (the data cannot give it)."""

    quantity: Quantity

    def holds(self, ctx) -> bool:
        return self.quantity.compute(ctx) is None

    def excel(self) -> list[str]:
        return [f"NOT({self.quantity.excel_known})" if self.quantity.excel_known else "FALSE"]


HARVEST_RULE: tuple[Clause, ...] = (
    Clause("funding_growing", (Above(FUNDING_GROWTH, GROWING_ABOVE),), LATER, LATER_PROBABILITY,
           "the sector's funding still grows faster than funding.growing_above: interest has not faded, so the "
           "later of Series B and growth stays the call (the seed article: vision funding surged 2014-2019 "
           "while capability neared perfection, and declined after)"),
    Clause("no_funding_series", (Unknown(FUNDING_GROWTH),), "harvest", HARVEST_UNSURE,
           "no recent funding series for the sector: whether interest fades is unknown, so the harvest's "
           "probability is multiplied by the missing value"),
    Clause("funding_fading", (), "harvest", HARVEST_BASE,
           "capability near perfection and funding no longer growing: harvest"),
)
"""Applied to a harvest from ``RECOMMENDATION_RULE``: the first clause that holds decides."""


@dataclass(frozen=True)
class Decision:
    recommendation: str
    probability: float
    clause: str


def _check_rule(rule: tuple[Clause, ...]) -> None:
    for i, c in enumerate(rule):
        if not c.when and i != len(rule) - 1:
            raise ValueError(f"clause {c.name!r} has no condition but is not last")
        if isinstance(c.then, tuple):
            _check_rule(c.then)
        elif c.probability is None:
            raise ValueError(f"clause {c.name!r} gives no probability")
    if rule[-1].when:
        raise ValueError(f"the rule must end with an unconditional clause, not {rule[-1].name!r}")


_check_rule(RECOMMENDATION_RULE)
_check_rule(HARVEST_RULE)


def iter_clauses(rule: tuple[Clause, ...] | None = None):
    """Every deciding clause (nested ones included), in order; by default of both rules."""
    if rule is None:
        yield from iter_clauses(RECOMMENDATION_RULE)
        yield from iter_clauses(HARVEST_RULE)
        return
    for c in rule:
        if isinstance(c.then, tuple):
            yield from iter_clauses(c.then)
        else:
            yield c


def decide(ctx: RuleContext, rule: tuple[Clause, ...] = RECOMMENDATION_RULE) -> Decision:
    """The first clause whose conditions all hold: its answer and its probability."""
    for c in rule:
        if all(t.holds(ctx) for t in c.when):
            if isinstance(c.then, tuple):
                return decide(ctx, c.then)
            rec = ctx.best if c.then == BEST else _later_stage(ctx) if c.then == LATER else c.then
            return Decision(rec, c.probability.compute(ctx), c.name)
    raise AssertionError("unreachable: every rule ends with an unconditional clause")


def excel_rule(what: str, rule: tuple[Clause, ...] = RECOMMENDATION_RULE) -> str:
    """The rule as one nested-IF Excel expression: ``what`` is "recommendation" or "probability"."""
    c, rest = rule[0], rule[1:]
    if isinstance(c.then, tuple):
        leaf = excel_rule(what, c.then)
    elif what == "recommendation":
        leaf = (_choose([f'"{s}"' for s in STAGES]) if c.then == BEST
                else 'IF(score_growth>score_series_b,"growth","series_b")' if c.then == LATER else f'"{c.then}"')
    else:
        leaf = c.probability.excel
    if not c.when:
        return leaf
    cond = "AND(" + ",".join(part for t in c.when for part in t.excel()) + ")"
    return f"IF({cond},{leaf},{excel_rule(what, rest)})"


def decide_gated(ctx: RuleContext) -> Decision:
    """``RECOMMENDATION_RULE``, and a harvest from it checked by ``HARVEST_RULE``.

    The clause of a gated harvest reads ``<rule clause>/<harvest clause>``.
    """
    d = decide(ctx)
    if d.recommendation == "harvest":
        g = decide(ctx, HARVEST_RULE)
        d = Decision(g.recommendation, g.probability, f"{d.clause}/{g.clause}")
    if ctx.inputs.saturated_only:
        # No capability measure still measures: no call rests on current evidence of the
        # gaps, so none is more than capability.saturated_max_confidence sure.
        d = Decision(d.recommendation, min(d.probability, float(ctx.cfg["capability"]["saturated_max_confidence"])), d.clause)
    return d


def excel_gated(what: str) -> str:
    """``decide_gated`` as Excel, over the cells ``score_recommendation_base`` and
    ``score_decision_probability_base`` (``excel_rule`` of ``RECOMMENDATION_RULE``)."""
    base = "score_recommendation_base" if what == "recommendation" else "score_decision_probability_base"
    gated = f'IF(score_recommendation_base<>"harvest",{base},{excel_rule(what, HARVEST_RULE)})'
    if what == "recommendation":
        return gated
    return f"IF(sig_saturated_only,MIN({gated},cfg_capability_saturated_max_confidence),{gated})"
