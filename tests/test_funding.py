"""The funding pillar per sector: series, direction, share, editions, harvest, exports."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from gapscore.scoring.cli import main
from gapscore.scoring.inputs.config import load_config
from gapscore.scoring.inputs.datasets import DataStore
from gapscore.scoring.signals.scores import score_sector
from gapscore.scoring.signals.sector import sector_signals

from conftest import MINI, write_mini

CFG = load_config()

# A toy vertical and its all-AI total. 2018 is published twice: first 100 (edition
# 2019-06-30), revised to 150 (edition 2020-06-30). Worked by hand below.
FUNDING = """
    series,scope,region,year,usd_millions,total_series,published,source
    toy_total,All AI,us,2017,1000,,2019-06-30,hand-made
    toy_total,All AI,us,2018,2000,,2019-06-30,hand-made
    toy_vertical,Toy vertical,us,2017,200,toy_total,2019-06-30,hand-made
    toy_vertical,Toy vertical,us,2018,100,toy_total,2019-06-30,hand-made
    toy_vertical,Toy vertical,us,2018,300,toy_total,2020-06-30,hand-made revision
"""

SECTORS = MINI["sectors.toml"] + """
    [sectors.vision.funding]
    series = ["toy_vertical"]
    series_reason = "the toy vertical is vision"
    round_keywords = ['computer vision']

    [sectors.chat.funding]
    series = []
    series_reason = "no series covers chat"
