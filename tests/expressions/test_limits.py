"""Every expression the compiler accepts runs; the ones that would not are refused before they run.

SQLite's parser has a small stack (about 100 entries in 3.40), and functions repeat their arguments in
SQL, so nesting is limited by the compiler. These families nest each construct deeper and deeper:
each accepted step must run on the database (in SELECT and inside a WHERE with another condition),
and every family must be refused at some depth with `expression-too-complex`.
"""

from __future__ import annotations

import pytest
from sqlalchemy import and_, select

from yibiaotong.expressions import ExpressionError, compile

FAMILIES = {
    "add_months": lambda n: "add_months(" * n + "birth_date" + ", 1)" * n,
    "add_months on months": lambda n: "add_months(" * n + "'2024-01'" + ", 1)" * n,
    "case in then": lambda n: "case when amount > 1 then " * n + "1" + " end" * n,
    "case in else": lambda n: "case when amount > 1 then 1 else " * n + "1" + " end" * n,
    "if": lambda n: "if(amount > 1, " * n + "1" + ", 2)" * n,
    "if in condition": lambda n: "if(" * n + "amount > 0" + ", 1, 2) > 0" * n,
    "abs": lambda n: "abs(" * n + "amount" + ")" * n,
    "coalesce second": lambda n: "coalesce(1, " * n + "amount" + ")" * n,
    "concat second": lambda n: "concat('a', " * n + "person_name" + ")" * n,
    "age of add_days": lambda n: "age(" + "add_days(" * n + "birth_date" + ", 1)" * n + ")",
    "division": lambda n: "amount / (" * n + "amount" + ")" * n,
    "brackets right": lambda n: "1 + (" * n + "amount" + ")" * n,
    "months_between": lambda n: "add_months(birth_date, months_between(birth_date, " * n + "birth_date" + "))" * n,
    "period_start of month_of": lambda n: "period_start(month_of(" * n + "birth_date" + "))" * n,
    "id_birth_date of trim": lambda n: "age(id_birth_date(" + "trim(" * n + "id_number" + ")" * n + "))",
    "in": lambda n: "if(amount in (1, 2), " * n + "1" + ", 2)" * n,
    "not": lambda n: "not (" * n + "amount > 1" + ")" * n,
}


@pytest.mark.slow
def test_accepted_expressions_run_and_deeper_ones_are_refused(people):
    refused_at = {}
    for name, make in FAMILIES.items():
        for n in range(1, 60):
            try:
                compiled = compile(make(n), people.scope)
            except ExpressionError as err:
                assert [p.code for p in err.problems][-1] == "expression-too-complex", (name, n)
                refused_at[name] = n
                break
            value = compiled.sql
            condition = value.is_not(None) if compiled.type != "boolean" else value
            stmt = select(value).select_from(people.table).where(and_(people.table.c.org != "x", condition))
            with people.engine.connect() as conn:
                conn.execute(stmt).all()  # must not raise (e.g. "parser stack overflow")
    assert set(refused_at) == set(FAMILIES)
    assert min(refused_at.values()) >= 2  # and still deep enough for real rules
