"""The scoring configuration: defaults with their sources, a user's overrides, checks.

``defaults.toml`` (package data) holds every weight, window and threshold with its
source or reasoning; a user file overrides any subset of keys. ``load_config``
returns a plain nested dict after checking every value, one line per problem.
"""

from __future__ import annotations

import copy
import math
import tomllib
from pathlib import Path

from gapscore.scoring.errors import ConfigError
from gapscore.scoring.stage_model import MAX_WINDOW_YEARS, STAGE_MODEL, STAGES, WEIGHT_TOTAL

DEFAULTS_PATH = Path(__file__).resolve().parent / "defaults.toml"

# key path -> (kind, low, high); kind: "share" (0-1), "pos" (> 0), "num", "int", "window"
_RULES: dict[str, tuple[str, float, float]] = {
    "capability.interval": ("num", 0.5, 0.99),
    "capability.min_points": ("int", 3, 1000),
    "capability.n_boot": ("int", 20, 100000),
    "capability.random_state": ("int", 0, 2**32 - 1),
    "capability.task_cap": ("num", 0.5, 1.2),
    "capability.shape_min_benchmarks": ("int", 1, 1000),
    "capability.shape_min_points": ("int", 1, 1000),
    "capability.saturation_noise_points": ("num", 0, 100),
    "capability.saturated_max_confidence": ("num", 0, 1),
    "capability.lifetime_min_benchmarks": ("int", 1, 1000),
    "capability.lifetime_trend_prior_sd": ("num", 0.001, 10),
    "capability.stale_after_years": ("num", 0.01, 100),
    "capability.forecast_conformal_min_count": ("int", 4, 100000),
    "capability.forecast_conformal_from_year": ("int", 1950, 2100),
    "milestone.capability_threshold": ("num", 0.05, 1.5),
    "milestone.perfection_threshold": ("num", 0.05, 1.5),
    "milestone.min_sd_years": ("num", 0.01, 10),
    "milestone.horizon_years": ("num", 1, 100),
    "capability.horizon_years": ("num", 1, 100),
    "economics.target_share": ("num", 0.001, 1),
    "economics.target_share_low": ("num", 0.001, 1),
    "cost.pool_min_series": ("int", 1, 1000),
    "cost.hardware_doubling_years": ("num", 0.1, 100),
    "cost.hardware_doubling_years_ml": ("num", 0.1, 100),
    "cost.hardware_doubling_years_slow": ("num", 0.1, 100),
    "cost.algorithmic_factor": ("num", 1, 1000),
    "cost.algorithmic_factor_slow": ("num", 1, 1000),
    "cost.algorithmic_factor_fast": ("num", 1, 1000),
    "cost.persistence": ("num", 0.01, 100),
    "cost.generation_years": ("num", 0.1, 100),
    "cost.joules_per_flop": ("num", 1e-30, 1),
    "cost.usd_per_kwh": ("num", 1e-6, 100),
    "cost.floor_parameters_default": ("num", 1, 1e15),
    "cost.flop_per_parameter": ("num", 0.1, 100),
    "cost.compute_utilization": ("num", 1e-6, 1),
    "graduation.good_rate": ("num", 0.01, 1),
    "graduation.window_months": ("int", 1, 240),
    "graduation.sector_max_age_years": ("num", 0, 100),
    "graduation.min_companies": ("int", 1, 10**9),
    "graduation.recent_cohorts": ("int", 1, 100),
    "graduation.interval": ("num", 0.5, 0.999),
    "momentum.window_months": ("int", 1, 120),
    "momentum.full_ratio": ("num", 1.0001, 100),
    "signals.missing_value": ("num", 0, 1),
    "funding.growing_above": ("num", -1, 100),
    "funding.max_age_years": ("int", 0, 100),
    "capability_momentum.full_velocity": ("num", 0.001, 10),
    "recommendation.min_score": ("num", 0, 100),
    "backtest.forward_years": ("int", 1, 20),
    "backtest.calibration_step_months": ("int", 1, 120),
    "backtest.calibration_headline": ("num", 0.05, 1.5),
    "backtest.baseline_capability_level": ("num", 0, 1.5),
    "portfolio.fund_size_usd": ("pos", 1e5, 1e12),
    "portfolio.reserve_ratio": ("share", 0, 0.95),
    "portfolio.max_sector_share": ("share", 0.01, 1),
    "portfolio.min_score": ("num", 0, 100),
    "portfolio.sims": ("int", 1, 20_000_000),
    "portfolio.seed": ("int", 0, 2**32 - 1),
    "portfolio.sector_rho": ("num", 0, 0.99),
    **{f"portfolio.check_size_usd.{s}": ("pos", 1e3, 1e10) for s in STAGES},
    **{f"portfolio.stage_mix.{s}": ("share", 0, 1) for s in STAGES},
    **{f"portfolio.graduation.{s}": ("share", 0, 1) for s in STAGES},
    **{f"portfolio.mna_share.{s}": ("share", 0, 1) for s in STAGES},
    **{f"portfolio.dilution.{s}": ("share", 0, 0.99) for s in STAGES[1:]},
    **{f"portfolio.step_up.{s}": ("pos", 0.01, 1000) for s in STAGES[1:]},
    **{f"portfolio.{e}.median": ("pos", 0.001, 1000) for e in ("success_exit", "mna_exit")},
    **{f"portfolio.{e}.sigma": ("num", 0, 10) for e in ("success_exit", "mna_exit")},
    **{f"portfolio.{e}.tail_share": ("share", 0, 1) for e in ("success_exit", "mna_exit")},
    **{f"portfolio.{e}.tail_min": ("pos", 0.001, 1000) for e in ("success_exit", "mna_exit")},
    **{f"portfolio.{e}.tail_alpha": ("num", 1.001, 100) for e in ("success_exit", "mna_exit")},
}

