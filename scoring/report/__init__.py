"""Layer 4, report: the workbooks (the only package that imports openpyxl).

See the Layout section of the README for the order data flows in."""
