"""Rounds as categoricals: what the loader returns, and graduation on it.

The loader reads the rounds' text columns as categoricals (from Parquet, dictionary
encoded) with the same sorted categories from CSV, gzipped CSV and Parquet. The
graduation model must give on categoricals exactly what it gives on plain Python
strings: the object path is the reference (it is checked against statsmodels in
tests/test_graduation.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from gapscore.models.exceptions import InputError  # noqa: E402
from gapscore.models.graduation import (  # noqa: E402
    ROUND_LABELS,
    cohort_graduation,
    cohort_trend,
    company_outcomes,
    cumulative_incidence,
    fit_graduation,
    kaplan_meier,
)
from gapscore.scoring.inputs.datasets import BUNDLED_DIR, DataStore, _dictionary_pays, public  # noqa: E402
from gapscore.scoring.errors import DataValidationError  # noqa: E402

TEXT = ["company", "category", "round", "source"]
COLUMNS = ["company", "category", "round", "date", "amount_usd", "source"]
#: Category names whose order differs between byte, case-folded and insertion order.
CATEGORIES = ["saas", "Zeta", "ai", "ünïcode", "bio", "fintech"]


def make_rounds(seed: int = 3, n: int = 3000, n_companies: int = 500) -> pd.DataFrame:
    """Rounds with object text: some companies filed under a second category, a few
    rows without a category, amounts missing, every round label."""
    rng = np.random.default_rng(seed)
    companies = np.array([f"co{i:04d}" for i in rng.permutation(n_companies)], dtype=object)
    home = dict(zip(companies, rng.choice(CATEGORIES, n_companies)))
    company = rng.choice(companies, n)
    category = np.array([home[c] for c in company], dtype=object)
    second = rng.random(n) < 0.05
    category[second] = rng.choice(CATEGORIES, int(second.sum()))
    category[rng.random(n) < 0.02] = None
    weights = np.array([1, 6, 4, 2, 1, 1, 2, 1], dtype=float)
    round_ = rng.choice(np.array(ROUND_LABELS, dtype=object), n, p=weights / weights.sum())
    date = pd.Timestamp("2004-01-01") + pd.to_timedelta(rng.integers(0, 6500, n), unit="D")
    amount = np.round(rng.lognormal(14, 1, n))
    amount[rng.random(n) < 0.1] = np.nan
    source = rng.choice(np.array(["crunchbase", "pitchbook", "hand-made"], dtype=object), n)
    return pd.DataFrame({"company": company, "category": category, "round": round_, "date": date,
                         "amount_usd": amount, "source": source})


def as_categorical(frame: pd.DataFrame) -> pd.DataFrame:
    """The same table with categorical text: categories shuffled, plus an unused one
    (for ``round`` an unknown label, which no row uses, so no error)."""
    out = frame.copy()
    rng = np.random.default_rng(11)
    for col in TEXT:
        used = list(pd.unique(frame[col].dropna()))
        out[col] = pd.Categorical(frame[col], categories=list(rng.permutation(used)) + ["zz_unused"])
    return out


def write_csv(frame: pd.DataFrame, path):
    out = frame.copy()
    out["date"] = out["date"].dt.strftime("%Y-%m-%d")
    out.to_csv(path, index=False, float_format="%.0f")
    return path


def write_parquet(frame: pd.DataFrame, path, **options):
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, **options)
    return path


def sorted_categorical(values: pd.Series) -> pd.Categorical:
    """The expected column: the values, categories their sorted Python strings."""
    values = values.astype(object)
    categories = pd.Index(sorted(set(values.dropna())), dtype=object)
    return pd.Categorical(values.where(values.notna(), None), dtype=pd.CategoricalDtype(categories))


# --------------------------------------------------------------------------- the loader


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return make_rounds()


def test_text_columns_are_categorical_and_equal_from_every_format(table, tmp_path):
    """CSV, gzipped CSV and four Parquet layouts (several row groups, each with its own
    dictionary; no dictionary pages; written from categoricals with shuffled and unused
    categories; one row group) load into one frame."""
    files = {
        "csv": lambda d: write_csv(table, d / "rounds.csv"),
        "gz": lambda d: table.assign(date=table["date"].dt.strftime("%Y-%m-%d")).to_csv(
            d / "rounds.csv.gz", index=False, float_format="%.0f") or d / "rounds.csv.gz",
        "row_groups": lambda d: write_parquet(table, d / "rounds.parquet", row_group_size=700),
        "plain": lambda d: write_parquet(table, d / "rounds.parquet", use_dictionary=False),
        "from_categoricals": lambda d: write_parquet(as_categorical(table), d / "rounds.parquet", row_group_size=1000),
        "one_group": lambda d: write_parquet(table, d / "rounds.parquet"),
        # the writer gives up on dictionaries past 256 bytes: plain pages after the first
        "dictionary_fallback": lambda d: write_parquet(table, d / "rounds.parquet", row_group_size=1000,
                                                       dictionary_pagesize_limit=256, data_page_size=512,
                                                       write_batch_size=50),
    }
    expected = table[COLUMNS].astype({"date": "datetime64[ns]"})
    for col in TEXT:
        expected[col] = sorted_categorical(table[col])
    for name, write in files.items():
        folder = tmp_path / name
        folder.mkdir()
        path = write(folder)
        if name in ("plain", "dictionary_fallback", "one_group"):  # the layouts the reader tells apart
            assert _dictionary_pays(pq.read_metadata(path), "company") is (name == "one_group"), name
        frame = DataStore(folder, replace=True).load("rounds")
        for col in TEXT:
            assert isinstance(frame[col].dtype, pd.CategoricalDtype), (name, col)
            assert frame[col].cat.categories.dtype == object, (name, col)
        assert list(frame["_file"].astype(object).unique()) == [str(path)]
        np.testing.assert_array_equal(frame["_line"], np.arange(2, len(table) + 2))
        pd.testing.assert_frame_equal(public(frame), expected, check_exact=True, obj=name)


def test_user_rounds_extending_the_bundled_stay_categorical(table, tmp_path):
    """--data-dir without --replace-data: bundled rows, then the user's, categories merged."""
    write_csv(table, tmp_path / "rounds.csv")
    bundled = DataStore().load("rounds")
    user = DataStore(tmp_path, replace=True).load("rounds")
    both = DataStore(tmp_path).load("rounds")
    plain = pd.concat([bundled.astype({c: object for c in TEXT}), user.astype({c: object for c in TEXT})],
                      ignore_index=True)
    for col in TEXT:
        assert isinstance(both[col].dtype, pd.CategoricalDtype), col
        pd.testing.assert_series_equal(both[col], pd.Series(sorted_categorical(plain[col]), name=col))
    files = both["_file"].astype(object)
    assert (files[: len(bundled)] == str(next(BUNDLED_DIR.glob("rounds.*")))).all()
    assert (files[len(bundled):] == str(tmp_path / "rounds.csv")).all()
    pd.testing.assert_frame_equal(both[["date", "amount_usd", "_line"]], plain[["date", "amount_usd", "_line"]])


