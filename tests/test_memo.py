"""Excel investment memos (scoring.report): layout, templates and safe writing.

The live-formula tests (LibreOffice recalculation, PDF rendering) are in
test_memo_libreoffice.py, which imports the helpers and fixtures defined here.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import zipfile

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from gapscore.models.capability import ThresholdForecast
from gapscore.scoring.report import memo as report
from gapscore.scoring.inputs.config import load_config, set_value
from gapscore.scoring.inputs.datasets import DataStore
from gapscore.scoring.errors import InputError, OutputExistsError
from gapscore.scoring.signals.scores import score_sector, score_signals
from gapscore.scoring.signals.sector import Traction
from gapscore.scoring.signals.timing import STAGES, score as timing_score

from conftest import write_mini

AS_OF = pd.Timestamp("2025-06-30")
ERRORS = ("#NAME?", "#VALUE!", "#DIV/0!", "#REF!", "#N/A", "#NUM!", "#NULL!", "Err:")
TOL = 1e-9

EDIT_WINDOWS_AND_SPREAD = {
    "stages.seed.weights.timing": 60.0,
    "stages.series_a.window_years": [1.5, 3.5],
    "milestone.min_sd_years": 1.2,
}
EDIT_THRESHOLDS_AND_RATES = {
    "milestone.capability_threshold": 0.9,
    "economics.target_share": 0.05,
    "graduation.good_rate": 0.3,
    "momentum.full_ratio": 3.0,
    "recommendation.min_score": 30.0,
    "signals.missing_value": 0.4,
    "capability_momentum.full_velocity": 0.2,
    "stages.series_b.weights.works_with_gaps": 50.0,
    "stages.seed.window_years": [2.0, 4.5],
}

VARIANTS = (("handmade", "windows"), ("handmade", "thresholds"), ("vision2014", "thresholds"), ("video", "windows"), ("llm", "windows"))
"""Memos whose inputs are edited: normal CDFs (hand-made), a forecast perfection (vision
2014), no capability (video), steps only (llm)."""

PAYLOADS = {
    "name": '=HYPERLINK("http://example.invalid","click")',
    "description": "+1+2 description that starts with a plus",
    "system": "=cmd|' /C calc'!A0",
    "capability_source": "@SUM(1+1) capability source",
    "benchmark_source": "-2+3 benchmark source",
    "model": "-1+1 model",
    "graduation_source": "\tTAB source =1+1",
    "cost_source": "\r=CR cost source",
}


# --------------------------------------------------------------------------- helpers


def need_tool(tool: str, package: str) -> None:
    if shutil.which(tool) is not None:
        return
    if os.environ.get("GAPSCORE_REQUIRE_LIBREOFFICE") == "1":
        pytest.fail(f"{tool} is required (GAPSCORE_REQUIRE_LIBREOFFICE=1) but not installed; install it with: "
                    f"apt-get install -y --no-install-recommends {package}")
    pytest.skip(f"{tool} not installed; set GAPSCORE_REQUIRE_LIBREOFFICE=1 to make this a failure")


def need_libreoffice() -> None:
    if report.find_soffice() is None:
        if os.environ.get("GAPSCORE_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail(f"LibreOffice is required (GAPSCORE_REQUIRE_LIBREOFFICE=1) but soffice is not installed; "
                        f"install it with: {report.LIBREOFFICE_INSTALL}")
        pytest.skip("LibreOffice (soffice) not installed; set GAPSCORE_REQUIRE_LIBREOFFICE=1 to make this a failure")


def named(wb, name: str):
    """The value of a defined name's cell."""
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return wb[sheet][ref.replace("$", "")].value


def config_cells(cfg: dict, key: str) -> dict[str, float]:
    """The input cells (defined names) that hold config ``key`` under ``cfg``."""
    parts = key.split(".")
    if parts[-1] == "window_years":
        w0, w1 = cfg["stages"][parts[1]]["window_years"]
        return {f"cfg_stages_{parts[1]}_window_start": w0, f"cfg_stages_{parts[1]}_window_end": w1}
    if parts[0] == "stages" and parts[2] == "weights":  # set_value re-sums the stage's weights
        return {f"cfg_stages_{parts[1]}_weights_{f}": w for f, w in cfg["stages"][parts[1]]["weights"].items()}
    node = cfg
    for p in parts:
        node = node[p]
    return {"cfg_" + key.replace(".", "_"): node}


