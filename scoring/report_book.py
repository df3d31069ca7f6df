"""Workbook plumbing for the memo: styled cells, tables, defined names, charts, saving.

Part of the report layer (with ``report``, ``report_scoring`` and ``report_sheets``):
the only code that imports openpyxl. Two rules hold for every cell written here:

- Text from data (sector, company, model and benchmark names, sources, notes) is
  always a text cell, never a formula, whatever it starts with (``=``, ``+``, ``-``,
  ``@``, tab, CR): :meth:`Sheet.put` forces ``data_type = "s"`` on every string.
  Only :meth:`Sheet.formula`, fed by strings this package builds, writes formulas.
- The saved file depends only on the inputs: document properties carry the as-of date,
  zip members a fixed timestamp, so the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from dataclasses import dataclass, field
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.packaging.core import DocumentProperties
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.writer.excel import ExcelWriter

MAX_CELL_CHARS = 32_767
"""Excel's limit on the characters of one cell (Excel specifications and limits)."""

ZIP_EPOCH = dt.datetime(1980, 1, 1)
"""Earliest timestamp a zip member can carry (the format counts from 1980)."""

NAME_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
"""Defined names written by the memo: lower-case words joined by underscores."""

CELL_REF_LIKE = re.compile(r"^([a-z]{1,3}[0-9]+|r[0-9]*c[0-9]*)$")
"""Names Excel would read as a cell reference (A1 or R1C1) and so refuses."""

DEFAULT_COLUMN_WIDTH = 8.43
"""Excel's default column width (characters of the default font)."""

CHARS_PER_WIDTH = 1.15
"""Average text characters per unit of column width (proportional font; estimate)."""

LINE_HEIGHT_PT = 13.0
"""Height of one wrapped line at the 10-point body font, in points (estimate)."""


def clean_text(value: str) -> str:
    """Text safe for a cell: control characters Excel refuses dropped, CR line ends made
    LF (XML would turn a bare CR into LF anyway), length capped."""
    text = ILLEGAL_CHARACTERS_RE.sub("", value).replace("\r\n", "\n").replace("\r", "\n")
    return text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - 3] + "..."


