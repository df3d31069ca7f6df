"""Portfolio glue: stage scores -> allocation -> fund simulation, and holdings review.

This module joins the scoring layer to the pure fund models of
``gapscore.models.portfolio``. It reads the ``[portfolio]`` section of the
configuration, turns the sectors' stage scores into an explained allocation
(:func:`~gapscore.models.portfolio.allocate`), simulates funds holding it
(:func:`~gapscore.models.portfolio.simulate_fund`) and reviews an existing portfolio
against the scores. It prints nothing and writes no files: results are frozen
dataclasses holding DataFrames, with ``as_dict`` (for JSON) and ``text`` (for the
terminal); ``scoring.report.portfolio_book`` writes the workbooks.

Two rules sit between the scores and the allocation, both stated in every reason:

- A (sector, stage) takes capital only when the factor the recommendation rests on
  for that stage was *measured* (``STAGE_EVIDENCE``, as in
  ``scoring.signals.timing.recommend``: a score carried by the missing-data value
  recommends nothing, so it funds nothing either).
- Per-sector graduation rates come from the data only with
  ``portfolio.sector_graduation = "data"`` (see ``defaults.toml`` for why "none" is
  the default).

Example::

    from gapscore.scoring.inputs.config import load_config
    from gapscore.scoring.inputs.datasets import DataStore
    from gapscore.scoring.portfolio.builder import build

    result = build(DataStore(), pd.Timestamp("2024-06-30"), load_config(), sims=20_000)
    result.as_dict()["tvpi"]
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gapscore.models.exceptions import InputError
from gapscore.models.portfolio import (
    STAGES,
    ExitDistribution,
    FundOutcome,
    SimulationParams,
    allocate,
    format_usd,
    simulate_fund,
)
from gapscore.scoring.inputs import config as config_mod
from gapscore.scoring.inputs import schemas
from gapscore.scoring.inputs.datasets import DataStore, read_table, validate
from gapscore.scoring.errors import DataFileError, DataValidationError
from gapscore.scoring.signals.sector import row_population
from gapscore.scoring.stage_model import FACTOR_BY_KEY, STAGE_LABELS, STAGE_MODEL

if TYPE_CHECKING:
    from gapscore.scoring.inputs.config_types import Config

__all__ = [
    "STAGE_LABELS",
    "STAGE_EVIDENCE",
    "SIGNALS",
    "TVPI_CHART_EDGES",
    "PortfolioSettings",
    "PortfolioBuild",
    "PortfolioReview",
    "settings_from_config",
    "config_comments",
    "stage_scores",
    "sector_graduation_from_data",
    "build_from_scores",
    "build",
    "read_holdings",
    "review_holdings",
    "review",
]

STAGE_EVIDENCE: Mapping[str, str] = MappingProxyType({s.id: s.evidence for s in STAGE_MODEL})
"""The factor each stage's recommendation rests on (``scoring.stage_model.Stage.evidence``).

