"""Date functions give the same, correct answers inside SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from tests.expressions.conftest import PEOPLE, make_id
from yibiaotong.expressions import ExpressionError


def test_age_turns_on_the_birthday_itself(people):
    # 张三 was born 1944-11-30
    assert people.value("age(birth_date, date '2025-11-30')") == 81
    assert people.value("age(birth_date, date '2025-11-29')") == 80
    assert people.value("age(birth_date, '2025-12-01')") == 81  # a quoted ISO date is read as a date
    assert people.value("age(出生日期, :at)", {"at": date(2024, 11, 29)}) == 79


def test_age_of_someone_born_on_29_february(people):
    li = 1  # index of 李四, born 2000-02-29
    assert people.values("age(birth_date, date '2025-02-28')")[li] == 24  # common year: not yet on 28 Feb
    assert people.values("age(birth_date, date '2025-03-01')")[li] == 25  # ... but on 1 March
    assert people.values("age(birth_date, date '2024-02-28')")[li] == 23
    assert people.values("age(birth_date, date '2024-02-29')")[li] == 24  # leap year: on the day
    assert people.values("age(birth_date, date '2000-02-29')")[li] == 0


def test_age_defaults_to_today_which_a_parameter_can_fix(people):
    # TODAY in the fixture is 2025-11-30
    assert people.values("age(birth_date)") == [81, 25, 75, 35, 79]
    assert people.values("age(birth_date)", {"today": date(2025, 11, 29)})[0] == 80
    assert people.values("age(birth_date, today())") == [81, 25, 75, 35, 79]


def test_age_at_month_end(people):
    ages = people.values("age_at_month_end(birth_date, :period)", {"period": "2025-11"})
    assert ages == [81, 25, 75, 35, 79]
    assert people.values("age_at_month_end(birth_date, :period)", {"period": "2025-10"})[0] == 80
    # 孙七 (1945-12-31) turns 80 on the last day of December 2025
    assert people.values("age_at_month_end(birth_date, '2025-12')")[4] == 80
    assert people.values("age_at_month_end(birth_date, '2025-11')")[4] == 79
    # 李四 (29 Feb): the end of February 2025 is the 28th
    assert people.values("age_at_month_end(birth_date, '2025-02')")[1] == 24
    assert people.values("age_at_month_end(birth_date, '2024-02')")[1] == 24


def both(people, template: str, *dates: str):
    """The value with the dates as literals (folded in Python) and as values the database computes."""
    folded = people.value(template.format(*(f"date '{d}'" for d in dates)))
    in_sql = people.value(template.format(*(f"date(concat('{d}', ''))" for d in dates)))
    assert folded == in_sql, (template, dates, folded, in_sql)
    return folded


def test_months_between_counts_whole_months(people):
    cases = {
        ("2024-01-15", "2024-02-14"): 0,
        ("2024-01-15", "2024-02-15"): 1,
        ("2024-01-31", "2024-02-29"): 0,  # the 31st is not reached in February
        ("2024-01-31", "2024-03-31"): 2,
        ("2023-12-15", "2024-01-15"): 1,
        ("2020-02-29", "2025-02-28"): 59,
        ("2024-03-15", "2024-01-20"): -1,  # backwards: negative, whole months only
        ("2024-02-15", "2024-01-20"): 0,
        ("2024-05-01", "2024-05-01"): 0,
    }
    for (a, b), expected in cases.items():
        assert both(people, "months_between({}, {})", a, b) == expected, (a, b)
    assert people.values("months_between(birth_date, :today)")[:2] == [972, 309]
    # months as 'YYYY-MM' count from their first day
    assert people.value("months_between(:period, '2025-11')", {"period": "2024-11"}) == 12


def test_days_between_and_add_days(people):
    assert both(people, "days_between({}, {})", "2024-02-28", "2024-03-01") == 2
    assert both(people, "days_between({}, {})", "2025-02-28", "2025-03-01") == 1
    assert both(people, "days_between({}, {})", "2025-03-01", "2025-02-28") == -1
    assert people.values("days_between(birth_date, today())")[0] == (date(2025, 11, 30) - date(1944, 11, 30)).days
    assert both(people, "add_days({}, 2)", "2024-02-28") == date(2024, 3, 1)
    assert both(people, "add_days({}, -1)", "2024-03-01") == date(2024, 2, 29)


def test_add_months_clamps_to_the_end_of_the_month(people):
    assert both(people, "add_months({}, 1)", "2024-01-31") == date(2024, 2, 29)
    assert both(people, "add_months({}, 1)", "2023-01-31") == date(2023, 2, 28)
    assert both(people, "add_months({}, -1)", "2024-03-31") == date(2024, 2, 29)
    assert both(people, "add_months({}, 12)", "2024-05-15") == date(2025, 5, 15)
    assert both(people, "add_months({}, -17)", "2024-05-15") == date(2022, 12, 15)
    assert people.values("add_months(birth_date, 960)")[1] == date(2080, 2, 29)
    assert people.values("add_months(birth_date, -1)")[3:] == [date(1989, 12, 31), date(1945, 11, 30)]
    # on months
    assert people.value("add_months(:period, -1)", {"period": "2025-01"}) == "2024-12"
    assert people.value("add_months('2025-11', 3)") == "2026-02"
    assert both(people, "add_months(month_of({}), -13)", "2025-01-20") == "2023-12"


def test_period_start_end_and_month_parts(people):
    assert people.value("period_start(:period)", {"period": "2024-02"}) == date(2024, 2, 1)
    assert people.value("period_end(:period)", {"period": "2024-02"}) == date(2024, 2, 29)
    assert people.value("period_end(:period)", {"period": "2025-02"}) == date(2025, 2, 28)
    assert people.value("period_end('2025-12')") == date(2025, 12, 31)
    assert both(people, "period_end({})", "2025-04-10") == date(2025, 4, 30)
    assert both(people, "period_end(month_of({}))", "2024-02-10") == date(2024, 2, 29)
    assert both(people, "period_start(month_of({}))", "2024-12-31") == date(2024, 12, 1)
    assert both(people, "age({}, {})", "2000-02-29", "2025-02-28") == 24
    assert both(people, "age_at_month_end({}, month_of({}))", "1945-12-31", "2025-12-05") == 80
    assert people.values("month_of(birth_date)") == [b.strftime("%Y-%m") for _n, _g, b, *_ in PEOPLE]
    assert people.values("year(birth_date)") == [1944, 2000, 1950, 1990, 1945]
    assert people.values("month(birth_date)") == [11, 2, 6, 1, 12]
    assert people.values("day(birth_date)") == [30, 29, 15, 31, 31]
    assert people.value("year(:period) * 100 + month(:period)", {"period": "2025-07"}) == 202507


def test_period_selects_the_people_born_in_that_month(people):
    assert people.names_where("month_of(birth_date) = :period", {"period": "1950-06"}) == ["王五"]
    assert people.names_where("birth_date between period_start(:period) and period_end(:period)",
                              {"period": "2000-02"}) == ["李四"]
    # died before the end of the period: a rule such as "stop paying after death"
    assert people.names_where("died is not null and died <= period_end(:period)", {"period": "2024-03"}) == ["王五"]
    assert people.names_where("died <= period_end(:period)", {"period": "2024-02"}) == []


def test_date_from_text_gives_null_for_impossible_dates(people):
    assert people.value("date('2024-02-29')") == date(2024, 2, 29)
    assert people.values("date(concat('2023-02-', '29'))") == [None] * 5
    assert people.values("date(concat('2024-04-', '31'))") == [None] * 5
    assert people.values("date(concat('2024-13-', '01'))") == [None] * 5
    assert people.values("date(concat('not a ', 'date'))") == [None] * 5
    assert people.values("date(concat('2024-12-', '31'))") == [date(2024, 12, 31)] * 5
    with pytest.raises(ExpressionError) as err:  # a literal is checked at once
        people.value("date('2023-02-29')")
    assert err.value.problems[0].code == "invalid-date"


def test_birth_date_and_sex_from_real_id_numbers(people):
    births = [b for _n, _g, b, *_ in PEOPLE]
    assert people.values("id_birth_date(id_number)") == births
    assert people.values("id_sex(id_number)") == [g for _n, g, *_ in PEOPLE]
    assert people.values("id_sex(id_number) = gender") == [True] * 5
    assert people.values("age(id_birth_date(id_number), today()) = age(birth_date)") == [True] * 5
    # a woman's ID and a legacy 15-digit ID, as literals
    woman = make_id(date(1988, 8, 8), "128")
    assert people.value(f"id_birth_date('{woman}')") == date(1988, 8, 8)
    assert people.value(f"id_sex('{woman}')") == "2"
    assert people.value("id_birth_date('500118880808123')") == date(1988, 8, 8)
    assert people.value("id_sex('500118880808123')") == "1"


def test_impossible_id_numbers_give_null_not_errors(people):
    for bad in ("500118202302290011", "50011819991301001X", "5001181999X2010011", "abc", "", "5001181944113000"):
        assert people.value(f"id_birth_date('{bad}')") is None, bad
    assert people.value("id_sex('5001181944113000X1')") is None
    assert people.value("id_sex('123')") is None


def test_database_and_python_agree_on_many_dates(engine):
    """Folding computes in Python what the SQL computes in the database: compare them on many dates."""
    import itertools

    from sqlalchemy import Column, Date, Integer, MetaData, Table, select

    from yibiaotong.expressions import Scope, compile
    from yibiaotong.expressions.folding import FOLDERS

    days = [date(2000, 2, 29), date(2001, 2, 28), date(2003, 1, 31), date(2004, 3, 31), date(2023, 12, 31),
            date(2024, 1, 1), date(2024, 2, 29), date(2024, 4, 30), date(2024, 5, 15), date(1944, 11, 30)]
    table = Table("expr_dates", MetaData(), Column("id", Integer, primary_key=True, autoincrement=False),
                  Column("a", Date), Column("b", Date), Column("n", Integer))
    table.create(engine)
    rows = [{"id": i, "a": a, "b": b, "n": n}
            for i, ((a, b), n) in enumerate(zip(itertools.product(days, days), itertools.cycle([-25, -1, 0, 1, 13])))]
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)
    scope = Scope({"t": table})
    checks = {"add_months(a, n)": lambda r: FOLDERS["add_months"](r["a"], r["n"]),
              "add_days(a, n)": lambda r: FOLDERS["add_days"](r["a"], r["n"]),
              "months_between(a, b)": lambda r: FOLDERS["months_between"](r["a"], r["b"]),
              "days_between(a, b)": lambda r: FOLDERS["days_between"](r["a"], r["b"]),
              "age(a, b)": lambda r: FOLDERS["age"](r["a"], r["b"]),
              "age_at_month_end(a, month_of(b))": lambda r: FOLDERS["age_at_month_end"](r["a"], r["b"]),
              "period_end(month_of(a))": lambda r: FOLDERS["period_end"](r["a"]),
              "add_months(month_of(a), n)": lambda r: FOLDERS["add_months"](r["a"].strftime("%Y-%m"), r["n"])}
    for text, python in checks.items():
        compiled = compile(text, scope)
        with engine.connect() as conn:
            got = list(conn.execute(select(compiled.sql).order_by(table.c.id)).scalars())
        assert got == [python(r) for r in rows], text
