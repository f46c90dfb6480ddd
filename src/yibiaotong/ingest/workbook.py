"""Reading a filled workbook for intake: each sheet's first rows as a :class:`Grid` (to recognise
the form) and then its rows as a stream, with the row number Excel shows.

.xlsx, .xls and .ods are read with python-calamine (Rust; cached values of formulas, dates as
dates); CSV with the csv module, line by line, in UTF-8 or GB18030 (a superset of GBK). What
calamine cannot say is found separately in the .xlsx itself: formulas that have no cached value
(the file was written by a program that does not calculate, so the cell looks empty).

calamine reads a whole sheet into memory, about 1.4 GB for a roster of a million rows. A large
.xlsx sheet is therefore read in parts (:func:`_parted_sheet`): its XML is cut between rows into
pieces of :data:`PART_BYTES`, each wrapped with the workbook's other parts (styles, shared strings)
into a small workbook in memory that calamine reads, so values come out exactly as calamine
reads them, a part at a time. Merged ranges and formulas without values are found beforehand by
the one streaming scan of the sheet's XML.
"""

from __future__ import annotations

import codecs
import csv
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import count, dropwhile, islice
from pathlib import Path
from typing import Any

from yibiaotong.forms.grid import Grid, Span, make_cell
from yibiaotong.forms.sources import utf16_codec

HEAD_ROWS = 100  # enough for any header block, title and a record form; few enough to be instant
# a sheet whose XML unpacks to more than this is read in parts of about this size (see _parted_sheet)
PART_BYTES = 48 * 1024 * 1024
FIRST_PART_BYTES = 1024 * 1024  # the first part holds the header: small, as it is read twice
_FORMULA_NO_VALUE = re.compile(
    rb'<c r=["\']([A-Z]+)(\d+)["\'][^>]*>\s*<f(?:\s[^>]*)?(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>')


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
    _chunks: Any = None  # (first, size) -> iterator of Chunk, when read elsewhere than in rows()
    delimited: bool = False  # a CSV: a row has as many cells as its separators make
    widths: dict[int, int] = field(default_factory=dict)  # a CSV's first rows: how many cells each has

    def rows(self, first: int) -> Iterator[tuple[int, list[Any]]]:
        """Rows from ``first`` on (1-based); values indexed from column 1 at position 0."""
        return dropwhile(lambda item: item[0] < first, self._rows())

    def chunks(self, first: int, size: int, conversion: Any = None) -> Iterator[Chunk]:
        """The rows from ``first`` on, ``size`` at a time, column by column (what an import
        converts). A large .xlsx sheet is read by a second process meanwhile (:mod:`.reader`),
        which also converts the columns a :class:`~yibiaotong.ingest.reader.Conversion` names
        (``Chunk.converted``); read here, the chunks come unconverted."""
        if self._chunks is not None:
            return self._chunks(first, size, conversion)
        return chunked(self.rows(first), size)


@dataclass
class Chunk:
    """Consecutive rows held column by column: their row numbers and, per sheet column from A,
    the values (None where a row is shorter than the others)."""

    numbers: list[int]
    columns: list[Sequence[Any]]
    # per planned column, as a ColumnConverter returns it: the values, and problems by position
    # (None: not converted yet)
    converted: list[tuple[list[Any], dict[int, list[Any]]] | None] | None = None

    def __len__(self) -> int:
        return len(self.numbers)

    def column(self, index: int) -> Sequence[Any]:
        """Column ``index`` (0-based); all None past the widest row."""
        return self.columns[index] if index < len(self.columns) else [None] * len(self.numbers)

    def row(self, i: int) -> list[Any]:
        return [column[i] for column in self.columns]

    def rows(self) -> list[list[Any]]:
        return [list(values) for values in zip(*self.columns)] if self.columns else [[] for _n in self.numbers]


def chunked(rows: Iterator[tuple[int, list[Any]]], size: int) -> Iterator[Chunk]:
    """Numbered rows as chunks of ``size`` rows, column by column."""
    while items := list(islice(rows, size)):
        yield from_rows([number for number, _values in items], [values for _number, values in items])


def from_rows(numbers: list[int], rows: list[list[Any]]) -> Chunk:
    widths = set(map(len, rows))
    width = max(widths, default=0)
    if len(widths) > 1:  # rows of a part are as wide as the part; an empty row between parts is []
        rows = [v if len(v) == width else [*v, *[None] * (width - len(v))] for v in rows]
    return Chunk(numbers, list(zip(*rows)) if width else [])


