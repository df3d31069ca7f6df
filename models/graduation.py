"""Funding graduation: cohort rates, time to the next round, exits as competing events.

A company enters the cohort of ``from_round`` on the date of its first round of that
stage (dated on or before ``as_of``). It *graduates* on the date of its first round of
``to_round`` -- or, with ``include_later_stages=True`` (the default), of any later
stage: a company that skipped the Series A and raised a Series B has cleared the
seed-to-A hurdle. Everything dated after ``as_of`` is dropped before any
calculation, so a result as of D never changes when later rows are added.

Definitions (details and sources in ``docs/models/graduation_economics.md``):

* Stage order: ``STAGES``; ``venture_unlabeled`` and ``other`` rounds carry no stage
  and are ignored.
* Durations are whole days between dates, reported in months of ``DAYS_PER_MONTH``
  days (a Julian year / 12), so 24 months = 730.5 days.
* The unit is a company, or with ``by`` including ``"category"`` a (category, company)
  pair: a company listed under two categories enters both. The graduating round and
  the exit are the company's, whatever category those rows carry.
* A company whose first graduating round is dated before its entry (data that put the
  Series A before the seed) is left out: it never waited at ``from_round``.
* Exits: the company's first exit dated on or after its entry. An exit on the same day
  as the graduating round counts as graduation. Exits dated after ``as_of`` are
  ignored (the company is censored at ``as_of``).
* Cohort rates ignore exits: a company acquired before raising its Series A simply did
  not graduate. The Kaplan-Meier curve censors a company at its exit; the
  Aalen-Johansen curves treat the exit as a competing event.

Speed: rounds are reduced to companies with integer codes (a categorical column's own
codes, as gapscore's loader returns them; otherwise one ``pd.factorize``) and
``np.minimum.at``; all groups' survival curves come from one vectorised pass
(``gapscore.models.survival``). On categoricals no string is hashed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit
from gapscore.models._intervals import norm  # scipy.stats.norm's numbers without importing scipy.stats
from gapscore.models._intervals import proportion_confint  # statsmodels' Wilson interval, same numbers

from gapscore.models._frontier import to_timestamp
from gapscore.models.exceptions import InputError
from gapscore.models.survival import _aj_arrays, _check_level, _km_arrays

from gapscore.models.rounds import ROUND_LABELS, STAGES, UNSTAGED_ROUNDS  # noqa: E402,F401

#: Every accepted exit ``kind``.
EXIT_KINDS: tuple[str, ...] = ("acquired", "ipo", "closed")

#: Days in one month of duration: a Julian year (365.25 days) / 12 = 30.4375 days.
DAYS_PER_MONTH = 365.25 / 12

#: Default graduation window, in months: two years after the entry round, the window
#: of the project brief and of commonly published seed-to-Series-A graduation charts.
DEFAULT_WINDOW_MONTHS = 24

#: Default coverage of every confidence interval.
DEFAULT_CI_LEVEL = 0.95

#: Cohort frequencies: by calendar year of entry or by calendar quarter.
COHORT_FREQS: tuple[str, ...] = ("year", "quarter")

#: Grouping keys accepted by ``by`` (alone or as a list, e.g. ``["category", "cohort"]``).
GROUP_KEYS: tuple[str, ...] = ("category", "cohort")

#: Iteration cap and step tolerance (log-odds) of the cohort-trend logistic fit.
_TREND_MAX_ITER = 100
_TREND_TOL = 1e-10
#: A fitted slope beyond this many log-odds per year means complete separation
#: (graduation perfectly predicted by cohort year): no finite estimate exists.
_TREND_SEPARATION_SLOPE = 20.0

#: Sentinel day number for "never happened" (far beyond any real date, no overflow).
_NEVER = np.iinfo(np.int64).max // 4

__all__ = [
    "STAGES",
    "UNSTAGED_ROUNDS",
    "ROUND_LABELS",
    "EXIT_KINDS",
    "DAYS_PER_MONTH",
    "DEFAULT_WINDOW_MONTHS",
    "DEFAULT_CI_LEVEL",
    "COHORT_FREQS",
    "GROUP_KEYS",
    "GraduationResult",
    "company_outcomes",
    "cohort_graduation",
    "kaplan_meier",
    "cumulative_incidence",
    "cohort_trend",
    "fit_graduation",
    "curve_at",
]


# --------------------------------------------------------------------------- input

def _as_of(value: object) -> pd.Timestamp:
    return to_timestamp(value, "as_of")


def _require_columns(frame: object, name: str, columns: Iterable[str]) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{name} must be a pandas DataFrame. Got {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{name} is missing column(s) {missing}; it has {list(frame.columns)}. "
            f"Add them (see docs/models/graduation_economics.md)."
        )
    return frame


def _dates(column: pd.Series, name: str) -> np.ndarray:
    """The column as timezone-naive ``datetime64`` values; NaT is an error."""
    dtype = column.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        column = column.dt.tz_localize(None)
    elif not pd.api.types.is_datetime64_dtype(dtype):
        raise InputError(
            f"{name} must have dtype datetime64. Got {dtype} instead; "
            f"parse it with pd.to_datetime first."
        )
    values = column.to_numpy()
    if not _any_missing_date(values):  # one reduction; the per-row mask only to report
        return values
    missing = np.isnat(values)
    if missing.any():
        raise InputError(
            f"{name} has {int(missing.sum())} missing date(s), e.g. at row(s) "
            f"{list(column.index[missing][:5])}. Every row must be dated."
        )
    return values


def _any_missing_date(values: np.ndarray) -> bool:
    """Whether a datetime64 array holds NaT: NaT is the smallest int64, so one ``min``
    reduction tells, without a per-row mask."""
    return values.size > 0 and int(values.view(np.int64).min()) == np.iinfo(np.int64).min


#: Ticks per day of the datetime64 units pandas and numpy use.
_TICKS_PER_DAY = {"D": 1, "h": 24, "m": 1440, "s": 86_400, "ms": 86_400_000,
                  "us": 86_400_000_000, "ns": 86_400_000_000_000}


def _day_numbers(values: np.ndarray, dtype: type = np.int64) -> np.ndarray:
    """Whole days since 1970-01-01 (floored), as int64 (or ``dtype``: int32 holds every
    day a datetime64[ns] can be, +-292 years)."""
    unit, count = np.datetime_data(values.dtype)
    if unit in _TICKS_PER_DAY and count == 1:
        # Integer floor division: the same as astype("datetime64[D]"), several times faster,
        # written straight into the requested type (no int64 array in between).
        return np.floor_divide(values.view(np.int64), _TICKS_PER_DAY[unit], out=np.empty(values.shape, dtype),
                               casting="unsafe")
    return values.astype("datetime64[D]").astype(dtype)


def _label_positions(column: pd.Series, labels: tuple[str, ...], name: str):
    """Codes of the column's distinct values, and each value's position in ``labels``.

    A categorical column's own codes are used, else ``pd.factorize``. Unknown or
    missing labels are an error.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        raw, found = column.array.codes, column.cat.categories
    else:
        raw, found = pd.factorize(column)
    position = pd.Index(labels).get_indexer(np.asarray(found, dtype=object))
    unknown = np.flatnonzero(position < 0)
    if not unknown.size and not (raw.size and raw.min() < 0):  # one reduction: every row known
        return raw, position
    bad = raw < 0
    if unknown.size:  # a categorical may carry unused unknown categories: check the rows
        bad |= np.isin(raw, unknown)
    if bad.any():
        examples = pd.unique(column[bad].astype(object))[:5]
        raise InputError(
            f"{name} has {int(bad.sum())} row(s) with an unknown value, e.g. "
            f"{[str(v) for v in examples]}. Allowed: {list(labels)}."
        )
    return raw, position


