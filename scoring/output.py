"""Presentation of results as text tables, JSON or CSV, and safe file writing.

Results are data (DataFrames, dataclasses); this module only turns them into text.
CSV output guards every text cell that a spreadsheet would run as a formula
(OWASP "CSV injection"): a cell starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return gets a leading apostrophe, which Excel and LibreOffice show as text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from gapscore.scoring.errors import OutputExistsError

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("table", "json", "csv")


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
    """Dataclasses, frames, numpy scalars and timestamps to JSON-ready values."""
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
        return None if math.isnan(f) or math.isinf(f) else f
    if obj is None or (not isinstance(obj, str) and pd.api.types.is_scalar(obj) and pd.isna(obj)):
        return None
    return obj


def dumps_json(obj: object) -> str:
    return json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def frame_to_csv(frame: pd.DataFrame) -> str:
    safe = frame.copy()
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(guard_text)
    buf = io.StringIO()
    safe.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def _cell(value: object, digits: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)):
        if value != 0 and abs(value) < 0.5 * 10.0**-digits:
            return f"{value:.3g}"  # a small number is shown, never rounded to 0.00
        return f"{value:,.{digits}f}" if abs(value) < 1e15 else f"{value:.3g}"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    text = str(value).replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."


def frame_to_table(frame: pd.DataFrame, digits: int = 2) -> str:
    """A plain fixed-width table: numbers right-aligned, text left-aligned."""
    if frame.empty:
        return "(no rows)\n"
    cols = [str(c) for c in frame.columns]
    cells = [[_cell(v, digits) for v in row] for row in frame.itertuples(index=False)]
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


def check_target(path: str | os.PathLike, force: bool) -> Path:
    """Fail early, before any work, when ``path`` exists and ``force`` is not given."""
    target = Path(path)
    if target.exists() and not force:
        raise OutputExistsError(target)
    return target


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None], *, force: bool = False) -> Path:
    """Write through a temporary file in the target's folder, then rename.

    ``write`` receives the temporary path. An existing target is never replaced
    unless ``force``; any failure (or a kill mid-write) leaves the target untouched
    and no partial file at its path.
    """
    target = check_target(path, force)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual mode
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


def write_bytes(path: str | os.PathLike, data: bytes, *, force: bool = False) -> Path:
    return atomic_write(path, lambda p: p.write_bytes(data), force=force)


def write_text(path: str | os.PathLike, text: str, *, force: bool = False) -> Path:
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"), force=force)

