"""Excel investment memos: one workbook per sector, laid out by a template.

The report layer is the only code that imports openpyxl (this module and its helpers
``book``, ``scoring_sheet`` and ``sheets`` of this package). A memo holds the answer
(Summary), the evidence (Capability, Cost, Funding, Economics), the arithmetic
(Scoring: the config as named input cells and the stage scores as live formulas, so
an analyst can move a weight and watch the scores follow), the Sensitivity tornado
and the Sources of every figure.

Templates (TOML: sheet order and tab names, headings, text blocks with placeholders,
number formats, colours, column widths) are found like datasette's ``ChoiceLoader``:
a file path, or a name looked up in the user's folders first (``user_dirs``, then
``$GAPSCORE_TEMPLATES``, then ``./templates``) and in the bundled ``templates/`` last.

Writing is atomic (temporary file, then rename; never replacing a file without
``force``), and the same inputs give the same bytes (document properties carry the
as-of date, not the clock).

Example::

    from gapscore.scoring.inputs.config import load_config
    from gapscore.scoring.inputs.datasets import DataStore
    from gapscore.scoring.report.memo import write_memo
    from gapscore.scoring.signals.scores import score_sector

    cfg, store = load_config(), DataStore()
    score = score_sector(store, "llm_assistants", pd.Timestamp("2025-06-30"), cfg)
    write_memo(score, cfg, store, "llm_assistants.xlsx")
"""

from __future__ import annotations

import math
import os
import re
import shutil
import string
import subprocess
import tempfile
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

import pandas as pd

from gapscore.scoring import __version__
from gapscore.scoring.inputs.datasets import DataStore
from gapscore.scoring.errors import GapscoreError, InputError
from gapscore.scoring.files import write_bytes
# Finding templates and checking targets need no pandas (the memo command uses them
# before it imports pandas, to look its answer up): memo_files.py; re-exported here.
from gapscore.scoring.report.memo_files import (  # noqa: F401
    BUNDLED_TEMPLATES, DEFAULT_TEMPLATE, TEMPLATES_ENV, USER_TEMPLATE_DIR, TemplateError, check_memo_folder,
    check_memo_target, find_template, memo_filename_for, template_dirs,
)
from gapscore.scoring.stage_model import STAGES
from gapscore.scoring.signals.timing import score as timing_score

if TYPE_CHECKING:
    from gapscore.scoring.inputs.config_types import Config
    from gapscore.scoring.report.book import Book

SHEET_KINDS = ("summary", "capability", "cost", "funding", "economics", "scoring", "sensitivity", "sources")
REQUIRED_KINDS = ("scoring",)
PLACEHOLDERS = ("name", "sector", "as_of", "data_vintage", "version", "description")
EXTRA_PLACEHOLDERS = {("sensitivity", "chart_title"): ("stage",)}

SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = set("[]:*?/\\")
"""Excel's rules for worksheet names (31 characters, none of []:*?/\\)."""

_TEMPLATE_KEYS = {
    "memo": {"description": str, "paper_size": str, "font": str, "font_size": (int, float), "heading_size": (int, float), "section_size": (int, float)},
    "colours": {"heading": str, "section": str, "header_fill": str, "header_text": str, "input_fill": str, "formula_fill": str,
                "signal_fill": str, "note": str, "chart_series": list},
    "formats": {k: str for k in ("score", "share", "probability", "year", "sci", "calendar_year", "date", "usd", "usd_fine", "money", "multiple", "ratio", "number", "integer", "raw")},
}
_SHEET_KEYS = {"kind": str, "title": str, "heading": str, "text": (list, str), "column_widths": list, "chart_title": str,
               "published_chart_title": str}
_HEX = re.compile(r"^[0-9A-Fa-f]{6}$")

LIBREOFFICE_INSTALL = "apt-get install -y --no-install-recommends libreoffice-calc"
LIBREOFFICE_TIMEOUT_S = 240


