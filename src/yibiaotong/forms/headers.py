"""Header blocks (表头): which rows they take and the label path above each column.

Vertical merges make a leaf span several header rows; a horizontal merge is a parent over child
columns. A parent printed once in an unmerged cell with blanks to its right (lazy templates, or
"centre across selection") is a parent too when the blank columns have children below it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yibiaotong.forms import words
from yibiaotong.forms.frame import Frame, kind, text_spans
from yibiaotong.forms.grid import Grid, Span


@dataclass
class ColumnHeader:
    column: int
    path: tuple[str, ...]
    leaf: Span  # the box holding the leaf label

    @property
    def header(self) -> str:
        return "/".join(self.path)


def first_dense_row(grid: Grid, frame: Frame) -> int | None:
    """The first body row that reads like a header row: two or more labels side by side with
    no empty drawn box (a value cell) between them."""
    for r in frame.rows:
        spans = text_spans(grid, r, frame.left, frame.right)
        if not spans:
            continue
        return r if _dense(grid, frame, r) else None
    return None


def _dense(grid: Grid, frame: Frame, r: int) -> bool:
    spans = grid.row_spans(r, frame.left, frame.right)
    kinds = [kind(grid, s) for s in spans]
    # year columns (2023 | 2024) head indicator tables: a year alone in a header row is a label
    kinds = ["label" if k == "value" and re.fullmatch(r"(19|20)\d\d年?", words.squeeze(grid.text(*s.anchor)))
             else k for s, k in zip(spans, kinds)]
    labels = [i for i, k in enumerate(kinds) if k == "label"]
    if len(labels) < 2:
        return False
    inner = range(labels[0], labels[-1] + 1)
    gaps = [i for i in inner if kinds[i] != "label" and not _spacer(grid, frame, spans[i])
            and not _under_parent(grid, frame, spans[i])]
    values = [i for i in inner if kinds[i] == "value"]
    return not values and len(gaps) <= max(0, len(labels) // 6)


def _under_parent(grid: Grid, frame: Frame, span: Span) -> bool:
    """A blank right of an unmerged parent label, with a child label under it."""
    r, c = span.anchor
    return span.width == 1 and span.height == 1 and bool(grid.text(r + 1, c)) and _parent_left(grid, frame, r, c, r + 1)


def _spacer(grid: Grid, frame: Frame, span: Span) -> bool:
    """A blank column between header columns, empty and undrawn from top to bottom."""
    for r in frame.rows:
        for c in range(span.left, span.right + 1):
            info = grid.info(r, c)
            if info.text or info.border:
                return False
    return True


def header_block(grid: Grid, frame: Frame, h0: int) -> int:
    """The last header row of the block that starts at ``h0``."""
    h1 = h0
    while True:
        bottom = max((s.bottom for r in range(h0, h1 + 1) for s in grid.row_spans(r, frame.left, frame.right)
                      if s.top >= h0 and grid.text(*s.anchor)), default=h1)
        if bottom > h1 and bottom <= frame.last:
            h1 = bottom
            continue
        nxt = h1 + 1
        if nxt > frame.last or is_number_row(grid, frame, nxt) or not _continues(grid, frame, h1, nxt):
            return h1
        h1 = nxt


def _continues(grid: Grid, frame: Frame, r: int, nxt: int) -> bool:
    """Does row ``nxt`` hold child labels of the header row ``r``?"""
    below = [s for s in grid.row_spans(nxt, frame.left, frame.right) if s.top == nxt]
    below_kinds = [kind(grid, s) for s in below]
    if "label" not in below_kinds or "value" in below_kinds:
        return False
    if any(words.is_total(grid.text(*s.anchor)) or words.is_note(grid.text(*s.anchor)) for s in below):
        return False
    if not all(_child_place(grid, r, b) for b in below if grid.text(*b.anchor)):
        return False  # text under a finished leaf (指标名称 | 计量单位 over 人口 | 人): rows, not children
    for s in grid.row_spans(r, frame.left, frame.right):
        parent = s.width > 1 and grid.text(*s.anchor) and s.bottom == r
        if parent and any(kind(grid, b) == "label" and s.left <= b.left and b.right <= s.right for b in below):
            return True
    # unmerged parent printed once: blanks right of it, with labels under both
    cols = range(frame.left, frame.right + 1)
    above_blank_below_text = any(not grid.text(r, c) and grid.text(nxt, c) and _parent_left(grid, frame, r, c, nxt)
                                 for c in cols)
    above_text_below_blank = any(grid.text(r, c) and not grid.text(nxt, c) for c in cols)
    return above_blank_below_text and above_text_below_blank


def _child_place(grid: Grid, r: int, b: Span) -> bool:
    """Can ``b`` (in the row under header row r) be a child label? Under a merged parent, under
    a blank, or under an unmerged parent printed once with blanks to its right."""
    above = grid.span(r, b.left)
    text = grid.text(*above.anchor)
    if not text:
        return True
    if above.bottom != r:
        return False
    if above.width > 1:
        return above.left <= b.left and b.right <= above.right
    right = above.right + 1
    return not grid.text(r, right) and not grid.is_merged(r, right) and bool(grid.text(r + 1, right))


def _parent_left(grid: Grid, frame: Frame, r: int, c: int, nxt: int) -> bool:
    k = c - 1
    while k >= frame.left:
        if grid.span(nxt, k) == grid.span(nxt, k + 1):
            return False  # one box under both: not separate children
        if grid.text(r, k):
            single = grid.span(r, k).width == 1 and grid.span(r, k).height == 1  # a merged parent is merged over its children
            return single and bool(grid.text(nxt, k))
        if not grid.text(nxt, k) or grid.is_merged(r, k):
            return False
        k -= 1
    return False


def is_number_row(grid: Grid, frame: Frame, r: int) -> bool:
    """1 2 3 … / 甲 乙 丙 1 2 … / （1）（2）… under a header: column numbers, not data."""
    texts = [grid.text(*s.anchor) for s in text_spans(grid, r, frame.left, frame.right)]
    if len(texts) < 2:
        return False
    marks = [words.number_mark(t) for t in texts]
    if sum(m is not None for m in marks) < max(2, 0.8 * len(texts)):
        return False
    nums = [int(re.sub(r"\D.*", "", words.squeeze(t).strip("（()）")) or 0)
            for t, m in zip(texts, marks) if m in ("num", "paren")]
    stems = [t for t, m in zip(texts, marks) if m == "stem"]
    if len(nums) < 2 and len(stems) < 2:
        return False
    return all(b > a for a, b in zip(nums, nums[1:]))


def column_headers(grid: Grid, frame: Frame, h0: int, h1: int) -> list[ColumnHeader]:
    """The label path above each column with a header, left to right; a leaf spanning several
    columns is given once, at its first column."""
    out: list[ColumnHeader] = []
    seen: set[Span] = set()
    for c in range(frame.left, frame.right + 1):
        parts: list[tuple[str, Span]] = []
        for r in range(h0, h1 + 1):
            span = grid.span(r, c)
            text = words.clean_label(grid.text(*span.anchor))
            if not text:
                inherited = _inherit(grid, frame, r, c, h1)
                if inherited is None:
                    continue
                text, span = inherited
            if parts and parts[-1][1] == span:
                continue
            parts.append((text, span))
        if not parts or parts[-1][1] in seen:
            continue
        seen.add(parts[-1][1])
        out.append(ColumnHeader(c, tuple(t for t, _ in parts), parts[-1][1]))
    return out


def _inherit(grid: Grid, frame: Frame, r: int, c: int, h1: int) -> tuple[str, Span] | None:
    """An unmerged parent to the left whose blanks reach column c (both have labels below)."""
    if r >= h1 or grid.is_merged(r, c) or not _text_below(grid, r, c, h1):
        return None
    k = c - 1
    while k >= frame.left:
        span = grid.span(r, k)
        text = words.clean_label(grid.text(*span.anchor))
        if text:
            ok = span.bottom == r and _text_below(grid, r, k, h1)
            return (text, span) if ok else None
        if grid.is_merged(r, k) or not _text_below(grid, r, k, h1):
            return None
        k -= 1
    return None


def _text_below(grid: Grid, r: int, c: int, h1: int) -> bool:
    return any(grid.text(x, c) and grid.span(x, c).top > r for x in range(r + 1, h1 + 1))
