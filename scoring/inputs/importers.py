"""Read a Crunchbase or PitchBook funding export into the rounds schema.

``import_vendor(path, vendor, mapping=None)`` reads a CSV (UTF-8) or an ``.xlsx``
workbook (first sheet) and returns one row per funding round with the columns of
``data/rounds.csv.gz``: company, category, round, date, amount_usd, source,
original_round.

Expected headers
----------------
Matched ignoring case and repeated spaces; the header row may sit below a few
title rows (the first of the first 30 rows holding every required header wins).

============  ==========================  ==========================================
our field     Crunchbase header           PitchBook header
============  ==========================  ==========================================
company       Organization Name           Companies (or Company Name, Company)
round         Funding Type                Deal Type
date          Announced Date              Deal Date
amount_usd    Money Raised (in USD)       Deal Size  (USD millions, times 1,000,000)
category      Organization Industries     Primary Industry Code
industry_*    --                          Primary Industry Sector, Primary Industry
                                          Group (optional: used when present)
verticals     --                          Verticals  (optional: used when present)
series        --                          Series     (optional: used when present)
============  ==========================  ==========================================

A ``mapping`` (our field -> your header; ``read_mapping`` loads one from a TOML or
JSON file) overrides any of these. Mapping ``category`` or ``amount_usd`` to ``""``
says the export has no such column: category becomes ``unknown``, amounts empty.
With PitchBook the amount column is always read as USD millions, whatever its header.

Round labels
------------
Labels are compared ignoring case and punctuation (``Pre-Seed`` = ``pre seed``).
``original_round`` keeps the vendor's label (PitchBook: ``Deal Type; Series``).

=======================  =====================================================
round                    Crunchbase ``Funding Type`` / PitchBook ``Deal Type``
=======================  =====================================================
pre_seed                 CB ``Pre-Seed``; PB ``Accelerator/Incubator``
seed                     CB ``Seed``, ``Angel``; PB ``Seed Round``,
                         ``Angel (individual)`` (angel money is counted as seed,
                         as in the bundled Crunchbase 2013 data)
series_a .. series_c     CB ``Series A`` .. ``Series C``; PB ``Early Stage VC`` or
                         ``Later Stage VC`` whose Series column says A, B or C,
                         as PitchBook writes it (bare letters ``A``, ``B-1``,
                         ``C2``) or spelled out (``Series A1``, ``Series B-2``)
series_d_plus            CB ``Series D`` .. ``Series J``; PB VC deals with Series
                         D or a later letter
venture_unlabeled        CB ``Venture - Series Unknown``; PB ``Early Stage VC`` /
                         ``Later Stage VC`` with no Series (PB VC deals whose
                         Series says ``Seed`` or ``Pre-Seed`` map to those)
other                    everything else: CB ``Debt Financing``, ``Grant``,
                         ``Convertible Note``, ``Corporate Round``, ``Private
                         Equity``, ``Post-IPO ...``, ``Equity/Product
                         Crowdfunding``, ``Secondary Market``, ``Non-equity
                         Assistance``, ``Initial Coin Offering``, ``Undisclosed``;
                         PB ``Restart - ...`` (recapitalisations), ``Debt - ...``,
                         ``Grant``, ``PE Growth/Expansion``, ``Buyout/LBO``,
                         ``IPO``, ``Corporate``, ``Secondary Transaction ...``,
                         crowdfunding; and any label not listed here
=======================  =====================================================

A label not listed here (and a VC deal whose Series cannot be read, kept as
``venture_unlabeled``) is counted and named: ``import_vendor`` returns them in
``frame.attrs["unmapped_labels"]``, and ``gapscore data import`` prints them with
the rows that map to each sector (``import_report``).

Cells
-----
* company and category text is kept exactly as written: nothing is stripped,
  nothing is evaluated (``=HYPERLINK(...)``, ``#NAME?``, ``NA`` stay text). An empty
  company is an error; an empty category is ``unknown``. PitchBook's category is
  ``Primary Industry Sector | Primary Industry Group | Primary Industry Code |
  Verticals``, those present: sectors select rounds by keywords over this text.
* dates: a spreadsheet date cell, or text as ``YYYY-MM-DD`` (optionally with a
  time), ``YYYY/MM/DD``, ``04-Mar-2021``, ``4 Mar 2021``, ``Mar 4, 2021``,
  ``March 4, 2021`` or ``03/04/2021`` (US month/day/year, as both vendors export).
* amounts: a number, optionally with ``$`` and thousands commas (grouped in threes:
  ``1,234,567``; a decimal comma such as ``12,5`` is an error, not 125); empty means
  undisclosed. Negative or non-finite amounts are errors.
* workbooks: the first sheet is read; another sheet with the export's headers is an
  error (its rounds would be left out), as are cells merged across data rows (the
  value shows on every row, but is stored on the first only) and a formula saved
  without its result (it would read as an empty cell). Rows hidden in the sheet (a
  filter) are imported, and named in ``frame.attrs["hidden_rows"]``.

Errors name the file, the 1-based line (the header is line 1; for a workbook, the
sheet row) and the column: ``DataFileError`` for one problem, ``DataValidationError``
listing each problem when there are several.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
import tomllib
import zipfile
from collections.abc import Mapping
import dataclasses
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from gapscore.scoring.errors import ConfigError, DataFileError, DataValidationError, InputError
from gapscore.scoring.inputs.datasets import MAX_CELL_CHARS
from gapscore.scoring.inputs.schemas import EARLIEST_DATE, LATEST_DATE, MAX_AMOUNT_USD

VENDORS = ("crunchbase", "pitchbook")

DUPLICATES_SHOWN = 10
"""Duplicate rows an import names one by one before it only counts the rest."""

OUTPUT_COLUMNS = ("company", "category", "round", "date", "amount_usd", "source", "original_round")
"""The rounds schema (``data/rounds.csv.gz``), in file order."""

REQUIRED_FIELDS = ("company", "round", "date")
"""Fields that must come from a column; the others may be mapped to "" (absent)."""

USD_PER_MILLION = 1_000_000.0
"""PitchBook exports report Deal Size in millions of US dollars (PitchBook data dictionary)."""

HEADER_SEARCH_ROWS = 30
"""How many non-empty rows to search for the header row (exports may carry a title block)."""

MAX_XLSX_UNCOMPRESSED_BYTES = 256 << 20
"""Refuse a workbook whose parts inflate past 256 MiB in all: a vendor export of a few
hundred thousand rounds is far smaller; more is a zip bomb, refused before it is opened."""

MAX_PROBLEMS = 50
"""Stop collecting cell problems after this many: the file is clearly in another layout."""

UNKNOWN_CATEGORY = "unknown"

DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y/%m/%d",
    "%d-%b-%Y",
    "%d %b %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%m/%d/%Y",
)
"""Text date layouts accepted, tried in order (both vendors write US month/day/year)."""


@dataclass(frozen=True)
class VendorLayout:
    """One vendor's default headers, round labels and amount unit."""

    display: str
    headers: Mapping[str, str]
    optional: tuple[str, ...]
    rounds: Mapping[str, str]
    usd_per_unit: float
    series_types: frozenset[str] = frozenset()
    aliases: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)  # other headers a field goes by
    other_prefixes: tuple[str, ...] = ()  # labels (by prefix) that are known non-ladder money: "other"


