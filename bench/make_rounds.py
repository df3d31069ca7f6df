"""A synthetic, realistic funding-round table in the ``rounds`` schema, for benchmarks.

Every company enters at seed (a few at Series A, some after a pre-seed round) in one
of ``cohort_years`` calendar years and climbs ``seed -> series_a -> series_b ->
series_c -> series_d_plus``: at each stage it raises the next round with a
probability that depends on its category and cohort, after a gamma-distributed wait.
Some skip the Series A, some raise extra rounds at a stage (seed extensions, several
late rounds). Rows dated after the export date (``cohort_years`` + 2 years after the
first cohort's 1 January) are dropped, so the latest cohorts are right-censored,
as in a real export. The table is then filled to exactly ``rounds`` rows with
``venture_unlabeled`` and ``other`` rounds (a third of the bundled Crunchbase rows
are such), dated between the company's entry and the export date.

One company belongs to one category (the bundled data, where a company can be
filed under two categories, is less tidy). Same arguments, same table, byte for
byte: every random draw comes from ``numpy.random.default_rng(seed)`` in a fixed order.

    python -m bench.make_rounds -o rounds.parquet                # 5M rounds, 1M companies
    python -m bench.make_rounds -o small.csv.gz --rounds 50000 --companies 10000
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

#: The benchmark's table: 5 million rounds of 1 million companies in 200 categories,
#: entering over 20 cohort years (issue 8).
DEFAULT_ROUNDS = 5_000_000
DEFAULT_COMPANIES = 1_000_000
DEFAULT_CATEGORIES = 200
DEFAULT_COHORT_YEARS = 20
FIRST_COHORT_YEAR = 2000
DEFAULT_SEED = 20261126
#: Export date: this many years after the last cohort year ends (censors the late cohorts).
EXPORT_LAG_YEARS = 2

#: Stage columns of the progression, in order (labels of the ``round`` column).
LADDER = ("pre_seed", "seed", "series_a", "series_b", "series_c", "series_d_plus")
UNSTAGED = ("venture_unlabeled", "other")

# Shape of the progression. Invented, loosely shaped on the bundled Crunchbase rounds
# and the published funnels in docs/models/portfolio.md; only realism, not truth, matters.
PRE_SEED_SHARE = 0.40  # companies with a pre-seed round before their seed
ENTER_AT_A_SHARE = 0.08  # companies whose first round is a Series A
SKIP_A_SHARE = 0.05  # seed graduates whose next round is a Series B
#: Base probability of raising the next stage (seed->A, A->B, B->C, C->D+), log-odds
#: shifted per category (sd CATEGORY_SD) and per cohort year (COHORT_TREND).
NEXT_STAGE_P = (0.45, 0.50, 0.50, 0.45)
CATEGORY_SD = 0.35
COHORT_TREND = -0.02  # log-odds per cohort year: later cohorts graduate a little less
#: Wait before the next stage: gamma(shape, scale) in days, scale x a category factor.
WAIT_SHAPE = 2.5
WAIT_SCALE_DAYS = (215.0, 245.0, 275.0, 300.0)
PRE_SEED_WAIT_DAYS = (90, 365)
#: Extra rounds at a stage beyond its first: Poisson means (pre_seed .. series_d_plus).
EXTRA_ROUNDS = (0.2, 0.7, 0.5, 0.3, 0.2, 1.5)
#: Median amount per round label, USD (bundled Crunchbase medians, rounded), lognormal sd 1.
MEDIAN_USD = {"pre_seed": 150e3, "seed": 350e3, "series_a": 3.5e6, "series_b": 9e6,
              "series_c": 13e6, "series_d_plus": 16e6, "venture_unlabeled": 3e6, "other": 1.75e6}
MISSING_AMOUNT_SHARE = 0.08  # share of rounds with no disclosed amount (bundled: 8%)
UNSTAGED_OTHER_SHARE = 0.32  # of the unstaged fill, 'other' (bundled: 3,747 of 11,670)

COLUMNS = ("company", "category", "round", "date", "amount_usd", "source", "original_round")


def make_rounds(rounds: int = DEFAULT_ROUNDS, companies: int = DEFAULT_COMPANIES,
                categories: int = DEFAULT_CATEGORIES, cohort_years: int = DEFAULT_COHORT_YEARS,
                seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The synthetic rounds table (``COLUMNS``), sorted by date then company.

    Raises ValueError when ``rounds`` is too few for the companies' progressions.
    """
    for name, value in (("rounds", rounds), ("companies", companies), ("categories", categories),
                        ("cohort_years", cohort_years)):
        if value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value}")
    rng = np.random.default_rng(seed)
    n = companies
    export_day = _day(f"{FIRST_COHORT_YEAR + cohort_years + EXPORT_LAG_YEARS - 1}-12-31")

    # Categories of uneven size (Zipf-like) with their own odds and pace.
    weight = 1.0 / np.arange(1, categories + 1) ** 0.8
    category = rng.choice(categories, size=n, p=weight / weight.sum())
    cat_shift = rng.normal(0.0, CATEGORY_SD, categories)
    cat_pace = np.exp(rng.normal(0.0, 0.2, categories))

    # Entry dates: more companies in later cohorts (venture grew), uniform within a year.
    year_w = 1.0 + 0.1 * np.arange(cohort_years)
    year = rng.choice(cohort_years, size=n, p=year_w / year_w.sum())
    year_start = np.array([_day(f"{FIRST_COHORT_YEAR + y}-01-01") for y in range(cohort_years + 1)])
    entry = year_start[year] + (rng.random(n) * np.diff(year_start)[year]).astype(np.int64)

    # Day each stage is first reached (-1: never), column per LADDER label.
    day = np.full((n, len(LADDER)), -1, dtype=np.int64)
    at_a = rng.random(n) < ENTER_AT_A_SHARE
    day[~at_a, 1] = entry[~at_a]
    day[at_a, 2] = entry[at_a]
    pre = ~at_a & (rng.random(n) < PRE_SEED_SHARE)
    day[pre, 0] = entry[pre] - rng.integers(*PRE_SEED_WAIT_DAYS, size=n)[pre]
    skip_a = rng.random(n) < SKIP_A_SHARE
    for step, (p, scale) in enumerate(zip(NEXT_STAGE_P, WAIT_SCALE_DAYS)):
        here, nxt = step + 1, step + 2
        logit = np.log(p / (1 - p)) + cat_shift[category] + COHORT_TREND * year
        go = (day[:, here] >= 0) & (rng.random(n) < 1.0 / (1.0 + np.exp(-logit)))
        wait = rng.gamma(WAIT_SHAPE, scale, n) * cat_pace[category]
        reach = day[:, here] + np.maximum(wait.astype(np.int64), 1)
        if step == 0:  # a skipper's next round is a Series B
            day[go & ~skip_a, nxt] = reach[go & ~skip_a]
            day[go & skip_a, nxt + 1] = reach[go & skip_a]
        else:
            day[go, nxt] = reach[go]

    # One row per stage reached, plus extra rounds at the stage before the next one.
    extra = rng.poisson(EXTRA_ROUNDS, size=(n, len(LADDER)))
    reached = day >= 0
    count = np.where(reached, 1 + extra, 0)
    comp, stage = np.nonzero(count)
    reps = count[comp, stage]
    comp, stage = np.repeat(comp, reps), np.repeat(stage, reps)
    first = np.r_[True, (comp[1:] != comp[:-1]) | (stage[1:] != stage[:-1])]
    nxt_day = np.full((n, len(LADDER)), -1, dtype=np.int64)  # next stage reached, -1: none
    for s in range(len(LADDER) - 2, -1, -1):
        nxt_day[:, s] = np.where(day[:, s + 1] >= 0, day[:, s + 1], nxt_day[:, s + 1])
    start = day[comp, stage]
    stop = nxt_day[comp, stage]
    span = np.where(stop > start, stop - start, 540)
    offset = (rng.random(comp.size) * span).astype(np.int64)
    row_day = np.where(first, start, start + offset)
    keep = row_day <= export_day
    comp, label, row_day = comp[keep], stage[keep], row_day[keep]
    if comp.size > rounds:
        raise ValueError(f"rounds={rounds} is too few: {companies} companies' progressions "
                         f"alone take {comp.size}; ask for at least that many")

    # Fill with unstaged rounds to exactly ``rounds`` rows.
    fill = rounds - comp.size
    f_comp = rng.integers(0, n, fill)
    f_entry = np.where(day[f_comp, 1] >= 0, day[f_comp, 1], day[f_comp, 2])
    f_day = f_entry + (rng.random(fill) * (export_day - f_entry + 1)).astype(np.int64)
    f_label = len(LADDER) + (rng.random(fill) < UNSTAGED_OTHER_SHARE)
    comp = np.r_[comp, f_comp]
    label = np.r_[label, f_label]
    row_day = np.r_[row_day, f_day]

    labels = np.array(LADDER + UNSTAGED, dtype=object)
    medians = np.array([MEDIAN_USD[x] for x in labels])
    amount = np.round(medians[label] * np.exp(rng.normal(0.0, 1.0, rounds)), -3)
    amount[rng.random(rounds) < MISSING_AMOUNT_SHARE] = np.nan

    order = np.lexsort((comp, row_day))
    comp, label, row_day, amount = comp[order], label[order], row_day[order], amount[order]
    width = len(str(n - 1))
    names = np.array([f"c{i:0{width}d}" for i in range(n)], dtype=object)
    cat_names = np.array([f"category_{k:03d}" for k in range(categories)], dtype=object)
    dates = row_day.astype("datetime64[D]").astype("datetime64[ns]")
    return pd.DataFrame({
        "company": names[comp],
        "category": cat_names[category[comp]],
        "round": labels[label],
        "date": dates,
        "amount_usd": amount,
        "source": f"synthetic: bench/make_rounds.py seed {seed}",
        "original_round": labels[label],
    }, columns=list(COLUMNS))


