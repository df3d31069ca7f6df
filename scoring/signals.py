"""Per-sector signals as of a date: capability, cost, unit economics, graduation, momentum.

Everything here reads the data store *as of* the date (rows dated, or published, on
or before it) and calls the pure models; the result is a frozen ``SectorSignals``
that the timing scores, the memo and the backtest all read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gapscore.models._frontier import year_of
from gapscore.scoring.datasets import DataStore
from gapscore.scoring.timing import TimingInputs, YearForecast, forecast_from_interval


@dataclass(frozen=True, eq=False)
class Traction:
    """Seed-to-Series-A graduation within the window: computed from rounds, or published."""

    rate: float
    low: float
    high: float
    n: float
    origin: str  # "computed" or "published"
    source: str


@dataclass(frozen=True, eq=False)
class SectorSignals:
    sector: str
    name: str
    as_of: pd.Timestamp
    capability: object | None  # models.capability.CapabilityResult
    cost: object | None  # models.cost.CostResult
    economics: object | None  # models.economics.EconomicsResult
    economics_by_target: dict = field(default_factory=dict)  # target share -> (year, low, high)
    traction: Traction | None = None
    momentum_ratio: float | None = None
    momentum_counts: tuple[int, int] | None = None

    @property
    def as_of_year(self) -> float:
        return year_of(self.as_of)

    def capability_forecast(self, threshold: float, min_sd: float) -> YearForecast | None:
        cap = self.capability
        if cap is None or not cap.has_forecast:
            return None
        for f in cap.thresholds:
            if abs(f.threshold - threshold) < 1e-9:
                if f.capped:
                    return None  # beyond the model's horizon: not in sight
                return forecast_from_interval(f"capability {threshold:.0%}", f.year, f.low, f.high, passed=f.passed, min_sd=min_sd)
        raise KeyError(f"capability threshold {threshold} was not forecast")

    def economics_forecast(self, target: float, min_sd: float) -> YearForecast | None:
        got = self.economics_by_target.get(round(target, 6))
        if got is None:
            return None
        year, low, high, already = got
        if year is None or not math.isfinite(year):
            return None
        return forecast_from_interval("unit economics", year, low, high, passed=already, min_sd=min_sd)

    def timing_inputs(self, cfg: dict) -> TimingInputs:
        ms = cfg["milestone"]
        min_sd = ms["min_sd_years"]
        cap = self.capability_forecast(ms["capability_threshold"], min_sd)
        econ = self.economics_forecast(cfg["economics"]["target_share"], min_sd)
        perfection = self.capability_forecast(ms["perfection_threshold"], min_sd)
        has_cap = self.capability is not None and self.capability.has_forecast
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
        )


def capability_thresholds(cfg: dict) -> tuple[float, ...]:
    """Every share any score, report or sensitivity run needs a forecast for."""
    values = set(cfg["capability"]["thresholds"])
    values |= {cfg["milestone"]["capability_threshold"], cfg["milestone"]["perfection_threshold"]}
    for key in ("milestone.capability_threshold", "milestone.perfection_threshold"):
        values |= set(cfg.get("sensitivity", {}).get(key, []))
    return tuple(sorted(float(v) for v in values))


def economics_targets(cfg: dict) -> tuple[float, ...]:
    values = {cfg["economics"]["target_share"], cfg["economics"]["target_share_low"]}
    values |= set(cfg.get("sensitivity", {}).get("economics.target_share", []))
    return tuple(sorted(float(v) for v in values))


def _prior_key(as_of: pd.Timestamp, cfg: dict) -> tuple:
    c = cfg["capability"]
    return ("shape_prior", pd.Timestamp(as_of), c["shape_reference"], c["min_points"], c["shape_min_benchmarks"], c["error_scale"])


def _fit_prior(store: DataStore, as_of: pd.Timestamp, cfg: dict):
    from gapscore.models.shape_prior import shape_prior as fit_prior

    c = cfg["capability"]
    bench = store.load("benchmarks")
    if c["shape_reference"] == "sectors":
        reference = sorted({b for t in store.sectors().values() for b in t.get("benchmarks", [])})
    else:
        reference = bench["benchmark"].tolist()
    return fit_prior(store.as_of("capability", as_of), bench, as_of=as_of, reference=reference,
                     min_points=c["min_points"], min_benchmarks=c["shape_min_benchmarks"], error_scale=c["error_scale"])


def shape_prior(store: DataStore, as_of: pd.Timestamp, cfg: dict):
    """The reference class sparse benchmarks borrow their curve's shape from (None: off or too few).

    Computed once per date on the store (every sector as of a date shares it).
    """
    if cfg["capability"]["shape_reference"] == "none":
        return None
    return store.memo(_prior_key(as_of, cfg), lambda: _fit_prior(store, as_of, cfg))


def _prior_task(task):
    store, as_of, cfg = task
    return _fit_prior(store, as_of, cfg)


def shape_priors(store: DataStore, dates, cfg: dict, *, jobs: int = 1, scheduler: str | None = None) -> dict:
    """The priors of many dates at once (in parallel), kept on the store: {date: prior}."""
    from gapscore.scoring.parallel import run_map

    if cfg["capability"]["shape_reference"] == "none":
        return {pd.Timestamp(d): None for d in dates}
    missing = [pd.Timestamp(d) for d in dict.fromkeys(dates) if not store.memoized(_prior_key(d, cfg))]
    for d, prior in zip(missing, run_map(_prior_task, [(store, d, cfg) for d in missing], jobs=jobs, scheduler=scheduler)):
        store.memo(_prior_key(d, cfg), lambda prior=prior: prior)
    return {pd.Timestamp(d): shape_prior(store, d, cfg) for d in dates}


def _lifetime_key(as_of: pd.Timestamp, cfg: dict) -> tuple:
    c = cfg["capability"]
    return ("lifetime_prior", pd.Timestamp(as_of), capability_thresholds(cfg), c["lifetime_reference"],
            c["lifetime_min_benchmarks"], c["lifetime_trend_prior_sd"], c["error_scale"], c["lifetime_conformal"], c["interval"],
            tuple(c["lifetime_from_shares"]))


def lifetime_prior(store: DataStore, as_of: pd.Timestamp, cfg: dict):
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


def _capability(store: DataStore, table: dict, as_of: pd.Timestamp, cfg: dict):
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
    )


def _cost(store: DataStore, table: dict, as_of: pd.Timestamp):
    from gapscore.models.cost import fit_cost

    spec = table.get("cost")
    if not spec:
        return None
    prices = store.as_of("prices", as_of)
    if "verified" in prices.columns:
        prices = prices[prices["verified"].astype(bool)]
    return fit_cost(prices, benchmark=spec["benchmark"], threshold=float(spec["threshold"]), as_of=as_of)


def cost_per_unit(spec: dict, cost, as_of: pd.Timestamp, *, horizon_years: float, level: float) -> pd.DataFrame | None:
    """Projected inference cost of one unit of use, by year: year, price, low, high (USD).

    "tokens": the cost curve's price per 1M tokens x tokens per unit. "anchor": a
    published cost per unit at a date, falling at the cost curve's rate (its 90% CI
    gives the band) or at a stated ``decline_per_year``. A published anchor is only
    known from its date on: before it, there is no projection.
    """
    start = int(as_of.year)
    years = np.arange(start, start + int(horizon_years) + 1)
    mid_year = pd.DatetimeIndex([pd.Timestamp(f"{y}-07-01") for y in years])
    mode = spec.get("mode", "tokens")
    if mode == "tokens":
        if cost is None or cost.status != "ok":
            return None
        proj = cost.project(mid_year, level)
        scale = float(spec["tokens_per_unit"]) / 1e6
        return pd.DataFrame({"year": years, "price": proj["price"].to_numpy() * scale,
                             "low": proj["low"].to_numpy() * scale, "high": proj["high"].to_numpy() * scale})
    anchor_date = pd.Timestamp(spec["anchor_date"])
    if anchor_date > as_of:
        return None
    t = years + 0.5 - year_of(anchor_date)
    anchor = float(spec["anchor_cost"])
    if cost is not None and cost.status == "ok":
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


def _economics(table: dict, cost, as_of: pd.Timestamp, cfg: dict):
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
        by_target[round(target, 6)] = (
            None if year is None else (float(year) if already else max(float(year), start)),
            np.nan if low is None else float(low),
            np.inf if high is None else float(high),
            already,
        )
    return result, by_target


def _traction(store: DataStore, table: dict, as_of: pd.Timestamp, cfg: dict) -> Traction | None:
    """Computed from the sector's rounds when enough companies are eligible, else published."""
    from gapscore.models.graduation import cohort_graduation

    g = cfg["graduation"]
    cats = table.get("round_categories") or []
    if cats:
        rounds = store.as_of("rounds", as_of)
        if rounds["category"].isin(cats).any():
            cohorts = cohort_graduation(rounds, from_round="seed", to_round="series_a", within_months=g["window_months"], as_of=as_of, categories=cats)
            recent = cohorts.tail(3)
            n, k = float(recent["n"].sum()), float(recent["graduated"].sum())
            if n >= g["min_companies"]:
                from statsmodels.stats.proportion import proportion_confint

                low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
                return Traction(k / n, float(low), float(high), n, "computed", f"rounds.csv, categories {', '.join(cats)}, last {len(recent)} eligible cohorts")
    published = store.as_of("graduation", as_of)
    published = published[(published["from_round"] == "seed") & (published["to_round"] == "series_a")]
    for who in (table["id"], "all"):
        rows = published[published["sector"] == who]
        if len(rows):
            row = rows.sort_values(["published", "cohort_end"]).iloc[-1]
            low = row.get("rate_low", np.nan)
            high = row.get("rate_high", np.nan)
            return Traction(float(row["rate"]), float(low) if pd.notna(low) else np.nan, float(high) if pd.notna(high) else np.nan, float(row["n"]) if pd.notna(row["n"]) else np.nan, "published", str(row["source"]))
    return None


