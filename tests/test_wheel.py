"""The built wheel carries data/, templates/ and the config, and works from any folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".hypothesis",
                                     ".pytest_cache", "out")
"""Left out of the source copy the wheel is built from (built or local state, not sources)."""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the sources: setuptools writes build/ and *.egg-info
    beside the sources it builds, and tests write nothing inside the repository."""
    src = tmp_path_factory.mktemp("src") / "gapscore"
    shutil.copytree(ROOT, src, ignore=COPY_IGNORE)
    out = tmp_path_factory.mktemp("wheel")
    run = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(src)],
        capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return next(out.glob("gapscore-*.whl"))


def test_wheel_ships_data_templates_and_config(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "gapscore/data/capability.csv",
        "gapscore/data/rounds.csv.gz",
        "gapscore/data/sectors.toml",
        "gapscore/data/datapackage.json",
        "gapscore/templates/memo.toml",
        "gapscore/scoring/inputs/defaults.toml",
        "gapscore/scoring/cli.py",
        "gapscore/models/capability.py",
    ):
        assert needed in names, needed
    assert not any(n.startswith(("tests/", "tools/")) for n in names)


def test_installed_wheel_runs_from_another_folder(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import sys, gapscore.scoring as s; from gapscore.scoring.cli import main;"
        "print(s.__file__, file=sys.stderr); main(['data', 'validate'])"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert str(target) in run.stderr.splitlines()[0]
    assert "ok:" in run.stderr
