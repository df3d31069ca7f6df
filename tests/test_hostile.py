"""Hostile files: XML entity bombs, zip and gzip bombs, formula injection, killed writes.

The workbooks are built by hand (a zip writer of a few lines) so that a member can inflate
to gigabytes from a small file, or declare a size smaller than what it holds.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import signal
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook, load_workbook

from gapscore.scoring.inputs import datasets

from gapscore.scoring.inputs import importers
from gapscore.scoring.cli import main
from gapscore.scoring.errors import DataFileError

from conftest import write_mini

PYTHON = sys.executable
CB_HEADER = ["Organization Name", "Funding Type", "Announced Date", "Money Raised (in USD)", "Organization Industries"]

INJECTION = {
    "sector": '=HYPERLINK("http://x","y")',
    "name": "+cmd|' /C calc'!A0",
    "company": "@SUM(1+1)",
    "model": "-2+3",
}
"""Text a spreadsheet would run (OWASP CSV injection), one per kind of name."""


# --------------------------------------------------------------------------- building hostile workbooks


def _base_members() -> dict[str, bytes]:
    """The parts of a one-sheet .xlsx with the Crunchbase header, as openpyxl writes them."""
    wb = Workbook()
    wb.active.append(CB_HEADER)
    wb.active.append(["Acme", "Seed", "2020-01-01", 1000000, "software"])
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as z:
        return {n: z.read(n) for n in z.namelist()}


def _write_zip(path: Path, members: dict[str, tuple[int, bytes, int, int]]) -> Path:
    """A zip from (method, stored bytes, crc, stated size) per member: sizes as we say."""
    out, central = bytearray(), bytearray()
    for name, (method, payload, crc, size) in members.items():
        n = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(payload), size, len(n), 0) + n + payload
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(payload), size,
                               len(n), 0, 0, 0, 0, 0, offset) + n
    out += central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(out), 0)
    path.write_bytes(bytes(out))
    return path


def _stored(members: dict[str, bytes]) -> dict[str, tuple[int, bytes, int, int]]:
    return {n: (0, d, zlib.crc32(d), len(d)) for n, d in members.items()}


def _laughs(root: str, body: str) -> bytes:
    """An XML part that expands one entity into 10**9 copies of "lol" (about 3 GB)."""
    entities = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    return f'<?xml version="1.0"?>\n<!DOCTYPE {root} [{entities}]>\n{body}'.encode()


def laughs_in_sheet(path: Path) -> Path:
    members = _base_members()
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    members["xl/worksheets/sheet1.xml"] = _laughs("worksheet", f'<worksheet {ns}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
    return _write_zip(path, _stored(members))


def laughs_in_workbook(path: Path) -> Path:
    members = _base_members()
    text = members["xl/workbook.xml"].decode()
    members["xl/workbook.xml"] = _laughs("workbook", text[text.index("<workbook"):].replace("</workbook>", "<x>&lol9;</x></workbook>"))
    return _write_zip(path, _stored(members))


BOMB_CHUNKS = 3500
"""1 MiB blocks of rows in the zip bomb's sheet: 3.67 GB of XML from an 11 MB file."""


def zip_bomb(path: Path, *, stated_size: int | None = None) -> Path:
    """A workbook whose sheet inflates to 3.67 GB of one-cell rows: repeated deflate blocks,
    each after a full flush, so only three blocks are ever compressed. ``stated_size``
    makes the zip directory understate the size (the CRC is that of the stated prefix)."""
    members = _base_members()
    sheet = members["xl/worksheets/sheet1.xml"]
    cut = sheet.index(b"<sheetData>") + len(b"<sheetData>")
    prefix, suffix = sheet[:cut], sheet[cut:]
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    chunk = row * ((1 << 20) // len(row))
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(prefix + chunk) + c.flush(zlib.Z_FULL_FLUSH)
    repeat = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)  # the same bytes for every later chunk
    stream = first + repeat * (BOMB_CHUNKS - 1) + c.compress(suffix) + c.flush()
    size = len(prefix) + BOMB_CHUNKS * len(chunk) + len(suffix)
    crc = 0
    if stated_size is not None:
        size = stated_size
        crc = zlib.crc32(zlib.decompressobj(-15).decompress(stream, stated_size))
    out = _stored(members)
    out["xl/worksheets/sheet1.xml"] = (8, stream, crc, size)
    return _write_zip(path, out)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    return {
        "laughs_sheet": laughs_in_sheet(folder / "laughs_sheet.xlsx"),
        "laughs_workbook": laughs_in_workbook(folder / "laughs_workbook.xlsx"),
        "zip_bomb": zip_bomb(folder / "zip_bomb.xlsx"),
        "understated": zip_bomb(folder / "understated.xlsx", stated_size=100_000),
    }


# --------------------------------------------------------------------------- XML and zip bombs


def test_openpyxl_parses_with_defusedxml():
    import openpyxl.xml
    from openpyxl.xml import functions

    assert openpyxl.xml.DEFUSEDXML is True
    assert functions.fromstring.__module__.startswith("defusedxml")
    assert functions.iterparse.__module__.startswith("defusedxml")


