"""Layer 3, portfolio: fund construction from the scores.

See the Layout section of the README for the order data flows in."""
