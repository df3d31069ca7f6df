"""Which published seed-to-A rate a sector's traction rests on (signals.published_traction).

Every expected rate below is read off the hand-made rows by the rule in
scoring/inputs/defaults.toml [graduation]: comparable window (24 months, or no window and a
data cut at least 24 months after the cohort's end), no top-performer benchmark, the
sector's own rate unless older than sector_max_age_years (5) with a later market rate
known, then the latest publication, then the latest cohort.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from gapscore.scoring.cli import main
from gapscore.scoring.inputs.config import load_config
from gapscore.scoring.inputs.datasets import DataStore, DataValidationError
from gapscore.scoring.signals.sector import published_traction, sector_signals

from conftest import write_mini

CFG = load_config()
HEADER = "sector,cohort_start,cohort_end,from_round,to_round,window_months,rate,rate_low,rate_high,n,population,followed_to,published,source\n"


def rows(tmp_path, text: str) -> pd.DataFrame:
    store = DataStore(write_mini(tmp_path / "d", {"graduation.csv": HEADER + text}), replace=True)
    return store.load("graduation")


def pick(frame, sector, as_of):
    return published_traction(frame, sector, pd.Timestamp(as_of), CFG)


def test_constants_the_expectations_rest_on():
    g = CFG["graduation"]
    assert g["window_months"] == 24 and g["sector_max_age_years"] == 5 and g["good_rate"] == 0.5


def test_only_rates_for_the_scored_window_count(tmp_path):
    """The 12-month 0.09 is newest but not a 24-month rate; the open-window row with no
    data cut has an unknown follow-up; the open-window row followed 20 months
    (2020-12-31 to 2022-08-31) is too short. Left: the 24-month 0.30."""
    frame = rows(tmp_path, """\
all,2020-01-01,2020-12-31,seed,series_a,24,0.30,,,,market,,2023-06-30,a
all,2023-01-01,2023-12-31,seed,series_a,12,0.09,,,,market,,2024-12-31,b
all,2020-01-01,2020-12-31,seed,series_a,,0.50,,,,market,,2024-06-30,c
all,2020-01-01,2020-12-31,seed,series_a,,0.60,,,,market,2022-08-31,2024-06-30,d
""")
    t = pick(frame, "vision", "2025-01-01")
    assert t.rate == pytest.approx(0.30) and t.population == "market" and t.source == "a"
    line = t.line()
    assert "12-month window, not 24" in line and "follow-up is unknown" in line and "followed only 20 months" in line
    assert "describes seed cohorts 2020, which ended 4.0 years before 2025-01-01" in line


def test_an_open_window_followed_long_enough_counts_and_says_so(tmp_path):
    """Cohort ends 2010-12-31, data cut 2017-02-28: 74 months >= 24."""
    frame = rows(tmp_path, "all,2008-01-01,2010-12-31,seed,series_a,,0.46,,,1098,,2017-02-28,2017-12-31,cb\n")
    t = pick(frame, "vision", "2019-01-01")
    assert t.rate == pytest.approx(0.46) and t.population == "market"  # blank population: market for sector all
    assert "no fixed window: followed to 2017-02-28, at least 74 months, so it also counts rounds after 24 months" in t.line()


def test_top_performers_are_the_benchmark_never_a_population_rate(tmp_path):
    """Same publication date: the good-firms 0.625 would win the old tie-break; it is
    skipped, and of the two market rows the later cohort (2022, 0.15) is chosen."""
    frame = rows(tmp_path, """\
all,2018-01-01,2018-03-31,seed,series_a,24,0.306,,,,market,,2024-12-31,q1-2018
all,2022-01-01,2022-12-31,seed,series_a,24,0.15,,,,market,,2024-12-31,2022
all,2013-01-01,2022-12-31,seed,series_a,24,0.625,0.50,0.75,,top_performers,,2024-12-31,hudson
vision,2013-01-01,2022-12-31,seed,series_a,24,0.70,,,,top_performers,,2024-12-31,vision good firms
""")
    t = pick(frame, "vision", "2024-12-31")
    assert t.rate == pytest.approx(0.15) and t.source == "2022"
    assert "describes top performers" in t.note
    only_top = rows(tmp_path / "b", "all,2013-01-01,2022-12-31,seed,series_a,24,0.625,0.50,0.75,,top_performers,,2024-12-31,hudson\n")
    assert pick(only_top, "vision", "2025-01-01") is None


def test_the_sectors_own_rate_first_until_it_is_stale(tmp_path):
    """Sector cohorts end 2019-12-31; market cohorts end 2021-12-31. As of 2024-06-30 the
    sector rate is 4.5 years old (<= 5): it wins. As of 2025-06-30 it is 5.5 years old
    and a later market cohort is known: the market's 0.20 stands in. A stale sector
    rate still wins against a market rate for older cohorts (2008-2010)."""
    frame = rows(tmp_path, """\
