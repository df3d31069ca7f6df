"""Regenerate ``data/rounds.csv.gz``, ``data/exits.csv`` and ``data/funding.csv``.

``funding.csv`` (the sector funding series) comes from ``nsf-ncses-sei/`` (PitchBook
via NSF NCSES: tables 6208 and 1942) and the report figures of ``published-facts.md``
copied into ``REPORT_FIGURES`` below; ``--series-only`` writes only it. Rounds and
exits come from the Crunchbase 2013 export.

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
import re
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


# --------------------------------------------------------------------------- sector funding series

SEI_2020 = "2020-12-31"
"""Science and Engineering Indicators 2020 (tables S8-65, 6-4): PitchBook accessed in
September 2019; released in the 2020 edition's rolling reports. The release day was not
verified, so the year end is used (the project's policy: a backtest never sees a figure
before it appeared)."""

SEI_2022_KTI = "2022-04-30"
"""Science and Engineering Indicators 2022, "Production and Trade of Knowledge- and
Technology-Intensive Industries" (NSB-2022-6, table SKTI-21), released April 2022: the
month's end."""

NCSES_SOURCE = "PitchBook via NSF NCSES, Science and Engineering Indicators {edition}, table {table}"

VERTICALS = {
    "Artificial intelligence and machine learning": "ai_ml",
    "Autonomous cars": "autonomous_cars",
    "Robotics and drones": "robotics_drones",
    "Audio technology": "audio_technology",
    "Augmented reality": "augmented_reality",
    "Virtual reality": "virtual_reality",
    "Digital health": "digital_health",
}
"""PitchBook verticals of NCSES table 1942 (S8-65) bundled, and their series-id stems."""

REGIONS = {"United States": "us", "China": "cn"}

FUNDING_COLUMNS = ["series", "scope", "region", "year", "usd_millions", "deals", "total_series",
                   "published", "source", "notes"]

