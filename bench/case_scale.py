"""How ``gapscore score`` grows with the sectors an analyst adds.

``--data-dir`` holds N synthetic sectors, each with one new benchmark of its own (a
noisy logistic climb, 12 record-setting results between 2012 and 2024): the bundled
sectors plus N more are scored with a cold fit cache (emptied before every run).
Reference: the same command on the bundled sectors alone, so ``ours - reference`` is
what the N sectors add; the target (issue 20) is at most 0.15 s per added sector and
100 sectors under 20 s.
"""

from __future__ import annotations

import numpy as np

from bench.case_startup import score_time
from bench.common import AS_OF, Context, Result, command_env

SIZES = {"full": (10, 40, 100), "quick": (2,)}
PER_SECTOR_TARGET_S = 0.15
HUNDRED_TARGET_S = 20.0
POINTS = 12


def write_sectors(folder, n: int, seed: int = 20) -> None:
    """sectors.toml, benchmarks.csv and capability.csv for ``n`` synthetic sectors."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    sectors, bench, rows = [], ["benchmark,sector,metric,higher_is_better,human_baseline,floor,unit,scale,source"], [
        "benchmark,date,system,value,source"]
    for i in range(n):
        sid, bid = f"synthetic_{i:03d}", f"synthetic_bench_{i:03d}"
        sectors.append(f'[sectors.{sid}]\nname = "Synthetic {i}"\ndescription = "bench: added sector {i}"\n'
                       f'benchmarks = ["{bid}"]\nround_categories = []\n')
        bench.append(f"{bid},{sid},score,true,90,10,percent,linear,bench synthetic")
        k, t0 = rng.uniform(0.3, 1.2), rng.uniform(2016, 2026)
        years = np.sort(rng.uniform(2012, 2024.5, POINTS))
        share = 1.1 / (1 + np.exp(-k * (years - t0))) + rng.normal(0, 0.02, POINTS)
        best = np.maximum.accumulate(share)
        for j, (y, s) in enumerate(zip(years, best)):
            month = int((y % 1) * 12) + 1
            rows.append(f"{bid},{int(y)}-{month:02d}-15,system {j},{10 + 80 * s:.3f},bench synthetic")
    (folder / "sectors.toml").write_text("\n".join(sectors), encoding="utf-8")
    (folder / "benchmarks.csv").write_text("\n".join(bench) + "\n", encoding="utf-8")
    (folder / "capability.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def run(ctx: Context) -> list[Result]:
    env = command_env(ctx)
    score = [ctx.gapscore, "score", "--as-of", AS_OF, "--format", "csv"]
    ctx.progress("scale: gapscore score, bundled sectors only (cold fit cache)")
    t_base = score_time(ctx, score, env, cold=True, repeat=ctx.repeat)
    results = []
    sizes = SIZES["quick" if ctx.quick else "full"]
    for n in sizes:
        name = f"score_sectors_{n}"
        if not ctx.wants(name) and not ctx.quick:
            continue
        folder = ctx.work / f"sectors-{n}"
        write_sectors(folder, n)
        ctx.progress(f"scale: gapscore score with {n} added sectors (cold fit cache)")
        t = score_time(ctx, [ctx.gapscore, "--data-dir", str(folder), *score[1:]], env, cold=True,
                       repeat=ctx.repeat)
        per = (t - t_base) / n
        verdict = "met" if per <= PER_SECTOR_TARGET_S else "MISSED"
        extra = ""
        if n == 100:
            extra = f"; 100 sectors {t:.1f} s, target under {HUNDRED_TARGET_S:.0f} s: " + (
                "met" if t < HUNDRED_TARGET_S else "MISSED")
        results.append(Result(f"score_sectors_{n}", t, t_base, (
            f"bundled sectors + {n} synthetic sectors of one new benchmark each ({POINTS} records), as of {AS_OF}, "
            f"cold fit cache; reference: bundled sectors alone",
            f"{per:.3f} s per added sector, target {PER_SECTOR_TARGET_S} s: {verdict}{extra}",
        )))
    return results
