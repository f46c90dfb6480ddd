"""Indicator tables aggregated per org unit (rolled up from villages), one-record forms one sheet each."""

from __future__ import annotations

import openpyxl

from tests.reports.conftest import DISTRICT, INDICATOR, OTHER_TOWN, PEOPLE, RECORD, TOWN, VILLAGE, VILLAGE2
from yibiaotong.forms import read_templates
from yibiaotong.orgunits import load_tree
from yibiaotong.reports import Reporter, generate_report


def _values(path, template) -> dict[str, object]:
    ws = openpyxl.load_workbook(path).active
    return {f.indicator: ws.cell(*f.value_cell).value for f in template.fields if f.value_cell}


def test_indicator_rolls_up_villages_to_towns_to_the_district(district):
    template = read_templates(district.pack / "forms" / f"{INDICATOR}.xlsx").forms[0]
    town = generate_report(district.engine, INDICATOR, "2024-01", TOWN, district.tmp)
    v = _values(town.path, template)
    assert v["持证残疾人数"] == 2 and v["持证残疾人数/其中：女性"] == 1  # 张三 and 李四 (female)
    assert v["发放金额合计（元）"] == 3000.5  # two villages' statistics of January, not December's
    assert v["康复服务人次"] is None and any(h.startswith("康复服务人次") for h, _why in town.blank)
    village = _values(generate_report(district.engine, INDICATOR, "2024-01", VILLAGE, district.tmp).path, template)
    assert village["持证残疾人数"] == 1 and village["持证残疾人数/其中：女性"] == 0
    assert village["发放金额合计（元）"] == 1000.5
    whole = _values(generate_report(district.engine, INDICATOR, "2024-01", DISTRICT, district.tmp).path, template)
    assert whole["持证残疾人数"] == 3 and whole["持证残疾人数/其中：女性"] == 2
    assert whole["发放金额合计（元）"] == 3300.5
    other = _values(generate_report(district.engine, INDICATOR, "2024-01", OTHER_TOWN, district.tmp).path, template)
    assert other["持证残疾人数"] == 1
    # counts are not personal data: never masked
    ws = openpyxl.load_workbook(town.path).active
    assert not any(c.value == "***" for row in ws.iter_rows() for c in row)


def test_indicator_keeps_the_template_rows(district):
    tpl = openpyxl.load_workbook(district.pack / "forms" / f"{INDICATOR}.xlsx").active
    out = openpyxl.load_workbook(generate_report(district.engine, INDICATOR, "2024-01", TOWN, district.tmp).path).active
    assert sorted(map(str, out.merged_cells.ranges)) == sorted(map(str, tpl.merged_cells.ranges))
    template = read_templates(district.pack / "forms" / f"{INDICATOR}.xlsx").forms[0]
    labels = [(r, c) for r in range(template.header_rows[0], tpl.max_row + 1) for c in (1, 2)]
    assert all(tpl.cell(r, c).value == out.cell(r, c).value for r, c in labels)


def test_record_form_one_sheet_per_record(district):
    result = Reporter(district.engine, reveal=True).report(RECORD, "2024-01", TOWN, district.tmp / "r.xlsx")
    wb = openpyxl.load_workbook(result.path)
    assert result.rows == 2 and wb.sheetnames == ["1_张三", "2_李四"]
    template = read_templates(district.pack / "forms" / f"{RECORD}.xlsx").forms[0]
    cells = {f.header: f.value_cell for f in template.fields}
    ws = wb["1_张三"]
    assert ws.cell(*cells["身份证号码"]).value == PEOPLE[0].id
    assert ws.cell(*cells["残疾类别"]).value == "肢体残疾"
    assert ws.cell(*cells["出生日期"]).is_date


