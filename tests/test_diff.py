"""``gapscore diff``: what changed between two dates, and why (scoring.signals.diff)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from gapscore.scoring.cli import main
from gapscore.scoring.inputs.config import load_config
from gapscore.scoring.inputs.datasets import DataStore
from gapscore.scoring.signals.diff import sector_diff

FROM, TO = pd.Timestamp("2024-12-31"), pd.Timestamp("2025-12-31")


@pytest.fixture(scope="module")
def speech():
    return sector_diff(DataStore(), "speech_recognition", FROM, TO, load_config())


def test_traction_moves_series_a_by_hand_checkable_points(speech):
    """Worked by hand: series_a weighs traction 40 (defaults.toml); traction = min(1, rate / good_rate)
    with good_rate 0.5, from the comparable (24-month) market rate (signals.published_traction).
    On 2024-12-31 three rows share that publication date: Hudson's 62.5% describes good firms
    (the benchmark, skipped); of Carta's 30.6% (Q1-2018 cohort) and 15% (2022 cohort) the
    later cohort wins: 0.15 / 0.5 = 0.30, 40 x 0.30 = 12 points. On 2025-12-31 Carta's Q1-2021
    cohort at 24 months (32.8%, published 2025-08-03) is the latest; its 12-month 9% (2024 Q2)
    is not a 24-month rate: 0.328 / 0.5 = 0.656, 40 x 0.656 = 26.24 points; change +14.24."""
    cfg = load_config()
    weight = cfg["stages"]["series_a"]["weights"]["traction"]
    assert weight == 40 and cfg["graduation"]["good_rate"] == 0.5
    row = speech.contributions.set_index(["stage", "factor"]).loc[("series_a", "traction")]
    assert row["points_from"] == pytest.approx(weight * 0.15 / 0.5)
    assert row["points_to"] == pytest.approx(weight * 0.328 / 0.5)
    assert row["change"] == pytest.approx(14.24)
    assert speech.score_changes["series_a"] == pytest.approx(14.24)
    assert speech.moved and not speech.recommendation_changed
    new = speech.new_rows["graduation"]
    carta = new[(new["from_round"] == "seed") & (new["to_round"] == "series_a") & (new["published"] == "2025-08-03")]
    assert sorted(carta["rate"]) == [pytest.approx(0.09), pytest.approx(0.328)]  # the 2024 Q2 and 2021 Q1 cohorts
    assert (new["published"] > FROM).all() and (new["published"] <= TO).all()


def test_cli_names_what_changed_and_why():
    runner = CliRunner()
    result = runner.invoke(main, ["diff", "--from", "2024-12-31", "--to", "2025-12-31", "--sector", "speech_recognition"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "What changed from 2024-12-31 to 2025-12-31: 1 of 1 sector(s) moved: speech_recognition."
    assert "  series_a 12.0 -> 26.2 (+14.2): traction +14.2 (12.0 -> 26.2)" in lines
    assert any(line.startswith("  new data known on the later date:") and "graduation row(s)" in line for line in lines)
    data = json.loads(runner.invoke(main, ["diff", "--from", "2024-12-31", "--to", "2025-12-31", "--sector",
                                           "speech_recognition", "--format", "json"]).output)
    assert data["moved"] == ["speech_recognition"]
    sec = data["sectors"][0]
    assert sec["score_changes"]["series_a"] == pytest.approx(14.24)
    assert sec["new_row_counts"]["graduation"] == len(sec["new_rows"]["graduation"]) > 0
    csv = runner.invoke(main, ["diff", "--from", "2024-12-31", "--to", "2025-12-31", "--sector", "speech_recognition", "--format", "csv"]).output
    assert csv.splitlines()[0].startswith("sector,recommendation_from,recommendation_to,stage,score_from,score_to,score_change,factor")
    # speech reads harvest at both dates: NIST Switchboard (1995-97) is superseded by Hub5'00 (was series_b)
    assert "speech_recognition,harvest,harvest,series_a,12,26.24,14.24,traction,12,26.24,14.24" in csv


def test_from_must_precede_to():
    result = CliRunner().invoke(main, ["diff", "--from", "2025-12-31", "--to", "2024-12-31"])
    assert result.exit_code == 1
    assert "is not before --to" in result.output


def test_holdings_template_is_a_filled_example_that_review_accepts(tmp_path):
    runner = CliRunner()
    target = tmp_path / "holdings.csv"
    assert runner.invoke(main, ["data", "template", "holdings", "-o", str(target)]).exit_code == 0
    frame = pd.read_csv(target)
    assert list(frame.columns) == ["company", "sector", "stage", "invested_usd", "date"] and len(frame) >= 5
    result = runner.invoke(main, ["portfolio", "review", str(target), "--as-of", "2025-06-30", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["holdings"]) == frame["company"].nunique()  # a company's investments are summed
    assert sum(h["invested_usd"] for h in data["holdings"]) == pytest.approx(frame["invested_usd"].sum())


def test_memo_since_adds_a_what_changed_sheet(tmp_path):
    import openpyxl

    out = tmp_path / "m.xlsx"
    result = CliRunner().invoke(main, ["memo", "speech_recognition", "--as-of", "2025-12-31", "--since", "2024-12-31", "-o", str(out)])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:2] == ["Summary", "What changed"]
    text = [c.value for row in wb["What changed"].iter_rows() for c in row if isinstance(c.value, str)]
    assert "series_a 12.0 -> 26.2 (+14.2): traction +14.2 (12.0 -> 26.2)" in text
