"""A tiny BIFF8 (.xls) writer for tests: strings, numbers, merges, borders, indent, hidden rows
and columns. xlwt is not installed, and xlrd reads a raw BIFF stream as old tools wrote it."""

from __future__ import annotations

import struct

# XF indexes used by cells: 15 = plain, 16 = bordered, 17 = bordered + indent 1, 18 = bordered + indent 2
PLAIN, BOXED, INDENT1, INDENT2 = 15, 16, 17, 18


def _rec(rtype: int, data: bytes) -> bytes:
    return struct.pack("<HH", rtype, len(data)) + data


def _ustr(text: str, lenlen: int) -> bytes:
    raw = text.encode("utf-16-le")
    return struct.pack("<B" if lenlen == 1 else "<H", len(text)) + b"\x01" + raw


def _xf(border: bool, indent: int, style: bool = False) -> bytes:
    type_par = 0xFFF5 if style else 0x0001  # style XFs have no parent
    lines = 0x1111 if border else 0  # thin left, right, top, bottom
    return struct.pack("<HHHBBBBIiH", 0, 0, type_par, 0x20, 0, indent & 0x0F, 0xF8, lines, 0, 0x20C0)


def write_xls(path, cells: dict[tuple[int, int], object], *, merges=(), boxed=(), indents=None,
              hidden_rows=(), hidden_cols=(), sheet="Sheet1") -> None:
    """``cells`` and all coordinates are 1-based (row, column) like Excel shows them."""
    indents = indents or {}
    boxed = set(boxed)
    sheet_body = b""
    nrows = max([r for r, _ in cells] + [r for r, _ in boxed] + [1])
    ncols = max([c for _, c in cells] + [c for _, c in boxed] + [1])
    sheet_body += _rec(0x0200, struct.pack("<IIHHH", 0, nrows, 0, ncols, 0))
    for c in sorted(hidden_cols):
        sheet_body += _rec(0x007D, struct.pack("<HHHHHH", c - 1, c - 1, 2560, PLAIN, 0x0001, 0))
    for r in sorted(hidden_rows):
        sheet_body += _rec(0x0208, struct.pack("<HHHHHHI", r - 1, 0, ncols, 0x8000 | 300, 0, 0, 0x20 | 0x100))
    for r, c in sorted(set(cells) | boxed):
        value = cells.get((r, c))
        xf = {1: INDENT1, 2: INDENT2}.get(indents.get((r, c), 0), BOXED if (r, c) in boxed else PLAIN)
        head = struct.pack("<HHH", r - 1, c - 1, xf)
        if value is None:
            sheet_body += _rec(0x0201, head)
        elif isinstance(value, (int, float)):
            sheet_body += _rec(0x0203, head + struct.pack("<d", float(value)))
        else:
            sheet_body += _rec(0x0204, head + _ustr(str(value), 2))
    if merges:
        data = struct.pack("<H", len(merges))
        for r1, c1, r2, c2 in merges:
            data += struct.pack("<HHHH", r1 - 1, r2 - 1, c1 - 1, c2 - 1)
        sheet_body += _rec(0x00E5, data)
    sheet_stream = _rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 0x06)) + sheet_body
    sheet_stream += _rec(0x000A, b"")

    font = _rec(0x0031, struct.pack("<HHHHHBBBB", 220, 0, 0x7FFF, 400, 0, 0, 0, 134, 0) + _ustr("宋体", 1))
    glob = _rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06))
    glob += _rec(0x0042, struct.pack("<H", 1200))
    glob += font * 5
    glob += b"".join(_rec(0x00E0, _xf(False, 0, style=True)) for _ in range(15))
    glob += _rec(0x00E0, _xf(False, 0)) + _rec(0x00E0, _xf(True, 0))
    glob += _rec(0x00E0, _xf(True, 1)) + _rec(0x00E0, _xf(True, 2))
    boundsheet_len = len(_rec(0x0085, struct.pack("<IBB", 0, 0, 0) + _ustr(sheet, 1)))
    offset = len(glob) + boundsheet_len + 4  # + EOF record
    glob += _rec(0x0085, struct.pack("<IBB", offset, 0, 0) + _ustr(sheet, 1))
    glob += _rec(0x000A, b"")
    with open(path, "wb") as fh:
        fh.write(glob + sheet_stream)
