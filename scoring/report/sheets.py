"""The memo's data sheets: Summary, Capability, Cost, Funding, Economics, Sensitivity,
Sources. Each builder reads a ``MemoContext`` (the score, config, data store and
template) and writes one sheet; every dataset row and figure it shows is cited into
``ctx.sources`` for the Sources sheet.

Part of the report layer: numbers come from the models and ``scoring.signals``; this
module only lays them out (with native charts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from openpyxl.styles import Alignment
from openpyxl.chart import BarChart, Reference, ScatterChart, Series
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.line import LineProperties

from gapscore.models._frontier import decimal_year
from gapscore.scoring.inputs.datasets import BUNDLED_DIR, DATASETS, DataStore
from gapscore.scoring.output import interval_end
from gapscore.scoring.report.book import Sheet
from gapscore.scoring.stage_model import STAGES, best_stage
from gapscore.scoring.signals.sector import row_population

if TYPE_CHECKING:
    from gapscore.scoring.inputs.config_types import Config
    from gapscore.scoring.signals.evidence import SectorEvidence
    from gapscore.scoring.signals.scores import SectorScore

CHART_WIDTH_CM = 24.0
CHART_HEIGHT_CM = 11.0

SUMMARY_CHART_WIDTH_CM = 13.0
SUMMARY_CHART_HEIGHT_CM = 7.0
SUMMARY_CHART_COLUMN = 7
"""The Summary's stage-score chart: 13 x 7 cm, right of the answer and stage-score table
(in column G, the wide note column); the stage table's "what it weighs" runs over
columns D to F. What follows starts below the rows the chart covers (``Sheet.chart_rows``)."""

CURVE_MONTHS = (1, 4, 7, 10)
"""The monthly sector curve is shown (and charted) quarterly: a third of the rows to print."""


DATASET_LICENCES = {
    "sectors": "facts (each number cited in sectors.toml)",
    "benchmarks": "CC-BY-SA-4.0 (EFF rows) and facts",
    "capability": "CC-BY-SA-4.0 (EFF), Apache-2.0 (Papers with Code sota-extractor), MIT (Epoch AI compilations and Hub); others as stated per row",
    "prices": "none stated: cite Epoch AI and Artificial Analysis",
    "hardware": "none stated: cite Epoch AI (and the original price source per row)",
    "rounds": "CC-BY-4.0 (Crunchbase, October 2013 export; attribute Crunchbase)",
    "exits": "CC-BY-4.0 (Crunchbase, October 2013 export; attribute Crunchbase)",
    "graduation": "facts (published figures cited row by row)",
    "outcomes": "facts (published figures cited row by row)",
}
"""Licences of the bundled datasets, as documented in docs/datasets/*.md."""

ROW_LICENCES = (
    ("EFF AI Metrics", "CC-BY-SA-4.0"),
    ("EFF target", "CC-BY-SA-4.0"),
    ("Papers with Code sota-extractor", "Apache-2.0"),
    ("Papers with Code ImageNet", "none stated"),
    ("Epoch AI external", "MIT"),
    ("Epoch AI Benchmarking Hub", "MIT"),
    ("Epoch AI", "none stated: cite Epoch AI"),
    ("Artificial Analysis", "none stated: cite Artificial Analysis"),
    ("Crunchbase", "CC-BY-4.0 (attribute Crunchbase)"),
)
"""Licence of a bundled row by a phrase in its source (docs/datasets/*.md; case-sensitive); else a cited fact."""

FACT = "facts (published figure, cited)"
USER_DATA = "user data: as its source states"


def licence_for(source: str, user: bool = False) -> str:
    if user:
        return USER_DATA
    for phrase, licence in ROW_LICENCES:
        if phrase in source:
            return licence
    return FACT


@dataclass
class MemoContext:
    """Everything a sheet builder needs; ``sources`` collects the citations."""

    score: SectorScore
    cfg: Config
    store: DataStore
    template: dict
    values: dict
    fill: object  # callable(text, **extra) -> str: placeholders filled
    sources: list[dict] = field(default_factory=list)
    evidence: SectorEvidence | None = None  # what the sheets present (computed once, in report.build_memo)

    @property
    def sig(self):
        return self.score.signals

    @property
    def as_of(self) -> pd.Timestamp:
        return self.score.as_of

    @property
    def table(self) -> dict:
        return self.store.sector(self.score.sector)

    def cite(self, what: str, source: object, dataset: str = "", rows: int = 1, user: bool = False, licence: str | None = None) -> None:
        """``licence``: the licence of the row the source came from (default: read from ``source``)."""
        text = "" if source is None or (isinstance(source, float) and math.isnan(source)) else str(source)
        if not text:
            return
        self.sources.append({"what": what, "source": text, "dataset": dataset, "rows": int(rows),
                             "licence": licence or licence_for(text, user)})

    def cite_rows(self, what: str, frame: pd.DataFrame, dataset: str) -> None:
        """Cite every row of ``frame`` (grouped by source and origin)."""
        if frame is None or not len(frame) or "source" not in frame.columns:
            return
        user = _is_user(frame)
        for (source, is_user), n in pd.DataFrame({"s": frame["source"].astype(str), "u": user}).value_counts(sort=False).items():
            self.cite(what, source, dataset, rows=n, user=bool(is_user))


def _is_user(frame: pd.DataFrame) -> np.ndarray:
    if "_file" not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    bundled = str(BUNDLED_DIR)
    return ~frame["_file"].astype(str).str.startswith(bundled).to_numpy()


def _years(dates) -> np.ndarray:
    index = pd.DatetimeIndex(pd.to_datetime(pd.Series(dates)))
    return decimal_year(index) if len(index) else np.array([], dtype=float)


def _finite(x) -> bool:
    return x is not None and isinstance(x, (int, float, np.floating)) and math.isfinite(float(x))


def _start(ctx: MemoContext, sheet: Sheet, **extra) -> None:
    spec = sheet.spec
    text = spec.get("text", [])
    sheet.heading(ctx.fill(spec.get("heading", spec["title"]), **extra), [ctx.fill(t, **extra) for t in text])


def _line(series: Series, colour: str, *, dash: str | None = None, width: int = 22000, markers: bool = False) -> None:
    series.graphicalProperties = GraphicalProperties(ln=LineProperties(solidFill=colour, w=width, prstDash=dash))
    series.smooth = False
    if not markers:
        series.marker.symbol = "none"


def _markers(series: Series, colour: str, symbol: str = "circle") -> None:
    series.marker.symbol = symbol
    series.marker.size = 6
    series.marker.graphicalProperties = GraphicalProperties(solidFill=colour, ln=LineProperties(solidFill=colour))
    series.graphicalProperties = GraphicalProperties(ln=LineProperties(noFill=True))


def _scatter(title: str, x_title: str, y_title: str, *, x_format: str = "0", y_format: str = "General") -> ScatterChart:
    chart = ScatterChart()
    chart.x_axis.number_format = x_format
    chart.y_axis.number_format = y_format
    chart.title = title
    chart.style = 13
    chart.x_axis.title = x_title
    chart.y_axis.title = y_title
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.width, chart.height = CHART_WIDTH_CM, CHART_HEIGHT_CM
    chart.legend.position = "b"
    return chart


def _place(sheet: Sheet, chart, col: int = 1) -> None:
    sheet.ws.add_chart(chart, f"{_col(col)}{sheet.row}")
    sheet.row += sheet.chart_rows(sheet.row, chart.height)


def _col(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def _colours(ctx: MemoContext) -> list[str]:
    return list(ctx.template["colours"]["chart_series"])


def _year_text(year, low=None, high=None, passed=False, capped=False) -> str:
    if capped or not _finite(year):
        return "not in sight"
    if passed:
        return f"reached {year:.1f}"
    lo = f"{low:.1f}" if _finite(low) else "?"
    hi = f"{high:.1f}" if _finite(high) else "later"
    return f"{year:.1f} ({lo} to {hi})"


# --------------------------------------------------------------------------- summary


def build_summary(ctx: MemoContext, sheet: Sheet) -> None:
    _start(ctx, sheet)
    res, sig, cfg = ctx.score.result, ctx.sig, ctx.cfg
    s = sheet
    legs = ctx.evidence.legs_line() if ctx.evidence is not None else ""
    if legs:  # which legs the memo stands on: the last line of the heading block, before anything else
        s.row -= 1
        s.paragraph(legs, style=None, bold=True)
        s.row += 1
    chart_row = s.row  # the chart sits right of the answer and the stage scores: the summary prints on one page
    s.section("Answer (live: formulas over the Scoring sheet)")
    for label, name, fmt in (("Recommendation", "score_recommendation", None), ("Confidence", "score_confidence", "probability"),
                             ("Probability behind it", "score_decision_probability", "probability"),
                             ("Data coverage", "score_coverage", "share")):
        s.put(s.row, 1, label, bold=True)
        s.formula(s.row, 2, f"={name}", fmt)
        s.row += 1
    s.put(s.row, 1, "Signals missing (counted as the missing value)", bold=True)
    s.put(s.row, 2, ", ".join(res.missing) if res.missing else "none")
    s.row += 2

    s.section("Stage scores (0-100)")
    s.header(s.row, 1, ["stage", "score (live)", "gapscore at writing", "what it weighs"])
    s.ws.merge_cells(start_row=s.row, start_column=4, end_row=s.row, end_column=SUMMARY_CHART_COLUMN - 1)
    s.row += 1
    top = s.row
    for stage in STAGES:
        r = s.row
        s.put(r, 1, stage, bold=True)
        s.formula(r, 2, f"=score_{stage}", "score")
        s.put(r, 3, res.scores[stage], "score")
        weighs = " + ".join(f"{w:g} x {f.replace('_', ' ')}" for f, w in cfg["stages"][stage]["weights"].items())
        s.put(r, 4, weighs, wrap=False)
        s.ws.merge_cells(start_row=r, start_column=4, end_row=r, end_column=SUMMARY_CHART_COLUMN - 1)
        s.fit_height(r, weighs, sum(s.width(c) for c in range(4, SUMMARY_CHART_COLUMN)))
        s.ws.cell(row=r, column=4).alignment = Alignment(wrap_text=True, vertical="top")
        s.row += 1
    last = s.row - 1
    s.row += 1
    chart = BarChart()
    chart.type = "col"
    chart.title = ctx.fill(sheet.spec.get("chart_title", "Stage scores"))
    chart.y_axis.title = "score (0-100)"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.width, chart.height = SUMMARY_CHART_WIDTH_CM, SUMMARY_CHART_HEIGHT_CM
    chart.legend = None
    chart.add_data(Reference(s.ws, min_col=2, min_row=top - 1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(s.ws, min_col=1, min_row=top, max_row=last))
    chart.series[0].graphicalProperties = GraphicalProperties(solidFill=_colours(ctx)[0])
    s.ws.add_chart(chart, f"{_col(SUMMARY_CHART_COLUMN)}{chart_row}")
    s.row = max(s.row, chart_row + s.chart_rows(chart_row, SUMMARY_CHART_HEIGHT_CM))

    s.section("Why (as computed when the memo was written)")
    for i, reason in enumerate(ctx.score.reasons, start=1):
        s.paragraph(f"{i}. {reason}", style=None)
    s.row += 1

    s.section("Key figures")
    s.header(s.row, 1, ["figure", "value", "low", "high", "", "", "note"])
    s.row += 1
    cap = sig.capability

    def fig(label, value, fmt, low=None, high=None, note=""):
        r = s.row
        s.put(r, 1, label, bold=True)
        s.put(r, 2, value, fmt)
        s.put(r, 3, low, fmt)
        s.put(r, 4, high, fmt)
        s.put(r, 7, note)
        s.row += 1

    if cap is not None and cap.is_fitted:
        fig("Capability now (share of human, fitted)", cap.level, "share", note=f"{len(cap.benchmarks)} benchmark(s): {', '.join(cap.benchmarks)}")
        fig("Best observed (share of human)", cap.observed_level, "share")
        fig("Velocity (share of the gap per year)", cap.velocity_per_year, "share")
        wanted = sorted(set(cfg["capability"]["thresholds"]) | {cfg["milestone"]["capability_threshold"], cfg["milestone"]["perfection_threshold"]})
        for f in (cap.forecast(w) for w in wanted):
            if f.capped or not _finite(f.year):
                fig(f"Capability reaches {f.threshold:.0%} of human", None, "year", note="not in sight (beyond the horizon)")
            else:
                fig(f"Capability reaches {f.threshold:.0%} of human", f.year, "year", None if f.passed else interval_end(f.low, "low"),
                    None if f.passed else interval_end(f.high, "high"),
                    "reached (observed)" if f.passed else f"forecast, {cap.interval_level:.0%} interval")
    elif cap is not None:
        fig("Capability", None, None, note=f"insufficient data to fit a curve; best observed {cap.observed_level:.0%} of human" if _finite(cap.observed_level) else "insufficient data")
    else:
        fig("Capability", None, None, note="not measured: no benchmark with a human baseline for this sector")
    _cost_figures(ctx, fig)
    target = cfg["economics"]["target_share"]
    got = sig.economics_at(target)
    if got is not None:
        year, low, high, already = got
        bounded = not already and _finite(year)
        fig(f"Unit economics viable (inference <= {target:.0%} of revenue)", year, "year", interval_end(low, "low") if bounded else None,
            interval_end(high, "high") if bounded else None,
            "already viable" if already else ("not within the horizon" if year is None else "forecast"))
    else:
        fig("Unit economics", None, None, note="not estimated (no price series or cost anchor)")
    t = sig.traction
    if t is not None:
        fig("Seed-to-Series-A graduation", t.rate, "share", t.low, t.high,
            # the source is among the reasons above and on the Sources sheet: one short line here
            f"{t.origin}{', market-wide' if t.population == 'market' else ''}" + (f" (n = {t.n:,.0f})" if _finite(t.n) else "")
            + (f"; low-high: {t.band_kind()}" if t.band_kind() else "") + (f"; {t.describes}" if t.describes else f": {t.source}"))
    else:
        fig("Seed-to-Series-A graduation", None, None, note="no graduation data known on the as-of date")
    if sig.momentum_ratio is not None and sig.momentum_counts is not None and sig.momentum_counts[1] > 0:
        last_n, prior_n = sig.momentum_counts
        fig("Funding momentum (rounds ratio)", sig.momentum_ratio, "multiple", note=f"{last_n} rounds in the last {cfg['momentum']['window_months']} months against {prior_n} before")
    elif sig.momentum_ratio is not None:
        fig("Funding momentum (series ratio)", sig.momentum_ratio, "multiple", note="this year's amount against last year's (funding series)")
    if sig.funding is not None:  # the full line with its source is among the reasons above
        f = sig.funding
        if f.series is None:
            short = f"none known on the as-of date ({', '.join(f.mapped)} mapped)" if f.mapped else "no series covers this sector"
        else:
            short = f"{f.first_year}-{f.last_year}: USD {f.last_usd_millions:,.0f}M in {f.last_year}"
            short += f", {f.direction} ({100 * f.growth:+.0f}% a year)" if f.growth is not None else ""
            short += "" if f.current else "; not current"
        fig("Sector funding series", f.series or "none", None, note=short)
    s.row += 1

    s.paragraph(  # one line, no section: the heading already gives the date and the data vintage
        f"As of {ctx.as_of.date().isoformat()}; sector id {ctx.score.sector}; template {ctx.values['template']}; "
                f"gapscore {ctx.values['version']}; data vintage: {ctx.values['data_vintage']}.", style=None)


def _cost_figures(ctx: MemoContext, fig) -> None:
    """The cost curve's key figures (``SectorEvidence.cost_headline``): the fitted rate, the
    shrunk one, and the price five years on with its fall and the floor."""
    cost = ctx.sig.cost
    head = ctx.evidence.cost_headline["json"] if ctx.evidence is not None and ctx.evidence.cost_headline else None
    compute = (ctx.table.get("cost") or {}).get("mode") == "compute"
    points = "accelerator rental quotes" if compute else "frontier models"
    if cost is None:
        fig("Price decline a year", None, None, note="no price series for this sector")
        return
    if not cost.is_fitted or head is None:
        fig(f"{'Cost' if compute else 'Price'} decline a year", None, None,
            note=f"not fitted: {cost.n_points} {points} known on the as-of date ({cost.status.replace('_', ' ')})")
        return
    span = f"{head['start']:%Y-%m} to {head['end']:%Y-%m}"
    at = f"{cost.benchmark} >= {cost.threshold:g}"
    if compute:
        what = (f"compute-based, not shrunk: cloud compute {head['hardware_factor']:.2f}x ({cost.n_points} {points}, {span}) "
                f"x algorithms {head['algorithmic_factor']:.2f}x")  # the threshold is in the reasons and on the Cost sheet
    else:
        what = f"{at}: {cost.n_points} {points}, {span}"
    low, high = head["ci90"]
    fig(f"{'Cost' if compute else 'Price'} decline a year, fitted", head["decline_factor_per_year"], "multiple", low, high,
        f"90% CI; {what}")
    if "shrunk_factor" in head:
        pool = head.get("pool") or {}
        low, high = head["shrunk_ci90"]
        fig("Price decline a year, shrunk", head["shrunk_factor"], "multiple", low, high,
            f"90% CI; weight {head['pool_weight']:.0%} on the pooled {pool.get('factor', float('nan')):.1f}x of {pool.get('k', 0)} series")
    if "price_5y" in head:
        from gapscore.scoring.signals.curves import FIVE_YEARS

        low, high = head["price_5y_ci90"]
        at_floor = head["price_5y"] <= head["floor_5y"] * (1 + 1e-9)
        fig(f"{'Cost' if compute else 'Price'} {FIVE_YEARS} years on", head["price_5y"], "sci", low, high,
            f"{head['unit']}, 90% CI; {head['fall_5y']:.0f}x below {head['price_as_of']:.2e} on the as-of date; "
            + f"electricity floor {head['floor_5y']:.2e}" + (" (reached)" if at_floor else ""))


# --------------------------------------------------------------------------- capability


def frontier_points(ctx: MemoContext) -> pd.DataFrame:
    """The record-setting results per benchmark as of the date (``SectorEvidence.frontier``)."""
    return ctx.evidence.frontier.copy()


def build_capability(ctx: MemoContext, sheet: Sheet) -> None:
    _start(ctx, sheet)
    s, cap, cfg = sheet, ctx.sig.capability, ctx.cfg
    if cap is None:
        s.omit("no capability benchmark with a human baseline is listed for this sector: capability is not measured, and the "
               "scores count its factors (timing from capability, works with gaps, near perfection) as missing.")
        return
    chart_row = s.reserve_chart(CHART_HEIGHT_CM)
    s.section("Sector curve")
    s.pairs([
        ("status", cap.status, None),
        ("fitted share of human at the as-of date", cap.level, "share"),
        ("best observed share (mean over benchmarks)", cap.observed_level, "share"),
        ("velocity (share of the gap per year)", cap.velocity_per_year, "share"),
        ("record points fitted", cap.n_points, "integer"),
        ("interval", cap.interval_level, "share"),
        ("benchmarks averaged", ", ".join(cap.benchmarks), None),
        ("error scale", cfg["capability"]["error_scale"], None),
    ])
    s.row += 1
    s.section("When the sector reaches each share of the human level (decimal years)")
    frame = cap.thresholds_frame()
    frame["status"] = [("reached" if p else "beyond horizon" if c else ("forecast" if _finite(y) else "insufficient data"))
                       for p, c, y in zip(frame["passed"], frame["capped"], frame["year"])]
    for side in ("low", "high"):  # a forecast's unbounded end reads "later" / "earlier", as in the terminal
        frame[side] = [interval_end(v, side) if st == "forecast" else v for v, st in zip(frame[side], frame["status"])]
    s.table(frame, [("share of human", "threshold", "share"), ("year", "year", "year"), ("low", "low", "year"),
                    ("high", "high", "year"), ("status", "status", None), ("date", "date", "date")])

    s.section("Benchmarks")
    meta = ctx.store.load("benchmarks").set_index("benchmark")
    per = cap.per_benchmark.copy()
    for col in ("metric", "human_baseline", "floor", "unit", "scale", "source"):
        per[col] = [meta.at[b, col] if b in meta.index and col in meta.columns else None for b in per["benchmark"]]
    s.table(per, [("benchmark", "benchmark", None), ("status", "status", None), ("points", "n_points", "integer"),
                  ("best share", "observed_share", "share"), ("share now", "level", "share"), ("velocity", "velocity_per_year", "share"),
                  ("human baseline and floor: source", "source", None)])
    s.section("Fitted S-curves: share = L / (1 + exp(-k (year - t0))), and each benchmark's scale")
    s.table(per, [("benchmark", "benchmark", None), ("L", "L", "ratio"), ("k (per year)", "k", "ratio"), ("t0", "t0", "year"),
                  ("human baseline", "human_baseline", "number"), ("floor", "floor", "number"), ("metric and unit", "metric", None)])
    bench_rows = ctx.store.load("benchmarks")
    ctx.cite_rows("human baseline and floor of a benchmark", bench_rows[bench_rows["benchmark"].isin(per["benchmark"])], "benchmarks")

    points = frontier_points(ctx)
    ctx.cite_rows("capability result (record-setting point)", points, "capability")
    curve = cap.curve[pd.DatetimeIndex(cap.curve["date"]).month.isin(CURVE_MONTHS)].reset_index(drop=True)
    curve["year"] = _years(curve["date"])
    curve["human"] = 1.0
    curve["milestone"] = cfg["milestone"]["capability_threshold"]

    s.section("Record-setting results per benchmark (the points the curves are fitted to)")
    p_top, p_last = s.table(points, [("benchmark", "benchmark", None), ("date", "date", "date"), ("decimal year", "year", "year"),
                                     ("system", "system", None), ("value", "value", "number"), ("share of human", "share", "share"),
                                     ("source", "source", None)])
    s.section("Sector curve by quarter (mean of the fitted S-curves)")
    c_top, c_last = s.table(curve, [("date", "date", "date"), ("decimal year", "year", "year"), ("fit", "fit", "share"),
                                    ("low", "low", "share"), ("high", "high", "share"), ("human baseline", "human", "share"),
                                    ("milestone share", "milestone", "share")])

    chart = _scatter(ctx.fill(sheet.spec.get("chart_title", "Capability")), "year", "share of the human level", y_format="0%")
    colours = _colours(ctx)
    ws = s.ws
    for i, (bench, group) in enumerate(points.groupby("benchmark", sort=False)):
        first = p_top + int(group.index[0])
        last = p_top + int(group.index[-1])
        ser = Series(Reference(ws, min_col=6, min_row=first, max_row=last), Reference(ws, min_col=3, min_row=first, max_row=last), title=str(bench))
        _markers(ser, colours[(i + 3) % len(colours)])
        chart.series.append(ser)
    if c_last >= c_top:
        x = Reference(ws, min_col=2, min_row=c_top, max_row=c_last)
        for col, title, colour, dash in ((3, "sector fit", colours[0], None), (4, f"{cap.interval_level:.0%} low", colours[0], "dash"),
                                         (5, f"{cap.interval_level:.0%} high", colours[0], "dash"), (6, "human baseline", "000000", None),
                                         (7, "milestone share", colours[3], "sysDot")):
            ser = Series(Reference(ws, min_col=col, min_row=c_top, max_row=c_last), x, title=title)
            _line(ser, colour, dash=dash)
            chart.series.append(ser)
        chart.x_axis.scaling.min = math.floor(min(curve["year"].min(), points["year"].min() if len(points) else np.inf))
        chart.x_axis.scaling.max = math.ceil(curve["year"].max())
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 1.2
    ws.add_chart(chart, f"A{chart_row}")


# --------------------------------------------------------------------------- cost


def build_cost(ctx: MemoContext, sheet: Sheet) -> None:
    from gapscore.models import cost as cost_mod
    _start(ctx, sheet)
    s, cost, cfg = sheet, ctx.sig.cost, ctx.cfg
    spec = ctx.table.get("cost") or {}
    compute = spec.get("mode") == "compute"
    have_chart = cost is not None and cost.n_points > 0
    chart_row = s.reserve_chart(CHART_HEIGHT_CM) if have_chart else s.row
    if cost is None and not (ctx.table.get("economics") or {}).get("mode") == "anchor":
        s.omit("no price series is defined for this sector (no [cost] table in sectors.toml): its cost curve is not estimated "
               "(the generic accelerator scenarios are in the memo of any sector with a price series).")
        return
    if cost is None:
        s.note("No price series is defined for this sector (no [cost] table in sectors.toml): its cost curve is not estimated.")
        econ = ctx.table.get("economics") or {}
        if econ.get("mode") == "anchor":
            s.note("Its unit economics use a published cost anchor instead: see the Economics sheet.")
        s.row += 1
    else:
        head = ctx.evidence.cost_headline
        s.section("Compute cost at constant accuracy (FLOP the task needs x cloud price of FLOP)" if compute
                  else "Constant-capability price trend (Epoch AI method), shrunk and carried to long-run rates")
        rows = [(label, value, fmt) for label, value, fmt in head["rows"]]
        if compute:
            rows += [("compute per unit at its date (FLOP)", spec.get("flop_per_unit"), "raw"),
                     ("  dated", spec.get("flop_per_unit_date"), None),
                     ("compute halves every (years)", spec.get("halving_years"), "number"),
                     ("share of peak FLOP/s delivered", cfg["cost"]["compute_utilization"], "share")]
        labels = {"capability_level_source": "capability level: source", "flop_per_unit_source": "compute per unit: source",
                  "halving_source": "algorithmic efficiency: source", "source": "why this threshold"}
        rows += [(label, spec[key], None) for key, label in labels.items() if spec.get(key)]
        s.pairs(rows)
        for key in ("capability_level_source", "flop_per_unit_source", "halving_source", "source"):
            if spec.get(key):
                ctx.cite(f"cost curve: {key.replace('_source', '').replace('_', ' ') or 'threshold'}", spec[key], "sectors")
        if not compute:
            ctx.cite("long-run rates and energy floor", "scoring/inputs/defaults.toml [cost]: Epoch AI GPU price-performance (2022); Gundlach et al. 2025; Ho et al. 2024; NVIDIA DGX B200 datasheet; EIA Electric Power Monthly", "figures", rows=4)
        s.row += 1

    f_top = f_last = t_top = t_last = 0
    if cost is not None:
        frontier = cost.frontier.copy()
        if compute:
            _compute_quotes(ctx, s, frontier)
        else:
            s.section("Frontier models: each cheaper than every earlier model at the threshold (USD per 1M tokens)")
            prices = ctx.store.as_of("prices", ctx.as_of)
            info = prices.drop_duplicates("model", keep="last").set_index("model")
            frontier["year"] = _years(frontier["date"])
            for col in ("provider", "source", "_file"):
                frontier[col] = [info.at[m, col] if m in info.index and col in info.columns else None for m in frontier["model"]]
            f_top, f_last = s.table(frontier, [("model", "model", None), ("date", "date", "date"), ("decimal year", "year", "year"),
                                               ("price", "price", "usd_fine"), (cost.benchmark, "score", "number"),
                                               ("provider", "provider", None), ("source", "source", None)])
            ctx.cite_rows("model price and score (frontier model)", frontier, "prices")

    if cost is not None and cost.is_fitted:
        level = cfg["capability"]["interval"]
        table = ctx.evidence.cost_projection.copy()
        table["year"] = _years(table["date"])
        s.section(f"Projection (mid-year; {level:.0%} interval): solid over the data, dashed past its last point ({cost.end.date()}); never below the floor")
        cols = [("date", "date", "date"), ("decimal year", "year", "year"), ("price over the data", "price_data", "sci"),
                ("projected price", "price_projection", "sci"), ("low", "low", "sci"), ("high", "high", "sci"),
                ("floor (electricity)", "floor", "sci")]
        cols += [(f"scenario: {label}", key, "sci") for key, label in table.attrs.get("scenarios", {}).items()]
        cols += [("annual decline (x)", "rate", "ratio"), ("phase", "phase", None)]
        t_top, t_last = s.table(table, cols)

    if not compute:
        s.section("Hardware and pricing figures (the seed article)")
        dec = cost_mod.decompose_decline()
        rows = [
            ("B200 inference throughput vs H100 (x)", cost_mod.B200_THROUGHPUT_RATIO, "ratio"),
            ("B200 price vs H100 (x)", cost_mod.B200_PRICE_RATIO, "ratio"),
            ("cost per token after the switch (x)", cost_mod.hardware_cost_multiplier(throughput_ratio=cost_mod.B200_THROUGHPUT_RATIO, price_ratio=cost_mod.B200_PRICE_RATIO), "ratio"),
            ("price fall at constant capability in about a year", dec.total_fall, "share"),
            ("  of which cheaper GPU cloud (points)", dec.hardware_points, "share"),
            ("  of which inference efficiency (points)", dec.efficiency_points, "share"),
            ("API instead of GPU cloud: cost x (low)", cost_mod.API_MARKUP_LOW, "ratio"),
            ("API instead of GPU cloud: cost x (high)", cost_mod.API_MARKUP_HIGH, "ratio"),
        ]
        s.pairs(rows)
        ctx.cite("B200 and H100 throughput and price; price-fall decomposition; API markup", cost_mod.SEED_ARTICLE, "figures", rows=len(rows))
        s.row += 1

        hw = ctx.store.as_of("hardware", ctx.as_of)
        hw = hw[hw["relative_throughput"].notna()].sort_values(["date", "chip"], kind="mergesort")
        hw = hw.drop_duplicates("chip", keep="last")
        if len(hw):
            s.section("Accelerators known on the as-of date: latest row per chip with a throughput figure (hardware.csv; each row's source on the Sources sheet)")
            cols = [("chip", "chip", None), ("date", "date", "date"), ("purchase (USD)", "purchase_usd", "usd"),
                    ("rental (USD per hour)", "usd_per_hour", "usd"), ("throughput vs H100", "relative_throughput", "ratio")]
            if "throughput_basis" in hw.columns and hw["throughput_basis"].notna().any():
                cols += [("", "_blank", None), ("throughput basis", "throughput_basis", None)]
            s.table(hw, cols)
            ctx.cite_rows("accelerator price and throughput", hw, "hardware")

    if have_chart:
        y_title = f"{cost.unit} (log scale)"
        chart = _scatter(ctx.fill(sheet.spec.get("chart_title", "Price")), "year", y_title)
        chart.y_axis.scaling.logBase = 10
        chart.legend.position = "r"  # nine series: a bottom legend would squeeze the plot
        colours = _colours(ctx)
        ws = s.ws
        if not compute:
            ser = Series(Reference(ws, min_col=4, min_row=f_top, max_row=f_last), Reference(ws, min_col=3, min_row=f_top, max_row=f_last), title="frontier models")
            _markers(ser, colours[1])
            chart.series.append(ser)
        if t_last >= t_top > 0:
            x = Reference(ws, min_col=2, min_row=t_top, max_row=t_last)
            lines = [(3, "trend over the data", colours[0], None), (4, "projection", colours[0], "dash"), (5, "low", colours[1], "sysDot"),
                     (6, "high", colours[1], "sysDot"), (7, "floor (electricity)", colours[3], "lgDash")]
            lines += [(8 + i, f"scenario: {label}", colours[2], "sysDash") for i, label in enumerate(table.attrs.get("scenarios", {}).values())]
            for col, title, colour, dash in lines:
                ser = Series(Reference(ws, min_col=col, min_row=t_top, max_row=t_last), x, title=title)
                _line(ser, colour, dash=dash)
                chart.series.append(ser)
        ws.add_chart(chart, f"A{chart_row}")


def _compute_quotes(ctx: MemoContext, s: Sheet, quotes: pd.DataFrame) -> None:
    """The rental quotes a compute cost curve is fitted to (``CostResult.frontier``), one row
    per chip: its latest quote known on the as-of date (the cheapest of that day), how many
    quotes of it the fit used and since when. Every quote's source goes to the Sources sheet,
    once per part of a source."""
    quotes = quotes.sort_values(["date", "price"], kind="mergesort")
    per_chip = quotes.groupby("model", sort=False).agg(quotes=("price", "size"), first=("date", "min"))
    latest = quotes[quotes["date"] == quotes.groupby("model")["date"].transform("max")].drop_duplicates("model", keep="first")
    latest = latest.join(per_chip, on="model").sort_values(["date", "model"], kind="mergesort").reset_index(drop=True)
    latest["year"] = _years(latest["date"])
    s.section(f"Cloud price of compute known on the as-of date: latest rental quote per chip (USD per 1e18 FLOP at peak dense "
              f"FP16/BF16; {len(quotes)} quotes of {len(latest)} chips fitted; hardware.csv, sources on the Sources sheet)")
    s.table(latest, [("chip", "model", None), ("latest quote", "date", "date"), ("decimal year", "year", "year"),
                     ("USD per 1e18 FLOP", "price", "usd"), ("throughput vs H100", "score", "ratio"),
                     ("quotes fitted", "quotes", "integer"), ("first quote", "first", "date")])
    hw = ctx.store.as_of("hardware", ctx.as_of)
    rel = pd.to_numeric(hw["relative_throughput"], errors="coerce")
    hourly = pd.to_numeric(hw["usd_per_hour"], errors="coerce")
    rental = hw["price_type"].astype(str) != "purchase" if "price_type" in hw.columns else True
    rows = hw[(rel > 0) & (hourly > 0) & rental & hw["chip"].isin(set(quotes["model"]))]  # the quotes' own rows, each with its source
    # a quote's source names the compilation, the original price page and the throughput
    # figure ("; " between them): cited part by part, the compilation once for every quote
    whole = rows["source"].astype(str)
    licences = [licence_for(src, user) for src, user in zip(whole, _is_user(rows))]  # the licence of the whole row
    parts = pd.DataFrame({"part": whole.str.split("; ").to_numpy(), "licence": licences}).explode("part")
    parts["part"] = parts["part"].str.strip()
    for (part, licence), n in parts[parts["part"] != ""].value_counts(["part", "licence"], sort=False).items():
        ctx.cite("accelerator rental quote (price of compute)", part, "hardware", rows=n, licence=licence)


# --------------------------------------------------------------------------- funding


def build_funding(ctx: MemoContext, sheet: Sheet) -> None:
    _start(ctx, sheet)
    s, sig, cfg = sheet, ctx.sig, ctx.cfg
    from gapscore.scoring.inputs.sectors import selects_rounds

    rounds = ctx.evidence.rounds
    colours = _colours(ctx)
    ws = s.ws
    result = ctx.evidence.graduation
    if len(rounds):
        from gapscore.scoring.signals.curves import censoring_note

        s.note(censoring_note(ctx.evidence.rounds_data_end, ctx.as_of, cfg["graduation"]["window_months"], "seed"))
        ctx.cite_rows("funding round", rounds, "rounds")
        ctx.cite_rows("exit", ctx.evidence.exits, "exits")
    else:
        why = ("no round categories or round keywords are mapped to it in sectors.toml" if not selects_rounds(ctx.table)
               else "no rounds match its round categories or round keywords")
        s.note(f"No funding-round data for this sector as of {ctx.as_of.date()} ({why}): graduation cohorts and the survival curve cannot be computed.")
        s.note("The traction signal uses the published aggregates below.")
        s.row += 1

    chart_row = s.row
    published = ctx.store.as_of("graduation", ctx.as_of)
    published = published[published["sector"].isin([ctx.score.sector, "all"])].copy()
    seed_a = published[(published["from_round"] == "seed") & (published["to_round"] == "series_a")]
    km_chart = result is not None and len(result.survival) > 0
    if km_chart or len(seed_a):
        chart_row = s.reserve_chart(CHART_HEIGHT_CM)

    s.section("Traction signal used in the scores")
    t = sig.traction
    if t is None:
        s.note(f"No graduation data known on {ctx.as_of.date()}: traction counts as the missing value ({cfg['signals']['missing_value']:g}).")
    else:
        kind = t.band_kind() or "no range or interval"
        s.pairs([("seed-to-A graduation rate", t.rate, "share"), ("low", t.low, "share"), ("high", t.high, "share"), ("low-high is", kind, None),
                 ("companies", t.n, "integer"), ("origin", t.origin, None), ("source", t.source, None)]
                + ([("cohorts described", t.describes, None)] if t.describes else [])
                + ([("not used", t.note, None)] if t.note else []))
    if sig.momentum_counts is not None:
        last_n, prior_n = sig.momentum_counts
        s.pairs([(f"rounds in the last {cfg['momentum']['window_months']} months", last_n, "integer"),
                 ("rounds in the window before", prior_n, "integer"), ("momentum ratio", sig.momentum_ratio, "multiple")])
    s.row += 1
    _funding_series_section(ctx, s)

    k_top = k_last = 0
    if result is not None:
        s.section(f"Seed cohorts: share reaching Series A within {cfg['graduation']['window_months']} months ({cfg['graduation']['interval']:.0%} Wilson interval)")
        s.table(result.cohorts, [("cohort", "cohort", None), ("entered", "entered", "integer"), ("window closed", "n", "integer"),
                                 ("graduated", "graduated", "integer"), ("rate", "rate", "share"), ("low", "low", "share"), ("high", "high", "share")])
        s.section("Kaplan-Meier: probability of still waiting for a Series A, by months since the seed round (exits censored)")
        survival = result.survival
        if len(survival) and float(survival["months"].iloc[0]) > 0:  # the curve starts at 1 on the day of the seed round
            start = pd.DataFrame({"months": [0.0], "probability": [1.0], "low": [1.0], "high": [1.0]})
            survival = pd.concat([start, survival], ignore_index=True)
        k_top, k_last = s.table(survival, [("months", "months", "score"), ("probability", "probability", "share"),
                                                  ("low", "low", "share"), ("high", "high", "share"),
                                                  ("at risk", "at_risk", "integer"), ("events", "events", "integer")])

    s.section("Published aggregates (known on the as-of date; sector rows and all-market rows)")
    published["pair"] = published["from_round"] + " to " + published["to_round"]
    published = published.sort_values(["pair", "published", "cohort_start"], kind="mergesort")
    published["label"] = [f"{sec}: cohorts {a.year}-{b.year} (published {p.year})"
                          for sec, a, b, p in zip(published["sector"], published["cohort_start"], published["cohort_end"], published["published"])]
    published["source_notes"] = [src if not isinstance(note, str) or not note else f"{src}. Notes: {note}"
                                 for src, note in zip(published["source"], published.get("notes", pd.Series([None] * len(published), index=published.index)))]
    published["n_companies"] = published["n"]
    published["population_label"] = [row_population(r) for _, r in published.iterrows()]
    published["followed_to_label"] = ([None if pd.isna(d) else str(pd.Timestamp(d).date()) for d in published["followed_to"]]
                                      if "followed_to" in published.columns else None)
    published["low_rate"] = published["rate_low"] if "rate_low" in published.columns else np.nan
    published["high_rate"] = published["rate_high"] if "rate_high" in published.columns else np.nan
    cols = [("row", "label", None), ("rounds", "pair", None), ("window (months)", "window_months", "integer"), ("rate", "rate", "share"),
            ("low (range given by the source)", "low_rate", "share"), ("high (range given by the source)", "high_rate", "share"),
            ("population", "population_label", None), ("followed to", "followed_to_label", None), ("companies", "n_companies", "integer"),
            ("source and notes", "source_notes", None)]
    g_top, _ = s.table(published, cols)
    ctx.cite_rows("published graduation rate", published, "graduation")

    at = "A"
    width = CHART_WIDTH_CM / 2 if km_chart and len(seed_a) else CHART_WIDTH_CM
    if km_chart and k_last >= k_top > 0:
        chart = _scatter(ctx.fill(sheet.spec.get("chart_title", "Survival")), "months since the seed round", "share still waiting", y_format="0%")
        x = Reference(ws, min_col=1, min_row=k_top, max_row=k_last)
        for col, title, colour, dash in ((2, "Kaplan-Meier", colours[0], None), (3, "low", colours[0], "dash"), (4, "high", colours[0], "dash")):
            ser = Series(Reference(ws, min_col=col, min_row=k_top, max_row=k_last), x, title=title)
            _line(ser, colour, dash=dash)
            chart.series.append(ser)
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
        chart.width = width
        ws.add_chart(chart, f"A{chart_row}")
        at = "F"
    if len(seed_a):
        positions = [g_top + i for i, ok in enumerate(published["pair"] == "seed to series_a") if ok]
        lo, hi = min(positions), max(positions)
        chart = BarChart()
        chart.type = "bar"
        chart.title = ctx.fill(sheet.spec.get("published_chart_title", "Published graduation rates"))
        chart.x_axis.title = "published row"
        chart.y_axis.title = "share graduating"
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
        chart.width, chart.height = width, CHART_HEIGHT_CM
        chart.legend = None
        chart.add_data(Reference(ws, min_col=4, min_row=lo, max_row=hi), titles_from_data=False)
        chart.set_categories(Reference(ws, min_col=1, min_row=lo, max_row=hi))
        chart.series[0].graphicalProperties = GraphicalProperties(solidFill=colours[1])
        ws.add_chart(chart, f"{at}{chart_row}")


def _funding_series_section(ctx: MemoContext, s: Sheet) -> None:
    """The sector's own funding series (funding.csv): rows, direction, share, source."""
    f = ctx.sig.funding
    s.section("Sector funding series (funding.csv: yearly venture funding, each figure from its edition)")
    if f is None or f.series is None:
        s.note(f.line() if f is not None else "No funding mapping for this sector in sectors.toml.")
        s.row += 1
        return
    s.pairs([("series", f.series, None), ("scope", f.scope, None), ("years", f"{f.first_year}-{f.last_year}", None),
             (f"USD millions in {f.last_year}", f.last_usd_millions, "ratio"), ("growth a year (last two years)", f.growth, "share"),
             ("direction", f.direction, None), (f"share of {f.total_series or 'all AI'} ({f.share_year or 'no total known'})", f.share, "share"),
             ("recent enough to speak for now", "yes" if f.current else f"no: the series ends in {f.last_year}", None),
             ("source", f.source, None)])
    rows = f.rows.assign(published_text=f.rows["published"].dt.date.astype(str))
    s.table(rows, [("year", "year", "integer"), ("USD millions", "usd_millions", "ratio"), ("published", "published_text", None),
                   ("source", "source", None)])
    ctx.cite_rows("sector funding series", f.rows, "funding")
    s.row += 1


# --------------------------------------------------------------------------- economics


def build_economics(ctx: MemoContext, sheet: Sheet) -> None:
    _start(ctx, sheet)
    s, sig, cfg = sheet, ctx.sig, ctx.cfg
    spec = ctx.table.get("economics")
    if not spec:
        s.omit("no unit-economics inputs for this sector (no [economics] table in sectors.toml): unit economics are not "
               "estimated and the milestone rests on capability alone.")
        return
    econ = sig.economics
    table = getattr(econ, "table", econ)  # models.economics.unit_economics output, as signals computed it
    have_table = isinstance(table, pd.DataFrame) and len(table) > 0
    chart_row = s.reserve_chart(CHART_HEIGHT_CM) if have_table else s.row
    s.section("Unit of use")
    rows = [("unit", spec.get("unit", ""), None), ("mode", spec.get("mode", "tokens"), None),
            ("revenue per unit (USD)", spec.get("revenue_per_unit"), "usd")]
    if spec.get("mode", "tokens") == "tokens":
        rows.append(("tokens per unit", spec.get("tokens_per_unit"), "integer"))
    elif spec.get("mode") == "compute":
        cspec = ctx.table.get("cost") or {}
        rows += [("compute per unit at constant accuracy (FLOP, at its date)", cspec.get("flop_per_unit"), "number"),
                 ("dated", cspec.get("flop_per_unit_date"), None),
                 ("compute halves every (years)", cspec.get("halving_years"), "number"),
                 ("share of peak FLOP/s delivered", cfg["cost"]["compute_utilization"], "share"),
                 ("revenue figure dated", spec.get("revenue_per_unit_date"), None)]
    else:
        rows += [("published inference cost per unit (USD)", spec.get("anchor_cost"), "usd"), ("at", pd.Timestamp(spec["anchor_date"]), "date")]
        if "decline_per_year" in spec:
            rows.append(("cost decline per year (without a price series)", spec.get("decline_per_year"), "share"))
    rows += [("target: inference at most this share of revenue", cfg["economics"]["target_share"], "share"),
             ("lower target", cfg["economics"]["target_share_low"], "share")]
    for key in ("tokens_per_unit_source", "revenue_per_unit_source", "anchor_source", "decline_per_year_source"):
        if spec.get(key):
            what = key.replace("_source", "").replace("_", " ")
            rows.append((f"{what}: source", spec[key], None))
            ctx.cite(f"unit economics: {what}", spec[key], "sectors")
    s.pairs(rows)
    s.row += 1

    level = cfg["capability"]["interval"]
    if not have_table:
        s.note(f"No cost projection as of {ctx.as_of.date()}: the price series is too short, or the cost anchor is dated later.")
        return
    table = table.copy()
    table["revenue"] = float(spec["revenue_per_unit"])
    table["target"] = cfg["economics"]["target_share"]
    s.section("Viable year by target share (inference at most the target share of revenue)")
    by = pd.DataFrame([{"target": k, "year": v[0], "low": v[1], "high": v[2], "already": bool(v[3])} for k, v in sorted(sig.economics_by_target.items())])
    if len(by):
        by["status"] = ["already viable" if a else ("not within the horizon" if not _finite(y) else "forecast") for a, y in zip(by["already"], by["year"])]
        for side in ("low", "high"):  # a forecast's unbounded end reads "later" / "earlier", as in the terminal
            by[side] = [interval_end(v, side) if (not a and _finite(y)) else v for v, a, y in zip(by[side], by["already"], by["year"])]
        s.table(by, [("target share", "target", "share"), ("year", "year", "year"), ("low", "low", "year"), ("high", "high", "year"), ("status", "status", None)])
    s.section(f"Cost of one {spec.get('unit', 'unit')} against its revenue, by year (mid-year; {level:.0%} interval; models.economics)")
    # "raw" (Excel General) shows 4.4E-06 where a fixed format would show 0.0000
    top, last = s.table(table, [("year", "year", "calendar_year"), ("inference cost (USD)", "cost_per_unit", "raw"), ("low", "cost_low", "raw"),
                                ("high", "cost_high", "raw"), ("revenue (USD)", "revenue", "usd"), ("inference share of revenue", "inference_share", "raw"),
                                ("share low", "share_low", "raw"), ("share high", "share_high", "raw"),
                                ("gross margin (inference the only cost)", "gross_margin", "share"), ("target share", "target", "share"),
                                ("against the target band", "status", None)])
    chart = _scatter(ctx.fill(sheet.spec.get("chart_title", "Inference share of revenue")), "year", "inference cost / revenue (log scale)", y_format="General")
    chart.y_axis.scaling.logBase = 10
    colours = _colours(ctx)
    ws = s.ws
    x = Reference(ws, min_col=1, min_row=top, max_row=last)
    for col, title, colour, dash in ((6, "inference share of revenue", colours[0], None), (7, "low", colours[0], "dash"),
                                     (8, "high", colours[0], "dash"), (10, "target share", colours[3], "sysDot")):
        ser = Series(Reference(ws, min_col=col, min_row=top, max_row=last), x, title=title)
        _line(ser, colour, dash=dash)
        chart.series.append(ser)
    ws.add_chart(chart, f"A{chart_row}")


# --------------------------------------------------------------------------- sensitivity


def build_sensitivity(ctx: MemoContext, sheet: Sheet) -> None:
    res = ctx.score.result
    stage = best_stage(res.scores)
    _start(ctx, sheet, stage=stage)
    s = sheet
    frame = ctx.evidence.sensitivity.copy()
    if not len(frame):
        s.note("The config lists no [sensitivity] ranges.")
        return
    chart_row = s.reserve_chart(CHART_HEIGHT_CM)
    frame["values"] = [f"{c} ({lo} to {hi})" for c, lo, hi in zip(frame["current"], frame["low"], frame["high"])]
    cols = [("setting", "setting", None), ("current (low to high)", "values", None)]
    for st in STAGES:
        cols += [(f"{st} at low", f"{st}_low", "score"), (f"{st} at high", f"{st}_high", "score")]
    cols.append(("largest swing", "max_swing", "score"))
    top, last = s.table(frame, cols)
    s.note("Swings are changes in points (0-100) from the scores under the current config; the settings' ranges are in [sensitivity] of the config.")
    ctx.cite("sensitivity ranges", "gapscore config [sensitivity] (assumptions stated in defaults.toml)", "config")
    j = 3 + 2 * STAGES.index(stage)
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "clustered"
    chart.overlap = 100
    chart.title = ctx.fill(sheet.spec.get("chart_title", "Tornado"), stage=stage)
    chart.x_axis.title = "setting"
    chart.y_axis.title = f"change in the {stage} score (points)"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.width, chart.height = CHART_WIDTH_CM, CHART_HEIGHT_CM
    chart.legend.position = "b"
    ws = s.ws
    chart.add_data(Reference(ws, min_col=j, max_col=j + 1, min_row=top - 1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=top, max_row=last))
    colours = _colours(ctx)
    for ser, colour in zip(chart.series, (colours[3], colours[2])):
        ser.graphicalProperties = GraphicalProperties(solidFill=colour)
    chart.x_axis.scaling.orientation = "maxMin"  # largest swing on top
    chart.x_axis.tickLblPos = "low"  # setting names left of the plot, not over the bars
    ws.add_chart(chart, f"A{chart_row}")


# --------------------------------------------------------------------------- sources


def build_sources(ctx: MemoContext, sheet: Sheet) -> None:
    _start(ctx, sheet)
    s, store = sheet, ctx.store
    s.section("Datasets")
    rows = []
    for name, spec in DATASETS.items():
        files = store.files(name)
        if spec.is_table:
            frame = store.as_of(name, ctx.as_of)
            n = len(frame)
        else:
            n = len(store.sectors())
        user = [p for p in files if not str(Path(p).resolve()).startswith(str(BUNDLED_DIR))]
        rows.append({"dataset": name, "description": spec.description, "files": ", ".join(Path(p).name + (" (user)" if p in user else "") for p in files),
                     "rows": n, "licence": DATASET_LICENCES.get(name, FACT) + ("; user files: as their sources state" if user else "")})
    s.table(pd.DataFrame(rows), [("dataset", "dataset", None), ("description", "description", None), ("licence", "licence", None),
                                 ("rows known", "rows", "integer"), ("files", "files", None)])
    ctx.cite("scoring thresholds, windows and weights (see the Scoring sheet)", ctx.cfg.get("seed", {}).get("citation"), "config")
    s.section("Every figure and row used in this memo, by source")
    cites = pd.DataFrame(ctx.sources, columns=["what", "source", "dataset", "rows", "licence"])
    if len(cites):
        cites = cites.groupby(["what", "source", "dataset", "licence"], sort=False, as_index=False)["rows"].sum()
    s.table(cites, [("what", "what", None), ("source", "source", None), ("licence", "licence", None), ("rows", "rows", "integer"),
                    ("dataset", "dataset", None)])
    ev = ctx.evidence
    if ev is not None and ev.citations is not None and len(ev.citations):
        # one line per dataset (the sources one by one would run to pages: vision's
        # capability results alone cite some 200 papers); each source is in the JSON
        s.row += 1
        s.section("The evidence's sources by dataset, with when their rows were known (each source: explain --format json, evidence.citations)")
        s.table(citations_by_dataset(ev.citations), [
            ("dataset", "dataset", None), ("sources", "sources", "integer"), ("rows", "rows", "integer"),
            ("first known", "first_known", None), ("last known", "last_known", None)])


def citations_by_dataset(citations: pd.DataFrame) -> pd.DataFrame:
    """``SectorEvidence.citations`` summed per dataset (in its order): sources, rows, the
    first and last date known (ISO days; "" when undated)."""
    g = citations.groupby("dataset", sort=False)
    out = pd.DataFrame({"sources": g.size(), "rows": g["rows"].sum(),
                        "first_known": g["first_known"].min(), "last_known": g["last_known"].max()}).reset_index()
    for col in ("first_known", "last_known"):
        out[col] = [d.date().isoformat() if isinstance(d, pd.Timestamp) and pd.notna(d) else "" for d in out[col]]
    return out


# --------------------------------------------------------------------------- what changed


def build_changes(ctx: MemoContext, sheet: Sheet, d) -> None:
    """``memo --since``: the sector's quarterly review (``scoring.signals.diff.SectorDiff``): the
    recommendation and stage scores at both dates, the contributions that moved them and the
    new data rows behind the move."""
    from gapscore.scoring.signals.diff import SAMPLE_ROWS, describe

    b, a = d.before.result, d.after.result
    f, t = d.before.as_of.date().isoformat(), d.after.as_of.date().isoformat()
    sheet.heading(f"What changed from {f} to {t}", [
        f"{d.name}: scored as of {f} and as of {t}, each with only the rows known then (gapscore diff --from {f} "
        f"--to {t} --sector {d.sector}). Points = weight x factor value; a stage's points add up to its score.",
    ])
    s = sheet
    s.section("Summary")
    for line in describe(d)[:1 + sum(1 for st in STAGES if abs(d.score_changes[st]) >= 0.05)]:
        s.paragraph(line.strip(), style=None)
    s.row += 1
    s.section("Stage scores")
    scores = pd.DataFrame([{"stage": st, "from": b.scores[st], "to": a.scores[st], "change": d.score_changes[st]} for st in STAGES])
    s.table(scores, [("stage", "stage", None), (f"as of {f}", "from", "score"), (f"as of {t}", "to", "score"),
                     ("change", "change", "score")])
    s.section("Contributions (points) at both dates")
    c = d.contributions
    s.table(c, [("stage", "stage", None), ("factor", "factor", None), (f"as of {f}", "points_from", "score"),
                (f"as of {t}", "points_to", "score"), ("change", "change", "score")], col=1)
    s.section(f"New data rows known on {t} but not on {f} (first {SAMPLE_ROWS} per dataset)")
    rows = []
    for name, frame in d.new_rows.items():
        if not len(frame):
            continue
        for rec in frame.head(SAMPLE_ROWS).to_dict("records"):
            when = next((rec[k] for k in ("date", "published", "year") if k in rec and pd.notna(rec[k])), None)
            what = ", ".join(str(rec[k]) for k in ("benchmark", "system", "model", "company", "round", "from_round", "to_round", "value", "rate", "usd_per_mtok")
                             if k in rec and pd.notna(rec[k]))
            rows.append({"dataset": name, "rows": len(frame), "when": when, "what": what, "source": rec.get("source", "")})
        ctx.cite_rows(f"new since {f}", frame, name)
    if rows:
        frame = pd.DataFrame(rows)
        frame["when"] = [w.date().isoformat() if isinstance(w, pd.Timestamp) else w for w in frame["when"]]
        s.table(frame, [("dataset", "dataset", None), ("what", "what", None), ("rows (all)", "rows", "integer"),
                        ("known from", "when", None), ("source", "source", None)])
    else:
        s.note("No new data rows for this sector: any move comes from time passing (the timing windows).")
