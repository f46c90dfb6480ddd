"""One-record forms with a sub-table (家庭成员情况): the household's members fill its rows."""

from __future__ import annotations

import openpyxl
from sqlalchemy import update

from tests.reports.conftest import FAMILY, OTHER_VILLAGE, PEOPLE, TOWN
from yibiaotong.forms import read_templates
from yibiaotong.forms.store import get_form, save_forms
from yibiaotong.ledgers import LedgerStore
from yibiaotong.reports import Reporter

ZHANG, LI, ZHAO, GIRL = PEOPLE[0], PEOPLE[1], PEOPLE[3], PEOPLE[4]


def _template(district):
    return read_templates(district.pack / "forms" / f"{FAMILY}.xlsx").forms[0]


def _rows(ws, first: int, columns: list[int], count: int) -> list[list]:
    return [[ws.cell(first + i, c).value for c in columns] for i in range(count)]


def _members(district):
    template = _template(district)
    sub = [f for f in template.fields if f.subtable]
    return template, sub, sub[0].value_cell[0], [f.value_cell[1] for f in sub]


def test_household_members_fill_the_sub_table_and_extra_rows_are_inserted(district, tmp_path):
    result = Reporter(district.engine, reveal=True).report(FAMILY, "2024-01", TOWN, tmp_path / "f.xlsx")
    assert not [h for h, _why in result.blank if h.startswith("家庭成员情况")], result.blank
    wb = openpyxl.load_workbook(result.path)
    template, sub, first, columns = _members(district)
    tpl = openpyxl.load_workbook(district.pack / "forms" / f"{FAMILY}.xlsx").active
    ws = wb[f"1_{ZHANG.name}"]
    # 张三's household: three people registered at 红星村2组8号, 户主 first (GB/T 4761 order), the
    # template's two empty rows plus one inserted with the same look
    assert _rows(ws, first, columns[:3], 3) == [[ZHANG.name, "户主", ZHANG.id], [ZHAO.name, "子", ZHAO.id],
                                                [GIRL.name, "孙女", GIRL.id]]
    assert ws.cell(first + 2, columns[3]).is_date
    assert ws.cell(first + 2, columns[0]).border.left.style == tpl.cell(first + 1, columns[0]).border.left.style
    # everything under the sub-table moved down one row, merges with it
    opinion = next(f for f in template.fields if f.header == "村委会意见")
    assert ws.cell(opinion.row + 1, opinion.column).value == "村委会意见"
    moved = {str(m) for m in ws.merged_cells.ranges}
    section = next(m for m in tpl.merged_cells.ranges if m.min_col == 1 and m.min_row <= first <= m.max_row)
    assert f"A{section.min_row}:A{section.max_row + 1}" in moved  # the 家庭成员情况 label spans the new row
    # 李四 lives alone: one member, the second row stays empty
    ws = wb[f"4_{LI.name}"]
    assert _rows(ws, first, columns[:3], 2) == [[LI.name, "户主", LI.id], [None, None, None]]
    assert ws.cell(opinion.row, opinion.column).value == "村委会意见"


def test_members_are_masked_like_every_other_field(district, tmp_path):
    result = Reporter(district.engine).report(FAMILY, "2024-01", TOWN, tmp_path / "f.xlsx")
    ws = openpyxl.load_workbook(result.path)[f"1_{ZHANG.name}"]
    _template_, _sub, first, columns = _members(district)
    ids = [ws.cell(first + i, columns[2]).value for i in range(3)]
    assert ids == [f"{p.id[:6]}********{p.id[-4:]}" for p in (ZHANG, ZHAO, GIRL)]
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    assert not any(p.id in text for p in PEOPLE)


def test_members_outside_the_report_s_org_unit_are_left_out(district, tmp_path):
    # someone in another town registered at the same address: not the town clerk's to report
    store = LedgerStore(district.engine)
    stranger = PEOPLE[2]
    store.upsert("person_address", [{"id_number": stranger.id, "address_household_registration": ZHANG.registered,
                                     "_org_unit": OTHER_VILLAGE}])
    result = Reporter(district.engine, reveal=True).report(FAMILY, "2024-01", TOWN, tmp_path / "f.xlsx")
    ws = openpyxl.load_workbook(result.path)[f"1_{ZHANG.name}"]
    _template_, _sub, first, columns = _members(district)
    names = [ws.cell(first + i, columns[0]).value for i in range(4)]
    assert names == [ZHANG.name, ZHAO.name, GIRL.name, None] and stranger.name not in names


def test_a_record_without_a_household_address_gets_an_empty_sub_table(district, tmp_path):
    table = LedgerStore(district.engine).table("person_address")
    with district.engine.begin() as conn:  # an import leaves a blank alone: clear it as an edit would
        conn.execute(update(table).where(table.c.id_number == LI.id).values(address_household_registration=None))
    result = Reporter(district.engine, reveal=True).report(FAMILY, "2024-01", TOWN, tmp_path / "f.xlsx")
    ws = openpyxl.load_workbook(result.path)[f"4_{LI.name}"]
    _template_, _sub, first, columns = _members(district)
    assert _rows(ws, first, columns[:1], 2) == [[None], [None]]


def test_the_definition_may_name_the_link_and_a_wrong_one_is_reported(district, tmp_path):
    fd = get_form(district.engine, FAMILY)
    fd.extra["subtables"] = {"家庭成员情况": {"ledger": "person_family_member", "link": "no_such_column",
                                         "order_by": ["family_member_birth_date desc"]}}
    save_forms(district.engine, "district", [fd])
    result = Reporter(district.engine, reveal=True).report(FAMILY, "2024-01", TOWN, tmp_path / "bad.xlsx")
    assert result.ok and any(p.code == "unknown-name" for p in result.problems)
    assert all(why.startswith("子表与本表记录无法关联") for h, why in result.blank if h.startswith("家庭成员情况"))
    # a link written both ways, rows ordered by the definition (youngest first)
    fd.extra["subtables"]["家庭成员情况"]["link"] = {"record": "person_address.address_household_registration",
                                                   "rows": "person_address.address_household_registration"}
    save_forms(district.engine, "district", [fd])
    result = Reporter(district.engine, reveal=True).report(FAMILY, "2024-01", TOWN, tmp_path / "good.xlsx")
    ws = openpyxl.load_workbook(result.path)[f"1_{ZHANG.name}"]
    _template_, _sub, first, columns = _members(district)
    assert [ws.cell(first + i, columns[0]).value for i in range(3)] == [GIRL.name, ZHAO.name, ZHANG.name]


def test_every_member_row_imports_back_to_the_same_family_member_record(district, tmp_path):
    """The importer reads a one-record form by its installed layout and every filled row of its
    sub-table: each family member written into the report comes back as the record it came from."""
    report = Reporter(district.engine, reveal=True).report(FAMILY, "2024-01", TOWN, tmp_path / "f.xlsx")
    fresh = district.import_into_fresh(report.path, FAMILY, TOWN)
    columns = ["family_member_name", "family_member_birth_date", "relation_to_head"]

    def members(store):
        return {r["_key"]: tuple(r[c] for c in columns) for r in store.records("person_family_member", limit=100)
                if r["_org_unit"] != OTHER_VILLAGE}  # 王芳 lives in another town: not in this town's report

    got, source = members(LedgerStore(fresh)), members(district.store)
    assert {ZHANG.id, LI.id} < set(got)  # not only the first row of every sheet
    assert got == source
    fresh.dispose()
