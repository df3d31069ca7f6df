"""The bundled sectors and capability data (issues #15 item 3 and #18), the sector
template, and the legs ``gapscore sectors`` reports."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from gapscore.models.capability import normalise
from gapscore.scoring.cli import main
from gapscore.scoring.inputs.datasets import DataStore, sector_legs

FIXED_SECTORS = {
    "computer_vision", "speech_recognition", "language_understanding", "llm_assistants",
    "code_assistants", "computer_use_agents", "video_generation", "autonomous_driving",
    "robotics", "web_agents", "machine_translation", "math_science_assistants",
    "video_understanding", "medical_imaging", "drug_discovery",
}
"""The sector ids fixed for this wave (BRIEF.md)."""

MIN_RECORDS = 5
"""A 'capability history' needs this many dated results (issue #18: five or more)."""


@pytest.fixture(scope="module")
def store() -> DataStore:
    return DataStore()


def test_bundled_sectors_are_the_fixed_fifteen(store):
    assert set(store.sectors()) == FIXED_SECTORS


def test_every_sector_benchmark_exists(store):
    known = set(store.load("benchmarks")["benchmark"])
    missing = {sid: [b for b in t["benchmarks"] if b not in known] for sid, t in store.sectors().items()}
    assert {k: v for k, v in missing.items() if v} == {}


def test_ten_sectors_have_a_history_of_five_dated_results(store):
    bench = store.load("benchmarks").set_index("benchmark")
    cap = store.load("capability")
    counts = {}
    for sid, t in store.sectors().items():
        usable = [b for b in t["benchmarks"] if pd.notna(bench.at[b, "human_baseline"])]
        counts[sid] = int(cap["benchmark"].isin(usable).sum())
    with_history = sorted(s for s, n in counts.items() if n >= MIN_RECORDS)
    assert len(with_history) >= 10, counts
    # The sectors said to have no measure in sectors.toml have none.
    assert {s for s, n in counts.items() if n == 0} == {"video_generation", "drug_discovery"}


def test_curated_rows_carry_sources(store):
    for name in ("benchmarks", "capability"):
        frame = store.load(name)
        assert frame["source"].fillna("").str.strip().ne("").all(), name
    # every human baseline is cited (a dated reference) or named as an assumption or target
    bench = store.load("benchmarks")
    with_baseline = bench[bench["human_baseline"].notna()]
    cited = with_baseline["source"].str.contains(r"(?:19|20)\d\d|assumption|target", case=False, regex=True)
    assert with_baseline.loc[~cited, "benchmark"].tolist() == []
    # and every source names its floor
    assert bench["source"].str.contains("floor", case=False).all()


def test_horizons_are_log_scale_minutes_above_their_floor(store):
    bench = store.load("benchmarks").set_index("benchmark")
    horizons = bench[bench.index.str.startswith("metr_horizon_")]
    assert len(horizons) == 9
    assert (horizons["scale"] == "log").all() and horizons["higher_is_better"].all()
    assert (horizons["unit"] == "minutes").all()
    assert horizons["floor"].tolist() == pytest.approx([1 / 60] * len(horizons), abs=1e-6)
    assert (horizons["human_baseline"] >= 480).all()


def test_normalise_a_horizon_by_hand():
    """A 60-minute horizon, floor one second, human level a working day (480 minutes):
    share = ln(60 / (1/60)) / ln(480 / (1/60)) = ln 3600 / ln 28800 = 8.188689 / 10.268131 = 0.797486 (by hand);
    a horizon at the floor is 0 and at the human level 1, as for the error rates."""
    bench = pd.DataFrame({"benchmark": ["h"], "higher_is_better": [True], "human_baseline": [480.0],
                          "floor": [1 / 60], "scale": ["log"]})
    hist = pd.DataFrame({"benchmark": ["h"] * 3, "date": ["2020-01-01", "2021-01-01", "2022-01-01"],
                         "value": [1 / 60, 60.0, 480.0]})
    share = normalise(hist, bench)["share"].tolist()
    assert share == pytest.approx([0.0, math.log(3600) / math.log(28800), 1.0])
    assert share[1] == pytest.approx(0.797486, abs=1e-6)


def test_legs_of_bundled_sectors(store):
    assert sector_legs(store, "llm_assistants") == {"capability": "measured", "cost": "measured", "funding": sector_legs(store, "llm_assistants")["funding"]}
    assert sector_legs(store, "drug_discovery")["capability"] == "none"
    # computer-use agents price GPQA Diamond, another sector's benchmark: borrowed
    assert sector_legs(store, "computer_use_agents")["cost"] == "borrowed"
    # vision prices its own task's compute (mode = "compute"): measured
    assert sector_legs(store, "computer_vision")["cost"] == "measured"
    # video generation has only a published anchor cost: borrowed; no benchmark: none
    assert sector_legs(store, "video_generation")["cost"] == "borrowed"
    assert sector_legs(store, "video_generation")["capability"] == "none"


def test_a_user_sector_of_other_sectors_benchmarks_borrows_capability(tmp_path, runner):
    (tmp_path / "sectors.toml").write_text(
        '[sectors.tutor]\nname = "Tutor"\ndescription = "Homework help."\nbenchmarks = ["mmlu"]\n'
        'round_keywords = ["tutor"]\n', encoding="utf-8")
    (tmp_path / "rounds.csv").write_text(  # keywords are a funding leg once rounds match them
        "company,category,round,date,amount_usd,source\nt1,Online Tutoring,seed,2020-01-01,1000000,hand-made\n", encoding="utf-8")
    result = runner.invoke(main, ["--data-dir", str(tmp_path), "sectors", "--format", "json"])
    assert result.exit_code == 0, result.output
    row = next(r for r in json.loads(result.stdout) if r["sector"] == "tutor")
    assert (row["capability"], row["cost"], row["funding"]) == ("borrowed", "none", "measured")


CASP_BENCHMARK = (
    'casp_fm_gdt_ts,protein_structure,gdt_ts,true,90,0,gdt_ts,linear,"CASP free-modelling targets: '
    'GDT_TS of the best group","Human level: GDT_TS 90, compatible with experiment (Kryshtafovych, '
    'Moult et al., Annu Rev Biophys 2023, 52:183-206). Floor: 0"\n')
CASP_RESULTS = (
    'casp_fm_gdt_ts,2018-12-04,AlphaFold (A7D),61.4,"Senior et al. 2019, Proteins 87:1141-1148"\n'
    'casp_fm_gdt_ts,2020-11-30,AlphaFold2,87.0,"DeepMind, AlphaFold: a solution to a 50-year-old grand challenge in biology, 2020-11-30"\n')


def test_sector_template_round_trips_through_validate(tmp_path, runner):
    folder = tmp_path / "mine"
    result = runner.invoke(main, ["data", "template", "sector", "--id", "protein_structure", "-o", str(folder)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["benchmarks.csv", "capability.csv", "sectors.toml"]
    # unfilled: one line per empty file, saying what to do
    result = runner.invoke(main, ["--data-dir", str(folder), "data", "validate"])
    assert result.exit_code == 1
    lines = [l for l in result.stderr.splitlines() if l.startswith("error:")]
    assert len(lines) == 2 and all("has a header but no rows" in l for l in lines)
    # filled as docs/adding-a-sector.md says: valid, listed, scored
    toml = (folder / "sectors.toml").read_text(encoding="utf-8").replace("benchmarks = []", 'benchmarks = ["casp_fm_gdt_ts"]', 1)
    (folder / "sectors.toml").write_text(toml, encoding="utf-8")
    with open(folder / "benchmarks.csv", "a", encoding="utf-8") as f:
        f.write(CASP_BENCHMARK)
    with open(folder / "capability.csv", "a", encoding="utf-8") as f:
        f.write(CASP_RESULTS)
    result = runner.invoke(main, ["--data-dir", str(folder), "data", "validate"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["--data-dir", str(folder), "sectors", "--format", "json"])
    row = next(r for r in json.loads(result.stdout) if r["sector"] == "protein_structure")
    assert row["capability"] == "measured"
    # writing again refuses, before touching anything
    result = runner.invoke(main, ["data", "template", "sector", "--id", "protein_structure", "-o", str(folder)])
    assert result.exit_code == 1 and "already exists" in result.output


def test_validate_rejects_an_unknown_benchmark_in_one_line(tmp_path, runner):
    (tmp_path / "sectors.toml").write_text(
        '[sectors.foo]\nname = "Foo"\ndescription = "x"\nbenchmarks = ["nope_bench"]\n', encoding="utf-8")
    result = runner.invoke(main, ["--data-dir", str(tmp_path), "data", "validate"])
    assert result.exit_code == 1
    lines = [l for l in result.stderr.splitlines() if l.startswith("error:")]
    assert lines == [f"error: {tmp_path / 'sectors.toml'}:4: column sectors.foo.benchmarks: "
                     "unknown benchmark 'nope_bench'; add it to benchmarks.csv or remove it"]


def test_validate_checks_the_config_as_score_does(tmp_path, runner):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[capability]\nnot_a_key = 3\n", encoding="utf-8")
    result = runner.invoke(main, ["--config", str(cfg), "data", "validate"])
    assert result.exit_code == 1
    assert "capability.not_a_key is not a known setting" in result.output


def test_curation_dates_are_never_early():
    """tools/curate/histories.py dates a result known to its month (year) by the month's
    (year's) last day: 'September 2019' -> 2019-09-30, 'Sept 2018' -> 2018-09-30, a bare
    year -> 31 December; February of a leap year has 29 days."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools" / "curate"))
    try:
        from histories import month_year_date
    finally:
        sys.path.pop(0)
    assert month_year_date("September 2019, Interspeech") == "2019-09-30"
    assert month_year_date("Interspeech, Sept 2018") == "2018-09-30"
    assert month_year_date("2015") == "2015-12-31"
    assert month_year_date("February 2016") == "2016-02-29"
    assert month_year_date("no date here") is None


def test_sector_template_refuses_bad_ids_and_file_targets(tmp_path, runner):
    result = runner.invoke(main, ["data", "template", "sector", "--id", "../Bad-Id", "-o", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "sector id '../Bad-Id' must be snake_case" in result.output
    assert not (tmp_path / "x").exists()
    target = tmp_path / "afile"
    target.write_text("keep", encoding="utf-8")
    result = runner.invoke(main, ["data", "template", "sector", "-o", str(target)])
    assert result.exit_code == 2 and "is a file; give a folder" in result.output
    assert target.read_text(encoding="utf-8") == "keep"


# --- issue: current data for cost and vision (the partner review of 2026-12-05) --------------


def test_gpt4_level_prices_are_observed_to_2026_not_extrapolated(store):
    """The GPT-4-level series (MMLU >= 86.4, llm_assistants) is observed to 2026-09-01
    (later price observations from llm-prices), from the cheapest model standing then:
    Gemini 2.0 Flash, USD 0.10 in / 0.40 out = (3 x 0.10 + 0.40) / 4 = 0.175 per 1M
    tokens. Today's projected price can fall below it only at the shrunk fitted rate at
    most over the 0.26 years since: price >= 0.175 / factor ** 0.26 (before this data it
    read USD 0.0016, 100x below the cheapest model on sale). As of 2026-08-31 the later
    rows are invisible and the series ends with the last model-card MMLU (gpt-oss-120b,
    2025-08-05)."""
    from gapscore.scoring.signals.sector import _cost, _verified_prices, observed_end

    today = pd.Timestamp("2026-12-05")
    spec = store.sector("llm_assistants")["cost"]
    assert (spec["benchmark"], float(spec["threshold"])) == ("mmlu", 86.4)
    prices = _verified_prices(store, today)
    assert observed_end(prices, "mmlu", today) == pd.Timestamp("2026-09-01")
    cost = _cost(store, store.sector("llm_assistants"), today)
    anchor = math.exp(cost.projection.level_end_)
    assert anchor == pytest.approx((3 * 0.10 + 0.40) / 4)
    now = float(cost.projection.predict(pd.DatetimeIndex([today]))[0])
    u = (today - pd.Timestamp("2026-09-01")).days / 365.2425
    assert anchor / cost.shrunk.factor ** u <= now <= anchor
    assert now > 0.05  # not 100x below the market (0.0016 before)
    before = pd.Timestamp("2026-08-31")
    assert observed_end(_verified_prices(store, before), "mmlu", before) == pd.Timestamp("2025-08-05")


def test_model_card_scores_are_never_dated_before_their_publication(store):
    """Every MMLU taken from a developer's model card names it and its publication date,
    and the row is dated on or after that date (GPT-4.1 mini and nano: 2025-04-14)."""
    import re

    prices = store.load("prices")
    cards = prices[prices["source"].str.contains("from the developer:", regex=False)]
    assert len(cards) >= 6
    for _, row in cards.iterrows():
        published = re.search(r"published (\d{4}-\d{2}-\d{2})\)", row["source"])
        assert published, row["model"]
        assert pd.Timestamp(row["date"]) >= pd.Timestamp(published.group(1)), row["model"]
        assert pd.notna(row["mmlu"])
    minis = prices.set_index("model").loc[["GPT-4.1 mini", "GPT-4.1 nano"]]
    assert (pd.to_datetime(minis["date"]) == pd.Timestamp("2025-04-14")).all()
    assert minis.loc["GPT-4.1 mini", "mmlu"] == 87.5 and minis.loc["GPT-4.1 nano", "mmlu"] == 80.1


def test_vision_is_measured_again_by_mmmu(store):
    """MMMU (Yue et al. 2023: best expert group 88.6, random choice 22.1) is a vision
    member still reported: GPT-5's 84.2 (2025-08-07) is (84.2 - 22.1) / (88.6 - 22.1) =
    62.1 / 66.5 = 0.9338 of human. As of 2026-12-05 computer vision is no longer 'beyond
    measure' (its 2015-2017 members are superseded by MMMU, first reported 2023-11-27)."""
    from gapscore.scoring.inputs.config import load_config, set_value
    from gapscore.scoring.signals.sector import sector_signals

    # membership and supersession do not depend on the calibrated intervals: skip their pool
    cfg = set_value(load_config(), "capability.forecast_conformal", False)
    bench = store.load("benchmarks").set_index("benchmark")
    assert (bench.loc["mmmu", "human_baseline"], bench.loc["mmmu", "floor"]) == (88.6, 22.1)
    hist = store.load("capability")
    norm = normalise(hist[hist["benchmark"] == "mmmu"], store.load("benchmarks"))
    assert float(norm["share"].max()) == pytest.approx(62.1 / 66.5)
    assert "mmmu" in store.sector("computer_vision")["benchmarks"]
    cap = sector_signals(store, "computer_vision", pd.Timestamp("2026-12-05"), cfg).capability
    assert not cap.beyond_measure
    # GQA (last result 2021-01-02) is superseded by MMMU too
    assert set(cap.superseded) == {"cifar100_error", "gqa", "pascal_voc2007_map", "stl10_error", "vqa_real_oe"}


def test_vision_2019_2022_is_measured_by_gqa(store):
    """GQA (Hudson & Manning 2019: human 89.3%; floor 0, an assumption) fills the gap
    between VQA 1.0 (last result 2017) and MMMU (first 2023-11-27). As of 2020-06-30 the
    best GQA test-std result is NSM's 63.17 (2019-07): 63.17 / 89.3 = 0.7074 of human.
    The sector level then is the mean over its counted members: cifar10, imagenet top-5
    and svhn saturated (1.0 each) and GQA, (3 + 0.7074) / 4 = 0.9268; the 2015-2017
    members are superseded by GQA (first result 2019-02-25), so vision is not beyond
    measure. (Before GQA was added this date read beyond measure.)"""
    from gapscore.scoring.inputs.config import load_config, set_value
    from gapscore.scoring.signals.sector import sector_signals

    cfg = set_value(load_config(), "capability.forecast_conformal", False)
    bench = store.load("benchmarks").set_index("benchmark")
    assert (bench.loc["gqa", "human_baseline"], bench.loc["gqa", "floor"]) == (89.3, 0.0)
    assert "gqa" in store.sector("computer_vision")["benchmarks"]
    old = sector_signals(store, "computer_vision", pd.Timestamp("2020-06-30"), cfg).capability
    assert not old.beyond_measure
    assert set(old.superseded) == {"cifar100_error", "pascal_voc2007_map", "stl10_error", "vqa_real_oe"}
    assert old.observed_level == pytest.approx((3 + 63.17 / 89.3) / 4, abs=1e-4)


def test_speech_no_longer_held_by_1990s_switchboard(store):
    """NIST Switchboard (1995-97, 37% of human) is superseded by Hub5'00 Switchboard
    (first result in the bundled data 2011): it no longer holds speech at 91%."""
    from gapscore.scoring.inputs.config import load_config, set_value
    from gapscore.scoring.signals.sector import sector_signals

    cfg = set_value(load_config(), "capability.forecast_conformal", False)
    cap = sector_signals(store, "speech_recognition", pd.Timestamp("2026-12-05"), cfg).capability
    assert "nist_switchboard_wer" in cap.superseded
    assert cap.observed_level == pytest.approx(1.0)
