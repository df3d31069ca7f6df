"""One sector's evidence as of a date, computed once: what the memo presents and
``gapscore explain --format json`` returns.

``sector_evidence`` gathers, from the data known on the date and the config: the
score (signals, stage scores, reasons), the record-setting capability results the
curves were fitted to, the cost curve's headline and its projection with the
hardware scenarios, the seed-to-Series-A cohorts and survival curve, the
sensitivity table and the data vintage. The memo's sheets read these fields instead
of recomputing them, so each of those numbers is also reachable from Python and JSON.

``citations`` lists, deduplicated, the ``source`` of every row the sector's figures
come from (its benchmarks, capability results, price series, rounds, published
graduation rates, funding series, and the config's seed article), with how many rows
cite it and when the first and last of them were known; the memo's Sources sheet reads
it. Still assembled by the memo itself (issue #14, left for a later pass): the per-sheet
"what" of each citation, and the fixed figures of the seed article on the Cost sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gapscore.models._frontier import decimal_year
from gapscore.scoring import __version__
from gapscore.scoring.inputs.datasets import DATASETS, DataStore, sector_legs
from gapscore.scoring.signals.scores import SectorScore, score_sector, sensitivity

if TYPE_CHECKING:
    from gapscore.models.graduation import GraduationResult
    from gapscore.scoring.inputs.config_types import Config

PROJECTION_YEARS_AHEAD = 5
"""Years after the as-of date the cost projection runs to (what the memo draws)."""


@dataclass(frozen=True, eq=False)
class SectorEvidence:
    """Everything the memo shows about one sector as of a date (frames are data, not cells)."""

    score: SectorScore
    frontier: pd.DataFrame
    """Record-setting capability results: benchmark, date, year, system, value, share, source, _file."""
    graduation: GraduationResult | None
    """``models.graduation.fit_graduation`` of the sector's rounds (cohorts, survival); None without rounds."""
    rounds: pd.DataFrame
    """The sector's funding rounds known on the date (what the graduation rests on)."""
    exits: pd.DataFrame
    """Exits of those companies known on the date (censoring the survival curve)."""
    cost_headline: dict | None
    """``curves.cost_headline`` of the sector's cost curve ({"rows", "json"}); None without a price series."""
    cost_projection: pd.DataFrame | None
    """``curves.cost_projection_table``: mid-year prices, interval, floor and hardware scenarios; None unless fitted."""
    rounds_data_end: pd.Timestamp | None
    """End of the round data known on the date (``DataStore.data_end``); None without rounds."""
    sensitivity: pd.DataFrame
    """``scores.sensitivity``: each [sensitivity] setting at its low and high end."""
    data_vintage: str
    citations: pd.DataFrame | None = None
    """``evidence_citations``: dataset, source, rows, first_known, last_known (one row per
    dataset and source, known on the as-of date)."""
    legs: dict | None = None
    """``legs_detail``: each leg's status (``datasets.sector_legs``) and what it rests on; None when not asked."""

    def legs_line(self) -> str:
        """One line: "Legs: capability measured (7 benchmarks), cost measured (compute-based), funding none (...)"."""
        if not self.legs:
            return ""
        return "Legs: " + ", ".join(f"{leg} {status}" + (f" ({detail})" if detail else "")
                                    for leg, (status, detail) in self.legs.items()) + "."

    @property
    def sector(self) -> str:
        return self.score.sector

    @property
    def as_of(self) -> pd.Timestamp:
        return self.score.as_of

    def as_dict(self) -> dict:
        """JSON-ready (through ``output.to_jsonable``): the figures, not the raw round rows."""
        g = self.graduation
        return {
            "data_vintage": self.data_vintage,
            "citations": self.citations,
            "frontier": self.frontier.drop(columns=["_file"], errors="ignore"),
            "cost": None if self.cost_headline is None else {
                "headline": self.cost_headline["json"],
                "projection": self.cost_projection,
                "scenarios": None if self.cost_projection is None else self.cost_projection.attrs.get("scenarios", {}),
            },
            "graduation": None if g is None else {"cohorts": g.cohorts, "survival": g.survival},
            "rounds_used": int(len(self.rounds)),
            "sensitivity": self.sensitivity,
            "legs": None if self.legs is None else {leg: {"status": status, "detail": detail} for leg, (status, detail) in self.legs.items()},
        }