# Report figures from published-facts.md, one per row: (series, scope, region, year,
# USD millions, deals, denominator series, published, source, notes). Published dates are
# the year end of the edition's year unless the day is known (policy in docs/datasets/funding.md).
REPORT_FIGURES = [
    *[("pitchbook_ai_ml_world", "PitchBook AI & ML vertical, venture deal value", "world", y, v, d, "",
       "2020-12-31", "PitchBook AI & ML vertical (secondary, via VentureBeat)",
       "2019 is the latest year given, so the article appeared in 2020 or later: year end 2020")
      for y, v, d in ((2015, 9600, 1227), (2016, 18400, None), (2017, 21500, None), (2018, 41900, 2938), (2019, 31800, 2899))],
    ("pitchbook_ai_ml_world", "PitchBook AI & ML vertical, venture deal value", "world", 2022, 78000, None, "",
     "2023-12-31", "PitchBook, 2023 AI & ML overview (preview)", "USD 78.0B in 2022, -34.9% on 2021; edition year end"),
    ("pitchbook_ai_ml_world", "PitchBook AI & ML vertical, venture deal value", "world", 2021, 119816, None, "",
     "2023-12-31", "PitchBook, 2023 AI & ML overview (preview)",
     "derived: 78,000 / (1 - 0.349); the report gives 2022 and its change on 2021, not 2021 itself"),
    ("crunchbase_ai_world", "Crunchbase AI category, venture funding", "world", 2015, 6200, None, "",
     "2020-12-31", "Crunchbase AI category (secondary)", "2019 is the latest year given: year end 2020"),
    ("crunchbase_ai_world", "Crunchbase AI category, venture funding", "world", 2019, 24700, None, "",
     "2020-12-31", "Crunchbase AI category (secondary)", "2019 is the latest year given: year end 2020"),
    ("oecd_ai_vc_world", "OECD (Preqin): venture capital in AI firms", "world", 2012, 3000, None, "",
     "2021-12-31", "OECD, Tricot 2021, Venture capital investments in artificial intelligence (Preqin data)", "edition year end"),
    ("oecd_ai_vc_world", "OECD (Preqin): venture capital in AI firms", "world", 2020, 75000, None, "",
     "2021-12-31", "OECD, Tricot 2021, Venture capital investments in artificial intelligence (Preqin data)", "'about $75B'; edition year end"),
    ("oecd_mobility_av_world", "OECD (Preqin): AI VC in mobility and autonomous vehicles", "world", 2020, 19000, None, "oecd_ai_vc_world",
     "2021-12-31", "OECD, Tricot 2021, Venture capital investments in artificial intelligence (Preqin data)",
     "USD 95B over 2012-2020 (not a yearly figure, not bundled); edition year end"),
    ("oecd_health_biotech_world", "OECD (Preqin): AI VC in health and biotech", "world", 2014, 1000, None, "oecd_ai_vc_world",
     "2021-12-31", "OECD, Tricot 2021, Venture capital investments in artificial intelligence (Preqin data)",
     "'under $1B': an upper bound, so growth measured from it is understated; edition year end"),
    ("oecd_health_biotech_world", "OECD (Preqin): AI VC in health and biotech", "world", 2020, 12000, None, "oecd_ai_vc_world",
     "2021-12-31", "OECD, Tricot 2021, Venture capital investments in artificial intelligence (Preqin data)", "'about $12B'; edition year end"),
    ("aiindex_private_ai_world", "Stanford AI Index (NetBase Quid): private investment in AI", "world", 2019, 77778, None, "",
     "2020-12-31", "Stanford AI Index 2020 (secondary)",
     "derived: autonomous vehicles USD 7.7B = 9.9% of the total, 7,700 / 0.099; edition year end"),
    ("aiindex_autonomous_vehicles_world", "Stanford AI Index (NetBase Quid): focus area autonomous vehicles", "world", 2019, 7700, None,
     "aiindex_private_ai_world", "2020-12-31", "Stanford AI Index 2020 (secondary)", "9.9% of the total; edition year end"),
    ("aiindex_autonomous_vehicles_world", "Stanford AI Index (NetBase Quid): focus area autonomous vehicles", "world", 2020, 4500, None,
     "aiindex_private_ai_world", "2021-12-31", "Stanford AI Index 2021 (secondary)", "edition year end"),
    ("aiindex_drug_discovery_world", "Stanford AI Index (NetBase Quid): focus area drugs, cancer, molecular, drug discovery", "world", 2020, 13800, None,
     "aiindex_private_ai_world", "2021-12-31", "Stanford AI Index 2021 (secondary)", "edition year end"),
    ("aiindex_drug_discovery_world", "Stanford AI Index (NetBase Quid): focus area drugs, cancer, molecular, drug discovery", "world", 2019, 3067, None,
     "aiindex_private_ai_world", "2021-12-31", "Stanford AI Index 2021 (secondary)",
     "derived: 2020 was 4.5x 2019, 13,800 / 4.5; edition year end"),
    ("aiindex_medical_healthcare_world", "Stanford AI Index (NetBase Quid): focus area medical and healthcare", "world", 2022, 6100, None,
     "aiindex_private_ai_world", "2023-12-31", "Stanford AI Index 2023 (secondary)", "edition year end"),
    # Generative AI: checked against Stanford HAI's own pages (published-facts.md marks the
    # 2025 edition's figures "verify before shipping"; these two are verified, the focus
    # areas of that summary are not and stay out).
    ("aiindex_generative_ai_world", "Stanford AI Index (Quid): private investment in generative AI", "world", 2023, 25200, None, "",
     "2024-04-15", "Stanford HAI, 2024 AI Index report (hai.stanford.edu/news/inside-new-ai-index-expensive-new-models-targeted-investments-and-more): "
     "generative AI investment nearly eightfold since 2022, USD 25.2B in 2023",
     "edition released 2024-04-15"),
    ("aiindex_generative_ai_world", "Stanford AI Index (Quid): private investment in generative AI", "world", 2024, 33900, None, "",
     "2025-04-07", "Stanford HAI, 2025 AI Index report, Economy chapter (hai.stanford.edu/ai-index/2025-ai-index-report/economy): "
     "private investment in generative AI USD 33.9B in 2024, up 18.7% from 2023",
     "edition released 2025-04-07"),
    ("aiindex_generative_ai_world", "Stanford AI Index (Quid): private investment in generative AI", "world", 2023, 28559, None, "",
     "2025-04-07", "Stanford HAI, 2025 AI Index report, Economy chapter (hai.stanford.edu/ai-index/2025-ai-index-report/economy): "
     "USD 33.9B in 2024, up 18.7% from 2023",
     "derived: 33,900 / 1.187, the 2025 edition's revision of 2023 (the 2024 edition said 25.2B)"),
    # Sector figures for 2023-2025, each read on the page named in its source (a search of
    # December 2026). Only full-year figures: a year-to-date figure is never a year's amount.
    ("crunchbase_autonomous_vehicles_world", "Crunchbase: venture funding to autonomous vehicle startups", "world", 2021, 12500, 264, "",
     "2023-11-30", "Crunchbase News, 'Autonomous Vehicle Funding Stuck In Neutral' "
     "(news.crunchbase.com/transportation/autonomous-vehicle-startups-vc-funding/): USD 12.5B in 264 deals in 2021, the high",
     "the page shows no day; it opens with Cruise suspending its driverless program 'last week' (2023-10-26), so it appeared "
     "in early November 2023: month end 2023-11-30. Its 2023 figure (under USD 4.5B so far) is year-to-date and not bundled"),
    *[("crunchbase_autonomous_vehicles_world", "Crunchbase: venture funding to autonomous vehicle startups", "world", y, v, None, "",
       "2025-05-31", "Crunchbase News, 'Venture Pulls Back As Strategics Invest In Autonomous Vehicles', republished by Nasdaq "
       "(nasdaq.com/articles/venture-pulls-back-strategics-invest-autonomous-vehicles): 'last year's $12.1 billion, and even the "
       "$5.9 billion raised by autonomous vehicle startups in 2023'",
       "the page shows no day; 'last year' is 2024 (its largest round, Waymo's USD 5.6B, was in October 2024); the article reports "
       "Uber's USD 100M WeRide investment 'this week', weeks after Tesla's April 2025 earnings call: May 2025, month end. "
       "Its 2025 figure (USD 1.1B so far) is year-to-date and not bundled")
      for y, v in ((2023, 5900), (2024, 12100))],
    ("rockhealth_ai_digital_health_us", "Rock Health: venture funding to AI-enabled US digital health startups "
     "(AI, machine learning or deep learning core to the product)", "us", 2024, 3892, None, "",
     "2026-04-09", "Rock Health 2025 year-end digital health funding report, via eMarketer "
     "(emarketer.com/content/digital-health-2025-funding-saw-fewer-deals-more-dollars-ai-took-spotlight): US digital health "
     "USD 14.2B in 2025, a 35% increase; AI-enabled companies 54% of funding, up from 37% in 2024",
     "derived: 0.37 x 14,200 / 1.35 (the 2024 total from the 35% increase). The page shows no day; the year-end report came out "
     "before Rock Health's Q1 2026 report, which 'landed this week' on 2026-04-09 (ch-healthtech.com): 2026-04-09, the latest "
     "day it can have appeared"),
    ("rockhealth_ai_digital_health_us", "Rock Health: venture funding to AI-enabled US digital health startups "
     "(AI, machine learning or deep learning core to the product)", "us", 2025, 7668, None, "",
     "2026-04-09", "Rock Health 2025 year-end digital health funding report, via eMarketer "
     "(emarketer.com/content/digital-health-2025-funding-saw-fewer-deals-more-dollars-ai-took-spotlight): US digital health "
     "USD 14.2B in 2025; AI-enabled companies 54% of funding",
     "derived: 0.54 x 14,200. Publication date as for 2024 (the latest day the report can have appeared)"),
    ("cbinsights_voice_ai_world", "CB Insights: equity funding to voice AI companies", "world", 2024, 2100, None, "",
     "2025-04-30", "CB Insights Research, 'AI gets chatty' (research.cbinsights.com/ai-gets-chatty): voice AI solutions "
     "'grabbed $2.1B in 2024, per CB Insights' funding data'",
     "the page shows no day; its author is at the ASU+GSV Summit 'next week' (April 2025) and cites voice ordering starting "
     "in April: month end 2025-04-30. Its 2025 figure is year-to-date and not bundled; one year, so no direction yet"),
]
"""The AI Index 2025 focus-area figures in published-facts.md are marked "verify before
shipping" (read in an unofficial summary): left out until verified. Its generative-AI
figures are verified against Stanford HAI's own page and bundled. The 2021-2025 sector
figures (Crunchbase News, Rock Health, CB Insights) and what was seen but not bundled
are listed in docs/datasets/funding.md."""


