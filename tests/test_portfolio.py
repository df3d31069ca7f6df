"""gapscore portfolio build / review: the glue, the workbooks and the commands.

The fund model itself (allocate, simulate_fund) is tested in test_portfolio_model.py;
here the expected numbers come from hand-worked cases written out in each docstring
and, for the one-stage fund, the binomial distribution (scipy.stats.binom) as an
independent calculation. CLI tests score one cheap bundled sector
(speech_recognition) with small --sims so the file stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from gapscore.models.portfolio import STAGES, SimulationParams
from gapscore.scoring.inputs import config as config_mod
from gapscore.scoring.cli import main
from gapscore.scoring.inputs.datasets import DataStore
from gapscore.scoring.errors import ConfigError, OutputExistsError
from gapscore.scoring.portfolio.builder import (
    SIGNALS,
    build_from_scores,
    config_comments,
    review_holdings,
    sector_graduation_from_data,
    settings_from_config,
)
from gapscore.scoring.report.portfolio_book import (
    build_workbook_bytes,
    write_build_workbook,
    write_review_workbook,
)

from conftest import write_mini

AS_OF = pd.Timestamp("2024-06-30")
INJECTION = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB"]
"""Text a spreadsheet would run as a formula (OWASP CSV injection prefixes)."""


def cfg_with(**values) -> dict:
    """The default config with dotted ``portfolio.*`` keys replaced."""
    cfg = config_mod.set_values(config_mod.load_config(),
                                {f"portfolio.{key.replace('__', '.')}": value for key, value in values.items()})
    assert config_mod.check(cfg, "test") == []
    return cfg


def scores_frame(rows: list[tuple]) -> pd.DataFrame:
    """(sector, stage, score, measured, recommendation) rows as from stage_scores."""
    frame = pd.DataFrame(rows, columns=["sector", "stage", "score", "measured", "recommendation"])
    frame["name"] = frame["sector"]
    frame["confidence"] = 1.0
    return frame[["sector", "name", "stage", "score", "measured", "recommendation", "confidence"]]


def one_stage_settings(sims: int = 4000, seed: int = 1):
    """$10M fund, no reserve, two $5M growth checks; exit at 2x with probability 0.5, else 0."""
    cfg = cfg_with(
        fund_size_usd=10e6, reserve_ratio=0.0, max_sector_share=1.0, min_score=50.0, sims=sims, seed=seed,
        sector_rho=0.0,
        stage_mix__seed=0.0, stage_mix__series_a=0.0, stage_mix__series_b=0.0, stage_mix__growth=1.0,
        check_size_usd__growth=5e6,
        graduation__growth=0.5, mna_share__growth=0.0,
        success_exit__median=2.0, success_exit__sigma=0.0, success_exit__tail_share=0.0,
    )
    return settings_from_config(cfg)


def one_stage_build(sector: str = "alpha", **kw):
    scores = scores_frame([(sector, "growth", 80.0, True, "growth")])
    return build_from_scores(scores, one_stage_settings(**kw), as_of=AS_OF)


# --------------------------------------------------------------------------- settings


def test_default_config_is_the_models_sourced_constants():
    """Independent check: defaults.toml's [portfolio] rebuilds exactly SimulationParams(),
    whose defaults are the named, cited constants of models/portfolio.py."""
    s = settings_from_config(config_mod.load_config())
    assert s.params == SimulationParams()
    assert s.reserve_usd == s.fund_size_usd * s.reserve_ratio
    table = s.assumptions()
    assert (table["source"].str.len() > 20).all(), table[table["source"].str.len() <= 20]
    assert set(table["origin"]) == {"default", "derived"}


def test_config_comments_attach_to_keys():
    text = "# intro\n[t]\n# table note\n\na = 1\n# b's own\nb = 2\nc = 3\n[u]\nd = 4\n"
    assert config_comments(text) == {"t.a": "", "t.b": "b's own", "t.c": "", "u.d": ""}
    text = "[t]\n# first\na = 1\nb = 2\n"
    assert config_comments(text) == {"t.a": "first", "t.b": "first"}


def test_settings_reject_bad_values_one_line_each():
    """The portfolio's own rules (the mode, the follow-on stages, the mix's sum) are the
    config's: a config that breaks them is refused when it is made, one line each."""
    cfg = config_mod.load_config()
    with pytest.raises(ConfigError) as err:
        config_mod.set_values(cfg, {"portfolio.stage_mix.seed": 0.5, "portfolio.sector_graduation": "sometimes",
                                    "portfolio.follow_on_stages": ["seed"]}, origin="test")
    assert str(err.value).splitlines() == [
        'test: portfolio.follow_on_stages = [\'seed\']: must be a list of strings from series_a, series_b, growth',
        'test: portfolio.sector_graduation = \'sometimes\': must be "none" or "data"',
        "test: portfolio.stage_mix = {'seed': 0.5, 'series_a': 0.25, 'series_b': 0.25, 'growth': 0.2}: "
        "must sum to 1 (they sum to 1.2); give every stage, zeros included",
    ]
    with pytest.raises(ConfigError, match=r"^command line: portfolio.sims = 30000000: must be between 1 and 2e\+07$"):
        settings_from_config(config_mod.load_config(), sims=30_000_000)


