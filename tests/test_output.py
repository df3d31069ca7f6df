"""The one number formatter (scoring.output) shared by terminal tables, JSON, CSV and workbooks."""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pandas as pd

from gapscore.scoring import output

from gapscore.scoring.report import memo as report


def test_analyst_formats():
    assert output.fmt_year(2015.64) == "2015.6"  # never 2,015.64
    assert output.fmt_year(np.int64(2026)) == "2026"  # never 2,026
    assert output.fmt_money(24_000_000) == "$24.0M"
    assert output.fmt_money(1.25e9) == "$1.2B"
    assert output.fmt_money(250_000) == "$250K"
    assert output.fmt_money(0.0042) == "$0.0042"
    assert output.fmt_multiple(2.3456) == "2.3x"
    assert output.fmt_percent(0.41) == "41%"
    assert output.fmt_percent(0.004) == "0.4%"
    assert output.fmt_score(-0.01) == "0.0"
    assert output.fmt_count(100_000.0) == "100,000"


def test_unbounded_interval_ends_read_later_and_earlier():
    assert output.interval_end(float("inf"), "high") == "later"
    assert output.interval_end(None, "low") == "earlier"
    assert output.interval_end(2019.5, "high") == 2019.5
    assert output.fmt_interval(2016.24, float("nan")) == "2016.2 to later"
    table = output.frame_to_table(pd.DataFrame({"threshold": [0.95], "year": [2018.9], "low": [2016.3], "high": [np.nan]}))
    assert "later" in table and "2,018" not in table and "2018.9" in table


def test_columns_are_shown_by_kind():
    frame = pd.DataFrame({"sector": ["x"], "seed": [7.199999999999999], "capital_usd": [24e6], "rate": [0.41],
                          "decline_factor_per_year": [2.34], "milestone_year": [2015.64], "cohort": [2013], "n": [100000]})
    row = output.frame_to_table(frame).splitlines()[2].split()
    assert row == ["x", "7.2", "$24.0M", "41%", "2.3x", "2015.6", "2013", "100,000"]


def test_json_and_csv_carry_rounded_numbers():
    noisy = 0.3 * 24  # 7.199999999999999 in binary floating point (the series_a score of gapscore score)
    assert repr(noisy) == "7.199999999999999"
    assert json.loads(output.dumps_json({"v": noisy}))["v"] == 7.2
    csv = output.frame_to_csv(pd.DataFrame({"v": [noisy], "w": [2015.6378123456789], "n": [3]}))
    assert csv.splitlines()[1] == "7.2,2015.637812,3"


def test_long_statistics_table_formats_each_row_by_its_statistic():
    summary = pd.DataFrame({"statistic": ["p50", "prob_tvpi_at_least_3", "sims"], "value": [0.958, 0.17, 100000.0]})
    text = output.frame_to_table(output.long_table(summary))
    assert "1.0x" in text and "17%" in text and "100,000" in text and "100,000.000" not in text


def test_memo_template_formats_match_the_formatter():
    """The workbook shows a year, a money amount, a multiple as the terminal does."""
    tpl = tomllib.loads((report.BUNDLED_TEMPLATES / "memo.toml").read_text())
    for key in ("year", "calendar_year", "money", "multiple"):
        assert tpl["formats"][key] == output.EXCEL_FORMATS[key], key
