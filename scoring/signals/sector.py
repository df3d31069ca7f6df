"""Per-sector signals as of a date: capability, cost, unit economics, graduation, momentum.

Everything here reads the data store *as of* the date (rows dated, or published, on
or before it) and calls the pure models; the result is a frozen ``SectorSignals``
that the timing scores, the memo and the backtest all read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gapscore.models._frontier import same_share, year_of
from gapscore.scoring.inputs.datasets import DataStore
from gapscore.scoring.inputs.sectors import sector_categories, selector_text, selects_rounds
from gapscore.scoring.signals.timing import TimingInputs, YearForecast, forecast_from_interval

if TYPE_CHECKING:  # types only: the models are imported where they are fitted, lazily
    from gapscore.models.capability import CapabilityResult
    from gapscore.models.cost import CostResult
    from gapscore.models.economics import EconomicsResult
    from gapscore.scoring.inputs.config_types import Config


@dataclass(frozen=True, eq=False)
class Traction:
    """Seed-to-Series-A graduation within the window: computed from rounds, or published.

    ``band`` says what ``low`` and ``high`` are: "interval" (a computed rate's Wilson
    interval, ``coverage``) or "range" (the range the source gave, no coverage).
    ``describes`` names the cohort years and age of a published rate; ``note`` says what
    was passed over and why.
    """

    rate: float
    low: float
    high: float
    n: float
    origin: str  # "computed" or "published"
    source: str
    population: str = "sector"  # "sector": the sector's own rounds or rate; "market": a market-wide rate
    band: str = "interval"  # "interval": a statistical interval (coverage); "range": the range given by the source
    coverage: float = 0.95
    describes: str = ""
    note: str = ""

    def band_text(self) -> str:
        """"95% interval 33%-50%", "range given by the source 70%-80%", or "" without a band."""
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            return ""
        if self.band == "range":
            return f"range given by the source {self.low:.0%}-{self.high:.0%}"
        return f"{self.coverage:.0%} interval {self.low:.0%}-{self.high:.0%}"

    def band_kind(self) -> str | None:
        """What low-high is, in words: "range given by the source", "95% interval", or None."""
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            return None
        return "range given by the source" if self.band == "range" else f"{self.coverage:.0%} interval"

    def line(self) -> str:
        band = self.band_text()
        band = f", {band}" if band else ""
        n = "" if not math.isfinite(self.n) else f", n = {self.n:,.0f}"
        what = f"; {self.describes}" if self.describes else ""
        note = f"; not used: {self.note}" if self.note else ""
        if self.origin == "computed":
            return f"seed to Series A graduation {self.rate:.0%}{n}{band} (computed from the sector's rounds: {self.source})"
        if self.population == "market":
            return (f"seed to Series A graduation {self.rate:.0%}{n}{band} (published, market-wide: no comparable rounds or rate "
                    f"for this sector, so the nearest population, all sectors, stands in: {self.source}{what}{note})")
        return f"seed to Series A graduation {self.rate:.0%}{n}{band} (published for this sector: {self.source}{what}{note})"


@dataclass(frozen=True, eq=False)
class FundingEvidence:
    """The sector's own funding series as of a date: direction, share, source.

    ``series`` is None when no mapped series has a row known on the as-of date;
    ``growth`` is None with fewer than two years. ``current`` says the series is recent
    enough (``funding.max_age_years``) to speak for today's interest.
    """

    mapped: tuple[str, ...]
    reason: str
    series: str | None = None
    scope: str | None = None
    first_year: int | None = None
    last_year: int | None = None
    last_usd_millions: float | None = None
    growth: float | None = None
    share: float | None = None
    share_year: int | None = None  # the year the share is of (the last with a known total)
    total_series: str | None = None
    source: str | None = None
    published: pd.Timestamp | None = None
    current: bool = False
    direction: str = "unknown"  # growing, flat, falling, unknown
    rows: pd.DataFrame | None = None  # the series' rows used (latest edition per year)

    @property
    def growth_if_current(self) -> float | None:
        return self.growth if (self.current and self.growth is not None) else None

    def line(self) -> str:
        if self.series is None:
            mapped = f"; mapped series {', '.join(self.mapped)} have no row known yet" if self.mapped else ""
            return f"no funding series for this sector ({self.reason}){mapped}"
        years = f"{self.first_year}-{self.last_year}" if self.first_year != self.last_year else f"{self.last_year} only"
        text = f"funding series {self.series} ({self.scope}, {years}): USD {self.last_usd_millions:,.0f}M in {self.last_year}"
        if self.growth is not None:
            text += f", {self.direction} ({100 * self.growth:+.0f}% a year)"
        elif self.current:
            text += "; one year only, so no direction yet (funding leg missing)"
        if self.share is not None:
            text += f", {self.share:.1%} of {self.total_series}" + ("" if self.share_year == self.last_year else f" in {self.share_year}")
        text += f"; source: {self.source}, published {self.published.date()}"
        if not self.current:
            text += f"; the series ends in {self.last_year}: too old to speak for interest now (funding leg missing)"
        return text

    def as_dict(self) -> dict:
        return {
            "series": self.series, "mapped": list(self.mapped), "reason": self.reason, "scope": self.scope,
            "first_year": self.first_year, "last_year": self.last_year, "last_usd_millions": self.last_usd_millions,
            "growth_per_year": None if self.growth is None else round(self.growth, 6), "direction": self.direction,
            "share_of_ai": None if self.share is None else round(self.share, 6), "share_year": self.share_year,
            "total_series": self.total_series,
            "source": self.source, "published": None if self.published is None else self.published.date().isoformat(),
            "current": self.current,
        }


@dataclass(frozen=True, eq=False)
class SectorSignals:
    sector: str
    name: str
    as_of: pd.Timestamp
    capability: CapabilityResult | None
    cost: CostResult | None
    economics: EconomicsResult | None
    economics_by_target: dict = field(default_factory=dict)  # target share -> (year, low, high, already); read with economics_at
    economics_since: tuple | None = None  # at the target share: (year, found) when already viable (viable_since)
    traction: Traction | None = None
    momentum_ratio: float | None = None
    momentum_counts: tuple[int, int] | None = None
    funding: FundingEvidence | None = None

    @property
    def as_of_year(self) -> float:
        return year_of(self.as_of)

    @property
    def has_capability(self) -> bool:
        """The sector has capability forecasts as of the date (fitted curves or the reference class)."""
        return self.capability is not None and self.capability.has_forecast

    def capability_forecast(self, threshold: float, min_sd: float) -> YearForecast | None:
        if not self.has_capability:
            return None
        f = self.capability.forecast(threshold)  # KeyError: a share that was not forecast
        if f.capped:
            return None  # beyond the model's horizon: not in sight
        return forecast_from_interval(f"capability {threshold:.0%}", f.year, f.low, f.high, passed=f.passed, min_sd=min_sd)

    def economics_at(self, target: float) -> tuple | None:
        """(year, low, high, already viable) at inference share ``target``; None if not estimated."""
        return economics_at(self.economics_by_target, target)

    def economics_forecast(self, target: float, min_sd: float) -> YearForecast | None:
        got = self.economics_at(target)
        if got is None:
            return None
        year, low, high, already = got
        if year is None or not math.isfinite(year):
            return None
        return forecast_from_interval("unit economics", year, low, high, passed=already, min_sd=min_sd)

    def timing_inputs(self, cfg: Config) -> TimingInputs:
        ms = cfg["milestone"]
        min_sd = ms["min_sd_years"]
        cap = self.capability_forecast(ms["capability_threshold"], min_sd)
        econ = self.economics_forecast(cfg["economics"]["target_share"], min_sd)
        perfection = self.capability_forecast(ms["perfection_threshold"], min_sd)
        has_cap = self.has_capability
        if has_cap and cap is None:
            # The milestone share beyond the horizon: not reached within any window we
            # score (CDF 0). Left out instead, the milestone would rest on unit economics
            # alone and read as passed while capability is not in sight.
            cap = YearForecast(f"capability {ms['capability_threshold']:.0%}", math.inf, 0.0, math.inf, math.inf)
        if has_cap and perfection is None:
            # Perfection beyond the horizon: its CDF is 0 within any window we score.
            perfection = YearForecast("capability perfection", math.inf, 0.0, math.inf, math.inf)
        velocity = self.capability.velocity_per_year if has_cap else None
        return TimingInputs(
            as_of_year=self.as_of_year,
            milestone=tuple(f for f in (cap, econ) if f is not None),
            perfection=perfection,
            velocity=velocity,
            traction_rate=None if self.traction is None else self.traction.rate,
            momentum_ratio=self.momentum_ratio,
            has_capability=has_cap,
            saturated_only=has_cap and bool(self.capability.beyond_measure),
            funding_growth=None if self.funding is None else self.funding.growth_if_current,
        )


def economics_at(by_target: dict, target: float) -> tuple | None:
    """The entry of ``by_target`` (target share -> (year, low, high, already)) at ``target``."""
    for key, value in by_target.items():
        if same_share(key, target):  # the capability thresholds' tolerance
            return value
    return None


def capability_thresholds(cfg: Config) -> tuple[float, ...]:
    """Every share any score, report or sensitivity run needs a forecast for."""
    values = set(cfg["capability"]["thresholds"])
    values |= {cfg["milestone"]["capability_threshold"], cfg["milestone"]["perfection_threshold"]}
    for key in ("milestone.capability_threshold", "milestone.perfection_threshold"):
        values |= set(cfg.get("sensitivity", {}).get(key, []))
    return tuple(sorted(float(v) for v in values))


def economics_targets(cfg: Config) -> tuple[float, ...]:
    values = {cfg["economics"]["target_share"], cfg["economics"]["target_share_low"]}
    values |= set(cfg.get("sensitivity", {}).get("economics.target_share", []))
    return tuple(sorted(float(v) for v in values))


def _prior_key(as_of: pd.Timestamp, cfg: Config) -> tuple:
    c = cfg["capability"]
    return ("shape_prior", pd.Timestamp(as_of), c["shape_reference"], c["min_points"], c["shape_min_benchmarks"], c["error_scale"])


def _prior_reference(store: DataStore, cfg: Config) -> list:
    """The benchmarks the shape prior's reference class is drawn from."""
    if cfg["capability"]["shape_reference"] == "sectors":
        return sorted({b for t in store.sectors().values() for b in t.get("benchmarks", [])})
    return store.load("benchmarks")["benchmark"].tolist()


