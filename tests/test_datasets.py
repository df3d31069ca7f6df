"""The loaders: schemas, line numbers in errors, extend/replace, point in time."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from gapscore.scoring.inputs.datasets import DATASETS, DataStore, read_table, validate
from gapscore.scoring.errors import DataFileError, DataValidationError
from gapscore.scoring.inputs import schemas

from conftest import write_mini


def test_bundled_data_is_valid():
    store = DataStore()
    assert store.validate_all() == []


def test_every_bundled_row_has_a_source():
    store = DataStore()
    for name, spec in DATASETS.items():
        if spec.is_table:
            frame = store.load(name)
            assert frame["source"].notna().all(), name
            assert (frame["source"].astype(str).str.strip() != "").all(), name


def test_mini_replaces_bundled(mini_dir):
    store = DataStore(mini_dir, replace=True)
    assert sorted(store.sectors()) == ["chat", "vision"]
    assert len(store.load("capability")) == 5
    assert store.validate_all() == []


def test_extend_appends_rows_and_sectors(mini_dir):
    bundled = DataStore()
    both = DataStore(mini_dir)
    assert len(both.load("rounds")) == len(bundled.load("rounds")) + 4
    assert set(both.sectors()) == set(bundled.sectors()) | {"vision", "chat"}


def test_as_of_drops_later_rows(mini_dir):
    store = DataStore(mini_dir, replace=True)
    cap = store.as_of("capability", pd.Timestamp("2012-06-01"))
    assert list(cap["system"]) == ["a", "b"]
    grad = store.as_of("graduation", pd.Timestamp("2016-12-31"))
    assert grad.empty  # published 2017-03-01: unknown before, whatever its cohort


def test_errors_name_file_line_column_value(tmp_path):
    folder = write_mini(tmp_path / "d", {"prices.csv": """
        model,date,usd_per_mtok,provider,toy_score,verified,source
        m1,2021-01-01,100,p,55,true,hand-made
        m2,2021-13-01,-3,p,60,true,hand-made
        m3,2023-01-01,inf,p,52,maybe,hand-made
    """})
    with pytest.raises(DataValidationError) as info:
        DataStore(folder, replace=True).load("prices")
    lines = [str(p) for p in info.value.problems]
    assert any(l.startswith(str(folder / "prices.csv") + ":3: column date: value '2021-13-01' is not a date") for l in lines)
    assert any(":3: column usd_per_mtok: value -3.0 must be greater than 0" in l for l in lines)
    assert any(":4: column usd_per_mtok: value 'inf' is not a finite number" in l for l in lines)
    assert any(":4: column verified: value 'maybe' is not true or false" in l for l in lines)


def test_missing_column_suggests_spelling(tmp_path):
    path = tmp_path / "exits.csv"
    path.write_text("company,dates,kind,source\nc1,2012-01-01,ipo,x\n")
    with pytest.raises(DataFileError) as info:
        read_table(path, schemas.Exits)
    assert str(info.value).startswith(f"{path}:1: column date: missing required column(s) date (is 'dates' a misspelling")


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "is empty"),
        (b"company;date;kind;source\nc1;2012-01-01;ipo;x\n", "semicolon-delimited"),
        (b"PK\x03\x04rest-of-a-zip", "zip/xlsx workbook"),
        ("company,date,kind,source\nCaf\u00e9,2012-01-01,ipo,x\n".encode("latin-1"), "is not UTF-8"),
    ],
)
def test_unreadable_files(tmp_path, content, words):
    path = tmp_path / "exits.csv"
    path.write_bytes(content)
    with pytest.raises(DataFileError, match=words):
        read_table(path, schemas.Exits)


def test_bom_is_tolerated(tmp_path):
    path = tmp_path / "exits.csv"
    path.write_bytes("\ufeffcompany,date,kind,source\nc1,2012-01-01,ipo,x\n".encode("utf-8"))
    frame, problems = validate(read_table(path, schemas.Exits), schemas.Exits, path)
    assert problems == [] and frame.loc[0, "company"] == "c1"


def test_truncated_gzip_is_refused(tmp_path):
    path = tmp_path / "exits.csv.gz"
    data = gzip.compress(b"company,date,kind,source\n" + b"c1,2012-01-01,ipo,x\n" * 1000)
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataFileError, match="truncated gzip"):
        read_table(path, schemas.Exits)


def test_blank_lines_keep_line_numbers(tmp_path):
    path = tmp_path / "exits.csv"
    path.write_text("company,date,kind,source\n\nc1,2012-01-01,ipo,x\n\nc2,2012-01-01,sold,x\n")
    _, problems = validate(read_table(path, schemas.Exits), schemas.Exits, path)
    assert [str(p) for p in problems] == [f"{path}:5: column kind: value 'sold' must be one of ['acquired', 'ipo', 'closed']"]


def test_human_baseline_equal_to_floor(tmp_path):
    folder = write_mini(tmp_path / "d", {"benchmarks.csv": """
        benchmark,sector,metric,higher_is_better,human_baseline,floor,unit,scale,source
        toy_error,vision,top-5 error,false,99.5,99.5,error_percent,log,hand-made
        toy_score,chat,accuracy,true,90,25,percent,linear,hand-made
    """})
    with pytest.raises(DataValidationError, match="human_baseline equals floor"):
        DataStore(folder, replace=True).load("benchmarks")


def test_unknown_benchmark_reference(tmp_path):
    folder = write_mini(tmp_path / "d", {"capability.csv": """
        benchmark,date,system,value,source
        toy_error,2010-06-01,a,28.0,hand-made
        nope,2012-06-01,b,15.0,hand-made
    """})
    problems = [str(p) for p in DataStore(folder, replace=True).validate_all()]
    assert problems == [f"{folder / 'capability.csv'}:3: column benchmark: unknown benchmark 'nope'; add it to benchmarks.csv"]


def test_datapackage_describes_every_bundled_file():
    """data/datapackage.json lists each bundled file with its header's fields, a source and a licence."""
    import json

    from gapscore.scoring.inputs.datasets import BUNDLED_DIR

    package = json.loads((BUNDLED_DIR / "datapackage.json").read_text())
    described = {r["path"]: r for r in package["resources"]}
    shipped = {p.name for p in BUNDLED_DIR.iterdir() if p.suffix in (".csv", ".gz", ".toml")}
    assert set(described) == shipped
    for path, res in described.items():
        assert res["sources"] and res["licenses"], path
        if "schema" in res:
            opener = gzip.open if path.endswith(".gz") else open
            with opener(BUNDLED_DIR / path, "rt", encoding="utf-8") as fh:
                header = fh.readline().strip().split(",")
            assert [f["name"] for f in res["schema"]["fields"]] == header, path


