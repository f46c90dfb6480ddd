"""Reading a large .xlsx sheet in parts gives exactly what calamine gives reading it whole."""

from __future__ import annotations

import re
import subprocess
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
import xlsxwriter

from yibiaotong.ingest import workbook
from yibiaotong.ingest.workbook import Workbook


def sheets(path):
    out = []
    for sheet in Workbook(path, "xlsx").sheets():
        out.append({"name": sheet.name, "hidden": sheet.hidden, "head": sheet.head_values, "merges": sheet.merges,
                    "formulas": sheet.uncached_formulas, "rows": _trimmed(sheet.rows(1))})
    return out


def _trimmed(rows):
    """Rows without their trailing empty cells (a part's rows are as wide as that part's cells)."""
    out = []
    for number, values in rows:
        values = list(values)
        while values and values[-1] in ("", None):
            values.pop()
        out.append((number, values))
    while out and not out[-1][1]:
        out.pop()
    return out


def _parted(monkeypatch, path, parts: int = 3):
    """The sheets read with tiny parts; at least ``parts`` of them for the first sheet."""
    monkeypatch.setattr(workbook, "PART_BYTES", 3000)
    monkeypatch.setattr(workbook, "FIRST_PART_BYTES", 700)
    read = []
    real = workbook._parts

    def counted(*args):
        for part in real(*args):
            read.append(args[1])
            yield part

    monkeypatch.setattr(workbook, "_parts", counted)
    out = sheets(path)
    assert len(read) >= parts
    return out


def _openpyxl_roster(path):
    """A roster with a merged title, dates, an empty row, a village merged down, a formula without a
    value, a far cell and a hidden sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws["A1"] = "2024年1月花名册"
    ws.merge_cells("A1:F1")
    ws.append(["序号", "姓名", "出生日期", "金额", "村", "备注"])
    for i in range(1, 400):
        if i % 97 == 0:
            ws.append([])  # an empty row inside the data
            continue
        ws.append([i, f"张{i % 50}", date(1950 + i % 40, 1 + i % 12, 1 + i % 27), i * 1.5, "红星村" if i % 3 else None,
                   True if i % 50 == 0 else None])
    ws.merge_cells("E100:E110")  # a village merged down over its rows
    ws["F200"] = "=1/0"  # a formula openpyxl stores without a value
    ws.cell(300, 8).value = "远处的一格"
    hidden = wb.create_sheet("隐藏")
    hidden.sheet_state = "hidden"
    hidden["A1"] = "x"
    wb.save(path)


def test_an_openpyxl_roster_with_shared_strings_dates_merges_and_gaps_reads_the_same_in_parts(tmp_path, monkeypatch):
    path = tmp_path / "大表.xlsx"
    _openpyxl_roster(path)
    whole = sheets(path)
    assert whole[0]["merges"] and whole[0]["formulas"] == {(200, 6)}
    parted = _parted(monkeypatch, path)
    assert parted == whole
    first = Workbook(path, "xlsx").sheets().__next__()
    assert first.total_rows == whole[0]["rows"][-1][0]


def _rewritten(path, out, change) -> None:
    """The workbook at ``path`` with its first sheet's XML changed by ``change``, saved as ``out``."""
    import zipfile

    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, change(data) if info.filename == "xl/worksheets/sheet1.xml" else data)


def _prefixed(xml: bytes) -> bytes:
    """A sheet as the OpenXML SDK writes it: its elements prefixed, the namespace bound to x."""
    xml = re.sub(rb"<(/?)(?=[A-Za-z])", rb"<\1x:", xml)
    return xml.replace(b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                       b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')


def _single_quoted(xml: bytes) -> bytes:
    return re.sub(rb'(\s[\w:]+)="([^"]*)"', rb"\1='\2'", xml)


@pytest.mark.parametrize("change", [_prefixed, _single_quoted, lambda xml: _single_quoted(_prefixed(xml))],
                         ids=["prefixed", "single-quoted", "both"])
def test_a_sheet_written_with_prefixed_elements_or_single_quotes_reads_the_same_in_parts(tmp_path, monkeypatch, change):
    """Exports written by the OpenXML SDK (``<x:row>``) or with single-quoted attributes: their merges,
    formulas without a value and row numbers read in parts as calamine reads the sheet whole."""
    plain = tmp_path / "plain.xlsx"
    _openpyxl_roster(plain)
    path = tmp_path / "written.xlsx"
    _rewritten(plain, path, change)
    whole = sheets(path)
    assert whole == sheets(plain)
    assert whole[0]["formulas"] == {(200, 6)} and whole[0]["rows"][-1][0] == 401
    assert _parted(monkeypatch, path) == whole
    first = Workbook(path, "xlsx").sheets().__next__()
    assert first.total_rows == whole[0]["rows"][-1][0]


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 64])
def test_prefixes_cut_between_reads_are_removed_whole(size):
    """A tag's prefix split over two reads (``<x`` then ``:row>``) loses its prefix all the same."""
    import io

    xml = b'<?xml version="1.0"?><x:worksheet xmlns:x="m"><x:sheetData><x:row r="1"><x:c><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>'
    reader = workbook._Unprefixed(io.BytesIO(xml))
    pieces = iter(lambda: reader.read(size), b"")
    assert b"".join(pieces) == b'<?xml version="1.0"?><worksheet xmlns:x="m"><sheetData><row r="1"><c><v>1</v></c></row></sheetData></worksheet>'