def test_overrides_are_recorded_with_their_origin():
    s = settings_from_config(cfg_with(reserve_ratio=0.5), fund_size_usd=1e8, seed=3)
    table = s.assumptions().set_index("parameter")
    assert table.loc["portfolio.fund_size_usd", "origin"] == "command line"
    assert table.loc["portfolio.reserve_ratio", "origin"] == "configuration"
    assert table.loc["portfolio.reserve_ratio", "source"].startswith("set by the configuration (default 0.4)")
    assert table.loc["portfolio.reserve_usd", "value"] == "50000000"  # 1e8 x 0.5
    assert (s.fund_size_usd, s.seed, s.reserve_usd) == (1e8, 3, 5e7)


# --------------------------------------------------------------------------- build


def test_one_stage_fund_matches_the_binomial_closed_form():
    """Two $5M growth checks in a $10M fund, no reserve, rho 0. Each company exits at
    exactly 2x with probability 0.5 and is otherwise worth nothing (mna_share 0), so
    TVPI = 2 * B / 2 = B with B ~ Binomial(2, 0.5): P(0) = 0.25, P(1) = 0.5, P(2) = 0.25.
    Hence mean 1, P(TVPI >= 1) = 0.75, P(>= 3) = 0, median exactly 1, and the loss
    ratio (share of capital in companies below 1x) has mean 0.5. Tolerances: four
    standard errors at 4,000 funds."""
    result = one_stage_build(sims=4000)
    funded = result.funded()
    assert funded[["sector", "stage", "companies", "capital_usd"]].to_dict("records") == [
        {"sector": "alpha", "stage": "growth", "companies": 2, "capital_usd": 10e6}
    ]
    o = result.outcome
    binom = stats.binom(2, 0.5)
    tvpi = np.arange(3)  # TVPI equals the number of exits
    mean, sd = binom.mean(), binom.std()
    assert abs(o.mean - mean) < 4 * sd / np.sqrt(4000)
    p1 = binom.sf(0)  # P(B >= 1)
    assert abs(o.prob_tvpi_at_least[1.0] - p1) < 4 * np.sqrt(p1 * (1 - p1) / 4000)
    assert o.prob_tvpi_at_least[3.0] == 0.0
    assert o.p50 == 1.0
    assert abs(o.loss_ratio - 0.5) < 4 * np.sqrt(0.125 / 4000)  # loss share (2 - B) / 2 has variance 0.125
    hist = result.histogram().set_index("bin")["share"]
    for value, p in zip(tvpi, binom.pmf(tvpi), strict=True):
        label = {0: "0-0.25x", 1: "1-1.5x", 2: "2-3x"}[int(value)]
        assert abs(hist[label] - p) < 4 * np.sqrt(p * (1 - p) / 4000)
    assert hist.sum() == pytest.approx(1.0)


def test_same_seed_same_json_and_seed_matters():
    a = json.dumps(one_stage_build(seed=5, sims=2000).as_dict(), default=str)
    b = json.dumps(one_stage_build(seed=5, sims=2000).as_dict(), default=str)
    c = json.dumps(one_stage_build(seed=6, sims=2000).as_dict(), default=str)
    assert a == b
    assert a != c


