"""Operators, conditions, text and number functions, parameters and names, run on both databases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.expressions.conftest import TOWN_A, TOWN_B
from yibiaotong.expressions import ExpressionError, compile_filter


def dec(values):
    """Decimals rounded to cents (SQLite computes amounts as floats), None kept."""
    return [None if v is None else Decimal(v).quantize(Decimal("0.01")) for v in values]


def test_arithmetic_and_exact_division(people):
    assert dec(people.values("amount * 2 + 1")) == dec(["202.00", "401.00", "601.50", None, "101.00"])
    assert people.value("7 / 2") == Decimal("3.5")  # never integer division
    assert people.value("7 % 3") == 1
    assert people.value("-(2 - 5) * 4") == 12
    assert dec(people.values("round(amount / 3, 2)")) == dec(["33.50", "66.67", "100.08", None, "16.67"])
    assert people.value("round(2.5)") == 3
    assert people.value("abs(-4)") == 4
    # dividing by zero gives null on both databases (PostgreSQL alone would raise)
    assert people.value("1 / 0") is None
    assert people.value("5 % 0") is None
    assert people.values("amount / (amount - amount)") == [None] * 5


def test_comparisons_in_between_and_null(people):
    assert people.names_where("level = '1'") == ["张三", "王五"]
    assert people.names_where("level <> '1'") == ["李四", "孙七"]  # null is neither
    assert people.names_where("level in ('2', '3')") == ["李四", "孙七"]
    assert people.names_where("level not in ('2', '3')") == ["张三", "王五"]
    assert people.names_where("amount between 100 and 200") == ["张三", "李四"]
    assert people.names_where("amount not between 100 and 200") == ["王五", "孙七"]
    assert people.names_where("amount is null") == ["赵六"]
    assert people.names_where("not (amount is not null)") == ["赵六"]
    assert people.names_where("birth_date < date '1946-01-01' and died is null") == ["张三", "孙七"]
    assert people.names_where("birth_date >= '1990-01-31' or level = '3'") == ["李四", "赵六", "孙七"]
    assert people.names_where("coalesce(amount, 0) < 60") == ["赵六", "孙七"]


def test_case_if_and_coalesce(people):
    assert people.values("case when level = '1' then '一级' when level = '2' then '二级' else '其他' end") == [
        "一级", "二级", "一级", "其他", "其他"]
    assert people.values("case level when '1' then 100 when '3' then 30 end") == [100, None, 100, None, 30]
    assert people.values("if(died is null, '在世', '已故')") == ["在世", "在世", "已故", "在世", "在世"]
    assert people.values("coalesce(died, date '2099-12-31')")[2:4] == [date(2024, 3, 1), date(2099, 12, 31)]
    assert dec(people.values("coalesce(amount, 0)")) == dec(["100.50", "200.00", "300.25", "0", "50.00"])
    assert people.values("if(age(birth_date) >= 80, if(level = '1', 300, 200), 0)") == [300, 0, 0, 0, 0]


def test_text_functions(people):
    assert people.values("length(id_number)") == [18] * 5
    assert people.values("substr(id_number, 1, 6)") == ["500118"] * 5
    assert people.values("substr(org, 10)") == ["001", "001", "001", "001", "001"]
    assert people.value("upper('abc')") == "ABC"
    assert people.value("lower('ABC')") == "abc"
    assert people.value("trim('  x  ')") == "x"
    assert people.values("concat(person_name, '-', amount)") == [
        "张三-100.50", "李四-200.00", "王五-300.25", "赵六-", "孙七-50.00"]
    assert people.values("concat(姓名, '（', age(出生日期), '岁）')")[0] == "张三（81岁）"
    assert people.values("concat(person_name, ' ', birth_date)")[1] == "李四 2000-02-29"
    assert people.names_where("starts_with(person_name, '张')") == ["张三"]
    assert people.names_where("contains(person_name, '六')") == ["赵六"]
    assert people.names_where("starts_with(org, :town)", {"town": TOWN_B[:9]}) == ["王五", "赵六", "孙七"]


def test_like_is_case_sensitive_and_wildcards_work_on_both(people):
    assert people.names_where("person_name like '张%'") == ["张三"]
    assert people.names_where("person_name like '_四'") == ["李四"]
    assert people.names_where("person_name not like '%三%'") == ["李四", "王五", "赵六", "孙七"]
    assert people.value("'ABC' like 'a%'") is False  # SQLite's own LIKE would say yes
    assert people.value("'ABC' like 'A_C'") is True
    assert people.value("'a*c' like 'a*%'") is True  # GLOB characters in the pattern are plain text
    assert people.value("'abc' like 'a*%'") is False
    assert people.value("'a[b]' like 'a[b]'") is True
    assert people.value("'a\\b' like 'a\\b'") is True  # a backslash is plain text on both
    assert people.value("'ab' like 'a\\%'") is False


def test_parameters_are_bound_values(people):
    assert people.names_where("org = :org_unit", {"org_unit": TOWN_A}) == ["张三", "李四"]
    assert people.names_where("amount > :limit", {"limit": Decimal("150")}) == ["李四", "王五"]
    assert people.names_where("level = :level", {"level": "'1' or 1=1"}) == []  # a value, never SQL
    assert people.names_where("birth_date > :since", {"since": "1990-01-01"}) == ["李四", "赵六"]
    with pytest.raises(ExpressionError) as err:
        people.values("org = :org_unit")
    assert err.value.problems[0].code == "unknown-parameter"
    assert err.value.problems[0].location == {"expression": "org = :org_unit", "position": 6}
    with pytest.raises(ExpressionError) as err:
        people.values("month_of(birth_date) = :period", {"period": "2025-13"})
    assert err.value.problems[0].code == "invalid-month"


def test_names_labels_and_quoting(people):
    # a Chinese label, bare or quoted, means the same column as its name
    assert people.names_where("age(出生日期) >= 80") == ["张三"]
    assert people.names_where('"出生日期" < date \'1946-01-01\'') == ["张三", "孙七"]
    assert people.names_where("p.level = '1' and 等级 = '1'") == ["张三", "王五"]
    assert people.names_where("LEVEL = '3'") == ["孙七"]  # bare names fold case like SQL
    # full-width brackets, comparison signs and commas typed with a Chinese input method
    assert people.names_where("age（出生日期，date '2025-11-29'）＞＝80") == ["张三"]
    assert people.names_where("age(“出生日期”) >= 75 and 性别 = ‘1’") == ["张三", "王五", "孙七"]
    assert people.names_where("person_name in ('张三（一）', '李四')") == ["李四"]  # quoted text is kept as is


def test_booleans_as_values(people):
    assert people.values("amount > 150") == [False, True, True, None, False]
    assert people.values("true and not false") == [True] * 5
    assert people.total("count_if(amount > 150) > 1") is True
    assert people.total("count_if(amount > 150) > 2") is False


def test_a_filter_refuses_aggregates_and_non_conditions(people):
    with pytest.raises(ExpressionError) as err:
        compile_filter("sum(amount) > 100", people.scope)
    assert [p.code for p in err.value.problems] == ["aggregate-not-allowed"]
    assert err.value.problems[0].params["function"] == "sum"
    with pytest.raises(ExpressionError) as err:
        compile_filter("amount + 1", people.scope)
    assert [p.code for p in err.value.problems] == ["expression-type-error"]
    assert "需要是/否" in err.value.problems[0].message_zh
    assert compile_filter("amount > 1", people.scope).type == "boolean"
