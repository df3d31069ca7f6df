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
    if result.status != "ok":
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
    if result.status == "ok":
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
    # The data ends at its last round: a later as-of date adds no follow-up. Censor
    # there, so a cohort whose window runs past the data's end is partial (marked) or,
    # with no window closed, left out, rather than shown as low graduation.
    data_end = pd.Timestamp(rounds["date"].max()) if len(rounds) else as_of
    censor = min(as_of, data_end)
    # categories select the cohort; the graduating round may be filed under another one
    result = fit_graduation(rounds, exits, from_round=from_round, to_round=to_round, within_months=within,
                            as_of=censor, categories=cats or None)
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
        "data_end": data_end,
        "censored_at": censor,
        "note": censoring_note(data_end, as_of, within, from_round),
        "cohorts": _mark_censored(result.cohorts)[[c for c in ("cohort", "entered", "n", "graduated", "rate", "low", "high", "censored") if c in result.cohorts.columns or c == "censored"]],
        "survival": result.survival[[c for c in ("months", "probability", "low", "high", "at_risk", "events") if c in result.survival.columns]],
        "incidence": result.incidence,
        "trend": result.trend,
        "published": published[[c for c in ("sector", "cohort_start", "cohort_end", "window_months", "rate", "n", "published", "source") if c in published.columns]],
    }
    table = payload["cohorts"].copy()
    table.insert(0, "kind", "computed")
    headline = graduation_headline(result, from_round, to_round, within)
    payload["headline"] = headline
    return {"table": table, "json": payload, "text": graduation_text(headline, payload)}


def _mark_censored(cohorts: pd.DataFrame) -> pd.DataFrame:
    """``censored``: part of the cohort's windows run past the data's end (entered > n)."""
    out = cohorts.copy()
    out["censored"] = out["entered"] > out["n"] if "entered" in out.columns else False
    return out


def censoring_note(data_end: pd.Timestamp, as_of: pd.Timestamp, within: int, from_round: str) -> str:
    """One line: where the round data ends, and which cohorts that cuts."""
    if data_end >= as_of:
        return f"rounds data runs to {as_of.date()}; cohorts whose {within}-month window has not closed are left out"
    last_full = (data_end - pd.DateOffset(months=within)).date()
    return (f"rounds data ends {data_end.date()}, before the as-of date {as_of.date()}: graduation is censored there; "
            f"{from_round} rounds after {last_full} have no full {within}-month window, so their cohorts are marked "
            "censored (partial) or left out")


def economics(store: DataStore, sector: str, as_of: pd.Timestamp, cfg: dict) -> dict:
    table = store.sector(sector)
    cost_result = sig_mod._cost(store, table, as_of)
    result, by_target = sig_mod._economics(table, cost_result, as_of, cfg)
    target = cfg["economics"]["target_share"]
    got = by_target.get(round(target, 6))
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


SURVIVAL_CHECKPOINTS_MONTHS = (6, 12, 18, 24, 36, 48)
"""Months since the first round at which the terminal table reads the Kaplan-Meier curve (display only)."""


def _step_at(frame: pd.DataFrame, months: float, cols: tuple[str, ...]) -> dict | None:
    """A right-continuous step curve's values at ``months`` (None before its first step or past its data)."""
    if frame is None or not len(frame) or months > float(frame["months"].max()):
        return None
    before = frame[frame["months"] <= months]
    if not len(before):
        return {c: (1.0 if c in ("probability", "low", "high", "still_waiting") else 0.0) for c in cols}
    row = before.iloc[-1]
    return {c: float(row[c]) for c in cols if c in frame.columns}


