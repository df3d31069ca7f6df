"""Layer 1, inputs: configuration, schemas, the data store and vendor importers.

See the Layout section of the README for the order data flows in."""

import datetime as _dt

EARLIEST_DAY = _dt.date(1900, 1, 1)
LATEST_DAY = _dt.date(2100, 12, 31)
"""Plausible range for any date, in a file or an --as-of: outside it a date is a typo, not
data (and pandas' timestamps end in 2262, so a year such as 9999 cannot be computed with).
Standard library only, so the CLI checks --as-of without importing pandas."""
