"""The memo is a view of one SectorEvidence: the figures it shows equal, cell by cell,
what ``gapscore explain --format json`` returns for the same sector, date and config.

Reference: the JSON of ``explain`` (computed by ``evidence.sector_evidence``), against
the workbook ``gapscore memo`` writes, read back with openpyxl; both through the CLI.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from openpyxl import load_workbook

from gapscore.scoring.cli import main
from gapscore.scoring.output import round_machine
from gapscore.scoring.stage_model import STAGES

from conftest import write_mini

CHEAP = "[capability]\nn_boot = 40\n"
ROUNDS = """company,category,round,date,amount_usd,source
c1,cv,seed,2010-01-01,1000000,hand-made
c1,cv,series_a,2011-01-01,5000000,hand-made
c2,cv,seed,2010-06-01,,hand-made
c3,software,seed,2011-01-01,500000,hand-made
c4,cv,seed,2013-06-01,800000,hand-made
"""
"""The mini rounds and one 2013 seed round, so the round data runs past the 2010 cohort's window."""


def table_below(ws, headers: list[str]) -> list[list]:
    """The rows of the table whose header row starts with ``headers`` (until column A is empty)."""
    for row in ws.iter_rows():
        if ["" if c.value is None else c.value for c in row[:len(headers)]] == headers:
            out, r = [], row[0].row + 1
            while ws.cell(row=r, column=1).value is not None:
                out.append([ws.cell(row=r, column=j).value for j in range(1, len(headers) + 1)])
                r += 1
            return out
    raise AssertionError(f"no table headed {headers} on {ws.title}")


def same(cell, value) -> bool:
    """A cell equals a JSON value: numbers exactly once rounded as JSON rounds them
    (``output.round_machine``), dates by ISO day, empties as None."""
    if value is None:
        return cell is None or cell == ""
    if hasattr(cell, "date") and isinstance(value, str):
        return cell.date().isoformat() == value[:10]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return isinstance(cell, (int, float)) and round_machine(float(cell)) == value
    return cell == value


def run(runner, args):
    result = runner.invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    """(JSON, workbook) for a bundled sector (frontier, sensitivity) and the mini data (graduation)."""
    from click.testing import CliRunner

    runner = CliRunner()
    folder = tmp_path_factory.mktemp("evidence")
    cfg = folder / "cheap.toml"
    cfg.write_text(CHEAP)
    mini = write_mini(folder / "mini", {"rounds.csv": ROUNDS})
    out = {}
    for key, extra, sector, as_of in (("bundled", [], "computer_vision", "2019-06-30"),
                                      ("cost", [], "llm_assistants", "2025-06-30"),
                                      ("compute", [], "computer_vision", "2025-06-30"),
                                      ("mini", ["--data-dir", str(mini), "--replace-data"], "vision", "2014-06-30")):
        base = [*extra, "--config", str(cfg)]
        payload = json.loads(run(runner, [*base, "explain", sector, "--as-of", as_of, "--format", "json"]).stdout)
        memo = folder / f"{key}.xlsx"
        run(runner, [*base, "memo", sector, "--as-of", as_of, "-o", str(memo)])
        out[key] = (payload, load_workbook(memo))
    return out


def test_frontier_points_are_the_evidence(cases):
    payload, wb = cases["bundled"]
    rows = table_below(wb["Capability"], ["benchmark", "date", "decimal year", "system", "value", "share of human", "source"])
    want = payload["evidence"]["frontier"]
    assert len(rows) == len(want) > 5
    for got, w in zip(rows, want):
        for cell, key in zip(got, ["benchmark", "date", "year", "system", "value", "share", "source"]):
            assert same(cell, w[key]), (key, cell, w[key])


def test_sensitivity_table_is_the_evidence(cases):
    payload, wb = cases["bundled"]
    headers = ["setting", "current (low to high)"] + [f"{s} at {e}" for s in STAGES for e in ("low", "high")] + ["largest swing"]
    rows = table_below(wb["Sensitivity"], headers)
    want = payload["sensitivity"]
    assert len(rows) == len(want) > 3
    for got, w in zip(rows, want):
        assert got[0] == w["setting"]
        assert got[1] == f"{w['current']} ({w['low']} to {w['high']})"
        values = [w[f"{s}_{e}"] for s in STAGES for e in ("low", "high")] + [w["max_swing"]]
        for cell, value in zip(got[2:], values):
            assert same(cell, value)


