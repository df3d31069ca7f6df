"""Unit economics of an AI product: inference cost per unit of use against revenue.

Given a projection of the price of inference (USD per million tokens at constant
capability, with an interval, as the cost model produces), this module turns it into
cost per unit of use, the inference share of revenue and the gross margin per year,
and finds the first year the inference share is low enough to build a business on.

Worked example: at $10 per million tokens, a unit of use that takes 2,000 tokens costs
10 x 2,000 / 1,000,000 = $0.02; sold for $0.10 the inference share of revenue is
0.02 / 0.10 = 20%, and with no other cost of goods the gross margin is 80%.

The target band (inference at most 5-10% of revenue) comes from SaaS: in a 2023
survey of 400 startups "server costs represented just 5% of total expenses and 4% of
ARR" (the inference cost article, PaleBlueDot AI acknowledgement, 2024). See
``docs/models/graduation_economics.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd

from gapscore.models.exceptions import InputError

#: Prices are quoted in USD per this many tokens (the API convention: per 1M tokens).
TOKENS_PER_PRICE_UNIT = 1_000_000

#: Server cost of traditional SaaS as a share of ARR: 4%. Source: 2023 survey of 400
#: startups quoted in the inference cost article (PaleBlueDot AI acknowledgement), 2024.
SAAS_SERVER_SHARE_OF_ARR = 0.04

#: Server cost of traditional SaaS as a share of total expenses: 5%. Same source.
SAAS_SERVER_SHARE_OF_EXPENSES = 0.05

#: Default target band for the inference share of revenue, (lower, upper). The lower
#: edge is the SaaS server-cost level of the survey above (5% of expenses, 4% of ARR);
#: the upper edge, twice that, is the project's allowance for an AI product that is
#: "SaaS-like enough" (an assumption of the gapscore brief, not a survey figure).
DEFAULT_TARGET_BAND: tuple[float, float] = (0.05, 0.10)

#: Status labels of the inference share against the target band.
STATUS_ABOVE, STATUS_IN_BAND, STATUS_BELOW = "above", "in_band", "below"

_COST_COLUMNS = ("year", "price", "low", "high")

__all__ = [
    "TOKENS_PER_PRICE_UNIT",
    "SAAS_SERVER_SHARE_OF_ARR",
    "SAAS_SERVER_SHARE_OF_EXPENSES",
    "DEFAULT_TARGET_BAND",
    "EconomicsResult",
    "unit_economics",
    "viable_year",
    "assess_economics",
]


@dataclass(frozen=True)
class EconomicsResult:
    """When a product's unit economics become viable, with the cost interval's range.

    Attributes
    ----------
    viable_year : int or None
        First year the central inference share is at or below the target's upper
        edge; None if never within the projection.
    low, high : int or None
        The same year on the low-price (earlier) and high-price (later) edges of the
        cost interval; None where never.
    table : DataFrame
        ``unit_economics`` output.
    target_share : tuple of float
        The (lower, upper) band used.
    """

    viable_year: int | None
    low: int | None
    high: int | None
    table: pd.DataFrame
    target_share: tuple[float, float]


def _positive(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value):
        raise InputError(f"The {name!r} parameter must be a positive number. Got {value!r}.")
    if value <= 0:
        raise InputError(f"The {name!r} parameter must be a positive number. Got {value!r}.")
    return float(value)


def _share(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not 0.0 <= value < 1.0:
        raise InputError(
            f"The {name!r} parameter must be a fraction in [0, 1) (e.g. 0.1 for 10%). "
            f"Got {value!r}."
        )
    return float(value)


def _band(target_share: object) -> tuple[float, float]:
    """A float target or a (lower, upper) band, as a validated (lower, upper) pair."""
    if isinstance(target_share, Real) and not isinstance(target_share, bool):
        pair = (target_share, target_share)
    else:
        try:
            pair = tuple(target_share)  # type: ignore[arg-type]
        except TypeError:
            pair = ()
    ok = (
        len(pair) == 2
        and all(isinstance(v, Real) and not isinstance(v, bool) for v in pair)
        and 0.0 < pair[0] <= pair[1] < 1.0
    )
    if not ok:
        raise InputError(
            "The 'target_share' parameter must be a fraction in (0, 1) or a (lower, upper) "
            f"band with 0 < lower <= upper < 1, e.g. (0.05, 0.10). Got {target_share!r}."
        )
    return float(pair[0]), float(pair[1])


def _cost_curve(cost_projection: object, years: Iterable[int] | None) -> pd.DataFrame:
    """The projection's year/price/low/high rows for ``years``, validated and sorted."""
    if not isinstance(cost_projection, pd.DataFrame):
        raise InputError(
            "cost_projection must be a DataFrame with columns year, price, low, high "
            f"(USD per 1M tokens). Got {type(cost_projection).__name__}."
        )
    missing = [c for c in _COST_COLUMNS if c not in cost_projection.columns]
    if missing:
        raise InputError(
            f"cost_projection is missing column(s) {missing}; it has "
            f"{list(cost_projection.columns)}. Expected year, price, low, high."
        )
    curve = cost_projection.loc[:, list(_COST_COLUMNS)].copy()
    try:
        values = curve.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError("cost_projection columns year, price, low, high must be numeric.") from exc
    if not np.isfinite(values.to_numpy()).all():
        raise InputError("cost_projection has missing or infinite values; every cell must be set.")
    year = values["year"].to_numpy()
    if not np.all(year == np.round(year)):
        raise InputError(f"cost_projection['year'] must hold whole years. Got {list(year)}.")
    curve = values.assign(year=year.astype(np.int64))
    if curve["year"].duplicated().any():
        dup = sorted(set(curve.loc[curve["year"].duplicated(), "year"].tolist()))
        raise InputError(f"cost_projection has more than one row for year(s) {dup}.")
    if (curve[["price", "low", "high"]] <= 0).to_numpy().any():
        raise InputError("cost_projection prices must be positive (USD per 1M tokens).")
    bad = (curve["low"] > curve["price"]) | (curve["high"] < curve["price"])
    if bad.any():
        raise InputError(
            "cost_projection must satisfy low <= price <= high; it does not in year(s) "
            f"{curve.loc[bad, 'year'].tolist()}."
        )
    if years is not None:
        wanted = pd.Index(list(years))
        absent = wanted.difference(pd.Index(curve["year"]))
        if len(absent):
            raise InputError(
                f"The 'years' parameter asks for year(s) {list(absent)} that cost_projection "
                f"does not cover ({curve['year'].min()}-{curve['year'].max()})."
            )
        curve = curve[curve["year"].isin(wanted)]
    return curve.sort_values("year").reset_index(drop=True)