def _label_codes(column: pd.Series, labels: tuple[str, ...], name: str) -> np.ndarray:
    """Position of every row's label in ``labels``; unknown or missing labels are an error."""
    raw, position = _label_positions(column, labels, name)
    return position[raw].astype(np.int64)


def _label_masks(column: pd.Series, labels: tuple[str, ...], name: str,
                 wanted: Iterable[Iterable[str]]) -> list[np.ndarray]:
    """For each set of labels in ``wanted``, whether each row's label is in it.

    Compares the codes of the few distinct labels: several times faster than a
    per-row lookup on millions of rows.
    """
    raw, position = _label_positions(column, labels, name)
    masks = []
    for group in wanted:
        codes = [code for code, at in enumerate(position.tolist()) if at >= 0 and labels[at] in group]
        mask = None
        for low, high in _runs(codes):  # a run of consecutive codes: two comparisons, not one per code
            # Python ints keep the comparisons in the codes' small type.
            part = raw == low if low == high else (raw >= low) & (raw <= high)
            mask = part if mask is None else np.logical_or(mask, part, out=mask)
        masks.append(np.zeros(raw.size, dtype=bool) if mask is None else mask)
    return masks


def _runs(codes: list[int]) -> list[tuple[int, int]]:
    """Sorted distinct ``codes`` as runs of consecutive integers, ``(first, last)`` each."""
    runs: list[tuple[int, int]] = []
    for code in codes:
        if runs and code == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], code)
        else:
            runs.append((code, code))
    return runs


def _stage(value: object, name: str) -> int:
    if value not in STAGES:
        raise InputError(f"The {name!r} parameter must be one of {list(STAGES)}. Got {value!r}.")
    return STAGES.index(value)


def _categories(categories: object) -> list | None:
    if categories is None:
        return None
    if isinstance(categories, str):
        return [categories]
    try:
        return list(categories)
    except TypeError as exc:
        raise InputError(
            f"The 'categories' parameter must be a list of category names or None. "
            f"Got {categories!r}."
        ) from exc


def _window(within_months: object) -> float:
    if (
        isinstance(within_months, bool)
        or not isinstance(within_months, (int, float, np.integer, np.floating))
        or not np.isfinite(within_months)
        or within_months <= 0
    ):
        raise InputError(
            f"The 'within_months' parameter must be a positive number of months. "
            f"Got {within_months!r} instead."
        )
    return float(within_months)


# --------------------------------------------------------------------------- units


def _by(by: object, *, allow_cohort: bool = True) -> tuple[str, ...]:
    """Normalise ``by`` to a tuple of grouping keys."""
    keys = () if by is None else (by,) if isinstance(by, str) else by
    try:
        keys = tuple(keys)
    except TypeError:
        keys = (by,)
    allowed = GROUP_KEYS if allow_cohort else ("category",)
    if any(k not in allowed for k in keys) or len(set(keys)) != len(keys):
        raise InputError(
            f"The 'by' parameter must be None, one of {list(allowed)} or a list of them "
            f"without repeats. Got {by!r}."
        )
    return keys


@dataclass(frozen=True)
class _Units:
    """One row per company (or category-company pair) that entered ``from_round``."""

    category: np.ndarray  # int64 code into category_labels (0 when not by category)
    category_labels: np.ndarray | None  # sorted categories with units, or None
    company_code: np.ndarray  # int64 code into company_labels
    company_labels: pd.Index
    entry: np.ndarray  # int64 day of the first from_round round
    graduation: np.ndarray  # int64 day of the first graduating round, or _NEVER
    exit: np.ndarray | None  # int64 day of the first exit on/after entry, or _NEVER; None: no exits given
    exit_kind: np.ndarray | None  # exit kind code into EXIT_KINDS, or -1; None: no exits given
    as_of: int | np.ndarray  # day number of as_of, or each unit's last day of follow-up (censor_at)


def _keyed_units(rounds, exits, by, *, allow_cohort: bool = True, **selection) -> tuple[tuple[str, ...], _Units]:
    """The grouping keys of ``by`` and the units, split by category when a key asks for it."""
    keys = _by(by, allow_cohort=allow_cohort)
    return keys, _units(rounds, exits, by_category="category" in keys, **selection)


def _units(
    rounds: pd.DataFrame,
    exits: pd.DataFrame | None,
    *,
    from_round: str,
    to_round: str,
    as_of: object,
    categories: object,
    by_category: bool,
    include_later_stages: bool,
    censor_at: pd.Series | None = None,
) -> _Units:
    """Reduce rounds (and exits) to per-unit entry, graduation and exit days."""
    cats = _categories(categories)
    need = ["company", "round", "date"]
    if by_category or cats is not None:
        need.append("category")
    rounds = _require_columns(rounds, "rounds", need)
    start, target = _stage(from_round, "from_round"), _stage(to_round, "to_round")
    if target <= start:
        raise InputError(
            f"The 'to_round' parameter must be a later stage than from_round={from_round!r}. "
            f"Got to_round={to_round!r}."
        )
    stamp = _as_of(as_of)
    as_of_day = int(_day_numbers(np.array([stamp.to_datetime64()]))[0])

    later = STAGES[target:] if include_later_stages else (STAGES[target],)
    entry_mask, grad_mask = _label_masks(rounds["round"], ROUND_LABELS, "rounds['round']",
                                         [(STAGES[start],), later])
    dates = _dates(rounds["date"], "rounds['date']")
    grad_rows, grad_days = _dated_rows(grad_mask, dates, stamp)
    entry_rows, entry_days = _dated_rows(entry_mask, dates, stamp)
    del entry_mask, grad_mask

    exit_table = _exit_table(exits, stamp)
    (grad_comp, entry_comp), exit_comp, comp_labels = _company_codes(
        rounds["company"], (grad_rows, entry_rows), None if exit_table is None else exit_table[0]
    )
    n_comp = max(len(comp_labels), 1)
    first_grad = _first_days(grad_comp, grad_days, n_comp)  # int32; widened per unit below

    if cats is not None:
        wanted = _isin(rounds["category"], entry_rows, cats)
        entry_rows, entry_comp, entry_days = entry_rows[wanted], entry_comp[wanted], entry_days[wanted]
    if by_category:
        cat, cat_labels = _codes(rounds["category"], entry_rows, "rounds['category']")
        unit_comp, unit_cat, unit_entry = _category_units(cat, entry_comp, entry_days, n_comp, first_grad)
    else:
        first_entry = _first_days(entry_comp, entry_days, n_comp)
        unit_comp = _entered(first_entry, first_grad)
        unit_entry = first_entry[unit_comp].astype(np.int64)
        unit_cat = np.zeros(unit_comp.size, dtype=np.int64)
    unit_grad = _wide(first_grad[unit_comp])
    category_labels = None
    if by_category:
        unit_cat, category_labels = _sorted_groups(unit_cat, cat_labels)
    if exit_table is None:
        unit_exit = unit_kind = None
    else:
        unit_exit, unit_kind = _first_exits(
            exit_comp, exit_table[1], exit_table[2], unit_comp, unit_entry
        )
    return _Units(
        category=unit_cat,
        category_labels=category_labels,
        company_code=unit_comp,
        company_labels=comp_labels,
        entry=unit_entry,
        graduation=unit_grad,
        exit=unit_exit,
        exit_kind=unit_kind,
        as_of=as_of_day if censor_at is None else _follow_up_ends(rounds, censor_at, comp_labels, unit_comp, as_of_day),
    )


