"""Rule definitions: unsafe or malformed rules are refused with clear, located problems; aliases
bind to ledgers robustly (named, by the elements they hold, renamed columns, optional columns);
the indexes the rules need are derived from them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import inspect

from tests.rules import world
from yibiaotong.errors import YbtError
from yibiaotong.ledgers import ColumnDef, LedgerDef
from yibiaotong.rules import ensure_rule_indexes, run_rules
from yibiaotong.rules.binding import Catalog
from yibiaotong.rules.compile import compile_rule
from yibiaotong.rules.definitions import RuleDef
from yibiaotong.rules.run import evaluate

BASE = {"id": "probe", "title": "试验规则", "department": "民政局", "severity": "low",
        "ledgers": {"p": "person_hukou"}, "evidence": {"姓名": "p.person_name"}}


def refused(**changes) -> list:
    with pytest.raises(YbtError) as err:
        RuleDef.from_dict({**BASE, **changes}, "packs/x/rules/probe.yaml")
    return err.value.problems


@pytest.mark.parametrize("where, construct", [
    ("p.death_date is not null; drop table ybt_alert", "分号"),
    ("p.id_number in (select name from ybt_user)", "子查询"),
    ("exists (select 1 from ybt_user)", "子查询"),
    ("pg_sleep(10) is null", "pg_sleep"),
    ("p.death_date is not null -- 注释", "注释"),
    ("load_extension('x') is null", "load_extension"),
])
def test_an_unsafe_expression_is_refused_with_where_it_is(where, construct):
    problems = refused(where=where)
    assert problems and all(p.code == "expression-not-allowed" for p in problems)
    assert construct in " ".join(p.message_zh + p.hint_zh for p in problems)
    p = problems[0]
    assert p.location["rule"] == "probe" and p.location["field"] == "where"
    assert p.location["file"].endswith("probe.yaml") and p.location["expression"] == where


def test_malformed_rules_list_every_problem():
    problems = refused(title="", severity="urgent", ledgers={"P x": "person_hukou"}, extra=1,
                       explain="{0.__class__}{姓名}", missing={"q": "q.id_number = p.id_number"})
    reasons = " ".join(p.message_zh for p in problems)
    assert {p.code for p in problems} == {"rule-invalid"}
    for word in ("title", "severity", "别名“P x”", "extra", "{0.__class__}", "“q”没有在 ledgers 中定义"):
        assert word in reasons, word


def test_a_name_outside_the_rules_ledgers_is_unknown_not_read(store):
    rule = RuleDef.from_dict({**BASE, "where": "ybt_user.password_hash is not null"})
    with pytest.raises(YbtError) as err:
        compile_rule(rule, Catalog(store.ledgers(), store.dictionary), as_of=world.AS_OF)
    assert [p.code for p in err.value.problems] == ["unknown-name"]
    assert err.value.problems[0].location["rule"] == "probe"


def test_a_misplaced_alias_is_reported_not_cross_joined(store):
    rule = RuleDef.from_dict({**BASE, "ledgers": {"p": "person_hukou", "pay": "event_payment"},
                              "where": "pay.payment_month = :period", "missing": {"pay": "pay.id_number = p.id_number"}})
    with pytest.raises(YbtError) as err:
        compile_rule(rule, Catalog(store.ledgers(), store.dictionary), as_of=world.AS_OF)
    assert err.value.problems[0].code == "unknown-name" and err.value.problems[0].location["field"] == "where"


def test_exists_and_missing_compile_to_correlated_subqueries(store):
    """Residents paid this month, and residents never paid at all."""
    catalog = Catalog(store.ledgers(), store.dictionary)
    paid = RuleDef.from_dict({**BASE, "ledgers": {"p": "person_hukou", "pay": {"holding": ["payment_month"]}},
                              "exists": {"pay": "pay.id_number = p.id_number and pay.payment_month = :period"}})
    findings, outcome = evaluate(store.engine, paid, catalog, as_of=world.AS_OF)
    assert outcome.ledgers == {"p": "person_hukou", "pay": "event_payment"}
    ids = {p.id: k for k, p in world.PEOPLE.items()}
    assert {ids[f.key[0]] for f in findings} == {"alive", "moved_paid", "cancelled_dead", "t80_paid", "valid",
                                                  "expired_other"}
    never = RuleDef.from_dict({**BASE, "ledgers": {"p": "person_hukou", "pay": {"holding": ["payment_month"]}},
                               "where": "p.death_date is null",
                               "missing": {"pay": "pay.id_number = p.id_number"}})
    findings, _ = evaluate(store.engine, never, catalog, as_of=world.AS_OF)
    assert "t80" in {ids[f.key[0]] for f in findings} and "alive" not in {ids[f.key[0]] for f in findings}


def test_an_alias_binds_to_the_ledger_holding_its_elements_when_the_named_one_is_missing(store):
    rule = RuleDef.from_dict({**BASE, "ledgers": {"p": {"ledger": ["hukou_of_yongchuan"], "holding": ["id_number"]}},
                              "where": "p.death_date < date '2024-04-01'"})
    findings, outcome = evaluate(store.engine, rule, Catalog(store.ledgers(), store.dictionary), as_of=world.AS_OF)
    assert outcome.ledgers == {"p": "person_hukou"}
    assert {f.key[0] for f in findings} == {world.PEOPLE["dead_paid"].id, world.PEOPLE["soon_dead"].id}


def test_a_ledger_with_renamed_columns_is_read_by_element(store):
    store.create_ledger(LedgerDef("death_register", "死亡登记台账", "person", ("sfzh",), (
        ColumnDef("id_number", "sfzh"), ColumnDef("person_name", "xm"), ColumnDef("death_date", "swrq"))))
    store.upsert("death_register", [{"sfzh": world.PEOPLE["dead_paid"].id, "xm": "测试", "swrq": "2024-03-06",
                                     "_org_unit": world.V1}])
    rule = RuleDef.from_dict({**BASE, "ledgers": {"d": "death_register", "pay": "event_payment"}, "from": "d",
                              "join": {"pay": "pay.id_number = d.id_number and pay.payment_month > month_of(d.death_date)"},
                              "evidence": {"姓名": "d.person_name", "月份": "pay.payment_month"}})
    catalog = Catalog(store.ledgers(), store.dictionary)
    findings, outcome = evaluate(store.engine, rule, catalog, as_of=world.AS_OF)
    assert not outcome.problems and [f.key[0] for f in findings] == [world.PEOPLE["dead_paid"].id]
    assert findings[0].evidence["fields"]["月份"] == "2024-04、2024-05"
    lookups = compile_rule(rule, catalog, as_of=world.AS_OF).lookups
    assert [(x.ledger_id, x.columns) for x in lookups] == [("event_payment", ("id_number", "payment_month"))]


def test_an_optional_element_the_ledger_lacks_reads_as_empty(store):
    store.create_ledger(LedgerDef.from_dict({"id": "hukou_lite", "name": "简易户籍台账", "subject": "person",
                                             "key": ["id_number"], "columns": ["id_number", "person_name", "death_date"]}))
    rule = RuleDef.from_dict({**BASE, "ledgers": {"p": {"ledger": "hukou_lite", "optional": ["hukou_status"]}},
                              "where": "p.death_date is null and coalesce(p.hukou_status, '1') = '1'"})
    compiled = compile_rule(rule, Catalog(store.ledgers(), store.dictionary), as_of=world.AS_OF)
    assert compiled.ledgers == {"p": "hukou_lite"} and compiled.absent == {"p": ["hukou_status"]}


def test_a_rule_that_cannot_bind_is_skipped_with_its_reason_and_the_others_run(store, shipped_rules):
    ghost = RuleDef.from_dict({**BASE, "id": "ghost", "ledgers": {"v": {"holding": ["vaccine_batch_number"]}},
                               "evidence": {"批号": "v.vaccine_batch_number"}})
    result = run_rules(store.engine, rules=[ghost, shipped_rules["id_sex_mismatch"]], as_of=world.AS_OF,
                       dictionary=store.dictionary)
    summary = result.to_dict()
    assert summary["rules"] == 2 and summary["rules_failed"] == 1 and summary["counts"] == {"ghost": 0, "id_sex_mismatch": 1}
    problem = result.outcomes[0].problems[0]
    assert problem.code == "rule-ledger-not-found" and "vaccine_batch_number（接种批号）" in problem.message_zh


def test_the_indexes_the_rules_need_are_created_once(store, shipped_rules):
    created = ensure_rule_indexes(store.engine, list(shipped_rules.values()))
    assert created and ensure_rule_indexes(store.engine, list(shipped_rules.values())) == []
    indexed = {tuple(ix["column_names"]) for ix in inspect(store.engine).get_indexes("ledger_event_payment")}
    assert ("id_number", "payment_month", "payment_type") in indexed
    hukou = {tuple(ix["column_names"]) for ix in inspect(store.engine).get_indexes("ledger_person_hukou")}
    assert ("id_number",) in hukou
    planting = {tuple(ix["column_names"]) for ix in inspect(store.engine).get_indexes("ledger_land_planting")}
    assert any(cols[0] == "land_parcel_code" for cols in planting)
    # and the rules still find the same with them
    findings, _ = evaluate(store.engine, shipped_rules["turning_80_without_allowance"],
                           Catalog(store.ledgers(), store.dictionary), as_of=date(2024, 6, 30))
    assert {f.key[0] for f in findings} == world.EXPECTED["turning_80_without_allowance"]


def test_a_rule_may_name_columns_by_their_chinese_element_names(store):
    rule = RuleDef.from_dict({**BASE, "ledgers": {"p": {"holding": ["death_date"]}},
                              "where": "p.死亡日期 < date '2024-04-01' and p.户籍状态 = '3'",
                              "evidence": {"姓名": "p.姓名", "死亡": "p.死亡日期"}})
    findings, outcome = evaluate(store.engine, rule, Catalog(store.ledgers(), store.dictionary), as_of=world.AS_OF)
    assert outcome.ledgers == {"p": "person_hukou"}
    by_key = {f.key[0]: f for f in findings}
    assert set(by_key) == {world.PEOPLE["dead_paid"].id, world.PEOPLE["soon_dead"].id}
    assert by_key[world.PEOPLE["dead_paid"].id].evidence["fields"] == {"姓名": "测试dead_paid", "死亡": "2024-03-06"}