vision,2014-01-01,2019-12-31,seed,series_a,24,0.75,0.70,0.80,,sector,,2023-01-01,vision study
all,2020-01-01,2021-12-31,seed,series_a,24,0.20,,,,market,,2024-01-01,market
""")
    fresh = pick(frame, "vision", "2024-06-30")
    assert fresh.rate == pytest.approx(0.75) and fresh.population == "sector"
    assert "describes seed cohorts 2014-2019, which ended 4.5 years before 2024-06-30" in fresh.line()
    stale = pick(frame, "vision", "2025-06-30")
    assert stale.rate == pytest.approx(0.20) and stale.population == "market"
    assert "ended 5.5 years ago, over graduation.sector_max_age_years (5)" in stale.line()
    older_market = rows(tmp_path / "b", """\
vision,2014-01-01,2019-12-31,seed,series_a,24,0.75,0.70,0.80,,sector,,2023-01-01,vision study
all,2008-01-01,2010-12-31,seed,series_a,24,0.40,,,,market,,2024-01-01,old market
""")
    kept = pick(older_market, "vision", "2026-06-30")
    assert kept.rate == pytest.approx(0.75) and "which ended 6.5 years before 2026-06-30" in kept.line()


def test_a_source_range_is_not_called_an_interval(tmp_path):
    frame = rows(tmp_path, "vision,2014-01-01,2019-12-31,seed,series_a,24,0.75,0.70,0.80,,,,2023-01-01,vision study\n")
    t = pick(frame, "vision", "2024-01-01")
    assert t.band_kind() == "range given by the source"
    assert "range given by the source 70%-80%" in t.line() and "interval" not in t.line()


def test_population_must_agree_with_sector(tmp_path):
    with pytest.raises(DataValidationError, match="population 'market' needs sector 'all'"):
        rows(tmp_path, "vision,2014-01-01,2019-12-31,seed,series_a,24,0.75,,,,market,,2023-01-01,x\n")


def test_bundled_rates_by_date():
    """The bundled graduation.csv, for a sector without rounds or its own rate
    (speech_recognition) and for computer_vision, whose 2014-2019 '70% to 80%' gives no
    window or data cut: 2016 CB Insights 2015 0.40; 2019 CB Insights 2017 0.46;
    2024-12-31 Carta 2022 cohort 0.15 (not Hudson's 0.625); 2025-12-31 Carta Q1-2021
    cohort 0.328 (not the 12-month 0.09)."""
    store = DataStore()
    for as_of, rate in (("2016-06-30", 0.40), ("2019-06-30", 0.46), ("2024-12-31", 0.15), ("2025-12-31", 0.328)):
        for sector in ("speech_recognition", "computer_vision"):
            t = sector_signals(store, sector, pd.Timestamp(as_of), CFG).traction
            assert t.rate == pytest.approx(rate) and t.population == "market", (as_of, sector)
    cv = sector_signals(store, "computer_vision", pd.Timestamp("2025-12-31"), CFG).traction
    assert "computer_vision 2014-2019 cohorts 75%: no window and no data cut given" in cv.line()


def test_json_names_the_band_and_the_cohorts(runner):
    got = runner.invoke(main, ["score", "--as-of", "2024-12-31", "--sector", "speech_recognition", "--format", "json"])
    assert got.exit_code == 0, got.output
    t = json.loads(got.stdout)[0]["traction"]
    assert t["rate"] == pytest.approx(0.15) and t["band"] is None
    assert t["describes"].startswith("describes seed cohorts 2022") and "top performers" in t["not_used"]
