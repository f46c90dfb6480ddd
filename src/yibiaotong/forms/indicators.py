"""Fields of an indicator table (统计表/指标式): indicators are rows, values go in the columns on
the right.

The indicator hierarchy is read from outline numbering (一、 （一） 1、 （1） ①, in the label or in
a 序号 column), from indentation (cell indent or leading spaces), from 其中： lines and from
parent labels merged down a second stub column. A row whose value cells are all dashes (—, ×)
or whose label runs across the value columns is a group heading: a parent, not a field.

Rule for headers: with one value column a field's header is the indicator path
(一、基层组织/2、汇总村数(个)); with several, the value column's header is appended
(…/2、汇总村数(个)/本期数). ``TemplateField.indicator`` always holds the path alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from yibiaotong.elements.numbers import other_quantity
from yibiaotong.forms import words
from yibiaotong.forms.frame import Frame
from yibiaotong.forms.grid import Grid, Span
from yibiaotong.forms.layout import Table
from yibiaotong.forms.model import FormTemplate, TemplateField
from yibiaotong.forms.roster import field_unit


@dataclass
class _Level:
    key: tuple[str, int]
    label: str
    numbered: bool
    qizhong: bool = False
    total: bool = False


def read_indicator(grid: Grid, frame: Frame, table: Table, form: FormTemplate) -> None:
    form.header_rows = (table.h0, table.h1)
    form.number_row = table.number_row
    if table.serial:
        form.serial_column, form.serial_label = table.serial.column, table.serial.header
    stub = table.stub or (frame.left, frame.left)
    roles = {c.column for c in (table.serial, table.code, table.unit) if c}
    values = [c for c in table.columns if c.column not in roles and c.leaf.left > stub[1]]
    form.value_columns = [c.header for c in values]
    rows = [r for r in table.rows if table.row_kinds[r] not in ("blank", "note")]
    uses_indent = _outlined_by_indent(grid, rows, stub)
    serial_marks = _serial_marks(grid, table, rows)
    stack: list[_Level] = []
    owner: tuple[str, ...] | None = None
    for r in rows:
        spans = [s for s in grid.row_spans(r, stub[0], stub[1]) if grid.text(*s.anchor)]
        if not spans:
            continue
        label_span = spans[-1]
        label = words.clean_label(grid.text(*label_span.anchor))
        prefix = tuple(words.clean_label(grid.text(*s.anchor)) for s in spans[:-1])
        if prefix != owner:  # a new parent merged down the first stub column starts afresh
            stack, owner = [], prefix
        level = _level(grid, r, label_span, label, serial_marks, uses_indent)
        if level.total and form.total_row is None:
            form.total_row = r
        path = prefix + tuple(_place(stack, level, uses_indent)) + (label,)
        if _is_group(grid, r, label_span, values):
            continue
        _add_fields(grid, frame, table, form, r, label_span, path, values)


def _outlined_by_indent(grid: Grid, rows: list[int], stub: tuple[int, int]) -> bool:
    """Is indentation the table's outline? Yes when rows are indented and mostly unnumbered;
    where numbering leads, an unindented 其中： line is read as part of the row above."""
    labels = [(grid.text(r, c), grid.info(r, c).indent) for r in rows for c in range(stub[0], stub[1] + 1)
              if grid.text(r, c)]
    numbered = sum(1 for t, _ in labels if words.numbering(t))
    return any(i for _, i in labels) and numbered < 0.3 * len(labels)


def _serial_marks(grid: Grid, table: Table, rows: list[int]) -> int | None:
    """The 序号 column when it carries the outline (一 / （一） / 1), not just a count."""
    if not table.serial:
        return None
    classes = {words.numbering_token(grid.text(r, table.serial.column)) for r in rows}
    return table.serial.column if len(classes - {None}) >= 2 else None


def _level(grid: Grid, r: int, span: Span, label: str, serial: int | None, uses_indent: bool) -> _Level:
    indent = grid.info(*span.anchor).indent
    cls = None
    if serial:
        cls = words.numbering_token(grid.text(r, serial))
    if cls is None:
        found = words.numbering(label)
        cls = found[0] if found else None
    qizhong = words.is_qizhong(label) and cls is None and not uses_indent
    if cls is None:
        cls = "qizhong" if qizhong else "none"
    return _Level((cls, indent), label, cls not in ("none", "qizhong"), qizhong, words.is_total(label))


def _place(stack: list[_Level], level: _Level, uses_indent: bool) -> list[str]:
    """Put ``level`` into the outline ``stack`` and return its parents' labels.

    The same numbering style at the same indent is a sibling; deeper indent is a child; a new
    numbering style at the same indent goes one level deeper (一、 then （一）); 其中： is a part of
    the row above; 合计 is never a parent.
    """
    indent = level.key[1]
    while stack and stack[-1].key[1] > indent:
        stack.pop()
    same = next((i for i in range(len(stack) - 1, -1, -1) if stack[i].key == level.key), None)
    if same is not None:
        del stack[same:]
    elif level.qizhong or not stack or stack[-1].key[1] < indent:
        pass
    elif stack[-1].qizhong and not level.numbered:
        stack.pop()  # 女 after 其中：男 is another part of the same whole
    elif stack[-1].total:
        stack.pop()
    elif level.key[0] != stack[-1].key[0] and (not uses_indent or (level.numbered and stack[-1].numbered)):
        pass
    else:
        stack.pop()
    parents = [e.label for e in stack]
    stack.append(level)
    return parents


def _is_group(grid: Grid, r: int, label_span: Span, values: list) -> bool:
    if not values:
        return False
    if label_span.right >= values[0].leaf.left:
        return True  # a heading merged across the value columns
    texts = [grid.text(r, c.column) for c in values]
    return all(t and words.is_dash(t) for t in texts)


def _add_fields(grid: Grid, frame: Frame, table: Table, form: FormTemplate, r: int, label_span: Span,
                path: tuple[str, ...], values: list) -> None:
    unit_text = grid.text(r, table.unit.column) if table.unit else ""
    unit = unit_text if unit_text and not words.is_dash(unit_text) else None
    indicator = "/".join(path)
    row_hidden = r in grid.hidden_rows
    row_unit = unit or field_unit(path, None)
    for col in values or [None]:
        value_cell = (r, col.column) if col else None
        own = (words.label_unit(col.header) or words.count_unit(col.header)) if col else None
        many = len(values) > 1
        full = path + col.path if many and col else path
        sample = grid.text(*value_cell) if value_cell else ""
        form.fields.append(TemplateField(
            header="/".join(full), path=full, label=path[-1], row=r, column=label_span.left,
            value_cell=value_cell,
            # the row's 计量单位 is its first value column's; a further column naming a unit of
            # another quantity (人数 | 发放金额（元）) measures that instead (本期数（万元） on a 元 row
            # stays in 元: one figure, one scale)
            unit=(own if col is not values[0] and other_quantity(row_unit, own) else None) or row_unit or own
            or frame.measure_unit,
            indicator=indicator, value_column=col.header if col else None,
            hidden=row_hidden or bool(col and col.column in grid.hidden_cols),
            choices=grid.choices(*value_cell) if value_cell else (),
            sample=sample or None,
        ))