def test_shared_strings_of_a_prefixed_sheet_are_read_once_in_parts(tmp_path, monkeypatch):
    path = _roster_with_shared_strings(tmp_path)
    prefixed = tmp_path / "prefixed.xlsx"
    _rewritten(path, prefixed, _prefixed)
    whole = sheets(prefixed)
    assert whole == sheets(path)
    tables = []
    real = workbook._table_strings
    monkeypatch.setattr(workbook, "_table_strings", lambda *args: tables.append(1) or real(*args))
    assert _parted(monkeypatch, prefixed, parts=6) == whole
    assert 1 <= len(tables) <= 2  # the later parts named their strings: the table was left out of them


def test_an_xlsxwriter_roster_with_inline_strings_and_date_cells_reads_the_same_in_parts(tmp_path, monkeypatch):
    path = tmp_path / "inline.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Sheet1")
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 1, ["姓名", "身份证号码", "日期", "金额"])  # the sheet starts at column B
    for r in range(1, 300):
        ws.write_row(r, 1, [f"李{r}", f"50011819600102{r:04d}"])
        ws.write_datetime(r, 3, datetime(2024, 1, 1 + r % 28), day)
        ws.write_row(r, 4, ["0.012万" if r % 7 == 0 else r * 10])
    wb.close()
    assert _parted(monkeypatch, path) == sheets(path)


def test_a_sheet_whose_rows_carry_no_numbers_reads_the_same_in_parts(tmp_path, monkeypatch):
    path = tmp_path / "无行号.xlsx"
    wb = openpyxl.Workbook()
    for r in range(1, 200):
        wb.active.append([r, f"v{r}"])
    wb.save(path)
    plain = tmp_path / "plain.xlsx"
    _rewritten(path, plain, lambda xml: re.sub(rb'<c r="[A-Z]+\d+"', b"<c", re.sub(rb'<row r="\d+"', b"<row", xml)))
    whole = sheets(plain)
    assert whole[0]["rows"][-1] == (199, [199.0, "v199"])
    assert _parted(monkeypatch, plain) == whole


def test_rows_carry_the_number_excel_shows_when_the_sheet_starts_below_row_one(tmp_path, monkeypatch):
    path = tmp_path / "下移.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_row(2, 1, ["姓名", "金额"])  # B3
    for r in range(3, 60):
        ws.write_row(r, 1, [f"王{r}", r])
    wb.close()
    whole = sheets(path)[0]
    assert whole["rows"][0] == (3, ["", "姓名", "金额"]) and whole["head"][(4, 2)] == "王3"
    assert _parted(monkeypatch, path, parts=2)[0] == whole


def test_a_large_sheet_read_by_a_second_process_gives_the_rows_read_here(tmp_path, monkeypatch):
    path = tmp_path / "大表.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("花名册")
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, ["序号", "姓名", "出生日期", "金额", "备注"])
    for r in range(1, 300):
        if r % 50 == 0:
            continue  # an empty row between others
        ws.write_row(r, 0, [r, f"王{r}", None, r * 10 if r % 3 else f"{r}.00"])
        ws.write_datetime(r, 2, datetime(1950, 1, 1 + r % 28), day)
        if r % 7 == 0:
            ws.write_string(r, 4, f"备注\x1f{r}" if r == 7 else f"备注{r}")  # the text separator in a cell
    wb.close()
    monkeypatch.setattr(workbook, "PART_BYTES", 3000)
    monkeypatch.setattr(workbook, "FIRST_PART_BYTES", 700)
    sheets = Workbook(path, "xlsx").sheets()  # the sheet's reading process lives as long as this
    sheet = next(sheets)
    assert sheet._chunks is not None  # read in parts, by a second process

    def plain(chunks):
        return [(c.numbers, [list(column) for column in c.columns]) for c in chunks]

    here = plain(workbook.chunked(sheet.rows(2), 40))
    there = plain(sheet.chunks(2, 40))
    assert there == here and len(here) == 8 and here[0][0][0] == 2
    assert any(isinstance(v, datetime | date) for v in here[0][1][2]) and "" in here[1][1][4]