_CRUNCHBASE_ROUNDS = {
    "pre seed": "pre_seed",
    "seed": "seed",
    "angel": "seed",
    "venture series unknown": "venture_unlabeled",
    "venture": "venture_unlabeled",
    "corporate round": "other",
    "convertible note": "other",
    "debt financing": "other",
    "grant": "other",
    "equity crowdfunding": "other",
    "product crowdfunding": "other",
    "private equity": "other",
    "post ipo equity": "other",
    "post ipo debt": "other",
    "post ipo secondary": "other",
    "secondary market": "other",
    "non equity assistance": "other",
    "initial coin offering": "other",
    "undisclosed": "other",
}

_PITCHBOOK_ROUNDS = {
    "accelerator incubator": "pre_seed",
    "pre seed": "pre_seed",
    "seed round": "seed",
    "seed": "seed",
    "angel individual": "seed",
    "angel": "seed",
    "early stage vc": "venture_unlabeled",
    "later stage vc": "venture_unlabeled",
    "restart angel": "other",
    "restart early vc": "other",
    "restart later vc": "other",
}

LAYOUTS: dict[str, VendorLayout] = {
    "crunchbase": VendorLayout(
        display="Crunchbase",
        headers={
            "company": "Organization Name",
            "round": "Funding Type",
            "date": "Announced Date",
            "amount_usd": "Money Raised (in USD)",
            "category": "Organization Industries",
        },
        optional=(),
        rounds=_CRUNCHBASE_ROUNDS,
        usd_per_unit=1.0,
    ),
    "pitchbook": VendorLayout(
        display="PitchBook",
        headers={
            "company": "Companies",
            "round": "Deal Type",
            "date": "Deal Date",
            "amount_usd": "Deal Size",
            "category": "Primary Industry Code",
            "industry_sector": "Primary Industry Sector",
            "industry_group": "Primary Industry Group",
            "verticals": "Verticals",
            "series": "Series",
        },
        optional=("verticals", "series", "industry_sector", "industry_group"),
        rounds=_PITCHBOOK_ROUNDS,
        usd_per_unit=USD_PER_MILLION,
        series_types=frozenset({"early stage vc", "later stage vc"}),
        aliases={"company": ("Company Name", "Company")},
        other_prefixes=("restart", "debt", "pe ", "buyout", "lbo", "ipo", "corporate", "secondary", "grant",
                        "equity crowdfunding", "product crowdfunding", "merger", "reverse merger", "spin off",
                        "joint venture", "mezzanine", "capitalization", "bankruptcy", "acquisition", "public investment",
                        "convertible", "dividend recap", "asset acquisition", "share repurchase", "platform creation",
                        "add on", "investor buyout", "management buyout", "leveraged recapitalization", "distressed"),
    ),
}

