"""Property tests: random files and random data raise only the project's own errors.

Loaders get random CSV text (well or badly quoted, any header, tricky cells, BOM, Latin-1)
under each dataset name, random TOML as sectors.toml and random overrides as a config.
Models get random data of the right shape. Whatever happens, the only exceptions that may
escape are ``GapscoreError`` subclasses (``scoring.errors`` and ``models.exceptions``):
never a raw KeyError, numpy's ValueError, ZeroDivisionError or IndexError.
"""

from __future__ import annotations

import copy
import csv
import io
import tempfile
import textwrap
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gapscore.models.capability import SCurve, fit_sector, normalise
from gapscore.models.cost import fit_cost
from gapscore.models.economics import unit_economics, viable_year
from gapscore.models.exceptions import GapscoreError
from gapscore.models.graduation import cohort_graduation, kaplan_meier
from gapscore.models.rounds import ROUND_LABELS
from gapscore.models.survival import kaplan_meier_table
from gapscore.scoring.inputs.config import DEFAULTS_PATH, load_config, read_toml, set_value, to_toml
from gapscore.scoring.inputs.datasets import DATASETS, DataStore, _schema_columns
from gapscore.scoring.signals.scores import score_sector

from conftest import MINI, write_mini

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ_FILES = settings(FUZZ, max_examples=50)  # each example writes, loads and scores a data folder

TRICKY_CELLS = (
    "", " ", "nan", "NaN", "inf", "-inf", "1e308", "-1e308", "1e-320", "0", "-0", "1", "-3.5", "12,5",
    "2012-01-01", "2012-02-30", "2999-01-01", "1899-12-31", "20120101", "2012-01-01T10:00:00Z",
    "true", "false", "maybe", "seed", "series_a", "other", "ipo", "closed", "vision", "chat", "all",
    "toy_error", "toy_score", "log", "linear", "=1+1", "@SUM(1)", '"', '""', ",", "\n", "\r\n", ";",
    "\u00e9", "\ufeff", "x" * 300,
)
CELLS = st.one_of(st.sampled_from(TRICKY_CELLS), st.text(max_size=8))
AS_OF = pd.Timestamp("2023-06-30")
FAST_CONFIG = set_value(load_config(), "capability.n_boot", 20)
NUMBERS = st.floats(allow_nan=True, allow_infinity=True) | st.integers(-10**6, 10**6)


def only_own_errors(call, *args, **kwargs):
    """Run ``call``; a GapscoreError is a clean refusal, anything else fails the test."""
    try:
        return call(*args, **kwargs)
    except GapscoreError:
        return None


# --------------------------------------------------------------------------- loaders


MINI_ROWS = {
    name.removesuffix(".csv"): list(csv.reader(io.StringIO(textwrap.dedent(text).strip())))
    for name, text in MINI.items() if name.endswith(".csv")
}
"""The mini data set's rows (tests/conftest.py), the valid material the fuzzer mutates."""


def mutated(draw, cells: list[str], rate: int) -> list[str]:
    """Each cell replaced by a tricky one with probability 1/rate."""
    return [draw(CELLS) if draw(st.integers(0, rate - 1)) == 0 else cell for cell in cells]


@st.composite
def csv_files(draw):
    """A dataset's file: the mini rows, some cells and now and then the header mutated,
    written with proper quoting or none, in UTF-8 (with or without BOM) or Latin-1."""
    name = draw(st.sampled_from(sorted(MINI_ROWS)))
    header, *body = MINI_ROWS[name]
    if draw(st.integers(0, 4)) == 0:
        columns = list(_schema_columns(DATASETS[name].schema))
        header = draw(st.lists(st.sampled_from(columns + ["notes", "Date", " date", "toy_score", ""]), max_size=12))
    rate = draw(st.sampled_from([4, 30, 10**9]))  # many, few or no tricky cells
    rows = [mutated(draw, row, rate) for row in draw(st.lists(st.sampled_from(body), min_size=1, max_size=6))]
    if rows and draw(st.booleans()):
        rows[-1] = rows[-1][: draw(st.integers(0, len(rows[-1])))] + draw(st.lists(CELLS, max_size=2))
    if draw(st.booleans()):
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows([header, *rows])
        text = buf.getvalue()
    else:  # no quoting at all: stray quotes, commas and newlines break the layout
        text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]))
    return name, text.encode(encoding, errors="replace")


@pytest.mark.filterwarnings("error::pandas.errors.ParserWarning")  # pandas dropping fields is a failure
@FUZZ_FILES
@given(csv_files())
def test_random_csv_under_any_dataset_name(case):
    name, body = case
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_mini(Path(tmp))
        (folder / f"{name}.csv").write_bytes(body)
        store = DataStore(folder, replace=True)
        frame = only_own_errors(store.load, name)
        if frame is not None:  # what loads is clean (no line lost, every row dated) and scores
            assert frame["_line"].is_unique
            if DATASETS[name].date_column:
                assert frame[DATASETS[name].date_column].notna().all()
            for sector in ("vision", "chat"):
                result = only_own_errors(score_sector, store, sector, AS_OF, FAST_CONFIG)
                if result is not None:
                    assert all(0 <= v <= 100 for v in result.result.scores.values()), result.result.scores


