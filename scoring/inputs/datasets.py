"""Load, validate and slice the datasets, bundled or the user's own.

One documented loader per dataset (``DATASETS``); every table is read as text,
coerced column by column (so that an unparseable cell is reported with its file,
line and column), then checked with its pandera schema with ``lazy=True``, so that
every bad row is reported at once. The large ``rounds`` table keeps its text columns
as pandas categoricals (one string per distinct value; codes for every consumer).

A user's ``--data-dir`` holds files with the bundled names. By default they
*extend* the bundled data (rows appended; for keyed datasets a user row replaces the
bundled row with the same key; ``sectors.toml`` tables add or replace sectors); with
``replace=True`` a user file replaces the bundled file of the same name.

Point in time: ``DataStore.as_of(name, as_of)`` keeps only rows known on ``as_of``
(by ``date``, or by ``published`` for published aggregates).
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import difflib
import gzip
import io
import itertools
import re
import tomllib
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gapscore import data as _bundled_pkg
from gapscore.scoring.inputs import schemas
from gapscore.scoring.errors import DataFileError, DataValidationError

BUNDLED_DIR = Path(_bundled_pkg.__file__).resolve().parent

MAX_DECOMPRESSED_BYTES = 1 << 30
"""Refuse a gzip that inflates past 1 GiB: a decompression bomb, not a deal database."""

HEADER_ONLY = "has a header but no rows; add one row per record below the header, or delete the file"
"""What an unfilled template is told, whichever command reads it (line 2: where the rows go)."""

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
    categorical: bool = False  # text columns as pandas categoricals (a large table: rounds)
    same_record: tuple[str, ...] = ()  # no key, but a user row equal on these repeats a bundled one

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
            key=("benchmark", "date", "system", "value"),  # a result listed twice would weigh double in the fit
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
            categorical=True,
            # A user's export overlapping the bundled 2013 one lists the same rounds again:
            # counted twice, every graduation rate would shift. (Not a key: the bundled
            # export itself holds 93 pairs of rounds with one company, round and date.)
            same_record=("company", "round", "date", "amount_usd"),
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
            "funding",
            "Yearly AI venture funding by sector, vertical or focus area (by publication date)",
            schemas.Funding,
            date_column="published",
            key=("series", "year", "published"),
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
    return _gunzip(path, raw) if path.name.endswith(".gz") else raw


def _gunzip(path: Path, raw: bytes) -> bytes:
    """Every member of a gzip file (``cat a.gz b.gz`` is one valid file), capped in size."""
    parts, rest, left = [], raw, MAX_DECOMPRESSED_BYTES
    while rest.strip(b"\x00"):  # trailing zero padding is not a member
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            part = d.decompress(rest, left + 1)  # one byte over the budget tells a bomb
        except zlib.error as exc:
            raise DataFileError(path, None, None, f"not a valid gzip file ({exc}); re-export it") from None
        if len(part) > left:
            raise DataFileError(
                path, None, None,
                f"decompresses to more than {MAX_DECOMPRESSED_BYTES >> 20} MiB; refusing a possible decompression bomb",
            )
        if not d.eof:
            raise DataFileError(path, None, None, "truncated gzip file; re-export or re-download it")
        parts.append(part)
        left -= len(part)
        rest = d.unused_data
    return b"".join(parts)


def _decode(path: Path, raw: bytes) -> str:
    kind = "TOML" if path.name.endswith(".toml") else "CSV"  # what to save it as
    if raw[:4] == b"PK\x03\x04":
        raise DataFileError(
            path, None, None,
            "is a zip/xlsx workbook, not CSV text; save it as CSV (UTF-8) or use 'gapscore data import'",
        )
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise DataFileError(path, 1, None, f"is UTF-16 text (Excel 'Unicode Text'); save it as {kind} UTF-8")
    if b"\x00" in raw[:4096]:
        raise DataFileError(path, None, None, f"contains NUL bytes: a binary file, not {kind} text; save it as {kind} UTF-8")
    try:
        text = raw.decode("utf-8-sig")  # a leading BOM is tolerated and dropped
    except UnicodeDecodeError as exc:
        body = exc.object  # exc.start counts from after a leading BOM: locate the byte in what was decoded
        line, column = _byte_location(path, body, exc.start)
        raise DataFileError(
            path, line, column, f"byte {body[exc.start:exc.start + 1]!r} is not UTF-8 text (Latin-1 or another encoding?); save the file as UTF-8"
        ) from None
    return text


def _byte_location(path: Path, raw: bytes, offset: int) -> tuple[int, str | None]:
    """(line, column name) of byte ``offset`` in a CSV file (no column for other files)."""
    line = raw[:offset].count(b"\n") + 1
    if not path.name.endswith((".csv", ".csv.gz")):
        return line, None
    start = raw.rfind(b"\n", 0, offset) + 1
    try:
        header = next(csv.reader([raw.split(b"\n", 1)[0].decode("utf-8-sig", "replace")]), [])
        index = next(csv.reader([raw[start:offset].decode("utf-8", "replace") + "x"]), [""])
    except csv.Error:  # a stray quote or CR: no column to name
        return line, None
    position = len(index) - 1
    return line, (header[position].strip() if line > 1 and position < len(header) else None)


def read_table(path: Path, model: type) -> pd.DataFrame:
    """Read one CSV (optionally gzipped) or Parquet file as text, check its header.

    Raises ``DataFileError`` (line 2, ``HEADER_ONLY``) for a header with no rows: an
    unfilled template, whichever command reads it.

    Returns a frame of strings (NaN for empty cells) with a ``_line`` column: the
    1-based line of each row in the file (the header is line 1). Two exceptions: the
    text columns of a ``categorical`` dataset (rounds) are categoricals, the same from
    every format (from Parquet read dictionary-encoded); and Parquet columns already of
    their schema's type (numbers, timestamps) stay typed, which ``coerce`` checks
    as it checks text.
    """
    return read_table_facts(path, model)[0]


def read_table_facts(path: Path, model: type) -> tuple[pd.DataFrame, dict[str, TextFacts]]:
    """``read_table``, and the ``TextFacts`` of the categorical columns it measured
    while building them (Parquet text; none from CSV): pass them to ``validate``,
    whose per-value checks then need not loop over the categories in Python."""
    path = Path(path)
    required = list(_schema_columns(model, required_only=True))
    keep = _kept_columns(model)
    as_category = _categorical_columns(model)
    if path.suffix == ".parquet":
        try:
            import pyarrow.parquet as pq

            meta = pq.read_metadata(path)
            names = meta.schema.to_arrow_schema().names
            wanted = [c for c in names if keep is None or c in keep]
            table = pq.read_table(path, columns=wanted,
                                  read_dictionary=[c for c in wanted if c in as_category and _dictionary_pays(meta, c)])
        except ImportError:
            raise DataFileError(path, None, None, "reading Parquet needs pyarrow: pip install 'gapscore[parquet]'") from None
        except Exception as exc:  # pyarrow raises many types for a broken file
            raise DataFileError(path, None, None, f"cannot read Parquet ({type(exc).__name__}: {exc}); re-export it, or "
                                "save it as CSV under a .csv name") from None
        missing = [c for c in required if c not in table.column_names]
        if missing:
            raise DataFileError(path, 1, missing[0], f"missing required column(s) {', '.join(missing)}; found {', '.join(map(str, names))}")
        built = {c: _arrow_categorical(table[c]) for c in table.column_names if c in as_category}
        built = {c: v for c, v in built.items() if v is not None}  # not text: checked as before
        categories = {c: v[0] for c, v in built.items()}
        facts = {c: v[1] for c, v in built.items()}
        frame = table.drop_columns(list(categories)).to_pandas().reset_index(drop=True)
        n_rows = table.num_rows
        del table
        kinds = {c: _kind(d) for c, d in _schema_columns(model).items()}
        for col in frame.columns:  # a text column stored as numbers, booleans or dates
            dtype = frame[col].dtype
            if kinds.get(col) == "text" and not (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
                                                 or frame[col].isna().all()):
                raise DataFileError(path, 1, col, f"is stored as {dtype} where text is expected; "
                                    "write the column as strings (e.g. df[col].astype(str) before to_parquet)")
        typed = [c for c in frame.columns if _typed(frame[c].dtype, kinds.get(c))]  # coerce takes them as they are
        for col in frame.columns:  # other timestamps as YYYY-MM-DD text, as a CSV would have them
            if col not in typed and pd.api.types.is_datetime64_any_dtype(frame[col].dtype):
                frame[col] = _iso_dates(frame[col])
        text = [c for c in frame.columns if c not in typed]
        if text:
            frame[text] = frame[text].astype(object).where(frame[text].notna(), np.nan)
        columns = {c: categories[c] if c in categories else frame[c] for c in wanted
                   if c in categories or c in frame.columns}
        if n_rows == 0:
            raise DataFileError(path, 2, None, HEADER_ONLY)
        columns["_line"] = np.arange(2, n_rows + 2)
        return pd.DataFrame(columns, copy=False), facts  # one frame built once: no column inserted afterwards

    text = _decode(path, _read_bytes(path))
    if not text.strip():
        raise DataFileError(path, 1, None, f"is empty; expected a header line with {', '.join(required)}")
    first = (text.partition("\n")[0].splitlines() or [""])[0]  # not splitlines() of the whole file
    _refuse_header_below(path, text, first, required)
    if ";" in first and "," not in first:
        raise DataFileError(path, 1, None, "looks semicolon-delimited; save it as comma-separated CSV")
    names = [c.strip() for c in _first_record(first)]
    named = len(names)
    while named and not names[named - 1]:  # Excel's trailing commas: unnamed columns at the end
        named -= 1
    if "" in names[:named]:
        raise DataFileError(path, 1, None, f"column {names.index('') + 1} of the header has no name; "
                            "name it, or delete the column")
    names = names[:named] + [f"\0{i}" for i in range(named, len(names))]  # placeholders, dropped below
    dupes = sorted({c for c in names if names.count(c) > 1})  # pandas would rename them "x.1"
    if dupes:
        raise DataFileError(path, 1, dupes[0], "column appears more than once in the header; keep one")
    _refuse_wide_rows(path, text)  # else pandas takes a first column of surplus fields as the index
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""], skip_blank_lines=True,
            on_bad_lines="error", engine="c", index_col=False,
            usecols=range(len(names)),  # surplus fields are empty (checked above): drop them
        )
    except pd.errors.ParserError as exc:
        detail = re.sub(r" starting at row \d+| in line \d+", "", str(exc).strip().replace("Error tokenizing data. C error: ", ""))
        raise DataFileError(path, _bad_record_line(text), None,
                            f"is not well-formed CSV ({detail}); check quoting and the number of fields") from None
    # Rows with every field empty (",,,," : how a spreadsheet saves a blank row) are blank
    # lines, as _data_line_numbers counts them; then the unnamed trailing columns, which
    # must be empty (a value there has no column to belong to).
    blank = frame.isna().all(axis=1).to_numpy()
    if blank.any():
        frame = frame[~blank].reset_index(drop=True)
    lines = _data_line_numbers(text, len(frame))
    if named < len(names):
        filled = frame.iloc[:, named:].notna().any(axis=1).to_numpy()
        if filled.any():
            raise DataFileError(path, int(lines[filled.argmax()]), None, "has a value in a column with no name in the header; "
                                "name the column in the header, or delete the value")
        frame = frame.iloc[:, :named]
    header = [str(c).strip() for c in frame.columns]
    frame.columns = header
    missing = [c for c in required if c not in header]
    if missing and model is schemas.Rounds:
        from gapscore.scoring.inputs.importers import LAYOUTS, vendor_of  # importers reads this module: here, not above

        vendor = vendor_of(header)
        if vendor is not None:
            raise DataFileError(path, 1, None, f"is a {LAYOUTS[vendor].display} export, not the rounds schema "
                                f"({', '.join(required)}); map it with 'gapscore data import --from {vendor} {path.name} "
                                "-o mapped.csv' and use mapped.csv (in a data folder: as rounds.csv)")
    if missing:
        hint = _did_you_mean(missing[0], header)
        raise DataFileError(
            path, 1, missing[0],
            f"missing required column(s) {', '.join(missing)}{hint}; found {', '.join(header)}",
        )
    if frame.empty:  # an unfilled template: every reader says so, not a dtype error per column
        raise DataFileError(path, 2, None, HEADER_ONLY)
    if keep is not None:  # let the columns nothing reads go now, before they are copied
        frame = frame[[c for c in header if c in keep]]
    for col in as_category & set(frame.columns):
        frame[col] = _categorical(frame[col])
    # Row numbers in the file: pandas dropped blank lines, so count them back in.
    frame["_line"] = lines
    return frame, {}


def _kept_columns(model: type) -> frozenset[str] | None:
    """Columns worth reading: the schema's, or None (all) where extra columns are data (prices)."""
    if any(spec.schema is model and spec.numeric_extras for spec in DATASETS.values()):
        return None
    return frozenset(_schema_columns(model))