def edited(cfg: dict, edits: dict) -> tuple[dict, dict[str, float]]:
    """The config after ``edits`` (config.set_value, as ``--config`` would) and the cells to change."""
    for key, value in edits.items():
        cfg = set_value(cfg, key, value)
    cells = {}
    for key in edits:
        cells.update(config_cells(cfg, key))
    return cfg, cells


def edit_workbook(src, dst, cells: dict[str, float]) -> None:
    wb = load_workbook(src)
    for name, value in cells.items():
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        wb[sheet][ref.replace("$", "")].value = float(value)
    wb.save(dst)


def error_cells(wb) -> list[tuple[str, str, object]]:
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "e" or (isinstance(c.value, str) and c.value.startswith(ERRORS)):
                    out.append((ws.title, c.coordinate, c.value))
    return out


def handmade_score(base, cfg):
    """Real llm_assistants signals with hand-set forecasts: future years, open intervals,
    a capped perfection, computed traction and funding momentum, so that every branch of
    the formulas (normal CDFs, open low/high, not in sight, both traction parts) is used."""
    sig = base.signals
    inf, nan = math.inf, math.nan
    horizon = sig.as_of_year + 30
    thresholds = (
        ThresholdForecast(0.7, 2023.9, 2023.9, 2023.9, True),
        ThresholdForecast(0.8, 2027.2, 2026.0, 2029.5, False),
        ThresholdForecast(0.9, 2028.4, nan, inf, False),
        ThresholdForecast(0.95, 2029.8, 2027.9, inf, False),
        ThresholdForecast(0.99, horizon, 2031.0, inf, False, True),
        ThresholdForecast(1.0, horizon, 2032.0, inf, False, True),
    )
    cap = dataclasses.replace(sig.capability, thresholds=thresholds, velocity_per_year=0.062)
    econ = {0.05: (2028.6, nan, inf, False), 0.1: (2026.4, 2025.9, 2027.8, False), 0.2: (2025.2, 2025.0, 2025.6, False)}
    sig = dataclasses.replace(sig, capability=cap, economics_by_target=econ, momentum_ratio=1.7, momentum_counts=(17, 10),
                              traction=Traction(0.41, 0.33, 0.5, 120.0, "computed", "hand-made cohort for the test"))
    return score_signals(sig, cfg)


def injection_store(tmp_path) -> DataStore:
    """The mini data set with formula-like text in every kind of text field."""
    folder = write_mini(tmp_path / "inject", {
        "sectors.toml": f"""
            [sectors.vision]
            name = '{PAYLOADS["name"]}'
            description = "{PAYLOADS["description"]}"
            benchmarks = ["toy_error"]
            round_categories = ["cv"]

            [sectors.vision.cost]
            benchmark = "toy_score"
            threshold = 50
            source = {json.dumps(PAYLOADS["cost_source"])}
        """,
        "benchmarks.csv": f"""
            benchmark,sector,metric,higher_is_better,human_baseline,floor,unit,scale,source
            toy_error,vision,top-5 error,false,5.0,99.5,error_percent,log,{PAYLOADS["benchmark_source"]}
            toy_score,vision,accuracy,true,90,25,percent,linear,hand-made
        """,
        "capability.csv": f"""
            benchmark,date,system,value,source
            toy_error,2010-06-01,a,28.0,hand-made
            toy_error,2011-06-01,"{PAYLOADS["system"].replace('"', '""')}",20.0,{PAYLOADS["capability_source"]}
            toy_error,2012-06-01,b,15.0,hand-made
            toy_error,2013-06-01,c,9.0,hand-made
            toy_error,2014-06-01,d,6.0,hand-made
        """,
        "prices.csv": f"""
            model,date,usd_per_mtok,provider,toy_score,verified,source
            {PAYLOADS["model"]},2012-01-01,100,p,55,true,hand-made
            m2,2013-01-01,10,p,60,true,hand-made
            m3,2014-01-01,1,p,52,true,hand-made
        """,
        "graduation.csv": f"""
            sector,cohort_start,cohort_end,from_round,to_round,window_months,rate,n,published,source,notes
            all,2008-01-01,2010-12-31,seed,series_a,,0.46,1098,2013-03-01,"{PAYLOADS["graduation_source"]}",=1+1 notes
        """,
    })
    return DataStore(folder, replace=True)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def cfg():
    return set_value(load_config(), "capability.n_boot", 40)  # fewer bootstrap draws: faster, same arithmetic


