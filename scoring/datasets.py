"""Load, validate and slice the datasets, bundled or the user's own.

One documented loader per dataset (``DATASETS``); every table is read as text,
coerced column by column (so that an unparseable cell is reported with its file,
line and column), then checked with its pandera schema with ``lazy=True``, so that
every bad row is reported at once.

A user's ``--data-dir`` holds files with the bundled names. By default they
*extend* the bundled data (rows appended; for keyed datasets a user row replaces the
bundled row with the same key; ``sectors.toml`` tables add or replace sectors); with
``replace=True`` a user file replaces the bundled file of the same name.

Point in time: ``DataStore.as_of(name, as_of)`` keeps only rows known on ``as_of``
(by ``date``, or by ``published`` for published aggregates).
"""

from __future__ import annotations

import csv
import gzip
import io
import tomllib
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gapscore import data as _bundled_pkg
from gapscore.scoring import schemas
from gapscore.scoring.errors import DataFileError, DataValidationError

BUNDLED_DIR = Path(_bundled_pkg.__file__).resolve().parent

MAX_DECOMPRESSED_BYTES = 1 << 30
"""Refuse a gzip that inflates past 1 GiB: a decompression bomb, not a deal database."""

MAX_CELL_CHARS = 10_000
"""A cell longer than this is a broken file (an unclosed quote swallowing rows)."""

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0"})


@dataclass(frozen=True)
class DatasetSpec:
    """What one dataset is, and how to read it."""

    name: str
    description: str
    schema: type | None
    date_column: str | None = None  # the column that says when a row was known
    key: tuple[str, ...] = ()  # unique key; a user row with the same key replaces ours
    is_table: bool = True
    numeric_extras: bool = False  # extra columns are numbers (prices: one per benchmark score)

    @property
    def stems(self) -> tuple[str, ...]:
        return (f"{self.name}.csv", f"{self.name}.csv.gz", f"{self.name}.parquet")


DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec(
            "sectors",
            "Sector definitions: benchmarks, cost curve, round categories, unit economics",
            None,
            is_table=False,
        ),
        DatasetSpec(
            "benchmarks",
            "Benchmarks with human baseline and floor (chance level)",
            schemas.Benchmarks,
            key=("benchmark",),
        ),
        DatasetSpec(
            "capability",
            "Dated benchmark results (all results; the frontier is computed)",
            schemas.Capability,
            date_column="date",
        ),
        DatasetSpec(
            "prices",
            "LLM release prices (USD per 1M tokens, 3:1 blend) with benchmark scores",
            schemas.Prices,
            date_column="date",
            key=("model",),
            numeric_extras=True,
        ),
        DatasetSpec(
            "hardware",
            "Accelerator prices and throughput relative to the H100",
            schemas.Hardware,
            date_column="date",
        ),
        DatasetSpec(
            "rounds",
            "Funding rounds, one row per round (Crunchbase 2013 export, CC-BY)",
            schemas.Rounds,
            date_column="date",
        ),
        DatasetSpec(
            "exits",
            "Exits: acquisitions, IPOs, closures",
            schemas.Exits,
            date_column="date",
        ),
        DatasetSpec(
            "graduation",
            "Published aggregate graduation rates (by publication date)",
            schemas.Graduation,
            date_column="published",
        ),
        DatasetSpec(
            "outcomes",
            "Realized sector history for backtests (by publication date)",
            schemas.Outcomes,
            date_column="published",
        ),
    )
}

TEMPLATES: dict[str, type] = {
    **{name: spec.schema for name, spec in DATASETS.items() if spec.schema is not None},
    "holdings": schemas.Holdings,
}
"""Schemas ``gapscore data template NAME`` can write an empty file for."""


# --------------------------------------------------------------------------- reading


def _schema_columns(model: type, *, required_only: bool = False) -> dict[str, object]:
    """Column name -> pandera dtype of a DataFrameModel (optional columns too, unless asked)."""
    return {
        name: col.dtype for name, col in model.to_schema().columns.items()
        if col.required or not required_only
    }