def _fit_priors(store: DataStore, dates: list, cfg: Config) -> list:
    """The shape prior of each of ``dates``, in one pass (``models.shape_prior.shape_priors``)."""
    from gapscore.models.shape_prior import shape_priors as fit_priors

    c = cfg["capability"]
    return fit_priors(store.as_of("capability", max(dates)), store.load("benchmarks"), dates=dates,
                      reference=_prior_reference(store, cfg), min_points=c["min_points"],
                      min_benchmarks=c["shape_min_benchmarks"], error_scale=c["error_scale"])


def _fit_prior(store: DataStore, as_of: pd.Timestamp, cfg: Config):
    return _fit_priors(store, [as_of], cfg)[0]


def shape_prior(store: DataStore, as_of: pd.Timestamp, cfg: Config):
    """The reference class sparse benchmarks borrow their curve's shape from (None: off or too few).

    Computed once per date on the store (every sector as of a date shares it).
    """
    if cfg["capability"]["shape_reference"] == "none":
        return None
    return store.memo(_prior_key(as_of, cfg), lambda: _fit_prior(store, as_of, cfg))


def _priors_task(task) -> list:
    store, dates, cfg = task
    return _fit_priors(store, dates, cfg)


def _lifetimes_task(task) -> list:
    store, dates, cfg = task
    return [lifetime_prior(store, d, cfg) for d in dates]


