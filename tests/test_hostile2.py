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
