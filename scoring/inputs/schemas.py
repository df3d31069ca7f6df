"""Pandera schemas of the bundled datasets, one ``DataFrameModel`` each.

The models describe the *coerced* frame: ``scoring.datasets`` first turns the text
of a file into these dtypes (so that an unparseable cell is reported with its line
and column), then validates with ``lazy=True`` so an analyst sees every bad row at
once. Column descriptions and units double as the Data Package field descriptions.
"""

from __future__ import annotations

import sys
from typing import Optional

import pandas as pd
import pandera.api.pandas.model as _pa_model
import pandera.pandas as pa
from pandera.typing import Index, Series

from gapscore.models.rounds import ROUND_LABELS as ROUNDS
from gapscore.scoring.inputs import EARLIEST_DAY, LATEST_DAY

EXIT_KINDS = ("acquired", "ipo", "closed")
POPULATIONS = ("market", "sector", "top_performers")
OUTCOME_METRICS = {
    "capability_share_of_human": (0.0, 1.0),  # the share of the human level reached in `year`
    "funding_momentum": (-1.0, 1.0),  # +1 surge, 0 flat, -1 decline in `year` (whole numbers)
    "graduation_rate": (0.0, 1.0),  # a share of companies reaching the next round
    "human_baseline_surpassed": (1900.0, 2100.0),  # the year AI first passed the human baseline
}
"""The metrics ``outcomes.csv`` holds (docs/datasets/funding.md), each with the range its
value lies in: a metric named otherwise would be read by nothing, silently."""
"""Whom a published graduation rate describes (``graduation.csv`` column ``population``)."""

EARLIEST_DATE = pd.Timestamp(EARLIEST_DAY)
LATEST_DATE = pd.Timestamp(LATEST_DAY)
"""Plausible date range for any dated row; outside it a date is a typo, not data."""

_DATE = dict(ge=EARLIEST_DATE, le=LATEST_DATE)

MAX_AMOUNT_USD = 1e12
"""The largest amount one round (rounds.csv) or one check (holdings) may hold, USD: 25
times the largest private funding round reported, OpenAI's $40B of March 2025 ("the
largest private tech funding round in history", CNBC via Business Today, 2025-04-01;
PitchBook: nearly three times the previous record). Assumption: beyond it a value is a
typo or a unit slip (1e300, an amount in cents), not data."""

#: pandera's typing modules for other frame libraries. Building a DataFrameModel's
#: schema asks pandera which annotation types are series and indexes, and pandera
#: answers by importing these modules, so ``pandera.typing.dask`` imports
#: ``dask.dataframe`` (0.8 s of every data command when dask is installed) although
#: these schemas annotate pandas columns only.
_OTHER_FRAME_TYPING = ("pandera.typing.dask", "pandera.typing.modin", "pandera.typing.pyspark")


def _pandas_unless_loaded(original, pandas_types: set):
    """pandera's type lookup, answering the pandas types alone until another frame
    library's pandera typing module is loaded. Same answers: an annotation can only
    name a dask (modin, pyspark) type after its typing module was imported."""

    def types() -> set:
        if any(name in sys.modules for name in _OTHER_FRAME_TYPING):
            return original()
        return pandas_types

    types.gapscore_original = original
    return types


if not hasattr(_pa_model.get_index_types, "gapscore_original"):
    _pa_model.get_index_types = _pandas_unless_loaded(_pa_model.get_index_types, {Index})
    _pa_model.get_series_types = _pandas_unless_loaded(_pa_model.get_series_types, {Series})


class _Base(pa.DataFrameModel):
    class Config:
        strict = False  # extra columns are allowed (the "minimum columns")
        coerce = False  # coercion happens before validation, with line numbers


MAX_ID_CHARS = 100
"""The longest benchmark or sector id (a spreadsheet column, a sheet title and a file name
are made from them)."""


