"""The reader on hand-built templates that look like real township forms (written with openpyxl
directly, not with our own writer)."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Side
from openpyxl.worksheet.datavalidation import DataValidation

from yibiaotong.forms import read_templates

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def box(ws, rng: str, value=None, **align) -> None:
    """Write a bordered (and merged, if a range) box."""
    first = rng.split(":")[0]
    ws[first] = value
    cells = ws[rng] if ":" in rng else ((ws[rng],),)
    for row in cells:
        for cell in row:
            cell.border = BOX
    if ":" in rng:
        ws.merge_cells(rng)
    if align:
        ws[first].alignment = Alignment(**align)


def roster_workbook(path):
    """残疾人两项补贴发放花名册: 2-row merged header, number row, 合计 at the top, an instruction
    row in the data area, a blank spacer column, a hidden column, footer lines and a note."""
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.merge_cells("A1:L1")
    ws["A1"] = "2024年中山路街道困难残疾人生活补贴和重度残疾人护理补贴发放花名册"
    ws["A2"] = "填报单位（盖章）：中山路街道"
    ws["G2"] = "填报日期：2024年  月  日"
    ws["K2"] = "单位：元"
    headers = {"A3:A4": "序号", "B3:B4": "姓  名", "C3:C4": "性别", "D3:D4": "身份证\n号码",
               "E3:E4": "残疾等级", "F3:G3": "补贴金额", "F4": "生活补贴", "G4": "护理补贴",
               "H3:H4": "合计\n（元）", "J3:J4": "联系电话", "K3:K4": "内部编号", "L3:L4": "备注"}
    for rng, text in headers.items():
        box(ws, rng, text)
    for i, col in enumerate("ABCDEFGH"):
        box(ws, f"{col}5", "甲" if col == "A" else str(i))
    for i, col in enumerate("JKL"):
        box(ws, f"{col}5", str(8 + i))
    box(ws, "A6", "合计")
    for col in "BCDEFGHJKL":
        box(ws, f"{col}6")
    box(ws, "A7:L7", "（以下第一行为填写示例，报送前请删除）")
    for r in range(8, 13):
        box(ws, f"A{r}", r - 7)
        for col in "BCDEFGHJKL":
            box(ws, f"{col}{r}")
    ws["B8"] = "张三"  # a sample row, as templates often carry
    box(ws, "A13:L13", "填表说明：身份证号码请填写18位，补贴金额保留两位小数。")
    ws["A15"], ws["D15"], ws["G15"], ws["J15"] = "负责人：", "审核人：", "填表人：", "联系电话："
    ws["A16"] = "注：本表一式两份，街道、区残联各存一份。"
    ws.column_dimensions["I"].width = 2  # blank spacer column between 合计 and 联系电话
    ws.column_dimensions["K"].hidden = True
    dv = DataValidation(type="list", formula1='"男,女"')
    dv.add("C8:C12")
    ws.add_data_validation(dv)
    wb.save(path)
    return path


def test_roster_with_merged_header_number_row_total_and_footer(tmp_path):
    result = read_templates(roster_workbook(tmp_path / "花名册.xlsx"))
    assert not result.skipped
    (form,) = result.forms
    assert form.layout == "roster", form.layout_reason
    assert form.title.startswith("2024年中山路街道")
    assert form.headers == ["姓  名", "性别", "身份证号码", "残疾等级", "补贴金额/生活补贴", "补贴金额/护理补贴",
                            "合计（元）", "联系电话", "内部编号", "备注"]
    assert (form.header_rows, form.number_row, form.total_row, form.data_first_row) == ((3, 4), 5, 6, 8)
    assert (form.serial_column, form.serial_label) == (1, "序号")
    assert "填报单位" in form.unit_line and "填报日期" in form.date_line and form.measure_unit == "元"
    assert form.footer_rows == [13, 15, 16] and form.footer[0].startswith("填表说明：")
    assert form.footer[1].startswith("负责人：")
    by = {f.header: f for f in form.fields}
    assert by["补贴金额/生活补贴"].path == ("补贴金额", "生活补贴")
    assert by["补贴金额/生活补贴"].unit == "元" and by["合计（元）"].unit == "元" and by["联系电话"].unit is None
    assert by["性别"].choices == ("男", "女") and by["性别"].value_cell == (8, 3)
    assert by["姓  名"].sample == "张三"
    assert by["内部编号"].hidden and not by["备注"].hidden
    assert by["联系电话"].neighbors == ("合计（元）", "内部编号")


def record_workbook(path):
    """困难残疾人生活补贴申请审批表: pairs, a section merged down over three rows, a 家庭成员情况
    sub-table, □是 □否 boxes, sample data in a box, opinion boxes with 签字（盖章）."""
    wb = Workbook()
    ws = wb.active
    ws.title = "申请表"
    ws.merge_cells("A1:H1")
    ws["A1"] = "困难残疾人生活补贴申请审批表"
    ws["F2"] = "申请日期：    年  月  日"
    cells = {
        "A3": "申请人姓名", "B3:C3": None, "D3": "性  别", "E3": "□男  □女", "F3": "出生年月", "G3:H3": None,
        "A4": "身份证号码：", "B4:E4": None, "F4": "残疾等级", "G4:H4": "一级",
        "A5": "户籍地址", "B5:H5": None,
        "A6:A8": "家庭情况",
        "B6": "母亲姓名", "C6:D6": None, "E6": "联系电话", "F6:H6": None,
        "B7": "父亲姓名", "C7:D7": None, "E7": "联系电话", "F7:H7": None,
        "B8": "家庭人口", "C8:D8": None, "E8": "月人均收入（元）", "F8:H8": None,
        "A9:A12": "家庭成员情况",
        "B9": "姓名", "C9": "与户主关系", "D9:E9": "身份证号", "F9": "年龄", "G9:H9": "工作单位或就读学校",
        "A13": "是否低保户", "B13:D13": "□是  □否", "E13": "联系人", "F13": None, "G13": "联系电话", "H13": None,
        "A14": "村（居）委会意见", "B14:H14": "\n签字（盖章）：\n            年    月    日",
        "A15": "镇（街道）审核意见", "B15:H15": "\n签字（盖章）：\n            年    月    日",
    }
    for rng, value in cells.items():
        box(ws, rng, value)
    for r in range(10, 13):
        for rng in (f"B{r}", f"C{r}", f"D{r}:E{r}", f"F{r}", f"G{r}:H{r}"):
            box(ws, rng)
    ws["A16"] = "注：本表一式三份，村、镇、区民政局各存一份。"
    wb.save(path)
    return path


def test_record_form_with_sections_and_family_subtable(tmp_path):
    (form,) = read_templates(record_workbook(tmp_path / "申请表.xlsx")).forms
    assert form.layout == "record", form.layout_reason
    assert form.headers == [
        "申请人姓名", "性  别", "出生年月", "身份证号码", "残疾等级", "户籍地址",
        "家庭情况/母亲姓名", "家庭情况/联系电话", "家庭情况/父亲姓名", "家庭情况/联系电话",
        "家庭情况/家庭人口", "家庭情况/月人均收入（元）",
        "家庭成员情况/姓名", "家庭成员情况/与户主关系", "家庭成员情况/身份证号", "家庭成员情况/年龄",
        "家庭成员情况/工作单位或就读学校",
        "是否低保户", "联系人", "联系电话", "村（居）委会意见", "镇（街道）审核意见",
    ]
    f = {(x.header, x.row): x for x in form.fields}
    assert f[("性  别", 3)].choices == ("男", "女") and f[("性  别", 3)].value_cell == (3, 5)
    assert f[("身份证号码", 4)].value_cell == (4, 2)
    assert f[("残疾等级", 4)].sample == "一级" and f[("残疾等级", 4)].value_cell == (4, 7)
    mother = f[("家庭情况/母亲姓名", 6)]
    assert (mother.section, mother.subtable, mother.label, mother.value_cell) == ("家庭情况", None, "母亲姓名", (6, 3))
    member = f[("家庭成员情况/姓名", 9)]
    assert (member.subtable, member.value_cell) == ("家庭成员情况", (10, 2))
    assert f[("家庭情况/月人均收入（元）", 8)].unit == "元"
    assert f[("是否低保户", 13)].choices == ("是", "否")
    assert f[("联系电话", 13)].neighbors == ("联系人", "村（居）委会意见")
    assert f[("村（居）委会意见", 14)].value_cell == (14, 2)
    assert form.date_line.startswith("申请日期") and form.footer == ["注：本表一式三份，村、镇、区民政局各存一份。"]


def indicator_workbook(path):
    """基层组织建设情况统计表: 一、(一)1、 numbering, 其中： lines, indentation, a 代码 column, a
    计量单位 column, a number row (甲 乙 丙 1 2 3) and three value columns."""
    wb = Workbook()
    ws = wb.active
    ws.title = "统计表"
    ws.merge_cells("A1:F1")
    ws["A1"] = "2024年第一季度基层组织建设情况统计表"
    ws["A2"] = "填报单位：永川区民政局"
    ws["E2"] = "单位：个、人"
    for col, text in zip("ABCDEF", ["指 标 名 称", "代码", "计量单位", "本期数", "上年同期", "增减（%）"]):
        box(ws, f"{col}3", text)
    for col, text in zip("ABCDEF", ["甲", "乙", "丙", "1", "2", "3"]):
        box(ws, f"{col}4", text)
    rows = [
        ("一、基层组织", "—", 0), ("（一）村民委员会", "个", 0), ("1、行政村数", "个", 0),
        ("2、汇总村数(个)", "个", 0), ("其中：示范村", "个", 0), ("（二）社区居民委员会", "个", 0),
        ("二、人员情况", "—", 0), ("村干部人数", "人", 1), ("其中：女性", "人", 2), ("党员人数", "人", 1),
    ]
    for i, (label, unit, indent) in enumerate(rows):
        r = 5 + i
        box(ws, f"A{r}", label, indent=indent, horizontal="left")
        box(ws, f"B{r}", f"{i + 1:02d}")
        box(ws, f"C{r}", unit)
        for col in "DEF":
            box(ws, f"{col}{r}", "—" if unit == "—" else None)
    ws["A16"], ws["C16"], ws["E16"] = "单位负责人：", "统计负责人：", "填表人："
    ws["A17"] = "报出日期：    年  月  日"
    wb.save(path)
    return path


def test_indicator_table_with_numbering_qizhong_and_indentation(tmp_path):
    (form,) = read_templates(indicator_workbook(tmp_path / "统计表.xlsx")).forms
    assert form.layout == "indicator", form.layout_reason
    assert form.items == [
        "一、基层组织/（一）村民委员会",
        "一、基层组织/（一）村民委员会/1、行政村数",
        "一、基层组织/（一）村民委员会/2、汇总村数(个)",
        "一、基层组织/（一）村民委员会/2、汇总村数(个)/其中：示范村",
        "一、基层组织/（二）社区居民委员会",
        "二、人员情况/村干部人数",
        "二、人员情况/村干部人数/其中：女性",
        "二、人员情况/党员人数",
    ]
    assert form.value_columns == ["本期数", "上年同期", "增减（%）"]
    assert len(form.fields) == 8 * 3 and form.number_row == 4 and form.header_rows == (3, 3)
    first = form.fields[0]
    assert first.header == "一、基层组织/（一）村民委员会/本期数" and first.value_column == "本期数"
    assert first.value_cell == (6, 4) and first.unit == "个"
    women = [f for f in form.fields if f.label == "其中：女性"]
    assert [f.value_cell for f in women] == [(13, 4), (13, 5), (13, 6)] and women[0].unit == "人"
    assert women[0].neighbors == ("村干部人数", "党员人数")
    assert form.measure_unit is None and form.footer_rows == [16, 17]


def test_single_value_column_header_is_the_indicator_path(tmp_path):
    wb = Workbook()
    ws = wb.active
    for col, text in zip("ABC", ["项目", "单位", "数值"]):
        box(ws, f"{col}1", text)
    for r, (label, unit) in enumerate([("一、耕地面积", "亩"), ("其中：撂荒面积", "亩"), ("二、流转户数", "户")], start=2):
        box(ws, f"A{r}", label)
        box(ws, f"B{r}", unit)
        box(ws, f"C{r}")
    wb.save(tmp_path / "t.xlsx")
    (form,) = read_templates(tmp_path / "t.xlsx").forms
    assert form.layout == "indicator"
    assert form.headers == ["一、耕地面积", "一、耕地面积/其中：撂荒面积", "二、流转户数"]
    assert [f.unit for f in form.fields] == ["亩", "亩", "户"]


def test_workbook_with_chart_empty_instruction_and_hidden_sheets(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    for col, text in zip("ABCD", ["序号", "姓名", "性别", "身份证号码"]):
        box(ws, f"{col}1", text)
    for r in range(2, 5):
        for col in "ABCD":
            box(ws, f"{col}{r}", r - 1 if col == "A" else None)
    lists = wb.create_sheet("字典")
    lists["A1"], lists["A2"] = "男", "女"
    lists.sheet_state = "hidden"
    dv = DataValidation(type="list", formula1="字典!$A$1:$A$2")
    dv.add("C2:C4")
    ws.add_data_validation(dv)
    charts = wb.create_sheet("图表")
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=1, min_row=1, max_row=4))
    charts.add_chart(chart, "B2")
    chartsheet = wb.create_chartsheet("统计图")
    chartsheet.add_chart(BarChart())
    wb.create_sheet("Sheet3")
    notes = wb.create_sheet("填表说明")
    for r, line in enumerate(["填表说明：", "1. 身份证号码必须填写18位，最后一位为X的请大写。",
                              "2. 联系电话请填写本人手机号码，不能填写村委会座机。", "3. 本表于每月5日前报送镇民政办。"],
                             start=1):
        notes[f"A{r}"] = line
    wb.save(tmp_path / "book.xlsx")
    result = read_templates(tmp_path / "book.xlsx")
    assert [f.sheet for f in result.forms] == ["花名册"]
    assert result.forms[0].fields[1].choices == ("男", "女")
    skipped = {p.location["sheet"]: p for p in result.skipped}
    assert set(skipped) == {"字典", "图表", "统计图", "Sheet3", "填表说明"}
    assert skipped["字典"].code == "sheet-hidden"
    assert {skipped[s].code for s in ("图表", "统计图", "Sheet3", "填表说明")} == {"sheet-not-a-form"}
    assert "图表" in skipped["图表"].message_zh and "说明文字" in skipped["填表说明"].message_zh
    assert "空白" in skipped["Sheet3"].message_zh
    assert skipped["Sheet3"].location["file"].endswith("book.xlsx")
    with_hidden = read_templates(tmp_path / "book.xlsx", include_hidden_sheets=True)
    assert "字典" not in {p.location["sheet"] for p in with_hidden.skipped if p.code == "sheet-hidden"}


def test_gbk_csv_roster(tmp_path):
    text = "姓名,性别,身份证号码,联系电话,家庭住址\n张三,男,500118199001011234,13812345678,永川区中山路1号\n"
    path = tmp_path / "名单.csv"
    path.write_bytes(text.encode("gbk"))
    (form,) = read_templates(path).forms
    assert form.layout == "roster" and form.sheet == "名单"
    assert form.headers == ["姓名", "性别", "身份证号码", "联系电话", "家庭住址"]
    assert form.fields[2].sample == "500118199001011234"


def test_utf8_bom_csv_with_title_row(tmp_path):
    text = "2024年高龄津贴发放名单,,,\n村(社区),姓名,年龄,发放金额（元）\n,,,\n"
    path = tmp_path / "名单.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (form,) = read_templates(path).forms
    assert form.title == "2024年高龄津贴发放名单"
    assert form.headers == ["村(社区)", "姓名", "年龄", "发放金额（元）"]
    assert form.fields[-1].unit == "元"


def test_record_without_borders_and_label_colons(tmp_path):
    wb = Workbook()
    ws = wb.active
    rows = [["入户调查登记表"], ["户主姓名：", None, "性别：", None], ["家庭住址：", None, "联系电话：", None],
            ["家庭人口：", None, "年人均收入(元)：", None]]
    for row in rows:
        ws.append(row)
    ws.merge_cells("A1:D1")
    wb.save(tmp_path / "t.xlsx")
    (form,) = read_templates(tmp_path / "t.xlsx").forms
    assert form.layout == "record", form.layout_reason
    assert form.headers == ["户主姓名", "性别", "家庭住址", "联系电话", "家庭人口", "年人均收入(元)"]
    assert form.fields[0].value_cell == (2, 2)


def test_roster_with_unmerged_parent_and_header_colons(tmp_path):
    """A parent printed once with blanks to its right (no merge) still heads its children."""
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名：", "家庭成员", None, None, "备注："])
    ws.append([None, "姓名", "关系", "年龄", None])
    ws.append([None, None, None, None, None])
    wb.save(tmp_path / "t.xlsx")
    (form,) = read_templates(tmp_path / "t.xlsx").forms
    assert form.layout == "roster"
    assert form.headers == ["姓名", "家庭成员/姓名", "家庭成员/关系", "家庭成员/年龄", "备注"]


def test_indicator_with_parent_merged_down_a_second_stub_column(tmp_path):
    wb = Workbook()
    ws = wb.active
    box(ws, "A1:B1", "指标名称")
    box(ws, "C1", "计量单位")
    box(ws, "D1", "数量")
    box(ws, "A2:A3", "人口")
    for r, (label, unit) in enumerate([("户籍人口", "人"), ("常住人口", "人")], start=2):
        box(ws, f"B{r}", label)
        box(ws, f"C{r}", unit)
        box(ws, f"D{r}")
    box(ws, "A4:B4", "户数")
    box(ws, "C4", "户")
    box(ws, "D4")
    wb.save(tmp_path / "t.xlsx")
    (form,) = read_templates(tmp_path / "t.xlsx").forms
    assert form.layout == "indicator" and form.header_rows == (1, 1)
    assert form.headers == ["人口/户籍人口", "人口/常住人口", "户数"]


def test_attachment_mark_subtitle_and_bracketed_number_row(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "附件2"
    ws.merge_cells("A2:F2")
    ws["A2"] = "农村危房改造对象花名册"
    ws.merge_cells("A3:F3")
    ws["A3"] = "（2024年度）"
    for c, t in zip("ABCDEF", ["序号", "户主姓名", "身份证号", "家庭人口", "危房等级", "补助资金（万元）"]):
        box(ws, f"{c}4", t)
        box(ws, f"{c}5", f"（{'ABCDEF'.index(c) + 1}）")
        for r in range(6, 9):
            box(ws, f"{c}{r}")
    wb.save(tmp_path / "t.xlsx")
    (form,) = read_templates(tmp_path / "t.xlsx").forms
    assert form.title == "农村危房改造对象花名册" and form.preamble == ["附件2", "农村危房改造对象花名册", "（2024年度）"]
    assert form.number_row == 5 and form.data_first_row == 6
    assert form.headers == ["户主姓名", "身份证号", "家庭人口", "危房等级", "补助资金（万元）"]
    assert form.fields[-1].unit == "万元"


def test_record_headings_prefix_the_rows_under_them(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.merge_cells("A1:D1")
    ws["A1"] = "临时救助申请审批表"
    for rng, value in {"A2:D2": "一、申请人基本情况", "A3": "姓名", "B3": None, "C3": "性别", "D3": None,
                       "A4": "身份证号", "B4:D4": None, "A5:D5": "二、申请事由", "A6": "救助原因", "B6:D6": None,
                       "A7": "申请金额(元)", "B7": None, "C7": "开户银行", "D7": None}.items():
        box(ws, rng, value)
    wb.save(tmp_path / "t.xlsx")
    (form,) = read_templates(tmp_path / "t.xlsx").forms
    assert form.layout == "record"
    assert form.headers == ["一、申请人基本情况/姓名", "一、申请人基本情况/性别", "一、申请人基本情况/身份证号",
                            "二、申请事由/救助原因", "二、申请事由/申请金额(元)", "二、申请事由/开户银行"]
    assert form.fields[4].unit == "元"


def test_photo_box_and_free_text_box_below_a_label(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.merge_cells("A1:G1")
    ws["A1"] = "人员登记表"
    for rng, v in {"A2": "姓名", "B2": None, "C2": "性别", "D2": None, "E2": "民族", "F2": None, "G2:G4": "照片",
                   "A3": "出生日期", "B3": None, "C3": "政治面貌", "D3:F3": None, "A4": "身份证号", "B4:F4": None,
                   "A5": "家庭住址", "B5:G5": None, "A6:G6": "个人简历", "A7:G9": None}.items():
        box(ws, rng, v)
    wb.save(tmp_path / "t.xlsx")
    (form,) = read_templates(tmp_path / "t.xlsx").forms
    assert form.headers == ["姓名", "性别", "民族", "照片", "出生日期", "政治面貌", "身份证号", "家庭住址", "个人简历"]
    assert form.fields[-1].value_cell == (7, 1) and form.fields[3].value_cell is None


def test_indicator_with_year_columns_and_space_indentation(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.merge_cells("A1:C1")
    ws["A1"] = "村级基本情况统计表"
    for col, text in zip("ABC", ["项  目", 2023, 2024]):
        box(ws, f"{col}2", text)
    labels = ["总户数（户）", "总人口（人）", "\u3000其中：60岁以上老人（人）", "耕地面积（亩）"]
    for r, label in enumerate(labels, start=3):
        box(ws, f"A{r}", label)
        box(ws, f"B{r}")
        box(ws, f"C{r}")
    wb.save(tmp_path / "t.xlsx")
    (form,) = read_templates(tmp_path / "t.xlsx").forms
    assert form.layout == "indicator" and form.value_columns == ["2023", "2024"]
    assert form.items == ["总户数（户）", "总人口（人）", "总人口（人）/其中：60岁以上老人（人）", "耕地面积（亩）"]
    assert form.fields[4].header == "总人口（人）/其中：60岁以上老人（人）/2023" and form.fields[4].unit == "人"


def test_a_short_approval_form_is_a_record_not_a_roster(tmp_path):
    """One row of label/value pairs looks like a roster header; the title says it is one record."""
    from yibiaotong.forms import render_template

    path = render_template({"title": "临时救助申请审批表", "layout": "record", "columns": ["姓名", "身份证号", "村委会意见"]},
                           tmp_path / "short.xlsx")
    form = read_templates(path).forms[0]
    assert form.layout == "record" and form.headers == ["姓名", "身份证号", "村委会意见"]
