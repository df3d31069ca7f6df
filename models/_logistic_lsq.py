"""Bounded least-squares fits of the logistic ``L / (1 + exp(-k (t - t0)))``, many at once.

:class:`~gapscore.models.capability.SCurve` fits one curve from 24 starting points and
then refits it to a few hundred bootstrap replicate series. Every one of those fits is
the same small problem (three parameters, a box of bounds, tens of points), so here
they are solved together: one projected Levenberg-Marquardt iteration updates every
problem of the batch with a handful of numpy operations on ``(batch, points)`` arrays
and one batched 3x3 solve, instead of one ``scipy.optimize.least_squares`` call (about
3.6 ms of Python overhead each) per problem.

Method ("batched"): Levenberg-Marquardt with Marquardt's diagonal scaling
(``(JᵀJ + λ diag(JᵀJ)) δ = -Jᵀr``), bounds by an active set: a parameter at a bound
whose gradient pushes it outward is held there for the step (its row and column of
the system are replaced by the identity), and the step is then projected (clipped)
into the box. A step that lowers the cost is accepted and λ shrinks; otherwise λ
grows. A problem stops when an accepted step changes the cost by less than ``FTOL``
relative or its parameters by less than ``XTOL`` relative, when its projected
gradient vanishes, or when λ exceeds ``LAMBDA_MAX`` (no step lowers the cost). The
minimum found is the same local minimum scipy's trust-region reflective method
reaches from the same start, to the tolerances measured in
``docs/models/capability_cost.md`` and checked by ``tests/test_capability.py``.

Method ("scipy"): one ``scipy.optimize.least_squares(method="trf")`` call per
problem, the reference the batched method is tested against.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

__all__ = ["METHODS", "fit_logistic_batch"]

METHODS = ("batched", "scipy")

#: Relative cost change or relative parameter change below which an accepted step ends
#: a problem (either suffices, as in scipy, whose defaults are 1e-8 for both): the cost
#: test is 100x tighter than scipy's, so the batched method stops at least as close to
#: the minimum. With both required, fits in a flat valley (parameters not identified)
#: ran to MAX_ITER for no gain: 1.8x slower, same answers on identified fits.
FTOL = 1e-10
XTOL = 1e-8
#: Largest damping before a problem is declared stuck at its minimum (no step helps).
LAMBDA_MAX = 1e12
#: Damping of the first step, relative to the diagonal of JᵀJ.
LAMBDA_START = 1e-3
#: Iterations of the batched method; a problem still running then keeps its best point
#: (as scipy keeps its last point when its evaluation budget ``max_nfev`` runs out).
MAX_ITER = 200
#: Evaluation budget of one scipy run (the reference method).
SCIPY_MAX_NFEV = 200


def _model(t: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Logistic values and Jacobian for a batch: t (n,), x (B, 3) -> (B, n), (B, n, 3)."""
    L, k, t0 = x[:, 0:1], x[:, 1:2], x[:, 2:3]
    d = t[None, :] - t0
    e = expit(k * d)
    de = e * (1.0 - e)
    jac = np.empty((x.shape[0], t.size, 3))
    jac[:, :, 0] = e
    jac[:, :, 1] = L * de * d
    jac[:, :, 2] = -L * de * k
    return L * e, jac


