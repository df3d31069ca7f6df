"""Memos: ``gapscore memo SECTOR`` and ``gapscore memo --all``, whole commands.

Ours: the command's wall time (start-up, loading and scoring the data, writing the
workbook with charts, styles and live formulas). Reference: ``bench.plain_workbook``
writing the same cells (values, formulas as text) into plain workbooks with
openpyxl, also as a whole command. R < 1 says how much the memo costs over the bare
writing of its cells.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from bench.common import AS_OF, Context, Result, command_env, command_time

SECTOR = "computer_vision"
#: Quick mode scores with the fewest bootstrap draws the configuration allows.


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
    env = command_env(ctx)
    one, folder = ctx.work / f"{SECTOR}.xlsx", ctx.work / "memos"
    cases = {
        "memo_one": ([ctx.gapscore, "memo", SECTOR, "--as-of", AS_OF, "-o", str(one), "--force"], [one]),
        "memo_all": ([ctx.gapscore, "memo", "--all", "--as-of", AS_OF, "-o", str(folder), "--force"], None),
    }
    results = []
    for name, (cmd, books) in cases.items():
        if not ctx.wants(name):
            continue
        ctx.progress(f"{name}: {' '.join(cmd[1:4])} ...")
        t_ours = command_time(cmd, ctx.repeat, env=env)
        books = books or sorted(folder.glob("*.xlsx"))
        spec = [cells_of(b, ctx.work / f"plain-{b.name}") for b in books]
        cells_json = ctx.work / f"{name}-cells.json"
        cells_json.write_text(json.dumps(spec), encoding="utf-8")
        n_cells = sum(len(rows) for book in spec for rows in book["sheets"].values())
        ctx.progress(f"{name}: reference (openpyxl, {n_cells:,} plain cells)")
        t_ref = command_time([sys.executable, "-m", "bench.plain_workbook", str(cells_json)], ctx.repeat)
        results.append(Result(name, t_ours, t_ref, (
            f"{len(books)} workbook(s) as of {AS_OF}, {n_cells:,} cells; reference: the same cells written "
            "plain by openpyxl (no scoring, styles or charts), whole command; the fit cache (in the bench's "
            "scratch folder) is cold for the first run only"
            + ("; quick: n_boot = 20" if ctx.quick else ""),
        )))
    return results