def test_unmeasured_stage_gets_no_capital_and_says_why():
    """Hand-worked: $10M fund, no reserve, seed only, $1M checks, min score 50.
    'sure' scores 80 on measured timing: it takes all $10M (10 companies). 'guess'
    scores 90 on the missing-data value: nothing, whatever its score."""
    cfg = cfg_with(fund_size_usd=10e6, reserve_ratio=0.0, max_sector_share=1.0, sims=100,
                   stage_mix__seed=1.0, stage_mix__series_a=0.0, stage_mix__series_b=0.0, stage_mix__growth=0.0,
                   check_size_usd__seed=1e6)
    scores = scores_frame([("sure", "seed", 80.0, True, "seed"), ("guess", "seed", 90.0, False, "watch")])
    result = build_from_scores(scores, settings_from_config(cfg), as_of=AS_OF)
    rows = result.allocation.set_index("sector")
    assert rows.loc["sure", "companies"] == 10 and rows.loc["sure", "capital_usd"] == 10e6
    assert rows.loc["guess", "companies"] == 0
    assert rows.loc["guess", "reason"] == (
        "seed score 90; not eligible: the timing of the sector's milestone could not be measured, "
        "so the score rests on the missing-data value"
    )


def test_nothing_placed_means_nothing_simulated():
    """Every score at or below the minimum: no company, the whole initial capital of
    each stage with a positive mix is unplaced ($200M x 0.6 x mix), tvpi is null."""
    scores = scores_frame([("a", s, 10.0, True, "watch") for s in STAGES])
    result = build_from_scores(scores, settings_from_config(config_mod.load_config()), as_of=AS_OF)
    d = result.as_dict()
    assert result.outcome is None and d["tvpi"] is None and d["prob_tvpi_at_least"] is None
    assert d["unplaced_usd"] == pytest.approx({"seed": 36e6, "series_a": 30e6, "series_b": 30e6, "growth": 24e6})
    assert d["companies"] == 0 and d["placed_usd"] == 0.0


def test_sector_graduation_from_data_is_point_in_time(tmp_path):
    """Seed rates come from the traction the score rests on (already chosen under the
    traction rules), and only a sector's own: "vision" published 0.60, "chat" computed
    0.30, "robots" rests on a market-wide rate and gets the default. Series A to B: the
    latest row known on the date that describes a population. Hand-made graduation.csv,
    as of 2024-06-30: vision A->B 0.40 (2022) is known, 0.50 (published 2025) is not yet,
    and a top-performer row (0.90, 2023) is a benchmark, never used."""
    grad = """
        sector,cohort_start,cohort_end,from_round,to_round,window_months,rate,n,population,published,source
        all,2008-01-01,2010-12-31,seed,series_a,,0.46,1098,,2017-03-01,market
        vision,2015-01-01,2016-12-31,series_a,series_b,,0.40,,,2022-01-01,old study
        vision,2018-01-01,2019-12-31,series_a,series_b,,0.90,,top_performers,2023-01-01,good firms
        vision,2018-01-01,2019-12-31,series_a,series_b,,0.50,,,2025-01-01,future study
    """
    store = DataStore(write_mini(tmp_path / "d", {"graduation.csv": grad}), replace=True)
    results = [SimpleNamespace(sector="vision", signals=SimpleNamespace(traction=SimpleNamespace(
                   origin="published", population="sector", rate=0.6, source="new study"))),
               SimpleNamespace(sector="chat", signals=SimpleNamespace(traction=SimpleNamespace(
                   origin="computed", population="sector", rate=0.3, source="rounds.csv"))),
               SimpleNamespace(sector="robots", signals=SimpleNamespace(traction=SimpleNamespace(
                   origin="published", population="market", rate=0.46, source="market")))]
    rows = sector_graduation_from_data(store, results, AS_OF)
    assert rows[["sector", "stage", "probability"]].to_dict("records") == [
        {"sector": "vision", "stage": "seed", "probability": 0.60},
        {"sector": "vision", "stage": "series_a", "probability": 0.40},
        {"sector": "chat", "stage": "seed", "probability": 0.3},
    ]
    assert rows["source"].iloc[1] == "published 2022-01-01: old study"
    s = settings_from_config(config_mod.load_config()).with_sector_graduation(rows)
    assert s.params.graduation_for("vision", "seed") == 0.60
    assert s.params.graduation_for("robots", "seed") == s.params.graduation_for("all", "seed")  # the default
    assert (s.assumptions()["origin"] == "data").sum() == 3


# --------------------------------------------------------------------------- review

REVIEW_SCORES = scores_frame(
    [("hot", s, v, True, "series_a") for s, v in zip(STAGES, (40.0, 70.0, 60.0, 20.0), strict=True)]
    + [("cold", s, v, True, "watch") for s, v in zip(STAGES, (45.0, 30.0, 10.0, 5.0), strict=True)]
    + [("done", s, v, True, "harvest") for s, v in zip(STAGES, (0.0, 10.0, 30.0, 90.0), strict=True)]
    + [("blind", s, v, False, "watch") for s, v in zip(STAGES, (50.0, 67.0, 63.0, 63.0), strict=True)]
)

