"""Eligibility checks run for a limited user read only what that user may read: a town's records, a
department's granted ledgers and columns. A criterion that needs more is unknown (无权查看所需数据，
结果未知), and nothing out of scope shows — not a value, not whether a record exists there. An
administrator's check answers as the operator's."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.rules import world
from yibiaotong.access.grants import set_grant
from yibiaotong.access.scope import Scope
from yibiaotong.access.users import User
from yibiaotong.errors import YbtError
from yibiaotong.rules import check, check_all

P = world.PEOPLE


def _reader(store, role: str, unit: str, department: str | None = None):
    user = User(f"test_{role}", f"测试{role}", role, unit, department)
    return Scope.of(store.engine, user).reader(store)


def _text(verdict) -> str:
    return json.dumps(verdict.to_dict(), ensure_ascii=False, default=str)


def test_a_town_user_sees_no_record_kept_in_another_town(store, engine_with_households):
    engine = engine_with_households
    alive = P["alive"]  # kept in a village of 临江镇 (world.TOWN)
    town = _reader(store, "town", world.TOWN)
    before = check(engine, alive.id, "disabled_nursing_subsidy", as_of=world.AS_OF, reader=town)
    # the person also has a disability record, kept by the other town's community
    certificate = alive.id + "41"
    store.upsert("person_disability", [
        {"_org_unit": world.C1, "id_number": alive.id, "person_name": "测试alive", "disability_category": "4",
         "disability_level": "1", "disability_cert_number": certificate, "disability_cert_valid_until": date(2031, 7, 9),
         "disability_cert_status": "1"}])
    admin = check(engine, alive.id, "disabled_nursing_subsidy", as_of=world.AS_OF)
    assert admin.answer == "eligible"  # the operator reads it

    v = check(engine, alive.id, "disabled_nursing_subsidy", as_of=world.AS_OF, reader=town)
    assert v.answer == "unknown"
    resident, cert, severity = v.criteria
    assert resident.result == "met" and not resident.restricted  # the hukou record is the town's own
    for c in (cert, severity):
        assert c.result == "unknown" and c.restricted
        assert c.missing == ["您权限范围内的残疾人信息台账中没有该对象的记录，范围外的数据无权查看，结果未知"]
        assert all(d["value"] is None and d["record"] is None for d in c.data)
    text = _text(v)
    assert "2031-07-09" not in text and certificate[-6:] not in text
    # the same answer, word for word, as before the record existed: its existence is not told
    assert v.to_dict() == before.to_dict()

    # a person kept only in the other town is not found, exactly like a person nobody knows
    with pytest.raises(YbtError) as elsewhere:
        check(engine, P["moved_ok"].id, "old_age_allowance", as_of=world.AS_OF, reader=town)
    with pytest.raises(YbtError) as nowhere:
        check(engine, world.pid(date(1950, 1, 1), "991"), "old_age_allowance", as_of=world.AS_OF, reader=town)
    assert elsewhere.value.problems[0].code == nowhere.value.problems[0].code == "subject-not-found"


def test_no_record_in_the_users_units_is_not_taken_for_none_of_it(store, engine_with_households):
    """An optional ledger (no 特困 record = not 特困) proves nothing when only some units can be seen."""
    engine = engine_with_households
    assert check(engine, P["dup_ok"].id, "dibao", as_of=world.AS_OF).criteria[2].result == "met"
    v = check(engine, P["dup_ok"].id, "dibao", as_of=world.AS_OF, reader=_reader(store, "village", world.V1))
    not_tekun = v.criteria[2]
    assert not_tekun.result == "unknown" and not_tekun.restricted
    assert not_tekun.missing == ["您权限范围内的社会救助对象台账中没有该对象的记录，范围外的数据无权查看，结果未知"]
    assert v.answer == "not_eligible"  # the income test, on the village's own records, still decides
    # a record in the user's units is read as usual
    excl = check(engine, P["excl"].id, "dibao", as_of=world.AS_OF, reader=_reader(store, "village", world.V2))
    assert excl.answer == "eligible" and not any(c.restricted for c in excl.criteria)


def test_a_department_reads_only_the_ledgers_and_columns_granted_to_it(store, engine_with_households):
    engine = engine_with_households
    alive = P["alive"]
    set_grant(engine, "民政局", "person_identity", columns=["id_number", "person_name", "birth_date"])
    minzheng = _reader(store, "department", world.DISTRICT, "民政局")
    v = check(engine, alive.id, "old_age_allowance", as_of=world.AS_OF, reader=minzheng)
    resident, age = v.criteria
    assert resident.result == "unknown" and resident.restricted  # no grant on the hukou ledger
    assert resident.missing == ["无权查看所需数据（户籍状态台账），结果未知"]
    assert all(d["hidden"] and d["value"] is None for d in resident.data)
    assert v.records["hukou"] == {"ledger": "person_hukou", "ledger_name": "户籍状态台账", "record": None,
                                  "missing": "无权查看所需数据（户籍状态台账），结果未知", "hidden": True}
    assert age.result == "met" and not age.restricted
    shown = {d["label"]: d["value"] for d in age.data}
    assert shown == {"公民身份号码": alive.id[:6] + "********" + alive.id[-4:], "出生日期": "1938-05-05"}
    assert v.answer == "unknown" and "无权查看所需数据" in v.explanation
    assert alive.id not in _text(v)

    # without the birth date's column the age criterion is not computed either
    set_grant(engine, "民政局", "person_identity", columns=["id_number", "person_name"])
    v = check(engine, alive.id, "old_age_allowance", as_of=world.AS_OF, reader=_reader(store, "department",
                                                                                         world.DISTRICT, "民政局"))
    age = v.criteria[1]
    assert age.result == "unknown" and age.restricted
    assert age.missing == ["无权查看所需数据（人口基础信息台账的“出生日期”），结果未知"]
    assert {d["label"]: d["hidden"] for d in age.data} == {"公民身份号码": False, "出生日期": True}
    assert "1938-05-05" not in _text(v)

    # a department with no grant at all cannot find whom the check is about
    with pytest.raises(YbtError) as err:
        check(engine, alive.id, "old_age_allowance", as_of=world.AS_OF,
              reader=_reader(store, "department", world.DISTRICT, "残联"))
    assert err.value.problems[0].code == "subject-not-found"

    # granted what the policy reads, it answers as the operator does
    set_grant(engine, "民政局", "person_identity")
    set_grant(engine, "民政局", "person_hukou")
    full = check(engine, alive.id, "old_age_allowance", as_of=world.AS_OF,
                 reader=_reader(store, "department", world.DISTRICT, "民政局"))
    assert full.answer == "eligible" and not any(c.restricted for c in full.criteria)


def test_an_administrators_check_answers_as_the_operators(store, engine_with_households):
    admin = _reader(store, "admin", world.DISTRICT)
    for person in P.values():
        try:
            operator = check_all(engine_with_households, person.id, as_of=world.AS_OF)
        except YbtError:
            continue
        mine = check_all(engine_with_households, person.id, as_of=world.AS_OF, reader=admin)
        assert [(v.answer, [(c.result, c.missing, c.restricted) for c in v.criteria]) for v in mine] == \
            [(v.answer, [(c.result, c.missing, c.restricted) for c in v.criteria]) for v in operator], person.name
        # values the record pages mask (a disability level) are masked for the administrator too
        levels = [d["value"] for v in mine for c in v.criteria for d in c.data if d["element"] == "disability_level"]
        assert all(value in (None, "***") for value in levels)
