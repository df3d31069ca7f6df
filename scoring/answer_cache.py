"""A command's answer computed once per content: a persistent, content-keyed store.

``gapscore score`` is a pure function of its inputs: the data files it reads, the
config, the as-of date, its options, gapscore's own source code and the libraries it
runs on. :func:`key` hashes all of them (SHA-256):

* every file of the bundled data folder and every file at the top of ``--data-dir``
  (a superset of what the command reads), by name and content, and ``--replace-data``;
* the ``--config`` file's content (the defaults are part of the source);
* the command's name and arguments, the as-of date resolved (never "today" unresolved);
* every ``.py`` and ``.toml`` file of the installed ``gapscore.scoring``,
  ``gapscore.models`` and ``gapscore.templates`` packages, by path and content;
* the Python version and the name (with version) of every installed distribution
  (the ``*.dist-info`` / ``*.egg-info`` entries on ``sys.path``).

``gapscore memo`` keys its finished workbook the same way, with the template file's
content as a further input (``key(files=...)``; ``scoring/report/memo_files.py``), and
stores its bytes with :func:`put_bytes` (a header of their SHA-256, length and what the
command prints, checked by :func:`get_bytes`).

So an entry written for other data, settings, code or libraries can never be found: a
stale answer is impossible, not just unlikely (``tests/test_answer_cache.py``). Only a
command that succeeded is stored, and it is stored in every output format (table, JSON,
CSV), so ``--format`` does not change the key. The store lives under ``answers/`` in the
cache folder (``models/cache_paths.py``); ``gapscore --no-cache`` or
``GAPSCORE_NO_CACHE=1`` bypasses it, and deleting it is always safe. Writes go to a
temporary file renamed into place; an unreadable entry is a miss; a store that cannot
be written is skipped silently.

This module uses the standard library only: a command looks its answer up before it
imports pandas, so an answer already known costs about as much as starting Python.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from gapscore.models.cache_paths import base_dir

__all__ = ["FORMATS", "SUBDIR", "code_digest", "data_digest", "get", "get_bytes", "key", "put", "put_bytes"]

#: Folder of the answer cache inside the cache folder.
SUBDIR = "answers"
#: The output formats stored with every answer.
FORMATS = ("table", "json", "csv")
#: Bumped when the stored layout changes (part of every key).
LAYOUT_VERSION = 1
_SOURCE_SUFFIXES = (".py", ".toml")


def _update_file(digest, path: Path, label: str) -> None:
    digest.update(f"|{label}|".encode())
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)


def _package_dirs() -> list[tuple[str, Path]]:
    import gapscore.models
    import gapscore.scoring
    import gapscore.templates

    return [(m.__name__, Path(m.__file__).resolve().parent) for m in (gapscore.scoring, gapscore.models, gapscore.templates)]


def code_digest() -> str:
    """Hash of gapscore's source (every .py and .toml of its packages), Python's version
    and the installed distributions' names and versions."""
    digest = hashlib.sha256(f"layout {LAYOUT_VERSION}|python {sys.version}".encode())
    for name, folder in _package_dirs():
        files = sorted(p for p in folder.rglob("*") if p.suffix in _SOURCE_SUFFIXES and "__pycache__" not in p.parts
                       and p.is_file())
        for path in files:
            _update_file(digest, path, f"{name}/{path.relative_to(folder).as_posix()}")
    dists = set()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        dists |= {n for n in names if n.endswith((".dist-info", ".egg-info"))}
    digest.update(("|dists|" + "\n".join(sorted(dists))).encode())
    return digest.hexdigest()


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("__init__"))


def _bundled_dir() -> Path:
    """The folder the loader reads the bundled data from: ``datasets.BUNDLED_DIR`` when
    the loader is imported (a test may point it elsewhere), else the ``gapscore.data``
    package's folder (the same path, found without importing pandas)."""
    loader = sys.modules.get("gapscore.scoring.inputs.datasets")
    if loader is not None and getattr(loader, "BUNDLED_DIR", None) is not None:
        return Path(loader.BUNDLED_DIR).resolve()
    import gapscore.data

    return Path(gapscore.data.__file__).resolve().parent