def _typed(dtype: object, kind: str | None) -> bool:
    """A Parquet column already of its schema kind: numbers (not booleans) or timestamps."""
    if kind == "number":
        return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
    return kind == "date" and pd.api.types.is_datetime64_any_dtype(dtype)


def _categorical_columns(model: type) -> frozenset[str]:
    """Text columns read as categoricals: those of a dataset marked ``categorical`` (rounds)."""
    if not any(spec.schema is model and spec.categorical for spec in DATASETS.values()):
        return frozenset()
    return frozenset(c for c, dtype in _schema_columns(model).items() if _kind(dtype) == "text")


def _text_categories(values: np.ndarray, *, distinct: bool = False) -> pd.CategoricalDtype:
    """The dtype of every categorical text column: sorted Python strings (object), so
    that CSV and Parquet give equal frames under pandas 2 and 3 alike.

    ``distinct=True``: the caller guarantees distinct, non-missing values (a hashed
    dictionary), so pandas' own check (a null scan and a hash of every value: 30 ms
    per million names) is skipped where pandas offers its internal fast path.
    """
    index = pd.Index(values, dtype=object)
    fast = getattr(pd.CategoricalDtype, "_from_fastpath", None) if distinct else None
    return fast(index, False) if fast is not None else pd.CategoricalDtype(index)


def _categorical(column: pd.Series) -> pd.Series:
    """A text column as a categorical of its values in sorted order (``_text_categories``)."""
    found = column.astype("category")  # categories sorted and used, as pandas factorizes them
    values = np.asarray(found.cat.categories, dtype=object)
    codes = found.cat.codes.to_numpy()
    return pd.Series(pd.Categorical.from_codes(codes, dtype=_text_categories(values)), index=column.index)


#: Bytes per row above which a Parquet column chunk cannot be all dictionary-encoded:
#: a dictionary-encoded data page stores each row as an index of at most 32 bits (4
#: bytes), plus a little for page headers and null flags. A column above it holds
#: plain pages (the writer gave up on its dictionary: too many distinct values).
_DICTIONARY_MAX_BYTES_PER_ROW = 5.0


def _dictionary_pays(meta, column: str) -> bool:
    """Read ``column`` dictionary-encoded only when the file stores it so.

    Where the writer kept a dictionary (few distinct values: category, round) pyarrow
    hands over its indices without hashing a string. Where it fell back to plain pages
    (a million company names), reading "as dictionary" hashes every row into a new
    dictionary per batch, which then all have to be pooled: reading the text plain and
    hashing it once (``pc.dictionary_encode``, one dictionary for all chunks) is about
    twice as fast. The data pages' uncompressed size per row tells which is the case
    (``_DICTIONARY_MAX_BYTES_PER_ROW``).
    """
    rows = size = 0
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for i in range(group.num_columns):
            chunk = group.column(i)
            if chunk.path_in_schema == column:
                if not chunk.has_dictionary_page:
                    return False
                dictionary_page = max(chunk.data_page_offset - chunk.dictionary_page_offset, 0)  # as stored
                size += chunk.total_uncompressed_size - dictionary_page
                rows += group.num_rows
    return rows > 0 and size <= _DICTIONARY_MAX_BYTES_PER_ROW * rows


#: What ``str.strip()`` removes: the characters for which ``str.isspace()`` holds
#: (tests/test_rounds_categorical.py checks the list against every code point).
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
              "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


@dataclass(frozen=True)
class TextFacts:
    """What the per-value checks need to know about a categorical text column's
    categories, measured where they were built (from Parquet: on the Arrow dictionary,
    in C++), so that ``coerce`` and ``validate`` need not loop over a million Python
    strings: their shortest and longest length (characters, as ``len``) and whether
    any is empty or has whitespace at either end (``str.strip`` would change it).
    The facts hold for ``categories``, that very object, and only for it.
    """

    categories: pd.Index
    shortest: int
    longest: int
    padded: bool

    def describe(self, column: pd.Series) -> bool:
        """Whether these are the facts of ``column``'s categories."""
        return isinstance(column.dtype, pd.CategoricalDtype) and column.cat.categories is self.categories


def _arrow_text_facts(labels, categories: pd.Index) -> TextFacts:
    """``TextFacts`` of a pyarrow string array without nulls (``labels``), the values of ``categories``."""
    import pyarrow.compute as pc

    if len(labels) == 0:
        return TextFacts(categories, 0, 0, False)
    span = pc.min_max(pc.utf8_length(labels))  # code points, as len()
    shortest, longest = span["min"].as_py(), span["max"].as_py()
    padded = shortest == 0 or pc.any(pc.not_equal(pc.utf8_trim(labels, characters=WHITESPACE), labels)).as_py()
    return TextFacts(categories, shortest, longest, bool(padded))


#: Bytes of each string compared as one integer in ``_bytewise_order``.
_PREFIX_BYTES = 8


def _bytewise_order(strings) -> np.ndarray:
    """Indices that sort a pyarrow string array without nulls bytewise (UTF-8 bytes,
    so code point order), as ``pc.sort_indices`` does, several times faster on many
    values: each string's first ``_PREFIX_BYTES`` bytes as one big-endian integer (zero
    padded), sorted by numpy; strings sharing those bytes are then ordered among
    themselves by ``pc.sort_indices`` (a string that is a prefix of another first).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(strings)
    if n < 2:
        return np.arange(n)
    offsets_type = np.int64 if pa.types.is_large_string(strings.type) else np.int32
    offsets = np.frombuffer(strings.buffers()[1], dtype=offsets_type)[strings.offset:strings.offset + n + 1]
    data = strings.buffers()[2]
    padded = np.zeros(int(offsets[-1]) + _PREFIX_BYTES, dtype=np.uint8)  # every string's first bytes are readable
    if data is not None:
        padded[:int(offsets[-1])] = np.frombuffer(data, dtype=np.uint8)[:int(offsets[-1])]
    # Every byte position as the start of a big-endian 8-byte integer (a strided view, no copy).
    windows = np.ndarray(shape=(padded.size - _PREFIX_BYTES + 1,), dtype=">u8", buffer=padded, strides=(1,))
    starts = offsets[:-1]
    lengths = np.diff(offsets)
    keep = np.array([0] + [~((1 << (8 * (_PREFIX_BYTES - k))) - 1) & ((1 << 64) - 1)
                           for k in range(1, _PREFIX_BYTES + 1)], dtype=np.uint64)  # the first k bytes
    key = windows[starts].astype(np.uint64) & keep[np.minimum(lengths, _PREFIX_BYTES)]
    order = np.argsort(key)
    ordered = key[order]
    tie = ordered[1:] == ordered[:-1]
    if tie.any():  # runs of strings with the same first bytes: sorted in full among themselves
        in_run = np.zeros(n, dtype=bool)
        in_run[1:] |= tie
        in_run[:-1] |= tie
        slots = np.flatnonzero(in_run)
        run = np.cumsum(np.r_[True, ~tie])[slots]  # which run each tied slot is in
        members = order[slots]
        within = pc.sort_indices(pa.table({"run": run, "text": strings.take(pa.array(members))}),
                                 sort_keys=[("run", "ascending"), ("text", "ascending")]).to_numpy()
        order[slots] = members[within]
    return order


def _arrow_categorical(column) -> tuple[pd.Categorical, TextFacts] | None:
    """A Parquet text column (a pyarrow ChunkedArray, dictionary-encoded or not) as a
    categorical of its used values in sorted order, with their ``TextFacts``; None if
    it does not hold text.

    Plain text is hashed once into one dictionary shared by every chunk. Read
    dictionary-encoded, each row group has its own dictionary (shared by its batches):
    only the distinct dictionaries' values are hashed into one, never the rows, whose
    codes are then remapped with integer takes.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    if pa.types.is_null(kind):  # every cell empty (pandas writes an all-None column so)
        dtype = _text_categories(np.array([], dtype=object))
        return (pd.Categorical.from_codes(np.full(len(column), -1), dtype=dtype),
                TextFacts(dtype.categories, 0, 0, False))
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        return None
    hashed = not pa.types.is_dictionary(column.type)
    if hashed:
        # Plain text: hashed once, with one memo table, so every chunk gets the same
        # dictionary. 32-bit offsets hash about 15% faster than large_string's 64-bit
        # ones (measured on 5M company names); the cast only rewrites the offsets.
        if pa.types.is_large_string(column.type) and column.nbytes < 2**31 - 1:
            column = column.cast(pa.string())
        column = pc.dictionary_encode(column)
    chunks = column.chunks
    # Each chunk's codes into its dictionary, -1 for a missing cell (no copy when none is).
    indices = [(c.indices if c.indices.null_count == 0 else pc.fill_null(c.indices, -1)).to_numpy() for c in chunks]
    # Per chunk: its dictionary's slots -> positions in ``values`` (last slot: -1 for a
    # missing cell), or None where the chunk's dictionary is ``values`` itself. Only these
    # small tables are composed; each row is then read twice at most (``seen``, codes).
    lookups: list[np.ndarray | None] = [None] * len(chunks)
    last = chunks[-1].dictionary if chunks else None
    if chunks and all(len(c.dictionary) == len(last) and c.dictionary.offset == last.offset
                      and c.dictionary.buffers()[1:] == last.buffers()[1:] for c in chunks):  # same memory: no compare
        values = last
        distinct = hashed
    else:
        dictionaries, start_of_chunk, start = [], [], 0
        for chunk in chunks:
            if not dictionaries or not chunk.dictionary.equals(dictionaries[-1]):
                start += len(dictionaries[-1]) if dictionaries else 0
                dictionaries.append(chunk.dictionary)
            start_of_chunk.append(start)
        pooled = pc.dictionary_encode(pa.concat_arrays(
            [d.cast(pa.large_string()) for d in dictionaries] or [pa.array([], pa.large_string())]))
        to_pooled = pc.fill_null(pooled.indices, -1).to_numpy()  # dictionary slot -> pooled value; -1: null
        lookups = [np.append(to_pooled[start:start + len(chunk.dictionary)], -1)
                   for chunk, start in zip(chunks, start_of_chunk)]
        values = pooled.dictionary
        distinct = True  # hashed here: a file's own dictionary may repeat a value, this one cannot
    if hashed:  # a dictionary built from the rows holds only used values
        used = None
    else:
        seen = np.zeros(len(values) + 1, dtype=bool)  # the last slot: missing (-1)
        for part, lookup in zip(indices, lookups):
            if lookup is None:
                seen[part] = True
            else:  # the chunk's used slots, then their values
                local = np.zeros(lookup.size, dtype=bool)
                local[part] = True
                seen[lookup[local]] = True
        used = np.flatnonzero(seen[:-1])
    if used is None or used.size == len(values):  # every value used: sort them as they are
        order = _bytewise_order(values)  # bytewise = code point order
    else:
        order = used[_bytewise_order(values.take(pa.array(used)))]
    # Codes in the smallest integer type that holds them (what pandas keeps), built here
    # from a valid ranking, so pandas need not copy or re-check them.
    small = next(t for t in (np.int8, np.int16, np.int32, np.int64) if order.size < np.iinfo(t).max)
    rank = np.full(len(values) + 1, -1, dtype=small)  # the last slot keeps -1 (missing) at -1
    rank[order] = np.arange(order.size)
    codes = np.empty(len(column), dtype=small)
    at = 0
    for part, lookup in zip(indices, lookups):  # each chunk's codes ranked straight into place
        np.take(rank if lookup is None else rank[lookup], part, out=codes[at:at + part.size])
        at += part.size
    sorted_labels = values.take(pa.array(order))
    dtype = _text_categories(np.asarray(sorted_labels.to_numpy(zero_copy_only=False), dtype=object), distinct=distinct)
    return (pd.Categorical.from_codes(codes, dtype=dtype, validate=False),
            _arrow_text_facts(sorted_labels, dtype.categories))