def _per_date(store: DataStore, dates, cfg: Config, key, fit_many, *, jobs, scheduler) -> dict:
    """``{date: value}`` of a per-date reference class, each missing date fitted once and
    kept on the store under ``key(date, cfg)``. ``fit_many((store, dates, cfg))`` fits a
    list of dates in one process; the missing dates are dealt round-robin to the workers
    (``scoring.parallel``: one share per local worker, one date per task on a cluster).
    A date's value does not depend on which other dates share its task (tested)."""
    from gapscore.scoring.parallel import run_map, workers

    wanted = [pd.Timestamp(d) for d in dict.fromkeys(dates)]
    missing = [d for d in wanted if not store.memoized(key(d, cfg))]
    shares = workers(jobs, len(missing)) if scheduler is None else len(missing)
    if shares > 1:
        preload_fits()
    tasks = [(store, missing[i::shares], cfg) for i in range(shares)] if missing else []
    for task, fitted in zip(tasks, run_map(fit_many, tasks, jobs=jobs, scheduler=scheduler), strict=True):
        for d, value in zip(task[1], fitted, strict=True):
            store.memo(key(d, cfg), lambda value=value: value)
    return {d: store.memo(key(d, cfg), lambda: None) for d in wanted}


def preload_fits() -> None:
    """Import what the fits import lazily (scipy.optimize: 250 modules, about 0.3 s) once,
    here, before workers fork: a forked worker inherits it instead of importing it again."""
    import scipy.optimize  # noqa: F401

    import gapscore.models.shape_prior  # noqa: F401


def shape_priors(store: DataStore, dates, cfg: Config, *, jobs: int | None = None, scheduler: str | None = None) -> dict:
    """The shape priors of many dates at once (in parallel), kept on the store: {date: prior}.

    In one process the reference class is normalised once for every date and each
    benchmark's curve fitted once per set of record points (``_fit_priors``)."""
    if cfg["capability"]["shape_reference"] == "none":
        return {pd.Timestamp(d): None for d in dates}
    return _per_date(store, dates, cfg, _prior_key, _priors_task, jobs=jobs, scheduler=scheduler)


def lifetime_priors(store: DataStore, dates, cfg: Config, *, jobs: int | None = None, scheduler: str | None = None) -> dict:
    """:func:`lifetime_prior` of many dates at once (in parallel), kept on the store: {date: prior}."""
    if cfg["capability"]["lifetime_reference"] == "none":
        return {pd.Timestamp(d): None for d in dates}
    return _per_date(store, dates, cfg, _lifetime_key, _lifetimes_task, jobs=jobs, scheduler=scheduler)


def _lifetime_key(as_of: pd.Timestamp, cfg: Config) -> tuple:
    c = cfg["capability"]
    return ("lifetime_prior", pd.Timestamp(as_of), capability_thresholds(cfg), c["lifetime_reference"],
            c["lifetime_min_benchmarks"], c["lifetime_trend_prior_sd"], c["error_scale"], c["lifetime_conformal"], c["interval"],
            tuple(c["lifetime_from_shares"]))


def lifetime_prior(store: DataStore, as_of: pd.Timestamp, cfg: Config):
    """The reference class of benchmark lifetimes as of ``as_of`` (None: off or too few resolved).

    Learned from every benchmark with a human baseline known on ``as_of``; computed once
    per date on the store (every sector as of a date shares it).
    """
    from gapscore.models.shape_prior import lifetime_prior as fit_lifetimes

    c = cfg["capability"]
    if c["lifetime_reference"] == "none":
        return None
    return store.memo(_lifetime_key(as_of, cfg), lambda: fit_lifetimes(
        store.as_of("capability", as_of), store.load("benchmarks"), as_of=as_of, thresholds=capability_thresholds(cfg),
        min_benchmarks=c["lifetime_min_benchmarks"], trend_prior_sd=c["lifetime_trend_prior_sd"],
        error_scale=c["error_scale"], conformal_level=c["interval"] if c["lifetime_conformal"] else None,
        from_shares=c["lifetime_from_shares"]))


def _capability(store: DataStore, table: dict, as_of: pd.Timestamp, cfg: Config):
    from gapscore.models.capability import fit_sector

    if not table.get("benchmarks"):
        return None
    c = cfg["capability"]
    return fit_sector(
        store.as_of("capability", as_of),
        store.load("benchmarks"),
        sector_benchmarks=table["benchmarks"],
        sector=table["id"],
        as_of=as_of,
        thresholds=capability_thresholds(cfg),
        level=c["interval"],
        min_points=c["min_points"],
        error_scale=c["error_scale"],
        n_boot=c["n_boot"],
        random_state=c["random_state"],
        task_cap=c["task_cap"],
        pool_when_sparse=bool(c["pool_when_sparse"]),
        prior=shape_prior(store, as_of, cfg),
        prior_min_points=c["shape_min_points"],
        saturation_noise=c["saturation_noise_points"],
        lifetime_prior=lifetime_prior(store, as_of, cfg),
        horizon_years=c["horizon_years"],
        interval_scales=_forecast_scales(store, as_of, cfg),
        stale_after_years=c["stale_after_years"],
    )