class Workbook:
    """A file opened for intake; sheets are read one at a time (each may be large)."""

    def __init__(self, path: Path, kind: str):
        self.path, self.kind = path, kind

    def sheets(self) -> Iterator[Sheet]:
        if self.kind == "csv":
            yield _csv_sheet(self.path)
            return
        from python_calamine import CalamineError, CalamineWorkbook, PasswordError

        scans = _sheet_scans(self.path) if self.kind == "xlsx" else {}
        wb = None
        if any(scan.size > PART_BYTES for scan in scans.values()):
            # a large sheet is read in parts, not by calamine opening the workbook, which reads
            # the whole table of shared strings (a fifth of a million-row roster saved by Excel):
            # the sheets are listed from workbook.xml, and the workbook opened for a small one
            listed = [(name, scan.hidden) for name, scan in scans.items()]
        else:
            try:
                wb = CalamineWorkbook.from_path(str(self.path))
            except PasswordError:
                raise  # a password-protected .xls: xlrd cannot open it either (the import says file-encrypted)
            except CalamineError:
                if self.kind != "xls":
                    raise
                yield from _xlrd_sheets(self.path)  # a bare BIFF stream, as some old tools write .xls
                return
            visible = {m.name: str(m.visible).lower().endswith("visible") for m in wb.sheets_metadata}
            listed = [(name, not visible.get(name, True)) for name in wb.sheet_names]
        try:
            for name, hidden in listed:
                if hidden:  # skipped unread (the import says so): no scan, no load
                    yield Sheet(name, True, Grid(name), {}, [], None, set(), lambda: iter(()))
                    continue
                scan = scans.get(name)
                if scan is not None and scan.size > PART_BYTES:
                    from yibiaotong.ingest.reader import Reading

                    # a second process starts reading while the sheet is scanned here
                    reading = Reading(self.path, name, scan.member)
                    try:
                        _scan_sheet(self.path, scan)
                        yield _parted_sheet(self.path, name, scan, reading)
                    finally:
                        reading.close()
                    continue
                if wb is None:
                    wb = CalamineWorkbook.from_path(str(self.path))
                if scan is not None:
                    _scan_sheet(self.path, scan)
                yield _calamine_sheet(wb, name, scan.formulas if scan else set())
        finally:
            if wb is not None:
                wb.close()


def _calamine_sheet(wb, name: str, formulas: set[tuple[int, int]]) -> Sheet:
    data = wb.get_sheet_by_name(name)
    r0 = (data.start or (0, 0))[0]
    merges = [Span(t + 1, lft + 1, b + 1, rgt + 1) for (t, lft), (b, rgt) in (data.merged_cell_ranges or [])]
    sheet = Sheet(name, False, Grid(name), {}, merges, r0 + data.height, formulas, lambda: _numbered(data))
    _fill_head(sheet)
    return sheet


def _numbered(data) -> Iterator[tuple[int, list[Any]]]:
    """The sheet's rows with the row number Excel shows, values from column A at position 0. (``to_python`` starts at the first used row and column; ``iter_rows`` of
    python-calamine 0.9 starts at row 1 but at the first used column, so it is not used.)"""
    if not data.height:
        return iter(())
    r0, c0 = data.start
    numbered = zip(count(r0 + 1), data.to_python())
    if not c0:
        return numbered
    pad = [""] * c0  # calamine's rows start at the first used column
    return ((number, pad + values) for number, values in numbered)


def _fill_head(sheet: Sheet) -> None:
    grid = sheet.head
    for number, values in sheet._rows():
        if number > HEAD_ROWS:
            break
        if sheet.delimited:
            sheet.widths[number] = len(values)
        for c, value in enumerate(values, start=1):
            if value is None or value == "":
                continue
            sheet.head_values[(number, c)] = value
            grid.cells[(number, c)] = make_cell(value)
    grid.merges = [m for m in sheet.merges if m.top <= HEAD_ROWS]
    grid.finish()


class EncryptedWorkbook(Exception):
    """A workbook that opens only with its password (said as file-encrypted, as calamine's PasswordError)."""


