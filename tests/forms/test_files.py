"""Bad files give clear problems (errors as data), and files are read by what they are, not by
their names."""

from __future__ import annotations

import zipfile

from openpyxl import Workbook

from yibiaotong.errors import CATALOG
from yibiaotong.forms import read_templates
from yibiaotong.forms.sources import OLE_MAGIC, decode_text, sniff

from .biff import write_xls


def codes(result) -> list[str]:
    return [p.code for p in result.skipped]


def test_missing_file(tmp_path):
    result = read_templates(tmp_path / "没有.xlsx")
    assert codes(result) == ["file-not-found"] and not result.ok
    assert "没有.xlsx" in str(result.skipped[0])


def test_empty_file(tmp_path):
    (tmp_path / "空.xlsx").write_bytes(b"")
    result = read_templates(tmp_path / "空.xlsx")
    assert codes(result) == ["file-empty"]
    assert result.skipped[0].message_zh.startswith("文件是空的")


def test_garbage_bytes(tmp_path):
    (tmp_path / "x.xlsx").write_bytes(bytes(range(256)) * 4)
    assert codes(read_templates(tmp_path / "x.xlsx")) == ["file-not-spreadsheet"]


def test_ole_file_that_is_not_a_workbook_named_xlsx(tmp_path):
    """An OLE container (like a .xls renamed .xlsx) goes to the .xls reader; a broken one says so."""
    (tmp_path / "报表.xlsx").write_bytes(OLE_MAGIC + b"\x00" * 504 + b"garbage" * 100)
    result = read_templates(tmp_path / "报表.xlsx")
    assert codes(result) == ["file-unreadable"]
    assert [p.code for p in result.warnings] == ["file-extension-mismatch"]
    assert "Excel 97-2003" in result.warnings[0].message_zh
    assert result.skipped[0].hint_zh


def test_encrypted_workbook(tmp_path):
    data = OLE_MAGIC + b"\x00" * 1000 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 100
    (tmp_path / "加密.xlsx").write_bytes(data)
    result = read_templates(tmp_path / "加密.xlsx")
    assert codes(result) == ["file-encrypted"]
    assert "密码" in result.skipped[0].message_zh


def test_zip_that_is_not_a_workbook(tmp_path):
    with zipfile.ZipFile(tmp_path / "文档.xlsx", "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    assert codes(read_templates(tmp_path / "文档.xlsx")) == ["file-not-spreadsheet"]


def test_broken_xlsx(tmp_path):
    with zipfile.ZipFile(tmp_path / "坏.xlsx", "w") as zf:
        zf.writestr("[Content_Types].xml", "not xml")
        zf.writestr("xl/workbook.xml", "<<<")
    result = read_templates(tmp_path / "坏.xlsx")
    assert codes(result) == ["file-unreadable"]


def test_web_page_named_xls(tmp_path):
    html = "<html><body><table><tr><td>姓名</td><td>身份证号</td></tr></table></body></html>"
    (tmp_path / "导出.xls").write_text(html, encoding="utf-8")
    result = read_templates(tmp_path / "导出.xls")
    assert codes(result) == ["file-is-web-page"]
    assert "另存为" in result.skipped[0].hint_zh


def test_csv_renamed_xlsx_is_read_as_csv(tmp_path):
    (tmp_path / "名单.xlsx").write_text("姓名,性别,联系电话\n", encoding="utf-8")
    result = read_templates(tmp_path / "名单.xlsx")
    assert result.forms[0].headers == ["姓名", "性别", "联系电话"]
    assert [p.code for p in result.warnings] == ["file-extension-mismatch"]


def test_undecodable_csv(tmp_path):
    (tmp_path / "乱码.csv").write_bytes(b"\xff\xfe\xfd\xfc,\xff\xff\n" * 3)
    assert codes(read_templates(tmp_path / "乱码.csv")) == ["file-unknown-encoding"]


def test_decode_text_prefers_utf8_then_gb18030():
    assert decode_text("姓名".encode()) == "姓名"
    assert decode_text(b"\xef\xbb\xbf" + "姓名".encode()) == "姓名"
    assert decode_text("身份证号码".encode("gbk")) == "身份证号码"


def test_sniff_by_content_not_name(tmp_path):
    wb = Workbook()
    wb.active["A1"] = "姓名"
    wb.save(tmp_path / "a.csv")
    assert sniff(tmp_path / "a.csv") == "xlsx"


def test_every_code_used_is_catalogued():
    for code in ("file-not-found", "file-empty", "file-encrypted", "file-is-web-page", "file-not-spreadsheet",
                 "file-unreadable", "file-unknown-encoding", "file-extension-mismatch", "file-read-without-format",
                 "sheet-not-a-form", "sheet-hidden"):
        assert code in CATALOG and CATALOG[code].zh and CATALOG[code].hint_zh


def _xls(path):
    """低保户花名册 as a .xls: merged title and 2-row header, a hidden column, borders."""
    cells = {(1, 1): "低保户花名册", (2, 1): "序号", (2, 2): "户主姓名", (2, 3): "保障金额", (3, 3): "基本保障金",
             (3, 4): "分类施保金", (2, 5): "身份证号码", (4, 1): 1, (5, 1): 2, (7, 1): "填表人：", (7, 3): "联系电话："}
    boxed = [(r, c) for r in range(2, 6) for c in range(1, 6)]
    write_xls(path, cells, merges=[(1, 1, 1, 5), (2, 1, 3, 1), (2, 2, 3, 2), (2, 3, 2, 4), (2, 5, 3, 5)],
              boxed=boxed, hidden_cols=[5])
    return path


def test_xls_roster_with_merges_and_hidden_column(tmp_path):
    result = read_templates(_xls(tmp_path / "低保.xls"))
    assert not result.warnings and not result.skipped
    (form,) = result.forms
    assert form.layout == "roster" and form.title == "低保户花名册"
    assert form.headers == ["户主姓名", "保障金额/基本保障金", "保障金额/分类施保金", "身份证号码"]
    assert form.header_rows == (2, 3) and form.serial_column == 1 and form.footer == ["填表人：  联系电话："]
    assert [f.hidden for f in form.fields] == [False, False, False, True]


def test_xls_renamed_xlsx_is_read_as_xls(tmp_path):
    path = _xls(tmp_path / "低保.xls").rename(tmp_path / "低保.xlsx")
    result = read_templates(path)
    assert result.forms[0].headers[1] == "保障金额/基本保障金"
    assert [p.code for p in result.warnings] == ["file-extension-mismatch"]
    assert ".xlsx" in result.warnings[0].message_zh


def test_xls_indicator_indentation(tmp_path):
    cells = {(1, 1): "项目", (1, 2): "计量单位", (1, 3): "数量", (2, 1): "户籍人口", (2, 2): "人",
             (3, 1): "男", (3, 2): "人", (4, 1): "女", (4, 2): "人", (5, 1): "户数", (5, 2): "户"}
    boxed = [(r, c) for r in range(1, 6) for c in range(1, 4)]
    write_xls(tmp_path / "i.xls", cells, boxed=boxed, indents={(3, 1): 1, (4, 1): 1})
    (form,) = read_templates(tmp_path / "i.xls").forms
    assert form.layout == "indicator"
    assert form.headers == ["户籍人口", "户籍人口/男", "户籍人口/女", "户数"]
