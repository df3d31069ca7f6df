"""The stage model is declared once (scoring.stage_model): the Python and the memo's
generated Excel formulas agree for every clause of the recommendation rule.

Reference: ``scoring.signals.timing.score`` (the Python) on the same signals and a config
changed by ``config.set_value``, against the memo's Scoring sheet evaluated by a
small pure-Python formula evaluator (tests/excel_eval.py) with the same input cells
edited, and, where LibreOffice is installed, recalculated by LibreOffice.
"""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from gapscore.models import stages as model_stages
from gapscore.scoring.errors import ConfigError
from gapscore.scoring.inputs import config as config_mod
from gapscore.scoring import stage_model
from gapscore.scoring.report import memo as report
from gapscore.scoring.signals.scores import score_sector
from gapscore.scoring.stage_model import STAGES, iter_clauses
from gapscore.scoring.signals.timing import TimingInputs, YearForecast, score as timing_score

from excel_eval import Workbook
from test_memo import (  # noqa: F401  (cfg, store, scores are fixtures)
    EDIT_THRESHOLDS_AND_RATES,
    EDIT_WINDOWS_AND_SPREAD,
    MINIMAL_TEMPLATE,
    TOL,
    cfg,
    edit_workbook,
    edited,
    named,
    need_libreoffice,
    scores,
    store,
)

SHEET = "Live scores"
EDITS = {
    "default": {},
    "strong": {"recommendation.min_score": 0.0},  # any best stage with its own evidence is strong
    "weak": {"recommendation.min_score": 100.0},  # (almost) no stage is strong: the later clauses decide
    "windows": EDIT_WINDOWS_AND_SPREAD,
    "thresholds": EDIT_THRESHOLDS_AND_RATES,
}
KEYS = ("llm", "video", "vision2014", "handmade", "agents2026", "cv2025", "cv2025_surge", "med2021_fading", "med2021")
CASES = [(k, e) for k in KEYS for e in EDITS]


@pytest.fixture(scope="module")
def all_scores(scores, store, cfg):
    cv = score_sector(store, "computer_vision", pd.Timestamp("2025-06-30"), cfg)
    # medical imaging 2021: one benchmark (CheXpert), saturated since 2019: a perfection
    # call on it is capped (growth or harvest at most capability.saturated_max_confidence)
    med = score_sector(store, "medical_imaging", pd.Timestamp("2021-12-31"), cfg)
    return {**scores, "cv2025": cv, "med2021": med, "cv2025_surge": _with_funding(cv, 0.97, cfg), "med2021_fading": _with_funding(med, -0.42, cfg)}


def _with_funding(base, growth, cfg):
    """The same signals with a current funding series growing by ``growth`` a year (hand-set:
    +97% is PitchBook autonomous cars 2017 -> 2018, -42% a fall), so the harvest check's
    funding clauses are compared with Excel too."""
    import dataclasses

    from gapscore.scoring.signals.scores import score_signals
    from gapscore.scoring.signals.sector import FundingEvidence

    sig = base.signals
    funding = FundingEvidence(mapped=("hand-made",), reason="hand-made for the test", series="hand-made", scope="test",
                              first_year=2023, last_year=2024, last_usd_millions=100.0, source="hand-made", published=pd.Timestamp("2025-01-01"),
                              growth=growth, current=True, direction="growing" if growth > 0 else "falling")
    return score_signals(dataclasses.replace(sig, funding=funding), cfg)


@pytest.fixture(scope="module")
def small_memos(all_scores, cfg, store, tmp_path_factory):
    """Memos with only the Scoring and Summary sheets (the same formulas, less to write)."""
    folder = tmp_path_factory.mktemp("stage_model")
    template = folder / "scoring_only.toml"
    template.write_text(MINIMAL_TEMPLATE)
    return {k: report.write_memo(all_scores[k], cfg, store, folder / f"{k}.xlsx", template=template) for k in KEYS}


