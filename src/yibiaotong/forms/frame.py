"""Where the parts of a sheet are: title and unit/date lines on top, footer below, the table
(body) in between."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from yibiaotong.forms import words
from yibiaotong.forms.grid import Grid, Span


@dataclass
class Frame:
    title: str | None = None
    title_row: int | None = None
    preamble: list[str] = field(default_factory=list)
    unit_line: str | None = None
    date_line: str | None = None
    measure_unit: str | None = None
    first: int = 0  # body rows
    last: int = -1
    left: int = 1  # body columns
    right: int = 0
    footer_rows: list[int] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)

    @property
    def rows(self) -> range:
        return range(self.first, self.last + 1)


def kind(grid: Grid, span: Span) -> str:
    """'empty', 'value' (numbers, □是 □否, placeholders, drop-down cells) or 'label'."""
    info = grid.info(*span.anchor)
    if not info.text:
        return "empty"
    if info.formula or words.looks_like_value(info.raw) or grid.choices(*span.anchor):
        return "value"
    return "label"


def text_spans(grid: Grid, r: int, c1: int = 1, c2: int | None = None) -> list[Span]:
    return [s for s in grid.row_spans(r, c1, c2) if grid.text(*s.anchor)]


def find_frame(grid: Grid) -> Frame:
    rows = [r for r in range(1, grid.nrows + 1) if text_spans(grid, r)]
    frame = Frame()
    if not rows:
        return frame
    r = _preamble(grid, frame, rows)
    frame.first = r
    drawn = [k[0] for k, v in grid.cells.items() if v.border] + [s.bottom for s in grid.merges]
    frame.last = max([rows[-1]] + drawn)  # empty boxes under the last label still belong to the form
    _footer(grid, frame)
    _columns(grid, frame)
    return frame


def _in_table(grid: Grid, r: int) -> bool:
    """A row whose boxes are drawn (bordered) belongs to the table, not to the lines around it."""
    return sum(1 for s in grid.row_spans(r) if grid.info(*s.anchor).border) >= 2


def _preamble(grid: Grid, frame: Frame, rows: list[int]) -> int:
    """Read title, 附件 mark, unit/date lines and subtitles; return the first body row."""
    for r in rows:
        spans = text_spans(grid, r)
        texts = [grid.text(*s.anchor) for s in spans]
        joined = "  ".join(texts)
        if len(spans) == 1 and words.is_attachment_mark(joined) and frame.title is None:
            frame.preamble.append(joined)
            continue
        if frame.title is None and len(spans) == 1 and _titleish(grid, spans[0], r == rows[0]):
            frame.title, frame.title_row = words.clean(joined), r
            frame.preamble.append(frame.title)
            continue
        if len(spans) <= 4 and _unit_or_date_line(grid, r, texts):
            _unit_date(frame, texts)
            frame.preamble.append(joined)
            continue
        if len(spans) == 1 and frame.title is not None and _subtitle(joined) and not _in_table(grid, r):
            frame.preamble.append(joined)
            continue
        return r
    return rows[-1] + 1


def _unit_or_date_line(grid: Grid, r: int, texts: list[str]) -> bool:
    """填报单位：…  填报日期：… ; inside the drawn table only when every box is such a line
    (a header row like 项目 | 2023年 | 2024年 names years, not a date line)."""
    def line(t: str) -> bool:
        return bool(words.is_date_line(t) or words.is_unit_line(t) or words.measure_unit(t))

    if not _in_table(grid, r):
        return line("  ".join(texts))
    return all(line(t) and re.search(r"[:：]", t) for t in texts) and not _has_gap(grid, r)


def _has_gap(grid: Grid, r: int) -> bool:
    """Does the row have an empty drawn box (a value cell)? Then it is a form row, not a line."""
    return any(not grid.text(*s.anchor) and grid.info(*s.anchor).border for s in grid.row_spans(r))


def _titleish(grid: Grid, span: Span, first_row: bool) -> bool:
    text = grid.text(*span.anchor)
    if words.is_footer_line(text) or words.is_unit_line(text) or words.looks_like_value(text):
        return False
    wide = span.width >= 3 or (grid.ncols and span.width >= grid.ncols / 2)
    return bool(wide or grid.info(*span.anchor).bold or words.is_title_like(text)
                or (first_row and len(words.squeeze(text)) >= 6))


def _subtitle(text: str) -> bool:
    t = words.squeeze(text)
    return words.bracketed(t) or (len(t) <= 24 and bool(re.search(r"\d{4}\s*年|年度|季度|月份", t)))


def _unit_date(frame: Frame, texts: list[str]) -> None:
    """Split 填报单位：…  填报日期：… into the unit line and the date line."""
    parts: list[str] = []
    for t in texts:
        parts += [p for p in re.split(r"\s{2,}|\u3000{2,}", t.strip()) if p]
    unit = [p for p in parts if words.is_unit_line(p) and not words.measure_unit(p)]
    date = [p for p in parts if words.is_date_line(p)]
    if unit and frame.unit_line is None:
        frame.unit_line = "  ".join(unit)
    if date and frame.date_line is None:
        frame.date_line = "  ".join(date)
    for p in parts:
        frame.measure_unit = frame.measure_unit or words.measure_unit(p)


def _footer(grid: Grid, frame: Frame) -> None:
    """Walk up from the bottom over 负责人：/注：/年 月 日 lines (and notes they lead)."""
    pending: list[int] = []
    footer: list[int] = []
    for r in range(frame.last, frame.first, -1):  # the body keeps at least its first row
        spans = text_spans(grid, r)
        if not spans:
            pending.append(r)
            continue
        texts = [grid.text(*s.anchor) for s in spans]
        drawn = _in_table(grid, r) and _has_gap(grid, r)
        if _footer_row(texts) and not drawn:
            footer += [x for x in pending if text_spans(grid, x)] + [r]
            pending = []
            continue
        if len(spans) == 1 and len(words.squeeze(texts[0])) >= 8 and not drawn and not _in_table(grid, r):
            pending.append(r)  # a note's later lines: footer if a 注： line heads them
            continue
        break
    footer.sort()
    if footer:
        frame.footer_rows = footer
        frame.footer = ["  ".join(grid.row_texts(r)) for r in footer if grid.row_texts(r)]
        frame.last = footer[0] - 1
        while frame.last >= frame.first and not text_spans(grid, frame.last) and not _drawn_row(grid, frame.last):
            frame.last -= 1


def _footer_row(texts: list[str]) -> bool:
    if any(words.is_footer_line(t) for t in texts):
        return True
    t = words.squeeze(texts[0])
    return len(texts) == 1 and (words.is_note(t) or bool(re.fullmatch(r"[\d_]*年[\d_]*月[\d_]*日", t)))


def _drawn_row(grid: Grid, r: int) -> bool:
    return any(grid.info(*s.anchor).border for s in grid.row_spans(r))


def _columns(grid: Grid, frame: Frame) -> None:
    cols: set[int] = set()
    for r in frame.rows:
        for s in grid.row_spans(r):
            info = grid.info(*s.anchor)
            if info.text or info.border or s.width > 1 or s.height > 1:
                cols.update((s.left, s.right))
    frame.left, frame.right = (min(cols), max(cols)) if cols else (1, 0)