STAGE_FACTORS = {s.id: s.weighs for s in STAGE_MODEL}
"""The factors each stage may weigh (``scoring.stage_model.STAGE_MODEL``)."""


def read_toml(path: Path) -> dict:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: is not UTF-8 text; save it as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML syntax error: {exc}; compare with 'gapscore config init -o FILE'") from None


def _merge(base: dict, over: dict, path: str, unknown: list[str], tables: list[str] | None = None) -> dict:
    """``base`` overridden by ``over``; unknown keys, and values given for tables, are listed, not merged."""
    tables = [] if tables is None else tables
    out = copy.deepcopy(base)
    for key, value in over.items():
        where = f"{path}.{key}" if path else key
        if key not in base and not path.startswith("sensitivity") and where != "sensitivity":
            unknown.append(where)
            continue
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            out[key] = _merge(base[key], value, where, unknown, tables)
        elif isinstance(base.get(key), dict):
            tables.append(where)
        else:
            out[key] = value
    return out


def get(cfg: dict, dotted: str):
    node = cfg
    for part in dotted.split("."):
        node = node[part]
    return node


def set_value(cfg: dict, dotted: str, value) -> dict:
    """A copy of ``cfg`` with one dotted key replaced (weights of a stage re-summed to 100)."""
    out = copy.deepcopy(cfg)
    parts = dotted.split(".")
    node = out
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = value
    if len(parts) == 4 and parts[0] == "stages" and parts[2] == "weights":
        weights = node
        others = [k for k in weights if k != parts[-1]]
        rest = sum(weights[k] for k in others)
        remaining = WEIGHT_TOTAL - float(value)
        for k in others:
            weights[k] = remaining * weights[k] / rest if rest else remaining / len(others)
    return out


def check(cfg: dict, origin: str, *, sensitivity: bool = True) -> list[str]:
    """Every problem with a config, one line each (empty when fine)."""
    problems: list[str] = []

    def bad(key, value, rule):
        problems.append(f"{origin}: {key} = {value!r}: {rule}")

    for key, (kind, low, high) in _RULES.items():
        try:
            value = get(cfg, key)
        except (KeyError, TypeError):
            problems.append(f"{origin}: {key} is missing")
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            bad(key, value, "must be a number")
        elif kind == "int" and value != int(value):
            bad(key, value, "must be a whole number")
        elif not (low <= value <= high):
            bad(key, value, f"must be between {low:g} and {high:g}")
    thresholds = cfg.get("capability", {}).get("thresholds")
    if not (isinstance(thresholds, list) and thresholds and all(isinstance(t, (int, float)) and not isinstance(t, bool) and 0 < t <= 1.5 for t in thresholds)):
        bad("capability.thresholds", thresholds, "must be a list of shares between 0 and 1.5")
    cal = cfg.get("backtest", {}).get("calibration_thresholds")
    if not (isinstance(cal, list) and cal and all(isinstance(t, (int, float)) and not isinstance(t, bool) and 0 < t <= 1.5 for t in cal)):
        bad("backtest.calibration_thresholds", cal, "must be a list of shares between 0 and 1.5")
    elif cfg["backtest"].get("calibration_headline") not in cal:
        bad("backtest.calibration_headline", cfg["backtest"].get("calibration_headline"), "must be one of backtest.calibration_thresholds")
    if cfg.get("capability", {}).get("shape_reference") not in ("sectors", "all", "none"):
        bad("capability.shape_reference", cfg.get("capability", {}).get("shape_reference"), "must be \"sectors\", \"all\" or \"none\"")
    if cfg.get("capability", {}).get("lifetime_reference") not in ("all", "none"):
        bad("capability.lifetime_reference", cfg.get("capability", {}).get("lifetime_reference"), "must be \"all\" or \"none\"")
    if cfg.get("capability", {}).get("error_scale") not in ("log", "linear"):
        bad("capability.error_scale", cfg.get("capability", {}).get("error_scale"), "must be \"log\" or \"linear\"")
    ms = cfg.get("milestone", {})
    if isinstance(ms.get("capability_threshold"), (int, float)) and isinstance(ms.get("perfection_threshold"), (int, float)):
        if ms["perfection_threshold"] <= ms["capability_threshold"]:
            bad("milestone.perfection_threshold", ms["perfection_threshold"], "must be above milestone.capability_threshold")
    stages = cfg.get("stages", {})
    for spec in STAGE_MODEL:
        stage = spec.id
        table = stages.get(stage)
        if not isinstance(table, dict):
            problems.append(f"{origin}: stages.{stage} is missing")
            continue
        weights = table.get("weights", {})
        if not isinstance(weights, dict) or not weights:
            problems.append(f"{origin}: stages.{stage}.weights is missing")
            continue
        for factor, w in weights.items():
            if factor not in STAGE_FACTORS[stage]:
                bad(f"stages.{stage}.weights.{factor}", w, f"unknown factor; {stage} weighs {', '.join(STAGE_FACTORS[stage])}")
            elif isinstance(w, bool) or not isinstance(w, (int, float)) or not (0 <= w <= WEIGHT_TOTAL):
                bad(f"stages.{stage}.weights.{factor}", w, "must be a number between 0 and 100")
        total = sum(w for w in weights.values() if isinstance(w, (int, float)) and not isinstance(w, bool))
        if abs(total - WEIGHT_TOTAL) > 1e-6:
            bad(f"stages.{stage}.weights", weights, f"must sum to 100 (they sum to {total:g})")
        if spec.windowed:
            win = table.get("window_years")
            if not (isinstance(win, list) and len(win) == 2 and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in win) and 0 <= win[0] < win[1] <= MAX_WINDOW_YEARS):
                bad(f"stages.{stage}.window_years", win, f"must be [start, end] years with 0 <= start < end <= {MAX_WINDOW_YEARS:g}")
        elif "window_years" in table:
            bad(f"stages.{stage}.window_years", table["window_years"], f"{stage} has no window; only {', '.join(s.id for s in STAGE_MODEL if s.windowed)} do")
    if sensitivity and not problems:
        problems += _sensitivity_problems(cfg, origin)
    return problems