class LibreOfficeError(GapscoreError):
    """LibreOffice is missing or failed to convert a file."""


# --------------------------------------------------------------------------- templates


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise TemplateError(f"{path}: is not UTF-8 text; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{path}: TOML syntax error: {exc}; compare with {BUNDLED_TEMPLATES / (DEFAULT_TEMPLATE + '.toml')}") from None
    except OSError as exc:
        raise TemplateError(f"{path}: cannot read the template ({exc.strerror})") from None


def _type_name(kind) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join({str: "text", int: "a number", float: "a number", list: "a list"}[k] for k in kinds)


def _placeholder_problems(text: str, allowed: tuple[str, ...]) -> list[str]:
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError as exc:
        return [f"{exc}; write a literal brace as {{{{ or }}}}"]
    out = []
    for _, field_name, spec, conversion in fields:
        if field_name is None:
            continue
        if field_name not in allowed or spec or conversion:
            out.append(f"unknown placeholder {{{field_name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}; use one of "
                       + ", ".join("{" + a + "}" for a in allowed))
    return out


def sheet_name_problem(title: object) -> str | None:
    """Why ``title`` cannot be a worksheet name, or None."""
    if not isinstance(title, str) or not title.strip():
        return "must be a non-empty text"
    if len(title) > SHEET_NAME_MAX:
        return f"has {len(title)} characters; Excel allows at most {SHEET_NAME_MAX}"
    bad = sorted(set(title) & SHEET_NAME_FORBIDDEN)
    if bad:
        return f"contains {' '.join(bad)}; Excel forbids []:*?/\\ in sheet names"
    if title.startswith("'") or title.endswith("'"):
        return "may not start or end with an apostrophe"
    if title.lower() == "history":
        return "'History' is reserved by Excel"
    return None


