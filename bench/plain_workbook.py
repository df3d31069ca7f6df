"""The memo benchmark's reference: openpyxl writing the same cells into plain workbooks.

    python -m bench.plain_workbook CELLS.json

CELLS.json is ``[{"path": OUT.xlsx, "sheets": {name: [[row, column, value], ...]}}, ...]``,
taken from our memos: the same sheets and cell values (formulas as their text), with
no scoring, styles, charts or defined names. It is the floor under the memo's time:
starting Python, importing openpyxl and saving that many cells.
"""

from __future__ import annotations

import json
import sys

from openpyxl import Workbook


def write(books: list[dict]) -> int:
    cells = 0
    for book in books:
        wb = Workbook()
        wb.remove(wb.active)
        for name, rows in book["sheets"].items():
            ws = wb.create_sheet(name)
            for row, column, value in rows:
                ws.cell(row=row, column=column, value=value)
            cells += len(rows)
        wb.save(book["path"])
    return cells


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as fh:
        print(write(json.load(fh)))
