"""Writing realistic report templates (生成报表模板): the project's own template writer.

``render_template(spec, path)`` writes an .xlsx the way township templates look: a merged title,
a 填报单位/填报日期 line, multi-level merged headers, a 序号 column, a column-number row, empty
rows, a 合计 row, a footer (负责人： 审核人： 填表人： 联系电话：), borders and widths.

Spec: ``{"title", "department"?, "columns": ["parent/child", ...], "layout", "units"?, "options"?}``.
A column is a header path; "/" inside brackets is part of a label (类型(种植/养殖)).

Contract with the reader: every label is written exactly as given in the spec, so reading the
file back gives the spec's header paths in order. The writer never adds numbering, units or
other words to a label: display numbering goes into a separate 序号 column, hierarchy into
indentation, and cosmetic colons (姓名：) are ones the reader drops. A 序号 column is not a
field (``FormTemplate.serial_column``); a spec column named 序号 becomes that column in a roster.

``style_seed`` varies only cosmetic choices (序号 column, number row, unit line, 合计 row,
2 or 4 label/value pairs per row, indentation or numbering …), deterministically; ``options``
in the spec fix any of them. The same input gives byte-identical output.
"""

from __future__ import annotations

import random
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from yibiaotong.forms import words

LAYOUT_NAMES = {
    "roster": "roster", "column_headers": "roster", "list": "roster",
    "record": "record", "application_form": "record", "registration_form": "record", "form": "record",
    "indicator": "indicator", "statistics": "indicator", "indicator_table": "indicator",
}
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FIXED_TIME = "2024-01-01T00:00:00Z"


@dataclass
class Style:
    """Cosmetic choices; each may be fixed by ``spec["options"]``."""

    serial: bool = True
    number_row: bool = False
    unit_line: bool = True
    total_row: str | None = None  # None, "top" or "bottom"
    data_rows: int = 5
    pairs_per_row: int = 2
    colon: bool = False  # record labels printed as 姓名：
    checkboxes: bool = True  # □是 □否 in the box after 是否… labels
    opinion_boxes: bool = True  # …意见 labels get a signature box
    hierarchy: str = "indent"  # indicator: indent | spaces | serial
    value_columns: list[str] = field(default_factory=lambda: ["本期数"])
    code_column: bool = False
    spacer: bool = False  # a narrow blank column A, as many templates have
    footer: bool = True
    note: bool = False
    header_fill: bool = True
    subtable_rows: int = 3
    subtables: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def choose(cls, seed: int, options: dict[str, Any]) -> Style:
        rnd = random.Random(seed)
        style = cls(
            serial=rnd.random() < 0.6, number_row=rnd.random() < 0.4, unit_line=rnd.random() < 0.7,
            total_row=rnd.choice([None, None, "top", "bottom"]), data_rows=rnd.randint(3, 8),
            pairs_per_row=rnd.choice([2, 4]), colon=rnd.random() < 0.3, checkboxes=rnd.random() < 0.7,
            opinion_boxes=rnd.random() < 0.7, hierarchy=rnd.choice(["indent", "spaces", "serial"]),
            value_columns=rnd.choice([["本期数"], ["本期数", "上年同期"], ["本年/本月", "本年/累计", "上年同期"]]),
            code_column=rnd.random() < 0.3, spacer=rnd.random() < 0.25, footer=rnd.random() < 0.8,
            note=rnd.random() < 0.3, header_fill=rnd.random() < 0.5, subtable_rows=rnd.randint(2, 5),
        )
        for key, value in options.items():
            key = {"pairs": "pairs_per_row", "total": "total_row"}.get(key, key)
            if hasattr(style, key):
                setattr(style, key, value)
        return style


def split_path(header: str) -> tuple[str, ...]:
    """'A/B(x/y)/c' -> ('A', 'B(x/y)', 'c'): a slash inside brackets belongs to the label."""
    parts, depth, current = [], 0, ""
    for ch in header:
        depth += ch in "(（[【"
        depth -= ch in ")）]】" and depth > 0
        if ch == "/" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return tuple(p.strip() for p in parts if p.strip())


def render_template(spec: dict[str, Any], path: str | Path, layout: str | None = None, *,
                    style_seed: int = 0) -> Path:
    """Write ``spec`` as a realistic .xlsx template at ``path`` and return the path."""
    path = Path(path)
    name = LAYOUT_NAMES.get(str(layout or spec.get("layout") or "roster"))
    if name is None:
        raise ValueError(f"unknown layout {layout or spec.get('layout')!r}")
    style = Style.choose(style_seed, dict(spec.get("options") or {}))
    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_name(spec.get("sheet") or "Sheet1")
    paths = [split_path(c) for c in spec["columns"]]
    if name == "roster":
        render_roster(ws, spec, paths, style)
    elif name == "record":
        from yibiaotong.forms.render_record import render_record
        render_record(ws, spec, paths, style)
    else:
        from yibiaotong.forms.render_indicator import render_indicator
        render_indicator(ws, spec, paths, style)
    wb.save(path)
    _fix_zip(path)
    return path


# --- shared pieces ---------------------------------------------------------------------------