def load_template(path: str | os.PathLike) -> dict:
    """Read and check a template; missing [memo], [colours], [formats] keys come from the bundled one.

    Raises TemplateError listing every problem, one line each.
    """
    path = Path(path)
    raw = _read_toml(path)
    base = _read_toml(BUNDLED_TEMPLATES / f"{DEFAULT_TEMPLATE}.toml")
    problems: list[str] = []
    for key in raw:
        if key not in (*_TEMPLATE_KEYS, "sheets"):
            problems.append(f"[{key}] is not a template table; use {', '.join(f'[{k}]' for k in _TEMPLATE_KEYS)} and [[sheets]]")
    tpl: dict = {}
    for table, keys in _TEMPLATE_KEYS.items():
        given = raw.get(table, {})
        if not isinstance(given, dict):
            problems.append(f"[{table}] must be a table")
            given = {}
        merged = dict(base[table])
        for key, value in given.items():
            if key not in keys:
                problems.append(f"{table}.{key} is not a template setting; known: {', '.join(keys)}")
                continue
            if isinstance(value, bool) or not isinstance(value, keys[key]):
                problems.append(f"{table}.{key} = {value!r}: must be {_type_name(keys[key])}")
                continue
            merged[key] = value
        tpl[table] = merged
    memo = tpl["memo"]
    if memo["paper_size"] not in ("a4", "letter"):
        problems.append(f"memo.paper_size = {memo['paper_size']!r}: must be \"a4\" or \"letter\"")
    for key in ("font_size", "heading_size", "section_size"):
        if not 6 <= memo[key] <= 72:
            problems.append(f"memo.{key} = {memo[key]!r}: must be between 6 and 72")
    for key, value in tpl["colours"].items():
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str) and _HEX.match(v) for v in values):
            problems.append(f"colours.{key} = {value!r}: colours are RRGGBB hex, such as \"1F3864\"")
    for key, value in tpl["formats"].items():
        if not value or len(value) > 255:
            problems.append(f"formats.{key} = {value!r}: must be an Excel number format of 1-255 characters")

    sheets = raw.get("sheets")
    if not isinstance(sheets, list) or not sheets:
        problems.append("[[sheets]] is missing: list the sheets in order, each with kind and title")
        sheets = []
    kinds, titles = set(), set()
    for i, sheet in enumerate(sheets, start=1):
        where = f"sheets[{i}]"
        if not isinstance(sheet, dict):
            problems.append(f"{where} must be a table")
            continue
        kind = sheet.get("kind")
        if kind not in SHEET_KINDS:
            problems.append(f"{where}.kind = {kind!r}: must be one of {', '.join(SHEET_KINDS)}")
        elif kind in kinds:
            problems.append(f"{where}.kind = {kind!r}: each sheet kind may appear once")
        kinds.add(kind)
        for key, value in sheet.items():
            if key not in _SHEET_KEYS:
                problems.append(f"{where}.{key} is not a sheet setting; known: {', '.join(_SHEET_KEYS)}")
            elif isinstance(value, bool) or not isinstance(value, _SHEET_KEYS[key]):
                problems.append(f"{where}.{key} = {value!r}: must be {_type_name(_SHEET_KEYS[key])}")
        title = sheet.get("title")
        why = sheet_name_problem(title)
        if why:
            problems.append(f"{where}.title = {title!r}: {why}")
        elif title.lower() in titles:
            problems.append(f"{where}.title = {title!r}: used twice (Excel sheet names ignore case)")
        else:
            titles.add(title.lower())
        text = sheet.get("text", [])
        if isinstance(text, str):
            sheet["text"] = text = [text]
        if isinstance(text, list) and not all(isinstance(t, str) for t in text):
            problems.append(f"{where}.text must be a list of text lines")
        widths = sheet.get("column_widths", [])
        if isinstance(widths, list) and not all(isinstance(w, (int, float)) and not isinstance(w, bool) and 0 < w <= 255 for w in widths):
            problems.append(f"{where}.column_widths = {widths!r}: widths are numbers between 0 and 255 (characters)")
        for key in ("heading", "chart_title", "published_chart_title"):
            if isinstance(sheet.get(key), str):
                allowed = PLACEHOLDERS + EXTRA_PLACEHOLDERS.get((kind, key), ())
                problems += [f"{where}.{key}: {p}" for p in _placeholder_problems(sheet[key], allowed)]
        if isinstance(text, list):
            for j, line in enumerate(t for t in text if isinstance(t, str)):
                problems += [f"{where}.text[{j + 1}]: {p}" for p in _placeholder_problems(line, PLACEHOLDERS)]
    for kind in REQUIRED_KINDS:
        if kind not in kinds:
            problems.append(f"[[sheets]] must include kind = \"{kind}\" (the Summary's scores are formulas over it)")
    if problems:
        raise TemplateError("\n".join(f"{path}: {p}" for p in problems))
    tpl["sheets"] = [dict(s) for s in sheets]
    tpl["path"] = str(path)
    return tpl


def styled_book(sheets) -> Book:
    """An empty workbook with the bundled memo template's fonts, colours and formats.

    ``sheets``: (kind, title, column_widths) tables, in tab order; used by the
    portfolio and backtest workbooks.
    """
    from gapscore.scoring.report.book import Book

    base = load_template(BUNDLED_TEMPLATES / f"{DEFAULT_TEMPLATE}.toml")
    template = {key: base[key] for key in ("memo", "colours", "formats")}
    template["sheets"] = [dict(spec) for spec in sheets]
    return Book(template)


def _filler(values: dict) -> Callable[..., str]:
    formatter = string.Formatter()

    def fill(text: str, **extra) -> str:
        return formatter.vformat(text, (), {**values, **extra})

    return fill


# --------------------------------------------------------------------------- memos


def default_data_vintage(store: DataStore, as_of: pd.Timestamp) -> str:
    """Where the data came from and the newest dated row known on the as-of date (``evidence.data_vintage``)."""
    from gapscore.scoring.signals.evidence import data_vintage

    return data_vintage(store, as_of)


