"""Tests for gapscore.scoring.parallel.run_map: a sweep gives the same answer anywhere.

The reference for every parallel run is the plain list comprehension over the same
items in this process; the workload is the real one (stage scores of a few sectors at
a few dates, with the fewest bootstrap draws the configuration allows).
"""

from __future__ import annotations

import functools
import subprocess
import sys
import time

import pandas as pd
import pytest

from gapscore.scoring.inputs import config as config_mod
from gapscore.scoring.inputs.datasets import DataStore
from gapscore.scoring.errors import ConfigError, DataFileError
from gapscore.scoring.parallel import default_jobs, run_map, workers
from gapscore.scoring.signals.scores import score_sector

PAIRS = [
    ("computer_vision", "2017-12-31"),
    ("speech_recognition", "2015-12-31"),
    ("llm_assistants", "2025-06-30"),
    ("code_assistants", "2024-12-31"),
]


def score_payload(store: DataStore, cfg: dict, pair: tuple[str, str]) -> dict:
    """One sweep item: a sector's scores, reasons and factors as of a date, as plain data."""
    sector, as_of = pair
    return score_sector(store, sector, pd.Timestamp(as_of), cfg).as_dict()


def slow_square(x: int) -> int:
    """Later items finish first, so results arrive out of order."""
    time.sleep(0.02 * (5 - x))
    return x * x


@pytest.fixture(scope="module")
def workload():
    """(func, serial results): the function handed to run_map and the plain loop's answer."""
    cfg = config_mod.set_value(config_mod.load_config(None), "capability.n_boot", 20)
    store = DataStore()
    func = functools.partial(score_payload, store, cfg)
    return func, [func(pair) for pair in PAIRS]


def test_serial_is_the_plain_loop_with_progress(workload):
    func, expected = workload
    seen = []
    assert run_map(func, PAIRS, progress=lambda done, total, item: seen.append((done, total, item))) == expected
    assert seen == [(i, len(PAIRS), pair) for i, pair in enumerate(PAIRS, 1)]


