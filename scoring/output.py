"""Presentation of results as text tables, JSON or CSV, and safe file writing.

Results are data (DataFrames, dataclasses); this module only turns them into text.
CSV output guards every text cell that a spreadsheet would run as a formula
(OWASP "CSV injection"): a cell starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return gets a leading apostrophe, which Excel and LibreOffice show as text.

Numbers are shown one way everywhere (terminal tables here, workbooks through
:data:`EXCEL_FORMATS`), by the kind of quantity a column holds (:func:`column_kind`):

==========  ================  ==========================  ===========================
kind        table             Excel number format         examples of columns
==========  ================  ==========================  ===========================
year        ``2015.6``        ``0.0`` (no thousands sep)  year, milestone_year, low/high
                                                          beside a year column
money       ``$24.0M``        ``[$$]#,##0.0,,"M"``        *_usd, capital, check
percent     ``41%``           ``0%``                      rate, share, confidence
multiple    ``2.3x``          ``0.0"x"``                  ratio, tvpi, decline factor
score       ``40.0``          ``0.0``                     seed ... growth, points
count       ``100,000``       ``#,##0``                   integers: n, sims, companies
months      ``24``, ``7.5``   ``0.0``                     months, window_months
==========  ================  ==========================  ===========================

An interval end that is unbounded (the forecast's upper end beyond the horizon) is
shown as ``later`` (upper) or ``earlier`` (lower) in tables and memos alike.

JSON and CSV carry numbers, not text: every float rounded to
:data:`MACHINE_SIGNIFICANT_DIGITS` significant digits (``7.2``, never
``7.199999999999999``), integers as integers; NaN and infinity become null (JSON)
or an empty cell (CSV).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import math
import re
from collections.abc import Mapping
from typing import Callable

import numpy as np
import pandas as pd

from gapscore.scoring.errors import OutputExistsError  # noqa: F401 (re-exported)
# Safe file writing lives in scoring/files.py (standard library only); re-exported here.
from gapscore.scoring.files import atomic_write, check_target, write_bytes, write_text  # noqa: F401

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("table", "json", "csv")

MACHINE_SIGNIFICANT_DIGITS = 10
"""Significant digits of a float in JSON and CSV output: far below any input's own
precision, far above float noise (which sits near the 16th digit)."""

LATER = "later"
EARLIER = "earlier"
"""How an unbounded interval end is shown (upper end, lower end)."""

EXCEL_FORMATS = {
    "year": "0.0",
    "calendar_year": "0",
    "money": '[$$]#,##0.0,,"M"',
    "percent": "0%",
    "multiple": '0.0"x"',
    "score": "0.0",
    "count": "#,##0",
    "months": "0.0",
}
"""Excel number formats that show a value as the table formatters below do."""

_KIND_NAMES = {
    "year": ("year", "forecast", "realized_year", "milestone_year", "viable_year", "surge_year", "first_year", "last_year"),
    "money": ("price", "capital", "check", "invested", "fund_size", "reserve", "placed", "initial", "revenue"),
    "percent": ("rate", "share", "probability", "confidence", "coverage", "level", "observed_level", "nominal",
                "precision", "recall", "balanced_accuracy", "velocity_per_year", "target_share", "loss_ratio"),
    "multiple": ("ratio", "tvpi", "decline_factor_per_year", "momentum_ratio", "multiple"),
    "score": ("seed", "series_a", "series_b", "growth", "score", "points", "best_score", "stage_score", "next_score",
              "max_swing", "swing", "change", "before", "after", "weight"),
    "count": ("n", "sims", "companies", "funds", "n_points", "points_n", "rounds", "forecasts", "benchmarks",
              "realized", "missed", "open", "entered", "graduated", "at_risk", "events", "rows"),
}
_NAME_KIND = {name: kind for kind, names in _KIND_NAMES.items() for name in names}
_SUFFIX_KIND = (("months", "months"), ("_usd", "money"), ("usd_", "money"), ("_year", "year"), ("_share", "percent"), ("_rate", "percent"),
                ("_ratio", "multiple"), ("_score", "score"), ("_points", "score"))


def column_kind(name: object, frame: pd.DataFrame | None = None) -> str | None:
    """The kind of quantity a column holds, from its name (see the module docstring).

    ``low`` and ``high`` (and ``*_low``, ``*_high``) take the kind of the column they
    bound: ``year`` beside a year column, ``rate`` beside a rate, ...
    """
    key = str(name).lower()
    if key in _NAME_KIND:
        return _NAME_KIND[key]
    for tail in ("_from", "_to", "_change"):  # score_from, points_change: the kind of what moved
        if key.endswith(tail) and key[: -len(tail)] in _NAME_KIND:
            return _NAME_KIND[key[: -len(tail)]]
    if key.startswith("usd") or key.endswith("_usd"):
        return "money"
    if key.startswith(("coverage_", "share_", "prob_")):
        return "percent"
    if key.endswith(("_low", "_high")) and key.rsplit("_", 1)[0] not in ("low", "high"):
        return column_kind(key.rsplit("_", 1)[0])  # price_low is a price, whatever else the table holds
    if key in ("low", "high"):
        if frame is not None:
            for main in ("year", "forecast", "viable_year", "rate", "probability", "share", "level", "tvpi", "ratio"):
                if main in frame.columns:
                    return column_kind(main)
        base = key.rsplit("_", 1)[0]
        return column_kind(base) if base not in ("low", "high") else None
    for suffix, kind in _SUFFIX_KIND:
        if key.endswith(suffix) or key.startswith(suffix):
            return kind
    return None


def _finite(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) and math.isfinite(float(value))


def fmt_year(value: object) -> str:
    """A (decimal) year: ``2015.6``; a whole year ``2026``; never a thousands separator."""
    if not _finite(value):
        return ""
    v = float(value)
    return f"{v:.0f}" if isinstance(value, (int, np.integer)) else f"{v:.1f}"


def fmt_money(value: object) -> str:
    """USD: ``$24.0M``, ``$1.2B``, ``$250K``, ``$12.50``, ``$0.0042``."""
    if not _finite(value):
        return ""
    v = float(value)
    sign, size = ("-" if v < 0 else ""), abs(v)
    if size >= 1e9:
        return f"{sign}${size / 1e9:.1f}B"
    if size >= 1e6:
        return f"{sign}${size / 1e6:.1f}M"
    if size >= 1e4:
        return f"{sign}${size / 1e3:.0f}K"
    if size >= 1 or size == 0:
        return f"{sign}${size:,.2f}"
    return f"{sign}${size:.2g}"


def fmt_percent(value: object) -> str:
    """A share: ``41%``; below 1% with one decimal (``0.4%``)."""
    if not _finite(value):
        return ""
    v = 100 * float(value)
    if 0 < abs(v) < 0.05:
        return f"{v:.2g}%"  # a tiny share is shown, never rounded to 0.0%
    return f"{v:.1f}%" if 0 < abs(v) < 1 else f"{v:.0f}%"


def fmt_multiple(value: object) -> str:
    """A ratio or factor: ``2.3x``."""
    return f"{float(value):.1f}x" if _finite(value) else ""


def fmt_score(value: object) -> str:
    return f"{round(float(value), 1) + 0.0:.1f}" if _finite(value) else ""  # + 0.0: never "-0.0"


def fmt_months(value: object) -> str:
    """A duration in months: ``24``, ``7.5``."""
    if not _finite(value):
        return ""
    v = float(value)
    return f"{v:.0f}" if abs(v - round(v)) < 0.05 else f"{v:.1f}"


def fmt_count(value: object) -> str:
    return f"{float(value):,.0f}" if _finite(value) else ""


FORMATTERS: dict[str, Callable[[object], str]] = {
    "year": fmt_year, "calendar_year": fmt_year, "money": fmt_money, "percent": fmt_percent,
    "multiple": fmt_multiple, "score": fmt_score, "count": fmt_count, "months": fmt_months,
}


def fmt_value(value: object, kind: str | None) -> str:
    """``value`` as the table shows a quantity of ``kind`` (None: a plain number)."""
    if kind in FORMATTERS and _finite(value):
        return FORMATTERS[kind](value)
    return _cell(value, 2)


def interval_end(value: object, side: str) -> object:
    """An interval end, or ``later`` / ``earlier`` when it is unbounded (``side``: "low" or "high")."""
    if _finite(value):
        return value
    return LATER if side == "high" else EARLIER


def fmt_interval(low: object, high: object, kind: str = "year") -> str:
    """``2016.2 to 2019.8``, ``2016.2 to later``."""
    lo, hi = interval_end(low, "low"), interval_end(high, "high")
    return f"{lo if isinstance(lo, str) else fmt_value(lo, kind)} to {hi if isinstance(hi, str) else fmt_value(hi, kind)}"


def statistic_kind(name: str) -> str | None:
    """The kind of a named statistic in a long (statistic, value) table: ``p50`` and
    ``mean`` of a TVPI are multiples, ``prob_*`` shares, else by :func:`column_kind`."""
    key = str(name).lower()
    if key == "mean_se":
        return None
    if key in ("mean", "std") or (key[:1] == "p" and key[1:].isdigit()):
        return "multiple"
    if key.startswith("prob_"):
        return "percent"
    return column_kind(key)


def long_table(frame: pd.DataFrame, name_col: str = "statistic", value_col: str = "value") -> pd.DataFrame:
    """A (name, value, ...) frame with each value shown by its name's kind (:func:`statistic_kind`)."""
    out = frame.copy()
    out[value_col] = [fmt_value(v, statistic_kind(n)) for n, v in zip(out[name_col], out[value_col])]
    return out


