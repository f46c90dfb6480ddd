"""A roster generated from real ledgers: the template's look, the right rows, right values, right cell types."""

from __future__ import annotations

import datetime as dt

import openpyxl

from tests.reports.conftest import FORMULA_ADDRESS, OTHER_TOWN, PEOPLE, ROSTER, TOWN, VILLAGE
from yibiaotong.forms import read_templates
from yibiaotong.reports import Reporter, generate_report

JAN = "2024-01"


def _rows(path, form):
    """Data rows of a generated roster as {header: cell} (cells keep their type and style)."""
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    cols = {f.header: f.column for f in form.fields}
    out, r = [], form.data_first_row
    while ws.cell(r, form.serial_column).value not in (None, "合计"):
        out.append({h: ws.cell(r, c) for h, c in cols.items()})
        r += 1
    return ws, out, r


def _widths(ws) -> dict[int, float]:
    """Column widths by column number (a <col> element may cover several columns)."""
    out = {}
    for letter, dim in ws.column_dimensions.items():
        first = dim.min or openpyxl.utils.column_index_from_string(letter)
        for c in range(first, (dim.max or first) + 1):
            if dim.width:
                out[c] = dim.width
    return out


def test_roster_rows_values_and_types(district):
    result = generate_report(district.engine, ROSTER, JAN, TOWN, district.tmp, report_date=dt.date(2024, 2, 5))
    template = read_templates(district.pack / "forms" / f"{ROSTER}.xlsx").forms[0]
    ws, rows, after = _rows(result.path, template)
    # the town's two disabled people (赵六 has no disability record; 王芳 lives in another town)
    assert [r["姓名"].value for r in rows] == ["张三", "李四"] and result.rows == 2
    zhang = rows[0]
    assert ws.cell(template.data_first_row, template.serial_column).value == 1
    assert zhang["镇（街道）"].value == "临江镇" and zhang["村（社区）"].value == "红星村"
    assert zhang["性别"].value == "男"  # code shown as its label
    assert zhang["身份证号码"].value == PEOPLE[0].id[:6] + "********" + PEOPLE[0].id[-4:]  # masked, as text
    assert zhang["身份证号码"].data_type == "s"
    assert zhang["联系电话"].value == "138****5678"
    assert zhang["出生日期"].is_date and zhang["出生日期"].value.date() == dt.date(1950, 3, 1)
    assert zhang["年龄"].value == 73 and zhang["年龄"].data_type == "n"  # age at the end of January 2024
    assert zhang["残疾类别"].value == "***"  # disability is sensitive (PIPL)
    assert zhang["残疾等级"].value == "***"
    # this month's two payments to 张三, not December's; 万元 converted from the ledger's 元
    assert zhang["补贴发放/发放金额（元）"].value == 150.5 and zhang["补贴发放/发放金额（元）"].data_type == "n"
    assert abs(zhang["补贴发放/发放金额（万元）"].value - 0.01505) < 1e-9
    # shown to the 分 (0.01505, not 0.02): a copy saved as CSV keeps what Excel shows
    assert zhang["补贴发放/发放金额（万元）"].number_format == "0.00####"
    assert zhang["补贴发放/发放金额（元）"].number_format == "0.00"
    assert zhang["家庭住址"].value == FORMULA_ADDRESS and zhang["家庭住址"].data_type == "s"
    assert zhang["家庭住址"].quotePrefix  # shown as typed text, never run as a formula
    assert zhang["备注"].value is None and ("备注", "每次填报时填写（签字、意见等），台账不提供") in result.blank \
        or any(h == "备注" for h, _ in result.blank)
    # 合计 row: the sum of the amounts, under the data rows
    assert ws.cell(after, template.serial_column).value == "合计"
    amount_col = next(f.column for f in template.fields if f.header == "补贴发放/发放金额（元）")
    assert ws.cell(after, amount_col).value == 350.5
    # title and unit line name the town and the month
    texts = [str(c.value) for row in ws.iter_rows(max_row=template.header_rows[0] - 1) for c in row if c.value]
    assert "永川区临江镇残疾人两项补贴发放花名册（2024年1月）" in texts
    assert any(t.startswith("填报单位") and t.endswith("永川区临江镇") for t in texts)
    assert any("2024年2月5日" in t for t in texts)


