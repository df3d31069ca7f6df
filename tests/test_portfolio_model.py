"""Tests for gapscore.models.portfolio: allocation and the fund Monte Carlo.

Expected numbers come from hand-worked cases (written out in each docstring), closed
forms (binomial via scipy.stats.binom, lognormal/Pareto means), or the plain-Python
reference implementation of the same model (two-sample KS test).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import special, stats

from gapscore.models.exceptions import InputError
from gapscore.models.portfolio import (
    BLOCK_FUNDS,
    DEFAULT_SECTOR_RHO,
    DEFAULT_TAIL_ALPHA,
    HOT_SECTOR_QUANTILE,
    HOT_SECTOR_SEED_GRADUATION,
    STAGES,
    ExitDistribution,
    FundOutcome,
    SimulationParams,
    allocate,
    simulate_fund,
    simulate_fund_reference,
)
from gapscore.models import portfolio as portfolio_module

SECTORS = (
    "computer_vision",
    "speech_recognition",
    "language_understanding",
    "llm_assistants",
    "code_assistants",
    "computer_use_agents",
    "video_generation",
)
M = 1e6  # USD per $M in the hand-worked allocation examples


def thirty_companies() -> pd.DataFrame:
    """12 seed, 9 Series A, 6 Series B, 3 growth companies spread over the 7 sectors."""
    stages = ["seed"] * 12 + ["series_a"] * 9 + ["series_b"] * 6 + ["growth"] * 3
    checks = {"seed": 1.5 * M, "series_a": 4 * M, "series_b": 8 * M, "growth": 12 * M}
    return pd.DataFrame(
        [
            {"sector": SECTORS[i % len(SECTORS)], "stage": s, "companies": 1, "capital_usd": checks[s]}
            for i, s in enumerate(stages)
        ]
    )


def deterministic_params(**overrides: object) -> SimulationParams:
    """Every step certain, no M&A, fixed multiples: the hand-worked valuation chain.

    step-ups 2 (A), 3 (B), 4 (growth); dilution 0.2, 0.25, 0.5; success at 1.5x the
    growth post-money.
    """
    base = {
        "graduation": dict.fromkeys(STAGES, 1.0),
        "mna_share": dict.fromkeys(STAGES, 0.0),
        "dilution": {"series_a": 0.2, "series_b": 0.25, "growth": 0.5},
        "step_up": {"series_a": 2.0, "series_b": 3.0, "growth": 4.0},
        "success_exit": ExitDistribution(median=1.5),
        "mna_exit": ExitDistribution(median=0.5),
        "sector_rho": 0.0,
        "follow_on_stages": ("series_a",),
    }
    base.update(overrides)
    return SimulationParams(**base)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# allocate
# --------------------------------------------------------------------------------------


def test_allocate_hand_worked_with_cap() -> None:
    """Hand-worked: $100M fund, 50% reserve -> $50M initial; seed 60% ($30M), A 40% ($20M);
    cap 20% of the fund ($20M per sector); min score 50; checks seed $2M, A $4M.

    Seed weights (score - 50): alpha 50, beta 30, gamma 10, delta 10 -> 15, 9, 3, 3.
    A weights: alpha 25, beta 15, gamma 10, delta 0 (score 40) -> 10, 6, 4, 0.
    alpha totals 25 > 20: scaled by 0.8 to seed 12, A 8; the freed 3 (seed) and 2 (A)
    go to the others: seed 18 over 30:10:10 -> beta 10.8, gamma 3.6, delta 3.6; A 12
    over 15:10 -> beta 7.2, gamma 4.8. beta's 18 is under the cap, so it stops.
    Companies: floor(capital / check): alpha 6 + 2, beta 5 + 1, gamma 1 + 1, delta 1.
    gamma and delta tie at seed 60: the tie goes by name (delta 3rd, gamma 4th).
    """
    scores = pd.DataFrame(
        [
            ("alpha", "seed", 100), ("beta", "seed", 80), ("gamma", "seed", 60), ("delta", "seed", 60),
            ("alpha", "series_a", 75), ("beta", "series_a", 65), ("gamma", "series_a", 60),
            ("delta", "series_a", 40),
        ],
        columns=["sector", "stage", "score"],
    )
    plan = allocate(
        scores,
        fund_size_usd=100 * M,
        check_size_usd={"seed": 2 * M, "series_a": 4 * M},
        reserve_ratio=0.5,
        max_sector_share=0.2,
        stage_mix={"seed": 0.6, "series_a": 0.4},
        min_score=50,
    )
    assert list(plan.columns) == ["sector", "stage", "companies", "capital_usd", "reason"]
    got = {(r.sector, r.stage): (r.companies, r.capital_usd / M) for r in plan.itertuples()}
    expected = {
        ("alpha", "seed"): (6, 12.0), ("beta", "seed"): (5, 10.8), ("delta", "seed"): (1, 3.6),
        ("gamma", "seed"): (1, 3.6), ("alpha", "series_a"): (2, 8.0), ("beta", "series_a"): (1, 7.2),
        ("gamma", "series_a"): (1, 4.8), ("delta", "series_a"): (0, 0.0),
    }
    assert got.keys() == expected.keys()
    for key, (companies, capital) in expected.items():
        assert got[key][0] == companies, key
        assert got[key][1] == pytest.approx(capital, rel=1e-12), key
    assert plan["companies"].dtype == np.int64
    assert [(r.sector, r.stage) for r in plan.itertuples()] == [
        ("alpha", "seed"), ("beta", "seed"), ("delta", "seed"), ("gamma", "seed"),
        ("alpha", "series_a"), ("beta", "series_a"), ("gamma", "series_a"), ("delta", "series_a"),
    ]
    reasons = plan.set_index(["sector", "stage"])["reason"]
    assert reasons["alpha", "seed"] == (
        "seed score 100, 1st of 4; 6 companies, $12.0M ($2.0M each); capped at 20% of the fund"
    )
    assert reasons["gamma", "seed"] == "seed score 60, 4th of 4; 1 company, $3.6M ($3.6M each)"
    assert reasons["delta", "series_a"] == (
        "Series A score 40, 4th of 4; at or below the minimum score 50, so no capital"
    )
    assert plan.attrs["unplaced_usd"] == {}


def test_allocate_drops_rows_below_one_check() -> None:
    """Hand-worked: $10M of seed capital, $4M checks, weights 50:30:20 -> 5, 3, 2.

    c's $2M is less than a check: dropped, then 50:30 -> 6.25, 3.75; b's $3.75M is
    short too: dropped, a takes all $10M = floor(10 / 4) = 2 companies of $5M.
    """
    scores = pd.DataFrame({"sector": ["a", "b", "c"], "stage": "seed", "score": [100, 80, 70]})
    plan = allocate(scores, fund_size_usd=20 * M, check_size_usd={"seed": 4 * M}, reserve_ratio=0.5,
                    max_sector_share=1.0, stage_mix={"seed": 1.0}, min_score=50)
    rows = plan.set_index("sector")
    assert rows.loc["a", "companies"] == 2
    assert rows.loc["a", "capital_usd"] == pytest.approx(10 * M)
    assert rows.loc[["b", "c"], "companies"].tolist() == [0, 0]
    assert rows.loc[["b", "c"], "capital_usd"].tolist() == [0.0, 0.0]
    assert rows.loc["b", "reason"] == (
        "seed score 80, 2nd of 3; its share ($3.8M) was less than one $4.0M check, so it went to the other sectors"
    )
    assert rows.loc["c", "reason"] == (
        "seed score 70, 3rd of 3; its share ($2.0M) was less than one $4.0M check, so it went to the other sectors"
    )


def test_allocate_reports_capital_no_sector_can_take() -> None:
    """Hand-worked: two sectors, cap 20% of $100M = $20M each, $60M initial: $20M unplaced."""
    scores = pd.DataFrame({"sector": ["a", "b"], "stage": "seed", "score": [90, 70]})
    plan = allocate(scores, fund_size_usd=100 * M, check_size_usd={"seed": 2 * M}, reserve_ratio=0.4,
                    max_sector_share=0.2, stage_mix={"seed": 1.0}, min_score=50)
    assert plan["capital_usd"].tolist() == pytest.approx([20 * M, 20 * M])
    assert plan["companies"].tolist() == [10, 10]
    assert plan.attrs["unplaced_usd"] == {"seed": pytest.approx(20 * M)}
    unplaced = "$20.0M of seed capital left unplaced: every eligible sector is at its cap"
    assert plan["reason"].str.endswith(unplaced).all()
    # Nobody above the minimum: the whole stage is unplaced, with the other reason.
    low = allocate(scores.assign(score=[40, 30]), fund_size_usd=100 * M, check_size_usd={"seed": 2 * M},
                   reserve_ratio=0.4, max_sector_share=0.2, stage_mix={"seed": 1.0}, min_score=50)
    assert low["capital_usd"].sum() == 0.0
    assert low.attrs["unplaced_usd"] == {"seed": pytest.approx(60 * M)}
    assert low["reason"].iloc[0] == (
        "seed score 40, 1st of 2; at or below the minimum score 50, so no capital; "
        "$60.0M of seed capital left unplaced: no sector scored above the minimum with room for one check"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stage_mix": {"seed": 0.5}}, "'stage_mix' parameter must sum to 1"),
        ({"check_size_usd": {}}, "no check for 'seed'"),
        ({"reserve_ratio": 1.0}, "'reserve_ratio' parameter must be in [0, 1)"),
        ({"max_sector_share": 0.0}, "'max_sector_share' parameter must be in (0, 1]"),
        ({"stage_mix": {"seed": 0.5, "series_z": 0.5}}, "unknown stages ['series_z']"),
    ],
)
def test_allocate_rejects_bad_parameters(kwargs: dict, message: str) -> None:
    """The error names the parameter, the value and the allowed range (scikit-learn style)."""
    scores = pd.DataFrame({"sector": ["a"], "stage": ["seed"], "score": [80]})
    args = {"fund_size_usd": 10 * M, "check_size_usd": {"seed": M}, "reserve_ratio": 0.3,
            "max_sector_share": 0.5, "stage_mix": {"seed": 1.0}}
    args.update(kwargs)
    with pytest.raises(InputError) as info:
        allocate(scores, **args)
    assert message in str(info.value)


def test_allocate_rejects_bad_scores() -> None:
    """Every bad row is named at once; duplicate (sector, stage) pairs are refused."""
    args = {"fund_size_usd": 10 * M, "check_size_usd": {"seed": M}, "reserve_ratio": 0.3,
            "max_sector_share": 0.5, "stage_mix": {"seed": 1.0}}
    bad = pd.DataFrame({"sector": ["a", "b"], "stage": ["seed", "seed"], "score": [120, -1]})
    with pytest.raises(InputError, match=r"a/seed=120.*b/seed=-1"):
        allocate(bad, **args)
    dup = pd.DataFrame({"sector": ["a", "a"], "stage": ["seed", "seed"], "score": [60, 70]})
    with pytest.raises(InputError, match="more than one row"):
        allocate(dup, **args)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scores=st.lists(st.floats(0, 100, allow_nan=False), min_size=len(SECTORS) * 2, max_size=len(SECTORS) * 2),
    reserve=st.floats(0.0, 0.8),
    cap=st.floats(0.05, 1.0),
    seed_share=st.floats(0.0, 1.0),
    min_score=st.floats(0, 90),
)
def test_allocate_invariants(scores: list[float], reserve: float, cap: float, seed_share: float,
                             min_score: float) -> None:
    """Invariants: stage capital within its target, sector totals within the cap, every funded
    row holds at least one check per company, nothing below the minimum score, deterministic."""
    frame = pd.DataFrame(
        [(s, stage, scores[i * 2 + j]) for i, s in enumerate(SECTORS) for j, stage in enumerate(("seed", "series_a"))],
        columns=["sector", "stage", "score"],
    )
    fund = 100 * M
    checks = {"seed": 2 * M, "series_a": 5 * M}
    mix = {"seed": seed_share, "series_a": 1.0 - seed_share}
    kwargs = {"fund_size_usd": fund, "check_size_usd": checks, "reserve_ratio": reserve,
              "max_sector_share": cap, "stage_mix": mix, "min_score": min_score}
    plan = allocate(frame, **kwargs)
    initial = fund * (1 - reserve)
    for stage, share in mix.items():
        assert plan.loc[plan.stage == stage, "capital_usd"].sum() <= initial * share * (1 + 1e-9) + 1e-6
    assert (plan.groupby("sector")["capital_usd"].sum() <= cap * fund * (1 + 1e-9)).all()
    funded = plan[plan.companies > 0]
    per_check = np.array([checks[s] for s in funded.stage], dtype=float)
    assert (funded.capital_usd.to_numpy() >= funded.companies.to_numpy() * per_check * (1 - 1e-9)).all()
    assert (plan.loc[plan.companies == 0, "capital_usd"] == 0).all()
    merged = plan.merge(frame, on=["sector", "stage"])
    assert (merged.loc[merged.score <= min_score, "capital_usd"] == 0).all()
    pd.testing.assert_frame_equal(plan, allocate(frame, **kwargs))


# --------------------------------------------------------------------------------------
# simulate_fund: closed forms and hand-worked chains
# --------------------------------------------------------------------------------------


def one_stage_setup(p: float, m: float, n: int) -> tuple[pd.DataFrame, SimulationParams]:
    """n growth-stage companies: one step, success with probability p at a fixed m x,
    otherwise failure (no M&A), no dilution, no reserve, independent (rho = 0)."""
    portfolio = pd.DataFrame({"sector": ["a"], "stage": ["growth"], "companies": [n], "capital_usd": [n * M]})
    params = SimulationParams(
        graduation={**dict.fromkeys(STAGES, 0.5), "growth": p},
        mna_share=dict.fromkeys(STAGES, 0.0),
        success_exit=ExitDistribution(median=m),
        sector_rho=0.0,
    )
    return portfolio, params


def test_one_stage_mean_matches_closed_form() -> None:
    """Closed form: TVPI = m K / n with K ~ Binomial(n, p), so E[TVPI] = p m = 1.2 and
    Var[TVPI] = m^2 p (1 - p) / n = 0.336 (p = 0.3, m = 4, n = 10). The simulated mean
    must sit within 4 standard errors computed from that binomial variance."""
    p, m, n, sims = 0.3, 4.0, 10, 200_000
    portfolio, params = one_stage_setup(p, m, n)
    out = simulate_fund(portfolio, params, sims=sims, seed=11)
    variance = m**2 * p * (1 - p) / n
    se = math.sqrt(variance / sims)
    assert abs(out.mean - p * m) < 4 * se
    assert out.std == pytest.approx(math.sqrt(variance), rel=0.02)
    assert out.loss_ratio == pytest.approx(1 - p, abs=4 * math.sqrt(p * (1 - p) / n / sims))


def test_one_stage_tail_probabilities_match_binomial() -> None:
    """Closed form (scipy.stats.binom): TVPI = 0.4 K, so TVPI >= 1 iff K >= 3, TVPI >= 3
    iff K >= 8, TVPI >= 5 never; each simulated share within 4 binomial standard errors."""
    p, m, n, sims = 0.3, 4.0, 10, 200_000
    portfolio, params = one_stage_setup(p, m, n)
    out = simulate_fund(portfolio, params, sims=sims, seed=12)
    expected = {1.0: stats.binom.sf(2, n, p), 3.0: stats.binom.sf(7, n, p), 5.0: 0.0}
    for x, prob in expected.items():
        se = math.sqrt(max(prob * (1 - prob), 1e-12) / sims)
        assert abs(out.prob_tvpi_at_least[x] - prob) < 4 * se + 1e-12, x
    # The whole distribution: the share of funds at each value 0.4 k is binomial.
    values, counts = np.unique(np.round(out.tvpi / 0.4).astype(int), return_counts=True)
    chi2 = stats.chisquare(counts, stats.binom.pmf(values, n, p) / stats.binom.pmf(values, n, p).sum() * sims)
    assert chi2.pvalue > 0.001


def test_valuation_chain_hand_worked() -> None:
    """Hand-worked (no randomness: every step certain): a seed check of $1 goes through
    step-ups 2, 3, 4 (value x24), dilutions 0.2, 0.25, 0.5 (ownership x0.3) and exits at
    1.5x the growth post-money: TVPI = 24 x 0.3 x 1.5 = 10.8, in both engines."""
    portfolio = pd.DataFrame({"sector": ["a"], "stage": ["seed"], "companies": [2], "capital_usd": [2.0]})
    params = deterministic_params()
    for out in (simulate_fund(portfolio, params, sims=50, seed=1),
                simulate_fund_reference(portfolio, params, sims=50, seed=1)):
        assert out.tvpi == pytest.approx(np.full(50, 10.8), rel=1e-12)
        assert out.best_company_share == pytest.approx(0.5)
        assert out.loss_ratio == 0.0


def test_acquisition_path_hand_worked() -> None:
    """Hand-worked: seed graduates for sure, Series A never does and is always acquired at
    0.5x its post-money: value = $1 x 2 (step-up) x 0.8 (seed diluted in the A) x 0.5
    = 0.8, so TVPI = 0.8 and all capital is in companies returning < 1x."""
    portfolio = pd.DataFrame({"sector": ["a"], "stage": ["seed"], "companies": [3], "capital_usd": [3.0]})
    params = deterministic_params(
        graduation={**dict.fromkeys(STAGES, 1.0), "series_a": 0.0},
        mna_share={**dict.fromkeys(STAGES, 0.0), "series_a": 1.0},
    )
    for out in (simulate_fund(portfolio, params, sims=20, seed=2),
                simulate_fund_reference(portfolio, params, sims=20, seed=2)):
        assert out.tvpi == pytest.approx(np.full(20, 0.8), rel=1e-12)
        assert out.loss_ratio == 1.0


@pytest.mark.parametrize(
    ("reserve", "expected"),
    [
        # Reserve 0.4 < demand 0.8: f = 0.5, own after A = 1 - 0.2 x 0.5 = 0.9;
        # value = 24 x 0.9 x 0.75 x 0.5 x 1.5 = 12.15 each, invested 1.2 each.
        (0.4, 12.15 / 1.2),
        # Reserve covers the pro rata: own stays 1 after A; value 13.5, invested 1.4.
        (10.0, 13.5 / 1.4),
        # No reserve: the chain of the first test.
        (0.0, 10.8),
    ],
)
def test_follow_on_hand_worked(reserve: float, expected: float) -> None:
    """Hand-worked pro rata: two $1 seed checks both raise a Series A (dilution 0.2, step-up
    2): pro rata = check x own x 0.2 x 2 = 0.4 each, 0.8 in all. The fund follows on in the
    A only; each graduate gets the same share f = min(1, reserve / 0.8) of its pro rata."""
    portfolio = pd.DataFrame({"sector": ["a"], "stage": ["seed"], "companies": [2], "capital_usd": [2.0]})
    params = deterministic_params()
    for out in (simulate_fund(portfolio, params, sims=10, seed=3, reserve_usd=reserve),
                simulate_fund_reference(portfolio, params, sims=10, seed=3, reserve_usd=reserve)):
        assert out.tvpi == pytest.approx(np.full(10, expected), rel=1e-12)


def test_exit_distribution_mean_and_tail() -> None:
    """Closed forms: mean = (1 - t) m exp(s^2 / 2) + t x_min a / (a - 1); the Pareto tail
    gives P(>= 10) / P(>= 5) = 2^-a, which for the default a reproduces Correlation
    Ventures' 4% / 10% (a = log2(2.5)). Sample mean of 400,000 draws within 4 SE."""
    dist = ExitDistribution(median=2.0, sigma=0.5, tail_share=0.2, tail_min=3.0, tail_alpha=3.0)
    closed = 0.8 * 2.0 * math.exp(0.125) + 0.2 * 3.0 * 1.5
    assert dist.mean == pytest.approx(closed)
    rng = np.random.default_rng(5)
    draws = dist.transform(rng.random(400_000), rng.standard_normal(400_000))
    assert abs(draws.mean() - closed) < 4 * draws.std() / math.sqrt(draws.size)
    assert np.mean(draws >= 6.0) == pytest.approx(dist.sf(6.0), abs=0.003)
    pareto = ExitDistribution(median=1.0, tail_share=1.0, tail_min=5.0, tail_alpha=DEFAULT_TAIL_ALPHA)
    assert pareto.sf(10.0) / pareto.sf(5.0) == pytest.approx(0.04 / 0.10)


