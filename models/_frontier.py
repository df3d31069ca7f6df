"""Helpers shared by the capability and cost models: time axis, dates and frontiers.

Private to ``gapscore.models``; the public names live in ``capability`` and ``cost``.
"""

from __future__ import annotations

from collections.abc import Iterable
from numbers import Integral

import numpy as np
import pandas as pd

from gapscore.models.exceptions import InputError

#: Length of the mean Gregorian year in days (365 + 1/4 - 1/100 + 1/400), the unit of
#: every "per year" rate in gapscore. Source: the Gregorian calendar rule.
DAYS_PER_YEAR = 365.2425

#: Origin of the decimal-year axis: 2000-01-01 is exactly 2000.0.
#: Two shares of the human level closer than this are the same threshold or target (a
#: share asked for and the one a result holds may differ in the last bits after
#: arithmetic in a config or a template). Read through :func:`same_share`.
SHARE_MATCH_TOLERANCE = 1e-9


def same_share(a: float, b: float) -> bool:
    """``a`` and ``b`` name the same threshold (within :data:`SHARE_MATCH_TOLERANCE`)."""
    return abs(float(a) - float(b)) <= SHARE_MATCH_TOLERANCE


_YEAR_ORIGIN = pd.Timestamp("2000-01-01")
_YEAR_ORIGIN_VALUE = 2000.0


def to_timestamp(value: object, name: str = "as_of") -> pd.Timestamp:
    """Return ``value`` as a timezone-naive ``pd.Timestamp`` or raise ``InputError``."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"The {name!r} parameter must be a date (pd.Timestamp or ISO string). "
            f"Got {value!r} instead."
        ) from exc
    if pd.isna(stamp):
        raise InputError(f"The {name!r} parameter must be a date, not missing. Got {value!r}.")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp


def to_datetime_index(dates: object, name: str = "dates") -> pd.DatetimeIndex:
    """Convert dates (Series, Index, array, list) to a timezone-naive DatetimeIndex."""
    try:
        index = pd.DatetimeIndex(pd.to_datetime(dates))
    except (TypeError, ValueError) as exc:
        raise InputError(f"The {name!r} must be dates. Got {dates!r} instead.") from exc
    if index.tz is not None:
        index = index.tz_localize(None)
    return index


def decimal_year(dates: object, *, days_per_year: float = DAYS_PER_YEAR) -> np.ndarray:
    """Dates as decimal years on a uniform axis: 2000-01-01 is 2000.0, one unit is
    ``days_per_year`` days. Works for any datetime64 resolution (pandas 2.2 and 3)."""
    if isinstance(dates, (pd.Timestamp, str)) or np.isscalar(dates):
        # one date: as a one-element datetime64 array in its own unit (what
        # DatetimeIndex([stamp]) holds), so the numpy path below gives the same bits
        dates = np.array([to_timestamp(dates, "date").to_datetime64()])
    if isinstance(dates, (pd.DatetimeIndex, pd.Series, np.ndarray)) and np.dtype(dates.dtype).kind == "M":
        # timezone-naive datetime64 already: the same division in numpy, in the dates'
        # own unit (bit-identical to the pandas path below, about 8x faster)
        values = np.asarray(dates)
        unit = np.datetime_data(values.dtype)[0]
        days = (values - np.datetime64(_YEAR_ORIGIN, unit)) / np.timedelta64(1, "D").astype(f"m8[{unit}]")
        return _YEAR_ORIGIN_VALUE + np.asarray(days, dtype=float).ravel() / days_per_year
    else:
        index = to_datetime_index(dates)  # type: ignore[arg-type]
    days = (index - _YEAR_ORIGIN) / pd.Timedelta(days=1)
    return _YEAR_ORIGIN_VALUE + np.asarray(days, dtype=float) / days_per_year


def year_of(date: object) -> float:
    """One date as a decimal year (the scalar form of :func:`decimal_year`)."""
    return float(decimal_year(to_timestamp(date, "date"))[0])


def from_decimal_year(years: object, *, days_per_year: float = DAYS_PER_YEAR) -> pd.DatetimeIndex:
    """Inverse of :func:`decimal_year` (to the nearest second); NaN and inf give NaT."""
    values = np.atleast_1d(np.asarray(years, dtype=float))
    finite = np.isfinite(values)
    seconds = np.where(finite, (values - _YEAR_ORIGIN_VALUE) * days_per_year * 86400.0, 0.0)
    stamps = _YEAR_ORIGIN + pd.to_timedelta(np.round(seconds), unit="s")
    return pd.DatetimeIndex(stamps).where(finite)


def check_int(value: object, name: str, owner: str, minimum: int) -> int:
    """``value`` as an int, or ``InputError`` when it is not a whole number >= ``minimum`` (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise InputError(
            f"The '{name}' parameter of {owner} must be an integer >= {minimum}. Got {value!r} instead."
        )
    return int(value)


def require_columns(frame: pd.DataFrame, required: Iterable[str], name: str) -> None:
    """Raise ``InputError`` naming every missing column of ``frame``."""
    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            f"The {name!r} table must be a pandas DataFrame. Got {type(frame).__name__}."
        )
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise InputError(
            f"The {name!r} table is missing column(s) {missing}; "
            f"it has {list(frame.columns)}. Add them or rename the existing ones."
        )


def running_best_by_group_date(groups: np.ndarray, dates: np.ndarray, values: np.ndarray) -> np.ndarray:
    """:func:`running_best_by_date` within each group, for all groups at once.

    The same numbers as calling it once per group (maxima are exact), in a few
    vectorised steps instead of a pandas groupby per group: rows sorted by group then
    date, each (group, date)'s maximum (NaN skipped), its running maximum within the
    group with NaN days carrying the last finite best forward, mapped back to the rows.
    """
    values = np.asarray(values, dtype=float)
    n = values.size
    if n == 0:
        return np.empty(0)
    codes = pd.factorize(np.asarray(groups), sort=False)[0]
    dates = np.asarray(dates)
    order = np.lexsort((dates, codes))
    g, d = codes[order], dates[order]
    new_day = np.ones(n, dtype=bool)
    new_day[1:] = (g[1:] != g[:-1]) | (d[1:] != d[:-1])
    day = np.cumsum(new_day) - 1
    day_max = np.full(int(day[-1]) + 1, np.nan)
    np.fmax.at(day_max, day, values[order])
    best = pd.Series(day_max).groupby(g[new_day]).cummax().groupby(g[new_day]).ffill().to_numpy()
    out = np.empty(n)
    out[order] = best[day]
    return out


def running_best_by_date(dates: pd.Series, values: pd.Series) -> pd.Series:
    """Best (largest) value among all rows dated on or before each row's date.

    Same-day rows share one value, so the result does not depend on row order.
    NaN values are skipped; a row before any finite value gets NaN.
    """
    frame = pd.DataFrame({"date": dates.to_numpy(), "value": values.to_numpy(dtype=float)})
    per_day = frame.groupby("date", sort=True)["value"].max()
    best = per_day.cummax()
    # cummax leaves NaN at NaN entries: carry the last finite best forward instead.
    best = best.ffill()
    return pd.Series(best.reindex(frame["date"]).to_numpy(), index=dates.index, name="frontier")
