"""What reading a report template (报表模板) gives: forms, their fields, and what was skipped."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from yibiaotong.errors import Problem

Layout = Literal["roster", "record", "indicator"]
Cell = tuple[int, int]  # (row, column), both 1-based as Excel shows them


@dataclass
class TemplateField:
    """One place in a template where a value goes (字段).

    ``header`` is ``path`` joined by "/": enclosing header/section labels from outermost to leaf,
    each label as printed (inner spaces, numbering, units and asterisks kept).
    """

    header: str
    path: tuple[str, ...]
    label: str
    row: int
    column: int
    value_cell: Cell | None
    unit: str | None = None
    section: str | None = None  # record: enclosing section labels joined by "/"
    subtable: str | None = None  # record: name of the repeated sub-table (家庭成员情况)
    indicator: str | None = None  # indicator: the indicator path without the value column
    value_column: str | None = None  # indicator: header of the value column (本期数, 上年同期)
    neighbors: tuple[str | None, str | None] = (None, None)  # previous and next field labels
    hidden: bool = False
    choices: tuple[str, ...] = ()  # options offered: □是 □否, or an Excel drop-down list
    sample: str | None = None  # what the value cell already holds (sample data, placeholder)

    @property
    def item(self) -> str:
        """The header without the value column: what the form asks about."""
        return self.indicator or self.header


@dataclass
class FormTemplate:
    """One form found on one sheet (表样)."""

    source: str
    sheet: str
    title: str | None
    layout: Layout
    layout_reason: str
    fields: list[TemplateField] = field(default_factory=list)
    unit_line: str | None = None  # 填报单位：…
    date_line: str | None = None  # 填报日期：… / 统计时间：…
    measure_unit: str | None = None  # from a line like 单位：元 / 金额单位：万元
    preamble: list[str] = field(default_factory=list)  # every line above the table, as printed
    header_rows: tuple[int, int] | None = None  # first and last header row (roster, indicator)
    data_first_row: int | None = None  # roster: first row where records go
    total_row: int | None = None  # 合计/总计/小计
    number_row: int | None = None  # 1 2 3 … / 甲 乙 1 2 … / （1）（2）
    footer_rows: list[int] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)  # 负责人： 审核人： 注：…
    serial_column: int | None = None  # 序号 column: not data, not a field
    serial_label: str | None = None
    value_columns: list[str] = field(default_factory=list)  # indicator: 本期数, 上年同期 …
    sheet_hidden: bool = False

    @property
    def headers(self) -> list[str]:
        return [f.header for f in self.fields]

    @property
    def items(self) -> list[str]:
        """Distinct field items in order (for indicator tables: the indicator paths)."""
        return list(dict.fromkeys(f.item for f in self.fields))


@dataclass
class ReadResult:
    """Forms read from one file; ``skipped`` says which sheets (or the whole file) gave none and
    why; ``warnings`` are things read anyway that a person may want to know."""

    forms: list[FormTemplate] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.forms)
