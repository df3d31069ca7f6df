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


def timed(codes: list[str], folder: str, repeat: int) -> list[tuple[float, float, int]]:
    """Per code: median seconds, largest peak memory (MB) and rows over ``repeat`` fresh
    processes, the codes taking turns (a burst of load slows both sides alike)."""
    runs: list[list] = [[] for _ in codes]
    for _ in range(repeat):
        for i, code in enumerate(codes):
            runs[i].append(json.loads(run_command([sys.executable, "-c", code, folder]).stdout))
    return [(statistics.median(r[0] for r in rs), max(r[1] for r in rs), rs[0][2]) for rs in runs]


def run(ctx: Context) -> list[Result]:
    size = QUICK if ctx.quick else FULL
    folder = ctx.work / "load"
    folder.mkdir(exist_ok=True)
    link = folder / "rounds.parquet"
    link.unlink(missing_ok=True)
    link.symlink_to(rounds_file(ctx, size))
    ctx.progress("rounds_load: ours (DataStore.load) and the reference (pandas.read_parquet), taking turns")
    (t_ours, mem_ours, rows), (t_ref, mem_ref, _) = timed([OURS, REFERENCE], str(folder), ctx.repeat)
    return [Result("rounds_load", t_ours, t_ref, (
        f"{rows:,} rounds from Parquet; peak memory {mem_ours:.0f} MB ours, {mem_ref:.0f} MB reference "
        "(imports included); ours checks every cell and row and returns the text columns as categoricals",
    ))]
