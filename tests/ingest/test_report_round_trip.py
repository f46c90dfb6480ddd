"""A roster generated from the Yongchuan demo's ledgers for one village, imported back into the same
database for that village and month, reads every row and changes nothing: what the reporter writes
(units, dates, code labels, the town beside the village, layouts) the intake reads back.

Only forms whose definition prints the key of the records its rows are made of are sampled: a form
whose rows are land parcels but which prints no parcel code (059 耕地地力保护补贴发放花名册) cannot be
read back into those records, by its definition. A household's payment roster (003) prints only the
head's ID number: its payments are the head's, both ways.
A derived 年龄 is computed as of the report's month; an age the ledger kept from an older form may
differ and is the one value the import may change.
"""

from __future__ import annotations

import shutil
from collections import Counter

import openpyxl
import pytest
from sqlalchemy import func, select

from tests.ingest.conftest import map_to
from yibiaotong.demo import build_demo
from yibiaotong.demo.population import DEFAULT_TODAY
from yibiaotong.forms.store import get_form
from yibiaotong.ingest import import_file
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.orgunits import load_tree
from yibiaotong.reports import Reporter
from yibiaotong.reports import defaults as D
from yibiaotong.store import schema
from yibiaotong.store.engine import connect

PERIOD = f"{DEFAULT_TODAY:%Y-%m}"
# per department a roster or two; the first ones are the defects this guards: 001 prints the town
# beside the village (placed above the import's unit), 019 and 012 list people some of the joined
# ledgers hold no record of (no empty records may be made), 051 prints 流转费（元/亩） for a 元/亩/年
# element and leaves the 流出方 (the one ID column) blank: its rows are keyed by the parcel code
FORMS = ["001_农村最低生活保障对象花名册", "019_残疾人生活补贴上报花名册", "012_临时救助对象花名册",
         "051_农村土地经营权流转情况登记台账", "038_持证残疾人基本情况花名册", "053_耕地种植情况台账",
         "069_农村劳动力就业情况台账", "070_就业困难人员认定花名册", "082_家庭医生签约服务花名册",
         "093_城乡居民基本医疗保险参保登记花名册", "103_重点优抚对象抚恤补助发放花名册", "115_安全生产隐患排查整治台账",
         "123_农村房屋安全隐患排查台账", "135_脱贫人口和监测对象务工就业台账", "145_实有人口批量采集表",
         "153_网格员花名册", "161_学前教育幼儿资助花名册", "176_困境妇女儿童家庭帮扶台账", "003_城乡低保金发放花名册"]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo(db, scale=200)
    return db


def _busiest_village(engine, store: LedgerStore, form, level: int = 3) -> str:
    """The village (with its grids; ``level`` 2: the town) holding most records of the ledger the
    form's rows come from."""
    ledger = D.main_ledger(form, store)
    table = store.definition_and_table(ledger)[1]
    with engine.connect() as conn:
        counts = conn.execute(select(table.c._org_unit, func.count()).group_by(table.c._org_unit)).all()
    tree = load_tree(engine)
    per_village: Counter[str] = Counter()
    for code, n in counts:
        village = next((u.code for u in [*tree.ancestors(code), tree[code]] if u.level == level), None)
        if village:
            per_village[village] += n
    assert per_village, f"no records of {ledger} in any village"
    return per_village.most_common(1)[0][0]


@pytest.mark.slow
@pytest.mark.parametrize("form_id", FORMS, ids=[f.split("_")[0] for f in FORMS])
def test_a_generated_roster_imports_back_unchanged(demo_db, tmp_path, form_id):
    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)
    engine = connect(db)
    store = LedgerStore(engine)
    form = get_form(engine, form_id)
    village = _busiest_village(engine, store, form)
    report = Reporter(engine, reveal=True).report(form, PERIOD, village, tmp_path / "report.xlsx")
    assert report.rows > 0

    imported = import_file(engine, report.path, period=PERIOD, org_unit=village, actor="round-trip")

    problems = [(p.code, p.location.get("row"), p.message_zh) for p in imported.problems]
    assert imported.ok and not problems, problems
    assert [s.form for s in imported.sheets] == [form_id]
    assert (imported.rows_read, imported.rows_imported, imported.rows_invalid) == (report.rows, report.rows, 0)
    assert sum(s.rows_queued for s in imported.sheets) == 0
    inserted = {lid: c.inserted for s in imported.sheets for lid, c in s.ledgers.items() if c.inserted}
    assert not inserted, f"records made by reading back a report: {inserted}"
    source = imported_source(engine)
    with engine.connect() as conn:
        changed = set(conn.execute(select(schema.change.c.column_name).where(schema.change.c.source_id == source)).scalars())
        disputed = set(conn.execute(select(schema.conflict.c.column_name)
                                    .where(schema.conflict.c.new_source_id == source)).scalars())
    assert changed <= D.ALWAYS_DERIVED and disputed <= D.ALWAYS_DERIVED, (changed, disputed)
    if not changed:
        assert imported.status in ("no-change", "already-imported")
    engine.dispose()


def imported_source(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.max(schema.source.c.id))).scalar_one()


