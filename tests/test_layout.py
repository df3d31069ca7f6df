"""The house's import rules, checked on the source (AST scan of scoring/ and models/).

- only the ``scoring/report*`` modules import openpyxl (they write the workbooks);
- only ``scoring/cli.py`` imports click;
- ``models/`` never imports ``gapscore.scoring``.

One stated exception: ``scoring/importers.py`` asks ``openpyxl.xml.DEFUSEDXML``
whether openpyxl will parse a vendor's .xlsx export with defusedxml (pandas reads
.xlsx through openpyxl); the answer must come from the module that parses, so the
check cannot live elsewhere (tests/test_hostile.py turns it off there).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for folder in ("scoring", "models") for p in (ROOT / folder).rglob("*.py"))
OPENPYXL_EXCEPTIONS = {"scoring/importers.py"}


def imported(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports (at any depth of the file)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _top(name: str) -> str:
    return name.split(".")[0]


def test_the_scan_sees_the_modules():
    rels = {_rel(p) for p in SOURCES}
    assert {"scoring/cli.py", "scoring/report_scoring.py", "models/capability.py"} <= rels
    assert "openpyxl" in {_top(n) for n in imported(ROOT / "scoring" / "report_scoring.py")}
    assert "click" in {_top(n) for n in imported(ROOT / "scoring" / "cli.py")}


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_only_the_report_modules_import_openpyxl(path):
    rel = _rel(path)
    if rel.startswith("scoring/report") or rel in OPENPYXL_EXCEPTIONS:
        return
    assert "openpyxl" not in {_top(n) for n in imported(path)}, f"{rel} imports openpyxl; only scoring/report*.py may"


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_only_the_cli_imports_click(path):
    rel = _rel(path)
    if rel == "scoring/cli.py":
        return
    assert "click" not in {_top(n) for n in imported(path)}, f"{rel} imports click; only scoring/cli.py may"


@pytest.mark.parametrize("path", [p for p in SOURCES if _rel(p).startswith("models/")], ids=_rel)
def test_models_never_import_scoring(path):
    bad = {n for n in imported(path) if n.startswith("gapscore.scoring")}
    assert not bad, f"{_rel(path)} imports {sorted(bad)}; models/ must not import scoring/"


def test_the_openpyxl_exception_is_still_needed():
    """Remove the exception when importers.py stops importing openpyxl."""
    for rel in OPENPYXL_EXCEPTIONS:
        assert "openpyxl" in {_top(n) for n in imported(ROOT / rel)}, rel
