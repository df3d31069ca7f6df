"""Workbook plumbing for the memo: styled cells, tables, defined names, charts, saving.

Part of the report layer (with ``memo``, ``scoring_sheet`` and ``sheets``):
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
from copy import copy
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

HEADING_HEIGHT_PT = 20.0
SECTION_HEIGHT_PT = 16.0
"""Heights of the heading (14 pt) and section (11 pt) rows, in points."""

# ----------------------------------------------------------------- print layout
POINTS_PER_INCH = 72.0
POINTS_PER_CM = 72.0 / 2.54
PAPER_POINTS = {"a4": (595.3, 841.9), "letter": (612.0, 792.0)}
"""Paper sizes (portrait width, height) in points: ISO 216 A4 210 x 297 mm; US letter 8.5 x 11 in."""

MARGIN_IN = {"left": 0.4, "right": 0.4, "top": 0.5, "bottom": 0.7, "header": 0.2, "footer": 0.3}
"""Page margins in inches; the footer ("Sheet, page n of N") sits in the bottom margin."""

PRINT_SAFETY = 0.93
"""Share of the printable width the layout plans to fill: room for the renderer's own
rounding of column widths (LibreOffice and Excel differ by a few %)."""

PRINT_SAFETY_HEIGHT = 0.97
"""Share of the printable height the layout plans to fill. Measured: LibreOffice prints 59
rows of 13 pt (767 pt) on an A4 portrait page whose margins leave 755.5 pt, so row heights
print no taller than set; 3% covers rounding."""

MIN_PRINT_SCALE = 55
"""Smallest print scale (%) the layout uses; a sheet wider than that is laid out too wide
and should wrap its long text columns instead (a scale below ~55% prints 10-pt text
smaller than 5.5 pt)."""

KEEP_WITH_NEXT_ROWS = 3
"""Rows after a section title or table header kept on its page (no orphaned headers)."""

CHART_GAP_ROWS = 1
"""Empty rows between a chart's bottom edge (its legend, when it has one below) and the
rows that follow it: the chart never touches the table or section title beneath."""


def rows_covered(first: int, height_cm: float, heights) -> int:
    """How many rows, from ``first`` on, a chart ``height_cm`` tall anchored at the top of
    row ``first`` covers, wholly or partly: the fewest rows whose heights (``heights``:
    row -> points, a row not listed being ``LINE_HEIGHT_PT``) add up to its height."""
    need, r, got = float(height_cm) * POINTS_PER_CM, first, 0.0
    while got < need:
        got += heights.get(r) or LINE_HEIGHT_PT
        r += 1
    return r - first


COLUMN_POINTS_PER_CHAR = 7.0
"""Printed points per unit of column width. Measured: LibreOffice 7 prints 15 columns of
width 5, 7 of width 10, 3 of width 20 and 2 of width 30 across an A4 portrait page with
0.4-inch margins (537 pt), i.e. 6.7-7.2 pt a unit; Excel prints narrower ((7 w + 5) px at
96 dpi, 5.25 pt a unit), so planning with LibreOffice's width is safe for both."""