TOML_KEYS = st.sampled_from(["name", "description", "benchmarks", "round_categories", "cost", "economics", "benchmark",
                             "threshold", "source", "mode", "tokens_per_unit", "revenue_per_unit", "anchor_cost",
                             "anchor_date", "decline_per_year", "unit", "x"])
TOML_SCALARS = st.one_of(st.text(max_size=6), st.sampled_from(["toy_error", "toy_score", "tokens", "anchor", "2024-01-01"]),
                         st.integers(-5, 10**7), st.floats(allow_nan=True, allow_infinity=True), st.booleans())
TOML_VALUES = st.recursive(TOML_SCALARS | st.lists(TOML_SCALARS, max_size=3),
                           lambda inner: st.dictionaries(TOML_KEYS, inner, max_size=5), max_leaves=12)
MINI_SECTORS = tomllib.loads(textwrap.dedent(MINI["sectors.toml"]))
ECONOMICS = {"mode": "tokens", "unit": "query", "tokens_per_unit": 2000, "revenue_per_unit": 0.1}


@st.composite
def sectors_docs(draw):
    """The mini sectors (one with unit economics) with a few keys set to random TOML values
    or removed; or random tables altogether."""
    if draw(st.integers(0, 3)) == 0:
        tables = draw(st.dictionaries(st.sampled_from(["vision", "chat", "new", "x y"]), TOML_VALUES, max_size=3))
        return {"sectors": tables} if draw(st.booleans()) else tables
    doc = copy.deepcopy(MINI_SECTORS)
    doc["sectors"]["chat"]["economics"] = dict(ECONOMICS)
    for _ in range(draw(st.integers(0, 3))):
        table = doc["sectors"][draw(st.sampled_from(sorted(doc["sectors"])))]
        if draw(st.booleans()) and isinstance(table.get("economics"), dict):
            table = table["economics"]
        key = draw(TOML_KEYS)
        if draw(st.integers(0, 3)) == 0:
            table.pop(key, None)
        else:
            table[key] = draw(TOML_VALUES)
    return doc


