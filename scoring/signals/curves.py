"""What the ``gapscore curve ...`` commands show: each model's result as a table and JSON.

Each function returns ``{"table": DataFrame, "json": dict}``; the CLI only renders.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from gapscore.scoring.inputs.datasets import DATASETS, DataStore, read_table, read_table_facts, validate
from gapscore.scoring.errors import DataValidationError
from gapscore.scoring.signals import sector as sig_mod

if TYPE_CHECKING:
    from gapscore.scoring.inputs.config_types import Config


def capability(store: DataStore, sector: str, as_of: pd.Timestamp, cfg: Config) -> dict:
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
    table = pd.DataFrame(rows).assign(level=result.level, velocity_per_year=result.velocity_per_year)
    return {"table": table, "json": payload, "text": capability_text(sector, as_of, result, table)}


def capability_text(sector: str, as_of: pd.Timestamp, result, table: pd.DataFrame) -> str:
    """The terminal answer of ``curve capability``: level, velocity and the threshold years first."""
    from gapscore.scoring.output import fmt_interval, fmt_percent, fmt_year, frame_to_table

    parts = []
    for r in table.itertuples():
        if r.passed:
            parts.append(f"{fmt_percent(r.threshold)} reached {fmt_year(r.year)}")
        elif r.beyond_horizon or r.year is None or not math.isfinite(r.year):
            parts.append(f"{fmt_percent(r.threshold)} not in sight")
        else:
            parts.append(f"{fmt_percent(r.threshold)} expected {fmt_year(r.year)} ({fmt_interval(r.low, r.high)})")
    lines = [f"{sector} as of {as_of.date()}: capability {fmt_percent(result.level)} of human (fitted; best observed "
             f"{fmt_percent(result.observed_level)}), rising {100 * result.velocity_per_year:.1f} points of the gap a year, "
             f"{result.n_points} record points; " + "; ".join(parts) + f" ({result.interval_level:.0%} intervals).", ""]
    return "\n".join(lines) + frame_to_table(table)


FIVE_YEARS = 5
"""Years after the as-of date of the headline projection (the issue's five-year check)."""


def _years_between(a: pd.Timestamp, b: pd.Timestamp) -> float:
    return (pd.Timestamp(b) - pd.Timestamp(a)).days / 365.2425


def cost_headline(result, as_of: pd.Timestamp, cfg: Config, table: dict | None = None, viable: tuple | None = None) -> dict:
    """The cost curve's headline: rates raw and shrunk, data span, projection, floor, viable year.

    Returns ``{"rows": [(label, value, format)], "json": {...}}``; the CLI table, the
    JSON and the memo's Cost sheet all show these numbers.
    """
    import numpy as np

    out: dict = {"status": result.status, "unit": result.unit, "n_points": result.n_points,
                 "start": result.start, "end": result.end,
                 "span_years": None if pd.isna(result.start) else _years_between(result.start, result.end)}
    rows = [("status", result.status, None), ("unit", result.unit, None)]
    compute = result.from_compute
    if result.is_fitted:
        out.update(decline_factor_per_year=result.decline_factor_per_year, ci90=list(result.ci90))
        rows += [("price falls per year, fitted (x)", result.decline_factor_per_year, "multiple"),
                 ("90% CI, slow (x)", result.ci90[0], "multiple"), ("90% CI, fast (x)", result.ci90[1], "multiple")]
        if result.shrunk is not None and result.shrunk.pool is None:
            rows.append(("shrunk toward the pool (x)", "not shrunk: no pool of other series", None))
        elif result.shrunk is not None:
            sh = result.shrunk
            ci = sh.ci(0.9)
            out.update(shrunk_factor=sh.factor, shrunk_ci90=list(ci), pool_weight=sh.weight,
                       pool=None if sh.pool is None else {"factor": sh.pool.factor, "tau": float(np.sqrt(sh.pool.tau2)), "k": sh.pool.k, "series": list(sh.pool.labels)})
            rows += [("shrunk toward the pool (x)", sh.factor, "multiple"), ("shrunk 90% CI, slow (x)", ci[0], "multiple"),
                     ("shrunk 90% CI, fast (x)", ci[1], "multiple"), ("weight on the pool", sh.weight, "share")]
            if sh.pool is not None:
                rows += [("pooled rate of the sectors' price series (x)", sh.pool.factor, "multiple"),
                         ("spread between series (sd of ln rate)", float(np.sqrt(sh.pool.tau2)), "number"),
                         ("series pooled", ", ".join(sh.pool.labels), None)]
        if compute:
            proj = result.projection
            out.update(hardware_factor=result.curve.decline_factor_per_year_, algorithmic_factor=proj.algorithmic_factor)
            rows += [("  of which cloud price of compute (x)", result.curve.decline_factor_per_year_, "multiple"),
                     ("  of which algorithmic efficiency (x)", proj.algorithmic_factor, "multiple")]
    rows += [("data points", result.n_points, "integer"), ("first data point", result.start, "date"),
             ("last data point", result.end, "date"), ("span of the data (years)", out["span_years"], "number")]
    if result.is_fitted and result.projection is not None and not compute:
        from gapscore.models._frontier import from_decimal_year

        start = from_decimal_year([result.projection.end_])[0]
        out.update(projection_start=start, projection_start_price=float(np.exp(result.projection.level_end_)))
        rows += [("projection starts (prices cover the benchmark until)", start, "date"),
                 ("  from the cheapest price standing then", out["projection_start_price"], "raw")]
    if result.is_fitted and result.projection is not None:
        proj = result.projection
        dates = pd.DatetimeIndex([as_of, as_of + pd.DateOffset(years=FIVE_YEARS)])
        frame = result.project(dates, 0.9)
        fall = float(frame["price"].iloc[0] / frame["price"].iloc[1])
        out.update(price_as_of=float(frame["price"].iloc[0]), price_5y=float(frame["price"].iloc[1]),
                   price_5y_ci90=[float(frame["low"].iloc[1]), float(frame["high"].iloc[1])], fall_5y=fall,
                   floor_5y=float(frame["floor"].iloc[1]))
        rows += [(f"price at the as-of date ({result.unit})", out["price_as_of"], "raw"),
                 (f"price {FIVE_YEARS} years on", out["price_5y"], "raw"),
                 ("  90% interval, low", out["price_5y_ci90"][0], "raw"), ("  90% interval, high", out["price_5y_ci90"][1], "raw"),
                 (f"fall over the {FIVE_YEARS} years (x)", fall, "multiple"),
                 (f"floor {FIVE_YEARS} years on (electricity of the compute)", out["floor_5y"], "raw")]
        if not compute:
            lr = proj.long_run
            r0, rl = -proj.shrunk.slope, -lr.slope
            bound = float(np.exp(FIVE_YEARS * rl + max(r0 - rl, 0.0) * proj.tau_))
            out.update(long_run_factor=lr.factor, long_run_range=[lr.slow, lr.fast], persistence_years=proj.tau_, bound_5y=bound,
                       long_run_label=lr.label)
            scenarios = {}
            for key, rate in sig_mod.long_run_rates(cfg).items():
                if key != "central":
                    scenarios[key] = {"label": rate.label, "long_run_factor": rate.factor,
                                      "price_5y": float(proj.with_long_run(rate).predict(dates[1:])[0])}
            out["scenarios"] = scenarios
            rows += [("long-run rate the projection moves to (x)", lr.factor, "multiple"),
                     ("  range, slow (x)", lr.slow, "multiple"), ("  range, fast (x)", lr.fast, "multiple"),
                     ("  made of", lr.label, None),
                     ("fitted rate persists past the data for (years, e-folding)", proj.tau_, "number"),
                     (f"bound on any {FIVE_YEARS}-year fall: exp(5 r_lr + (r0 - r_lr) tau) (x)", bound, "multiple")]
            rows += [(f"{key.replace('_', ' ')} scenario: price {FIVE_YEARS} years on", v["price_5y"], "raw") for key, v in scenarios.items()]
    if viable is not None:
        year, low, high, already = viable
        out.update(viable_year=year, viable_low=None if low is None or not np.isfinite(low) else low,
                   viable_high=None if high is None or not np.isfinite(high) else high, already_viable=already)
        rows += [(f"unit economics viable (inference <= {cfg['economics']['target_share']:.0%} of revenue)",
                  f"already (by {year:.0f})" if already else ("not within the horizon" if year is None else year), None if already or year is None else "calendar_year")]
        if not already:
            rows += [("  early (low price)", out["viable_low"], "calendar_year"), ("  late (high price)", out["viable_high"], "calendar_year")]
    return {"rows": rows, "json": out}


def cost_projection_table(result, as_of: pd.Timestamp, cfg: Config, *, level: float, years_ahead: int) -> pd.DataFrame:
    """Mid-year projection from the first data year to ``years_ahead`` after the as-of date.

    Columns date, price, low, high, floor, phase, price_data / price_projection (the
    central price split where the data end, the last data year in both so the lines
    join), rate (annual decline) and one column per hardware scenario (``attrs``).
    """
    import numpy as np

    years = np.arange(int(result.start.year), int(as_of.year) + years_ahead + 1)
    dates = pd.DatetimeIndex([pd.Timestamp(f"{y}-07-01") for y in years])
    table = result.project(dates, level)
    data = (table["phase"] == "data").to_numpy()
    last = np.flatnonzero(data)
    joined = ~data
    if last.size:
        joined[last[-1]] = True
    table["price_data"] = np.where(data, table["price"], np.nan)
    table["price_projection"] = np.where(joined, table["price"], np.nan)
    proj = result.projection
    if not result.from_compute:
        table["rate"] = proj.rate(dates)
        rates = sig_mod.long_run_rates(cfg)
        scenarios = {}
        for key in ("ml_gpus", "b200_cadence"):
            table[key] = np.where(joined, proj.with_long_run(rates[key]).predict(dates), np.nan)
            scenarios[key] = rates[key].label
        table.attrs["scenarios"] = scenarios
    else:
        table["rate"] = result.decline_factor_per_year
    return table


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


def _show(value: object, fmt: str | None) -> str:
    """A headline value as the terminal shows it (scoring.output's formatters; "raw":
    three significant figures, so a price of 4.4e-06 never reads 0.00)."""
    from gapscore.scoring.output import fmt_value

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if fmt == "raw":
            return f"{value:.3g}"
        kind = {"share": "percent", "integer": "count", "calendar_year": "calendar_year", "year": "year", "multiple": "multiple"}.get(fmt or "")
        return fmt_value(int(round(value)) if fmt == "calendar_year" else value, kind)
    return str(value)


def _headline_table(head: dict, sector: str | None) -> pd.DataFrame:
    rows = [{"": label, "value": _show(value, fmt)} for label, value, fmt in head["rows"]]
    return pd.DataFrame(rows)


def cost(store: DataStore, sector: str | None, as_of: pd.Timestamp, cfg: Config, *, prices_file: Path | None = None,
         benchmark: str | None = None, threshold: float | None = None) -> dict:
    """``curve cost``: the headline (rates raw and shrunk, span, projection, viable year), then the data.

    ``lead`` is the headline the terminal table shows first; ``table`` the frontier
    (the CSV); the JSON carries the headline under "headline", with the frontier and
    the projection by year.
    """
    from gapscore.models.cost import fit_cost, with_projection

    viable = None
    if prices_file is not None:
        spec = DATASETS["prices"]
        frame, problems = validate(read_table(prices_file, spec.schema), spec.schema, Path(prices_file), numeric_extras=True)
        if problems:
            raise DataValidationError(problems)
        if benchmark not in frame.columns:
            from gapscore.scoring.errors import DataFileError

            raise DataFileError(prices_file, 1, benchmark, f"no such benchmark column; found {', '.join(c for c in frame.columns if not c.startswith('_'))}")
        result = fit_cost(frame, benchmark=benchmark, threshold=threshold, as_of=as_of)
        # A user's series alone: no pool to shrink toward; long-run regression and floor as for every sector.
        result = with_projection(result, pool=None, long_run=sig_mod.long_run_rates(cfg)["central"],
                                 floor=sig_mod.token_floor(cfg), persistence=cfg["cost"]["persistence"],
                                 observed_end=sig_mod.observed_end(frame, benchmark, as_of))
    else:
        table = store.sector(sector)
        result = sig_mod._cost(store, table, as_of, cfg)
        if result is None:
            payload = {"sector": sector, "as_of": as_of, "status": "insufficient_data", "decline_factor_per_year": None,
                       "ci90": [None, None], "n_points": 0, "start": None, "end": None, "frontier": [],
                       "note": "the sector has no price series (no [cost] table in sectors.toml)"}
            return {"table": pd.DataFrame([{"sector": sector, "status": "insufficient_data", "note": payload["note"]}]), "json": payload}
        _, by_target = sig_mod._economics(table, result, as_of, cfg)
        viable = sig_mod.economics_at(by_target, cfg["economics"]["target_share"])
    head = cost_headline(result, as_of, cfg, None, viable)
    payload = _cost_payload(result)
    payload["headline"] = head["json"]
    if result.is_fitted:
        payload["projection"] = cost_projection_table(result, as_of, cfg, level=cfg["capability"]["interval"], years_ahead=FIVE_YEARS)
    if sector:
        payload = {"sector": sector, **payload}
    frontier = payload["frontier"].copy()
    if result.is_fitted and result.curve is not None:
        frontier["fitted"] = result.curve.predict(frontier["date"])
    return {"table": frontier, "json": payload, "lead": _headline_table(head, sector)}


def graduation(store: DataStore, sector: str | None, as_of: pd.Timestamp, cfg: Config, *, categories: list[str],
               rounds_file: Path | None, from_round: str, to_round: str, within: int) -> dict:
    from gapscore.models.graduation import fit_graduation

    if rounds_file is not None:
        spec = DATASETS["rounds"]
        raw, facts = read_table_facts(rounds_file, spec.schema)  # facts: the loader's checks per category in C++
        rounds, problems = validate(raw, spec.schema, Path(rounds_file), facts=facts)
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
    ends = store.source_ends(rounds, "rounds")  # each file censored at its own end
    level = float(cfg["graduation"]["interval"])  # the Wilson coverage of every computed rate
    result = fit_graduation(rounds, exits, from_round=from_round, to_round=to_round, within_months=within,
                            as_of=censor, categories=cats or None, censor_at=ends, ci_level=level)
    file_ends = ({str(f): pd.Timestamp(d) for f, d in ends.groupby(rounds["_file"].astype(str)).max().items()}
                 if "_file" in rounds.columns and len(rounds) else {})
    if len({Path(f).name for f in file_ends}) == len(file_ends):  # names suffice unless two files share one
        file_ends = {Path(f).name: d for f, d in file_ends.items()}
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
        "note": censoring_note(data_end if len(rounds) else None, as_of, within, from_round) + (
            "; each file is censored at its own end: " + ", ".join(f"{f} {d.date()}" for f, d in sorted(file_ends.items()))
            if len(set(file_ends.values())) > 1 else ""),
        "file_ends": file_ends,
        "cohorts": _mark_censored(result.cohorts)[[c for c in ("cohort", "entered", "n", "graduated", "rate", "low", "high", "censored") if c in result.cohorts.columns or c == "censored"]],
        "survival": result.survival[[c for c in ("months", "probability", "low", "high", "at_risk", "events") if c in result.survival.columns]],
        "incidence": result.incidence,
        "trend": result.trend,
        "published": published[[c for c in ("sector", "cohort_start", "cohort_end", "window_months", "rate", "n", "published", "source") if c in published.columns]],
    }
    table = payload["cohorts"].copy()
    table.insert(0, "kind", "computed")
    headline = graduation_headline(result, from_round, to_round, within, level=level)
    payload["headline"] = headline
    return {"table": table, "json": payload, "text": graduation_text(headline, payload)}