def _xlrd_sheets(path: Path) -> Iterator[Sheet]:
    import io

    import xlrd

    try:
        try:
            book = xlrd.open_workbook(str(path), formatting_info=True, logfile=io.StringIO())
        except (xlrd.XLRDError, NotImplementedError, AssertionError):
            book = xlrd.open_workbook(str(path), logfile=io.StringIO())
    except Exception as exc:  # xlrd's damage shows as any error (IndexError on a truncated stream)
        if "encrypted" in str(exc).lower():
            raise EncryptedWorkbook(str(exc)) from exc
        raise OSError(f"{exc.__class__.__name__}: {exc}") from exc  # said as the file being unreadable
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
    """The CSV is neither UTF-8 nor GB18030 (nor UTF-16); ``line``: the first
    line that is not in the encoding its first megabyte is in (a file pasted together from two)."""

    def __init__(self, line: int | None = None, encoding: str | None = None):
        super().__init__(line, encoding)
        self.line, self.encoding = line, encoding


class CsvRowError(Exception):
    """A CSV record that stops the file being read, said as the problem ``code`` at its ``row``."""

    code = ""

    def __init__(self, row: int):
        super().__init__(row)
        self.row = row


class UnclosedQuote(CsvRowError):
    """A CSV field opened with a quote that never closes: the rest of the file is one cell."""

    code = "csv-quote-unclosed"


class OverlongCell(CsvRowError):
    """A CSV field longer than the csv module reads (128 K characters): no roster's cell is; a stray
    quote whose closing one lies far below makes one."""

    code = "csv-cell-too-long"


def csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the first megabyte decodes as such, else GB18030; UTF-16
    when the file starts as UTF-16 text, with its byte-order mark (Excel's "Unicode text",
    tab-separated) or without (see :func:`utf16_codec`)."""
    with path.open("rb") as fh:
        sample = fh.read(1 << 20)
    codec = utf16_codec(sample[:8192])
    if codec is not None:
        return codec
    utf8_at = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            sample.decode(encoding)
            return encoding
        except UnicodeDecodeError as exc:
            if encoding == "utf-8-sig" and exc.start >= len(sample) - 3:
                return encoding  # a character cut at the end of the sample
            if encoding == "utf-8-sig":
                utf8_at = exc.start
    if utf8_at and b"\n" in sample[:utf8_at]:  # whole UTF-8 lines, then one that is not: that line is said
        raise UndecodableText(sample.count(b"\n", 0, utf8_at) + 1, "utf-8-sig")
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
                yield from _checked_rows(path, encoding, dialect, csv.reader(fh, dialect))
            except UnicodeDecodeError as exc:
                raise UndecodableText(_first_undecodable_line(path, encoding), encoding) from exc

    sheet = Sheet(path.stem, False, Grid(path.stem), {}, [], None, set(), rows, delimited=True)
    _fill_head(sheet)
    return sheet


def _first_undecodable_line(path: Path, encoding: str) -> int | None:
    """The number of the first line not in ``encoding`` (the text reader decodes ahead of the rows it
    gives, so where it stopped is not where the line is)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    number = 1  # lines counted in the decoded text: in UTF-16 a 0A byte is half of many characters (上)
    with path.open("rb") as fh:
        while block := fh.read(1 << 16):
            try:
                number += decoder.decode(block).count("\n")
            except UnicodeDecodeError as exc:
                text = block[:exc.start].decode(encoding, errors="replace") if exc.start else ""
                return number + text.count("\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return number  # the file ends inside a character
    return None


def _checked_rows(path: Path, encoding: str, dialect: Any, reader: Any) -> Iterator[tuple[int, list[Any]]]:
    """The numbered records; a record that runs over several lines to the end of the file is
    looked at again: a quote that never closes made it (the csv module then reads the rest of
    the file into one cell without a word), and :class:`UnclosedQuote` says where it began."""
    held = None  # a record over several lines, held until the next one shows it did not end the file
    line = 1  # where the next record starts
    number = 0
    try:
        for number, values in enumerate(reader, start=1):
            if held is not None:
                yield held[1], held[2]
                held = None
            if reader.line_num > line:
                held = (line, number, values)
            else:
                yield number, values
            line = reader.line_num + 1
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise OverlongCell(number + 1) from exc
        raise OSError(f"CSV: {exc} (record {number + 1})") from exc  # the file cannot be read as it is
    if held is not None:
        start, number, values = held
        with path.open(encoding=encoding, newline="") as fh:
            try:
                for _record in csv.reader(islice(fh, start - 1, None), dialect, strict=True):
                    pass
            except csv.Error as exc:
                if "end of data" in str(exc):
                    raise UnclosedQuote(number) from exc
        yield number, values


# --- large sheets, and what calamine does not say (.xlsx) -----------------------------------

_MERGE = re.compile(rb'<mergeCell ref=["\']([A-Z]+)(\d+):([A-Z]+)(\d+)["\']')
_DIMENSION = re.compile(rb"<dimension [^>]*/>")
_DIMENSION_ROWS = re.compile(rb'<dimension ref=["\'][A-Z]+\d+(?::[A-Z]+(\d+))?["\']')


@dataclass
class SheetScan:
    member: str  # the sheet's XML in the zip
    size: int  # unpacked
    formulas: set[tuple[int, int]] = field(default_factory=set)  # cells with a formula and no value
    merges: set[tuple[int, int, int, int]] = field(default_factory=set)
    rows: int | None = None  # the last row, from <dimension>
    hidden: bool = False  # workbook.xml's state="hidden" or "veryHidden"


def _sheet_scans(path: Path) -> dict[str, SheetScan]:
    """Per sheet name, where its XML is and how large it unpacks (the zip's directory says)."""
    out: dict[str, SheetScan] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            for name, (member, hidden) in _sheet_entries(zf).items():
                out[name] = SheetScan(member, zf.getinfo(member).file_size, hidden=hidden)
    except (KeyError, zipfile.BadZipFile, ET.ParseError):
        return out  # calamine (or the reading in parts) will say what is wrong with the file
    return out


def _scan_sheet(path: Path, scan: SheetScan) -> None:
    """What one streaming pass over the sheet's XML finds."""
    try:
        with zipfile.ZipFile(path) as zf:
            _scan(zf, scan)
    except (KeyError, zipfile.BadZipFile, zlib.error, EOFError):
        return  # calamine (or the reading in parts) will say what is wrong with the file


def _sheet_members(zf: zipfile.ZipFile) -> dict[str, str]:
    return {name: member for name, (member, _hidden) in _sheet_entries(zf).items()}


def _sheet_entries(zf: zipfile.ZipFile) -> dict[str, tuple[str, bool]]:
    """Per sheet name, as workbook.xml lists them: its XML in the zip, and whether it is hidden
    (state="hidden" or "veryHidden", as calamine lists them)."""
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
        out[sheet.get("name", "")] = target, sheet.get("state", "visible") != "visible"
    return out


def _scan(zf: zipfile.ZipFile, scan: SheetScan) -> None:
    """Stream the sheet's XML; only a chunk and the tail of the previous one are in memory."""
    tail = b""
    with zf.open(scan.member) as opened:
        fh = _Unprefixed(opened)
        while True:
            chunk = fh.read(1 << 22)
            if not chunk:
                break
            block = tail + chunk
            if not tail:
                found = _DIMENSION_ROWS.search(block)
                scan.rows = int(found.group(1) or 1) if found and found.group(1) else None
            if _holds(block, b"<f"):
                for m in _FORMULA_NO_VALUE.finditer(block):
                    scan.formulas.add((int(m.group(2)), column_number(m.group(1).decode())))
            if _holds(block, b"<mergeCell "):
                for m in _MERGE.finditer(block):
                    scan.merges.add((int(m.group(2)), column_number(m.group(1).decode()), int(m.group(4)),
                                     column_number(m.group(3).decode())))
            tail = block[-512:]  # a cell cut at the chunk boundary is found in the next block


class _Unprefixed:
    """A sheet's XML read as if its elements had no prefix: the OpenXML SDK writes ``<x:row>``,
    ``<x:c>`` … with the namespace bound to ``x``, where the cutting into parts and the scans look
    for ``<row>``. calamine matches elements by their local name, so the parts read as the sheet
    does whole. Done on the bytes (two replaces in C per read): ``<`` is markup wherever it stands
    in XML (text and attributes escape it), and a sheet holds no CDATA."""

    def __init__(self, fh):
        self._fh, self._prefix, self._held = fh, None, b""

    def read(self, size: int) -> bytes:
        while True:
            chunk = self._fh.read(size)
            data, self._held = self._held + chunk, b""
            if self._prefix is None:  # the root element, which opens the sheet, says it
                found = _ROOT.search(data)
                if found is None and chunk and len(data) < _ROOT_WITHIN:
                    self._held = data
                    continue
                self._prefix = (found.group(1) or b"") if found else b""
            if self._prefix and chunk:  # a tag cut at the end of the read waits for the next
                cut = data.rfind(b"<", max(0, len(data) - len(self._prefix) - 1))
                if cut >= 0:
                    data, self._held = data[:cut], data[cut:]
            if not data and chunk:
                continue
            if not self._prefix:
                return data
            return data.replace(b"<" + self._prefix, b"<").replace(b"</" + self._prefix, b"</")


_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]")
_ROOT_WITHIN = 1 << 20  # bytes of a sheet's XML before its root element, at most (the XML declaration, a comment)
_NUMBER_ATTRIBUTE = re.compile(rb"\sr\s*=\s*[\"']")  # <row r="7">, <row r='7'>


