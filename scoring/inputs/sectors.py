"""Which rounds and categories belong to a sector, read from its ``sectors.toml`` table.

The data store (sector legs), the importers (routing vendor rounds to sectors), the
signals and the evidence all ask the same question, so the answer lives in the input
layer, below all of them.
"""

from __future__ import annotations

import re

import pandas as pd


def round_keywords(table: dict) -> list[str]:
    """The sector's round keyword patterns: ``round_keywords`` in its table or in its
    ``[sectors.<id>.funding]`` table (both are read)."""
    return list(table.get("round_keywords") or []) + list(table.get("funding", {}).get("round_keywords") or [])


def selects_rounds(table: dict) -> bool:
    """Does the sector name any rounds (categories or keyword patterns)?"""
    return bool(table.get("round_categories")) or bool(round_keywords(table))


def sector_categories(table: dict, categories: pd.Series) -> list[str]:
    """The category values (of ``categories``) that are the sector's: listed in
    ``round_categories``, or matching any ``round_keywords`` pattern (case-insensitive)."""
    values = set(pd.unique(categories.dropna().astype(str)))
    keep = set(table.get("round_categories") or []) & values
    patterns = [re.compile(p, re.IGNORECASE) for p in round_keywords(table)]
    keep |= {v for v in values if any(p.search(v) for p in patterns)}
    return sorted(keep)


def selector_text(table: dict) -> str:
    """How the sector picks its rounds, in words ("categories a, b or keywords x")."""
    parts = []
    if table.get("round_categories"):
        parts.append("categories " + ", ".join(table["round_categories"]))
    if round_keywords(table):
        parts.append("keywords " + ", ".join(round_keywords(table)))
    return " or ".join(parts)