def cell_value(value: object) -> object:
    """A Python value as a cell value: numbers finite or empty, dates as datetimes."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime().replace(tzinfo=None)
    if isinstance(value, (dt.datetime, dt.date)):
        return value
    if isinstance(value, str):
        return clean_text(value)
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    return clean_text(str(value))


@dataclass
class Styles:
    """Fonts, fills and number formats of one memo, from its template."""

    template: dict
    fonts: dict = field(default_factory=dict)
    fills: dict = field(default_factory=dict)

    def __post_init__(self):
        memo, colours = self.template["memo"], self.template["colours"]
        name, size = memo["font"], memo["font_size"]
        self.fonts = {
            "body": Font(name=name, size=size),
            "bold": Font(name=name, size=size, bold=True),
            "heading": Font(name=name, size=memo["heading_size"], bold=True, color=colours["heading"]),
            "section": Font(name=name, size=memo["section_size"], bold=True, color=colours["section"]),
            "header": Font(name=name, size=size, bold=True, color=colours["header_text"]),
            "note": Font(name=name, size=size, italic=True, color=colours["note"]),
        }
        self.fills = {
            key: PatternFill("solid", start_color=colours[f"{key}_fill"], end_color=colours[f"{key}_fill"])
            for key in ("header", "input", "formula", "signal")
        }

    def fmt(self, key: str | None) -> str | None:
        return None if key is None else self.template["formats"][key]


class Book:
    """One memo workbook: sheets in template order, styles, defined names."""

    def __init__(self, template: dict):
        self.template = template
        self.styles = Styles(template)
        self.wb = Workbook()
        self.wb.remove(self.wb.active)
        self.sheets: dict[str, Sheet] = {}
        for spec in template["sheets"]:
            ws = self.wb.create_sheet(spec["title"])
            self.sheets[spec["kind"]] = Sheet(self, ws, spec)
        self.names: dict[str, str] = {}

    def define(self, name: str, sheet: "Sheet", row: int, col: int, last_row: int | None = None, last_col: int | None = None) -> str:
        """A workbook-level defined name for a cell or range; returns the name."""
        if not NAME_RE.match(name) or CELL_REF_LIKE.match(name):
            raise ValueError(f"defined name {name!r} is not a valid Excel name")
        if name in self.names:
            raise ValueError(f"defined name {name!r} defined twice")
        ref = f"${get_column_letter(col)}${row}"
        if last_row is not None:
            ref += f":${get_column_letter(last_col or col)}${last_row}"
        text = f"{quote_sheetname(sheet.ws.title)}!{ref}"
        self.wb.defined_names[name] = DefinedName(name, attr_text=text)
        self.names[name] = text
        return name

    def finish(self) -> None:
        """Page setup and column widths of every sheet."""
        for sheet in self.sheets.values():
            sheet.finish()

    def save_bytes(self, stamp: dt.datetime | pd.Timestamp, title: str, creator: str) -> bytes:
        """The workbook as xlsx bytes, identical for identical content (``stamp``: the as-of date)."""
        if isinstance(stamp, pd.Timestamp):
            stamp = stamp.to_pydatetime()
        stamp = max(stamp.replace(tzinfo=None, microsecond=0), ZIP_EPOCH)
        self.wb.properties = DocumentProperties(
            creator=creator, lastModifiedBy=creator, title=title, created=stamp, modified=stamp,
        )
        self.wb.calculation.fullCalcOnLoad = True  # openpyxl stores no cached values
        buf = io.BytesIO()
        archive = _FixedTimeZip(buf, stamp)
        ExcelWriter(self.wb, archive).save()  # not save_workbook: it stamps "modified" with the clock
        return buf.getvalue()


class _FixedTimeZip(ZipFile):
    """A zip archive whose members all carry one timestamp (reproducible bytes)."""

    def __init__(self, file, stamp: dt.datetime):
        super().__init__(file, "w", ZIP_DEFLATED, allowZip64=True)
        self._date_time = stamp.timetuple()[:6]

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if isinstance(zinfo_or_arcname, str):
            info = ZipInfo(zinfo_or_arcname, date_time=self._date_time)
            info.compress_type = ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        with open(filename, "rb") as fh:
            self.writestr(arcname or str(filename), fh.read())


class Sheet:
    """A worksheet with a row cursor and the memo's styles."""

    def __init__(self, book: Book, ws, spec: dict):
        self.book, self.ws, self.spec = book, ws, spec
        self.row = 1
        self.styles = book.styles

    # ----------------------------------------------------------------- cells

    def put(self, row: int, col: int, value: object, fmt: str | None = None, *, style: str | None = None, bold: bool = False, wrap: bool | None = None):
        """Write a value; strings are always text cells, never formulas.

        Text longer than its column is wrapped inside it (``wrap=None``), its row made
        tall enough, so nothing spills past the printed width; ``wrap=False`` lets text
        run on into empty cells to its right.
        """
        cell = self.ws.cell(row=row, column=col)
        v = cell_value(value)
        cell.value = v
        if isinstance(v, str):
            cell.data_type = "s"  # "=..." stays text: data never becomes a formula
            if wrap is None:
                wrap = len(v) > self.width(col) * CHARS_PER_WIDTH
        font = "bold" if bold else "body"
        cell.font = self.styles.fonts[font]
        if style in ("input", "formula", "signal", "header"):
            cell.fill = self.styles.fills[style]
        if style == "header":
            cell.font = self.styles.fonts["header"]
        elif style == "note":
            cell.font = self.styles.fonts["note"]
        if isinstance(v, (dt.datetime, dt.date)) and fmt is None:
            fmt = "date"
        if fmt is not None and not isinstance(v, str):
            cell.number_format = self.styles.fmt(fmt)
        cell.alignment = Alignment(wrap_text=bool(wrap), vertical="top")
        if wrap:
            self.fit_height(row, str(v), self.width(col))
        return cell

    def fit_height(self, row: int, text: str, width: float) -> None:
        """Make ``row`` tall enough for ``text`` wrapped in ``width`` (LibreOffice keeps the height it is given)."""
        room = max(1.0, width * CHARS_PER_WIDTH)
        lines = sum(max(1, math.ceil(len(part) / room)) for part in text.split("\n"))
        current = self.ws.row_dimensions[row].height or LINE_HEIGHT_PT
        self.ws.row_dimensions[row].height = max(current, lines * LINE_HEIGHT_PT)

    def formula(self, row: int, col: int, text: str, fmt: str | None = None, *, name: str | None = None, style: str = "formula"):
        """Write a formula built by this package (``text`` starts with '=')."""
        if not text.startswith("="):
            raise ValueError(f"a formula must start with '=': {text!r}")
        cell = self.ws.cell(row=row, column=col)
        cell.value = text
        cell.font = self.styles.fonts["body"]
        cell.fill = self.styles.fills[style] if style in self.styles.fills else PatternFill()
        if fmt is not None:
            cell.number_format = self.styles.fmt(fmt)
        if name is not None:
            self.book.define(name, self, row, col)
        return cell

    def width(self, col: int) -> float:
        widths = self.spec.get("column_widths", [])
        return float(widths[col - 1]) if col <= len(widths) else DEFAULT_COLUMN_WIDTH

    @property
    def span(self) -> int:
        """Columns the template sizes (the printed width)."""
        return max(len(self.spec.get("column_widths", [])), 1)

    def paragraph(self, text: str, *, row: int | None = None, col: int = 1, style: str | None = "note", bold: bool = False):
        """Text across the sheet's columns (merged, wrapped, row height set)."""
        advance = row is None
        row = self.row if row is None else row
        last = max(self.span, col)
        cell = self.put(row, col, text, style=style, bold=bold, wrap=False)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if last > col:
            self.ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=last)
        self.fit_height(row, str(cell.value or ""), sum(self.width(c) for c in range(col, last + 1)))
        if advance:
            self.row += 1
        return cell

    def name(self, name: str, row: int, col: int, last_row: int | None = None, last_col: int | None = None) -> str:
        return self.book.define(name, self, row, col, last_row, last_col)

    # ----------------------------------------------------------------- blocks

    def heading(self, text: str, paragraphs: list[str]) -> None:
        """Sheet heading and text blocks from the template; the cursor goes below them."""
        cell = self.put(1, 1, text, wrap=False)
        cell.font = self.styles.fonts["heading"]
        cell.alignment = Alignment(wrap_text=False)
        self.row = 2
        for para in paragraphs:
            self.paragraph(para)
        self.row += 1

    def section(self, title: str) -> int:
        cell = self.put(self.row, 1, title, wrap=False)
        cell.font = self.styles.fonts["section"]
        self.row += 1
        return self.row - 1

    def note(self, text: str, col: int = 1) -> int:
        self.paragraph(text, col=col)
        return self.row - 1

    def header(self, row: int, col: int, labels: list[str]) -> None:
        for j, label in enumerate(labels):
            self.put(row, col + j, label, style="header")

    def pairs(self, rows: list[tuple[str, object, str | None]], col: int = 1) -> dict[str, int]:
        """Label / value rows at the cursor; returns label -> row."""
        where = {}
        for label, value, fmt in rows:
            self.put(self.row, col, label, bold=True)
            if isinstance(value, str) and len(value) > self.width(col + 1) * CHARS_PER_WIDTH:
                self.paragraph(value, row=self.row, col=col + 1, style=None)
            else:
                self.put(self.row, col + 1, value, fmt)
            where[label] = self.row
            self.row += 1
        return where

    def table(self, frame: pd.DataFrame, columns: list[tuple[str, str, str | None]], col: int = 1, row: int | None = None) -> tuple[int, int]:
        """A table of ``frame``: ``columns`` are (header, column, format key).

        Returns the first and last data rows (last < first when the frame is empty);
        the cursor moves below the table.
        """
        top = self.row if row is None else row
        self.header(top, col, [c[0] for c in columns])
        records = frame.to_dict("records")
        for i, rec in enumerate(records):
            for j, (_, key, fmt) in enumerate(columns):
                self.put(top + 1 + i, col + j, rec.get(key), fmt)
        last = top + len(records)
        if row is None:
            self.row = last + 2
        return top + 1, last

    # ----------------------------------------------------------------- print

    def finish(self) -> None:
        """Column widths, landscape, fit to page width, frozen and repeated heading rows."""
        ws = self.ws
        for j, width in enumerate(self.spec.get("column_widths", []), start=1):
            ws.column_dimensions[get_column_letter(j)].width = float(width)
        paper = self.book.template["memo"]["paper_size"]
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4 if paper == "a4" else ws.PAPERSIZE_LETTER
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.gridLines = False
        ws.page_margins.left = ws.page_margins.right = 0.5
        ws.freeze_panes = "A2"  # the heading stays in view and is repeated on every printed page
        ws.print_title_rows = "1:1"
        ws.oddFooter.center.text = "&A, page &P of &N"