def _kind(dtype: object) -> str:
    text = str(dtype).lower()
    if "datetime" in text:
        return "date"
    if "bool" in text:
        return "bool"
    if "float" in text or "int" in text:
        return "number"
    return "text"


def _read_bytes(path: Path) -> bytes:
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        try:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out = d.decompress(raw, MAX_DECOMPRESSED_BYTES)
            if d.unconsumed_tail:
                raise DataFileError(
                    path, None, None,
                    f"decompresses to more than {MAX_DECOMPRESSED_BYTES >> 20} MiB; refusing a possible decompression bomb",
                )
            if not d.eof:
                raise DataFileError(path, None, None, "truncated gzip file; re-export or re-download it")
            return out
        except zlib.error as exc:
            raise DataFileError(path, None, None, f"not a valid gzip file ({exc}); re-export it") from None
    return raw


def _decode(path: Path, raw: bytes) -> str:
    if raw[:4] == b"PK\x03\x04":
        raise DataFileError(
            path, None, None,
            "is a zip/xlsx workbook, not CSV text; save it as CSV (UTF-8) or use 'gapscore data import'",
        )
    if b"\x00" in raw[:4096]:
        raise DataFileError(path, None, None, "contains NUL bytes: a binary file, not CSV text")
    try:
        text = raw.decode("utf-8-sig")  # a leading BOM is tolerated and dropped
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFileError(
            path, line, None, "is not UTF-8 text (Latin-1 or another encoding?); save the file as UTF-8"
        ) from None
    return text


def read_table(path: Path, model: type) -> pd.DataFrame:
    """Read one CSV (optionally gzipped) or Parquet file as text, check its header.

    Returns a frame of strings (NaN for empty cells) with a ``_line`` column: the
    1-based line of each row in the file (the header is line 1).
    """
    path = Path(path)
    required = list(_schema_columns(model, required_only=True))
    if path.suffix == ".parquet":
        try:
            frame = pd.read_parquet(path, columns=None)
        except ImportError:
            raise DataFileError(path, None, None, "reading Parquet needs pyarrow: pip install 'gapscore[parquet]'") from None
        except Exception as exc:  # pyarrow raises many types for a broken file
            raise DataFileError(path, None, None, f"cannot read Parquet ({type(exc).__name__}: {exc})") from None
        missing = [c for c in required if c not in frame.columns]
        if missing:
            raise DataFileError(path, 1, missing[0], f"missing required column(s) {', '.join(missing)}; found {', '.join(map(str, frame.columns))}")
        frame = frame.astype(object).where(frame.notna(), np.nan)
        for col in frame.columns:
            if col in required and _kind(_schema_columns(model)[col]) == "date":
                frame[col] = frame[col].map(lambda v: v if not isinstance(v, pd.Timestamp) else v.strftime("%Y-%m-%d"))
        frame["_line"] = np.arange(2, len(frame) + 2)
        return frame

    text = _decode(path, _read_bytes(path))
    if not text.strip():
        raise DataFileError(path, 1, None, f"is empty; expected a header line with {', '.join(required)}")
    first = text.splitlines()[0]
    if ";" in first and "," not in first:
        raise DataFileError(path, 1, None, "looks semicolon-delimited; save it as comma-separated CSV")
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""], skip_blank_lines=True,
            on_bad_lines="error", engine="c",
        )
    except pd.errors.ParserError as exc:
        raise DataFileError(path, None, None, f"is not well-formed CSV ({exc}); check quoting and the number of fields") from None
    header = [str(c).strip() for c in frame.columns]
    frame.columns = header
    missing = [c for c in required if c not in header]
    if missing:
        hint = _did_you_mean(missing[0], header)
        raise DataFileError(
            path, 1, missing[0],
            f"missing required column(s) {', '.join(missing)}{hint}; found {', '.join(header)}",
        )
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        raise DataFileError(path, 1, dupes[0], "column appears more than once in the header")
    # Row numbers in the file: pandas dropped blank lines, so count them back in.
    frame["_line"] = _data_line_numbers(text, len(frame))
    return frame


