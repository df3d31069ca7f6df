"""Regenerate ``data/rounds.csv.gz`` and ``data/exits.csv`` from the Crunchbase 2013 export.

A build tool, never imported at run time. Usage::

    .venv/bin/python tools/curate/funding.py --shared /work/shared/data [--out data]

Input: ``crunchbase-2013/crunchbase-{rounds,companies,acquisitions}.csv`` under
``--shared`` (github.com/datahoarder/crunchbase-october-2013; Crunchbase's CC-BY
licence before December 2013). The files are Mac Roman text, not UTF-8 (``Condé
Nast`` is byte 0x8E); they are decoded as such and written back as UTF-8.

What the tool does, and why (also in ``docs/datasets/funding.md``):

* ``company`` is the Crunchbase permalink without its ``/company/`` prefix
  (``/company/n-plusn`` -> ``n-plusn``): unique, stable and plain ASCII, unlike the
  display names (``#NAME?``, ``#waywire``, mojibake such as ``agÃ¡mi Systems``).
* ``category`` is Crunchbase's ``category_code``; empty becomes ``unknown``.
* ``round`` follows ``ROUND_MAP``; ``series-c+`` is split by order: a company's
  earliest ``series-c+`` date is its ``series_c``, every later ``series-c+`` date is
  ``series_d_plus``. ``original_round`` keeps Crunchbase's label.
* Rows that are exact duplicates of another row (all 13 source fields equal) are
  dropped; rows dated 1960-01-01 (Crunchbase's placeholder date) are dropped.
* Exits: the earliest acquisition of each company that has rounds. Companies whose
  status is ``ipo`` or ``closed`` have no date in the export, so they are left out:
  no date is ever invented.

The output is deterministic: rows sorted, gzip written with mtime 0.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import sys
from pathlib import Path

import pandas as pd

SOURCE = "Crunchbase, October 2013 export (CC-BY)"
"""Attribution carried by every row (CC-BY requires crediting Crunchbase)."""

SOURCE_ENCODING = "mac_roman"
"""Encoding of the 2013 export files (byte 0x8E is 'é' in Condé Nast)."""

PLACEHOLDER_DATE = "1960-01-01"
"""Crunchbase's default date: six rounds carry it (Match.com, Synageva, ...); not data."""

PERMALINK_PREFIX = "/company/"

ROUND_MAP = {
    "angel": "seed",
    "series-a": "series_a",
    "series-b": "series_b",
    "series-c+": "series_c",  # the first; later ones become series_d_plus (see split_c_plus)
    "venture": "venture_unlabeled",
    "other": "other",
    "private-equity": "other",
    "post-ipo": "other",
    "crowdfunding": "other",
}
"""Crunchbase 2013 ``funding_round_type`` -> normalised round.

Crunchbase's 2013 export folds its ``seed`` and ``angel`` round codes into
``angel``, so ``angel`` is our ``seed``; the export has no pre-seed label.
"""

ROUNDS_COLUMNS = ["company", "category", "round", "date", "amount_usd", "source", "original_round"]
EXITS_COLUMNS = ["company", "date", "kind", "source"]


