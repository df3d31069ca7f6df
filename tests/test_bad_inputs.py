"""The broken-input corpus (tests/bad_inputs) through the CLI: located errors, no damage.

Each file in ``tests/bad_inputs/MANIFEST.toml`` is installed into a copy of the mini data
set (or passed as ``--config``) and run through ``data validate`` (or ``score --format
csv``) and ``memo``. Every run must exit 1 without a traceback, with one ``error:`` line per
problem, one of them naming the file, the line (where the file has one) and the column and
saying what is wrong; no memo may appear, and an existing memo must stay byte-identical,
with or without --force.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from gapscore.scoring.cli import main
from gapscore.scoring.inputs.datasets import DATASETS

from conftest import MINI, write_mini

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = tomllib.loads((CORPUS / "MANIFEST.toml").read_text(encoding="utf-8"))["case"]
MEMO = ["memo", "vision", "--as-of", "2016"]
SENTINEL = b"an analyst's memo, not to be touched\n"
FIRST_OF_EACH = [next(c for c in CASES if c["install"] == name) for name in dict.fromkeys(c["install"] for c in CASES)]


def installed(case: dict, tmp_path: Path) -> tuple[list[str], Path]:
    """Global options that bring the case's file in, and the path errors should name."""
    data = write_mini(tmp_path / "data")
    if case["install"] == "--config":
        target = tmp_path / case["file"]
        shutil.copy(CORPUS / case["file"], target)
        return ["--data-dir", str(data), "--replace-data", "--config", str(target)], target
    target = data / case["install"]
    if target.name == "rounds.csv.gz":
        (data / "rounds.csv").unlink()  # rounds.csv would be read first
    shutil.copy(CORPUS / case["file"], target)
    return ["--data-dir", str(data), "--replace-data"], target


def expected_location(case: dict, target: Path) -> tuple[str, str]:
    """(prefix of the error line, fragment it must contain) for a case."""
    line, column = case.get("line"), case.get("column")
    if case["install"] == "--config":  # "FILE: key = value: rule", or tomllib's "(at line L, column C)"
        if line is not None:
            return f"error: {target}: ", f"(at line {line}, column {column})"
        return f"error: {target}: ", f" {column} " if column else ""
    prefix = f"error: {target}" + (f":{line}" if line is not None else "") + ":"
    return prefix + (f" column {column}:" if column else "") + " ", ""


def assert_refused(result, case: dict, target: Path) -> None:
    out = result.stdout + result.stderr
    assert result.exit_code == 1, out
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in out
    lines = result.stderr.splitlines()
    assert lines and all(l.startswith("error: ") for l in lines[:-1]), lines
    assert lines[-1].startswith("error: ") or lines[-1].endswith("problem(s) found."), lines
    prefix, fragment = expected_location(case, target)
    located = [l for l in lines if l.startswith(prefix) and fragment in l and case["says"] in l]
    assert located, f"no line starts {prefix!r} with {fragment!r} and {case['says']!r}:\n" + "\n".join(lines)


def test_the_corpus_covers_every_dataset_and_the_config():
    names = sorted(p.name for p in CORPUS.iterdir() if p.name != "MANIFEST.toml")
    assert names == sorted(c["file"] for c in CASES)
    assert len(names) >= 40
    installs = {c["install"].split(".")[0] for c in CASES}
    assert installs == set(DATASETS) | {"--config"}
    assert all(c["says"] and c["why"] for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_broken_file_is_refused_with_its_location_and_nothing_written(runner, tmp_path, case):
    options, target = installed(case, tmp_path)
    scored = case["install"] == "--config" or case.get("command") == "score"
    check = ["score", "--as-of", "2016", "--format", "csv"] if scored else ["data", "validate"]
    result = runner.invoke(main, [*options, *check])
    assert_refused(result, case, target)
    if check[0] == "score":
        assert result.stdout == ""  # no half table on stdout
    if case.get("command") == "score":  # the same lines as data validate, whatever the command
        validated = runner.invoke(main, [*options, "data", "validate"])
        assert validated.stderr == result.stderr

    # The memo fails on the data (or config) with --force: the memo already there stays as
    # it was, and nothing else (no temporary file) appears beside it.
    out = tmp_path / "out"
    out.mkdir()
    existing = out / "memo.xlsx"
    existing.write_bytes(SENTINEL)
    result = runner.invoke(main, [*options, *MEMO, "-o", str(existing), "--force"])
    assert_refused(result, case, target)
    assert existing.read_bytes() == SENTINEL
    assert [p.name for p in out.iterdir()] == ["memo.xlsx"]


@pytest.mark.parametrize("case", FIRST_OF_EACH, ids=[c["file"] for c in FIRST_OF_EACH])
def test_no_new_memo_and_no_overwrite_without_force(runner, tmp_path, case):
    """The same refusal to a new path and, without --force, to an existing file (one case
    per installed file: these paths do not depend on what is wrong inside it)."""
    options, target = installed(case, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    result = runner.invoke(main, [*options, *MEMO, "-o", str(out / "new.xlsx")])
    assert_refused(result, case, target)
    assert list(out.iterdir()) == []
    existing = out / "memo.xlsx"
    existing.write_bytes(SENTINEL)
    result = runner.invoke(main, [*options, *MEMO, "-o", str(existing)])
    assert result.exit_code == 1 and "Traceback" not in result.stdout + result.stderr
    assert existing.read_bytes() == SENTINEL
    assert [p.name for p in out.iterdir()] == ["memo.xlsx"]


def test_a_bom_alone_is_valid(runner, tmp_path):
    """A UTF-8 byte-order mark (Excel's "CSV UTF-8") is tolerated on every CSV: the data
    validates and gives the same scores as without it."""
    plain = write_mini(tmp_path / "plain")
    bom = write_mini(tmp_path / "bom")
    for name in MINI:
        if name.endswith(".csv"):
            path = bom / name
            path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = runner.invoke(main, ["--data-dir", str(bom), "--replace-data", "data", "validate"])
    assert result.exit_code == 0, result.stderr
    scores = [runner.invoke(main, ["--data-dir", str(d), "--replace-data", "score", "--as-of", "2023", "--format", "csv"])
              for d in (plain, bom)]
    assert scores[0].exit_code == scores[1].exit_code == 0
    assert scores[0].stdout == scores[1].stdout