def round_machine(value: float) -> float:
    """A float rounded to :data:`MACHINE_SIGNIFICANT_DIGITS` significant digits."""
    if value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.{MACHINE_SIGNIFICANT_DIGITS}g}")


def is_formula_like(text: str) -> bool:
    return isinstance(text, str) and text.startswith(FORMULA_PREFIXES)


def guard_text(value: object) -> object:
    """Make a text cell inert in a spreadsheet; numbers and other types pass through."""
    if isinstance(value, str) and is_formula_like(value):
        try:  # a plain negative or signed number is data, not a formula
            float(value)
            return value
        except ValueError:
            return "'" + value
    return value


def to_jsonable(obj: object) -> object:
    """Dataclasses, frames, numpy scalars and timestamps to JSON-ready values (a read-only
    mapping, such as the frozen config, as the dict it reads as)."""
    if isinstance(obj, Mapping) and not isinstance(obj, (dict, pd.Series)):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj) if not f.name.startswith("_")}
    if isinstance(obj, pd.DataFrame):
        return [to_jsonable(r) for r in obj.to_dict(orient="records")]
    if isinstance(obj, pd.Series):
        return to_jsonable(obj.to_dict())
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (pd.Timestamp, dt.datetime, dt.date)):
        if pd.isna(obj):
            return None
        return obj.date().isoformat() if isinstance(obj, (pd.Timestamp, dt.datetime)) and obj == pd.Timestamp(obj).normalize() else obj.isoformat()
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return None if math.isnan(f) or math.isinf(f) else round_machine(f)
    if obj is None or (not isinstance(obj, str) and pd.api.types.is_scalar(obj) and pd.isna(obj)):
        return None
    return obj


