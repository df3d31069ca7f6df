"""Loading the large round table: gapscore's checked loader against a bare pandas read.

Ours: ``DataStore(--data-dir holding rounds.parquet, replace).load("rounds")``: read
the schema's columns (text dictionary-encoded, into categoricals), turn every cell
into its type with file, line and column for any that won't go, and validate every
row with pandera. Reference:
``pandas.read_parquet`` of the same columns, no checks. Each is timed inside a
fresh interpreter (imports excluded), which also reports its peak memory. R < 1 is
the price of checking every cell.
"""

from __future__ import annotations

import json
import statistics
import sys

from bench.case_graduation import FULL, QUICK, rounds_file
from bench.common import PEAK_MEMORY_MB, Context, Result, run as run_command

OURS = PEAK_MEMORY_MB + """
import json, sys, time
from pathlib import Path
from gapscore.scoring.inputs.datasets import DataStore
start = time.perf_counter()
frame = DataStore(Path(sys.argv[1]), replace=True).load("rounds")
took = time.perf_counter() - start
print(json.dumps([took, peak_memory_mb(), len(frame)]))
"""

REFERENCE = PEAK_MEMORY_MB + """
import json, sys, time
import pandas as pd
start = time.perf_counter()
frame = pd.read_parquet(sys.argv[1] + "/rounds.parquet",
                        columns=["company", "category", "round", "date", "amount_usd", "source"])
took = time.perf_counter() - start
print(json.dumps([took, peak_memory_mb(), len(frame)]))
"""


def timed(code: str, folder: str, repeat: int) -> tuple[float, float, int]:
    """Median seconds, largest peak memory (MB) and rows over ``repeat`` fresh processes."""
    runs = [json.loads(run_command([sys.executable, "-c", code, folder]).stdout) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs), runs[0][2]


def run(ctx: Context) -> list[Result]:
    size = QUICK if ctx.quick else FULL
    folder = ctx.work / "load"
    folder.mkdir(exist_ok=True)
    link = folder / "rounds.parquet"
    link.unlink(missing_ok=True)
    link.symlink_to(rounds_file(ctx, size))
    ctx.progress("rounds_load: ours (DataStore.load)")
    t_ours, mem_ours, rows = timed(OURS, str(folder), ctx.repeat)
    ctx.progress("rounds_load: reference (pandas.read_parquet)")
    t_ref, mem_ref, _ = timed(REFERENCE, str(folder), ctx.repeat)
    return [Result("rounds_load", t_ours, t_ref, (
        f"{rows:,} rounds from Parquet; peak memory {mem_ours:.0f} MB ours, {mem_ref:.0f} MB reference "
        "(imports included); ours checks every cell and row and returns the text columns as categoricals",
    ))]
