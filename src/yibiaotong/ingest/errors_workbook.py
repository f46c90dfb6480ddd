"""The error workbook (错误清单): the rows that were not imported, as they were, for the clerk to
fix and import again.

It repeats the sheet's title and header rows (with their merged cells) so that it is recognised
as the same form, then the rejected rows with their original values, each wrong cell filled red,
and a last column 错误说明 saying in Chinese in which original row, what is wrong and how to fix it
(one problem a line). ID numbers are written as text so that Excel cannot turn them into
5.00118E+17 again. At most :data:`MAX_ROWS` rows (beyond that the clerk should fix what is wrong
with the whole column first).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yibiaotong.files import close_workbook
from yibiaotong.forms.grid import Span

EXPLAIN = "错误说明"
MAX_ROWS = 100_000


@dataclass
class RejectedRow:
    row: int  # row number in the original sheet
    values: list[Any]
    bad_columns: set[int] = field(default_factory=set)  # 1-based
    messages: list[str] = field(default_factory=list)


@dataclass
class SheetErrors:
    sheet: str
    head: dict[tuple[int, int], Any]  # the rows above the data: title, header, number row
    head_merges: list[Span]
    first_data_row: int
    header_row: int | None  # where the 错误说明 heading goes: the header's first row
    width: int
    text_columns: set[int] = field(default_factory=set)  # ID numbers, phones: always text
    rows: list[RejectedRow] = field(default_factory=list)


class WritingStopped(Exception):
    """The import the workbook was written for was stopped (Ctrl+C): no list of rows to fix is wanted."""


def write_error_workbook(path: Path, sheets: list[SheetErrors], stop: threading.Event | None = None) -> Path:
    """``stop``: set when the workbook is no longer wanted; the writing ends within a thousand rows
    (:class:`WritingStopped`), nothing written to ``path``."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    bad = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "border": 1})
    plain = wb.add_format({"border": 1})
    # ID numbers and phones: cells formatted as text, so an ID number typed anew is not made 5.00118E+17
    bad_text = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "border": 1, "num_format": "@"})
    plain_text = wb.add_format({"border": 1, "num_format": "@"})
    day = wb.add_format({"num_format": "yyyy-mm-dd", "border": 1})
    bad_day = wb.add_format({"num_format": "yyyy-mm-dd", "bg_color": "#FFC7CE", "font_color": "#9C0006",
                             "border": 1})
    head = wb.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True})
    note = wb.add_format({"font_color": "#9C0006", "text_wrap": True, "border": 1})
    for se in sheets:
        ws = wb.add_worksheet(_sheet_name(se.sheet, wb))
        # an error workbook corrected and imported again brings its own 错误说明 column: stale, it is
        # not copied, and the new one takes its place (the other columns keep theirs)
        stale = _explain_columns(se)
        explain_col = min(stale) - 1 if stale else se.width  # 0-based: else after the last column
        merged = {(m.top, m.left) for m in se.head_merges}
        for m in se.head_merges:
            if m.top < se.first_data_row and not all(c in stale for c in range(m.left, m.right + 1)):
                ws.merge_range(m.top - 1, m.left - 1, m.bottom - 1, m.right - 1,
                               _cell_text(se.head.get((m.top, m.left))), head)
        for (r, c), value in se.head.items():
            if (r < se.first_data_row and c not in stale and (r, c) not in merged
                    and not _covered(se.head_merges, r, c)):
                ws.write_string(r - 1, c - 1, _cell_text(value), head)
        if se.header_row:
            ws.write_string(se.header_row - 1, explain_col, EXPLAIN, head)
        for i, rej in enumerate(sorted(se.rows, key=lambda x: x.row)):
            if stop is not None and i % 1000 == 0 and stop.is_set():
                raise WritingStopped
            out_row = se.first_data_row - 1 + i
            for c, value in enumerate(rej.values, start=1):
                if c > se.width:
                    break
                if c in stale:
                    continue
                is_bad, as_text = c in rej.bad_columns, c in se.text_columns
                fmt = (bad_text if is_bad else plain_text) if as_text else (bad if is_bad else plain)
                _write_value(ws, out_row, c - 1, value, fmt, bad_day if is_bad else day, as_text)
            for c in range(len(rej.values) + 1, se.width + 1):
                if c in rej.bad_columns:
                    ws.write_blank(out_row, c - 1, None, bad)
            ws.write_string(out_row, explain_col, f"原第{rej.row}行：" + "\n".join(rej.messages), note)
        ws.set_column(explain_col, explain_col, 60)
        for c in se.text_columns - stale:  # rows the clerk adds below stay text too
            ws.set_column(c - 1, c - 1, 20, plain_text)
    close_workbook(wb)
    return path


def _explain_columns(se: SheetErrors) -> set[int]:
    """The sheet's columns (1-based) headed 错误说明: added by an earlier error workbook."""
    return {c for (r, c), value in se.head.items()
            if r < se.first_data_row and c <= se.width and _cell_text(value).strip() == EXPLAIN}


def _write_value(ws, row: int, col: int, value: Any, fmt, day_fmt, as_text: bool) -> None:
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    elif as_text or isinstance(value, str):
        ws.write_string(row, col, _cell_text(value), fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, (dt.date, dt.datetime)):
        moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        ws.write_datetime(row, col, moment, day_fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # an ID number Excel already turned into a float is shown as the digits it still has
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _covered(merges: list[Span], r: int, c: int) -> bool:
    return any(m.top <= r <= m.bottom and m.left <= c <= m.right for m in merges)


def _sheet_name(name: str, wb) -> str:
    base = "".join(ch for ch in name if ch not in "[]:*?/\\")[:28] or "Sheet"
    used = {ws.get_name() for ws in wb.worksheets()}
    candidate, n = base, 1
    while candidate in used:
        n += 1
        candidate = f"{base[:26]}{n}"
    return candidate
