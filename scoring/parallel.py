"""Run one function over many items: here, on local processes, or on a Dask cluster.

``run_map(func, items)`` is a plain loop; ``jobs=N`` spreads the items over N worker
processes; ``scheduler="tcp://host:8786"`` sends them to a Dask cluster through
joblib's dask backend (the optional ``dask`` extra). Results come back in the order of
``items`` whichever way they ran, so a sweep gives the same answer on one core or on a
cluster (tests/test_parallel.py, and the calibration pool's test in
tests/test_calibration.py).

Local workers are forked from this process where the platform can fork (Linux) and no
other Python thread runs: a worker starts in milliseconds with the data already loaded,
and only the results are pickled back. Otherwise (macOS, Windows, a threaded caller) they
are joblib's loky processes, which start
a fresh interpreter and receive ``func`` and each item pickled. Either way ``func``,
the items and the results should be picklable (a module-level function or a
``functools.partial`` of one). A worker never starts workers of its own: inside one,
``run_map`` is the plain loop. On a cluster every worker needs gapscore installed.

``jobs=None`` means the process's default, 1 unless a caller set another with
:func:`default_jobs` (the CLI sets it from ``gapscore --jobs``).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from gapscore.scoring.errors import ConfigError

__all__ = ["check_jobs", "default_jobs", "run_map", "workers"]

#: Seconds to wait for a Dask scheduler to answer before giving up.
CONNECT_TIMEOUT_S = 10

#: What ``jobs=None`` means (see :func:`default_jobs`).
_default_jobs = 1

#: ``(func, items)`` of the fork map under way: a forked worker inherits it, so only
#: each item's index is sent to it.
_fork_work: tuple[Callable[[Any], Any], list] | None = None


@contextlib.contextmanager
def default_jobs(jobs: int) -> Iterator[None]:
    """Within the block, ``run_map(..., jobs=None)`` uses ``jobs`` workers.

    >>> with default_jobs(2):
    ...     workers(None, 10)
    2
    """
    global _default_jobs
    check_jobs(jobs)
    before, _default_jobs = _default_jobs, jobs
    try:
        yield
    finally:
        _default_jobs = before


def workers(jobs: int | None, n_items: int) -> int:
    """How many processes ``run_map(..., jobs=jobs)`` would use for ``n_items`` local items
    (1: the plain loop). ``-1`` is every CPU this process may run on; inside a worker, 1.

    >>> workers(4, 3), workers(1, 10), workers(2, 0)
    (3, 1, 1)
    """
    jobs = _default_jobs if jobs is None else jobs
    check_jobs(jobs)
    if jobs == -1:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if _in_worker():
        return 1
    return max(1, min(jobs, n_items))


def check_jobs(jobs) -> int:
    """``jobs`` if it is a number of worker processes (1 or more, or -1 for every CPU), else a ConfigError."""
    if isinstance(jobs, bool) or not isinstance(jobs, int) or not (jobs >= 1 or jobs == -1):
        raise ConfigError(f"jobs must be a whole number of processes (1 or more, or -1 for every CPU); got {jobs!r}")
    return jobs


#: ``.worker`` is True in a worker's thread while it runs an item (a Dask worker may be a
#: thread of this very process, so the mark is per thread and taken off afterwards).
_state = threading.local()


def _in_worker() -> bool:
    """True inside a worker: it runs its own sweeps as plain loops (a forked worker is a
    daemon process, which may not start processes; loky or Dask workers would multiply)."""
    return getattr(_state, "worker", False)


def run_map(
    func: Callable[[Any], Any],
    items: Iterable[Any],
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int, Any], None] | None = None,
) -> list:
    """``[func(item) for item in items]``, possibly in parallel; input order kept.

    Parameters
    ----------
    jobs : 1 runs in this process (no worker is started); N > 1 uses up to N local
        worker processes (never more than there are items); -1 one per CPU; None the
        default (:func:`default_jobs`). With ``scheduler``: at most this many tasks at
        once (1 or -1: as many as the cluster has threads).
    scheduler : address of a Dask scheduler, e.g. ``"tcp://10.0.0.5:8786"``.
    progress : called as ``progress(done, total, item)`` each time an item finishes.

    An exception raised by ``func`` propagates unchanged.

    Examples
    --------
    >>> run_map(abs, [-2, 3, -4])
    [2, 3, 4]
    """
    jobs = _default_jobs if jobs is None else jobs
    check_jobs(jobs)
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise ConfigError(f"scheduler must be a Dask scheduler address such as tcp://host:8786; got {scheduler!r}")
    items = list(items)
    local = workers(jobs, len(items)) if scheduler is None else 0
    if local == 1:
        return _loop(func, items, progress)
    if local:
        import multiprocessing

        # fork copies only the calling thread: with other Python threads running (a
        # Dask client, a test's server) a lock one of them holds would stay locked in
        # the worker, so such a process starts loky workers instead
        if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
            results = _fork_map(func, items, local, progress)
            # None: no pool where the system gives no semaphores (no /dev/shm in some
            # containers); the same results from the plain loop
            return _loop(func, items, progress) if results is None else results
        return _joblib_map(func, items, local, progress, backend="loky")
    with _dask_client(scheduler.strip()) as client:
        return _joblib_map(func, items, jobs if jobs > 1 else -1, progress, backend="dask", client=client)


def _tagged(func: Callable[[Any], Any], index: int, item: Any) -> tuple[int, Any]:
    """``(index, func(item))``, run in a worker: lets results arrive in any order and
    still be put back."""
    before, _state.worker = _in_worker(), True
    try:
        return index, func(item)
    finally:
        _state.worker = before


def _ignore_interrupt() -> None:
    """A worker leaves Ctrl-C to this process, which stops the workers and says 'Aborted!'
    (no traceback from each worker)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _fork_call(index: int) -> tuple[int, Any]:
    func, items = _fork_work
    return _tagged(func, index, items[index])


def _loop(func, items: list, progress) -> list:
    """``run_map`` in this process: the plain loop."""
    results = []
    for done, item in enumerate(items, 1):
        results.append(func(item))
        if progress is not None:
            progress(done, len(items), item)
    return results


def _fork_map(func, items, jobs, progress) -> list | None:
    """``run_map`` on ``jobs`` forked workers, each inheriting ``func`` and ``items``;
    None where the system cannot make the pool (no working semaphores, no processes left)."""
    import gc
    import multiprocessing

    global _fork_work
    results: list = [None] * len(items)
    _fork_work = (func, items)  # before the pool: its workers are forked when it is made
    # the objects that exist now are the workers' inheritance: frozen, the workers'
    # garbage collections skip them instead of walking (and copying) every page of them
    gc.freeze()
    try:
        try:
            pool = multiprocessing.get_context("fork").Pool(jobs, initializer=_ignore_interrupt)
        except (OSError, ImportError):
            return None
        with pool:
            for done, (index, result) in enumerate(pool.imap_unordered(_fork_call, range(len(items))), 1):
                results[index] = result
                if progress is not None:
                    progress(done, len(items), items[index])
    finally:
        _fork_work = None
        gc.unfreeze()
    return results


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
