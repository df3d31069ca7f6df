"""The fund model of ``simulate_fund_reference``, vectorised over funds with numpy.

A first draft of what a competent numpy user writes from the model's description
(the reference loop in ``models/portfolio.py``): the same steps in the same order,
each step one set of array operations over (funds x companies), with separate draws
per step as the loop has (graduate or not, then acquisition or failure). It shares
the loop's parameter tables (``_book``, ``_tables``) so both read the same numbers.
It agrees with the engine in distribution, not number for number (the bench checks
TVPI with a two-sample Kolmogorov-Smirnov test).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from gapscore.models.portfolio import (
    _LAST,
    STAGES,
    SimulationParams,
    _block_generator,
    _book,
    _standard_normals,
    _tables,
    _uniforms,
)


def _exit(dist, rng: np.random.Generator, n: int) -> np.ndarray:
    u = rng.random(n)
    body = dist.median * np.exp(dist.sigma * rng.standard_normal(n))
    if dist.tail_share <= 0:
        return body
    tail = dist.tail_min * np.maximum((dist.tail_share - u) / dist.tail_share, 1e-300) ** (-1.0 / dist.tail_alpha)
    return np.where(u < dist.tail_share, tail, body)


def simulate_tvpi(portfolio, params: SimulationParams, *, sims: int, seed: int, reserve_usd: float = 0.0,
                  chunk: int = 65_536) -> np.ndarray:
    """TVPI of ``sims`` funds (chunks of ``chunk`` funds keep memory bounded)."""
    book, rng = _book(portfolio), np.random.default_rng(seed)
    tables = _tables(params, book.sectors)
    rho = params.sector_rho
    sector, entry, check = book.sector.astype(int), book.entry.astype(int), book.check.astype(float)
    out = []
    for start in range(0, sims, chunk):
        n, j = min(chunk, sims - start), check.size
        shocks = rng.standard_normal((n, len(book.sectors), len(STAGES)))
        stage = np.broadcast_to(entry, (n, j)).copy()
        alive = np.ones((n, j), bool)
        own = np.ones((n, j))
        invested = np.broadcast_to(check, (n, j)).copy()
        value = np.zeros((n, j))
        left = np.full(n, float(reserve_usd))
        for step in range(len(STAGES)):
            k = stage
            price = check * own * tables.value[entry, k]
            p = tables.grad[sector, k]
            if rho > 0:
                z = shocks[:, sector, step]
                p = np.where((p > 0) & (p < 1), ndtr((tables.probit[sector, k] - np.sqrt(rho) * z) / np.sqrt(1 - rho)), p)
            grad = alive & (rng.random((n, j)) < p)
            fail = alive & ~grad
            done = grad & (k == _LAST)
            value[done] = price[done] * _exit(params.success_exit, rng, int(done.sum()))
            mna = fail & (rng.random((n, j)) < tables.mna[k])
            value[mna] = price[mna] * _exit(params.mna_exit, rng, int(mna.sum()))
            alive &= ~(fail | done)
            up = grad & (k < _LAST)
            nxt = np.minimum(k + 1, _LAST)
            stage = np.where(up, nxt, k)
            follows = up & tables.follow[nxt] & (reserve_usd > 0)
            demand = np.where(follows, check * own * tables.dilution[nxt] * tables.value[entry, nxt], 0.0)
            total = demand.sum(axis=1)
            frac = np.where(total > 0, np.minimum(1.0, left / np.where(total > 0, total, 1.0)), 0.0)
            invested += frac[:, None] * demand
            taken = np.where(demand > 0, frac[:, None], 0.0)
            own = np.where(up, own * (1.0 - tables.dilution[nxt] * (1.0 - taken)), own)
            left = np.maximum(left - frac * total, 0.0)
        out.append(value.sum(axis=1) / invested.sum(axis=1))
    return np.concatenate(out)


def expected_exit_draws(portfolio, params: SimulationParams) -> tuple[tuple[float, float], ...]:
    """Per fund, the expected random numbers of the exits with value, as the engine
    draws them (``_sample_multiples``): per exit distribution, acquisitions first and
    successes second, (float64 uniforms, normals). A distribution with a Pareto tail
    takes one uniform per exit (body or tail), and a normal per exit in its body, so
    ``(1 - tail_share)`` of them; one without a tail takes only the normals. From the
    model's graduation and acquisition probabilities: the copula leaves each
    company's marginal probabilities unchanged, so these are the engine's expected
    counts."""
    book = _book(portfolio)
    tables = _tables(params, book.sectors)
    acquired = succeeded = 0.0
    for s, e in zip(book.sector, book.entry, strict=True):
        reach = 1.0
        for k in range(int(e), len(STAGES)):
            g = tables.grad[s, k]
            acquired += reach * (1.0 - g) * tables.mna[k]
            reach *= g
        succeeded += reach
    draws = []
    for dist, exits in ((params.mna_exit, acquired), (params.success_exit, succeeded)):
        uniforms = exits if dist.tail_share > 0 else 0.0
        normals = exits * (1.0 - dist.tail_share) if dist.sigma else 0.0
        draws.append((uniforms, normals))
    return tuple(draws)


def draws_alone(n_sectors: int, n_companies: int, n_steps: int, *, sims: int, seed: int, block: int,
                exit_draws: tuple[tuple[float, float], ...] = ()) -> float:
    """The random numbers the engine draws, alone, in its block layout and with its own
    generator and draw functions (``_block_generator``, ``_standard_normals``,
    ``_uniforms``): one standard normal per sector and round cycle, one float32
    uniform per company (the engine's single categorical draw of each company's
    path), and the exits' uniforms and normals at their expected counts per fund
    (``expected_exit_draws``). Work arrays are reused from block to block, as the
    engine's are. Returns a checksum."""
    children = np.random.SeedSequence(seed).spawn(-(-sims // block))
    z_buf = np.empty(n_sectors * n_steps * block, dtype=np.float32)
    u_buf = np.empty(n_companies * block, dtype=np.float32)
    total = 0.0
    for b, child in enumerate(children):
        size = min(block, sims - b * block)
        gen = _block_generator(child)
        z = _standard_normals(gen, z_buf[:n_sectors * n_steps * size].reshape(n_sectors * n_steps, size))
        u = _uniforms(gen, u_buf[:n_companies * size].reshape(n_companies, size))
        total += float(z[0, 0]) + float(u[0, 0])
        for uniforms, normals in exit_draws:
            if uniforms:
                total += float(gen.random(round(uniforms * size))[:1].sum())
            n = round(normals * size)
            if n:
                total += float(_standard_normals(gen, np.empty(n + n % 2, dtype=np.float32))[0])
    return total
