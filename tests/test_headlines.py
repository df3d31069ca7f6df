"""Table output leads with the answer: the first lines of each command say the headline number."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from gapscore.scoring.cli import main


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


def test_score_says_what_it_ranks_by(runner):
    result = runner.invoke(main, ["score", "--as-of", "2017", "--sector", "computer_vision", "--sector", "speech_recognition"])
    assert result.exit_code == 0, result.output
    first, second = result.output.splitlines()[:2]
    assert first.startswith("Stage-timing scores (0-100) as of 2017-12-31, ranked by the best stage score")
    assert second.startswith("Top: ") and "Strongest early-stage case: " in second
    csv = runner.invoke(main, ["score", "--as-of", "2017", "--sector", "computer_vision", "--rank-by", "early", "--format", "csv"]).output
    header, row = csv.splitlines()[:2]
    assert header.endswith("ranked_by,rank_score,rank_stage")
    seed, series_a = (float(v) for v in row.split(",")[2:4])
    assert float(row.split(",")[-2]) == pytest.approx(max(seed, series_a))  # max of the measured early stages here


def test_curve_graduation_leads_with_rate_median_and_survival(runner):
    args = ["curve", "graduation", "--category", "software", "--as-of", "2013-10-01"]
    lines = runner.invoke(main, args).stdout.splitlines()
    assert lines[0] == "seed to series_a within 24 months, software, as of 2013-10-01:"
    assert lines[1].startswith("  pooled rate ") and "95% Wilson" in lines[1]
    assert lines[2].startswith("  Kaplan-Meier over ") and "median time to series_a" in lines[2]
    data = json.loads(runner.invoke(main, [*args, "--format", "json"]).stdout)
    h = data["headline"]
    assert h["pooled_rate"] == pytest.approx(h["graduated"] / h["companies"])  # pooled over closed cohorts
    assert sum(c["n"] for c in data["cohorts"]) == h["companies"]
    at24 = next(c for c in h["checkpoints"] if c["months"] == 24)
    assert at24["graduated"] == pytest.approx(h["graduated_by_window"])
    assert f"{round(100 * h['pooled_rate'])}%" in lines[1]


def test_curve_capability_leads_with_level_and_years(runner):
    lines = runner.invoke(main, ["curve", "capability", "speech_recognition", "--as-of", "2015"]).output.splitlines()
    assert lines[0].startswith("speech_recognition as of 2015-12-31: capability ")
    assert "80% reached" in lines[0] or "80% expected" in lines[0]
    assert ",015" not in "\n".join(lines)  # years never carry a thousands separator


def test_portfolio_review_leads_with_signal_counts(runner, tmp_path):
    target = tmp_path / "h.csv"
    runner.invoke(main, ["data", "template", "holdings", "-o", str(target)])
    lines = runner.invoke(main, ["portfolio", "review", str(target), "--as-of", "2025-06-30"]).output.splitlines()
    assert lines[0] == "Portfolio review as of 2025-06-30: 5 companies."
    assert lines[1].startswith("Signals: follow on ") and "hold " in lines[1] and "prepare exit " in lines[1]