def _iso_dates(column: pd.Series) -> pd.Series:
    """Timestamps (naive or zoned: the local date) as YYYY-MM-DD text; NaN where missing."""
    values = column.dt.tz_localize(None) if isinstance(column.dtype, pd.DatetimeTZDtype) else column
    text = np.datetime_as_string(values.to_numpy().astype("datetime64[D]"), unit="D")
    return pd.Series(text, index=column.index, dtype=object).where(column.notna(), np.nan)


HEADER_SEARCH_LINES = 20
"""How far down a file the header is looked for when line 1 is not it (a title row, blank
lines or a notes block above the header, as a spreadsheet export has them)."""


def _refuse_header_below(path: Path, text: str, first: str, required: list[str]) -> None:
    """Line 1 names none of the required columns but a line below it names them all: the
    header is not on line 1 (pandas would skip leading blank lines and read it, the other
    checks would take the title for the header and blame the rows)."""
    if not required or {c.strip() for c in _first_record(first)} & set(required):
        return
    lines = itertools.islice(io.StringIO(text, newline=None), 1, HEADER_SEARCH_LINES)  # not the whole file
    for number, line in enumerate(lines, 2):
        if set(required) <= {c.strip() for c in _first_record(line.rstrip("\n"))}:
            above = "the blank line" if number == 2 and not first.strip() else (
                "line 1" if number == 2 else f"lines 1-{number - 1}")
            raise DataFileError(path, number, None, f"the header ({', '.join(required)}) is on line {number}, "
                                f"not line 1; delete {above} above it")


def _first_record(line: str) -> list[str]:
    try:
        return next(csv.reader([line]), [])
    except csv.Error:
        return line.split(",")


def _refuse_wide_rows(path: Path, text: str) -> None:
    """A row with more non-empty fields than the header has columns (an unquoted comma
    shifts every value after it); empty trailing fields (``a,b,``) are harmless."""
    width = len(_first_record(text.partition("\n")[0].rstrip("\r")))
    if '"' in text:
        line = _bad_record_line(text, surplus_only=True)
    else:
        line = next((n for n, l in enumerate(re.split(r"\r\n|[\r\n]", text), 1)  # line ends as pandas sees them
                     if l.count(",") >= width and any(f.strip() for f in l.split(",")[width:])), None)
    if line is not None:
        raise DataFileError(path, line, None, f"has more fields than the header's {width}; "
                            "put quotes around values that contain commas")


def _bad_record_line(text: str, *, surplus_only: bool = False) -> int | None:
    """Where a CSV goes wrong: the first record wider than the header (``surplus_only``:
    with a non-empty surplus field), else (an odd number of quotes) the last record, which
    ran to the end of the file inside a quote."""
    reader = csv.reader(io.StringIO(text, newline=""))
    width, start, last = None, 1, None
    try:
        for row in reader:
            if width is None:
                width = len(row)
            elif len(row) > width and (not surplus_only or any(f.strip() for f in row[width:])):
                return start
            last, start = start, reader.line_num + 1
    except csv.Error:  # a field past csv's size limit: no line to name
        return None
    return None if surplus_only else (last if text.count('"') % 2 else None)


def _data_line_numbers(text: str, n_rows: int) -> np.ndarray:
    """1-based physical line of each parsed record (quoted newlines counted)."""
    if '"' not in text and text.rstrip("\r\n").count("\n") == n_rows:
        return np.arange(2, n_rows + 2)  # one record per line and none skipped: no need to parse
    lines: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        next(reader, None)
        for row in reader:
            if any(cell.strip() for cell in row):
                lines.append(reader.line_num)  # line_num is the record's *last* line
    except csv.Error:  # a field past csv's size limit (reported as too long anyway)
        lines = []
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


def coerce(frame: pd.DataFrame, model: type, path: Path, *, numeric_extras: bool = False,
           facts: dict[str, TextFacts] | None = None) -> tuple[pd.DataFrame, list[DataFileError]]:
    """Turn text cells into the schema's dtypes; report every cell that won't go.

    ``facts``: ``read_table_facts``' facts of the categorical columns, used where they
    describe the column's categories."""
    facts = facts or {}
    problems: list[DataFileError] = []
    out = frame.copy(deep=False)  # every converted column is assigned anew, never written into
    lines = frame["_line"].to_numpy()
    for col in frame.columns:
        if col == "_line":
            continue
        s = frame[col]
        for idx in _long_cells(s, facts.get(col))[:5]:
            problems.append(DataFileError(path, int(lines[idx]), col, f"value of {len(str(s[idx]))} characters is longer than {MAX_CELL_CHARS}; check for an unclosed quote"))
    kinds = dict(_schema_columns(model))
    if numeric_extras:
        kinds.update({c: "float64" for c in frame.columns if c not in kinds and c != "_line" and c not in TEXT_EXTRAS})
    for col, dtype in kinds.items():
        if col not in frame.columns:  # an optional column the file does not have
            continue
        kind = _kind(dtype)
        s = frame[col]
        if kind == "number" and _finite_or_missing(s):  # a typed (Parquet) float column, nothing to report
            out[col] = s
            continue
        if (kind == "date" and s.dtype == np.dtype("datetime64[ns]")
                and _midnights_in_range(s, schemas.EARLIEST_DATE, schemas.LATEST_DATE) is not None):
            out[col] = s  # typed (Parquet) dates, each a midnight in range or missing: nothing to convert or report
            continue
        present = s.notna()
        if kind == "number":
            converted = pd.to_numeric(s, errors="coerce").astype("float64")
            inf = present & np.isinf(converted)
            # Only a cell that gave NaN or infinity can be unparseable or "nan"/"inf" text.
            suspect = np.flatnonzero(present & (converted.isna() | inf))
            low = s.iloc[suspect].astype(str).str.strip().str.lower()
            says_nan, nan_text = np.zeros(len(s), dtype=bool), np.zeros(len(s), dtype=bool)
            says_nan[suspect] = low.isin(["nan"]).to_numpy()
            nan_text[suspect] = low.isin(["nan", "inf", "-inf", "infinity", "-infinity"]).to_numpy()
            bad = present & converted.isna() & ~says_nan
            rows = s.index[bad | nan_text | inf]
            for idx in rows[:PROBLEMS_SHOWN_PER_COLUMN]:
                problems.append(DataFileError(path, int(lines[idx]), col, f"value {_show(s[idx])} is not a finite number; write a plain number such as 12.5"))
            problems += _more_problems(path, lines, col, rows, "values that are not finite numbers")
            converted[np.isinf(converted)] = np.nan
            out[col] = converted
        elif kind == "date":
            # A zone offset (2012-01-01T10:00:00Z, +05:00) is read as UTC and the zone
            # dropped, so files mixing zones, or zones and plain dates, load alike.
            early, late = schemas.EARLIEST_DATE, schemas.LATEST_DATE
            if pd.api.types.is_datetime64_any_dtype(s.dtype):  # timestamps (Parquet): their dates
                local = s.dt.tz_localize(None) if isinstance(s.dtype, pd.DatetimeTZDtype) else s
                converted = _midnights_in_range(local, early, late)
                if converted is not None:  # the common case: nanosecond dates at midnight, all in range
                    outside = pd.Series(False, index=s.index)
                else:
                    day = local.to_numpy().astype("datetime64[D]")  # compared in days: no overflow
                    off = (day < early.to_datetime64().astype("datetime64[D]")) | (day > late.to_datetime64().astype("datetime64[D]"))
                    outside = pd.Series(off, index=s.index)
                    converted = pd.Series(np.where(off, np.datetime64("NaT"), day).astype("datetime64[ns]"), index=s.index)
            else:
                converted = pd.to_datetime(s, errors="coerce", format="ISO8601", utc=True).dt.tz_localize(None)
                outside = converted.notna() & ((converted < early) | (converted > late))
                # "2014" or "2014-06" parses as the period's first day, before the row may
                # have been known: a look-ahead. Only first-of-month dates are candidates.
                firsts = np.flatnonzero(converted.dt.day.to_numpy() == 1)
                if firsts.size:  # and shorter than a full YYYY-MM-DD: a length is cheaper than a match
                    firsts = firsts[s.iloc[firsts].astype(str).str.len().to_numpy() < len("YYYY-MM-DD")]
                if firsts.size:
                    partial = s.iloc[firsts].astype(str).str.strip().str.fullmatch(_PARTIAL_DATE).to_numpy(dtype=bool)
                    for idx in s.index[firsts[partial]][:PROBLEMS_SHOWN_PER_COLUMN]:
                        problems.append(DataFileError(path, int(lines[idx]), col, f"value {_show(s[idx])} is a year or "
                                        f"month alone, read as {converted[idx].date()}: before the row may have been known; "
                                        "write the full date YYYY-MM-DD (the period's last day if only the period is known)"))
                    problems += _more_problems(path, lines, col, s.index[firsts[partial]], "dates without a day")
            bad = present & (converted.isna() | outside)
            rows = s.index[bad]
            for idx in rows[:PROBLEMS_SHOWN_PER_COLUMN]:
                rule = (f"is outside {early.date()} to {late.date()}; check the year" if _is_iso_date(s[idx])
                        else "is not a date; write it as YYYY-MM-DD")
                problems.append(DataFileError(path, int(lines[idx]), col, f"value {_show(s[idx])} {rule}"))
            problems += _more_problems(path, lines, col, rows, "values that are not dates in range")
            converted[outside] = pd.NaT  # nanosecond timestamps end in 2262
            out[col] = converted.astype("datetime64[ns]")
        elif kind == "bool":
            low = s.astype(str).str.strip().str.lower()
            val = pd.Series(np.where(low.isin(TRUE_WORDS), True, np.where(low.isin(FALSE_WORDS), False, None)), index=s.index)
            bad = present & val.isna()
            rows = s.index[bad]
            for idx in rows[:PROBLEMS_SHOWN_PER_COLUMN]:
                problems.append(DataFileError(path, int(lines[idx]), col, f"value {_show(s[idx])} is not true or false"))
            problems += _more_problems(path, lines, col, rows, "values that are not true or false")
            out[col] = val.fillna(False).astype(bool)
        elif isinstance(s.dtype, pd.CategoricalDtype) and (
                _known(facts, col, s) or pd.api.types.infer_dtype(s.cat.categories) in ("string", "empty")):
            padded = (facts[col].padded if _known(facts, col, s)  # measured in C++ as they were built
                      else any(c != c.strip() or not c for c in s.cat.categories))  # per distinct value
            if padded:
                s = _categorical(_stripped(s.astype(object)))
            out[col] = s  # text already, one string per distinct value
        else:
            out[col] = _stripped(s.astype(object).where(present, None))
    return out, problems