def _data_line_numbers(text: str, n_rows: int) -> np.ndarray:
    """1-based physical line of each parsed record (quoted newlines counted)."""
    lines: list[int] = []
    reader = csv.reader(io.StringIO(text))
    next(reader, None)
    for row in reader:
        if any(cell.strip() for cell in row):
            lines.append(reader.line_num)  # line_num is the record's *last* line
    if len(lines) != n_rows:  # parsers disagree (exotic quoting): fall back to order
        return np.arange(2, n_rows + 2)
    return np.asarray(lines)


def _did_you_mean(name: str, header: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, header, n=1, cutoff=0.6)
    if close:
        return f" (is '{close[0]}' a misspelling of '{name}'?)"
    lowered = {h.lower().strip(): h for h in header}
    if name in lowered:
        return f" (found '{lowered[name]}' with different case or spaces)"
    return ""


TEXT_EXTRAS = frozenset({"notes", "description", "source_note"})
"""Extra columns that stay text even where extras are numeric."""


def coerce(frame: pd.DataFrame, model: type, path: Path, *, numeric_extras: bool = False) -> tuple[pd.DataFrame, list[DataFileError]]:
    """Turn text cells into the schema's dtypes; report every cell that won't go."""
    problems: list[DataFileError] = []
    out = frame.copy()
    lines = frame["_line"].to_numpy()
    for col in frame.columns:
        if col == "_line":
            continue
        s = frame[col]
        long = s.dropna().astype(str).str.len() > MAX_CELL_CHARS
        for idx in long[long].index[:5]:
            problems.append(DataFileError(path, int(lines[idx]), col, f"value of {len(str(s[idx]))} characters is longer than {MAX_CELL_CHARS}; check for an unclosed quote"))
    kinds = dict(_schema_columns(model))
    if numeric_extras:
        kinds.update({c: "float64" for c in frame.columns if c not in kinds and c != "_line" and c not in TEXT_EXTRAS})
    for col, dtype in kinds.items():
        if col not in frame.columns:  # an optional column the file does not have
            continue
        kind = _kind(dtype)
        s = frame[col]
        present = s.notna()
        if kind == "number":
            converted = pd.to_numeric(s, errors="coerce").astype("float64")
            bad = present & converted.isna() & ~s.astype(str).str.strip().str.lower().isin(["nan"])
            nan_text = present & s.astype(str).str.strip().str.lower().isin(["nan", "inf", "-inf", "infinity", "-infinity"])
            inf = present & np.isinf(converted)
            for idx in s.index[bad | nan_text | inf][:50]:
                problems.append(DataFileError(path, int(lines[idx]), col, f"value {_show(s[idx])} is not a finite number; write a plain number such as 12.5"))
            converted[np.isinf(converted)] = np.nan
            out[col] = converted
        elif kind == "date":
            converted = pd.to_datetime(s, errors="coerce", format="ISO8601")
            bad = present & converted.isna()
            for idx in s.index[bad][:50]:
                problems.append(DataFileError(path, int(lines[idx]), col, f"value {_show(s[idx])} is not a date; write it as YYYY-MM-DD"))
            out[col] = converted.astype("datetime64[ns]")
        elif kind == "bool":
            low = s.astype(str).str.strip().str.lower()
            val = pd.Series(np.where(low.isin(TRUE_WORDS), True, np.where(low.isin(FALSE_WORDS), False, None)), index=s.index)
            bad = present & val.isna()
            for idx in s.index[bad][:50]:
                problems.append(DataFileError(path, int(lines[idx]), col, f"value {_show(s[idx])} is not true or false"))
            out[col] = val.fillna(False).astype(bool)
        else:
            out[col] = s.astype(object).where(present, None)
    return out, problems