HOLDINGS = pd.DataFrame(
    [
        ("h1", "hot", "seed", 1e6, "2023-01-01"),
        ("h2", "cold", "seed", 2e6, "2023-01-01"),
        ("h3", "done", "series_a", 3e6, "2022-01-01"),
        ("h4", "blind", "seed", 1e6, "2023-05-01"),
        ("h5", "hot", "series_b", 1e6, "2021-01-01"),
        ("h6", "hot", "growth", 1e6, "2020-01-01"),
        ("multi", "hot", "seed", 0.5e6, "2022-01-01"),
        ("multi", "hot", "series_a", 0.5e6, "2024-01-01"),
        ("late", "cold", "seed", 9e6, "2024-07-01"),
    ],
    columns=["company", "sector", "stage", "invested_usd", "date"],
)


def test_review_signals_worked_by_hand():
    """Min score 50, follow-ons into series_a and series_b (the defaults).

    - h1 hot seed: next round Series A scores 70 (> 50, measured) -> follow on
    - h2 cold seed: next round Series A scores 30 (<= 50) -> hold
    - h3 done: the sector is at harvest -> prepare exit
    - h4 blind seed: Series A 67 rests on the missing-data value -> hold
    - h5 hot series_b: next round growth, not a follow-on stage -> hold
    - h6 hot growth: next step is an exit, sector not at harvest -> hold
    - multi: seed + Series A rows -> at Series A, $1M; next B scores 60 -> follow on
    - late: dated 2024-07-01, after the as-of date -> ignored
    """
    review = review_holdings(HOLDINGS, REVIEW_SCORES, settings_from_config(config_mod.load_config()), as_of=AS_OF)
    got = review.holdings.set_index("company")
    assert got["signal"].to_dict() == {
        "h1": "follow on", "h2": "hold", "h3": "prepare exit", "h4": "hold", "h5": "hold", "h6": "hold",
        "multi": "follow on",
    }
    assert review.ignored == 1
    assert got.loc["multi", "stage"] == "series_a" and got.loc["multi", "invested_usd"] == 1e6
    assert got.loc["multi", "next_score"] == 60.0
    assert got.loc["h1", "reason"] == (
        "the sector's Series A score is 70, above 50: the company's next round falls in the sector's "
        "window, so use the reserve pro rata"
    )
    assert got.loc["h2", "reason"] == (
        "the sector's Series A score is 30, at or below 50: the next round is not in the sector's window "
        "(recommendation watch)"
    )
    assert got.loc["h5", "reason"] == "the fund does not follow on into growth rounds (portfolio.follow_on_stages)"
    assert set(got["signal"]) <= set(SIGNALS)
    # Exposure: $10M invested in total (late ignored); hot seed $1M = 10%, hot Series A $1M (multi) = 10%.
    exp = review.exposure.set_index(["sector", "stage"])
    assert exp["invested_usd"].sum() == 10e6
    assert exp.loc[("hot", "seed"), "share"] == pytest.approx(0.1)
    assert exp.loc[("done", "series_a"), "timing"] == "past its window (harvest)"
    assert exp.loc[("hot", "series_a"), "timing"] == "in window"  # Series A scores 70
    assert exp.loc[("cold", "seed"), "timing"] == "outside window"  # seed scores 45
    assert exp.loc[("blind", "seed"), "timing"] == "not measured"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(
    st.tuples(st.sampled_from(["h1", "h2", "multi", "new"]), st.sampled_from(STAGES),
              st.floats(1e3, 1e8), st.integers(1, 3000)),
    max_size=6,
))
def test_review_ignores_holdings_dated_after_as_of(extra):
    """Point in time: investments dated after as_of (even later rounds of a held
    company) change neither the signals nor the exposure, only the ignored count."""
    cfg = settings_from_config(config_mod.load_config())
    sector = {"h1": "hot", "h2": "cold", "multi": "hot", "new": "done"}
    later = pd.DataFrame(
        [(c, sector[c], s, v, (AS_OF + pd.Timedelta(days=d)).date().isoformat()) for c, s, v, d in extra],
        columns=HOLDINGS.columns,
    )
    base = review_holdings(HOLDINGS, REVIEW_SCORES, cfg, as_of=AS_OF)
    more = review_holdings(pd.concat([HOLDINGS, later], ignore_index=True), REVIEW_SCORES, cfg, as_of=AS_OF)
    pd.testing.assert_frame_equal(base.holdings, more.holdings)
    pd.testing.assert_frame_equal(base.exposure, more.exposure)
    assert more.ignored == base.ignored + len(extra)