def data_vintage(store: DataStore, as_of: pd.Timestamp) -> str:
    """Where the data came from and the newest dated row known on the as-of date."""
    origin = "bundled data" if store.data_dir is None else (
        f"{store.data_dir} ({'replacing' if store.replace else 'extending'} the bundled data)")
    newest = []
    for name in ("capability", "prices", "hardware", "rounds", "graduation"):
        frame = store.as_of(name, as_of)
        col = "published" if name == "graduation" else "date"
        if len(frame) and frame[col].notna().any():
            newest.append(frame[col].max())
    tail = f"; newest row known on {as_of.date()}: {max(newest).date()}" if newest else ""
    return f"{origin}, gapscore {__version__}{tail}"


CITATION_COLUMNS = ["dataset", "source", "rows", "first_known", "last_known"]
"""Columns of ``SectorEvidence.citations``."""


def evidence_citations(store: DataStore, sector: str, as_of: pd.Timestamp, cfg: Config, rounds: pd.DataFrame | None = None) -> pd.DataFrame:
    """The sources of the rows one sector's figures rest on, known on ``as_of``.

    One row per (dataset, source), in dataset order then source: how many rows cite it
    and the first and last date they were known (the row's ``date``, or ``published``
    for published rates and funding series; none for the undated benchmark definitions
    and the config). The rows: ``benchmarks`` and ``capability`` of the sector's
    benchmarks; ``prices`` with a score on its price series' benchmark (``[cost]``), or
    for a compute-based cost curve the ``hardware`` rental quotes it is fitted to; ``rounds`` (the sector's rounds, as selected for its graduation);
    ``graduation`` published for the sector or the whole market ("all"); ``funding`` of
    its series and of the all-AI totals they are read against; ``config``: the seed
    article the thresholds and windows cite. A row known after ``as_of`` is absent.
    """
    as_of = pd.Timestamp(as_of)
    table = store.sector(sector)
    parts: list[tuple[str, pd.DataFrame]] = []
    ids = list(table.get("benchmarks") or [])
    bench = store.load("benchmarks")
    parts.append(("benchmarks", bench[bench["benchmark"].isin(ids)]))
    cap = store.as_of("capability", as_of)
    parts.append(("capability", cap[cap["benchmark"].isin(ids)]))
    spec = table.get("cost") or {}
    if spec.get("mode") == "compute":  # the rental quotes the compute-based curve is fitted to
        hw = store.as_of("hardware", as_of)
        rental = hw["price_type"].ne("purchase") if "price_type" in hw.columns else True
        parts.append(("hardware", hw[(hw["usd_per_hour"] > 0) & (hw["relative_throughput"] > 0) & rental]))
    elif spec.get("benchmark"):
        prices = store.as_of("prices", as_of)
        col = spec["benchmark"]
        parts.append(("prices", prices[prices[col].notna()] if col in prices.columns else prices.iloc[0:0]))
    if rounds is not None:
        parts.append(("rounds", rounds))
    grad = store.as_of("graduation", as_of)
    parts.append(("graduation", grad[grad["sector"].isin([sector, "all"])]))
    series = list((table.get("funding") or {}).get("series") or [])
    if series:
        funding = store.as_of("funding", as_of)
        own = funding[funding["series"].isin(series)]
        totals = set(own["total_series"].dropna().astype(str)) if "total_series" in own.columns else set()
        parts.append(("funding", funding[funding["series"].isin(set(series) | totals)]))
    rows = []
    for name, frame in parts:
        if not len(frame) or "source" not in frame.columns:
            continue
        col = DATASETS[name].date_column
        when = pd.to_datetime(frame[col]) if col else pd.Series(pd.NaT, index=frame.index)
        grouped = pd.DataFrame({"source": frame["source"].astype(str), "when": when}).groupby("source", sort=True)["when"]
        for source, dates in grouped:
            rows.append({"dataset": name, "source": source, "rows": int(len(dates)),
                         "first_known": dates.min(), "last_known": dates.max()})
    seed = (cfg.get("seed") or {}).get("citation")
    if seed:
        rows.append({"dataset": "config", "source": str(seed), "rows": 1, "first_known": pd.NaT, "last_known": pd.NaT})
    out = pd.DataFrame(rows, columns=CITATION_COLUMNS)
    for col in ("first_known", "last_known"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[ns]")
    return out


def _first_clause(text: str) -> str:
    """The reason up to its first colon or semicolon: what fits on the Summary's legs line."""
    for mark in (":", ";"):
        text = text.split(mark)[0]
    return text.strip()


def legs_detail(store: DataStore, score: SectorScore, n_rounds: int = 0) -> dict[str, tuple[str, str]]:
    """Each leg: (status from ``datasets.sector_legs``, what it rests on) as of the score's date.

    The status is ``sector_legs`` on the data known on the date; the detail reads the
    signals of the score (known on its as-of date): benchmarks averaged, the kind of
    cost curve, the funding series or rounds, or why a leg is missing.
    """
    legs = sector_legs(store, score.sector, score.as_of)
    sig, table = score.signals, store.sector(score.sector)
    cap = sig.capability
    if legs["capability"] == "none":
        ever = sector_legs(store, score.sector)["capability"] != "none"  # results dated later only
        cap_detail = "no result known on the as-of date" if ever else "no benchmark with a human baseline"
    elif cap is None or not len(cap.benchmarks):
        cap_detail = "no curve on the as-of date"
    else:
        n = len(cap.benchmarks)
        cap_detail = f"{n} benchmark{'s' if n != 1 else ''}" + (", homed in other sectors" if legs["capability"] == "borrowed" else "")
    cost, spec = sig.cost, table.get("cost") or {}
    if spec.get("mode") == "compute":
        cost_detail = "compute-based"
    elif spec:
        bench = spec.get("benchmark")
        cost_detail = f"price series at {bench}" + ("" if legs["cost"] == "measured" else ", another sector's benchmark")
        if cost is None or not cost.is_fitted:
            cost_detail += ", not fitted on the as-of date"
    elif legs["cost"] == "borrowed":
        cost_detail = "a published cost anchor, no price series"
    else:
        cost_detail = "no price series or cost anchor"
    fund = sig.funding
    if fund is not None and fund.series:
        fund_detail = f"series {fund.series}"
    elif n_rounds > 0:
        fund_detail = f"{n_rounds} round{'s' if n_rounds != 1 else ''} known"
    elif fund is not None and fund.reason:
        fund_detail = _first_clause(fund.reason) if legs["funding"] == "none" else "no series or round known on the as-of date"
    else:
        fund_detail = "no funding series or rounds" if legs["funding"] == "none" else ""
    return {"capability": (legs["capability"], cap_detail), "cost": (legs["cost"], cost_detail),
            "funding": (legs["funding"], fund_detail)}


def frontier_points(store: DataStore, table: dict, as_of: pd.Timestamp, cfg: Config) -> pd.DataFrame:
    """The record-setting results per benchmark as of the date, with system, value and source."""
    from gapscore.models.capability import normalise, record_points

    ids = list(table.get("benchmarks") or [])
    meta = store.load("benchmarks")
    history = store.as_of("capability", as_of)
    usable = meta[meta["benchmark"].isin(ids) & meta["human_baseline"].notna()]["benchmark"]
    history = history[history["benchmark"].isin(set(usable))]
    cols = ["benchmark", "date", "year", "system", "value", "share", "source", "_file"]
    if not len(history):
        return pd.DataFrame(columns=cols)
    norm = normalise(history.reset_index(drop=True), meta, error_scale=cfg["capability"]["error_scale"])
    recs = record_points(norm, as_of=as_of)
    norm = norm.assign(system=norm["system"].fillna("").astype(str))
    merged = recs.merge(norm, on=["benchmark", "date"], suffixes=("", "_row"))
    merged = merged[np.isclose(merged["share_row"], merged["share"], rtol=0, atol=1e-12)]
    merged = merged.sort_values(["benchmark", "date", "system"], kind="mergesort").drop_duplicates(["benchmark", "date"])
    index = pd.DatetimeIndex(pd.to_datetime(pd.Series(merged["date"])))
    merged["year"] = decimal_year(index) if len(index) else np.array([], dtype=float)
    if "_file" not in merged.columns:
        merged["_file"] = ""
    return merged[cols].reset_index(drop=True)


def graduation_evidence(store: DataStore, table: dict, as_of: pd.Timestamp, cfg: Config):
    """(fit_graduation result or None, the sector's rounds, their exits, the rounds' data end), known on ``as_of``.

    The cohorts are fitted as of the earlier of ``as_of`` and the end of the round data
    (``DataStore.data_end``), and each company is censored at the end of the file its
    rounds came from (``DataStore.source_ends``), so a window the data cannot see yet is
    not read as a failure.
    """
    from gapscore.models.graduation import fit_graduation
    from gapscore.scoring.inputs.sectors import sector_categories, selects_rounds

    rounds = store.as_of("rounds", as_of)
    ends = store.source_ends(rounds, "rounds")  # each file's end: a file that stops early is censored there
    rounds = rounds[rounds["category"].isin(sector_categories(table, rounds["category"]))] if selects_rounds(table) else rounds.iloc[0:0]
    exits = store.as_of("exits", as_of)
    exits = exits[exits["company"].isin(set(rounds["company"]))] if len(rounds) else exits.iloc[0:0]
    if not len(rounds):
        return None, rounds, exits, None
    data_end = store.data_end("rounds", as_of)
    result = fit_graduation(rounds, exits, from_round="seed", to_round="series_a",
                            within_months=cfg["graduation"]["window_months"], as_of=min(as_of, data_end),
                            censor_at=ends.loc[rounds.index], ci_level=float(cfg["graduation"]["interval"]))
    return result, rounds, exits, data_end


def sector_evidence(store: DataStore, sector: str, as_of: pd.Timestamp, cfg: Config, *,
                    score: SectorScore | None = None, vintage: str | None = None) -> SectorEvidence:
    """The evidence of one sector as of ``as_of`` (``score``: reuse one already computed with ``cfg``)."""
    from gapscore.scoring.signals.curves import cost_headline, cost_projection_table

    as_of = pd.Timestamp(as_of)
    score = score_sector(store, sector, as_of, cfg) if score is None else score
    table = store.sector(sector)
    graduation, rounds, exits, data_end = graduation_evidence(store, table, as_of, cfg)
    cost = score.signals.cost
    return SectorEvidence(
        score=score,
        frontier=frontier_points(store, table, as_of, cfg),
        graduation=graduation,
        rounds=rounds,
        exits=exits,
        rounds_data_end=data_end,
        cost_headline=None if cost is None else cost_headline(cost, as_of, cfg, table),
        cost_projection=None if cost is None or not cost.is_fitted else cost_projection_table(
            cost, as_of, cfg, level=cfg["capability"]["interval"], years_ahead=PROJECTION_YEARS_AHEAD),
        sensitivity=sensitivity(score.signals, cfg),
        data_vintage=data_vintage(store, as_of) if vintage is None else vintage,
        citations=evidence_citations(store, sector, as_of, cfg, rounds),
        legs=legs_detail(store, score, len(rounds)),
    )
