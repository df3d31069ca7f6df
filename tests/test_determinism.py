"""Same inputs and seed, same outputs: two runs in two processes that differ in hash seed,
time zone and BLAS thread count (a stand-in for another machine), run side by side.

Compared: ``score --format json``, ``portfolio build --format json`` and the cell contents
(value and type of every cell, sheet names, defined names) of a memo and a portfolio
workbook. The bundled data, two sectors, and 40 bootstrap draws keep it quick.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from openpyxl import load_workbook

RUNS = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from click.testing import CliRunner
    from gapscore.scoring.cli import main

    def run(out: Path, config: Path) -> None:
        runner = CliRunner()
        sectors = ["--sector", "llm_assistants", "--sector", "computer_vision"]
        common = ["--config", str(config)]
        jobs = {
            "score.json": ["score", "--as-of", "2024-06-30", *sectors, "--format", "json"],
            "portfolio.json": ["portfolio", "build", "--as-of", "2024-06-30", *sectors, "--sims", "2000",
                               "--seed", "7", "--format", "json", "-o", str(out / "portfolio.xlsx")],
            "memo.stdout": ["memo", "llm_assistants", "--as-of", "2024-06-30", "-o", str(out / "memo.xlsx")],
        }
        for name, args in jobs.items():
            result = runner.invoke(main, [*common, *args])
            if result.exit_code != 0:
                raise SystemExit(f"{args}: {result.output}")
            (out / name).write_text(result.stdout)

    if __name__ == "__main__":
        run(Path(sys.argv[1]), Path(sys.argv[2]))
""")

ENVIRONMENTS = (
    {"PYTHONHASHSEED": "1", "TZ": "UTC", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
    {"PYTHONHASHSEED": "4242", "TZ": "Pacific/Chatham", "OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2"},
)


def workbook_cells(path: Path) -> dict:
    """Everything a reader of the workbook sees in its cells, names and sheets."""
    wb = load_workbook(path)
    return {
        "sheets": wb.sheetnames,
        "names": sorted((n, str(d.attr_text)) for n, d in wb.defined_names.items()),
        "cells": {ws.title: [(c.coordinate, c.data_type, c.value) for row in ws.iter_rows() for c in row if c.value is not None]
                  for ws in wb.worksheets},
    }


def outputs(folder: Path) -> dict:
    return {
        "score": json.loads((folder / "score.json").read_text()),
        "portfolio": json.loads((folder / "portfolio.json").read_text()),
        "memo": workbook_cells(folder / "memo.xlsx"),
        "portfolio_book": workbook_cells(folder / "portfolio.xlsx"),
    }


def test_same_inputs_same_outputs_across_runs_and_processes(tmp_path):
    config = tmp_path / "fast.toml"
    config.write_text("[capability]\nn_boot = 40\n")
    script = tmp_path / "runs.py"
    script.write_text(RUNS)
    folders = [tmp_path / f"run_{i}" for i in range(len(ENVIRONMENTS))]
    for f in folders:
        f.mkdir()
    children = [
        # each child its own cache folder: both compute everything (no answer or fit read from the other's run)
        subprocess.Popen([sys.executable, str(script), str(folder), str(config)],
                         env={**os.environ, **extra, "GAPSCORE_CACHE_DIR": str(folder / "cache")},
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for folder, extra in zip(folders, ENVIRONMENTS)
    ]
    for child in children:
        _, err = child.communicate(timeout=300)
        assert child.returncode == 0, err

    first = outputs(folders[0])
    assert first["score"] and first["portfolio"] and first["memo"]["cells"] and first["portfolio_book"]["cells"]
    for folder in folders[1:]:
        other = outputs(folder)
        for key in first:
            assert other[key] == first[key], f"{folder.name}: {key} differs"