class Benchmarks(_Base):
    benchmark: Series[str] = pa.Field(unique=True, str_length={"min_value": 1, "max_value": MAX_ID_CHARS})
    sector: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": MAX_ID_CHARS})
    metric: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 200})
    higher_is_better: Series[bool]
    human_baseline: Series[float] = pa.Field(nullable=True)
    floor: Series[float]
    unit: Series[str]
    scale: Optional[Series[str]] = pa.Field(isin=["linear", "log"])
    source: Series[str] = pa.Field(str_length={"min_value": 1})

    @pa.dataframe_check(error="human_baseline equals floor: the gap to close would be zero; check both against the source")
    @classmethod
    def baseline_differs_from_floor(cls, df: pd.DataFrame) -> Series[bool]:
        return df["human_baseline"].isna() | (df["human_baseline"] != df["floor"])

    @pa.dataframe_check(error="human_baseline is on the wrong side of floor for higher_is_better; swap the two or fix higher_is_better")
    @classmethod
    def baseline_beyond_floor(cls, df: pd.DataFrame) -> Series[bool]:
        hb, fl, up = df["human_baseline"], df["floor"], df["higher_is_better"].astype(bool)
        return hb.isna() | (hb == fl) | (up & (hb > fl)) | (~up & (hb < fl))  # equal: reported above


class Capability(_Base):
    benchmark: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": MAX_ID_CHARS})
    date: Series[pd.Timestamp] = pa.Field(**_DATE)
    system: Series[str] = pa.Field(nullable=True)
    value: Series[float]
    source: Series[str] = pa.Field(str_length={"min_value": 1})


class Prices(_Base):
    model: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 300})
    date: Series[pd.Timestamp] = pa.Field(**_DATE)
    usd_per_mtok: Series[float] = pa.Field(gt=0, le=1e6)
    provider: Series[str] = pa.Field(nullable=True)
    verified: Optional[Series[bool]]  # false: the row could not be checked against its source
    source: Series[str] = pa.Field(str_length={"min_value": 1})


class Hardware(_Base):
    date: Series[pd.Timestamp] = pa.Field(**_DATE)
    chip: Series[str] = pa.Field(str_length={"min_value": 1})
    purchase_usd: Series[float] = pa.Field(gt=0, nullable=True)
    usd_per_hour: Series[float] = pa.Field(gt=0, nullable=True)
    relative_throughput: Series[float] = pa.Field(gt=0, nullable=True)
    source: Series[str] = pa.Field(str_length={"min_value": 1})


class Rounds(_Base):
    company: Series[str] = pa.Field(str_length={"min_value": 1})
    category: Series[str] = pa.Field(nullable=True)
    round: Series[str] = pa.Field(isin=list(ROUNDS))
    date: Series[pd.Timestamp] = pa.Field(**_DATE)
    amount_usd: Series[float] = pa.Field(ge=0, le=MAX_AMOUNT_USD, nullable=True)
    source: Series[str] = pa.Field(str_length={"min_value": 1})


class Exits(_Base):
    company: Series[str] = pa.Field(str_length={"min_value": 1})
    date: Series[pd.Timestamp] = pa.Field(**_DATE)
    kind: Series[str] = pa.Field(isin=list(EXIT_KINDS))
    source: Series[str] = pa.Field(str_length={"min_value": 1})