def _problems(folder) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(DataValidationError) as caught:
        DataStore(folder, replace=True).load("rounds")
    return [(p.line, p.column, p.message) for p in caught.value.problems]


def test_bad_text_cells_are_located_alike_in_csv_and_parquet(tmp_path):
    """An unknown round label, a missing company and an overlong source: the same
    line, column and message whether the file is CSV or Parquet."""
    frame = make_rounds(n=10, n_companies=5)
    frame.loc[1, "round"] = "series_z"  # line 3
    frame.loc[3, "company"] = None  # line 5
    frame.loc[6, "source"] = "x" * 10_001  # line 8
    (tmp_path / "csv").mkdir()
    (tmp_path / "pq").mkdir()
    write_csv(frame, tmp_path / "csv" / "rounds.csv")
    write_parquet(frame, tmp_path / "pq" / "rounds.parquet")
    from_csv, from_parquet = _problems(tmp_path / "csv"), _problems(tmp_path / "pq")
    assert from_csv == from_parquet
    located = {(line, column) for line, column, _ in from_csv}
    assert {(3, "round"), (5, "company"), (8, "source")} <= located
    assert (5, "company", "is empty; a value is required") in from_csv
    assert (8, "source", "value of 10001 characters is longer than 10000; check for an unclosed quote") in from_csv