def _python(all_scores, cfg, key, edit):
    cfg2, cells = edited(cfg, EDITS[edit])
    return timing_score(all_scores[key].signals.timing_inputs(cfg2), cfg2), cells


@pytest.fixture(scope="module")
def evaluated(small_memos, all_scores, cfg):
    """{(memo, edit): (Python result, {name: value evaluated from the formulas})}."""
    out = {}
    for key, edit in CASES:
        want, cells = _python(all_scores, cfg, key, edit)
        book = Workbook(load_workbook(small_memos[key]), SHEET, overrides=cells)
        names = [f"score_{s}" for s in STAGES] + ["score_recommendation", "score_decision_probability",
                                                  "score_confidence", "score_coverage"]
        out[(key, edit)] = (want, {n: book.value(n) for n in names})
    return out


@pytest.mark.parametrize("key,edit", CASES)
def test_generated_formulas_evaluate_as_python(evaluated, key, edit):
    want, got = evaluated[(key, edit)]
    for stage in STAGES:
        assert got[f"score_{stage}"] == pytest.approx(want.scores[stage], abs=TOL, rel=0), stage
    assert got["score_recommendation"] == want.recommendation, want.clause
    assert got["score_decision_probability"] == pytest.approx(want.decision_probability, abs=TOL, rel=0)
    assert got["score_confidence"] == pytest.approx(want.confidence, abs=TOL, rel=0)
    assert got["score_coverage"] == pytest.approx(want.coverage, abs=TOL, rel=0)


def test_every_clause_of_the_rule_is_exercised(evaluated):
    """The cases above reach every deciding clause, so each one is compared with Excel."""
    hit = {name for want, _ in evaluated.values() for name in want.clause.split("/")}
    assert hit == {c.name for c in iter_clauses()}


def test_the_sheet_holds_the_generated_rule(small_memos):
    wb = load_workbook(small_memos["llm"])
    ws = wb[SHEET]

    def formula(name):
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        return ws[ref.replace("$", "")].value

    assert formula("score_recommendation_base") == "=" + stage_model.excel_rule("recommendation")
    assert formula("score_decision_probability_base") == "=" + stage_model.excel_rule("probability")
    assert formula("score_recommendation") == "=" + stage_model.excel_gated("recommendation")
    assert formula("score_decision_probability") == "=" + stage_model.excel_gated("probability")


def test_a_new_clause_is_one_entry_in_python_and_excel():
    """A clause added to the rule changes both the Python decision and the formula.

    Hand-worked: as of 2020, milestone 2030 +- 1 (P(passed) = 0), no velocity; the
    default rule says watch (milestone beyond the seed window, P = 1 - Phi(-5) ~ 1).
    A first clause "velocity unknown -> watch at the missing value" decides instead.
    """
    cfg = config_mod.load_config()
    inputs = TimingInputs(2020.0, milestone=(YearForecast("cap", 2030.0, 1.0, 2028.7, 2031.3),),
                          perfection=YearForecast("perf", 2040.0, 1.0, 2038.7, 2041.3))
    res = timing_score(inputs, cfg)
    assert (res.recommendation, res.clause) == ("watch", "milestone_far")
    velocity = stage_model.Quantity("velocity", lambda c: c.inputs.velocity, "sig_velocity", "sig_velocity_known")
    unknown_velocity = stage_model.Clause("no_velocity", (stage_model.AtLeast(stage_model.MISSING_VALUE, stage_model.MISSING_VALUE),),
                                          "watch", stage_model.MISSING_VALUE)
    rule = (unknown_velocity,) + stage_model.RECOMMENDATION_RULE
    ctx = stage_model.RuleContext(inputs, cfg, res.scores, res.factors, stage_model.best_stage(res.scores))
    assert stage_model.decide(ctx, rule) == stage_model.Decision("watch", 0.5, "no_velocity")
    assert stage_model.excel_rule("probability", rule).startswith(
        "IF(AND(cfg_signals_missing_value>=cfg_signals_missing_value),cfg_signals_missing_value,IF(AND(score_best>=")
    assert velocity.excel_known == "sig_velocity_known"