class Graduation(_Base):
    sector: Series[str] = pa.Field(str_length={"min_value": 1})
    cohort_start: Series[pd.Timestamp] = pa.Field(**_DATE)
    cohort_end: Series[pd.Timestamp] = pa.Field(**_DATE)
    from_round: Series[str] = pa.Field(isin=list(ROUNDS))
    to_round: Series[str] = pa.Field(isin=list(ROUNDS))
    window_months: Series[float] = pa.Field(gt=0, nullable=True)
    rate: Series[float] = pa.Field(ge=0, le=1)
    rate_low: Optional[Series[float]] = pa.Field(ge=0, le=1, nullable=True)
    rate_high: Optional[Series[float]] = pa.Field(ge=0, le=1, nullable=True)
    n: Series[float] = pa.Field(ge=0, nullable=True)
    # Whom the rate describes: "market" (all companies of a market: sector all), "sector"
    # (one sector's companies) or "top_performers" (a benchmark for the best investors'
    # portfolios, never a population's rate). Blank or absent: "market" for sector all,
    # else "sector".
    population: Optional[Series[str]] = pa.Field(isin=list(POPULATIONS), nullable=True)
    # The data cut of a rate with no fixed window (window_months blank): the cohort was
    # followed up to this date. Blank: not given by the source (follow-up unknown).
    followed_to: Optional[Series[pd.Timestamp]] = pa.Field(nullable=True, **_DATE)
    published: Series[pd.Timestamp] = pa.Field(**_DATE)
    source: Series[str] = pa.Field(str_length={"min_value": 1})

    @pa.dataframe_check(error="population 'market' needs sector 'all' and population 'sector' a sector id; fix the sector or the population")
    @classmethod
    def population_matches_sector(cls, df: pd.DataFrame) -> Series[bool]:
        if "population" not in df:
            return pd.Series(True, index=df.index)
        pop = df["population"]
        return ~(((pop == "market") & (df["sector"] != "all")) | ((pop == "sector") & (df["sector"] == "all")))

    @pa.dataframe_check(error="cohort_end is before cohort_start; swap them or check both against the source")
    @classmethod
    def cohort_in_order(cls, df: pd.DataFrame) -> Series[bool]:
        return df["cohort_start"] <= df["cohort_end"]

    @pa.dataframe_check(error="to_round is the same round as from_round; a graduation rate goes from one round to a later one")
    @classmethod
    def rounds_differ(cls, df: pd.DataFrame) -> Series[bool]:
        return df["from_round"] != df["to_round"]

    @pa.dataframe_check(error="published is before the rate could be known (cohort_end plus window_months, or followed_to); "
                              "check the dates: a figure is usable only from its publication")
    @classmethod
    def published_after_follow_up(cls, df: pd.DataFrame) -> Series[bool]:
        known = df["cohort_end"]
        if "window_months" in df:
            months = df["window_months"]
            closes = pd.Series([end + pd.DateOffset(months=int(m)) if pd.notna(m) and pd.notna(end) else end
                                for end, m in zip(df["cohort_end"], months)], index=df.index)
            known = closes.where(months.notna(), known)
        if "followed_to" in df:
            known = known.where(df["followed_to"].isna() | (df["followed_to"] <= known), df["followed_to"])
        return known.isna() | (df["published"] >= known)

    @pa.dataframe_check(error="rate must lie between rate_low and rate_high; check the three values against the source")
    @classmethod
    def rate_inside_band(cls, df: pd.DataFrame) -> Series[bool]:
        ok = pd.Series(True, index=df.index)
        if "rate_low" in df:
            ok &= df["rate_low"].isna() | (df["rate_low"] <= df["rate"])
        if "rate_high" in df:
            ok &= df["rate_high"].isna() | (df["rate"] <= df["rate_high"])
        return ok


class Outcomes(_Base):
    sector: Series[str] = pa.Field(str_length={"min_value": 1})
    year: Series[float] = pa.Field(ge=1900, le=2100)
    metric: Series[str] = pa.Field(isin=list(OUTCOME_METRICS))
    value: Series[float]
    published: Series[pd.Timestamp] = pa.Field(**_DATE)
    source: Series[str] = pa.Field(str_length={"min_value": 1})


    @pa.dataframe_check(error="value is outside its metric's range (capability_share_of_human and graduation_rate "
                              "0 to 1; funding_momentum -1, 0 or 1; human_baseline_surpassed a year); check it against the source")
    @classmethod
    def value_in_metric_range(cls, df: pd.DataFrame) -> Series[bool]:
        low = df["metric"].map({m: r[0] for m, r in OUTCOME_METRICS.items()}).astype(float)
        high = df["metric"].map({m: r[1] for m, r in OUTCOME_METRICS.items()}).astype(float)
        whole = (df["metric"] != "funding_momentum") | (df["value"] == df["value"].round())
        return low.isna() | ((df["value"] >= low) & (df["value"] <= high) & whole)


class Funding(_Base):
    """Yearly venture funding of one series (a sector, vertical or focus area), by edition."""

    series: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 100})
    scope: Series[str] = pa.Field(str_length={"min_value": 1})
    region: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 50})
    year: Series[float] = pa.Field(ge=1900, le=2100)
    usd_millions: Series[float] = pa.Field(ge=0)
    deals: Optional[Series[float]] = pa.Field(ge=0, nullable=True)
    total_series: Optional[Series[str]] = pa.Field(nullable=True)  # the all-AI series this one is a share of
    published: Series[pd.Timestamp] = pa.Field(**_DATE)
    source: Series[str] = pa.Field(str_length={"min_value": 1})

    @pa.dataframe_check(error="year is after the year of published: an edition cannot report a year that has not started; check both")
    @classmethod
    def year_not_after_edition(cls, df: pd.DataFrame) -> Series[bool]:
        return df["year"] <= df["published"].dt.year


class Holdings(_Base):
    company: Series[str] = pa.Field(str_length={"min_value": 1})
    sector: Series[str] = pa.Field(str_length={"min_value": 1})
    stage: Series[str] = pa.Field(isin=["seed", "series_a", "series_b", "growth"])
    invested_usd: Series[float] = pa.Field(gt=0, le=MAX_AMOUNT_USD)
    date: Series[pd.Timestamp] = pa.Field(**_DATE)