def _momentum(store: DataStore, table: dict, as_of: pd.Timestamp, cfg: dict):
    cats = table.get("round_categories") or []
    if not cats:
        return None, None
    months = cfg["momentum"]["window_months"]
    rounds = store.as_of("rounds", as_of)
    dates = rounds.loc[rounds["category"].isin(cats), "date"]
    start = as_of - pd.DateOffset(months=months)
    before = start - pd.DateOffset(months=months)
    last = int(((dates > start) & (dates <= as_of)).sum())
    prior = int(((dates > before) & (dates <= start)).sum())
    if prior == 0:
        return None, (last, prior)
    return last / prior, (last, prior)


def sector_signals(store: DataStore, sector_id: str, as_of: pd.Timestamp, cfg: dict) -> SectorSignals:
    """All signals of one sector, using only data known on ``as_of``."""
    as_of = pd.Timestamp(as_of)
    table = store.sector(sector_id)
    capability = _capability(store, table, as_of, cfg)
    cost = _cost(store, table, as_of)
    economics, by_target = _economics(table, cost, as_of, cfg)
    momentum, counts = _momentum(store, table, as_of, cfg)
    return SectorSignals(
        sector=sector_id,
        name=table["name"],
        as_of=as_of,
        capability=capability,
        cost=cost,
        economics=economics,
        economics_by_target=by_target,
        traction=_traction(store, table, as_of, cfg),
        momentum_ratio=momentum,
        momentum_counts=counts,
    )
