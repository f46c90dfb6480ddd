"""A small district built the way a deployment is: templates rendered by the project's writer,
consolidated into a pack, the pack installed, records upserted into the ledgers it proposed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from yibiaotong.consolidate import run
from yibiaotong.consolidate.export import write_pack
from yibiaotong.elements.idnumber import checksum_char
from yibiaotong.forms import render_template
from yibiaotong.forms.definition import FormDef
from yibiaotong.ledgers import LedgerDef, LedgerStore
from yibiaotong.setup import install_pack

DISTRICT, TOWN, VILLAGE, VILLAGE2, OTHER_TOWN, OTHER_VILLAGE = (
    "500118000000", "500118103000", "500118103001", "500118103002", "500118116000", "500118116001")
ORG_CSV = f"""code,name,level,parent_code,kind
{DISTRICT},永川区,1,,district
{TOWN},临江镇,2,{DISTRICT},town
{VILLAGE},红星村,3,{TOWN},village
{VILLAGE2},黄瓜山村,3,{TOWN},village
{OTHER_TOWN},朱沱镇,2,{DISTRICT},town
{OTHER_VILLAGE},汉东村,3,{OTHER_TOWN},village
"""
ROSTER = "残疾人补贴花名册"
INDICATOR = "残疾人统计表"
RECORD = "残疾人登记表"
FAMILY = "困难家庭救助申请表"  # a one-record form with a sub-table of the household's members
FAMILY_COLUMNS = ["家庭成员情况/姓名", "家庭成员情况/与户主关系", "家庭成员情况/身份证号码", "家庭成员情况/出生日期"]
FORMULA_ADDRESS = '=HYPERLINK("http://x","点我")'


def id_number(born: date, seq: int) -> str:
    first17 = f"500118{born:%Y%m%d}{seq:03d}"
    return first17 + checksum_char(first17)


@dataclass
class Person:
    name: str
    gender: str
    born: date
    seq: int
    village: str
    phone: str
    address: str
    category: str | None = None  # disability category code
    level: str | None = None
    registered: str = ""  # 户籍地址: the people registered at one address are one household
    relation: str = "02"  # 与户主关系 (GB/T 4761): 02 户主, 20 子, 12 妻 …

    @property
    def id(self) -> str:
        return id_number(self.born, self.seq)


PEOPLE = [
    Person("张三", "1", date(1950, 3, 1), 11, VILLAGE, "13812345678", FORMULA_ADDRESS, "4", "2",
           registered="红星村2组8号"),
    Person("李四", "2", date(1990, 7, 15), 22, VILLAGE2, "023-49871234", "黄瓜山村3组", "1", "1",
           registered="黄瓜山村3组1号"),
    Person("王芳", "2", date(1980, 1, 31), 32, OTHER_VILLAGE, "13900001111", "汉东村1组", "5", "3",
           registered="汉东村1组5号"),
    Person("赵六", "1", date(1975, 5, 5), 41, VILLAGE, "13700002222", "红星村2组", registered="红星村2组8号",
           relation="20"),  # no disability; 张三's son, one household with him
    Person("赵小妹", "2", date(2010, 9, 9), 52, VILLAGE, "", "红星村2组", registered="红星村2组8号",
           relation="42"),  # 张三's granddaughter (hence three members, one more than the form's rows)
]
# (person index, month, type, amount): 张三 got two payments in January and one in December
PAYMENTS = [(0, "2024-01", "生活补贴", Decimal("100.50")), (0, "2024-01", "护理补贴", Decimal("50.00")),
            (0, "2023-12", "生活补贴", Decimal("99.00")), (1, "2024-01", "生活补贴", Decimal("200.00"))]


@dataclass
class District:
    engine: object
    store: LedgerStore
    pack: Path
    tmp: Path

    def form(self, form_id: str) -> FormDef:
        return FormDef.load(self.pack / "forms" / f"{form_id}.yaml")

    def import_into_fresh(self, path: Path, form: str, org_unit: str):
        """A new database with the same pack and no records, and ``path`` imported into it."""
        from yibiaotong.ingest import import_file
        from yibiaotong.store.engine import connect
        from yibiaotong.store.migrate import upgrade

        fresh = connect(self.tmp / f"fresh-{len(list(self.tmp.glob('fresh-*.db')))}.db")
        upgrade(fresh)
        install_pack(fresh, self.pack)
        imported = import_file(fresh, path, form=form, period="2024-01", org_unit=org_unit)
        assert imported.ok, [p.message_zh for p in imported.problems]
        return fresh


def build_pack(pack: Path) -> None:
    (pack / "forms").mkdir(parents=True)
    (pack / "pack.yaml").write_text("id: district\nname: 测试区\ndepends_on: [standard]\n", encoding="utf-8")
    (pack / "orgunits.csv").write_text(ORG_CSV, encoding="utf-8")
    render_template({"title": "永川区残疾人两项补贴发放花名册", "layout": "roster",
                     "columns": ["镇（街道）", "村（社区）", "姓名", "性别", "身份证号码", "出生日期", "年龄", "联系电话",
                                 "家庭住址", "残疾类别", "残疾等级", "补贴发放/发放金额（元）", "补贴发放/发放金额（万元）",
                                 "备注"],
                     "options": {"serial": True, "total_row": "bottom", "number_row": True, "footer": True,
                                 "unit_line": True, "data_rows": 4}},
                    pack / "forms" / f"{ROSTER}.xlsx")
    render_template({"title": "残疾人基本情况统计表", "layout": "indicator",
                     "columns": ["持证残疾人数", "持证残疾人数/其中：女性", "发放金额合计（元）", "康复服务人次"],
                     "options": {"value_columns": ["人数"], "serial": True, "unit_line": True}},
                    pack / "forms" / f"{INDICATOR}.xlsx")
    render_template({"title": "残疾人登记表", "layout": "record",
                     "columns": ["姓名", "性别", "身份证号码", "出生日期", "联系电话", "残疾类别", "残疾等级"]},
                    pack / "forms" / f"{RECORD}.xlsx")
    render_template({"title": FAMILY, "layout": "record",
                     "columns": ["申请人姓名", "身份证号码", "户籍地址", *FAMILY_COLUMNS, "村委会意见"],
                     "options": {"subtables": {"家庭成员情况": FAMILY_COLUMNS}, "subtable_rows": 2, "pairs": 2}},
                    pack / "forms" / f"{FAMILY}.xlsx")
    write_pack(run([pack / "forms"], pack=str(pack)), pack)
    # what a person edits by hand: amounts come from the payment ledger (this month's payments);
    # the indicator table counts people and reads the statistics ledger
    roster = FormDef.load(pack / "forms" / f"{ROSTER}.yaml")
    for f in roster.fields:
        if f.header.startswith("补贴发放/"):
            f.ledger, f.column, f.element = "event_payment", "paid_amount", "paid_amount"
    roster.save()
    indicator = FormDef.load(pack / "forms" / f"{INDICATOR}.yaml")
    indicator.field("持证残疾人数").aggregate = "count(*)"
    indicator.field("持证残疾人数").ledger = "person_disability"
    indicator.field("持证残疾人数/其中：女性").aggregate = "count_if(person_identity.gender = '2')"
    indicator.field("持证残疾人数/其中：女性").ledger = "person_disability"
    indicator.save()
    (pack / "ledgers" / "event_payment.yaml").write_text(
        "id: event_payment\nname: 补贴发放台账\nsubject: event\nkey: [id_number, payment_month, payment_type]\n"
        "columns: [id_number, payment_month, payment_type, person_name, paid_amount]\n", encoding="utf-8")


@pytest.fixture(scope="session")
def district_pack(tmp_path_factory) -> Path:
    """The pack is consolidated once per test session (consolidation takes a few seconds)."""
    pack = tmp_path_factory.mktemp("district") / "district"
    build_pack(pack)
    return pack


@pytest.fixture
def district(engine, district_pack, tmp_path) -> District:
    install_pack(engine, district_pack)
    store = LedgerStore(engine)
    fill(store)
    return District(engine, store, district_pack, tmp_path)


def fill(store: LedgerStore) -> None:
    ledgers = {d.id: d for d in store.ledgers()}
    values = []
    for p in PEOPLE:
        values.append({"id_number": p.id, "person_name": p.name, "gender": p.gender, "birth_date": p.born,
                       "phone": p.phone or None, "address_current": p.address, "disability_category": p.category,
                       "disability_level": p.level, "address_household_registration": p.registered,
                       "_org_unit": p.village})
    for ledger_id in ("person_identity", "person_contact", "person_address", "person_disability"):
        columns = set(ledgers[ledger_id].column_names)
        rows = [{k: v for k, v in row.items() if k in columns or k == "_org_unit"} for row in values
                if ledger_id != "person_disability" or row["disability_category"]]
        store.upsert(ledger_id, rows)
    store.upsert("person_family_member", [
        {"family_member_id_number": p.id, "family_member_name": p.name, "family_member_birth_date": p.born,
         "relation_to_head": p.relation, "_org_unit": p.village} for p in PEOPLE])
    store.upsert("event_payment", [
        {"id_number": PEOPLE[i].id, "person_name": PEOPLE[i].name, "payment_month": month, "payment_type": kind,
         "paid_amount": amount, "_org_unit": PEOPLE[i].village} for i, month, kind, amount in PAYMENTS])
    stats = ledgers["area_disability"]
    amount_column = next(c for c in stats.column_names if c.startswith("x_fa_fang"))
    store.upsert("area_disability", [
        {"stat_month": "2024-01", amount_column: "1000.5", "_org_unit": VILLAGE},
        {"stat_month": "2024-01", amount_column: "2000", "_org_unit": VILLAGE2},
        {"stat_month": "2023-12", amount_column: "7", "_org_unit": VILLAGE},
        {"stat_month": "2024-01", amount_column: "300", "_org_unit": OTHER_VILLAGE}])


def ledger_def(store: LedgerStore, ledger_id: str) -> LedgerDef:
    return store.ledger(ledger_id)