"""


@pytest.fixture
def funded(tmp_path):
    return write_mini(tmp_path / "d", {"funding.csv": FUNDING, "sectors.toml": SECTORS})


def test_direction_and_share_from_the_edition_known_on_the_date(funded):
    """As of 2019-12-31 only the first edition is known: 2017 -> 2018 is 200 -> 100,
    growth -50%, falling; share 100 / 2000 = 5%. From 2020-06-30 the revision (300)
    replaces it: +50%, growing; share 300 / 2000 = 15%. Before 2019-06-30: no row."""
    store = DataStore(funded, replace=True)
    early = sector_signals(store, "vision", pd.Timestamp("2019-01-01"), CFG).funding
    assert early.series is None and "have no row known yet" in early.line()
    first = sector_signals(store, "vision", pd.Timestamp("2019-12-31"), CFG).funding
    assert first.growth == pytest.approx(-0.5) and first.direction == "falling"
    assert first.share == pytest.approx(0.05) and first.current
    revised = sector_signals(store, "vision", pd.Timestamp("2020-06-30"), CFG).funding
    assert revised.growth == pytest.approx(0.5) and revised.direction == "growing"
    assert revised.share == pytest.approx(0.15)
    old = sector_signals(store, "vision", pd.Timestamp("2021-01-01"), CFG).funding
    assert not old.current and old.growth_if_current is None  # 2021 - 2018 = 3 > max_age_years (2)
    assert "the series ends in 2018" in old.line()


def test_a_sector_without_series_says_so_and_no_market_figure_stands_in(funded):
    store = DataStore(funded, replace=True)
    sig = sector_signals(store, "chat", pd.Timestamp("2019-12-31"), CFG)
    assert sig.funding.series is None
    assert sig.funding.line().startswith("no funding series for this sector (no series covers chat)")
    assert sig.traction.population == "market" and "market-wide" in sig.traction.line()


def test_explain_and_json_show_the_funding_evidence(runner, funded):
    out = runner.invoke(main, ["--data-dir", str(funded), "--replace-data", "explain", "vision", "--as-of", "2019-12-31"])
    assert out.exit_code == 0, out.output
    assert "funding series toy_vertical (Toy vertical, 2017-2018): USD 100M in 2018, falling (-50% a year), 5.0% of toy_total" in out.stdout
    got = runner.invoke(main, ["--data-dir", str(funded), "--replace-data", "score", "--as-of", "2020-06-30", "--format", "json"])
    rows = {r["sector"]: r for r in json.loads(got.stdout)}
    assert rows["vision"]["funding"]["direction"] == "growing"
    assert rows["vision"]["funding"]["share_of_ai"] == pytest.approx(0.15)
    assert rows["chat"]["funding"]["series"] is None


SECTORS_OF_THIS_WAVE = ("computer_vision", "speech_recognition", "language_understanding", "llm_assistants",
                        "code_assistants", "computer_use_agents", "video_generation", "autonomous_driving", "robotics",
                        "web_agents", "machine_translation", "math_science_assistants", "video_understanding",
                        "medical_imaging", "drug_discovery")


def test_bundled_sectors_each_map_their_series_with_a_reason():
    store = DataStore()
    for sid in SECTORS_OF_THIS_WAVE:
        spec = store.sectors()[sid].get("funding")
        assert spec is not None and spec["series_reason"].strip(), sid
    assert store.check_references() == []


# --------------------------------------------------------------------------- a vendor export reaches the scores

N_COMPANIES, N_GRADUATED = 300, 120


def _pitchbook_export(path, rng):
    """A PitchBook deals export (documented column set) of 300 AI robotics companies
    seeded in 2016; 120 raise a Series A (bare letter "A") 6-20 months later, 50 of
    those a "B" in mid-2019 (so the data runs past every seed's 24-month window)."""
    header = ("Deal ID,Company Name,Company ID,Deal Date,Deal Size,Deal Status,Deal Type,Deal Type 2,Series,VC Round,"
              "Primary Industry Sector,Primary Industry Group,Primary Industry Code,Verticals,HQ Location,Investors")
    lines = [header]
    industry = 'Information Technology,Software,Application Software,"Artificial Intelligence & Machine Learning, Robotics and Drones"'
    for i in range(N_COMPANIES):
        seed = pd.Timestamp("2016-01-01") + pd.Timedelta(days=int(rng.integers(0, 360)))
        lines.append(f"{i}-01T,Robo {i},C{i},{seed.date()},1.5,Completed,Seed Round,,Seed,1st Round,{industry},\"Austin, TX\",")
        if i < N_GRADUATED:
            a = seed + pd.Timedelta(days=int(rng.integers(180, 600)))
            lines.append(f"{i}-02T,Robo {i},C{i},{a.date()},9,Completed,Early Stage VC,,A,2nd Round,{industry},\"Austin, TX\",")
            if i < 50:
                lines.append(f"{i}-03T,Robo {i},C{i},2019-06-01,25,Completed,Later Stage VC,,B,3rd Round,{industry},\"Austin, TX\",")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _wilson(k, n, z=1.959963984540054):
    """The Wilson score interval, by its formula (an independent check of statsmodels)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5 / (1 + z * z / n)
    return centre - half, centre + half


def test_an_imported_pitchbook_export_sets_the_sectors_traction(runner, tmp_path, rng):
    from openpyxl import load_workbook

    data = write_mini(tmp_path / "d", {"sectors.toml": MINI["sectors.toml"] + """
        [sectors.vision.funding]
        series = []
        series_reason = "no series: the user's export is the evidence"
        round_keywords = ['robotics and drones']
    """})
    (data / "rounds.csv").unlink()
    export = _pitchbook_export(tmp_path / "deals.csv", rng)
    base = ["--data-dir", str(data), "--replace-data"]
    got = runner.invoke(main, [*base, "data", "import", "--from", "pitchbook", str(export), "-o", str(data / "rounds.csv")])
    assert got.exit_code == 0, got.output
    assert "  vision: 470 rows (300 companies)" in got.stderr and "every round label mapped" in got.stderr

    low, high = _wilson(N_GRADUATED, N_COMPANIES)  # 0.3462, 0.4564
    explain = runner.invoke(main, [*base, "explain", "vision", "--as-of", "2019-12-31"])
    assert explain.exit_code == 0, explain.output
    assert (f"seed to Series A graduation 40%, n = 300, 95% interval {low:.0%}-{high:.0%} "
            "(computed from the sector's rounds: rounds.csv: 470 rounds matching categories cv or keywords robotics and drones") in explain.stdout

    scored = runner.invoke(main, [*base, "score", "--as-of", "2019-12-31", "--format", "json"])
    traction = {r["sector"]: r for r in json.loads(scored.stdout)}["vision"]["traction"]
    assert traction["origin"] == "computed" and traction["n"] == N_COMPANIES
    assert traction["rate"] == pytest.approx(0.4)
    assert traction["low"] == pytest.approx(low, abs=1e-6) and traction["high"] == pytest.approx(high, abs=1e-6)  # JSON rounds to 6 places

    memo = tmp_path / "vision.xlsx"
    made = runner.invoke(main, [*base, "memo", "vision", "--as-of", "2019-12-31", "-o", str(memo)])
    assert made.exit_code == 0, made.output
    ws = load_workbook(memo)["Funding"]
    cells = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    assert cells["seed-to-A graduation rate"] == pytest.approx(0.4) and cells["companies"] == N_COMPANIES
    assert cells["low"] == pytest.approx(low, abs=1e-9) and cells["origin"] == "computed"


def test_backtest_truth_takes_funding_direction_from_the_series(funded):
    """Realized funding labels for years outcomes.csv leaves open come from the sector's
    series as known on the evaluation date: 2018 falls (-50%, first edition) as of
    2019-12-31 and grows (+50%, the revision) as of 2021-01-01."""
    from gapscore.scoring.backtest.engine import realized_history

    store = DataStore(funded, replace=True)
    before = realized_history(store, "vision", pd.Timestamp("2019-12-31"), CFG)
    assert before.funding == {2018: -1.0} and before.funding_origin == {2018: "funding.csv toy_vertical"}
    after = realized_history(store, "vision", pd.Timestamp("2021-01-01"), CFG)
    assert after.funding == {2018: 1.0} and after.surge_year == 2018


def test_memo_funding_sheet_shows_the_sector_series(runner, funded, tmp_path):
    from openpyxl import load_workbook

    memo = tmp_path / "m.xlsx"
    made = runner.invoke(main, ["--data-dir", str(funded), "--replace-data", "memo", "vision", "--as-of", "2020-06-30", "-o", str(memo)])
    assert made.exit_code == 0, made.output
    ws = load_workbook(memo)["Funding"]
    cells = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    assert cells["series"] == "toy_vertical" and cells["direction"] == "growing"
    assert cells["share of toy_total (2018)"] == pytest.approx(0.15)
    assert cells["growth a year (last two years)"] == pytest.approx(0.5)


# --------------------------------------------------------------------------- censoring per source file

def _rounds_csv(rows):
    return "company,category,round,date,amount_usd,source\n" + "".join(f"{c},{cat},{r},{d},,hand-made\n" for c, cat, r, d in rows)


def test_bundled_old_rounds_are_censored_at_their_own_end_not_the_users_export(tmp_path, monkeypatch):
    """An old (bundled) rounds file ends 2013-10-01; the user's export ends 2025-06-01.

    Old: 40 cv companies seeded 2012-06-01, 20 with a Series A 2013-03-01. Their 24-month
    windows close 2014-06-01, after the old file stops: censored, not eligible.
    New: 30 cv companies seeded 2020-01-15, 24 with a Series A 2021-01-15: eligible.
    Traction as of 2026-01-01 = 24 / 30 = 0.8 (n = 30). Censoring everything at the
    export's end would pool the 2012 cohort: (20 + 24) / (40 + 30) = 0.629."""
    import gapscore.scoring.inputs.datasets as datasets

    old = [(f"o{i}", "cv", "seed", "2012-06-01") for i in range(40)] + [(f"o{i}", "cv", "series_a", "2013-03-01") for i in range(20)]
    old.append(("zz_old", "misc", "other", "2013-10-01"))
    new = [(f"n{i}", "cv", "seed", "2020-01-15") for i in range(30)] + [(f"n{i}", "cv", "series_a", "2021-01-15") for i in range(24)]
    new.append(("zz_new", "misc", "other", "2025-06-01"))
    bundled = write_mini(tmp_path / "bundled", {"rounds.csv": _rounds_csv(old)})
    user = tmp_path / "user"
    user.mkdir()
    (user / "rounds.csv").write_text(_rounds_csv(new), encoding="utf-8")
    monkeypatch.setattr(datasets, "BUNDLED_DIR", bundled)
    store = DataStore(user)
    assert len(store.load("rounds")) == len(old) + len(new)

    rounds = store.as_of("rounds", pd.Timestamp("2026-01-01"))
    ends = store.source_ends(rounds, "rounds")
    assert set(ends[rounds["company"].str.startswith("o")]) == {pd.Timestamp("2013-10-01")}
    assert set(ends[rounds["company"].str.startswith("n")]) == {pd.Timestamp("2025-06-01")}
    # point in time: a file's end is its last row known on the date
    early = store.as_of("rounds", pd.Timestamp("2020-06-01"))
    assert set(store.source_ends(early, "rounds")[early["company"].str.startswith("n")]) == {pd.Timestamp("2020-01-15")}

    traction = sector_signals(store, "vision", pd.Timestamp("2026-01-01"), CFG).traction
    assert traction.origin == "computed" and traction.n == 30
    assert traction.rate == pytest.approx(24 / 30)

    # `gapscore graduation`: the 2012 cohort has no closed window (left out), the note names each file's end
    from gapscore.scoring.signals.curves import graduation

    got = graduation(store, "vision", pd.Timestamp("2026-01-01"), CFG, categories=[], rounds_file=None,
                     from_round="seed", to_round="series_a", within=24)["json"]
    assert got["cohorts"][["cohort", "entered", "n", "graduated"]].values.tolist() == [[2020, 30, 30, 24]]
    assert sorted(got["file_ends"].values()) == [pd.Timestamp("2013-10-01"), pd.Timestamp("2025-06-01")]
    assert "each file is censored at its own end" in got["note"] and "2013-10-01" in got["note"]


def test_data_list_shows_the_years_funding_describes_not_only_publication(runner, funded):
    """The toy funding.csv describes 2017-2018 and was published 2019-06-30 to 2020-06-30."""
    import csv
    import io

    got = runner.invoke(main, ["--data-dir", str(funded), "--replace-data", "data", "list", "--format", "csv"])
    assert got.exit_code == 0, got.output
    row = {r["dataset"]: r for r in csv.DictReader(io.StringIO(got.stdout))}["funding"]
    assert (row["start"], row["end"], row["dated_by"], row["years"]) == ("2019-06-30", "2020-06-30", "published", "2017-2018")
