"""Start-up and scoring, whole commands, against the floor they cannot beat.

* ``import_floor``: ``python -c "import pandas, scipy, statsmodels"``, the price of
  starting Python with the libraries a data command needs (``import scipy`` and
  ``import statsmodels`` load only their package stubs: this is mostly pandas). Every
  other line of this group uses it as its reference, so ``ratio`` < 1 says how many
  floors a command costs (``x floor`` in the detail line is ``ours / reference``).
* ``startup_help``: ``gapscore --help``, against ``python -c "import pandas"``
  (target: under 0.3 s, so it must not import pandas at all).
* ``startup_score``: ``gapscore score`` for the bundled sectors with a cold fit cache
  (an empty ``GAPSCORE_CACHE_DIR`` before every run; target at most 3x the floor).
* ``startup_score_warm``: the same with the cache filled by an earlier run (target at
  most 1.5x the floor): the answer comes from the answer cache
  (``scoring/answer_cache.py``), looked up before pandas is imported.
* ``startup_score_fits``: the fit cache filled, the answer cache emptied before every
  run: what a warm ``score`` costs when its answer is not stored yet (other options,
  another date's answer), the scoring work itself.
* ``import_score``: the imports of ``gapscore score`` alone (``-X importtime``, the sum
  of the top-level imports), with the heavy libraries it must not import checked.
"""

from __future__ import annotations

import re
import shutil
import sys

from bench.common import AS_OF, Context, Result, command_env, command_time, median_time, run as run_command

HELP_TARGET_S = 0.3
COLD_TARGET = 3.0  # x the import floor
WARM_TARGET = 1.5
FLOOR_CMD = [sys.executable, "-c", "import pandas, scipy, statsmodels"]
#: Libraries ``gapscore score`` has no use for at start-up (measured cost in the README).
MUST_NOT_IMPORT = ("statsmodels.api", "statsmodels.regression", "scipy.stats", "dask", "openpyxl", "click.testing")


def _verdict(ratio: float, target: float) -> str:
    return f"{ratio:.2f}x floor, target {target}x: {'met' if ratio <= target else 'MISSED'}"


def floor_time(ctx: Context) -> float:
    ctx.progress("startup: import floor (python -c 'import pandas, scipy, statsmodels')")
    return command_time(FLOOR_CMD, max(ctx.repeat, 5))


def score_time(ctx: Context, cmd: list[str], env: dict, *, cold: bool, repeat: int, answers: bool = True) -> float:
    """Median wall time of a score command, the cache folder emptied before each run if
    ``cold``; with ``answers`` False only its answer cache is emptied before each run."""
    from gapscore.scoring.answer_cache import SUBDIR

    cache = ctx.work / "fit-cache"
    env = {**env, "GAPSCORE_CACHE_DIR": str(cache)}
    if not cold:
        run_command(cmd, env=env)  # fill the cache

    def once():
        if cold:
            shutil.rmtree(cache, ignore_errors=True)
        elif not answers:
            shutil.rmtree(cache / SUBDIR, ignore_errors=True)
        run_command(cmd, env=env)

    t, _ = median_time(once, repeat)
    shutil.rmtree(cache, ignore_errors=True)
    return t


def import_profile(ctx: Context, env: dict) -> tuple[float, list[str], list[str]]:
    """Top-level import time of ``gapscore score`` (s), the five largest, and forbidden modules seen."""
    cmd = [sys.executable, "-X", "importtime", "-m", "gapscore.scoring.cli", "score", "--as-of", AS_OF]
    done = run_command(cmd, env={**env, "GAPSCORE_CACHE_DIR": str(ctx.work / "fit-cache-imports")})
    top, seen = [], set()
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if not m:
            continue
        seen.add(m.group(3))
        if len(m.group(2)) == 1:
            top.append((int(m.group(1)) / 1e6, m.group(3)))
    total = sum(t for t, _ in top)
    largest = [f"{name} {t:.2f}" for t, name in sorted(top, reverse=True)[:5]]
    bad = sorted(n for n in seen if n in MUST_NOT_IMPORT)
    return total, largest, bad


def run(ctx: Context) -> list[Result]:
    env = command_env(ctx)
    repeat = max(ctx.repeat, 5)  # sub-second commands: a few more runs for a stable median
    t_floor = floor_time(ctx)
    results = [Result("import_floor", t_floor, t_floor, (
        "python -c 'import pandas, scipy, statsmodels': the reference of every startup line",))]
    if ctx.wants("startup_help"):
        ctx.progress("startup: python -c 'import pandas'")
        t_pandas = command_time([sys.executable, "-c", "import pandas"], repeat)
        ctx.progress("startup: gapscore --help")
        t_help = command_time([ctx.gapscore, "--help"], repeat, env=env)
        verdict = "met" if t_help < HELP_TARGET_S else "MISSED"
        results.append(Result("startup_help", t_help, t_pandas, (
            f"reference: python -c 'import pandas'; target {HELP_TARGET_S} s {verdict}",)))
    score = [ctx.gapscore, "score", "--as-of", AS_OF]
    quick = "; quick: n_boot = 20" if ctx.quick else ""
    if ctx.wants("startup_score"):
        ctx.progress("startup: gapscore score, cold fit cache")
        t = score_time(ctx, score, env, cold=True, repeat=ctx.repeat)
        results.append(Result("startup_score", t, t_floor, (
            f"gapscore score --as-of {AS_OF} (bundled sectors), empty fit cache before each run; "
            f"{_verdict(t / t_floor, COLD_TARGET)}{quick}",)))
    if ctx.wants("startup_score_warm"):
        ctx.progress("startup: gapscore score, warm fit cache")
        t = score_time(ctx, score, env, cold=False, repeat=repeat)
        results.append(Result("startup_score_warm", t, t_floor, (
            f"the same, cache filled by an earlier run (the answer cache's hit); {_verdict(t / t_floor, WARM_TARGET)}{quick}",)))
    if ctx.wants("startup_score_fits"):
        ctx.progress("startup: gapscore score, fit cache warm, answer cache empty")
        t = score_time(ctx, score, env, cold=False, repeat=repeat, answers=False)
        results.append(Result("startup_score_fits", t, t_floor, (
            f"the same, fit cache filled, answer cache emptied before each run (the scoring itself); "
            f"{t / t_floor:.2f}x floor{quick}",)))
    if ctx.wants("import_score"):
        ctx.progress("startup: gapscore score -X importtime")
        total, largest, bad = import_profile(ctx, env)
        results.append(Result("import_score", total, t_floor, (
            "ours: sum of gapscore score's top-level imports under -X importtime (one run; the flag "
            "itself slows imports)",
            "largest (s): " + ", ".join(largest),
            "imported though not needed: " + (", ".join(bad) if bad else "none of " + ", ".join(MUST_NOT_IMPORT)),
        )))
    return results