def _check_score_matches(score, cfg: Config) -> None:
    """The memo writes ``cfg`` as its inputs: the score must have been computed with it."""
    again = timing_score(score.signals.timing_inputs(cfg), cfg)
    same = all(math.isclose(again.scores[s], score.result.scores[s], rel_tol=0, abs_tol=1e-9) for s in STAGES)
    if not same or again.recommendation != score.result.recommendation:
        raise InputError(
            f"the score of {score.sector} was computed with another config than the one passed to write_memo; "
            "score and write the memo with the same config"
        )


def build_memo(score, cfg: Config, store: DataStore, template: dict, *, data_vintage: str | None = None, changes=None) -> bytes:
    """The memo workbook as xlsx bytes (no file written).

    ``changes``: a ``scoring.signals.diff.SectorDiff`` ending at the memo's as-of date (``memo
    --since``): a "What changed" sheet follows the Summary.
    """
    from gapscore.scoring.report import sheets as sheets_mod
    from gapscore.scoring.signals.evidence import sector_evidence
    from gapscore.scoring.report.book import Book
    from gapscore.scoring.report.scoring_sheet import ScoringSheet

    _check_score_matches(score, cfg)
    as_of = pd.Timestamp(score.as_of)
    table = store.sector(score.sector)
    evidence = sector_evidence(store, score.sector, as_of, cfg, score=score, vintage=data_vintage)
    values = {
        "name": score.name,
        "sector": score.sector,
        "as_of": as_of.date().isoformat(),
        "data_vintage": evidence.data_vintage,  # the evidence's (or the caller's, passed through)
        "version": __version__,
        "description": table.get("description", ""),
        "template": Path(template.get("path", DEFAULT_TEMPLATE)).name,
    }
    ctx = sheets_mod.MemoContext(score=score, cfg=cfg, store=store, template=template, values=values, fill=_filler(values),
                                 evidence=evidence)
    book = Book(template)
    scoring_sheet = book.sheets["scoring"]
    sheets_mod._start(ctx, scoring_sheet)
    ScoringSheet(scoring_sheet, score, cfg).build()
    builders = {
        "summary": sheets_mod.build_summary,
        "capability": sheets_mod.build_capability,
        "cost": sheets_mod.build_cost,
        "funding": sheets_mod.build_funding,
        "economics": sheets_mod.build_economics,
        "sensitivity": sheets_mod.build_sensitivity,
        "sources": sheets_mod.build_sources,  # last: it lists what the others cited
    }
    for kind, build in builders.items():
        if kind in book.sheets:
            build(ctx, book.sheets[kind])
    if changes is not None:
        sheets_mod.build_changes(ctx, book.add_sheet(CHANGES_SHEET, after="summary"), changes)
    book.finish()
    return book.save_bytes(as_of, title=f"{score.name}: investment memo as of {values['as_of']}", creator=f"gapscore {__version__}")


def _resolve_template(template: str | os.PathLike | None) -> dict:
    return load_template(find_template(template))


CHANGES_SHEET = {"kind": "changes", "title": "What changed", "column_widths": [22, 30, 18, 18, 12, 70]}
"""The sheet ``memo --since`` adds after the Summary."""


def write_memo(score, cfg: Config, store: DataStore, path: str | os.PathLike, *, template: str | os.PathLike | None = None,
               force: bool = False, data_vintage: str | None = None, changes=None) -> Path:
    """Write one sector's memo to ``path`` (.xlsx); returns the path.

    ``score`` is a ``scores.SectorScore`` computed with ``cfg``; ``template`` a name or
    file (see :func:`find_template`; default the bundled ``memo``). An existing file
    is replaced only with ``force`` (else OutputExistsError); the write is atomic.
    """
    target = check_memo_target(path, force)
    data = memo_bytes(score, cfg, store, template=template, data_vintage=data_vintage, changes=changes)
    return write_bytes(target, data, force=force)


