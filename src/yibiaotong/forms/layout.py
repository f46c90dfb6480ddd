"""Which of the three layouts a table has, and why (列表式 / 表单式 / 指标式).

* roster: a header block, then rows that are empty or hold records;
* indicator: a header block, then rows labelled in a stub column on the left (指标名称);
* record: labels all over the body, each followed by a box for its value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from yibiaotong.forms import words
from yibiaotong.forms.frame import Frame, kind, text_spans
from yibiaotong.forms.grid import Grid
from yibiaotong.forms.headers import (
    ColumnHeader,
    column_headers,
    first_dense_row,
    header_block,
    is_number_row,
)


@dataclass
class Table:
    """A header block with what lies under it."""

    h0: int
    h1: int
    columns: list[ColumnHeader]
    number_row: int | None
    rows: list[int]  # body rows under the header (and number row)
    serial: ColumnHeader | None = None
    code: ColumnHeader | None = None
    unit: ColumnHeader | None = None
    stub: tuple[int, int] | None = None  # columns of the row labels
    row_kinds: dict[int, str] = field(default_factory=dict)


@dataclass
class Decision:
    layout: str
    reason: str
    table: Table | None = None


def decide(grid: Grid, frame: Frame) -> Decision:
    h0 = first_dense_row(grid, frame)
    if h0 is None:
        return Decision("record", "表体首行是“标签—空格”交替（非表头行），按表单式读取 / "
                                  "first body row alternates labels and blanks: record form")
    table = _table(grid, frame, h0)
    kinds = list(table.row_kinds.values())
    stub_rows, label_rows, data_rows = kinds.count("stub"), kinds.count("label"), kinds.count("data")
    filled = stub_rows + label_rows + data_rows
    if stub_rows >= 2 and stub_rows >= 0.6 * filled:
        why = _indicator_evidence(grid, table)
        if why:
            return Decision("indicator", f"表头下{stub_rows}行在左侧栏目列有行标签（{why}），按指标式读取 / "
                                         f"{stub_rows} rows labelled in the stub column ({why}): indicator table", table)
        if label_rows == 0:
            return Decision("roster", f"表头下各行只在“{_stub_name(table)}”列预填了名称，按列表式读取 / "
                                      "rows only prefill the first column (names of units): roster", table)
    record_title = bool(frame.title and words.RECORD_TITLE.search(words.squeeze(frame.title)))
    if label_rows >= max(2, 0.3 * filled) or (record_title and label_rows + stub_rows >= 1 and stub_rows < 2):
        return Decision("record", f"表体中有{label_rows}行散布着标签与填写格，按表单式读取 / "
                                  f"{label_rows} rows mix labels and boxes: record form")
    return Decision("roster", f"第{table.h0}–{table.h1}行为表头（{len(table.columns)}列），其下为空行或数据行，"
                              f"按列表式读取 / header rows {table.h0}-{table.h1} over empty or data rows: roster",
                    table)


def as_roster(grid: Grid, frame: Frame) -> Decision | None:
    """The sheet read as a roster whatever its rows look like, when its form is known to be one
    (a short roster with notes beside a few rows looks like a record form to :func:`decide`, and
    would be read as one record); None when it has no header row to read one by."""
    h0 = first_dense_row(grid, frame)
    if h0 is None:
        return None
    return Decision("roster", "报表定义为列表式，按列表式读取 / the form is a roster: read as one",
                    _table(grid, frame, h0))


def _table(grid: Grid, frame: Frame, h0: int) -> Table:
    h1 = header_block(grid, frame, h0)
    columns = column_headers(grid, frame, h0, h1)
    number_row = h1 + 1 if h1 + 1 <= frame.last and is_number_row(grid, frame, h1 + 1) else None
    start = (number_row or h1) + 1
    table = Table(h0, h1, columns, number_row, list(range(start, frame.last + 1)))
    for col in columns:
        leaf = col.path[-1]
        if table.serial is None and words.is_serial_header(leaf) and len(col.path) == 1:
            table.serial = col
        elif table.code is None and words.CODE_HEADER.match(words.squeeze(leaf)):
            table.code = col
        elif table.unit is None and words.UNIT_HEADER.match(words.squeeze(leaf)):
            table.unit = col
    table.stub = _stub(table)
    for r in table.rows:
        table.row_kinds[r] = _row_kind(grid, frame, table, r)
    return table


def _stub(table: Table) -> tuple[int, int] | None:
    roles = {c.column for c in (table.serial, table.code, table.unit) if c}
    for col in table.columns:
        if col.column not in roles:
            return col.leaf.left, col.leaf.right
    return None


def _stub_name(table: Table) -> str:
    for col in table.columns:
        if table.stub and col.column == table.stub[0]:
            return col.header
    return ""


def _row_kind(grid: Grid, frame: Frame, table: Table, r: int) -> str:
    """'blank', 'total', 'note', 'heading', 'stub' (labels only in the stub), 'data' or 'label'."""
    roles = {c.column for c in (table.serial, table.code, table.unit) if c}
    every = text_spans(grid, r, frame.left, frame.right)
    if every and words.is_total(grid.text(*every[0].anchor)):
        return "total"  # 合计 often sits in the 序号 column
    spans = [s for s in every if not (s.left in roles and s.width == 1)]
    if not spans:
        return "blank"
    first = grid.text(*spans[0].anchor)
    if words.is_total(first):
        return "total"
    if len(spans) == 1 and (words.is_note(first) or words.bracketed(first)):
        return "note"
    labels = [s for s in spans if kind(grid, s) == "label"]
    if not labels:
        return "blank"
    if any(re.search(r"[:：]$", grid.text(*s.anchor)) for s in labels):
        return "label"  # 姓名： is printed for a value to follow: a form row, never data
    stub = table.stub
    if stub and all(s.left >= stub[0] and s.left <= stub[1] for s in labels):
        return "stub"
    width = frame.right - frame.left + 1
    if len(spans) == 1 and spans[0].width >= 0.6 * width:
        return "heading"
    leaves = {c.leaf.left: c.leaf for c in table.columns}
    aligned = all(s.left in leaves and s.right == leaves[s.left].right for s in spans)
    if aligned and len(spans) >= max(2, 0.4 * len(table.columns)):
        return "data"
    return "label"


def _indicator_evidence(grid: Grid, table: Table) -> str:
    """Why the labelled rows are indicators rather than prefilled names of units or persons."""
    name = _stub_name(table)
    if not name or words.INDICATOR_STUB.search(words.squeeze(name)):
        return f"栏目列表头为“{name or '空'}”"
    if table.unit:
        return "有计量单位列"
    stub_rows = [r for r, k in table.row_kinds.items() if k == "stub"]
    labels = [grid.text(r, table.stub[0] if table.stub else 1) for r in stub_rows]
    labels = [t for t in labels if t]
    numbered = sum(1 for t in labels if words.numbering(t) or words.is_qizhong(t))
    if labels and numbered >= 0.3 * len(labels):
        return "行标签带层级编号"
    indents = [grid.info(r, table.stub[0]).indent for r in stub_rows] if table.stub else []
    if any(indents):
        return "行标签有缩进层级"
    if table.serial and any(words.numbering_token(grid.text(r, table.serial.column)) in ("cn", "cn-paren")
                            for r in stub_rows):
        return "序号列有层级编号"
    return ""
