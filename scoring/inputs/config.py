"""The scoring configuration: defaults with their sources, a user's overrides, checks.

``defaults.toml`` (package data) holds every weight, window and threshold with its
source or reasoning; a user file overrides any subset of keys. ``load_config`` checks
every value once (one line per problem, naming the file and the key) and returns a
frozen, typed ``config_types.Config``; ``set_value`` returns a changed, checked copy.
The rule of each setting (type, range, choices) lives on its field in
``config_types``; ``check`` reads them.
"""

from __future__ import annotations

import copy
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gapscore.scoring.errors import ConfigError
from gapscore.scoring.inputs import config_types
from gapscore.scoring.inputs.config_types import Config, thaw
from gapscore.scoring.stage_model import MAX_WINDOW_YEARS, STAGE_MODEL, STAGES, WEIGHT_TOTAL

DEFAULTS_PATH = Path(__file__).resolve().parent / "defaults.toml"

_SCHEMA_RULES = config_types.rules(stages=STAGES)
"""Every leaf setting's rule, read from the typed config's fields (``config_types``)."""

# key path -> (kind, low, high) of the numeric settings; kind: "share" (0-1), "pos" (> 0), "num", "int"
_RULES: dict[str, tuple[str, float, float]] = {
    key: (rule.kind, rule.low, rule.high) for key, rule in _SCHEMA_RULES.items() if rule.kind in ("num", "int", "share", "pos")
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


def get(cfg: Mapping[str, Any], dotted: str) -> Any:
    """The value of one dotted key (``get(cfg, "stages.seed.window_years")``)."""
    node = cfg
    for part in dotted.split("."):
        node = node[part]
    return node


def _replaced(cfg: dict, dotted: str, value) -> dict:
    """A copy of the plain dict ``cfg`` with one dotted key replaced (weights of a stage re-summed to 100)."""
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


def set_values(cfg: Config | Mapping[str, Any], changes: Mapping[str, Any], *, origin: str | None = None) -> Config | dict:
    """A new config with each dotted key of ``changes`` set (a stage's other weights
    re-summed to 100), checked as a file would be: raises ConfigError (one line per
    problem, prefixed ``origin``, default "set_value") when a value is not valid.

    ``cfg`` is a ``Config`` (the result is one) or a plain dict (the result is a plain,
    unchecked dict: what ``check`` tests).
    """
    raw = thaw(cfg)
    for dotted, value in changes.items():
        raw = _replaced(raw, dotted, thaw(value))
    if not isinstance(cfg, Config):
        return raw
    where = origin or "set_value"
    touches_sensitivity = any(k == "sensitivity" or k.startswith("sensitivity.") for k in changes)
    problems = check(raw, where, sensitivity=touches_sensitivity)
    if problems:
        raise ConfigError("\n".join(problems))
    return config_types.build(raw, cfg.origin)


def set_value(cfg: Config | Mapping[str, Any], dotted: str, value: Any, *, origin: str | None = None) -> Config | dict:
    """A new config with one dotted key replaced; see ``set_values``."""
    return set_values(cfg, {dotted: value}, origin=origin)


def check(cfg: Config | Mapping[str, Any], origin: str, *, sensitivity: bool = True) -> list[str]:
    """Every problem with a config (a plain dict, or a ``Config``), one line each (empty when fine)."""
    cfg = thaw(cfg)
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
    for key, rule in _SCHEMA_RULES.items():
        if rule.kind in ("flag", "choice", "text", "texts", "shares"):
            problems += _kind_problems(cfg, key, rule, origin)
    cal = cfg.get("backtest", {}).get("calibration_thresholds")
    if not _kind_problems(cfg, "backtest.calibration_thresholds", _SCHEMA_RULES["backtest.calibration_thresholds"], origin) \
            and cfg["backtest"].get("calibration_headline") not in cal:
        bad("backtest.calibration_headline", cfg["backtest"].get("calibration_headline"), "must be one of backtest.calibration_thresholds")
    mix = cfg.get("portfolio", {}).get("stage_mix")
    if isinstance(mix, dict) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in mix.values()):
        total = sum(float(v) for v in mix.values())
        if abs(total - 1.0) > 1e-9:
            bad("portfolio.stage_mix", mix, f"must sum to 1 (they sum to {total:g}); give every stage, zeros included")
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


def _kind_problems(cfg: dict, key: str, rule: config_types.Rule, origin: str) -> list[str]:
    """The problem with one non-numeric setting (a flag, a choice, a text, a list), if any."""
    try:
        value = get(cfg, key)
    except (KeyError, TypeError):
        return [f"{origin}: {key} is missing"]
    if rule.kind == "flag":
        ok, want = isinstance(value, bool), "must be true or false"
    elif rule.kind == "choice":
        ok = isinstance(value, str) and value in rule.choices
        want = "must be " + " or ".join([", ".join(f'"{c}"' for c in rule.choices[:-1]), f'"{rule.choices[-1]}"'] if len(rule.choices) > 1 else [f'"{rule.choices[0]}"'])
    elif rule.kind == "text":
        ok, want = isinstance(value, str), "must be a string (in quotes)"
    elif rule.kind == "texts" and rule.choices:
        ok = isinstance(value, list) and all(isinstance(v, str) and v in rule.choices for v in value)
        want = f"must be a list of strings from {', '.join(rule.choices)}"
    elif rule.kind == "texts":
        ok, want = isinstance(value, list) and all(isinstance(v, str) for v in value), "must be a list of strings"
    else:  # shares
        def inside(t):
            return isinstance(t, (int, float)) and not isinstance(t, bool) and math.isfinite(t) and (
                (rule.low <= t if rule.closed_low else rule.low < t) and t <= rule.high)
        ok = isinstance(value, list) and bool(value) and all(inside(t) for t in value)
        want = f"must be a list of shares between {rule.low:g} and {rule.high:g}"
    return [] if ok else [f"{origin}: {key} = {value!r}: {want}"]


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
                moved = check(_replaced(cfg, key, end), origin, sensitivity=False)
            except (TypeError, ValueError):
                moved = [end]
            if moved:
                problems.append(f"{where}: {end!r} is not a valid value of {key}")
                break
    return problems


def load_config(path: str | Path | None = None) -> Config:
    """The defaults, overridden by ``path`` if given, checked once and frozen; raises
    ConfigError listing every problem (one line each: file, key, value, what to do)."""
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
    return config_types.build(cfg, origin)


def defaults_text() -> str:
    return DEFAULTS_PATH.read_text(encoding="utf-8")


def to_toml(cfg: Config | Mapping[str, Any]) -> str:
    """A small TOML writer for the effective config (tables, numbers, strings, lists)."""
    cfg = thaw(cfg)
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