def _mark_censored(cohorts: pd.DataFrame) -> pd.DataFrame:
    """``censored``: part of the cohort's windows run past the data's end (entered > n)."""
    out = cohorts.copy()
    out["censored"] = out["entered"] > out["n"] if "entered" in out.columns else False
    return out


def censoring_note(data_end: pd.Timestamp | None, as_of: pd.Timestamp, within: int, from_round: str) -> str:
    """One line: where the round data ends, and which cohorts that cuts (``data_end``
    None: no round is known on ``as_of``)."""
    if data_end is None:
        return f"no round known on {as_of.date()}: no {from_round} cohort to follow"
    if data_end >= as_of:
        return f"rounds data runs to {as_of.date()}; cohorts whose {within}-month window has not closed are left out"
    last_full = (data_end - pd.DateOffset(months=within)).date()
    return (f"rounds data ends {data_end.date()}, before the as-of date {as_of.date()}: graduation is censored there; "
            f"{from_round} rounds after {last_full} have no full {within}-month window, so their cohorts are marked "
            "censored (partial) or left out")


def economics(store: DataStore, sector: str, as_of: pd.Timestamp, cfg: Config) -> dict:
    table = store.sector(sector)
    cost_result = sig_mod._cost(store, table, as_of, cfg)
    result, by_target = sig_mod._economics(table, cost_result, as_of, cfg)
    target = cfg["economics"]["target_share"]
    got = sig_mod.economics_at(by_target, target)
    if result is None or got is None:
        payload = {"sector": sector, "as_of": as_of, "viable_year": None, "low": None, "high": None,
                   "status": "insufficient_data", "note": "no cost projection for this sector as of this date"}
        return {"table": pd.DataFrame([{"sector": sector, "status": "insufficient_data", "note": payload["note"]}]), "json": payload}
    year, low, high, already = got
    frame = result.table if hasattr(result, "table") else result
    head = cost_headline(cost_result, as_of, cfg, table, got) if cost_result is not None else None
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
    if head is not None:
        payload["headline"] = head["json"]
    lead = _headline_table(head, sector) if head is not None else pd.DataFrame()
    return {"table": frame, "json": payload, "lead": lead}


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


def graduation_headline(result, from_round: str, to_round: str, within: int, *, level: float = 0.95) -> dict:
    """The numbers ``curve graduation`` leads with: the pooled rate over cohorts whose window
    has closed (with the Wilson interval of the pooled count), the share graduated by ``within``
    months and the median months to the next round (Kaplan-Meier; None when more than half
    never graduate in the data), and the survival curve read at ``SURVIVAL_CHECKPOINTS_MONTHS``."""
    from statsmodels.stats.proportion import proportion_confint

    cohorts = result.cohorts
    n = int(cohorts["n"].sum()) if len(cohorts) else 0
    grads = int(cohorts["graduated"].sum()) if len(cohorts) else 0
    rate = grads / n if n else None
    # level: graduation.interval (round: 1 - 0.95 is 0.05 + 4e-17)
    low, high = proportion_confint(grads, n, alpha=round(1.0 - level, 12), method="wilson") if n else (None, None)
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
