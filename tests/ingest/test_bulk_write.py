"""The bulk path intake writes through (LedgerStore.insert_new) stores history JSON exactly as a
record-by-record write does, whatever the values' types."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from yibiaotong.ledgers.store import _C_DUMPS, _json_fragments, _json_objects

COLUMNS = [
    ["a", "中文", None, "引号\"与\\反斜杠"],
    [Decimal("120"), Decimal("120.00"), None, Decimal("1E+2")],  # equal amounts, written differently
    [1, 1.0, True, None],  # equal numbers of different types
    [date(2020, 1, 1), None, date(2020, 1, 1), date(1999, 12, 31)],
    [0.0, -0.0, None, 2.5],
    [None, None, None, None],
    [datetime(2024, 1, 5, 8, 30), None, datetime(2024, 1, 5, 8, 30), None],
]


@pytest.mark.skipif(_C_DUMPS is None, reason="no C JSON encoder")
@pytest.mark.parametrize("values", COLUMNS)
def test_each_value_is_encoded_as_the_json_encoder_would(values):
    assert _json_fragments(values) == [None if v is None else _C_DUMPS(v) for v in values]


@pytest.mark.skipif(_C_DUMPS is None, reason="no C JSON encoder")
def test_a_records_json_leaves_out_its_empty_values_in_column_order():
    names = ["_org_unit", *(f"c{i}" for i in range(len(COLUMNS)))]
    columns = [["500118103001"] * 4, *COLUMNS]
    expected = [_C_DUMPS({name: column[row] for name, column in zip(names, columns) if column[row] is not None})
                for row in range(4)]
    assert _json_objects(names, columns) == expected
