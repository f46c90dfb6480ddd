"""A template as the report writer replays it (模板样式): every cell's value and style, merges,
column widths and row heights, read once with openpyxl and kept as plain data.

The writer copies this block cell by cell into a new workbook (xlsxwriter, streaming), so a
generated report looks like the template people know — same title, merged multi-level headers,
borders, fonts, fills and widths — while its data rows are written at streaming speed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import column_index_from_string

from yibiaotong.errors import Problem, YbtError
from yibiaotong.forms import read_templates
from yibiaotong.forms.model import FormTemplate

Style = tuple[tuple[str, Any], ...]  # xlsxwriter format properties, hashable

BORDERS = {"thin": 1, "medium": 2, "dashed": 3, "dotted": 4, "thick": 5, "double": 6, "hair": 7,
           "mediumDashed": 8, "dashDot": 9, "mediumDashDot": 10, "dashDotDot": 11, "mediumDashDotDot": 12,
           "slantDashDot": 13}
H_ALIGN = {"left": "left", "center": "center", "right": "right", "fill": "fill", "justify": "justify",
           "centerContinuous": "center_across", "distributed": "distributed"}
V_ALIGN = {"top": "top", "center": "vcenter", "bottom": "bottom", "justify": "vjustify", "distributed": "vdistributed"}


@dataclass
class TemplateSheet:
    form: FormTemplate
    values: dict[tuple[int, int], Any]
    styles: dict[tuple[int, int], Style]
    merges: list[tuple[int, int, int, int]]  # 1-based (top, left, bottom, right)
    widths: dict[int, float]
    heights: dict[int, float]
    max_row: int
    max_col: int
    hidden_cols: set[int] = field(default_factory=set)
    hidden_rows: set[int] = field(default_factory=set)
    landscape: bool = False
    default_height: float | None = None

    def style(self, r: int, c: int) -> Style:
        return self.styles.get((r, c), ())

    def drawn(self, r: int) -> bool:
        """Does the row hold a table box (a border or a value)?"""
        return any(any(k.endswith(("left", "right", "top", "bottom")) for k, _ in self.style(r, c))
                   or self.values.get((r, c)) not in (None, "") for c in range(1, self.max_col + 1))


def load_template(path: str | Path, sheet: str | None = None) -> TemplateSheet:
    path = Path(path)
    if not path.is_file():
        raise YbtError(Problem("report-template-missing", {"file": str(path)}))
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise YbtError(Problem("report-template-format", {"file": path.name}))
    return _load(str(path.resolve()), path.stat().st_mtime_ns, sheet)


@lru_cache(maxsize=256)
def _load(path: str, _mtime: int, sheet: str | None) -> TemplateSheet:
    read = read_templates(path)
    forms = [f for f in read.forms if sheet is None or f.sheet == sheet] or read.forms
    if not forms:
        raise YbtError(Problem("report-template-format", {"file": Path(path).name}))
    form = forms[0]
    wb = openpyxl.load_workbook(path)
    ws = wb[form.sheet] if form.sheet in wb.sheetnames else wb.active
    values: dict[tuple[int, int], Any] = {}
    styles: dict[tuple[int, int], Style] = {}
    cache: dict[Any, Style] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                values[(cell.row, cell.column)] = cell.value
            if cell.has_style:
                key = cell._style  # openpyxl shares style arrays: convert each distinct one once
                k = tuple(key) if key is not None else None
                if k not in cache:
                    cache[k] = style_of(cell)
                if cache[k]:
                    styles[(cell.row, cell.column)] = cache[k]
    widths: dict[int, float] = {}
    hidden_cols: set[int] = set()
    for letter, dim in ws.column_dimensions.items():
        first = dim.min or column_index_from_string(letter)
        last = dim.max or first
        for c in range(first, min(last, first + 200) + 1):
            if dim.width:
                widths[c] = float(dim.width)
            if dim.hidden:
                hidden_cols.add(c)
    heights = {r: float(d.height) for r, d in ws.row_dimensions.items() if d.height}
    hidden_rows = {r for r, d in ws.row_dimensions.items() if d.hidden}
    merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
    max_row = max([ws.max_row, *(m[2] for m in merges)])
    max_col = max([ws.max_column, *(m[3] for m in merges)])
    landscape = (ws.page_setup.orientation == "landscape") or max_col > 10
    default_height = ws.sheet_format.defaultRowHeight if ws.sheet_format.customHeight else None
    return TemplateSheet(form, values, styles, merges, widths, heights, max_row, max_col, hidden_cols, hidden_rows,
                         landscape, default_height)


def style_of(cell) -> Style:
    """openpyxl style -> xlsxwriter format properties."""
    p: dict[str, Any] = {}
    f = cell.font
    if f is not None:
        if f.name:
            p["font_name"] = f.name
        if f.sz:
            p["font_size"] = float(f.sz)
        if f.b:
            p["bold"] = True
        if f.i:
            p["italic"] = True
        if f.u:
            p["underline"] = 1
        color = _rgb(f.color)
        if color and color != "#000000":
            p["font_color"] = color
    fill = cell.fill
    if fill is not None and fill.fill_type == "solid":
        color = _rgb(fill.fgColor)
        if color:
            p["pattern"], p["bg_color"] = 1, color
    b = cell.border
    if b is not None:
        for side in ("left", "right", "top", "bottom"):
            s = getattr(b, side)
            if s is not None and s.style in BORDERS:
                p[side] = BORDERS[s.style]
                color = _rgb(s.color)
                if color and color != "#000000":
                    p[f"{side}_color"] = color
    a = cell.alignment
    if a is not None:
        if a.horizontal in H_ALIGN:
            p["align"] = H_ALIGN[a.horizontal]
        if a.vertical in V_ALIGN:
            p["valign"] = V_ALIGN[a.vertical]
        if a.wrap_text:
            p["text_wrap"] = True
        if a.indent:
            p["indent"] = int(a.indent)
        if a.shrink_to_fit:
            p["shrink"] = True
    if cell.number_format and cell.number_format != "General":
        p["num_format"] = cell.number_format
    return tuple(sorted(p.items()))


def _rgb(color) -> str | None:
    if color is None or getattr(color, "type", None) != "rgb" or not isinstance(color.rgb, str):
        return None
    value = color.rgb
    return "#" + value[-6:].upper() if len(value) in (6, 8) else None