def shared_references(store: DataStore, as_of: pd.Timestamp, cfg: Config, *, capability: bool = True) -> None:
    """Compute, and keep on the store, what every sector scored as of ``as_of`` shares:
    the shape and lifetime reference classes and the conformal factors (when some sector
    fits a capability curve) and the pooled cost rate. ``score_all`` calls it before it
    scores sectors in worker processes, which inherit the store: each is then computed
    once, not once per worker (the same values either way: each is a function of the
    store and the date)."""
    as_of = pd.Timestamp(as_of)
    if capability:
        shape_prior(store, as_of, cfg)
        lifetime_prior(store, as_of, cfg)
        _forecast_scales(store, as_of, cfg)
    cost_pool(store, as_of, cfg)


def _forecast_scales(store: DataStore, as_of: pd.Timestamp, cfg: Config):
    from gapscore.scoring.signals.calibration import forecast_scales

    return forecast_scales(store, as_of, cfg)


def _config(cfg: Config | None) -> Config:
    if cfg is None:
        from gapscore.scoring.inputs.config import load_config

        return load_config()
    return cfg


def long_run_rates(cfg: Config) -> dict:
    """The long-run decline rates a projection moves toward: central and scenarios.

    "central": hardware price-performance (Epoch, all GPUs) x algorithmic efficiency
    (Gundlach et al.), its range from the slow hardware and algorithmic ends to the fast
    ones; "ml_gpus": the ML-GPU doubling time; "b200_cadence": each generation cuts the
    cost per token x0.35 (B200 against H100) every ``generation_years``.
    """
    from gapscore.models import cost as cm

    c = cfg["cost"]
    slow = cm.doubling_factor(c["hardware_doubling_years_slow"]) * c["algorithmic_factor_slow"]
    fast = cm.doubling_factor(c["hardware_doubling_years_ml"]) * c["algorithmic_factor_fast"]
    step = 1.0 / cm.hardware_cost_multiplier(throughput_ratio=cm.B200_THROUGHPUT_RATIO, price_ratio=cm.B200_PRICE_RATIO)
    make = cm.LongRunRate.from_components
    return {
        "central": make(hardware_factor=cm.doubling_factor(c["hardware_doubling_years"]), algorithmic_factor=c["algorithmic_factor"],
                        slow=slow, fast=fast, label=f"GPU price-performance (doubling {c['hardware_doubling_years']:g} y) x algorithms ({c['algorithmic_factor']:g}x/y)"),
        "ml_gpus": make(hardware_factor=cm.doubling_factor(c["hardware_doubling_years_ml"]), algorithmic_factor=c["algorithmic_factor"],
                        slow=slow, fast=fast, label=f"ML GPUs (doubling {c['hardware_doubling_years_ml']:g} y) x algorithms"),
        "b200_cadence": make(hardware_factor=step ** (1.0 / c["generation_years"]), algorithmic_factor=c["algorithmic_factor"],
                             slow=slow, fast=fast, label=f"B200-like generation (x{1 / step:.2f}) every {c['generation_years']:g} y x algorithms"),
    }


def floor_model(cfg: Config, spec: dict | None = None, as_of: pd.Timestamp | None = None):
    """The model whose compute per token floors a price series (``spec``: its
    ``[sectors.X.cost]`` table) as of ``as_of``: the fewest active parameters among the
    table's ``floor_models`` known on the date to score at least its threshold, else the
    default of ``[cost] floor_parameters_default`` (named as such)."""
    from gapscore.models.cost import smallest_model

    c = cfg["cost"]
    spec = spec or {}
    models = spec.get("floor_models", ()) if as_of is not None else ()
    return smallest_model(models, threshold=float(spec.get("threshold", 0.0)), as_of=as_of if as_of is not None else pd.Timestamp.min,
                          default_parameters=c["floor_parameters_default"],
                          default_source="assumption: no model with a published parameter count known to reach the threshold on the date")


def token_floor(cfg: Config, spec: dict | None = None, as_of: pd.Timestamp | None = None) -> float:
    """USD per 1M tokens below which no price projection goes: the electricity of the
    compute a token needs on the smallest model known on ``as_of`` to reach the series'
    threshold (:func:`floor_model`); without ``spec``, the default model's."""
    from gapscore.models.cost import energy_floor
    from gapscore.models.economics import TOKENS_PER_PRICE_UNIT

    c = cfg["cost"]
    flop = floor_model(cfg, spec, as_of).flop_per_token(c["flop_per_parameter"])
    return float(energy_floor(flop * TOKENS_PER_PRICE_UNIT, joules_per_flop=c["joules_per_flop"], usd_per_kwh=c["usd_per_kwh"]))


def _verified_prices(store: DataStore, as_of: pd.Timestamp) -> pd.DataFrame:
    prices = store.as_of("prices", as_of)
    if "verified" in prices.columns:
        prices = prices[prices["verified"].astype(bool)]
    return prices