_PARTIAL_DATE = r"\d{4}(?:-\d{1,2})?"
"""A year or a year-month alone, which ISO 8601 parsing reads as the period's first day."""

PROBLEMS_SHOWN_PER_COLUMN = 50
"""Unreadable values named one by one per column of a file; the rest are counted in one
more line (a file in another layout would otherwise print a line per row)."""


def _more_problems(path: Path, lines: np.ndarray, col: str, rows: pd.Index, what: str) -> list[DataFileError]:
    """The line that counts ``rows`` past the first PROBLEMS_SHOWN_PER_COLUMN, or none."""
    rest = rows[PROBLEMS_SHOWN_PER_COLUMN:]
    if not len(rest):
        return []
    return [DataFileError(path, int(lines[rest[0]]), col, f"and {len(rest)} more {what} in this column from this line "
                          f"on (the first {PROBLEMS_SHOWN_PER_COLUMN} are listed); fix them the same way")]


def _known(facts: dict[str, TextFacts], col: str, column: pd.Series) -> bool:
    """Whether ``facts`` holds the facts of ``column``'s categories (named ``col``)."""
    return col in facts and facts[col].describe(column)


def _stripped(column: pd.Series) -> pd.Series:
    """Text cells without surrounding spaces (an export's "Acme " is "Acme", or a company
    splits in two and a category misses its sector); a cell of spaces only is empty."""
    def strip(value: object) -> object:
        if not isinstance(value, str):
            return value
        value = value.strip()
        return value if value else None
    return column.map(strip)


_NS_PER_DAY = 86_400 * 10**9


def _finite_or_missing(column: pd.Series) -> bool:
    """A float64 column whose values are all finite or NaN (missing), told by its smallest
    and largest value (NaN skipped): two reductions instead of the per-row masks the
    conversion of text needs. Such a column converts to itself with no problem."""
    values = column.to_numpy()
    if values.dtype != np.float64 or values.size == 0:
        return False
    return not (np.isinf(np.fmin.reduce(values)) or np.isinf(np.fmax.reduce(values)))