def test_roster_looks_like_its_template(district):
    result = generate_report(district.engine, ROSTER, JAN, TOWN, district.tmp)
    tpl = openpyxl.load_workbook(district.pack / "forms" / f"{ROSTER}.xlsx").active
    out = openpyxl.load_workbook(result.path).active
    template = read_templates(district.pack / "forms" / f"{ROSTER}.xlsx").forms[0]
    head_end = template.data_first_row - 1
    head = lambda ws: sorted(str(m) for m in ws.merged_cells.ranges if m.max_row <= head_end)  # noqa: E731
    assert head(out) == head(tpl) and head(tpl)  # the same merged multi-level header
    widths_in, widths_out = _widths(tpl), _widths(out)
    widened = {f.column: f.header for f in template.fields if f.header in ("身份证号码", "联系电话")}
    id_col = next(c for c, h in widened.items() if h == "身份证号码")
    assert widths_out[id_col] >= 19  # widened so that an 18-digit number shows whole
    assert widths_in and all(abs(widths_out[c] - w) < 0.15 for c, w in widths_in.items()
                             if c not in widened)  # the others to the pixel
    for r in range(1, head_end + 1):
        for c in range(1, tpl.max_column + 1):
            a, b = tpl.cell(r, c), out.cell(r, c)
            assert a.border.left.style == b.border.left.style and a.border.top.style == b.border.top.style
            assert bool(a.font.b) == bool(b.font.b)
            if r >= template.header_rows[0]:
                assert a.value == b.value
    data = out.cell(template.data_first_row, 3)
    assert data.border.left.style == "thin" and data.border.bottom.style == "thin"
    # the footer moved below the data rows, as written
    footer = [c.value for row in out.iter_rows(min_row=template.data_first_row) for c in row
              if isinstance(c.value, str) and c.value.startswith("负责人")]
    assert footer


def test_reveal_shows_sensitive_values_in_full(district):
    result = Reporter(district.engine, reveal=True).report(ROSTER, JAN, TOWN, district.tmp / "full.xlsx")
    template = read_templates(district.pack / "forms" / f"{ROSTER}.xlsx").forms[0]
    _ws, rows, _after = _rows(result.path, template)
    assert rows[0]["身份证号码"].value == PEOPLE[0].id and rows[0]["身份证号码"].data_type == "s"
    assert rows[0]["联系电话"].value == "13812345678" and rows[0]["联系电话"].data_type == "s"
    assert rows[0]["残疾类别"].value == "肢体残疾" and rows[1]["残疾等级"].value == "一级"


def test_filter_and_other_units(district):
    fd = district.form(ROSTER)
    fd.filter = "disability_level = '1' and age(birth_date) < 60"
    result = Reporter(district.engine, reveal=True).report(fd, JAN, TOWN, district.tmp / "f.xlsx")
    template = read_templates(district.pack / "forms" / f"{ROSTER}.xlsx").forms[0]
    assert [r["姓名"].value for r in _rows(result.path, template)[1]] == ["李四"]
    other = generate_report(district.engine, ROSTER, JAN, OTHER_TOWN, district.tmp)
    assert [r["姓名"].value for r in _rows(other.path, template)[1]] == ["王芳"]
    village = generate_report(district.engine, ROSTER, JAN, VILLAGE, district.tmp)
    ws, rows, after = _rows(village.path, template)
    assert [r["姓名"].value for r in rows] == ["张三"]
    assert ws.cell(after, template.serial_column).value == "合计"


def test_empty_roster_keeps_header_total_and_footer(district):
    result = generate_report(district.engine, ROSTER, "2030-01", TOWN, district.tmp)
    assert result.rows == 2  # people are not period-bound; their payments are
    template = read_templates(district.pack / "forms" / f"{ROSTER}.xlsx").forms[0]
    _ws, rows, _after = _rows(result.path, template)
    assert rows[0]["补贴发放/发放金额（元）"].value is None
