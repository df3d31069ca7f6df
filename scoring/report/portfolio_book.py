"""Excel exports of ``gapscore portfolio build`` and ``gapscore portfolio review``.

Part of the report layer (the only code that imports openpyxl). It reuses the memo's
workbook plumbing (``scoring.report.book``): every string is written as a text cell, never a
formula, whatever it starts with (``=``, ``+``, ``-``, ``@``, tab, CR), and no
formula is written at all; fonts, colours and number formats are the bundled memo
template's. Document properties and zip members carry the as-of date, not the clock,
so the same inputs give the same bytes. Files are written atomically
(``scoring.output.atomic_write``) and never replace an existing file without
``force``.

Build workbook: Allocation (every sector and stage with its reason), Outcomes (the
statistics, the TVPI histogram and a native bar chart of it) and Assumptions (every
parameter, its value, where it came from and its source). Review workbook: Holdings
(signals with reasons), Exposure (by sector and stage against the scores).

Example::

    from gapscore.scoring.portfolio.builder import build
    from gapscore.scoring.report.portfolio_book import write_build_workbook

    result = build(DataStore(), pd.Timestamp("2024-06-30"), load_config(), sims=20_000)
    write_build_workbook(result, "portfolio.xlsx")
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.shapes import GraphicalProperties

from gapscore.scoring import __version__
from gapscore.scoring.output import statistic_kind, write_bytes
from gapscore.scoring.portfolio.builder import PortfolioBuild, PortfolioReview
from gapscore.scoring.stage_model import STAGE_LABELS
from gapscore.scoring.report.memo import styled_book
from gapscore.scoring.report.book import Sheet

BUILD_SHEETS = (
    {"kind": "allocation", "title": "Allocation", "column_widths": [30, 18, 8, 11, 16, 16, 90]},
    {"kind": "outcomes", "title": "Outcomes", "column_widths": [24, 14, 14, 12, 12, 60]},
    {"kind": "assumptions", "title": "Assumptions", "column_widths": [40, 20, 14, 110]},
)
"""Sheets of the build workbook: kind, tab name (valid Excel names) and column widths."""

REVIEW_SHEETS = (
    {"kind": "holdings", "title": "Holdings", "column_widths": [18, 20, 10, 12, 14, 13, 60]},
    {"kind": "exposure", "title": "Exposure", "column_widths": [24, 10, 11, 16, 10, 8, 10, 16, 26]},
)
"""Sheets of the review workbook."""


def _allocation(build: PortfolioBuild, s: Sheet) -> None:
    st = build.settings
    s.heading(f"Portfolio as of {build.as_of.date()}", [
        "Initial capital by sector and stage from the stage scores, under the fund's constraints "
        "(gapscore portfolio build). Every row says why it got what it got.",
    ])
    s.pairs([
        ("fund size (USD)", st.fund_size_usd, "money"),
        ("reserve for follow-ons (USD)", st.reserve_usd, "money"),
        ("initial capital (USD)", st.initial_usd, "money"),
        ("placed (USD)", build.placed_usd, "money"),
        ("companies", build.companies, "integer"),
    ])
    for stage, usd in build.unplaced_usd.items():
        s.pairs([(f"unplaced {STAGE_LABELS[stage]} (USD)", usd, "money")])
    s.row += 1
    s.section("Allocation")
    s.table(build.allocation, [
        ("sector", "sector", None), ("stage", "stage", None), ("score", "score", "score"),
        ("companies", "companies", "integer"), ("capital (USD)", "capital_usd", "money"),
        ("check (USD)", "check_usd", "money"), ("reason", "reason", None),
    ])


def _outcomes(build: PortfolioBuild, s: Sheet) -> None:
    s.heading(f"Simulated fund outcomes as of {build.as_of.date()}", [
        "TVPI = exit value / paid-in capital (initial checks plus follow-ons made), gross of fees and carry.",
    ])
    if build.outcome is None:
        s.note("No company could be placed, so nothing was simulated; see the reasons on the Allocation sheet.")
        return
    o = build.outcome
    s.pairs([("simulated funds", o.sims, "integer"), ("seed", o.seed, "integer")])
    s.row += 1
    s.section("Statistics")
    fmt = {"multiple": "multiple", "percent": "share", "count": "integer"}
    summary = build.summary()
    top = s.row
    s.header(top, 1, ["statistic", "value", "", "", "", "description"])
    for i, rec in enumerate(summary.to_dict("records"), start=1):
        s.put(top + i, 1, rec["statistic"])
        s.put(top + i, 2, rec["value"], fmt.get(statistic_kind(rec["statistic"]), "number"))
        s.put(top + i, 6, rec["description"])
    s.row = top + len(summary) + 2
    s.section("TVPI histogram")
    hist = build.histogram()
    first, last = s.table(hist, [
        ("TVPI", "bin", None), ("from", "tvpi_from", "multiple"), ("to", "tvpi_to", "multiple"),
        ("funds", "funds", "integer"), ("share of funds", "share", "share"),
    ])
    chart = BarChart()
    chart.type = "col"
    chart.title = "Simulated funds by TVPI"
    chart.x_axis.title = "TVPI (gross)"
    chart.y_axis.title = "share of funds"
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.min = 0
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.legend = None
    chart.width, chart.height = 18.0, 8.0
    chart.add_data(Reference(s.ws, min_col=5, min_row=first - 1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(s.ws, min_col=1, min_row=first, max_row=last))
    chart.series[0].graphicalProperties = GraphicalProperties(solidFill=s.book.template["colours"]["chart_series"][0])
    s.ws.add_chart(chart, f"A{s.row}")
    s.row += s.chart_rows(s.row, chart.height)


def _assumptions(build: PortfolioBuild, s: Sheet) -> None:
    s.heading("Assumptions", [
        "Every parameter of the allocation and the simulation, its value, where it came from (default, "
        "configuration, command line, data or derived) and its source or reasoning (defaults.toml).",
    ])
    s.table(build.assumptions(), [
        ("parameter", "parameter", None), ("value", "value", None), ("origin", "origin", None), ("source", "source", None),
    ])


def build_workbook_bytes(build: PortfolioBuild) -> bytes:
    """The build workbook as xlsx bytes (identical for identical inputs)."""
    book = styled_book(BUILD_SHEETS)
    _allocation(build, book.sheets["allocation"])
    _outcomes(build, book.sheets["outcomes"])
    _assumptions(build, book.sheets["assumptions"])
    book.finish()
    return book.save_bytes(build.as_of, title=f"gapscore portfolio as of {build.as_of.date()}",
                           creator=f"gapscore {__version__}")


def review_workbook_bytes(review: PortfolioReview) -> bytes:
    """The review workbook as xlsx bytes (identical for identical inputs)."""
    book = styled_book(REVIEW_SHEETS)
    s = book.sheets["holdings"]
    note = f"{review.ignored} investments dated after {review.as_of.date()} were ignored." if review.ignored else \
        "Only investments dated on or before the as-of date count."
    s.heading(f"Portfolio review as of {review.as_of.date()}", [
        "One row per company (its investments summed, at its most advanced stage), with its sector's timing "
        f"now and a signal: follow on, hold or prepare exit. {note}",
    ])
    s.section("Signals")
    s.table(review.holdings, [
        ("company", "company", None), ("sector", "sector", None), ("stage", "stage", None),
        ("invested (USD)", "invested_usd", "money"), ("recommendation", "recommendation", None),
        ("signal", "signal", None), ("reason", "reason", None),
    ])
    s.section("Detail: dates and the scores behind each signal")
    s.table(review.holdings, [
        ("company", "company", None), ("first date", "first_date", None), ("last date", "last_date", None),
        ("stage score", "stage_score", "score"), ("next stage", "next_stage", None), ("next score", "next_score", "score"),
    ])
    e = book.sheets["exposure"]
    e.heading(f"Exposure by sector and stage as of {review.as_of.date()}", [
        f"Invested capital by sector and current stage, against that stage's score now (in window: above "
        f"{review.min_score:g} on measured evidence).",
    ])
    e.table(review.exposure, [
        ("sector", "sector", None), ("stage", "stage", None), ("companies", "companies", "integer"),
        ("invested (USD)", "invested_usd", "money"), ("share", "share", "share"), ("score", "score", "score"),
        ("measured", "measured", None), ("recommendation", "recommendation", None), ("timing", "timing", None),
    ])
    book.finish()
    return book.save_bytes(review.as_of, title=f"gapscore portfolio review as of {review.as_of.date()}",
                           creator=f"gapscore {__version__}")


def write_build_workbook(build: PortfolioBuild, path: str | os.PathLike, *, force: bool = False) -> Path:
    """Write the build workbook atomically; an existing file is replaced only with ``force``."""
    return write_bytes(path, build_workbook_bytes(build), force=force)


def write_review_workbook(review: PortfolioReview, path: str | os.PathLike, *, force: bool = False) -> Path:
    """Write the review workbook atomically; an existing file is replaced only with ``force``."""
    return write_bytes(path, review_workbook_bytes(review), force=force)