def memo_bytes(score, cfg: Config, store: DataStore, *, template: str | os.PathLike | None = None,
               data_vintage: str | None = None, changes=None) -> bytes:
    """The bytes :func:`write_memo` writes: the template found and checked, then :func:`build_memo`."""
    return build_memo(score, cfg, store, _resolve_template(template), data_vintage=data_vintage, changes=changes)


def memo_filename(score) -> str:
    """``<sector>-memo-<as_of>.xlsx``, with anything but letters, digits, '_', '-' and '.' replaced."""
    return memo_filename_for(score.sector, pd.Timestamp(score.as_of).date())


def write_memos(scores, cfg: Config, store: DataStore, out_dir: str | os.PathLike, *, template: str | os.PathLike | None = None,
                force: bool = False, progress: Callable | None = None, data_vintage: str | None = None,
                keep: Callable | None = None) -> list[Path]:
    """One memo per score into ``out_dir``; ``progress(score, path)`` after each, and
    ``keep(score, path, data)`` with the bytes written.

    Every target is checked before the first is written, so an existing file (without
    ``force``) stops the run before anything changes.
    """
    scores = list(scores)
    targets = check_memo_folder(out_dir, [(s.sector, memo_filename(s)) for s in scores], force)
    tpl = _resolve_template(template)
    written = []
    for s, t in zip(scores, targets):
        data = build_memo(s, cfg, store, tpl, data_vintage=data_vintage)
        written.append(write_bytes(t, data, force=force))
        if keep is not None:
            keep(s, t, data)
        if progress is not None:
            progress(s, t)
    return written


# --------------------------------------------------------------------------- LibreOffice


def find_soffice() -> str | None:
    """The LibreOffice executable, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


_RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""
"""A LibreOffice profile setting: recalculate every formula when a file is loaded."""


def convert_with_libreoffice(paths: Iterable[str | os.PathLike], out_dir: str | os.PathLike, fmt: str = "xlsx",
                             *, timeout: float = LIBREOFFICE_TIMEOUT_S) -> list[Path]:
    """Convert files headlessly (``fmt`` "xlsx": recalculated copies; "pdf": rendered).

    One LibreOffice run for all files, with a throwaway profile that recalculates on
    load. ``out_dir`` must differ from every input's folder (it would overwrite them).
    """
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeError(f"LibreOffice (soffice) is not installed; install it with: {LIBREOFFICE_INSTALL}")
    paths = [Path(p).resolve() for p in paths]
    out = Path(out_dir).resolve()
    if any(p.parent == out for p in paths):
        raise LibreOfficeError(f"{out}: the output folder holds an input file; convert into another folder")
    out.mkdir(parents=True, exist_ok=True)
    filters = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "pdf": "pdf:calc_pdf_Export"}
    if fmt not in filters:
        raise InputError(f"format {fmt!r}: choose one of {', '.join(filters)}")
    profile = Path(tempfile.mkdtemp(prefix="gapscore-lo-profile-"))
    try:
        (profile / "user").mkdir()
        (profile / "user" / "registrymodifications.xcu").write_text(_RECALC_ALWAYS, encoding="utf-8")
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nolockcheck",
               "--convert-to", filters[fmt], "--outdir", str(out), *map(str, paths)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise LibreOfficeError(f"LibreOffice took longer than {timeout:g} s converting {', '.join(p.name for p in paths)}") from None
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    results = [out / f"{p.stem}.{fmt}" for p in paths]
    missing = [r for r in results if not r.exists()]
    if proc.returncode != 0 or missing:
        raise LibreOfficeError(
            f"LibreOffice failed to convert {', '.join(p.name for p in paths)} (exit {proc.returncode}): "
            f"{(proc.stderr or proc.stdout).strip()[-500:]}"
        )
    return results


def recalc_with_libreoffice(path: str | os.PathLike, out_dir: str | os.PathLike) -> Path:
    """A copy of the workbook with every formula recalculated by LibreOffice (cached values set)."""
    return convert_with_libreoffice([path], out_dir, "xlsx")[0]