def unit_economics(
    cost_projection: pd.DataFrame,
    *,
    tokens_per_unit: float,
    revenue_per_unit: float,
    other_cogs_share: float = 0.0,
    years: Iterable[int] | None = None,
    target_share: float | tuple[float, float] = DEFAULT_TARGET_BAND,
) -> pd.DataFrame:
    """Inference cost per unit of use, its share of revenue and the gross margin, by year.

    Parameters
    ----------
    cost_projection : DataFrame
        ``year, price, low, high``: USD per 1M tokens at constant capability.
    tokens_per_unit : float
        Tokens (input + output) consumed by one unit of use (a query, a task, a minute).
    revenue_per_unit : float
        Revenue per unit of use, USD.
    other_cogs_share : float
        Other cost of goods sold as a share of revenue (hosting, support), in [0, 1).
    years : iterable of int, optional
        Restrict to these years (all must be in the projection).
    target_share : float or (lower, upper)
        The target band for the inference share of revenue.

    Returns
    -------
    DataFrame
        ``year, price, price_low, price_high, cost_per_unit, cost_low, cost_high,
        inference_share, share_low, share_high, gross_margin, margin_low, margin_high,
        status, meets_target``. ``*_low`` / ``*_high`` carry the cost interval: a low
        price gives a low cost and share and a high margin, so ``margin_low`` comes
        from ``price_high``. ``gross_margin = 1 - inference_share - other_cogs_share``.
        ``status`` is ``"above"``, ``"in_band"`` or ``"below"`` the target band;
        ``meets_target`` is ``inference_share <= upper``.

    Examples
    --------
    >>> cost = pd.DataFrame({"year": [2024], "price": [10.0], "low": [5.0], "high": [20.0]})
    >>> table = unit_economics(cost, tokens_per_unit=2000, revenue_per_unit=0.10)
    >>> round(float(table.loc[0, "inference_share"]), 12), float(table.loc[0, "cost_per_unit"])
    (0.2, 0.02)
    """
    tokens = _positive(tokens_per_unit, "tokens_per_unit")
    revenue = _positive(revenue_per_unit, "revenue_per_unit")
    other = _share(other_cogs_share, "other_cogs_share")
    lower, upper = _band(target_share)
    curve = _cost_curve(cost_projection, years)
    cost = curve["price"].to_numpy() * tokens / TOKENS_PER_PRICE_UNIT
    cost_low = curve["low"].to_numpy() * tokens / TOKENS_PER_PRICE_UNIT
    cost_high = curve["high"].to_numpy() * tokens / TOKENS_PER_PRICE_UNIT
    share, share_low, share_high = cost / revenue, cost_low / revenue, cost_high / revenue
    status = np.where(
        share > upper, STATUS_ABOVE, np.where(share < lower, STATUS_BELOW, STATUS_IN_BAND)
    )
    return pd.DataFrame(
        {
            "year": curve["year"].to_numpy(),
            "price": curve["price"].to_numpy(),
            "price_low": curve["low"].to_numpy(),
            "price_high": curve["high"].to_numpy(),
            "cost_per_unit": cost,
            "cost_low": cost_low,
            "cost_high": cost_high,
            "inference_share": share,
            "share_low": share_low,
            "share_high": share_high,
            "gross_margin": 1.0 - share - other,
            "margin_low": 1.0 - share_high - other,
            "margin_high": 1.0 - share_low - other,
            "status": status.astype(object),
            "meets_target": share <= upper,
        }
    )


