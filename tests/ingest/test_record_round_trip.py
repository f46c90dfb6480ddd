"""A one-record form (申请表) generated from the Yongchuan demo's ledgers — one sheet per record, its
sub-table (家庭成员情况) filled from the household's records — imported back into the same database
for the same unit and month, reads every record and changes nothing.

Forms whose definition cannot be read back by its nature are not sampled: their own records are keyed
by what they do not print — 006, 007 and 013 by 户主身份证号, 035 by the person's ID number, 068 and
080 by the survey's 编号, 122 and 130 by 房屋编号, 172 by the member's ID number (130 and 172 also put
a household's value in an area ledger, which a town's import writes for the town). A derived 年龄 is
computed as of the report's month and is the one value the import may change (see
test_report_round_trip).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, select

from tests.ingest.conftest import map_to
from tests.ingest.test_report_round_trip import PERIOD, _busiest_village, imported_source
from yibiaotong.demo import build_demo
from yibiaotong.forms import read_templates
from yibiaotong.forms.store import get_form
from yibiaotong.ingest import ImportReport, import_file
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.reports import Reporter
from yibiaotong.reports import defaults as D
from yibiaotong.reports.generate import ReportResult
from yibiaotong.store import schema
from yibiaotong.store.engine import connect


# (form, level of the unit it is generated for: 3 a village, 2 a town). The village forms are the
# defects this guards: 011 and 162 have sub-tables no ledger keeps (no member row may be refused),
# 101 prints the members' ID numbers in the applicant's own ID column; 132 keeps its members in the
# family ledger. A town's forms print no village: no record may move up from its village to the town
FORMS = [("011_特困人员救助供养申请审批表", 3), ("101_退役军人和其他优抚对象信息采集表", 3), ("162_家庭经济困难学生认定申请表", 3),
         ("132_防返贫监测对象信息采集表", 3), ("017_事实无人抚养儿童认定申请表", 3), ("057_农民专业合作社示范社申报表", 3),
         ("095_医疗救助申请审批表", 3), ("052_农村土地经营权流转合同备案登记表", 2), ("039_残疾人基本状况调查表", 2)]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo(db, scale=200)
    return db


@dataclass
class RoundTrip:
    report: ReportResult
    imported: ImportReport
    changed: set[str]  # ledger.column of every value the import changed
    disputed: set[str]  # ledger.column of every conflict it recorded
    engine: Engine


def round_trip(demo_db: Path, tmp_path: Path, form_id: str, level: int = 3,
               mapped: dict[str, tuple[str, str, str]] | None = None) -> RoundTrip:
    """The form generated for the unit of ``level`` (3: village, 2: town) holding most records of its
    main ledger, imported back into a copy of the demo for that unit and month; ``mapped``: fields
    given another element first (see :func:`map_to`)."""
    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)
    engine = connect(db)
    if mapped:
        map_to(engine, form_id, mapped)
    form = get_form(engine, form_id)
    unit = _busiest_village(engine, LedgerStore(engine), form, level)
    report = Reporter(engine, reveal=True).report(form, PERIOD, unit, tmp_path / f"{form_id}.xlsx")
    imported = import_file(engine, report.path, period=PERIOD, org_unit=unit, actor="round-trip")
    source = imported_source(engine)
    with engine.connect() as conn:
        changed = {f"{lg}.{c}" for lg, c in conn.execute(select(schema.change.c.ledger_id, schema.change.c.column_name)
                                                          .where(schema.change.c.source_id == source))}
        disputed = {f"{lg}.{c}" for lg, c in conn.execute(select(schema.conflict.c.ledger_id, schema.conflict.c.column_name)
                                                           .where(schema.conflict.c.new_source_id == source))}
    return RoundTrip(report, imported, changed, disputed, engine)


def test_a_sub_table_no_ledger_keeps_gives_no_member_rows_to_refuse(demo_db, tmp_path):
    """011's 法定赡养、抚养、扶养义务人情况 is mapped to ledgers keyed by the applicant: its rows
    cannot be kept (said once, subtable-column-not-kept). Each such row after the first was read as a
    member and refused without a reason (rows_invalid with no problem)."""
    rt = round_trip(demo_db, tmp_path, "011_特困人员救助供养申请审批表")
    imported = rt.imported
    assert rt.report.rows > 1
    assert "subtable-column-not-kept" in {p.code for p in imported.warnings}
    assert (imported.rows_read, imported.rows_imported, imported.rows_invalid) == (rt.report.rows,) * 2 + (0,)
    assert not imported.problems, imported.problems
    rt.engine.dispose()


def test_a_number_kept_in_another_quantity_is_not_written_under_the_forms_unit(demo_db, tmp_path):
    """A definition mapping 种植情况/蔬菜（亩） and 茶叶（亩） (areas) to a harvest kept in 吨 (068's did,
    until consolidation gave each quantity its own element): the reporter wrote the tonnage under 亩,
    and reading the form back refused the record as unit-mismatch. Such a field is left blank,
    saying why."""
    rt = round_trip(demo_db, tmp_path, "068_农户生产经营情况调查表", mapped={
        "种植情况/蔬菜（亩）": ("x_shu_cai", "area_agriculture", "x_shu_cai"),
        "种植情况/茶叶（亩）": ("x_cha_ye", "area_agriculture", "x_cha_ye")})
    headers = ("种植情况/蔬菜（亩）", "种植情况/茶叶（亩）")
    assert {h: why for h, why in rt.report.blank if h in headers} == dict.fromkeys(headers, "台账按“吨”记录，不能换算为表上的“亩”")
    cells = {f.header: f.value_cell for f in read_templates(get_form(rt.engine, "068_农户生产经营情况调查表").template_path).forms[0].fields}
    sheet = openpyxl.load_workbook(rt.report.path).worksheets[0]
    assert [sheet.cell(*cells[h]).value for h in headers] == [None, None]
    assert sheet.cell(*cells["种植情况/水稻（亩）"]).value is not None  # an area kept in 亩 is written
    imported = rt.imported
    assert "unit-mismatch" not in {p.code for p in imported.problems}
    assert (imported.rows_read, imported.rows_imported) == (rt.report.rows,) * 2
    rt.engine.dispose()


def test_a_members_id_number_mapped_to_the_applicants_own_never_rewrites_the_applicant(demo_db, tmp_path):
    """101's 家庭主要成员/姓名 and /身份证号 are mapped to 人口基础信息台账's person_name and id_number,
    the columns the record's own 姓名 and 身份证号码 fill. The ledger was taken for the sub-table's (its
    key given by a sub-table cell), so the record row wrote the first member's name and each member
    row rewrote the applicant's record with the member's name and ID number (two conflicts a sheet)."""
    rt = round_trip(demo_db, tmp_path, "101_退役军人和其他优抚对象信息采集表")
    imported = rt.imported
    assert not rt.changed and not rt.disputed, (rt.changed, rt.disputed)
    assert imported.ok and not imported.problems and imported.rows_imported == rt.report.rows
    not_kept = [p.params["headers"] for p in imported.warnings if p.code == "subtable-column-not-kept"]
    assert "家庭主要成员/姓名、家庭主要成员/身份证号" in not_kept
    rt.engine.dispose()


def test_a_ledger_fed_by_the_sub_table_alone_that_cannot_keep_it_is_not_asked_for_its_key(demo_db, tmp_path):
    """162's 家庭成员情况 is mapped to 家庭成员台账, keyed by the member's ID number, which the form does
    not print: its cells are not kept (subtable-column-not-kept), and the ledger, left with nothing,
    warned on every record that its key 家庭成员身份证号 is missing."""
    rt = round_trip(demo_db, tmp_path, "162_家庭经济困难学生认定申请表")
    warnings = {p.code: p for p in rt.imported.warnings}
    assert "subtable-column-not-kept" in warnings
    assert "ledger-key-missing" not in warnings, warnings["ledger-key-missing"].message_zh
    assert all("person_family_member" not in s.ledgers for s in rt.imported.sheets)
    rt.engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize(("form_id", "level"), FORMS, ids=[f"{f.split('_')[0]}-{'town' if lv == 2 else 'village'}"
                                                          for f, lv in FORMS])
def test_a_generated_record_form_imports_back_unchanged(demo_db, tmp_path, form_id, level):
    rt = round_trip(demo_db, tmp_path, form_id, level)
    imported, report = rt.imported, rt.report
    assert report.rows > 0
    problems = [(p.code, p.location.get("sheet"), p.location.get("row"), p.message_zh) for p in imported.problems]
    assert imported.ok and not problems, problems
    assert [s.form for s in imported.sheets] == [form_id] * report.rows  # one sheet a record
    assert imported.rows_read == imported.rows_imported >= report.rows and imported.rows_invalid == 0
    assert sum(s.rows_queued for s in imported.sheets) == 0
    main = D.main_ledger(get_form(rt.engine, form_id), LedgerStore(rt.engine))
    assert sum(s.ledgers[main].unchanged + s.ledgers[main].updated for s in imported.sheets) == report.rows
    inserted = {lid: c.inserted for s in imported.sheets for lid, c in s.ledgers.items() if c.inserted}
    assert not inserted, f"records made by reading back a report: {inserted}"
    derived = {c for c in rt.changed | rt.disputed if c.split(".")[1] in D.ALWAYS_DERIVED}
    assert rt.changed <= derived and rt.disputed <= derived, (rt.changed, rt.disputed)
    rt.engine.dispose()
