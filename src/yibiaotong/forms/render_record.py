"""Writing one-record forms (登记表/申请表): label/value pairs in a grid, section labels merged
down the left, repeated sub-tables (家庭成员情况) with a header row and empty rows."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from yibiaotong.forms.render import Style, footer_rows, put, set_widths, split_path, title_rows

SIGNATURE = "\n签字（盖章）：\n\n                    年    月    日"


@dataclass
class _Block:
    kind: str  # pairs | sub | opinion
    prefix: tuple[str, ...]
    paths: list[tuple[str, ...]] = field(default_factory=list)


@dataclass
class _Row:
    kind: str  # pairs | opinion | sub-head | sub-data
    prefix: tuple[str, ...]
    labels: list[str]


def render_record(ws: Worksheet, spec: dict[str, Any], paths: list[tuple[str, ...]], style: Style) -> None:
    blocks = _blocks(spec["columns"], paths, style)
    rows = _rows(blocks, style)
    sections = max((len(b.prefix) for b in blocks), default=0)
    pairs = style.pairs_per_row
    widest = max((len(b.paths) for b in blocks if b.kind == "sub"), default=0)
    k = max(1, math.ceil(widest / (2 * pairs)))  # columns per label or value box
    width = 2 * pairs * k
    last = sections + width
    r = title_rows(ws, spec, style, 1, last)
    top = r
    for row in rows:
        _write_row(ws, r, row, sections, pairs, k, last, style)
        r += 1
    _sections(ws, top, rows, sections)
    footer_rows(ws, r, style, 1, last)
    widths = {c: 6.0 for c in range(1, sections + 1)}
    widths.update({c: 14.0 for c in range(sections + 1, last + 1)})
    set_widths(ws, widths)


def _blocks(columns: list[str], paths: list[tuple[str, ...]], style: Style) -> list[_Block]:
    sub_of = {c: name for name, members in style.subtables.items() for c in members}
    blocks: list[_Block] = []
    for text, p in zip(columns, paths):
        if text in sub_of:
            kind, prefix = "sub", split_path(sub_of[text])
        elif style.opinion_boxes and p[-1].endswith("意见"):
            kind, prefix = "opinion", p[:-1]
        else:
            kind, prefix = "pairs", p[:-1]
        last = blocks[-1] if blocks else None
        if last and last.kind == kind != "opinion" and last.prefix == prefix:
            last.paths.append(p)
        else:
            blocks.append(_Block(kind, prefix, [p]))
    return blocks


def _rows(blocks: list[_Block], style: Style) -> list[_Row]:
    rows: list[_Row] = []
    for b in blocks:
        if b.kind == "sub":
            labels = ["/".join(p[len(b.prefix):]) for p in b.paths]
            rows.append(_Row("sub-head", b.prefix, labels))
            rows += [_Row("sub-data", b.prefix, labels) for _ in range(style.subtable_rows)]
        elif b.kind == "opinion":
            rows.append(_Row("opinion", b.prefix, [b.paths[0][-1]]))
        else:
            labels = [p[-1] for p in b.paths]
            step = style.pairs_per_row
            rows += [_Row("pairs", b.prefix, labels[i:i + step]) for i in range(0, len(labels), step)]
    return rows


def _write_row(ws: Worksheet, r: int, row: _Row, sections: int, pairs: int, k: int, last: int,
               style: Style) -> None:
    start = len(row.prefix) + 1  # the first box reaches left over section columns this row lacks
    colon = "：" if style.colon else ""
    if row.kind == "pairs":
        for j, label in enumerate(row.labels):
            left = sections + 1 + j * 2 * k
            put(ws, r, start if j == 0 else left, label + colon, c2=left + k - 1)
            right = last if j == len(row.labels) - 1 else left + 2 * k - 1
            box = "□是  □否" if style.checkboxes and label.startswith("是否") else None
            put(ws, r, left + k, box, c2=right, align="left")
        ws.row_dimensions[r].height = 24
    elif row.kind == "opinion":
        put(ws, r, start, row.labels[0] + colon, c2=sections + k)
        put(ws, r, sections + k + 1, SIGNATURE, c2=last, align="left")
        ws.row_dimensions[r].height = 72
    else:
        m = len(row.labels)
        width = last - sections
        c = sections + 1
        for i, label in enumerate(row.labels):
            size = width // m + (1 if i < width % m else 0)
            put(ws, r, start if i == 0 else c, label if row.kind == "sub-head" else None, c2=c + size - 1)
            c += size


def _sections(ws: Worksheet, top: int, rows: list[_Row], sections: int) -> None:
    """Merge each section label down the rows it covers, outermost in column 1."""
    for level in range(sections):
        i = 0
        while i < len(rows):
            p = rows[i].prefix
            if len(p) <= level:
                i += 1
                continue
            j = i
            while j + 1 < len(rows) and rows[j + 1].prefix[:level + 1] == p[:level + 1]:
                j += 1
            put(ws, top + i, level + 1, p[level], r2=top + j, bold=True)
            i = j + 1
