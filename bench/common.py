"""What every case shares: the run's settings, timing helpers, the result line."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The repository (subprocesses run here, so ``python -m bench.x`` finds the package)."""

#: Every dated computation in the bench uses this as_of, so a run is reproducible.
AS_OF = "2025-06-30"


@dataclass
class Context:
    """Settings of one run, handed to every case."""

    quick: bool
    repeat: int
    cache: Path  # generated inputs, kept between runs
    work: Path  # this run's scratch folder
    only: frozenset[str] = frozenset()  # case names asked for with --only (empty: all)
    named: bool = False  # whether --only was given (a group left out of --quick may still be asked for)

    def wants(self, name: str) -> bool:
        return not self.only or name in self.only

    def progress(self, message: str) -> None:
        print(f"[bench] {message}", file=sys.stderr, flush=True)

    @property
    def gapscore(self) -> str:
        return str(Path(sys.executable).with_name("gapscore"))


@dataclass(frozen=True)
class Result:
    name: str
    ours: float  # seconds
    reference: float  # seconds
    details: tuple[str, ...] = ()  # printed as '#' lines under the result

    @property
    def ratio(self) -> float:
        return self.reference / self.ours

    def line(self) -> str:
        return f"bench: {self.name} ratio={self.ratio:.3g} ours={self.ours:.4g} reference={self.reference:.4g}"


def median_time(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall time of ``repeat`` calls, and the last call's result."""
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def interleaved_times(fns: Sequence[Callable[[], object]], repeat: int) -> list[tuple[float, object]]:
    """``median_time`` of several functions whose calls take turns (ours, reference,
    ours, reference, ...): on a shared machine a burst of load then slows every side
    about equally instead of whichever ran during it, so the ratios hold."""
    times: list[list[float]] = [[] for _ in fns]
    outs: list[object] = [None] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            outs[i] = fn()
            times[i].append(time.perf_counter() - start)
    return [(statistics.median(t), out) for t, out in zip(times, outs, strict=True)]


def run(cmd: Sequence[str], *, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run a command in the repository; its failure fails the bench with its stderr."""
    done = subprocess.run(list(cmd), cwd=ROOT, env={**os.environ, **(env or {})},
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {done.returncode}:\n{done.stderr.strip()}")
    return done


def command_time(cmd: Sequence[str], repeat: int, *, env: dict | None = None) -> float:
    """Median wall time of a whole command (interpreter start-up included)."""
    return median_time(lambda: run(cmd, env=env), repeat)[0]


PEAK_MEMORY_MB = """
def peak_memory_mb():
    # VmHWM: this process image's peak resident memory. ru_maxrss would also count the
    # forked parent's pages before exec (Linux keeps it across exec).
    try:
        with open("/proc/self/status") as fh:
            return next(int(l.split()[1]) for l in fh if l.startswith("VmHWM:")) / 1024.0
    except (OSError, StopIteration):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
"""
"""Source of ``peak_memory_mb()`` for the code a case runs in a fresh interpreter."""


def machine() -> list[str]:
    """A few lines saying what the numbers were measured on."""
    import numpy
    import pandas
    import scipy
    import statsmodels

    mem = ""
    try:
        kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
        mem = f", {kb / 2**20:.1f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    cpu = platform.processor() or platform.machine()
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
        cpu = f"{model} ({platform.machine()})"
    except (OSError, StopIteration):
        pass
    load = ", load average %.2f %.2f %.2f" % os.getloadavg() if hasattr(os, "getloadavg") else ""
    return [
        f"{platform.system()} {platform.release()}; {os.cpu_count()} CPUs: {cpu}{mem}{load}",
        f"Python {platform.python_version()}, numpy {numpy.__version__}, pandas {pandas.__version__}, "
        f"scipy {scipy.__version__}, statsmodels {statsmodels.__version__}",
    ]


QUICK_CONFIG = "[capability]\nn_boot = 20\n"
"""--quick: a cheaper bootstrap for the commands the memo and start-up cases run."""


def command_env(ctx) -> dict:
    """Extra environment for timed gapscore commands: the fit cache in this run's scratch
    folder (never the user's; filled by a case's first run unless the case empties it),
    and the cheap config under --quick."""
    env = {"GAPSCORE_CACHE_DIR": str(ctx.work / "fit-cache-commands")}
    if not ctx.quick:
        return env
    config = ctx.work / "quick.toml"
    config.write_text(QUICK_CONFIG, encoding="utf-8")
    return {**env, "GAPSCORE_CONFIG": str(config)}