def put(ws: Worksheet, r: int, c1: int, text: Any, *, c2: int | None = None, r2: int | None = None,
        bold: bool = False, size: int | None = None, box: bool = True, align: str = "center",
        indent: int = 0, fill: bool = False) -> None:
    """Write a box: text, merge, borders on every cell of it."""
    c2, r2 = c2 or c1, r2 or r
    cell = ws.cell(r, c1, text)
    cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True, indent=indent)
    if bold or size:
        cell.font = Font(bold=bold, size=size or 11)
    if fill:
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
    if box:
        for row in range(r, r2 + 1):
            for col in range(c1, c2 + 1):
                ws.cell(row, col).border = BOX
    if c2 > c1 or r2 > r:
        ws.merge_cells(start_row=r, start_column=c1, end_row=r2, end_column=c2)


def title_rows(ws: Worksheet, spec: dict[str, Any], style: Style, c1: int, c2: int) -> int:
    """Title and 填报单位/填报日期 line; returns the next free row."""
    put(ws, 1, c1, spec.get("title") or "报表", c2=c2, bold=True, size=16, box=False)
    ws.row_dimensions[1].height = 32
    r = 2
    if style.unit_line:
        half = max(c1, (c1 + c2) // 2)
        put(ws, r, c1, "填报单位（盖章）：", c2=half, box=False, align="left")
        if half + 1 <= c2:
            put(ws, r, half + 1, "填报日期：    年   月   日", c2=c2, box=False, align="right")
        r += 1
    return r


def footer_rows(ws: Worksheet, r: int, style: Style, c1: int, c2: int) -> None:
    if style.note:
        put(ws, r, c1, "注：1.本表由村（社区）填报，镇（街道）审核汇总；2.请勿改动表格格式。", c2=c2, box=False, align="left")
        r += 1
    if not style.footer:
        return
    names = ["负责人：", "审核人：", "填表人：", "联系电话："]
    width = max(1, (c2 - c1 + 1) // len(names))
    for i, text in enumerate(names):
        left = c1 + i * width
        if left > c2:
            break
        right = c2 if i == len(names) - 1 else min(c2, left + width - 1)
        put(ws, r + 1, left, text, c2=right, box=False, align="left")


def set_widths(ws: Worksheet, widths: dict[int, float]) -> None:
    for c, w in widths.items():
        ws.column_dimensions[get_column_letter(c)].width = w


def text_width(text: str) -> float:
    return min(40.0, max(6.0, sum(2 if ord(ch) > 255 else 1 for ch in text) * 1.1 + 2))


def _sheet_name(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "", name)[:31] or "Sheet1"


def _fix_zip(path: Path) -> None:
    """Same input, same bytes: fixed timestamps in the zip and in docProps/core.xml."""
    with zipfile.ZipFile(path) as zf:
        entries = [(info.filename, zf.read(info.filename)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + FIXED_TIME.encode(), data)
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)


# --- roster (花名册) ---------------------------------------------------------------------------

def render_roster(ws: Worksheet, spec: dict[str, Any], paths: list[tuple[str, ...]], style: Style) -> None:
    cols = list(paths)
    has_serial = bool(cols) and len(cols[0]) == 1 and words.is_serial_header(cols[0][0])
    if style.serial and not has_serial:
        cols.insert(0, ("序号",))
        has_serial = True
    c1 = 2 if style.spacer else 1
    c2 = c1 + len(cols) - 1
    r = title_rows(ws, spec, style, c1, c2)
    depth = max(len(p) for p in cols)
    header_block(ws, r, c1, cols, depth, style)
    r += depth
    if style.number_row:
        for i in range(len(cols)):
            mark = "甲" if has_serial and i == 0 else str(i if has_serial else i + 1)
            put(ws, r, c1 + i, mark)
        r += 1
    total_col = c1
    if style.total_row == "top":
        _total(ws, r, c1, c2, total_col)
        r += 1
    for n in range(style.data_rows):
        for i in range(len(cols)):
            put(ws, r, c1 + i, n + 1 if has_serial and i == 0 else None)
        r += 1
    if style.total_row == "bottom":
        _total(ws, r, c1, c2, total_col)
        r += 1
    footer_rows(ws, r, style, c1, c2)
    widths = {c1 + i: text_width(p[-1]) for i, p in enumerate(cols)}
    if style.spacer:
        widths[1] = 2
    set_widths(ws, widths)


def header_block(ws: Worksheet, r: int, c0: int, paths: list[tuple[str, ...]], depth: int, style: Style) -> None:
    """Multi-level headers from row ``r``, column ``c0``: a parent label merged across its children,
    a leaf merged down to the last header row."""
    for level in range(depth):
        i = 0
        while i < len(paths):
            p = paths[i]
            if level >= len(p):
                i += 1
                continue
            if level == len(p) - 1:
                put(ws, r + level, c0 + i, p[level], r2=r + depth - 1, bold=True, fill=style.header_fill)
                i += 1
                continue
            j = i
            while j + 1 < len(paths) and len(paths[j + 1]) > level + 1 and paths[j + 1][:level + 1] == p[:level + 1]:
                j += 1
            put(ws, r + level, c0 + i, p[level], c2=c0 + j, bold=True, fill=style.header_fill)
            i = j + 1


def _total(ws: Worksheet, r: int, c1: int, c2: int, total_col: int) -> None:
    for c in range(c1, c2 + 1):
        put(ws, r, c, "合计" if c == total_col else None, bold=c == total_col)
