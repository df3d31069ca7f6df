"""The memo's Scoring sheet: the config as named input cells, the signals as cells, and
the stage scores, recommendation and confidence as live Excel formulas over them.

The formulas transcribe ``scoring.signals.timing`` step by step; the factor rows and the
recommendation formulas are generated from ``scoring.stage_model`` (the one
declaration the Python reads too); the tests evaluate the sheet in Python and
recalculate it in LibreOffice, and compare:

- a forecast year is normal(mu, sd): ``sd = 0`` for a year already passed, else
  ``MAX(min_sd, (high - low) / (2 z))`` with an open low read as the year and an open
  high as ``year + (year - low)`` (``timing.forecast_from_interval``);
- its CDF is ``IF(sd<=0, IF(t>=mu,1,0), NORMSDIST((t-mu)/sd))`` (``YearForecast.cdf``;
  NORMSDIST is in Excel 2007, no ``_xlfn.`` prefix);
- the milestone CDF is the product over the available components (capability at the
  milestone share, unit economics at the target share); a missing component is left
  out, and with none the timing factors are missing (``timing.milestone_cdf``);
- clip is ``MIN(1,MAX(0,x))``; traction is the mean of its available parts; a missing
  factor counts as ``signals.missing_value``; a stage score is the sum of weight x
  factor (``timing.factor_values`` and ``timing.score``);
- the recommendation and its probability follow ``timing.recommend`` branch by branch
  (a stage is recommended only when its own probability is known).

Only thresholds and targets the data were fitted at can be chosen (a list validation
on those cells); any other value shows #N/A, as ``gapscore score`` refuses it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from openpyxl.worksheet.datavalidation import DataValidation

from gapscore.scoring.inputs import config as config_mod
from gapscore.scoring.report.book import Sheet
from gapscore.scoring.stage_model import FACTOR_BY_KEY, FACTORS, MAX_WINDOW_YEARS, MILESTONE_LEGS, STAGE_BY_ID, STAGE_MODEL, STAGES, WINDOWED, excel_coverage_available, excel_gated, excel_rule, excel_stage_probability, factor_key
from gapscore.scoring.signals.timing import Z80

if TYPE_CHECKING:
    from gapscore.scoring.inputs.config_types import Config

CHECK_OK = "ok"
CHECK_COL = 9
NOTE_COL = 12
"""Columns of the input checks (I) and of the notes (L, the wide column)."""

HEADER_INPUTS = ["setting", "value", "valid range", "defined name", "", "", "", "", "check", "", "", "meaning"]
HEADER_FITS = ["setting", "value", "", "defined name", "", "", "", "", "", "", "", "meaning"]
HEADER_SIGNALS = ["signal", "value", "known", "defined name", "", "", "", "", "", "", "", "meaning"]

LIVE_KEYS = (
    "milestone.capability_threshold", "milestone.perfection_threshold", "milestone.min_sd_years",
    "economics.target_share", "graduation.good_rate", "momentum.full_ratio",
    "capability_momentum.full_velocity", "signals.missing_value", "recommendation.min_score",
    "capability.saturated_max_confidence",
    "funding.growing_above",
)
"""Settings outside [stages] that the Scoring sheet's formulas read (live inputs)."""

SCORING_TABLES = ("capability", "milestone", "economics", "graduation", "momentum", "funding", "capability_momentum", "signals", "recommendation")
"""Config tables the signals and scores read ([stages] is live; [sensitivity] is on its own sheet)."""

FIT_MEANINGS = {
    "capability.interval": "coverage of every forecast interval",
    "capability.min_points": "fewest frontier points for an S-curve fit",
    "capability.n_boot": "bootstrap draws behind the intervals",
    "capability.random_state": "seed of the bootstrap",
    "capability.thresholds": "shares of the human level reported",
    "capability.error_scale": "how error metrics are normalised",
    "capability.task_cap": "most a benchmark counts in the sector mean (1.0 = human level)",
    "capability.pool_when_sparse": "fit the pooled records when no benchmark has enough alone",
    "capability.shape_reference": "which fitted benchmarks a sparse one borrows its curve's shape from",
    "capability.shape_min_benchmarks": "fewest fitted benchmarks to borrow a shape from",
    "capability.shape_min_points": "fewest records a benchmark needs to borrow a shape",
    "milestone.horizon_years": "years of cost and unit-economics projection ('not within the horizon' beyond)",
    "capability.horizon_years": "capability forecasts further out are 'not in sight'",
    "economics.target_share_low": "the lower target share reported",
    "graduation.window_months": "graduation window (months) of the cohort rates",
    "graduation.min_companies": "fewest companies for a computed cohort rate",
    "graduation.recent_cohorts": "latest closed cohorts pooled in a computed rate",
    "graduation.interval": "coverage of a computed rate's Wilson interval",
    "graduation.sector_max_age_years": "a sector's published rate for cohorts older than this gives way to a later market rate",
    "momentum.window_months": "funding-momentum window (months)",
    "funding.max_age_years": "a funding series ending longer ago than this says nothing about interest now",
}


