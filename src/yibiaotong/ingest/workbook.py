"""Reading a filled workbook for intake: each sheet's first rows as a :class:`Grid` (to recognise
the form) and then its rows as a stream, with the row number Excel shows.

.xlsx, .xls and .ods are read with python-calamine (Rust; cached values of formulas, dates as
dates); CSV with the csv module, line by line, in UTF-8 or GB18030 (a superset of GBK). What
calamine cannot say is found separately in the .xlsx itself: formulas that have no cached value
(the file was written by a program that does not calculate, so the cell looks empty).
"""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count, dropwhile
from pathlib import Path
from typing import Any

from yibiaotong.forms.grid import Grid, Span, make_cell

HEAD_ROWS = 100  # enough for any header block, title and a record form; few enough to be instant
_FORMULA_NO_VALUE = re.compile(
    rb'<c r="([A-Z]+)(\d+)"[^>]*>\s*<f(?:\s[^>]*)?(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>')


@dataclass
class Sheet:
    """One sheet: its name, its first rows as a grid, and a way to stream every row."""

    name: str
    hidden: bool
    head: Grid
    head_values: dict[tuple[int, int], Any]  # (row, column) -> the value as read (dates, numbers)
    merges: list[Span] = field(default_factory=list)
    total_rows: int | None = None
    uncached_formulas: set[tuple[int, int]] = field(default_factory=set)
    _rows: Any = None  # () -> iterator of (row number, values)

    def rows(self, first: int) -> Iterator[tuple[int, list[Any]]]:
        """Rows from ``first`` on (1-based); values indexed from column 1 at position 0."""
        return dropwhile(lambda item: item[0] < first, self._rows())


class Workbook:
    """A file opened for intake; sheets are read one at a time (each may be large)."""

    def __init__(self, path: Path, kind: str):
        self.path, self.kind = path, kind

    def sheets(self) -> Iterator[Sheet]:
        if self.kind == "csv":
            yield _csv_sheet(self.path)
            return
        from python_calamine import CalamineError, CalamineWorkbook

        formulas = _uncached_formulas(self.path) if self.kind == "xlsx" else {}
        try:
            wb = CalamineWorkbook.from_path(str(self.path))
        except CalamineError:
            if self.kind != "xls":
                raise
            yield from _xlrd_sheets(self.path)  # a bare BIFF stream, as some old tools write .xls
            return
        with wb:
            visible = {m.name: str(m.visible).lower().endswith("visible") for m in wb.sheets_metadata}
            for name in wb.sheet_names:
                yield _calamine_sheet(wb, name, not visible.get(name, True), formulas.get(name, set()))


def _calamine_sheet(wb, name: str, hidden: bool, formulas: set[tuple[int, int]]) -> Sheet:
    data = wb.get_sheet_by_name(name)
    r0, c0 = data.start or (0, 0)
    merges = [Span(t + 1, lft + 1, b + 1, rgt + 1) for (t, lft), (b, rgt) in (data.merged_cell_ranges or [])]
    pad = [""] * c0  # calamine's rows start at the first used column

    def rows() -> Iterator[tuple[int, list[Any]]]:
        numbered = zip(count(r0 + 1), data.iter_rows())
        return ((number, pad + values) for number, values in numbered) if c0 else numbered

    sheet = Sheet(name, hidden, Grid(name), {}, merges, r0 + data.height, formulas, rows)
    _fill_head(sheet)
    return sheet


def _fill_head(sheet: Sheet) -> None:
    grid = sheet.head
    for number, values in sheet._rows():
        if number > HEAD_ROWS:
            break
        for c, value in enumerate(values, start=1):
            if value is None or value == "":
                continue
            sheet.head_values[(number, c)] = value
            grid.cells[(number, c)] = make_cell(value)
    grid.merges = [m for m in sheet.merges if m.top <= HEAD_ROWS]
    grid.finish()


def _xlrd_sheets(path: Path) -> Iterator[Sheet]:
    import io

    import xlrd

    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, logfile=io.StringIO())
    except (xlrd.XLRDError, NotImplementedError, AssertionError):
        book = xlrd.open_workbook(str(path), logfile=io.StringIO())
    for index in range(book.nsheets):
        sh = book.sheet_by_index(index)
        merges = [Span(rlo + 1, clo + 1, rhi, chi) for rlo, rhi, clo, chi in sh.merged_cells]

        def rows(sh=sh) -> Iterator[tuple[int, list[Any]]]:
            for r in range(sh.nrows):
                yield r + 1, [_xlrd_value(book, cell) for cell in sh.row(r)]

        sheet = Sheet(sh.name, bool(getattr(sh, "visibility", 0)), Grid(sh.name), {}, merges, sh.nrows, set(), rows)
        _fill_head(sheet)
        yield sheet


def _xlrd_value(book, cell) -> Any:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(cell.value, book.datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return cell.value
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#VALUE!")
    return cell.value


# --- CSV ------------------------------------------------------------------------------------

class UndecodableText(Exception):
    """The CSV is neither UTF-8 nor GB18030."""


def csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the first megabyte decodes as such, else GB18030."""
    with path.open("rb") as fh:
        sample = fh.read(1 << 20)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            sample.decode(encoding)
            return encoding
        except UnicodeDecodeError as exc:
            if encoding == "utf-8-sig" and exc.start >= len(sample) - 3:
                return encoding  # a character cut at the end of the sample
    raise UndecodableText()


def _csv_sheet(path: Path) -> Sheet:
    encoding = csv_encoding(path)
    with path.open(encoding=encoding, newline="", errors="replace") as fh:
        sample = fh.read(8192)
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel

    def rows() -> Iterator[tuple[int, list[Any]]]:
        with path.open(encoding=encoding, newline="") as fh:
            try:
                yield from enumerate(csv.reader(fh, dialect), start=1)
            except UnicodeDecodeError as exc:
                raise UndecodableText() from exc

    sheet = Sheet(path.stem, False, Grid(path.stem), {}, [], None, set(), rows)
    _fill_head(sheet)
    return sheet


# --- formulas without a cached value (.xlsx) ------------------------------------------------

def _uncached_formulas(path: Path) -> dict[str, set[tuple[int, int]]]:
    """Per sheet name, the cells holding a formula but no value: calamine shows them empty."""
    out: dict[str, set[tuple[int, int]]] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            for name, member in _sheet_members(zf).items():
                cells = _scan(zf, member)
                if cells:
                    out[name] = cells
    except (KeyError, zipfile.BadZipFile, ET.ParseError):
        return out  # calamine will say what is wrong with the file
    return out


def _sheet_members(zf: zipfile.ZipFile) -> dict[str, str]:
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
    book = ET.fromstring(zf.read("xl/workbook.xml"))
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("p:Relationship", ns)}
    out = {}
    for sheet in book.findall("m:sheets/m:sheet", ns):
        target = targets.get(sheet.get(f"{{{ns['r']}}}id"), "")
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        out[sheet.get("name", "")] = target
    return out


def _scan(zf: zipfile.ZipFile, member: str) -> set[tuple[int, int]]:
    """Stream the sheet's XML; only a chunk and the tail of the previous one are in memory."""
    found: set[tuple[int, int]] = set()
    tail = b""
    with zf.open(member) as fh:
        while True:
            chunk = fh.read(1 << 22)
            if not chunk:
                break
            block = tail + chunk
            if b"<f" in block:
                for m in _FORMULA_NO_VALUE.finditer(block):
                    found.add((int(m.group(2)), column_number(m.group(1).decode())))
            tail = block[-512:]  # a cell cut at the chunk boundary is found in the next block
    return found


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letter(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out