def _ncses(shared: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(shared / "nsf-ncses-sei" / "output" / "tables" / table / "data.csv", dtype=str, keep_default_na=False)


def _cell_millions(text: str) -> float | None:
    """An NCSES cell: a number of USD millions, or None for NA / D (suppressed) / empty."""
    text = text.strip()
    if text in ("", "NA", "D"):
        return None
    if not re.fullmatch(r"\d+(\.\d+)?", text):
        raise SystemExit(f"unexpected NCSES cell {text!r}: decide how to read it")
    return float(text)


def build_funding_series(shared: Path) -> pd.DataFrame:
    """Yearly AI venture funding series: NCSES tables 6208 and 1942, and report figures."""
    rows = []
    world = _ncses(shared, "6208")
    for path, sid, region in (("Total", "ncses_ai_vc_world", "world"),
                              ("Total -> North America -> United States", "ncses_ai_vc_us", "us"),
                              ("Total -> Asia -> China", "ncses_ai_vc_cn", "cn")):
        rec = world.loc[world["country_or_region_full_path"] == path].iloc[0]
        for col in (c for c in world.columns if c.startswith("field_")):
            value = _cell_millions(rec[col])
            if value is None:
                continue
            rows.append((sid, "PitchBook: total AI venture capital raised, by headquarters", region, int(col[6:]), value, None,
                         "" if region == "world" else "ncses_ai_vc_world", SEI_2022_KTI,
                         NCSES_SOURCE.format(edition=2022, table="SKTI-21 (NCSES 6208)"),
                         "PitchBook accessed 2021-09-27; NSB-2022-6 released April 2022"))
    verticals = _ncses(shared, "1942")
    level1, level2 = "industry_vertical_or_technology_area_level_1", "industry_vertical_or_technology_area_level_2"
    for name, stem in VERTICALS.items():
        for country, code in REGIONS.items():
            found = verticals.loc[(verticals[level1] == country) & (verticals[level2] == name)]
            if len(found) != 1:
                raise SystemExit(f"NCSES 1942: expected one row for {country} / {name}, found {len(found)}")
            rec = found.iloc[0]
            for col in (c for c in verticals.columns if c.startswith("field_")):
                value = _cell_millions(rec[col])
                if value is None:
                    continue
                rows.append((f"pb_{stem}_{code}", f"PitchBook vertical: {name} (venture capital invested)", code, int(col[6:]), value, None,
                             "" if stem == "ai_ml" else f"pb_ai_ml_{code}", SEI_2020,
                             NCSES_SOURCE.format(edition=2020, table="S8-65 (NCSES 1942)"),
                             "PitchBook accessed 2019-09-21; verticals overlap (a company can sit in several)"))
    rows += REPORT_FIGURES
    frame = pd.DataFrame(rows, columns=FUNDING_COLUMNS)
    frame["deals"] = frame["deals"].astype("Int64")
    dupes = frame.duplicated(["series", "year", "published"])
    if dupes.any():
        raise SystemExit(f"two figures for one series, year and edition: {frame.loc[dupes, ['series', 'year']].values.tolist()}")
    return frame.sort_values(["series", "year", "published"], kind="mergesort").reset_index(drop=True)


def write_funding_series(frame: pd.DataFrame, path: Path) -> None:
    out = frame.copy()
    out["usd_millions"] = out["usd_millions"].map(lambda v: f"{v:.0f}" if float(v).is_integer() else f"{v}")
    out.to_csv(path, index=False, lineterminator="\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, required=True, help="folder holding crunchbase-2013/")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[2] / "data")
    parser.add_argument("--series-only", action="store_true", help="write only funding.csv (the sector funding series)")
    args = parser.parse_args(argv)

    series = build_funding_series(args.shared)
    write_funding_series(series, args.out / "funding.csv")
    print(f"funding: {len(series)} rows, {series['series'].nunique()} series, years {series['year'].min()}-{series['year'].max()}", file=sys.stderr)
    for sid, group in series.groupby("series", sort=True):
        print(f"  {sid}: {len(group)} rows, {group['year'].min()}-{group['year'].max()}", file=sys.stderr)
    if args.series_only:
        return 0

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
