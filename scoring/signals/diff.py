"""What changed between two dates: the quarterly review an analyst writes.

``sector_diff`` scores a sector as of ``--from`` and as of ``--to`` (each point in time:
only the rows known on that date) and reports the recommendation, each stage score,
each factor's contribution (weight x factor value, the points a stage score is the sum
of) at both dates, and the data rows behind the move: rows of capability, prices,
rounds, graduation and outcomes known on ``--to`` but not on ``--from`` (dated, or
published, after ``--from`` and on or before ``--to``).

A sector has moved when its recommendation changed or any stage score moved by at
least ``MIN_SCORE_CHANGE`` points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from gapscore.scoring.inputs.datasets import DATASETS, DataStore, public, sector_rows
from gapscore.scoring.signals.scores import SectorScore, score_sector
from gapscore.scoring.signals.timing import STAGES

if TYPE_CHECKING:
    from gapscore.scoring.inputs.config_types import Config

MIN_SCORE_CHANGE = 0.05
"""Points (0-100) a stage score must move to count as moved: half the 0.1 the tables show."""

NEW_ROW_DATASETS = ("capability", "prices", "rounds", "graduation", "outcomes")
"""The datasets whose new rows are listed behind a move."""

SAMPLE_ROWS = 5
"""New rows listed per dataset and sector in the table and the memo (all are counted; JSON lists all)."""

_ROW_COLUMNS = {
    "capability": ("date", "benchmark", "system", "value", "source"),
    "prices": ("date", "model", "usd_per_mtok", "source"),
    "rounds": ("date", "company", "round", "category"),
    "graduation": ("published", "sector", "from_round", "to_round", "rate", "source"),
    "outcomes": ("year", "sector", "source"),
}


@dataclass(frozen=True, eq=False)
class SectorDiff:
    sector: str
    name: str
    before: SectorScore
    after: SectorScore
    contributions: pd.DataFrame  # stage, factor, points_from, points_to, change
    new_rows: dict = field(default_factory=dict)  # dataset -> DataFrame of rows known at --to but not at --from

    @property
    def score_changes(self) -> dict[str, float]:
        return {s: self.after.result.scores[s] - self.before.result.scores[s] for s in STAGES}

    @property
    def recommendation_changed(self) -> bool:
        return self.before.result.recommendation != self.after.result.recommendation

    @property
    def moved(self) -> bool:
        return self.recommendation_changed or any(abs(v) >= MIN_SCORE_CHANGE for v in self.score_changes.values())

    def drivers(self, stage: str) -> pd.DataFrame:
        """The factors that moved ``stage``, largest change first."""
        c = self.contributions
        c = c[(c["stage"] == stage) & (c["change"].abs() >= MIN_SCORE_CHANGE / 2)]
        return c.reindex(c["change"].abs().sort_values(ascending=False, kind="stable").index)

    def as_dict(self) -> dict:
        b, a = self.before.result, self.after.result
        return {
            "sector": self.sector, "name": self.name, "moved": self.moved,
            "recommendation_from": b.recommendation, "recommendation_to": a.recommendation,
            "scores_from": {s: b.scores[s] for s in STAGES}, "scores_to": {s: a.scores[s] for s in STAGES},
            "score_changes": self.score_changes,
            "contributions": self.contributions,
            "factors_from": dict(b.factors), "factors_to": dict(a.factors),
            "new_rows": {k: public(v) for k, v in self.new_rows.items()},
            "new_row_counts": {k: len(v) for k, v in self.new_rows.items()},
        }


@dataclass(frozen=True, eq=False)
class Diff:
    date_from: pd.Timestamp
    date_to: pd.Timestamp
    sectors: tuple[SectorDiff, ...]

    @property
    def moved(self) -> list[SectorDiff]:
        return [d for d in self.sectors if d.moved]

    def frame(self) -> pd.DataFrame:
        """One row per moved sector, stage and factor whose contribution changed (the table and CSV)."""
        rows = []
        for d in self.moved:
            for stage in STAGES:
                ch = d.score_changes[stage]
                for rec in d.drivers(stage).to_dict("records"):
                    rows.append({"sector": d.sector, "recommendation_from": d.before.result.recommendation,
                                 "recommendation_to": d.after.result.recommendation, "stage": stage,
                                 "score_from": d.before.result.scores[stage], "score_to": d.after.result.scores[stage],
                                 "score_change": ch, "factor": rec["factor"], "points_from": rec["points_from"],
                                 "points_to": rec["points_to"], "points_change": rec["change"]})
        cols = ["sector", "recommendation_from", "recommendation_to", "stage", "score_from", "score_to", "score_change",
                "factor", "points_from", "points_to", "points_change"]
        return pd.DataFrame(rows, columns=cols)

    def as_dict(self) -> dict:
        return {"from": self.date_from.date().isoformat(), "to": self.date_to.date().isoformat(),
                "min_score_change": MIN_SCORE_CHANGE, "moved": [d.sector for d in self.moved],
                "sectors": [d.as_dict() for d in self.sectors]}

    def text(self) -> str:
        from gapscore.scoring.output import frame_to_table

        f, t = self.date_from.date(), self.date_to.date()
        moved = self.moved
        lines = [f"What changed from {f} to {t}: {len(moved)} of {len(self.sectors)} sector(s) moved"
                 + (": " + ", ".join(d.sector for d in moved) if moved else "") + ".", ""]
        for d in moved:
            lines += describe(d)
            lines.append("")
        if moved:
            lines += ["contributions that moved (points = weight x factor value):", frame_to_table(self.frame())]
        return "\n".join(lines).rstrip("\n") + "\n"


def describe(d: SectorDiff) -> list[str]:
    """Plain lines for one sector: the recommendation, each moved stage with its drivers, the new rows."""
    b, a = d.before.result, d.after.result
    rec = (f"{b.recommendation} -> {a.recommendation}" if d.recommendation_changed else f"{a.recommendation} (unchanged)")
    lines = [f"{d.sector}: recommendation {rec}"]
    for stage in STAGES:
        ch = d.score_changes[stage]
        if abs(ch) < MIN_SCORE_CHANGE:
            continue
        why = ", ".join(f"{r.factor} {r.change:+.1f} ({r.points_from:.1f} -> {r.points_to:.1f})" for r in d.drivers(stage).itertuples())
        lines.append(f"  {stage} {b.scores[stage]:.1f} -> {a.scores[stage]:.1f} ({ch:+.1f}): {why or 'no single factor'}")
    counts = {k: len(v) for k, v in d.new_rows.items() if len(v)}
    if counts:
        lines.append("  new data known on the later date: " + ", ".join(f"{n} {k} row(s)" for k, n in counts.items()))
        for name, frame in d.new_rows.items():
            cols = [c for c in _ROW_COLUMNS[name] if c in frame.columns]
            for rec in frame[cols].head(SAMPLE_ROWS).to_dict("records"):
                text = ", ".join(f"{v.date().isoformat() if isinstance(v, pd.Timestamp) else v}" for v in rec.values() if pd.notna(v))
                lines.append(f"    {name}: {text[:160]}")
            if len(frame) > SAMPLE_ROWS:
                lines.append(f"    {name}: ... and {len(frame) - SAMPLE_ROWS} more (--format json lists every row)")
    else:
        lines.append("  no new data rows for this sector: the move comes from time passing (the timing windows)")
    return lines


def new_rows(store: DataStore, sector: str, date_from: pd.Timestamp, date_to: pd.Timestamp) -> dict[str, pd.DataFrame]:
    """Rows of each ``NEW_ROW_DATASETS`` dataset for ``sector`` known on ``date_to`` but not on ``date_from``."""
    out = {}
    for name in NEW_ROW_DATASETS:
        col = DATASETS[name].date_column
        frame = store.as_of(name, date_to)
        if col is not None:
            frame = frame[frame[col] > pd.Timestamp(date_from)]
        frame = sector_rows(store, name, frame, sector)
        out[name] = frame.sort_values(col, kind="stable").reset_index(drop=True) if col is not None else frame.reset_index(drop=True)
    return out


def contributions(before: SectorScore, after: SectorScore) -> pd.DataFrame:
    rows = []
    for stage in STAGES:
        cb, ca = before.result.contributions[stage], after.result.contributions[stage]
        for factor in dict.fromkeys([*cb, *ca]):
            p0, p1 = float(cb.get(factor, 0.0)), float(ca.get(factor, 0.0))
            rows.append({"stage": stage, "factor": factor, "points_from": p0, "points_to": p1, "change": p1 - p0})
    return pd.DataFrame(rows, columns=["stage", "factor", "points_from", "points_to", "change"])


def sector_diff(store: DataStore, sector: str, date_from: pd.Timestamp, date_to: pd.Timestamp, cfg: Config) -> SectorDiff:
    before = score_sector(store, sector, pd.Timestamp(date_from), cfg)
    after = score_sector(store, sector, pd.Timestamp(date_to), cfg)
    return SectorDiff(sector, after.name, before, after, contributions(before, after), new_rows(store, sector, date_from, date_to))


def diff(store: DataStore, date_from: pd.Timestamp, date_to: pd.Timestamp, cfg: Config, sectors: list[str] | None = None,
         *, progress=None) -> Diff:
    """Every (or the named) sector scored at both dates; see the module docstring."""
    from gapscore.scoring.errors import InputError

    date_from, date_to = pd.Timestamp(date_from), pd.Timestamp(date_to)
    if date_from >= date_to:
        raise InputError(f"--from {date_from.date()} is not before --to {date_to.date()}; give the earlier date first")
    ids = list(sectors) if sectors else list(store.sectors())
    for s in ids:
        store.sector(s)  # an unknown sector fails before any work
    out = []
    for i, s in enumerate(ids, 1):
        out.append(sector_diff(store, s, date_from, date_to, cfg))
        if progress:
            progress(i, len(ids), s)
    return Diff(date_from, date_to, tuple(out))