def _sensitivity_problems(cfg: dict, origin: str) -> list[str]:
    """Each ``[sensitivity]`` entry names one setting and gives two values valid for it."""
    problems = []
    for key, ends in cfg.get("sensitivity", {}).items():
        where = f'{origin}: sensitivity."{key}" = {ends!r}'
        try:
            current = get(cfg, key)
        except (KeyError, TypeError):
            problems.append(f"{where}: names no setting; see 'gapscore config show'")
            continue
        if isinstance(current, dict) or not (isinstance(ends, list) and len(ends) == 2):
            problems.append(f"{where}: must be [low, high] values of one setting")
            continue
        for end in ends:
            try:
                moved = check(set_value(cfg, key, end), origin, sensitivity=False)
            except (TypeError, ValueError):
                moved = [end]
            if moved:
                problems.append(f"{where}: {end!r} is not a valid value of {key}")
                break
    return problems


def load_config(path: str | Path | None = None) -> dict:
    """The defaults, overridden by ``path`` if given; raises ConfigError listing every problem."""
    cfg = read_toml(DEFAULTS_PATH)
    origin = str(DEFAULTS_PATH)
    if path is not None:
        user = read_toml(Path(path))
        unknown: list[str] = []
        tables: list[str] = []
        cfg = _merge(cfg, user, "", unknown, tables)
        origin = str(path)
        problems = [f"{origin}: {key} is not a known setting; see 'gapscore config show'" for key in unknown]
        problems += [f"{origin}: {key} must be a table ([{key}] with its settings); see 'gapscore config show'" for key in tables]
    else:
        problems = []
    problems += check(cfg, origin)
    if problems:
        raise ConfigError("\n".join(problems))
    return cfg


def defaults_text() -> str:
    return DEFAULTS_PATH.read_text(encoding="utf-8")


def to_toml(cfg: dict) -> str:
    """A small TOML writer for the effective config (tables, numbers, strings, lists)."""
    lines: list[str] = []

    def scalar(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(scalar(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{_key(k)} = {scalar(x)}" for k, x in v.items()) + " }"
        raise TypeError(type(v))

    def table(node: dict, name: str):
        simple = {k: v for k, v in node.items() if not (isinstance(v, dict) and k != "weights")}
        if simple:
            if name:
                lines.append(f"[{name}]")
            lines.extend(f"{_key(k)} = {scalar(v)}" for k, v in simple.items())
            lines.append("")
        for k, v in node.items():
            if isinstance(v, dict) and k != "weights":
                table(v, f"{name}.{_key(k)}" if name else _key(k))

    table(cfg, "")
    return "\n".join(lines)


def _key(k: str) -> str:
    return k if k.replace("_", "").isalnum() else '"' + k + '"'
