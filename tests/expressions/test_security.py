"""Hostile or broken expressions are refused with a clear problem and never reach the database."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import inspect

from yibiaotong.expressions import ExpressionError, compile, parse

ATTACKS = [
    # (text, problem code, a word the Chinese message must contain)
    ("1; drop table expr_people", "expression-not-allowed", "分号"),
    ("amount > 1; delete from expr_people", "expression-not-allowed", "分号"),
    ("drop table expr_people", "expression-not-allowed", "语句"),
    ("(select 1)", "expression-not-allowed", "子查询"),
    ("amount in (select amount from expr_people)", "expression-not-allowed", "子查询"),
    ("exists (select 1)", "expression-not-allowed", "子查询"),
    ("select * from sqlite_master", "expression-not-allowed", "select"),
    ("sqlite_master", "unknown-name", "sqlite_master"),
    ("sqlite_master.name = 'x'", "unknown-name", "sqlite_master"),
    ("pg_catalog.pg_tables.tablename = 'x'", "expression-not-allowed", "多段名称"),
    ("pg_sleep(10)", "expression-not-allowed", "pg_sleep"),
    ("amount > 0 or pg_sleep(10) is null", "expression-not-allowed", "pg_sleep"),
    ("load_extension('x')", "expression-not-allowed", "load_extension"),
    ("current_setting('is_superuser')", "expression-not-allowed", "current_setting"),
    ("readfile('/etc/passwd')", "expression-not-allowed", "readfile"),
    ("no_such_function(amount)", "expression-not-allowed", "no_such_function"),
    ("cast(amount as text)", "expression-not-allowed", "类型转换"),
    ("amount::text", "expression-not-allowed", "类型转换"),
    ("amount -- comment\n > 1", "expression-not-allowed", "注释"),
    ("amount /* ; drop table x */ > 1", "expression-not-allowed", "注释"),
    ("amount > $1", "expression-not-allowed", "$1"),
    ("amount > ?", "expression-not-allowed", "?"),
    ("person_name || 'x'", "expression-not-allowed", "||"),
    ("sum(amount) over ()", "expression-not-allowed", "窗口"),
    ("person_name ~ '.*'", "expression-not-allowed", "正则"),
    ("'abc", "expression-syntax-error", "引号"),
    ("age(birth_date", "expression-syntax-error", "括号"),
]


@pytest.mark.parametrize(("text", "code", "word"), ATTACKS, ids=[a[0][:30] for a in ATTACKS])
def test_attacks_are_refused_before_anything_runs(text, code, word):
    with pytest.raises(ExpressionError) as err:
        parse(text) if code != "unknown-name" else _compile_offline(text)
    problem = err.value.problems[0]
    assert problem.code == code
    assert word in problem.message_zh + problem.hint_zh
    assert problem.location["expression"] == text
    assert problem.to_dict()["message"]  # renders for the web UI


def _compile_offline(text):
    from sqlalchemy import MetaData

    from tests.expressions.conftest import ELEMENT_TYPES, people_table
    from yibiaotong.expressions import Scope

    return compile(text, Scope({"p": (people_table(MetaData()), ELEMENT_TYPES)}))


def test_nothing_is_executed_and_the_table_survives(people):
    started = time.monotonic()
    for text, _code, _word in ATTACKS:
        with pytest.raises(ExpressionError):
            people.values(text)
    assert time.monotonic() - started < 5  # pg_sleep(10) never ran
    assert people.count() == 5
    assert inspect(people.engine).has_table("expr_people")


def test_values_that_look_like_sql_stay_values(people):
    assert people.names_where("person_name = 'x''; drop table expr_people; --'") == []
    assert people.names_where("person_name = :name", {"name": "张三' or '1'='1"}) == []
    assert people.names_where("person_name = '张三'") == ["张三"]
    assert people.count() == 5


def test_unknown_function_suggests_close_names():
    with pytest.raises(ExpressionError) as err:
        parse("age(birth_date) + months_betwen(birth_date, today())")
    problem = err.value.problems[0]
    assert problem.code == "expression-not-allowed"
    assert "months_between" in problem.hint_zh
    assert problem.location["position"] == 18


def test_every_problem_of_an_expression_is_reported_at_once():
    with pytest.raises(ExpressionError) as err:
        parse("pg_sleep(1) + load_extension('x') + (select 1)")
    assert len(err.value.problems) == 3
    assert {p.params["construct_en"] for p in err.value.problems} == {
        "function pg_sleep()", "function load_extension()", "a subquery / SELECT"}
