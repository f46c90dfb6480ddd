"""Parsing, names, types and limits, checked without a database."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import MetaData

from tests.expressions.conftest import ELEMENT_TYPES, LABELS, people_table
from yibiaotong.errors import CATALOG
from yibiaotong.expressions import FUNCTIONS, ExpressionError, Scope, compile, parse
from yibiaotong.expressions.dialects import MAX_SQL_SIZE, MAX_SQLITE_NESTING, expanded_shape
from yibiaotong.expressions.parser import MAX_LENGTH, MAX_NESTING

SCOPE = Scope({"p": (people_table(MetaData()), ELEMENT_TYPES)}, labels=LABELS)


def problems(text, params=None, **kw):
    with pytest.raises(ExpressionError) as err:
        compile(text, SCOPE, params or {}, **kw)
    return err.value.problems


def test_parse_reports_names_functions_parameters():
    expr = parse("if(age(出生日期, :today) >= 80 and p.died is null, sum_if(amount, level = :level), 0)")
    assert expr.names == {"出生日期", "p.died", "amount", "level"}
    assert expr.functions == {"if", "age", "sum_if"}
    assert expr.parameters == {"today", "level"}
    assert expr.is_aggregate is True
    assert expr.text.startswith("if(age(")


def test_cjk_names_are_tokenized_bare_or_quoted():
    assert parse("年龄>=80").names == {"年龄"}
    assert parse('"出生日期" < date \'2000-01-01\'').names == {"出生日期"}
    assert parse("p.残疾等级 = '1'").names == {"p.残疾等级"}


def test_every_function_is_documented_for_the_ui():
    expected = {"coalesce", "if", "abs", "round", "length", "substr", "upper", "lower", "trim", "concat", "today",
                "date", "year", "month", "day", "month_of", "add_months", "months_between", "days_between", "age",
                "age_at_month_end", "id_birth_date", "id_sex", "starts_with", "contains", "period_start",
                "period_end", "count", "count_distinct", "sum", "avg", "min", "max", "count_if", "sum_if"}
    assert expected <= set(FUNCTIONS)
    for name, spec in FUNCTIONS.items():
        assert spec.name == name and spec.usage.startswith(name + "(") and spec.zh and spec.en, name
        assert spec.to_dict()["description"] == spec.zh
    assert {n for n, s in FUNCTIONS.items() if s.aggregate} == {
        "count", "count_distinct", "sum", "avg", "min", "max", "count_if", "sum_if"}


def test_result_types():
    types = {text: compile(text, SCOPE, {"period": "2025-01", "n": 3}).type for text in (
        "person_name", "amount + 1", "1 + 2", "7 / 2", "birth_date", "month_of(birth_date)", ":period",
        "age(birth_date) >= 80", "id_birth_date(id_number)", "count(*)", "sum(amount)", "avg(:n)",
        "if(died is null, 1, 2.5)", "coalesce(died, '2024-01-01')", "null")}
    assert types == {
        "person_name": "text", "amount + 1": "decimal", "1 + 2": "integer", "7 / 2": "decimal", "birth_date": "date",
        "month_of(birth_date)": "month", ":period": "month", "age(birth_date) >= 80": "boolean",
        "id_birth_date(id_number)": "date", "count(*)": "integer", "sum(amount)": "decimal", "avg(:n)": "decimal",
        "if(died is null, 1, 2.5)": "decimal", "coalesce(died, '2024-01-01')": "date", "null": "text"}


def test_type_errors_are_explained_in_chinese():
    [p] = problems("age(person_name) > 80")
    assert p.code == "expression-type-error"
    assert p.message_zh == "表达式类型不符：函数 age 的第1个参数应为日期，而person_name是文字"
    assert p.location == {"expression": "age(person_name) > 80", "position": 4}
    [p] = problems("birth_date > 5")
    assert "不能比较日期“birth_date”和整数“5”" in p.message_zh and "age(出生日期)" in p.hint_zh
    [p] = problems("gender = 1")
    assert "加单引号" in p.hint_zh
    [p] = problems("died = null")
    assert "is null" in p.hint_zh
    [p] = problems("amount and level = '1'")
    assert "条件" in p.message_zh
    [p] = problems("if(died is null, 1, '已故')")
    assert "类型不一致" in p.message_zh
    [p] = problems("person_name + 1")
    assert "concat" in p.hint_zh
    [p] = problems("birth_date + 1")
    assert "add_days" in p.hint_zh
    [p] = problems("amount % 2")
    assert "整数" in p.message_zh
    [p] = problems("upper(amount)")
    assert p.message_zh.endswith("而amount是数值")
    [p] = problems("date '2024-02-30'")
    assert p.code == "invalid-date" and p.location["position"] == 5
    [p] = problems("age()")
    assert p.code == "expression-arguments" and "age(出生日期[, 截止日期])" in p.hint_zh


def test_unknown_names_suggest_columns_and_labels():
    [p] = problems("brith_date is null")
    assert p.code == "unknown-name" and p.params["suggestions"][0] == "birth_date"
    assert p.message_zh == "不认识的名称“brith_date”，是不是“birth_date”？"
    [p] = problems("age(出生) > 80")
    assert p.params["suggestions"][0] == "出生日期" and p.location["position"] == 4
    [p] = problems("x.amount > 1")
    assert p.code == "unknown-name" and p.params["name"] == "x.amount"
    [p] = problems("性别 = 男")  # the classic mistake: a value without quotes
    assert p.code == "unknown-name" and "单引号" in p.hint_zh
    several = problems("aaa + bbb > ccc")
    assert [q.params["name"] for q in several] == ["aaa", "bbb", "ccc"]


def test_ambiguous_names_across_tables():
    md = MetaData()
    scope = Scope({"a": people_table(md, "ta"), "b": people_table(md, "tb")})
    with pytest.raises(ExpressionError) as err:
        compile("amount > 1", scope)
    assert err.value.problems[0].code == "ambiguous-name"
    assert compile("a.amount > b.amount", scope).type == "boolean"


def test_filters_and_expected_types():
    [p] = problems("count(*) > 1", allow_aggregates=False)
    assert p.code == "aggregate-not-allowed" and p.params["function"] == "count"
    [p] = problems("person_name", expect="boolean")
    assert p.code == "expression-type-error"
    assert compile("amount", SCOPE, expect="decimal").type == "decimal"


def test_syntax_errors_point_at_the_place():
    [p] = problems("amount >")
    assert p.code == "expression-syntax-error" and p.location["position"] == 7
    [p] = problems("age(出生日期) >= 80岁")
    assert p.code == "expression-not-allowed" and "岁" in p.hint_zh
    [p] = problems("   ")
    assert p.code == "expression-syntax-error" and "空" in p.message_zh


def test_long_and_deeply_nested_expressions_are_refused():
    [p] = problems(" + ".join(["amount"] * 1000))
    assert p.code == "expression-too-complex" and str(MAX_LENGTH) in p.message_zh
    [p] = problems("(" * 200 + "amount" + ")" * 200)
    assert p.code == "expression-too-complex" and "括号" in p.message_zh
    [p] = problems("abs(" * (MAX_NESTING + 1) + "amount" + ")" * (MAX_NESTING + 1))
    assert p.code == "expression-too-complex"
    [p] = problems("+".join(["1"] * 100))
    assert p.code == "expression-too-complex"
    [p] = problems("not " * 500 + "true")
    assert p.code == "expression-too-complex"
    # short text, huge SQL: each add_months repeats its argument
    [p] = problems("add_months(" * 8 + "birth_date" + ", 1)" * 8)
    assert p.code == "expression-too-complex" and "函数" in p.message_zh


def test_realistic_rules_stay_well_inside_the_limits():
    params = {"period": "2025-01", "today": "2025-01-31"}
    for text in (
        "if(age_at_month_end(id_birth_date(id_number), :period) >= 80 and died is null, "
        "if(level = '1', 300, 200), 0)",
        "case when months_between(coalesce(died, period_start(:period)), period_end(:period)) >= 6 then '长期' "
        "when months_between(birth_date, :today) between 1 and 5 then '中期' else '短期' end",
        "count_if(age(id_birth_date(id_number), period_end(add_months(:period, -1))) >= 60 "
        "and id_sex(id_number) = '2')",
        "concat(person_name, '（', if(id_sex(id_number) = '1', '男', '女'), '，', age(id_birth_date(id_number)), '岁）')",
    ):
        sql = compile(text, SCOPE, params).sql
        size, nesting = expanded_shape(sql, "sqlite")
        assert size < MAX_SQL_SIZE / 5 and expanded_shape(sql, "postgresql")[0] < MAX_SQL_SIZE / 5
        assert nesting < MAX_SQLITE_NESTING * 0.9, text


def test_problem_codes_are_catalogued():
    for code in ("expression-syntax-error", "expression-not-allowed", "expression-too-complex", "unknown-name",
                 "ambiguous-name", "unknown-parameter", "expression-arguments", "expression-type-error",
                 "aggregate-not-allowed"):
        assert CATALOG[code].zh and CATALOG[code].en and CATALOG[code].hint_zh


def test_values_known_at_compile_time_are_folded_into_one_bound_value():
    folded = compile("period_end(add_months(:period, -1))", SCOPE, {"period": "2025-03"})
    assert folded.type == "date" and expanded_shape(folded.sql, "sqlite")[0] <= 3
    assert folded.sql.compile().params == {"param_1": date(2025, 2, 28)}
    per_row = compile("period_end(add_months(month_of(birth_date), -1))", SCOPE)
    assert expanded_shape(per_row.sql, "sqlite")[0] > 20  # computed by the database, row by row
