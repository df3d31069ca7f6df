"""How the backtest's calls compare with what happened, and with simple baselines.

Pure functions over the frame ``scoring.backtest.forward_outcomes`` returns (one row
per sector and as-of date, with forward outcomes). Every metric says how many
sector-years it rests on: with one sector's published funding history the samples are
small, and the report says so rather than hide it.

Strategies compared on the same rows:

- ``gapscore``: the early-stage score max(seed, Series A); invests (early stage) when
  the recommendation is seed or Series A.
- ``gapscore_any``: max(seed, Series A, Series B); invests on any of those calls.
- ``always``: always invests (score constant).
- ``momentum``: follows the funding direction of the as-of year (outcomes.csv), as if
  it had been observed then; invests after a surge year. The label was published
  later (2024), so this baseline is given information an investor had only roughly.
- ``capability``: the observed capability level alone; invests once it reaches
  ``backtest.baseline_capability_level``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.metrics import confusion_matrix, precision_score, recall_score

from gapscore.models._frontier import year_of
from gapscore.scoring.stage_model import STAGES

if TYPE_CHECKING:
    from gapscore.scoring.inputs.config_types import Config

STRATEGIES = ("gapscore", "gapscore_any", "always", "momentum", "capability")
EARLY = ("seed", "series_a")
TARGETS = {
    "fwd_capability_gain": "capability gained over the next years (share of human)",
    "fwd_funding": "funding direction over the next years (+1 surge, -1 decline)",
    "in_early_window": "the realized milestone fell in the seed/Series A window",
}


def add_baselines(frame: pd.DataFrame, cfg: Config) -> pd.DataFrame:
    """Score and invest columns for every strategy: ``score_<s>``, ``invest_<s>``."""
    out = frame.copy()
    level = cfg["backtest"]["baseline_capability_level"]
    out["score_gapscore"] = out[list(EARLY)].max(axis=1)
    out["invest_gapscore"] = out["recommendation"].isin(EARLY).astype(float)
    out["score_gapscore_any"] = out[[*EARLY, "series_b"]].max(axis=1)
    out["invest_gapscore_any"] = out["recommendation"].isin([*EARLY, "series_b"]).astype(float)
    out["score_always"] = 1.0
    out["invest_always"] = 1.0
    out["score_momentum"] = out["funding_now"]
    out["invest_momentum"] = (out["funding_now"] > 0).astype(float)
    observed = pd.to_numeric(out["observed_level"], errors="coerce")
    out["score_capability"] = observed
    out["invest_capability"] = (observed >= level).astype(float)
    return out


def rank_correlation(x, y) -> dict:
    """Spearman's rho with its p-value and the number of pairs (NaN pairs dropped)."""
    x = pd.to_numeric(pd.Series(x), errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(pd.Series(y), errors="coerce").to_numpy(dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    n = int(keep.sum())
    if n < 3 or np.unique(x[keep]).size < 2 or np.unique(y[keep]).size < 2:
        return {"rho": None, "p_value": None, "n": n}
    res = spearmanr(x[keep], y[keep])
    return {"rho": round(float(res.statistic), 6), "p_value": round(float(res.pvalue), 6), "n": n}


def classification(invest, truth) -> dict:
    """Precision, recall and balanced accuracy of invest calls against a 0/1 truth (NaN truth dropped).

    Counts from ``sklearn.metrics.confusion_matrix``; precision and the true-positive
    and true-negative rates from ``precision_score`` and ``recall_score``, each rounded
    to 6 decimals as reported; balanced accuracy is the mean of the two reported rates
    (``balanced_accuracy_score`` up to that rounding, at most 1e-6 apart). A metric
    whose denominator is empty (no invest call, no positive, no negative) is None.
    """
    invest = np.asarray(invest, dtype=float)
    truth = np.asarray(truth, dtype=float)
    keep = np.isfinite(truth) & np.isfinite(invest)
    inv, tru = invest[keep] > 0, truth[keep] > 0
    n = int(keep.sum())
    tn, fp, fn, tp = (int(c) for c in confusion_matrix(tru, inv, labels=[False, True]).ravel()) if n else (0, 0, 0, 0)

    def rate(metric, defined: bool, **kwargs):
        return round(float(metric(tru, inv, zero_division=0.0, **kwargs)), 6) if defined else None

    precision = rate(precision_score, tp + fp > 0)
    tpr = rate(recall_score, tp + fn > 0)
    tnr = rate(recall_score, tn + fp > 0, pos_label=False)
    balanced = None if tpr is None or tnr is None else round((tpr + tnr) / 2, 6)
    return {"n": n, "positives": tp + fn, "invest_calls": tp + fp, "precision": precision,
            "recall": tpr, "balanced_accuracy": balanced}


def lead_times(frame: pd.DataFrame, realized: dict) -> list[dict]:
    """Per sector: the first seed (and first seed-or-A) call against the milestone and the surge."""
    out = []
    for sector, rows in frame.groupby("sector", sort=True):
        rows = rows.sort_values("as_of")
        seed = rows.loc[rows["recommendation"] == "seed", "as_of"]
        early = rows.loc[rows["recommendation"].isin(EARLY), "as_of"]
        real = realized[sector]
        first_seed = str(seed.iloc[0]) if len(seed) else None
        first_early = str(early.iloc[0]) if len(early) else None
        ms = real.milestone_year

        def lead(target, first):
            if target is None or first is None:
                return None
            return round(float(target) - year_of(first), 3)

        out.append({
            "sector": sector,
            "first_seed_call": first_seed,
            "first_early_call": first_early,
            "milestone_year": None if ms is None else round(ms, 3),
            "milestone_origin": real.milestone_origin,
            "data_milestone_year": None if real.data_milestone_year is None else round(real.data_milestone_year, 3),
            "surge_year": real.surge_year,
            "lead_to_milestone_seed": lead(ms, first_seed),
            "lead_to_milestone_early": lead(ms, first_early),
            "lead_to_surge_seed": lead(real.surge_year, first_seed),
            "lead_to_surge_early": lead(real.surge_year, first_early),
        })
    return out


def series_b_coincidence(frame: pd.DataFrame) -> dict:
    """Do Series B calls fall in years when gaps remained and funding was strong?

    Only sector-years with a funding label count. ``precision``: share of Series B
    calls in such years; ``recall``: share of such years that got a Series B call.
    """
    labelled = frame[np.isfinite(frame["funding_now"]) & np.isfinite(frame["gaps_remained"])]
    good = (labelled["gaps_remained"] > 0) & (labelled["funding_now"] > 0)
    calls = labelled["recommendation"] == "series_b"
    n_calls, n_good = int(calls.sum()), int(good.sum())
    hit = int((calls & good).sum())
    return {
        "labelled_sector_years": int(len(labelled)),
        "series_b_calls": n_calls,
        "series_b_calls_all_years": int((frame["recommendation"] == "series_b").sum()),
        "gaps_and_strong_funding_years": n_good,
        "coinciding": hit,
        "precision": None if n_calls == 0 else round(hit / n_calls, 6),
        "recall": None if n_good == 0 else round(hit / n_good, 6),
    }


def stage_correlations(frame: pd.DataFrame) -> list[dict]:
    """Spearman rank correlation of each stage score with each forward outcome across sector-years."""
    return [{"stage": s, "outcome": t, **rank_correlation(frame[s], frame[t])} for s in STAGES for t in TARGETS]


def baseline_comparison(frame: pd.DataFrame) -> list[dict]:
    """Every strategy on every outcome: rank correlation of its score, classification of its calls."""
    rows = []
    for strat in STRATEGIES:
        for target in TARGETS:
            corr = rank_correlation(frame[f"score_{strat}"], frame[target])
            truth = frame[target] if target == "in_early_window" else np.where(np.isfinite(frame[target]), (frame[target] > 0).astype(float), np.nan)
            cls = classification(frame[f"invest_{strat}"], truth)
            rows.append({"strategy": strat, "outcome": target, "rho": corr["rho"], "rho_n": corr["n"], **cls})
    return rows


def verdicts(comparison: list[dict]) -> list[str]:
    """Plain sentences: where gapscore beats each baseline and where it does not."""
    by = {(r["strategy"], r["outcome"]): r for r in comparison}
    lines = []
    for target, label in TARGETS.items():
        ours = by[("gapscore", target)]
        for strat in STRATEGIES[2:]:
            base = by[(strat, target)]
            for metric, name in (("balanced_accuracy", "balanced accuracy of invest calls"), ("rho", "rank correlation")):
                a, b = ours[metric], base[metric]
                n = ours["n"] if metric == "balanced_accuracy" else ours["rho_n"]
                if a is None or b is None:
                    if a is not None and metric == "rho":
                        continue  # a constant score has no rank correlation: nothing to compare
                    lines.append(f"{label}: no comparison with '{strat}' on {name} (too few labelled sector-years, n={n})")
                    continue
                word = "beats" if a > b + 1e-9 else ("ties" if abs(a - b) <= 1e-9 else "does not beat")
                lines.append(f"{label}: gapscore {word} '{strat}' on {name} ({a:.2f} vs {b:.2f}, n={n})")
    return lines


def measured(frame: pd.DataFrame) -> pd.DataFrame:
    """Sector-years where the capability curve could be fitted on the as-of date.

    Elsewhere the tool says "watch: insufficient data" and every stage score is built
    from missing-value placeholders, which carry no ranking information; correlations
    and comparisons use the measured rows only (and say how many there are).
    """
    return frame[pd.to_numeric(frame["capability_level"], errors="coerce").notna()]


def all_metrics(frame: pd.DataFrame, realized: dict, cfg: Config) -> dict:
    scored = measured(frame)
    comparison = baseline_comparison(scored)
    return {
        "lead_times": lead_times(frame, realized),
        "series_b": series_b_coincidence(frame),
        "measured_sector_years": int(len(scored)),
        "sector_years": int(len(frame)),
        "rank_correlations": stage_correlations(scored),
        "baselines": comparison,
        "verdicts": verdicts(comparison),
    }