def test_scores_and_recommendation_written_are_the_json(cases):
    payload, wb = cases["bundled"]
    rows = {r[0]: r for r in table_below(wb["Scoring"], ["stage", "score (0-100)", "probability behind it", "", "", "",
                                                          "gapscore at writing"])}
    for stage in STAGES:
        assert round(rows[stage][6], 6) == payload["scores"][stage]


def test_cost_projection_and_scenarios_are_the_evidence(cases):
    """The Cost sheet's projection table (prices, interval, floor, hardware scenarios, rates)."""
    payload, wb = cases["cost"]
    cost = payload["evidence"]["cost"]
    assert cost["headline"]["status"] == "ok" and len(cost["scenarios"]) == 2
    keys = ["date", "year", "price_data", "price_projection", "low", "high", "floor", *cost["scenarios"], "rate", "phase"]
    headers = ["date", "decimal year", "price over the data", "projected price", "low", "high", "floor (electricity)",
               *[f"scenario: {label}" for label in cost["scenarios"].values()], "annual decline (x)", "phase"]
    rows = table_below(wb["Cost"], headers)
    assert len(rows) == len(cost["projection"]) > 5
    for got, w in zip(rows, cost["projection"]):
        for cell, key in zip(got, keys):
            if key == "year":
                continue  # the memo adds the decimal year of the date
            assert same(cell, w[key]), (key, cell, w[key])


def summary_rows(ws) -> dict:
    return {r[0]: r for r in ws.iter_rows(values_only=True) if isinstance(r[0], str)}


def test_summary_cost_figures_are_the_headline(cases):
    """The Summary's cost rows: the fitted rate and the shrunk one with their 90% CIs, and
    the price five years on with its interval (``curves.cost_headline`` in the JSON)."""
    payload, wb = cases["cost"]
    head = payload["evidence"]["cost"]["headline"]
    rows = summary_rows(wb["Summary"])
    fitted = rows["Price decline a year, fitted"]
    assert [same(c, v) for c, v in zip(fitted[1:4], [head["decline_factor_per_year"], *head["ci90"]])] == [True] * 3
    assert f"mmlu >= 86.4: {head['n_points']} frontier models" in fitted[6]
    shrunk = rows["Price decline a year, shrunk"]
    assert [same(c, v) for c, v in zip(shrunk[1:4], [head["shrunk_factor"], *head["shrunk_ci90"]])] == [True] * 3
    five = rows["Price 5 years on"]
    assert [same(c, v) for c, v in zip(five[1:4], [head["price_5y"], *head["price_5y_ci90"]])] == [True] * 3
    assert f"{head['fall_5y']:.0f}x below" in five[6] and "electricity floor" in five[6]


def test_compute_cost_is_named_as_such_on_the_summary(cases):
    """Vision's cost is compute-based: its data points are accelerator rental quotes, never
    "frontier models"; the rate is split into hardware and algorithmic parts, not shrunk."""
    payload, wb = cases["compute"]
    head = payload["evidence"]["cost"]["headline"]
    rows = summary_rows(wb["Summary"])
    fitted = rows["Cost decline a year, fitted"]
    assert same(fitted[1], head["decline_factor_per_year"])
    assert f"{head['n_points']} accelerator rental quotes" in fitted[6] and "frontier" not in fitted[6]
    assert f"{head['hardware_factor']:.2f}x" in fitted[6] and f"{head['algorithmic_factor']:.2f}x" in fitted[6]
    assert "Price decline a year, shrunk" not in rows and "Cost 5 years on" in rows
    assert not any(isinstance(v, str) and "frontier models" in v for row in wb["Summary"].iter_rows(values_only=True) for v in row)
    early = summary_rows(cases["bundled"][1]["Summary"])["Cost decline a year"]  # 2019: too short a span to fit
    n_early = cases["bundled"][0]["evidence"]["cost"]["headline"]["n_points"]
    assert early[6].startswith(f"not fitted: {n_early} accelerator rental quotes known on the as-of date")


def test_legs_line_is_the_evidence(cases):
    for payload, wb in cases.values():
        legs = payload["evidence"]["legs"]
        line = next(k for k in summary_rows(wb["Summary"]) if k.startswith("Legs: "))
        for leg, v in legs.items():
            assert f"{leg} {v['status']} ({v['detail']})" in line


def test_data_vintage_is_the_evidence(cases):
    for payload, wb in cases.values():
        vintage = payload["evidence"]["data_vintage"]
        texts = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert any(vintage in t for t in texts), vintage