def _cost(t: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    L, k, t0 = x[:, 0:1], x[:, 1:2], x[:, 2:3]
    r = L * expit(k * (t[None, :] - t0)) - y
    return 0.5 * np.einsum("bn,bn->b", r, r)


def _batched(
    t: np.ndarray, y: np.ndarray, x0: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Projected Levenberg-Marquardt on every row of ``x0`` (see the module docstring)."""
    x = np.clip(np.array(x0, dtype=float), lower, upper)
    n_prob = x.shape[0]
    out_x = np.full_like(x, np.nan)
    out_cost = np.full(n_prob, np.inf)
    idx = np.arange(n_prob)  # problems still running
    lam = np.full(n_prob, LAMBDA_START)
    fitted, jac = _model(t, x)
    r = fitted - y
    cost = 0.5 * np.einsum("bn,bn->b", r, r)
    eye = np.eye(3)
    for _ in range(MAX_ITER):
        if not idx.size:
            break
        g = np.einsum("bni,bn->bi", jac, r)
        a = np.einsum("bni,bnj->bij", jac, jac)
        at_low = (x <= lower) & (g > 0)
        at_high = (x >= upper) & (g < 0)
        free = ~(at_low | at_high)
        g_free = np.where(free, g, 0.0)
        diag = np.maximum(np.einsum("bii->bi", a), 1e-300)
        gscale = np.abs(g_free) / np.sqrt(diag)
        converged = ~np.isfinite(cost) | (np.max(gscale, axis=1) <= 1e-15 * np.maximum(np.sqrt(2 * cost), 1e-300))
        mask = free[:, :, None] & free[:, None, :]
        system = np.where(mask, a, 0.0) + eye * np.where(free, lam[:, None] * diag, 1.0)[:, None, :]
        with np.errstate(all="ignore"):
            try:
                step = np.linalg.solve(system, -g_free[:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:
                step = np.stack([np.linalg.lstsq(s, -gf, rcond=None)[0] for s, gf in zip(system, g_free)])
        x_new = np.clip(x + step, lower, upper)
        with np.errstate(all="ignore"):
            cost_new = _cost(t, x_new, y)
        better = np.isfinite(cost_new) & (cost_new < cost)
        dcost = np.where(better, cost - cost_new, 0.0)
        dx = np.abs(x_new - x).max(axis=1) / (np.abs(x).max(axis=1) + XTOL)
        small = better & ((dcost <= FTOL * cost) | (dx <= XTOL))
        x = np.where(better[:, None], x_new, x)
        cost = np.where(better, cost_new, cost)
        lam = np.where(better, np.maximum(lam / 3.0, 1e-12), lam * 4.0)
        stop = converged | small | (lam > LAMBDA_MAX)
        if stop.any():
            out_x[idx[stop]] = x[stop]
            out_cost[idx[stop]] = cost[stop]
            keep = ~stop
            idx, x, cost, lam, y = idx[keep], x[keep], cost[keep], lam[keep], (y[keep] if y.ndim == 2 else y)
            if not idx.size:
                break
        fitted, jac = _model(t, x)
        r = fitted - y
    if idx.size:
        out_x[idx] = x
        out_cost[idx] = cost
    bad = ~np.all(np.isfinite(out_x), axis=1) | ~np.isfinite(out_cost)
    out_x[bad] = np.nan
    out_cost[bad] = np.inf
    return out_x, out_cost


def _scipy(
    t: np.ndarray, y: np.ndarray, x0: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One ``scipy.optimize.least_squares`` (trust-region reflective) run per row."""
    from scipy.optimize import least_squares

    def residuals(params, t, y):
        L, k, t0 = params
        return L * expit(k * (t - t0)) - y

    def jacobian(params, t, y):
        _, jac = _model(t, params[None, :])
        return jac[0]

    out_x = np.full((x0.shape[0], 3), np.nan)
    out_cost = np.full(x0.shape[0], np.inf)
    for i, start in enumerate(x0):
        y_i = y[i] if y.ndim == 2 else y
        try:
            solution = least_squares(
                residuals, start, jac=jacobian, bounds=(lower, upper), args=(t, y_i),
                method="trf", x_scale="jac", max_nfev=SCIPY_MAX_NFEV,
            )
        except (ValueError, np.linalg.LinAlgError):
            continue
        # status 0 (evaluation budget used up) still gives a feasible point: keep it.
        if solution.status >= 0 and np.all(np.isfinite(solution.x)):
            out_x[i], out_cost[i] = solution.x, solution.cost
    return out_x, out_cost


def fit_logistic_batch(
    t: np.ndarray,
    y: np.ndarray,
    x0: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    *,
    method: str = "batched",
) -> tuple[np.ndarray, np.ndarray]:
    """Fit the logistic to each problem of a batch by bounded least squares.

    Parameters
    ----------
    t : (n,) times shared by every problem.
    y : (n,) targets shared by every problem, or (B, n), one row per problem.
    x0 : (B, 3) starting points (L, k, t0); moved inside the bounds first.
    lower, upper : (3,) bounds.
    method : "batched" (projected Levenberg-Marquardt over the whole batch) or "scipy"
        (``least_squares``, trust-region reflective, one call per problem).

    Returns
    -------
    (B, 3) solutions (NaN rows where a fit failed) and (B,) costs ``0.5 Σ r²`` (inf
    where it failed).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    x0 = np.atleast_2d(np.asarray(x0, dtype=float))
    margin = 1e-6 * (upper - lower)
    x0 = np.clip(x0, lower + margin, upper - margin)
    solver = _batched if method == "batched" else _scipy
    return solver(t, y, x0, lower, upper)