def _first_year(years: np.ndarray, ok: np.ndarray) -> int | None:
    hits = np.flatnonzero(ok)
    return int(years[hits[0]]) if hits.size else None


def _viable(table: pd.DataFrame, upper: float) -> tuple[int | None, int | None, int | None]:
    years = table["year"].to_numpy()
    return (
        _first_year(years, table["inference_share"].to_numpy() <= upper),
        _first_year(years, table["share_low"].to_numpy() <= upper),
        _first_year(years, table["share_high"].to_numpy() <= upper),
    )


def viable_year(
    cost_projection: pd.DataFrame,
    *,
    tokens_per_unit: float,
    revenue_per_unit: float,
    other_cogs_share: float = 0.0,
    years: Iterable[int] | None = None,
    target_share: float | tuple[float, float] = DEFAULT_TARGET_BAND,
) -> tuple[int | None, int | None, int | None]:
    """First year the inference share of revenue is at or below the target's upper edge.

    Returns
    -------
    (year, low, high)
        ``year`` from the central price, ``low`` from the interval's low price (the
        earliest plausible year), ``high`` from its high price (the latest). A product
        already viable in the first year of the range gets that year; one never viable
        within the range gets None (each of the three independently).
        ``other_cogs_share`` does not move the year (it only lowers the margin).

    Examples
    --------
    >>> cost = pd.DataFrame({"year": [2023, 2024, 2025], "price": [10.0, 1.0, 0.1],
    ...                      "low": [1.0, 0.1, 0.01], "high": [100.0, 10.0, 1.0]})
    >>> viable_year(cost, tokens_per_unit=2000, revenue_per_unit=0.10)
    (2024, 2023, 2025)
    """
    table = unit_economics(
        cost_projection,
        tokens_per_unit=tokens_per_unit,
        revenue_per_unit=revenue_per_unit,
        other_cogs_share=other_cogs_share,
        years=years,
        target_share=target_share,
    )
    return _viable(table, _band(target_share)[1])


def assess_economics(
    cost_projection: pd.DataFrame,
    *,
    tokens_per_unit: float,
    revenue_per_unit: float,
    other_cogs_share: float = 0.0,
    years: Iterable[int] | None = None,
    target_share: float | tuple[float, float] = DEFAULT_TARGET_BAND,
) -> EconomicsResult:
    """``unit_economics`` and ``viable_year`` together, as an ``EconomicsResult``."""
    band = _band(target_share)
    table = unit_economics(
        cost_projection,
        tokens_per_unit=tokens_per_unit,
        revenue_per_unit=revenue_per_unit,
        other_cogs_share=other_cogs_share,
        years=years,
        target_share=band,
    )
    year, low, high = _viable(table, band[1])
    return EconomicsResult(viable_year=year, low=low, high=high, table=table, target_share=band)
