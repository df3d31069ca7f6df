"""What the ``gapscore curve ...`` commands show: each model's result as a table and JSON.

Each function returns ``{"table": DataFrame, "json": dict}``; the CLI only renders.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from gapscore.scoring.datasets import DATASETS, DataStore, read_table, validate
from gapscore.scoring.errors import DataValidationError
from gapscore.scoring import signals as sig_mod


def capability(store: DataStore, sector: str, as_of: pd.Timestamp, cfg: dict) -> dict:
    table = store.sector(sector)
    result = sig_mod._capability(store, table, as_of, cfg)
    if result is None:
        payload = {"sector": sector, "as_of": as_of, "status": "insufficient_data", "level": None,
                   "velocity_per_year": None, "thresholds": [], "note": "the sector lists no capability benchmarks"}
        return {"table": pd.DataFrame([{"sector": sector, "status": "insufficient_data", "note": payload["note"]}]), "json": payload}
    thresholds = [t for t in result.thresholds if t.threshold in set(cfg["capability"]["thresholds"])]
    rows = [{
        "threshold": t.threshold,
        "year": None if not math.isfinite(t.year) else t.year,
        "low": None if not math.isfinite(t.low) else t.low,
        "high": None if not math.isfinite(t.high) else t.high,
        "passed": t.passed,
        "beyond_horizon": t.capped,
    } for t in thresholds]
    payload = {
        "sector": sector,
        "as_of": as_of,
        "status": result.status,
        "level": result.level,
        "observed_level": result.observed_level,
        "velocity_per_year": result.velocity_per_year,
        "interval": result.interval_level,
        "n_points": result.n_points,
        "benchmarks": list(result.benchmarks),
        "thresholds": rows,
        "per_benchmark": result.summary(),
    }
    head = pd.DataFrame([{"sector": sector, "as_of": as_of.date().isoformat(), "status": result.status,
                          "level": result.level, "velocity_per_year": result.velocity_per_year,
                          "n_points": result.n_points}])
    if not result.is_fitted:
        return {"table": head, "json": payload}
    return {"table": pd.DataFrame(rows).assign(level=result.level, velocity_per_year=result.velocity_per_year), "json": payload}


def _cost_payload(result) -> dict:
    frontier = result.frontier.rename(columns={"usd_per_mtok": "price"})
    return {
        "benchmark": result.benchmark,
        "threshold": result.threshold,
        "as_of": result.as_of,
        "status": result.status,
        "decline_factor_per_year": result.decline_factor_per_year,
        "ci90": list(result.ci90),
        "n_points": result.n_points,
        "start": result.start,
        "end": result.end,
        "r_squared": result.r_squared,
        "frontier": frontier[[c for c in ("model", "date", "price") if c in frontier.columns]],
    }


def cost(store: DataStore, sector: str | None, as_of: pd.Timestamp, cfg: dict, *, prices_file: Path | None = None,
         benchmark: str | None = None, threshold: float | None = None) -> dict:
    from gapscore.models.cost import fit_cost

    if prices_file is not None:
        spec = DATASETS["prices"]
        frame, problems = validate(read_table(prices_file, spec.schema), spec.schema, Path(prices_file), numeric_extras=True)
        if problems:
            raise DataValidationError(problems)
        if benchmark not in frame.columns:
            from gapscore.scoring.errors import DataFileError

            raise DataFileError(prices_file, 1, benchmark, f"no such benchmark column; found {', '.join(c for c in frame.columns if not c.startswith('_'))}")
        result = fit_cost(frame, benchmark=benchmark, threshold=threshold, as_of=as_of)
    else:
        table = store.sector(sector)
        result = sig_mod._cost(store, table, as_of)
        if result is None:
            payload = {"sector": sector, "as_of": as_of, "status": "insufficient_data", "decline_factor_per_year": None,
                       "ci90": [None, None], "n_points": 0, "start": None, "end": None, "frontier": [],
                       "note": "the sector has no price series (no [cost] table in sectors.toml)"}
            return {"table": pd.DataFrame([{"sector": sector, "status": "insufficient_data", "note": payload["note"]}]), "json": payload}
    payload = _cost_payload(result)
    if sector:
        payload = {"sector": sector, **payload}
    frontier = payload["frontier"].copy()
    if result.is_fitted:
        frontier["fitted"] = result.curve.predict(frontier["date"])
    return {"table": frontier, "json": payload}


def graduation(store: DataStore, sector: str | None, as_of: pd.Timestamp, cfg: dict, *, categories: list[str],
               rounds_file: Path | None, from_round: str, to_round: str, within: int) -> dict:
    from gapscore.models.graduation import fit_graduation

    if rounds_file is not None:
        spec = DATASETS["rounds"]
        rounds, problems = validate(read_table(rounds_file, spec.schema), spec.schema, Path(rounds_file))
        if problems:
            raise DataValidationError(problems)
        exits = None
    else:
        rounds = store.as_of("rounds", as_of)
        exits = store.as_of("exits", as_of)
    cats = list(categories)
    if not cats and sector:
        cats = list(store.sector(sector).get("round_categories", []))
    rounds = rounds[rounds["date"] <= as_of]
    # categories select the cohort; the graduating round may be filed under another one
    result = fit_graduation(rounds, exits, from_round=from_round, to_round=to_round, within_months=within,
                            as_of=as_of, categories=cats or None)
    published = store.as_of("graduation", as_of)
    published = published[(published["from_round"] == from_round) & (published["to_round"] == to_round)]
    if sector:
        published = published[published["sector"].isin([sector, "all"])]
    payload = {
        "sector": sector,
        "categories": cats,
        "as_of": as_of,
        "from": from_round,
        "to": to_round,
        "within_months": within,
        "cohorts": result.cohorts[[c for c in ("cohort", "n", "graduated", "rate", "low", "high") if c in result.cohorts.columns]],
        "survival": result.survival[[c for c in ("months", "probability", "low", "high", "at_risk", "events") if c in result.survival.columns]],
        "incidence": result.incidence,
        "trend": result.trend,
        "published": published[[c for c in ("sector", "cohort_start", "cohort_end", "window_months", "rate", "n", "published", "source") if c in published.columns]],
    }
    table = payload["cohorts"].copy()
    table.insert(0, "kind", "computed")
    return {"table": table, "json": payload}


def economics(store: DataStore, sector: str, as_of: pd.Timestamp, cfg: dict) -> dict:
    table = store.sector(sector)
    cost_result = sig_mod._cost(store, table, as_of)
    result, by_target = sig_mod._economics(table, cost_result, as_of, cfg)
    target = cfg["economics"]["target_share"]
    got = sig_mod.economics_at(by_target, target)
    if result is None or got is None:
        payload = {"sector": sector, "as_of": as_of, "viable_year": None, "low": None, "high": None,
                   "status": "insufficient_data", "note": "no cost projection for this sector as of this date"}
        return {"table": pd.DataFrame([{"sector": sector, "status": "insufficient_data", "note": payload["note"]}]), "json": payload}
    year, low, high, already = got
    frame = result.table if hasattr(result, "table") else result
    payload = {
        "sector": sector,
        "as_of": as_of,
        "status": "ok",
        "unit": table["economics"].get("unit"),
        "target_share": target,
        "viable_year": year,
        "low": low,
        "high": high,
        "already_viable": already,
        "table": frame,
    }
    return {"table": frame, "json": payload}
