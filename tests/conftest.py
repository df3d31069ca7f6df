"""Shared fixtures: a tiny, hand-written data folder and a CLI runner.

The mini data set is small enough to check by eye; tests that need the bundled
data say so by using ``bundled_store``.
"""

from __future__ import annotations

import os
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

# Hypothesis keeps its example database and caches in the temporary folder, not in
# .hypothesis/ under the working directory: tests write nothing inside the repository.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "gapscore-hypothesis")

# CI (.ci/run) sets HYPOTHESIS_PROFILE=ci: the same examples on every run, so a
# landing is never decided by the draw; `make test` on a workstation explores anew.
settings.register_profile("ci", derandomize=True)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


@pytest.fixture
def fit_cache_dir(tmp_path, monkeypatch):
    """An empty fit cache folder for one test, switched on; the in-process memo is
    cleared before and after, so a test sees only the entries it computes."""
    from gapscore.models import fit_cache

    monkeypatch.setenv(fit_cache.ENV_DIR, str(tmp_path / "fits"))
    monkeypatch.delenv(fit_cache.ENV_OFF, raising=False)
    fit_cache.clear_memo()
    yield tmp_path / "fits"
    fit_cache.clear_memo()

MINI = {
    "sectors.toml": """
        [sectors.vision]
        name = "Vision"
        description = "Toy vision sector"
        benchmarks = ["toy_error"]
        round_categories = ["cv"]

        [sectors.chat]
        name = "Chat"
        description = "Toy chat sector"
        benchmarks = ["toy_score"]
        round_categories = ["software"]

        [sectors.chat.cost]
        benchmark = "toy_score"
        threshold = 50
        source = "hand-made"
    """,
    "benchmarks.csv": """
        benchmark,sector,metric,higher_is_better,human_baseline,floor,unit,scale,source
        toy_error,vision,top-5 error,false,5.0,99.5,error_percent,log,hand-made
        toy_score,chat,accuracy,true,90,25,percent,linear,hand-made
    """,
    "capability.csv": """
        benchmark,date,system,value,source
        toy_error,2010-06-01,a,28.0,hand-made
        toy_error,2012-06-01,b,15.0,hand-made
        toy_error,2014-06-01,c,6.0,hand-made
        toy_score,2020-06-01,x,40,hand-made
        toy_score,2022-06-01,y,70,hand-made
    """,
    "prices.csv": """
        model,date,usd_per_mtok,provider,toy_score,verified,source
        m1,2021-01-01,100,p,55,true,hand-made
        m2,2022-01-01,10,p,60,true,hand-made
        m3,2023-01-01,1,p,52,true,hand-made
    """,
    "hardware.csv": """
        date,chip,purchase_usd,usd_per_hour,relative_throughput,source
        2023-01-01,H100,25000,2.5,1.0,hand-made
    """,
    "rounds.csv": """
        company,category,round,date,amount_usd,source
        c1,cv,seed,2010-01-01,1000000,hand-made
        c1,cv,series_a,2011-01-01,5000000,hand-made
        c2,cv,seed,2010-06-01,,hand-made
        c3,software,seed,2011-01-01,500000,hand-made
    """,
    "exits.csv": """
        company,date,kind,source
        c2,2012-01-01,acquired,hand-made
    """,
    "graduation.csv": """
        sector,cohort_start,cohort_end,from_round,to_round,window_months,rate,n,followed_to,published,source
        all,2008-01-01,2010-12-31,seed,series_a,,0.46,1098,2017-02-28,2017-03-01,hand-made
    """,
    "outcomes.csv": """
        sector,year,metric,value,published,source
        vision,2016,graduation_rate,0.8,2024-10-01,hand-made
    """,
}


def write_mini(folder: Path, overrides: dict[str, str] | None = None) -> Path:
    """Write the mini data set (with any file replaced by ``overrides``)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {**MINI, **(overrides or {})}.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return folder


@pytest.fixture
def mini_dir(tmp_path) -> Path:
    return write_mini(tmp_path / "mini")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def rng():
    return np.random.default_rng(20261126)


@pytest.fixture(autouse=True, scope="session")
def _fit_cache_in_tmp(tmp_path_factory):
    """The persistent fit cache (models/fit_cache.py) writes under a temporary folder,
    never the user's cache directory; subprocesses inherit the variable."""
    previous = os.environ.get("GAPSCORE_CACHE_DIR")
    os.environ["GAPSCORE_CACHE_DIR"] = str(tmp_path_factory.mktemp("fit-cache"))
    yield
    if previous is None:
        os.environ.pop("GAPSCORE_CACHE_DIR", None)
    else:
        os.environ["GAPSCORE_CACHE_DIR"] = previous