def _fit_pool(store: DataStore, as_of: pd.Timestamp, min_series: int):
    from gapscore.models.cost import effective_slope_se, fit_cost, pool_slopes

    prices = _verified_prices(store, as_of)
    specs = sorted({(t["cost"]["benchmark"], float(t["cost"]["threshold"])) for t in store.sectors().values()
                    if isinstance(t.get("cost"), dict) and t["cost"].get("mode", "prices") != "compute"})
    slopes, ses, labels = [], [], []
    for bench, threshold in specs:
        if bench not in prices.columns:
            continue
        fit = fit_cost(prices, benchmark=bench, threshold=threshold, as_of=as_of)
        se = effective_slope_se(fit.curve) if fit.curve is not None and fit.curve.results_.df_resid > 0 else math.nan
        if math.isfinite(se) and se > 0:  # a perfect fit carries no precision to weigh by
            slopes.append(fit.curve.slope_)
            ses.append(se)
            labels.append(f"{bench} >= {threshold:g}")
    if len(slopes) < min_series:
        return None
    return pool_slopes(slopes, ses, labels)


def cost_pool(store: DataStore, as_of: pd.Timestamp, cfg: Config | None = None):
    """The pooled rate of every sector's price series as of ``as_of`` (None: too few), once per date."""
    cfg = _config(cfg)
    n = int(cfg["cost"]["pool_min_series"])
    return store.memo(("cost_pool", pd.Timestamp(as_of), n), lambda: _fit_pool(store, pd.Timestamp(as_of), n))


def _cost(store: DataStore, table: dict, as_of: pd.Timestamp, cfg: Config | None = None):
    """The sector's cost curve as of ``as_of``: a price trend shrunk toward the pool and
    projected toward the long-run rate above the energy floor, or (mode "compute") the
    compute a unit needs x the cloud price of compute."""
    from gapscore.models.cost import fit_compute_cost, fit_cost, with_projection

    spec = table.get("cost")
    if not spec:
        return None
    cfg = _config(cfg)
    c = cfg["cost"]
    if spec.get("mode") == "compute":
        return fit_compute_cost(
            store.as_of("hardware", as_of), as_of=as_of, capability=spec["capability"], level=float(spec["capability_level"]),
            unit=spec["unit"], flop_per_unit=float(spec["flop_per_unit"]), flop_date=spec["flop_per_unit_date"],
            halving_years=float(spec["halving_years"]), halving_date=spec["halving_date"], utilization=c["compute_utilization"],
            joules_per_flop=c["joules_per_flop"], usd_per_kwh=c["usd_per_kwh"])
    prices = _verified_prices(store, as_of)
    raw = fit_cost(prices, benchmark=spec["benchmark"], threshold=float(spec["threshold"]), as_of=as_of)
    basis = floor_model(cfg, spec, as_of)
    return with_projection(raw, pool=cost_pool(store, as_of, cfg), long_run=long_run_rates(cfg)["central"],
                           floor=token_floor(cfg, spec, as_of), persistence=c["persistence"],
                           observed_end=observed_end(prices, spec["benchmark"], as_of), floor_basis=basis.describe(spec["benchmark"]))


def observed_end(prices: pd.DataFrame, benchmark: str, as_of: pd.Timestamp) -> pd.Timestamp | None:
    """The last date, on or before ``as_of``, of a priced model with a score on ``benchmark``:
    until then the cheapest model at the threshold is observed, not projected."""
    if benchmark not in prices.columns:
        return None
    dates = pd.to_datetime(prices.loc[pd.to_numeric(prices[benchmark], errors="coerce").notna(), "date"])
    dates = dates[dates <= as_of]
    return None if dates.empty else pd.Timestamp(dates.max())


def cost_per_unit(spec: dict, cost, as_of: pd.Timestamp, *, horizon_years: float, level: float,
                  start_year: int | None = None) -> pd.DataFrame | None:
    """Projected inference cost of one unit of use, by year: year, price, low, high (USD).

    "tokens": the cost curve's price per 1M tokens x tokens per unit. "compute": the
    compute cost curve's price per unit as it is (it is already per unit), from the
    date the revenue figure is known. "anchor": a published cost per unit at a date,
    falling as the cost curve's projection falls (or at a stated
    ``decline_per_year``). A published anchor is only known from its date on: before
    it, there is no projection.
    """
    start = int(as_of.year)
    years = np.arange(start if start_year is None else int(start_year), start + int(horizon_years) + 1)
    mid_year = pd.DatetimeIndex([pd.Timestamp(f"{y}-07-01") for y in years])
    mode = spec.get("mode", "tokens")
    if mode in ("tokens", "compute"):
        if cost is None or not cost.is_fitted:
            return None
        if mode == "compute" and "revenue_per_unit_date" in spec and pd.Timestamp(str(spec["revenue_per_unit_date"])) > as_of:
            return None
        proj = cost.project(mid_year, level)
        scale = float(spec["tokens_per_unit"]) / 1e6 if mode == "tokens" else 1.0
        return pd.DataFrame({"year": years, "price": proj["price"].to_numpy() * scale,
                             "low": proj["low"].to_numpy() * scale, "high": proj["high"].to_numpy() * scale})
    anchor_date = pd.Timestamp(spec["anchor_date"])
    if anchor_date > as_of:
        return None
    t = years + 0.5 - year_of(anchor_date)
    anchor = float(spec["anchor_cost"])
    projection = getattr(cost, "projection", None) if cost is not None and cost.is_fitted else None
    if projection is not None:
        # The anchor falls as the sector's projected price falls from the anchor date.
        ref = float(projection.predict(pd.DatetimeIndex([anchor_date]))[0])
        low, high = projection.predict_interval(mid_year, level)
        mid = projection.predict(mid_year)
        return pd.DataFrame({"year": years, "price": anchor * mid / ref, "low": anchor * low / ref, "high": anchor * high / ref})
    if cost is not None and cost.is_fitted:
        mid, (slow, fast) = cost.decline_factor_per_year, cost.ci90
    elif "decline_per_year" in spec:
        mid = slow = fast = 1.0 / (1.0 - float(spec["decline_per_year"]))
    else:
        return None
    # Before the anchor date (t < 0) the faster decline gives the higher cost: the band
    # is the elementwise min and max, and the central line is kept inside it (with one
    # stated rate all three are equal up to rounding).
    a, b = anchor / fast ** t, anchor / slow ** t
    low, high = np.minimum(a, b), np.maximum(a, b)
    return pd.DataFrame({"year": years, "price": np.clip(anchor / mid ** t, low, high), "low": low, "high": high})