def test_stages_and_labels_have_one_home():
    """scoring, the fund models and the reports read the same objects."""
    from gapscore.models import portfolio as model_portfolio
    from gapscore.scoring.inputs import config
    from gapscore.scoring.portfolio import builder as portfolio
    from gapscore.scoring.report import backtest_book as report_backtest
    from gapscore.scoring.signals import timing

    assert stage_model.STAGES is model_stages.STAGES
    for mod in (config, timing, model_portfolio):
        assert mod.STAGES is model_stages.STAGES, mod.__name__
    for mod in (portfolio, report_backtest, model_portfolio):
        assert mod.STAGE_LABELS is model_stages.STAGE_LABELS, mod.__name__
    assert config.STAGE_FACTORS == {s.id: s.weighs for s in stage_model.STAGE_MODEL}
    assert dict(portfolio.STAGE_EVIDENCE) == {"seed": "seed.timing", "series_a": "series_a.timing",
                                              "series_b": "works_with_gaps", "growth": "near_perfection"}


def test_config_check_reads_the_stage_model():
    cfg = config_mod.load_config()
    raw = cfg.to_dict()  # a plain dict: set_value changes it without checking, for check to judge
    bad = config_mod.set_value(raw, "stages.seed.weights", {"timing": 75.0, "traction": 25.0})
    assert any("unknown factor; seed weighs timing, capability_momentum" in p for p in config_mod.check(bad, "x"))
    no_window = config_mod.set_value(raw, "stages.series_a", {"weights": cfg["stages"]["series_a"]["weights"]})
    assert any("stages.series_a.window_years = None: must be [start, end]" in p for p in config_mod.check(no_window, "x"))
    # On the frozen config, set_value checks the changed copy and refuses it, one line each.
    with pytest.raises(ConfigError, match=r"^set_value: stages.seed.weights.traction = 25.0: unknown factor; seed weighs timing, capability_momentum$"):
        config_mod.set_value(cfg, "stages.seed.weights", {"timing": 75.0, "traction": 25.0})


@pytest.mark.libreoffice
def test_libreoffice_agrees_for_every_clause(small_memos, all_scores, cfg, tmp_path):
    """The same cases recalculated by LibreOffice (one run): Python, LibreOffice agree."""
    need_libreoffice()
    cases = [(k, e) for k, e in CASES if e in ("strong", "weak")]
    paths, wants = [], {}
    for key, edit in cases:
        want, cells = _python(all_scores, cfg, key, edit)
        dst = tmp_path / f"{key}-{edit}.xlsx"
        edit_workbook(small_memos[key], dst, cells)
        paths.append(dst)
        wants[(key, edit)] = want
    out = report.convert_with_libreoffice(paths, tmp_path / "recalc")
    hit = set()
    for (key, edit), path in zip(cases, out):
        want = wants[(key, edit)]
        wb = load_workbook(path, data_only=True)
        assert named(wb, "score_recommendation") == want.recommendation, (key, edit)
        assert named(wb, "score_decision_probability") == pytest.approx(want.decision_probability, abs=TOL, rel=0)
        hit.update(want.clause.split("/"))
    assert hit == {c.name for c in iter_clauses()}


def test_model_defaults_agree_with_the_config():
    """A constant the config sets has one value: the models' defaults (used when a model
    is called directly) equal the config's defaults, which the scoring layer passes."""
    from gapscore.models import capability

    cfg = config_mod.load_config()
    assert capability.DEFAULT_N_BOOT == cfg["capability"]["n_boot"]
    assert capability.MAX_HORIZON_YEARS == cfg["capability"]["horizon_years"]
    assert capability.DEFAULT_THRESHOLDS == tuple(cfg["capability"]["thresholds"])