@FUZZ_FILES
@given(sectors_docs())
def test_random_sectors_toml(doc):
    """Mutated or random tables as sectors.toml: loading it, checking every sector's
    references and scoring each sector refuse it cleanly or work."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_mini(Path(tmp))
        (folder / "sectors.toml").write_text(to_toml(doc), encoding="utf-8")
        store = DataStore(folder, replace=True)
        sectors = only_own_errors(store.sectors) or {}
        for sid in sectors:
            if only_own_errors(store.sector, sid) is not None:
                only_own_errors(score_sector, store, sid, AS_OF, FAST_CONFIG)
        if sectors:
            assert all(isinstance(p, GapscoreError) for p in store.check_references())


def _dotted(node: dict, prefix: str = "") -> list[str]:
    out = []
    for key, value in node.items():
        path = f"{prefix}.{key}" if prefix else key
        out.append(path)
        if isinstance(value, dict):
            out += _dotted(value, path)
    return out


CONFIG_KEYS = _dotted(read_toml(DEFAULTS_PATH))


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(CONFIG_KEYS), TOML_VALUES), max_size=4))
def test_random_config_overrides(edits):
    """Any setting (a table or a value) replaced by any TOML value: load_config refuses it
    with a ConfigError or returns a config."""
    doc: dict = {}
    for dotted, value in edits:
        node = doc
        *parents, last = dotted.split(".")
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[last] = value
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.toml"
        path.write_text(to_toml(doc), encoding="utf-8")
        only_own_errors(load_config, path)


# --------------------------------------------------------------------------- models

YEARS = st.floats(1990, 2035)
DATES = st.dates(pd.Timestamp("1995-01-01").date(), pd.Timestamp("2030-12-31").date()).map(pd.Timestamp)


@FUZZ
@given(st.lists(YEARS, max_size=12), st.lists(st.floats(-0.5, 1.6), max_size=12), st.integers(0, 5))
def test_scurve_fit(t, share, n_boot):
    n = min(len(t), len(share))
    model = only_own_errors(SCurve(n_boot=n_boot, random_state=0).fit, np.array(t[:n]), np.array(share[:n]))
    if model is not None:
        assert np.all(np.isfinite(model.predict(np.array([2000.0, 2040.0]))))


BENCHMARKS = {  # (higher is better, plausible floors, plausible human baselines, value range)
    "up": (True, [0.0, 25.0], [90.0, 100.0], st.floats(-10, 120)),
    "down": (False, [100.0, 99.5], [2.0, 5.1], st.floats(0.5, 110)),
}


@st.composite
def capability_data(draw):
    """Results of two benchmarks (one higher-, one lower-is-better), mostly plausible values
    with now and then any number, and metadata that is usually valid."""
    rows = []
    for bid, (_, _, _, values) in BENCHMARKS.items():
        rows += [(bid, d, v) for d, v in draw(st.lists(st.tuples(DATES, values | NUMBERS), max_size=10))]
    history = pd.DataFrame(rows, columns=["benchmark", "date", "value"]).astype({"value": float})
    meta = [dict(benchmark=bid, sector="s", higher_is_better=up,
                 human_baseline=draw(st.sampled_from(humans) | NUMBERS | st.none()), floor=draw(st.sampled_from(floors) | NUMBERS),
                 scale=draw(st.sampled_from(["linear", "log"])))
            for bid, (up, floors, humans, _) in BENCHMARKS.items()]
    return history, pd.DataFrame(meta).astype({"human_baseline": float, "floor": float})


@FUZZ
@given(capability_data(), st.sampled_from(["log", "linear"]), DATES, st.booleans())
def test_capability_normalise_and_fit_sector(data, error_scale, as_of, pool):
    history, benchmarks = data
    out = only_own_errors(normalise, history, benchmarks, error_scale=error_scale)
    if out is not None:
        assert len(out) == len(history)
    result = only_own_errors(fit_sector, history, benchmarks, sector_benchmarks=["up", "down"], as_of=as_of,
                             min_points=4, n_boot=5, error_scale=error_scale, task_cap=1.0, pool_when_sparse=pool)
    if result is not None:
        assert result.status in ("ok", "insufficient_data")


@FUZZ
@given(st.lists(st.tuples(DATES, st.floats(1e-6, 1e6) | NUMBERS, NUMBERS), max_size=12), NUMBERS, DATES)
def test_fit_cost(rows, threshold, as_of):
    prices = pd.DataFrame([(f"m{i}", d, p, s) for i, (d, p, s) in enumerate(rows)],
                          columns=["model", "date", "usd_per_mtok", "score"]).astype({"usd_per_mtok": float, "score": float})
    result = only_own_errors(fit_cost, prices, benchmark="score", threshold=threshold, as_of=as_of)
    if result is not None and result.status == "ok":
        assert np.isfinite(result.decline_factor_per_year) and result.decline_factor_per_year > 0


@st.composite
def rounds_data(draw):
    rows = draw(st.lists(st.tuples(st.sampled_from([f"c{i}" for i in range(6)]), st.sampled_from(["cv", "software"]),
                                   st.sampled_from(ROUND_LABELS), DATES), max_size=14))
    rounds = pd.DataFrame(rows, columns=["company", "category", "round", "date"])
    exits = pd.DataFrame(draw(st.lists(st.tuples(st.sampled_from([f"c{i}" for i in range(6)]), DATES,
                                                  st.sampled_from(["acquired", "ipo", "closed"])), max_size=4)),
                         columns=["company", "date", "kind"])
    return rounds, exits


@FUZZ
@given(rounds_data(), DATES, st.sampled_from([None, "category", "cohort"]), st.floats(0.5, 60))
def test_graduation_cohorts_and_kaplan_meier(data, as_of, by, within):
    rounds, exits = data
    table = only_own_errors(cohort_graduation, rounds, as_of=as_of, within_months=within,
                            by=by if by != "cohort" else None)
    if table is not None and len(table):
        assert ((table["rate"] >= 0) & (table["rate"] <= 1)).all()
    curve = only_own_errors(kaplan_meier, rounds, exits, as_of=as_of, by=by)
    if curve is not None and len(curve):
        assert ((curve["probability"] >= 0) & (curve["probability"] <= 1)).all()


@FUZZ
@given(st.lists(st.tuples(st.floats(0, 100) | NUMBERS, st.sampled_from([0, 1, True, False]) | st.integers(-1, 2), st.sampled_from(["a", "b"])), max_size=12))
def test_kaplan_meier_table(rows):
    durations = [r[0] for r in rows]
    events = [r[1] for r in rows]
    groups = [r[2] for r in rows]
    table = only_own_errors(kaplan_meier_table, durations, events, groups)
    if table is not None and len(table):
        assert table["probability"].between(0, 1).all()


@FUZZ
@given(st.lists(st.tuples(st.floats(1e-9, 1e6) | NUMBERS, st.floats(0, 10)), max_size=6),
       st.floats(1, 1e7) | NUMBERS, st.floats(1e-4, 1e4) | NUMBERS, st.floats(0.01, 0.5) | NUMBERS)
def test_unit_economics(prices, tokens, revenue, target):
    years = list(range(2024, 2024 + len(prices)))
    projection = pd.DataFrame({"year": years, "price": [p for p, _ in prices],
                               "low": [p / (1 + s) for p, s in prices], "high": [p * (1 + s) for p, s in prices]})
    table = only_own_errors(unit_economics, projection, tokens_per_unit=tokens, revenue_per_unit=revenue, target_share=target)
    year = only_own_errors(viable_year, projection, tokens_per_unit=tokens, revenue_per_unit=revenue, target_share=target)
    if table is not None and year is not None and year[0] is not None:
        assert year[0] in years