def test_parquet_dates_and_amounts_are_checked_like_csv_text(tmp_path):
    """Typed Parquet columns skip the text round trip but keep its checks: a date out
    of range and an infinite amount are reported on the same lines as from CSV (an
    amount shows as the number it is, not as quoted text)."""
    frame = make_rounds(n=8, n_companies=4)
    frame["date"] = frame["date"].astype("datetime64[us]")
    frame.loc[2, "date"] = pd.Timestamp("2150-03-01")  # line 4
    frame.loc[5, "amount_usd"] = np.inf  # line 7
    (tmp_path / "csv").mkdir()
    (tmp_path / "pq").mkdir()
    text = frame.assign(date=frame["date"].dt.strftime("%Y-%m-%d"))
    text.to_csv(tmp_path / "csv" / "rounds.csv", index=False, float_format="%.0f")
    write_parquet(frame, tmp_path / "pq" / "rounds.parquet")
    date = (4, "date", "value '2150-03-01' is outside 1900-01-01 to 2100-12-31; check the year")
    rule = "is not a finite number; write a plain number such as 12.5"
    assert _problems(tmp_path / "csv") == [date, (7, "amount_usd", f"value 'inf' {rule}")]
    assert _problems(tmp_path / "pq") == [date, (7, "amount_usd", f"value inf {rule}")]


# --------------------------------------------------------------------------- graduation


@pytest.fixture(scope="module")
def pair(table) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(object rounds, the same as categoricals, exits): by-category units need a category."""
    rounds = table[table["category"].notna()].reset_index(drop=True)
    rng = np.random.default_rng(5)
    companies = list(pd.unique(rounds["company"]))
    chosen = rng.choice(companies, 60, replace=False).tolist() + ["never_raised"]
    exits = pd.DataFrame({
        "company": chosen,
        "date": pd.Timestamp("2006-01-01") + pd.to_timedelta(rng.integers(0, 5000, len(chosen)), unit="D"),
        "kind": rng.choice(["acquired", "ipo", "closed"], len(chosen)),
    })
    return rounds, as_categorical(rounds), exits


CALLS = {
    "km_by_category": lambda r, e: kaplan_meier(r, as_of="2020-06-30", by="category"),
    "km_category_cohort": lambda r, e: kaplan_meier(r, e, as_of="2018-12-31", by=["category", "cohort"], freq="quarter"),
    "km_pooled_exits": lambda r, e: kaplan_meier(r, e, as_of="2020-06-30", include_later_stages=False),
    "km_selected": lambda r, e: kaplan_meier(r, as_of="2020-06-30", categories=["ai", "ünïcode", "absent"]),
    "cohorts": lambda r, e: cohort_graduation(r, as_of="2021-12-31", by="category", within_months=18),
    "cohorts_series_b": lambda r, e: cohort_graduation(r, from_round="series_a", to_round="series_b", as_of="2021-12-31"),
    "incidence": lambda r, e: cumulative_incidence(r, e, as_of="2020-06-30", by="category"),
    "outcomes": lambda r, e: company_outcomes(r, e, as_of="2019-06-30", by="category"),
    "trend": lambda r, e: cohort_trend(r, as_of="2021-12-31", by="category"),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_categorical_rounds_give_what_object_rounds_give(pair, name):
    rounds, categorical, exits = pair
    expected = CALLS[name](rounds, exits)
    assert len(expected)
    pd.testing.assert_frame_equal(CALLS[name](categorical, exits), expected, check_exact=True)


def test_companies_under_two_categories_against_statsmodels(pair):
    """Independent check of the category-company units on categoricals: pandas and
    statsmodels ``SurvfuncRight`` per category. A company enters each category it has
    a seed in; its graduation is its first Series A or later round in any category."""
    from statsmodels.duration.survfunc import SurvfuncRight

    rounds, categorical, _ = pair
    as_of = pd.Timestamp("2020-06-30")
    known = rounds[rounds["date"] <= as_of]
    assert (known[known["round"] == "seed"].groupby("company")["category"].nunique() > 1).sum() >= 5
    entry = known[known["round"] == "seed"].groupby(["category", "company"])["date"].min().rename("entry")
    later = known["round"].isin(["series_a", "series_b", "series_c", "series_d_plus"])
    grad = known[later].groupby("company")["date"].min().rename("graduation")
    units = entry.reset_index().join(grad, on="company")
    units = units[~(units["graduation"] < units["entry"])]
    event = units["graduation"].notna()
    units["days"] = (units["graduation"].where(event, as_of) - units["entry"]).dt.days
    units["event"] = event.astype(int)
    table = kaplan_meier(categorical, as_of=as_of, by="category")
    for category, part in table.groupby("category"):
        mine = units[units["category"] == category]
        sf = SurvfuncRight(mine["days"].to_numpy(float), mine["event"].to_numpy())
        np.testing.assert_allclose(part["months"] * (365.25 / 12), sf.surv_times)
        np.testing.assert_allclose(part["probability"], sf.surv_prob)
        np.testing.assert_array_equal(part["at_risk"], sf.n_risk)
        np.testing.assert_array_equal(part["events"], sf.n_events)


def test_categorical_exits_and_fit_graduation(pair):
    """Exit companies as a categorical on the rounds' own categories (codes reused)."""
    rounds, categorical, exits = pair
    cat_exits = exits[exits["company"].isin(set(rounds["company"]))].copy()
    cat_exits["company"] = pd.Categorical(cat_exits["company"], dtype=categorical["company"].dtype)
    expected = fit_graduation(rounds, exits, as_of="2020-06-30", by="category")
    found = fit_graduation(categorical, cat_exits, as_of="2020-06-30", by="category")
    for part in ("cohorts", "survival", "incidence", "trend"):
        pd.testing.assert_frame_equal(getattr(found, part), getattr(expected, part), check_exact=True, obj=part)


