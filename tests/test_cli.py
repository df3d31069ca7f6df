"""The command line: exact messages, exit codes, formats (click's CliRunner)."""

from __future__ import annotations

import csv
import io
import json

import click
import pytest

from gapscore.scoring.cli import main

from conftest import write_mini


def _commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, prefix + (name,))


@pytest.mark.parametrize("path, cmd", list(_commands(main)), ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_command_has_help_with_an_example(runner, path, cmd):
    result = runner.invoke(main, [*path, "--help"])
    assert result.exit_code == 0
    assert cmd.help and "Example" in cmd.help, f"gapscore {' '.join(path)} needs help text with an example"


def test_version(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("gapscore, version ")


def test_sectors_json(runner, mini_dir):
    result = runner.invoke(main, ["--data-dir", str(mini_dir), "--replace-data", "sectors", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["sector"] for r in rows] == ["vision", "chat"]
    assert rows[1]["cost_curve"] == "toy_score >= 50"


def test_data_list_csv(runner, mini_dir):
    result = runner.invoke(main, ["--data-dir", str(mini_dir), "--replace-data", "data", "list", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = {r["dataset"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["capability"]["rows"] == "5"
    assert (rows["capability"]["start"], rows["capability"]["end"]) == ("2010-06-01", "2022-06-01")


def test_data_show_sector_and_as_of(runner, mini_dir):
    args = ["--data-dir", str(mini_dir), "--replace-data", "data", "show", "capability", "--sector", "vision", "--as-of", "2013", "--format", "json"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert [r["system"] for r in json.loads(result.stdout)] == ["a", "b"]


def test_unknown_sector_is_one_line(runner, mini_dir):
    result = runner.invoke(main, ["--data-dir", str(mini_dir), "--replace-data", "data", "show", "capability", "--sector", "nope"])
    assert result.exit_code == 1
    assert result.stderr == "error: sectors.toml: unknown sector 'nope'; choose one of chat, vision (see 'gapscore sectors')\n"


def test_validate_reports_every_problem(runner, tmp_path):
    folder = write_mini(tmp_path / "bad", {"exits.csv": """
        company,date,kind,source
        c2,2012-01-01,sold,hand-made
        c3,someday,closed,hand-made
    """})
    result = runner.invoke(main, ["data", "validate", "--data-dir", str(folder)])
    assert result.exit_code == 1
    exits = folder / "exits.csv"
    assert result.stderr.splitlines() == [
        f"error: {exits}:2: column kind: value 'sold' must be one of ['acquired', 'ipo', 'closed']",
        f"error: {exits}:3: column date: value 'someday' is not a date; write it as YYYY-MM-DD",
        "2 problem(s) found.",
    ]
    assert "Traceback" not in result.output


def test_validate_ok(runner, mini_dir):
    result = runner.invoke(main, ["--data-dir", str(mini_dir), "--replace-data", "data", "validate"])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("ok: ")


def test_template_never_overwrites(runner, tmp_path):
    out = tmp_path / "rounds.csv"
    assert runner.invoke(main, ["data", "template", "rounds", "-o", str(out)]).exit_code == 0
    assert out.read_text().splitlines()[0] == "company,category,round,date,amount_usd,source"
    out.write_text("mine")
    result = runner.invoke(main, ["data", "template", "rounds", "-o", str(out)])
    assert result.exit_code == 1
    assert result.stderr == f"error: {out}: already exists; pass --force to replace it or choose another path with -o\n"
    assert out.read_text() == "mine"


def test_bad_as_of(runner):
    result = runner.invoke(main, ["data", "show", "capability", "--as-of", "soon"])
    assert result.exit_code == 2
    assert "'soon' is not a date; write YYYY, YYYY-MM or YYYY-MM-DD" in result.stderr


def test_config_init_then_show_roundtrip(runner, tmp_path):
    out = tmp_path / "g.toml"
    assert runner.invoke(main, ["config", "init", "-o", str(out)]).exit_code == 0
    text = out.read_text().replace("min_score = 40.0", "min_score = 55.0")
    out.write_text(text)
    result = runner.invoke(main, ["--config", str(out), "config", "show", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["recommendation"]["min_score"] == 55.0


def test_bad_config_values_one_line_each(runner, tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[stages.seed]\nweights = { timing = 90.0, capability_momentum = 25.0 }\n[signals]\nmissing_value = 2\n[typo]\nx = 1\n')
    result = runner.invoke(main, ["--config", str(cfg), "config", "show"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: {cfg}: typo is not a known setting; see 'gapscore config show'",
        f"error: {cfg}: signals.missing_value = 2: must be between 0 and 1",
        f"error: {cfg}: stages.seed.weights = {{'timing': 90.0, 'capability_momentum': 25.0}}: must sum to 100 (they sum to 115)",
        "3 problem(s) found.",
    ]


def test_config_toml_syntax_error(runner, tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[stages.seed\n")
    result = runner.invoke(main, ["--config", str(cfg), "config", "show"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {cfg}: TOML syntax error: ")
    assert len(result.stderr.splitlines()) == 1


def test_curve_cost_table_leads_with_the_rate_interval_and_shrunk_rate(runner):
    from gapscore.scoring.cli import main

    result = runner.invoke(main, ["curve", "cost", "llm_assistants", "--as-of", "2025-12-01"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    labels = [line.split("  ")[0].strip() for line in lines[2:]]
    for label in ("price falls per year, fitted (x)", "90% CI, slow (x)", "90% CI, fast (x)", "shrunk toward the pool (x)",
                  "span of the data (years)", "unit economics viable (inference <= 10% of revenue)"):
        assert label in labels
    assert labels.index("price falls per year, fitted (x)") < labels.index("shrunk toward the pool (x)") < labels.index("span of the data (years)")
    assert "35.9x" in lines[labels.index("price falls per year, fitted (x)") + 2]


def test_curve_economics_table_leads_with_the_headline(runner):
    from gapscore.scoring.cli import main

    result = runner.invoke(main, ["curve", "economics", "speech_recognition", "--as-of", "2025-12-01"])
    assert result.exit_code == 0, result.output
    head, _, table = result.output.partition("\nyear ")
    assert "price falls per year, fitted (x)" in head and "unit economics viable (inference <= 10% of revenue)" in head
    assert "span of the data (years)" in head and table.strip()


def test_compute_cost_table_problems_are_named_one_line_each(runner, tmp_path):
    from gapscore.scoring.cli import main

    (tmp_path / "sectors.toml").write_text(
        '[sectors.v2]\nname = "V2"\ndescription = "d"\nbenchmarks = ["imagenet_top5_error"]\n\n'
        '[sectors.v2.cost]\nmode = "compute"\nunit = "1,000 images"\ncapability = "x"\ncapability_level = 80\n'
        'flop_per_unit_date = "2012-01-01"\nhalving_years = -1\nhalving_date = "soon"\n'
    )
    result = runner.invoke(main, ["--data-dir", str(tmp_path), "curve", "cost", "v2"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert 'sectors.v2.cost.flop_per_unit: is required in [sectors.v2.cost] with mode = "compute"' in result.output
    assert "sectors.v2.cost.halving_date: 'soon' is not a date; write it as YYYY-MM-DD" in result.output
    assert "sectors.v2.cost.halving_years: must be a number above 0; got -1" in result.output


@pytest.mark.parametrize("jobs", ["0", "-2", "1.5", "abc", "--1", ""])
def test_jobs_that_cannot_run_anything_are_refused_by_the_option(runner, jobs):
    """``--jobs`` (global and backtest's) takes 1 or more, or -1 for every core: anything else
    is one usage line naming the option, before any work."""
    for args in (["--jobs", jobs, "sectors"], ["backtest", "computer_vision", "--jobs", jobs]):
        res = runner.invoke(main, args)
        assert res.exit_code == 2, (args, res.output)
        assert "Invalid value for '--jobs'" in res.output and "give 1 or more, or -1 for every core" in res.output
        assert res.exception is None or isinstance(res.exception, SystemExit)


def test_jobs_env_var_sets_the_default(runner, monkeypatch):
    monkeypatch.setenv("GAPSCORE_JOBS", "0")
    res = runner.invoke(main, ["sectors"])
    assert res.exit_code == 2 and "Invalid value for '--jobs'" in res.output