def dumps_json(obj: object) -> str:
    return json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def frame_to_csv(frame: pd.DataFrame) -> str:
    safe = frame.copy()
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(lambda v: round_machine(v) if isinstance(v, float) else guard_text(v))
    buf = io.StringIO()
    safe.to_csv(buf, index=False, lineterminator="\n", float_format=f"%.{MACHINE_SIGNIFICANT_DIGITS}g")
    return buf.getvalue()


def _cell(value: object, digits: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)):
        if value != 0 and abs(value) < 0.5 * 10.0**-digits:
            return f"{value:.3g}"  # a small number is shown, never rounded to 0.00
        return f"{value:,.{digits}f}" if abs(value) < 1e15 else f"{value:.3g}"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    text = printable(str(value).replace("\n", " "))
    return text if len(text) <= 60 else text[:57] + "..."


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with control characters shown as ``\\x1b`` escapes: a name from a data
    file (ESC [2J, a bell) must not drive the terminal the table is printed on."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _table_cells(frame: pd.DataFrame, digits: int, kinds: dict | None) -> list[list[str]]:
    kinds = dict(kinds or {})
    col_kinds = [kinds[c] if c in kinds else column_kind(c, frame) for c in frame.columns]
    ints = [pd.api.types.is_integer_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c]) for c in frame.columns]
    names = [str(c).lower() for c in frame.columns]
    main_year = next((c for c in ("year", "forecast", "viable_year") if c in frame.columns), None)
    out = []
    for row in frame.itertuples(index=False):
        cells = []
        for j, v in enumerate(row):
            kind = col_kinds[j]
            if kind == "year" and names[j] in ("low", "high") and main_year is not None and not _finite(v) \
                    and _finite(getattr(row, main_year, None) if main_year.isidentifier() else None):
                cells.append(interval_end(v, names[j]))  # a forecast with an unbounded end
            elif kind is not None and _finite(v):
                cells.append(FORMATTERS[kind](int(v) if ints[j] and kind == "year" else v))
            elif ints[j] and _finite(v):
                plain = "cohort" in names[j] or "year" in names[j]  # 2013, not 2,013
                cells.append(str(int(v)) if plain else f"{int(v):,}")
            else:
                cells.append(_cell(v, digits))
        out.append(cells)
    return out


def frame_to_table(frame: pd.DataFrame, digits: int = 2, *, kinds: dict | None = None) -> str:
    """A plain fixed-width table: numbers right-aligned (formatted by :func:`column_kind`,
    or ``kinds`` {column: kind}), text left-aligned."""
    if frame.empty:
        return "(no rows)\n"
    cols = [str(c) for c in frame.columns]
    cells = _table_cells(frame, digits, kinds)
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(cols)]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    def fmt(values):
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)).rstrip()
    lines = [fmt(cols), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in cells]
    return "\n".join(lines) + "\n"


def render(frame: pd.DataFrame, fmt: str, *, payload: object | None = None) -> str:
    """Render a result: the frame as a table or CSV, or ``payload`` (default the frame) as JSON."""
    if fmt == "json":
        return dumps_json(frame if payload is None else payload)
    if fmt == "csv":
        return frame_to_csv(frame)
    return frame_to_table(frame)