def test_loaded_rounds_give_what_object_rounds_give(table, tmp_path):
    """The frame DataStore.load returns (Parquet, categoricals) against the object table."""
    write_parquet(table, tmp_path / "rounds.parquet", row_group_size=800)
    loaded = DataStore(tmp_path, replace=True).load("rounds")
    plain = public(loaded).astype({c: object for c in TEXT})
    for by in (None, "category"):
        rows = plain if by is None else plain[plain["category"].notna()]
        mine = loaded if by is None else loaded[loaded["category"].notna()]
        pd.testing.assert_frame_equal(kaplan_meier(mine, as_of="2021-12-31", by=by),
                                      kaplan_meier(rows, as_of="2021-12-31", by=by), check_exact=True)


@pytest.mark.parametrize("column, value, message", [
    ("round", "series_z", "rounds['round'] has 1 row(s) with an unknown value, e.g. ['series_z']"),
    ("company", None, "rounds['company'] has missing values; every round needs a company."),
    ("category", None, "rounds['category'] has missing values; every row needs one."),
])
def test_bad_values_raise_the_same_error(pair, column, value, message):
    rounds, _, _ = pair
    rounds = rounds.copy()
    entry = rounds.index[rounds["round"] == "seed"][0]
    rounds.loc[entry, column] = value
    errors = []
    for frame in (rounds, as_categorical(rounds)):
        with pytest.raises(InputError) as caught:
            kaplan_meier(frame, as_of="2021-12-31", by="category")
        errors.append(str(caught.value))
    assert errors[0] == errors[1]
    assert errors[0].startswith(message)


def test_checks_per_category_report_what_pandera_reports_per_row(tmp_path):
    """The loader runs a categorical column's checks once per category and reports a
    failing category on every row holding it (``_category_failures``). Reference:
    pandera itself on the same frame with object text, row by row. Same problems:
    line, column and message, in the same order."""
    from pathlib import Path

    from gapscore.scoring.inputs import schemas
    from gapscore.scoring.inputs.datasets import validate

    frame = make_rounds(n=400, n_companies=60)
    frame.loc[[3, 50, 51, 399], "round"] = "series_z"  # one bad category on several rows
    frame.loc[[7, 90], "round"] = None  # round is not nullable
    frame.loc[[10, 11], "company"] = ""  # str_length >= 1
    frame.loc[[12], "company"] = None
    frame.loc[[20, 21, 22], "source"] = ""
    frame.loc[[30], "category"] = None  # category is nullable: no problem
    frame["_line"] = np.arange(2, len(frame) + 2)
    text = frame.astype({c: object for c in TEXT})
    text[TEXT] = text[TEXT].where(text[TEXT].notna(), np.nan)
    categorical = frame.copy()
    for col in TEXT:
        categorical[col] = sorted_categorical(frame[col].where(frame[col].notna(), None))
    path = Path(tmp_path / "rounds.parquet")
    _, per_row = validate(text, schemas.Rounds, path)
    _, per_category = validate(categorical, schemas.Rounds, path)
    row_view = [(p.line, p.column, p.message) for p in per_row]
    assert len(row_view) == 4 + 2 + 2 + 1 + 3
    assert [(p.line, p.column, p.message) for p in per_category] == row_view


