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


@pytest.mark.parametrize("label, says", [
    ("Seed", "write seed (lower case, words joined by '_')"),
    ("Pre-Seed", "write pre_seed (lower case, words joined by '_')"),
    ("series-a", "write series_a (lower case, words joined by '_')"),
    ("Series_B", "write series_b (lower case, words joined by '_')"),
    ("Series B", "write series_b (lower case, words joined by '_')"),
    ("B-1", "'B-1' is a vendor's series label, not a round of the rounds schema: write series_b"),
])
def test_a_round_label_in_another_spelling_is_told_the_schema_word(runner, tmp_path, label, says):
    """"Seed", "Pre-Seed" or "series-a" in rounds.csv got the bare list of allowed rounds
    ("Series A" was told series_a, "series-a" not)."""
    data = write_mini(tmp_path / "d", {"rounds.csv": _mini("rounds.csv").replace("c3,software,seed", f"c3,software,{label}")})
    result = runner.invoke(main, ["--data-dir", str(data), "--replace-data", "data", "validate"])
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"error: {data / 'rounds.csv'}:5: column round: value '{label}' must be one of ")
    assert says in first


def test_a_holdings_stage_in_another_spelling_is_told_the_schema_word(runner, tmp_path):
    """'Seed' in holdings got "must be one of ['seed', ...]" and nothing more, once per row."""
    path = tmp_path / "holdings.csv"
    path.write_text("company,sector,stage,invested_usd,date\nA,vision,Seed,1000000,2022-01-01\n")
    result = runner.invoke(main, ["--data-dir", str(write_mini(tmp_path / "d")), "--replace-data",
                                  "portfolio", "review", str(path), "--as-of", "2023"])
    assert result.exit_code == 1
    assert result.stderr == (f"error: {path}:2: column stage: value 'Seed' must be one of ['seed', 'series_a', 'series_b', "
                             "'growth']; write seed (lower case, words joined by '_')\n")


@pytest.mark.parametrize("args, name, edit, says", [
    (["portfolio", "review", "{h}", "--as-of", "2023"], "holdings", "1e300",
     "{h}:2: column invested_usd: value 1e+300 must be at most 1000000000000.0"),
    (["data", "validate"], "rounds", "1e13", "{d}/rounds.csv:3: column amount_usd: value 10000000000000.0 must be at most "
                                            "1000000000000.0"),
])
def test_an_amount_beyond_any_round_is_refused(runner, tmp_path, args, name, edit, says):
    """A holding of 1e300 USD was reviewed (exit 0) and printed as a 301-digit dollar
    amount; a rounds.csv amount of 1e13 validated. Both are now capped at MAX_AMOUNT_USD."""
    from gapscore.scoring.inputs.schemas import MAX_AMOUNT_USD
    assert MAX_AMOUNT_USD == 1e12
    rounds = _mini("rounds.csv").replace(",5000000,", f",{edit},") if name == "rounds" else _mini("rounds.csv")
    data = write_mini(tmp_path / "d", {"rounds.csv": rounds})
    holdings = tmp_path / "holdings.csv"
    holdings.write_text(f"company,sector,stage,invested_usd,date\nA,vision,seed,{edit},2022-01-01\n")
    result = runner.invoke(main, ["--data-dir", str(data), "--replace-data", *[a.format(h=holdings) for a in args]])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr == "error: " + says.format(h=holdings, d=data) + "\n"


def test_an_import_amount_beyond_any_round_is_refused(runner, tmp_path):
    """PitchBook's Deal Size is in USD millions: an export in dollars (2000000) became $2
    trillion for a seed round, silently."""
    path = tmp_path / "pb.csv"
    path.write_text("Companies,Deal Date,Deal Type,Deal Size,Primary Industry Code\nA,2023-01-02,Seed Round,2000000,software\n")
    result, out = _import(runner, path, "pitchbook")
    assert result.exit_code == 1 and not out.exists()
    assert result.stderr == (f"error: {path}:2: column Deal Size: value '2000000' is more than $1,000,000,000,000 for one "
                             "round; check the amount and its unit\n")