def _holds(block: bytes, tag: bytes, tries: int = 256) -> bool:
    """Whether ``tag`` (``<`` and a letter …) is in ``block``. ``tag in block`` steps through every
    ``<`` of the XML (~0.8 s for a million-row sheet); the tag's letter after ``<`` is rare in a
    sheet's XML, and bytes.find of one byte is memchr. Where that letter is frequent after all
    (text in the cells), after ``tries`` hits the plain search answers."""
    letter, start = tag[1:2], 0
    for _try in range(tries):
        at = block.find(letter, start)
        if at < 0:
            return False
        if at and block.startswith(tag, at - 1):
            return True
        start = at + 1
    return block.find(tag, max(0, start - 1)) >= 0


def _parted_sheet(path: Path, name: str, scan: SheetScan, reading: Any) -> Sheet:
    """A large sheet read a part at a time: only one part's cells are in memory at once. Its
    chunks come from ``reading`` (:class:`yibiaotong.ingest.reader.Reading`), a second process."""
    merges = [Span(*m) for m in sorted(scan.merges)]
    sheet = Sheet(name, False, Grid(name), {}, merges, scan.rows, scan.formulas, lambda: part_rows(path, name, scan),
                  reading.chunks)
    _fill_head(sheet)
    return sheet


def part_rows(path: Path, name: str, scan: SheetScan) -> Iterator[tuple[int, list[Any]]]:
    """The numbered rows of a large sheet, read a part at a time."""
    for start, rows in part_blocks(path, name, scan):
        yield from zip(count(start), rows)


def part_blocks(path: Path, name: str, scan: SheetScan) -> Iterator[tuple[int, list[list[Any]]]]:
    """The rows of a large sheet a part at a time, as runs of consecutive rows: the number of the
    first, and the rows (values from column A at position 0)."""
    last = None  # the last row of the previous part: the empty rows between parts are rows too
    for data, rows_without_number, strings in _parts(path, name, scan):
        if rows_without_number:  # <row> without r="…": calamine counts this part's rows from 1
            offset = last or 0
            if data.height:
                yield data.start[0] + 1 + offset, _values(data, strings)
            last = offset + rows_without_number
            continue
        if not data.height:
            continue
        if last is not None and data.start[0] > last:
            yield last + 1, [[] for _n in range(data.start[0] - last)]
        yield data.start[0] + 1, _values(data, strings)
        last = data.start[0] + data.height


def _values(data, strings: list[str] | None = None) -> list[list[Any]]:
    """A part's rows, from column A (calamine's start at the first used column); cells naming a
    shared string by :data:`_MARK` replaced by it (see :func:`_read_parts`)."""
    rows = data.to_python()
    c0 = data.start[1]
    if c0:
        pad = [""] * c0
        rows = [pad + values for values in rows]
    if strings is not None:
        try:
            for values in rows:
                for j, value in enumerate(values):
                    if value.__class__ is str and value[:1] == _MARK_TEXT:
                        values[j] = strings[int(value[1:])]
        except IndexError:  # as calamine says it reading the sheet whole
            raise OSError(f"Cell string index not found: {value[1:]}") from None
    return rows


def chunked_blocks(blocks: Iterator[tuple[int, list[list[Any]]]], first: int, size: int) -> Iterator[Chunk]:
    """Runs of rows (:func:`part_blocks`) from row ``first`` on as chunks of ``size`` rows, without a
    step per row in Python."""
    numbers: list[int] = []
    rows: list[list[Any]] = []
    for start, block in blocks:
        if start + len(block) <= first:
            continue
        if start < first:
            block, start = block[first - start:], first
        numbers.extend(range(start, start + len(block)))
        rows.extend(block)
        while len(rows) >= size:
            yield from_rows(numbers[:size], rows[:size])
            del numbers[:size], rows[:size]
    if rows:
        yield from_rows(numbers, rows)


