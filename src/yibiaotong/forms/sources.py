"""Opening template files: what a file really is (by its first bytes, not its name) and its
sheets as grids.

Clerks rename files freely and many systems export web pages named .xls, so the extension is
only a hint: a .xls renamed .xlsx is read with xlrd, and the mismatch is reported as a warning.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from yibiaotong.errors import Problem
from yibiaotong.forms.grid import MAX_COLS, MAX_ROWS, Grid, Span, make_cell

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
KIND_NAMES = {"xlsx": "Excel 2007+ (.xlsx)", "xls": "Excel 97-2003 (.xls)", "csv": "CSV", "ods": "OpenDocument (.ods)"}


@dataclass
class Loaded:
    grids: list[Grid] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)  # whole file, or chart sheets
    warnings: list[Problem] = field(default_factory=list)


def sniff(path: Path) -> str:
    """'xlsx', 'xls', 'ods', 'csv', 'empty', 'encrypted', 'web-page', 'zip' or 'binary'."""
    with path.open("rb") as fh:
        head = fh.read(8192)
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        return "empty"
    if utf16_codec(head) is not None:
        return "csv"  # Excel's "Unicode text" (Unicode 文本): tab-separated UTF-16
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
                if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
                    return "xlsx"
                mimetype = zf.read("mimetype") if "mimetype" in names else b""
                if b"opendocument.spreadsheet" in mimetype:
                    return "ods"
        except zipfile.BadZipFile:
            return "binary"
        return "zip"
    if head.startswith(OLE_MAGIC):
        # an encrypted .xlsx is an OLE container holding an EncryptedPackage stream
        data = path.read_bytes()
        return "encrypted" if "EncryptedPackage".encode("utf-16-le") in data else "xls"
    if head[:2] == b"\x09\x08" and head[4:6] in (b"\x00\x06", b"\x00\x05"):
        return "xls"  # a bare BIFF stream, as some old tools write .xls files
    lowered = head.lower()
    if b"<html" in lowered or b"<table" in lowered or b"urn:schemas-microsoft-com:office:spreadsheet" in lowered:
        return "web-page"
    if b"\x00" in head:
        return "binary"
    return "csv"


_EXPECTED = {"xlsx": "xlsx", "xlsm": "xlsx", "xls": "xls", "et": "xls", "csv": "csv", "txt": "csv", "ods": "ods"}


def extension_mismatch(path: Path, kind: str) -> Problem | None:
    """A file named as one kind that is another (a CSV or a text saved as .xlsx): read as what it
    is, and said, since what it holds may not be what the clerk meant to send."""
    ext = path.suffix.lower().lstrip(".")
    if ext in _EXPECTED and _EXPECTED[ext] != kind and kind in KIND_NAMES:
        return Problem("file-extension-mismatch", {"ext": "." + ext, "actual": KIND_NAMES[kind]})
    return None


def load(path: Path) -> Loaded:
    loc = {"file": str(path)}
    kind = sniff(path)
    out = Loaded()
    if kind in ("empty", "encrypted", "web-page", "zip", "binary"):
        code = {"empty": "file-empty", "encrypted": "file-encrypted", "web-page": "file-is-web-page"}
        out.skipped.append(Problem(code.get(kind, "file-not-spreadsheet"), {}, loc))
        return out
    mismatch = extension_mismatch(path, kind)
    if mismatch is not None:
        out.warnings.append(mismatch.at(**loc))
    try:
        {"xlsx": _load_xlsx, "xls": _load_xls, "csv": _load_csv, "ods": _load_calamine}[kind](path, out)
    except _Encrypted:
        out.skipped.append(Problem("file-encrypted", {}, loc))
    except _Undecodable:
        out.skipped.append(Problem("file-unknown-encoding", {}, loc))
    except Exception as exc:  # a broken file must say so, not crash the whole import
        if kind == "xlsx" and _try_calamine(path, out):
            out.warnings.append(Problem("file-read-without-format", {"reason": _short(exc)}, loc))
        else:
            out.skipped.append(Problem("file-unreadable", {"reason": _short(exc)}, loc))
    return out


class _Encrypted(Exception):
    pass


class _Undecodable(Exception):
    pass


def _short(exc: Exception) -> str:
    return f"{exc.__class__.__name__}: {str(exc)[:160]}"


def _load_xlsx(path: Path, out: Loaded) -> None:
    import openpyxl  # imported here: reading CSV must not pay for it

    wb = openpyxl.load_workbook(path, data_only=False)
    for cs in wb.chartsheets:
        out.skipped.append(_chart_sheet(path, cs.title))
    for ws in wb.worksheets:
        grid = Grid(ws.title, sheet_hidden=ws.sheet_state != "visible")
        grid.has_drawing = bool(getattr(ws, "_charts", None) or getattr(ws, "_images", None))
        for rng in ws.merged_cells.ranges:
            grid.merges.append(Span(rng.min_row, rng.min_col, rng.max_row, rng.max_col))
        max_row, max_col = min(ws.max_row, MAX_ROWS), min(ws.max_column, MAX_COLS)
        for row in ws.iter_rows(min_row=1, max_row=max_row, max_col=max_col):
            for cell in row:
                if cell.__class__.__name__ == "MergedCell":
                    continue
                b = cell.border
                border = bool(b and (b.left.style or b.right.style or b.top.style or b.bottom.style))
                if cell.value is None and not border:
                    continue
                al = cell.alignment
                grid.cells[(cell.row, cell.column)] = make_cell(
                    cell.value, indent=al.indent if al else 0, bold=bool(cell.font and cell.font.b), border=border)
        for r, dim in ws.row_dimensions.items():
            if dim.hidden:
                grid.hidden_rows.add(r)
        for dim in ws.column_dimensions.values():
            if dim.hidden and dim.min:
                grid.hidden_cols.update(range(dim.min, (dim.max or dim.min) + 1))
        _validations(wb, ws, grid)
        out.grids.append(grid.finish())


def _validations(wb, ws, grid: Grid) -> None:
    """Drop-down lists (数据验证-序列): inline "男,女" or a range of cells in the workbook."""
    for dv in ws.data_validations.dataValidation:
        if dv.type != "list" or not dv.formula1:
            continue
        options = _list_options(wb, ws, dv.formula1)
        if not options:
            continue
        for rng in dv.sqref.ranges:
            grid.validations.append((Span(rng.min_row, rng.min_col, rng.max_row, rng.max_col), options))


def _list_options(wb, ws, formula: str) -> tuple[str, ...]:
    formula = formula.strip()
    if formula.startswith('"') and formula.endswith('"'):
        return tuple(p.strip() for p in formula[1:-1].replace("，", ",").split(",") if p.strip())
    ref = formula.lstrip("=")
    sheet = ws
    if "!" in ref:
        name, ref = ref.rsplit("!", 1)
        name = name.strip("'")
        if name not in wb.sheetnames:
            return ()
        sheet = wb[name]
    try:
        cells = sheet[ref.replace("$", "")]
    except (ValueError, KeyError, IndexError):
        return ()  # a defined name or a formula: not worth resolving for a template
    flat = [c for row in (cells if isinstance(cells, tuple) else ((cells,),)) for c in
            (row if isinstance(row, tuple) else (row,))]
    return tuple(str(c.value).strip() for c in flat if c.value not in (None, ""))[:200]


def _chart_sheet(path: Path, title: str) -> Problem:
    return Problem("sheet-not-a-form", {"reason": "只有图表", "reason_en": "a chart sheet"},
                   {"file": str(path), "sheet": title})


def _load_xls(path: Path, out: Loaded) -> None:
    import xlrd

    try:
        # xlrd prints notes on odd records to stdout; they are not the user's concern
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True, logfile=io.StringIO())
    except xlrd.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise _Encrypted() from exc
        raise
    for i in range(book.nsheets):
        sh = book.sheet_by_index(i)
        grid = Grid(sh.name, sheet_hidden=bool(getattr(sh, "visibility", 0)))
        for rlo, rhi, clo, chi in sh.merged_cells:
            grid.merges.append(Span(rlo + 1, clo + 1, rhi, chi))
        for r in range(min(sh.nrows, MAX_ROWS)):
            for c in range(min(sh.ncols, MAX_COLS)):
                cell = sh.cell(r, c)
                xf = book.xf_list[cell.xf_index] if cell.xf_index is not None else None
                border = bool(xf and (xf.border.top_line_style or xf.border.bottom_line_style
                                      or xf.border.left_line_style or xf.border.right_line_style))
                value = cell.value
                if cell.ctype == xlrd.XL_CELL_DATE:
                    with contextlib.suppress(ValueError, OverflowError, xlrd.xldate.XLDateError):
                        value = xlrd.xldate_as_datetime(value, book.datemode)
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    value = None
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    value = bool(value)
                if value in (None, "") and not border:
                    continue
                bold = bool(xf and book.font_list[xf.font_index].bold)
                grid.cells[(r + 1, c + 1)] = make_cell(
                    value, indent=xf.alignment.indent_level if xf else 0, bold=bold, border=border)
        grid.hidden_rows = {r + 1 for r, info in sh.rowinfo_map.items() if info.hidden}
        grid.hidden_cols = {c + 1 for c, info in sh.colinfo_map.items() if info.hidden}
        out.grids.append(grid.finish())


def utf16_codec(head: bytes) -> str | None:
    """The codec of a file whose first bytes are UTF-16 text (lines or tabs), else None: "utf-16" after
    a byte-order mark (other bytes after an ``FF FE`` decode as UTF-16 too, as characters nobody
    wrote); "utf-16-le" or "-be" without one, when the ASCII half of each separator, digit and
    line break is a zero byte on one side only (a tool's export that left the mark out)."""
    head = head[:len(head) // 2 * 2]
    if head.startswith(UTF16_BOMS):
        codec = "utf-16"
    else:
        pairs = len(head) // 2
        low, high = head[1::2].count(0), head[0::2].count(0)  # zeros after each character's low byte, before it
        # a character whose low byte is 00 (一 U+4E00, the ideographic space U+3000) gives the other
        # side a few zeros: the sides are told apart by how many more one has
        if pairs < 8 or max(low, high) < pairs // 5 or min(low, high) * 10 > max(low, high):
            return None
        codec = "utf-16-le" if low > high else "utf-16-be"
    try:  # incrementally: the head may end inside a character of two code units (𠮷)
        text = codecs.getincrementaldecoder(codec)().decode(head, final=False)
    except UnicodeDecodeError:
        return None
    return codec if ("\n" in text or "\t" in text) and "\x00" not in text else None


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK/GB2312: WPS and old Excel);
    UTF-16 with its byte-order mark (Excel's "Unicode text") or without (see :func:`utf16_codec`)."""
    codec = utf16_codec(data[:8192])
    if codec is not None:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            raise _Undecodable() from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _Undecodable()


def _load_csv(path: Path, out: Loaded) -> None:
    text = decode_text(path.read_bytes())
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    grid = Grid(path.stem)
    for r, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        if r > MAX_ROWS:
            break
        for c, value in enumerate(row[:MAX_COLS], start=1):
            if value.strip():
                grid.cells[(r, c)] = make_cell(value)
    out.grids.append(grid.finish())


def _try_calamine(path: Path, out: Loaded) -> bool:
    try:
        _load_calamine(path, out)
        return True
    except Exception:  # calamine is the last resort; its failure is reported by the caller
        return False


def _load_calamine(path: Path, out: Loaded) -> None:
    """Values and merged ranges only (no indent, borders or hidden rows): .ods, and .xlsx files
    that openpyxl cannot parse."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    visible = {m.name: str(m.visible).lower().endswith("visible") for m in wb.sheets_metadata}
    for name in wb.sheet_names:
        sheet = wb.get_sheet_by_name(name)
        grid = Grid(name, sheet_hidden=not visible.get(name, True))
        r0, c0 = sheet.start or (0, 0)
        for r, row in enumerate(sheet.to_python(skip_empty_area=True)[:MAX_ROWS]):
            for c, value in enumerate(row[:MAX_COLS]):
                if value not in (None, ""):
                    grid.cells[(r0 + r + 1, c0 + c + 1)] = make_cell(value)
        for (top, left), (bottom, right) in sheet.merged_cell_ranges or []:
            grid.merges.append(Span(top + 1, left + 1, bottom + 1, right + 1))
        out.grids.append(grid.finish())