_SERIES = re.compile(r"^series ([a-z])(?: ?\d+)?$")
_BARE_SERIES = re.compile(r"^([a-z])(?: ?\d+)?$")
"""PitchBook's Series column holds bare letters: "A", "B", "B-1" (key "b 1"), "C2"."""
_ISO_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}")


# --------------------------------------------------------------------------- labels


def _label_key(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", label.casefold()).strip()


def _series_round(key: str) -> str | None:
    """'series a' -> series_a ... 'series d'+ -> series_d_plus; seed words -> seed/pre_seed."""
    if key in ("seed", "series seed", "seed 1", "seed 2", "angel"):
        return "seed"
    if key in ("pre seed", "series pre seed"):
        return "pre_seed"
    match = _SERIES.match(key) or _BARE_SERIES.match(key)
    if match is None:
        return None
    letter = match.group(1)
    return {"a": "series_a", "b": "series_b", "c": "series_c"}.get(letter, "series_d_plus")


def normalise_round(vendor: str, label: str, series: str = "") -> str:
    """One vendor round label (and PitchBook's Series, if any) -> a round of ``ROUNDS``.

    >>> normalise_round("crunchbase", "Venture - Series Unknown")
    'venture_unlabeled'
    >>> normalise_round("pitchbook", "Early Stage VC", "Series A1")
    'series_a'
    >>> normalise_round("pitchbook", "Later Stage VC", "B-1")
    'series_b'
    """
    return classify_round(vendor, label, series)[0]


def classify_round(vendor: str, label: str, series: str = "") -> tuple[str, str | None]:
    """(round, the vendor label gapscore could not map, or None).

    A label that cannot be mapped still gets a round (``other``; a VC deal whose
    Series cannot be read, ``venture_unlabeled``), but is returned so that the import
    can count and name it: nothing is folded away silently.
    """
    layout = _layout(vendor)
    key = _label_key(label)
    if key in layout.series_types:
        if not series.strip():
            return "venture_unlabeled", None  # a VC deal with no series: documented
        from_series = _series_round(_label_key(series))
        return (from_series, None) if from_series else ("venture_unlabeled", f"{label}; Series {series}")
    if key in layout.rounds:
        return layout.rounds[key], None
    from_label = _series_round(key) if key.startswith("series") else None
    if from_label:
        return from_label, None
    if layout.other_prefixes and key.startswith(layout.other_prefixes):
        return "other", None
    return "other", label


# --------------------------------------------------------------------------- mapping


def read_mapping(path: str | Path) -> dict[str, str]:
    """Load a mapping file: TOML (``company = "Company Name"``) or JSON (``{"company": ...}``).

    Returns ``{our field: your header}``; which fields a vendor accepts is checked by
    ``import_vendor``.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataFileError(path, None, None, "is not UTF-8 text; save the mapping file as UTF-8") from None
    if path.suffix.lower() == ".json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataFileError(path, exc.lineno, None, f"JSON syntax error: {exc.msg}") from None
    elif path.suffix.lower() == ".toml":
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            found = re.search(r"\(at line (\d+)", str(exc))
            line = int(found.group(1)) if found else None
            raise DataFileError(path, line, None, f"TOML syntax error: {str(exc).split(' (at line')[0]}") from None
    else:
        raise DataFileError(path, None, None, "a mapping file must end in .toml or .json")
    if not isinstance(doc, dict):
        raise DataFileError(path, None, None, 'must hold field = "header" pairs, e.g. company = "Company Name"')
    for key, value in doc.items():
        if not isinstance(value, str):
            raise DataFileError(
                path, None, key,
                f'value must be a header name in quotes, e.g. {key} = "My Header"; got {value!r}',
            )
    return dict(doc)


def vendor_of(header: list[str]) -> str | None:
    """The vendor ("crunchbase", "pitchbook") whose export has this header row (every
    required field's default header or an alias, case and spacing ignored), or None."""
    names = {_norm_header(h) for h in header}
    for vendor, layout in LAYOUTS.items():
        fields = [f for f in REQUIRED_FIELDS if f in layout.headers]
        if fields and all(_norm_header(layout.headers[f]) in names
                          or any(_norm_header(a) in names for a in layout.aliases.get(f, ())) for f in fields):
            return vendor
    return None


def _layout(vendor: str) -> VendorLayout:
    if vendor not in LAYOUTS:
        raise InputError(
            f"The 'vendor' parameter must be one of {', '.join(VENDORS)}. Got {vendor!r} instead."
        )
    return LAYOUTS[vendor]


def _headers_wanted(layout: VendorLayout, mapping: Mapping[str, str] | None) -> dict[str, str]:
    """Our field -> the header to look for ("" = the export has no such column)."""
    wanted = dict(layout.headers)
    for key, header in (mapping or {}).items():
        if key not in wanted:
            raise ConfigError(
                f"mapping names unknown field {key!r} for {layout.display}; "
                f"expected some of {', '.join(layout.headers)}"
            )
        if not isinstance(header, str):
            raise ConfigError(f"mapping for {key!r} must be a header name (text); got {header!r}")
        if header.strip() == "" and key in REQUIRED_FIELDS:
            raise ConfigError(f"mapping for {key!r} is empty, but every round needs a {key}")
        wanted[key] = header
    return wanted


# --------------------------------------------------------------------------- reading


def _norm_header(value: object) -> str:
    try:
        return " ".join(_text(value).split()).casefold()
    except _CellError:  # an error cell in a title or header row is no header
        return ""


def _header_text(value: object) -> str:
    try:
        return _text(value)
    except _CellError:
        return "#error"


Rows = list[tuple[int, list[object]]]


def _read_rows(path: Path) -> tuple[Rows, dict[str, Rows]]:
    """(1-based line, cells) for every row of the file, blank rows included, and (a
    workbook) the same for each sheet after the first, by sheet name."""
    raw = path.read_bytes()
    if raw[:4] == b"PK\x03\x04":
        return _read_xlsx(path)
    if raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise DataFileError(path, None, None, "is an old .xls workbook; save it as .xlsx or CSV (UTF-8)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFileError(path, line, None, "is not UTF-8 text; save the export as CSV UTF-8") from None
    rows: list[tuple[int, list[object]]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for cells in reader:
            rows.append((start, list(cells)))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataFileError(path, reader.line_num, None, f"is not well-formed CSV ({exc})") from None
    return rows, {}


def _check_xlsx(path: Path) -> None:
    """Refuse a workbook that would inflate past the limit, or that openpyxl would parse unsafely.

    The sizes are the zip directory's; a member that inflates past its stated size
    fails its CRC check when read, so the stated sizes bound what is read.
    """
    import openpyxl.xml

    if not openpyxl.xml.DEFUSEDXML:
        raise DataFileError(path, None, None, "reading .xlsx safely needs defusedxml (pip install defusedxml; "
                            "do not set OPENPYXL_DEFUSEDXML=False), or save the export as CSV UTF-8")
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataFileError(path, None, None, f"is not a readable .xlsx workbook ({exc}); re-export it or save it as CSV UTF-8") from None
    if total > MAX_XLSX_UNCOMPRESSED_BYTES:
        raise DataFileError(path, None, None, f"inflates to {total >> 20} MiB, more than {MAX_XLSX_UNCOMPRESSED_BYTES >> 20} MiB; "
                            "refusing a possible zip bomb (save a genuine export as CSV UTF-8)")


def _read_xlsx(path: Path) -> tuple[Rows, dict[str, Rows]]:
    _check_xlsx(path)
    try:
        sheets = pd.read_excel(
            path, sheet_name=None, header=None, engine="openpyxl", dtype=object,
            keep_default_na=False, na_values=[],
        )
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        cause = exc
        while cause is not None and not type(cause).__module__.startswith("defusedxml"):
            cause = cause.__cause__ or cause.__context__  # openpyxl wraps the parser's error
        if cause is not None:
            raise DataFileError(path, None, None, f"declares XML entities or a DTD ({type(cause).__name__}), as an entity-expansion "
                                "attack would; refusing it (re-export it from the vendor, or save it as CSV UTF-8)") from None
        raise DataFileError(path, None, None, f"cannot read the workbook ({type(exc).__name__}: {exc})") from None
    # pandas keeps blank rows (as empty cells), so sheet row = position + 1.
    rows = {name: [(i + 1, list(values)) for i, values in enumerate(sheet.itertuples(index=False, name=None))]
            for name, sheet in sheets.items()}
    first = next(iter(rows))
    _refuse_formulas_without_results(path, first, rows[first])
    return rows.pop(first), rows


def _refuse_formulas_without_results(path: Path, sheet: str, rows: Rows) -> None:
    """A formula cell saved without its result (a workbook written by a script, never
    opened in Excel) reads as an empty cell: an amount would silently be undisclosed.
    Found by a second, formula-preserving read, only when the sheets hold formulas."""
    with zipfile.ZipFile(path) as archive:
        parts = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        if not any(_holds_formula(archive, n) for n in parts):
            return
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        for r, cells in enumerate(workbook[sheet].iter_rows(values_only=True)):
            for c, value in enumerate(cells):
                if not (isinstance(value, str) and value.startswith("=")):
                    continue
                read = rows[r][1][c] if r < len(rows) and c < len(rows[r][1]) else ""
                if read is None or (isinstance(read, str) and not read):
                    raise DataFileError(path, r + 1, openpyxl.utils.get_column_letter(c + 1),
                                        f"holds the formula {value[:60]!r} saved without its result; open the file in "
                                        "Excel and save it (which stores the results), or export the values as CSV UTF-8")
    finally:
        workbook.close()


_MERGE_REF = re.compile(rb'<mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_HIDDEN_ROW = re.compile(rb'<row\b[^>]*?\br="(\d+)"[^>]*?\bhidden="(?:1|true)"|<row\b[^>]*?\bhidden="(?:1|true)"[^>]*?\br="(\d+)"')


def _merged_ranges(path: Path) -> tuple[list[tuple[str, int, int]], list[int]]:
    """The first sheet's merged ranges spanning rows, as (A1:B2 text, first row, last row),
    and its hidden rows (a filter or "Hide rows": still in the file, and read).

    Excel shows a merged range's value in every row it covers; a reader gets it in the
    first row only, the others empty. Read from the sheet part's <mergeCell> and <row>
    elements, in chunks."""
    from openpyxl.xml.functions import fromstring  # defusedxml's, as openpyxl reads

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    with zipfile.ZipFile(path) as archive:
        try:
            sheet = fromstring(archive.read("xl/workbook.xml")).find(f"{main}sheets/{main}sheet")
            rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        except KeyError:
            return []
        target = next((r.get("Target") for r in rels if sheet is not None and r.get("Id") == sheet.get(rel)), None)
        if target is None:
            return []
        name = target.lstrip("/") if target.startswith("/") else "xl/" + target
        if name not in archive.namelist():
            return [], []
        found, hidden, tail = [], [], b""
        with archive.open(name) as part:
            while True:
                chunk = part.read(1 << 20)
                text = tail + chunk
                cut = text.rfind(b"<") if chunk else -1  # an element split across chunks is read with the next one
                body, tail = (text[:cut], text[cut:]) if cut > 0 else (text, b"")
                found += [(f"{a.decode()}{r1.decode()}:{b.decode()}{r2.decode()}", int(r1), int(r2))
                          for a, r1, b, r2 in _MERGE_REF.findall(body) if r1 != r2]
                hidden += [int(x or y) for x, y in _HIDDEN_ROW.findall(body)]
                if not chunk:
                    break
    return found, hidden


def _holds_formula(archive: zipfile.ZipFile, name: str) -> bool:
    """Whether a worksheet part has a formula element (<f>), read in chunks, never whole."""
    tail = b""
    with archive.open(name) as part:
        while chunk := part.read(1 << 20):
            if b"<f>" in tail + chunk or b"<f " in tail + chunk:
                return True
            tail = chunk[-2:]
    return False


def _is_blank(cells: list[object]) -> bool:
    return all(isinstance(c, str) and not c.strip() for c in cells)


def _find_header(
    path: Path, rows: list[tuple[int, list[object]]], wanted: dict[str, str], needed: list[str]
) -> tuple[int, int, dict[str, int]]:
    """(position in rows, line, field -> column index) of the header row."""
    nonblank = [(pos, line, cells) for pos, (line, cells) in enumerate(rows) if not _is_blank(cells)]
    if not nonblank:
        raise DataFileError(path, 1, None, "is empty; expected a header row and one row per funding round")
    for pos, line, cells in nonblank[:HEADER_SEARCH_ROWS]:
        names = [_norm_header(c) for c in cells]
        if all(_norm_header(wanted[f]) in names for f in needed):
            columns: dict[str, int] = {}
            for field, header in wanted.items():
                key = _norm_header(header)
                if not key or key not in names:
                    continue
                hits = [i for i, n in enumerate(names) if n == key]
                if len(hits) > 1:
                    raise DataFileError(path, line, header, f"header appears {len(hits)} times; keep one or map {field} to another header")
                columns[field] = hits[0]
            return pos, line, columns
    _, line, cells = nonblank[0]
    found = [h for h in (_header_text(c) for c in cells) if h.strip()]
    names = {_norm_header(c) for c in cells}
    missing = [wanted[f] for f in needed if _norm_header(wanted[f]) not in names]
    if len(found) == 1 and ";" in found[0]:
        raise DataFileError(path, line, None, "looks semicolon-delimited; save it as comma-separated CSV")
    field = next(f for f in needed if wanted[f] == missing[0])
    raise DataFileError(
        path, line, missing[0],
        f"missing required header {missing[0]!r}"
        + (f" (and {', '.join(repr(m) for m in missing[1:])})" if len(missing) > 1 else "")
        + f"; headers found: {', '.join(repr(h) for h in found) or 'none'}. "
        f"If your export names it differently, pass --mapping with a TOML file such as: {field} = \"Your Header\"",
    )


# --------------------------------------------------------------------------- cells


class _CellError(Exception):
    """A cell that cannot be read; turned into a DataFileError with its line and column."""


def _text(value: object) -> str:
    """A cell as text, unchanged: text stays as written, numbers lose a trailing .0."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            raise _CellError(
                "holds a spreadsheet error value (such as #NAME?) or a formula without a saved "
                "result; export the values as text"
            )
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _date(value: object) -> pd.Timestamp:
    if isinstance(value, dt.datetime):
        stamp = pd.Timestamp(value).normalize()
    elif isinstance(value, dt.date):
        stamp = pd.Timestamp(value)
    elif isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        if isinstance(value, float) and math.isnan(value):
            _text(value)  # raises the spreadsheet-error message
        raise _CellError(f"holds the number {value!r}, not a date; format the column as a date or write YYYY-MM-DD")
    else:
        text = _text(value).strip()
        if not text:
            raise _CellError("is empty; every round needs a date (YYYY-MM-DD)")
        stamp = None
        for fmt in DATE_FORMATS:
            try:
                stamp = pd.Timestamp(dt.datetime.strptime(text, fmt)).normalize()
                break
            except ValueError:
                continue
        if stamp is None:
            hint = " (no such day)" if _ISO_PREFIX.match(text) else ""
            raise _CellError(f"value {text!r} is not a date{hint}; write it as YYYY-MM-DD")
    if not EARLIEST_DATE <= stamp <= LATEST_DATE:
        raise _CellError(
            f"date {stamp.date().isoformat()} is outside {EARLIEST_DATE.year}-{LATEST_DATE.year}; check for a typo"
        )
    return stamp


_THOUSANDS = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
"""An amount with thousands commas: 1,234,567 or 1,234.5."""


def _amount(value: object, usd_per_unit: float) -> float:
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        if isinstance(value, float) and math.isnan(value):
            _text(value)
        number = float(value)
        shown = repr(value)
    else:
        text = _text(value).strip()
        if not text:
            return math.nan
        cleaned = text.removeprefix("$").strip()
        if "," in cleaned:
            if not _THOUSANDS.fullmatch(cleaned):  # "12,5" is not 125: a decimal comma, or a typo
                raise _CellError(f"value {text!r} has a comma that is not a thousands separator (a decimal comma?); "
                                 "write the amount with a decimal point, such as 12.5, or as a whole number")
            cleaned = cleaned.replace(",", "")
        try:
            number = float(cleaned)
        except ValueError:
            raise _CellError(f"value {text!r} is not an amount; write a plain number such as 1500000") from None
        shown = repr(text)
    if not math.isfinite(number) or number < 0:
        raise _CellError(f"value {shown} is not a non-negative amount")
    if number * usd_per_unit > MAX_AMOUNT_USD:
        raise _CellError(f"value {shown} is more than ${MAX_AMOUNT_USD:,.0f} for one round; check the amount and its unit")
    return float(round(number * usd_per_unit, 2))


# --------------------------------------------------------------------------- import


def import_vendor(
    path: str | Path, vendor: str, mapping: Mapping[str, str] | None = None, *, today: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Read a ``vendor`` ("crunchbase" or "pitchbook") export into the rounds schema.

    Parameters
    ----------
    path : CSV (UTF-8) or .xlsx file.
    vendor : "crunchbase" or "pitchbook": which default headers and round labels apply.
    mapping : optional ``{our field: your header}`` overriding the defaults (see the
        module docstring); ``read_mapping`` loads one from a TOML or JSON file.

    Returns
    -------
    DataFrame with columns ``OUTPUT_COLUMNS`` in file order: company and category as
    written, round in ``ROUNDS``, date as ``datetime64[ns]``, amount_usd as float
    (NaN when undisclosed), source ``"<Vendor> export (<file name>)"``, original_round.

    Raises
    ------
    DataFileError for a missing header or one unreadable cell (file, line, column);
    DataValidationError listing every unreadable cell when there are several;
    ConfigError for a mapping that names unknown fields; InputError for an unknown vendor.
    A round dated after ``today`` (default: today) or a text cell longer than
    ``MAX_CELL_CHARS`` is a cell error: the rounds loader would refuse the file written.
    """
    layout = _layout(vendor)
    path = Path(path)
    today = pd.Timestamp(dt.date.today()) if today is None else pd.Timestamp(today)
    wanted = _headers_wanted(layout, mapping)
    needed = [f for f, h in wanted.items() if f not in layout.optional and h.strip()]
    rows, other_sheets = _read_rows(path)
    with open(path, "rb") as fh:
        workbook = fh.read(4) == b"PK\x03\x04"
    first_error = None
    for alternative in _alternatives(layout, wanted, mapping):
        try:
            pos, _, columns = _find_header(path, rows, alternative, needed)
            wanted = alternative
            break
        except DataFileError as exc:
            first_error = first_error or exc
    else:
        holding = [name for name, sheet in other_sheets.items() if _header_on(path, sheet, layout, wanted, mapping, needed)]
        if holding:
            first_error.message += (f"; sheet {holding[0]!r} has the headers: only the first sheet is read, so move "
                                    "that sheet first, or save it as CSV UTF-8")
        raise first_error
    header_line = rows[pos][0]
    hidden: list[int] = []
    if workbook:
        merged, hidden = _merged_ranges(path)
        hidden = [r for r in hidden if r > header_line]
        spans = [m for m in merged if m[2] > header_line]
        if spans:  # a value shown on several rows is read on the first only: the others would be empty
            ref, first_row, _ = spans[0]
            raise DataFileError(path, max(first_row, header_line + 1), None,
                                f"cells {ref} are merged across rows: the value Excel shows on each row is stored on the "
                                "first only; unmerge them and fill the value into every row (or export as CSV UTF-8)")
    holding = [name for name, sheet in other_sheets.items() if _header_on(path, sheet, layout, wanted, mapping, needed)]
    if holding:  # rounds on a second sheet would be silently left out
        raise DataFileError(path, None, None, f"sheet {holding[0]!r} also has the export's headers: only the first sheet "
                            "is read, so its rows would be left out; put every round on the first sheet, or save each "
                            "sheet as CSV UTF-8 and import each")
    source = f"{layout.display} export ({path.name})"

    records: list[tuple] = []
    problems: list[DataFileError] = []
    unmapped: Counter = Counter()
    first_line: dict[tuple, int] = {}  # a record -> the line it was first read on
    duplicates: list[tuple[int, int]] = []  # (line, line of the same record before it)
    for line, cells in rows[pos + 1:]:
        if _is_blank(cells):
            continue
        record, cell_problems = _parse_row(path, line, cells, columns, wanted, layout, vendor, source, today)
        problems.extend(cell_problems)
        if record is not None:
            record, label = record
            same = (*record[:4], None if pd.isna(record[4]) else record[4], record[6])
            if same in first_line:  # the same round listed twice (one row per investor, a re-export)
                duplicates.append((line, first_line[same]))
                continue
            first_line[same] = line
            if label is not None:
                unmapped[label] += 1
            records.append(record)
        if len(problems) >= MAX_PROBLEMS:
            break
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise DataValidationError(problems)
    if not records:
        raise DataFileError(path, rows[pos][0] + 1, None, "has a header but no rounds below it; export the rows too, "
                            "or check that the export is the funding-rounds table")

    frame = pd.DataFrame.from_records(records, columns=list(OUTPUT_COLUMNS))
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    frame["amount_usd"] = frame["amount_usd"].astype("float64")
    for col in ("company", "category", "round", "source", "original_round"):
        frame[col] = frame[col].astype(object)
    frame.attrs["unmapped_labels"] = dict(sorted(unmapped.items(), key=lambda kv: (-kv[1], kv[0])))
    frame.attrs["duplicate_lines"] = duplicates
    frame.attrs["hidden_rows"] = hidden
    return frame


def _header_on(path: Path, rows: Rows, layout: VendorLayout, wanted: dict[str, str], mapping, needed: list[str]) -> bool:
    """Whether a sheet's rows hold the export's header row (any accepted spelling)."""
    for alternative in _alternatives(layout, wanted, mapping):
        try:
            _find_header(path, rows, alternative, needed)
            return True
        except DataFileError:
            continue
    return False


def _alternatives(layout: VendorLayout, wanted: dict[str, str], mapping: Mapping[str, str] | None) -> list[dict[str, str]]:
    """The headers to look for: the defaults, then each alias of a field the mapping does not set."""
    out = [wanted]
    for field, names in layout.aliases.items():
        if mapping and field in mapping:
            continue
        out += [{**wanted, field: name} for name in names]
    return out


def import_report(frame: pd.DataFrame, sectors: Mapping[str, dict]) -> list[str]:
    """What an import brought: rows per sector (by its round_categories / round_keywords),
    rows matching no sector, and every vendor label that could not be mapped."""
    from gapscore.scoring.inputs.sectors import sector_categories

    lines = []
    cats = frame["category"].astype(str)
    any_sector = pd.Series(False, index=frame.index)
    for sid in sorted(sectors):
        hit = cats.isin(sector_categories(sectors[sid], cats))
        any_sector |= hit
        if hit.any():
            lines.append(f"  {sid}: {int(hit.sum())} rows ({frame.loc[hit, 'company'].nunique()} companies)")
    lines.insert(0, f"rows per sector (by round_categories and round_keywords in sectors.toml; a row may match several):")
    lines.append(f"  no sector: {int((~any_sector).sum())} rows" + ("" if any_sector.any() else
                 " (add round_keywords to a [sectors.<id>.funding] table to use them)"))
    unmapped = frame.attrs.get("unmapped_labels") or {}
    if unmapped:
        named = ", ".join(f"{label!r} ({n})" for label, n in unmapped.items())
        lines.append(f"{sum(unmapped.values())} rows with round labels gapscore cannot map (kept as 'other', or "
                     f"'venture_unlabeled' for a VC deal): {named}")
    else:
        lines.append("every round label mapped")
    duplicates = frame.attrs.get("duplicate_lines") or []
    if duplicates:
        shown = ", ".join(f"line {line} (= line {first})" for line, first in duplicates[:DUPLICATES_SHOWN])
        more = f" and {len(duplicates) - DUPLICATES_SHOWN} more" if len(duplicates) > DUPLICATES_SHOWN else ""
        lines.append(f"{len(duplicates)} duplicate rows left out (the same company, category, round, date and amount "
                     f"as an earlier row): {shown}{more}")
    hidden = frame.attrs.get("hidden_rows") or []
    if hidden:  # a filter hides rows in Excel, not in the file: the analyst may believe them left out
        shown = ", ".join(map(str, hidden[:DUPLICATES_SHOWN])) + (f" and {len(hidden) - DUPLICATES_SHOWN} more"
                                                                  if len(hidden) > DUPLICATES_SHOWN else "")
        lines.append(f"{len(hidden)} rows hidden in the sheet (a filter or 'Hide') were imported like the others: rows "
                     f"{shown}; delete them from the export to leave them out")
    return lines


def _parse_row(path, line, cells, columns, wanted, layout, vendor, source, today):
    def cell(field: str) -> object:
        index = columns.get(field)
        if index is None or index >= len(cells):
            return ""
        return cells[index]

    problems: list[DataFileError] = []
    values: dict[str, object] = {}
    for field, reader in (
        ("company", _text),
        ("category", _text),
        ("industry_sector", _text),
        ("industry_group", _text),
        ("verticals", _text),
        ("round", _text),
        ("series", _text),
        ("date", _date),
        ("amount_usd", lambda v: _amount(v, layout.usd_per_unit)),
    ):
        try:
            values[field] = reader(cell(field))
        except _CellError as exc:
            problems.append(DataFileError(path, line, wanted[field], str(exc)))
    # What the rounds loader refuses is refused here, where the export's line is known: a
    # written rounds.csv that --data-dir then rejects would be a half-done import.
    for field in ("company", "category", "industry_sector", "industry_group", "verticals"):
        if len(values.get(field, "")) > MAX_CELL_CHARS:
            problems.append(DataFileError(path, line, wanted[field], f"value of {len(values[field])} characters is longer "
                                          f"than {MAX_CELL_CHARS}; check for an unclosed quote"))
    if "date" in values and values["date"] > today:
        problems.append(DataFileError(path, line, wanted["date"], f"date {values['date'].date()} is after today "
                                      f"({today.date()}): a round that has not happened is not data; fix the date or "
                                      "leave the row out of the export"))
    if not problems:
        if not values["company"].strip():
            problems.append(DataFileError(path, line, wanted["company"], "is empty; every round needs a company name"))
        if not values["round"].strip():
            problems.append(DataFileError(path, line, wanted["round"], "is empty; every round needs a funding type"))
    if problems:
        return None, problems

    label, series = values["round"], values["series"]
    parts = (values["industry_sector"], values["industry_group"], values["category"], values["verticals"])
    category = " | ".join(p for p in parts if p.strip()) or UNKNOWN_CATEGORY
    original = f"{label}; {series}" if series.strip() else label
    round_, unmapped = classify_round(vendor, label, series)
    record = (
        values["company"],
        category,
        round_,
        values["date"],
        values["amount_usd"],
        source,
        original,
    )
    return (record, unmapped), []