def test_dates_with_zone_offsets_load_as_utc(tmp_path):
    """Found by the loader fuzzer: a 'Z' or '+05:00' date crashed the date-range check."""
    (tmp_path / "capability.csv").write_text(
        "benchmark,date,system,value,source\n"
        "imagenet_top5_error,2012-01-01T10:00:00Z,a,28.0,hand\n"
        "imagenet_top5_error,2013-01-01T10:00:00+05:00,b,20.0,hand\n"
        "imagenet_top5_error,2014-01-01,c,10.0,hand\n")
    frame = DataStore(tmp_path, replace=True).load("capability")
    assert str(frame["date"].dtype) == "datetime64[ns]"
    assert frame["date"].tolist() == [pd.Timestamp("2012-01-01 10:00"), pd.Timestamp("2013-01-01 05:00"), pd.Timestamp("2014-01-01")]


def test_observations_after_today_are_refused(tmp_path):
    """A capability row dated 2099 is impossible as an observation; the same row is fine
    for a store whose today is later (the check is against the real date, not as_of)."""
    folder = write_mini(tmp_path / "d", {"capability.csv": """
        benchmark,date,system,value,source
        toy_error,2010-06-01,a,28.0,hand-made
        toy_error,2099-06-01,z,1.0,hand-made
    """})
    with pytest.raises(DataValidationError) as info:
        DataStore(folder, replace=True, today=pd.Timestamp("2026-12-05")).load("capability")
    (problem,) = info.value.problems
    assert (problem.line, problem.column) == (3, "date")
    assert problem.message.startswith("date 2099-06-01 is after today (2026-12-05): nothing can be observed in the future")
    assert len(DataStore(folder, replace=True, today=pd.Timestamp("2100-01-01")).load("capability")) == 2


def test_a_broken_user_file_stops_reads_of_any_dataset(tmp_path):
    """The gate: a broken exits.csv in --data-dir refuses a read of capability too."""
    folder = write_mini(tmp_path / "d", {"exits.csv": "company,date,kind,source\nc2,2012-01-01,sold,hand-made\n"})
    with pytest.raises(DataValidationError) as info:
        DataStore(folder, replace=True).load("capability")
    assert [(p.file.endswith("exits.csv"), p.line, p.column) for p in info.value.problems] == [(True, 2, "kind")]
