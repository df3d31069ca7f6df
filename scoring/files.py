"""Safe file writing: never replace a file without ``force``, never leave half a file.

Standard library only, so a command that answers from the answer cache
(``scoring/answer_cache.py``) writes its file without importing pandas.
``scoring.output`` re-exports these functions.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from gapscore.scoring.errors import GapscoreError, OutputExistsError, OutputWriteError

__all__ = ["atomic_write", "check_target", "write_bytes", "write_text"]


def check_target(path: str | os.PathLike, force: bool) -> Path:
    """Fail early, before any work, when ``path`` exists and ``force`` is not given."""
    target = Path(path)
    if target.exists() and not force:
        raise OutputExistsError(target)
    return target


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None], *, force: bool = False) -> Path:
    """Write through a temporary file in the target's folder, then rename.

    ``write`` receives the temporary path. An existing target is never replaced
    unless ``force``; any failure (or a kill mid-write) leaves the target untouched
    and no partial file at its path.
    """
    target = check_target(path, force)
    if target.is_dir():
        raise OutputWriteError(target, "it is a folder")
    for folder in (target.parent, *target.parent.parents):  # a file where a folder of the path should be
        if folder.exists():
            if not folder.is_dir():
                raise OutputWriteError(target, f"{folder} is a file, not a folder")
            break
    tmp: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual mode
        os.replace(tmp, target)
    except GapscoreError:
        raise
    except OSError as exc:  # the folder is read-only, the disk full ...: name the file asked for
        raise OutputWriteError(target, exc.strerror or str(exc)) from None
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink()
    return target


def write_bytes(path: str | os.PathLike, data: bytes, *, force: bool = False) -> Path:
    return atomic_write(path, lambda p: p.write_bytes(data), force=force)


def write_text(path: str | os.PathLike, text: str, *, force: bool = False) -> Path:
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"), force=force)
