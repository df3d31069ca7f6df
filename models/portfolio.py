"""Fund construction and the fund Monte Carlo: pure models, no I/O.

Two halves:

* :func:`allocate` turns per-sector stage scores (0-100) into a deterministic,
  explained allocation: capital per stage from a target stage mix, split across
  sectors in proportion to their score above a minimum, with a concentration cap per
  sector and a whole number of checks per row.
* :func:`simulate_fund` simulates many funds holding that portfolio. Each company
  climbs the rounds ``seed -> series_a -> series_b -> growth -> exit``; at each step it
  raises the next round (graduates), is acquired, or fails. A sector-level shock shared
  by the companies of one sector within one simulated fund (a one-factor Gaussian
  copula on the graduation draws) makes outcomes correlated. Exit values are heavy
  tailed (lognormal body, Pareto tail), ownership is diluted at each round and
  follow-on reserves buy pro rata into graduates until the reserve runs out. The
  shock is drawn afresh for each round cycle (step since entry), so it ties together
  the companies of a sector raising at the same time but leaves each company's own
  outcome distribution, and so the expected TVPI without reserves, unchanged by rho.
  :func:`simulate_fund_reference` is a plain-Python loop over the same model, kept to
  check the vectorised engine (agreement in distribution) and to benchmark it.

Every default parameter is a named constant below with its source; parameters
without a published source are marked as assumptions and argued for in
``docs/models/portfolio.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from types import MappingProxyType

import numpy as np
import pandas as pd
from scipy import special

from gapscore.models.exceptions import InputError
from gapscore.models.stages import STAGE_LABELS, STAGES

__all__ = [
    "STAGES",
    "ROUND_STAGES",
    "ExitDistribution",
    "SimulationParams",
    "FundOutcome",
    "allocate",
    "simulate_fund",
    "simulate_fund_reference",
]

# --------------------------------------------------------------------------------------
# Stages
# --------------------------------------------------------------------------------------

# Entry stages in order (models.stages.STAGES). A company at ``growth`` that
# "graduates" has a successful exit (IPO or large acquisition) rather than another
# private round.
_STAGE_INDEX = {stage: i for i, stage in enumerate(STAGES)}
_LAST = len(STAGES) - 1
#: The stages at which a new priced round is raised when a company graduates into it.
ROUND_STAGES: tuple[str, ...] = STAGES[1:]

# --------------------------------------------------------------------------------------
# Default parameters, each with its source (see docs/models/portfolio.md for the working)
# --------------------------------------------------------------------------------------

#: Probability that a company at the given stage raises the next round (for
#: ``growth``: reaches a successful exit), dimensionless.
#: seed 0.46: CB Insights, "Venture Capital Funnel" (1,098 US tech companies seeded
#:   2008-2010, followed to 2017-02-28): 46% raised a second round.
#: series_a 0.45: Carta via SaaStr, "The new bar for a Series B" (10,755 US Series A
#:   startups): 40-50%+ of the 2018-2020 Series A cohorts reached Series B by year 4;
#:   midpoint.
#: series_b 0.55: CB Insights funnel above: 14% of seeded companies raised a fourth
#:   round against 46% a second, 14/46 = 0.304 over two transitions, sqrt = 0.55 each
#:   (assumes the two transitions are equally hard).
#: growth 0.37: Carta 2018 founding cohort (4,369 US startups, as of 2025-01-01, via
#:   duetpartners.com): 194 reached Series C; 15 went public and 57 are private
#:   unicorns, (15 + 57) / 194 = 0.37.
DEFAULT_GRADUATION: Mapping[str, float] = MappingProxyType(
    {"seed": 0.46, "series_a": 0.45, "series_b": 0.55, "growth": 0.37}
)

#: Probability of an acquisition given that the company did not graduate (otherwise
#: it fails and returns nothing), dimensionless, the same at every stage.
#: CB Insights, "Venture Capital Funnel" (2009 seed VC cohort): 21% of seeded
#: companies saw an exit via M&A. With almost all companies eventually failing to
#: graduate, P(M&A | stop) ~ 0.21. The stage split is an assumption (no source).
DEFAULT_MNA_SHARE: Mapping[str, float] = MappingProxyType(
    {"seed": 0.21, "series_a": 0.21, "series_b": 0.21, "growth": 0.21}
)

#: Share of the company sold in the round raised at the given stage, dimensionless.
#: Carta, "Dilution Q1 2024" (carta.com/data/dilution-q1-2024): median dilution
#: Series A 20.5%, Series B 16.7%. Series C (our ``growth`` round) 12.6%: Carta 2023
#: US rounds, via mazantipulse.com (secondary).
DEFAULT_DILUTION: Mapping[str, float] = MappingProxyType(
    {"series_a": 0.205, "series_b": 0.167, "growth": 0.126}
)

#: Post-money valuation of the round raised at the given stage divided by the
#: post-money of the previous round, dimensionless.
#: Carta Q4 2024 medians (Peter Walker, Carta community "Startup fundraising
#: cheatsheet", 1,466 US rounds): priced seed post-money $19.2M, Series A $58.9M,
#: Series B $129.8M: 58.9 / 19.2 = 3.07 and 129.8 / 58.9 = 2.20. Series C: no
#: matching figure found; 2.0 is an assumption (step-ups shrink with stage).
DEFAULT_STEP_UP: Mapping[str, float] = MappingProxyType(
    {"series_a": 3.07, "series_b": 2.20, "growth": 2.0}
)

#: Correlation of the latent graduation draws of two companies of the same sector
#: taking the same step (round cycle) in one fund (one-factor Gaussian copula),
#: dimensionless. Assumption calibrated on the
#: seed article (computer vision 2014-2019: seed, A and B graduation held at 70-80%)
#: read as a 90th-percentile sector: solve
#: Phi((probit(0.46) + sqrt(rho) * 1.2816) / sqrt(1 - rho)) = 0.75 -> rho = 0.277
#: (0.20 for 70%, 0.36 for 80%). See docs/models/portfolio.md.
DEFAULT_SECTOR_RHO = 0.28
#: The sector-shock quantile and graduation rate behind DEFAULT_SECTOR_RHO: a
#: 90th-percentile sector graduates 75% of its seeds (midpoint of the seed article's
#: 70-80% for computer vision, 2014-2019; "The inference cost article (PaleBlueDot AI
#: acknowledgement), 2024").
HOT_SECTOR_QUANTILE = 0.90
HOT_SECTOR_SEED_GRADUATION = 0.75

#: Tail exponent of exit multiples. Correlation Ventures (21,000+ US financings,
#: 2004-2013, via sethlevine.com 2014): 10% of financings returned 5x or more and 4%
#: 10x or more. Under a Pareto tail, P(>=10) / P(>=5) = 2**-alpha, so
#: alpha = log2(0.10 / 0.04) = 1.32.
DEFAULT_TAIL_ALPHA = math.log2(0.10 / 0.04)

#: Rounds into which the fund follows on pro rata from its reserve. Assumption: an
#: early-stage fund defends its ownership in the next one or two priced rounds; pro
#: rata in a growth round costs several times the first check (see the docs).
DEFAULT_FOLLOW_ON_STAGES: tuple[str, ...] = ("series_a", "series_b")

#: Default minimum stage score (0-100) for a sector to receive capital. Assumption:
#: the midpoint of the score scale; the configuration overrides it.
DEFAULT_MIN_SCORE = 50.0

#: Funds per random-number block. Each block has its own generator spawned from the
#: seed, so results never depend on ``chunk_size`` (a chunk is a whole number of
#: blocks). Changing this constant changes the random streams. Measured (issue 20,
#: 1M funds of 30 companies, $20M reserve, CPU time taking turns, median of 9, this
#: 2-core machine with 1 MB of L2 per core): 2,048 funds 8.7% slower, 8,192 funds 4.2%
#: slower than 4,096 (whose largest work arrays, 28 x 4,096 float64 table positions,
#: are 0.9 MB); before that change of draws: 2,048 9% and 8,192 3% slower.
BLOCK_FUNDS = 4096
#: Bit generator of every block: numpy's SFC64 (Chris Doty-Humphrey's Small Fast
#: Chaotic generator; passes PractRand, period at least 2**64 per stream, streams
#: seeded by ``SeedSequence.spawn``). PCG64, numpy's default, took 1.5x as long for
#: the same float32 uniforms here. Changing it changes the random streams.
BIT_GENERATOR = np.random.SFC64
#: Default number of funds simulated per vectorised chunk: one block, so the working
#: arrays (companies x chunk, ~1 MB each for 30 companies) stay in cache; measured
#: faster than larger chunks on a 2-core machine (docs/models/portfolio.md).
DEFAULT_CHUNK_FUNDS = BLOCK_FUNDS
#: Keep the full TVPI array when ``sims`` is at most this (8 bytes per fund).
KEEP_TVPI_MAX_SIMS = 2_000_000
#: TVPI thresholds reported as P(TVPI >= x).
DEFAULT_TVPI_THRESHOLDS: tuple[float, ...] = (1.0, 3.0, 5.0)
#: Histogram bin edges for TVPI: [0, 0.01) then 600 geometric bins (2% wide) up to
#: 1,000x, and a last open bin [1000, inf).
HISTOGRAM_EDGES = np.concatenate(([0.0], np.geomspace(0.01, 1000.0, 601), [np.inf]))
HISTOGRAM_EDGES.setflags(write=False)
_LOG_FIRST_EDGE = math.log(HISTOGRAM_EDGES[1])
_LOG_EDGE_RATIO = math.log(HISTOGRAM_EDGES[2] / HISTOGRAM_EDGES[1])
_PERCENTILES = (5, 25, 50, 75, 95)

# --------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------


def _check_number(name: str, value: object, *, low: float, high: float, low_open: bool = False,
                  high_open: bool = False) -> float:
    """Return ``value`` as a float or raise InputError naming the parameter and range."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"The {name!r} parameter must be a number. Got {value!r} instead.") from None
    below = number <= low if low_open else number < low
    above = number >= high if high_open else number > high
    if math.isnan(number) or below or above:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        raise InputError(
            f"The {name!r} parameter must be in {left}{low:g}, {high:g}{right}. Got {value!r} instead."
        )
    return number