def test_serial_run_does_not_import_joblib():
    code = ("import sys; from gapscore.scoring.parallel import run_map; "
            "assert run_map(abs, [-1, 2, -3]) == [1, 2, 3]; print('joblib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_two_processes_equal_single_process(workload):
    func, expected = workload
    seen = []
    got = run_map(func, PAIRS, jobs=2, progress=lambda done, total, item: seen.append((done, item)))
    assert got == expected
    assert sorted(done for done, _ in seen) == [1, 2, 3, 4]
    assert sorted(item for _, item in seen) == sorted(PAIRS)


def test_without_fork_the_workers_are_loky_processes(workload, monkeypatch):
    """Where the platform cannot fork (macOS, Windows), joblib's loky workers give the same answer."""
    import multiprocessing

    func, expected = workload
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert run_map(func, PAIRS[:2], jobs=2) == expected[:2]
    assert "joblib" in sys.modules


def test_a_threaded_caller_gets_loky_workers_not_forks(workload, monkeypatch):
    """Forking a process with other threads running can leave a lock held forever in the
    worker, so run_map forks only from a single-threaded process."""
    import threading

    import gapscore.scoring.parallel as parallel

    func, expected = workload
    forked = []
    monkeypatch.setattr(parallel, "_fork_map", lambda *a: forked.append(a) or [])
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert run_map(func, PAIRS[:2], jobs=2) == expected[:2]
    assert forked == []


def workers_seen_inside(_item) -> int:
    """What a worker would use for a sweep of its own."""
    return workers(2, 10)


@pytest.mark.parametrize("fork", [True, False])
def test_a_worker_runs_its_own_sweeps_in_its_own_process(fork, monkeypatch):
    """Forked workers are daemons, which may not start processes, and loky workers would
    multiply: inside either, run_map is the plain loop."""
    import multiprocessing
    import threading

    # earlier tests leave threads (loky's, Dask's) that would make run_map choose loky; the
    # worker function here takes no lock, so forking beside them is safe in this test
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    if not fork:
        monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert run_map(workers_seen_inside, [0, 1], jobs=2) == [1, 1]
    assert workers_seen_inside(0) == 2


def test_an_in_process_worker_thread_leaves_this_thread_unmarked():
    """A Dask cluster may run items on threads of this very process (as the cluster test
    below does): the worker mark is that thread's, and off again after the item."""
    import threading

    import gapscore.scoring.parallel as parallel

    seen = []
    thread = threading.Thread(target=lambda: seen.append(parallel._tagged(workers_seen_inside, 0, None)))
    thread.start()
    thread.join()
    assert seen == [(0, 1)]  # inside the item: a worker
    assert workers(2, 10) == 2  # here: not one
    assert parallel._tagged(workers_seen_inside, 1, None) == (1, 1) and workers(2, 10) == 2  # mark taken off


def test_default_jobs_is_what_jobs_none_means():
    assert workers(None, 10) == 1  # the library's default: this process only
    with default_jobs(3):
        assert workers(None, 10) == 3
        assert workers(None, 2) == 2  # never more workers than items
        assert workers(1, 10) == 1  # an explicit number wins
        assert run_map(slow_square, range(4)) == [0, 1, 4, 9]
    assert workers(None, 10) == 1
    with pytest.raises(ConfigError, match="jobs must be a whole number"), default_jobs(0):
        pass


def test_order_is_kept_when_results_arrive_out_of_order():
    assert run_map(slow_square, range(6), jobs=2) == [x * x for x in range(6)]


def test_worker_exception_propagates_with_its_type(workload):
    func, _ = workload
    with pytest.raises(DataFileError, match="unknown sector 'no_such_sector'"):
        run_map(func, [PAIRS[0], ("no_such_sector", "2020-12-31")], jobs=2)


def test_dask_local_cluster_equals_single_process(workload):
    distributed = pytest.importorskip("distributed")
    func, expected = workload
    seen = []
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        got = run_map(func, PAIRS, scheduler=cluster.scheduler_address,
                      progress=lambda done, total, item: seen.append(done))
    assert got == expected
    assert sorted(seen) == [1, 2, 3, 4]


@pytest.mark.parametrize("jobs", [0, -2, 1.5, True, "2"])
def test_bad_jobs_is_a_config_error(jobs):
    with pytest.raises(ConfigError, match="jobs must be a whole number"):
        run_map(abs, [1], jobs=jobs)


def test_missing_dask_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails as if not installed
    with pytest.raises(ConfigError) as err:
        run_map(abs, [1, 2], scheduler="tcp://127.0.0.1:8786")
    assert str(err.value) == ("--scheduler tcp://127.0.0.1:8786 needs dask.distributed; "
                              "install it with: pip install 'gapscore[dask]'")


def test_gapscore_errors_cross_process_boundaries_intact():
    """Workers send exceptions back pickled; each error must come back equal, message and fields."""
    import pickle

    from gapscore.scoring.errors import DataValidationError, OutputExistsError

    one = DataFileError("rounds.csv", 7, "date", "value '2013-13-01' is not a date; write it as YYYY-MM-DD")
    for error in (one, DataValidationError([one, DataFileError("x.csv", None, None, "is empty")]),
                  OutputExistsError("memo.xlsx"), ConfigError("jobs must be ...")):
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error) and str(back) == str(error)
    assert pickle.loads(pickle.dumps(one)).line == 7


def test_ctrl_c_stops_the_workers_without_their_tracebacks(tmp_path):
    """Ctrl-C reaches the whole foreground process group: the workers ignore it, this
    process stops them, and the user sees one interruption, not a traceback per worker."""
    import os
    import signal

    started = tmp_path / "started"
    code = ("import time, pathlib; from gapscore.scoring.parallel import run_map\n"
            "def slow(x):\n"
            f"    pathlib.Path({str(started)!r}).touch(); time.sleep(30)\n"
            "try:\n"
            "    run_map(slow, range(4), jobs=2)\n"
            "except KeyboardInterrupt:\n"
            "    print('interrupted')\n")
    script = tmp_path / "sweep.py"
    script.write_text(code)
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 30
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists()
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert out.strip() == "interrupted"
    assert "Traceback" not in err and "ForkPoolWorker" not in err


def test_no_pool_on_this_system_means_the_plain_loop(workload, monkeypatch):
    """Where the system cannot make a pool (no /dev/shm semaphores in some containers:
    OSError or ImportError from multiprocessing), the sweep runs here, same answer."""
    import multiprocessing
    import threading

    func, expected = workload
    monkeypatch.setattr(threading, "active_count", lambda: 1)  # the fork path, whatever earlier tests left

    class NoPool:
        def Pool(self, *args, **kwargs):
            raise ImportError("This platform lacks a functioning sem_open implementation")

    monkeypatch.setattr(multiprocessing, "get_context", lambda method: NoPool())
    seen = []
    assert run_map(func, PAIRS[:2], jobs=2, progress=lambda done, total, item: seen.append(done)) == expected[:2]
    assert seen == [1, 2]