def _economics(table: dict, cost, as_of: pd.Timestamp, cfg: Config):
    """Unit economics per target share: {target: (year, low, high, already_viable)}."""
    from gapscore.models import economics as econ

    spec = table.get("economics")
    if not spec:
        return None, {}
    projection = cost_per_unit(spec, cost, as_of, horizon_years=cfg["milestone"]["horizon_years"], level=cfg["capability"]["interval"])
    if projection is None:
        return None, {}
    revenue = float(spec["revenue_per_unit"])
    result = econ.unit_economics(projection, tokens_per_unit=1e6, revenue_per_unit=revenue, target_share=cfg["economics"]["target_share"])
    start = year_of(as_of)
    by_target = {}
    for target in economics_targets(cfg):
        year, low, high = econ.viable_year(projection, tokens_per_unit=1e6, revenue_per_unit=revenue, target_share=target)
        already = year is not None and year <= as_of.year
        by_target[float(target)] = (
            None if year is None else (float(year) if already else max(float(year), start)),
            np.nan if low is None else float(low),
            np.inf if high is None else float(high),
            already,
        )
    return result, by_target


def viable_since(table: dict, cost, as_of: pd.Timestamp, cfg: Config, target: float) -> tuple[int, bool] | None:
    """When unit economics became viable, for a sector already viable on ``as_of``:
    (year, found). Reads the sector's cost per unit by year from the first year with a
    cost estimate (the first frontier price; a compute curve's first quote; an anchor's
    date) to the as-of year: the fitted trend over the data, the projection after it,
    all as of ``as_of``. ``found`` False: viable from the first year with an estimate,
    so it was viable "since at least" that year. None: not viable on ``as_of`` or no
    estimate."""
    from gapscore.models import economics as econ

    spec = table.get("economics")
    if not spec:
        return None
    if spec.get("mode", "tokens") == "anchor":
        first = pd.Timestamp(spec["anchor_date"]).year
    elif cost is not None and cost.is_fitted:
        first = pd.Timestamp(cost.start).year
        if spec.get("mode") == "compute" and "revenue_per_unit_date" in spec:
            first = max(first, pd.Timestamp(str(spec["revenue_per_unit_date"])).year)  # a revenue known from its date
    else:
        return None
    first = min(int(first), int(as_of.year))
    history = cost_per_unit(spec, cost, as_of, horizon_years=0, level=cfg["capability"]["interval"], start_year=first)
    if history is None or history.empty:
        return None
    year, _, _ = econ.viable_year(history, tokens_per_unit=1e6, revenue_per_unit=float(spec["revenue_per_unit"]), target_share=target)
    if year is None or year > as_of.year:
        return None
    return int(year), int(year) > first


def _traction(store: DataStore, table: dict, as_of: pd.Timestamp, cfg: Config) -> Traction | None:
    """Computed from the sector's rounds when enough companies are eligible, else published."""
    from gapscore.models.graduation import cohort_graduation

    g = cfg["graduation"]
    if selects_rounds(table):
        rounds = store.as_of("rounds", as_of)
        mine = rounds["category"].isin(sector_categories(table, rounds["category"]))
        if mine.any():
            # Censored at the data's end: a cohort whose window runs past the last round
            # known is not eligible (the data ends there, not the graduations).
            # Each file is censored at its own end: bundled 2013 rounds loaded with a recent
            # export are not read as seeds that never raised again.
            ends = store.source_ends(rounds, "rounds")
            end = min(as_of, ends[mine].max())
            cohorts = cohort_graduation(rounds, from_round="seed", to_round="series_a", within_months=g["window_months"],
                                        as_of=end, categories=sector_categories(table, rounds["category"]), censor_at=ends)
            cohorts = cohorts[cohorts["n"] > 0]
            recent = cohorts.tail(g["recent_cohorts"])
            n, k = float(recent["n"].sum()), float(recent["graduated"].sum())
            if n >= g["min_companies"]:
                from gapscore.models._intervals import proportion_confint

                low, high = proportion_confint(k, n, alpha=round(1.0 - g["interval"], 12), method="wilson")  # 1 - 0.95 is 0.05 + 4e-17
                files = sorted({Path(str(f)).name for f in rounds.loc[mine, "_file"].astype(str).unique()})
                return Traction(k / n, float(low), float(high), n, "computed",
                                f"{', '.join(files)}: {int(mine.sum())} rounds matching {selector_text(table)}, "
                                f"last {len(recent)} eligible seed cohorts (data end {end.date()})",
                                band="interval", coverage=float(g["interval"]))
    return published_traction(store.as_of("graduation", as_of), table["id"], as_of, cfg)


