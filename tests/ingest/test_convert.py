"""The compiled converters take shortcuts; they must never disagree with elements.validate.coerce."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from yibiaotong.elements import dates
from yibiaotong.elements.validate import coerce
from yibiaotong.ingest.convert import compile_converter

SAMPLES = {
    "birth_date": ["1960-01-02", "1960年1月2日", "1960.01.02", "19600102", "1960-02-30", "2023-02-29", "1899-01-01",
                   "1960年1月31日", datetime(1960, 1, 2, 5, 6), date(1960, 1, 2), "1960-1-2", " 1960-01-02",
                   "一九六〇年一月二日", 21916.0, "", None, "明天",
                   # not_future: a birth date later than today (in China) is a typo, however it is written
                   "2052-01-05", "2052年1月5日", "20520105", datetime(2090, 1, 2, 5, 6), date(2099, 1, 2), 72000.0,
                   dates.today(), dates.today() + timedelta(days=1), dates.today() + timedelta(days=2)],
    "id_number": ["500118196001020013", "50011819600102001X", "500118196001020012", "5001181960010200", 5.00118e17,
                  "５００１１８１９６００１０２００１３", " 500118 19600102 0013", "500118600102001", "990118196001020013",
                  "500118210001020013", "", None],
    "person_name": ["张三", " 张三 ", "张  三", "张\n三", "ＡＢ", "张\u200b三", "x" * 60, 12.0, None, ""],
    "phone": ["13812345678", "138 1234 5678", "023-49871234", "12345", 13812345678.0, "+8613812345678", ""],
    "gender": ["男", "1", 1, 1.0, "女性", "未知", "男 ", "X", True, None],
    "disabled_living_subsidy_amount": [100, 100.5, "1,200", "0.012万", "一百", "-5", "120.00", None],
    "payment_month": ["2024年1月", "2024-01", 2024.1, 202401, "2024/13", date(2024, 1, 5)],
}


@pytest.mark.parametrize("element_id", sorted(SAMPLES))
def test_fast_converters_agree_with_coerce(standard_dictionary, element_id):
    element = standard_dictionary.element(element_id)
    codelists = standard_dictionary.codelists
    for unit in (None, "万元") if element.type == "amount" else (None,):
        convert = compile_converter(element, codelists, unit)
        for raw in SAMPLES[element_id] * 2:  # twice: the second answer comes from the memory
            assert convert(raw) == coerce(element, raw, codelists, source_unit=unit), raw


@pytest.mark.parametrize("element_id", sorted(SAMPLES))
def test_column_converters_agree_with_coerce_cell_for_cell(standard_dictionary, element_id):
    from yibiaotong.ingest.convert import compile_column

    element = standard_dictionary.element(element_id)
    codelists = standard_dictionary.codelists
    samples = SAMPLES[element_id]
    texts = [s for s in samples if isinstance(s, str)]  # an all-text column takes the column-wide checks
    for unit in (None, "万元") if element.type == "amount" else (None,):
        column = compile_column(element, codelists, unit)
        for cells in (samples, texts, texts[:1] * 3, samples[::-1]):
            out, bad = column(cells)
            expected = [coerce(element, raw, codelists, source_unit=unit) for raw in cells]
            assert out == [value for value, _problems in expected], cells
            assert bad == {i: problems for i, (_value, problems) in enumerate(expected) if problems}, cells


def test_the_id_number_column_check_finds_each_wrong_number_among_many(standard_dictionary):
    from tests.ingest.conftest import id_number
    from yibiaotong.ingest.convert import compile_column

    element = standard_dictionary.element("id_number")
    good = [id_number(date(1950 + i % 60, 1 + i % 12, 1 + i % 28), i % 1000) for i in range(500)]
    cells = list(good)
    cells[7] = cells[7][:17] + ("0" if cells[7][17] != "0" else "1")  # check digit
    cells[99] = cells[99][:6] + "19991332" + cells[99][14:]  # no such day
    cells[300] = "000118" + cells[300][6:]  # no such region
    out, bad = compile_column(element, standard_dictionary.codelists)(cells)
    assert sorted(bad) == [7, 99, 300] and [c for i, c in enumerate(out) if i not in bad] == [
        c for i, c in enumerate(good) if i not in (7, 99, 300)]