def _follow_up_ends(rounds: pd.DataFrame, censor_at: pd.Series, labels: pd.Index, unit_comp: np.ndarray,
                    as_of_day: int) -> np.ndarray:
    """Each unit's last day of follow-up: the latest ``censor_at`` among its company's rows
    (the end of the data each row came from), never after ``as_of``."""
    if len(censor_at) != len(rounds):
        raise InputError(f"censor_at must give one date per round row ({len(rounds)}). Got {len(censor_at)} instead.")
    ends = pd.Series(_dates(pd.Series(np.asarray(censor_at)), "censor_at")).groupby(np.asarray(rounds["company"])).max()
    days = _day_numbers(ends.reindex(labels[unit_comp]).to_numpy(dtype="datetime64[ns]"))
    return np.minimum(days, as_of_day)


def _dated_rows(mask: np.ndarray, dates: np.ndarray, stamp: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """The rows where ``mask`` holds that are dated on or before ``stamp``, and their day numbers.

    Dates are compared on the selected rows only, not on the whole table.
    """
    rows = np.flatnonzero(mask)
    when = np.take(dates, rows)
    # One reduction tells whether any row is dated after the stamp (the ticks of
    # datetime64: no NaT here, _dates refused it); the per-row mask only then.
    if when.size and np.array(when.view(np.int64).max()).view(when.dtype) > stamp.to_datetime64():
        known = when <= stamp.to_datetime64()
        rows, when = rows[known], when[known]
    return rows, _day_numbers(when, np.int32)  # what _first_days scatters


def _sorted_groups(code: np.ndarray, labels: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """Renumber groups so that only groups with units remain, in sorted label order."""
    present = np.flatnonzero(np.bincount(code, minlength=len(labels)))
    names = np.asarray(labels[present], dtype=object)
    order = np.argsort(names.astype(str), kind="stable")
    if present.size == len(labels) and np.array_equal(order, np.arange(order.size)):
        return code.astype(np.int64), names  # every group present, already in order (a loader's categories)
    remap = np.full(len(labels), -1, dtype=np.int64)
    remap[present[order]] = np.arange(present.size)
    return remap[code], names[order]


def _company_codes(
    column: pd.Series, row_sets: tuple[np.ndarray, ...], exit_companies: pd.Series | None
) -> tuple[list[np.ndarray], np.ndarray | None, pd.Index]:
    """Company codes of each set of rows and of the exits, on one shared set of labels.

    A categorical column's own codes are reused (no hashing); otherwise the rows'
    and the exits' companies are factorized together in one hash pass. Exit
    companies absent from the rounds get code -1 (or a code no unit uses).
    """
    sizes = np.cumsum([rows.size for rows in row_sets])[:-1]
    if isinstance(column.dtype, pd.CategoricalDtype):
        labels = column.cat.categories
        all_codes = column.array.codes
        codes = [np.take(all_codes, rows) for rows in row_sets]  # the categorical's small integer type: less to move
        if exit_companies is None:
            exit_codes = None
        elif isinstance(exit_companies.dtype, pd.CategoricalDtype) and (
            exit_companies.cat.categories.equals(labels)
        ):
            exit_codes = exit_companies.array.codes.astype(np.int64)
        else:
            exit_codes = np.asarray(labels.get_indexer(exit_companies), dtype=np.int64)
    else:
        parts = [column.take(np.concatenate(row_sets)).reset_index(drop=True)]
        if exit_companies is not None:
            parts.append(exit_companies.reset_index(drop=True))
        both = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        all_codes, labels = pd.factorize(both)
        labels = pd.Index(labels)
        n_rows = len(parts[0])
        codes = np.split(all_codes[:n_rows], sizes)
        exit_codes = None if exit_companies is None else all_codes[n_rows:].astype(np.int64)
    if any(c.size and c.min() < 0 for c in codes):
        raise InputError("rounds['company'] has missing values; every round needs a company.")
    return codes, exit_codes, labels


def _first_day(code: np.ndarray, day: np.ndarray, size: int) -> np.ndarray:
    """The earliest ``day`` of every code in ``[0, size)`` (``_NEVER`` where none), int64."""
    return _wide(_first_days(code, day, size))


#: ``_first_days``' value for a code without rows.
_NEVER32 = np.iinfo(np.int32).max


def _first_days(code: np.ndarray, day: np.ndarray, size: int) -> np.ndarray:
    """The earliest ``day`` of every code in ``[0, size)``, int32 (``_NEVER32`` where none).

    Scattered into an int32 array: half the memory traffic of int64, which is what
    bounds ``np.minimum.at`` on a million companies. Callers widen (``_wide``) only
    the entries they keep.
    """
    first = np.full(size, _NEVER32, dtype=np.int32)
    np.minimum.at(first, code, day.astype(np.int32, copy=False))
    return first


def _wide(first: np.ndarray) -> np.ndarray:
    """``_first_days`` values as int64 days, ``_NEVER`` where there was none."""
    # Arithmetic, not a masked write: about half the units never graduate, and a write
    # under such a random mask costs several times more (branches) than this.
    wide = first.astype(np.int64)
    wide += (first == _NEVER32) * np.int64(_NEVER - _NEVER32)
    return wide


def _codes(column: pd.Series, rows: np.ndarray, name: str) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of ``column`` at ``rows`` and their labels; a categorical's own codes are reused."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.array.codes[rows]
        labels = column.cat.categories
    else:
        codes, labels = pd.factorize(column.take(rows))
        labels = pd.Index(labels)
    if codes.size and codes.min() < 0:
        raise InputError(f"{name} has missing values; every row needs one.")
    return codes, labels


def _isin(column: pd.Series, rows: np.ndarray, values: list) -> np.ndarray:
    """Whether ``column`` at ``rows`` is one of ``values`` (a categorical: per category)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        wanted = np.append(column.cat.categories.isin(values), False)  # last slot: missing
        return wanted[column.array.codes[rows]]
    return np.asarray(column.take(rows).isin(values), dtype=bool)


def _entered(first: np.ndarray, first_grad: np.ndarray) -> np.ndarray:
    """Codes of the companies with an entry day (``first``) and no graduating round
    before it (``first_grad``; both ``_first_days`` arrays): a company whose Series A
    came before its seed never waited at ``from_round``."""
    return np.flatnonzero((first != _NEVER32) & (first_grad >= first))


def _category_units(cat: np.ndarray, comp: np.ndarray, day: np.ndarray, n_comp: int, first_grad: np.ndarray):
    """(company, category code, first day) of every category-company pair among entry
    rows, leaving out those that graduated before entering (``_entered``).

    Most companies are filed under one category: they are reduced by company code
    alone; only the rows of companies under several categories are hashed as pairs.
    The category codes are returned in the column's own integer type.
    """
    owner = np.full(n_comp, -1, dtype=cat.dtype)
    owner[comp] = cat  # some category of each company; a row that differs reveals a second one
    differs = np.take(owner, comp) != cat
    if not differs.any():
        first = _first_days(comp, day, n_comp)
        unit_comp = _entered(first, first_grad)
        return unit_comp, owner[unit_comp], first[unit_comp].astype(np.int64)
    several = np.zeros(n_comp, dtype=bool)
    several[comp[differs]] = True
    mixed = several[comp]
    single = ~mixed
    # np.compress, not a[mask]: several times faster on integer arrays here (numpy 2.4).
    first = _first_days(np.compress(single, comp), np.compress(single, day), n_comp)
    unit_comp = _entered(first, first_grad)
    pair_of_row, pairs = pd.factorize(np.compress(mixed, cat).astype(np.int64) * n_comp + np.compress(mixed, comp))
    pairs = np.asarray(pairs, dtype=np.int64)
    pair_entry = _first_day(pair_of_row, np.compress(mixed, day), len(pairs))
    pair_comp = pairs % n_comp
    ok = _wide(first_grad[pair_comp]) >= pair_entry
    return (np.concatenate([unit_comp, pair_comp[ok]]),
            np.concatenate([owner[unit_comp].astype(np.int64), (pairs // n_comp)[ok]]),
            np.concatenate([first[unit_comp].astype(np.int64), pair_entry[ok]]))


def _exit_table(exits: pd.DataFrame | None, stamp: pd.Timestamp):
    """Validated exits dated on or before ``as_of``: (company column, day, kind code)."""
    if exits is None:
        return None
    exits = _require_columns(exits, "exits", ["company", "date", "kind"])
    kind = _label_codes(exits["kind"], EXIT_KINDS, "exits['kind']")
    dates = _dates(exits["date"], "exits['date']")
    rows = np.flatnonzero(dates <= stamp.to_datetime64())
    company = exits["company"].take(rows)
    if company.isna().any():
        raise InputError("exits['company'] has missing values; every exit needs a company.")
    return company, _day_numbers(dates[rows]), kind[rows]


def _first_exits(e_comp, e_day, e_kind, unit_comp, unit_entry):
    """Each unit's first exit dated on or after its entry (exits already cut at as_of).

    Exits on the same day are ordered as ``EXIT_KINDS``. Most companies have at most
    one exit, so the company's first exit is looked up directly; only units whose
    company exited before their entry and again later are searched.
    """
    never = np.full(unit_comp.size, _NEVER, dtype=np.int64)
    no_kind = np.full(unit_comp.size, -1, dtype=np.int64)
    use = e_comp >= 0
    if not use.any() or unit_comp.size == 0:
        return never, no_kind
    e_comp, e_day, e_kind = e_comp[use], e_day[use], e_kind[use]
    n_kinds = len(EXIT_KINDS)
    base = min(int(e_day.min()), int(unit_entry.min()))
    n_comp = int(max(e_comp.max(), unit_comp.max())) + 1
    e_code = (e_day - base) * n_kinds + e_kind  # sorts by day, then kind
    first = np.full(n_comp, _NEVER, dtype=np.int64)
    np.minimum.at(first, e_comp, e_code)
    candidate = first[unit_comp]
    has = candidate != _NEVER
    cand_day = np.where(has, candidate // n_kinds + base, _NEVER)
    ok = has & (cand_day >= unit_entry)
    day = np.where(ok, cand_day, never)
    kind = np.where(ok, candidate % n_kinds, no_kind)
    redo = np.flatnonzero(has & ~ok & (np.bincount(e_comp, minlength=n_comp)[unit_comp] > 1))
    if redo.size:
        span = max(int(e_day.max()), int(unit_entry.max())) - base + 1
        e_key = np.sort(e_comp * (span * n_kinds) + e_code)
        query = unit_comp[redo] * (span * n_kinds) + (unit_entry[redo] - base) * n_kinds
        pos = np.searchsorted(e_key, query, side="left")
        safe = np.minimum(pos, e_key.size - 1)
        hit = (pos < e_key.size) & (e_key[safe] // (span * n_kinds) == unit_comp[redo])
        code = e_key[safe] % (span * n_kinds)
        day[redo] = np.where(hit, code // n_kinds + base, _NEVER)
        kind[redo] = np.where(hit, code % n_kinds, -1)
    return day.astype(np.int64), kind.astype(np.int64)


def _outcomes(units: _Units) -> tuple[np.ndarray, np.ndarray]:
    """Duration in days and cause (0 censored, 1 graduated, 2 exited) of every unit."""
    if units.exit is None:  # no exits given: none comes before graduation or ends a wait
        cause = (units.graduation <= units.as_of).astype(np.int64)
        end = np.minimum(units.graduation, units.as_of)
        end -= units.entry
        return end, cause
    exited = (units.exit < units.graduation) & (units.exit <= units.as_of)
    cause = (units.graduation <= units.as_of).astype(np.int64)
    cause[exited] = 2
    # The end is the first of exit, graduation and as_of: the exit only if it came first.
    end = np.minimum(np.minimum(units.exit, units.graduation), units.as_of)
    end -= units.entry
    return end, cause


# --------------------------------------------------------------------------- groups


def _cohort_keys(entry: np.ndarray, freq: str) -> tuple[np.ndarray, np.ndarray]:
    """Integer cohort key per unit and its position on a year axis (for the trend)."""
    if freq not in COHORT_FREQS:
        raise InputError(f"The 'freq' parameter must be one of {list(COHORT_FREQS)}. Got {freq!r}.")
    months = np.zeros(0, dtype=np.int64)
    if entry.size:
        # Calendar month of every day in the range, looked up rather than converted
        # per company (a few thousand days instead of a million conversions).
        lo = int(entry.min())
        days = np.arange(lo, int(entry.max()) + 1).astype("datetime64[D]")
        months = days.astype("datetime64[M]").astype(np.int64)[entry - lo]
    year = months // 12 + 1970
    if freq == "year":
        return year, year.astype(np.float64)
    quarter = (months % 12) // 3
    return year * 4 + quarter, year + quarter / 4.0


def _cohort_label(key: np.ndarray, freq: str) -> np.ndarray:
    """``2019`` for years, ``"2019Q3"`` for quarters."""
    if freq == "year":
        return np.asarray(key, dtype=np.int64)
    return np.array([f"{k // 4}Q{k % 4 + 1}" for k in np.asarray(key).tolist()], dtype=object)


@dataclass(frozen=True)
class _Grouping:
    """Group code of every unit and the label columns of every group."""

    code: np.ndarray  # int64 per unit, in [0, size)
    labels: dict[str, np.ndarray]  # column name -> label per group
    size: int


def _grouping(units: _Units, keys: tuple[str, ...], freq: str) -> _Grouping:
    """Combine category and/or cohort into one sorted group code per unit."""
    if freq not in COHORT_FREQS:
        raise InputError(f"The 'freq' parameter must be one of {list(COHORT_FREQS)}. Got {freq!r}.")
    code = np.zeros(units.entry.size, dtype=np.int64)
    parts: list[tuple[str, np.ndarray, np.ndarray]] = []  # (name, per-unit code, labels)
    for key in keys:
        if key == "category":
            parts.append((key, units.category, units.category_labels))
        else:
            cohort, _ = _cohort_keys(units.entry, freq)
            if cohort.size == 0:
                parts.append((key, cohort, _cohort_label(cohort, freq)))
                continue
            lo = int(cohort.min())
            seen = np.flatnonzero(np.bincount(cohort - lo))  # cohorts present, in order
            rank = np.full(int(seen[-1]) + 1, -1, dtype=np.int64)
            rank[seen] = np.arange(seen.size)
            parts.append((key, rank[cohort - lo], _cohort_label(seen + lo, freq)))
    if not parts:
        return _Grouping(code, {}, 1)
    if len(parts) == 1:  # categories (_sorted_groups) and cohorts (ranked) are numbered 0.. in order, all present
        name, part, labels = parts[0]
        return _Grouping(np.asarray(part, dtype=np.int64), {name: labels}, len(labels))
    radix = 1
    for _, part, labels in parts:
        code = code * len(labels) + part
        radix *= len(labels)
    present = np.flatnonzero(np.bincount(code, minlength=radix))
    remap = np.full(radix, -1, dtype=np.int64)
    remap[present] = np.arange(present.size)
    columns: dict[str, np.ndarray] = {}
    rest = present.copy()
    for name, _, labels in reversed(parts):
        columns[name] = labels[rest % len(labels)]
        rest //= len(labels)
    return _Grouping(remap[code], {k: columns[k] for k in keys}, present.size)


def _labelled(grouping: _Grouping, group: np.ndarray, body: dict[str, object]) -> pd.DataFrame:
    """A frame with the grouping's label columns (for ``group`` codes) then ``body``."""
    data: dict[str, object] = {}
    for name, labels in grouping.labels.items():
        # dtype inferred once on the few labels (pandas' text dtype for names), then
        # taken per row: no per-row inference or conversion of repeated strings.
        data[name] = pd.Index(labels).array.take(group) if group.size else labels[:0]
    data.update(body)
    return pd.DataFrame(data)


# --------------------------------------------------------------------------- pieces


def _cohort_counts(units: _Units, grouping: _Grouping, window_days: float, freq: str):
    """Per (group, cohort) with an eligible unit: key, year position, entered, n, graduated."""
    key, position = _cohort_keys(units.entry, freq)
    eligible = (units.as_of - units.entry) >= window_days
    success = eligible & ((units.graduation - units.entry) <= window_days)
    if key.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), empty, empty, empty
    k0 = int(key.min())
    span = int(key.max()) - k0 + 1
    cell = grouping.code * span + (key - k0)
    size = grouping.size * span
    entered = np.bincount(cell, minlength=size)
    n = np.bincount(cell[eligible], minlength=size)
    graduated = np.bincount(cell[success], minlength=size)
    pos = np.zeros(size)
    pos[cell] = position
    rows = np.flatnonzero(n > 0)
    return rows // span, rows % span + k0, pos[rows], entered[rows], n[rows], graduated[rows]


def _cohort_frame(units, grouping, window_days, freq, ci_level) -> pd.DataFrame:
    group, key, _, entered, n, graduated = _cohort_counts(units, grouping, window_days, freq)
    if n.size:
        low, high = proportion_confint(graduated, n, alpha=1.0 - ci_level, method="wilson")
    else:
        low = high = np.zeros(0)
    body = {
        "cohort": _cohort_label(key, freq),
        "entered": entered.astype(np.int64),
        "n": n.astype(np.int64),
        "graduated": graduated.astype(np.int64),
        "rate": graduated / np.where(n > 0, n, 1),
        "low": np.asarray(low, dtype=np.float64),
        "high": np.asarray(high, dtype=np.float64),
    }
    return _labelled(grouping, group, body)


def _logistic_trend(group, x, successes, trials, n_groups):
    """Binomial logit ``graduated ~ 1 + x`` fitted by Newton-Raphson in every group at once.

    Aggregated binomial counts give the same estimates and standard errors as the
    0/1-per-company regression (the likelihoods differ by a constant).
    """
    y = successes.astype(np.float64)
    m = trials.astype(np.float64)
    center = float(np.average(x, weights=m)) if m.sum() > 0 else 0.0
    xc = x - center
    tot_y = np.bincount(group, weights=y, minlength=n_groups)
    tot_m = np.bincount(group, weights=m, minlength=n_groups)
    x_min = np.full(n_groups, np.inf)
    x_max = np.full(n_groups, -np.inf)
    np.minimum.at(x_min, group, xc)
    np.maximum.at(x_max, group, xc)
    # (Quasi-)complete separation: every failure at or before every success (or the
    # reverse) in cohort order; the likelihood then has no maximum at a finite slope.
    inf = np.full(n_groups, np.inf)
    fail_min, fail_max, succ_min, succ_max = inf.copy(), -inf, inf.copy(), -inf
    fails, succs = m - y > 0, y > 0
    np.minimum.at(fail_min, group[fails], xc[fails])
    np.maximum.at(fail_max, group[fails], xc[fails])
    np.minimum.at(succ_min, group[succs], xc[succs])
    np.maximum.at(succ_max, group[succs], xc[succs])
    separated = (fail_max <= succ_min) | (succ_max <= fail_min)
    ok = (tot_y > 0) & (tot_y < tot_m) & (x_max > x_min) & ~separated
    rate = np.where(ok, tot_y / np.where(tot_m > 0, tot_m, 1.0), 0.5)
    a = np.log(rate / (1.0 - rate))
    b = np.zeros(n_groups)

    def loglik(a_, b_):
        eta = a_[group] + b_[group] * xc
        return np.bincount(group, weights=y * eta - m * np.logaddexp(0.0, eta), minlength=n_groups)

    def curvature(a_, b_):
        p = expit(a_[group] + b_[group] * xc)
        w = m * p * (1.0 - p)
        r = y - m * p
        return (
            np.bincount(group, weights=r, minlength=n_groups),
            np.bincount(group, weights=r * xc, minlength=n_groups),
            np.bincount(group, weights=w, minlength=n_groups),
            np.bincount(group, weights=w * xc, minlength=n_groups),
            np.bincount(group, weights=w * xc * xc, minlength=n_groups),
        )

    converged = np.zeros(n_groups, dtype=bool)
    active = ok.copy()
    current = loglik(a, b)
    for _ in range(_TREND_MAX_ITER):
        if not active.any():
            break
        s0, s1, h00, h01, h11 = curvature(a, b)
        det = h00 * h11 - h01 * h01
        with np.errstate(divide="ignore", invalid="ignore"):
            da = np.where(active, (h11 * s0 - h01 * s1) / det, 0.0)
            db = np.where(active, (h00 * s1 - h01 * s0) / det, 0.0)
        bad = active & ~(np.isfinite(da) & np.isfinite(db))
        active &= ~bad
        da[~active] = 0.0
        db[~active] = 0.0
        step = np.ones(n_groups)
        for _halving in range(30):
            trial = loglik(a + step * da, b + step * db)
            worse = active & (trial < current - 1e-12 * np.abs(current))
            if not worse.any():
                break
            step[worse] /= 2.0
        a = a + step * da
        b = b + step * db
        current = loglik(a, b)
        done = active & (np.maximum(np.abs(step * da), np.abs(step * db)) < _TREND_TOL)
        converged |= done
        active &= ~done
    _, _, h00, h01, h11 = curvature(a, b)
    det = h00 * h11 - h01 * h01
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(h00 / det)
    converged &= ok & np.isfinite(se) & (np.abs(b) < _TREND_SEPARATION_SLOPE)
    return np.where(converged, b, np.nan), np.where(converged, se, np.nan), converged


def _trend_frame(units, grouping, window_days, freq, ci_level) -> pd.DataFrame:
    group, _, position, _, n, graduated = _cohort_counts(units, grouping, window_days, freq)
    size = grouping.size
    slope, se, converged = _logistic_trend(group, position, graduated, n, size)
    z = norm.ppf(0.5 + ci_level / 2.0)
    with np.errstate(invalid="ignore", over="ignore"):
        p_value = 2.0 * norm.sf(np.abs(slope / se))
        odds, low, high = np.exp(slope), np.exp(slope - z * se), np.exp(slope + z * se)
    body = {
        "n": np.bincount(group, weights=n, minlength=size).astype(np.int64),
        "cohorts": np.bincount(group, minlength=size).astype(np.int64),
        "slope": slope,
        "se": se,
        "odds_ratio": odds,
        "low": low,
        "high": high,
        "p_value": p_value,
        "converged": converged,
    }
    return _labelled(grouping, np.arange(size), body)


def _survival_frame(units: _Units, grouping: _Grouping, ci_level: float) -> pd.DataFrame:
    days, cause = _outcomes(units)
    status = cause if units.exit is None else (cause == 1).astype(np.int64)  # without exits cause is 0 or 1
    counts, columns = _km_arrays(days, grouping.code, grouping.size, status, ci_level)
    body = {"months": counts.time / DAYS_PER_MONTH, **columns}
    return _labelled(grouping, counts.group, body)


def _incidence_frame(units: _Units, grouping: _Grouping) -> pd.DataFrame:
    days, cause = _outcomes(units)
    counts, columns = _aj_arrays(days, grouping.code, grouping.size, cause, 2)
    body = {
        "months": counts.time / DAYS_PER_MONTH,
        "graduated": columns["cif_1"],
        "exited": columns["cif_2"],
        "still_waiting": columns["survival"],
        "at_risk": columns["at_risk"],
        "graduations": columns["events_1"],
        "exits": columns["events_2"],
    }
    return _labelled(grouping, counts.group, body)


# --------------------------------------------------------------------------- public


@dataclass(frozen=True)
class GraduationResult:
    """Everything ``fit_graduation`` measures about one ``from_round -> to_round`` step.

    Attributes
    ----------
    cohorts : DataFrame
        ``cohort_graduation`` output.
    survival : DataFrame
        ``kaplan_meier`` output (exits, if given, censor a company).
    incidence : DataFrame
        ``cumulative_incidence`` output (exits as competing events).
    trend : DataFrame
        ``cohort_trend`` output.
    from_round, to_round : str
        The step measured.
    within_months : float
        The graduation window of ``cohorts`` and ``trend``.
    as_of : pd.Timestamp
        The point in time of every part.
    """

    cohorts: pd.DataFrame
    survival: pd.DataFrame
    incidence: pd.DataFrame
    trend: pd.DataFrame
    from_round: str
    to_round: str
    within_months: float
    as_of: pd.Timestamp


def company_outcomes(
    rounds: pd.DataFrame,
    exits: pd.DataFrame | None = None,
    *,
    from_round: str = "seed",
    to_round: str = "series_a",
    as_of: object,
    categories: Iterable[str] | None = None,
    by: str | None = None,
    include_later_stages: bool = True,
) -> pd.DataFrame:
    """One row per company (or category-company pair) that entered ``from_round``.

    The table every other function in this module summarises, for inspection.

    Returns
    -------
    DataFrame
        ``[category], company, entry, graduation, exit, exit_kind, months, outcome``:
        ``graduation`` / ``exit`` are NaT if none by ``as_of`` (``exit`` only counts
        from the entry on), ``months`` runs from entry to the first of graduation, exit
        or ``as_of``, and ``outcome`` is ``"graduated"``, ``"exited"`` or ``"waiting"``
        (censored). Sorted by ``[category], entry, company``.
    """
    keys, units = _keyed_units(rounds, exits, by, allow_cohort=False, from_round=from_round, to_round=to_round,
                               as_of=as_of, categories=categories, include_later_stages=include_later_stages)
    days, cause = _outcomes(units)

    def to_dates(day: np.ndarray) -> np.ndarray:
        out = day.astype("datetime64[D]").astype("datetime64[ns]")
        out[day >= _NEVER] = np.datetime64("NaT")
        return out

    data: dict[str, object] = {}
    if keys:
        data["category"] = units.category_labels[units.category]
    kinds = np.asarray(EXIT_KINDS + (None,), dtype=object)
    data.update(
        {
            "company": np.asarray(units.company_labels, dtype=object)[units.company_code],
            "entry": to_dates(units.entry),
            "graduation": to_dates(units.graduation),
            "exit": to_dates(np.full(units.entry.size, _NEVER) if units.exit is None else units.exit),
            "exit_kind": kinds[np.full(units.entry.size, -1) if units.exit_kind is None else units.exit_kind],
            "months": days / DAYS_PER_MONTH,
            "outcome": np.asarray(["waiting", "graduated", "exited"], dtype=object)[cause],
        }
    )
    frame = pd.DataFrame(data)
    order = (["category"] if keys else []) + ["entry", "company"]
    return frame.sort_values(order, kind="stable").reset_index(drop=True)


def _cohort_inputs(rounds, from_round, to_round, within_months, as_of, freq, categories, by,
                   ci_level, include_later_stages, censor_at=None):
    """What cohort rates and the cohort trend both start from (no exits: cohorts ignore them)."""
    level = _check_level(ci_level)
    window_days = _window(within_months) * DAYS_PER_MONTH
    keys, units = _keyed_units(rounds, None, by, allow_cohort=False, from_round=from_round, to_round=to_round,
                               as_of=as_of, categories=categories, include_later_stages=include_later_stages,
                               censor_at=censor_at)
    return level, window_days, units, _grouping(units, keys, freq)


def cohort_graduation(
    rounds: pd.DataFrame,
    *,
    from_round: str = "seed",
    to_round: str = "series_a",
    within_months: float = DEFAULT_WINDOW_MONTHS,
    as_of: object,
    freq: str = "year",
    categories: Iterable[str] | None = None,
    by: str | None = None,
    ci_level: float = DEFAULT_CI_LEVEL,
    include_later_stages: bool = True,
    censor_at: pd.Series | None = None,
) -> pd.DataFrame:
    """Share of each entry cohort that reached ``to_round`` within ``within_months``.

    A company counts toward its cohort's rate only once its whole window has passed:
    ``entry + within_months <= as_of`` (months of ``DAYS_PER_MONTH`` days).

    Parameters
    ----------
    by : None or "category"
        One table per category (long format) instead of one pooled table.
    include_later_stages : bool
        If True, a round of any stage after ``to_round`` also counts as graduating.
    censor_at : Series of dates, optional
        One per row of ``rounds``: the end of the data the row came from. A company is
        followed until the latest end among its rows (never past ``as_of``), so rows
        from a source that stopped early are censored where that source stops, not at
        the end of the newest source mixed in with them.

    Returns
    -------
    DataFrame
        ``[category], cohort, entered, n, graduated, rate, low, high``: ``entered``
        counts every company of the cohort, ``n`` those whose window has closed,
        ``rate = graduated / n`` with a Wilson interval (statsmodels
        ``proportion_confint``). ``cohort`` is the entry year (int) or ``"YYYYQn"``
        for ``freq="quarter"``. Cohorts with ``n == 0`` are omitted.

    Examples
    --------
    >>> rounds = pd.DataFrame({
    ...     "company": ["a", "a", "b", "c"], "category": "x",
    ...     "round": ["seed", "series_a", "seed", "seed"],
    ...     "date": pd.to_datetime(["2019-01-10", "2020-03-01", "2019-05-01", "2023-01-01"]),
    ... })
    >>> cohort_graduation(rounds, as_of="2024-01-01")[["cohort", "n", "graduated", "rate"]]
       cohort  n  graduated  rate
    0    2019  2          1   0.5
    """
    level, window_days, units, grouping = _cohort_inputs(
        rounds, from_round, to_round, within_months, as_of, freq, categories, by, ci_level,
        include_later_stages, censor_at,
    )
    return _cohort_frame(units, grouping, window_days, freq, level)


def kaplan_meier(
    rounds: pd.DataFrame,
    exits: pd.DataFrame | None = None,
    *,
    from_round: str = "seed",
    to_round: str = "series_a",
    as_of: object,
    categories: Iterable[str] | None = None,
    by: str | Iterable[str] | None = None,
    freq: str = "year",
    ci_level: float = DEFAULT_CI_LEVEL,
    include_later_stages: bool = True,
) -> pd.DataFrame:
    """Kaplan-Meier probability of still not having raised ``to_round``, by months.

    Time runs from the entry round; a company is censored at ``as_of`` or, if
    ``exits`` is given, at its exit (the curve then answers "had it stayed in play";
    see ``cumulative_incidence`` for the competing-risk view).

    Parameters
    ----------
    by : None, "category", "cohort" or a list of them
        One curve per group (long format); ``"cohort"`` groups by entry year (or
        quarter, with ``freq="quarter"``).

    Returns
    -------
    DataFrame
        ``[by...], months, probability, se, low, high, at_risk, events`` at every month
        value with a graduation; ``se`` is Greenwood's and ``low``/``high`` pointwise
        log-log limits. Equal to statsmodels ``SurvfuncRight`` on the same durations.
        Before the first row of a group its probability is 1.
    """
    level = _check_level(ci_level)
    keys, units = _keyed_units(rounds, exits, by, from_round=from_round, to_round=to_round,
                               as_of=as_of, categories=categories, include_later_stages=include_later_stages)
    return _survival_frame(units, _grouping(units, keys, freq), level)


def cumulative_incidence(
    rounds: pd.DataFrame,
    exits: pd.DataFrame | None = None,
    *,
    from_round: str = "seed",
    to_round: str = "series_a",
    as_of: object,
    categories: Iterable[str] | None = None,
    by: str | Iterable[str] | None = None,
    freq: str = "year",
    include_later_stages: bool = True,
) -> pd.DataFrame:
    """Aalen-Johansen cumulative incidence of graduation and of exit before graduating.

    Worked example (four companies, months from entry): A raises its Series A at 1,
    B is acquired at 2, C is censored (``as_of``) at 3, D raises at 4. At month 1 all
    four are at risk, so graduated = 1/4 and S = 3/4. At month 2 three are at risk:
    exited = S(2-) * 1/3 = 3/4 * 1/3 = 1/4, S = 1/2. C leaves the risk set at 3 without
    an event. At month 4 only D is at risk: graduated = 1/4 + S(4-) * 1/1 = 1/4 + 1/2 =
    3/4, S = 0; so graduated + exited + still_waiting = 3/4 + 1/4 + 0 = 1.

    Returns
    -------
    DataFrame
        ``[by...], months, graduated, exited, still_waiting, at_risk, graduations,
        exits`` at every month value with a graduation or an exit. ``graduated`` is
        the probability of having raised ``to_round`` by then, ``exited`` of having been
        acquired, listed or closed first, ``still_waiting = 1 - graduated - exited``.
        Without exits, ``graduated`` equals ``1 - `` the Kaplan-Meier curve.
    """
    keys, units = _keyed_units(rounds, exits, by, from_round=from_round, to_round=to_round,
                               as_of=as_of, categories=categories, include_later_stages=include_later_stages)
    return _incidence_frame(units, _grouping(units, keys, freq))


def cohort_trend(
    rounds: pd.DataFrame,
    *,
    from_round: str = "seed",
    to_round: str = "series_a",
    within_months: float = DEFAULT_WINDOW_MONTHS,
    as_of: object,
    freq: str = "year",
    categories: Iterable[str] | None = None,
    by: str | None = None,
    ci_level: float = DEFAULT_CI_LEVEL,
    include_later_stages: bool = True,
) -> pd.DataFrame:
    """Logistic trend of graduation across cohorts: log-odds change per year.

    Fits ``logit P(graduated) = a + b * cohort_year`` over the companies that count in
    ``cohort_graduation`` (their window has closed), one fit per group. Quarterly
    cohorts sit at ``year + (quarter - 1) / 4``, so ``b`` is per year either way.

    Returns
    -------
    DataFrame
        ``[category], n, cohorts, slope, se, odds_ratio, low, high, p_value,
        converged``, one row (pooled) or one per category. ``low``/``high`` bound the
        odds ratio per year; ``p_value`` is the two-sided Wald test of ``slope == 0``,
        as statsmodels GLM Binomial reports it. NaN and ``converged=False`` where no
        finite estimate exists: fewer than two cohorts, all or none graduated, or
        complete separation.
    """
    level, window_days, units, grouping = _cohort_inputs(
        rounds, from_round, to_round, within_months, as_of, freq, categories, by, ci_level,
        include_later_stages,
    )
    return _trend_frame(units, grouping, window_days, freq, level)


def fit_graduation(
    rounds: pd.DataFrame,
    exits: pd.DataFrame | None = None,
    *,
    from_round: str = "seed",
    to_round: str = "series_a",
    within_months: float = DEFAULT_WINDOW_MONTHS,
    as_of: object,
    freq: str = "year",
    categories: Iterable[str] | None = None,
    by: str | Iterable[str] | None = None,
    ci_level: float = DEFAULT_CI_LEVEL,
    include_later_stages: bool = True,
    censor_at: pd.Series | None = None,
) -> GraduationResult:
    """Cohort rates, survival, competing-risk incidence and trend in one pass.

    The rounds are reduced to companies once; each part equals the matching public
    function called with the same arguments. ``by`` may include ``"cohort"``: it then
    splits ``survival`` and ``incidence`` by cohort, while ``cohorts`` and ``trend``
    (already per cohort / across cohorts) use only the ``"category"`` part.
    ``censor_at`` (one date per round row) as in ``cohort_graduation``.
    """
    level = _check_level(ci_level)
    window = _window(within_months)
    window_days = window * DAYS_PER_MONTH
    keys, units = _keyed_units(rounds, exits, by, from_round=from_round, to_round=to_round,
                               as_of=as_of, categories=categories, include_later_stages=include_later_stages,
                               censor_at=censor_at)
    curves = _grouping(units, keys, freq)
    per_category = _grouping(units, tuple(k for k in keys if k == "category"), freq)
    return GraduationResult(
        cohorts=_cohort_frame(units, per_category, window_days, freq, level),
        survival=_survival_frame(units, curves, level),
        incidence=_incidence_frame(units, curves),
        trend=_trend_frame(units, per_category, window_days, freq, level),
        from_round=from_round,
        to_round=to_round,
        within_months=window,
        as_of=_as_of(as_of),
    )


#: Value of each curve column before a group's first event (time 0): nobody has
#: graduated or exited yet, so survival and its limits are 1 and incidences are 0.
_CURVE_START = {
    "probability": 1.0,
    "se": 0.0,
    "low": 1.0,
    "high": 1.0,
    "graduated": 0.0,
    "exited": 0.0,
    "still_waiting": 1.0,
}


def curve_at(
    table: pd.DataFrame, months: Iterable[float], *, by: str | Iterable[str] | None = None
) -> pd.DataFrame:
    """Read step curves (``kaplan_meier`` / ``cumulative_incidence`` output) at given months.

    The curves are right-continuous step functions that change only at the listed
    months, so the value at ``m`` is the last row at or before ``m`` (the start value
    before a group's first row: 1 for survival, 0 for incidences).

    Returns
    -------
    DataFrame
        ``[by...], months`` and every curve column of ``table`` (counts such as
        ``at_risk`` are dropped), one row per group and requested month.

    Examples
    --------
    >>> km = pd.DataFrame({"months": [1.0, 2.5], "probability": [0.75, 0.5]})
    >>> curve_at(km, [0, 1, 2, 3])["probability"].tolist()
    [1.0, 0.75, 0.75, 0.5]
    """
    keys = list(_by(by))
    _require_columns(table, "table", ["months", *keys])
    wanted = np.asarray(list(months), dtype=np.float64)
    columns = [c for c in table.columns if c in _CURVE_START]
    if keys:
        group = table.groupby(keys, sort=True).ngroup().to_numpy().astype(np.int64)
    else:
        group = np.zeros(len(table), dtype=np.int64)
    n_groups = int(group.max()) + 1 if group.size else 0
    if n_groups == 0:
        return pd.DataFrame(columns=[*keys, "months", *columns])
    order = np.lexsort((table["months"].to_numpy(), group))
    t_group, t_months = group[order], table["months"].to_numpy(dtype=np.float64)[order]
    # Search every (group, month) at once on a combined key, computed the same way for
    # the table and the queries, so equal months give equal keys.
    span = float(max(t_months.max(), wanted.max(initial=0.0))) + 1.0
    q_group = np.repeat(np.arange(n_groups), wanted.size)
    q_months = np.tile(wanted, n_groups)
    pos = np.searchsorted(t_group * span + t_months, q_group * span + q_months, side="right") - 1
    found = (pos >= 0) & (t_group[np.maximum(pos, 0)] == q_group)
    first_row = order[np.searchsorted(t_group, np.arange(n_groups))]
    data: dict[str, object] = {k: table[k].to_numpy()[first_row][q_group] for k in keys}
    data["months"] = q_months
    for column in columns:
        values = table[column].to_numpy(dtype=np.float64)[order]
        data[column] = np.where(found, values[np.maximum(pos, 0)], _CURVE_START[column])
    return pd.DataFrame(data)
