"""What the memo command needs before it imports pandas: the template it will use,
the file it will write, and the key of its finished workbook in the answer cache.

A memo is a pure function of its inputs (the same inputs give the same bytes: the
document properties carry the as-of date, not the clock), so ``gapscore memo`` keeps
the finished workbook in the answer cache (``scoring/answer_cache.py``) under a key of
every data file, the config, the arguments, the template file's content, gapscore's
source and the installed libraries, and looks it up before pandas is imported.
Standard library only; ``scoring.report.memo`` re-exports the template lookup.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Iterable

import gapscore.templates as _bundled_templates
from gapscore.scoring import answer_cache
from gapscore.scoring.errors import InputError
from gapscore.scoring.files import check_target

BUNDLED_TEMPLATES = Path(_bundled_templates.__file__).resolve().parent
DEFAULT_TEMPLATE = "memo"
TEMPLATES_ENV = "GAPSCORE_TEMPLATES"
USER_TEMPLATE_DIR = "templates"
"""Searched relative to the working folder, after ``$GAPSCORE_TEMPLATES``."""
_TEMPLATE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_FILE_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class TemplateError(InputError):
    """A memo template cannot be found or is not valid; the message lists every problem."""


def template_dirs(user_dirs: Iterable[str | os.PathLike] = ()) -> list[Path]:
    """Folders searched for a template name, in order; the bundled folder last."""
    dirs = [Path(d) for d in user_dirs]
    env = os.environ.get(TEMPLATES_ENV, "")
    dirs += [Path(d) for d in env.split(os.pathsep) if d]
    dirs.append(Path.cwd() / USER_TEMPLATE_DIR)
    dirs.append(BUNDLED_TEMPLATES)
    return dirs


def find_template(name_or_path: str | os.PathLike | None, user_dirs: Iterable[str | os.PathLike] = ()) -> Path:
    """The template file for a path or a name (``memo`` finds ``memo.toml``).

    A path (anything with a folder separator or a ``.toml`` suffix, or an existing
    file) is used as it is. A name is looked up in ``user_dirs``, then each folder of
    ``$GAPSCORE_TEMPLATES`` (separated by ``os.pathsep``), then ``./templates``, then
    the bundled templates: a user's ``memo.toml`` overrides the bundled one.
    """
    given = DEFAULT_TEMPLATE if name_or_path is None else name_or_path
    text = os.fspath(given)
    path = Path(text)
    if path.is_file():
        return path.resolve()
    if path.suffix.lower() == ".toml" or os.sep in text or (os.altsep and os.altsep in text):
        raise TemplateError(f"{text}: no such template file; pass an existing .toml file or a template name such as '{DEFAULT_TEMPLATE}'")
    if not _TEMPLATE_NAME.match(text):
        raise TemplateError(f"template name {text!r} may only hold letters, digits, '_', '-' and '.'; pass a file path for anything else")
    searched = template_dirs(user_dirs)
    for folder in searched:
        candidate = folder / f"{text}.toml"
        if candidate.is_file():
            return candidate.resolve()
    available = sorted({p.stem for d in searched if d.is_dir() for p in d.glob("*.toml")})
    raise TemplateError(
        f"no template named '{text}' in {', '.join(str(d) for d in searched)}; "
        f"available: {', '.join(available) or 'none'}"
    )


def check_memo_target(path: str | os.PathLike, force: bool) -> Path:
    """``path`` as a memo's target: an .xlsx file, not a folder, not replaced without ``force``."""
    target = Path(path)
    if target.is_dir():  # before the suffix: "give the file a .xlsx suffix" misleads about a folder
        raise InputError(f"{target}: is a folder; give a file path ending in .xlsx (memos of every sector into a "
                         "folder: --all -o FOLDER)")
    if target.suffix.lower() != ".xlsx":
        raise InputError(f"{target}: a memo is an Excel workbook; give the file a .xlsx suffix")
    check_target(target, force)
    return target

def check_memo_folder(out_dir: str | os.PathLike, names: list[tuple[str, str]], force: bool) -> list[Path]:
    """The targets of ``memo --all`` (``names``: (sector, file name) pairs) in the folder
    ``out_dir``, every one checked before the first is written: the folder is not a
    file, no two sectors share a file, and no file is replaced without ``force``."""
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: is a file; -o must name a folder for --all")
    targets = [folder / name for _, name in names]
    seen: dict[str, tuple[str, Path]] = {}
    for (sector, _), target in zip(names, targets):
        key = target.name.casefold()  # chat-memo.xlsx and CHAT-memo.xlsx are one file on macOS and Windows
        if key in seen:
            first, where = seen[key]
            same = "" if where == target else f" and {target} (one file where names ignore case, as on macOS and Windows)"
            raise InputError(f"sectors '{first}' and '{sector}' would both be written to {where}{same}; rename one of them")
        seen[key] = (sector, target)
        check_memo_target(target, force)
    return targets


def memo_filename_for(sector: str, day: dt.date) -> str:
    """``<sector>-memo-<as_of>.xlsx``, with anything but letters, digits, '_', '-' and '.' replaced."""
    safe = _FILE_SAFE.sub("_", str(sector)).strip("._") or "sector"
    return f"{safe}-memo-{day.isoformat()}.xlsx"


def memo_key(command: str, args: dict, template: str | os.PathLike | None, *, data_dir, replace: bool,
             config_path) -> str | None:
    """The answer-cache key of a memo command's workbook(s), or None (the cache is
    bypassed, or the template cannot be found: the command then fails as it always did).

    ``args``: the command's arguments, dates resolved. The template is keyed by its
    resolved path and its content, so an edited template, or a user template that now
    shadows the bundled one, makes another key.
    """
    try:
        path = find_template(template)
    except TemplateError:
        return None
    return answer_cache.key(command, {**args, "template": str(path)}, data_dir=data_dir, replace=replace,
                            config_path=config_path, files={"template": path})