def test_graduation_cohorts_and_survival_are_the_evidence(cases):
    payload, wb = cases["mini"]
    grad = payload["evidence"]["graduation"]
    assert grad is not None and payload["evidence"]["rounds_used"] == 4
    rows = table_below(wb["Funding"], ["cohort", "entered", "window closed", "graduated", "rate", "low", "high"])
    assert len(rows) == len(grad["cohorts"]) >= 1
    for got, w in zip(rows, grad["cohorts"]):
        for cell, key in zip(got, ["cohort", "entered", "n", "graduated", "rate", "low", "high"]):
            assert same(cell, w[key]) or str(cell) == str(w[key]), (key, cell, w[key])
    rows = table_below(wb["Funding"], ["months", "probability", "low", "high", "at risk", "events"])
    survival = grad["survival"]
    if survival and survival[0]["months"] > 0:  # the memo starts the curve at 1 on the day of the seed round
        assert rows[0][:4] == [0.0, 1.0, 1.0, 1.0]
        rows = rows[1:]
    assert len(rows) == len(survival) >= 1
    for got, w in zip(rows, survival):
        for cell, key in zip(got, ["months", "probability", "low", "high", "at_risk", "events"]):
            assert same(cell, w[key]), (key, cell, w[key])


def test_evidence_is_known_as_of_the_date(tmp_path):
    """Rows dated after the as-of date change no evidence (frontier, rounds)."""
    from gapscore.scoring.inputs.config import load_config
    from gapscore.scoring.inputs.datasets import DataStore
    from gapscore.scoring.signals.evidence import sector_evidence

    cfg = load_config()
    later = {"rounds.csv": ROUNDS + "c9,cv,seed,2020-01-01,1000000,hand-made\n"}
    as_of = pd.Timestamp("2014-06-30")
    a = sector_evidence(DataStore(write_mini(tmp_path / "a", {"rounds.csv": ROUNDS}), replace=True), "vision", as_of, cfg)
    b = sector_evidence(DataStore(write_mini(tmp_path / "b", later), replace=True), "vision", as_of, cfg)
    pd.testing.assert_frame_equal(a.graduation.cohorts, b.graduation.cohorts)
    pd.testing.assert_frame_equal(a.frontier.drop(columns="_file"), b.frontier.drop(columns="_file"))
    assert len(a.rounds) == len(b.rounds) == 4 and len(a.graduation.cohorts) >= 1


def test_compute_quotes_one_row_per_chip_sources_on_the_sources_sheet(cases):
    """Vision's Cost sheet lists one row per chip (its latest rental quote known on the date,
    the cheapest of that day) with the number of its quotes the fit used; the quotes' sources
    are on the Sources sheet, each part once. Reference: hardware.csv read here with pandas
    (rental rows with an hourly price and a throughput figure, dated on or before 2025-06-30)."""
    from gapscore.scoring.inputs.datasets import BUNDLED_DIR

    payload, wb = cases["compute"]
    hw = pd.read_csv(BUNDLED_DIR / "hardware.csv", parse_dates=["date"])
    hw = hw[(hw["date"] <= "2025-06-30") & (hw["usd_per_hour"] > 0) & (hw["relative_throughput"] > 0) & (hw["price_type"] != "purchase")]
    assert len(hw) == payload["evidence"]["cost"]["headline"]["n_points"]
    rows = table_below(wb["Cost"], ["chip", "latest quote", "decimal year", "USD per 1e18 FLOP", "throughput vs H100", "quotes fitted", "first quote"])
    assert len(rows) == hw["chip"].nunique() == len({r[0] for r in rows})
    from gapscore.models.cost import H100_DENSE_FLOPS

    by_chip = hw.groupby("chip")
    for chip, latest, _, price, rel, n, first in rows:
        assert n == len(by_chip.get_group(chip)) and latest == by_chip["date"].max()[chip] and first == by_chip["date"].min()[chip]
        last_day = by_chip.get_group(chip)
        last_day = last_day[last_day["date"] == latest]
        cheapest = (last_day["usd_per_hour"] / last_day["relative_throughput"]).min()  # USD per H100-equivalent hour
        assert price == pytest.approx(cheapest / (H100_DENSE_FLOPS * 3600) * 1e18, rel=1e-12)
    assert max(len(str(c)) for row in wb["Cost"].iter_rows(values_only=True) for c in row if c is not None) < 320
    cited = [(r[1], r[3]) for r in wb["Sources"].iter_rows(values_only=True) if r[0] == "accelerator rental quote (price of compute)"]
    parts = hw["source"].str.split("; ").explode().str.strip().value_counts()
    assert sorted(cited) == sorted(parts.items())


# --------------------------------------------------------------------------- citations


