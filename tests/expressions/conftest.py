"""A small people table on each database, and a helper that runs a compiled expression against it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Column, Date, Engine, Integer, MetaData, Numeric, String, Table, Text, func, select

from yibiaotong.elements.idnumber import checksum_char
from yibiaotong.expressions import Scope, compile

TOWN_A, TOWN_B = "500118103001", "500118116001"
TODAY = date(2025, 11, 30)


def make_id(birth: date, sequence: str, region: str = "500118") -> str:
    """A valid 18-character ID: region, birth date, 3-digit sequence (odd last digit = male), checksum."""
    body = region + birth.strftime("%Y%m%d") + sequence
    return body + checksum_char(body)


# (name, gender code, birth date, sequence, amount, level, died, org)
PEOPLE = [
    ("张三", "1", date(1944, 11, 30), "001", Decimal("100.50"), "1", None, TOWN_A),
    ("李四", "2", date(2000, 2, 29), "002", Decimal("200.00"), "2", None, TOWN_A),
    ("王五", "1", date(1950, 6, 15), "013", Decimal("300.25"), "1", date(2024, 3, 1), TOWN_B),
    ("赵六", "2", date(1990, 1, 31), "024", None, None, None, TOWN_B),
    ("孙七", "1", date(1945, 12, 31), "035", Decimal("50.00"), "3", None, TOWN_B),
]
ELEMENT_TYPES = {"id_number": "id_number", "person_name": "text", "gender": "code", "birth_date": "date",
                 "amount": "amount", "level": "code", "died": "date", "org": "code"}
LABELS = {"公民身份号码": "id_number", "姓名": "person_name", "性别": "gender", "出生日期": "birth_date",
          "补贴金额": "amount", "等级": "level", "死亡日期": "died", "所属组织": "org"}


@dataclass
class People:
    engine: Engine
    table: Table
    scope: Scope

    def values(self, text: str, params: dict[str, Any] | None = None) -> list[Any]:
        """The expression's value for every person, in the order of PEOPLE."""
        compiled = compile(text, self.scope, {"today": TODAY, **(params or {})})
        stmt = select(compiled.sql.label("v")).select_from(self.table).order_by(self.table.c.id)
        with self.engine.connect() as conn:
            return list(conn.execute(stmt).scalars())

    def value(self, text: str, params: dict[str, Any] | None = None) -> Any:
        """The value of an expression that does not depend on the row (evaluated on the first person)."""
        return self.values(text, params)[0]

    def total(self, text: str, params: dict[str, Any] | None = None) -> Any:
        """The value of an aggregate expression over the whole table."""
        compiled = compile(text, self.scope, {"today": TODAY, **(params or {})})
        assert compiled.is_aggregate
        with self.engine.connect() as conn:
            return conn.execute(select(compiled.sql).select_from(self.table)).scalar_one()

    def names_where(self, text: str, params: dict[str, Any] | None = None) -> list[str]:
        """The names of the people for whom the condition holds."""
        compiled = compile(text, self.scope, {"today": TODAY, **(params or {})}, expect="boolean",
                           allow_aggregates=False)
        stmt = select(self.table.c.person_name).where(compiled.sql).order_by(self.table.c.id)
        with self.engine.connect() as conn:
            return list(conn.execute(stmt).scalars())

    def count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(self.table)).scalar_one()


def people_table(metadata: MetaData, name: str = "expr_people") -> Table:
    return Table(
        name, metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("id_number", String(18)),
        Column("person_name", Text),
        Column("gender", String(64)),
        Column("birth_date", Date),
        Column("amount", Numeric(20, 2)),
        Column("level", String(64)),
        Column("died", Date, nullable=True),
        Column("org", String(32)),
    )


@pytest.fixture
def people(engine) -> People:
    table = people_table(MetaData())
    table.create(engine)
    rows = [{"id": i, "id_number": make_id(birth, seq), "person_name": name, "gender": gender, "birth_date": birth,
             "amount": amount, "level": level, "died": died, "org": org}
            for i, (name, gender, birth, seq, amount, level, died, org) in enumerate(PEOPLE, start=1)]
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)
    scope = Scope({"p": (table, ELEMENT_TYPES)}, default="p", labels=LABELS)
    return People(engine, table, scope)