def _stage_map(name: str, values: Mapping[str, float], allowed: Sequence[str], *, low: float,
               high: float, low_open: bool = False, high_open: bool = False,
               complete: bool = True) -> Mapping[str, float]:
    """Validate a stage -> number mapping and return a read-only copy."""
    if not isinstance(values, Mapping):
        raise InputError(f"The {name!r} parameter must be a mapping of stage to number. Got {values!r} instead.")
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise InputError(
            f"The {name!r} parameter has unknown stages {unknown}; use only {list(allowed)}."
        )
    if complete:
        missing = [s for s in allowed if s not in values]
        if missing:
            raise InputError(f"The {name!r} parameter is missing stages {missing}; give all of {list(allowed)}.")
    checked = {
        s: _check_number(f"{name}[{s!r}]", values[s], low=low, high=high, low_open=low_open, high_open=high_open)
        for s in allowed
        if s in values
    }
    return MappingProxyType(checked)


@dataclass(frozen=True)
class ExitDistribution:
    """Exit value as a multiple of the company's last post-money valuation.

    With probability ``tail_share`` the multiple is Pareto (type I) with scale
    ``tail_min`` and exponent ``tail_alpha``; otherwise it is lognormal with median
    ``median`` and log-sd ``sigma``. ``sigma=0`` and ``tail_share=0`` give a fixed
    multiple (used by the closed-form tests).

    ``tail_alpha`` must exceed 1 so the mean is finite; below 2 the variance is
    infinite, which is what venture data suggest (Lahr 2022) and which makes sample
    means converge slowly.
    """

    median: float
    sigma: float = 0.0
    tail_share: float = 0.0
    tail_min: float = 1.0
    tail_alpha: float = DEFAULT_TAIL_ALPHA

    def __post_init__(self) -> None:
        _check_number("median", self.median, low=0.0, high=math.inf, low_open=True, high_open=True)
        _check_number("sigma", self.sigma, low=0.0, high=10.0)
        _check_number("tail_share", self.tail_share, low=0.0, high=1.0)
        _check_number("tail_min", self.tail_min, low=0.0, high=math.inf, low_open=True, high_open=True)
        _check_number("tail_alpha", self.tail_alpha, low=1.0, high=math.inf, low_open=True, high_open=True)

    @property
    def mean(self) -> float:
        """Expected multiple (closed form)."""
        body = self.median * math.exp(0.5 * self.sigma**2)
        tail = self.tail_min * self.tail_alpha / (self.tail_alpha - 1.0)
        return (1.0 - self.tail_share) * body + self.tail_share * tail

    def sf(self, x: float) -> float:
        """P(multiple >= x), closed form (used by the documentation's calibration)."""
        if x <= 0:
            return 1.0
        if self.sigma == 0:
            body = 1.0 if x <= self.median else 0.0
        else:
            body = float(special.ndtr(-(math.log(x) - math.log(self.median)) / self.sigma))
        tail = 1.0 if x <= self.tail_min else (self.tail_min / x) ** self.tail_alpha
        return (1.0 - self.tail_share) * body + self.tail_share * tail

    def transform(self, uniform: np.ndarray, normal: np.ndarray) -> np.ndarray:
        """Map a uniform draw on [0, 1) and a standard normal draw to multiples.

        ``uniform < tail_share`` selects the tail; the rescaled uniform then feeds the
        Pareto inverse CDF, so one uniform serves both choices without bias.
        """
        uniform = np.asarray(uniform, dtype=float)
        normal = np.asarray(normal, dtype=float)
        if self.tail_share <= 0.0:
            return self._body(normal)
        uniform, normal = np.broadcast_arrays(uniform, normal)
        in_tail = uniform.reshape(-1) < self.tail_share
        tail, body = np.flatnonzero(in_tail), np.flatnonzero(~in_tail)
        out = np.empty(uniform.shape)
        flat = out.reshape(-1)
        # Each part computed only where it applies (the power is the costly step).
        flat[body] = self._body(normal.reshape(-1)[body])
        # (tail_share - u) / tail_share is uniform on (0, 1] inside the tail: never 0.
        flat[tail] = self.tail_min * ((self.tail_share - uniform.reshape(-1)[tail]) / self.tail_share) ** (
            -1.0 / self.tail_alpha)
        return out

    def _body(self, normal: np.ndarray) -> np.ndarray:
        """The lognormal body's multiple for standard normal draws."""
        if not self.sigma:
            return np.full(normal.shape, self.median)
        body = normal * self.sigma
        np.exp(body, out=body)
        body *= self.median
        return body

    def draw(self, rng: np.random.Generator) -> float:
        """One multiple, drawn with scalar calls (used by the reference loop)."""
        u = rng.random()
        if u < self.tail_share:
            return self.tail_min * ((self.tail_share - u) / self.tail_share) ** (-1.0 / self.tail_alpha)
        return self.median * math.exp(self.sigma * rng.standard_normal())


#: Successful exit (IPO or large acquisition after the growth round), as a multiple
#: of the growth-round post-money. Body: lognormal, median 1.5x (a successful exit
#: prices above the last private round; assumption) and log-sd 1.0 (Cochrane 2005,
#: "The risk and return of venture capital", JFE 75:3-52: volatility of venture log
#: returns near 100%). Tail: half of successes are Pareto above 2x with the
#: Correlation Ventures exponent. Median, tail share and scale are assumptions, chosen
#: so that gross multiples on single checks (the four entry stages averaged) give
#: 4.0% at 10x+ and 9.0% at 5x+ against Correlation Ventures' 4% and 10% of
#: financings (docs/models/portfolio.md has the table).
DEFAULT_SUCCESS_EXIT = ExitDistribution(median=1.5, sigma=1.0, tail_share=0.5, tail_min=2.0,
                                        tail_alpha=DEFAULT_TAIL_ALPHA)
#: Acquisition after failing to raise the next round, as a multiple of the last
#: post-money. Assumption (no published distribution found): median 1.0x, i.e. half of
#: acquisitions pay less than the last round (acqui-hires, distressed sales) and half
#: more (strategic buys); log-sd 1.0 as above (Cochrane 2005); no Pareto tail.
DEFAULT_MNA_EXIT = ExitDistribution(median=1.0, sigma=1.0, tail_share=0.0)


def _default_graduation() -> Mapping[str, float]:
    return DEFAULT_GRADUATION


def _default_mna() -> Mapping[str, float]:
    return DEFAULT_MNA_SHARE


def _default_dilution() -> Mapping[str, float]:
    return DEFAULT_DILUTION


def _default_step_up() -> Mapping[str, float]:
    return DEFAULT_STEP_UP


@dataclass(frozen=True)
class SimulationParams:
    """Every parameter of the fund simulation (plain values, no file reading).

    Attributes
    ----------
    graduation : stage -> probability that a company at that stage raises the next
        round (for ``growth``: reaches a successful exit).
    graduation_by_sector : sector -> {stage -> probability}, overriding
        ``graduation`` for the stages given.
    mna_share : stage -> probability of an acquisition given that the company did
        not graduate at that stage (otherwise it fails with nothing).
    dilution : round stage (series_a, series_b, growth) -> share of the company sold
        in that round.
    step_up : round stage -> post-money of that round / post-money of the previous.
    success_exit : multiple of the growth post-money on a successful exit.
    mna_exit : multiple of the last post-money on an acquisition.
    sector_rho : correlation of the graduation draws of two companies of the same
        sector taking the same step (round cycle since entry) in one fund, in [0, 1).
    follow_on_stages : rounds the fund follows on into, pro rata, from its reserve.
    """

    graduation: Mapping[str, float] = field(default_factory=_default_graduation)
    graduation_by_sector: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    mna_share: Mapping[str, float] = field(default_factory=_default_mna)
    dilution: Mapping[str, float] = field(default_factory=_default_dilution)
    step_up: Mapping[str, float] = field(default_factory=_default_step_up)
    success_exit: ExitDistribution = DEFAULT_SUCCESS_EXIT
    mna_exit: ExitDistribution = DEFAULT_MNA_EXIT
    sector_rho: float = DEFAULT_SECTOR_RHO
    follow_on_stages: tuple[str, ...] = DEFAULT_FOLLOW_ON_STAGES

    def __post_init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "graduation", _stage_map("graduation", self.graduation, STAGES, low=0.0, high=1.0))
        if not isinstance(self.graduation_by_sector, Mapping):
            raise InputError(
                "The 'graduation_by_sector' parameter must be a mapping of sector to "
                f"{{stage: probability}}. Got {self.graduation_by_sector!r} instead."
            )
        setattr_(
            self,
            "graduation_by_sector",
            MappingProxyType({
                str(sector): _stage_map(f"graduation_by_sector[{sector!r}]", stages, STAGES, low=0.0,
                                        high=1.0, complete=False)
                for sector, stages in self.graduation_by_sector.items()
            }),
        )
        setattr_(self, "mna_share", _stage_map("mna_share", self.mna_share, STAGES, low=0.0, high=1.0))
        setattr_(self, "dilution", _stage_map("dilution", self.dilution, ROUND_STAGES, low=0.0, high=1.0,
                                              high_open=True))
        setattr_(self, "step_up", _stage_map("step_up", self.step_up, ROUND_STAGES, low=0.0, high=1e6,
                                             low_open=True))
        for name in ("success_exit", "mna_exit"):
            if not isinstance(getattr(self, name), ExitDistribution):
                raise InputError(f"The {name!r} parameter must be an ExitDistribution. "
                                 f"Got {getattr(self, name)!r} instead.")
        setattr_(self, "sector_rho", _check_number("sector_rho", self.sector_rho, low=0.0, high=1.0,
                                                   high_open=True))
        stages = tuple(self.follow_on_stages)
        bad = [s for s in stages if s not in ROUND_STAGES]
        if bad:
            raise InputError(
                f"The 'follow_on_stages' parameter has {bad}; use stages from {list(ROUND_STAGES)}."
            )
        setattr_(self, "follow_on_stages", stages)

    def graduation_for(self, sector: str, stage: str) -> float:
        """Graduation probability of ``stage`` in ``sector`` (sector override, else default)."""
        return self.graduation_by_sector.get(sector, {}).get(stage, self.graduation[stage])