def _independent_citations(sector: str, as_of: str) -> pd.DataFrame:
    """The citations of ``sector`` read straight from the bundled files with pandas and
    tomllib (no DataStore): the rows each dataset contributes, grouped by source."""
    import tomllib

    from gapscore.scoring.inputs.datasets import BUNDLED_DIR

    cut = pd.Timestamp(as_of)
    table = tomllib.loads((BUNDLED_DIR / "sectors.toml").read_text(encoding="utf-8"))["sectors"][sector]
    ids = table["benchmarks"]
    parts = []
    bench = pd.read_csv(BUNDLED_DIR / "benchmarks.csv")
    parts.append(("benchmarks", bench[bench["benchmark"].isin(ids)].assign(when=pd.NaT)))
    cap = pd.read_csv(BUNDLED_DIR / "capability.csv", parse_dates=["date"])
    parts.append(("capability", cap[cap["benchmark"].isin(ids) & (cap["date"] <= cut)].assign(when=lambda f: f["date"])))
    prices = pd.read_csv(BUNDLED_DIR / "prices.csv", parse_dates=["date"])
    col = table["cost"]["benchmark"]
    parts.append(("prices", prices[prices[col].notna() & (prices["date"] <= cut)].assign(when=lambda f: f["date"])))
    grad = pd.read_csv(BUNDLED_DIR / "graduation.csv", parse_dates=["published"])
    parts.append(("graduation", grad[grad["sector"].isin([sector, "all"]) & (grad["published"] <= cut)].assign(when=lambda f: f["published"])))
    funding = pd.read_csv(BUNDLED_DIR / "funding.csv", parse_dates=["published"])
    funding = funding[funding["published"] <= cut]
    own = funding[funding["series"].isin(table["funding"]["series"])]
    parts.append(("funding", funding[funding["series"].isin(set(table["funding"]["series"]) | set(own["total_series"].dropna()))]
                  .assign(when=lambda f: f["published"])))
    rows = []
    for name, frame in parts:
        for source, g in frame.groupby("source"):
            rows.append((name, source, len(g), g["when"].min(), g["when"].max()))
    out = pd.DataFrame(rows, columns=["dataset", "source", "rows", "first_known", "last_known"])
    return out.astype({"first_known": "datetime64[ns]", "last_known": "datetime64[ns]"})


def test_citations_are_the_sources_of_the_rows_known_on_the_date():
    """llm_assistants as of 2024-06-30: every (dataset, source) with its row count and its
    first and last known dates equals the independent reading of the CSV rows; a source
    whose rows were all published after the date is absent, and present later."""
    from gapscore.scoring.inputs.config import load_config
    from gapscore.scoring.inputs.datasets import DataStore
    from gapscore.scoring.signals.evidence import evidence_citations

    cfg, store, as_of = load_config(), DataStore(), "2024-06-30"
    got = evidence_citations(store, "llm_assistants", pd.Timestamp(as_of), cfg)
    want = _independent_citations("llm_assistants", as_of)
    mine = got[got["dataset"] != "config"]
    key = ["dataset", "source"]
    pd.testing.assert_frame_equal(mine.sort_values(key).reset_index(drop=True), want.sort_values(key).reset_index(drop=True),
                                  check_dtype=False)
    assert set(want["dataset"]) == {"benchmarks", "capability", "prices", "graduation", "funding"}
    assert got[got["dataset"] == "config"]["source"].tolist() == [cfg.seed.citation]
    assert not got.duplicated(key).any()
    later = _independent_citations("llm_assistants", "2026-12-31")
    new = later[~later.set_index(key).index.isin(want.set_index(key).index)]
    assert len(new) >= 1  # sources first published after the date
    assert not got.set_index(key).index.isin(new.set_index(key).index).any()
    after = evidence_citations(store, "llm_assistants", pd.Timestamp("2026-12-31"), cfg)
    assert after.set_index(key).index.isin(new.set_index(key).index).sum() == len(new)


def test_citations_in_the_json_are_the_memo_sources(cases):
    """explain --format json lists the citations; the memo's Sources sheet sums them per
    dataset (sources, rows, first and last known), recomputed here from the JSON."""
    payload, wb = cases["cost"]
    want = pd.DataFrame(payload["evidence"]["citations"])
    assert len(want) > 10 and set(want["dataset"]) >= {"capability", "prices", "config"}
    rows = table_below(wb["Sources"], ["dataset", "sources", "rows", "first known", "last known"])
    expected = []
    for name in dict.fromkeys(want["dataset"]):
        part = want[want["dataset"] == name]
        first, last = part["first_known"].dropna(), part["last_known"].dropna()
        expected.append([name, len(part), int(part["rows"].sum()), min(first) if len(first) else None,
                         max(last) if len(last) else None])
    assert rows == expected