def _parts(path: Path, name: str, scan: SheetScan) -> Iterator[tuple[Any, int, list[str] | None]]:
    """:func:`_read_parts`, a damaged zip said as an OSError (the file cannot be read), as calamine's are."""
    try:
        yield from _read_parts(path, name, scan)
    except (KeyError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise OSError(f"{scan.member}: {exc}") from exc


def _read_parts(path: Path, name: str, scan: SheetScan) -> Iterator[tuple[Any, int, list[str] | None]]:
    """The sheet as calamine reads each part: a workbook in memory with the file's other parts
    (workbook, styles, shared strings; not the other sheets) and this sheet's XML up to
    <sheetData>, a run of whole rows, and the closing tags; with it, how many rows the part has
    when they do not say their numbers (0 when they do), and the shared strings its marked cells
    name (None: none are marked).

    A workbook saved by Excel or WPS keeps its texts once, in the shared strings, which calamine
    reads whole for every workbook: for every part. A million-row roster's table (its names, ID
    numbers, addresses) is as large as a tenth of its sheet, so from the second part on the
    table is read once, by calamine (:func:`_shared_strings`), and left out of the parts: a
    shared-string cell (``t="s"``) becomes a text cell holding :data:`_MARK` and its index,
    replaced by its string in :func:`_values`. The first part (the importing process reads it
    too, for the sheet's head) keeps only the first strings of the table, up to the last it
    names (Excel writes them in the order they are first used). A part where some such cell is
    written otherwise than Excel writes them, or holding the mark itself, keeps the table."""
    import io

    from python_calamine import CalamineWorkbook

    with zipfile.ZipFile(path) as zf:
        sheets = set(_sheet_members(zf).values())
        # pictures are no cell values: left out of every part
        others = [(info.filename, zf.read(info)) for info in zf.infolist()
                  if info.filename not in sheets and not info.filename.startswith("xl/media/")]
        # the table calamine reads (xl/sharedStrings.xml, whatever its case), its comments left out
        table_name, table = next(((f, _uncommented(data)) for f, data in others if f.lower() == _TABLE), ("", b""))
        without_strings = [(filename, data) for filename, data in others if filename != table_name]
        strings: list[str] | None = None  # read at the second part: the first is read by the importing process too
        size = PART_BYTES

        def workbook(prefix: bytes, rows: bytes, first_part: bool) -> tuple[Any, int, list[str] | None]:
            nonlocal strings, size
            given, parts = None, others
            shared = _shared_cells(rows) if table else None
            if shared is not None:
                parts = without_strings
                if shared and first_part:  # the strings it names: the first of the table, as Excel writes it
                    highest = max(map(int, _SHARED_INDEX.findall(rows)))
                    parts = [*without_strings, (table_name, _first_strings(table, highest + 1))]
                elif shared:
                    if strings is None:
                        strings = _table_strings(others, table_name, scan.member, name, table)
                    given, rows = strings, rows.replace(_SHARED, _SHARED_MARKED)
            elif table:  # a part that keeps the table reads it again: fewer, larger parts from here on
                size = max(size, 4 * len(table))
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as out:
                for filename, data in parts:
                    out.writestr(filename, data)
                out.writestr(scan.member, b"".join((prefix, rows, b"</sheetData></worksheet>")))
            buffer.seek(0)
            first = rows.find(b"<row")
            numbered = first < 0 or _NUMBER_ATTRIBUTE.search(rows, first, rows.find(b">", first)) is not None
            # rows that do not say their number are counted, empty ones too, as calamine counts them
            count_rows = 0 if numbered else rows.count(b"<row ") + rows.count(b"<row>") + rows.count(b"<row/>")
            return CalamineWorkbook.from_filelike(buffer).get_sheet_by_name(name), count_rows, given

        with zf.open(scan.member) as opened:
            fh = _Unprefixed(opened)
            buffer = bytearray()
            while b"<sheetData>" not in buffer:
                chunk = fh.read(1 << 16)
                if not chunk:
                    raise OSError(f"{scan.member}: no <sheetData>")
                buffer += chunk
            start = buffer.index(b"<sheetData>") + len(b"<sheetData>")
            # the whole sheet's <dimension> would make calamine reserve room for all its cells
            prefix = _DIMENSION.sub(b"", bytes(buffer[:start]))
            del buffer[:start]
            want, searched, first_part = FIRST_PART_BYTES, 0, True
            while True:
                chunk = fh.read(1 << 22)
                buffer += chunk
                end = buffer.find(b"</sheetData>", searched)
                searched = max(0, len(buffer) - 16)  # where the closing tag may still begin
                stop = end if end >= 0 else len(buffer)
                while stop > want:  # whole rows, about ``want`` bytes of them, make a part
                    cut = buffer.rfind(b"</row>", 0, want)
                    cut = (cut if cut >= 0 else buffer.find(b"</row>", want)) + len(b"</row>")
                    if cut < len(b"</row>") or cut > stop:
                        break
                    part = bytes(buffer[:cut])
                    del buffer[:cut]
                    stop, searched, end = stop - cut, max(0, searched - cut), end - cut if end >= 0 else end
                    yield workbook(prefix, part, first_part)
                    want, first_part = size, False
                if end >= 0 or not chunk:
                    yield workbook(prefix, bytes(buffer[:stop]), first_part)
                    return


# a shared-string cell as Excel, WPS, openpyxl and xlsxwriter write it, and as a part reads it
# without the table: a text cell (t="str", a formula's text) holding a private-use character no
# roster holds and the string's index
_MARK_TEXT = "\ue000"
_MARK = _MARK_TEXT.encode()
_SHARED = b' t="s"><v>'
_SHARED_MARKED = b' t="str"><v>' + _MARK
_SHARED_INDEX = re.compile(rb' t="s"><v>(\d+)</v>')
_ODD_INDEX = re.compile(rb' t="s"><v>(?!\d+</v>)')
_TABLE = "xl/sharedstrings.xml"
_STRING_ITEM = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")  # <si>, <x:si>, <si/> …, as calamine counts them
_COMMENT = re.compile(rb"<!--.*?-->", re.S)


def _uncommented(table: bytes) -> bytes:
    return _COMMENT.sub(b"", table) if b"<!--" in table else table


def _shared_cells(rows: bytes) -> int | None:
    """How many shared-string cells a part has, where every one is written as Excel writes it
    (t="s", then its index in <v>: digits only) and no text in it could be taken for the mark (as
    itself or as a character reference); else None: the part keeps the table. Passes in C, no
    object per cell."""
    if _MARK in rows or b"&#" in rows or b"'s'" in rows:
        return None
    shared = rows.count(_SHARED)
    return shared if shared == rows.count(b'"s"') and not _ODD_INDEX.search(rows) else None


def _first_strings(table: bytes, n: int) -> bytes:
    """The shared strings' part with only its first ``n`` strings (all of them if it has no more)."""
    item = next(islice(_STRING_ITEM.finditer(table), n, None), None)
    return table if item is None else table[:item.start()] + table[table.rindex(b"</"):]


def _table_strings(others: list[tuple[str, bytes]], table_name: str, member: str, name: str,
                   table: bytes) -> list[str]:
    """The workbook's shared strings as calamine reads them. Where the table is written as Excel
    writes it, its items that hold one run of plain text (nearly all: names, ID numbers,
    addresses) are cut out here, in C (:func:`_plain_strings`), and only the others — rich text,
    phonetic runs, escapes — go through calamine; a table written otherwise is read by calamine
    whole (:func:`_shared_strings`). Here because calamine reads a million-row roster's 3 million
    strings through a sheet that names each in ~4.4 s, and they are cut out here in ~1 s."""
    plain = _plain_strings(table)
    if plain is None:
        return _shared_strings(others, member, name, table)
    strings, odd = plain
    if odd:
        head, tail = table[:table.index(b"<si>")], table[table.rindex(b"</si>") + len(b"</si>"):]
        few = b"".join((head, *(b"<si>%s</si>" % item for item in odd.values()), tail))
        read = _shared_strings([(f, few if f == table_name else data) for f, data in others], member, name, few)
        for at, value in zip(odd, read, strict=True):
            strings[at] = value
    return strings


_PLAIN_SLICE_BYTES = 4 * 1024 * 1024  # of the table decoded and cut at a time
_BETWEEN = "</si><si>"
_XML_SPACE = " \t\r\n"  # what calamine trims from a text not marked xml:space="preserve"
_PRESERVED = '<t xml:space="preserve">'


def _plain_strings(table: bytes) -> tuple[list[str], dict[int, bytes]] | None:
    """The table's strings, its items that are more than a run of plain text left empty and given
    apart (index -> the item's inside, for calamine); None where the table is not written as Excel
    writes it: ``<sst …><si>…</si><si>…</si>…</sst>``, no prefix, nothing between the items."""
    root = table.find(b"<", table.find(b"?>") + 1 if table.startswith(b"<?") else 0)
    first, last = table.find(b"<si>"), table.rfind(b"</si>")
    if (not table.startswith(b"<sst", root) or first < 0 or last < first
            or (b":si" in table and any(tag in table for tag in (b":si>", b":si ", b":si/", b":si\n")))):
        return None
    strings: list[str] = []
    odd: dict[int, bytes] = {}
    start = first + len(b"<si>")
    while start <= last:
        cut = table.find(_BETWEEN.encode(), min(start + _PLAIN_SLICE_BYTES, last))
        cut = last if cut < 0 else cut
        try:
            text = table[start:cut].decode("utf-8")
        except UnicodeDecodeError:
            return None  # calamine says what is wrong with it
        if not _plain_slice(text, strings):
            for piece in text.split(_BETWEEN):
                value = _plain_item(piece)
                if value is None:
                    odd[len(strings)] = piece.encode("utf-8")
                    value = ""
                strings.append(value)
        start = cut + len(_BETWEEN)
    # every item calamine counts (<si>, <si/>, <si …>) is one of these
    return (strings, odd) if table.count(b"<si") == len(strings) else None


def _without_phonetic_properties(text: str) -> str:
    """The items' ``<phoneticPr …/>`` (how Excel in a Chinese or Japanese locale marks each string:
    no text, calamine reads past it) left out; the common one with one pass in C."""
    at = text.find("<phoneticPr")
    if at < 0:
        return text
    tag = text[at:text.find(">", at) + 1]
    if tag.endswith("/>"):
        text = text.replace(tag, "")
    return _PHONETIC_PROPERTIES.sub("", text) if "<phoneticPr" in text else text


_PHONETIC_PROPERTIES = re.compile(r"<phoneticPr\b[^<>]*/>")


def _plain_slice(text: str, strings: list[str]) -> bool:
    """Items ``<t>…</t>`` joined by ``</si><si>``, each a run of text without escapes, added to
    ``strings`` with passes in C, no step per item in Python; False (nothing added) otherwise."""
    text = _without_phonetic_properties(text)
    if "&" in text or "_x" in text or "\r" in text or not text.startswith("<t>") or not text.endswith("</t>"):
        return False
    values = text[3:-4].split("</t>" + _BETWEEN + "<t>")
    # no tag but these: its first <t>, its last </t> and four in each of the joins between items
    if text.count("<") != 4 * len(values) - 2:
        return False
    strings.extend([v.strip(_XML_SPACE) for v in values])
    return True


def _plain_item(piece: str) -> str | None:
    """The string of one item's inside when it is one run of text without escapes (as calamine
    reads it: trimmed unless marked to keep its spaces); None for anything else."""
    piece = _without_phonetic_properties(piece)
    if piece == "<t/>":
        return ""
    preserved = piece.startswith(_PRESERVED)
    inner = piece[len(_PRESERVED) if preserved else 3:-4]
    if (not (preserved or piece.startswith("<t>")) or not piece.endswith("</t>") or "<" in inner
            or "&" in inner or "_x" in inner or "\r" in inner):
        return None
    return inner if preserved else inner.strip(_XML_SPACE)


def _shared_strings(others: list[tuple[str, bytes]], member: str, name: str, table: bytes) -> list[str]:
    """The workbook's shared strings as calamine reads them (rich text, escapes, phonetic runs):
    a sheet of rows as wide as Excel's naming each in turn, read once. The workbook goes through
    a file, not memory: calamine reads a file it is given in memory into a copy of its own."""
    import tempfile

    from python_calamine import CalamineWorkbook

    count = len(_STRING_ITEM.findall(table))
    if not count:
        return []
    width = _STRINGS_PER_ROW
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as buffer:
        _table_workbook(buffer, others, member, count, width)
        buffer.flush()
        data = CalamineWorkbook.from_path(buffer.name).get_sheet_by_name(name)
    # empty strings are empty cells to calamine: its range starts at the first cell holding text
    strings = [""] * count
    first_row, first_column = data.start
    for r, values in enumerate(data.to_python()):
        at = (first_row + r) * width + first_column
        strings[at:at + len(values)] = values[:count - at]
    return strings


def _table_workbook(buffer, others: list[tuple[str, bytes]], member: str, count: int, width: int) -> None:
    """The file's other parts and, as ``member``, a sheet whose cells name shared strings 0 … count - 1."""
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as out:
        for filename, data in others:
            out.writestr(filename, data)
        with out.open(member, "w") as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet '
                        b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            for start in range(0, count, width):
                sheet.write(b"<row>" + b"".join(b'<c t="s"><v>%d</v></c>' % i for i in range(start, min(count, start + width)))
                            + b"</row>")
            sheet.write(b"</sheetData></worksheet>")


_STRINGS_PER_ROW = 16_384  # Excel's widest row: few rows, so few lists to build


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