@pytest.fixture(scope="module")
def store():
    return DataStore()


@pytest.fixture(scope="module")
def scores(cfg, store):
    llm = score_sector(store, "llm_assistants", AS_OF, cfg)
    return {
        "llm": llm,
        "video": score_sector(store, "video_generation", AS_OF, cfg),
        "vision2014": score_sector(store, "computer_vision", pd.Timestamp("2014-06-30"), cfg),
        "handmade": handmade_score(llm, cfg),
        # no capability data, economics already viable: watch, never harvest
        "agents2026": score_sector(store, "computer_use_agents", pd.Timestamp("2026-11-26"), cfg),
    }


@pytest.fixture(scope="module")
def memos(scores, cfg, store, tmp_path_factory):
    """Full memos (every sheet) of three sectors."""
    folder = tmp_path_factory.mktemp("memos")
    return {key: report.write_memo(scores[key], cfg, store, folder / f"{key}.xlsx") for key in ("llm", "video", "handmade")}


def test_edits_move_the_scores(scores, cfg):
    """The edit sets are not idle: each changes the hand-made sector's scores in Python."""
    sig = scores["handmade"].signals
    base = timing_score(sig.timing_inputs(cfg), cfg).scores
    for edits in (EDIT_WINDOWS_AND_SPREAD, EDIT_THRESHOLDS_AND_RATES):
        cfg2, _ = edited(cfg, edits)
        moved = timing_score(sig.timing_inputs(cfg2), cfg2).scores
        assert max(abs(moved[s] - base[s]) for s in STAGES) > 1.0
    for stage in ("seed", "series_a", "series_b"):  # the normal-CDF path, not only 0/1 steps
        assert 0.0 < scores["handmade"].result.factors[f"{stage}.timing" if stage != "series_b" else "works_with_gaps"] < 1.0


# --------------------------------------------------------------------------- workbook content


def test_sheets_follow_the_template_and_are_valid_names(memos):
    tpl = report.load_template(report.find_template(None))
    wb = load_workbook(memos["llm"])
    assert wb.sheetnames == [s["title"] for s in tpl["sheets"]]
    for name in wb.sheetnames:
        assert report.sheet_name_problem(name) is None
        assert len(name) <= 31 and not set(name) & set("[]:*?/\\")


def test_every_live_setting_is_a_named_input_holding_the_config(memos, cfg):
    wb = load_workbook(memos["handmade"])
    keys = ["milestone.capability_threshold", "milestone.perfection_threshold", "milestone.min_sd_years",
            "economics.target_share", "graduation.good_rate", "momentum.full_ratio", "capability_momentum.full_velocity",
            "signals.missing_value", "recommendation.min_score",
            "stages.seed.window_years", "stages.series_a.window_years"]
    keys += [f"stages.{s}.weights.{f}" for s in STAGES for f in cfg["stages"][s]["weights"]]
    for key in keys:
        for name, value in config_cells(cfg, key).items():
            assert named(wb, name) == pytest.approx(value), name
    for name in ("score_seed", "score_series_a", "score_series_b", "score_growth", "score_recommendation"):
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        assert wb[sheet][ref.replace("$", "")].data_type == "f"


def test_formulas_use_only_excel_2007_functions(memos):
    """No function newer than Excel 2007 without its _xlfn. prefix (NORM.DIST, IFS, ...)."""
    import re

    allowed = {"IF", "AND", "OR", "NOT", "MIN", "MAX", "SUM", "INDEX", "MATCH", "ISNUMBER", "NORMSDIST", "LN", "ABS",
               "INT", "IFERROR", "ROUND", "CHOOSE"}
    wb = load_workbook(memos["handmade"])
    used = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    used |= set(re.findall(r"([A-Z][A-Z0-9.]*)\(", re.sub(r'"[^"]*"', "", c.value)))
    assert used <= allowed, used - allowed


