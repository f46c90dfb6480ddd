"""Expressions over a real ledger table, with columns known by their elements' Chinese names."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.expressions.conftest import make_id
from tests.ledgers import conftest as ledger_fixtures
from yibiaotong.expressions import Scope, compile, compile_filter
from yibiaotong.ledgers.tables import ledger_table

dictionary = ledger_fixtures.dictionary  # the fixtures of tests/ledgers, reused here
store = ledger_fixtures.store


def test_a_rule_over_a_ledger_in_the_clerks_words(store, dictionary):
    old_woman = make_id(date(1944, 11, 30), "002")
    young_man = make_id(date(1990, 5, 1), "011")
    store.upsert("disabled_person", [
        {"id_number": old_woman, "person_name": "张桂芳", "gender": "女", "birth_date": "1944年11月30日",
         "disability_level": "二级", "living_allowance_amount": "120"},
        {"id_number": young_man, "person_name": "李明", "gender": "男", "birth_date": "1990-05-01",
         "disability_level": "一级", "living_allowance_amount": "80"},
    ], org_unit=ledger_fixtures.VILLAGE)
    definition = store.ledger("disabled_person")
    table = ledger_table(definition, dictionary)
    scope = Scope.for_ledger(definition, table, dictionary)

    rule = compile_filter("age(出生日期) >= 80 and 性别 = '2' and id_sex(公民身份号码) = 性别", scope,
                          {"today": date(2025, 11, 30)})
    amount = compile("sum(生活补贴金额)", scope)
    assert amount.type == "decimal" and rule.type == "boolean"
    with store.engine.connect() as conn:
        assert list(conn.execute(select(table.c.person_name).where(rule.sql)).scalars()) == ["张桂芳"]
        assert conn.execute(select(amount.sql)).scalar_one() == 200
        under_town = compile_filter("starts_with(_org_unit, :town)", scope, {"town": ledger_fixtures.TOWN[:9]})
        assert set(conn.execute(select(table.c.person_name).where(under_town.sql)).scalars()) == {"张桂芳", "李明"}