def test_a_towns_own_figures_replace_its_villages_column_by_column(district):
    """A town that filled the table itself (imported at town level) has its own record: its figure
    covers its villages, so it is used instead of their sum, not added to it; a column the town left
    empty still sums its villages, and a unit above the report's is no part of it."""
    stats = district.store.ledger("area_disability")
    amount = next(c for c in stats.column_names if c.startswith("x_fa_fang"))
    visits = next(c for c in stats.column_names if c.startswith("x_kang_fu"))
    district.store.upsert("area_disability", [
        {"stat_month": "2024-01", amount: "2500", "_org_unit": TOWN},
        {"stat_month": "2024-01", amount: "99999", "_org_unit": DISTRICT},  # the district's own, for itself
        {"stat_month": "2024-01", visits: 3, "_org_unit": VILLAGE},
        {"stat_month": "2024-01", visits: 4, "_org_unit": VILLAGE2}])
    template = read_templates(district.pack / "forms" / f"{INDICATOR}.xlsx").forms[0]

    def report(unit, period="2024-01"):
        return _values(generate_report(district.engine, INDICATOR, period, unit, district.tmp).path, template)

    result = generate_report(district.engine, INDICATOR, "2024-01", TOWN, district.tmp)
    town = _values(result.path, template)
    assert town["发放金额合计（元）"] == 2500  # the town's own, not 2500 + 1000.5 + 2000
    # its villages say 3000.5: said, with what the report used
    (differs,) = [p for p in result.problems if p.code == "report-own-figures-differ"]
    assert differs.params["unit"] == "临江镇" and "本级2500，下级合计3000.5" in differs.message_zh
    assert town["康复服务人次"] == 7  # the town gave none: its villages' sum (3 + 4)
    assert town["持证残疾人数"] == 2  # persons are counted, never replaced
    assert report(VILLAGE)["发放金额合计（元）"] == 1000.5
    assert report(OTHER_TOWN)["发放金额合计（元）"] == 300
    assert report(DISTRICT)["发放金额合计（元）"] == 99999  # the district's own figure
    assert report(TOWN, "2023-12")["发放金额合计（元）"] == 7  # no town record that month: its village's
    # the ids of the records left out are written into the SQL: hundreds of villages times a
    # table's columns would pass PostgreSQL's 65,535 bound parameters
    from yibiaotong.reports.own_figures import own_figures
    from yibiaotong.reports.period import Period

    town_path = next(u.path for u in load_tree(district.engine) if u.code == TOWN)
    table = own_figures(district.store, stats, "stat_month", Period.parse("2024-01"), town_path, {amount}).table
    compiled = table.element.compile(district.engine)
    assert not [k for k in compiled.params if k.startswith("_id")] and " IN (" in str(compiled)


def test_own_figures_follow_the_column_however_the_aggregate_names_it(district):
    """An aggregate written by hand may name the column in capitals, qualified by its ledger, or
    by a label: it is the same column, and the town's own figure still replaces its villages'."""
    from sqlalchemy import update

    from yibiaotong.forms.store import get_form
    from yibiaotong.store.schema import form as form_table

    stats = district.store.ledger("area_disability")
    amount = next(c for c in stats.column_names if c.startswith("x_fa_fang"))
    district.store.upsert("area_disability", [{"stat_month": "2024-01", amount: "2500", "_org_unit": TOWN}])
    template = read_templates(district.pack / "forms" / f"{INDICATOR}.xlsx").forms[0]
    label = district.store.dictionary.element(amount).name
    for written in (f"sum({amount.upper()})", f"sum(AREA_DISABILITY.{amount})", f'sum("{label}")'):
        fd = get_form(district.engine, INDICATOR)
        fd.field("发放金额合计（元）").aggregate = written
        with district.engine.begin() as conn:
            conn.execute(update(form_table).where(form_table.c.id == fd.id).values(definition=fd.to_dict()))
        town = _values(generate_report(district.engine, INDICATOR, "2024-01", TOWN, district.tmp).path, template)
        assert town["发放金额合计（元）"] == 2500, written