def test_print_setup(memos):
    tpl = report.load_template(report.find_template(None))
    wb = load_workbook(memos["llm"])
    for spec in tpl["sheets"]:
        ws = wb[spec["title"]]
        assert ws.page_setup.orientation == "landscape"
        # an explicit scale that fits the columns to one page wide, and planned page breaks
        # (scoring.report.book.print_layout; test_print_layout renders them), not fit-to-page
        assert 55 <= ws.page_setup.scale <= 100
        assert not ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.freeze_panes == "A2"
        assert ws.column_dimensions["A"].width == pytest.approx(spec["column_widths"][0])


def test_funding_without_round_data_says_so(memos):
    wb = load_workbook(memos["llm"])
    text = " ".join(str(c.value) for row in wb["Funding"].iter_rows() for c in row if isinstance(c.value, str))
    assert "No funding-round data for this sector" in text
    assert "Published aggregates" in text


def test_sources_cite_datasets_with_licences(memos):
    wb = load_workbook(memos["llm"])
    text = " ".join(str(c.value) for row in wb["Sources"].iter_rows() for c in row if isinstance(c.value, str))
    for needle in ("capability", "prices", "CC-BY-SA-4.0", "Epoch AI", "OpenAI ChatGPT Plus list price"):
        assert needle in text, needle


# --------------------------------------------------------------------------- point in time


@settings(max_examples=3, deadline=None)
@given(days=st.integers(1, 4000), value=st.floats(1.0, 90.0), rate=st.floats(0.0, 1.0))
def test_rows_after_the_as_of_date_do_not_change_the_memo(tmp_path_factory, cfg, days, value, rate):
    """A memo as of D is byte-identical when rows dated (or published) after D are added."""
    as_of = pd.Timestamp("2013-06-30")
    later = (as_of + pd.Timedelta(days=days)).date().isoformat()
    base = write_mini(tmp_path_factory.mktemp("base"))
    grown = write_mini(tmp_path_factory.mktemp("grown"))
    extra = {
        "capability.csv": f"toy_error,{later},late,{min(value, 99.0)},hand-made\n",
        "prices.csv": f"late-model,{later},{value},p,{value},true,hand-made\n",
        "rounds.csv": f"c9,cv,seed,{later},1000000,hand-made\nc1,cv,series_b,{later},,hand-made\n",
        "graduation.csv": f"vision,2010-01-01,2011-12-31,seed,series_a,,{rate},10,,{later},hand-made\n",
    }
    for name, rows in extra.items():
        with open(grown / name, "a", encoding="utf-8") as fh:
            fh.write(rows)
    tpl = report.load_template(report.find_template(None))
    out = []
    for folder in (base, grown):
        store = DataStore(folder, replace=True)
        s = score_sector(store, "vision", as_of, cfg)
        out.append(report.build_memo(s, cfg, store, tpl, data_vintage="mini data"))
    assert out[0] == out[1]


# --------------------------------------------------------------------------- writing safely