def fit_settings(cfg: Mapping[str, Any], prefix: str = "") -> list[tuple[str, object]]:
    """Every config value the fits use (not live in the sheet), as (dotted key, value)."""
    out = []
    for key, value in cfg.items():
        dotted = f"{prefix}{key}"
        if not prefix and key not in SCORING_TABLES:
            continue
        if isinstance(value, Mapping):
            out += fit_settings(value, dotted + ".")
        elif dotted not in LIVE_KEYS:
            out.append((dotted, value))
    return out

MEANINGS = {
    "milestone.capability_threshold": "capability share of the human level that is the milestone",
    "milestone.perfection_threshold": "capability share counted as near perfection",
    "milestone.min_sd_years": "narrowest spread (sd, years) of a forecast year",
    "economics.target_share": "inference share of revenue at which unit economics are viable",
    "graduation.good_rate": "seed-to-A graduation rate that counts as full traction",
    "momentum.full_ratio": "rounds ratio (last window / window before) that counts as full momentum",
    "capability_momentum.full_velocity": "share of the human gap closed per year that counts as full momentum",
    "signals.missing_value": "value of a factor the data cannot give",
    "recommendation.min_score": "best score below which no stage is recommended",
    "capability.saturated_max_confidence": "highest probability of a harvest resting on saturated benchmarks alone",
    "funding.growing_above": "yearly growth of the sector's funding above which interest is still growing (no harvest)",
}


def _name(dotted: str) -> str:
    return "cfg_" + dotted.replace(".", "_")


def _rule(dotted: str) -> tuple[str, float, float]:
    rules = config_mod._RULES  # the ranges `gapscore config` checks
    if dotted in rules:
        return rules[dotted]
    if ".weights." in dotted:
        return ("num", 0.0, config_mod.WEIGHT_TOTAL)
    if "window_years" in dotted:
        return ("num", 0.0, MAX_WINDOW_YEARS)
    raise KeyError(dotted)


def _fmt_num(x: float) -> str:
    return f"{x:g}"


