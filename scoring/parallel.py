"""Run one function over many items: here, on local processes, or on a Dask cluster.

``run_map(func, items)`` is a plain loop; ``jobs=N`` spreads the items over N worker
processes with joblib (loky); ``scheduler="tcp://host:8786"`` sends them to a Dask
cluster through joblib's dask backend (the optional ``dask`` extra). Results come
back in the order of ``items`` whichever way they ran, so a sweep gives the same
answer on one core or on a cluster.

With workers, ``func`` must be picklable: a module-level function (or a
``functools.partial`` of one), as must the items and the results. On a cluster every
worker needs gapscore installed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from gapscore.scoring.errors import ConfigError

__all__ = ["run_map"]

#: Seconds to wait for a Dask scheduler to answer before giving up.
CONNECT_TIMEOUT_S = 10


def run_map(
    func: Callable[[Any], Any],
    items: Iterable[Any],
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    progress: Callable[[int, int, Any], None] | None = None,
) -> list:
    """``[func(item) for item in items]``, possibly in parallel; input order kept.

    Parameters
    ----------
    jobs : 1 runs in this process (joblib is not even imported); N > 1 uses N local
        worker processes; -1 one per CPU. With ``scheduler``: at most this many tasks at
        once (1 or -1: as many as the cluster has threads).
    scheduler : address of a Dask scheduler, e.g. ``"tcp://10.0.0.5:8786"``.
    progress : called as ``progress(done, total, item)`` each time an item finishes.

    An exception raised by ``func`` propagates unchanged.

    Examples
    --------
    >>> run_map(abs, [-2, 3, -4])
    [2, 3, 4]
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or not (jobs >= 1 or jobs == -1):
        raise ConfigError(f"jobs must be a whole number of processes (1 or more, or -1 for every CPU); got {jobs!r}")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise ConfigError(f"scheduler must be a Dask scheduler address such as tcp://host:8786; got {scheduler!r}")
    items = list(items)
    if scheduler is None and (jobs == 1 or len(items) <= 1):
        results = []
        for done, item in enumerate(items, 1):
            results.append(func(item))
            if progress is not None:
                progress(done, len(items), item)
        return results
    if scheduler is None:
        return _joblib_map(func, items, jobs, progress, backend="loky")
    with _dask_client(scheduler.strip()) as client:
        return _joblib_map(func, items, jobs if jobs > 1 else -1, progress, backend="dask", client=client)


def _tagged(func: Callable[[Any], Any], index: int, item: Any) -> tuple[int, Any]:
    """``(index, func(item))``: lets results arrive in any order and still be put back."""
    return index, func(item)


def _joblib_map(func, items, jobs, progress, *, backend: str, **backend_params) -> list:
    import joblib

    results: list = [None] * len(items)
    with joblib.parallel_config(backend=backend, n_jobs=jobs, **backend_params):
        tasks = (joblib.delayed(_tagged)(func, i, item) for i, item in enumerate(items))
        for done, (index, result) in enumerate(joblib.Parallel(return_as="generator_unordered")(tasks), 1):
            results[index] = result
            if progress is not None:
                progress(done, len(items), items[index])
    return results


def _dask_client(address: str):
    """A ``dask.distributed.Client`` connected to ``address``, or one clear error."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise ConfigError(
            f"--scheduler {address} needs dask.distributed; install it with: pip install 'gapscore[dask]'"
        ) from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(
            f"cannot reach the Dask scheduler at {address} ({type(exc).__name__}: {exc}); "
            "check the address, or start one with 'dask scheduler'"
        ) from None
