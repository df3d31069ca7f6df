"""The exception hierarchy shared by the whole package.

``models`` never imports ``scoring``, so the base classes live here; the scoring
layer adds file-level errors on top (see ``gapscore.scoring.errors``).
"""


class GapscoreError(Exception):
    """Base class of every error gapscore raises on purpose."""


class InputError(GapscoreError, ValueError):
    """The values passed in are not usable (wrong range, wrong type, missing column)."""


class InsufficientDataError(InputError):
    """Too few usable points to fit a model; the caller reports 'insufficient data'."""


class NotFittedError(GapscoreError, AttributeError):
    """A fitted attribute or ``predict`` was used before ``fit``."""