def test_an_import_that_stops_early_ends_its_reading_process(tmp_path, monkeypatch):
    path = tmp_path / "大表.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    for r in range(400):
        ws.write_row(r, 0, [r, f"v{r}"])
    wb.close()
    monkeypatch.setattr(workbook, "PART_BYTES", 3000)
    monkeypatch.setattr(workbook, "FIRST_PART_BYTES", 700)
    started = []
    real = subprocess.Popen

    def popen(*args, **kwargs):
        started.append(real(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(subprocess, "Popen", popen)
    sheets = Workbook(path, "xlsx").sheets()
    chunks = next(sheets).chunks(1, 10)
    assert len(next(chunks)) == 10
    chunks.close()
    assert len(started) == 1 and started[0].poll() is not None
    sheets = Workbook(path, "xlsx").sheets()
    next(sheets)  # a sheet not imported (not a form, say): its reading process ends with the next sheet
    assert len(started) == 2 and started[1].poll() is None
    sheets.close()
    assert started[1].poll() is not None


def test_tag_search_finds_a_tag_wherever_its_letter_is_frequent():
    """The scan's quick test for a tag agrees with a plain search: at the start, at the end,
    after many of the tag's letter (the fallback), and when absent."""
    holds = workbook._holds
    assert holds(b"<f>1</f>", b"<f")
    assert holds(b'<c r="A1"><v>1</v></c><mergeCell ref="A1:B2"/>', b"<mergeCell ")
    assert not holds(b'<c r="F1" t="inlineStr"><is><t>of fifty</t></is></c>', b"<f")
    frequent = b"<t>" + b"f" * 1000 + b"</t><f>SUM(A1)</f>"
    assert holds(frequent, b"<f", tries=8) and not holds(frequent[:-14], b"<f", tries=8)
    # the tag begins just before where the counted tries stop
    assert holds(b"ff<f", b"<f", tries=2)


def _xlsx(path, sheet_rows: bytes, strings: bytes) -> None:
    """A workbook of one sheet written by hand: its rows' XML and its shared strings' <si> items."""
    import zipfile

    main = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        z.writestr("_rels/.rels", b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="' + rel + b'/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", b'<?xml version="1.0" encoding="UTF-8"?><workbook ' + main + b' xmlns:r="' + rel + b'"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="' + rel + b'/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="' + rel + b'/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        z.writestr("xl/sharedStrings.xml", b'<?xml version="1.0" encoding="UTF-8"?><sst ' + main + b">" + strings + b"</sst>")
        z.writestr("xl/worksheets/sheet1.xml", b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + main
                   + b"><sheetData>" + sheet_rows + b"</sheetData></worksheet>")


def test_shared_strings_are_read_once_for_the_parts_and_give_what_calamine_gives_whole(tmp_path, monkeypatch):
    """As Excel saves a roster, its texts are shared strings: the parts after the first leave the
    table out and name each string (read once); an empty one, rich text with a phonetic reading,
    kept spaces, an escaped line break and digits with a leading zero come back as calamine reads
    them whole, and a part whose shared cell is written otherwise keeps the table."""
    items = [b"<si><t/></si>", b"<si><t>\xe5\xa7\x93\xe5\x90\x8d</t></si>",  # "" and 姓名
             b"<si><r><t>\xe5\xbc\xa0</t></r><r><rPr><b/></rPr><t>\xe4\xb8\x89</t></r><rPh sb=\"0\" eb=\"1\"><t>zhang</t></rPh></si>",
             b'<si><t xml:space="preserve">  \xe5\x89\x8d\xe5\x90\x8e\xe7\xa9\xba\xe6\xa0\xbc </t></si>',
             b"<si><t>\xe7\xac\xac\xe4\xb8\x80\xe8\xa1\x8c_x000D_\n\xe7\xac\xac\xe4\xba\x8c\xe8\xa1\x8c</t></si>",
             b"<si><t>0012</t></si>"]
    items += [b"<si><t>\xe6\x9d\x91%d</t></si>" % i for i in range(300)]  # 村0 … 村299
    rows = [b'<row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1" t="s"><v>5</v></c></row>']
    for r in range(2, 400):
        cells = [b'<c r="A%d"><v>%d</v></c>' % (r, r), b'<c r="B%d" s="0" t="s"><v>%d</v></c>' % (r, r % len(items)),
                 b'<c r="C%d" t="s"><v>%d</v></c>' % (r, (r + 1) % 6)]
        if r == 350:  # another writer's attribute order: this part keeps the table
            cells.append(b'<c t="s" r="D%d"><v>2</v></c>' % r)
        if r == 200:  # a text holding the mark the parts name strings by: so does this one
            cells.append(b'<c r="D%d" t="inlineStr"><is><t>\xee\x80\x803</t></is></c>' % r)
        rows.append(b'<row r="%d">' % r + b"".join(cells) + b"</row>")
    path = tmp_path / "shared.xlsx"
    _xlsx(path, b"".join(rows), b"".join(items))
    whole = sheets(path)
    assert whole[0]["rows"][0] == (1, ["姓名", "0012"])
    assert whole[0]["rows"][1] == (2, [2.0, "张三", "  前后空格 "])  # the phonetic run is no text
    assert whole[0]["rows"][305] == (306, [306.0, "", "姓名"])  # the empty string
    assert {v for _n, values in whole[0]["rows"] for v in values} >= {"  前后空格 ", "第一行\r\n第二行", "0012"}
    assert whole[0]["rows"][199][1][3] == "\ue0003"
    tables = []
    real = workbook._table_strings
    monkeypatch.setattr(workbook, "_STRINGS_PER_ROW", 7)  # the table read as rows of 7: the first starts empty
    monkeypatch.setattr(workbook, "_table_strings", lambda *args: tables.append(1) or real(*args))
    assert _parted(monkeypatch, path, parts=6) == whole
    # once per pass over the sheet (its head, then its rows), not once for each of its parts
    assert 1 <= len(tables) <= 2


# items of the table of shared strings, each as Excel or another writer may put it
_ITEMS = [b"<si><t>plain</t></si>", b"<si><t>  trimmed\t</t></si>", b"<si><t>\nline\nbreaks\n</t></si>",
          b'<si><t xml:space="preserve">  kept  </t></si>', b"<si><t/></si>", b"<si><t></t></si>", b"<si><t> </t></si>",
          b"<si><t>a &amp; b &lt;c&gt;</t></si>", b"<si><t>x_x000D_y</t></si>", b"<si><t>cr\r\nlf</t></si>",
          b"<si><r><t>rich</t></r><r><rPr><b/></rPr><t> text</t></r></si>",
          b'<si><t>\xe5\xbc\xa0</t><rPh sb="0" eb="1"><t>zhang</t></rPh></si>', b"<si><t>a>b</t></si>",
          "<si><t>\u738b\u3000\u4e94\u3000</t></si>".encode()]  # 王　五　: a full-width space is no XML space


@pytest.mark.parametrize("layout", ["excel", "slices of one item", "one odd item", "odd first and last",
                                    "phonetic properties", "an empty item", "whitespace between items", "prefixed",
                                    "no items"])
def test_the_shared_strings_cut_out_in_c_are_what_calamine_reads(monkeypatch, tmp_path, layout):
    """The table's plain items are cut out without calamine, the others read by it: together
    exactly what calamine reads for every index, however the table is written."""
    items = [*_ITEMS, *(b"<si><t>\xe6\x9d\x91%d</t></si>" % i for i in range(40))]
    if layout == "slices of one item":
        monkeypatch.setattr(workbook, "_PLAIN_SLICE_BYTES", 1)
    elif layout == "one odd item":
        items = [b"<si><t>%d</t></si>" % i for i in range(50)] + [_ITEMS[7]]
    elif layout == "odd first and last":
        items = [_ITEMS[7], b"<si><t>x</t></si>", b"<si><t><![CDATA[a<b]]></t></si>", b'<si><t foo="1">y</t></si>',
                 b"<si><t> </t></si>", b"<si><t>z</t></si>", _ITEMS[10]]
    elif layout == "phonetic properties":  # as Excel in a Chinese locale saves every string
        items = [item.replace(b"</si>", b'<phoneticPr fontId="1" type="noConversion"/></si>') for item in items]
        items[5] = items[5].replace(b'fontId="1"', b'fontId="2" alignment="left"')
    elif layout == "an empty item":
        items[20] = b"<si/>"
    elif layout == "whitespace between items":
        items = [item + b"\n" for item in items]
    elif layout == "prefixed":  # read by calamine whole
        items = _ODD_TABLES["prefixed items"](items[len(_ITEMS):])
    elif layout == "no items":
        items = []
    path = tmp_path / "strings.xlsx"
    _xlsx(path, b'<row r="1"><c r="A1"><v>1</v></c></row>', b"".join(items))
    with zipfile.ZipFile(path) as z:
        others = [(name, z.read(name)) for name in z.namelist() if not name.startswith("xl/worksheets/")]
    table = dict(others)["xl/sharedStrings.xml"]
    member, name = "xl/worksheets/sheet1.xml", "Sheet1"
    calamine = workbook._shared_strings(others, member, name, table)
    assert len(calamine) == len(items)
    assert workbook._table_strings(others, "xl/sharedStrings.xml", member, name, table) == calamine
    plain = workbook._plain_strings(table)
    # read by calamine whole
    assert (plain is None) == (layout in ("an empty item", "whitespace between items", "prefixed", "no items"))
    if layout in ("excel", "phonetic properties"):
        strings, odd = plain
        assert calamine[:4] == ["plain", "trimmed", "line\nbreaks", "  kept  "] and calamine[13] == "王\u3000五\u3000"
        assert sorted(odd) == [7, 8, 9, 10, 11]  # escapes, a carriage return, rich text, a phonetic run: calamine's


_ODD_CELLS = {  # a cell of row 300 (a later part) written as another tool might, or holding what looks like the mark
    "the mark as a character reference": b'<c r="C300" t="inlineStr"><is><t>&#xE000;5</t></is></c>',
    "the mark in a formula's text": b'<c r="C300" t="str"><f>A1</f><v>&#57344;7</v></c>',
    "single quotes": b"<c r='C300' t='s'><v>3</v></c>",
    "spaces around the equals sign": b'<c r="C300" t = "s"><v>3</v></c>',
    "an index with spaces": b'<c r="C300" t="s"><v> 3 </v></c>',
}
_ODD_TABLES = {  # the table of shared strings written otherwise than Excel writes it
    "prefixed items": lambda items: [i.replace(b"<si>", b"<x:si>").replace(b"</si>", b"</x:si>")
                                     .replace(b"<t>", b"<x:t>").replace(b"</t>", b"</x:t>") for i in items],
    "a line break in a tag": lambda items: [i.replace(b"<si>", b"<si\n>") for i in items],
    "a comment naming an item": lambda items: [b"<!-- <si><t>no</t></si> -->", *items],
}


def _roster_with_shared_strings(tmp_path, odd_cell=b"", odd_table=None):
    items = [b"<si><t>s%d</t></si>" % i for i in range(10)]
    if odd_table is not None:
        items = odd_table(items)
    rows = [b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="s"><v>%d</v></c>%s</row>'
            % (r, r, r, r, r % 10, odd_cell if r == 300 else b"") for r in range(1, 400)]
    path = tmp_path / "odd.xlsx"
    _xlsx(path, b"".join(rows), b"".join(items))
    return path


@pytest.mark.parametrize("odd", [*_ODD_CELLS, *_ODD_TABLES])
def test_shared_strings_written_otherwise_read_in_parts_as_whole(tmp_path, monkeypatch, odd):
    """What another writer, or a GBK user-defined character (U+E000, the parts' mark), puts in a
    roster reads in parts as calamine reads it whole: such a part keeps the table."""
    path = _roster_with_shared_strings(tmp_path, _ODD_CELLS.get(odd, b""), _ODD_TABLES.get(odd))
    whole = sheets(path)
    assert whole[0]["rows"][299][1][1] == "s0"
    assert _parted(monkeypatch, path, parts=6) == whole


def test_a_shared_string_the_table_lacks_is_an_error_in_parts_as_whole(tmp_path, monkeypatch):
    from python_calamine import CalamineError

    path = _roster_with_shared_strings(tmp_path, b'<c r="C300" t="s"><v>99</v></c>')
    with pytest.raises(CalamineError):
        sheets(path)
    with pytest.raises((CalamineError, OSError), match="string index not found"):
        _parted(monkeypatch, path, parts=6)