def test_parquet_dates_kept_as_they_are_only_when_whole_days_in_range():
    """The loader keeps a Parquet timestamp column without converting it only when every
    value is a midnight within the schema's date range (or missing); a time of day or a
    date outside the range sends it through the day conversion and its checks."""
    from gapscore.scoring.inputs import schemas
    from gapscore.scoring.inputs.datasets import _midnights_in_range

    def kept(values):
        column = pd.Series(pd.to_datetime(values)).astype("datetime64[ns]")
        return _midnights_in_range(column, schemas.EARLIEST_DATE, schemas.LATEST_DATE) is column

    assert kept(["2020-01-01", str(schemas.LATEST_DATE.date()), str(schemas.EARLIEST_DATE.date())])
    assert kept(["2020-01-01", None]) and kept([None])
    assert not kept(["2020-01-01 00:00:01"])
    assert not kept([str(schemas.LATEST_DATE.date()) + " 23:59:59"])  # the last day, but not at midnight
    assert not kept([str((schemas.EARLIEST_DATE - pd.Timedelta(days=1)).date())])


def test_bound_checks_decided_by_min_and_max_report_what_pandera_reports(tmp_path, monkeypatch):
    """Numbers and dates whose checks are bounds (amount_usd >= 0, dates in range) are
    passed on their smallest and largest value (``_within_bounds``) and go through
    pandera only when that may fail. Reference: pandera on every column (the fast
    path switched off). Same problems, line, column and message, in the same order."""
    from pathlib import Path

    from gapscore.scoring.inputs import datasets, schemas

    frame = make_rounds(n=300, n_companies=50)
    frame["_line"] = np.arange(2, len(frame) + 2)
    frame = frame.astype({**{c: object for c in TEXT}, "date": "datetime64[ns]"})  # the dtypes coerce gives
    spec = schemas.Rounds.to_schema().columns
    assert datasets._within_bounds(frame["amount_usd"], spec["amount_usd"])  # NaN amounts: nullable
    assert datasets._within_bounds(frame["date"], spec["date"])
    at_bounds = pd.Series(pd.to_datetime([str(schemas.EARLIEST_DATE.date()), str(schemas.LATEST_DATE.date())]))
    assert datasets._within_bounds(at_bounds.astype("datetime64[ns]"), spec["date"])  # ge / le: bounds included
    assert datasets._within_bounds(pd.Series([0.0, np.nan]), spec["amount_usd"])
    assert datasets._within_bounds(pd.Series([np.nan, np.nan]), spec["amount_usd"])  # all missing, nullable
    assert not datasets._within_bounds(pd.Series([5.0, -0.5, np.nan]), spec["amount_usd"])
    assert not datasets._within_bounds(pd.Series([1, 2]), spec["amount_usd"])  # int64: pandera checks the dtype
    assert not datasets._within_bounds(pd.Series(pd.to_datetime(["2020-01-01", None])).astype("datetime64[ns]"),
                                       spec["date"])  # date is not nullable
    assert not datasets._within_bounds(frame["company"], spec["company"])  # text: not a bound check

    bad = frame.copy()
    bad.loc[[4, 40, 41], "amount_usd"] = [-1.0, -2.5, -1e9]
    bad.loc[[7], "date"] = pd.NaT
    path = Path(tmp_path / "rounds.csv")
    for table in (frame, bad):
        _, fast = datasets.validate(table, schemas.Rounds, path)
        with monkeypatch.context() as m:
            m.setattr(datasets, "_within_bounds", lambda column, spec: False)
            _, reference = datasets.validate(table, schemas.Rounds, path)
        assert [(p.line, p.column, p.message) for p in fast] == [(p.line, p.column, p.message) for p in reference]
    assert len(fast) == 4


def test_typed_amounts_pass_as_they_are_only_when_finite_or_missing():
    """A typed float column (Parquet) is kept without the text conversion's per-row
    masks only when every value is finite or NaN; an infinity sends it through the
    conversion, which reports it (test_parquet_dates_and_amounts_are_checked_like_csv_text)."""
    from gapscore.scoring.inputs.datasets import _finite_or_missing

    assert _finite_or_missing(pd.Series([1.0, np.nan, 0.0, 1e300]))
    assert _finite_or_missing(pd.Series([np.nan, np.nan]))
    assert not _finite_or_missing(pd.Series([1.0, np.inf]))
    assert not _finite_or_missing(pd.Series([np.nan, -np.inf]))
    assert not _finite_or_missing(pd.Series(["1.5", "2"], dtype=object))  # text: converted and checked
    assert not _finite_or_missing(pd.Series([1, 2]))  # int64: converted to float64
    assert not _finite_or_missing(pd.Series([], dtype=np.float64))


# --------------------------------------------------------------------------- text facts and sorting