class ScoringSheet:
    """Builds the Scoring sheet; ``names`` maps what the Summary needs to defined names."""

    def __init__(self, sheet: Sheet, score, cfg: Config):
        self.s = sheet
        self.score = score
        self.sig = score.signals
        self.cfg = cfg
        self.validations: list[DataValidation] = []

    # ------------------------------------------------------------------ inputs

    def _input(self, dotted: str, label: str, value: float, fmt: str, meaning: str, name: str | None = None) -> str:
        """One config value as a named, validated input cell; ``dotted`` is its rule key."""
        s, r = self.s, self.s.row
        kind, low, high = _rule(dotted)
        name = name or _name(dotted)
        s.put(r, 1, label)
        s.put(r, 2, float(value), fmt, style="input")
        s.name(name, r, 2)
        ref = f"B{r}"
        cond = f"ISNUMBER({ref}),{ref}>={_fmt_num(low)},{ref}<={_fmt_num(high)}"
        if kind == "int":
            cond += f",INT({ref})={ref}"
        s.put(r, 3, f"{_fmt_num(low)} to {_fmt_num(high)}" + (" (whole)" if kind == "int" else ""))
        s.put(r, 4, name, wrap=False)
        s.formula(r, CHECK_COL, f'=IF(AND({cond}),"{CHECK_OK}","out of range: refused")', style="none")
        s.put(r, NOTE_COL, meaning, style="note")
        dv = DataValidation(type="whole" if kind == "int" else "decimal", operator="between",
                            formula1=_fmt_num(low), formula2=_fmt_num(high), allow_blank=False,
                            showErrorMessage=True, errorTitle="gapscore config",
                            error=f"{label} must be between {_fmt_num(low)} and {_fmt_num(high)}")
        dv.add(ref)
        self.validations.append(dv)
        s.row += 1
        return name

    def inputs(self) -> None:
        s, cfg = self.s, self.cfg
        s.section("Inputs: the config (edit the yellow cells)")
        s.header(s.row, 1, HEADER_INPUTS)
        s.row += 1
        self.weight_names: dict[str, dict[str, str]] = {}
        for spec in STAGE_MODEL:
            stage = spec.id
            table = cfg["stages"][stage]
            if spec.windowed:
                w0, w1 = table["window_years"]
                key = f"stages.{stage}.window_years"
                n0 = self._input(key, key + "[0]", w0, "ratio", f"{stage} window start (years before the milestone)", f"cfg_stages_{stage}_window_start")
                n1 = self._input(key, key + "[1]", w1, "ratio", f"{stage} window end (years before the milestone)", f"cfg_stages_{stage}_window_end")
                r = s.row
                s.put(r, 1, f"stages.{stage}.window_years: start < end", style="note")
                s.formula(r, CHECK_COL, f'=IF({n0}<{n1},"{CHECK_OK}","start must be below end")', style="none")
                s.row += 1
            names = {}
            for factor, weight in table["weights"].items():
                key = f"stages.{stage}.weights.{factor}"
                names[factor] = self._input(key, key, weight, "score", f"points of the {stage} score given to {factor.replace('_', ' ')}")
            self.weight_names[stage] = names
            r = s.row
            s.put(r, 1, f"stages.{stage}.weights: sum", style="note")
            s.formula(r, 2, "=" + "+".join(names.values()), "score")
            s.formula(r, CHECK_COL, f'=IF(ABS(B{r}-{config_mod.WEIGHT_TOTAL:g})<=0.000001,"{CHECK_OK}","must sum to {config_mod.WEIGHT_TOTAL:g}")', style="none")
            s.row += 1
        formats = {"milestone.min_sd_years": "ratio", "momentum.full_ratio": "ratio", "recommendation.min_score": "score",
                   "capability_momentum.full_velocity": "ratio",
                   "capability.saturated_max_confidence": "probability"}
        for key in LIVE_KEYS:
            self._input(key, key, config_mod.get(cfg, key), formats.get(key, "ratio"), MEANINGS[key])
        r = s.row
        s.put(r, 1, "milestone.perfection_threshold > capability_threshold", style="note")
        s.formula(r, CHECK_COL, f'=IF(cfg_milestone_perfection_threshold>cfg_milestone_capability_threshold,"{CHECK_OK}","must be above")', style="none")
        s.row += 1
        r = s.row
        s.put(r, 1, "z of the interval (scoring.timing.Z80)")
        s.put(r, 2, Z80, "number")
        s.name("z_interval", r, 2)
        s.put(r, 4, "z_interval", wrap=False)
        s.put(r, NOTE_COL, "standard normal quantile at 0.9: an 80% interval spans +-z sd (a constant, not a setting)", style="note")
        s.row += 2

        s.section("Settings used by the fits (for the record: editing them here changes nothing; re-run gapscore memo --config)")
        s.header(s.row, 1, HEADER_FITS)
        s.row += 1
        for key, value in fit_settings(cfg):
            r = s.row
            s.put(r, 1, key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                s.put(r, 2, value, "raw")
                s.put(r, 4, s.name(_name(key), r, 2), wrap=False)
            elif isinstance(value, (list, tuple)):
                s.put(r, 2, ", ".join(f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in value))
            else:
                s.put(r, 2, value if isinstance(value, bool) else str(value))
            s.put(r, NOTE_COL, FIT_MEANINGS.get(key, ""), style="note")
            s.row += 1
        s.row += 1

    # ------------------------------------------------------------------ signals

    def signals(self) -> None:
        s, sig = self.s, self.sig
        inputs = sig.timing_inputs(self.cfg)
        cap = sig.capability
        self.has_cap = inputs.has_capability
        s.section(f"Signals of the sector as of {sig.as_of.date().isoformat()} (from the data; not inputs)")
        s.header(s.row, 1, HEADER_SIGNALS)
        s.row += 1

        def scalar(label, value, fmt, name, meaning):
            r = s.row
            known = value is not None and isinstance(value, (int, float)) and math.isfinite(value)
            s.put(r, 1, label)
            s.put(r, 2, float(value) if known else None, fmt, style="signal")
            s.name(name, r, 2)
            s.put(r, 3, bool(known), style="signal")
            s.name(name + "_known", r, 3)
            s.put(r, 4, name, wrap=False)
            s.put(r, NOTE_COL, meaning, style="note")
            s.row += 1

        r = s.row
        s.put(r, 1, "as-of date as a decimal year")
        s.put(r, 2, inputs.as_of_year, "number", style="signal")
        s.name("sig_as_of_year", r, 2)
        s.put(r, 4, "sig_as_of_year", wrap=False)
        s.row += 1
        def flag(label, value, name, meaning):
            r = s.row
            s.put(r, 1, label)
            s.put(r, 2, bool(value), style="signal")
            s.name(name, r, 2)
            s.put(r, 4, name, wrap=False)
            s.put(r, NOTE_COL, meaning, style="note")
            s.row += 1

        flag("capability curve fitted", self.has_cap, "sig_has_capability",
             "FALSE: no benchmark with a human baseline, or too few points to fit")
        flag("every capability measure saturated", inputs.saturated_only, "sig_saturated_only",
             "TRUE: capability is beyond what its benchmarks measure; a harvest on it is capped")
        scalar("capability velocity", inputs.velocity, "ratio", "sig_velocity", "share of the human gap closed per year, at the as-of date")
        scalar("seed-to-A graduation rate", inputs.traction_rate, "share", "sig_traction_rate",
               "" if sig.traction is None else f"{sig.traction.origin}: {sig.traction.source}"
               + (f"; {sig.traction.describes}" if sig.traction.describes else ""))
        scalar("funding momentum ratio", inputs.momentum_ratio, "ratio", "sig_momentum_ratio", "rounds in the last window / the window before")
        scalar("sector funding growth a year", inputs.funding_growth, "share", "sig_funding_growth",
               "the sector's own funding series, last two years (blank: no recent series)" if sig.funding is None else sig.funding.line())
        s.row += 1

        # Capability forecasts, one row per share the fit forecast.
        if self.has_cap:
            s.section("Capability forecasts (decimal years; blank low/high: open)")
            cols = ["share of human", "year", "low", "high", "passed", "beyond horizon", "in sight", "mu", "low used", "high used", "sd (years)"]
            s.header(s.row, 1, cols)
            s.row += 1
            top = s.row
            for f in cap.thresholds:
                r = s.row
                s.put(r, 1, float(f.threshold), "share", style="signal")
                for c, v in ((2, f.year), (3, f.low), (4, f.high)):
                    s.put(r, c, v, "year", style="signal")
                s.put(r, 5, bool(f.passed), style="signal")
                s.put(r, 6, bool(f.capped), style="signal")
                self._normal_columns(r, in_sight=f"=AND(NOT(F{r}),ISNUMBER(B{r}))")
                s.row += 1
            last = s.row - 1
            s.name("cap_threshold", top, 1, last)
            s.name("cap_in_sight", top, 7, last)
            s.name("cap_mu", top, 8, last)
            s.name("cap_sd", top, 11, last)
            self.cap_rows = (top, last)
            s.row += 1
        targets = sorted(sig.economics_by_target.items())
        self.has_econ_table = bool(targets)
        if targets:
            s.section("Unit-economics forecasts by target share (decimal years; blank low/high: open)")
            cols = ["target share", "year", "low", "high", "viable already", "", "in sight", "mu", "low used", "high used", "sd (years)"]
            s.header(s.row, 1, cols)
            s.row += 1
            top = s.row
            for target, (year, low, high, already) in targets:
                r = s.row
                s.put(r, 1, float(target), "share", style="signal")
                for c, v in ((2, year), (3, low), (4, high)):
                    s.put(r, c, v, "year", style="signal")
                s.put(r, 5, bool(already), style="signal")
                self._normal_columns(r, in_sight=f"=ISNUMBER(B{r})")
                s.row += 1
            last = s.row - 1
            s.name("econ_target", top, 1, last)
            s.name("econ_in_sight", top, 7, last)
            s.name("econ_mu", top, 8, last)
            s.name("econ_sd", top, 11, last)
            self.econ_rows = (top, last)
            s.row += 1

    def _normal_columns(self, r: int, in_sight: str) -> None:
        """in sight, mu, low used, high used, sd: ``timing.forecast_from_interval``."""
        s = self.s
        s.formula(r, 7, in_sight)
        s.formula(r, 8, f"=IF(G{r},B{r},0)", "year")
        s.formula(r, 9, f"=IF(ISNUMBER(C{r}),C{r},H{r})", "year")
        s.formula(r, 10, f"=IF(ISNUMBER(D{r}),D{r},H{r}+(H{r}-I{r}))", "year")
        s.formula(r, 11, f"=IF(E{r},0,MAX(cfg_milestone_min_sd_years,(J{r}-I{r})/(2*z_interval)))", "number")

    # ------------------------------------------------------------------ the scores

    def milestone(self) -> None:
        s = self.s
        s.section("Forecast years the scores use")
        s.header(s.row, 1, ["component", "row in table", "available", "mu", "sd", "", "", "", "", "", "", "how"])
        s.row += 1

        def component(label, key, row_formula, avail_formula, how, table_mu, table_sd, guard_zero):
            r = s.row
            s.put(r, 1, label)
            if row_formula is None:
                s.put(r, 2, "none")
                s.put(r, 3, False, style="signal")
                s.put(r, 4, 0.0, "year", style="signal")
                s.put(r, 5, 0.0, "number", style="signal")
            else:
                s.formula(r, 2, row_formula, "integer")
                s.formula(r, 3, avail_formula)
                if guard_zero:
                    s.formula(r, 4, f"=IF(B{r}=0,0,INDEX({table_mu},B{r}))", "year")
                    s.formula(r, 5, f"=IF(B{r}=0,0,INDEX({table_sd},B{r}))", "number")
                else:
                    s.formula(r, 4, f"=INDEX({table_mu},B{r})", "year")
                    s.formula(r, 5, f"=INDEX({table_sd},B{r})", "number")
            s.name(f"{key}_available", r, 3)
            s.name(f"{key}_mu", r, 4)
            s.name(f"{key}_sd", r, 5)
            s.put(r, NOTE_COL, how, style="note")
            s.row += 1

        if self.has_cap:
            component("capability at the milestone share", "ms_cap",
                      "=MATCH(cfg_milestone_capability_threshold,cap_threshold,0)", "=sig_has_capability",
                      "a share that was not forecast shows #N/A: choose one listed above", "cap_mu", "cap_sd", False)
            r = s.row
            s.put(r, 1, "capability at the milestone share in sight")
            s.formula(r, 3, f"=INDEX(cap_in_sight,B{r - 1})")
            s.put(r, NOTE_COL, "FALSE: beyond the horizon, not reached within any window (CDF 0), not left out", style="note")
        else:
            component("capability at the milestone share", "ms_cap", None, None, "no capability fit: left out of the milestone", None, None, False)
            r = s.row
            s.put(r, 1, "capability at the milestone share in sight")
            s.put(r, 3, False, style="signal")
        s.name("ms_cap_in_sight", r, 3)
        s.row += 1
        if self.has_econ_table:
            r = s.row
            component("unit economics at the target share", "ms_econ",
                      "=IFERROR(MATCH(ROUND(cfg_economics_target_share,6),econ_target,0),0)",
                      f"=IF(B{r}=0,FALSE,INDEX(econ_in_sight,B{r}))",
                      "0: that target was not estimated, so unit economics are left out (as in gapscore)", "econ_mu", "econ_sd", True)
        else:
            component("unit economics at the target share", "ms_econ", None, None, "no cost projection: left out of the milestone", None, None, False)
        if self.has_cap:
            component("capability at the perfection share", "perf",
                      "=MATCH(cfg_milestone_perfection_threshold,cap_threshold,0)",
                      f"=AND(sig_has_capability,INDEX(cap_in_sight,B{s.row}))",
                      "not in sight: its CDF is 0 within any window", "cap_mu", "cap_sd", False)
        else:
            component("capability at the perfection share", "perf", None, None, "no capability fit", None, None, False)
        r = s.row
        s.put(r, 1, "milestone components available")
        s.formula(r, 2, "=IF(ms_cap_available,1,0)+IF(ms_econ_available,1,0)", "integer", name="ms_components")
        s.put(r, NOTE_COL, "0: the milestone is unknown and the timing factors are missing", style="note")
        s.row += 2

        s.section("Probabilities at the dates the scores look at (normal CDFs of the forecast years)")
        s.header(s.row, 1, ["date", "decimal year", "capability CDF", "economics CDF", "milestone CDF", "perfection CDF"])
        s.row += 1
        points = [("as-of date", "now", "sig_as_of_year")]
        for stage in WINDOWED:
            points.append((f"{stage} window start", f"{stage}_start", f"sig_as_of_year+cfg_stages_{stage}_window_start"))
            points.append((f"{stage} window end", f"{stage}_end", f"sig_as_of_year+cfg_stages_{stage}_window_end"))
        for label, key, expr in points:
            r = s.row
            s.put(r, 1, label)
            s.formula(r, 2, "=" + expr, "year")
            s.formula(r, 3, self._cdf("ms_cap", f"B{r}", absent=1, in_sight="ms_cap_in_sight"), "probability")
            s.formula(r, 4, self._cdf("ms_econ", f"B{r}", absent=1), "probability")
            s.formula(r, 5, f"=IF(ms_components=0,0,C{r}*D{r})", "probability", name=f"ms_cdf_{key}")
            s.formula(r, 6, self._cdf("perf", f"B{r}", absent=0), "probability", name=f"perf_cdf_{key}")
            s.row += 1
        s.row += 1

    @staticmethod
    def _cdf(key: str, t: str, absent: int, in_sight: str | None = None) -> str:
        cdf = f"IF({key}_sd<=0,IF({t}>={key}_mu,1,0),NORMSDIST(({t}-{key}_mu)/{key}_sd))"
        if in_sight:
            cdf = f"IF(NOT({in_sight}),0,{cdf})"
        return f"=IF(NOT({key}_available),{absent},{cdf})"

    def factors(self) -> None:
        s = self.s
        s.section("Factors (each in [0, 1]; a missing factor counts as signals.missing_value)")
        s.header(s.row, 1, ["factor", "available", "value", "used in scores", "", "", "", "", "", "", "", "how"])
        s.row += 1
        rows = [(f.label, f.cell, f.excel_ok, f.excel_value, f.how, f.part) for f in FACTORS]
        for label, key, ok, value, how, part in rows:
            r = s.row
            s.put(r, 1, label)
            s.formula(r, 2, f"={ok}", name=f"f_{key}_ok")
            s.formula(r, 3, f"=IF(B{r},{value},0)", "probability", name=f"f_{key}")
            if not part:
                s.formula(r, 4, f"=IF(B{r},C{r},cfg_signals_missing_value)", "probability", name=f"f_{key}_used")
            s.put(r, NOTE_COL, how, style="note")
            s.row += 1
        s.row += 1

    def stage_scores(self) -> None:
        s, cfg = self.s, self.cfg
        res = self.score.result
        s.section("Stage scores: the sum of weight x factor")
        s.header(s.row, 1, ["stage", "factor", "weight", "factor used", "contribution", "", "gapscore at writing"])
        s.row += 1
        contribution_cells: dict[str, list[str]] = {}
        for stage in STAGES:
            cells = []
            for factor in cfg["stages"][stage]["weights"]:
                r = s.row
                fname = f"f_{factor_key(stage, factor).replace('.', '_')}_used"
                s.put(r, 1, stage)
                s.put(r, 2, factor)
                s.formula(r, 3, f"={self.weight_names[stage][factor]}", "score")
                s.formula(r, 4, f"={fname}", "probability")
                s.formula(r, 5, f"=C{r}*D{r}", "score")
                s.put(r, 7, res.contributions[stage][factor], "score")
                cells.append(f"E{r}")
                s.row += 1
            contribution_cells[stage] = cells
        s.row += 1

        s.section("Scores and recommendation")
        s.header(s.row, 1, ["stage", "score (0-100)", "probability behind it", "", "", "", "gapscore at writing"])
        s.row += 1
        top = s.row
        for stage in STAGES:
            r = s.row
            s.put(r, 1, stage, bold=True)
            s.formula(r, 2, f"=SUM({','.join(contribution_cells[stage])})", "score", name=f"score_{stage}")
            s.formula(r, 3, "=" + excel_stage_probability(stage), "probability", name=f"score_{stage}_probability")
            s.put(r, 7, res.scores[stage], "score")
            s.row += 1
        s.name("score_range", top, 2, s.row - 1)
        s.row += 1

        s.header(s.row, 1, ["data coverage", "used by a stage", "available", "", "", "", "", "", "", "", "", "how"])
        s.row += 1
        used = []
        for stage in STAGES:
            for factor in cfg["stages"][stage]["weights"]:
                if factor not in used:
                    used.append(factor)
        available = {}
        for stage in STAGES:
            for factor in cfg["stages"][stage]["weights"]:
                f = FACTOR_BY_KEY[factor_key(stage, factor)]
                available.setdefault(factor, excel_coverage_available(f))
        top = s.row
        for factor in used:
            r = s.row
            s.put(r, 1, factor)
            s.put(r, 2, True)
            s.formula(r, 3, f"={available[factor]}", "share")
            if "ms_components" in available[factor]:
                s.put(r, NOTE_COL, f"rests on the milestone: the share of its {len(MILESTONE_LEGS)} legs present "
                      f"({', '.join(MILESTONE_LEGS)})", style="note")
            s.row += 1
        avail = f"C{top}:C{s.row - 1}"
        n = len(used)

        rows = [
            ("best score", "=MAX(score_range)", "score", "score_best", None),
            ("best stage (first on a tie)", "=MATCH(score_best,score_range,0)", "integer", "score_best_index", None),
            ("data coverage", f"=1-({n}-SUM({avail}))/MAX(1,{n})", "share", "score_coverage", res.coverage),
            ("best stage has its own evidence",
             "=CHOOSE(score_best_index," + ",".join(f"f_{STAGE_BY_ID[st].evidence.replace('.', '_')}_ok" for st in STAGES) + ")",
             None, "score_best_known", None),
            ("recommendation before the harvest check", "=" + excel_rule("recommendation"), None, "score_recommendation_base", None),
            ("its probability", "=" + excel_rule("probability"), "probability", "score_decision_probability_base", None),
            ("recommendation (a harvest checked against funding and saturation)",
             "=" + excel_gated("recommendation"),
             None, "score_recommendation", res.recommendation),
            ("probability behind the recommendation",
             "=" + excel_gated("probability"),
             "probability",
             "score_decision_probability", res.decision_probability),
            ("confidence", "=MIN(1,MAX(0,score_decision_probability*score_coverage))", "probability", "score_confidence", res.confidence),
        ]
        for label, formula, fmt, name, python in rows:
            r = s.row
            s.put(r, 1, label, bold=True)
            s.formula(r, 2, formula, fmt, name=name)
            if python is not None:
                s.put(r, 7, python, fmt)
            s.row += 1

    def build(self) -> None:
        self.inputs()
        self.signals()
        self.milestone()
        self.factors()
        self.stage_scores()
        self._add_threshold_lists()
        for dv in self.validations:
            self.s.ws.add_data_validation(dv)

    def _add_threshold_lists(self) -> None:
        """Only shares the data were fitted at can be chosen for the thresholds."""
        if self.has_cap:
            top, last = self.cap_rows
            for key in ("milestone.capability_threshold", "milestone.perfection_threshold"):
                self._replace_validation(_name(key), f"$A${top}:$A${last}", "a share listed under Capability forecasts")
        if self.has_econ_table:
            top, last = self.econ_rows
            self._replace_validation(_name("economics.target_share"), f"$A${top}:$A${last}", "a target listed under Unit-economics forecasts")

    def _replace_validation(self, name: str, source: str, what: str) -> None:
        ref = self.s.book.names[name].split("!")[1].replace("$", "")
        self.validations = [dv for dv in self.validations if str(dv.sqref) != ref]
        dv = DataValidation(type="list", formula1=source, allow_blank=False, showErrorMessage=True,
                            errorTitle="gapscore config", error=f"choose {what}: only those were forecast")
        dv.add(ref)
        self.validations.append(dv)