def test_a_value_column_in_another_quantity_is_neither_written_nor_read(demo_db, tmp_path):
    """025 高龄津贴发放情况统计表 asks, per indicator, 人数 and 发放金额（元）; a definition mapping both
    to the count of people (the pack's did, until consolidation gave each quantity its own element):
    the report leaves the amounts blank, saying why, and an amount filled in by a clerk is not stored
    as a count: the import says the definition is at fault, once."""
    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)
    engine = connect(db)
    fd = get_form(engine, "025_高龄津贴发放情况统计表")
    map_to(engine, fd.id, {f.header: (c.element, c.ledger, c.column) for f in fd.fields if f.header.endswith("/发放金额（元）")
                           for c in [fd.field(f.header.replace("/发放金额（元）", "/人数"))]})
    form = get_form(engine, fd.id)
    town = next(u.code for u in load_tree(engine) if u.name == "临江镇")
    report = Reporter(engine).report(form, PERIOD, town, tmp_path / "025.xlsx")
    amounts = [h for h, why in report.blank if h.endswith("发放金额（元）")]
    assert amounts and all("不能换算" in why for h, why in report.blank if h in amounts)
    wb = openpyxl.load_workbook(report.path)
    ws = wb.active
    header = next(r for r in range(1, 10) if ws.cell(r, 6).value == "发放金额（元）")
    counts = {r: ws.cell(r, 5).value for r in range(header + 2, ws.max_row + 1) if isinstance(ws.cell(r, 5).value, int)}
    assert counts and all(ws.cell(r, 6).value is None for r in counts)
    for r, n in counts.items():
        ws.cell(r, 6).value = n * 300 + 7  # what the clerk pays out: never a number of people
    wb.save(tmp_path / "025_filled.xlsx")

    imported = import_file(engine, tmp_path / "025_filled.xlsx", period=PERIOD, org_unit=town, actor="clerk")
    assert imported.ok, imported.problems
    (warning,) = [w for w in imported.warnings if w.code == "form-column-other-quantity"]
    assert "发放金额（元）" in warning.message_zh and "“元”" in warning.message_zh and "“人”" in warning.message_zh
    paid = {n * 300 + 7 for n in counts.values()}
    stored = []
    with engine.connect() as conn:
        for ledger in ("area_social_assistance", "area_elderly_stats"):
            stored += [v for row in conn.exec_driver_sql(f"SELECT * FROM ledger_{ledger} WHERE _org_unit = '{town}'")
                       for v in row]
    assert set(counts.values()) - {0} <= set(stored) and not paid & set(stored)  # the counts, none of the amounts
    engine.dispose()


def test_a_yes_no_column_reads_and_writes_the_codes_it_answers(demo_db, tmp_path):
    """003 asks 是否到账 of each payment: the definition's answers make 是 the code 已发放 and 否 发放失败
    (未到账) — both ways: the report prints 是, a clerk's 否 is stored as that code (it was refused as no
    发放状态 before), and the next report prints 否 again."""
    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)
    engine = connect(db)
    store = LedgerStore(engine)
    form = get_form(engine, "003_城乡低保金发放花名册")
    assert form.field("是否到账").answers == {"是": "2", "否": "3"}
    village = _busiest_village(engine, store, form)  # the demo pays one household there this month
    report = Reporter(engine, reveal=True).report(form, PERIOD, village, tmp_path / "003.xlsx")
    wb = openpyxl.load_workbook(report.path)
    ws = wb.active
    at = next((r, c) for r in range(1, 10) for c in range(1, ws.max_column + 1) if ws.cell(r, c).value == "是否到账")
    column = at[1]
    answers = [ws.cell(r, column).value for r in range(at[0] + 1, ws.max_row + 1)
               if ws.cell(r, column).value not in (None, "")]
    assert answers and set(answers) == {"是"}
    row = next(r for r in range(at[0] + 1, ws.max_row + 1) if ws.cell(r, column).value == "是")
    ws.cell(row, column).value = "否"
    wb.save(tmp_path / "003_filled.xlsx")

    imported = import_file(engine, tmp_path / "003_filled.xlsx", period=PERIOD, org_unit=village, actor="clerk")
    assert imported.ok and not imported.problems, imported.problems
    table = store.definition_and_table("event_payment")[1]
    with engine.connect() as conn:
        failed = conn.execute(select(func.count()).where(table.c.payment_status == "3")).scalar_one()
    assert failed == 1
    again = Reporter(engine, reveal=True).report(form, PERIOD, village, tmp_path / "003_again.xlsx")
    ws = openpyxl.load_workbook(again.path).active
    assert sorted(ws.cell(r, column).value for r in range(at[0] + 1, ws.max_row + 1)
                  if ws.cell(r, column).value not in (None, "")) == sorted(["是"] * (len(answers) - 1) + ["否"])
    engine.dispose()


def test_an_answer_naming_no_code_is_a_definition_problem_said_once(demo_db, tmp_path):
    from sqlalchemy import update

    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)
    engine = connect(db)
    store = LedgerStore(engine)
    fd = get_form(engine, "003_城乡低保金发放花名册")
    fd.field("是否到账").answers = {"是": "2", "否": "9"}
    with engine.begin() as conn:
        conn.execute(update(schema.form).where(schema.form.c.id == fd.id).values(definition=fd.to_dict()))
    form = get_form(engine, fd.id)
    village = _busiest_village(engine, store, form)
    report = Reporter(engine, reveal=True).report(form, PERIOD, village, tmp_path / "003.xlsx")
    imported = import_file(engine, report.path, period=PERIOD, org_unit=village, actor="clerk")
    said = [p for p in [*imported.problems, *imported.warnings] if p.code == "form-answer-unknown-code"]
    assert len(said) == 1 and "是否到账" in said[0].message_zh and "“9”" in said[0].message_zh
    assert imported.rows_imported == report.rows  # the other columns are read, not that one
    table = store.definition_and_table("event_payment")[1]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).where(table.c.payment_status != "2")).scalar_one() == 0
    engine.dispose()
