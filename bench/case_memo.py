"""Memos: ``gapscore memo SECTOR`` and ``gapscore memo --all``, whole commands.

Ours: the command's wall time (start-up, loading and scoring the data, writing the
workbook with charts, styles and live formulas). Reference: ``bench.plain_workbook``
writing the same cells (values, formulas as text) into plain workbooks with
openpyxl, also as a whole command. R < 1 says how much the memo costs over the bare
writing of its cells. The runs of ours and the reference take turns.

* ``memo_one``: a repeat run, as an analyst reruns a memo: the cache folder (in the
  bench's scratch folder) filled by an untimed first run, so the finished workbook
  comes from the answer cache (``scoring/report/memo_files.py``), found before pandas
  is imported (target: at most 3x the reference, issue 20).
* ``memo_one_fits``: the same with the answer cache emptied before every run (fit
  cache warm): a memo whose workbook is not stored yet, the scoring and writing work.
* ``memo_all``: ``memo --all``, a repeat run as ``memo_one`` (the workbooks from the
  answer cache).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from pathlib import Path

from bench.common import AS_OF, Context, Result, command_env, interleaved_times, run as run_command

SECTOR = "computer_vision"
#: Issue 20: one memo at most this many times the plain-openpyxl reference.
ONE_TARGET = 3.0


def cells_of(path: Path, out: Path) -> dict:
    """Every non-empty cell of a workbook, for the plain reference to write to ``out``."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    sheets = {}
    for ws in wb.worksheets:
        rows = []
        for row in ws.iter_rows():
            for c in row:
                if c.value is None:
                    continue
                value = c.value.isoformat() if isinstance(c.value, (dt.date, dt.datetime, dt.time)) else c.value
                rows.append([c.row, c.column, value])
        sheets[ws.title] = rows
    return {"path": str(out), "sheets": sheets}


def run(ctx: Context) -> list[Result]:
    from gapscore.scoring.answer_cache import SUBDIR

    env = command_env(ctx)
    cache = Path(env["GAPSCORE_CACHE_DIR"])
    one, folder = ctx.work / f"{SECTOR}.xlsx", ctx.work / "memos"
    memo_one = [ctx.gapscore, "memo", SECTOR, "--as-of", AS_OF, "-o", str(one), "--force"]
    cases = {
        "memo_one": (memo_one, [one], False, "the cache folder filled by an untimed first run: the workbook comes "
                     "from the answer cache (a repeat run)"),
        "memo_one_fits": (memo_one, [one], True, "the fit cache filled, the answer cache emptied before every run "
                          "(the scoring and writing work)"),
        "memo_all": ([ctx.gapscore, "memo", "--all", "--as-of", AS_OF, "-o", str(folder), "--force"], None, False,
                     "the cache folder filled by an untimed first run: the workbooks come from the answer cache"),
    }
    results = []
    for name, (cmd, books, no_answers, how) in cases.items():
        if not ctx.wants(name):
            continue
        ctx.progress(f"{name}: {' '.join(cmd[1:4])} (first run, untimed) ...")
        run_command(cmd, env=env)
        books = books or sorted(folder.glob("*.xlsx"))
        spec = [cells_of(b, ctx.work / f"plain-{b.name}") for b in books]
        cells_json = ctx.work / f"{name}-cells.json"
        cells_json.write_text(json.dumps(spec), encoding="utf-8")
        n_cells = sum(len(rows) for book in spec for rows in book["sheets"].values())
        reference = [sys.executable, "-m", "bench.plain_workbook", str(cells_json)]

        def ours(cmd=cmd, no_answers=no_answers):
            if no_answers:
                shutil.rmtree(cache / SUBDIR, ignore_errors=True)
            run_command(cmd, env=env)

        ctx.progress(f"{name}: ours and the reference (openpyxl, {n_cells:,} plain cells), taking turns")
        (t_ours, _), (t_ref, _) = interleaved_times([ours, lambda ref=reference: run_command(ref)], ctx.repeat)
        results.append(Result(name, t_ours, t_ref, (
            f"{len(books)} workbook(s) as of {AS_OF}, {n_cells:,} cells; {how}; reference: the same cells written "
            f"plain by openpyxl (no scoring, styles or charts), whole command; {t_ours / t_ref:.2f}x the reference"
            + (f", target {ONE_TARGET}x: {'met' if t_ours / t_ref <= ONE_TARGET else 'MISSED'}" if name == "memo_one" else "")
            + ("; quick: n_boot = 20" if ctx.quick else ""),
        )))
    return results
