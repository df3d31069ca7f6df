"""Graduation and survival on a large synthetic round table.

Ours: ``kaplan_meier(rounds, as_of=..., by="category")`` from the raw rounds (entry
and graduation dates, durations and all 200 curves). Reference: what a careful
analyst would write with pandas and statsmodels: group the rounds by category; in
each, the first seed and the first Series A-or-later round per company, the
durations, then ``SurvfuncRight``. The survival estimates must agree before any time
is reported.

The headline case gives each side the table as it would really arrive: ours the
frame gapscore's loader returns (``DataStore.load``: text columns categorical), the
reference ``pandas.read_parquet``'s frame with pyarrow strings (its default from
pandas 3, and its fastest input). The secondary cases give both sides the same text
dtype.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from statsmodels.duration.survfunc import SurvfuncRight

from bench import make_rounds as mr
from bench.common import Context, Result, interleaved_times
from gapscore.models.graduation import DAYS_PER_MONTH, kaplan_meier
from gapscore.scoring.inputs.datasets import DataStore

FULL = dict(rounds=5_000_000, companies=1_000_000, categories=200, cohort_years=20)
QUICK = dict(rounds=50_000, companies=10_000, categories=20, cohort_years=20)
COLUMNS = ["company", "category", "round", "date"]
TEXT = ["company", "category", "round"]
LATER = ("series_a", "series_b", "series_c", "series_d_plus")


def rounds_file(ctx: Context, size: dict) -> Path:
    """The generated table (made once, then reused from the cache folder)."""
    path = ctx.cache / "rounds-{rounds}-{companies}-{categories}-{cohort_years}-{seed}.parquet".format(
        seed=mr.DEFAULT_SEED, **size)
    if not path.exists():
        ctx.progress(f"generating {size['rounds']:,} rounds into {path} (once)")
        ctx.cache.mkdir(parents=True, exist_ok=True)
        mr.write_rounds(mr.make_rounds(**size, seed=mr.DEFAULT_SEED), path)
    return path


def export_date(size: dict) -> pd.Timestamp:
    """The generator's export date: the as_of of the whole table."""
    return pd.Timestamp(f"{mr.FIRST_COHORT_YEAR + size['cohort_years'] + mr.EXPORT_LAG_YEARS - 1}-12-31")


def reference(rounds: pd.DataFrame, as_of: pd.Timestamp) -> dict[str, SurvfuncRight]:
    """Per category: durations from the rounds with pandas, then statsmodels' Kaplan-Meier."""
    rounds = rounds[rounds["date"] <= as_of]
    curves = {}
    for category, group in rounds.groupby("category", sort=True):
        entry = group.loc[group["round"] == "seed"].groupby("company")["date"].min()
        grad = group.loc[group["round"].isin(LATER)].groupby("company")["date"].min()
        both = entry.to_frame("entry").join(grad.rename("graduation"))
        both = both[~(both["graduation"] < both["entry"])]  # an A before the seed: never waited
        event = both["graduation"].notna()
        days = (both["graduation"].where(event, as_of) - both["entry"]).dt.days
        curves[category] = SurvfuncRight(days.to_numpy(np.float64), event.to_numpy(np.int64))
    return curves


def reference_codes(rounds: pd.DataFrame, as_of: pd.Timestamp) -> dict[str, SurvfuncRight]:
    """The same logic on the categoricals' integer codes, the honest reference.

    What a competent pandas user writes when the table already has categoricals (the
    frame gapscore's loader returns): no per-category loop over the whole table; the
    first seed and first later round per (category code, company code) pair in one
    grouped ``min`` each over integer keys, then ``SurvfuncRight`` per category.
    """
    rounds = rounds[rounds["date"] <= as_of]
    cat = rounds["category"].cat.codes.to_numpy()
    comp = rounds["company"].cat.codes.to_numpy()
    date = rounds["date"].to_numpy()
    first = {}
    for label, mask in (("entry", (rounds["round"] == "seed").to_numpy()),
                        ("graduation", rounds["round"].isin(LATER).to_numpy())):
        keys = pd.DataFrame({"cat": cat[mask], "comp": comp[mask], "date": date[mask]})
        first[label] = keys.groupby(["cat", "comp"], sort=False)["date"].min()
    both = first["entry"].to_frame("entry").join(first["graduation"].rename("graduation"))
    both = both[~(both["graduation"] < both["entry"])]  # an A before the seed: never waited
    event = both["graduation"].notna().to_numpy(np.int64)
    days = (both["graduation"].where(both["graduation"].notna(), as_of) - both["entry"]).dt.days.to_numpy(np.float64)
    codes = both.index.get_level_values("cat").to_numpy()
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    names = rounds["category"].cat.categories
    return {names[codes[idx[0]]]: SurvfuncRight(days[idx], event[idx]) for idx in np.split(order, bounds)}


