"""COPY text built a column at a time stores exactly what psycopg's write_row stores."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import text

from tests.conftest import postgres_schema
from yibiaotong.ledgers import copytext

pytestmark = pytest.mark.postgres

ROWS = [
    (True, 1, "张三", "a\tb\nc\rd\\e", date(2024, 1, 5), Decimal("120.00"), True, datetime(2026, 1, 1, 8, tzinfo=UTC), 2.5, 7),
    (1, 2, None, "", None, Decimal("-0.10"), False, None, None, None),
    (None, 3, "𠀀😀 \\N", "\\.", date(1900, 2, 28), None, None, datetime(2026, 11, 30, tzinfo=UTC), -0.0, 10**15),
    (1, 4, "张三", "plain", date(2024, 1, 5), Decimal("120.00"), True, datetime(2026, 1, 1, 8, tzinfo=UTC), 2.5, -3),
]
COLUMNS = "mixed text, n bigint, name text, note text, born date, amount numeric(20, 2), flag boolean, at timestamptz, x float8, k bigint"


def _stored(engine, table: str, write) -> list[tuple]:
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {table} ({COLUMNS})")
            with cursor.copy(f"COPY {table} FROM STDIN") as copy:
                write(copy, cursor)
        raw.commit()
    finally:
        raw.close()
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY n"))]


def test_column_wise_copy_text_stores_what_write_row_stores(monkeypatch):
    monkeypatch.setattr(copytext, "ROWS_PER_WRITE", 3)  # more than one batch
    with postgres_schema() as engine:
        expected = _stored(engine, "by_row", lambda copy, _cursor: [copy.write_row(r) for r in ROWS])
        ours = _stored(engine, "by_rows", lambda copy, cursor: copytext.write_rows(copy, cursor, iter(ROWS)))
        columns = [list(c) for c in zip(*ROWS)]
        by_column = _stored(engine, "by_column", lambda copy, cursor: copytext.write_columns(copy, cursor, columns))
    assert ours == expected and by_column == expected
    assert ours[0][3] == "a\tb\nc\rd\\e" and ours[2][2] == "𠀀😀 \\N" and ours[2][3] == "\\."
    assert [r[0] for r in ours] == ["t", "1", None, "1"]  # equal values of other types keep their own text


def test_a_text_with_nul_is_refused_as_psycopg_refuses_it():
    import psycopg

    row = (None, 1, "a\x00b", "", None, None, None, None, None, None)
    with postgres_schema() as engine, pytest.raises(psycopg.DataError):
        _stored(engine, "nul", lambda copy, cursor: copytext.write_rows(copy, cursor, [row]))