A stage whose factor could not be measured (None: no capability curve, no cost
curve) scores on the missing-data value; such a score gets no capital and no
follow-on."""

_EVIDENCE_TEXT = {key: FACTOR_BY_KEY[key].evidence for key in STAGE_EVIDENCE.values()}

SIGNALS = ("follow on", "hold", "prepare exit")
"""The plain signals of ``portfolio review``."""

GRADUATION_TRANSITIONS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "seed": ("seed", "series_a"),
    "series_a": ("series_a", "series_b"),
    "series_b": ("series_b", "series_c"),
})
"""Model stage -> (from_round, to_round) in graduation.csv. A growth company's
'graduation' is an exit, which the published rows do not cover."""

TVPI_CHART_EDGES: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, math.inf)
"""Bins of the TVPI histogram shown to people (JSON and the workbook's chart): the
loss range in quarters, then the 1x, 3x, 5x and 10x marks a fund is judged by.
Presentation only; the simulation keeps its own fine histogram."""

OVERRIDE_ORIGIN = "command line"
"""Origin of a setting given as a command-line option (``--fund-size`` etc.)."""


# --------------------------------------------------------------------------- settings


def _flatten(node: Mapping, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in node.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            out.update(_flatten(value, dotted))
        else:
            out[dotted] = value
    return out


_TABLE_RE = re.compile(r"^\[([^\[\]]+)\]\s*(#.*)?$")
_KEY_RE = re.compile(r'^("?[A-Za-z0-9_.\-]+"?)\s*=')


def config_comments(text: str) -> dict[str, str]:
    """The comment block above each key of a TOML text, by dotted key.

    A key's source is the run of ``#`` lines directly above it; a key without one
    takes the comment that opens its table (the lines between the ``[table]`` header
    and its first key). This is how ``defaults.toml`` cites its values, so the
    workbook's Assumptions sheet quotes the same words as the file.
    """
    out: dict[str, str] = {}
    table = ""
    table_note = ""
    block: list[str] = []
    first_key = False
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            block.append(line.lstrip("#").strip())
            continue
        if not line:
            block = []
            continue
        header = _TABLE_RE.match(line)
        if header:
            table = header.group(1).strip()
            table_note = ""
            block = []
            first_key = True
            continue
        key = _KEY_RE.match(line)
        if key:
            name = key.group(1).strip('"')
            note = " ".join(block)
            if first_key:
                table_note = note
                first_key = False
            out[f"{table}.{name}" if table else name] = note or table_note
            block = []
    return out


@dataclass(frozen=True, eq=False)
class PortfolioSettings:
    """The fund and the simulation, from the ``[portfolio]`` configuration.

    ``values`` holds every ``portfolio.*`` setting by dotted key (as used), and
    ``origins`` says where each came from: "default", "configuration" or
    "command line". ``graduation_rows`` lists per-sector graduation rates taken from
    the data (``sector_graduation = "data"``), with their sources.
    """

    fund_size_usd: float
    reserve_ratio: float
    max_sector_share: float
    min_score: float
    check_size_usd: Mapping[str, float]
    stage_mix: Mapping[str, float]
    sims: int
    seed: int
    sector_graduation: str
    params: SimulationParams
    values: Mapping[str, object]
    origins: Mapping[str, str]
    sources: Mapping[str, str]
    defaults: Mapping[str, object]
    graduation_rows: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["sector", "stage", "probability", "source"])
    )

    @property
    def reserve_usd(self) -> float:
        """The follow-on reserve: fund size x reserve ratio, USD."""
        return self.fund_size_usd * self.reserve_ratio

    @property
    def initial_usd(self) -> float:
        """Capital for initial checks: fund size - reserve, USD."""
        return self.fund_size_usd - self.reserve_usd

    def with_sector_graduation(self, rows: pd.DataFrame) -> "PortfolioSettings":
        """A copy whose simulation uses per-sector graduation ``rows`` (sector, stage,
        probability, source)."""
        by_sector: dict[str, dict[str, float]] = {}
        for row in rows.itertuples(index=False):
            by_sector.setdefault(str(row.sector), {})[str(row.stage)] = float(row.probability)
        params = dataclasses.replace(self.params, graduation_by_sector=by_sector)
        return dataclasses.replace(self, params=params, graduation_rows=rows.reset_index(drop=True))

    def assumptions(self) -> pd.DataFrame:
        """Every parameter with its value, origin and source (one row each)."""
        rows = []
        for key, value in self.values.items():
            origin = self.origins.get(key, "default")
            source = self.sources.get(key, "")
            if origin != "default":
                default = _show_value(self.defaults[key]) if key in self.defaults else "none"
                source = f"set by the {origin} (default {default}); the default's source: {source}"
            rows.append({"parameter": key, "value": _show_value(value), "origin": origin, "source": source})
        rows.append({
            "parameter": "portfolio.reserve_usd", "value": _show_value(self.reserve_usd), "origin": "derived",
            "source": "fund_size_usd x reserve_ratio: the follow-on reserve passed to the simulation",
        })
        rows.append({
            "parameter": "portfolio.initial_usd", "value": _show_value(self.initial_usd), "origin": "derived",
            "source": "fund_size_usd - reserve_usd: capital for initial checks, split by stage_mix",
        })
        for row in self.graduation_rows.itertuples(index=False):
            rows.append({
                "parameter": f"portfolio.graduation_by_sector.{row.sector}.{row.stage}",
                "value": _show_value(float(row.probability)), "origin": "data", "source": str(row.source),
            })
        return pd.DataFrame(rows, columns=["parameter", "value", "origin", "source"])


def _show_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.15g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_show_value(v) for v in value)
    return str(value)


def _exit(node: Mapping) -> ExitDistribution:
    return ExitDistribution(
        median=node["median"], sigma=node["sigma"], tail_share=node["tail_share"],
        tail_min=node["tail_min"], tail_alpha=node["tail_alpha"],
    )


def settings_from_config(
    cfg: Config,
    *,
    fund_size_usd: float | None = None,
    sims: int | None = None,
    seed: int | None = None,
) -> PortfolioSettings:
    """The fund and simulation settings of ``cfg["portfolio"]``, with optional overrides.

    Overrides (the command line's ``--fund-size``, ``--sims``, ``--seed``) are checked
    against the same ranges as the configuration. Raises ``ConfigError`` listing every
    problem.
    """
    overrides = {"fund_size_usd": fund_size_usd, "sims": sims, "seed": seed}
    given = {f"portfolio.{key}": value for key, value in overrides.items() if value is not None}
    # The same range rules as the file: set_values checks the changed config and names
    # the command line as the origin of a bad value.
    effective = config_mod.set_values(cfg, given, origin=OVERRIDE_ORIGIN) if given else cfg
    p = effective["portfolio"]  # checked with the rest of the config (config.check): modes, stages, the mix's sum
    follow = p["follow_on_stages"]
    params = SimulationParams(
        graduation=dict(p["graduation"]),
        mna_share=dict(p["mna_share"]),
        dilution=dict(p["dilution"]),
        step_up=dict(p["step_up"]),
        success_exit=_exit(p["success_exit"]),
        mna_exit=_exit(p["mna_exit"]),
        sector_rho=float(p["sector_rho"]),
        follow_on_stages=tuple(follow),
    )
    defaults_text = config_mod.defaults_text()
    default_values = _flatten(config_mod.read_toml(config_mod.DEFAULTS_PATH)["portfolio"], "portfolio")
    values = _flatten(config_mod.thaw(p), "portfolio")  # plain values, as the defaults read
    origins = {}
    for key, value in values.items():
        name = key.split(".", 1)[1]
        if name in overrides and overrides[name] is not None:
            origins[key] = OVERRIDE_ORIGIN
        elif key not in default_values or default_values[key] != value:
            origins[key] = "configuration"
        else:
            origins[key] = "default"
    comments = config_comments(defaults_text)
    sources = {key: comments.get(key, "") for key in values}
    return PortfolioSettings(
        fund_size_usd=float(p["fund_size_usd"]),
        reserve_ratio=float(p["reserve_ratio"]),
        max_sector_share=float(p["max_sector_share"]),
        min_score=float(p["min_score"]),
        check_size_usd=MappingProxyType({s: float(v) for s, v in p["check_size_usd"].items()}),
        stage_mix=MappingProxyType({s: float(v) for s, v in p["stage_mix"].items()}),
        sims=int(p["sims"]),
        seed=int(p["seed"]),
        sector_graduation=str(p["sector_graduation"]),
        params=params,
        values=MappingProxyType(values),
        origins=MappingProxyType(origins),
        sources=MappingProxyType(sources),
        defaults=MappingProxyType(default_values),
    )


# --------------------------------------------------------------------------- scores


def stage_scores(results: Sequence) -> pd.DataFrame:
    """One row per sector and stage from ``scores.score_all`` results.

    Columns: sector, name, stage, score (0-100), measured (the stage's evidence
    factor, ``STAGE_EVIDENCE``, was measured rather than filled with the
    missing-data value: ``scores.measured``), recommendation, confidence.
    """
    from gapscore.scoring.signals.scores import measured

    rows = []
    for r in results:
        res = r.result
        for stage in STAGES:
            rows.append({
                "sector": r.sector,
                "name": r.name,
                "stage": stage,
                "score": float(res.scores[stage]),
                "measured": measured(r, stage),
                "recommendation": res.recommendation,
                "confidence": float(res.confidence),
            })
    return pd.DataFrame(rows, columns=["sector", "name", "stage", "score", "measured", "recommendation", "confidence"])


def sector_graduation_from_data(store: DataStore, results: Sequence, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per-sector graduation rates known on ``as_of``: sector, stage, probability, source.

    Seed: the traction the sector's call rests on (``SectorSignals.traction``), so the
    portfolio and the score read one rate under one rule (``published_traction``:
    comparable window, a population's rate, a newer market rate over an old sector
    one). Only a sector's own rate is used; a market-wide rate is what the configured
    defaults already stand for. Series A and B: the latest published row for the sector
    (A to B, B to C) that describes a population (top-performer rows are benchmarks).
    Rows for "all" are never used.
    """
    as_of = pd.Timestamp(as_of)
    published = store.as_of("graduation", as_of)
    rows = []
    for r in results:
        sector = r.sector
        for stage, (frm, to) in GRADUATION_TRANSITIONS.items():
            if stage == "seed":
                traction = getattr(r.signals, "traction", None)
                if traction is not None and getattr(traction, "population", "sector") == "sector":
                    how = ("computed" if traction.origin == "computed" else "published for the sector")
                    rows.append({"sector": sector, "stage": stage, "probability": float(traction.rate),
                                 "source": f"{how}: {traction.source} (the rate the sector's score rests on)"})
                continue
            hits = published[(published["sector"] == sector) & (published["from_round"] == frm) & (published["to_round"] == to)]
            hits = hits[pd.Series([row_population(row) != "top_performers" for _, row in hits.iterrows()],
                                  index=hits.index, dtype=bool)]
            if len(hits):
                row = hits.sort_values(["published", "cohort_end"]).iloc[-1]
                rows.append({"sector": sector, "stage": stage, "probability": float(row["rate"]),
                             "source": f"published {pd.Timestamp(row['published']).date()}: {row['source']}"})
    return pd.DataFrame(rows, columns=["sector", "stage", "probability", "source"])


# --------------------------------------------------------------------------- build


@dataclass(frozen=True, eq=False)
class PortfolioBuild:
    """A fund built on the stage scores as of a date, and its simulated outcomes.

    ``allocation`` has one row per sector and stage: sector, stage, score,
    companies, capital_usd, check_usd, reason. ``outcome`` is None when no company
    could be placed (then nothing is simulated; the reasons say why).
    """

    as_of: pd.Timestamp
    settings: PortfolioSettings
    scores: pd.DataFrame
    allocation: pd.DataFrame
    unplaced_usd: Mapping[str, float]
    outcome: FundOutcome | None

    @property
    def placed_usd(self) -> float:
        return float(self.allocation["capital_usd"].sum())

    @property
    def companies(self) -> int:
        return int(self.allocation["companies"].sum())

    def funded(self) -> pd.DataFrame:
        """The allocation rows that hold at least one company."""
        return self.allocation[self.allocation["companies"] > 0].reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """Outcome statistics: statistic, value, description (empty without an outcome)."""
        if self.outcome is None:
            return pd.DataFrame(columns=["statistic", "value", "description"])
        return self.outcome.summary().reset_index()

    def histogram(self) -> pd.DataFrame:
        """Share of simulated funds per TVPI bin (``TVPI_CHART_EDGES``).

        Exact when every fund's TVPI was kept; otherwise each fine histogram bin of the
        simulation is counted in the bin holding its left edge (error within one 2%
        bin at a boundary).
        """
        columns = ["bin", "tvpi_from", "tvpi_to", "funds", "share"]
        if self.outcome is None:
            return pd.DataFrame(columns=columns)
        edges = np.asarray(TVPI_CHART_EDGES)
        o = self.outcome
        if o.tvpi is not None:
            index = np.searchsorted(edges, o.tvpi, side="right") - 1
            counts = np.bincount(np.clip(index, 0, len(edges) - 2), minlength=len(edges) - 1)
        else:
            index = np.searchsorted(edges, o.histogram_edges[:-1], side="right") - 1
            counts = np.bincount(np.clip(index, 0, len(edges) - 2), weights=o.histogram_counts,
                                 minlength=len(edges) - 1).astype(np.int64)
        rows = []
        for i in range(len(edges) - 1):
            lo, hi = edges[i], edges[i + 1]
            label = f"{lo:g}x or more" if math.isinf(hi) else f"{lo:g}-{hi:g}x"
            rows.append({"bin": label, "tvpi_from": float(lo), "tvpi_to": float(hi), "funds": int(counts[i]),
                         "share": float(counts[i]) / o.sims})
        return pd.DataFrame(rows, columns=columns)

    def assumptions(self) -> pd.DataFrame:
        return self.settings.assumptions()

    def as_dict(self) -> dict:
        s, o = self.settings, self.outcome
        out = {
            "as_of": self.as_of.date().isoformat(),
            "fund_size_usd": s.fund_size_usd,
            "reserve_usd": s.reserve_usd,
            "initial_capital_usd": s.initial_usd,
            "placed_usd": self.placed_usd,
            "unplaced_usd": dict(self.unplaced_usd),
            "companies": self.companies,
            "allocation": self.allocation.to_dict("records"),
            "sims": s.sims,
            "seed": s.seed,
        }
        if o is None:
            out.update({
                "tvpi": None, "prob_tvpi_at_least": None, "loss_ratio": None, "best_company_share": None,
                "percentiles_exact": None, "histogram": [],
                "note": "no company could be placed, so nothing was simulated; see each row's reason",
            })
        else:
            out.update({
                "tvpi": {"p5": o.p5, "p25": o.p25, "p50": o.p50, "p75": o.p75, "p95": o.p95,
                         "mean": o.mean, "mean_se": o.mean_se},
                "prob_tvpi_at_least": {f"{x:g}": p for x, p in o.prob_tvpi_at_least.items()},
                "loss_ratio": o.loss_ratio,
                "best_company_share": o.best_company_share,
                "percentiles_exact": o.percentiles_exact,
                "histogram": self.histogram().to_dict("records"),
            })
        out["assumptions"] = self.assumptions().to_dict("records")
        return out

    def text(self) -> str:
        """A plain-text report for the terminal."""
        from gapscore.scoring.output import fmt_multiple, fmt_percent, frame_to_table, long_table

        s = self.settings
        lines = [
            f"Fund of {format_usd(s.fund_size_usd)} as of {self.as_of.date()}: reserve {format_usd(s.reserve_usd)} "
            f"({s.reserve_ratio:.0%}), initial capital {format_usd(s.initial_usd)}, placed {format_usd(self.placed_usd)} "
            f"in {self.companies} companies.",
        ]
        if self.outcome is not None:
            o = self.outcome
            at_least = ", ".join(f"TVPI >= {x:g}x in {fmt_percent(p)}" for x, p in o.prob_tvpi_at_least.items())
            lines.append(f"Simulated TVPI (gross): median {fmt_multiple(o.p50)} (5th-95th percentile {fmt_multiple(o.p5)} to "
                         f"{fmt_multiple(o.p95)}), mean {fmt_multiple(o.mean)}; {at_least} of {o.sims:,} funds.")
        lines.append("")
        funded = self.funded()
        if len(funded):
            lines += ["allocation:", frame_to_table(funded[["sector", "stage", "score", "companies", "capital_usd", "check_usd"]])]
        else:
            lines += ["allocation: no company placed.", ""]
        lines.append("why (every sector and stage):")
        lines += [f"  - {r.sector} {r.stage}: {r.reason}" for r in self.allocation.itertuples()]
        for stage, usd in self.unplaced_usd.items():
            lines.append(f"  - {STAGE_LABELS[stage]}: {format_usd(usd)} left unplaced")
        lines.append("")
        if self.outcome is None:
            lines.append("outcomes: nothing to simulate (no company placed).")
        else:
            o = self.outcome
            lines.append(f"outcomes: {o.sims:,} simulated funds, seed {o.seed}; TVPI gross of fees and carry:")
            summary = self.summary()
            lines.append(frame_to_table(long_table(summary)))
            lines.append("TVPI histogram (share of funds):")
            hist = self.histogram()[["bin", "share"]]
            lines.append(frame_to_table(hist, digits=3))
        return "\n".join(lines).rstrip("\n") + "\n"


def build_from_scores(scores: pd.DataFrame, settings: PortfolioSettings, *, as_of: pd.Timestamp) -> PortfolioBuild:
    """Allocate on ``scores`` (as from :func:`stage_scores`) and simulate the fund.

    Rows whose stage evidence was not measured are left out of the allocation and
    say so in their reason; the others go through ``allocate`` with the fund's
    constraints. When at least one company is placed, ``simulate_fund`` runs with
    ``reserve_usd = fund_size_usd * reserve_ratio``.
    """
    as_of = pd.Timestamp(as_of)
    s = settings
    frame = scores.copy()
    measured = frame["measured"].astype(bool)
    eligible = frame[measured]
    stage_capital = {st: s.initial_usd * s.stage_mix.get(st, 0.0) for st in STAGES}
    if len(eligible):
        plan = allocate(
            eligible[["sector", "stage", "score"]],
            fund_size_usd=s.fund_size_usd,
            check_size_usd=s.check_size_usd,
            reserve_ratio=s.reserve_ratio,
            max_sector_share=s.max_sector_share,
            stage_mix=s.stage_mix,
            min_score=s.min_score,
        )
        unplaced = dict(plan.attrs.get("unplaced_usd", {}))
    else:
        plan = pd.DataFrame(columns=["sector", "stage", "companies", "capital_usd", "reason"])
        unplaced = {st: c for st, c in stage_capital.items() if c > 0}
    left_out = []
    for row in frame[~measured].itertuples(index=False):
        factor = STAGE_EVIDENCE[row.stage]
        left_out.append({
            "sector": row.sector, "stage": row.stage, "companies": 0, "capital_usd": 0.0,
            "reason": (
                f"{STAGE_LABELS[row.stage]} score {row.score:.0f}; not eligible: {_EVIDENCE_TEXT[factor]} "
                f"could not be measured, so the score rests on the missing-data value"
            ),
        })
    parts = [f for f in (plan, pd.DataFrame(left_out, columns=plan.columns)) if len(f)]
    allocation = pd.concat(parts, ignore_index=True) if len(parts) > 1 else (parts[0] if parts else plan)
    allocation = allocation.merge(frame[["sector", "stage", "score"]], on=["sector", "stage"], how="left")
    allocation["companies"] = allocation["companies"].astype("int64")
    allocation["capital_usd"] = allocation["capital_usd"].astype("float64")
    allocation["check_usd"] = np.where(
        allocation["companies"] > 0, allocation["capital_usd"] / allocation["companies"].clip(lower=1), 0.0
    )
    allocation["_stage"] = allocation["stage"].map({st: i for i, st in enumerate(STAGES)})
    allocation = allocation.sort_values(
        ["_stage", "capital_usd", "score", "sector"], ascending=[True, False, False, True], kind="stable"
    ).drop(columns="_stage").reset_index(drop=True)
    allocation = allocation[["sector", "stage", "score", "companies", "capital_usd", "check_usd", "reason"]]
    outcome = None
    if int(allocation["companies"].sum()) > 0:
        outcome = simulate_fund(
            allocation[["sector", "stage", "companies", "capital_usd"]], s.params,
            sims=s.sims, seed=s.seed, reserve_usd=s.reserve_usd,
        )
    return PortfolioBuild(
        as_of=as_of, settings=s, scores=frame.reset_index(drop=True), allocation=allocation,
        unplaced_usd=MappingProxyType({st: float(v) for st, v in unplaced.items()}), outcome=outcome,
    )


def build(
    store: DataStore,
    as_of: pd.Timestamp,
    cfg: Config,
    *,
    sectors: Sequence[str] | None = None,
    fund_size_usd: float | None = None,
    sims: int | None = None,
    seed: int | None = None,
    progress: Callable | None = None,
) -> PortfolioBuild:
    """Score the sectors as of ``as_of``, allocate the fund and simulate it.

    ``sectors`` limits the candidates (default: every sector); ``progress`` is passed
    to ``score_all``.
    """
    from gapscore.scoring.signals.scores import score_all

    as_of = pd.Timestamp(as_of)
    settings = settings_from_config(cfg, fund_size_usd=fund_size_usd, sims=sims, seed=seed)
    results = score_all(store, as_of, cfg, list(sectors) if sectors else None, progress=progress)
    if settings.sector_graduation == "data":
        settings = settings.with_sector_graduation(sector_graduation_from_data(store, results, as_of))
    return build_from_scores(stage_scores(results), settings, as_of=as_of)


# --------------------------------------------------------------------------- review


HOLDING_KEY = ("company", "sector", "stage", "invested_usd", "date")
"""Columns that together identify one investment in a holdings file."""


def read_holdings(path: str | Path, known_sectors: Sequence[str]) -> pd.DataFrame:
    """Read and check a holdings CSV (company, sector, stage, invested_usd, date).

    Every problem is reported at once, located by file, line and column: cells that
    do not parse or break the schema (``schemas.Holdings``), sectors not in
    ``known_sectors``, and a company listed under two sectors. Returns the coerced
    frame with its ``_line`` column.
    """
    path = Path(path)
    raw = read_table(path, schemas.Holdings)
    # A row repeating another whole (a pasted line, an export with one row per fund
    # vehicle) would double the check silently: refused, both lines named.
    frame, problems = validate(raw, schemas.Holdings, path, key=HOLDING_KEY)
    known = set(known_sectors)
    choices = ", ".join(sorted(known))
    rows = list(zip(frame["company"], frame["sector"], frame["_line"], strict=True))
    first_sector: dict[str, tuple[str, int]] = {}
    for company, sector, line in rows:
        if not isinstance(sector, str) or not sector:
            continue
        if sector not in known:
            problems.append(DataFileError(path, int(line), "sector",
                                          f"unknown sector '{sector}'; choose one of {choices} (see 'gapscore sectors')"))
            continue
        if not isinstance(company, str):
            continue
        seen = first_sector.setdefault(company, (sector, int(line)))
        if seen[0] != sector:
            problems.append(DataFileError(
                path, int(line), "sector",
                f"company '{company}' is in sector '{seen[0]}' on line {seen[1]}; give each company one sector",
            ))
    if problems:
        problems.sort(key=lambda p: (p.line or 0, p.column or ""))
        raise DataValidationError(problems)
    if frame.empty:
        raise DataFileError(path, None, None, "has no holdings; add one row per investment (company, sector, stage, invested_usd, date)")
    return frame


@dataclass(frozen=True, eq=False)
class PortfolioReview:
    """Holdings reviewed against the stage scores as of a date.

    ``holdings``: one row per company known on ``as_of`` (its investments summed, at
    its most advanced stage) with its sector's timing and a signal (``SIGNALS``) and
    the reason. ``exposure``: invested capital by sector and stage against the
    scores. ``ignored``: investments dated after ``as_of`` (left out).
    """

    as_of: pd.Timestamp
    holdings: pd.DataFrame
    exposure: pd.DataFrame
    ignored: int
    min_score: float

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of.date().isoformat(),
            "ignored_after_as_of": self.ignored,
            "min_score": self.min_score,
            "holdings": self.holdings.to_dict("records"),
            "exposure": self.exposure.to_dict("records"),
        }

    def text(self) -> str:
        from gapscore.scoring.output import frame_to_table, printable

        lines = [f"Portfolio review as of {self.as_of.date()}: {len(self.holdings)} companies"
                 + (f" ({self.ignored} investments dated after {self.as_of.date()} ignored)" if self.ignored else "") + "."]
        if not self.holdings.empty:
            counts = self.holdings["signal"].value_counts()
            invested = self.holdings.groupby("signal")["invested_usd"].sum()
            lines.append("Signals: " + "; ".join(f"{sig} {int(counts.get(sig, 0))} ({format_usd(float(invested.get(sig, 0.0)))})"
                                                 for sig in SIGNALS) + ".")
        lines.append("")
        if self.holdings.empty:
            lines.append("no holdings dated on or before the as-of date.")
            return "\n".join(lines) + "\n"
        cols = ["company", "sector", "stage", "invested_usd", "recommendation", "signal"]
        lines += ["holdings:", frame_to_table(self.holdings[cols])]
        lines.append("why:")
        lines += [f"  - {printable(str(r.company))}: {r.signal}: {r.reason}" for r in self.holdings.itertuples()]
        lines += ["", "exposure by sector and stage, against the scores now:",
                  frame_to_table(self.exposure[["sector", "stage", "companies", "invested_usd", "share", "score", "recommendation", "timing"]])]
        return "\n".join(lines).rstrip("\n") + "\n"


def _signal(row, scores: dict, settings_min: float, follow_on: Sequence[str]) -> tuple[str, str | None, float | None, str]:
    """(signal, next stage, next stage score, reason) for one company."""
    rec = row["recommendation"]
    stage = row["stage"]
    i = STAGES.index(stage)
    nxt = STAGES[i + 1] if i + 1 < len(STAGES) else None
    next_score = scores[(row["sector"], nxt)]["score"] if nxt else None
    if rec == "harvest":
        return ("prepare exit", nxt, next_score,
                "the sector's recommendation is harvest: capability is at or near perfection and investor "
                "interest fades from here, so plan the exit")
    if nxt is None:
        return ("hold", None, None,
                f"a growth company's next step is an exit, and the sector is not at harvest (recommendation {rec})")
    label = STAGE_LABELS[nxt]
    cell = scores[(row["sector"], nxt)]
    if nxt not in follow_on:
        return ("hold", nxt, next_score,
                f"the fund does not follow on into {label} rounds (portfolio.follow_on_stages)")
    if not cell["measured"]:
        return ("hold", nxt, next_score,
                f"the sector's {label} score {next_score:.0f} rests on the missing-data value: "
                f"{_EVIDENCE_TEXT[STAGE_EVIDENCE[nxt]]} could not be measured")
    if next_score > settings_min:
        return ("follow on", nxt, next_score,
                f"the sector's {label} score is {next_score:.0f}, above {settings_min:g}: the company's next round "
                "falls in the sector's window, so use the reserve pro rata")
    return ("hold", nxt, next_score,
            f"the sector's {label} score is {next_score:.0f}, at or below {settings_min:g}: the next round is not "
            f"in the sector's window (recommendation {rec})")


def review_holdings(holdings: pd.DataFrame, scores: pd.DataFrame, settings: PortfolioSettings, *,
                    as_of: pd.Timestamp) -> PortfolioReview:
    """Signals for each company and the fund's exposure, using holdings known on ``as_of``.

    ``holdings``: company, sector, stage, invested_usd, date (as from
    :func:`read_holdings`). ``scores``: as from :func:`stage_scores`, covering every
    held sector. A company's investments dated on or before ``as_of`` are summed and
    it is placed at its most advanced stage; investments dated after ``as_of`` are
    ignored (counted in ``ignored``).

    Signal, in this order:

    1. prepare exit: the sector's recommendation is harvest;
    2. hold: a growth company (its next step is an exit);
    3. hold: the next round is not one the fund follows on into;
    4. hold: the next round's score rests on the missing-data value;
    5. follow on: the next round's stage score is above ``min_score``;
    6. hold: otherwise (the next round is not in the sector's window).
    """
    as_of = pd.Timestamp(as_of)
    h = holdings.copy()
    dates = pd.to_datetime(h["date"])
    later = dates > as_of
    ignored = int(later.sum())
    h = h[~later.to_numpy()]
    hold_cols = ["company", "sector", "stage", "invested_usd", "first_date", "last_date", "stage_score",
                 "recommendation", "next_stage", "next_score", "signal", "reason"]
    exp_cols = ["sector", "stage", "companies", "invested_usd", "share", "score", "measured", "recommendation", "timing"]
    if h.empty:
        return PortfolioReview(as_of, pd.DataFrame(columns=hold_cols), pd.DataFrame(columns=exp_cols), ignored,
                               settings.min_score)
    missing = sorted(set(h["sector"]) - set(scores["sector"]))
    if missing:
        raise InputError(f"no scores for held sectors {missing}; score every held sector first")
    cells = {(r.sector, r.stage): {"score": float(r.score), "measured": bool(r.measured)} for r in scores.itertuples()}
    rec = {r.sector: r.recommendation for r in scores.itertuples()}
    order = {s: i for i, s in enumerate(STAGES)}
    h["_order"] = h["stage"].map(order)
    h["_date"] = pd.to_datetime(h["date"])
    companies = []
    for company, rows in h.groupby("company", sort=True):
        sectors = rows["sector"].unique()
        if len(sectors) > 1:
            raise InputError(f"company {company!r} is held in more than one sector {sorted(sectors)}; give it one sector")
        sector = str(sectors[0])
        stage = STAGES[int(rows["_order"].max())]
        companies.append({
            "company": company, "sector": sector, "stage": stage,
            "invested_usd": float(rows["invested_usd"].sum()),
            "first_date": rows["_date"].min().date().isoformat(),
            "last_date": rows["_date"].max().date().isoformat(),
            "stage_score": cells[(sector, stage)]["score"],
            "recommendation": rec[sector],
        })
    table = pd.DataFrame(companies)
    signals = [_signal(r, cells, settings.min_score, settings.params.follow_on_stages) for r in table.to_dict("records")]
    table["next_stage"] = [s[1] for s in signals]
    table["next_score"] = [s[2] for s in signals]
    table["signal"] = [s[0] for s in signals]
    table["reason"] = [s[3] for s in signals]
    table = table[hold_cols]

    total = float(table["invested_usd"].sum())
    grouped = table.groupby(["sector", "stage"], sort=False).agg(
        companies=("company", "count"), invested_usd=("invested_usd", "sum")
    ).reset_index()
    grouped["share"] = grouped["invested_usd"] / total
    grouped["score"] = [cells[(r.sector, r.stage)]["score"] for r in grouped.itertuples()]
    grouped["measured"] = [cells[(r.sector, r.stage)]["measured"] for r in grouped.itertuples()]
    grouped["recommendation"] = grouped["sector"].map(rec)

    def timing(r) -> str:
        if r.recommendation == "harvest":
            return "past its window (harvest)"
        if not r.measured:
            return "not measured"
        if r.score > settings.min_score:
            return "in window"
        return "outside window"

    grouped["timing"] = [timing(r) for r in grouped.itertuples()]
    grouped["_stage"] = grouped["stage"].map(order)
    grouped = grouped.sort_values(["sector", "_stage"], kind="stable").drop(columns="_stage").reset_index(drop=True)
    return PortfolioReview(as_of, table.reset_index(drop=True), grouped[exp_cols], ignored, settings.min_score)


def review(store: DataStore, holdings_path: str | Path, as_of: pd.Timestamp, cfg: Config, *,
           progress: Callable | None = None) -> PortfolioReview:
    """Read a holdings file, score the held sectors as of ``as_of`` and review them."""
    from gapscore.scoring.signals.scores import score_all

    as_of = pd.Timestamp(as_of)
    settings = settings_from_config(cfg)
    holdings = read_holdings(holdings_path, list(store.sectors()))
    known = holdings[pd.to_datetime(holdings["date"]) <= as_of]
    sectors = sorted(known["sector"].unique())
    results = score_all(store, as_of, cfg, sectors, progress=progress) if sectors else []
    scores = stage_scores(results)
    return review_holdings(holdings, scores, settings, as_of=as_of)


EXAMPLE_HOLDINGS = (
    ("Example Vision Co", "computer_vision", "series_a", 4_000_000, "2021-03-15"),
    ("Example Vision Co", "computer_vision", "series_b", 6_000_000, "2023-05-02"),
    ("Example Voice Inc", "speech_recognition", "seed", 1_500_000, "2022-01-20"),
    ("Example Code Labs", "code_assistants", "seed", 2_000_000, "2023-09-01"),
    ("Example Agents", "computer_use_agents", "seed", 1_000_000, "2024-06-30"),
    ("Example Video AI", "video_generation", "seed", 500_000, "2024-11-12"),
)
"""A filled example of a holdings file (fictional companies in bundled sectors; one row per
investment, a company's rows summed by ``review``), written by ``gapscore data template holdings``."""


def example_holdings() -> pd.DataFrame:
    """The example holdings (``EXAMPLE_HOLDINGS``) with the columns ``read_holdings`` expects."""
    return pd.DataFrame(EXAMPLE_HOLDINGS, columns=["company", "sector", "stage", "invested_usd", "date"])
