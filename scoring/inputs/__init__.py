"""Layer 1, inputs: configuration, schemas, the data store and vendor importers.

See the Layout section of the README for the order data flows in."""
