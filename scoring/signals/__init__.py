"""Layer 2, signals: per-sector signals, timing, the curves, calibration, scores and evidence.

See the Layout section of the README for the order data flows in."""
