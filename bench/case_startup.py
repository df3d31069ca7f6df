"""Start-up: ``gapscore --help`` and ``gapscore score`` against ``python -c "import pandas"``.

Whole commands, wall time, in the same run: the reference is the price of importing
pandas alone, which ``--help`` must not pay (target under 0.3 s).
"""

from __future__ import annotations

import sys

from bench.common import AS_OF, Context, Result, command_env, command_time

HELP_TARGET_S = 0.3


def run(ctx: Context) -> list[Result]:
    env = command_env(ctx)
    repeat = max(ctx.repeat, 5)  # sub-second commands: a few more runs for a stable median
    ctx.progress("startup: python -c 'import pandas'")
    t_pandas = command_time([sys.executable, "-c", "import pandas"], repeat)
    results = []
    if ctx.wants("startup_help"):
        ctx.progress("startup: gapscore --help")
        t_help = command_time([ctx.gapscore, "--help"], repeat, env=env)
        verdict = "met" if t_help < HELP_TARGET_S else "MISSED"
        results.append(Result("startup_help", t_help, t_pandas, (
            f"reference: python -c 'import pandas'; target {HELP_TARGET_S} s {verdict}",)))
    if ctx.wants("startup_score"):
        ctx.progress("startup: gapscore score")
        t_score = command_time([ctx.gapscore, "score", "--as-of", AS_OF], ctx.repeat, env=env)
        results.append(Result("startup_score", t_score, t_pandas, (
            f"gapscore score --as-of {AS_OF} (7 sectors) against python -c 'import pandas'"
            + ("; quick: n_boot = 20" if ctx.quick else ""),)))
    return results