def test_the_bombs_are_real(hostile):
    """The fixtures are what they claim: the bomb inflates to gigabytes, the understated
    one holds far more than its directory says, the laughs declare nested entities."""
    with zipfile.ZipFile(hostile["zip_bomb"]) as z:
        assert z.getinfo("xl/worksheets/sheet1.xml").file_size > 3 * 10**9
    assert hostile["zip_bomb"].stat().st_size < 20 * 10**6
    raw = hostile["understated"].read_bytes()
    stream_start = raw.index(b"xl/worksheets/sheet1.xml") + len("xl/worksheets/sheet1.xml")
    inflated = zlib.decompressobj(-15).decompress(raw[stream_start:], 10**7)
    assert len(inflated) == 10**7  # at least 100 times the stated 100 kB
    with zipfile.ZipFile(hostile["laughs_sheet"]) as z:
        assert z.read("xl/worksheets/sheet1.xml").count(b"<!ENTITY") == 10


@pytest.mark.parametrize("kind, says", [
    ("laughs_sheet", "declares XML entities or a DTD"),
    ("laughs_workbook", "declares XML entities or a DTD"),
    ("zip_bomb", "refusing a possible zip bomb"),
    ("understated", "cannot read the workbook"),
])
@pytest.mark.parametrize("vendor", ["crunchbase", "pitchbook"])
def test_hostile_workbook_import_is_refused_quickly(runner, hostile, tmp_path, kind, says, vendor):
    out = tmp_path / "rounds.csv"
    start = time.perf_counter()
    result = runner.invoke(main, ["data", "import", "--from", vendor, str(hostile[kind]), "-o", str(out)])
    assert time.perf_counter() - start < 10
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"error: {hostile[kind]}: ") and says in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.output
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_hostile_workbooks_keep_memory_bounded(hostile):
    """In a fresh process (peak RSS is per process): importing every hostile workbook adds
    less than 150 MB to the peak, where inflating any of them would take gigabytes."""
    script = textwrap.dedent("""
        import json, resource, sys
        from gapscore.scoring.inputs.importers import import_vendor
        from gapscore.scoring.errors import DataFileError
        import openpyxl, pandas
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        messages = []
        for path in sys.argv[1:]:
            try:
                import_vendor(path, "crunchbase")
                messages.append("imported")
            except DataFileError as exc:
                messages.append(str(exc))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"base_kb": base, "peak_kb": peak, "messages": messages}))
    """)
    run = subprocess.run([PYTHON, "-c", script, *map(str, hostile.values())], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert len(report["messages"]) == len(hostile) and "imported" not in report["messages"]
    assert (report["peak_kb"] - report["base_kb"]) / 1024 < 150, report


def test_workbook_import_without_defusedxml_is_refused(hostile, monkeypatch):
    """If openpyxl would parse with the standard library (defusedxml missing or switched
    off with OPENPYXL_DEFUSEDXML=False), the importer refuses every workbook."""
    import openpyxl.xml

    monkeypatch.setattr(openpyxl.xml, "DEFUSEDXML", False)
    with pytest.raises(DataFileError, match="reading .xlsx safely needs defusedxml"):
        importers.import_vendor(hostile["laughs_sheet"], "crunchbase")


def test_the_xlsx_limit_is_one_named_constant(tmp_path, monkeypatch):
    """A plain workbook passes; the same workbook over a lowered limit is refused by size."""
    path = _write_zip(tmp_path / "cb.xlsx", _stored(_base_members()))
    assert len(importers.import_vendor(path, "crunchbase")) == 1
    monkeypatch.setattr(importers, "MAX_XLSX_UNCOMPRESSED_BYTES", 1000)
    with pytest.raises(DataFileError, match="more than 0 MiB; refusing a possible zip bomb"):
        importers.import_vendor(path, "crunchbase")


@pytest.mark.parametrize("as_name", ["rounds.csv", "rounds.csv.gz"])
def test_a_zip_bomb_in_the_data_folder_is_never_inflated(runner, hostile, tmp_path, as_name):
    data = write_mini(tmp_path / "data")
    (data / "rounds.csv").unlink()
    bomb = hostile["zip_bomb"].read_bytes()
    (data / as_name).write_bytes(bomb if as_name == "rounds.csv" else gzip.compress(bomb, mtime=0))
    result = runner.invoke(main, ["--data-dir", str(data), "--replace-data", "data", "validate"])
    assert result.exit_code == 1
    assert result.stderr == f"error: {data / as_name}: is a zip/xlsx workbook, not CSV text; save it as CSV (UTF-8) or use 'gapscore data import'\n"


def test_a_workbook_given_as_holdings_is_refused(runner, hostile, tmp_path):
    out = tmp_path / "review.xlsx"
    result = runner.invoke(main, ["portfolio", "review", str(hostile["laughs_sheet"]), "-o", str(out)])
    assert result.exit_code == 1 and "is a zip/xlsx workbook" in result.stderr
    assert not out.exists()


def test_gzip_bomb_is_refused_at_the_limit(runner, tmp_path, monkeypatch):
    """The limit (1 GiB) lowered to 1 MiB: a file inflating to exactly 1 MiB loads, one
    byte more is refused, also when the bytes are split across concatenated members."""
    assert datasets.MAX_DECOMPRESSED_BYTES == 1 << 30
    monkeypatch.setattr(datasets, "MAX_DECOMPRESSED_BYTES", 1 << 20)
    header = b"company,category,round,date,amount_usd,source\n"
    row = b"c1,cv,seed,2010-01-01,1000000,hand-made\n"
    filler = b"\n" * ((1 << 20) - len(header) - len(row))  # blank lines: skipped by the reader
    data = write_mini(tmp_path / "data")
    (data / "rounds.csv").unlink()
    path = data / "rounds.csv.gz"
    args = ["--data-dir", str(data), "--replace-data", "data", "validate"]

    path.write_bytes(gzip.compress(header + row + filler, mtime=0))
    assert runner.invoke(main, args).exit_code == 0
    for body in (gzip.compress(header + row + filler + b"\n", mtime=0),
                 gzip.compress(header + row, mtime=0) + gzip.compress(filler + b"\n", mtime=0)):
        path.write_bytes(body)
        result = runner.invoke(main, args)
        assert result.exit_code == 1
        assert result.stderr == f"error: {path}: decompresses to more than 1 MiB; refusing a possible decompression bomb\n"


def test_concatenated_gzip_members_all_load(tmp_path):
    """``cat a.gz b.gz`` is one valid gzip file: every member's rows are read."""
    path = tmp_path / "exits.csv.gz"
    path.write_bytes(gzip.compress(b"company,date,kind,source\nc1,2012-01-01,ipo,x\n") + gzip.compress(b"c2,2013-01-01,closed,x\n"))
    frame = datasets.read_table(path, datasets.schemas.Exits)
    assert list(frame["company"]) == ["c1", "c2"] and list(frame["_line"]) == [2, 3]


# --------------------------------------------------------------------------- formula and CSV injection


def injection_dir(tmp_path: Path) -> Path:
    """The mini data set with a formula-looking sector id, sector name, company and model."""
    sector, name, company, model = (INJECTION[k] for k in ("sector", "name", "company", "model"))
    key = sector.replace("\\", "\\\\").replace('"', '\\"')
    return write_mini(tmp_path / "inject", {
        "sectors.toml": f"""
            [sectors."{key}"]
            name = "{name}"
            description = "Toy chat sector"
            benchmarks = ["toy_score"]
            round_categories = ["software"]

            [sectors."{key}".cost]
            benchmark = "toy_score"
            threshold = 50
            source = "hand-made"
        """,
        "benchmarks.csv": f"""
            benchmark,sector,metric,higher_is_better,human_baseline,floor,unit,scale,source
            toy_score,"{sector.replace('"', '""')}",accuracy,true,90,25,percent,linear,hand-made
        """,
        "capability.csv": """
            benchmark,date,system,value,source
            toy_score,2020-06-01,x,40,hand-made
            toy_score,2022-06-01,y,70,hand-made
        """,
        "prices.csv": f"""
            model,date,usd_per_mtok,provider,toy_score,verified,source
            {model},2021-01-01,100,p,55,true,hand-made
            m2,2022-01-01,10,p,60,true,hand-made
            m3,2023-01-01,1,p,52,true,hand-made
        """,
        "rounds.csv": f"""
            company,category,round,date,amount_usd,source
            {company},software,seed,2010-01-01,1000000,hand-made
            {company},software,series_a,2011-06-01,5000000,hand-made
            c3,software,seed,2011-01-01,500000,hand-made
        """,
        "exits.csv": f"""
            company,date,kind,source
            {company},2012-01-01,acquired,hand-made
        """,
        "graduation.csv": """
            sector,cohort_start,cohort_end,from_round,to_round,window_months,rate,n,published,source
            all,2008-01-01,2010-12-31,seed,series_a,,0.46,1098,2017-03-01,hand-made
        """,
        "outcomes.csv": """
            sector,year,metric,value,published,source
            all,2016,graduation_rate,0.8,2024-10-01,hand-made
        """,
    })


def payload_cell_types(path: Path) -> dict[str, set[str]]:
    """For each payload, the data types of the cells that hold it; fails on a formula."""
    found: dict[str, set[str]] = {k: set() for k in INJECTION}
    for ws in load_workbook(path).worksheets:
        for row in ws.iter_rows():
            for c in row:
                for kind, payload in INJECTION.items():
                    if isinstance(c.value, str) and payload in c.value:
                        if c.data_type == "f":
                            pytest.fail(f"{ws.title}!{c.coordinate} runs {c.value!r}")
                        found[kind].add(c.data_type)
    return found


def test_formula_names_stay_text_in_the_memo(runner, tmp_path):
    """Reopened with openpyxl: every cell holding a payload is a text cell ('s'), and no
    formula anywhere contains one. (A memo names no companies; the review workbook does.)"""
    data = injection_dir(tmp_path)
    out = tmp_path / "memo.xlsx"
    result = runner.invoke(main, ["--data-dir", str(data), "--replace-data", "memo", INJECTION["sector"], "--as-of", "2023", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert payload_cell_types(out) == {"sector": {"s"}, "name": {"s"}, "company": set(), "model": {"s"}}


def _csv_cells(text: str) -> set[str]:
    return {cell for row in csv.reader(io.StringIO(text)) for cell in row}


@pytest.mark.parametrize("command, kinds", [
    (["sectors"], ("sector", "name")),
    (["score", "--as-of", "2023"], ("sector",)),
    (["data", "show", "rounds"], ("company",)),
    (["data", "show", "exits"], ("company",)),
    (["data", "show", "prices"], ("model",)),
    (["data", "show", "benchmarks"], ("sector",)),
])
def test_formula_names_are_guarded_in_csv_output(runner, tmp_path, command, kinds):
    """Each payload comes out with a leading apostrophe (scoring.output.guard_text): a
    spreadsheet shows it as text. Parsed back with the csv module, not by substring."""
    data = injection_dir(tmp_path)
    result = runner.invoke(main, ["--data-dir", str(data), "--replace-data", *command, "--format", "csv"])
    assert result.exit_code == 0, result.output
    cells = _csv_cells(result.stdout)
    for kind in kinds:
        assert "'" + INJECTION[kind] in cells, (kind, sorted(cells))
        assert INJECTION[kind] not in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    assert not any(c.startswith("-") and not _is_number(c) for c in cells)


def test_holdings_review_guards_company_names_in_csv_and_workbook(runner, tmp_path):
    data = injection_dir(tmp_path)
    holdings = tmp_path / "holdings.csv"
    rows = [["company", "sector", "stage", "invested_usd", "date"], [INJECTION["company"], INJECTION["sector"], "seed", "1000000", "2022-01-01"]]
    with open(holdings, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    out = tmp_path / "review.xlsx"
    result = runner.invoke(main, ["--data-dir", str(data), "--replace-data", "portfolio", "review", str(holdings),
                                  "--as-of", "2023", "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    cells = _csv_cells(result.stdout)
    assert {"'" + INJECTION["company"], "'" + INJECTION["sector"]} <= cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    types = payload_cell_types(out)
    assert types["company"] == {"s"} and types["sector"] == {"s"}


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- killed mid-write


KILLED_WRITER = textwrap.dedent("""
    import os, pathlib, sys, time
    def slow(self, data):
        with open(self, "wb") as fh:
            fh.write(data[: len(data) // 2])
            fh.flush()
            os.fsync(fh.fileno())
            print("WRITING", self, len(data) // 2, flush=True)
            time.sleep(120)
            fh.write(data[len(data) // 2:])
        return len(data)
    pathlib.Path.write_bytes = slow
    from gapscore.scoring.cli import main
    main(sys.argv[1:], prog_name="gapscore")
""")


def test_killed_mid_write_leaves_no_partial_memo(tmp_path):
    """Two memo writes slowed down in child processes (half the bytes in the temporary
    file, then a pause), one to a new path, one replacing a memo with --force, are killed
    with SIGKILL: the new path stays absent, the old memo keeps its bytes, and each
    half-written temporary is a hidden ``.memo.xlsx.*.tmp`` beside the target."""
    data = write_mini(tmp_path / "data")
    jobs = {}
    for name, existing in (("new", None), ("replaced", b"the memo from last week\n")):
        out = tmp_path / name
        out.mkdir()
        target = out / "memo.xlsx"
        if existing is not None:
            target.write_bytes(existing)
        args = ["--data-dir", str(data), "--replace-data", "memo", "vision", "--as-of", "2016", "-o", str(target), "--force"]
        child = subprocess.Popen([PYTHON, "-c", KILLED_WRITER, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        jobs[name] = (child, target, existing)
    try:
        for name, (child, target, existing) in jobs.items():
            line = child.stdout.readline()
            assert line.startswith("WRITING "), line + child.stderr.read()
            _, tmp_name, half = line.split()
            tmp = Path(tmp_name)
            assert tmp.parent == target.parent and tmp.stat().st_size == int(half)  # the write is under way
            os.kill(child.pid, signal.SIGKILL)
            assert child.wait(timeout=30) == -signal.SIGKILL
            if existing is None:
                assert not target.exists()
            else:
                assert target.read_bytes() == existing
            assert [p for p in target.parent.iterdir() if p != target] == [tmp]
            assert tmp.name.startswith(".memo.xlsx.") and tmp.name.endswith(".tmp")  # not matched by *.xlsx
    finally:
        for child, _, _ in jobs.values():
            if child.poll() is None:
                child.kill()
                child.wait()
            child.stdout.close()
            child.stderr.close()


# --------------------------------------------------------------------------- silent drops in a user folder


def _sectors_with(extra: str, table: str = "vision") -> str:
    """The mini sectors.toml with ``extra`` lines added at the end of ``[sectors.<table>]``."""
    from conftest import MINI
    text = textwrap.dedent(MINI["sectors.toml"]).lstrip("\n")
    head = f"[sectors.{table}]\n"
    start = text.index(head)
    end = text.find("\n[", start + len(head))
    end = len(text) if end < 0 else end + 1
    return text[:end].rstrip("\n") + "\n" + extra + "\n\n" + text[end:]


@pytest.mark.parametrize("extra, key, line", [
    ('benchmark = ["toy_error"]', "sectors.vision.benchmark", 6),  # one letter short of benchmarks
    ('descripton = "x"', "sectors.vision.descripton", 6),
    ("[sectors.vision.fundng]\nseries = []", "sectors.vision.fundng", 6),
    ("[sectors.vision.funding]\nseries = []\nround_keyword = ['x']", "sectors.vision.funding.round_keyword", 8),
])
def test_a_misspelt_sector_key_is_refused_not_skipped(runner, tmp_path, extra, key, line):
    """A key the scorer never reads is a misspelling: before, `benchmark = [...]` validated
    and the sector silently had no benchmarks. Now one line names the file, line and key."""
    folder = write_mini(tmp_path / "d", {"sectors.toml": _sectors_with(extra)})
    result = runner.invoke(main, ["--data-dir", str(folder), "--replace-data", "data", "validate"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"error: {folder / 'sectors.toml'}:{line}: column {key}: unknown key '{key.rsplit('.', 1)[1]}'"), first


def test_bundled_and_template_sector_keys_are_all_known(runner, tmp_path):
    """Every key the bundled sectors and the sector template use is one the check accepts
    (the template's commented blocks uncommented)."""
    assert runner.invoke(main, ["data", "validate"]).exit_code == 0
    text = datasets.sector_template("newsec")["sectors.toml"]
    uncommented = "\n".join(l[2:] if l.startswith("# ") and ("=" in l or l.startswith("# [")) and not l.startswith("#   ") else l
                            for l in text.splitlines())
    doc = datasets.tomllib.loads(uncommented)["sectors"]["newsec"]
    assert {"cost", "funding", "economics"} <= set(doc)
    assert datasets._sector_problems(Path("s.toml"), uncommented, "newsec", doc) == []


@pytest.mark.parametrize("sid", ["all", "other", "All"])
def test_a_reserved_word_is_refused_as_a_sector_id(runner, tmp_path, sid):
    """'all' (every sector: graduation, outcomes) and 'other' (no sector: benchmarks) as a
    sector id would take rows meant for every sector or none; it used to validate."""
    from conftest import MINI
    text = textwrap.dedent(MINI["sectors.toml"]).lstrip("\n").replace("[sectors.chat]", f"[sectors.{sid}]").replace("[sectors.chat.", f"[sectors.{sid}.")
    bench = textwrap.dedent(MINI["benchmarks.csv"]).lstrip("\n").replace("toy_score,chat", f"toy_score,{sid}")
    folder = write_mini(tmp_path / "d", {"sectors.toml": text, "benchmarks.csv": bench})
    result = runner.invoke(main, ["--data-dir", str(folder), "--replace-data", "score", "--as-of", "2023"])
    assert result.exit_code == 1 and result.stdout == ""
    assert f"error: {folder / 'sectors.toml'}:7: column sectors.{sid}: '{sid}' cannot be a sector id" in result.stderr


@pytest.mark.parametrize("second", ["rounds.parquet", "rounds.csv.gz"])
def test_two_files_for_one_dataset_are_refused_not_one_ignored(runner, tmp_path, second):
    """rounds.csv beside rounds.parquet (or .csv.gz): only the first was read and the other
    silently ignored. Now the second file is named, with what to do."""
    import pandas as pd
    folder = write_mini(tmp_path / "d")
    other = pd.DataFrame({"company": ["c9"], "category": ["cv"], "round": ["seed"], "date": ["2012-01-01"],
                          "amount_usd": [1.0], "source": ["x"]})
    if second.endswith(".parquet"):
        other.to_parquet(folder / second)
    else:
        (folder / second).write_bytes(gzip.compress(other.to_csv(index=False).encode()))
    for args in (["data", "validate"], ["score", "--as-of", "2023"]):
        result = runner.invoke(main, ["--data-dir", str(folder), *args])
        assert result.exit_code == 1 and result.stdout == "", result.output
        assert result.stderr.splitlines()[0] == (
            f"error: {folder / second}: rounds is also in rounds.csv: only one file per dataset is read; keep one of "
            "them (merge the rows into it) and move the other out of the folder")


@pytest.mark.parametrize("name, column, values, dtype", [
    ("rounds", "company", [1, 2, 3, 4], "int64"),  # a categorical (rounds) text column
    ("capability", "system", [1.5, 2.5, 3.5, 4.5, 5.5], "float64"),
])
def test_a_parquet_text_column_of_numbers_is_named_not_a_leaked_exception(runner, tmp_path, name, column, values, dtype):
    """A Parquet text column stored as numbers used to end in "value 'AttributeError("Can
    only use .str accessor...' has a length outside 1, None": now one line says so."""
    import pandas as pd
    from conftest import MINI
    folder = write_mini(tmp_path / "d")
    frame = pd.read_csv(io.StringIO(textwrap.dedent(MINI[f"{name}.csv"]).lstrip("\n")))
    frame.assign(**{column: values}).to_parquet(folder / f"{name}.parquet")
    (folder / f"{name}.csv").unlink()
    result = runner.invoke(main, ["--data-dir", str(folder), "data", "validate"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.splitlines()[0] == (
        f"error: {folder / f'{name}.parquet'}:1: column {column}: is stored as {dtype} where text is expected; "
        "write the column as strings (e.g. df[col].astype(str) before to_parquet)")


@pytest.mark.parametrize("args, header", [
    (["portfolio", "review", "{f}", "--as-of", "2023"], "company,sector,stage,invested_usd,date"),
    (["curve", "graduation", "--rounds", "{f}", "--as-of", "2023"], "company,category,round,date,amount_usd,source"),
])
def test_a_header_only_file_given_to_a_command_says_so(runner, tmp_path, mini_dir, args, header):
    """An unfilled template passed as holdings gave "column company: has the wrong type
    (dtype('string[pyarrow]'))" once per column; as --rounds it exited 0 with "no cohort".
    Every reader now says what a --data-dir file says: line 2, a header but no rows."""
    path = tmp_path / "template.csv"
    path.write_text(header + "\n")
    result = runner.invoke(main, ["--data-dir", str(mini_dir), "--replace-data", *[a.format(f=path) for a in args]])
    assert result.exit_code == 1 and result.stdout == "" and "Traceback" not in result.output
    assert result.stderr == f"error: {path}:2: {datasets.HEADER_ONLY}\n"


@pytest.mark.parametrize("encode, says", [
    (lambda t: t.encode("utf-16"), ":1: is UTF-16 text (Excel 'Unicode Text'); save it as TOML UTF-8"),
    (lambda t: t.encode() + b"\x00\x00", ": contains NUL bytes: a binary file, not TOML text; save it as TOML UTF-8"),
])
def test_a_toml_in_the_wrong_encoding_is_told_to_be_saved_as_toml(runner, tmp_path, encode, says):
    """sectors.toml saved as UTF-16 was told to 'save it as CSV UTF-8'."""
    from conftest import MINI
    folder = write_mini(tmp_path / "d")
    (folder / "sectors.toml").write_bytes(encode(textwrap.dedent(MINI["sectors.toml"])))
    result = runner.invoke(main, ["--data-dir", str(folder), "--replace-data", "data", "validate"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"error: {folder / 'sectors.toml'}{says}"


@pytest.mark.parametrize("as_of", ["9999", "2101-01", "1899-12-31"])
@pytest.mark.parametrize("command, option", [(["score"], "--as-of"), (["explain", "vision"], "--as-of"),
                                             (["diff", "--from", "2020"], "--to")])
def test_a_date_outside_the_range_is_refused_not_a_traceback(runner, mini_dir, command, option, as_of):
    """--as-of 9999 ended in a pandas traceback ("year 10000 is out of range": a year's
    mid-point is computed); the option now takes the range every dated row must lie in."""
    result = runner.invoke(main, ["--data-dir", str(mini_dir), "--replace-data", *command, option, as_of])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"Invalid value for '{option}': '{as_of}' is outside 1900-01-01 to 2100-12-31; check the year" in result.stderr


def test_the_last_day_of_the_range_scores(runner, mini_dir):
    result = runner.invoke(main, ["--data-dir", str(mini_dir), "--replace-data", "score", "--as-of", "2100", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].split(",")[1] == "2100-12-31"


@pytest.mark.parametrize("args, says", [
    (["--step", "0"], "error: --step '0': give a whole number of years or months, e.g. 1y or 6m"),
    (["--from", "2021", "--to", "2019"], "error: --to 2019 is before --from 2021"),
])
def test_backtest_option_errors_are_one_plain_line(runner, mini_dir, args, says):
    """These printed a Python list: error: ["--step '0': ..."]."""
    result = runner.invoke(main, ["--data-dir", str(mini_dir), "--replace-data", "backtest", "vision", "--no-calibration", *args])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == says + "\n"


def test_spaces_around_a_cell_do_not_split_ids_or_drop_rows(runner, tmp_path):
    """An export's "software " missed the sector whose round_categories say "software"
    (the round silently left out of it), and " toy_score " in benchmarks.csv was a
    benchmark nothing could name (the error blamed capability.csv). Text cells are now
    read without surrounding spaces; a cell of spaces only is empty."""
    from conftest import MINI
    rounds = textwrap.dedent(MINI["rounds.csv"]).lstrip("\n").replace("c3,software,", " c3 ,software ,")
    bench = textwrap.dedent(MINI["benchmarks.csv"]).lstrip("\n").replace("toy_score,chat,", " toy_score , chat,")
    folder = write_mini(tmp_path / "d", {"rounds.csv": rounds, "benchmarks.csv": bench})
    base = ["--data-dir", str(folder), "--replace-data"]
    assert runner.invoke(main, [*base, "data", "validate"]).exit_code == 0
    shown = runner.invoke(main, [*base, "data", "show", "rounds", "--sector", "chat", "--format", "csv"])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.splitlines()[1:] == ["c3,software,seed,2011-01-01,500000,hand-made"]

    blank = write_mini(tmp_path / "b", {"rounds.csv": rounds.replace(" c3 ,", "   ,")})
    result = runner.invoke(main, ["--data-dir", str(blank), "--replace-data", "data", "validate"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"error: {blank / 'rounds.csv'}:5: column company: is empty; a value is required"


@pytest.mark.parametrize("args", [
    ["memo", "vision", "--as-of", "2023", "-o", "{f}/memo.xlsx"],
    ["config", "init", "-o", "{f}/sub/gapscore.toml"],
    ["data", "template", "rounds", "-o", "{f}/rounds.csv"],
])
def test_an_output_under_a_file_names_the_output_and_the_file(runner, tmp_path, mini_dir, args):
    """-o afile/memo.xlsx, where afile is a file, said "error: afile: File exists"; a
    read-only or missing system folder named the hidden temporary file. Now the line names
    the path asked for and why, and nothing is written."""
    blocker = tmp_path / "afile"
    blocker.write_text("keep")
    argv = [a.format(f=blocker) for a in args]
    result = runner.invoke(main, ["--data-dir", str(mini_dir), "--replace-data", *argv])
    assert result.exit_code == 1 and "Traceback" not in result.output
    target = argv[argv.index("-o") + 1]
    assert result.stderr == (f"error: {target}: cannot be written ({blocker} is a file, not a folder); "
                             "choose a path in a folder you can write to with -o\n")
    assert blocker.read_text() == "keep" and sorted(p.name for p in tmp_path.iterdir()) == ["afile", "mini"]


def test_a_failed_write_names_the_output_not_the_temporary_file(tmp_path, monkeypatch):
    from gapscore.scoring import files
    from gapscore.scoring.errors import OutputWriteError

    def full(path):
        raise OSError(28, "No space left on device", str(path))

    with pytest.raises(OutputWriteError) as caught:
        files.atomic_write(tmp_path / "out.csv", full)
    assert str(caught.value) == (f"{tmp_path / 'out.csv'}: cannot be written (No space left on device); "
                                 "choose a path in a folder you can write to with -o")
    assert list(tmp_path.iterdir()) == []


def _capability_text() -> str:
    from conftest import MINI
    return textwrap.dedent(MINI["capability.csv"]).lstrip("\n")


def test_a_spreadsheet_csv_with_trailing_commas_and_comma_rows_loads(runner, tmp_path):
    """Excel saves "a,b,c,,," headers and ",,,,," blank rows. The header used to be refused
    ("column appears more than once": the empty names), and a comma row was read as a record
    with every value empty, while the line count skipped it, so every later line number was
    wrong. Now both are blank, and a bad value after them is reported on its own line."""
    lines = [l + ",," for l in _capability_text().splitlines()]
    lines.insert(4, ",,,,,,")  # line 5
    folder = write_mini(tmp_path / "d", {"capability.csv": "\n".join(lines) + "\n,,,,,,\n"})
    base = ["--data-dir", str(folder), "--replace-data"]
    result = runner.invoke(main, [*base, "data", "validate"])
    assert result.exit_code == 0, result.stderr
    plain = write_mini(tmp_path / "plain")
    scores = [runner.invoke(main, ["--data-dir", str(d), "--replace-data", "score", "--as-of", "2023", "--format", "csv"]).stdout
              for d in (folder, plain)]
    assert scores[0] == scores[1]

    lines.append("toy_score,2023-01-01,z,abc,x,,")  # line 8, after the comma row
    bad = write_mini(tmp_path / "bad", {"capability.csv": "\n".join(lines) + "\n"})
    result = runner.invoke(main, ["--data-dir", str(bad), "--replace-data", "data", "validate"])
    assert result.stderr == (f"error: {bad / 'capability.csv'}:8: column value: value 'abc' is not a finite number; "
                             "write a plain number such as 12.5\n")


@pytest.mark.parametrize("edit, says", [
    (lambda t: t.replace("source\n", "source,\n", 1).replace("y,70,hand-made", "y,70,hand-made,kept?"),
     ":6: has a value in a column with no name in the header; name the column in the header, or delete the value"),
    (lambda t: t.replace("system,value", "system,,value", 1),
     ":1: column 4 of the header has no name; name it, or delete the column"),
])
def test_a_value_under_no_header_name_is_refused_not_dropped(runner, tmp_path, edit, says):
    folder = write_mini(tmp_path / "d", {"capability.csv": edit(_capability_text())})
    result = runner.invoke(main, ["--data-dir", str(folder), "--replace-data", "data", "validate"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"error: {folder / 'capability.csv'}{says}"


def test_a_bad_byte_after_a_bom_is_located_on_its_own_line(runner, tmp_path):
    """With a UTF-8 BOM the decoder counts from after it: the byte and line reported were
    those three bytes earlier (here the end of line 6, not the 0xE9 opening line 7)."""
    folder = write_mini(tmp_path / "d")
    (folder / "capability.csv").write_bytes(b"\xef\xbb\xbf" + _capability_text().encode() + b"\xe9toy,2023-01-01,z,1,x\n")
    result = runner.invoke(main, ["--data-dir", str(folder), "--replace-data", "data", "validate"])
    assert result.stderr.splitlines()[0] == (f"error: {folder / 'capability.csv'}:7: column benchmark: byte b'\\xe9' is not "
                                             "UTF-8 text (Latin-1 or another encoding?); save the file as UTF-8")


def test_validate_names_what_the_data_dir_replaces_of_the_bundled_data(runner, tmp_path):
    """A --data-dir sector or keyed row with a bundled id replaces the bundled one (by
    design: that is how a user corrects a row), but `data validate` said only "ok", so a
    sector that lost its cost curve and funding, or a human baseline changed, went unseen.
    It now names each replacement with its file and line."""
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "sectors.toml").write_text('[sectors.brand_new]\nname = "New"\ndescription = "x"\nbenchmarks = []\n\n'
                                         '[sectors.computer_vision]\nname = "My CV"\ndescription = "x"\n'
                                         'benchmarks = ["imagenet_top5_error"]\n')
    bundled = (Path(datasets.BUNDLED_DIR) / "benchmarks.csv").read_text().splitlines()
    row = next(l for l in bundled if l.startswith("imagenet_top5_error,"))
    (folder / "benchmarks.csv").write_text(bundled[0] + "\n" + row + "\n")
    result = runner.invoke(main, ["--data-dir", str(folder), "data", "validate"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[:2] == [
        f"note: {folder / 'benchmarks.csv'}:2: replaces the bundled benchmarks row imagenet_top5_error",
        f"note: {folder / 'sectors.toml'}:6: replaces the bundled sector 'computer_vision'",
    ]
    assert result.stderr.splitlines()[2].startswith("ok: ")


def test_a_control_character_in_a_sector_name_leaves_the_memo_readable(runner, tmp_path):
    """A sector name with a control character ("Vis\\u0007ion", legal in TOML) went into the
    workbook's document title unfiltered: the memo was written, exit 0, and no reader could
    open it (docProps/core.xml not well-formed). The title is now cleaned as cells are."""
    from conftest import MINI
    text = textwrap.dedent(MINI["sectors.toml"]).replace('name = "Vision"', 'name = "Vis\\u0007ion\\u001b"')
    folder = write_mini(tmp_path / "d", {"sectors.toml": text})
    out = tmp_path / "memo.xlsx"
    result = runner.invoke(main, ["--data-dir", str(folder), "--replace-data", "memo", "vision", "--as-of", "2023", "-o", str(out)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    assert "\x07" not in (wb.properties.title or "") and "Vision" in (wb.properties.title or "")


def test_a_benchmark_listed_twice_in_a_sector_is_refused(runner, tmp_path):
    """benchmarks = ["toy_error", "toy_error"] validated: a member listed twice would weigh
    double in the sector's capability."""
    from conftest import MINI
    text = textwrap.dedent(MINI["sectors.toml"]).lstrip("\n").replace('benchmarks = ["toy_error"]', 'benchmarks = ["toy_error", "toy_error"]')
    folder = write_mini(tmp_path / "d", {"sectors.toml": text})
    result = runner.invoke(main, ["--data-dir", str(folder), "--replace-data", "data", "validate"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (f"error: {folder / 'sectors.toml'}:4: column sectors.vision.benchmarks: "
                                             "lists 'toy_error' more than once; keep one")


def test_validate_names_a_data_dir_file_that_is_not_read(runner, tmp_path):
    """Rounds.csv, capabilities.csv or prices.xlsx in a --data-dir were skipped without a
    word (only the exact bundled names are read): the analyst believed them used. Now
    data validate names each near-miss and the name that would be read; unrelated files
    (README.md) are left alone."""
    folder = write_mini(tmp_path / "d")
    for name in ("Rounds.csv", "capabilities.csv", "prices.xlsx", "README.md"):
        (folder / name).write_text("x")
    result = runner.invoke(main, ["--data-dir", str(folder), "--replace-data", "data", "validate"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"note: {folder / 'Rounds.csv'}: is not read (no dataset has this name); rename it rounds.csv",
        f"note: {folder / 'capabilities.csv'}: is not read (no dataset has this name); rename it capability.csv",
        f"note: {folder / 'prices.xlsx'}: is not read (no dataset has this name); save it as CSV named prices.csv "
        "(a vendor export: 'gapscore data import')",
        "ok: 9 files valid",
    ]


def test_a_user_export_overlapping_the_bundled_rounds_counts_each_round_once(runner, tmp_path):
    """A user's Crunchbase export overlapping the bundled 2013 export listed the same
    rounds again, appended: every overlapping round counted twice, silently. A user row
    equal to a bundled one (company, round, date, amount, an undisclosed amount included)
    now replaces it, and data validate says how many and where."""
    import pandas as pd
    bundled = datasets.DataStore().load("rounds")
    undisclosed = int(np.flatnonzero(bundled["amount_usd"].isna())[0])
    repeat = datasets.public(bundled.iloc[[0, 5, undisclosed]])[["company", "category", "round", "date", "amount_usd", "source"]]
    new = pd.DataFrame([{"company": "newco", "category": "software", "round": "seed", "date": pd.Timestamp("2012-01-01"),
                         "amount_usd": 1e6, "source": "x"}])
    folder = tmp_path / "d"
    folder.mkdir()
    pd.concat([repeat, new]).to_csv(folder / "rounds.csv", index=False, date_format="%Y-%m-%d")
    store = datasets.DataStore(folder)
    assert len(store.load("rounds")) == len(bundled) + 1
    result = runner.invoke(main, ["--data-dir", str(folder), "data", "validate"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0] == (
        f"note: {folder / 'rounds.csv'}: replaces the bundled record on each of 3 rows that repeat one "
        "(same company, round, date, amount_usd; counted once): lines 2, 3, 4")