def test_memo_all_refuses_two_sectors_whose_files_differ_only_in_case(runner, tmp_path):
    """Sectors 'chat' and 'CHAT' validated (ids are case-sensitive) and memo --all wrote
    chat-memo-*.xlsx and CHAT-memo-*.xlsx: on macOS or Windows the second silently replaced
    the first. Now nothing is written and the line names both."""
    text = _mini("sectors.toml")
    chat = text[text.index("[sectors.chat]"):]
    data = write_mini(tmp_path / "d", {"sectors.toml": text + "\n" + chat.replace("sectors.chat", "sectors.CHAT")})
    out = tmp_path / "memos"
    result = runner.invoke(main, ["--data-dir", str(data), "--replace-data", "memo", "--all", "--as-of", "2023", "-o", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.splitlines()[-1] == (
        f"error: sectors 'CHAT' and 'chat' would both be written to {out / 'CHAT-memo-2023-12-31.xlsx'} and "
        f"{out / 'chat-memo-2023-12-31.xlsx'} (one file where names ignore case, as on macOS and Windows); rename one of them")
    assert not out.exists()


# --------------------------------------------------------------------------- vendor exports

CB_HEADER = ["Organization Name", "Funding Type", "Announced Date", "Money Raised (in USD)", "Organization Industries"]


def _import(runner, path, vendor="crunchbase"):
    out = path.parent / "rounds.csv"
    result = runner.invoke(main, ["data", "import", "--from", vendor, str(path), "-o", str(out)])
    return result, out


@pytest.mark.parametrize("vendor, header, amount", [
    ("pitchbook", "Companies,Deal Date,Deal Type,Deal Size,Primary Industry Code", "12,5"),
    ("crunchbase", ",".join(CB_HEADER), "1,5"),
    ("crunchbase", ",".join(CB_HEADER), "1,00,000"),
])
def test_a_decimal_comma_in_an_amount_is_refused_not_read_as_thousands(runner, tmp_path, vendor, header, amount):
    """PitchBook's Deal Size "12,5" (USD millions, from a European Excel) was imported as
    $125M: the comma was dropped as a thousands separator, a silent 10x. Commas now count
    as thousands separators only grouped in threes."""
    row = ("A,2023-01-02,Seed Round," if vendor == "pitchbook" else "A,Seed,2023-01-02,") + f'"{amount}",software'
    path = tmp_path / "export.csv"
    path.write_text(header + "\n" + row + "\nB" + row[1:].replace(f'"{amount}"', '"1,234.5"') + "\n")
    result, out = _import(runner, path, vendor)
    assert result.exit_code == 1 and not out.exists()
    column = "Deal Size" if vendor == "pitchbook" else "Money Raised (in USD)"
    assert result.stderr == (f"error: {path}:2: column {column}: value '{amount}' has a comma that is not a thousands "
                             "separator (a decimal comma?); write the amount with a decimal point, such as 12.5, or as a "
                             "whole number\n")


def test_thousands_commas_still_import(tmp_path):
    from gapscore.scoring.inputs.importers import import_vendor
    path = tmp_path / "export.csv"
    path.write_text(",".join(CB_HEADER) + '\nA,Seed,2023-01-02,"$1,234,567.5",software\n')
    assert import_vendor(path, "crunchbase")["amount_usd"].tolist() == [1234567.5]


def _workbook(path, build):
    from openpyxl import Workbook
    wb = Workbook()
    build(wb)
    wb.save(path)
    return path


def test_rounds_on_a_second_sheet_are_not_silently_left_out(runner, tmp_path):
    """A workbook with a sheet per year imported the first sheet's rounds and exited 0:
    the second sheet's rounds were dropped without a word."""
    def build(wb):
        wb.active.title = "2020"
        wb.active.append(CB_HEADER)
        wb.active.append(["A", "Seed", "2020-01-01", 1e6, "software"])
        wb.create_sheet("2021").append(CB_HEADER)
        wb["2021"].append(["B", "Series A", "2021-01-01", 5e6, "software"])
    path = _workbook(tmp_path / "export.xlsx", build)
    result, out = _import(runner, path)
    assert result.exit_code == 1 and not out.exists()
    assert result.stderr == (f"error: {path}: sheet '2021' also has the export's headers: only the first sheet is read, "
                             "so its rows would be left out; put every round on the first sheet, or save each sheet as "
                             "CSV UTF-8 and import each\n")


def test_a_cover_sheet_first_names_the_sheet_with_the_headers(runner, tmp_path):
    def build(wb):
        wb.active.title = "Cover"
        wb.active.append(["Crunchbase export, 2024"])
        wb.create_sheet("Data").append(CB_HEADER)
        wb["Data"].append(["A", "Seed", "2020-01-01", 1e6, "software"])
    path = _workbook(tmp_path / "export.xlsx", build)
    result, out = _import(runner, path)
    assert result.exit_code == 1 and not out.exists()
    assert result.stderr.rstrip("\n").endswith("; sheet 'Data' has the headers: only the first sheet is read, so move that "
                                               "sheet first, or save it as CSV UTF-8")


def test_a_formula_without_its_saved_result_is_refused_not_undisclosed(runner, tmp_path):
    """A workbook written by a script (formulas, no cached results) imported the amount
    "=1000*1000" as an empty cell: the round became undisclosed, exit 0."""
    def build(wb):
        wb.active.append(CB_HEADER)
        wb.active.append(["A", "Seed", "2020-01-01", "=1000*1000", "software"])
    path = _workbook(tmp_path / "export.xlsx", build)
    result, out = _import(runner, path)
    assert result.exit_code == 1 and not out.exists()
    assert result.stderr == (f"error: {path}:2: column D: holds the formula '=1000*1000' saved without its result; open the "
                             "file in Excel and save it (which stores the results), or export the values as CSV UTF-8\n")


def test_cells_merged_across_rounds_are_refused_not_read_as_empty(runner, tmp_path):
    """Industries merged over two rounds (E3:E4) read as 'ai' on the first and 'unknown' on
    the second, though Excel shows 'ai' on both; a merged title above the header is fine."""
    def build(wb):
        ws = wb.active
        ws.append(["Export", None, None])
        ws.merge_cells("A1:A2")
        ws.append([])
        ws.append(CB_HEADER)
        ws.append(["C", "Series A", "2020-03-01", 200, "ai"])
        ws.append(["D", "Series A", "2020-03-02", 300, None])
        ws.merge_cells("E4:E5")
    path = _workbook(tmp_path / "export.xlsx", build)
    result, out = _import(runner, path)
    assert result.exit_code == 1 and not out.exists()
    assert result.stderr == (f"error: {path}:4: cells E4:E5 are merged across rows: the value Excel shows on each row is "
                             "stored on the first only; unmerge them and fill the value into every row (or export as CSV UTF-8)\n")
    path = _workbook(tmp_path / "title.xlsx", lambda wb: (wb.active.append(["Export"]), wb.active.append([]),
                                                          wb.active.merge_cells("A1:A2"), wb.active.append(CB_HEADER),
                                                          wb.active.append(["C", "Seed", "2020-03-01", 200, "ai"])))
    result, out = _import(runner, path)
    assert result.exit_code == 0, result.output


# --------------------------------------------------------------------------- the file system


@pytest.mark.parametrize("make, says", [
    (lambda p: p.symlink_to(p.parent / "gone.csv"), "is a symbolic link that leads to no file (its target is missing, "
                                                     "or links loop); point it at the file, or put the file itself here"),
    (lambda p: (p.symlink_to(p.parent / "loop.csv"), (p.parent / "loop.csv").symlink_to(p)),
     "is a symbolic link that leads to no file (its target is missing, or links loop); point it at the file, or put the "
     "file itself here"),
    (lambda p: p.mkdir(), "is a folder, not a file; put the rounds file here under this name, or move the folder out of "
                          "the data folder"),
])
def test_a_broken_link_or_a_folder_under_a_dataset_name_is_refused(runner, tmp_path, make, says):
    """A rounds.csv that is a dangling or looping symbolic link was taken for no file:
    'data validate' said ok and every command used the bundled rounds instead, silently.
    A folder named rounds.csv said only "Is a directory"."""
    data = write_mini(tmp_path / "d")
    (data / "rounds.csv").unlink()
    make(data / "rounds.csv")
    for args in (["data", "validate"], ["score", "--as-of", "2012"]):
        result = runner.invoke(main, ["--data-dir", str(data), "--replace-data", *args])
        assert result.exit_code == 1 and result.stdout == "", result.output
        assert result.stderr == f"error: {data / 'rounds.csv'}: {says}\n"


def test_an_unreadable_file_says_what_to_do(runner, tmp_path, monkeypatch):
    """chmod 000 cannot be tested as root: the read is made to fail as it would for a user.
    The line said "error: FILE: Permission denied" and nothing about what to do."""
    from gapscore.scoring.inputs import datasets
    data = write_mini(tmp_path / "d")
    target = data / "capability.csv"
    real = datasets._read_bytes

    def read(path):
        if path == target:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(datasets, "_read_bytes", read)
    result = runner.invoke(main, ["--data-dir", str(data), "--replace-data", "data", "validate"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr == (f"error: {target}: Permission denied (cannot be read or written by you); change its permissions "
                             "(chmod u+rw) or use a copy you own\n")


# --------------------------------------------------------------------------- many bad rows


def test_many_bad_rows_are_named_50_per_column_then_counted_never_called_empty(runner, tmp_path):
    """A 2,000-row rounds file with 120 Excel serial dates ('44927'), 120 empty companies and
    120 'Series A' rounds: the first 50 serial dates were named, the other 70 were
    reported as "column date: is empty; a value is required" (the cell holds 44927), and
    every empty company and bad round had its own line (a vendor file printed thousands).
    Now 50 per column and check are named, and one line counts the rest, from its line on."""
    rows = ["company,category,round,date,amount_usd,source"]
    for i in range(2000):
        company = "" if i % 100 in (7, 8, 9, 10, 11, 12) else f"c{i}"
        date = "44927" if i % 100 in (20, 21, 22, 23, 24, 25) else "2010-01-01"
        round_ = "Series A" if i % 100 in (30, 31, 32, 33, 34, 35) else "seed"
        rows.append(f"{company},cv,{round_},{date},1000,x")
    data = write_mini(tmp_path / "d", {"rounds.csv": "\n".join(rows) + "\n"})
    result = runner.invoke(main, ["--data-dir", str(data), "--replace-data", "data", "validate"])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[-1] == "153 problem(s) found."
    assert not any("column date: is empty" in l for l in lines)
    path = data / "rounds.csv"
    line_of = lambda i: i + 2  # noqa: E731  (row i of the loop is on line i + 2)
    assert f"error: {path}:{line_of(20)}: column date: value '44927' is not a date; write it as YYYY-MM-DD" in lines
    assert sum("column date: value '44927'" in l for l in lines) == 50
    assert sum(": column company: is empty" in l for l in lines) == 50
    assert (f"error: {path}:{line_of(822)}: column date: and 70 more values that are not dates in range in this column "
            "from this line on (the first 50 are listed); fix them the same way") in lines
    assert (f"error: {path}:{line_of(809)}: column company: and 70 more empty cells in this column from this line on "
            "(the first 50 are listed); fix them the same way") in lines
    assert any(l.startswith(f"error: {path}:{line_of(832)}: column round: and 70 more rows failing the same check (must be "
                            "one of [") for l in lines)


# --------------------------------------------------------------------------- sectors.toml


def test_a_sector_id_too_long_for_a_file_name_is_refused_up_front(runner, tmp_path):
    """A 300-character sector id validated and scored; its memo then failed with "File name
    too long" (and benchmarks.csv could not name it: its sector column takes 100)."""
    sid = "x" * 300
    text = _mini("sectors.toml") + f'\n[sectors.{sid}]\nname = "Long"\ndescription = "x"\nbenchmarks = ["toy_error"]\n'
    data = write_mini(tmp_path / "d", {"sectors.toml": text})
    result = runner.invoke(main, ["--data-dir", str(data), "--replace-data", "data", "validate"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"error: {data / 'sectors.toml'}:18: column sectors.{sid}: a sector id of 300 characters is longer than 100 "
        "(benchmarks.csv's sector column takes no more, and the memo's file name would be too long); use a short snake_case id")


@pytest.mark.parametrize("threshold", ["500", "-5"])
def test_a_cost_threshold_outside_a_percent_benchmark_is_refused(runner, tmp_path, threshold):
    """threshold = 500 on an accuracy in percent validated: no model can reach it, and the
    sector's cost leg silently had nothing to fit (-5: every model qualifies)."""
    data = write_mini(tmp_path / "d", {"sectors.toml": _mini("sectors.toml").replace("threshold = 50", f"threshold = {threshold}")})
    result = runner.invoke(main, ["--data-dir", str(data), "--replace-data", "data", "validate"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"error: {data / 'sectors.toml'}:15: column sectors.chat.cost.threshold: {threshold} is outside 0-100: benchmark "
        "'toy_score' is in percent (85 for 85%); fix the value, or the unit in benchmarks.csv")


def test_a_holding_listed_twice_is_refused_not_summed(runner, tmp_path):
    """The same check pasted twice was summed without a word: the company showed twice its
    invested capital, and its sector's exposure with it."""
    path = tmp_path / "holdings.csv"
    row = "A,vision,seed,1000000,2022-01-01"
    path.write_text(f"company,sector,stage,invested_usd,date\n{row}\nB,chat,seed,5,2022-01-01\n{row}\n")
    result = runner.invoke(main, ["--data-dir", str(write_mini(tmp_path / "d")), "--replace-data",
                                  "portfolio", "review", str(path), "--as-of", "2023"])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (f"error: {path}:4: column company: duplicate company/sector/stage/invested_usd/date 'A, vision, "
                             "seed, 1000000.0, 2022-01-01 00:00:00': also on line 2; keep one row per "
                             "company/sector/stage/invested_usd/date\n")


@pytest.mark.parametrize("cell, column, says", [
    ("A" * 20000 + ",Seed,2020-01-01", "Organization Name",
     "value of 20000 characters is longer than 10000; check for an unclosed quote"),
    ("A,Seed,2027-06-01", "Announced Date",
     "date 2027-06-01 is after today (2026-12-05): a round that has not happened is not data; fix the date or leave the "
     "row out of the export"),
])
def test_import_refuses_what_the_rounds_loader_would_refuse(tmp_path, cell, column, says):
    """An export with a 20,000-character company or a round announced for next year was
    imported (exit 0), and the rounds.csv written was then refused by every --data-dir
    command: a half-done import. The importer now refuses the export's own line."""
    import pandas as pd
    from gapscore.scoring.errors import DataFileError
    from gapscore.scoring.inputs.importers import import_vendor
    path = tmp_path / "export.csv"
    path.write_text(",".join(CB_HEADER) + f"\n{cell},1000,software\nB,Seed,2020-01-01,1000,software\n")
    with pytest.raises(DataFileError) as caught:
        import_vendor(path, "crunchbase", today=pd.Timestamp("2026-12-05"))
    assert str(caught.value) == f"{path}:2: column {column}: {says}"


def test_control_characters_from_a_file_do_not_reach_the_terminal(runner, tmp_path):
    """A company "A<BEL><ESC>[2Jco" in holdings was printed raw in the review's table and
    reasons: the escape sequence cleared the analyst's terminal. Text cells and the names
    in the reasons now show control characters as escapes; the workbook cleans them."""
    path = tmp_path / "holdings.csv"
    path.write_text("company,sector,stage,invested_usd,date\nA\x07\x1b[2Jco,vision,seed,1000000,2022-01-01\n")
    result = runner.invoke(main, ["--data-dir", str(write_mini(tmp_path / "d")), "--replace-data",
                                  "portfolio", "review", str(path), "--as-of", "2023"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "A\\x07\\x1b[2Jco  vision" in result.stdout and "  - A\\x07\\x1b[2Jco: " in result.stdout


def test_memo_to_a_folder_says_it_is_a_folder(runner, tmp_path, mini_dir):
    """-o FOLDER said "a memo is an Excel workbook; give the file a .xlsx suffix"."""
    folder = tmp_path / "memos"
    folder.mkdir()
    result = runner.invoke(main, ["--data-dir", str(mini_dir), "--replace-data", "memo", "vision", "--as-of", "2016",
                                  "-o", str(folder)])
    assert result.exit_code == 1 and list(folder.iterdir()) == []
    assert result.stderr == (f"error: {folder}: is a folder; give a file path ending in .xlsx (memos of every sector into "
                             "a folder: --all -o FOLDER)\n")


def test_a_capability_result_listed_twice_is_refused_or_counted_once(runner, tmp_path):
    """An exact repeat of a result (same benchmark, date, system, value) validated and
    weighed double in the fit: within a file it is now refused, and a user row repeating a
    bundled result replaces it (named by data validate) instead of being appended."""
    from gapscore.scoring.inputs import datasets
    text = _mini("capability.csv") + "toy_score,2022-06-01,y,70,hand-made\n"
    data = write_mini(tmp_path / "d", {"capability.csv": text})
    result = runner.invoke(main, ["--data-dir", str(data), "--replace-data", "data", "validate"])
    assert result.exit_code == 1
    assert result.stderr == (f"error: {data / 'capability.csv'}:7: column benchmark: duplicate benchmark/date/system/value "
                             "'toy_score, 2022-06-01 00:00:00, y, 70.0': also on line 6; keep one row per "
                             "benchmark/date/system/value\n")
    bundled = (datasets.BUNDLED_DIR / "capability.csv").read_text().splitlines()
    extend = tmp_path / "e"
    extend.mkdir()
    (extend / "capability.csv").write_text("\n".join(bundled[:2]) + "\n")
    assert len(datasets.DataStore(extend).load("capability")) == len(datasets.DataStore().load("capability"))
    result = runner.invoke(main, ["--data-dir", str(extend), "data", "validate"])
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0].startswith(f"note: {extend / 'capability.csv'}:2: replaces the bundled capability row ")


@pytest.mark.parametrize("header, vendor, display", [
    (",".join(CB_HEADER), "crunchbase", "Crunchbase"),
    ("Companies,Deal Date,Deal Type,Deal Size,Primary Industry Code", "pitchbook", "PitchBook"),
])
def test_a_vendor_export_given_as_rounds_is_told_to_import(runner, tmp_path, mini_dir, header, vendor, display):
    """A raw export passed to --rounds (or saved as rounds.csv) got "missing required
    column(s) company, category, ...; found Organization Name, ...": not what to do."""
    path = tmp_path / "export.csv"
    path.write_text(header + "\nA,Seed,2020-01-01,1000,software\n")
    result = runner.invoke(main, ["--data-dir", str(mini_dir), "--replace-data", "curve", "graduation", "--rounds", str(path),
                                  "--as-of", "2012"])
    assert result.exit_code == 1
    assert result.stderr == (f"error: {path}:1: is a {display} export, not the rounds schema (company, category, round, date, "
                             f"amount_usd, source); map it with 'gapscore data import --from {vendor} export.csv -o "
                             "mapped.csv' and use mapped.csv (in a data folder: as rounds.csv)\n")


def test_rows_hidden_in_the_export_are_named_when_imported(runner, tmp_path):
    """An analyst who filtered the export in Excel (rows 3 and 5 hidden) had those rounds
    imported without a word: hidden is not deleted. They are still imported (the file
    holds them), and the report names them."""
    def build(wb):
        wb.active.append(CB_HEADER)
        for i in range(5):
            wb.active.append([f"C{i}", "Seed", "2020-01-01", 1000 + i, "software"])
        wb.active.row_dimensions[3].hidden = True
        wb.active.row_dimensions[5].hidden = True
    path = _workbook(tmp_path / "export.xlsx", build)
    result, out = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == f"wrote 5 rounds to {out}"
    assert result.stderr.splitlines()[-1] == ("2 rows hidden in the sheet (a filter or 'Hide') were imported like the others: "
                                              "rows 3, 5; delete them from the export to leave them out")


@pytest.mark.parametrize("written, read", [("2014", "2014-01-01"), ("2014-06", "2014-06-01")])
def test_a_date_without_its_day_is_refused_not_dated_early(runner, tmp_path, written, read):
    """A result dated "2014" validated and was read as 2014-01-01: a score as of mid-2014
    used a result that may have been published in December (a look-ahead)."""
    data = write_mini(tmp_path / "d", {"capability.csv": _mini("capability.csv").replace("2014-06-01", written)})
    result = runner.invoke(main, ["--data-dir", str(data), "--replace-data", "data", "validate"])
    assert result.exit_code == 1
    assert result.stderr == (f"error: {data / 'capability.csv'}:4: column date: value '{written}' is a year or month alone, "
                             f"read as {read}: before the row may have been known; write the full date YYYY-MM-DD (the "
                             "period's last day if only the period is known)\n")


def test_a_formula_with_its_saved_result_imports_its_value(runner, tmp_path):
    """The other side of the formula check: a workbook saved by Excel or LibreOffice keeps
    each formula's result (<v>1000000</v>), which is imported as the amount."""
    import zipfile

    def build(wb):
        wb.active.append(CB_HEADER)
        wb.active.append(["A", "Seed", "2020-01-01", "=1000*1000", "software"])
    plain = _workbook(tmp_path / "plain.xlsx", build)
    path = tmp_path / "export.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b"<f>1000*1000</f><v />" in data
                data = data.replace(b"<f>1000*1000</f><v />", b"<f>1000*1000</f><v>1000000</v>")
            out.writestr(item, data)
    result, out = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert out.read_text().splitlines()[1].startswith("A,software,seed,2020-01-01,1000000,")
