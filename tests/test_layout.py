"""The house's import rules, checked on the source (AST scan of scoring/ and models/).

The import graph runs one way, in the order data flows (README, Layout):

    models (pure engines)  ->  scoring.inputs  ->  scoring.signals  ->
    scoring.backtest, scoring.portfolio  ->  scoring.report  ->  scoring.cli

- a module imports only its own layer or the layers before it; the root leaves
  (``scoring/errors.py``, ``output.py``, ``parallel.py``, ``stage_model.py``, the package
  ``__init__``) may be imported from every layer and import only models and each other;
- ``models/`` never imports ``gapscore.scoring``;
- only the ``scoring/report/`` package imports openpyxl (it writes the workbooks);
- only ``scoring/cli.py`` imports click.

Imports under ``if TYPE_CHECKING:`` are type hints, not dependencies, and are skipped.

One stated exception: ``scoring/inputs/importers.py`` asks ``openpyxl.xml.DEFUSEDXML``
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
OPENPYXL_EXCEPTIONS = {"scoring/inputs/importers.py"}
#: layer rank of each part of the package; a module may import ranks <= its own
LAYERS = {"models": 0, "scoring": 1, "scoring.inputs": 2, "scoring.signals": 3,
          "scoring.backtest": 4, "scoring.portfolio": 4, "scoring.report": 5, "scoring.cli": 6}


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes inside ``if TYPE_CHECKING:`` blocks."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", None)) == "TYPE_CHECKING":
            for child in node.body:
                skip |= {id(n) for n in ast.walk(child)}
    return skip


def imported(path: Path, *, runtime_only: bool = False) -> set[str]:
    """Full names of every module ``path`` imports (at any depth of the file);
    ``from pkg import mod`` also yields ``pkg.mod``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skip = _type_checking_nodes(tree) if runtime_only else set()
    names = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _top(name: str) -> str:
    return name.split(".")[0]


def layer_of(module: str) -> str | None:
    """'gapscore.scoring.signals.scores' -> 'scoring.signals'; root leaves -> 'scoring';
    not ours -> None."""
    parts = module.split(".")
    if parts[0] != "gapscore" or len(parts) < 2 or parts[1] not in ("scoring", "models"):
        return None
    if parts[1] == "models":
        return "models"
    if len(parts) >= 3 and f"scoring.{parts[2]}" in LAYERS:
        return f"scoring.{parts[2]}"
    return "scoring"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    return "gapscore." + ".".join(p for p in rel.parts if p != "__init__")


def test_the_scan_sees_the_modules():
    rels = {_rel(p) for p in SOURCES}
    assert {"scoring/cli.py", "scoring/report/scoring_sheet.py", "models/capability.py"} <= rels
    assert "openpyxl" in {_top(n) for n in imported(ROOT / "scoring" / "report" / "scoring_sheet.py")}
    assert "click" in {_top(n) for n in imported(ROOT / "scoring" / "cli.py")}
    assert layer_of("gapscore.scoring.signals.scores") == "scoring.signals"
    assert layer_of("gapscore.scoring.stage_model") == "scoring"
    assert layer_of("gapscore.scoring.cli") == "scoring.cli"
    assert layer_of("pandas") is None


def test_every_scoring_module_lives_in_a_known_layer():
    """A new subpackage must be given its place in the order (LAYERS) before it is used."""
    for path in SOURCES:
        parts = path.relative_to(ROOT).parts
        if parts[0] == "scoring" and len(parts) > 2:
            assert f"scoring.{parts[1]}" in LAYERS, f"{_rel(path)}: add scoring.{parts[1]} to LAYERS and the README's Layout"


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_imports_run_one_way(path):
    me = _module_name(path)
    mine = LAYERS[layer_of(me)]
    bad = sorted(n for n in imported(path, runtime_only=True)
                 if layer_of(n) is not None and LAYERS[layer_of(n)] > mine)
    assert not bad, f"{_rel(path)} (layer {layer_of(me)}) imports later layers: {bad}"


def test_the_layer_check_can_fail(tmp_path):
    """The scan finds an upward import and skips a TYPE_CHECKING one."""
    f = tmp_path / "mod.py"
    f.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from gapscore.scoring.report.memo import x\n"
                 "def f():\n    from gapscore.scoring.signals import scores\n")
    assert imported(f, runtime_only=True) == {"typing", "typing.TYPE_CHECKING", "gapscore.scoring.signals",
                                              "gapscore.scoring.signals.scores"}
    assert "gapscore.scoring.report.memo" in imported(f)


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_only_the_report_package_imports_openpyxl(path):
    rel = _rel(path)
    if rel.startswith("scoring/report/") or rel in OPENPYXL_EXCEPTIONS:
        return
    assert "openpyxl" not in {_top(n) for n in imported(path)}, f"{rel} imports openpyxl; only scoring/report/ may"


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