def test_whitespace_is_what_str_strip_removes():
    """The loader measures padding with ``pc.utf8_trim(characters=WHITESPACE)``: the
    list must be exactly the code points for which Python's ``str.isspace`` holds."""
    import sys

    from gapscore.scoring.inputs.datasets import WHITESPACE

    assert sorted(WHITESPACE) == [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()]


#: Text that stresses byte order: shared prefixes longer than 8 bytes, a prefix of
#: another string, NUL bytes, empty strings, multi-byte UTF-8, surrounding spaces.
_HOSTILE_TEXT = st.lists(
    st.one_of(
        st.text(alphabet=st.sampled_from(["a", "b", "\0", " ", "é", "ü", "\u3000", "😀", "\t"]), max_size=12),
        st.builds(lambda tail: "Company Holdings " + tail, st.text(alphabet="abc\0 ", max_size=3)),
    ),
    unique=True, max_size=60,
)


@given(values=_HOSTILE_TEXT, large=st.booleans(), skip=st.integers(0, 3))
def test_bytewise_order_is_arrows_sort(values, large, skip):
    """``_bytewise_order`` (8-byte prefixes sorted by numpy, ties by Arrow) gives the
    order of ``pc.sort_indices``, the reference, on hostile text, on 32- and 64-bit
    offsets and on a sliced array (non-zero offset)."""
    import pyarrow.compute as pc

    from gapscore.scoring.inputs.datasets import _bytewise_order

    strings = pa.array(["skipped"] * skip + values, type=pa.large_string() if large else pa.string())[skip:]
    assert _bytewise_order(strings).tolist() == pc.sort_indices(strings).to_numpy().tolist()
    assert [values[i] for i in _bytewise_order(strings)] == sorted(values)  # Python's order: code points


@given(values=_HOSTILE_TEXT)
def test_text_facts_from_arrow_are_what_python_measures(values):
    """The facts measured in C++ (``_arrow_text_facts``) equal Python's: shortest and
    longest ``len`` and whether ``str.strip`` changes a value or one is empty."""
    from gapscore.scoring.inputs.datasets import _arrow_text_facts

    facts = _arrow_text_facts(pa.array(values, type=pa.string()), pd.Index(values, dtype=object))
    lengths = [len(v) for v in values] or [0]
    assert (facts.shortest, facts.longest) == (min(lengths), max(lengths))
    assert facts.padded == any(v != v.strip() or not v for v in values)


@pytest.mark.parametrize("dictionary", [True, False])
def test_padded_empty_and_long_text_from_parquet_checked_as_from_csv(tmp_path, dictionary):
    """Parquet text whose categories are padded, empty or overlong: the loader's facts
    (measured on the Arrow dictionary) must send them to the same checks as CSV text,
    in both Parquet paths (a file dictionary, or plain pages hashed once): the same
    problems, and for clean-up alone (padding) the same frame."""
    frame = make_rounds(n=40, n_companies=8)
    frame.loc[2, "company"] = "  " + frame.loc[2, "company"] + "\u3000"  # stripped: same company
    frame.loc[3, "source"] = ""  # empty: str_length >= 1 fails (from CSV: missing)
    frame.loc[5, "company"] = "x" * 10_001  # line 7: longer than MAX_CELL_CHARS
    (tmp_path / "csv").mkdir()
    (tmp_path / "pq").mkdir()
    write_csv(frame, tmp_path / "csv" / "rounds.csv")
    write_parquet(frame, tmp_path / "pq" / "rounds.parquet", use_dictionary=dictionary)
    problems = _problems(tmp_path / "csv")
    assert problems == _problems(tmp_path / "pq")
    assert (7, "company", "value of 10001 characters is longer than 10000; check for an unclosed quote") in problems
    assert (5, "source", "is empty; a value is required") in problems
    clean = frame.drop(index=[3, 5]).reset_index(drop=True)  # padding alone: loads, stripped
    (tmp_path / "csv2").mkdir()
    (tmp_path / "pq2").mkdir()
    write_csv(clean, tmp_path / "csv2" / "rounds.csv")
    write_parquet(clean, tmp_path / "pq2" / "rounds.parquet", use_dictionary=dictionary)
    from_csv = public(DataStore(tmp_path / "csv2", replace=True).load("rounds"))
    from_parquet = public(DataStore(tmp_path / "pq2", replace=True).load("rounds"))
    pd.testing.assert_frame_equal(from_csv, from_parquet)
    assert frame.loc[2, "company"].strip() in set(from_parquet["company"].cat.categories)
