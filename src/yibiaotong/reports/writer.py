"""Writing a report workbook (写出报表): the template's cells replayed with xlsxwriter, data rows
streamed in between.

xlsxwriter's constant-memory mode writes each row to disk as soon as the next one starts, so a
roster of any length takes little memory and is written at the speed of plain rows. That mode
needs rows in order; merged ranges that span several rows are therefore registered without
letting xlsxwriter pad them (it would jump ahead and lose the rest of the current row): every
cell of a merge is written in its own row, with its own border, from the template.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from yibiaotong.files import close_workbook
from yibiaotong.reports.template import Style, TemplateSheet
from yibiaotong.reports.values import Converter

TextFill = Callable[[int, str], str]  # (template row, text) -> text with org unit and period filled in
_NOTHING, _BLANK, _TEXT, _VALUE = range(4)  # how a template cell is written


@dataclass
class OutColumn:
    """One column of a roster's data rows."""

    column: int  # 1-based, as in the template
    source: int | None  # index in the query row; None for the 序号 column
    convert: Converter
    total: bool = False  # summed into the 合计 row
    num_format: str | None = None
    min_width: float | None = None  # an 18-digit ID number must show whole, however narrow the label


class Book:
    """One output workbook with a format cache (xlsxwriter wants few distinct formats)."""

    def __init__(self, path: str | Path, *, constant_memory: bool = True):
        self.path = Path(path)
        # a streamed roster keeps its rows in a temporary file; a small workbook (an indicator table,
        # one-record sheets) is put together in memory, without a temporary file per sheet
        self.wb = xlsxwriter.Workbook(str(path), {
            "constant_memory": constant_memory, "in_memory": not constant_memory, "strings_to_formulas": False,
            "strings_to_urls": False, "strings_to_numbers": False, "remove_timezone": True})
        self._formats: dict[tuple, Any] = {}
        self._rows: dict[tuple, list[tuple[int, int, Any, Any]]] = {}

    def row_cells(self, tpl: TemplateSheet, r: int, fill: TextFill | None, blank_values: bool = False
                  ) -> list[tuple[int, int, Any, Any]]:
        """(column, how, value, format) of template row ``r`` as written, texts filled in; worked out
        once per workbook (a one-record form repeats its template on every sheet)."""
        key = (id(tpl), r, id(fill), blank_values)
        cells = self._rows.get(key)
        if cells is None:
            cells = []
            for c in range(1, tpl.max_col + 1):
                style = tpl.style(r, c)
                f = self.fmt(style) if style else None
                value = None if blank_values else tpl.values.get((r, c))
                if value is None:
                    cells.append((c, _BLANK if style else _NOTHING, None, f))
                elif isinstance(value, str):
                    cells.append((c, _TEXT, fill(r, value) if fill else value, f))
                else:
                    cells.append((c, _VALUE, value, f))
            self._rows[key] = cells
        return cells

    def fmt(self, style: Style, **extra: Any):
        key = (style, tuple(sorted(extra.items()))) if extra else style  # the common case: no extra property
        f = self._formats.get(key)
        if f is None:
            props = dict(style)
            props.update(extra)
            f = self._formats[key] = self.wb.add_format(props)
        return f

    def close(self) -> None:
        close_workbook(self.wb)


def sheet_setup(ws: Worksheet, tpl: TemplateSheet, *, repeat: tuple[int, int] | None = None,
                min_widths: dict[int, float] | None = None) -> None:
    widths = dict(tpl.widths)
    for c, w in (min_widths or {}).items():
        widths[c] = max(widths.get(c, 8.43), w)
    for c, width in sorted(widths.items()):
        # a width in the file already includes Excel's padding: keep its pixels, not its characters
        ws.set_column_pixels(c - 1, c - 1, round(width * 7), None, {"hidden": c in tpl.hidden_cols})
    for c in sorted(tpl.hidden_cols - set(tpl.widths)):
        ws.set_column(c - 1, c - 1, None, None, {"hidden": True})
    ws.set_paper(9)  # A4, as offices print
    if tpl.landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    if repeat:
        ws.repeat_rows(repeat[0] - 1, repeat[1] - 1)


