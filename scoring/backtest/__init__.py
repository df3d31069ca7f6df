"""Layer 3, backtest: point-in-time replays of the scores and their metrics.

See the Layout section of the README for the order data flows in."""
