"""A new user's hostile day, round 2: odd sector ids, headers not on line 1, vendor
exports and holdings with values no analysis can use. Each test names what went wrong
before its fix."""

from __future__ import annotations

import textwrap

import pytest

from gapscore.scoring.cli import main

from conftest import MINI, write_mini


def _mini(name: str) -> str:
    return textwrap.dedent(MINI[name]).lstrip("\n")


def test_a_sector_id_with_a_slash_is_not_a_path_for_the_default_memo(runner, tmp_path, monkeypatch):
    """`memo "a/b"` without -o wrote ./a/b-memo-DATE.xlsx, creating the folder a/ (an id
    such as "../x" wrote outside the working folder). The default name is now the one
    `memo --all` gives the sector: anything but letters, digits, '_', '-' and '.' replaced."""
    text = _mini("sectors.toml").replace("[sectors.chat]", '[sectors."../up/chat"]').replace("[sectors.chat.", '[sectors."../up/chat".')
    data = write_mini(tmp_path / "d", {"sectors.toml": text,
                                       "benchmarks.csv": _mini("benchmarks.csv").replace("toy_score,chat,", "toy_score,../up/chat,")})
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = runner.invoke(main, ["--data-dir", str(data), "--replace-data", "memo", "../up/chat", "--as-of", "2023"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in work.iterdir()] == ["up_chat-memo-2023-12-31.xlsx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "work"]


@pytest.mark.parametrize("above, line, says", [
    ("my export,,,,\n", 2, "delete line 1 above it"),
    ("Results from the leaderboard\n", 2, "delete line 1 above it"),
    ("\n", 2, "delete the blank line above it"),
    ("\n\n", 3, "delete lines 1-2 above it"),
])
def test_a_header_below_line_1_is_named_as_such(runner, tmp_path, above, line, says):
    """A title row or blank lines above the header were reported as "line 2: has a value in
    a column with no name in the header" or "has more fields than the header's 0; put quotes
    around values that contain commas": the wrong cause and the wrong fix."""
    data = write_mini(tmp_path / "d")
    (data / "capability.csv").write_text(above + _mini("capability.csv"))  # write_mini strips leading newlines
    result = runner.invoke(main, ["--data-dir", str(data), "--replace-data", "data", "validate"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.splitlines()[0] == (f"error: {data / 'capability.csv'}:{line}: the header (benchmark, date, system, "
                                             f"value, source) is on line {line}, not line 1; {says}")


@pytest.mark.parametrize("name, edit, line, column, says", [
    ("capability.csv", lambda t: t.replace("x,40,", "x,100000,"), 5, "value",
     "value 100000.0 is outside 0-100: its benchmark is in percent (85 for 85%)"),
    ("capability.csv", lambda t: t.replace("a,28.0,", "a,-3,").replace("99.5,error_percent,log", "99.5,error_percent,linear"), 2, "value",
     "value -3.0 is outside 0-100: its benchmark is in percent (85 for 85%)"),
    ("benchmarks.csv", lambda t: t.replace("accuracy,true,90,25", "accuracy,true,900,25"), 3, "human_baseline",
     "value 900.0 is outside 0-100 for a benchmark in percent (85 for 85%)"),
])
def test_a_percent_outside_0_100_is_refused(runner, tmp_path, name, edit, line, column, says):
    """An accuracy of 100000 (percent) validated and scored as a saturated benchmark (harvest):
    a score from a typo. Values, baselines and floors in percent or error_percent lie in 0-100."""
    both = edit(_mini("capability.csv") + "\n" + _mini("benchmarks.csv")).split("\n\n")  # one edit over both files
    data = write_mini(tmp_path / "d", {"capability.csv": both[0] + "\n", "benchmarks.csv": both[1]})
    result = runner.invoke(main, ["--data-dir", str(data), "--replace-data", "data", "validate"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.splitlines()[0] == (f"error: {data / name}:{line}: column {column}: {says}; fix the value, "
                                             "or the unit in benchmarks.csv")
