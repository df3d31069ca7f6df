"""The typed, frozen configuration: one dataclass per ``defaults.toml`` table.

``config.load_config`` checks the merged TOML once and builds a :class:`Config` from it;
nothing downstream sees a mutable dict. Each field carries its validation rule
(:class:`Rule`, in the field's metadata), so the type, the range and the error message of
every setting have one home; its value and its citation have theirs in ``defaults.toml``
(a test checks that every key there has a comment and a field here, in the same order).

New code reads attributes (``cfg.capability.n_boot``); existing callers keep read-only
mapping access (``cfg["capability"]["n_boot"]``, ``.get``, ``.items``). Every object is
immutable (assignment raises), hashable, and pickles (joblib worker processes receive
it): lists are stored as tuples and tables as :class:`FrozenMap`. To change a setting,
``config.set_value`` returns a new, validated ``Config``.

Cache keys: ``hash(cfg)`` is stable within a process only (string hashing is salted per
process); a key that crosses processes or is written to disk uses ``repr`` of the
values (``signals.calibration._pool_key``, ``signals.sector._prior_key``) or
:meth:`Config.digest`, the SHA-256 of the canonical JSON of every setting.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Iterator, Mapping
from typing import Any

from gapscore.models.stages import STAGES

__all__ = ["Config", "FrozenMap", "Rule", "Section", "freeze", "thaw", "schema_keys", "build"]


@dataclasses.dataclass(frozen=True)
class Rule:
    """How one setting is checked.

    kind: "num" (any number in [low, high]), "int" (a whole number in [low, high]),
    "share" and "pos" (numbers, named for the reader), "flag" (true or false), "choice"
    (one of ``choices``), "text" (a string), "texts" (a list of strings, each one of
    ``choices`` when they are given), "shares" (a
    non-empty list of numbers in (low, high], or [low, high] with ``closed_low``),
    "table" (a nested section), "map" (a table of numbers keyed by stage or factor),
    "stages" (the stage tables), "sensitivity" (the free-form [sensitivity] table).
    """

    kind: str
    low: float = -math.inf
    high: float = math.inf
    choices: tuple = ()
    closed_low: bool = False


def setting(kind: str, low: float = -math.inf, high: float = math.inf, *, choices: tuple = (), closed_low: bool = False) -> Any:
    return dataclasses.field(metadata={"rule": Rule(kind, low, high, choices, closed_low)})


def table(cls: type) -> Any:
    return dataclasses.field(metadata={"rule": Rule("table"), "type": cls})


class FrozenMap(Mapping):
    """An immutable, hashable, picklable dict (insertion order kept); keys that are
    identifiers also read as attributes (``cfg.stages.seed``)."""

    __slots__ = ("_d",)

    def __init__(self, items: Mapping | tuple = ()):
        object.__setattr__(self, "_d", dict(items))

    def __getitem__(self, key):
        return self._d[key]

    def __iter__(self) -> Iterator:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __getattr__(self, name: str):
        try:
            return object.__getattribute__(self, "_d")[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        raise AttributeError(f"FrozenMap is read-only: cannot set {name!r}; use config.set_value for a changed copy")

    def __hash__(self) -> int:
        return hash(tuple(self._d.items()))

    def __eq__(self, other) -> bool:
        return isinstance(other, Mapping) and dict(self._d) == dict(other.items())

    def __repr__(self) -> str:
        return f"FrozenMap({self._d!r})"

    def __reduce__(self):
        return (FrozenMap, (tuple(self._d.items()),))


_NAMES: dict[type, tuple[str, ...]] = {}


class Section(Mapping):
    """Read-only mapping view of a frozen dataclass section: its settings by name (a
    setting left out of the TOML, such as series_b's window, is absent, as in the file)."""

    def _names(self) -> tuple[str, ...]:
        cls = type(self)
        names = _NAMES.get(cls)
        if names is None:
            names = _NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls) if "rule" in f.metadata)
        return names

    def __getitem__(self, key):
        if isinstance(key, str) and key in self._names():
            value = getattr(self, key)
            if value is not None:
                return value
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (n for n in self._names() if getattr(self, n) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def to_dict(self) -> dict:
        """The plain nested dict (lists, dicts), as the TOML reads."""
        return thaw(self)


# ----------------------------------------------------------------------------- sections
# Field order is the order of defaults.toml (the memo lists settings in it).


@dataclasses.dataclass(frozen=True, eq=True)
class CapabilityConfig(Section):
    thresholds: tuple[float, ...] = setting("shares", 0, 1.5)
    interval: float = setting("num", 0.5, 0.99)
    error_scale: str = setting("choice", choices=("log", "linear"))
    min_points: int = setting("int", 3, 1000)
    n_boot: int = setting("int", 20, 100000)
    random_state: int = setting("int", 0, 2**32 - 1)
    task_cap: float = setting("num", 0.5, 1.2)
    pool_when_sparse: bool = setting("flag")
    shape_reference: str = setting("choice", choices=("sectors", "all", "none"))
    horizon_years: float = setting("num", 1, 100)
    shape_min_benchmarks: int = setting("int", 1, 1000)
    shape_min_points: int = setting("int", 1, 1000)
    saturation_noise_points: float = setting("num", 0, 100)
    saturated_max_confidence: float = setting("num", 0, 1)
    lifetime_reference: str = setting("choice", choices=("all", "none"))
    lifetime_min_benchmarks: int = setting("int", 1, 1000)
    lifetime_trend_prior_sd: float = setting("num", 0.001, 10)
    lifetime_conformal: bool = setting("flag")
    lifetime_from_shares: tuple[float, ...] = setting("shares", 0, 0.99, closed_low=True)
    stale_after_years: float = setting("num", 0.01, 100)
    forecast_conformal: bool = setting("flag")
    forecast_conformal_min_count: int = setting("int", 4, 100000)
    forecast_conformal_from_year: int = setting("int", 1950, 2100)


@dataclasses.dataclass(frozen=True, eq=True)
class MilestoneConfig(Section):
    capability_threshold: float = setting("num", 0.05, 1.5)
    perfection_threshold: float = setting("num", 0.05, 1.5)
    min_sd_years: float = setting("num", 0.01, 10)
    horizon_years: float = setting("num", 1, 100)


@dataclasses.dataclass(frozen=True, eq=True)
class EconomicsConfig(Section):
    target_share: float = setting("num", 0.001, 1)
    target_share_low: float = setting("num", 0.001, 1)


@dataclasses.dataclass(frozen=True, eq=True)
class CostConfig(Section):
    pool_min_series: int = setting("int", 1, 1000)
    hardware_doubling_years: float = setting("num", 0.1, 100)
    hardware_doubling_years_ml: float = setting("num", 0.1, 100)
    hardware_doubling_years_slow: float = setting("num", 0.1, 100)
    algorithmic_factor: float = setting("num", 1, 1000)
    algorithmic_factor_slow: float = setting("num", 1, 1000)
    algorithmic_factor_fast: float = setting("num", 1, 1000)
    persistence: float = setting("num", 0.01, 100)
    generation_years: float = setting("num", 0.1, 100)
    joules_per_flop: float = setting("num", 1e-30, 1)
    usd_per_kwh: float = setting("num", 1e-6, 100)
    flop_per_parameter: float = setting("num", 0.1, 100)
    floor_parameters_default: float = setting("num", 1, 1e15)
    compute_utilization: float = setting("num", 1e-6, 1)


@dataclasses.dataclass(frozen=True, eq=True)
class GraduationConfig(Section):
    good_rate: float = setting("num", 0.01, 1)
    window_months: int = setting("int", 1, 240)
    sector_max_age_years: float = setting("num", 0, 100)
    min_companies: int = setting("int", 1, 10**9)
    recent_cohorts: int = setting("int", 1, 100)
    interval: float = setting("num", 0.5, 0.999)


@dataclasses.dataclass(frozen=True, eq=True)
class MomentumConfig(Section):
    window_months: int = setting("int", 1, 120)
    full_ratio: float = setting("num", 1.0001, 100)


@dataclasses.dataclass(frozen=True, eq=True)
class FundingConfig(Section):
    growing_above: float = setting("num", -1, 100)
    max_age_years: int = setting("int", 0, 100)


@dataclasses.dataclass(frozen=True, eq=True)
class SignalsConfig(Section):
    missing_value: float = setting("num", 0, 1)


@dataclasses.dataclass(frozen=True, eq=True)
class StageConfig(Section):
    """One stage's window (years to the milestone; None for stages without one) and its
    factor weights (summing to ``stage_model.WEIGHT_TOTAL``); checked against
    ``stage_model.STAGE_MODEL`` by ``config.check``."""

    window_years: tuple[float, float] | None = setting("window")
    weights: FrozenMap = setting("weights")


@dataclasses.dataclass(frozen=True, eq=True)
class CapabilityMomentumConfig(Section):
    full_velocity: float = setting("num", 0.001, 10)


@dataclasses.dataclass(frozen=True, eq=True)
class RecommendationConfig(Section):
    min_score: float = setting("num", 0, 100)


@dataclasses.dataclass(frozen=True, eq=True)
class BacktestConfig(Section):
    forward_years: int = setting("int", 1, 20)
    calibration_thresholds: tuple[float, ...] = setting("shares", 0, 1.5)
    calibration_headline: float = setting("num", 0.05, 1.5)
    calibration_step_months: int = setting("int", 1, 120)
    baseline_capability_level: float = setting("num", 0, 1.5)


@dataclasses.dataclass(frozen=True, eq=True)
class SeedConfig(Section):
    citation: str = setting("text")


@dataclasses.dataclass(frozen=True, eq=True)
class ExitConfig(Section):
    median: float = setting("pos", 0.001, 1000)
    sigma: float = setting("num", 0, 10)
    tail_share: float = setting("share", 0, 1)
    tail_min: float = setting("pos", 0.001, 1000)
    tail_alpha: float = setting("num", 1.001, 100)


SECTOR_GRADUATION_MODES: tuple[str, ...] = ("none", "data")
"""``portfolio.sector_graduation``: market-wide graduation rates only ("none"), or each
sector's own rate where its data give one ("data")."""


@dataclasses.dataclass(frozen=True, eq=True)
class PortfolioConfig(Section):
    """Fund construction; the stage tables are maps (``config.check`` also checks that
    the stage mix sums to 1)."""

    fund_size_usd: float = setting("pos", 1e5, 1e12)
    reserve_ratio: float = setting("share", 0, 0.95)
    max_sector_share: float = setting("share", 0.01, 1)
    min_score: float = setting("num", 0, 100)
    sims: int = setting("int", 1, 20_000_000)
    seed: int = setting("int", 0, 2**32 - 1)
    sector_rho: float = setting("num", 0, 0.99)
    follow_on_stages: tuple[str, ...] = setting("texts", choices=STAGES[1:])
    sector_graduation: str = setting("choice", choices=SECTOR_GRADUATION_MODES)
    check_size_usd: FrozenMap = dataclasses.field(metadata={"rule": Rule("map", 1e3, 1e10), "label": "pos"})
    stage_mix: FrozenMap = dataclasses.field(metadata={"rule": Rule("map", 0, 1), "label": "share"})
    graduation: FrozenMap = dataclasses.field(metadata={"rule": Rule("map", 0, 1), "label": "share"})
    mna_share: FrozenMap = dataclasses.field(metadata={"rule": Rule("map", 0, 1), "label": "share"})
    dilution: FrozenMap = dataclasses.field(metadata={"rule": Rule("map", 0, 0.99), "label": "share", "skip_first": True})
    step_up: FrozenMap = dataclasses.field(metadata={"rule": Rule("map", 0.01, 1000), "label": "pos", "skip_first": True})
    success_exit: ExitConfig = table(ExitConfig)
    mna_exit: ExitConfig = table(ExitConfig)


@dataclasses.dataclass(frozen=True, eq=True)
class Config(Section):
    """The whole configuration, checked and frozen (``config.load_config``).

    ``origin`` (the file the overrides came from, or the defaults) is not a setting: it
    does not take part in equality, hashing or the mapping view.
    """

    capability: CapabilityConfig = table(CapabilityConfig)
    milestone: MilestoneConfig = table(MilestoneConfig)
    economics: EconomicsConfig = table(EconomicsConfig)
    cost: CostConfig = table(CostConfig)
    graduation: GraduationConfig = table(GraduationConfig)
    momentum: MomentumConfig = table(MomentumConfig)
    funding: FundingConfig = table(FundingConfig)
    signals: SignalsConfig = table(SignalsConfig)
    stages: FrozenMap = setting("stages")
    capability_momentum: CapabilityMomentumConfig = table(CapabilityMomentumConfig)
    recommendation: RecommendationConfig = table(RecommendationConfig)
    sensitivity: FrozenMap = setting("sensitivity")
    backtest: BacktestConfig = table(BacktestConfig)
    seed: SeedConfig = table(SeedConfig)
    portfolio: PortfolioConfig = table(PortfolioConfig)
    origin: str = dataclasses.field(default="", compare=False)

    def digest(self) -> str:
        """SHA-256 of the canonical JSON of every setting: a key stable across processes
        and runs (for anything persisted; ``hash`` is salted per process)."""
        text = json.dumps(thaw(self), sort_keys=True, separators=(",", ":"), allow_nan=False)
        return hashlib.sha256(text.encode()).hexdigest()


# ----------------------------------------------------------------------------- helpers


def freeze(value):
    """Lists as tuples and dicts as FrozenMap, all the way down."""
    if isinstance(value, (Section, FrozenMap)):
        return value
    if isinstance(value, Mapping):
        return FrozenMap((k, freeze(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value):
    """The plain form of a frozen value: tuples as lists, sections and maps as dicts."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(v) for v in value]
    return value


def _fields(cls: type) -> list[dataclasses.Field]:
    return [f for f in dataclasses.fields(cls) if "rule" in f.metadata]


def schema_keys(cls: type = Config, prefix: str = "") -> list[str]:
    """Every setting's dotted key the schema knows, in order; a map or the stage tables
    list their entries only as ``prefix.*``."""
    out = []
    for f in _fields(cls):
        rule = f.metadata["rule"]
        if rule.kind == "table":
            out += schema_keys(f.metadata["type"], f"{prefix}{f.name}.")
        else:
            out.append(f"{prefix}{f.name}")
    return out


def rules(cls: type = Config, prefix: str = "", stages: tuple[str, ...] = ()) -> dict[str, Rule]:
    """{dotted key: rule} of every leaf setting (maps expanded over ``stages``)."""
    out: dict[str, Rule] = {}
    for f in _fields(cls):
        rule, key = f.metadata["rule"], f"{prefix}{f.name}"
        if rule.kind == "table":
            out.update(rules(f.metadata["type"], key + ".", stages))
        elif rule.kind == "map":
            names = stages[1:] if f.metadata.get("skip_first") else stages
            out.update({f"{key}.{s}": Rule(f.metadata["label"], rule.low, rule.high) for s in names})
        else:
            out[key] = rule
    return out


def build(raw: Mapping, origin: str = "", cls: type = Config):
    """The frozen object of a checked, merged config (``config.check`` found nothing)."""
    kwargs = {}
    for f in _fields(cls):
        rule, value = f.metadata["rule"], raw.get(f.name)
        if rule.kind == "table":
            kwargs[f.name] = build(value, cls=f.metadata["type"])
        elif rule.kind == "stages":
            kwargs[f.name] = FrozenMap((s, build(t, cls=StageConfig)) for s, t in value.items())
        else:
            kwargs[f.name] = freeze(value)
    if cls is Config:
        kwargs["origin"] = origin
    return cls(**kwargs)
