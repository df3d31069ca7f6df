"""The fund Monte Carlo: a million funds of 30 companies.

Ours: ``simulate_fund`` (vectorised, blocks of funds). References, three lines:

* ``monte_carlo_numpy`` (the honest headline): ``bench/mc_numpy.py``, a first-draft
  numpy version of the same model vectorised over funds (about 50 lines), timed on
  ``NUMPY_SIMS`` funds and scaled;
* ``monte_carlo_draws``: the floor, the random numbers the engine draws (sector
  shocks, one uniform per company and fund, and the exit multiples' normals for the
  lognormal bodies, plus a uniform for each exit from a tailed distribution, at
  their expected counts) drawn alone in the engine's block layout, with the
  engine's own generator and draw functions; ``ratio`` < 1 says how many floors
  ours costs;
* ``monte_carlo`` (secondary, weaker): ``simulate_fund_reference``, the same model as
  a plain-Python loop over funds and companies. The reference is timed on a subsample (``REFERENCE_SIMS`` funds) and its
time scaled to the full count: it is a loop with the same work per fund, so its
time is linear in the number of funds. The two must agree in distribution (a
two-sample Kolmogorov-Smirnov test on TVPI), and ours must stay under
``MEMORY_LIMIT_MB`` of peak resident memory in a fresh process.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from scipy import stats

from bench.common import PEAK_MEMORY_MB, Context, Result, interleaved_times, median_time, run as run_command
from bench.mc_numpy import draws_alone, expected_exit_draws, simulate_tvpi
from gapscore.models.portfolio import BLOCK_FUNDS, STAGES, SimulationParams, simulate_fund, simulate_fund_reference

SECTORS = ("computer_vision", "speech_recognition", "language_understanding", "llm_assistants",
           "code_assistants", "computer_use_agents", "video_generation")
CHECK_USD = {"seed": 1.5e6, "series_a": 4e6, "series_b": 8e6, "growth": 12e6}
RESERVE_USD = 20e6  # follow-on reserve per fund: the slower, more realistic path
SIMS = {"full": 1_000_000, "quick": 20_000}
REFERENCE_SIMS = {"full": 20_000, "quick": 1_000}
#: Funds the numpy reference is timed on (scaled to SIMS: chunked, so linear in funds).
NUMPY_SIMS = {"full": 200_000, "quick": 20_000}
MEMORY_LIMIT_MB = 2048
KS_MIN_P = 0.001  # below this the two engines disagree (seeds are fixed: one draw of p)


def thirty_companies() -> pd.DataFrame:
    """12 seed, 9 Series A, 6 Series B and 3 growth companies over the 7 sectors."""
    stages = ["seed"] * 12 + ["series_a"] * 9 + ["series_b"] * 6 + ["growth"] * 3
    return pd.DataFrame([
        {"sector": SECTORS[i % len(SECTORS)], "stage": s, "companies": 1, "capital_usd": CHECK_USD[s]}
        for i, s in enumerate(stages)
    ])


def simulate(sims: int, seed: int = 1):
    return simulate_fund(thirty_companies(), SimulationParams(), sims=sims, seed=seed, reserve_usd=RESERVE_USD)


def measure_peak_mb(sims: int) -> float:
    """Peak resident memory of a fresh interpreter running ``simulate`` (imports included)."""
    code = PEAK_MEMORY_MB + f"from bench.case_monte_carlo import simulate\nsimulate({sims})\nprint(peak_memory_mb())\n"
    return float(run_command([sys.executable, "-c", code]).stdout)


def run(ctx: Context) -> list[Result]:
    mode = "quick" if ctx.quick else "full"
    sims, ref_sims = SIMS[mode], REFERENCE_SIMS[mode]
    np_sims = NUMPY_SIMS[mode]
    exit_draws = expected_exit_draws(thirty_companies(), SimulationParams())
    exit_uniforms = sum(u for u, _ in exit_draws)
    exit_normals = sum(n for _, n in exit_draws)
    ctx.progress(f"monte_carlo: ours ({sims:,} funds), the numpy reference ({np_sims:,} funds) and the draws alone, "
                 "taking turns")
    (t_ours, fast), (t_np, tvpi_np), (t_draws, _) = interleaved_times([
        lambda: simulate(sims),
        lambda: simulate_tvpi(thirty_companies(), SimulationParams(), sims=np_sims, seed=3, reserve_usd=RESERVE_USD),
        lambda: draws_alone(len(SECTORS), 30, len(STAGES), sims=sims, seed=1, block=BLOCK_FUNDS,
                            exit_draws=exit_draws),
    ], ctx.repeat)
    ctx.progress(f"monte_carlo: reference, {ref_sims:,} funds")
    t_ref, slow = median_time(
        lambda: simulate_fund_reference(thirty_companies(), SimulationParams(), sims=ref_sims, seed=2,
                                        reserve_usd=RESERVE_USD),
        ctx.repeat)
    p = stats.ks_2samp(fast.tvpi, slow.tvpi).pvalue
    if p < KS_MIN_P:
        raise AssertionError(f"monte_carlo: TVPI distributions differ (KS p = {p:.2g})")
    ctx.progress("monte_carlo: peak memory in a fresh process")
    peak = measure_peak_mb(sims)
    if peak > MEMORY_LIMIT_MB:
        raise AssertionError(f"monte_carlo: peak memory {peak:.0f} MB over {MEMORY_LIMIT_MB} MB")
    p_np = stats.ks_2samp(fast.tvpi, tvpi_np).pvalue
    if p_np < KS_MIN_P:
        raise AssertionError(f"monte_carlo: numpy reference TVPI differs (KS p = {p_np:.2g})")
    extra = [
        Result("monte_carlo_numpy", t_ours, t_np * sims / np_sims, (
            f"reference: bench/mc_numpy.py, the same model vectorised over funds in numpy (first draft), timed on "
            f"{np_sims:,} funds ({t_np:.3g} s) and scaled by {sims / np_sims:g}; target at least 10x",
            f"TVPI agrees in distribution: KS two-sample p = {p_np:.2f} (median {np.median(tvpi_np):.3f})",
        )),
        Result("monte_carlo_draws", t_ours, t_draws, (
            f"reference: the engine's draws alone, with its generator and draw functions: per fund "
            f"{len(SECTORS)} x {len(STAGES)} sector normals (Box-Muller on float32 uniforms), 30 float32 uniforms, "
            f"and for the exits with value {exit_normals:.2f} normals (the lognormal bodies) and {exit_uniforms:.2f} "
            f"uniforms (exits from a tailed distribution), expected counts; blocks of {BLOCK_FUNDS}: ours is "
            f"{t_ours / t_draws:.1f}x the floor, target within 2x",
        )),
    ]
    return extra + [Result("monte_carlo", t_ours, t_ref * sims / ref_sims, (
        f"{sims:,} funds of 30 companies, ${RESERVE_USD / 1e6:.0f}M reserve; reference (secondary): the "
        f"plain-Python loop, timed on {ref_sims:,} "
        f"funds ({t_ref:.3g} s) and scaled by {sims // ref_sims}",
        f"TVPI agrees in distribution: KS two-sample p = {p:.2f} (median {fast.p50:.3f} vs {slow.p50:.3f}, "
        f"P(TVPI >= 3) {fast.prob_tvpi_at_least[3.0]:.3f} vs {slow.prob_tvpi_at_least[3.0]:.3f})",
        f"peak resident memory {peak:.0f} MB (fresh process, imports included; limit {MEMORY_LIMIT_MB} MB)",
    ))]
