"""``python -m bench [--quick] [--only NAME ...] [--repeat N]``: run the benchmarks.

Results go to stdout, one line per case::

    bench: NAME ratio=R ours=S1 reference=S2

with '#' lines for the machine and each case's details; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import sys
import tempfile
from pathlib import Path

from bench.common import Context, machine

#: Case groups in run order: module, and the result names it prints.
GROUPS = {
    "graduation": ("bench.case_graduation", ("graduation_km_codes", "graduation_km", "graduation_km_object",
                                             "graduation_km_arrow", "graduation_e2e")),
    "monte_carlo": ("bench.case_monte_carlo", ("monte_carlo_numpy", "monte_carlo_draws", "monte_carlo")),
    "memo": ("bench.case_memo", ("memo_one", "memo_one_fits", "memo_all")),
    "startup": ("bench.case_startup", ("import_floor", "startup_help", "startup_score", "startup_score_warm",
                                       "startup_score_fits", "import_score")),
    "scale": ("bench.case_scale", ("score_sectors_10", "score_sectors_40", "score_sectors_100")),
    "load": ("bench.case_load", ("rounds_load",)),
    "backtest": ("bench.case_backtest", ("backtest_one", "backtest_all", "backtest_all_warm")),
}


def main(argv: list[str] | None = None) -> int:
    names = sorted({n for _, case_names in GROUPS.values() for n in case_names} | set(GROUPS))
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run each (for tests)")
    parser.add_argument("--only", action="append", choices=names, metavar="NAME",
                        help=f"run only this group or case (repeatable): {', '.join(names)}")
    parser.add_argument("--repeat", type=int, default=None, help="runs per timing (default 3; --quick: 1)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "gapscore-bench",
                        help="folder for generated inputs, reused between runs (default: %(default)s)")
    args = parser.parse_args(argv)
    repeat = args.repeat or (1 if args.quick else 3)
    if repeat < 1:
        parser.error("--repeat must be at least 1")

    wanted = set(args.only or GROUPS)
    only = frozenset(n for group, (_, case_names) in GROUPS.items() for n in case_names
                     if group in wanted or n in wanted)
    work = Path(tempfile.mkdtemp(prefix="gapscore-bench-"))
    ctx = Context(quick=args.quick, repeat=repeat, cache=args.cache, work=work, only=only, named=bool(args.only))
    print(f"# gapscore bench{' --quick' if args.quick else ''}: median of {repeat} run(s); "
          "ratio = reference / ours (> 1: ours faster); seconds")
    for line in machine():
        print(f"# {line}")
    try:
        for group, (module, case_names) in GROUPS.items():
            if not only & set(case_names):
                continue
            for result in importlib.import_module(module).run(ctx):
                print(result.line())
                for detail in result.details:
                    print(f"#   {detail}")
                sys.stdout.flush()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