def _day(iso: str) -> int:
    """Days since 1970-01-01."""
    return int(np.datetime64(iso, "D").astype(np.int64))


def write_rounds(frame: pd.DataFrame, path: Path, *, force: bool = False) -> Path:
    """Write ``frame`` as CSV, .csv.gz or .parquet (by suffix), atomically.

    Raises FileExistsError when ``path`` exists and ``force`` is false.
    """
    path = Path(path)
    name = path.name
    if not name.endswith((".csv", ".csv.gz", ".parquet")):
        raise ValueError(f"{path}: the name must end in .csv, .csv.gz or .parquet")
    if path.exists() and not force:
        raise FileExistsError(f"{path}: already exists; pass --force to replace it")
    tmp = path.with_name(f".{name}.tmp")
    try:
        if name.endswith(".parquet"):
            frame.to_parquet(tmp, index=False)
        else:
            out = frame.copy()
            out["date"] = out["date"].dt.strftime("%Y-%m-%d")
            compression = {"method": "gzip", "compresslevel": 6, "mtime": 0} if name.endswith(".gz") else None
            out.to_csv(tmp, index=False, compression=compression, float_format="%.0f")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.make_rounds", description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, required=True, help="FILE.csv, FILE.csv.gz or FILE.parquet")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS)
    parser.add_argument("--companies", type=int, default=DEFAULT_COMPANIES)
    parser.add_argument("--categories", type=int, default=DEFAULT_CATEGORIES)
    parser.add_argument("--cohort-years", type=int, default=DEFAULT_COHORT_YEARS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists")
    args = parser.parse_args(argv)
    try:
        if args.output.exists() and not args.force:
            raise FileExistsError(f"{args.output}: already exists; pass --force to replace it")
        frame = make_rounds(args.rounds, args.companies, args.categories, args.cohort_years, args.seed)
        write_rounds(frame, args.output, force=args.force)
    except (ValueError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {len(frame)} rounds of {frame['company'].nunique()} companies to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
