"""Excel investment memos recalculated and rendered by LibreOffice (scoring.report).

The written workbooks are recalculated headlessly in LibreOffice and compared with the
Python reference (``scoring.signals.timing.score``), before and after changing input cells;
rendered to PDF and read back with pdftotext. Skipped when LibreOffice is not
installed, unless GAPSCORE_REQUIRE_LIBREOFFICE=1 (then they fail with the install
command).
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from openpyxl import load_workbook

from gapscore.scoring.report import memo as report
from gapscore.scoring.output import FORMULA_PREFIXES
from gapscore.scoring.signals.scores import score_sector
from gapscore.scoring.signals.timing import STAGES, score as timing_score

from test_memo import (  # noqa: F401  (cfg, store, scores, memos are fixtures)
    EDIT_THRESHOLDS_AND_RATES,
    EDIT_WINDOWS_AND_SPREAD,
    MINIMAL_TEMPLATE,
    PAYLOADS,
    TOL,
    VARIANTS,
    cfg,
    edit_workbook,
    edited,
    error_cells,
    injection_store,
    memos,
    named,
    need_libreoffice,
    need_tool,
    scores,
    store,
)

pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module")
def pdf_job(memos, tmp_path_factory):
    """The hand-made memo rendered to PDF, in a second LibreOffice run beside the recalculation."""
    need_libreoffice()
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(report.convert_with_libreoffice, [memos["handmade"]], tmp_path_factory.mktemp("pdf"), "pdf")
    yield future
    pool.shutdown(wait=True)


@pytest.fixture(scope="module")
def recalculated(memos, scores, cfg, store, tmp_path_factory, pdf_job):
    """Memos, edited variants and the injection memo, recalculated in one LibreOffice run.

    The formula checks use memos with only the Scoring and Summary sheets (a user
    template; the same formulas, a fraction of the load time); the error scan also
    covers full memos. Returns {key: (recalculated path, config it should equal, path as written)}.
    """
    folder = tmp_path_factory.mktemp("edited")
    small = folder / "scoring_only.toml"
    small.write_text(MINIMAL_TEMPLATE)
    jobs = {f"full-{key}": (memos[key], cfg) for key in ("handmade", "video")}  # every sheet; with and without capability
    for key, s in scores.items():
        jobs[key] = (report.write_memo(s, cfg, store, folder / f"{key}.xlsx", template=small), cfg)
    for key, tag in VARIANTS:
        cfg2, cells = edited(cfg, EDIT_WINDOWS_AND_SPREAD if tag == "windows" else EDIT_THRESHOLDS_AND_RATES)
        dst = folder / f"{key}-{tag}.xlsx"
        edit_workbook(jobs[key][0], dst, cells)
        jobs[f"{key}-{tag}"] = (dst, cfg2)
    inj_store = injection_store(tmp_path_factory.mktemp("inject"))
    inj_score = score_sector(inj_store, "vision", pd.Timestamp("2015-06-30"), cfg)
    jobs["inject"] = (report.write_memo(inj_score, cfg, inj_store, folder / "inject.xlsx"), cfg)
    out = report.convert_with_libreoffice([p for p, _ in jobs.values()], tmp_path_factory.mktemp("recalc"))
    return {key: (o, c, p) for (key, (p, c)), o in zip(jobs.items(), out)}


# --------------------------------------------------------------------------- LibreOffice: live formulas


@pytest.mark.parametrize("key", ["llm", "video", "vision2014", "handmade", "agents2026"])
def test_recalculated_scores_equal_python(recalculated, scores, key):
    """Expected: scoring.signals.timing.score on the same signals and config (the Python reference),
    via SectorScore.result; LibreOffice recomputes every formula on load."""
    path = recalculated[key][0]
    wb = load_workbook(path, data_only=True)
    res = scores[key].result
    for stage in STAGES:
        assert named(wb, f"score_{stage}") == pytest.approx(res.scores[stage], abs=TOL, rel=0)
    assert named(wb, "score_recommendation") == res.recommendation
    assert named(wb, "score_confidence") == pytest.approx(res.confidence, abs=TOL, rel=0)
    assert named(wb, "score_coverage") == pytest.approx(res.coverage, abs=TOL, rel=0)
    assert named(wb, "score_decision_probability") == pytest.approx(res.decision_probability, abs=TOL, rel=0)


@pytest.mark.parametrize("key", [f"{k}-{t}" for k, t in VARIANTS])
def test_changed_inputs_recalculate_as_python_with_that_config(recalculated, scores, cfg, key):
    """Change input cells (a weight with the stage's other weight re-summed, windows,
    min_sd, thresholds, rates), recalculate, and compare with scoring.signals.timing.score under
    the config changed the same way by config.set_value (the Python reference)."""
    path, cfg2, _ = recalculated[key]
    sig = scores[key.split("-")[0]].signals
    want = timing_score(sig.timing_inputs(cfg2), cfg2)
    wb = load_workbook(path, data_only=True)
    got = {stage: named(wb, f"score_{stage}") for stage in STAGES}
    for stage in STAGES:
        assert got[stage] == pytest.approx(want.scores[stage], abs=TOL, rel=0), stage
    assert named(wb, "score_recommendation") == want.recommendation
    assert named(wb, "score_confidence") == pytest.approx(want.confidence, abs=TOL, rel=0)
    assert named(wb, "score_decision_probability") == pytest.approx(want.decision_probability, abs=TOL, rel=0)





def test_no_cell_holds_an_error_after_recalculation(recalculated):
    for key, (path, _, _) in recalculated.items():
        assert error_cells(load_workbook(path, data_only=True)) == [], key


def test_formula_like_text_stays_text(recalculated, tmp_path):
    """Sector, model, system, source and note text that starts with =, +, -, @, tab or CR
    is stored as text (never a formula) and survives LibreOffice recalculation as text."""
    path, _, written = recalculated["inject"]
    wb = load_workbook(written)
    texts = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    assert not any(marker in str(c.value) for marker in ("HYPERLINK", "cmd", "SUM(1+1)", "=1+1")), (ws.title, c.coordinate, c.value)
                elif isinstance(c.value, str):
                    texts.add(c.value)
    wanted = {p for p in PAYLOADS.values() if p.startswith(FORMULA_PREFIXES)}
    assert wanted == set(PAYLOADS.values())
    wanted = {p.replace("\r", "\n") for p in wanted}  # a bare CR is stored as a line feed
    # CSV text cells are read without surrounding white space (the loader's rule), so the
    # graduation source arrives without its leading tab; it must still be there, as text
    wanted = {p.strip() if p == PAYLOADS["graduation_source"] else p for p in wanted}
    assert {p for p in wanted if any(t.startswith(p) for t in texts)} == wanted
    recalced = load_workbook(path, data_only=True)
    values = {c.value for ws in recalced.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert PAYLOADS["name"] in " ".join(values)  # shown as text, not evaluated to "click"
    assert "click" not in values


def test_pdf_rendering_has_every_sheet_and_chart_title(pdf_job):
    """Render with LibreOffice, read with pdftotext: each sheet's footer and each chart title appear."""
    need_tool("pdftotext", "poppler-utils")
    pdf = pdf_job.result()[0]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    tpl = report.load_template(report.find_template(None))
    pages = text.count("\f")
    assert pages >= len(tpl["sheets"])
    for spec in tpl["sheets"]:
        assert f"{spec['title']}, page" in text, spec["title"]
    titles = ["Stage scores (0-100)", "Capability vs human baseline", "Price of constant capability (log scale)",
              "Published seed-to-Series-A graduation rates", "Inference share of revenue", "Tornado: swing of the"]
    flat = " ".join(text.split())
    for title in titles:
        assert title in flat, title