def _show(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "...'"


_CHECK_WORDS = {
    "greater_than": "must be greater than",
    "greater_than_or_equal_to": "must be at least",
    "less_than": "must be less than",
    "less_than_or_equal_to": "must be at most",
    "isin": "must be one of",
    "str_length": "has a length outside",
    "in_range": "must be in the range",
}


def _check_text(check: str) -> str:
    head, _, rest = check.partition("(")
    words = _CHECK_WORDS.get(head)
    if words is None:
        return check
    return f"{words} {rest.rstrip(')')}".strip()


def validate(frame: pd.DataFrame, model: type, path: Path, *, numeric_extras: bool = False) -> tuple[pd.DataFrame, list[DataFileError]]:
    """Coerce then validate with pandera (lazy): every problem, one line each."""
    import pandera.pandas as pa

    coerced, problems = coerce(frame, model, path, numeric_extras=numeric_extras)
    bad_cells = {(p.line, p.column) for p in problems}
    lines = coerced["_line"].to_numpy()
    try:
        model.validate(coerced, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        for row in fc.itertuples(index=False):
            idx = row.index
            line = int(lines[int(idx)]) if idx is not None and not pd.isna(idx) else None
            col = row.column if isinstance(row.column, str) else None
            if (line, col) in bad_cells:
                continue  # already reported as unparseable
            check = str(row.check)
            if row.schema_context == "DataFrameSchema" and col is None:
                message = check
            elif check.startswith("field_uniqueness") or check == "unique" or "duplicate" in check:
                message = f"duplicate value {_show(row.failure_case)}: each {col} must appear once"
            elif check == "not_nullable":
                message = "is empty; a value is required"
            elif check.startswith("dtype"):
                message = f"has the wrong type ({check})"
            else:
                message = f"value {_show(row.failure_case)} {_check_text(check)}"
            problems.append(DataFileError(path, line, col, message))
    # Unique keys (pandera's unique=True covers one column; the spec may name several).
    problems.sort(key=lambda p: (p.line or 0, p.column or ""))
    return coerced, _dedupe(problems)


def _dedupe(problems: list[DataFileError]) -> list[DataFileError]:
    seen, out = set(), []
    for p in problems:
        key = (p.line, p.column, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


# --------------------------------------------------------------------------- sectors


SECTOR_REQUIRED = ("name", "description", "benchmarks")


def read_sectors(path: Path) -> dict[str, dict]:
    """Parse one sectors.toml: ``{sector_id: table}``; structural checks only."""
    raw = _decode(path, _read_bytes(path))
    try:
        doc = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        msg = str(exc).split(" (at line")[0]
        raise DataFileError(path, line, None, f"TOML syntax error: {msg}; fix the file or regenerate it with 'gapscore data template sectors'") from None
    sectors = doc.get("sectors")
    if not isinstance(sectors, dict) or not sectors:
        raise DataFileError(path, None, "sectors", "has no [sectors.<id>] tables")
    problems = []
    for sid, table in sectors.items():
        if not isinstance(table, dict):
            problems.append(DataFileError(path, None, f"sectors.{sid}", "must be a table"))
            continue
        for key in SECTOR_REQUIRED:
            if key not in table:
                problems.append(DataFileError(path, None, f"sectors.{sid}.{key}", "is required"))
        if "benchmarks" in table and not (
            isinstance(table["benchmarks"], list) and all(isinstance(b, str) for b in table["benchmarks"])
        ):
            problems.append(DataFileError(path, None, f"sectors.{sid}.benchmarks", "must be a list of benchmark ids"))
    if problems:
        raise DataValidationError(problems)
    return {sid: dict(table, id=sid) for sid, table in sectors.items()}


# --------------------------------------------------------------------------- the store


@dataclass
class DataStore:
    """The datasets one command works with: bundled, extended or replaced by the user's.

    Loaded frames are cached on the instance (no module-level state).
    """

    data_dir: Path | None = None
    replace: bool = False
    _cache: dict[str, object] = field(default_factory=dict, repr=False)

    def files(self, name: str) -> list[Path]:
        """The files that make up dataset ``name``, bundled first."""
        spec = DATASETS[name]
        stems = ("sectors.toml",) if not spec.is_table else spec.stems
        bundled = [BUNDLED_DIR / s for s in stems if (BUNDLED_DIR / s).exists()][:1]
        user: list[Path] = []
        if self.data_dir is not None:
            user = [Path(self.data_dir) / s for s in stems if (Path(self.data_dir) / s).exists()][:1]
        if user and self.replace:
            return user
        return bundled + user

    def sectors(self) -> dict[str, dict]:
        if "sectors" not in self._cache:
            merged: dict[str, dict] = {}
            for path in self.files("sectors"):
                merged.update(read_sectors(path))
            self._cache["sectors"] = merged
        return self._cache["sectors"]  # type: ignore[return-value]

    def sector(self, sector_id: str) -> dict:
        sectors = self.sectors()
        if sector_id not in sectors:
            raise DataFileError(
                "sectors.toml", None, None,
                f"unknown sector '{sector_id}'; choose one of {', '.join(sorted(sectors))} (see 'gapscore sectors')",
            )
        return sectors[sector_id]

    def load(self, name: str) -> pd.DataFrame:
        """The validated dataset; raises ``DataValidationError`` listing every problem."""
        if name in self._cache:
            return self._cache[name]  # type: ignore[return-value]
        spec = DATASETS[name]
        if not spec.is_table:
            raise KeyError(name)
        frames, problems = [], []
        for path in self.files(name):
            try:
                raw = read_table(path, spec.schema)
            except DataFileError as exc:
                problems.append(exc)
                continue
            frame, found = validate(raw, spec.schema, path, numeric_extras=spec.numeric_extras)
            problems.extend(found)
            frame["_file"] = str(path)
            frames.append(frame)
        if problems:
            raise DataValidationError(problems)
        if not frames:
            raise DataFileError(f"{name}.csv", None, None, "no such dataset file in the bundled data or --data-dir")
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        if spec.key and len(frames) > 1:  # a user row replaces the bundled row with its key
            frame = frame.drop_duplicates(list(spec.key), keep="last").reset_index(drop=True)
        self._cache[name] = frame
        return frame

    def as_of(self, name: str, as_of: pd.Timestamp) -> pd.DataFrame:
        """Rows known on ``as_of``: dated (or published) on or before it."""
        frame = self.load(name)
        col = DATASETS[name].date_column
        if col is None:
            return frame
        return frame[frame[col] <= pd.Timestamp(as_of)].reset_index(drop=True)

    def check_references(self) -> list[DataFileError]:
        """Cross-file checks: sectors and rows name known sectors and benchmarks."""
        problems: list[DataFileError] = []
        sectors = self.sectors()
        bench = self.load("benchmarks")
        known = set(bench["benchmark"])
        sectors_file = str(self.files("sectors")[-1]) if self.files("sectors") else "sectors.toml"
        for sid, table in sectors.items():
            for b in table.get("benchmarks", []):
                if b not in known:
                    problems.append(DataFileError(sectors_file, None, f"sectors.{sid}.benchmarks", f"unknown benchmark '{b}'; add it to benchmarks.csv or remove it"))
            cost = table.get("cost", {})
            if cost and cost.get("benchmark") not in known:
                problems.append(DataFileError(sectors_file, None, f"sectors.{sid}.cost.benchmark", f"unknown benchmark '{cost.get('benchmark')}'; add it to benchmarks.csv"))
        allowed = set(sectors) | {"other", "all"}
        problems += _row_problems(bench, ~bench["sector"].isin(allowed), "sector",
                                  "unknown sector '{}'; use a sector id from sectors.toml or 'other'")
        cap = self.load("capability")
        problems += _row_problems(cap, ~cap["benchmark"].isin(known), "benchmark",
                                  "unknown benchmark '{}'; add it to benchmarks.csv")
        prices = self.load("prices")
        prices_file = str(self.files("prices")[-1])
        for sid, table in sectors.items():
            col = table.get("cost", {}).get("benchmark")
            if col in known and col not in prices.columns:
                problems.append(DataFileError(prices_file, 1, col, f"sector {sid} prices on benchmark '{col}' but the file has no such column"))
        for name in ("graduation", "outcomes"):
            frame = self.load(name)
            problems += _row_problems(frame, ~frame["sector"].isin(allowed), "sector",
                                      "unknown sector '{}'; use a sector id from sectors.toml or 'all'")
        return problems

    def validate_all(self) -> list[DataFileError]:
        """Every problem in every dataset, without stopping at the first file."""
        problems: list[DataFileError] = []
        try:
            self.sectors()
        except DataValidationError as exc:
            problems.extend(exc.problems)
        except DataFileError as exc:
            problems.append(exc)
        ok = True
        for name, spec in DATASETS.items():
            if not spec.is_table:
                continue
            try:
                self.load(name)
            except DataValidationError as exc:
                problems.extend(exc.problems)
                ok = False
            except DataFileError as exc:
                problems.append(exc)
                ok = False
        if ok and not problems:
            problems.extend(self.check_references())
        return problems

    def describe(self) -> pd.DataFrame:
        """One row per dataset: rows, date range, files and sources."""
        rows = []
        for name, spec in DATASETS.items():
            files = [p.name for p in self.files(name)]
            if not spec.is_table:
                rows.append(dict(dataset=name, rows=len(self.sectors()), start=None, end=None, files=", ".join(files), sources="see each sector's table", description=spec.description))
                continue
            frame = self.load(name)
            col = spec.date_column or ("date" if "date" in frame.columns else None)
            start = frame[col].min() if col else None
            end = frame[col].max() if col else None
            sources = frame["source"].dropna().astype(str).str.split(":").str[0].str.strip().value_counts()
            rows.append(dict(
                dataset=name, rows=len(frame),
                start=None if start is None or pd.isna(start) else start.date().isoformat(),
                end=None if end is None or pd.isna(end) else end.date().isoformat(),
                files=", ".join(files),
                sources="; ".join(sources.index[:3]) + (f"; +{len(sources) - 3} more" if len(sources) > 3 else ""),
                description=spec.description,
            ))
        return pd.DataFrame(rows)


def _row_problems(frame: pd.DataFrame, mask: pd.Series, column: str, template: str, limit: int = 50) -> list[DataFileError]:
    """One problem per flagged row (at most ``limit``), located by the loader's columns."""
    bad = frame.loc[mask, ["_file", "_line", column]].head(limit)
    return [DataFileError(f, int(l), column, template.format(v)) for f, l, v in bad.itertuples(index=False, name=None)]


def public(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame without the loader's bookkeeping columns (``_line``, ``_file``)."""
    return frame.drop(columns=[c for c in ("_line", "_file") if c in frame.columns])


def template_frame(name: str) -> pd.DataFrame:
    """An empty frame with the required columns of dataset ``name``."""
    if name not in TEMPLATES:
        raise KeyError(name)
    return pd.DataFrame(columns=list(_schema_columns(TEMPLATES[name])))


def sector_rows(store: DataStore, name: str, frame: pd.DataFrame, sector_id: str) -> pd.DataFrame:
    """The rows of dataset ``name`` that belong to one sector."""
    table = store.sector(sector_id)
    if name in ("benchmarks", "graduation", "outcomes"):
        keep = frame["sector"].isin([sector_id, "all"]) if name != "benchmarks" else frame["benchmark"].isin(table["benchmarks"]) | (frame["sector"] == sector_id)
        return frame[keep]
    if name == "capability":
        return frame[frame["benchmark"].isin(table["benchmarks"])]
    if name == "prices":
        cost = table.get("cost", {})
        col = cost.get("benchmark")
        if col in frame.columns:
            return frame[frame[col].notna()]
        return frame.iloc[0:0]
    if name in ("rounds",):
        return frame[frame["category"].isin(table.get("round_categories", []))]
    if name == "exits":
        rounds = store.load("rounds")
        companies = rounds.loc[rounds["category"].isin(table.get("round_categories", [])), "company"]
        return frame[frame["company"].isin(set(companies))]
    return frame
