"""The Excel report of ``gapscore backtest``.

Sheets: Summary (settings, the plain verdicts, lead times, Series B coincidence and
the calibration headline), one Timeline sheet with a block per sector (the four stage
scores by as-of date against the realized capability and funding, with a native line
chart), Metrics (rank correlations and the baseline comparison), Calibration (summary
and every forecast) and Sources. Part of the report layer; it reuses the memo's
workbook plumbing, so every string is a text cell (never a formula) and the same
inputs give the same bytes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from openpyxl.chart import LineChart, Reference
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.line import LineProperties

from gapscore.scoring import __version__
from gapscore.scoring.backtest.engine import BacktestResult
from gapscore.scoring.output import write_bytes
from gapscore.scoring.report.memo import styled_book
from gapscore.scoring.stage_model import STAGE_LABELS, STAGES

SHEETS = (
    {"kind": "summary", "title": "Summary", "column_widths": [34, 16, 16, 16, 16, 16, 16, 16, 16, 40]},
    {"kind": "timeline", "title": "Timeline", "column_widths": [14, 10, 10, 10, 10, 16, 14, 14, 14, 14]},
    {"kind": "metrics", "title": "Metrics", "column_widths": [16, 22, 10, 10, 8, 10, 10, 12, 10, 10, 14]},
    {"kind": "calibration", "title": "Calibration", "column_widths": [26, 18, 12, 10, 10, 10, 10, 10, 12, 10, 10, 10, 12]},
    {"kind": "sources", "title": "Sources", "column_widths": [30, 100]},
)


def _summary(res: BacktestResult, s) -> None:
    first, last = res.dates[0].date(), res.dates[-1].date()
    s.heading(f"Backtest, {first} to {last}", [
        "What gapscore would have said at each as-of date, using only the rows known then (dated, or published, "
        "on or before it), against what happened, as known on the evaluation date. Nothing after an as-of date "
        "enters its row.",
    ])
    s.pairs([
        ("sectors", ", ".join(res.sectors), None),
        ("as-of dates", len(res.dates), "integer"),
        ("evaluated as of", res.truth_as_of.date().isoformat(), None),
        ("forward outcome horizon (years)", res.settings["forward_years"], "integer"),
        ("sector-years", res.metrics["sector_years"], "integer"),
        ("sector-years with a fitted capability curve", res.metrics["measured_sector_years"], "integer"),
    ])
    s.row += 1
    s.section("Where gapscore beats the baselines, and where it does not")
    for line in res.metrics["verdicts"]:
        s.paragraph(line, style=None)
    s.row += 1
    s.section("Lead times (years from the first call to the milestone and to the funding surge)")
    s.table(pd.DataFrame(res.metrics["lead_times"]), [
        ("sector", "sector", None), ("first seed call", "first_seed_call", None), ("first seed or A call", "first_early_call", None),
        ("milestone (year)", "milestone_year", "year"), ("surge year", "surge_year", None),
        ("lead to milestone (seed)", "lead_to_milestone_seed", "year"), ("lead to milestone (seed or A)", "lead_to_milestone_early", "year"),
        ("lead to surge (seed)", "lead_to_surge_seed", "year"), ("lead to surge (seed or A)", "lead_to_surge_early", "year"),
        ("milestone from", "milestone_origin", None),
    ])
    s.section("Series B calls against years when gaps remained and funding was strong")
    sb = res.metrics["series_b"]
    s.pairs([
        ("sector-years with a funding label", sb["labelled_sector_years"], "integer"),
        ("Series B calls among them", sb["series_b_calls"], "integer"),
        ("years with gaps and strong funding", sb["gaps_and_strong_funding_years"], "integer"),
        ("calls in such years", sb["coinciding"], "integer"),
        ("precision", sb["precision"], "share"),
        ("recall", sb["recall"], "share"),
    ])
    if res.calibration_summary is not None:
        s.row += 1
        s.section("Forecast calibration (see the Calibration sheet)")
        _calibration_table(res, s)


def _calibration_table(res: BacktestResult, s) -> None:
    s.table(res.calibration_summary, [
        ("threshold (share of human)", "threshold", "share"), ("nominal coverage", "nominal", "share"),
        ("forecasts", "forecasts", "integer"), ("benchmarks", "benchmarks", "integer"), ("realized", "realized", "integer"),
        ("missed (censored)", "missed", "integer"), ("open", "open", "integer"),
        ("coverage (realized)", "coverage_realized", "share"), ("coverage (realized + missed)", "coverage_resolved", "share"),
        ("median abs. error (years)", "median_abs_error_years", "year"),
    ])


def _timeline(res: BacktestResult, s) -> None:
    s.heading("Stage scores over time against realized outcomes", [
        "Per sector: the four stage scores (0-100) and the recommendation at each as-of date, with what followed: "
        "the observed capability (share of human, all data known on the evaluation date) and the published "
        "funding direction of that year (+1 surge, -1 decline; outcomes.csv).",
    ])
    colours = s.book.template["colours"]["chart_series"]
    frame = res.frame
    for sector in res.sectors:
        rows = frame[frame["sector"] == sector].copy()
        real = res.realized[sector]
        rows["realized_capability"] = [100 * _level(real.levels, d) for d in rows["as_of"]]
        ms = "not reached by the evaluation date" if real.milestone_year is None else f"{real.milestone_year:.1f} ({real.milestone_origin})"
        s.section(f"{sector}: milestone {ms}")
        first, last = s.table(rows, [
            ("as of", "as_of", None), *[(STAGE_LABELS[st], st, "score") for st in STAGES],
            ("recommendation", "recommendation", None), ("capability now (% of human)", "realized_capability", "score"),
            ("funding that year", "funding_now", "score"), ("capability gain next years", "fwd_capability_gain", "share"),
            ("milestone in seed/A window", "in_early_window", "score"),
        ])
        if last < first:
            continue
        chart = LineChart()
        chart.title = f"{sector}: stage scores and realized capability"
        chart.y_axis.title = "score / % of human"
        chart.x_axis.title = "as of"
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 100
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.width, chart.height = 22.0, 8.5
        chart.legend.position = "b"
        for col in (2, 3, 4, 5, 7):
            chart.add_data(Reference(s.ws, min_col=col, min_row=first - 1, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(s.ws, min_col=1, min_row=first, max_row=last))
        for i, series in enumerate(chart.series):
            dash = "dash" if i == 4 else None
            series.graphicalProperties = GraphicalProperties(ln=LineProperties(solidFill=colours[i % len(colours)], w=22000, prstDash=dash))
            series.marker.symbol = "none"
            series.smooth = False
        s.ws.add_chart(chart, f"A{s.row}")
        s.row += s.chart_rows(s.row, chart.height)


def _level(levels: pd.Series, as_of: str) -> float:
    from gapscore.scoring.backtest.engine import level_at

    return level_at(levels, pd.Timestamp(as_of))


def _metrics(res: BacktestResult, s) -> None:
    s.heading("Metrics", [
        f"Rank correlations (Spearman) of each stage score with forward outcomes across the "
        f"{res.metrics['measured_sector_years']} sector-years with a fitted capability curve, and every strategy "
        "against the same outcomes. Small samples: read the n column before the number.",
    ])
    s.section("Stage scores against forward outcomes")
    s.table(pd.DataFrame(res.metrics["rank_correlations"]), [
        ("stage", "stage", None), ("outcome", "outcome", None), ("rho", "rho", "ratio"), ("p-value", "p_value", "number"), ("n", "n", "integer"),
    ])
    s.section("Baselines")
    s.table(pd.DataFrame(res.metrics["baselines"]), [
        ("strategy", "strategy", None), ("outcome", "outcome", None), ("rho", "rho", "ratio"), ("rho n", "rho_n", "integer"),
        ("n", "n", "integer"), ("positives", "positives", "integer"), ("invest calls", "invest_calls", "integer"),
        ("precision", "precision", "share"), ("recall", "recall", "share"), ("balanced accuracy", "balanced_accuracy", "share"),
    ])


def _calibration(res: BacktestResult, s) -> None:
    s.heading("Calibration of the capability forecaster", [
        "Every benchmark with a human baseline, forecast alone at each as-of date before it reached each threshold: "
        "the predicted year with its interval against the realized year (first result at or above the threshold). "
        "Missed: not reached by the benchmark's last result although the interval had ended; open: not reached and "
        "the interval still open (left out). Curve: fitted to the benchmark's own records, or borrowed (too few "
        "records: the shapes of the curves fitted on that date, with the benchmark's own timing).",
    ])
    if res.calibration_summary is None:
        s.note("Calibration was not run (--no-calibration).")
        return
    _calibration_table(res, s)
    s.section("Every forecast")
    s.table(res.calibration, [
        ("benchmark", "benchmark", None), ("sector", "sector", None), ("as of", "as_of", None), ("curve", "method", None),
        ("threshold", "threshold", "share"), ("points", "points", "integer"), ("forecast", "year", "year"), ("low", "low", "year"), ("high", "high", "year"),
        ("realized", "realized_year", "year"), ("state", "state", None), ("inside", "inside", None),
        ("error (years)", "error_years", "year"), ("lead (years)", "horizon_years", "year"),
    ])


def _sources(res: BacktestResult, s) -> None:
    s.heading("Sources", ["Where the realized history comes from; the scores' own sources are in each sector's memo."])
    rows = [("capability history", "capability.csv and benchmarks.csv (EFF AI Metrics, Epoch AI, papers: see each row's source)")]
    for sector in res.sectors:
        for src in res.realized[sector].sources:
            rows.append((f"{sector}: outcomes", src))
    rows.append(("settings", ", ".join(f"{k} = {v}" for k, v in res.settings.items())))
    s.table(pd.DataFrame(rows, columns=["what", "source"]), [("what", "what", None), ("source", "source", None)])


def workbook_bytes(res: BacktestResult) -> bytes:
    book = styled_book(SHEETS)
    _summary(res, book.sheets["summary"])
    _timeline(res, book.sheets["timeline"])
    _metrics(res, book.sheets["metrics"])
    _calibration(res, book.sheets["calibration"])
    _sources(res, book.sheets["sources"])
    book.finish()
    return book.save_bytes(res.truth_as_of, title=f"gapscore backtest evaluated as of {res.truth_as_of.date()}",
                           creator=f"gapscore {__version__}")


def write_workbook(res: BacktestResult, path: str | os.PathLike, *, force: bool = False) -> Path:
    """Write the report atomically; an existing file is replaced only with ``force``."""
    return write_bytes(path, workbook_bytes(res), force=force)
