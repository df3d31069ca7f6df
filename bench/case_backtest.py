"""Backtests, whole commands, against the issue-20 targets (no faster tool does the same).

* ``backtest_one``: ``gapscore backtest computer_vision`` (as-of dates 2010 to last
  year, with the forecast calibration), cold: an empty cache folder before the run.
  Target: under 20 s.
* ``backtest_all``: ``gapscore backtest --all --jobs 2`` (every bundled sector), cold.
  Target: under 60 s.
* ``backtest_all_warm``: the same with the cache folder filled by the cold run.

There is no reference implementation to race: ``reference`` is the target itself, so
``ratio`` >= 1 means the target is met. One run each (minutes on a busy machine) unless
``--repeat`` asks for more. ``--quick`` skips this group unless it is named with
``--only`` (a cold backtest computes the calibration pool, minutes on a busy machine),
and then runs two as-of dates with a cheap bootstrap.
"""

from __future__ import annotations

import shutil

from bench.common import Context, Result, command_env, median_time, run as run_command

SECTOR = "computer_vision"
ONE_TARGET_S = 20.0
ALL_TARGET_S = 60.0


def _time(ctx: Context, cmd: list[str], env: dict, cache, *, cold: bool, repeat: int) -> float:
    def once():
        if cold:
            shutil.rmtree(cache, ignore_errors=True)
        run_command(cmd, env=env)

    return median_time(once, repeat)[0]


def run(ctx: Context) -> list[Result]:
    if ctx.quick and not ctx.named:
        return []  # see the module docstring
    env = command_env(ctx)
    cache = ctx.work / "backtest-cache"
    env = {**env, "GAPSCORE_CACHE_DIR": str(cache)}
    span = ["--from", "2023", "--to", "2024"] if ctx.quick else []
    repeat = 1 if ctx.repeat <= 3 else ctx.repeat
    results = []
    if ctx.wants("backtest_one"):
        ctx.progress(f"backtest: gapscore backtest {SECTOR}, cold")
        t = _time(ctx, [ctx.gapscore, "backtest", SECTOR, *span, "--format", "json"], env, cache, cold=True, repeat=repeat)
        results.append(Result("backtest_one", t, ONE_TARGET_S, (
            f"gapscore backtest {SECTOR} (with calibration), empty cache folder before the run; "
            f"reference: the target, {ONE_TARGET_S:g} s: {'met' if t <= ONE_TARGET_S else 'MISSED'}",)))
    every = [ctx.gapscore, "backtest", "--all", "--jobs", "2", *span, "--format", "json"]
    if ctx.wants("backtest_all"):
        ctx.progress("backtest: gapscore backtest --all --jobs 2, cold")
        t = _time(ctx, every, env, cache, cold=True, repeat=repeat)
        results.append(Result("backtest_all", t, ALL_TARGET_S, (
            "gapscore backtest --all --jobs 2 (every bundled sector, with calibration), empty cache folder before "
            f"the run; reference: the target, {ALL_TARGET_S:g} s: {'met' if t <= ALL_TARGET_S else 'MISSED'}",)))
    if ctx.wants("backtest_all_warm"):
        ctx.progress("backtest: gapscore backtest --all --jobs 2, warm")
        if not ctx.wants("backtest_all"):
            run_command(every, env=env)  # fill the cache
        t = _time(ctx, every, env, cache, cold=False, repeat=repeat)
        results.append(Result("backtest_all_warm", t, ALL_TARGET_S, (
            "the same, cache folder filled by the cold run",)))
    shutil.rmtree(cache, ignore_errors=True)
    return results
