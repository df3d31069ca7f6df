"""Fits computed once per content: an in-run memo and a persistent store on disk.

A fit is a pure function of its inputs: the points, the settings that shape it, the
seed of its bootstrap, and the code that computes it. :func:`key` hashes all of them
(SHA-256), including :data:`CODE_VERSION`, a hash of the source files of the fitting
code and the numpy and scipy versions, so an entry written by other code or other
inputs can never be found: a stale entry is impossible, not just unlikely. A cached
result is the array the fit computed, stored losslessly (``.npy``), so a run reads the
same bits it would have computed (``tests/test_fit_cache.py`` checks it).

Two layers:

* the in-run memo, a bounded dictionary in this process (a benchmark fitted for one
  sector is not refitted for another with the same points and seed; a frontier that
  did not change between two as-of dates of a backtest is fitted once);
* the persistent store, one small ``.npy`` file per key under the user's cache
  directory: ``$GAPSCORE_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/gapscore/fits``,
  else ``~/.cache/gapscore/fits``. ``GAPSCORE_NO_CACHE=1`` (or ``gapscore --no-cache``,
  which sets it for the command and its worker processes) bypasses it. Deleting the
  directory is always safe.

Writes go to a temporary file renamed into place, so parallel workers sharing the
directory never read half a file; an unreadable entry counts as a miss. A store that
cannot be written (read-only home, full disk) is skipped silently: the cache only
ever saves time.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections import OrderedDict
from numbers import Integral
from pathlib import Path

import numpy as np

from gapscore.models.cache_paths import ENV_DIR, ENV_OFF, base_dir

__all__ = ["CODE_VERSION", "ENV_DIR", "ENV_OFF", "cache_dir", "clear_memo", "get", "key", "put", "seed_token", "stats"]

#: Entries kept in the in-run memo (oldest dropped first); one S-curve's 200 bootstrap
#: replicates are 4.8 kB, so the memo stays under about 20 MB.
MEMO_MAX_ENTRIES = 4096
#: Source files whose text shapes a cached fit.
_SOURCES = ("capability.py", "_logistic_lsq.py", "fit_cache.py", "cache_paths.py")

_memo: OrderedDict[str, np.ndarray] = OrderedDict()
_stats = {"memo_hits": 0, "disk_hits": 0, "misses": 0}


def _code_version() -> str | None:
    """Hash of the fitting code's source and numpy's and scipy's versions; None when the
    source cannot be read (e.g. a zipped install): then nothing is stored on disk."""
    import scipy

    digest = hashlib.sha256(f"numpy {np.__version__} scipy {scipy.__version__}".encode())
    here = Path(__file__).parent
    try:
        for name in _SOURCES:
            digest.update(name.encode())
            digest.update((here / name).read_bytes())
    except OSError:
        return None
    return digest.hexdigest()


#: Hash of the fitting code's source and the numerical libraries' versions.
CODE_VERSION = _code_version()


def seed_token(random_state: object) -> tuple | None:
    """A hashable description of a seed that fixes the draws, or None if it does not
    (None: fresh entropy; a Generator: its draws depend on its use so far)."""
    if isinstance(random_state, Integral) and not isinstance(random_state, bool):
        return ("int", int(random_state))
    if isinstance(random_state, np.random.SeedSequence):
        return ("seedsequence", random_state.entropy, tuple(random_state.spawn_key), random_state.pool_size)
    return None


def key(kind: str, *parts: object) -> str:
    """SHA-256 of the code version, ``kind`` and ``parts`` (arrays by dtype, shape and bytes)."""
    digest = hashlib.sha256(str(CODE_VERSION).encode())
    digest.update(kind.encode())
    for part in parts:
        if isinstance(part, np.ndarray):
            arr = np.ascontiguousarray(part)
            digest.update(f"|{arr.dtype.str}{arr.shape}|".encode())
            digest.update(arr.tobytes())
        else:
            digest.update(f"|{part!r}|".encode())
    return digest.hexdigest()


def cache_dir() -> Path | None:
    """The persistent store's directory, or None when it is bypassed."""
    if CODE_VERSION is None:
        return None
    return base_dir()  # models/cache_paths.py: $GAPSCORE_CACHE_DIR, the XDG cache, or None when bypassed


def _path(directory: Path, k: str) -> Path:
    return directory / k[:2] / f"{k}.npy"


def get(k: str) -> np.ndarray | None:
    """The array stored under key ``k`` (a copy), or None."""
    if k in _memo:
        _memo.move_to_end(k)
        _stats["memo_hits"] += 1
        return _memo[k].copy()
    directory = cache_dir()
    if directory is not None:
        try:
            value = np.load(_path(directory, k), allow_pickle=False)
        except (OSError, ValueError, EOFError):
            value = None
        if value is not None:
            _stats["disk_hits"] += 1
            _remember(k, value)
            return value.copy()
    _stats["misses"] += 1
    return None


def _remember(k: str, value: np.ndarray) -> None:
    _memo[k] = value
    _memo.move_to_end(k)
    while len(_memo) > MEMO_MAX_ENTRIES:
        _memo.popitem(last=False)


def put(k: str, value: np.ndarray) -> None:
    """Store ``value`` under key ``k`` in the memo and, unless bypassed, on disk."""
    value = np.array(value, dtype=float)
    _remember(k, value.copy())
    directory = cache_dir()
    if directory is None:
        return
    target = _path(directory, k)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            np.save(handle, value, allow_pickle=False)
        os.replace(tmp, target)
    except OSError:
        try:
            os.unlink(tmp)
        except (OSError, UnboundLocalError):
            pass


def clear_memo() -> None:
    """Forget the in-run memo (the persistent store is left as it is)."""
    _memo.clear()


def stats() -> dict:
    """Counts of memo hits, disk hits and misses in this process."""
    return dict(_stats)