# --------------------------------------------------------------------------------------
# Allocation
# --------------------------------------------------------------------------------------


def format_usd(amount: float) -> str:
    """Short money text: $12.5M, $250K, $1.2B."""
    size = abs(amount)
    if size >= 1e9:
        return f"${amount / 1e9:.1f}B"
    if size >= 1e6:
        return f"${amount / 1e6:.1f}M"
    if size >= 1e3:
        return f"${amount / 1e3:.0f}K"
    return f"${amount:.0f}"


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _share_text(share: float) -> str:
    return f"{share * 100:.4g}%"


def _validate_scores(scores: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(scores, pd.DataFrame):
        raise InputError(f"scores must be a DataFrame with columns sector, stage, score. Got {type(scores).__name__}.")
    missing = [c for c in ("sector", "stage", "score") if c not in scores.columns]
    if missing:
        raise InputError(f"scores is missing columns {missing}; it needs sector, stage, score.")
    frame = scores.loc[:, ["sector", "stage", "score"]].copy()
    frame["sector"] = frame["sector"].astype(str)
    frame["stage"] = frame["stage"].astype(str)
    bad_stage = sorted(set(frame["stage"]) - set(STAGES))
    if bad_stage:
        raise InputError(f"scores has unknown stages {bad_stage}; use {list(STAGES)}.")
    score = pd.to_numeric(frame["score"], errors="coerce")
    bad = frame[score.isna() | (score < 0) | (score > 100)]
    if len(bad):
        rows = ", ".join(f"{r.sector}/{r.stage}={r.score!r}" for r in bad.itertuples())
        raise InputError(f"scores must be numbers in [0, 100]; bad rows: {rows}.")
    frame["score"] = score.astype(float)
    dup = frame[frame.duplicated(["sector", "stage"], keep=False)]
    if len(dup):
        pairs = sorted({f"{r.sector}/{r.stage}" for r in dup.itertuples()})
        raise InputError(f"scores has more than one row for {pairs}; give one score per sector and stage.")
    if frame.empty:
        raise InputError("scores is empty; give at least one sector and stage score.")
    return frame


def _place(weights: np.ndarray, stage_capital: np.ndarray, cap: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Water-fill stage capital over sectors in proportion to weights, under a sector cap.

    ``weights`` is sectors x stages. Each stage's capital goes to the sectors with a
    positive weight in proportion to weight. A sector whose total over stages exceeds
    ``cap`` is scaled down to the cap (all its stages by the same factor) and frozen;
    what it gave up goes back to the uncapped sectors of each stage. Repeats until no
    uncapped sector exceeds the cap (at most one pass per sector).

    Returns (allocation, capped mask, unplaced capital per stage).
    """
    n_sectors, n_stages = weights.shape
    capped = np.zeros(n_sectors, dtype=bool)
    fixed = np.zeros_like(weights)
    while True:
        alloc = fixed.copy()
        unplaced = np.zeros(n_stages)
        for t in range(n_stages):
            free = ~capped & (weights[:, t] > 0)
            remaining = max(stage_capital[t] - fixed[:, t].sum(), 0.0)
            if free.any():
                alloc[free, t] = remaining * (weights[free, t] / weights[free, t].sum())
            else:
                unplaced[t] = remaining
        totals = alloc.sum(axis=1)
        over = ~capped & (totals > cap * (1.0 + 1e-12))
        if not over.any():
            return alloc, capped, unplaced
        fixed[over] = alloc[over] * (cap / totals[over])[:, None]
        capped |= over


def allocate(
    scores: pd.DataFrame,
    *,
    fund_size_usd: float,
    check_size_usd: Mapping[str, float],
    reserve_ratio: float,
    max_sector_share: float,
    stage_mix: Mapping[str, float],
    min_score: float = DEFAULT_MIN_SCORE,
) -> pd.DataFrame:
    """Turn stage scores into an explained allocation of initial capital.

    Method (deterministic):

    1. Initial capital is ``fund_size_usd * (1 - reserve_ratio)``; the reserve is
       kept for follow-ons (pass ``fund_size_usd * reserve_ratio`` to
       :func:`simulate_fund` as ``reserve_usd``). Stage ``t`` gets
       ``initial * stage_mix[t]``.
    2. Within a stage, sectors scoring above ``min_score`` share the stage's capital
       in proportion to ``score - min_score``.
    3. No sector may hold more than ``max_sector_share * fund_size_usd`` of initial
       capital over all stages; a sector over the cap is scaled down to it and the
       excess goes to the other sectors of the same stages, in proportion to their
       weights (repeated until nobody is over). Capital no sector can take stays
       unplaced (reported in the reason and in ``attrs["unplaced_usd"]``).
    4. A row whose capital is less than one check cannot fund a company: the
       smallest such row is dropped and steps 2-3 rerun, until every funded row
       holds at least one check.
    5. ``companies = floor(capital / check)``; the row's whole capital is spread over
       those companies (checks at least the target size).

    Parameters
    ----------
    scores : DataFrame with columns sector, stage (one of ``STAGES``), score (0-100).
    fund_size_usd : committed fund size, USD.
    check_size_usd : stage -> target initial check, USD (needed for every stage with
        a positive ``stage_mix``).
    reserve_ratio : share of the fund kept for follow-ons, in [0, 1).
    max_sector_share : cap on one sector's initial capital as a share of the fund,
        in (0, 1].
    stage_mix : stage -> target share of initial capital (non-negative, sums to 1).
    min_score : sectors at or below this stage score get nothing in that stage.

    Returns
    -------
    DataFrame with columns sector, stage, companies (int), capital_usd, reason; one
    row per input (sector, stage), ordered by stage then rank.

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"sector": ["a", "b"], "stage": ["seed", "seed"], "score": [80, 60]})
    >>> plan = allocate(scores, fund_size_usd=10e6, check_size_usd={"seed": 1e6},
    ...                 reserve_ratio=0.5, max_sector_share=1.0, stage_mix={"seed": 1.0})
    >>> plan["sector"].tolist(), plan["companies"].tolist(), plan["capital_usd"].tolist()
    (['a', 'b'], [3, 1], [3750000.0, 1250000.0])
    >>> plan["reason"].iloc[0]
    'seed score 80, 1st of 2; 3 companies, $3.8M ($1.2M each)'
    """
    frame = _validate_scores(scores)
    fund = _check_number("fund_size_usd", fund_size_usd, low=0.0, high=math.inf, low_open=True, high_open=True)
    reserve = _check_number("reserve_ratio", reserve_ratio, low=0.0, high=1.0, high_open=True)
    cap_share = _check_number("max_sector_share", max_sector_share, low=0.0, high=1.0, low_open=True)
    floor_score = _check_number("min_score", min_score, low=0.0, high=100.0)
    mix = _stage_map("stage_mix", stage_mix, STAGES, low=0.0, high=1.0, complete=False)
    total_mix = sum(mix.values())
    if abs(total_mix - 1.0) > 1e-9:
        raise InputError(f"The 'stage_mix' parameter must sum to 1. Got {dict(mix)} (sum {total_mix:g}) instead.")
    if not isinstance(check_size_usd, Mapping):
        raise InputError(f"The 'check_size_usd' parameter must be a mapping of stage to USD. Got {check_size_usd!r}.")
    checks = np.zeros(len(STAGES))
    for stage, share in mix.items():
        if share > 0:
            if stage not in check_size_usd:
                raise InputError(
                    f"The 'check_size_usd' parameter has no check for {stage!r}, which has "
                    f"stage_mix {share:g}; add a check size for it."
                )
            checks[_STAGE_INDEX[stage]] = _check_number(
                f"check_size_usd[{stage!r}]", check_size_usd[stage], low=0.0, high=math.inf,
                low_open=True, high_open=True,
            )

    sectors = sorted(frame["sector"].unique())
    sector_pos = {s: i for i, s in enumerate(sectors)}
    score_grid = np.full((len(sectors), len(STAGES)), np.nan)
    for row in frame.itertuples():
        score_grid[sector_pos[row.sector], _STAGE_INDEX[row.stage]] = row.score
    initial = fund * (1.0 - reserve)
    stage_capital = np.array([initial * mix.get(s, 0.0) for s in STAGES])
    cap = cap_share * fund

    weights = np.where(np.isnan(score_grid), 0.0, np.maximum(score_grid - floor_score, 0.0))
    weights[:, stage_capital <= 0] = 0.0
    dropped: dict[tuple[int, int], float] = {}
    while True:
        alloc, capped, unplaced = _place(weights, stage_capital, cap)
        tolerance = 1e-9 * np.maximum(checks, 1.0)
        short = (weights > 0) & (alloc < checks[None, :] - tolerance[None, :])
        if not short.any():
            break
        # Drop the smallest short row: ties by lower score, then sector name, then stage.
        candidates = [
            (alloc[i, t], score_grid[i, t], sectors[i], t, i)
            for i, t in zip(*np.nonzero(short), strict=True)
        ]
        _, _, _, t, i = min(candidates)
        dropped[(i, t)] = float(alloc[i, t])
        weights[i, t] = 0.0

    leftover = unplaced > 1e-9 * np.maximum(stage_capital, 1.0)
    records = []
    for t, stage in enumerate(STAGES):
        present = [i for i in range(len(sectors)) if not np.isnan(score_grid[i, t])]
        ranked = sorted(present, key=lambda i: (-score_grid[i, t], sectors[i]))
        label = STAGE_LABELS[stage]
        for rank, i in enumerate(ranked, start=1):
            score = score_grid[i, t]
            capital = float(alloc[i, t])
            companies = int(math.floor(capital / checks[t] + 1e-9)) if capital > 0 else 0
            parts = [f"{label} score {score:.0f}, {_ordinal(rank)} of {len(ranked)}"]
            if stage_capital[t] <= 0:
                parts.append("no capital for this stage in the stage mix")
            elif score <= floor_score:
                parts.append(f"at or below the minimum score {floor_score:g}, so no capital")
            elif (i, t) in dropped:
                parts.append(
                    f"its share ({format_usd(dropped[(i, t)])}) was less than one {format_usd(checks[t])} check, "
                    "so it went to the other sectors"
                )
            else:
                noun = "company" if companies == 1 else "companies"
                parts.append(f"{companies} {noun}, {format_usd(capital)} ({format_usd(capital / companies)} each)")
                if capped[i]:
                    parts.append(f"capped at {_share_text(cap_share)} of the fund")
            if leftover[t]:
                why = (
                    "every eligible sector is at its cap" if (weights[:, t] > 0).any()
                    else "no sector scored above the minimum with room for one check"
                )
                parts.append(f"{format_usd(unplaced[t])} of {label} capital left unplaced: {why}")
            records.append({
                "sector": sectors[i],
                "stage": stage,
                "companies": companies,
                "capital_usd": capital if companies > 0 else 0.0,
                "reason": "; ".join(parts),
            })
    result = pd.DataFrame.from_records(records, columns=["sector", "stage", "companies", "capital_usd", "reason"])
    result["companies"] = result["companies"].astype("int64")
    result["capital_usd"] = result["capital_usd"].astype("float64")
    result.attrs["unplaced_usd"] = {s: float(unplaced[t]) for t, s in enumerate(STAGES) if leftover[t]}
    return result


# --------------------------------------------------------------------------------------
# Simulation: compiled inputs
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Book:
    """The portfolio as one entry per company, sorted by entry stage then sector.

    The engine works on companies x funds arrays (one contiguous row per company);
    ``groups`` gives, per entry stage present, the rows holding its companies.
    """

    sectors: tuple[str, ...]
    sector: np.ndarray  # (N,) index into sectors
    entry: np.ndarray  # (N,) stage index
    check: np.ndarray  # (N,) USD
    groups: tuple[tuple[int, int, int], ...]  # (entry stage, first row, end row)
    # Per group: the sectors present (indices into sectors) and each row's position
    # among them.
    group_sectors: tuple[tuple[np.ndarray, np.ndarray], ...]


@dataclass(frozen=True)
class _Tables:
    """Per-stage parameters as arrays (stage index 0..3)."""

    probit: np.ndarray  # (S, 4) normal quantile of the graduation probability
    grad: np.ndarray  # (S, 4) graduation probability
    mna: np.ndarray  # (4,)
    dilution: np.ndarray  # (4,) round at stage k; index 0 unused (0)
    follow: np.ndarray  # (4,) bool: follow on into the round at stage k
    value: np.ndarray  # (4, 4) [e, k]: post-money at k / post-money at entry e
    own: np.ndarray  # (4, 4) [e, k]: ownership left at k without follow-ons


def _book(portfolio: pd.DataFrame) -> _Book:
    if not isinstance(portfolio, pd.DataFrame):
        raise InputError(f"portfolio must be a DataFrame. Got {type(portfolio).__name__}.")
    missing = [c for c in ("sector", "stage", "companies", "capital_usd") if c not in portfolio.columns]
    if missing:
        raise InputError(f"portfolio is missing columns {missing}; it needs sector, stage, companies, capital_usd.")
    bad_stage = sorted(set(portfolio["stage"].astype(str)) - set(STAGES))
    if bad_stage:
        raise InputError(f"portfolio has unknown stages {bad_stage}; use {list(STAGES)}.")
    companies = pd.to_numeric(portfolio["companies"], errors="coerce")
    capital = pd.to_numeric(portfolio["capital_usd"], errors="coerce")
    bad = (
        companies.isna() | (companies < 0) | (companies != np.floor(companies))
        | capital.isna() | (capital < 0) | ((companies == 0) & (capital > 0)) | ((companies > 0) & (capital <= 0))
    )
    if bad.any():
        rows = portfolio.loc[bad, ["sector", "stage", "companies", "capital_usd"]].to_dict("records")
        raise InputError(
            "portfolio rows need a whole, non-negative number of companies and positive capital "
            f"for each company (zero capital with zero companies); bad rows: {rows}."
        )
    keep = companies > 0
    if not keep.any():
        raise InputError("portfolio has no companies; allocate capital to at least one company first.")
    rows = pd.DataFrame({
        "sector": portfolio.loc[keep, "sector"].astype(str).to_numpy(),
        "entry": np.array([_STAGE_INDEX[s] for s in portfolio.loc[keep, "stage"].astype(str)], dtype=np.intp),
        "companies": companies[keep].astype(int).to_numpy(),
        "check": (capital[keep] / companies[keep]).to_numpy(dtype=float),
    })
    sectors = tuple(sorted(rows["sector"].unique()))
    position = {s: i for i, s in enumerate(sectors)}
    rows["sector_idx"] = np.array([position[s] for s in rows["sector"]], dtype=np.intp)
    rows = rows.sort_values(["entry", "sector_idx", "check"], kind="stable")
    repeat = rows["companies"].to_numpy()
    sector = np.repeat(rows["sector_idx"].to_numpy(), repeat).astype(np.intp)
    entry = np.repeat(rows["entry"].to_numpy(), repeat).astype(np.intp)
    check = np.repeat(rows["check"].to_numpy(), repeat)
    groups = []
    group_sectors = []
    for e in range(len(STAGES)):
        rows_e = np.flatnonzero(entry == e)
        if rows_e.size:
            r0, r1 = int(rows_e[0]), int(rows_e[-1]) + 1
            groups.append((e, r0, r1))
            group_sectors.append(np.unique(sector[r0:r1], return_inverse=True))
    return _Book(sectors, sector, entry, check, tuple(groups), tuple(group_sectors))


def _tables(params: SimulationParams, sectors: Sequence[str]) -> _Tables:
    grad = np.array([[params.graduation_for(s, st) for st in STAGES] for s in sectors], dtype=float)
    probit = special.ndtri(grad)
    mna = np.array([params.mna_share[s] for s in STAGES], dtype=float)
    dilution = np.array([0.0] + [params.dilution[s] for s in ROUND_STAGES])
    step_up = np.array([1.0] + [params.step_up[s] for s in ROUND_STAGES])
    follow = np.array([False] + [s in params.follow_on_stages for s in ROUND_STAGES])
    value = np.ones((len(STAGES), len(STAGES)))
    own = np.ones((len(STAGES), len(STAGES)))
    for e in range(len(STAGES)):
        for k in range(e + 1, len(STAGES)):
            value[e, k] = value[e, k - 1] * step_up[k]
            own[e, k] = own[e, k - 1] * (1.0 - dilution[k])
    return _Tables(probit, grad, mna, dilution, follow, value, own)


#: The copula needs the normal CDF for every sector, stage and fund; scipy's ndtr
#: costs ~35 ns a call, so the engine interpolates tables instead, on a grid of step
#: 2**-10: linear interpolation error below h**2/8 * max|phi'| = 3e-8 in probability.
_PHI_STEP = 2.0**-10
#: Rows of sector shocks (one sector and step, every fund of a block) whose table
#: positions are computed together: 8 rows of 4,096 funds keep the double-precision
#: work arrays at 256 KB each instead of 0.9 MB for all 28 (measured 2% faster, CPU
#: taking turns, median of 9).
_POSITION_ROWS = 8
#: Sector shocks beyond this many standard deviations are read at the table's end in
#: the copula (P(|z| > 9) = 2e-19: never in practice).
_SHOCK_LIMIT = 9.0


class _Scratch:
    """Work arrays reused from chunk to chunk of one :func:`simulate_fund` call.

    A chunk's arrays are 0.1-1 MB each; allocated afresh every chunk, the allocator
    hands each back to the operating system and the next chunk pays a page fault per
    4 KB touched (measured: about a third of the CPU time of a first run of one
    million funds). Each name is one buffer, grown when needed, so arrays alive at
    the same time need different names.
    """

    def __init__(self) -> None:
        self._buffers: dict[str, np.ndarray] = {}

    def __call__(self, name: str, shape: tuple[int, ...], dtype: type = np.float64) -> np.ndarray:
        size = math.prod(shape)
        buf = self._buffers.get(name)
        if buf is None or buf.dtype != dtype or buf.size < size:
            buf = self._buffers[name] = np.empty(max(size, 1), dtype=dtype)
        return buf[:size].reshape(shape)


def _fresh(name: str, shape: tuple[int, ...], dtype: type = np.float64) -> np.ndarray:
    """A new array, for callers without a :class:`_Scratch`."""
    return np.empty(shape, dtype=dtype)


class _CopulaTable:
    """``Phi(offset[r] + scale * z)`` for a fixed set of offsets, as float32 tables.

    One table per distinct offset, tabulated in ``x = scale * z`` on a grid of step
    ``_PHI_STEP`` over ``|z| <= _SHOCK_LIMIT``: ``level[j] = Phi(offset + x_j)``
    (scipy's ``ndtr`` in double precision, stored in single) and ``slope[j]`` the
    step to the next grid point. Because every table shares the grid in ``x``, a
    shock's table position (index and fraction) is computed once
    (:meth:`positions`) and serves every offset it meets (every stage a company of
    that sector can be at in that round cycle): only the two look-ups and a
    multiply-add are done per offset. An offset of -inf or +inf (probability 0 or 1)
    gives a table of exact zeros or ones.
    """

    def __init__(self, offsets: np.ndarray, scale: float) -> None:
        offsets = np.asarray(offsets, dtype=float)
        distinct, which = np.unique(offsets.ravel(), return_inverse=True)
        half = abs(scale) * _SHOCK_LIMIT
        n = max(1, math.ceil(2.0 * half / _PHI_STEP))  # intervals per table: up to less than a step past the end
        x = -half + _PHI_STEP * np.arange(n + 1)
        with np.errstate(invalid="ignore"):
            values = special.ndtr(distinct[:, None] + x[None, :])  # (distinct, n + 1)
        slope = np.diff(values, axis=1)
        slope[~np.isfinite(slope)] = 0.0
        self.level = values[:, :-1].astype(np.float32).ravel()
        self.slope = slope.astype(np.float32).ravel()
        #: Start of each offset's table in ``level`` / ``slope``, shaped like ``offsets``.
        self.base = (which * n).reshape(offsets.shape)
        self._scale = scale / _PHI_STEP
        self._origin = half / _PHI_STEP
        self._top = n - 1e-6

    def positions(self, z: np.ndarray, scratch: _Scratch | Callable = _fresh) -> tuple[np.ndarray, np.ndarray]:
        """Table index (intp) and fraction (float32) of each shock, in double precision.

        Computed ``_POSITION_ROWS`` rows of shocks at a time, so the double-precision
        work arrays stay small (a row is one sector and step for every fund)."""
        index = scratch("copula_index", z.shape, np.intp)
        frac = scratch("copula_frac", z.shape, np.float32)
        rows = z.reshape(-1, z.shape[-1]) if z.ndim > 1 else z.reshape(1, -1)
        index_rows, frac_rows = index.reshape(rows.shape), frac.reshape(rows.shape)
        for i in range(0, rows.shape[0], _POSITION_ROWS):
            part = rows[i:i + _POSITION_ROWS]
            pos = np.multiply(part, self._scale, out=scratch("copula_pos", part.shape), dtype=np.float64)
            pos += self._origin
            np.clip(pos, 0.0, self._top, out=pos)
            whole = np.floor(pos, out=scratch("copula_whole", part.shape))
            index_rows[i:i + _POSITION_ROWS] = whole
            pos -= whole  # in double precision: the position can be large (wide tables when rho is high)
            frac_rows[i:i + _POSITION_ROWS] = pos
        return index, frac

    def lookup(self, index: np.ndarray, frac: np.ndarray, base: np.ndarray | int,
               scratch: _Scratch | Callable = _fresh, out: np.ndarray | None = None) -> np.ndarray:
        """``Phi`` at the positions ``(index, frac)`` in the tables starting at ``base``
        (one per row of ``index``, or one for all): rows x funds, float32."""
        slope, level = self.slope, self.level
        if isinstance(base, np.ndarray):
            index = np.add(index, base[:, None], out=scratch("copula_at", index.shape, np.intp))
        elif base:  # one table for every row: read from its start (a view, no index arithmetic)
            slope, level = slope[base:], level[base:]
        if out is None:
            out = scratch("copula_g", index.shape, np.float32)
        slope.take(index, out=out, mode="clip")
        out *= frac
        out += level.take(index, out=scratch("copula_level", index.shape, np.float32), mode="clip")
        return out

    def conditional(self, row: int, z: np.ndarray) -> np.ndarray:
        """``Phi(offsets[row] + scale * z)`` for an array of shocks (for checks)."""
        index, frac = self.positions(np.asarray(z, dtype=float))
        return self.lookup(index, frac, int(np.ravel(self.base)[row]))


def _copula_table(tables: _Tables, rho: float) -> _CopulaTable | None:
    """The copula's tables for every sector and stage (None without correlation).

    One-factor Gaussian copula: company i graduates when
    ``sqrt(rho) * z_sector + sqrt(1 - rho) * eps_i < probit(p)``, so given ``z`` it
    graduates with probability ``Phi((probit(p) - sqrt(rho) z) / sqrt(1 - rho))``;
    averaged over ``z`` this is ``p`` again. Offsets: ``probit / sqrt(1 - rho)`` per
    sector and stage; scale ``-sqrt(rho / (1 - rho))``.
    """
    if rho <= 0.0:
        return None
    inv = 1.0 / math.sqrt(1.0 - rho)
    return _CopulaTable(tables.probit * inv, -math.sqrt(rho) * inv)


# --------------------------------------------------------------------------------------
# Simulation: results
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FundOutcome:
    """Summary of simulated fund outcomes (TVPI on paid-in capital, gross of fees).

    Attributes
    ----------
    sims, seed : the run.
    mean, std : mean and standard deviation of TVPI across funds. With the default
        Pareto exponent (< 2) the variance is infinite, so ``mean`` is unstable and
        ``mean_se`` understates its error; prefer the percentiles.
    p5, p25, p50, p75, p95 : TVPI percentiles (linear interpolation).
    prob_tvpi_at_least : x -> share of funds with TVPI >= x.
    loss_ratio : per fund, the share of paid-in capital in companies returning less
        than 1x on what the fund put in them; averaged over funds.
    best_company_share : per fund, the share of total value from its most valuable
        company; averaged over funds that returned anything (NaN if none did).
    histogram_edges, histogram_counts : TVPI histogram (``HISTOGRAM_EDGES``; the last
        bin is open).
    percentiles_exact : True when the percentiles come from every fund's TVPI; False
        when only the histogram was kept (error within one 2%-wide bin).
    tvpi : every fund's TVPI when kept (``sims`` up to ``KEEP_TVPI_MAX_SIMS`` by
        default), else None. Read-only.
    """

    sims: int
    seed: int
    mean: float
    std: float
    p5: float
    p25: float
    p50: float
    p75: float
    p95: float
    prob_tvpi_at_least: Mapping[float, float]
    loss_ratio: float
    best_company_share: float
    histogram_edges: np.ndarray
    histogram_counts: np.ndarray
    percentiles_exact: bool
    tvpi: np.ndarray | None = None

    @property
    def mean_se(self) -> float:
        """Standard error of ``mean`` (std / sqrt(sims))."""
        return self.std / math.sqrt(self.sims)

    def summary(self) -> pd.DataFrame:
        """One row per statistic, with a plain description; for printing or export."""
        rows = [
            ("mean", self.mean, "mean TVPI"),
            ("mean_se", self.mean_se, "standard error of the mean TVPI"),
            ("std", self.std, "standard deviation of TVPI across funds"),
            ("p5", self.p5, "5th percentile TVPI"),
            ("p25", self.p25, "25th percentile TVPI"),
            ("p50", self.p50, "median TVPI"),
            ("p75", self.p75, "75th percentile TVPI"),
            ("p95", self.p95, "95th percentile TVPI"),
        ]
        rows += [
            (f"prob_tvpi_at_least_{x:g}", p, f"share of funds with TVPI >= {x:g}x")
            for x, p in self.prob_tvpi_at_least.items()
        ]
        rows += [
            ("loss_ratio", self.loss_ratio, "share of invested capital in companies returning < 1x (mean)"),
            ("best_company_share", self.best_company_share, "share of fund value from its best company (mean)"),
            ("sims", float(self.sims), "simulated funds"),
        ]
        return pd.DataFrame(rows, columns=["statistic", "value", "description"]).set_index("statistic")


class _Accumulator:
    """Per-block statistics, merged in block order so chunking never changes a bit."""

    def __init__(self, sims: int, n_blocks: int, thresholds: Sequence[float], keep: bool,
                 edges: np.ndarray) -> None:
        self.sims = sims
        self.thresholds = tuple(float(x) for x in thresholds)
        self.edges = edges
        self.count = np.zeros(n_blocks)
        self.mean = np.zeros(n_blocks)
        self.m2 = np.zeros(n_blocks)
        self.loss = np.zeros(n_blocks)
        self.best = np.zeros(n_blocks)
        self.best_n = np.zeros(n_blocks)
        self.at_least = np.zeros((n_blocks, len(self.thresholds)), dtype=np.int64)
        self.hist = np.zeros(len(edges) - 1, dtype=np.int64)
        self.kept = np.empty(sims) if keep else None

    def add(self, block: int, offset: int, tvpi: np.ndarray, loss: np.ndarray, best: np.ndarray) -> None:
        n = tvpi.shape[0]
        mean = tvpi.mean()
        self.count[block] = n
        self.mean[block] = mean
        self.m2[block] = np.square(tvpi - mean).sum()
        self.loss[block] = loss.sum()
        finite = ~np.isnan(best)
        self.best[block] = best[finite].sum()
        self.best_n[block] = finite.sum()
        for j, x in enumerate(self.thresholds):
            self.at_least[block, j] = np.count_nonzero(tvpi >= x)
        self.hist += np.bincount(_histogram_bins(self.edges, tvpi), minlength=len(self.edges) - 1)
        if self.kept is not None:
            self.kept[offset:offset + n] = tvpi

    def outcome(self, seed: int) -> FundOutcome:
        # Chan et al. parallel merge of (count, mean, M2), in block order.
        n, mean, m2 = 0.0, 0.0, 0.0
        for nb, mb, qb in zip(self.count, self.mean, self.m2, strict=True):
            if nb == 0:
                continue
            total = n + nb
            delta = mb - mean
            mean = mean + delta * nb / total
            m2 = m2 + qb + delta * delta * n * nb / total
            n = total
        std = math.sqrt(m2 / (n - 1)) if n > 1 else 0.0
        if self.kept is not None:
            pct = np.percentile(self.kept, _PERCENTILES)
            exact = True
            tvpi = self.kept
            tvpi.setflags(write=False)
        else:
            pct = _histogram_percentiles(self.edges, self.hist, _PERCENTILES)
            exact = False
            tvpi = None
        best_n = self.best_n.sum()
        hist = self.hist.copy()
        hist.setflags(write=False)
        return FundOutcome(
            sims=self.sims,
            seed=seed,
            mean=float(mean),
            std=float(std),
            p5=float(pct[0]),
            p25=float(pct[1]),
            p50=float(pct[2]),
            p75=float(pct[3]),
            p95=float(pct[4]),
            prob_tvpi_at_least=MappingProxyType({
                x: float(self.at_least[:, j].sum() / self.sims) for j, x in enumerate(self.thresholds)
            }),
            loss_ratio=math.fsum(self.loss) / self.sims,
            best_company_share=math.fsum(self.best) / best_n if best_n else float("nan"),
            histogram_edges=self.edges,
            histogram_counts=hist,
            percentiles_exact=exact,
            tvpi=tvpi,
        )


def _histogram_bins(edges: np.ndarray, tvpi: np.ndarray) -> np.ndarray:
    """Bin index of each TVPI (``edges[i] <= x < edges[i + 1]``), last bin open."""
    if edges is HISTOGRAM_EDGES:
        # Geometric bins: index from the logarithm, then fix rounding at the edges.
        logs = np.log(np.maximum(tvpi, 1e-300))
        guess = np.floor((logs - _LOG_FIRST_EDGE) / _LOG_EDGE_RATIO).astype(np.int64) + 1
        bins = np.clip(guess, 0, len(edges) - 2)
        bins -= tvpi < edges[bins]
        bins += tvpi >= edges[np.minimum(bins + 1, len(edges) - 1)]
        return np.clip(bins, 0, len(edges) - 2)
    return np.clip(np.searchsorted(edges, tvpi, side="right") - 1, 0, len(edges) - 2)


def _histogram_percentiles(edges: np.ndarray, counts: np.ndarray, qs: Iterable[float]) -> np.ndarray:
    """Percentiles by linear interpolation inside histogram bins (open last bin: its left edge)."""
    cum = np.cumsum(counts)
    total = cum[-1]
    out = []
    for q in qs:
        target = q / 100.0 * total
        b = int(np.searchsorted(cum, target, side="left"))
        b = min(b, len(counts) - 1)
        left, right = edges[b], edges[b + 1]
        if not np.isfinite(right):
            out.append(left)
            continue
        before = cum[b - 1] if b > 0 else 0
        frac = (target - before) / counts[b] if counts[b] else 0.0
        out.append(left + frac * (right - left))
    return np.array(out)


def _check_run(sims: int, seed: int, reserve_usd: float) -> tuple[int, int, float]:
    if isinstance(sims, bool) or not isinstance(sims, (int, np.integer)) or sims < 1:
        raise InputError(f"The 'sims' parameter must be a positive integer. Got {sims!r} instead.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"The 'seed' parameter must be a non-negative integer. Got {seed!r} instead.")
    reserve = _check_number("reserve_usd", reserve_usd, low=0.0, high=math.inf, high_open=True)
    return int(sims), int(seed), reserve


# --------------------------------------------------------------------------------------
# Simulation: vectorised engine
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _GroupPlan:
    """What :func:`_outcome_codes` needs of one entry group, the same for every chunk:
    its rows, its sectors (``rows`` into the sector axis: a slice when every sector is
    present, so the shocks' rows are views), each row's sector among them
    (``local``), per step the copula table to read (one start for every sector when
    their tables coincide, else one per sector), and the acquisition shares in
    single precision."""

    e: int
    r0: int
    r1: int
    steps: int
    present: np.ndarray
    rows: slice | np.ndarray
    local: np.ndarray
    bases: tuple[int | np.ndarray, ...]
    q0: np.float32  # q_0
    q0_rest: np.float32  # 1 - q_0
    minus_q: np.ndarray  # -q_1 .. -q_{L-1}, shaped (L - 1, 1, 1)


def _group_plans(book: _Book, tables: _Tables, copula: _CopulaTable | None) -> tuple[_GroupPlan, ...]:
    plans = []
    n_sectors = len(book.sectors)
    for (e, r0, r1), (present, local) in zip(book.groups, book.group_sectors, strict=True):
        steps = len(STAGES) - e
        rows = slice(None) if present.size == n_sectors else present  # all sectors: views, no copies
        bases = []
        if copula is not None:
            for t in range(steps):
                base = copula.base[rows, e + t]
                bases.append(int(base[0]) if (base == base[0]).all() else base)
        q = tables.mna[e:].astype(np.float32)
        plans.append(_GroupPlan(e, r0, r1, steps, present, rows, local, tuple(bases), q[0],
                                np.float32(1.0) - q[0], -q[1:, None, None]))
    return tuple(plans)


def _outcome_codes(book: _Book, tables: _Tables, copula: _CopulaTable | None, z: np.ndarray,
                   u: np.ndarray, scratch: _Scratch | Callable = _fresh,
                   plans: Sequence[_GroupPlan] | None = None) -> np.ndarray:
    """Each company's outcome from one uniform draw (companies x funds, int8).

    ``z`` holds the sector shocks, sectors x steps x funds: step t (the t-th round
    cycle since entry) of every company of a sector uses the same shock, and shocks of
    different steps are independent. For entry stage e with L = 4 - e steps the
    outcome codes are ``2t`` = acquired at step t, ``2t + 1`` = failed at step t,
    ``2L`` = success. Given the shocks the steps are independent, so with
    ``s_t = g_0 ... g_{t-1}`` (probability of reaching step t) the outcomes occupy
    disjoint intervals of [0, 1): success ``[0, s_L)``; failure at step t
    ``[s_{t+1}, a_t)`` and acquisition ``[a_t, s_t)`` with
    ``a_t = s_t - (s_t - s_{t+1}) q_t``. The code is the number of the thresholds
    ``a_0 .. a_{L-1}, s_1 .. s_L`` above the uniform: the step-by-step model of
    :func:`simulate_fund_reference`, with one draw instead of up to eight. ``copula``
    gives each sector's graduation probabilities given its shocks (None: rho = 0,
    the unconditional ones).
    """
    n_companies, width = u.shape
    outcome = scratch("outcome", (n_companies, width), np.int8)
    if copula is not None:  # every shock's table position, once: sectors x steps x funds
        index, frac = copula.positions(z, scratch)
    if plans is None:
        plans = _group_plans(book, tables, copula)
    for plan in plans:
        e, r0, r1, steps, rows = plan.e, plan.r0, plan.r1, plan.steps, plan.rows
        shape = (plan.present.size, width if copula is not None else 1)
        # Single precision, like the uniform they are compared with (resolution 2**-24).
        # thresholds[0, t] = a_t, thresholds[1, t] = s_{t+1}; the count does not
        # depend on their order.
        thresholds = scratch("thresholds", (2, steps) + shape, np.float32)
        acquired, reach = thresholds[0], thresholds[1]
        for t in range(steps):  # graduation probability of every step, into reach
            if copula is not None:
                copula.lookup(index[rows, t], frac[rows, t], plan.bases[t], scratch, out=reach[t])
            else:
                reach[t] = tables.grad[plan.present, e + t][:, None]
        for t in range(1, steps):  # s_{t+1} = s_t g_t (multiply.accumulate over this axis is slow)
            np.multiply(reach[t - 1], reach[t], out=reach[t])
        # a_0 = 1 - (1 - g_0) q_0 = g_0 q_0 + (1 - q_0); a_t = s_t - (s_t - s_{t+1}) q_t
        np.multiply(reach[0], plan.q0, out=acquired[0])
        acquired[0] += plan.q0_rest
        if steps > 1:
            np.subtract(reach[:-1], reach[1:], out=acquired[1:])
            acquired[1:] *= plan.minus_q
            acquired[1:] += reach[:-1]
        n = r1 - r0
        below = scratch("threshold_rows", (2 * steps, n, shape[1]), np.float32)
        np.take(thresholds.reshape((2 * steps,) + shape), plan.local, axis=1, out=below, mode="clip")
        hits = scratch("hits", (2 * steps, n, width), bool)
        np.less(u[r0:r1], below, out=hits)
        np.add.reduce(hits.view(np.int8), axis=0, out=outcome[r0:r1])
    return outcome


def _block_generator(seed: np.random.SeedSequence) -> np.random.Generator:
    """The generator of one random-number block: ``BIT_GENERATOR`` seeded from ``seed``."""
    return np.random.Generator(BIT_GENERATOR(seed))


def _uniforms(gen: np.random.Generator, out: np.ndarray) -> np.ndarray:
    """Fill ``out`` (float32, C order) with uniforms on [0, 1), resolution 2**-24."""
    return gen.random(out=out, dtype=np.float32)


def _standard_normals(gen: np.random.Generator, out: np.ndarray) -> np.ndarray:
    """Fill ``out`` (float32, C order, an even number of entries) with standard normals.

    Box-Muller on float32 uniforms: the first half of ``out`` is drawn as the radii'
    uniforms a, the second half as the angles' b; then ``R = sqrt(-2 log(1 - a))``,
    ``theta = 2 pi b``, and ``out = (R sin(theta), R cos(theta))``, an exact transform
    of two uniforms into two independent normals. With 24-bit uniforms the radius
    takes the exact distribution's values at its 2**24 equally likely quantiles, so
    every normal's CDF is within about 1.2e-7 of the true one (and ``|z| <= 5.77``:
    P(|z| > 5.77) = 8e-9). numpy's vectorised float32 log, sqrt, sin and cos make
    it about 3x faster here than ``standard_normal``'s ziggurat (BIT_GENERATOR).
    """
    flat = out.reshape(-1)
    half = flat.size // 2
    gen.random(out=flat, dtype=np.float32)
    radius, angle = flat[:half], flat[half:]
    np.subtract(np.float32(1.0), radius, out=radius)  # (0, 1]: the log is finite
    np.log(radius, out=radius)
    radius *= np.float32(-2.0)
    np.sqrt(radius, out=radius)
    angle *= np.float32(2.0 * math.pi)
    sine = np.sin(angle)
    np.cos(angle, out=angle)
    angle *= radius
    np.multiply(radius, sine, out=radius)
    return out


def _draw_blocks(blocks: Sequence[tuple[np.random.Generator, int, int]], fill: Callable, out: np.ndarray,
                 ) -> np.ndarray:
    """Fill a rows x width float32 array block by block: ``fill(generator, array)`` on
    each block's own generator, into a C-ordered rows x block-width array."""
    if len(blocks) == 1:
        return fill(blocks[0][0], out)
    for gen, r0, r1 in blocks:
        out[:, r0:r1] = fill(gen, np.empty((out.shape[0], r1 - r0), dtype=out.dtype))
    return out