def ours(rounds: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    return kaplan_meier(rounds, as_of=as_of, by="category")


def check_equal(table: pd.DataFrame, curves: dict[str, SurvfuncRight]) -> float:
    """Raise unless every category's curve equals statsmodels'; the largest difference."""
    with_events = sorted(c for c, sf in curves.items() if len(sf.surv_times))
    found = sorted(table["category"].unique())
    if found != with_events:
        raise AssertionError(f"categories differ: ours {len(found)}, statsmodels {len(with_events)}")
    worst = 0.0
    for category, part in table.groupby("category", sort=True):
        sf = curves[category]
        if not (np.allclose(part["months"] * DAYS_PER_MONTH, sf.surv_times)
                and np.allclose(part["probability"], sf.surv_prob)
                and np.allclose(part["se"], sf.surv_prob_se, equal_nan=True)
                and np.array_equal(part["at_risk"], sf.n_risk)
                and np.array_equal(part["events"], sf.n_events)):
            raise AssertionError(f"category {category}: survival differs from statsmodels SurvfuncRight")
        worst = max(worst, float(np.max(np.abs(part["probability"].to_numpy() - sf.surv_prob))))
    return worst


def loaded(ctx: Context, path: Path) -> pd.DataFrame:
    """The table as gapscore's loader returns it (checked; text columns categorical)."""
    folder = ctx.work / "graduation"
    folder.mkdir(exist_ok=True)
    link = folder / "rounds.parquet"
    link.unlink(missing_ok=True)
    link.symlink_to(path)
    return DataStore(folder, replace=True).load("rounds")


def run(ctx: Context) -> list[Result]:
    size = QUICK if ctx.quick else FULL
    path = rounds_file(ctx, size)
    as_of = export_date(size)
    raw = pd.read_parquet(path, columns=COLUMNS)
    arrow_str = raw.astype({c: "string[pyarrow]" for c in TEXT})  # read_parquet's default from pandas 3
    cases = {  # name: (what the text columns are, reference function)
        "graduation_km_codes": ("both: categoricals, as gapscore's loader returns them; reference: the same "
                                "pandas + SurvfuncRight logic grouped on the integer codes (the honest headline)",
                                reference_codes),
        "graduation_km": ("ours: categoricals, as gapscore's loader returns them; reference: pyarrow strings, "
                          "pandas.read_parquet's default, grouped per category (secondary: a weaker reference)",
                          reference),
        "graduation_km_object": ("both: Python strings (object)", reference),
        "graduation_km_arrow": ("both: pyarrow strings", reference),
    }
    results = []
    store_frame = None
    for name, (text_columns, ref_fn) in cases.items():
        if not ctx.wants(name):
            continue
        if name in ("graduation_km", "graduation_km_codes"):
            if store_frame is None:
                ctx.progress(f"{name}: loading the table with gapscore's loader (not timed)")
                store_frame = loaded(ctx, path)
            mine, theirs = store_frame, (store_frame if name == "graduation_km_codes" else arrow_str)
        elif name == "graduation_km_object":
            mine = theirs = raw.astype({c: object for c in TEXT})
        else:
            mine = theirs = arrow_str
        ctx.progress(f"{name}: ours and the reference ({ref_fn.__name__}: pandas + SurvfuncRight), taking turns")
        (t_ours, table), (t_ref, curves) = interleaved_times(
            [lambda: ours(mine, as_of), lambda: ref_fn(theirs, as_of)], ctx.repeat)
        worst = check_equal(table, curves)
        results.append(Result(name, t_ours, t_ref, (
            f"{len(mine):,} rounds, {mine['company'].nunique():,} companies, {len(curves)} categories, "
            f"as of {as_of.date()}; text columns: {text_columns}",
            f"{len(table):,} curve points, equal to SurvfuncRight's in every category "
            f"(largest survival difference {worst:.1e})",
        )))
        del mine, theirs
    del store_frame
    if ctx.wants("graduation_e2e"):
        results.append(end_to_end(ctx, path, as_of))
    return results


def end_to_end(ctx: Context, path: Path, as_of: pd.Timestamp) -> Result:
    """From the Parquet file to the curves. Ours: gapscore's checked load (every cell
    converted, every row validated) then ``kaplan_meier``. Reference: a bare
    ``pandas.read_parquet`` (pyarrow strings, no checks) then the per-category
    reference, the fastest reference on that input."""
    folder = ctx.work / "graduation-e2e"
    folder.mkdir(exist_ok=True)
    link = folder / "rounds.parquet"
    link.unlink(missing_ok=True)
    link.symlink_to(path)

    def mine():
        return ours(DataStore(folder, replace=True).load("rounds"), as_of)

    def theirs():
        return reference(pd.read_parquet(path, columns=COLUMNS), as_of)

    ctx.progress("graduation_e2e: ours (checked load + kaplan_meier) and the reference (read_parquet + "
                 "per-category pandas + SurvfuncRight), taking turns")
    (t_ours, table), (t_ref, curves) = interleaved_times([mine, theirs], ctx.repeat)
    worst = check_equal(table, curves)
    return Result("graduation_e2e", t_ours, t_ref, (
        "from the Parquet file: ours gapscore's checked load (conversion with line numbers, pandera validation) "
        "+ kaplan_meier; reference pandas.read_parquet (no checks) + per-category pandas + SurvfuncRight",
        f"equal curves (largest survival difference {worst:.1e})",
    ))