def data_digest(data_dir: Path | None, replace: bool, config_path: Path | None) -> str:
    """Hash of every bundled data file, every file at the top of ``data_dir``, the
    ``replace`` flag and the config file's content."""
    digest = hashlib.sha256(f"replace {bool(replace)}".encode())
    bundled = _bundled_dir()
    digest.update(f"|bundled {bundled}|".encode())
    for path in _files(bundled):
        _update_file(digest, path, f"bundled/{path.name}")
    if data_dir is not None:
        for path in _files(Path(data_dir)):
            _update_file(digest, path, f"data_dir/{path.name}")
    if config_path is not None:
        _update_file(digest, Path(config_path), "config")
    else:
        digest.update(b"|config: defaults|")
    return digest.hexdigest()


def key(command: str, args: Mapping[str, object], *, data_dir: Path | None, replace: bool,
        config_path: Path | None, files: Mapping[str, Path] | None = None) -> str | None:
    """The key of ``command``'s answer on these inputs, or None when the cache is bypassed
    (or an input cannot be read: then the command computes its answer as usual).

    ``files``: further input files the answer depends on ({label: path}, such as the
    memo's template), hashed by content."""
    if base_dir() is None:
        return None
    try:
        extra = hashlib.sha256()
        for label, path in sorted((files or {}).items()):
            _update_file(extra, Path(path), f"file {label}")
        parts = [code_digest(), data_digest(data_dir, replace, config_path), command,
                 json.dumps({k: _plain(v) for k, v in sorted(args.items())}, sort_keys=True), extra.hexdigest()]
    except OSError:
        return None
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _plain(value: object) -> object:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, Iterable):
        return [_plain(v) for v in value]
    raise TypeError(f"answer_cache.key: argument value {value!r} is not plain data")


def _path(directory: Path, k: str, suffix: str = ".json") -> Path:
    return directory / SUBDIR / k[:2] / f"{k}{suffix}"


def get(k: str | None) -> dict | None:
    """The stored answer ({format: text}) under ``k``, or None."""
    directory = base_dir()
    if k is None or directory is None:
        return None
    try:
        with open(_path(directory, k), encoding="utf-8") as handle:
            answer = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(answer, dict) or any(not isinstance(answer.get(f), str) for f in FORMATS):
        return None
    return answer


def put(k: str | None, answer: Mapping[str, str]) -> None:
    """Store ``answer`` ({format: text}, every format of :data:`FORMATS`) under ``k``."""
    missing = [f for f in FORMATS if not isinstance(answer.get(f), str)]
    if missing:
        raise ValueError(f"answer_cache.put: the answer lacks the format(s) {missing}")
    _store(k, ".json", json.dumps({f: answer[f] for f in FORMATS}).encode("utf-8"))


def _store(k: str | None, suffix: str, data: bytes) -> None:
    """Write ``data`` under ``k`` atomically (temporary file renamed into place); a store
    that cannot be written is skipped."""
    directory = base_dir()
    if k is None or directory is None:
        return
    target = _path(directory, k, suffix)
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except OSError:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


#: Suffix of an entry holding a file's bytes (``put_bytes``).
BYTES_SUFFIX = ".bin"


def get_bytes(k: str | None) -> tuple[dict, bytes] | None:
    """The (metadata, bytes) stored under ``k`` by :func:`put_bytes`, or None (also when
    the entry is damaged: its SHA-256 and length are checked)."""
    directory = base_dir()
    if k is None or directory is None:
        return None
    try:
        with open(_path(directory, k, BYTES_SUFFIX), "rb") as handle:
            header, _, data = handle.read().partition(b"\n")
        head = json.loads(header)
    except (OSError, ValueError):
        return None
    if (not isinstance(head, dict) or not isinstance(head.get("meta"), dict) or head.get("size") != len(data)
            or head.get("sha256") != hashlib.sha256(data).hexdigest()):
        return None
    return head["meta"], data


def put_bytes(k: str | None, data: bytes, meta: Mapping[str, object]) -> None:
    """Store a file's ``data`` (such as a finished memo workbook) under ``k``, with
    ``meta`` (plain JSON data: what the command prints besides writing the file)."""
    header = json.dumps({"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "meta": dict(meta)},
                        sort_keys=True)
    _store(k, BYTES_SUFFIX, header.encode() + b"\n" + bytes(data))
