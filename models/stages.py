"""The investment stages gapscore scores, and how each reads in a sentence.

Defined once here (``models/`` imports nothing from ``scoring/``, and both the fund
models and the scoring layer need the stages); ``scoring.stage_model`` builds the
rest of the stage model (factors, weights, windows, the recommendation rule) on it.
These are *investment* stages; the round labels of the data are ``models.rounds``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

STAGES: tuple[str, ...] = ("seed", "series_a", "series_b", "growth")
"""The four stages a sector is scored for, earliest first (ties go to the earlier)."""

STAGE_LABELS: Mapping[str, str] = MappingProxyType(
    {"seed": "seed", "series_a": "Series A", "series_b": "Series B", "growth": "growth"}
)
"""How a stage id reads in a sentence."""
