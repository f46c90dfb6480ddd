"""Writing indicator tables (统计表): one row per indicator, 计量单位 and value columns on the
right, parents as group rows with dashes in their value cells.

Hierarchy is shown by indentation, by leading full-width spaces or by outline marks in the 序号
column (一 / （一） / 1 / （1） / ①) — never by changing the labels.
"""

from __future__ import annotations

from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from yibiaotong.forms import words
from yibiaotong.forms.render import (
    Style,
    footer_rows,
    header_block,
    put,
    set_widths,
    split_path,
    text_width,
    title_rows,
)

_MARKS = [
    lambda n: _cn(n), lambda n: f"（{_cn(n)}）", lambda n: str(n), lambda n: f"（{n}）",
    lambda n: chr(0x2460 + n - 1) if n <= 20 else str(n),
]


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n <= 10:
        return "十" if n == 10 else digits[n]
    tens, ones = divmod(n, 10)
    return (digits[tens] if tens > 1 else "") + "十" + (digits[ones] if ones else "")


def render_indicator(ws: Worksheet, spec: dict[str, Any], paths: list[tuple[str, ...]], style: Style) -> None:
    rows = _outline(paths)
    hierarchy = style.hierarchy
    numbered_labels = any(words.numbering(p[-1]) for p in paths)
    if hierarchy == "serial" and numbered_labels:
        hierarchy = "indent"  # the labels carry their own numbering: do not print a second one
    serial = style.serial or hierarchy == "serial"
    units = dict(spec.get("units") or {})
    values = [split_path(v) for v in style.value_columns]
    head = (["序号"] if serial else []) + ["指标名称"] + (["代码"] if style.code_column else []) + ["计量单位"]
    last = len(head) + len(values)
    r = title_rows(ws, spec, style, 1, last)
    depth = max(len(v) for v in values)
    for i, text in enumerate(head):
        put(ws, r, i + 1, text, r2=r + depth - 1, bold=True, fill=style.header_fill)
    header_block(ws, r, len(head) + 1, values, depth, style)
    r += depth
    if style.number_row:
        marks = ["甲", "乙", "丙", "丁"][: len(head)] + [str(i + 1) for i in range(len(values))]
        for i, mark in enumerate(marks):
            put(ws, r, i + 1, mark)
        r += 1
    counters: list[int] = []
    for n, (level, label, group, full) in enumerate(rows, start=1):
        counters = counters[: level + 1] + [0] * (level + 1 - len(counters))
        counters[level] += 1
        c = 1
        if serial:
            mark = _MARKS[min(level, len(_MARKS) - 1)](counters[level]) if hierarchy == "serial" else n
            put(ws, r, c, mark)
            c += 1
        shown = ("\u3000" * level + label) if hierarchy == "spaces" else label
        put(ws, r, c, shown, align="left", indent=level if hierarchy == "indent" else 0)
        c += 1
        if style.code_column:
            put(ws, r, c, f"{n:02d}")
            c += 1
        unit = "—" if group else (units.get("/".join(full)) or words.label_unit(label) or "")
        put(ws, r, c, unit)
        for i in range(len(values)):
            put(ws, r, c + 1 + i, "—" if group else None)
        r += 1
    footer_rows(ws, r, style, 1, last)
    widths = {i + 1: 8.0 for i in range(last)}
    widths[2 if serial else 1] = max(text_width(p[-1]) for p in paths) + 4
    set_widths(ws, widths)


def _outline(paths: list[tuple[str, ...]]) -> list[tuple[int, str, bool, tuple[str, ...]]]:
    """(level, label, is_group, path) rows: a parent is printed once, as a group row, unless the
    row just above at that level already is it."""
    rows: list[tuple[int, str, bool, tuple[str, ...]]] = []
    open_: list[str] = []
    for p in paths:
        keep = 0
        while keep < len(p) - 1 and keep < len(open_) and open_[keep] == p[keep]:
            keep += 1
        for level in range(keep, len(p) - 1):
            rows.append((level, p[level], True, p[: level + 1]))
        rows.append((len(p) - 1, p[-1], False, p))
        open_ = list(p)
    return rows
