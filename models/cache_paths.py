"""Where gapscore keeps its caches, and the switch that bypasses them (standard library only).

Both caches live in one folder: the fit cache (``models.fit_cache``: one ``.npy`` per
fit, in two-character subfolders) and the answer cache (``scoring.answer_cache``: one
command's answer per key, under ``answers/``). The folder is ``$GAPSCORE_CACHE_DIR`` if
set, else ``$XDG_CACHE_HOME/gapscore/fits``, else ``~/.cache/gapscore/fits``.
``GAPSCORE_NO_CACHE=1`` (or ``gapscore --no-cache``) bypasses both. Deleting the folder
is always safe. This module imports nothing heavy, so a command can look its answer up
before it imports pandas.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ENV_DIR", "ENV_OFF", "base_dir", "bypassed"]

#: Environment variable naming the persistent cache directory.
ENV_DIR = "GAPSCORE_CACHE_DIR"
#: Environment variable that, set to anything but "" or "0", bypasses the persistent caches.
ENV_OFF = "GAPSCORE_NO_CACHE"


def bypassed() -> bool:
    """Whether the persistent caches are switched off (``GAPSCORE_NO_CACHE``)."""
    return os.environ.get(ENV_OFF, "") not in ("", "0")


def base_dir() -> Path | None:
    """The cache folder, or None when the caches are bypassed."""
    if bypassed():
        return None
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gapscore" / "fits"