def _midnights_in_range(column: pd.Series, early: pd.Timestamp, late: pd.Timestamp) -> pd.Series | None:
    """``column`` itself when it is naive nanosecond timestamps, each at midnight (or
    NaT) and dated within [early, late]: then taking their dates changes nothing. Else
    None (the caller converts). Integer arithmetic on the ticks: several times faster
    than ``astype("datetime64[D]")`` on millions of rows."""
    values = column.to_numpy()
    if values.dtype != np.dtype("datetime64[ns]"):
        return None
    ticks = values.view(np.int64)
    if ticks.size and ticks.min() == np.iinfo(np.int64).min:  # NaT is the smallest int64: a mask only then
        ticks = ticks[~np.isnat(values)]
    if ticks.size == 0:
        return column
    lo = early.to_datetime64().astype("datetime64[D]").astype(np.int64) * _NS_PER_DAY
    hi = (late.to_datetime64().astype("datetime64[D]").astype(np.int64) + 1) * _NS_PER_DAY  # end of the last day
    # Reductions, not per-row masks: the first and last instant, and any time of day.
    if ticks.min() < lo or ticks.max() >= hi:
        return None
    for start in range(0, ticks.size, _MIDNIGHT_BLOCK):  # a block at a time: integer division, cache-sized
        block = ticks[start:start + _MIDNIGHT_BLOCK]
        if not np.array_equal(block // _NS_PER_DAY * _NS_PER_DAY, block):
            return None
    return column


#: Timestamps checked per block in ``_midnights_in_range`` (2 MB of int64): floor
#: division and a product per block take about a third of ``np.remainder`` on the whole
#: column (5M timestamps: 3.5 ms against 12 ms here).
_MIDNIGHT_BLOCK = 1 << 18


def _long_cells(column: pd.Series, facts: TextFacts | None = None) -> pd.Index:
    """Index labels of the cells longer than ``MAX_CELL_CHARS`` (a categorical: measured
    per category, or told by its ``facts``)."""
    if _typed(column.dtype, "number") or _typed(column.dtype, "date"):
        return column.index[:0]
    if facts is not None and facts.describe(column) and facts.longest <= MAX_CELL_CHARS:
        return column.index[:0]
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = column.cat.categories
        if pd.api.types.infer_dtype(categories) == "string" and max(map(len, categories.to_numpy())) <= MAX_CELL_CHARS:
            return column.index[:0]  # Python strings, all short: one C pass, no conversion to pandas text
        long = np.flatnonzero(categories.astype(str).str.len() > MAX_CELL_CHARS)
        return column.index[np.isin(column.cat.codes.to_numpy(), long)] if long.size else column.index[:0]
    long = column.dropna().astype(str).str.len() > MAX_CELL_CHARS
    return long[long].index


def _is_iso_date(value: object) -> bool:
    """A real calendar date written YYYY-MM-DD (whatever its year)."""
    try:
        dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return False
    return True


def _show(value: object, limit: int = 60) -> str:
    if isinstance(value, pd.Timestamp):
        value = value.date().isoformat()
    elif isinstance(value, np.generic):  # a typed (Parquet) cell: shown as Python shows it
        value = value.item()
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
    return f"{words} {rest.rstrip(')').replace(' 00:00:00', '')}".strip()


def _spelling_hint(check: str, value: object) -> str:
    """"; write seed" for 'Seed', 'SEED' or 'Pre-Seed' refused by an isin check whose list
    holds the value in lower case with words joined by '_'; else nothing."""
    head, _, rest = check.partition("(")
    if head != "isin" or not isinstance(value, str):
        return ""
    try:
        allowed = ast.literal_eval(rest[:-1])
    except (ValueError, SyntaxError):
        return ""
    spelt = re.sub(r"[\s-]+", "_", value.strip().lower())
    return f"; write {spelt} (lower case, words joined by '_')" if spelt in allowed and spelt != value else ""


def validate(frame: pd.DataFrame, model: type, path: Path, *, numeric_extras: bool = False,
             key: tuple[str, ...] = (), facts: dict[str, TextFacts] | None = None) -> tuple[pd.DataFrame, list[DataFileError]]:
    """Coerce then validate with pandera (lazy): every problem, one line each.

    ``key``: columns that together must be unique within the file. ``facts``: as
    ``read_table_facts`` returns them (optional: only a shortcut).
    """
    import pandera.pandas as pa

    facts = facts or {}
    coerced, problems = coerce(frame, model, path, numeric_extras=numeric_extras, facts=facts)
    bad_cells = {(p.line, p.column) for p in problems}
    # Cells with a value that coerce could not read (reported, or counted past the limit):
    # empty now, but not empty in the file, so never "is empty; a value is required".
    # Measured per column on its first such failure only (no per-row masks otherwise).
    unread: dict[str, np.ndarray | None] = {}

    def was_unread(c: str, i: int) -> bool:
        if c not in unread:
            readable = (c in frame.columns and c in coerced.columns and not isinstance(frame[c].dtype, pd.CategoricalDtype)
                        and _kind(coerced[c].dtype) in ("number", "date"))
            unread[c] = (frame[c].notna() & coerced[c].isna()).to_numpy() if readable else None
        return unread[c] is not None and bool(unread[c][i])
    lines = coerced["_line"].to_numpy()
    row_checks: set[tuple[object, str]] = set()  # a row-wise check fails once per row, not per column
    schema = model.to_schema()
    # A categorical text column holds only strings (coerce checked its categories): its
    # checks run per category in pandas; only pandera's dtype check would refuse it.
    as_category = [c for c in schema.columns if c in coerced.columns and isinstance(coerced[c].dtype, pd.CategoricalDtype)]
    if as_category:
        schema = schema.update_columns({c: {"dtype": None} for c in as_category})
    # Their column checks run on the categories themselves, one value each, and a failing
    # category is then reported on every row that holds it (``_category_failures``).
    per_category = [c for c in as_category if not schema.columns[c].unique]
    failures = [_category_failures(coerced[c], schema.columns[c], facts.get(c)) for c in per_category]
    # Numbers and dates whose checks are bounds: one min and one max decide that every
    # row passes; only a column that may fail goes through pandera (same report).
    bounded = [c for c in schema.columns if c in coerced.columns and c not in as_category
               and _within_bounds(coerced[c], schema.columns[c])]
    if per_category or bounded:
        schema = schema.remove_columns(per_category + bounded)
    try:
        schema.validate(coerced, lazy=True, inplace=True)  # checks only (coerce=False): no copy of the frame
    except pa.errors.SchemaErrors as exc:
        failures.append(exc.failure_cases)
    failures = [f for f in failures if len(f)]
    if failures:
        fc = pd.concat(failures, ignore_index=True) if len(failures) > 1 else failures[0]
        shown: Counter = Counter()  # (column, check) -> rows named
        more: dict[tuple, list] = {}  # (column, check) -> [first line not named, rows not named]
        for row in fc.itertuples(index=False):
            idx = row.index
            line = int(lines[int(idx)]) if idx is not None and not pd.isna(idx) else None
            col = row.column if isinstance(row.column, str) else None
            if (line, col) in bad_cells:
                continue  # already reported as unparseable
            check = str(row.check)
            if row.schema_context == "DataFrameSchema" and idx is not None and not pd.isna(idx):
                if (idx, check) in row_checks:
                    continue
                row_checks.add((idx, check))
                col = next((c for c in coerced.columns if check.startswith(f"{c} ")), None)
                message = check
            elif row.schema_context == "DataFrameSchema" and col is None:
                message = check
            elif check.startswith("field_uniqueness") or check == "unique" or "duplicate" in check:
                message = f"duplicate value {_show(row.failure_case)}: each {col} must appear once"
            elif check == "not_nullable":
                if col is not None and idx is not None and not pd.isna(idx) and was_unread(col, int(idx)):
                    continue  # a value coerce could not read: told so already
                message = "is empty; a value is required"
            elif check.startswith("dtype"):
                message = f"has the wrong type ({check})"
            else:
                message = f"value {_show(row.failure_case)} {_check_text(check)}{_spelling_hint(check, row.failure_case)}"
            if shown[(col, check)] >= PROBLEMS_SHOWN_PER_COLUMN:  # counted, on one line after the loop
                more.setdefault((col, check), [line, 0])[1] += 1
                continue
            shown[(col, check)] += 1
            problems.append(DataFileError(path, line, col, message))
        for (col, check), (line, n) in more.items():
            what = "empty cells" if check == "not_nullable" else f"rows failing the same check ({_check_text(check)})"
            problems.append(DataFileError(path, line, col, f"and {n} more {what} "
                                          f"in this column from this line on (the first {PROBLEMS_SHOWN_PER_COLUMN} are "
                                          "listed); fix them the same way"))
    # Unique keys (pandera's unique=True covers one column; the spec may name several).
    problems += _key_problems(coerced, model, path, key)
    problems.sort(key=lambda p: (p.line or 0, p.column or ""))
    return coerced, _dedupe(problems)


#: pandera's bound checks (``Field(ge=..., le=...)``) as the comparison every value must pass.
_BOUND_CHECKS = {
    "greater_than": np.greater,
    "greater_than_or_equal_to": np.greater_equal,
    "less_than": np.less,
    "less_than_or_equal_to": np.less_equal,
}
#: The bound each check compares with, by its pandera statistic.
_BOUND_STATISTIC = {"greater_than": "min_value", "greater_than_or_equal_to": "min_value",
                    "less_than": "max_value", "less_than_or_equal_to": "max_value"}


def _within_bounds(column: pd.Series, spec) -> bool:
    """Whether every value of a number or date column certainly passes ``spec`` (a
    pandera Column) whose checks are all bounds: decided from the column's smallest and
    largest value (NaN/NaT ignored where the column is nullable, as pandera ignores
    them; a non-nullable column must have none). False when that cannot be decided
    so (other checks, another dtype, an empty column, a value out of bounds): pandera
    then validates the column and reports its failures as before. Two reductions
    instead of pandera's per-row masks and its copy of the column without NaN.
    """
    values = column.to_numpy()
    if (spec.unique or spec.regex or values.size == 0 or str(column.dtype) != str(spec.dtype)
            or values.dtype.kind not in "iufM"
            or not all(check.name in _BOUND_CHECKS and check.element_wise is False and check.ignore_na
                       for check in spec.checks)):
        return False
    first = values.view(np.int64).min() if values.dtype.kind == "M" else None
    if first is not None and first != np.iinfo(np.int64).min:  # dates without NaT (the smallest int64):
        low, high = first.astype(values.dtype), values.view(np.int64).max().astype(values.dtype)  # integer reductions
    elif spec.nullable:  # fmin/fmax skip NaN and NaT: all missing gives NaN/NaT
        low, high = np.fmin.reduce(values), np.fmax.reduce(values)
        if np.isnan(low):
            return True  # every value missing: nullable, nothing to compare
    else:
        low, high = values.min(), values.max()  # NaN and NaT propagate
        if np.isnan(low) or np.isnan(high):
            return False  # a missing value: pandera reports not_nullable
    for check in spec.checks:
        bound = check.statistics[_BOUND_STATISTIC[check.name]]
        if values.dtype.kind == "M":
            bound = pd.Timestamp(bound).to_datetime64()
        extreme = low if _BOUND_STATISTIC[check.name] == "min_value" else high
        if not _BOUND_CHECKS[check.name](extreme, bound):
            return False
    return True


def _lengths_pass(spec, facts: TextFacts | None, column: pd.Series) -> bool:
    """Whether every category of ``column`` passes ``spec``'s checks, told by its
    ``facts`` alone: every check is a ``str_length`` whose bounds hold for the shortest
    and the longest category (pandera's bounds are inclusive)."""
    if facts is None or not facts.describe(column) or spec.regex or not spec.checks:
        return False
    for check in spec.checks:
        if check.name != "str_length":
            return False
        stats = check.statistics
        low = stats.get("exact_value") if stats.get("exact_value") is not None else stats.get("min_value")
        high = stats.get("exact_value") if stats.get("exact_value") is not None else stats.get("max_value")
        if (low is not None and facts.shortest < low) or (high is not None and facts.longest > high):
            return False
    return True


def _category_failures(column: pd.Series, spec, facts: TextFacts | None = None) -> pd.DataFrame:
    """Pandera's failure cases of one categorical column, its checks run per category.

    The column's checks (``spec``: a pandera Column) are element-wise, so a row fails
    exactly when its category does: pandera validates the categories (one row each),
    then every row holding a failing category gets that failure, at the row's position
    (the loader's frames have a RangeIndex), as pandera reports it on the whole column.
    Empty cells (code -1) fail ``not_nullable`` unless the column is nullable. Several
    times faster than pandera on millions of rows, whose string checks compute per
    category and then expand the result to every row. Length checks that the
    categories' ``facts`` show to pass skip pandera (``_lengths_pass``).
    """
    import pandera.pandas as pa

    name = column.name
    codes = column.cat.codes.to_numpy()
    parts = []
    try:
        if not _lengths_pass(spec, facts, column):
            categories = pd.DataFrame({name: np.asarray(column.cat.categories, dtype=object)})
            pa.DataFrameSchema({name: spec}).update_columns({name: {"nullable": True}}).validate(categories, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        fc = fc[fc["index"].notna()].rename(columns={"index": "category"}).astype({"category": np.int64})
        if len(fc):
            bad = np.zeros(len(categories) + 1, dtype=bool)  # the last slot: empty cells (code -1)
            bad[fc["category"].to_numpy()] = True
            rows = np.flatnonzero(bad[codes])
            hits = pd.DataFrame({"category": codes[rows].astype(np.int64), "index": rows})
            parts.append(fc.merge(hits, on="category").drop(columns="category"))
    if not spec.nullable:
        empty = np.flatnonzero(codes < 0)
        if empty.size:
            parts.append(pd.DataFrame({"schema_context": "Column", "column": name, "check": "not_nullable",
                                       "check_number": None, "failure_case": None, "index": empty}))
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True).sort_values("index", kind="stable", ignore_index=True)


def _key_problems(frame: pd.DataFrame, model: type, path: Path, key: tuple[str, ...]) -> list[DataFileError]:
    """A row repeating an earlier row's key, unless pandera already checks that column."""
    keys = list(key)
    if not keys or any(k not in frame.columns for k in keys) or (len(keys) == 1 and model.to_schema().columns[keys[0]].unique):
        return []
    first_line = frame.groupby(keys, dropna=False, sort=False)["_line"].transform("first")
    name = "/".join(keys)
    return [
        DataFileError(path, int(frame.at[i, "_line"]), keys[0],
                      f"duplicate {name} {_show(', '.join(str(frame.at[i, k]) for k in keys))}: also on line "
                      f"{int(first_line[i])}; keep one row per {name}")
        for i in frame.index[frame.duplicated(keys)][:50]
    ]


def _dedupe(problems: list[DataFileError]) -> list[DataFileError]:
    seen, out = set(), []
    for p in problems:
        key = (p.line, p.column, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


# --------------------------------------------------------------------------- sectors


COMPUTE_COST_KEYS = ("unit", "capability", "capability_level", "flop_per_unit", "flop_per_unit_date", "halving_years", "halving_date")
"""Keys a ``[sectors.<id>.cost]`` table with ``mode = "compute"`` needs (models.cost.fit_compute_cost)."""

SECTOR_REQUIRED = ("name", "description", "benchmarks")

SECTOR_KEYS: dict[tuple[str, ...], frozenset[str]] = {
    (): frozenset({"name", "description", "benchmarks", "round_categories", "round_keywords", "funding", "cost", "economics"}),
    ("funding",): frozenset({"series", "series_reason", "round_keywords"}),
    ("cost",): frozenset({"mode", "benchmark", "threshold", "source", "floor_models", "halving_source", *COMPUTE_COST_KEYS}),
    ("economics",): frozenset({"mode", "unit", "revenue_per_unit", "revenue_per_unit_date", "tokens_per_unit",
                               "anchor_cost", "anchor_date", "anchor_source", "decline_per_year"}),
}
"""The keys each part of a ``[sectors.<id>]`` table may hold (any part may also carry
``<key>_source`` citations); any other key is a misspelling the scorer would silently skip."""

PERCENT_UNITS = frozenset({"percent", "error_percent"})
"""Units of benchmarks.csv whose values, human baseline and floor lie in 0-100 (an accuracy
or an error rate in percent). Not wer_percent: insertions can take a word error rate past
100%."""
_PERCENT_WORDS = "percent (85 for 85%); fix the value, or the unit in benchmarks.csv"

MAX_SECTOR_ID_CHARS = schemas.MAX_ID_CHARS
"""A sector id's longest: what benchmarks.csv's sector column takes (schemas.Benchmarks)."""

RESERVED_SECTOR_IDS = frozenset({"all", "other"})
"""Words the data files use for "every sector" (graduation, outcomes) and "no sector"
(benchmarks): a sector with one of these ids would take rows meant for all or none."""

ECONOMICS_MODES = ("tokens", "anchor", "compute")


_NUMBER_RULES: dict[tuple[str, str], tuple[str, float, float, bool]] = {
    # (table, key) -> (rule, low, high, low allowed); the value must also be below high
    ("cost", "threshold"): ("a finite number", -np.inf, np.inf, False),
    ("cost", "capability_level"): ("a finite number", -np.inf, np.inf, False),
    ("cost", "flop_per_unit"): ("a number above 0", 0.0, np.inf, False),
    ("cost", "halving_years"): ("a number above 0", 0.0, np.inf, False),
    ("economics", "tokens_per_unit"): ("a number above 0", 0.0, np.inf, False),
    ("economics", "revenue_per_unit"): ("a number above 0", 0.0, np.inf, False),
    ("economics", "anchor_cost"): ("a number above 0", 0.0, np.inf, False),
    ("economics", "decline_per_year"): ("a share from 0 up to (not including) 1", 0.0, 1.0, True),
}
"""Numbers in a sector's cost and economics tables, with the range each must lie in."""

_TOML_KEY = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*""")


def _toml_key(text: str) -> list[str] | None:
    """``a."b c".d`` -> ``['a', 'b c', 'd']`` (None if it is not a TOML key)."""
    parts, pos = [], 0
    while True:
        m = _TOML_KEY.match(text, pos)
        if not m:
            return None
        token = m.group(1)
        parts.append(token[1:-1] if token[0] in "\"'" else token)
        pos = m.end()
        if pos == len(text):
            return parts
        if text[pos] != ".":
            return None
        pos += 1


def toml_line(text: str, parts: tuple[str, ...]) -> int | None:
    """The line defining the key ``parts``, or else the nearest table or key holding it."""
    table: list[str] = []
    best, depth = None, 0
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.split("#", 1)[0].strip() if not line.lstrip().startswith(("'", '"')) else line.strip()
        if stripped.startswith("["):
            table = _toml_key(stripped.strip("[]")) or []
            full = table
        elif "=" in stripped:
            full = table + (_toml_key(stripped.split("=", 1)[0]) or ["\0"])
        else:
            continue
        if len(full) > depth and tuple(full) == tuple(parts[: len(full)]):
            best, depth = number, len(full)
    return best


def _sector_problems(path: Path, text: str, sid: str, table: dict) -> list[DataFileError]:
    """Structure and value types of one ``[sectors.<id>]`` table, each problem located."""
    problems = []

    def bad(keys: tuple[str, ...], message: str) -> None:
        problems.append(DataFileError(path, toml_line(text, ("sectors", sid, *keys)), ".".join(("sectors", sid, *keys)), message))

    if not sid.strip():
        bad((), "a sector id cannot be empty; name the table [sectors.<your_id>]")
    elif len(sid) > MAX_SECTOR_ID_CHARS:
        bad((), f"a sector id of {len(sid)} characters is longer than {MAX_SECTOR_ID_CHARS} (benchmarks.csv's sector "
                 "column takes no more, and the memo's file name would be too long); use a short snake_case id")
    elif sid.strip().lower() in RESERVED_SECTOR_IDS:
        bad((), f"'{sid}' cannot be a sector id: the data files use 'all' for every sector and 'other' for none; "
                 "rename the table [sectors.<your_id>]")
    for part, allowed in SECTOR_KEYS.items():
        holder = table
        for name in part:
            holder = holder.get(name) if isinstance(holder, dict) else None
        if not isinstance(holder, dict):
            continue
        where = ".".join(("sectors", sid, *part))
        for key in holder:
            if key in allowed or (key.endswith("_source") and key.removesuffix("_source") in allowed):
                continue
            close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
            guess = f" (a misspelling of '{close[0]}'?)" if close else ""
            bad((*part, key), f"unknown key '{key}'{guess}; [{where}] takes {', '.join(sorted(allowed))}: "
                              "rename or remove it")
    for key in SECTOR_REQUIRED:
        if key not in table:
            bad((key,), f"is required; add {key} = ... to [sectors.{sid}]")
    for key in ("name", "description"):
        if key in table and not (isinstance(table[key], str) and table[key].strip()):
            bad((key,), f"must be non-empty text in quotes; got {table[key]!r}")
    for key in ("benchmarks", "round_categories"):
        if key in table and not (isinstance(table[key], list) and all(isinstance(b, str) for b in table[key])):
            bad((key,), f'must be a list of ids in quotes, e.g. {key} = ["a", "b"]')
        elif key in table:
            twice = sorted({b for b in table[key] if table[key].count(b) > 1})
            if twice:  # a member listed twice would weigh double in the sector's mean
                bad((key,), f"lists '{twice[0]}' more than once; keep one")
    top = table.get("round_keywords")
    if top is not None and not (isinstance(top, list) and all(isinstance(v, str) and v.strip() for v in top)):
        bad(("round_keywords",), "must be a list of text in quotes, e.g. round_keywords = ['robotics', 'drones']")
    elif top is not None:
        for pattern in top:
            try:
                re.compile(pattern)
            except re.error as exc:
                bad(("round_keywords",), f"pattern {pattern!r} is not a valid regular expression ({exc}); "
                    "write plain words, or escape special characters with a backslash in a '...' string")
    spec = table.get("funding")
    if spec is not None and not isinstance(spec, dict):
        bad(("funding",), f"must be a table: [sectors.{sid}.funding]")
    elif spec is not None:
        for key in ("series", "round_keywords"):
            if key in spec and not (isinstance(spec[key], list) and all(isinstance(v, str) and v.strip() for v in spec[key])):
                bad(("funding", key), f"must be a list of text in quotes, e.g. {key} = ['a', 'b']")
        if "series_reason" in spec and not (isinstance(spec["series_reason"], str) and spec["series_reason"].strip()):
            bad(("funding", "series_reason"), "must be non-empty text in quotes: why these series cover the sector, or why none does")
        for pattern in spec.get("round_keywords", []) if isinstance(spec.get("round_keywords"), list) else []:
            try:
                re.compile(str(pattern))
            except re.error as exc:
                bad(("funding", "round_keywords"), f"pattern {pattern!r} is not a valid regular expression ({exc}); "
                    "write plain words, or escape special characters with a backslash in a '...' string")
    for sub in ("cost", "economics"):
        if sub not in table:
            continue
        spec = table[sub]
        if not isinstance(spec, dict):
            bad((sub,), f"must be a table: [sectors.{sid}.{sub}]")
            continue
        if sub == "cost":
            compute = spec.get("mode") == "compute"
            if "mode" in spec and not compute:
                bad((sub, "mode"), f"must be \"compute\" or left out (a price series); got {spec['mode']!r}")
            for key in COMPUTE_COST_KEYS if compute else ("benchmark", "threshold"):
                if key not in spec:
                    bad((sub, key), f"is required in [sectors.{sid}.cost]" + (' with mode = "compute"' if compute else ""))
            for key in ("flop_per_unit_date", "halving_date") if compute else ():
                if key in spec:
                    try:
                        pd.Timestamp(str(spec[key]))
                    except (ValueError, TypeError):
                        bad((sub, key), f"{spec[key]!r} is not a date; write it as YYYY-MM-DD")
            if "benchmark" in spec and not isinstance(spec["benchmark"], str):
                bad((sub, "benchmark"), f"must be a benchmark id in quotes; got {spec['benchmark']!r}")
            rows = spec.get("floor_models", [])
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                bad((sub, "floor_models"), f"must be rows [[sectors.{sid}.cost.floor_models]] with model, date, parameters, score, source")
                rows = []
            for i, row in enumerate(rows, 1):
                where = (sub, "floor_models", str(i))
                missing = [k for k in ("model", "date", "parameters", "score", "source") if k not in row]
                if missing:
                    bad(where, f"row {i} lacks {', '.join(missing)}; each floor model needs model, date, parameters, score, source")
                    continue
                try:
                    pd.Timestamp(str(row["date"]))
                except (ValueError, TypeError):
                    bad(where, f"row {i}: date {row['date']!r} is not a date; write it as YYYY-MM-DD")
                for key in ("parameters", "score"):
                    value = row[key]
                    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or (key == "parameters" and value <= 0):
                        bad(where, f"row {i}: {key} must be a number{' above 0' if key == 'parameters' else ''}; got {value!r}")
        else:
            mode = spec.get("mode", "tokens")
            if mode not in ECONOMICS_MODES:
                bad((sub, "mode"), f"must be one of {', '.join(ECONOMICS_MODES)}; got {mode!r}")
            needed = ["revenue_per_unit"] + {"tokens": ["tokens_per_unit"], "anchor": ["anchor_cost", "anchor_date"]}.get(str(mode), [])
            if mode == "compute" and table.get("cost", {}).get("mode") != "compute":
                bad((sub, "mode"), f'"compute" needs a [sectors.{sid}.cost] table with mode = "compute"')
            for key in needed:
                if key not in spec:
                    bad((sub, key), f"is required in [sectors.{sid}.economics] with mode = {mode!r}")
            for key in ("anchor_date", "revenue_per_unit_date"):
                if key in spec:
                    try:
                        pd.Timestamp(str(spec[key]))
                    except (ValueError, TypeError):
                        bad((sub, key), f"{spec[key]!r} is not a date; write it as YYYY-MM-DD")
        for (where, key), (rule, low, high, low_ok) in _NUMBER_RULES.items():
            if where != sub or key not in spec:
                continue
            value = spec[key]
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not (number and (low < value or (low_ok and value == low)) and value < high):
                bad((sub, key), f"must be {rule}; got {value!r}")
    return problems


def read_sectors(path: Path) -> dict[str, dict]:
    """Parse one sectors.toml: ``{sector_id: table}``; structure and value types checked."""
    raw = _decode(path, _read_bytes(path))
    try:
        doc = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, col = (int(found.group(1)), found.group(2)) if found else (getattr(exc, "lineno", None), None)
        msg = str(exc).split(" (at line")[0]
        raise DataFileError(path, line, col, f"TOML syntax error: {msg}; fix the file or compare it with 'gapscore data template sectors'") from None
    sectors = doc.get("sectors")
    if not isinstance(sectors, dict) or not sectors:
        found = f" (found: {', '.join(map(str, doc))})" if doc else ""
        raise DataFileError(path, toml_line(raw, ("sectors",)), "sectors",
                            f"has no [sectors.<id>] tables{found}; add one per sector (see 'gapscore data template sectors')")
    problems = []
    for sid, table in sectors.items():
        if not isinstance(table, dict):
            problems.append(DataFileError(path, toml_line(raw, ("sectors", sid)), f"sectors.{sid}", f"must be a table: [sectors.{sid}]"))
            continue
        problems += _sector_problems(path, raw, sid, table)
    if problems:
        raise DataValidationError(problems)
    return {sid: dict(table, id=sid) for sid, table in sectors.items()}


# --------------------------------------------------------------------------- the store


def _problems_of(call) -> list[DataFileError]:
    """Run ``call``; the data problems it raises, as a list (empty when it succeeds)."""
    try:
        call()
    except DataValidationError as exc:
        return list(exc.problems)
    except DataFileError as exc:
        return [exc]
    return []


@dataclass
class DataStore:
    """The datasets one command works with: bundled, extended or replaced by the user's.

    Loaded frames are cached on the instance (no module-level state).
    """

    data_dir: Path | None = None
    replace: bool = False
    today: pd.Timestamp = field(default_factory=lambda: pd.Timestamp(dt.date.today()))
    """The real date, for one check only: no observation can be dated after it. (Every
    computation takes its own ``as_of``; this is not a hidden "now" for them.)"""
    _cache: dict[str, object] = field(default_factory=dict, repr=False)

    def _gate(self) -> None:
        """A --data-dir file that fails validation stops every command that reads the
        folder, with the lines ``gapscore data validate`` prints: each user file is
        validated once, on the store's first read."""
        if self.data_dir is None:
            return
        if "gate" in self._cache:
            if self._cache["gate"]:
                raise DataValidationError(self._cache["gate"])  # type: ignore[arg-type]
            return
        self._cache["gate"] = []  # reads below pass the gate
        problems: list[DataFileError] = self._sectors_problems()
        for name, spec in DATASETS.items():
            if not spec.is_table or not any((Path(self.data_dir) / stem).exists() for stem in spec.stems):
                continue
            problems += _problems_of(lambda name=name: self.load(name))
        if problems:
            self._cache["gate"] = problems
            raise DataValidationError(problems)

    def files(self, name: str) -> list[Path]:
        """The files that make up dataset ``name``, bundled first."""
        spec = DATASETS[name]
        stems = ("sectors.toml",) if not spec.is_table else spec.stems
        bundled = [BUNDLED_DIR / s for s in stems if (BUNDLED_DIR / s).exists()][:1]
        user: list[Path] = []
        if self.data_dir is not None:
            user = [Path(self.data_dir) / s for s in stems if (Path(self.data_dir) / s).exists()
                    or (Path(self.data_dir) / s).is_symlink()]
            for path in user:  # a broken link or a folder under a dataset's name is not "no file": say so
                if not path.exists():
                    raise DataFileError(path, None, None, "is a symbolic link that leads to no file (its target is "
                                        "missing, or links loop); point it at the file, or put the file itself here")
                if path.is_dir():
                    raise DataFileError(path, None, None, f"is a folder, not a file; put the {name} file here under "
                                        "this name, or move the folder out of the data folder")
            if len(user) > 1:
                raise DataFileError(user[1], None, None, f"{name} is also in {user[0].name}: only one file per dataset "
                                    "is read; keep one of them (merge the rows into it) and move the other out of the folder")
        if user and self.replace:
            return user
        return bundled + user

    def sectors(self) -> dict[str, dict]:
        self._gate()
        if "sectors" not in self._cache:
            merged: dict[str, dict] = {}
            origins: dict[str, Path] = {}
            replaced = self._cache.setdefault("replaced", {})
            for path in self.files("sectors"):
                tables = read_sectors(path)
                replaced["sectors"] = [(str(path), toml_line(path.read_text(encoding="utf-8-sig", errors="replace"), ("sectors", sid)),
                                        f"sector '{sid}'") for sid in tables if sid in merged]
                merged.update(tables)
                origins.update(dict.fromkeys(tables, path))
            self._cache["sectors"] = merged
            self._cache["sector_files"] = origins
        return self._cache["sectors"]  # type: ignore[return-value]

    def sector(self, sector_id: str) -> dict:
        """One sector's table, its references to benchmarks and prices checked on first use."""
        sectors = self.sectors()
        if sector_id not in sectors:
            raise DataFileError(
                "sectors.toml", None, None,
                f"unknown sector '{sector_id}'; choose one of {', '.join(sorted(sectors))} (see 'gapscore sectors')",
            )
        checked: set = self._cache.setdefault("checked_sectors", set())  # type: ignore[assignment]
        if sector_id not in checked:
            problems = self._table_references(sector_id)
            if problems:
                raise DataValidationError(problems)
            checked.add(sector_id)
        return sectors[sector_id]

    def _table_references(self, sid: str) -> list[DataFileError]:
        """One sector's references in sectors.toml: its benchmarks and its cost curve's column."""
        table = self.sectors()[sid]
        path = self._cache["sector_files"][sid]  # type: ignore[index]
        text = _decode(path, _read_bytes(path))
        known = set(self.load("benchmarks")["benchmark"])

        def problem(keys: tuple[str, ...], message: str) -> DataFileError:
            return DataFileError(path, toml_line(text, ("sectors", sid, *keys)), ".".join(("sectors", sid, *keys)), message)

        problems = [problem(("benchmarks",), f"unknown benchmark '{b}'; add it to benchmarks.csv or remove it")
                    for b in table.get("benchmarks", []) if b not in known]
        col = table.get("cost", {}).get("benchmark")
        if col is not None and col not in known:
            problems.append(problem(("cost", "benchmark"), f"unknown benchmark '{col}'; add it to benchmarks.csv"))
        elif col is not None and col not in self.load("prices").columns:
            problems.append(problem(("cost", "benchmark"), f"prices.csv has no column '{col}'; add one with each model's score on it"))
        threshold = table.get("cost", {}).get("threshold")
        if col in known and isinstance(threshold, (int, float)) and not 0 <= threshold <= 100:
            bench = self.load("benchmarks")
            if bench.loc[bench["benchmark"] == col, "unit"].isin(PERCENT_UNITS).any():
                problems.append(problem(("cost", "threshold"), f"{threshold} is outside 0-100: benchmark '{col}' is in "
                                        + _PERCENT_WORDS))
        series = table.get("funding", {}).get("series") or []
        if series:
            known_series = set(self.load("funding")["series"])
            problems += [problem(("funding", "series"), f"unknown funding series '{x}'; add its rows to funding.csv or remove it")
                         for x in series if x not in known_series]
        return problems

    def _row_references(self, name: str, frame: pd.DataFrame) -> list[DataFileError]:
        """Rows naming an unknown sector or benchmark, and values a log scale cannot take.

        A referenced file that is itself broken is reported when it is loaded, not here.
        """
        problems: list[DataFileError] = []
        if name == "benchmarks":
            log_scale = frame["scale"].eq("log") if "scale" in frame.columns else pd.Series(False, index=frame.index)
            for col in ("floor", "human_baseline"):
                problems += _row_problems(frame, log_scale & ~(frame[col] > 0) & frame[col].notna(), col,
                                          "value {} must be above 0 on a log-scale benchmark; fix it or set scale to linear")
        if name == "benchmarks":
            percent = frame["unit"].isin(PERCENT_UNITS)
            for col in ("floor", "human_baseline"):
                problems += _row_problems(frame, percent & ~frame[col].between(0, 100) & frame[col].notna(), col,
                                          "value {} is outside 0-100 for a benchmark in " + _PERCENT_WORDS)
        if name == "funding" and "total_series" in frame.columns:  # the series a share is taken of
            named = frame["total_series"].notna()
            problems += _row_problems(frame, named & ~frame["total_series"].isin(set(frame["series"])), "total_series",
                                      "unknown series '{}'; name a series of funding.csv (the total this one is a share of) "
                                      "or leave it empty")
        try:
            if name == "capability":
                bench = self.load("benchmarks")
                problems += _row_problems(frame, ~frame["benchmark"].isin(set(bench["benchmark"])), "benchmark",
                                          "unknown benchmark '{}'; add it to benchmarks.csv")
                log_ids = set(bench.loc[bench["scale"].eq("log"), "benchmark"]) if "scale" in bench.columns else set()
                problems += _row_problems(frame, frame["benchmark"].isin(log_ids) & ~(frame["value"] > 0), "value",
                                          "value {} must be above 0: its benchmark is on a log scale (an error rate or a time horizon)")
                percent_ids = set(bench.loc[bench["unit"].isin(PERCENT_UNITS), "benchmark"])
                problems += _row_problems(frame, frame["benchmark"].isin(percent_ids) & ~frame["value"].between(0, 100), "value",
                                          "value {} is outside 0-100: its benchmark is in " + _PERCENT_WORDS)
            elif name in ("benchmarks", "graduation", "outcomes"):
                other = "'other'" if name == "benchmarks" else "'all'"
                allowed = set(self.sectors()) | {"other", "all"}
                problems += _row_problems(frame, ~frame["sector"].isin(allowed), "sector",
                                          "unknown sector '{}'; use a sector id from sectors.toml or " + other)
        except (DataFileError, DataValidationError):
            pass
        return problems

    def load(self, name: str) -> pd.DataFrame:
        """The validated dataset; raises ``DataValidationError`` listing every problem."""
        self._gate()
        if name in self._cache:
            return self._cache[name]  # type: ignore[return-value]
        spec = DATASETS[name]
        if not spec.is_table:
            raise KeyError(name)
        frames, problems = [], []
        for path in self.files(name):
            try:
                raw, facts = read_table_facts(path, spec.schema)
            except DataFileError as exc:
                problems.append(exc)
                continue
            frame, found = validate(raw, spec.schema, path, numeric_extras=spec.numeric_extras, key=spec.key,
                                    facts=facts)
            problems.extend(found)
            problems.extend(self._future_problems(spec, frame, path, found))
            if spec.name == "rounds":
                _hint_vendor_labels(found)
            frame["_file"] = _file_column(path, len(frame)) if spec.categorical else str(path)
            frames.append(frame)
        if problems:
            raise DataValidationError(problems)
        if not frames:
            raise DataFileError(f"{name}.csv", None, None, "no such dataset file in the bundled data or --data-dir")
        if spec.same_record and len(frames) > 1:  # a user row repeating a bundled record replaces it
            cols = list(spec.same_record)
            bundled_ix = pd.MultiIndex.from_frame(frames[0][cols].astype(object))
            user_ix = pd.MultiIndex.from_frame(frames[-1][cols].astype(object))
            repeated = frames[-1]["_line"][user_ix.isin(bundled_ix)].astype(int).tolist()
            if repeated:
                shown = ", ".join(map(str, repeated[:10])) + (f" and {len(repeated) - 10} more" if len(repeated) > 10 else "")
                self._cache.setdefault("replaced", {})[name] = [(str(self.files(name)[-1]), None,
                    f"record on each of {len(repeated)} rows that repeat one (same {', '.join(cols)}; counted once): lines {shown}")]
                frames = [frames[0][~bundled_ix.isin(user_ix)].reset_index(drop=True), *frames[1:]]
        frame = _concat(frames) if len(frames) > 1 else frames[0]
        if spec.key and len(frames) > 1:  # a user row replaces the bundled row with its key
            key = list(spec.key)
            user = frames[-1]
            hit = user.set_index(key).index.isin(frames[0].set_index(key).index)
            self._cache.setdefault("replaced", {})[name] = [
                (str(row["_file"]), int(row["_line"]), f"{name} row {', '.join(str(row[k]) for k in key)}")
                for _, row in user[hit].iterrows()]
            frame = frame.drop_duplicates(key, keep="last").reset_index(drop=True)
        problems = self._row_references(name, frame)
        if problems:
            raise DataValidationError(problems)
        self._cache[name] = frame
        return frame

    def _future_problems(self, spec: DatasetSpec, frame: pd.DataFrame, path: Path, found: list) -> list[DataFileError]:
        """Rows dated after today: impossible for an observation or a publication (a
        forecast is not an observation)."""
        col = spec.date_column
        if col is None or col not in frame.columns or not pd.api.types.is_datetime64_any_dtype(frame[col]):
            return []
        bad_cells = {(p.line, p.column) for p in found}
        late = frame[col] > self.today
        what = "published" if col == "published" else "observed"
        out = []
        for line, value in frame.loc[late, ["_line", col]].head(50).itertuples(index=False, name=None):
            if (int(line), col) not in bad_cells:
                out.append(DataFileError(path, int(line), col, f"date {value.date()} is after today ({self.today.date()}): nothing can be "
                                         f"{what} in the future (a forecast is not an observation); fix the date or remove the row"))
        return out

    def memo(self, key: tuple, make):
        """``make()``, computed once per key on this store (derived results, e.g. a shape prior as of a date)."""
        memo = self._cache.setdefault("memo", {})
        if key not in memo:
            memo[key] = make()
        return memo[key]

    def memoized(self, key: tuple) -> bool:
        return key in self._cache.get("memo", {})

    def as_of(self, name: str, as_of: pd.Timestamp) -> pd.DataFrame:
        """Rows known on ``as_of``: dated (or published) on or before it."""
        frame = self.load(name)
        col = DATASETS[name].date_column
        if col is None:
            return frame
        return frame[frame[col] <= pd.Timestamp(as_of)].reset_index(drop=True)

    def data_end(self, name: str, as_of: pd.Timestamp) -> pd.Timestamp | None:
        """The last date of dataset ``name`` known on ``as_of`` (None: no dated rows): where
        the data ends. A result that needs time after it (a cohort's window) is censored."""
        col = DATASETS[name].date_column
        frame = self.as_of(name, as_of)
        if col is None or frame.empty:
            return None
        return pd.Timestamp(frame[col].max())

    def source_ends(self, frame: pd.DataFrame, name: str) -> pd.Series:
        """Each row's data end: the last date, among the rows given, of the file the row
        came from (``_file``). Rows from a bundled export that stops in 2013 are censored
        there even when a user's recent export is loaded with them; a frame already cut
        at an as-of date gives each file's end known on that date."""
        col = DATASETS[name].date_column
        if "_file" not in frame.columns or frame.empty:
            return pd.Series(frame[col].max() if len(frame) else pd.NaT, index=frame.index)
        return frame.groupby(frame["_file"].astype(str), sort=False)[col].transform("max")

    def check_references(self) -> list[DataFileError]:
        """Cross-file checks of sectors.toml: each sector's benchmarks and cost curve exist.

        Rows naming sectors and benchmarks are checked as each dataset loads.
        """
        problems: list[DataFileError] = []
        for sid in self.sectors():
            try:
                problems += self._table_references(sid)
            except (DataFileError, DataValidationError):
                pass  # a referenced file is itself broken: reported when it is loaded
        return problems

    def _sectors_problems(self) -> list[DataFileError]:
        """The problems reading sectors.toml raises, as a list (empty when it reads)."""
        return _problems_of(self.sectors)

    def replaced(self) -> list[str]:
        """What the --data-dir replaced of the bundled data (sectors by id, keyed rows by
        key), one line each as ``file:line: replaces the bundled ...``: known once the
        datasets are loaded (``validate_all``)."""
        found = self._cache.get("replaced", {})
        return [f"{file}:{line}: replaces the bundled {what}" if line else f"{file}: replaces the bundled {what}"
                for name in sorted(found) for file, line, what in found[name]]  # type: ignore[union-attr]

    def unread_files(self) -> list[str]:
        """Files in the --data-dir that look meant as a dataset but are not read under their
        name (``Rounds.csv``, ``capabilities.csv``, ``rounds.xlsx``): one line each, with
        the name that would be read."""
        if self.data_dir is None or not Path(self.data_dir).is_dir():
            return []
        names = ["sectors.toml", *(s for spec in DATASETS.values() if spec.is_table for s in spec.stems)]
        lines = []
        for path in sorted(Path(self.data_dir).iterdir()):
            if path.name in names or path.name.startswith(".") or not path.is_file():
                continue
            stem = path.name.lower().split(".")[0]
            close = [n for n in names if n.lower() == path.name.lower()] or \
                difflib.get_close_matches(stem, [n.split(".")[0] for n in names], n=1, cutoff=0.8)
            if close:
                wanted = close[0] if "." in close[0] else next(n for n in names if n.startswith(close[0] + "."))
                read = Path(self.data_dir) / wanted
                if read.exists() and read.samefile(path):  # a case-insensitive file system reads it
                    continue
                advice = (f"save it as CSV named {wanted} (a vendor export: 'gapscore data import')"
                          if path.suffix.lower() in (".xlsx", ".xls") else f"rename it {wanted}")
                lines.append(f"{path}: is not read (no dataset has this name); {advice}")
        return lines

    def validate_all(self) -> list[DataFileError]:
        """Every problem in every dataset, without stopping at the first file."""
        self._cache.setdefault("gate", [])  # this checks everything the gate would, and more
        problems: list[DataFileError] = self._sectors_problems()
        for name, spec in DATASETS.items():
            if not spec.is_table:
                continue
            problems += _problems_of(lambda name=name: self.load(name))
        if "sectors" in self._cache:  # sectors.toml parsed: check what its tables name
            problems.extend(self.check_references())
        return problems

    def describe(self) -> pd.DataFrame:
        """One row per dataset: rows, date range, the years the data describes, files and sources.

        ``start``/``end`` span the column named in ``dated_by``: for published aggregates
        (funding, graduation, outcomes) that is when figures became public, not what they
        describe; ``years`` is the span of the ``year`` column where a dataset has one
        (funding.csv: the data's own end, e.g. 2025, published in 2026)."""
        rows = []
        for name, spec in DATASETS.items():
            files = [p.name for p in self.files(name)]
            if not spec.is_table:
                rows.append(dict(dataset=name, rows=len(self.sectors()), start=None, end=None, dated_by=None, years=None,
                                 files=", ".join(files), sources="see each sector's table", description=spec.description))
                continue
            frame = self.load(name)
            col = spec.date_column or ("date" if "date" in frame.columns else None)
            start = frame[col].min() if col else None
            end = frame[col].max() if col else None
            sources = frame["source"].dropna().astype(str).str.split(":").str[0].str.strip().value_counts()
            years = pd.to_numeric(frame["year"], errors="coerce").dropna() if "year" in frame.columns else pd.Series(dtype=float)
            rows.append(dict(
                dataset=name, rows=len(frame),
                start=None if start is None or pd.isna(start) else start.date().isoformat(),
                end=None if end is None or pd.isna(end) else end.date().isoformat(),
                dated_by=col,
                years=f"{int(years.min())}-{int(years.max())}" if len(years) else None,
                files=", ".join(files),
                sources="; ".join(sources.index[:3]) + (f"; +{len(sources) - 3} more" if len(sources) > 3 else ""),
                description=spec.description,
            ))
        return pd.DataFrame(rows)


_VENDOR_ROUND = re.compile(r"^(?:series )?([a-z])(?:[ -]?\d+)?$", re.IGNORECASE)


def _hint_vendor_labels(problems: list[DataFileError]) -> None:
    """A round written as a vendor writes it (PitchBook's bare "B", "B-1", "Series A")
    gets the round it means and the import command that reads such exports."""
    for p in problems:
        if p.column != "round" or "must be one of" not in p.message or "; write " in p.message:  # spelling told already
            continue
        found = re.search(r"value '([^']*)'", p.message)
        label = _VENDOR_ROUND.match(found.group(1).strip()) if found else None
        if label:
            letter = label.group(1).lower()
            means = {"a": "series_a", "b": "series_b", "c": "series_c"}.get(letter, "series_d_plus")
            p.message += (f"; {found.group(1)!r} is a vendor's series label, not a round of the rounds schema: write {means}, "
                          "or import the export with 'gapscore data import --from pitchbook' (or crunchbase), which maps such labels")


LEG_STATUSES = ("measured", "borrowed", "none")
"""What a sector has on each leg: its own data, another sector's (or a published anchor's),
or nothing. Read by ``gapscore sectors`` and the memo."""

def _has_funding(store: "DataStore", table: dict, as_of: pd.Timestamp | None = None) -> bool:
    """A funding series mapped in ``[sectors.<id>.funding]``, round categories, or round
    keywords that match rounds in the data (patterns alone are no data)."""
    from gapscore.scoring.inputs.sectors import round_keywords, sector_categories

    if table.get("funding", {}).get("series") or table.get("round_categories"):
        return True
    if not round_keywords(table):
        return False
    rounds = store.load("rounds") if as_of is None else store.as_of("rounds", as_of)
    return bool(sector_categories(table, rounds["category"]))


def sector_legs(store: "DataStore", sector_id: str, as_of: object | None = None) -> dict[str, str]:
    """Each leg's status for one sector: ``{"capability": ..., "cost": ..., "funding": ...}``.

    capability: *measured* when a member benchmark homed in this sector (benchmarks.csv
    ``sector``) has a human baseline and a dated result; *borrowed* when only members homed
    in other sectors do; *none* otherwise. cost: *measured* when ``[cost]`` names a price
    series at a threshold on one of the sector's own benchmarks, or a compute cost curve
    (``mode = "compute"``: the sector's own task's FLOP priced on hardware); *borrowed* when it names
    another sector's benchmark, or when only an economics anchor (a published cost at a
    date) stands in for a price series; *none* otherwise. funding: *measured* when a
    funding series is mapped to it, round categories are listed, or its round keywords
    match rounds in the data; *none* otherwise. ``as_of``: count only the results and
    rounds known on that date (the memo's legs line); None reads every row (``gapscore sectors``).
    """
    table = store.sector(sector_id)
    members = list(table.get("benchmarks", []))
    bench = store.load("benchmarks").set_index("benchmark")
    as_of = None if as_of is None else pd.Timestamp(as_of)
    dated = set((store.load("capability") if as_of is None else store.as_of("capability", as_of))["benchmark"].unique())
    usable = [b for b in members if b in bench.index and b in dated and pd.notna(bench.at[b, "human_baseline"])]
    own = [b for b in usable if bench.at[b, "sector"] == sector_id]
    capability = "measured" if own else "borrowed" if usable else "none"
    cost_table = table.get("cost") or {}
    if cost_table.get("mode") == "compute":
        cost = "measured"  # the sector's own task: FLOP per unit x hardware prices x its efficiency trend
    elif cost_table:
        cost = "measured" if cost_table.get("benchmark") in members else "borrowed"
    else:
        cost = "borrowed" if (table.get("economics") or {}).get("mode") == "anchor" else "none"
    funding = "measured" if _has_funding(store, table, as_of) else "none"
    return {"capability": capability, "cost": cost, "funding": funding}


def _file_column(path: Path, n_rows: int) -> pd.Categorical:
    """``_file`` of a large table: one category, not a string per row."""
    return pd.Categorical.from_codes(np.zeros(n_rows, dtype=np.int8), dtype=_text_categories(np.array([str(path)], dtype=object)))


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Frames one under the other; categorical columns stay categorical (pandas would
    turn differing categories into object), with their categories merged and sorted."""
    from pandas.api.types import union_categoricals

    order = list(dict.fromkeys(c for f in frames for c in f.columns))
    merge = [c for c in order if all(c in f.columns and isinstance(f[c].dtype, pd.CategoricalDtype) for f in frames)]
    frame = pd.concat([f.drop(columns=merge) for f in frames], ignore_index=True)  # no text through object
    for col in merge:
        merged = union_categoricals([f[col] for f in frames], sort_categories=True, ignore_order=True)
        values = np.asarray(merged.categories, dtype=object)
        frame[col] = pd.Categorical.from_codes(merged.codes, dtype=_text_categories(values))
    return frame[order]


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


SECTOR_TEMPLATE_TOML = """\
# A new gapscore sector. Fill in, then check with:
#   gapscore --data-dir THIS_FOLDER data validate
#   gapscore --data-dir THIS_FOLDER score --sector {sid}
# Walk-through: docs/adding-a-sector.md. Every number carries a source: a citation, or
# "assumption: <reasoning>".

[sectors.{sid}]
name = "{name}"
# The products the sector covers: what an analyst would invest in.
description = "Describe the products this sector covers."
# The capability benchmarks (ids from benchmarks.csv: this folder's or the bundled ones)
# whose histories, normalised to each one's human baseline, make up the sector's
# capability. Decide membership by what the products need, and write the reason for each
# member in a comment above this line, e.g.
#   my_benchmark: the task the product sells, with a human baseline from <citation>
benchmarks = []
# Round categories (values of rounds.csv's category column) that belong to the sector.
round_categories = []

# Optional: the sector's cost curve, the price of models scoring at least `threshold` on
# `benchmark` (a column of prices.csv). Uncomment to use.
# [sectors.{sid}.cost]
# benchmark = "mmlu"
# threshold = 86.4
# source = "why this level of capability is what the products need"

# Optional: the funding evidence (docs/datasets/funding.md). Uncomment to use.
# [sectors.{sid}.funding]
# series = []                 # funding.csv series that cover the sector, [] if none does
# series_reason = "why these series cover the sector, or why none does"
# round_keywords = ["protein structure", "structural biology"]  # matched against your rounds' categories

# Optional: unit economics, either tokens x the cost curve or a published anchor cost.
# [sectors.{sid}.economics]
# mode = "anchor"
# unit = "unit of use"
# anchor_cost = 1.0
# anchor_date = "2024-10-01"
# anchor_source = "citation of the published cost at that date"
# revenue_per_unit = 4.0
# revenue_per_unit_source = "citation, or assumption: <reasoning>"
"""


def sector_template(sector_id: str, name: str | None = None) -> dict[str, str]:
    """The files of a new sector, by file name: a commented ``sectors.toml`` table and the
    matching empty ``benchmarks.csv`` and ``capability.csv`` (headers only: add one row per
    benchmark and per dated result; an unfilled header-only file is reported by ``data validate``)."""
    if not re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*", sector_id):
        raise ValueError(f"sector id {sector_id!r} must be snake_case (lower-case letters, digits and '_'), e.g. protein_structure")
    title = name or sector_id.replace("_", " ").capitalize()
    bench_cols = list(_schema_columns(TEMPLATES["benchmarks"]))
    bench_cols.insert(bench_cols.index("source"), "description")
    from gapscore.scoring.output import frame_to_csv  # scoring.output has no dependency back on this module

    return {
        "sectors.toml": SECTOR_TEMPLATE_TOML.format(sid=sector_id, name=title.replace('"', "'")),
        "benchmarks.csv": frame_to_csv(pd.DataFrame(columns=bench_cols)),
        "capability.csv": frame_to_csv(template_frame("capability")),
    }


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
        from gapscore.scoring.inputs.sectors import sector_categories

        return frame[frame["category"].isin(sector_categories(table, frame["category"]))]
    if name == "funding":
        return frame[frame["series"].isin(table.get("funding", {}).get("series", []))]
    if name == "exits":
        from gapscore.scoring.inputs.sectors import sector_categories

        rounds = store.load("rounds")
        companies = rounds.loc[rounds["category"].isin(sector_categories(table, rounds["category"])), "company"]
        return frame[frame["company"].isin(set(companies))]
    return frame
