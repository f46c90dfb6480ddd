"""Aggregates (indicator tables): grouped by an expression, on both databases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import MetaData, select

from tests.expressions.conftest import TODAY, TOWN_A, TOWN_B, people_table
from yibiaotong.expressions import ExpressionError, Scope, compile, parse


def cents(value):
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def grouped(people, key: str, measures: dict[str, str], params=None) -> dict:
    """{key value: {measure: value}} from SELECT key, measures... GROUP BY key."""
    params = {"today": TODAY, **(params or {})}
    k = compile(key, people.scope, params)
    compiled = {name: compile(text, people.scope, params) for name, text in measures.items()}
    assert not k.is_aggregate and all(c.is_aggregate for c in compiled.values())
    stmt = select(k.sql.label("k"), *(c.sql.label(n) for n, c in compiled.items())).group_by(k.sql).order_by(k.sql)
    with people.engine.connect() as conn:
        return {row.k: {n: getattr(row, n) for n in compiled} for row in conn.execute(stmt)}


def test_indicator_table_by_org(people):
    table = grouped(people, "org", {
        "people": "count(*)",
        "with_amount": "count(amount)",
        "total": "sum(amount)",
        "alive_total": "sum_if(amount, died is null)",
        "over_80": "count_if(age(birth_date) >= 80)",
        "women": "count_if(id_sex(id_number) = '2')",
        "levels": "count_distinct(level)",
        "levels2": "count(distinct level)",
        "oldest": "min(birth_date)",
        "youngest": "max(birth_date)",
        "average": "avg(amount)",
    })
    assert list(table) == [TOWN_A, TOWN_B]
    a, b = table[TOWN_A], table[TOWN_B]
    assert (a["people"], a["with_amount"], a["over_80"], a["women"], a["levels"], a["levels2"]) == (2, 2, 1, 1, 2, 2)
    assert (b["people"], b["with_amount"], b["over_80"], b["women"], b["levels"], b["levels2"]) == (3, 2, 0, 1, 2, 2)
    assert cents(a["total"]) == Decimal("300.50") and cents(b["total"]) == Decimal("350.25")
    assert cents(b["alive_total"]) == Decimal("50.00")  # 王五 died
    assert (a["oldest"], a["youngest"]) == (date(1944, 11, 30), date(2000, 2, 29))
    assert (b["oldest"], b["youngest"]) == (date(1945, 12, 31), date(1990, 1, 31))
    assert a["average"] == Decimal("150.25") and b["average"] == Decimal("175.125")


def test_group_by_a_derived_value(people):
    table = grouped(people, "case when age(birth_date) >= 80 then '80岁以上' when age(birth_date) >= 60 "
                            "then '60-79岁' else '60岁以下' end", {"n": "count(*)", "amount": "sum(amount)"})
    assert {k: v["n"] for k, v in table.items()} == {"80岁以上": 1, "60-79岁": 2, "60岁以下": 2}
    assert cents(table["60岁以下"]["amount"]) == Decimal("200.00")
    by_sex = grouped(people, "id_sex(id_number)", {"n": "count(*)"})
    assert {k: v["n"] for k, v in by_sex.items()} == {"1": 3, "2": 2}
    by_prefix = grouped(people, "substr(org, 1, 9)", {"n": "count(*)", "big": "count_if(amount > :limit)"},
                        {"limit": 100})
    assert by_prefix == {TOWN_A[:9]: {"n": 2, "big": 2}, TOWN_B[:9]: {"n": 3, "big": 1}}


def test_aggregates_over_no_rows_and_arithmetic_on_aggregates(people):
    scope = people.scope
    empty = select(compile("count(*)", scope).sql, compile("sum(amount)", scope).sql,
                   compile("count_if(amount > 0)", scope).sql).select_from(people.table).where(
        compile("level = 'none'", scope).sql)
    with people.engine.connect() as conn:
        assert tuple(conn.execute(empty).one()) == (0, None, 0)
    assert cents(people.total("sum(amount) / count(*)")) == Decimal("130.15")  # 650.75 / 5
    assert people.total("count_if(level = '1') * 100 / count(*)") == Decimal(40)
    assert people.total("coalesce(sum_if(amount, level = 'x'), 0)") == 0
    assert people.total("max(age(birth_date))") == 81
    assert people.total("sum(year(birth_date))") == 1944 + 2000 + 1950 + 1990 + 1945


def test_aggregate_marking(people):
    assert parse("count(*) > 1").is_aggregate is True
    assert parse("sum_if(amount, level = '1')").aggregates == ("sum_if",)
    assert parse("age(birth_date) > 1").is_aggregate is False
    assert compile("count_if(died is null)", people.scope).is_aggregate is True
    with pytest.raises(ExpressionError) as err:
        compile("sum(count(*))", people.scope)
    assert err.value.problems[0].code == "aggregate-not-allowed"
    with pytest.raises(ExpressionError) as err:
        compile("sum(person_name)", people.scope)
    assert err.value.problems[0].code == "expression-type-error"
    with pytest.raises(ExpressionError) as err:
        compile("sum(distinct amount)", people.scope)
    assert err.value.problems[0].code == "expression-not-allowed"


def test_two_tables_joined_with_aliases(people):
    households = people_table(MetaData(), "expr_households")
    households.create(people.engine)
    with people.engine.begin() as conn:
        conn.execute(households.insert(), [
            {"id": 1, "person_name": "张三家", "org": TOWN_A, "amount": Decimal("10.00")},
            {"id": 2, "person_name": "王五家", "org": TOWN_B, "amount": Decimal("30.00")},
        ])
    scope = Scope({"p": people.table, "h": households}, default="p", labels={"户名": "h.person_name"})
    on = compile("p.org = h.org", scope)
    total = compile("p.amount + h.amount", scope)
    label = compile("concat(person_name, '/', 户名)", scope)
    stmt = (select(label.sql, total.sql).select_from(people.table.join(households, on.sql))
            .where(compile("p.amount is not null", scope).sql).order_by(people.table.c.id))
    with people.engine.connect() as conn:
        rows = [(name, cents(v)) for name, v in conn.execute(stmt)]
    assert rows == [("张三/张三家", Decimal("110.50")), ("李四/张三家", Decimal("210.00")),
                    ("王五/王五家", Decimal("330.25")), ("孙七/王五家", Decimal("80.00"))]