def write_row(book: Book, ws: Worksheet, tpl: TemplateSheet, r: int, out: int, fill: TextFill | None,
              overrides: dict[int, tuple[str, Any]] | None = None, hidden: bool | None = None,
              formats: dict[int, str] | None = None, blank_values: bool = False) -> None:
    """Template row ``r`` at output row ``out`` (both 1-based); ``overrides`` put values in columns;
    ``blank_values``: the row's look only, not its texts (a copy of an empty sub-table row)."""
    height = tpl.heights.get(r)
    hide = r in tpl.hidden_rows if hidden is None else hidden
    if height or hide:
        ws.set_row(out - 1, height, None, {"hidden": hide} if hide else None)
    r0 = out - 1
    for c, how, value, f in book.row_cells(tpl, r, fill, blank_values):
        if overrides and c in overrides:
            put(book, ws, r0, c - 1, overrides[c], tpl.style(r, c), (formats or {}).get(c))
        elif how == _BLANK:
            ws.write_blank(r0, c - 1, None, f)
        elif how == _TEXT:
            ws.write_string(r0, c - 1, value, f)
        elif how == _VALUE:
            ws.write(r0, c - 1, value, f)


def put(book: Book, ws: Worksheet, r0: int, c0: int, cell: tuple[str, Any], style: Style,
        num_format: str | None = None) -> None:
    kind, value = cell
    if kind == "n":
        ws.write_number(r0, c0, value, book.fmt(style, num_format=num_format) if num_format else book.fmt(style))
    elif kind == "s":
        ws.write_string(r0, c0, value, book.fmt(style))
    elif kind == "q":
        ws.write_string(r0, c0, value, book.fmt(style, quote_prefix=True))
    elif kind == "d":
        ws.write_datetime(r0, c0, value, book.fmt(style, num_format=_date_format(value)))
    elif style:
        ws.write_blank(r0, c0, None, book.fmt(style))


def _date_format(value: Any) -> str:
    return "yyyy-mm-dd hh:mm" if getattr(value, "hour", None) is not None and (value.hour or value.minute) \
        else "yyyy-mm-dd"


def add_merge(ws: Worksheet, top: int, left: int, bottom: int, right: int) -> None:
    """Register a merged range (1-based) whose cells were already written row by row."""
    if (top, left) != (bottom, right):
        ws.merge.append([top - 1, left - 1, bottom - 1, right - 1])


# --- roster (花名册): header block, streamed data rows, 合计, footer -------------------------

@dataclass
class RosterShape:
    head_end: int  # last template row above the data rows (title, headers, number row, top 合计)
    data_first: int
    data_last: int  # the template's empty data rows, replaced by the records
    total_row: int | None

    @classmethod
    def of(cls, tpl: TemplateSheet) -> RosterShape:
        form = tpl.form
        first = form.data_first_row or ((form.header_rows or (1, 1))[1] + 1)
        total = form.total_row
        last = first - 1
        r = first
        footer = set(form.footer_rows)
        while r <= tpl.max_row and r != total and r not in footer and (tpl.drawn(r) or r == first):
            last = r
            r += 1
        return cls(first - 1, first, last, total)


def write_roster(book: Book, ws: Worksheet, tpl: TemplateSheet, columns: list[OutColumn], rows: Iterable[tuple],
                 fill: TextFill, top_totals: dict[int, float] | None = None) -> int:
    """The whole sheet; returns the number of data rows written."""
    shape = RosterShape.of(tpl)
    header = tpl.form.header_rows
    sheet_setup(ws, tpl, repeat=(header[0], shape.head_end) if header else None,
                min_widths={c.column: c.min_width for c in columns if c.min_width})
    total_cols = {c.column: i for i, c in enumerate(columns) if c.total}
    formats = {c.column: c.num_format for c in columns if c.total and c.num_format}
    for r in range(1, shape.head_end + 1):
        over = _totals_cells(total_cols, columns, top_totals) if r == shape.total_row and top_totals is not None else None
        write_row(book, ws, tpl, r, r, fill, over, formats=formats)
    ws.freeze_panes(shape.head_end, 0)
    n, sums = _data_rows(book, ws, tpl, shape, columns, rows, total_cols)
    offset = n - (shape.data_last - shape.data_first + 1)
    for r in range(shape.data_last + 1, tpl.max_row + 1):
        over = None
        if r == shape.total_row:
            over = _totals_cells(total_cols, columns, {c: sums[i] for c, i in total_cols.items()})
        write_row(book, ws, tpl, r, r + offset, fill, over, formats=formats)
    for top, left, bottom, right in tpl.merges:
        if bottom <= shape.head_end:
            add_merge(ws, top, left, bottom, right)
        elif top > shape.data_last:
            add_merge(ws, top + offset, left, bottom + offset, right)
    return n