def _sample_multiples(dist: ExitDistribution, gen: np.random.Generator, rows: np.ndarray, value: np.ndarray,
                      scratch: _Scratch | Callable = _fresh) -> None:
    """``value[rows]`` = draws of ``dist``'s multiple, with only the random numbers each
    exit needs, in this order: when the distribution has a Pareto tail, one float64
    uniform per row (``u < tail_share``: the tail, whose multiple is read from the
    same uniform; float64 because the Pareto tail's mean needs its far end: cut at a
    float32 uniform's 2**-24 the default tail would lose 2% of its mean); then
    standard normals for the rows in the lognormal body (:func:`_standard_normals`,
    their count rounded up to an even number, the last one unused if odd).

    The tail's power is taken as ``exp(log(w) * (-1 / alpha))`` (vectorised exp and
    log; ``w ** (-1 / alpha)`` is several times slower), equal to it within a few
    units in the last place.
    """
    n = rows.size
    body = rows
    if dist.tail_share > 0.0:
        uniform = gen.random(out=scratch("exit_uniform", (n,)))
        in_tail = np.less(uniform, dist.tail_share, out=scratch("exit_in_tail", (n,), bool))
        tail = np.flatnonzero(in_tail)
        if tail.size:
            # (tail_share - u) / tail_share is uniform on (0, 1] inside the tail: never 0.
            w = uniform.take(tail, out=scratch("exit_tail", tail.shape), mode="clip")
            np.subtract(dist.tail_share, w, out=w)
            w *= 1.0 / dist.tail_share
            np.log(w, out=w)
            w *= -1.0 / dist.tail_alpha
            np.exp(w, out=w)
            w *= dist.tail_min
            value[rows.take(tail)] = w
            body = rows.take(np.flatnonzero(np.logical_not(in_tail, out=in_tail)))
    if body.size:
        if dist.sigma:
            drawn = _standard_normals(gen, scratch("exit_normal32", (body.size + body.size % 2,), np.float32))
            normal = np.multiply(drawn[:body.size], dist.sigma, out=scratch("exit_normal", body.shape),
                                 dtype=np.float64)
            np.exp(normal, out=normal)
            normal *= dist.median
            value[body] = normal
        else:
            value[body] = dist.median


