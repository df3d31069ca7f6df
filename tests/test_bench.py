"""Tests for the benchmark's round generator, large-input loading and ``python -m bench``.

The generator is checked against its own definition (sizes, labels, export date, no
Series A before the seed); loading is checked by agreement: the same table written as
CSV, gzipped CSV and Parquet must load into equal frames, equal to the generated one.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gapscore.models.rounds import ROUND_LABELS
from gapscore.scoring.cli import main
from gapscore.scoring.inputs.datasets import DataStore, public

ROOT = Path(__file__).resolve().parent.parent
SMALL = dict(rounds=6_000, companies=1_000, categories=12, cohort_years=6)
SCHEMA_COLUMNS = ["company", "category", "round", "date", "amount_usd", "source"]


def _load_generator():
    """bench/make_rounds.py as a module (bench/ is a folder of the repository, not installed)."""
    spec = importlib.util.spec_from_file_location("bench_make_rounds", ROOT / "bench" / "make_rounds.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mr = _load_generator()


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return mr.make_rounds(**SMALL, seed=5)


def test_generator_is_deterministic(table):
    pd.testing.assert_frame_equal(mr.make_rounds(**SMALL, seed=5), table)
    assert not mr.make_rounds(**SMALL, seed=6).equals(table)


def test_generator_sizes_labels_and_censoring(table):
    assert len(table) == SMALL["rounds"]
    assert table["company"].nunique() == SMALL["companies"]
    assert table["category"].nunique() == SMALL["categories"]
    assert list(table.columns) == list(mr.COLUMNS)
    assert set(table["round"]) <= set(ROUND_LABELS)
    export = pd.Timestamp(f"{mr.FIRST_COHORT_YEAR + SMALL['cohort_years'] + mr.EXPORT_LAG_YEARS - 1}-12-31")
    assert table["date"].max() <= export
    assert table.groupby("company")["category"].nunique().max() == 1  # one category per company
    assert table["date"].is_monotonic_increasing


def test_generator_progressions_climb_in_order(table):
    """Every company's first seed precedes its first later-stage round; some never get there."""
    first = table.pivot_table(index="company", columns="round", values="date", aggfunc="min")
    later = first[["series_a", "series_b", "series_c", "series_d_plus"]].min(axis=1)
    both = first["seed"].notna() & later.notna()
    assert (first.loc[both, "seed"] < later[both]).all()
    seeded = first["seed"].notna()
    share = later[seeded].notna().mean()
    assert 0.2 < share < 0.7  # a funnel, with censoring: many seeds never raise again
    # later cohorts are censored more: fewer of the last year's seeds have graduated
    last_year = first["seed"].dt.year == first["seed"].dt.year.max()
    assert later[seeded & last_year].notna().mean() < share


def test_generator_refuses_too_few_rounds():
    with pytest.raises(ValueError, match="too few"):
        mr.make_rounds(rounds=100, companies=1_000, categories=3, cohort_years=2)


@pytest.fixture(scope="module")
def written(table, tmp_path_factory) -> dict[str, Path]:
    """The table as rounds.csv, rounds.csv.gz and rounds.parquet, each in its own --data-dir."""
    out = {}
    for name in ("rounds.csv", "rounds.csv.gz", "rounds.parquet"):
        folder = tmp_path_factory.mktemp(name.replace(".", "_"))
        out[name] = mr.write_rounds(table, folder / name)
    return out


def test_every_format_loads_into_the_same_frame(table, written):
    """Loaded through DataStore (--data-dir, replacing the bundled rounds) as CSV, gz and
    Parquet: equal frames, equal to the generated table's schema columns."""
    frames = {}
    for name, path in written.items():
        store = DataStore(path.parent, replace=True)
        assert store.files("rounds") == [path]
        frames[name] = public(store.load("rounds"))
    expected = table[SCHEMA_COLUMNS].copy()
    for col in ("company", "category", "round", "source"):  # categoricals of the sorted Python strings
        values = expected[col].astype(object)
        categories = pd.Index(sorted(set(values.dropna())), dtype=object)
        expected[col] = pd.Categorical(values, dtype=pd.CategoricalDtype(categories))
    for name, frame in frames.items():
        assert "original_round" not in frame.columns  # only the schema's columns are read
        pd.testing.assert_frame_equal(frame, expected, check_dtype=True, obj=name)


def test_parquet_and_csv_report_the_same_line_numbers(written):
    lines = [DataStore(p.parent, replace=True).load("rounds")["_line"].to_numpy() for p in written.values()]
    for other in lines[1:]:
        np.testing.assert_array_equal(other, lines[0])
    np.testing.assert_array_equal(lines[0], np.arange(2, SMALL["rounds"] + 2))


def test_curve_graduation_reads_every_format_alike(runner, written):
    """``gapscore curve graduation --rounds FILE``: one answer whatever the file's format."""
    outputs = []
    for path in written.values():
        result = runner.invoke(main, ["curve", "graduation", "--rounds", str(path), "--as-of", "2010-12-31",
                                      "--format", "json"])
        assert result.exit_code == 0, result.output
        outputs.append(json.loads(result.stdout))
    assert outputs[0]["cohorts"]  # cohorts were computed
    assert outputs[1] == outputs[0] and outputs[2] == outputs[0]


def test_generator_command_refuses_to_overwrite(tmp_path):
    target = tmp_path / "r.csv"
    target.write_text("keep me", encoding="utf-8")
    cmd = [sys.executable, "-m", "bench.make_rounds", "-o", str(target), "--rounds", "600",
           "--companies", "100", "--categories", "3", "--cohort-years", "2"]
    refused = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode == 1
    assert refused.stderr.strip() == f"error: {target}: already exists; pass --force to replace it"
    assert target.read_text(encoding="utf-8") == "keep me"
    forced = subprocess.run(cmd + ["--force"], cwd=ROOT, capture_output=True, text=True)
    assert forced.returncode == 0, forced.stderr
    assert len(pd.read_csv(target)) == 600


LINE = re.compile(r"^bench: (?P<name>[a-z0-9_]+) ratio=(?P<r>[0-9.e+-]+) ours=(?P<o>[0-9.e+-]+) reference=(?P<ref>[0-9.e+-]+)$")


@pytest.mark.slow
def test_quick_bench_prints_well_formed_lines(tmp_path):
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--cache", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    results = {}
    for line in done.stdout.splitlines():
        if line.startswith("#"):
            continue
        m = LINE.match(line)
        assert m, f"malformed line: {line!r}"
        ours, ref = float(m["o"]), float(m["ref"])
        assert ours > 0 and ref > 0
        assert float(m["r"]) == pytest.approx(ref / ours, rel=0.01)  # printed to 3 significant digits
        results[m["name"]] = ours
    assert set(results) == {"graduation_km_codes", "graduation_km", "graduation_km_object", "graduation_km_arrow",
                            "graduation_e2e", "monte_carlo", "monte_carlo_numpy", "monte_carlo_draws",
                            "memo_one", "memo_one_fits", "memo_all", "import_floor", "startup_help", "startup_score",
                            "startup_score_warm", "startup_score_fits", "import_score", "score_sectors_2", "rounds_load"}
    assert done.stdout.startswith("# gapscore bench --quick")
