"""Eligibility checks: the pack's policies answer eligible / not eligible / unknown for a person or
a household, with every criterion's result, the data it used, and what is missing — on SQLite
and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.rules import world
from yibiaotong.errors import YbtError
from yibiaotong.rules import check, check_all
from yibiaotong.rules.policies import PolicyDef

P = world.PEOPLE
HOUSEHOLD_ID = world.HOUSEHOLD_ID


def test_the_pack_ships_the_policies_the_district_asked_for(shipped_policies):
    assert {"temporary_relief", "dibao", "tekun", "old_age_allowance", "disabled_living_subsidy",
            "disabled_nursing_subsidy"} <= set(shipped_policies)
    dibao = shipped_policies["dibao"]
    standards = {p.name: p for p in dibao.params}
    assert standards["urban_standard"].value == 760 and standards["rural_standard"].value == 620
    assert all(p.source for p in dibao.params)


def test_old_age_allowance_by_age_residence_and_death(engine_with_households):
    e = engine_with_households
    v = check(e, P["alive"].id, "old_age_allowance", as_of=world.AS_OF)
    assert v.answer == "eligible" and v.answer_zh == "符合" and [c.result for c in v.criteria] == ["met", "met"]
    assert check(e, P["t80"].id, "old_age_allowance", as_of=world.AS_OF).answer == "eligible"
    young = check(e, P["t80"].id, "old_age_allowance", as_of=date(2024, 6, 14))
    assert young.answer == "not_eligible" and "年满80周岁" in young.explanation
    dead = check(e, P["dead_ok"].id, "old_age_allowance", as_of=world.AS_OF)
    assert dead.answer == "not_eligible" and dead.criteria[0].result == "not_met"
    assert any(d["label"] == "死亡日期" and d["value"] == "2024-05-10" for d in dead.criteria[0].data)


def test_dibao_for_a_household_by_its_number_and_by_its_heads_id(engine_with_households):
    e = engine_with_households
    by_number = check(e, HOUSEHOLD_ID, "dibao", as_of=world.AS_OF)
    by_head = check(e, P["excl"].id, "dibao", as_of=world.AS_OF)
    assert by_number.answer == by_head.answer == "eligible"
    income = next(c for c in by_head.criteria if c.id == "income")
    assert any(d["label"] == "家庭月人均收入" and d["value"] == "400" for d in income.data)
    assert {p["name"]: p["value"] for p in income.params} == {"urban_standard": "760", "rural_standard": "620"}
    assert "400" in income.explanation and "农村低保标准 620元/人·月" in income.explanation
    rich = check(e, P["dup_ok"].id, "dibao", as_of=world.AS_OF)
    assert rich.answer == "not_eligible" and [c.id for c in rich.criteria if c.result == "not_met"] == ["income"]


def test_unknown_lists_what_is_missing(engine_with_households):
    e = engine_with_households
    # a household member who is not a head: the household's income cannot be found
    v = check(e, P["dup"].id, "temporary_relief", as_of=world.AS_OF)
    assert v.answer == "unknown"
    reason, income = v.criteria[1], v.criteria[2]
    assert reason.result == "met" and income.result == "unknown"
    assert income.missing == ["不知道户主身份证号，无法查找家庭收入台账"]
    assert v.missing == income.missing and "暂无法判断" in v.explanation
    # no application on record: the reason criterion cannot be decided, the income test still counts
    w = check(e, P["valid"].id, "temporary_relief", as_of=world.AS_OF)
    assert w.criteria[1].result == "unknown" and w.criteria[1].missing == ["临时救助申请台账中没有该对象的记录"]
    assert w.criteria[2].result == "met" and w.answer == "unknown"
    # a record that must be there is not: 特困 needs the legal supporters' ledger
    t = check(e, P["alive"].id, "tekun", as_of=world.AS_OF)
    supporter = next(c for c in t.criteria if c.id == "no_supporter")
    assert supporter.result == "unknown" and supporter.missing == ["法定赡养人台账中没有该对象的记录"]


def test_a_failed_criterion_decides_even_when_others_are_unknown(engine_with_households):
    v = check(engine_with_households, P["dup_ok"].id, "temporary_relief", as_of=world.AS_OF)
    assert [c.result for c in v.criteria] == ["met", "unknown", "not_met"] and v.answer == "not_eligible"


def test_the_two_disability_subsidies(engine_with_households):
    e = engine_with_households
    assert check(e, P["valid"].id, "disabled_nursing_subsidy", as_of=world.AS_OF).answer == "eligible"  # 智力二级
    assert check(e, P["valid"].id, "disabled_living_subsidy", as_of=world.AS_OF).answer == "eligible"  # 低保家庭
    expired = check(e, P["expired"].id, "disabled_nursing_subsidy", as_of=world.AS_OF)
    assert expired.answer == "not_eligible" and expired.criteria[1].result == "not_met"
    assert check(e, P["expired_ok"].id, "disabled_nursing_subsidy", as_of=date(2024, 5, 1)).answer == "not_eligible"
    none = check(e, P["alive"].id, "disabled_nursing_subsidy", as_of=world.AS_OF)
    assert none.answer == "unknown" and none.missing == ["残疾人信息台账中没有该对象的记录"]


def test_every_policy_at_once_and_masked(engine_with_households, shipped_policies):
    verdicts = check_all(engine_with_households, P["excl"].id, as_of=world.AS_OF)
    assert {v.policy for v in verdicts} == set(shipped_policies)
    text = json.dumps([v.to_dict() for v in verdicts], ensure_ascii=False)
    assert P["excl"].id not in text and P["excl"].id[:6] + "********" + P["excl"].id[-4:] in text


def test_a_ledger_the_database_lacks_makes_its_criteria_unknown(engine_with_households):
    policy = PolicyDef.from_dict({
        "id": "vaccinated", "title": "疫苗接种奖励", "records": {
            "person": {"ledger": "person_identity", "match": "person.id_number = :id_number"},
            "shot": {"holding": ["vaccine_batch_number"], "match": "shot.id_number = :id_number"}},
        "criteria": [{"id": "adult", "title": "成年", "condition": "age(person.birth_date, :as_of) >= 18"},
                     {"id": "shot", "title": "已接种", "condition": "shot.vaccine_batch_number is not null"}]})
    v = check(engine_with_households, P["alive"].id, "vaccinated", as_of=world.AS_OF, policies=[policy])
    assert [c.result for c in v.criteria] == ["met", "unknown"] and v.answer == "unknown"
    assert "本系统没有可用的台账" in v.missing[0] and "vaccine_batch_number" in v.missing[0]


def test_unknown_subjects_and_policies_are_problems(engine_with_households):
    e = engine_with_households
    with pytest.raises(YbtError) as err:
        check(e, world.pid(date(1999, 1, 1), "123"), "dibao")
    assert err.value.problems[0].code == "subject-not-found" and "1999" not in err.value.problems[0].message_zh
    with pytest.raises(YbtError) as err:
        check(e, "no-such-household", "dibao")
    assert err.value.problems[0].code == "subject-not-found"
    with pytest.raises(YbtError) as err:
        check(e, P["alive"].id, "free_lunch")
    assert err.value.problems[0].code == "policy-not-found"


def test_an_unsafe_policy_is_refused():
    with pytest.raises(YbtError) as err:
        PolicyDef.from_dict({"id": "bad", "title": "坏政策",
                             "records": {"p": {"ledger": "person_identity", "match": "p.id_number = :id_number"}},
                             "criteria": [{"id": "x", "title": "x", "condition": "p.id_number in (select 1)"}]})
    assert err.value.problems[0].code == "expression-not-allowed"
    assert err.value.problems[0].location["field"] == "criteria.x"