def test_same_inputs_give_the_same_bytes_dated_by_as_of(scores, cfg, store, tmp_path):
    a = report.write_memo(scores["video"], cfg, store, tmp_path / "a.xlsx")
    b = report.write_memo(scores["video"], cfg, store, tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        core = z.read("docProps/core.xml").decode()
        assert {info.date_time for info in z.infolist()} == {(2025, 6, 30, 0, 0, 0)}
    assert "2025-06-30T00:00:00Z" in core and core.count("2025-06-30T00:00:00Z") == 2


def test_existing_file_is_not_replaced_without_force(scores, cfg, store, tmp_path):
    path = tmp_path / "memo.xlsx"
    path.write_bytes(b"keep me")
    with pytest.raises(OutputExistsError, match="already exists"):
        report.write_memo(scores["video"], cfg, store, path)
    assert path.read_bytes() == b"keep me"
    report.write_memo(scores["video"], cfg, store, path, force=True)
    assert zipfile.is_zipfile(path)


def test_a_failure_leaves_no_file_and_no_temporary(scores, cfg, store, tmp_path, monkeypatch):
    from gapscore.scoring.report import book as report_book

    def broken(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(report_book.Book, "save_bytes", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        report.write_memo(scores["video"], cfg, store, tmp_path / "memo.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_interrupted_write_keeps_the_old_file(scores, cfg, store, tmp_path, monkeypatch):
    """A failure after the temporary file is opened (inside atomic_write) leaves the old memo."""
    path = tmp_path / "memo.xlsx"
    report.write_memo(scores["video"], cfg, store, path)
    before = path.read_bytes()
    from pathlib import Path as _Path

    def fail(self, data):
        raise OSError("no space left on device")

    monkeypatch.setattr(_Path, "write_bytes", fail)
    with pytest.raises(OSError):
        report.write_memo(scores["video"], cfg, store, path, force=True)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["memo.xlsx"]


def test_memo_needs_an_xlsx_path(scores, cfg, store, tmp_path):
    with pytest.raises(InputError, match=r"\.xlsx suffix"):
        report.write_memo(scores["video"], cfg, store, tmp_path / "memo.xls")


def test_score_from_another_config_is_refused(scores, cfg, store, tmp_path):
    other = set_value(cfg, "stages.seed.weights.timing", 10.0)
    assert timing_score(scores["handmade"].signals.timing_inputs(other), other).scores != scores["handmade"].result.scores
    with pytest.raises(InputError, match="same config"):
        report.write_memo(scores["handmade"], other, store, tmp_path / "memo.xlsx")


def test_write_memos_writes_one_per_sector_and_reports_progress(scores, cfg, store, tmp_path):
    seen = []
    paths = report.write_memos([scores["video"], scores["vision2014"]], cfg, store, tmp_path / "out",
                               progress=lambda s, p: seen.append((s.sector, p.name)))
    assert [p.name for p in paths] == ["video_generation-memo-2025-06-30.xlsx", "computer_vision-memo-2014-06-30.xlsx"]
    assert seen == [("video_generation", paths[0].name), ("computer_vision", paths[1].name)]
    paths[1].unlink()
    with pytest.raises(OutputExistsError):  # checked before anything is written
        report.write_memos([scores["vision2014"], scores["video"]], cfg, store, tmp_path / "out")
    assert not paths[1].exists()


def test_missing_libreoffice_names_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setattr(report, "find_soffice", lambda: None)
    with pytest.raises(report.LibreOfficeError, match="apt-get install -y --no-install-recommends libreoffice-calc"):
        report.recalc_with_libreoffice(tmp_path / "x.xlsx", tmp_path / "out")


# --------------------------------------------------------------------------- templates


MINIMAL_TEMPLATE = """
[[sheets]]
kind = "scoring"
title = "Live scores"
heading = "Scores for {name} ({sector}) as of {as_of}"

[[sheets]]
kind = "summary"
title = "Answer"
text = ["Vintage: {data_vintage}"]
column_widths = [40, 12]
"""


def test_user_template_is_found_before_the_bundled_one(tmp_path, monkeypatch):
    monkeypatch.delenv(report.TEMPLATES_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert report.find_template(None) == report.BUNDLED_TEMPLATES / "memo.toml"
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "memo.toml").write_text(MINIMAL_TEMPLATE)
    assert report.find_template("memo") == tmp_path / "templates" / "memo.toml"
    env_dir = tmp_path / "env"
    env_dir.mkdir()
    (env_dir / "memo.toml").write_text(MINIMAL_TEMPLATE)
    monkeypatch.setenv(report.TEMPLATES_ENV, str(env_dir))
    assert report.find_template("memo") == env_dir / "memo.toml"
    first = tmp_path / "first"
    first.mkdir()
    (first / "memo.toml").write_text(MINIMAL_TEMPLATE)
    assert report.find_template("memo", [first]) == first / "memo.toml"
    assert report.find_template(str(env_dir / "memo.toml")) == env_dir / "memo.toml"


def test_unknown_template_lists_what_exists(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(report.TemplateError, match="no template named 'nope'.*available: .*memo"):
        report.find_template("nope")
    with pytest.raises(report.TemplateError, match="no such template file"):
        report.find_template(str(tmp_path / "missing.toml"))
    with pytest.raises(report.TemplateError, match="may only hold"):
        report.find_template("my memo!")


def test_user_template_orders_and_names_the_sheets(scores, cfg, store, tmp_path):
    tpl = tmp_path / "mine.toml"
    tpl.write_text(MINIMAL_TEMPLATE)
    path = report.write_memo(scores["video"], cfg, store, tmp_path / "m.xlsx", template=tpl, data_vintage="vendor export 2025-06")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Live scores", "Answer"]
    assert wb["Live scores"]["A1"].value == "Scores for Video generation (video_generation) as of 2025-06-30"
    assert wb["Answer"]["A2"].value == "Vintage: vendor export 2025-06"
    assert wb["Answer"].column_dimensions["A"].width == 40


def test_template_problems_are_reported_together(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("""
[colours]
heading = "navy"

[[sheets]]
kind = "summary"
title = "A very long sheet title that Excel refuses"

[[sheets]]
kind = "summary"
title = "Bad/name"

[[sheets]]
kind = "charts"
title = "Charts"
heading = "{nmae}"
colour = "red"
""")
    with pytest.raises(report.TemplateError) as exc:
        report.load_template(bad)
    message = str(exc.value)
    for needle in ("colours.heading", "at most 31", "forbids", "each sheet kind may appear once", "kind = 'charts'",
                   "unknown placeholder {nmae}", "colour is not a sheet setting", 'must include kind = "scoring"'):
        assert needle in message, needle
    assert len(message.splitlines()) >= 8


def test_bundled_template_is_valid():
    tpl = report.load_template(report.find_template(None))
    assert [s["kind"] for s in tpl["sheets"]] == list(report.SHEET_KINDS)


def _sheet_values(ws):
    return [[c for c in row] for row in ws.iter_rows(values_only=True)]


@pytest.mark.parametrize(("sector", "unit", "source"), [
    ("computer_vision", "USD per 1,000 images classified", "Google Cloud Vision"),
    ("speech_recognition", "USD per hour of audio transcribed", "Google Cloud Speech-to-Text"),
])
def test_vision_and_speech_memos_have_cost_and_economics_numbers_and_sources(tmp_path, sector, unit, source):
    """Issue 17: the compute-based cost curve and unit economics fill both sheets, with
    their inputs cited (Hernandez & Brown, the cloud list price)."""
    store, cfg = DataStore(), load_config()
    path = tmp_path / f"{sector}.xlsx"
    report.write_memo(score_sector(store, sector, AS_OF, cfg), cfg, store, path)
    wb = load_workbook(path)
    cost = [v for row in _sheet_values(wb["Cost"]) for v in row if v is not None]
    econ = [v for row in _sheet_values(wb["Economics"]) for v in row if v is not None]
    assert unit in cost and any(isinstance(v, str) and "Hernandez & Brown" in v for v in cost + econ)
    assert "price falls per year, fitted (x)" in cost and len(wb["Cost"]._charts) == 1
    assert any(isinstance(v, str) and source in v for v in econ)
    assert sum(isinstance(v, float) and 0 < v < 1e-3 for v in econ) > 10  # tiny costs shown as numbers
    assert len(wb["Economics"]._charts) == 1


def test_cost_sheet_projection_never_below_the_floor(tmp_path):
    """No price cell of the Cost sheet's projection table is below its floor column, and
    the table stops five years after the as-of date."""
    store, cfg = DataStore(), load_config()
    path = tmp_path / "code.xlsx"
    report.write_memo(score_sector(store, "code_assistants", AS_OF, cfg), cfg, store, path)
    rows = _sheet_values(load_workbook(path)["Cost"])
    top = next(i for i, r in enumerate(rows) if r and r[0] == "date" and "floor (electricity)" in r)
    header = rows[top]
    floor_col = header.index("floor (electricity)")
    price_cols = [header.index(h) for h in ("price over the data", "projected price", "low", "high")]
    price_cols += [i for i, h in enumerate(header) if isinstance(h, str) and h.startswith("scenario:")]
    body = [r for r in rows[top + 1:] if r and r[0] is not None and hasattr(r[0], "year")]
    assert body and body[-1][0].year == AS_OF.year + 5
    for r in body:
        for c in price_cols:
            if r[c] is not None:
                assert r[c] >= r[floor_col] * (1 - 1e-12)


def _legs_line(ws) -> tuple[int, str]:
    return next((c.row, c.value) for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("Legs: "))


def test_summary_opens_with_the_legs(memos, store):
    """The Summary says near its top which legs are measured, borrowed or missing: status
    from ``datasets.sector_legs``; detail from the data known on 2025-06-30 (llm: eci,
    gpqa_diamond, mmlu averaged, [cost] at mmlu, the AI Index generative-AI series mapped in
    sectors.toml; video: no benchmark with a human baseline, an economics anchor only)."""
    from gapscore.scoring.inputs.datasets import sector_legs

    assert sector_legs(store, "llm_assistants") == {"capability": "measured", "cost": "measured", "funding": "measured"}
    row, line = _legs_line(load_workbook(memos["llm"])["Summary"])
    assert row <= 6  # under the heading and its text, above the answer
    assert line == ("Legs: capability measured (3 benchmarks), cost measured (price series at mmlu), "
                    "funding measured (series aiindex_generative_ai_world).")
    assert sector_legs(store, "video_generation")["capability"] == "none"
    row, line = _legs_line(load_workbook(memos["video"])["Summary"])
    assert row <= 6
    assert line.startswith("Legs: capability none (no benchmark with a human baseline), cost borrowed (a published cost anchor, no price series), funding measured")


def test_legs_of_a_sector_without_funding_name_the_reason(tmp_path):
    """Computer vision maps no funding series (sectors.toml gives the reason, first clause
    on the line) and lists no round categories: funding none; cost is the compute curve."""
    store, cfg = DataStore(), load_config()
    path = report.write_memo(score_sector(store, "computer_vision", AS_OF, cfg), cfg, store, tmp_path / "cv.xlsx")
    _, line = _legs_line(load_workbook(path)["Summary"])
    # 9 members in sectors.toml: the 7 of 2025 plus MMMU (2023-) and GQA (2019-2021), added in session 5
    assert line == ("Legs: capability measured (9 benchmarks), cost measured (compute-based), "
                    "funding none (no bundled series covers vision alone).")


def test_legs_line_is_point_in_time(tmp_path):
    """A sector whose only benchmark results are dated after the as-of date has no measured
    capability on that date (the rows arrive later: the line must not know them). Reference:
    sector_legs over every row says measured; as of 2014-06-30 computer_use_agents' member
    benchmarks (osworld, metr_horizon_osworld: first result dated 2023-11-06) have none yet."""
    from gapscore.scoring.inputs.datasets import sector_legs
    from gapscore.scoring.signals.evidence import legs_detail

    store, cfg = DataStore(), load_config()
    as_of = pd.Timestamp("2014-06-30")
    assert sector_legs(store, "computer_use_agents")["capability"] == "measured"
    assert sector_legs(store, "computer_use_agents", as_of)["capability"] == "none"
    legs = legs_detail(store, score_sector(store, "computer_use_agents", as_of, cfg))
    assert legs["capability"] == ("none", "no result known on the as-of date")


EMU_PER_POINT = 12_700  # Office Open XML: 914,400 EMU an inch, 72 points an inch


def chart_overlaps(ws) -> list[tuple[str, int, str]]:
    """Cells written where a chart is drawn or in the empty row kept under it: for every
    chart, its anchor row and column and its height (EMU) as stored in the file, the rows'
    heights as stored (an unset row at the default the print layout gives it)."""
    from gapscore.scoring.report.book import CHART_GAP_ROWS, LINE_HEIGHT_PT

    found = []
    for chart in ws._charts:
        start = chart.anchor._from
        first, col = start.row + 1, start.col + 1
        bottom = chart.anchor.ext.height / EMU_PER_POINT  # points below the anchor row's top
        r, top = first, 0.0
        while top < bottom:  # rows the chart reaches into
            top += ws.row_dimensions[r].height or LINE_HEIGHT_PT
            r += 1
        for row in range(first, r + CHART_GAP_ROWS):
            for cell in ws[row][col - 1:]:
                if cell.value is not None:
                    found.append((ws.title, row, cell.coordinate))
    return found


def test_no_chart_covers_a_written_cell(tmp_path):
    """Issue: the Capability chart's legend lay over the 'Sector curve' title and the first
    rows beneath (23 rows kept for an 11 cm chart, 312 pt, that needs 24 of 13 pt). Every
    chart of the vision memo (Summary, Capability, Cost, Funding, Economics, Sensitivity)
    now keeps its rows and one empty row clear of every written cell."""
    store, cfg = DataStore(), load_config()
    path = tmp_path / "vision.xlsx"
    report.write_memo(score_sector(store, "computer_vision", AS_OF, cfg), cfg, store, path)
    wb = load_workbook(path)
    charted = [ws.title for ws in wb.worksheets if ws._charts]
    assert {"Summary", "Capability", "Cost", "Funding", "Economics", "Sensitivity"} <= set(charted)
    assert [o for ws in wb.worksheets for o in chart_overlaps(ws)] == []