def _data_rows(book: Book, ws: Worksheet, tpl: TemplateSheet, shape: RosterShape, columns: list[OutColumn],
               rows: Iterable[tuple], total_cols: dict[int, int]) -> tuple[int, list[float]]:
    r_style = shape.data_first
    height = tpl.heights.get(r_style)
    used = {c.column for c in columns}
    blanks = [(c - 1, book.fmt(tpl.style(r_style, c))) for c in range(1, tpl.max_col + 1)
              if c not in used and tpl.style(r_style, c)]
    # per column: the writer methods bound to their formats, chosen once
    plans = []
    for col in columns:
        style = tpl.style(r_style, col.column)
        plans.append((col.column - 1, col.source, col.convert, col.column in total_cols,
                      book.fmt(style, num_format=col.num_format) if col.num_format else book.fmt(style),
                      book.fmt(style), book.fmt(style, quote_prefix=True),
                      book.fmt(style, num_format="yyyy-mm-dd"), book.fmt(style, num_format="yyyy-mm-dd hh:mm")))
    sums = [0.0] * len(columns)
    write_number, write_string, write_datetime, write_blank = ws.write_number, ws.write_string, ws.write_datetime, ws.write_blank
    n = 0
    r0 = shape.data_first - 1
    for row in rows:
        n += 1
        if height:
            ws.set_row(r0, height)
        for i, (c0, src, convert, summed, f_num, f_text, f_quote, f_date, f_time) in enumerate(plans):
            kind, value = convert(n if src is None else row[src])
            if kind == "s":
                write_string(r0, c0, value, f_text)
            elif kind == "n":
                write_number(r0, c0, value, f_num)
                if summed:
                    sums[i] += value
            elif kind == "b":
                write_blank(r0, c0, None, f_text)
            elif kind == "d":
                write_datetime(r0, c0, value, f_time if getattr(value, "hour", 0) else f_date)
            else:
                write_string(r0, c0, value, f_quote)
        for c0, f in blanks:
            write_blank(r0, c0, None, f)
        r0 += 1
    return n, sums


def _totals_cells(total_cols: dict[int, int], columns: list[OutColumn], totals: dict[int, float] | None
                  ) -> dict[int, tuple[str, Any]]:
    out: dict[int, tuple[str, Any]] = {}
    for c in total_cols:
        value = (totals or {}).get(c)
        if value is not None:
            out[c] = ("n", round(value, 6))
    return out


# --- indicator tables and one-record forms: the template with values in its value cells --------

def write_fixed(book: Book, ws: Worksheet, tpl: TemplateSheet, values: dict[tuple[int, int], tuple[str, Any]],
                fill: TextFill, num_formats: dict[tuple[int, int], str] | None = None,
                grow: dict[int, list[dict[int, tuple[str, Any]]]] | None = None) -> None:
    """The template with ``values`` in its cells (keyed by template row and column). ``grow``: rows
    to insert after a template row (a sub-table with more records than empty rows), each written
    with that row's look and its own values by column; everything below moves down."""
    grow = {r: extra for r, extra in (grow or {}).items() if extra}
    sheet_setup(ws, tpl)
    by_row: dict[int, dict[int, tuple[str, Any]]] = {}
    for (r, c), v in values.items():
        by_row.setdefault(r, {})[c] = v
    num_formats = num_formats or {}
    shift = 0
    moved: dict[int, int] = {}  # template row -> output row
    for r in range(1, tpl.max_row + 1):
        moved[r] = out = r + shift
        over = by_row.get(r)
        formats = {c: num_formats[(r, c)] for c in over if (r, c) in num_formats} if over else None
        write_row(book, ws, tpl, r, out, fill, over, formats=formats)
        for i, extra in enumerate(grow.get(r, ()), start=1):
            formats = {c: num_formats[(r, c)] for c in extra if (r, c) in num_formats}
            write_row(book, ws, tpl, r, out + i, None, extra, hidden=False, formats=formats, blank_values=True)
        shift += len(grow.get(r, ()))
    for top, left, bottom, right in tpl.merges:
        if top == bottom and top in grow:  # a box of a grown row: the same box in each new row
            for i in range(len(grow[top]) + 1):
                add_merge(ws, moved[top] + i, left, moved[top] + i, right)
            continue
        add_merge(ws, moved[top], left, moved[bottom] + len(grow.get(bottom, ())), right)
