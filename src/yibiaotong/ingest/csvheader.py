"""A CSV's header read with the merged cells its workbook had (CSV表头的合并单元格).

A CSV keeps no merged cells. A roster whose header groups a single column (补贴金额 over 生活补贴（元）)
comes out of Excel's "CSV (逗号分隔)" with the child label alone in the row under the header: the
labels beside it, merged down over both rows in the workbook, have blanks under them, and nothing
tells the child from a first row of data. The header is then read one row short and the grouped
column is lost, so the .xlsx imported the column and its CSV did not.
"""

from __future__ import annotations

import copy
from typing import Any

from yibiaotong.forms.grid import Span
from yibiaotong.forms.model import FormTemplate
from yibiaotong.forms.reader import read_sheet
from yibiaotong.ingest.recognise import recognise


def merged_down(sheet: Any, source: str, forms: list, template: FormTemplate, rec: Any, problem: Any
                ) -> tuple[FormTemplate, Any, Any]:
    """The sheet read again as its workbook was merged, when the row under its header holds labels
    only, each under a label, and blanks under the other labels: those labels merged down over it.
    The reading whose recognised form misses fewer columns wins (the installed form says whether the
    row is a header row), else the sheet stays as first read."""
    if not sheet.delimited or template.layout != "roster" or not template.header_rows or (rec and not rec.missing):
        return template, rec, problem
    grid = sheet.head
    first, last = template.header_rows
    below = last + 1
    labelled = [c for c in range(1, grid.ncols + 1) if any(grid.text(r, c) for r in range(first, last + 1))]
    children = [c for c in range(1, grid.ncols + 1) if grid.text(below, c)]
    if not children or not set(children) < set(labelled) or any(_number(grid.text(below, c)) for c in children):
        return template, rec, problem
    merged = copy.copy(grid)
    merged.merges = [*grid.merges]
    for c in labelled:
        if c not in children:
            top = max(r for r in range(first, last + 1) if grid.text(r, c))
            merged.merges.append(Span(top, c, below, c))
    merged.finish()
    again, _why = read_sheet(merged, source, "roster")
    if again is None or again.layout != "roster" or (again.header_rows or (0, 0))[1] != below:
        return template, rec, problem
    better, _problem = recognise(again, [f for f in forms if f.layout == "roster"])
    if better is not None and (rec is None or len(better.missing) < len(rec.missing)):
        return again, better, None
    return template, rec, problem


def _number(text: str) -> bool:
    """A number under a label is a value (a first row of data), never a child label."""
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True