def row_population(row: pd.Series) -> str:
    """Whom a graduation.csv row describes: its ``population``, or by default "market"
    for sector ``all`` and "sector" for a sector id."""
    pop = row.get("population")
    if isinstance(pop, str) and pop:
        return pop
    return "market" if row["sector"] == "all" else "sector"


def window_comparable(row: pd.Series, window_months: int) -> tuple[bool, str]:
    """(is the row's rate a ``window_months`` rate?, how its window reads).

    A fixed window must equal ``window_months``. A blank window (no fixed window: the
    share that had graduated by the data cut) counts when the cohort's last round was
    followed at least ``window_months`` to ``followed_to``; without a data cut the
    follow-up is unknown and the row is not used. Such a rate also counts graduations
    after the window, so it is at least the window's rate (said in the reason line)."""
    w = row.get("window_months")
    if pd.notna(w):
        if float(w) == float(window_months):
            return True, f"{window_months}-month window"
        return False, f"{float(w):g}-month window, not {window_months}"
    cut = row.get("followed_to")
    if cut is None or pd.isna(cut):
        return False, "no window and no data cut given, so its follow-up is unknown"
    from gapscore.models.graduation import DAYS_PER_MONTH

    months = (pd.Timestamp(cut) - pd.Timestamp(row["cohort_end"])).days / DAYS_PER_MONTH
    if months >= window_months:
        return True, (f"no fixed window: followed to {pd.Timestamp(cut).date()}, at least {months:.0f} months, "
                      f"so it also counts rounds after {window_months} months")
    return False, f"no fixed window and followed only {months:.0f} months (to {pd.Timestamp(cut).date()}), under {window_months}"


def _describes(row: pd.Series, as_of: pd.Timestamp) -> str:
    start, end = pd.Timestamp(row["cohort_start"]), pd.Timestamp(row["cohort_end"])
    years = f"{start.year}" if start.year == end.year else f"{start.year}-{end.year}"
    age = (as_of - end).days / 365.25
    return f"describes seed cohorts {years}, which ended {age:.1f} years before {as_of.date()}, published {pd.Timestamp(row['published']).date()}"


def _label(row: pd.Series) -> str:
    start, end = pd.Timestamp(row["cohort_start"]), pd.Timestamp(row["cohort_end"])
    years = f"{start.year}" if start.year == end.year else f"{start.year}-{end.year}"
    return f"{row['sector']} {years} cohorts {float(row['rate']) * 100:.4g}%"


def published_traction(published: pd.DataFrame, sector: str, as_of: pd.Timestamp, cfg: Config) -> Traction | None:
    """The seed-to-A rate a sector's traction rests on, from graduation rows known on ``as_of``.

    The same rule for every sector: a row is comparable when its window is
    ``graduation.window_months`` (``window_comparable``) and it describes a population
    (``top_performers`` rows are the good_rate benchmark, never a population's rate).
    Among comparable rows: the sector's own rate, unless its cohorts ended more than
    ``graduation.sector_max_age_years`` before ``as_of`` and a market rate for later
    cohorts is known; else the market-wide rate. Within a population: the latest
    publication, then the latest cohort end, then the latest line of the file."""
    g = cfg["graduation"]
    rows = published[(published["from_round"] == "seed") & (published["to_round"] == "series_a")
                     & published["sector"].isin([sector, "all"])]
    if rows.empty:
        return None
    skipped = []
    keep = []
    for idx, row in rows.iterrows():
        pop = row_population(row)
        if pop == "top_performers":
            skipped.append(f"{_label(row)} describes top performers (the good_rate benchmark), not a population")
            continue
        ok, why = window_comparable(row, g["window_months"])
        if not ok:
            skipped.append(f"{_label(row)}: {why}")
            continue
        keep.append((idx, pop, why))
    order = ["published", "cohort_end"] + (["_line"] if "_line" in rows.columns else [])

    def best(pop: str):
        idx = [i for i, p, _ in keep if p == pop and (rows.loc[i, "sector"] == sector if pop == "sector" else rows.loc[i, "sector"] == "all")]
        if not idx:
            return None
        return rows.loc[idx].sort_values(order, kind="mergesort").index[-1]

    own, market = best("sector"), best("market")
    pick = own
    if own is not None:
        age = (as_of - pd.Timestamp(rows.loc[own, "cohort_end"])).days / 365.25
        if (age > g["sector_max_age_years"] and market is not None
                and pd.Timestamp(rows.loc[market, "cohort_end"]) > pd.Timestamp(rows.loc[own, "cohort_end"])):
            skipped.append(f"the sector's own {_label(rows.loc[own])} describes cohorts that ended {age:.1f} years ago, "
                           f"over graduation.sector_max_age_years ({g['sector_max_age_years']:g}), and a market rate for later cohorts is known")
            pick = market
    else:
        pick = market
    if pick is None:
        return None
    row = rows.loc[pick]
    why = next(w for i, _, w in keep if i == pick)
    low, high = row.get("rate_low", np.nan), row.get("rate_high", np.nan)
    note = "not used: " + "; ".join(skipped) if skipped else ""
    return Traction(float(row["rate"]), float(low) if pd.notna(low) else np.nan, float(high) if pd.notna(high) else np.nan,
                    float(row["n"]) if pd.notna(row["n"]) else np.nan, "published", str(row["source"]),
                    population="market" if row["sector"] == "all" else "sector", band="range",
                    describes=f"{_describes(row, as_of)}, {why}", note=note[len("not used: "):] if note else "")