def test_box_muller_normals_are_standard_normal() -> None:
    """The engine's normals (Box-Muller on float32 uniforms): 2,000,000 draws pass a
    one-sample KS test against scipy's normal CDF (fixed seed, so one draw of p), their
    mean, variance and P(|z| > 3) are within 4 standard errors of 0, 1 and
    2 Phi(-3), the two halves (sine and cosine of the same radius) are uncorrelated
    within 4 standard errors, and no draw exceeds the largest radius a 24-bit
    uniform allows, sqrt(-2 log 2**-24) = 5.768."""
    gen = portfolio_module._block_generator(np.random.SeedSequence(5))
    z = portfolio_module._standard_normals(gen, np.empty(2_000_000, dtype=np.float32)).astype(float)
    n = z.size
    assert stats.kstest(z, "norm").pvalue > 0.001
    assert abs(z.mean()) < 4 / math.sqrt(n)
    assert abs(z.var() - 1.0) < 4 * math.sqrt(2.0 / n)
    p3 = 2 * stats.norm.sf(3.0)
    assert abs(np.mean(np.abs(z) > 3.0) - p3) < 4 * math.sqrt(p3 * (1 - p3) / n)
    assert abs(np.corrcoef(z[: n // 2], z[n // 2:])[0, 1]) < 4 / math.sqrt(n // 2)
    assert np.abs(z).max() <= math.sqrt(-2 * math.log(2.0**-24)) + 1e-5


def test_engine_exit_multiples_mean_tail_and_draws() -> None:
    """The engine's exit sampler (``_sample_multiples``): the closed-form mean and
    P(>= 6) of the test above, within 4 standard errors on 400,000 draws. And the
    draws it takes, worked from its documented order: without a tail, only normals
    (the same generator drawing ``_standard_normals`` directly, for the exits rounded
    up to an even count, gives the same multiples, median * exp(sigma z)); with one, a
    float64 uniform per exit first, u < tail_share giving the Pareto multiple
    tail_min * ((share - u) / share)**(-1/a), then the normals of the body exits."""
    dist = ExitDistribution(median=2.0, sigma=0.5, tail_share=0.2, tail_min=3.0, tail_alpha=3.0)
    closed = 0.8 * 2.0 * math.exp(0.125) + 0.2 * 3.0 * 1.5
    n = 400_000
    draws = np.zeros(n)
    portfolio_module._sample_multiples(dist, portfolio_module._block_generator(np.random.SeedSequence(6)),
                                       np.arange(n), draws)
    assert abs(draws.mean() - closed) < 4 * draws.std() / math.sqrt(n)
    assert np.mean(draws >= 6.0) == pytest.approx(dist.sf(6.0), abs=0.003)

    body = ExitDistribution(median=1.5, sigma=1.0)
    rows = np.array([4, 0, 2])
    value = np.zeros(5)
    portfolio_module._sample_multiples(body, portfolio_module._block_generator(np.random.SeedSequence(7)), rows, value)
    z = portfolio_module._standard_normals(portfolio_module._block_generator(np.random.SeedSequence(7)),
                                           np.empty(4, dtype=np.float32))[:3].astype(float)
    np.testing.assert_allclose(value[rows], 1.5 * np.exp(z), rtol=1e-12)
    assert value[[1, 3]].tolist() == [0.0, 0.0]

    tailed = ExitDistribution(median=1.5, sigma=1.0, tail_share=0.5, tail_min=2.0, tail_alpha=1.5)
    rows = np.arange(6)
    value = np.zeros(6)
    gen = portfolio_module._block_generator(np.random.SeedSequence(8))
    portfolio_module._sample_multiples(tailed, gen, rows, value)
    gen = portfolio_module._block_generator(np.random.SeedSequence(8))
    u = gen.random(6)
    in_tail = u < 0.5
    n_body = int((~in_tail).sum())
    assert 0 < n_body < 6  # both parts exercised
    z = portfolio_module._standard_normals(gen, np.empty(n_body + n_body % 2, dtype=np.float32)).astype(float)
    expected = np.empty(6)
    expected[in_tail] = 2.0 * ((0.5 - u[in_tail]) / 0.5) ** (-1 / 1.5)
    expected[~in_tail] = 1.5 * np.exp(z[:n_body])
    np.testing.assert_allclose(value, expected, rtol=1e-12)


# --------------------------------------------------------------------------------------
# simulate_fund: reproducibility, chunking, correlation, agreement with the reference
# --------------------------------------------------------------------------------------


def assert_same_outcome(a: FundOutcome, b: FundOutcome) -> None:
    for f in dataclasses.fields(FundOutcome):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            assert np.array_equal(x, y), f.name
        elif isinstance(x, float) and math.isnan(x):
            assert math.isnan(y), f.name
        else:
            assert x == y, f.name


def test_same_seed_same_numbers_and_seed_matters() -> None:
    """Same seed -> identical outcome, field by field; another seed -> different draws."""
    portfolio, params = thirty_companies(), SimulationParams()
    first = simulate_fund(portfolio, params, sims=6000, seed=42, reserve_usd=20 * M)
    again = simulate_fund(portfolio, params, sims=6000, seed=42, reserve_usd=20 * M)
    assert_same_outcome(first, again)
    other = simulate_fund(portfolio, params, sims=6000, seed=43, reserve_usd=20 * M)
    assert not np.array_equal(first.tvpi, other.tvpi)


@pytest.mark.parametrize("reserve", [0.0, 20 * M])
def test_chunk_size_does_not_change_results(reserve: float) -> None:
    """RNG blocks of BLOCK_FUNDS funds with their own spawned generators: 10,000 funds
    (two full blocks and a partial one) give bit-identical results for chunks of one,
    two, three or all blocks, and for a chunk size that is not a multiple of the block."""
    portfolio, params = thirty_companies(), SimulationParams()
    base = simulate_fund(portfolio, params, sims=10_000, seed=7, reserve_usd=reserve, chunk_size=BLOCK_FUNDS)
    for chunk in (2 * BLOCK_FUNDS, 3 * BLOCK_FUNDS, 2 * BLOCK_FUNDS + 100, 10**6):
        other = simulate_fund(portfolio, params, sims=10_000, seed=7, reserve_usd=reserve, chunk_size=chunk)
        assert_same_outcome(base, other)
    # A complete block is the same whatever the number of simulated funds.
    short = simulate_fund(portfolio, params, sims=BLOCK_FUNDS, seed=7, reserve_usd=reserve)
    assert np.array_equal(short.tvpi, base.tvpi[:BLOCK_FUNDS])


@pytest.mark.parametrize(("n_sectors", "widening"), [(7, 1.03), (2, 1.15)])
def test_sector_correlation_widens_without_moving_mean(n_sectors: int, widening: float) -> None:
    """rho 0 vs 0.5: the copula keeps every company's outcome distribution (independent
    shocks per round cycle, each with marginal graduation p), and with no reserve the
    paid-in capital is fixed, so E[TVPI] is unchanged (difference within 4 combined
    standard errors) while the spread p95 - p5 grows: about 6% with the thirty companies
    over seven sectors, 25% over two (measured; sampling noise of the ratio ~0.005).
    Tail exponent 3 here so the standard errors are valid (finite variance)."""
    portfolio = thirty_companies()
    portfolio["sector"] = [SECTORS[i % n_sectors] for i in range(len(portfolio))]
    finite_tail = ExitDistribution(median=1.5, sigma=1.0, tail_share=0.5, tail_min=2.0, tail_alpha=3.0)
    outs = {
        rho: simulate_fund(portfolio, SimulationParams(sector_rho=rho, success_exit=finite_tail),
                           sims=120_000, seed=100 + int(rho * 10))
        for rho in (0.0, 0.5)
    }
    independent, correlated = outs[0.0], outs[0.5]
    se = math.hypot(independent.mean_se, correlated.mean_se)
    assert abs(correlated.mean - independent.mean) < 4 * se
    assert (correlated.p95 - correlated.p5) > widening * (independent.p95 - independent.p5)
    assert correlated.std > independent.std


@pytest.mark.parametrize(("rho", "reserve"), [(DEFAULT_SECTOR_RHO, 20 * M), (0.6, 0.0)])
def test_vectorised_agrees_with_reference_in_distribution(rho: float, reserve: float) -> None:
    """Reference implementation: the plain-Python loop (separate draws per step, one
    default_rng stream) and the vectorised engine (one categorical draw per company,
    spawned block streams) simulate the same model; two-sample KS on 2,000 funds each.

    The seeds are fixed, so this is one draw of a p-value that is uniform when the
    engines agree: over 30 seed pairs (while writing this test) the p-values passed a
    uniformity KS test (p = 0.69 with reserve, 0.49 without), one pair in 30 fell below
    0.01 at most, and 20,000 funds each gave p = 0.36 and 0.15 for these two cases."""
    portfolio = thirty_companies()
    params = SimulationParams(sector_rho=rho)
    fast = simulate_fund(portfolio, params, sims=2000, seed=31, reserve_usd=reserve)
    slow = simulate_fund_reference(portfolio, params, sims=2000, seed=32, reserve_usd=reserve)
    assert stats.ks_2samp(fast.tvpi, slow.tvpi).pvalue > 0.01
    assert fast.loss_ratio == pytest.approx(slow.loss_ratio, abs=0.03)


def test_sector_override_changes_only_that_sector() -> None:
    """Hand-worked: a sector whose seeds never graduate and are never acquired returns 0;
    the other sector, certain at every step, returns 10.8 per $1 (the chain above). Equal
    checks in each, so TVPI = 10.8 / 2 = 5.4 and the best company holds half the value."""
    portfolio = pd.DataFrame({"sector": ["dead", "live"], "stage": ["seed", "seed"], "companies": [1, 1],
                              "capital_usd": [1.0, 1.0]})
    params = deterministic_params(graduation_by_sector={"dead": {"seed": 0.0}})
    out = simulate_fund(portfolio, params, sims=100, seed=4)
    assert out.tvpi == pytest.approx(np.full(100, 5.4))
    assert out.loss_ratio == pytest.approx(0.5)
    assert out.best_company_share == pytest.approx(1.0)


def test_default_rho_reproduces_its_calibration() -> None:
    """Independent check with scipy.stats.norm of the documented derivation: with the default
    rho, a 90th-percentile sector shock lifts seed graduation 0.46 to about 0.75."""
    p = SimulationParams().graduation["seed"]
    z = stats.norm.ppf(HOT_SECTOR_QUANTILE)
    lifted = stats.norm.cdf((stats.norm.ppf(p) + math.sqrt(DEFAULT_SECTOR_RHO) * z) / math.sqrt(1 - DEFAULT_SECTOR_RHO))
    assert lifted == pytest.approx(HOT_SECTOR_SEED_GRADUATION, abs=0.005)


@pytest.mark.parametrize("rho", [1e-4, DEFAULT_SECTOR_RHO, 0.9, 0.99])
def test_copula_table_matches_scipy(rho: float) -> None:
    """The engine's copula step, Phi(offset + scale * z) read from float32 tables that
    share one grid in scale * z, against scipy's ndtr in double precision: error below
    1.5e-7 (linear interpolation 3e-8, float32 storage 6e-8) at any rho, far below the
    Monte Carlo error of any run; offsets of -inf and +inf (probabilities 0 and 1) give
    exact zeros and ones, and shocks beyond the table (|z| > 9, probability 2e-19) are
    read at its ends (within one grid step past 9)."""
    rng = np.random.default_rng(11)
    z = rng.standard_normal(50_000)
    offsets = np.array([[-20.0, -1.3, 0.0], [0.7, 20.0, -1.3], [-np.inf, np.inf, 0.0]])
    scale = -math.sqrt(rho) / math.sqrt(1 - rho)
    table = portfolio_module._CopulaTable(offsets, scale)
    assert len(np.unique(table.base)) == 7  # one table per distinct offset
    for row, offset in enumerate(offsets.ravel()):
        got = table.conditional(row, z)
        assert got.dtype == np.float32
        assert np.max(np.abs(got - special.ndtr(offset + scale * z))) < 1.5e-7
    assert not table.conditional(6, z).any() and (table.conditional(7, z) == 1.0).all()
    far = np.array([-40.0, -10.0, 10.0, 40.0])
    ends = special.ndtr(scale * np.clip(far, -portfolio_module._SHOCK_LIMIT, portfolio_module._SHOCK_LIMIT))
    np.testing.assert_allclose(table.conditional(2, far), ends, atol=0.4 * portfolio_module._PHI_STEP)


def test_default_calibration_table() -> None:
    """The calibration quoted in the docs: single $1 checks at each entry stage under the
    defaults; averaged over the four stages, 4.0% return 10x+ and 9.0% 5x+ (Correlation
    Ventures: 4% and 10% of financings). Binomial tolerance for 4 x 100,000 checks."""
    params = SimulationParams()
    at10, at5 = [], []
    for stage in STAGES:
        one = pd.DataFrame({"sector": ["a"], "stage": [stage], "companies": [1], "capital_usd": [1.0]})
        out = simulate_fund(one, params, sims=100_000, seed=31, thresholds=(5.0, 10.0))
        at5.append(out.prob_tvpi_at_least[5.0])
        at10.append(out.prob_tvpi_at_least[10.0])
    assert np.mean(at10) == pytest.approx(0.040, abs=0.003)
    assert np.mean(at5) == pytest.approx(0.090, abs=0.004)


# --------------------------------------------------------------------------------------
# simulate_fund: outputs and validation
# --------------------------------------------------------------------------------------


def test_histogram_and_percentiles_without_kept_draws() -> None:
    """Counts add up to sims; percentiles read off the histogram agree with the exact ones
    within one 2%-wide geometric bin; the TVPI array is dropped when not kept."""
    portfolio, params = thirty_companies(), SimulationParams()
    kept = simulate_fund(portfolio, params, sims=30_000, seed=8)
    summary = simulate_fund(portfolio, params, sims=30_000, seed=8, keep_tvpi=False)
    assert summary.tvpi is None and not summary.percentiles_exact and kept.percentiles_exact
    assert kept.histogram_counts.sum() == summary.histogram_counts.sum() == 30_000
    assert np.array_equal(kept.histogram_counts, np.histogram(kept.tvpi, bins=kept.histogram_edges)[0])
    for name in ("p5", "p25", "p50", "p75", "p95"):
        assert getattr(summary, name) == pytest.approx(getattr(kept, name), rel=0.025), name
    assert summary.mean == kept.mean


def test_outcome_is_frozen_with_read_only_arrays() -> None:
    out = simulate_fund(thirty_companies(), SimulationParams(), sims=500, seed=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        out.mean = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        out.tvpi[0] = 1.0  # type: ignore[index]
    table = out.summary()
    assert table.loc["mean", "value"] == out.mean
    assert table.loc["prob_tvpi_at_least_3", "value"] == out.prob_tvpi_at_least[3.0]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    counts=st.lists(st.integers(0, 3), min_size=4, max_size=4).filter(any),
    rho=st.floats(0.0, 0.9),
    reserve=st.floats(0.0, 5.0),
    grad=st.floats(0.0, 1.0),
)
def test_simulation_invariants(counts: list[int], rho: float, reserve: float, grad: float) -> None:
    """Invariants on random small portfolios: TVPI >= 0, shares in [0, 1], P(TVPI >= x)
    non-increasing in x, percentiles ordered, histogram complete."""
    portfolio = pd.DataFrame({"sector": ["a", "b", "a", "b"], "stage": list(STAGES), "companies": counts,
                              "capital_usd": [float(c) for c in counts]})
    params = SimulationParams(sector_rho=rho, graduation={**SimulationParams().graduation, "seed": grad})
    out = simulate_fund(portfolio, params, sims=600, seed=3, reserve_usd=reserve)
    assert (out.tvpi >= 0).all()
    assert 0.0 <= out.loss_ratio <= 1.0
    assert math.isnan(out.best_company_share) or 0.0 <= out.best_company_share <= 1.0
    probs = [out.prob_tvpi_at_least[x] for x in (1.0, 3.0, 5.0)]
    assert probs == sorted(probs, reverse=True)
    assert out.p5 <= out.p25 <= out.p50 <= out.p75 <= out.p95
    assert out.histogram_counts.sum() == 600


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda pf, p: simulate_fund(pf, p, sims=0, seed=1), "'sims' parameter must be a positive integer"),
        (lambda pf, p: simulate_fund(pf, p, sims=10, seed=-1), "'seed' parameter must be a non-negative"),
        (lambda pf, p: simulate_fund(pf, p, sims=10, seed=1, chunk_size=0), "'chunk_size' parameter"),
        (lambda pf, p: simulate_fund(pf, p, sims=10, seed=1, reserve_usd=-5), "'reserve_usd' parameter"),
        (lambda pf, p: simulate_fund(pf.assign(companies=0), p, sims=10, seed=1), "bad rows"),
        (lambda pf, p: simulate_fund(pf.drop(columns="capital_usd"), p, sims=10, seed=1), "missing columns"),
    ],
)
def test_simulate_rejects_bad_input(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as info:
        call(thirty_companies(), SimulationParams())
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sector_rho": 1.0}, "'sector_rho' parameter must be in [0, 1)"),
        ({"graduation": {"seed": 0.5}}, "missing stages"),
        ({"dilution": {"series_a": 1.0, "series_b": 0.2, "growth": 0.1}}, "must be in [0, 1)"),
        ({"follow_on_stages": ("seed",)}, "'follow_on_stages' parameter"),
        ({"graduation_by_sector": {"a": {"series_q": 0.5}}}, "unknown stages ['series_q']"),
    ],
)
def test_params_validate(kwargs: dict, message: str) -> None:
    with pytest.raises(InputError) as info:
        SimulationParams(**kwargs)
    assert message in str(info.value)


def test_exit_distribution_needs_finite_mean() -> None:
    with pytest.raises(InputError, match="'tail_alpha' parameter must be in \\(1, inf\\)"):
        ExitDistribution(median=1.0, tail_share=0.1, tail_alpha=1.0)


def test_params_are_immutable() -> None:
    params = SimulationParams()
    with pytest.raises(TypeError):
        params.graduation["seed"] = 0.9  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.sector_rho = 0.1  # type: ignore[misc]