def column_points(width: float) -> float:
    """Printed width of a column ``width`` characters wide, in points (the wider renderer)."""
    return float(width) * COLUMN_POINTS_PER_CHAR


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
        self.cell_styles: dict = {}  # style key -> openpyxl style indices (Sheet._style)
        self.wb = Workbook()
        self.wb.remove(self.wb.active)
        self.sheets: dict[str, Sheet] = {}
        for spec in template["sheets"]:
            ws = self.wb.create_sheet(spec["title"])
            self.sheets[spec["kind"]] = Sheet(self, ws, spec)
        self.names: dict[str, str] = {}

    def add_sheet(self, spec: dict, after: str | None = None) -> "Sheet":
        """A sheet outside the template (``spec``: kind, title, column_widths), placed after sheet kind ``after``."""
        index = None
        if after in self.sheets:
            index = self.wb.sheetnames.index(self.sheets[after].ws.title) + 1
        ws = self.wb.create_sheet(spec["title"], index)
        sheet = Sheet(self, ws, spec)
        ordered = {}
        for kind, sh in self.sheets.items():
            ordered[kind] = sh
            if kind == after:
                ordered[spec["kind"]] = sheet
        ordered.setdefault(spec["kind"], sheet)
        self.sheets = ordered
        return sheet

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
        """Drop the sheets whose leg is missing (one line each on the first sheet), then
        column widths and page setup of every sheet."""
        omitted = [(k, sh) for k, sh in self.sheets.items() if sh.omitted]
        kept = [sh for sh in self.sheets.values() if not sh.omitted]
        if omitted and kept:
            first = kept[0]
            first.row += 1
            first.section("Not in this memo (no data for these legs)")
            for _, sh in omitted:
                first.paragraph(f"{sh.ws.title}: {sh.omitted}", style="note")
            for kind, sh in omitted:
                self.wb.remove(sh.ws)
                del self.sheets[kind]
        for sheet in self.sheets.values():
            sheet.finish()

    def save_bytes(self, stamp: dt.datetime | pd.Timestamp, title: str, creator: str) -> bytes:
        """The workbook as xlsx bytes, identical for identical content (``stamp``: the as-of date)."""
        if isinstance(stamp, pd.Timestamp):
            stamp = stamp.to_pydatetime()
        stamp = max(stamp.replace(tzinfo=None, microsecond=0), ZIP_EPOCH)
        self.wb.properties = DocumentProperties(
            creator=clean_text(creator), lastModifiedBy=clean_text(creator), title=clean_text(title),  # as a cell's text:
            created=stamp, modified=stamp,  # a control character (a sector name's \x07) would leave docProps unreadable
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
        self.sections: list[int] = []
        self.tables: list[tuple[int, int]] = []
        self.omitted: str | None = None
        self.one_page = bool(spec.get("one_page", spec.get("kind") == "summary"))  # a summary prints on one page

    def chart_rows(self, first: int, height_cm: float) -> int:
        """Rows to give a chart ``height_cm`` tall anchored at row ``first``: the rows its
        height covers at their current heights (rows not written yet at the default
        ``LINE_HEIGHT_PT``, the height the print layout gives them), plus
        ``CHART_GAP_ROWS``. Whatever is written from ``first`` plus this on sits below
        the chart."""
        heights = {r: d.height for r, d in self.ws.row_dimensions.items() if d.height}
        return rows_covered(first, height_cm, heights) + CHART_GAP_ROWS

    def reserve_chart(self, height_cm: float) -> int:
        """Keep the rows for a full-width chart ``height_cm`` tall at the cursor (the
        chart is anchored there once the data it plots is written below) and move the
        cursor past them; returns the chart's anchor row."""
        anchor = self.row
        self.row += self.chart_rows(anchor, height_cm)
        return anchor

    def omit(self, reason: str) -> None:
        """This sheet's leg is missing: the workbook drops the sheet and says ``reason`` in one
        line on its first sheet instead of printing a near-blank page."""
        self.omitted = reason

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
        font = "header" if style == "header" else "note" if style == "note" else "bold" if bold else "body"
        fill = style if style in ("input", "formula", "signal", "header") else None
        if isinstance(v, (dt.datetime, dt.date)) and fmt is None:
            fmt = "date"
        number_format = self.styles.fmt(fmt) if fmt is not None and not isinstance(v, str) else None
        self._style(cell, (font, fill, number_format, bool(wrap)))
        if wrap:
            self.fit_height(row, str(v), self.width(col))
        return cell

    def _style(self, cell, key: tuple) -> None:
        """Give a cell the memo's style ``key`` (font, fill, number format, wrap).

        Each combination is built once per workbook: a fresh cell then takes a copy of
        the first such cell's style indices, as openpyxl copies a style between cells,
        instead of building and hashing font, fill and alignment objects per cell (the
        same workbook, byte for byte). A cell styled already goes the long way."""
        fresh = not cell.has_style
        cached = self.book.cell_styles.get(key) if fresh else None
        if cached is not None:
            cell._style = copy(cached)
            return
        font, fill, number_format, wrap = key
        cell.font = self.styles.fonts[font]
        if fill is not None:
            cell.fill = self.styles.fills[fill]
        if number_format is not None:
            cell.number_format = number_format
        cell.alignment = Alignment(wrap_text=wrap, vertical="top")
        if fresh:
            self.book.cell_styles[key] = copy(cell._style)

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
        self.ws.row_dimensions[1].height = HEADING_HEIGHT_PT
        self.row = 2
        for para in paragraphs:
            self.paragraph(para)
        self.row += 1

    def section(self, title: str) -> int:
        cell = self.put(self.row, 1, title, wrap=False)
        cell.font = self.styles.fonts["section"]
        self.ws.row_dimensions[self.row].height = max(self.ws.row_dimensions[self.row].height or 0, SECTION_HEIGHT_PT)
        self.sections.append(self.row)
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
        self._widen_last_column(top, last, col + len(columns) - 1)
        self.tables.append((top, last))
        if row is None:
            self.row = last + 2
        return top + 1, last

    def _widen_last_column(self, top: int, last: int, end: int) -> None:
        """A table's last column, when its text is longer than the column, runs over the
        empty columns to the sheet's printed width (merged), so a long source is a few
        lines, not a tall strip of one word per line."""
        if end >= self.span or last <= top:
            return
        room = sum(self.width(c) for c in range(end, self.span + 1))
        for r in range(top, last + 1):
            cell = self.ws.cell(row=r, column=end)
            if not isinstance(cell.value, str) or len(cell.value) <= self.width(end) * CHARS_PER_WIDTH:
                continue
            self.ws.merge_cells(start_row=r, start_column=end, end_row=r, end_column=self.span)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            self.ws.row_dimensions[r].height = None
            for other in self.ws[r]:
                if isinstance(other.value, str) and other.alignment.wrap_text:
                    width = room if other.column == end else self.width(other.column)
                    self.fit_height(r, other.value, width)

    # ----------------------------------------------------------------- print

    def finish(self) -> None:
        """Column widths and the printed layout (see :func:`print_layout`)."""
        ws = self.ws
        for j, width in enumerate(self.spec.get("column_widths", []), start=1):
            ws.column_dimensions[get_column_letter(j)].width = float(width)
        ws.freeze_panes = "A2"  # the heading stays in view on screen
        print_layout(self)


def _col_width(sheet: "Sheet", col: int) -> float:
    dim = sheet.ws.column_dimensions.get(get_column_letter(col))
    return float(dim.width) if dim is not None and dim.width else sheet.width(col)


def _anchor_row(chart) -> int:
    anchor = chart.anchor
    if isinstance(anchor, str):
        return int(re.sub(r"^[A-Z]+", "", anchor))
    return int(anchor._from.row) + 1


def _chart_height_cm(chart) -> float:
    """A chart's height: its own (as written) or its anchor's extent (as read back from a file)."""
    ext = getattr(chart.anchor, "ext", None)
    if not isinstance(chart.anchor, str) and ext is not None and ext.height:
        return float(ext.height) / 360_000.0  # EMU per cm
    to = getattr(chart.anchor, "to", None)
    if to is not None and not isinstance(chart.anchor, str):
        return None
    return float(chart.height)


def chart_blocks(sheet, heights: dict[int, float] | None = None) -> list[tuple[int, int]]:
    """(first row, last row) each chart covers: its anchor row and the rows its height spans.

    ``sheet``: a :class:`Sheet` or an openpyxl worksheet (also one read back from a file);
    ``heights``: row heights in points (default: the worksheet's own).
    """
    ws = getattr(sheet, "ws", sheet)
    if heights is None:
        heights = {r: float(d.height) for r, d in ws.row_dimensions.items() if d.height}
    blocks = []
    for chart in ws._charts:
        first = _anchor_row(chart)
        cm = _chart_height_cm(chart)
        if cm is None:  # a two-cell anchor names its last row
            blocks.append((first, int(chart.anchor.to.row) + 1))
            continue
        blocks.append((first, first + rows_covered(first, cm, heights) - 1))
    return blocks


def print_layout(sheet: "Sheet") -> dict:
    """Page setup shared by every workbook (memo, backtest, portfolio):

    - every row gets an explicit height (the renderer keeps it), so the layout knows
      where each page ends;
    - landscape when the used columns are wider than a portrait page; a print scale
      that fits the columns to one page wide (at least ``MIN_PRINT_SCALE``), and for a
      ``one_page`` sheet (a summary) to one page tall as well;
    - manual page breaks at every page end, moved up so that a chart never splits, a
      section title or table header keeps its first rows, and a section that fits on
      a page starts on a new page rather than splitting;
    - print titles: the header row of a table that runs on over pages at the end of a
      sheet, else the sheet's heading row; footer "Sheet, page n of N".

    Returns the plan (scale, page height in sheet points, breaks, chart blocks): the
    tests compare it with what LibreOffice renders.
    """
    from openpyxl.worksheet.pagebreak import Break, RowBreak

    ws = sheet.ws
    tpl = sheet.book.template["memo"]
    paper = tpl["paper_size"]
    pw, ph = PAPER_POINTS[paper]
    last_row = ws.max_row
    blocks_pre = []
    for chart in ws._charts:
        first = _anchor_row(chart)
        last_row = max(last_row, first + int(float(chart.height) * POINTS_PER_CM / LINE_HEIGHT_PT) + 1)
        blocks_pre.append(first)
    heights = {}
    for r in range(1, last_row + 1):
        dim = ws.row_dimensions[r]
        if not dim.height:
            dim.height = LINE_HEIGHT_PT
        heights[r] = float(dim.height)
    charts = chart_blocks(sheet, heights)
    for _, end in charts:
        for r in range(last_row + 1, end + 1):
            ws.row_dimensions[r].height = LINE_HEIGHT_PT
            heights[r] = LINE_HEIGHT_PT
        last_row = max(last_row, end)
    used_cols = max(ws.max_column, sheet.span)
    chart_right = 0.0
    for chart in ws._charts:
        anchor = chart.anchor if isinstance(chart.anchor, str) else None
        col = 1 if anchor is None else _col_index(re.match(r"^[A-Z]+", anchor).group(0))
        chart_right = max(chart_right, sum(column_points(_col_width(sheet, c)) for c in range(1, col)) + float(chart.width) * POINTS_PER_CM)
    content_w = max(sum(column_points(_col_width(sheet, c)) for c in range(1, used_cols + 1)), chart_right)
    m = MARGIN_IN
    landscape = content_w > (pw - (m["left"] + m["right"]) * POINTS_PER_INCH) * PRINT_SAFETY
    page_w, page_h = (ph, pw) if landscape else (pw, ph)
    avail_w = (page_w - (m["left"] + m["right"]) * POINTS_PER_INCH) * PRINT_SAFETY
    avail_h = (page_h - (m["top"] + m["bottom"]) * POINTS_PER_INCH) * PRINT_SAFETY_HEIGHT
    scale = min(100.0, 100.0 * avail_w / content_w)
    if sheet.one_page:
        total = sum(heights.values())
        scale = min(scale, 100.0 * avail_h / total)
    scale = max(MIN_PRINT_SCALE, int(math.floor(scale)))
    rows_h = avail_h * 100.0 / scale  # sheet points that fit on one page

    # the table that runs to the end of the sheet repeats its header on every page
    # the last row holding a value (one pass over the written cells: ws[r] per row costs a
    # scan of every cell for the sheet's width, quadratic in the rows)
    # the last row holding a value (one pass over the written cells: ws[r] per row costs a
    # scan of every cell for the sheet's width, quadratic in the rows)
    content_end = max((r for (r, _), c in ws._cells.items() if c.value is not None), default=1)
    tail_table = next((t for t in reversed(sheet.tables) if t[1] >= content_end - 1 and t[1] > t[0]), None)
    title_row = tail_table[0] if tail_table else 1
    title_h = heights.get(title_row, LINE_HEIGHT_PT)

    keep: list[tuple[int, int]] = [(a, b) for a, b in charts]
    keep += [(r, min(r + KEEP_WITH_NEXT_ROWS, last_row)) for r in sheet.sections]
    keep += [(a, min(a + KEEP_WITH_NEXT_ROWS - 1, b)) for a, b in sheet.tables]
    section_spans = []
    starts = sorted(set(sheet.sections))
    for i, a in enumerate(starts):
        b = (starts[i + 1] - 1) if i + 1 < len(starts) else last_row
        section_spans.append((a, b))

    def height(a, b):
        return sum(heights.get(r, LINE_HEIGHT_PT) for r in range(a, b + 1))

    breaks: list[int] = []  # a new page starts at each of these rows
    page_start, used = 1, 0.0
    r = 1
    while r <= last_row:
        room = rows_h - (title_h if breaks and title_row < page_start else 0.0)
        # a section that fits on a page but not in what is left of this one starts a new page
        span = next((sp for sp in section_spans if sp[0] == r), None)
        if span is not None and r > page_start and used + height(*span) > room and height(*span) <= rows_h - title_h:
            breaks.append(r)
            page_start, used = r, 0.0
            continue
        h = heights.get(r, LINE_HEIGHT_PT)
        if used + h > room and r > page_start:
            start = r
            for a, b in keep:
                if a < r <= b and a > page_start and height(a, b) <= rows_h - title_h:
                    start = min(start, a)
            breaks.append(start)
            page_start, used, r = start, 0.0, start
            continue
        used += h
        r += 1
    ws.row_breaks = RowBreak()
    for b in breaks:
        ws.row_breaks.append(Break(id=b - 1))  # openpyxl: the break goes below row id

    ps = ws.page_setup
    ps.orientation = "landscape" if landscape else "portrait"
    ps.paperSize = ws.PAPERSIZE_A4 if paper == "a4" else ws.PAPERSIZE_LETTER
    ps.scale = scale
    ps.fitToWidth = ps.fitToHeight = None
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.print_options.gridLines = False
    for side in ("left", "right", "top", "bottom", "header", "footer"):
        setattr(ws.page_margins, side, m[side])
    ws.print_title_rows = f"{title_row}:{title_row}"
    ws.oddFooter.center.text = "&A, page &P of &N"
    plan = {"scale": scale, "landscape": landscape, "rows_height": rows_h, "breaks": breaks, "charts": charts,
            "title_row": title_row, "last_row": last_row}
    sheet.plan = plan
    return plan


def _col_index(letters: str) -> int:
    from openpyxl.utils import column_index_from_string

    return column_index_from_string(letters)
