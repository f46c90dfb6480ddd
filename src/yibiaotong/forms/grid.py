"""A sheet as a grid of cells with merged ranges, whatever file it came from.

Layout detection only ever looks at a :class:`Grid`, so .xlsx (openpyxl), .xls (xlrd) and .csv
are read the same way. Rows and columns are 1-based as Excel shows them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from yibiaotong.forms.words import clean, leading_spaces

MAX_ROWS = 3000  # a template is small; a filled roster's rows past this add nothing to its layout
MAX_COLS = 200


@dataclass(frozen=True)
class Span:
    """A merged range, or a single cell: the unit a person sees as one box."""

    top: int
    left: int
    bottom: int
    right: int

    @property
    def width(self) -> int:
        return self.right - self.left + 1

    @property
    def height(self) -> int:
        return self.bottom - self.top + 1

    @property
    def anchor(self) -> tuple[int, int]:
        return self.top, self.left


@dataclass
class CellInfo:
    text: str = ""  # as printed: no outer whitespace, no line breaks
    raw: str = ""  # the text before cleaning (leading spaces carry indentation)
    indent: int = 0  # alignment indent plus indentation written with leading spaces
    bold: bool = False
    border: bool = False
    formula: bool = False


@dataclass
class Grid:
    sheet: str
    nrows: int = 0
    ncols: int = 0
    cells: dict[tuple[int, int], CellInfo] = field(default_factory=dict)
    merges: list[Span] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    sheet_hidden: bool = False
    validations: list[tuple[Span, tuple[str, ...]]] = field(default_factory=list)  # drop-down lists
    has_drawing: bool = False  # charts or pictures
    _cover: dict[tuple[int, int], Span] = field(default_factory=dict, repr=False)

    def finish(self) -> Grid:
        """Index merged ranges and trim trailing empty rows and columns."""
        self._cover = {}
        for span in self.merges:
            for r in range(span.top, span.bottom + 1):
                for c in range(span.left, span.right + 1):
                    self._cover[(r, c)] = span
        used = [k for k, v in self.cells.items() if v.text or v.border]
        used += [s.anchor for s in self.merges]
        self.nrows = max((r for r, _ in used), default=0)
        self.nrows = max([self.nrows] + [s.bottom for s in self.merges])
        self.ncols = max((c for _, c in used), default=0)
        self.ncols = max([self.ncols] + [s.right for s in self.merges])
        return self

    def span(self, r: int, c: int) -> Span:
        return self._cover.get((r, c)) or Span(r, c, r, c)

    def info(self, r: int, c: int) -> CellInfo:
        """The cell a person sees at (r, c): a merged range shows its top-left cell."""
        top, left = self.span(r, c).anchor
        return self.cells.get((top, left)) or CellInfo()

    def text(self, r: int, c: int) -> str:
        return self.info(r, c).text

    def row_spans(self, r: int, c1: int = 1, c2: int | None = None) -> list[Span]:
        """The boxes crossing row r from column c1 to c2, left to right, each once."""
        out: list[Span] = []
        c = c1
        end = c2 if c2 is not None else self.ncols
        while c <= end:
            span = self.span(r, c)
            out.append(span)
            c = span.right + 1
        return out

    def row_texts(self, r: int) -> list[str]:
        return [t for s in self.row_spans(r) if (t := self.text(*s.anchor))]

    def is_merged(self, r: int, c: int) -> bool:
        return (r, c) in self._cover

    def choices(self, r: int, c: int) -> tuple[str, ...]:
        """The options of a drop-down list (数据验证) covering (r, c)."""
        for span, options in self.validations:
            if span.top <= r <= span.bottom and span.left <= c <= span.right:
                return options
        return ()


def cell_text(value: Any) -> str:
    """A cell value as a person reads it: 3.0 -> '3', dates as 2024-01-05."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def make_cell(value: Any, *, indent: float = 0, bold: bool = False, border: bool = False) -> CellInfo:
    raw = cell_text(value)
    formula = raw.startswith("=") and len(raw) > 1
    text = "" if formula else clean(raw)  # a formula computes a value: never a label
    level = int(indent or 0) + (leading_spaces(raw) if text else 0)
    return CellInfo(text=text, raw=raw, indent=level, bold=bold, border=border, formula=formula)