def funding_directions(store: DataStore, table: dict, as_of: pd.Timestamp, cfg: Config) -> dict[int, tuple[float, str]]:
    """Realized funding direction by year from the sector's series known on ``as_of``:
    {year: (+1 growing / 0 flat / -1 falling, series)}. Each year from the first mapped
    series (sectors.toml order) that has it and the year before (latest editions)."""
    mapped = table.get("funding", {}).get("series") or []
    if not mapped:
        return {}
    known = store.as_of("funding", as_of).sort_values(["published", "_line"], kind="mergesort")
    latest = known.drop_duplicates(["series", "year"], keep="last")
    band = cfg["funding"]["growing_above"]
    out: dict[int, tuple[float, str]] = {}
    for sid in mapped:
        amounts = dict(zip(latest.loc[latest["series"] == sid, "year"].astype(int), latest.loc[latest["series"] == sid, "usd_millions"]))
        for year, value in sorted(amounts.items()):
            prev = amounts.get(year - 1)
            if year in out or prev is None or prev <= 0:
                continue
            growth = value / prev - 1.0
            out[year] = (1.0 if growth > band else -1.0 if growth < -band else 0.0, sid)
    return out


def _funding(store: DataStore, table: dict, as_of: pd.Timestamp, cfg: Config) -> FundingEvidence:
    """The sector's own funding series known on ``as_of``: the freshest mapped series with
    two years (ties: the order in sectors.toml), else the freshest with one."""
    spec = table.get("funding", {})
    mapped = tuple(spec.get("series") or ())
    reason = str(spec.get("series_reason", "no funding mapping in sectors.toml"))
    if not mapped:
        return FundingEvidence(mapped, reason)
    known = store.as_of("funding", as_of).sort_values(["published", "_line"], kind="mergesort")
    latest = known.drop_duplicates(["series", "year"], keep="last")  # a revised figure from its revision on
    best = None
    for order, sid in enumerate(mapped):
        rows = latest[latest["series"] == sid].sort_values("year")
        if rows.empty:
            continue
        rank = (len(rows) >= 2, int(rows["year"].iloc[-1]), -order)
        if best is None or rank > best[0]:
            best = (rank, sid, rows)
    if best is None:
        return FundingEvidence(mapped, reason)
    _, sid, rows = best
    last = rows.iloc[-1]
    growth = None
    if len(rows) >= 2:
        prev = rows.iloc[-2]
        if prev["usd_millions"] > 0:
            growth = float((last["usd_millions"] / prev["usd_millions"]) ** (1.0 / (last["year"] - prev["year"])) - 1.0)
    band = cfg["funding"]["growing_above"]
    direction = "unknown" if growth is None else "growing" if growth > band else "falling" if growth < -band else "flat"
    total = last.get("total_series")
    share, share_year = None, None
    for _, row in rows.iloc[::-1].iterrows():  # the latest year whose all-AI total is known too
        denom = latest[(latest["series"] == row.get("total_series")) & (latest["year"] == row["year"])]
        if len(denom) and denom["usd_millions"].iloc[0] > 0:
            share, share_year = float(row["usd_millions"] / denom["usd_millions"].iloc[0]), int(row["year"])
            break
    current = as_of.year - int(last["year"]) <= cfg["funding"]["max_age_years"]
    return FundingEvidence(
        mapped, reason, series=sid, scope=str(last["scope"]), first_year=int(rows["year"].iloc[0]), last_year=int(last["year"]),
        last_usd_millions=float(last["usd_millions"]), growth=growth, share=share,
        total_series=total if isinstance(total, str) and total else None, source=str(last["source"]), share_year=share_year,
        published=pd.Timestamp(last["published"]), current=bool(current), direction=direction, rows=rows,
    )


def _momentum(store: DataStore, table: dict, as_of: pd.Timestamp, cfg: Config):
    if not selects_rounds(table):
        return None, None
    months = cfg["momentum"]["window_months"]
    rounds = store.as_of("rounds", as_of)
    dates = rounds.loc[rounds["category"].isin(sector_categories(table, rounds["category"])), "date"]
    start = as_of - pd.DateOffset(months=months)
    before = start - pd.DateOffset(months=months)
    last = int(((dates > start) & (dates <= as_of)).sum())
    prior = int(((dates > before) & (dates <= start)).sum())
    if prior == 0:
        return None, (last, prior)
    return last / prior, (last, prior)


def sector_signals(store: DataStore, sector_id: str, as_of: pd.Timestamp, cfg: Config) -> SectorSignals:
    """All signals of one sector, using only data known on ``as_of``."""
    as_of = pd.Timestamp(as_of)
    table = store.sector(sector_id)
    capability = _capability(store, table, as_of, cfg)
    cost = _cost(store, table, as_of, cfg)
    economics, by_target = _economics(table, cost, as_of, cfg)
    momentum, counts = _momentum(store, table, as_of, cfg)
    funding = _funding(store, table, as_of, cfg)
    if momentum is None and funding.growth_if_current is not None:
        momentum = 1.0 + funding.growth_if_current  # this year's amount against last year's
    return SectorSignals(
        sector=sector_id,
        name=table["name"],
        as_of=as_of,
        capability=capability,
        cost=cost,
        economics=economics,
        economics_by_target=by_target,
        economics_since=viable_since(table, cost, as_of, cfg, cfg["economics"]["target_share"]),
        traction=_traction(store, table, as_of, cfg),
        momentum_ratio=momentum,
        momentum_counts=counts,
        funding=funding,
    )