def read_export(path: Path) -> pd.DataFrame:
    """One export file as text; fully blank lines (1,534 in the acquisitions file) dropped."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=SOURCE_ENCODING)
    blank = (frame == "").all(axis=1)
    return frame.loc[~blank].reset_index(drop=True)


def company_id(permalink: pd.Series) -> pd.Series:
    if not permalink.str.startswith(PERMALINK_PREFIX).all():
        bad = permalink[~permalink.str.startswith(PERMALINK_PREFIX)].iloc[0]
        raise SystemExit(f"unexpected permalink {bad!r}: expected {PERMALINK_PREFIX}<id>")
    return permalink.str.slice(len(PERMALINK_PREFIX))


def split_c_plus(frame: pd.DataFrame) -> pd.Series:
    """Normalised round per row, with ``series-c+`` split into C and D+ by date order.

    Rows of one company with the same ``series-c+`` date are one round (tranches or
    double entries), so they share a label.
    """
    rounds = frame["original_round"].map(ROUND_MAP)
    unknown = frame.loc[rounds.isna(), "original_round"].unique()
    if len(unknown):
        raise SystemExit(f"round type(s) without a mapping: {', '.join(map(repr, unknown))}; add them to ROUND_MAP")
    c_plus = frame["original_round"] == "series-c+"
    first_c = frame.loc[c_plus].groupby("company")["date"].transform("min")
    later = c_plus & (frame["date"] > first_c.reindex(frame.index))
    return rounds.mask(later, "series_d_plus")


def build_rounds(shared: Path) -> tuple[pd.DataFrame, dict[str, int]]:
    raw = read_export(shared / "crunchbase-2013" / "crunchbase-rounds.csv")
    stats = {"source_rows": len(raw)}
    dupes = raw.duplicated(keep="first")
    stats["exact_duplicates_dropped"] = int(dupes.sum())
    raw = raw.loc[~dupes]
    placeholder = raw["funded_at"] == PLACEHOLDER_DATE
    stats["placeholder_dates_dropped"] = int(placeholder.sum())
    raw = raw.loc[~placeholder].reset_index(drop=True)

    out = pd.DataFrame(
        {
            "company": company_id(raw["company_permalink"]),
            "category": raw["company_category_code"].where(raw["company_category_code"] != "", "unknown"),
            "date": raw["funded_at"],
            "amount_usd": raw["raised_amount_usd"],
            "source": SOURCE,
            "original_round": raw["funding_round_type"],
        }
    )
    pd.to_datetime(out["date"], format="%Y-%m-%d")  # raises on any malformed date
    if not out["amount_usd"].str.fullmatch(r"\d*").all():
        raise SystemExit("raised_amount_usd holds a non-integer value")
    out["round"] = split_c_plus(out)
    out = out.sort_values(["company", "date", "original_round", "amount_usd"], kind="mergesort")
    return out[ROUNDS_COLUMNS].reset_index(drop=True), stats


def build_exits(shared: Path, companies_with_rounds: set[str]) -> tuple[pd.DataFrame, dict[str, int]]:
    acq = read_export(shared / "crunchbase-2013" / "crunchbase-acquisitions.csv")
    comp = read_export(shared / "crunchbase-2013" / "crunchbase-companies.csv")
    stats = {"acquisition_rows": len(acq)}
    acq = acq.assign(company=company_id(acq["company_permalink"]), date=acq["acquired_at"])
    if (acq["date"] == "").any():
        raise SystemExit("an acquisition without acquired_at: decide how to treat it")
    pd.to_datetime(acq["date"], format="%Y-%m-%d")
    in_rounds = acq["company"].isin(companies_with_rounds)
    stats["acquisitions_of_companies_without_rounds"] = int((~in_rounds).sum())
    acq = acq.loc[in_rounds].sort_values(["company", "date"], kind="mergesort")
    first = acq.drop_duplicates("company", keep="first")
    stats["later_acquisitions_of_same_company"] = len(acq) - len(first)
    exits = first.assign(kind="acquired", source=SOURCE)[EXITS_COLUMNS]

    comp = comp.assign(company=company_id(comp["permalink"]))
    comp = comp.loc[comp["company"].isin(companies_with_rounds)]
    for status in ("ipo", "closed"):
        stats[f"status_{status}_without_date_left_out"] = int((comp["status"] == status).sum())
    acquired_status = comp.loc[comp["status"] == "acquired", "company"]
    stats["status_acquired_without_acquisition_row"] = int((~acquired_status.isin(exits["company"])).sum())
    exits = exits.sort_values(["company", "date"], kind="mergesort").reset_index(drop=True)
    return exits, stats


def write_csv_gz(frame: pd.DataFrame, path: Path) -> None:
    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    data = buf.getvalue().encode("utf-8")
    with open(path, "wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0, compresslevel=9) as gz:
        gz.write(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, required=True, help="folder holding crunchbase-2013/")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[2] / "data")
    args = parser.parse_args(argv)

    rounds, rstats = build_rounds(args.shared)
    exits, estats = build_exits(args.shared, set(rounds["company"]))
    write_csv_gz(rounds, args.out / "rounds.csv.gz")
    exits.to_csv(args.out / "exits.csv", index=False, lineterminator="\n")

    report = sys.stderr
    print(f"rounds: {len(rounds)} rows, {rounds['company'].nunique()} companies, "
          f"{rounds['date'].min()} .. {rounds['date'].max()}", file=report)
    for key, value in rstats.items():
        print(f"  {key}: {value}", file=report)
    for label, count in rounds["round"].value_counts().items():
        print(f"  round {label}: {count}", file=report)
    for label, count in rounds["original_round"].value_counts().items():
        print(f"  original {label}: {count}", file=report)
    print(f"  amount_usd empty: {(rounds['amount_usd'] == '').sum()}", file=report)
    print(f"exits: {len(exits)} rows, {exits['date'].min()} .. {exits['date'].max()}", file=report)
    for key, value in estats.items():
        print(f"  {key}: {value}", file=report)
    for label, count in exits["kind"].value_counts().items():
        print(f"  kind {label}: {count}", file=report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