def graduation_headline(result, from_round: str, to_round: str, within: int) -> dict:
    """The numbers ``curve graduation`` leads with: the pooled rate over cohorts whose window
    has closed (with the Wilson interval of the pooled count), the share graduated by ``within``
    months and the median months to the next round (Kaplan-Meier; None when more than half
    never graduate in the data), and the survival curve read at ``SURVIVAL_CHECKPOINTS_MONTHS``."""
    from statsmodels.stats.proportion import proportion_confint

    cohorts = result.cohorts
    n = int(cohorts["n"].sum()) if len(cohorts) else 0
    grads = int(cohorts["graduated"].sum()) if len(cohorts) else 0
    rate = grads / n if n else None
    low, high = proportion_confint(grads, n, alpha=0.05, method="wilson") if n else (None, None)
    surv = result.survival
    median = None
    if len(surv):
        below = surv[surv["probability"] <= 0.5]
        median = float(below["months"].iloc[0]) if len(below) else None
    at_window = _step_at(result.incidence, within, ("graduated", "exited", "still_waiting"))
    checkpoints = []
    for m in SURVIVAL_CHECKPOINTS_MONTHS:
        got = _step_at(surv, m, ("probability", "low", "high", "at_risk"))
        inc = _step_at(result.incidence, m, ("graduated", "exited"))
        if got is not None:
            checkpoints.append({"months": m, "still_waiting": got["probability"], "low": got["low"], "high": got["high"],
                                "graduated": None if inc is None else inc["graduated"],
                                "exited": None if inc is None else inc["exited"]})
    return {
        "from": from_round, "to": to_round, "within_months": within,
        "companies": n, "graduated": grads, "pooled_rate": rate,
        "pooled_low": None if low is None else float(low), "pooled_high": None if high is None else float(high),
        "graduated_by_window": None if at_window is None else at_window["graduated"],
        "median_months": median,
        "companies_followed": int(surv["at_risk"].iloc[0]) if len(surv) else 0,
        "longest_follow_up_months": float(surv["months"].max()) if len(surv) else None,
        "checkpoints": checkpoints,
    }


def graduation_text(h: dict, payload: dict) -> str:
    """The terminal answer of ``curve graduation``: the headline, the survival figures, then the cohorts."""
    from gapscore.scoring.output import fmt_percent, frame_to_table

    def pct(v):
        return "n/a" if v is None else fmt_percent(v)

    who = payload["sector"] or (", ".join(payload["categories"]) if payload["categories"] else "all rounds")
    as_of = pd.Timestamp(payload["as_of"]).date()
    lines = [f"{h['from']} to {h['to']} within {h['within_months']} months, {who}, as of {as_of}:"]
    if h["companies"]:
        lines.append(f"  pooled rate {pct(h['pooled_rate'])} (95% Wilson {pct(h['pooled_low'])} to {pct(h['pooled_high'])}): "
                     f"{h['graduated']:,} of {h['companies']:,} companies in cohorts whose window has closed")
    else:
        lines.append("  no cohort whose window has closed")
    if h["companies_followed"]:
        med = (f"median time to {h['to']} {h['median_months']:.1f} months" if h["median_months"] is not None else
               f"median time to {h['to']} not reached: more than half had not raised it after "
               f"{h['longest_follow_up_months']:.0f} months of follow-up")
        lines.append(f"  Kaplan-Meier over {h['companies_followed']:,} companies (exits censored): "
                     f"{pct(h['graduated_by_window'])} graduated by {h['within_months']} months; {med}")
    lines.append("")
    if h["checkpoints"]:
        lines += ["survival (share still waiting, 95% interval) and cumulative incidence by months since the first round:",
                  frame_to_table(pd.DataFrame(h["checkpoints"]), kinds={"months": None, "still_waiting": "percent", "low": "percent",
                                                                        "high": "percent", "graduated": "percent", "exited": "percent"})]
    published = payload["published"]
    if isinstance(published, pd.DataFrame) and len(published):
        lines += ["published rates known on the as-of date:",
                  frame_to_table(published.drop(columns=[c for c in ("source",) if c in published.columns]))]
    cohorts = payload["cohorts"]
    lines += [f"cohorts (share reaching {h['to']} within {h['within_months']} months, 95% Wilson interval):",
              frame_to_table(cohorts) if len(cohorts) else "(no cohorts)\n"]
    return "\n".join(lines)