# --------------------------------------------------------------------------- workbooks


def _formula_cells(wb) -> list[str]:
    return [f"{ws.title}!{c.coordinate}" for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_build_workbook_sheets_chart_text_and_determinism(tmp_path):
    """Reopened with openpyxl: the three sheets, a bar chart on Outcomes, no formula
    anywhere, an injection-looking sector id kept as text; same inputs, same bytes,
    dated by the as-of date, not the clock."""
    result = one_stage_build(sector=INJECTION[0], sims=500)
    path = write_build_workbook(result, tmp_path / "p.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Allocation", "Outcomes", "Assumptions"]
    assert len(wb["Outcomes"]._charts) == 1
    assert type(wb["Outcomes"]._charts[0]).__name__ == "BarChart"
    assert _formula_cells(wb) == []
    cells = [c for row in wb["Allocation"].iter_rows() for c in row if c.value == INJECTION[0]]
    assert cells and all(c.data_type == "s" for c in cells)
    params = {r[0].value: r[1].value for r in wb["Assumptions"].iter_rows() if r[0].value}
    assert params["portfolio.seed"] == "1" and params["portfolio.reserve_ratio"] == "0"
    assert wb.properties.created == AS_OF.to_pydatetime() == wb.properties.modified
    assert build_workbook_bytes(result) == path.read_bytes()


def test_review_workbook_keeps_injection_text(tmp_path):
    names = INJECTION
    holdings = pd.DataFrame({"company": names, "sector": "hot", "stage": "seed", "invested_usd": 1e6,
                             "date": "2023-01-01"})
    review = review_holdings(holdings, REVIEW_SCORES, settings_from_config(config_mod.load_config()), as_of=AS_OF)
    path = write_review_workbook(review, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Holdings", "Exposure"]
    assert _formula_cells(wb) == []
    found = {c.value: c.data_type for row in wb["Holdings"].iter_rows() for c in row if c.value in names}
    assert found == {n: "s" for n in names}


def test_workbook_never_overwrites_without_force(tmp_path):
    target = tmp_path / "p.xlsx"
    target.write_text("keep me")
    result = one_stage_build(sims=100)
    with pytest.raises(OutputExistsError):
        write_build_workbook(result, target)
    assert target.read_text() == "keep me"
    write_build_workbook(result, target, force=True)
    assert openpyxl.load_workbook(target).sheetnames[0] == "Allocation"


# --------------------------------------------------------------------------- CLI

CLI_BUILD = ["portfolio", "build", "--as-of", "2019-12-31", "--sector", "speech_recognition", "--sims", "2000",
             "--seed", "11", "--fund-size", "100e6", "--format", "json"]


@pytest.fixture(scope="module")
def open_config(tmp_path_factory) -> Path:
    """min_score 0, so every measured stage of the one scored sector takes capital."""
    path = tmp_path_factory.mktemp("cfg") / "open.toml"
    path.write_text("[portfolio]\nmin_score = 0.0\n")
    return path


def test_cli_build_json_keys_and_same_seed(runner, open_config, tmp_path):
    out = tmp_path / "fund.xlsx"
    first = runner.invoke(main, ["--config", str(open_config), *CLI_BUILD, "-o", str(out)])
    assert first.exit_code == 0, first.output
    assert first.stderr.endswith(f"wrote {out}\n")
    second = runner.invoke(main, ["--config", str(open_config), *CLI_BUILD])
    assert second.exit_code == 0, second.output
    assert first.stdout == second.stdout
    d = json.loads(first.stdout)
    for key in ("allocation", "tvpi", "prob_tvpi_at_least", "loss_ratio", "sims", "seed", "as_of", "fund_size_usd"):
        assert key in d
    assert (d["sims"], d["seed"], d["as_of"], d["fund_size_usd"]) == (2000, 11, "2019-12-31", 100e6)
    assert d["reserve_usd"] == 40e6  # 100e6 x reserve_ratio 0.4
    assert set(d["tvpi"]) >= {"p5", "p25", "p50", "p75", "p95", "mean"}
    assert set(d["prob_tvpi_at_least"]) == {"1", "3", "5"}
    assert {"sector", "stage", "companies", "capital_usd", "reason"} <= set(d["allocation"][0])
    assert sum(r["companies"] for r in d["allocation"]) == d["companies"] > 0
    assert d["tvpi"]["p5"] <= d["tvpi"]["p50"] <= d["tvpi"]["p95"]
    origins = {a["parameter"]: a["origin"] for a in d["assumptions"]}
    assert origins["portfolio.min_score"] == "configuration" and origins["portfolio.sims"] == "command line"
    assert openpyxl.load_workbook(out).sheetnames == ["Allocation", "Outcomes", "Assumptions"]


def test_cli_build_refuses_to_overwrite_before_any_work(runner, tmp_path):
    out = tmp_path / "fund.xlsx"
    out.write_text("keep me")
    result = runner.invoke(main, ["portfolio", "build", "--as-of", "2019", "-o", str(out)])
    assert result.exit_code == 1
    assert result.stderr == f"error: {out}: already exists; pass --force to replace it or choose another path with -o\n"
    assert out.read_text() == "keep me"


def test_cli_build_bad_settings_are_one_line_each(runner, tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[portfolio]\nsector_graduation = "maybe"\n[portfolio.stage_mix]\nseed = 0.9\n')
    result = runner.invoke(main, ["--config", str(cfg), "portfolio", "build", "--as-of", "2019"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f'error: {cfg}: portfolio.sector_graduation = \'maybe\': must be "none" or "data"',
        f"error: {cfg}: portfolio.stage_mix = {{'seed': 0.9, 'series_a': 0.25, 'series_b': 0.25, 'growth': 0.2}}: "
        "must sum to 1 (they sum to 1.6); give every stage, zeros included",
        "2 problem(s) found.",
    ]


def test_cli_review_bad_holdings_every_problem_located(runner, tmp_path):
    path = tmp_path / "holdings.csv"
    path.write_text(
        "company,sector,stage,invested_usd,date\n"
        "a,nowhere,seed,100,2019-01-01\n"
        "b,speech_recognition,seedling,-5,2019-13-01\n"
        "c,speech_recognition,seed,100,2019-01-01\n"
        "c,video_generation,seed,100,2019-02-01\n"
    )
    result = runner.invoke(main, ["portfolio", "review", str(path), "--as-of", "2019"])
    assert result.exit_code == 1
    known = ("autonomous_driving, code_assistants, computer_use_agents, computer_vision, drug_discovery, "
             "language_understanding, llm_assistants, machine_translation, math_science_assistants, "
             "medical_imaging, robotics, speech_recognition, video_generation, video_understanding, web_agents")
    assert result.stderr.splitlines() == [
        f"error: {path}:2: column sector: unknown sector 'nowhere'; choose one of {known} (see 'gapscore sectors')",
        f"error: {path}:3: column date: value '2019-13-01' is not a date; write it as YYYY-MM-DD",
        f"error: {path}:3: column invested_usd: value -5.0 must be greater than 0",
        f"error: {path}:3: column stage: value 'seedling' must be one of ['seed', 'series_a', 'series_b', 'growth']",
        f"error: {path}:5: column sector: company 'c' is in sector 'speech_recognition' on line 4; give each company one sector",
        "5 problem(s) found.",
    ]


def test_cli_review_json(runner, tmp_path):
    """Signals follow the rules whatever the scores are: a harvest sector means
    'prepare exit'; a row dated after --as-of is ignored and said so on stderr."""
    path = tmp_path / "holdings.csv"
    path.write_text(
        "company,sector,stage,invested_usd,date\n"
        "Vox,speech_recognition,seed,1500000,2016-03-01\n"
        "Vox,speech_recognition,series_a,3000000,2018-06-01\n"
        "Later,speech_recognition,seed,1000000,2020-01-01\n"
    )
    result = runner.invoke(main, ["portfolio", "review", str(path), "--as-of", "2019-12-31", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert result.stderr == "ignored 1 investment(s) dated after 2019-12-31\n"
    d = json.loads(result.stdout)
    assert d["as_of"] == "2019-12-31" and d["ignored_after_as_of"] == 1
    (row,) = d["holdings"]
    assert (row["company"], row["stage"], row["invested_usd"]) == ("Vox", "series_a", 4.5e6)
    assert row["signal"] in SIGNALS
    assert (row["signal"] == "prepare exit") == (row["recommendation"] == "harvest")
    (exposure,) = d["exposure"]
    assert exposure["share"] == 1.0 and exposure["companies"] == 1
