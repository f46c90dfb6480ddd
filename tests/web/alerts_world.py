"""Alerts in the small permission world (tests/access/world.py): three rules, addressed to three
departments, run once through the rules library; every record of each ledger raises one alert.

- 民政局 (writes person_disability): one alert per person_disability record, with the birth date of
  person_identity (a column not granted to 民政局) and the certificate number (masked: ***);
- 农业农村委 (only reads land_planting): one alert per parcel;
- 大数据局 (no user of it in the world): one alert per person_identity record, with the phone.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.access.world import SCOPES, UNITS, World
from yibiaotong.rules import RuleDef, run_rules

AS_OF = date(2024, 6, 30)
RULES = [
    {"id": "test_disability_check", "title": "一级残疾人待核实", "department": "民政局", "severity": "high",
     "ledgers": {"d": {"ledger": "person_disability"}, "p": {"ledger": "person_identity"}},
     "join": {"p": "p.id_number = d.id_number"}, "where": "d.disability_level = '1'",
     "evidence": {"姓名": "d.person_name", "身份证号": "d.id_number", "残疾证号": "d.disability_cert_number",
                  "出生日期": "p.birth_date"},
     "explain": "{姓名}（{身份证号}，{出生日期}出生）为一级残疾，残疾证号{残疾证号}，请核实。", "action": "村（社区）上门核实"},
    {"id": "test_rice_parcel", "title": "水稻地块待核查", "department": "农业农村委", "severity": "low",
     "ledgers": {"l": {"ledger": "land_planting"}}, "where": "l.crop_name = '水稻'",
     "evidence": {"地块": "l.land_parcel_code", "作物": "l.crop_name"},
     "explain": "地块{地块}种植{作物}，请核查面积。", "action": "核查种植面积"},
    {"id": "test_phone_on_file", "title": "联系电话待确认", "department": "大数据局", "severity": "medium",
     "ledgers": {"p": {"ledger": "person_identity"}}, "where": "p.phone is not null",
     "evidence": {"姓名": "p.person_name", "电话": "p.phone"},
     "explain": "{姓名}的联系电话{电话}待确认。"},
]
PER_UNIT = 3  # build_world's default: three records per ledger in every unit
DEPARTMENT_RULES = {"民政局": "test_disability_check", "农业农村委": "test_rice_parcel"}


def plant_alerts(world: World) -> None:
    run_rules(world.engine, rules=[RuleDef.from_dict(d) for d in RULES], as_of=AS_OF, actor="tests")


def expected_count(user: str, rule_id: str | None = None) -> int:
    """How many alerts the world's user sees (optionally of one rule)."""
    rules = [r["id"] for r in RULES if rule_id in (None, r["id"])]
    department = {"minzheng": "民政局", "nongye": "农业农村委"}.get(user)
    if department:
        rules = [r for r in rules if r == DEPARTMENT_RULES[department]]
    units = SCOPES.get(user, {u.code for u in UNITS})
    return len(rules) * len(units) * PER_UNIT


def severe_policy_pack(folder: Path) -> Path:
    """A pack (on top of the standard one) with one policy reading person_disability: 重度残疾核查, met
    when the disability level is 一级. Point YBT_PACK at it for the record pages' checks."""
    pack = folder / "policies_pack"
    (pack / "policies").mkdir(parents=True)
    (pack / "pack.yaml").write_text("id: policies_pack\ndepends_on: [standard]\n", encoding="utf-8")
    (pack / "policies" / "severe.yaml").write_text(
        "id: severe_test\ntitle: 重度残疾核查\ndepartment: 残联\nsubject: person\n"
        "records:\n  d: {ledger: person_disability, match: \"d.id_number = :id_number\"}\n"
        "criteria:\n  - id: level\n    title: 残疾等级为一级\n    condition: \"d.disability_level = '1'\"\n",
        encoding="utf-8")
    return pack
