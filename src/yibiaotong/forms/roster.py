"""Fields of a roster (花名册/列表式): one per header column; records go in the rows below."""

from __future__ import annotations

import re

from yibiaotong.forms import words
from yibiaotong.forms.frame import Frame
from yibiaotong.forms.grid import Grid
from yibiaotong.forms.layout import Table
from yibiaotong.forms.model import FormTemplate, TemplateField

_MONEY_WORDS = re.compile(r"金额|额|资金|收入|支出|费|补贴|补助|工资|金$|款|价|成本|利润|资产|津贴|奖励")


def read_roster(grid: Grid, frame: Frame, table: Table, form: FormTemplate) -> None:
    form.header_rows = (table.h0, table.h1)
    form.number_row = table.number_row
    data_first = None
    for r in table.rows:
        k = table.row_kinds[r]
        if k == "total":
            form.total_row = form.total_row or r
        elif k not in ("note", "heading") and data_first is None:
            data_first = r
    form.data_first_row = data_first or (table.number_row or table.h1) + 1
    if table.serial:
        form.serial_column, form.serial_label = table.serial.column, table.serial.header
    for col in table.columns:
        if col is table.serial:
            continue
        value_cell = (form.data_first_row, col.column)
        sample = grid.text(*value_cell) or None
        form.fields.append(TemplateField(
            header=col.header, path=col.path, label=col.path[-1], row=col.leaf.top, column=col.column,
            value_cell=value_cell, unit=field_unit(col.path, frame.measure_unit),
            hidden=all(c in grid.hidden_cols for c in range(col.leaf.left, col.leaf.right + 1)),
            choices=grid.choices(*value_cell) or words.checkbox_choices(sample or ""),
            sample=sample,
        ))


def field_unit(path: tuple[str, ...], measure: str | None) -> str | None:
    """The unit printed in the label or a parent (金额（元）/发放数), else the sheet's 单位：元 line
    for labels that name an amount of money."""
    for label in reversed(path):
        unit = words.label_unit(label)
        if unit:
            return unit
    if measure and "元" in measure and any(_MONEY_WORDS.search(p) for p in path):
        return measure
    return None