#: Largest outcome code (success after four steps from seed) plus one.
_CODES = 2 * len(STAGES) + 1


@dataclass(frozen=True)
class _Lookup:
    """Per company and outcome code (company * _CODES + code): what an exit is worth.

    ``price`` = check x post-money ratio x ownership without follow-ons (USD per unit
    of exit multiple); ``worth`` = check x post-money ratio (to be multiplied by the
    simulated ownership when the fund follows on); ``success`` marks code 2L;
    ``check`` is the company's initial check; ``slot`` is the row of
    :func:`_follow_on`'s per-fund tables for the company's entry group and the rounds
    it raised.
    """

    price: np.ndarray
    worth: np.ndarray
    success: np.ndarray
    check: np.ndarray
    slot: np.ndarray


def _lookup(book: _Book, tables: _Tables) -> _Lookup:
    n_companies = book.check.shape[0]
    price = np.zeros((n_companies, _CODES))
    worth = np.zeros((n_companies, _CODES))
    success = np.zeros((n_companies, _CODES), dtype=bool)
    slot = np.zeros((n_companies, _CODES), dtype=np.intp)
    base = {}
    for e, _, _ in book.groups:  # _follow_on's tables: per group, one row per number of rounds raised
        base[e] = sum(len(STAGES) - g for g in base)
    for j in range(n_companies):
        e = int(book.entry[j])
        steps = len(STAGES) - e
        for code in range(0, 2 * steps + 1, 2):
            stage = e + min(code // 2, steps - 1)
            worth[j, code] = book.check[j] * tables.value[e, stage]
            price[j, code] = worth[j, code] * tables.own[e, stage]
            success[j, code] = code == 2 * steps
            slot[j, code] = base[e] + stage - e
    check = np.repeat(book.check, _CODES)
    return _Lookup(price.ravel(), worth.ravel(), success.ravel(), check, slot.ravel())


def _simulate_chunk(book: _Book, tables: _Tables, params: SimulationParams, reserve: float,
                    blocks: Sequence[tuple[np.random.Generator, int, int]], copula: _CopulaTable | None,
                    lookup: _Lookup, scratch: _Scratch | Callable = _fresh,
                    plans: Sequence[_GroupPlan] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulate the funds of whole RNG blocks side by side; per-fund statistics.

    ``blocks`` lists (generator, first fund, end fund) within the chunk. Each block's
    generator is called in a fixed order (sector shocks per sector and step, one
    uniform per company, then the exits' draws, acquisitions first and successes
    second, each in company-then-fund order: a uniform per exit where the exit
    distribution has a Pareto tail, then a normal per exit in the lognormal body;
    :func:`_sample_multiples`), so a block's numbers do not depend on which other
    blocks share its chunk.

    Only exits with value carry money out, so after the outcome codes everything is
    computed per exit (about 9 of 30 companies) or per fund, never again per company
    and fund: an exit's ownership and follow-on money come from its fund's
    per-round tables (:func:`_follow_on`), and the fund sums are bincounts over its
    exits, in company order like a sum over the companies x funds array.

    Returns TVPI, loss ratio and best-company share per fund (funds of the chunk).
    """
    width = blocks[-1][2]
    n_companies = book.check.shape[0]
    n_sectors, n_steps = len(book.sectors), len(STAGES)
    z = _draw_blocks(blocks, _standard_normals, scratch("z", (n_sectors * n_steps, width), np.float32),
                     ).reshape(n_sectors, n_steps, width)
    u = _draw_blocks(blocks, _uniforms, scratch("u", (n_companies, width), np.float32))
    outcome = _outcome_codes(book, tables, copula, z, u, scratch, plans)

    if reserve > 0.0 and tables.follow[1:].any():
        own, paid, fund_invested = _follow_on(book, tables, reserve, outcome, scratch)
    else:
        own = paid = None
        fund_invested = np.full(width, book.check.sum())

    # Exits with value: even codes (acquired at some step, or success = 2L).
    exits = np.bitwise_and(outcome, 1, out=scratch("odd", outcome.shape, np.int8)) == 0
    if len(blocks) == 1:
        pieces = [(blocks[0][0], np.flatnonzero(exits))]
    else:
        pieces = []
        for gen, r0, r1 in blocks:
            comp, fund = np.nonzero(exits[:, r0:r1])
            pieces.append((gen, comp * width + fund + r0))
    fund_value = np.zeros(width)
    best = np.zeros(width)
    kept = np.zeros(width)  # paid-in of the companies returning at least what the fund put in
    for gen, flat in pieces:
        if flat.size == 0:
            continue
        n = flat.shape
        company = np.floor_divide(flat, width, out=scratch("exit_company", n, np.intp))
        column = np.multiply(company, width, out=scratch("exit_column", n, np.intp))
        np.subtract(flat, column, out=column)
        key = np.multiply(company, _CODES, out=company)
        key += outcome.ravel().take(flat, out=scratch("exit_code", n, np.int8), mode="clip")
        success = lookup.success.take(key, out=scratch("exit_success", n, bool), mode="clip")
        won, sold = np.flatnonzero(success), np.flatnonzero(~success)
        value = scratch("exit_value", n)  # each exit's distribution drawn only for its own exits
        for dist, rows in ((params.mna_exit, sold), (params.success_exit, won)):
            if rows.size:
                _sample_multiples(dist, gen, rows, value, scratch)
        check = lookup.check.take(key, out=scratch("exit_check", n), mode="clip")
        if own is None:
            value *= lookup.price.take(key, out=scratch("exit_worth", n), mode="clip")
            invested = check
        else:
            at = lookup.slot.take(key, out=scratch("exit_at", n, np.intp), mode="clip")
            at *= width
            at += column
            value *= lookup.worth.take(key, out=scratch("exit_worth", n), mode="clip")
            value *= own.take(at, out=scratch("exit_own", n), mode="clip")
            invested = paid.take(at, out=scratch("exit_paid", n), mode="clip")
            invested *= check
            invested += check
        fund_value += np.bincount(column, weights=value, minlength=width)
        np.maximum.at(best, column, value)
        invested *= value >= invested  # what is lost is counted from the paid-in
        kept += np.bincount(column, weights=invested, minlength=width)
    return _fund_statistics(fund_value, fund_invested, kept, best)


def _follow_on(book: _Book, tables: _Tables, reserve: float, outcome: np.ndarray,
               scratch: _Scratch | Callable = _fresh) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pro-rata follow-ons from a shared reserve, step by step since entry.

    At step t every company that graduates raises the round at stage e + t + 1. The
    fund's pro-rata share of that round is ``check * own * dilution * value ratio``;
    if the step's total demand exceeds what is left of the reserve, every graduate
    gets the same fraction f of its pro rata. Ownership becomes
    ``own * (1 - dilution * (1 - f))`` (f = 0 for rounds outside the follow-on stages).

    Within an entry group the round, its dilution and whether the fund follows on are
    the same for every company at a step, so a company's ownership and follow-on
    money per dollar of check depend only on how many rounds it raised: the steps
    run on per-fund vectors (``own_after[n]``, ``paid_after[n]``: after n rounds),
    the step's demand is a check-weighted count of the graduates, and the money it
    costs the fund is that count times the step's payment per dollar of check.

    Returns (own, paid, invested): ``own`` and ``paid`` are slots x funds, one row per
    entry group and number of rounds raised (``_Lookup.slot``), the ownership factor
    and the follow-on USD per dollar of check; ``invested`` is each fund's paid-in
    capital (initial checks plus follow-ons).
    """
    width = outcome.shape[1]
    base = {}
    n_slots = 0
    for e, _, _ in book.groups:
        base[e] = n_slots
        n_slots += len(STAGES) - e
    own = scratch("own", (n_slots, width))
    paid = scratch("paid", (n_slots, width))
    for e, _, _ in book.groups:
        own[base[e]] = 1.0
        paid[base[e]] = 0.0
    left = np.full(width, reserve)
    invested = np.full(width, book.check.sum())
    total = scratch("follow_total", (width,))
    frac = scratch("follow_frac", (width,))
    pay = scratch("follow_pay", (width,))
    counts = {}
    for t in range(len(STAGES) - 1):
        raising = [(e, r0, r1, e + t + 1) for e, r0, r1 in book.groups if e + t + 1 <= _LAST]
        if not raising:
            break
        total.fill(0.0)
        for e, r0, r1, k in raising:
            if tables.follow[k]:
                # Check-weighted count of this step's graduates per fund: codes above
                # 2t + 1 raised more than t rounds.
                counts[e] = book.check[r0:r1] @ (outcome[r0:r1] > 2 * t + 1)
                np.multiply(counts[e], own[base[e] + t], out=pay)
                pay *= tables.dilution[k] * tables.value[e, k]
                total += pay
        # min(1, left / total) where anything is asked, else 0
        frac.fill(0.0)
        np.divide(left, total, out=frac, where=total > 0)
        np.minimum(frac, 1.0, out=frac)
        for e, r0, r1, k in raising:
            now = base[e] + t
            dil = tables.dilution[k]
            if tables.follow[k]:
                np.multiply(own[now], dil * tables.value[e, k], out=pay)
                pay *= frac
                np.multiply(frac, dil, out=own[now + 1])
                own[now + 1] += 1.0 - dil
                own[now + 1] *= own[now]
                np.add(paid[now], pay, out=paid[now + 1])
                pay *= counts[e]
                invested += pay
            else:
                np.multiply(own[now], 1.0 - dil, out=own[now + 1])
                paid[now + 1] = paid[now]
        np.multiply(frac, total, out=pay)
        np.subtract(left, pay, out=left)
        np.maximum(left, 0.0, out=left)
    return own, paid, invested


def _fund_statistics(fund_value: np.ndarray, fund_invested: np.ndarray, kept: np.ndarray, best: np.ndarray,
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TVPI, loss ratio and best-company share per fund.

    ``kept`` is the paid-in capital of the companies that returned at least what the
    fund put in them (the rest, failures included, is lost); ``best`` the largest
    company value in each fund.
    """
    tvpi = fund_value / fund_invested
    loss = (fund_invested - kept) / fund_invested
    with np.errstate(invalid="ignore", divide="ignore"):
        best = np.where(fund_value > 0, best / fund_value, np.nan)
    return tvpi, loss, best


def simulate_fund(
    portfolio: pd.DataFrame,
    params: SimulationParams,
    *,
    sims: int,
    seed: int,
    reserve_usd: float = 0.0,
    chunk_size: int = DEFAULT_CHUNK_FUNDS,
    keep_tvpi: bool | None = None,
    thresholds: Sequence[float] = DEFAULT_TVPI_THRESHOLDS,
) -> FundOutcome:
    """Simulate ``sims`` funds holding ``portfolio``; vectorised and reproducible.

    Each company is held from its entry stage. At each step it graduates with the
    (sector's) probability for its stage, else it is acquired with probability
    ``mna_share`` (value = last post-money x a draw of ``mna_exit``) or fails
    (nothing). Graduating from growth is a successful exit (growth post-money x a draw
    of ``success_exit``). Each new round dilutes the fund by the round's dilution
    unless the fund follows on pro rata from ``reserve_usd``. Graduation draws are
    correlated within a sector and fund through a Gaussian copula with
    ``params.sector_rho``: one shock per sector and step since entry (round cycle),
    shared by the sector's companies taking that step, independent across steps.
    TVPI = total exit value / paid-in capital (initial checks
    plus follow-ons actually made; unused reserve is not called), gross of fees.

    Random numbers come in fixed blocks of ``BLOCK_FUNDS`` funds, each with its own
    generator spawned from ``numpy.random.SeedSequence(seed)``; a chunk is a whole
    number of blocks, so the same seed gives the same numbers whatever
    ``chunk_size`` is (and every complete block of funds is the same for any larger
    ``sims``). The generator is ``BIT_GENERATOR`` (SFC64). The outcome uniform is
    drawn in single precision (resolution 2**-24), the normals (sector shocks, exit
    bodies) by Box-Muller on float32 uniforms (CDF within ~1.2e-7 of the normal's,
    ``|z| <= 5.77``), and the copula's normal CDF is read from float32 tables (error
    < 1.5e-7); all are far below Monte Carlo error, but probabilities below ~1e-6 per
    step are not resolved.

    Parameters
    ----------
    portfolio : DataFrame with sector, stage, companies, capital_usd (as from
        :func:`allocate`); each company's check is capital_usd / companies.
    params : the model parameters.
    sims : number of simulated funds.
    seed : seed of the random streams.
    reserve_usd : follow-on reserve per fund, USD.
    chunk_size : funds per vectorised chunk, rounded down to whole blocks (at least
        one); bounds memory at roughly ``16 * chunk * companies * 8`` bytes.
    keep_tvpi : keep every fund's TVPI (default: when ``sims <= KEEP_TVPI_MAX_SIMS``).
    thresholds : x values for ``prob_tvpi_at_least``.

    Returns
    -------
    FundOutcome
    """
    sims, seed, reserve = _check_run(sims, seed, reserve_usd)
    if not isinstance(params, SimulationParams):
        raise InputError(f"params must be a SimulationParams. Got {type(params).__name__}.")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise InputError(f"The 'chunk_size' parameter must be a positive integer. Got {chunk_size!r} instead.")
    book = _book(portfolio)
    tables = _tables(params, book.sectors)
    copula = _copula_table(tables, params.sector_rho)
    lookup = _lookup(book, tables)
    plans = _group_plans(book, tables, copula)
    keep = sims <= KEEP_TVPI_MAX_SIMS if keep_tvpi is None else bool(keep_tvpi)

    n_blocks = -(-sims // BLOCK_FUNDS)
    children = np.random.SeedSequence(seed).spawn(n_blocks)
    per_chunk = max(1, int(chunk_size) // BLOCK_FUNDS)
    acc = _Accumulator(sims, n_blocks, thresholds, keep, HISTOGRAM_EDGES)
    scratch = _Scratch()
    for first in range(0, n_blocks, per_chunk):
        ids = range(first, min(first + per_chunk, n_blocks))
        blocks = []
        row = 0
        for b in ids:
            size = min(BLOCK_FUNDS, sims - b * BLOCK_FUNDS)
            blocks.append((_block_generator(children[b]), row, row + size))
            row += size
        tvpi, loss, best = _simulate_chunk(book, tables, params, reserve, blocks, copula, lookup, scratch, plans)
        for b, (_, r0, r1) in zip(ids, blocks, strict=True):
            acc.add(b, b * BLOCK_FUNDS, tvpi[r0:r1], loss[r0:r1], best[r0:r1])
    return acc.outcome(seed)


# --------------------------------------------------------------------------------------
# Simulation: plain-Python reference
# --------------------------------------------------------------------------------------


def simulate_fund_reference(
    portfolio: pd.DataFrame,
    params: SimulationParams,
    *,
    sims: int,
    seed: int,
    reserve_usd: float = 0.0,
    thresholds: Sequence[float] = DEFAULT_TVPI_THRESHOLDS,
) -> FundOutcome:
    """The same model as :func:`simulate_fund`, one fund and one company at a time.

    Written as the model reads, with separate draws per step (graduate or not; then
    acquisition or failure) instead of the vectorised engine's single categorical
    draw, and one ``numpy.random.default_rng(seed)`` stream. It agrees with
    :func:`simulate_fund` in distribution, not number for number. For benchmarks and
    checks only: about 0.26 ms per 30-company fund, some 180 times slower than the
    vectorised engine.
    """
    sims, seed, reserve = _check_run(sims, seed, reserve_usd)
    book = _book(portfolio)
    tables = _tables(params, book.sectors)
    rng = np.random.default_rng(seed)
    normal = NormalDist()
    rho = params.sector_rho
    acc = _Accumulator(sims, n_blocks=1, thresholds=thresholds, keep=True, edges=HISTOGRAM_EDGES)
    companies = [
        (int(book.sector[j]), int(book.entry[j]), float(book.check[j])) for j in range(book.check.shape[0])
    ]

    def graduation(shock: float, s: int, k: int) -> float:
        """Graduation probability of stage k in sector s given the sector's shock."""
        p = params.graduation_for(book.sectors[s], STAGES[k])
        if rho == 0.0 or p in (0.0, 1.0):
            return p
        return normal.cdf((normal.inv_cdf(p) - math.sqrt(rho) * shock) / math.sqrt(1.0 - rho))

    tvpis, losses, bests = [], [], []
    for _ in range(sims):
        # One shock per sector and round cycle (step since entry).
        shocks = [[rng.standard_normal() for _ in STAGES] for _ in book.sectors]
        stage_now = [entry for _, entry, _ in companies]
        alive = [True] * len(companies)
        own = [1.0] * len(companies)
        invested = [check for _, _, check in companies]
        value = [0.0] * len(companies)
        left = reserve
        for step in range(len(STAGES)):
            raising = []  # (company, round stage, pro-rata demand)
            for j, (s, entry, check) in enumerate(companies):
                if not alive[j]:
                    continue
                k = stage_now[j]
                price = check * own[j] * tables.value[entry, k]  # fund's stake at the last post-money
                if rng.random() < graduation(shocks[s][step], s, k):
                    if k == _LAST:
                        value[j] = price * params.success_exit.draw(rng)
                        alive[j] = False
                    else:
                        nxt = k + 1
                        stage_now[j] = nxt
                        demand = check * own[j] * tables.dilution[nxt] * tables.value[entry, nxt]
                        raising.append((j, nxt, demand if (reserve > 0 and tables.follow[nxt]) else 0.0))
                else:
                    alive[j] = False
                    if rng.random() < tables.mna[k]:
                        value[j] = price * params.mna_exit.draw(rng)
            total = sum(d for _, _, d in raising)
            frac = min(1.0, left / total) if total > 0 else 0.0
            for j, nxt, demand in raising:
                invested[j] += frac * demand
                taken = frac if demand > 0 else 0.0
                own[j] *= 1.0 - tables.dilution[nxt] * (1.0 - taken)
            left = max(left - frac * total, 0.0)
        fund_value = sum(value)
        fund_invested = sum(invested)
        tvpis.append(fund_value / fund_invested)
        losses.append(sum(inv for v, inv in zip(value, invested, strict=True) if v < inv) / fund_invested)
        bests.append(max(value) / fund_value if fund_value > 0 else float("nan"))
    acc.add(0, 0, np.array(tvpis), np.array(losses), np.array(bests))
    return acc.outcome(seed)
