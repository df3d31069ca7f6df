"""Vendor importers: Crunchbase and PitchBook exports (CSV and .xlsx) -> rounds schema.

Every expected row below was written by hand from the fixture files in
``tests/fixtures/vendor/`` (hand-made, see its README) or from the workbook the
test itself writes, using the label table in ``gapscore.scoring.inputs.importers``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gapscore.scoring.errors import ConfigError, DataFileError, DataValidationError, InputError
from gapscore.scoring.inputs.importers import (
    OUTPUT_COLUMNS,
    import_vendor,
    normalise_round,
    read_mapping,
)
from gapscore.scoring.inputs.schemas import ROUNDS

VENDOR = Path(__file__).parent / "fixtures" / "vendor"
NAN = float("nan")


def frame_of(rows: list[tuple], source: str) -> pd.DataFrame:
    """Expected frame from hand-written (company, category, round, date, amount, original) rows."""
    frame = pd.DataFrame(
        [(c, cat, r, pd.Timestamp(d), a, source, o) for c, cat, r, d, a, o in rows],
        columns=list(OUTPUT_COLUMNS),
    )
    frame["date"] = frame["date"].astype("datetime64[ns]")
    frame["amount_usd"] = frame["amount_usd"].astype("float64")
    for col in ("company", "category", "round", "source", "original_round"):
        frame[col] = frame[col].astype(object)
    return frame


CV_AI = "Computer Vision, Artificial Intelligence"
CRUNCHBASE_ROWS = [
    ("Lumen Optics", CV_AI, "pre_seed", "2015-02-10", 218_000.0, "Pre-Seed"),
    ("Lumen Optics", CV_AI, "seed", "2016-03-04", 1_500_000.0, "Seed"),
    ("Lumen Optics", CV_AI, "series_a", "2017-09-12", 8_000_000.0, "Series A"),
    ("Parse, Inc.", "Software", "seed", "2014-06-01", NAN, "Angel"),
    ("Parse, Inc.", "Software", "venture_unlabeled", "2015-01-20", 5_000_000.0, "Venture - Series Unknown"),
    ("=SUM(1+1)", "unknown", "series_d_plus", "2019-11-30", 40_000_000.0, "Series E"),
    ("#NAME?", "Financial Services", "other", "2018-05-05", 250_000.0, "Debt Financing"),
]

PB_CAT = "Application Software | Artificial Intelligence & Machine Learning"
PITCHBOOK_ROWS = [
    ("Retina Labs", PB_CAT, "pre_seed", "2016-03-04", 750_000.0, "Accelerator/Incubator"),
    ("Retina Labs", PB_CAT, "seed", "2017-01-15", 2_500_000.0, "Seed Round"),
    ("Retina Labs", PB_CAT, "series_a", "2018-06-20", 12_250_000.0, "Early Stage VC; Series A1"),
    ("Retina Labs", PB_CAT, "venture_unlabeled", "2020-09-01", NAN, "Later Stage VC"),
    ("Speakwell", "Business/Productivity Software", "series_d_plus", "2019-10-10", 30_000_000.0, "Later Stage VC; Series D"),
    ("Speakwell", "Business/Productivity Software", "other", "2021-11-11", 5_000_000.0, "Debt - General"),
]


def write_xlsx(path: Path, rows: list[list[object]], start_row: int = 1) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for i, values in enumerate(rows):
        for j, value in enumerate(values):
            if value is not None:
                ws.cell(row=start_row + i, column=j + 1, value=value)
    wb.save(path)
    return path


# --------------------------------------------------------------------------- layouts


def test_crunchbase_csv_rows_match_hand_mapping():
    """Picks 'Money Raised (in USD)', not the EUR 'Money Raised'; text kept as written."""
    got = import_vendor(VENDOR / "crunchbase_rounds.csv", "crunchbase")
    expected = frame_of(CRUNCHBASE_ROWS, "Crunchbase export (crunchbase_rounds.csv)")
    pd.testing.assert_frame_equal(got, expected)


def test_crunchbase_xlsx_reads_like_the_csv(tmp_path):
    """The same rows typed into a workbook, dates as date cells, amounts as numbers."""
    header = ["Organization Name", "Funding Type", "Money Raised (in USD)", "Announced Date", "Organization Industries"]
    body = [
        [c, o, None if a != a else a, dt.datetime.fromisoformat(d), None if cat == "unknown" else cat]
        for c, cat, _, d, a, o in CRUNCHBASE_ROWS
    ]
    body[5][0] = "=SUM(1+1)"  # written below as a text cell, not a formula
    path = write_xlsx(tmp_path / "cb.xlsx", [header, *body])
    wb = openpyxl.load_workbook(path)
    wb.active["A7"].data_type = "s"
    wb.active["A8"].data_type = "s"  # '#NAME?' as text, not an error value
    wb.save(path)
    got = import_vendor(path, "crunchbase")
    pd.testing.assert_frame_equal(got, frame_of(CRUNCHBASE_ROWS, "Crunchbase export (cb.xlsx)"))


def test_pitchbook_csv_with_title_rows_and_millions():
    """Header on line 4 under a title block; Deal Size 12.25 (USD millions) -> 12,250,000."""
    got = import_vendor(VENDOR / "pitchbook_deals.csv", "pitchbook")
    pd.testing.assert_frame_equal(got, frame_of(PITCHBOOK_ROWS, "PitchBook export (pitchbook_deals.csv)"))


def test_pitchbook_xlsx_rows_match_hand_mapping(tmp_path):
    header = ["Companies", "Deal Date", "Deal Size", "Deal Type", "Series", "Primary Industry Code", "Verticals"]
    body = [
        ["Vista AI", dt.datetime(2015, 5, 6), 1.2, "Angel (individual)", None, "Application Software", "Artificial Intelligence & Machine Learning"],
        ["Vista AI", dt.datetime(2016, 8, 9), 6, "Early Stage VC", "Series B", "Application Software", None],
        ["Vista AI", "2018-02-28", 0.05, "Later Stage VC", "Series C", None, None],
        [1947, dt.date(2019, 1, 2), None, "Restart - Later VC", None, "Other Devices", None],
    ]
    path = write_xlsx(tmp_path / "pb.xlsx", [["PitchBook"], [], header, *body])
    got = import_vendor(path, "pitchbook")
    expected = frame_of(
        [
            ("Vista AI", "Application Software | Artificial Intelligence & Machine Learning", "seed", "2015-05-06", 1_200_000.0, "Angel (individual)"),
            ("Vista AI", "Application Software", "series_b", "2016-08-09", 6_000_000.0, "Early Stage VC; Series B"),
            ("Vista AI", "unknown", "series_c", "2018-02-28", 50_000.0, "Later Stage VC; Series C"),
            ("1947", "Other Devices", "other", "2019-01-02", NAN, "Restart - Later VC"),
        ],
        "PitchBook export (pb.xlsx)",
    )
    pd.testing.assert_frame_equal(got, expected)


# --------------------------------------------------------------------------- mapping


def test_mapping_file_overrides_headers():
    mapping = read_mapping(VENDOR / "mapping.toml")
    assert mapping == {
        "company": "Company Name", "round": "Round", "date": "Close Date",
        "amount_usd": "Amount (USD)", "category": "",
    }
    got = import_vendor(VENDOR / "custom_layout.csv", "crunchbase", mapping=mapping)
    expected = frame_of(
        [
            ("Edge Vision", "unknown", "series_b", "2019-04-30", 25_000_000.0, "Series B"),
            ("Edge Vision", "unknown", "seed", "2016-07-01", NAN, "Series Seed"),
        ],
        "Crunchbase export (custom_layout.csv)",
    )
    pd.testing.assert_frame_equal(got, expected)


def test_json_mapping_reads_like_toml(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(read_mapping(VENDOR / "mapping.toml")), encoding="utf-8")
    assert read_mapping(path) == read_mapping(VENDOR / "mapping.toml")


def test_pitchbook_mapping_keeps_unmapped_defaults(tmp_path):
    path = tmp_path / "pb.csv"
    path.write_text(
        "Company,Deal Date,Deal Size,Deal Type,Primary Industry Code\n"
        "Quill,2020-01-01,3,Seed Round,Media\n",
        encoding="utf-8",
    )
    got = import_vendor(path, "pitchbook", mapping={"company": "Company"})
    expected = frame_of([("Quill", "Media", "seed", "2020-01-01", 3_000_000.0, "Seed Round")], "PitchBook export (pb.csv)")
    pd.testing.assert_frame_equal(got, expected)


def test_mapping_errors(tmp_path):
    with pytest.raises(ConfigError, match="unknown field 'series' for Crunchbase"):
        import_vendor(VENDOR / "crunchbase_rounds.csv", "crunchbase", mapping={"series": "Series"})
    with pytest.raises(ConfigError, match="every round needs a date"):
        import_vendor(VENDOR / "crunchbase_rounds.csv", "crunchbase", mapping={"date": ""})
    bad = tmp_path / "m.toml"
    bad.write_text('company = "A"\ndate = 3\n', encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        read_mapping(bad)
    assert str(err.value) == f'{bad}: column date: value must be a header name in quotes, e.g. date = "My Header"; got 3'
    broken = tmp_path / "b.toml"
    broken.write_text('company = "A"\ndate = \n', encoding="utf-8")
    with pytest.raises(DataFileError, match=r"b\.toml:2: TOML syntax error"):
        read_mapping(broken)


def test_unknown_vendor():
    with pytest.raises(InputError, match="must be one of crunchbase, pitchbook. Got 'dealroom'"):
        import_vendor(VENDOR / "crunchbase_rounds.csv", "dealroom")


# --------------------------------------------------------------------------- errors


def test_missing_header_names_it_and_lists_found(tmp_path):
    path = tmp_path / "cb.csv"
    path.write_text("Organization Name,Funding Type,Date,Money Raised (in USD),Organization Industries\nA,Seed,2020-01-01,1,x\n", encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        import_vendor(path, "crunchbase")
    e = err.value
    assert (e.line, e.column) == (1, "Announced Date")
    assert str(e) == (
        f"{path}:1: column Announced Date: missing required header 'Announced Date'; headers found: "
        "'Organization Name', 'Funding Type', 'Date', 'Money Raised (in USD)', 'Organization Industries'. "
        "If your export names it differently, pass --mapping with a TOML file such as: date = \"Your Header\""
    )


def test_bad_date_names_line_and_column(tmp_path):
    """A quoted company spanning two physical lines: the bad row starts on line 5."""
    path = tmp_path / "cb.csv"
    path.write_text(
        "Organization Name,Funding Type,Announced Date,Money Raised (in USD),Organization Industries\n"
        "A,Seed,2020-01-01,1,x\n"
        '"B\nCorp",Seed,2020-01-02,1,x\n'
        "C,Series A,2020-02-31,1,x\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError) as err:
        import_vendor(path, "crunchbase")
    assert str(err.value) == f"{path}:5: column Announced Date: value '2020-02-31' is not a date (no such day); write it as YYYY-MM-DD"


def test_bad_date_in_workbook_names_sheet_row(tmp_path):
    header = ["Companies", "Deal Date", "Deal Size", "Deal Type", "Primary Industry Code"]
    path = write_xlsx(tmp_path / "pb.xlsx", [header, ["A", "soon", 1, "Seed Round", "x"]], start_row=3)
    with pytest.raises(DataFileError) as err:
        import_vendor(path, "pitchbook")
    assert (err.value.line, err.value.column) == (4, "Deal Date")
    assert "'soon' is not a date" in str(err.value)


def test_several_bad_cells_reported_together(tmp_path):
    path = tmp_path / "cb.csv"
    path.write_text(
        "Organization Name,Funding Type,Announced Date,Money Raised (in USD),Organization Industries\n"
        "A,Seed,,1,x\n"
        ",Seed,2020-01-01,1,x\n"
        "C,Seed,2020-01-01,-5,x\n"
        "D,Seed,2020-01-01,ten,x\n",
        encoding="utf-8",
    )
    with pytest.raises(DataValidationError) as err:
        import_vendor(path, "crunchbase")
    assert [str(p) for p in err.value.problems] == [
        f"{path}:2: column Announced Date: is empty; every round needs a date (YYYY-MM-DD)",
        f"{path}:3: column Organization Name: is empty; every round needs a company name",
        f"{path}:4: column Money Raised (in USD): value '-5' is not a non-negative amount",
        f"{path}:5: column Money Raised (in USD): value 'ten' is not an amount; write a plain number such as 1500000",
    ]


def test_error_cell_in_workbook_is_reported(tmp_path):
    header = ["Organization Name", "Funding Type", "Announced Date", "Money Raised (in USD)", "Organization Industries"]
    path = write_xlsx(tmp_path / "cb.xlsx", [header, ["#NAME?", "Seed", dt.datetime(2020, 1, 1), 1, "x"]])
    with pytest.raises(DataFileError) as err:  # openpyxl stores '#NAME?' as an error value
        import_vendor(path, "crunchbase")
    assert (err.value.line, err.value.column) == (2, "Organization Name")
    assert "spreadsheet error value" in str(err.value)


def test_file_level_errors(tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Organization Name\nCondé\n".encode("latin-1"))
    with pytest.raises(DataFileError, match=r"latin\.csv:2: is not UTF-8"):
        import_vendor(latin, "crunchbase")
    semi = tmp_path / "semi.csv"
    semi.write_text("Organization Name;Funding Type\nA;Seed\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="semicolon-delimited"):
        import_vendor(semi, "crunchbase")
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"empty\.csv:1: is empty"):
        import_vendor(empty, "crunchbase")


# --------------------------------------------------------------------------- labels


@pytest.mark.parametrize(
    ("vendor", "label", "series", "expected"),
    [
        ("crunchbase", "Pre-Seed", "", "pre_seed"),
        ("crunchbase", "SEED", "", "seed"),
        ("crunchbase", "Angel", "", "seed"),
        ("crunchbase", "Series A", "", "series_a"),
        ("crunchbase", "Series C", "", "series_c"),
        ("crunchbase", "Series D", "", "series_d_plus"),
        ("crunchbase", "Series J", "", "series_d_plus"),
        ("crunchbase", "Venture - Series Unknown", "", "venture_unlabeled"),
        ("crunchbase", "Debt Financing", "", "other"),
        ("crunchbase", "Grant", "", "other"),
        ("crunchbase", "Corporate Round", "", "other"),
        ("crunchbase", "Something New", "", "other"),
        ("pitchbook", "Accelerator/Incubator", "", "pre_seed"),
        ("pitchbook", "Angel (individual)", "", "seed"),
        ("pitchbook", "Seed Round", "", "seed"),
        ("pitchbook", "Early Stage VC", "", "venture_unlabeled"),
        ("pitchbook", "Early Stage VC", "Series A", "series_a"),
        ("pitchbook", "Early Stage VC", "Series B-2", "series_b"),
        ("pitchbook", "Early Stage VC", "Seed", "seed"),
        ("pitchbook", "Later Stage VC", "Series F", "series_d_plus"),
        ("pitchbook", "Later Stage VC", "Series Unknown", "venture_unlabeled"),
        ("pitchbook", "Restart - Early VC", "Series A", "other"),
        ("pitchbook", "Debt - Convertible", "", "other"),
    ],
)
def test_round_labels(vendor, label, series, expected):
    assert normalise_round(vendor, label, series) == expected


@settings(max_examples=200, deadline=None)
@given(vendor=st.sampled_from(["crunchbase", "pitchbook"]), label=st.text(max_size=30), series=st.text(max_size=12))
def test_any_label_maps_to_a_known_round(vendor, label, series):
    assert normalise_round(vendor, label, series) in ROUNDS


# --------------------------------------------------------------------------- documented export layouts


def test_pitchbook_deals_export_bare_letter_series_and_industries():
    """PitchBook's deals export (Deal ID, Company Name, ..., Series as bare letters,
    Primary Industry Sector/Group/Code, Verticals): A, B-1, C map to their series;
    Seed and Pre-Seed in the Series column to seed and pre_seed; "AA" cannot be read and
    is named, as is the unknown deal type "Royalty Financing"."""
    frame = import_vendor(VENDOR / "pitchbook_deals_export.csv", "pitchbook")
    assert list(frame["round"]) == ["seed", "series_a", "series_b", "series_c",
                                    "pre_seed", "venture_unlabeled", "venture_unlabeled", "other"]
    assert frame["company"].iloc[0] == "Gridsight"
    assert frame["category"].iloc[0] == ("Information Technology | Software | Application Software | "
                                         "Artificial Intelligence & Machine Learning, Robotics and Drones")
    assert frame["amount_usd"].iloc[1] == 8_500_000.0
    assert frame.attrs["unmapped_labels"] == {"Royalty Financing": 1, "Early Stage VC; Series AA": 1}


def test_crunchbase_funding_rounds_export_keeps_industries_and_names_unknown_types():
    frame = import_vendor(VENDOR / "crunchbase_funding_rounds_export.csv", "crunchbase")
    assert list(frame["round"]) == ["seed", "series_a", "venture_unlabeled", "other"]
    assert frame["category"].iloc[0] == "Artificial Intelligence (AI), Health Care, Medical Imaging"
    assert frame.attrs["unmapped_labels"] == {"Tokenized Revenue Share": 1}


@pytest.mark.parametrize(("series", "expected"), [("A", "series_a"), ("B-1", "series_b"), ("b2", "series_b"),
                                                  ("C", "series_c"), ("D", "series_d_plus"), ("Seed", "seed"),
                                                  ("Pre-Seed", "pre_seed"), ("Series Seed", "seed")])
def test_bare_letter_series(series, expected):
    assert normalise_round("pitchbook", "Later Stage VC", series) == expected


def test_data_import_reports_rows_per_sector_and_unmapped_labels(runner, tmp_path):
    from gapscore.scoring.cli import main
    from conftest import MINI, write_mini

    data = write_mini(tmp_path / "d", {"sectors.toml": MINI["sectors.toml"] + """
        [sectors.vision.funding]
        series = []
        series_reason = "toy"
        round_keywords = ['robotics and drones']
    """})
    out = tmp_path / "rounds.csv"
    result = runner.invoke(main, ["--data-dir", str(data), "--replace-data", "data", "import", "--from", "pitchbook",
                                  str(VENDOR / "pitchbook_deals_export.csv"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == f"wrote 8 rounds to {out}"
    assert "  vision: 4 rows (1 companies)" in lines
    assert "  no sector: 4 rows" in lines
    assert lines[-1] == ("2 rows with round labels gapscore cannot map (kept as 'other', or 'venture_unlabeled' for a VC deal): "
                         "'Early Stage VC; Series AA' (1), 'Royalty Financing' (1)")


CB_HEADER_LINE = "Organization Name,Funding Type,Announced Date,Money Raised (in USD),Organization Industries\n"


def test_import_of_a_header_only_export_writes_nothing(runner, tmp_path):
    """A header with no rows used to write a rounds.csv of 0 rounds (exit 0) that
    'data validate' then refuses; now the import itself refuses, and writes nothing."""
    from gapscore.scoring.cli import main

    export = tmp_path / "cb.csv"
    export.write_text(CB_HEADER_LINE + "\n")
    out = tmp_path / "rounds.csv"
    result = runner.invoke(main, ["data", "import", "--from", "crunchbase", str(export), "-o", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr == (f"error: {export}:2: has a header but no rounds below it; export the rows too, "
                             "or check that the export is the funding-rounds table\n")
    assert not out.exists()


def test_import_names_and_leaves_out_duplicate_rows(runner, tmp_path):
    """The same round twice (an export with one row per investor) used to be written twice,
    silently doubling it; now the later copy is left out and its line named. Rows that
    differ in any field (here the amount, and the date) are both kept."""
    from gapscore.scoring.cli import main

    export = tmp_path / "cb.csv"
    export.write_text(CB_HEADER_LINE
                      + "Acme,Seed,2020-01-01,1000000,Software\n"      # line 2
                      + "Beta,Seed,2020-01-01,1000000,Software\n"      # 3
                      + "Acme,Seed,2020-01-01,1000000,Software\n"      # 4 = 2
                      + "Acme,Seed,2020-01-01,2000000,Software\n"      # 5: another amount
                      + "Acme,Seed,2020-01-02,1000000,Software\n"      # 6: another date
                      + "Beta,Seed,2020-01-01,1000000,Software\n"      # 7 = 3
                      + "Gamma,Seed,2020-01-01,,Software\n"            # 8: undisclosed amount
                      + "Gamma,Seed,2020-01-01,,Software\n")           # 9 = 8
    out = tmp_path / "rounds.csv"
    result = runner.invoke(main, ["data", "import", "--from", "crunchbase", str(export), "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == f"wrote 5 rounds to {out}"
    assert lines[-1] == ("3 duplicate rows left out (the same company, category, round, date and amount as an earlier row): "
                         "line 4 (= line 2), line 7 (= line 3), line 9 (= line 8)")
    assert len(out.read_text().splitlines()) == 1 + 5
