"""Resident ID numbers (GB 11643-1999): checksum, birth date, region, legacy and Excel damage."""

from __future__ import annotations

from datetime import date

import pytest

from yibiaotong.elements.idnumber import (
    birth_date_of,
    check_id_number,
    checksum_char,
    mask_id_number,
    normalize_id_number,
    sex_of,
    upgrade_15,
)

# Published examples, check characters verified by hand:
# 11010519491231002X: sum of digit*weight = 167, 167 mod 11 = 2 -> 'X'.
# 440524188001010014 is the standard's own example (born 1880): sum 195, mod 11 = 8 -> '4'.
BEIJING_X = "11010519491231002X"
GB_EXAMPLE = "440524188001010014"
# A Yongchuan (500118) man born 1990-01-01, sequence 123: sum 181, mod 11 = 5 -> '7'.
YONGCHUAN = "500118199001011237"


def test_published_examples_have_right_check_characters():
    assert checksum_char(BEIJING_X[:17]) == "X"
    assert checksum_char(GB_EXAMPLE[:17]) == "4"
    assert checksum_char(YONGCHUAN[:17]) == "7"


def test_valid_numbers_pass_unchanged():
    assert check_id_number(BEIJING_X) == (BEIJING_X, None)
    assert check_id_number(YONGCHUAN) == (YONGCHUAN, None)


def test_the_standards_1880_example_is_older_than_the_default_limit():
    number, problem = check_id_number(GB_EXAMPLE)
    assert number is None and problem.code == "id-number-birth-date"
    assert check_id_number(GB_EXAMPLE, earliest_year=1880) == (GB_EXAMPLE, None)


@pytest.mark.parametrize("wrong", [c for c in "0123456789X" if c != "7"])
def test_every_wrong_check_character_is_caught(wrong):
    number, problem = check_id_number(YONGCHUAN[:17] + wrong)
    assert number is None
    assert problem.code == "id-number-checksum"


def test_a_single_mistyped_digit_is_caught():
    typo = YONGCHUAN[:13] + "2" + YONGCHUAN[14:]  # 19900101 -> 19900102: still a real date
    assert check_id_number(typo)[1].code == "id-number-checksum"


@pytest.mark.parametrize("raw", [
    "11010519491231002x",                      # lower-case x
    "１１０１０５１９４９１２３１００２Ｘ",        # full-width digits and X
    " 110105 19491231 002X ",                  # grouped with spaces
    "\u3000110105194912310 02X\u3000",         # ideographic spaces
    "'11010519491231002X",                     # Excel's text prefix pasted along
    '="11010519491231002X"',                   # an export's formula that keeps Excel from mangling it
    "=\"11010519491231002X\"\t",                # the same from a tab-separated export
])
def test_spellings_normalize_to_the_same_number(raw):
    assert check_id_number(raw) == (BEIJING_X, None)


def test_normalize_keeps_invalid_text_for_reporting():
    assert normalize_id_number(" 1101 05x ") == "110105X"
    assert normalize_id_number(None) == ""


def test_impossible_birth_dates():
    feb29_1999 = "500118" + "19990229" + "123"
    number, problem = check_id_number(feb29_1999 + checksum_char(feb29_1999))
    assert number is None and problem.code == "id-number-birth-date"
    feb29_2000 = "500118" + "20000229" + "124"  # 2000 was a leap year
    assert check_id_number(feb29_2000 + checksum_char(feb29_2000))[1] is None
    month13 = "500118" + "19901301" + "123"
    assert check_id_number(month13 + checksum_char(month13))[1].code == "id-number-birth-date"


def test_birth_date_in_the_future_is_rejected():
    first17 = "500118" + "20240601" + "002"
    number = first17 + checksum_char(first17)
    assert check_id_number(number, today=date(2024, 5, 31))[1].code == "id-number-birth-date"
    assert check_id_number(number, today=date(2024, 6, 1)) == (number, None)


@pytest.mark.parametrize("province", ["00", "10", "19", "99", "84"])
def test_unknown_province_codes(province):
    first17 = province + "0118199001011" + "23"
    assert check_id_number(first17 + checksum_char(first17))[1].code == "id-number-region"


def test_residence_permit_prefixes_are_accepted():
    # Hong Kong (81), Macao (82) and Taiwan (83) residents' permits use the same format
    for prefix in ("810000", "820000", "830000"):
        first17 = prefix + "19900101" + "123"
        assert check_id_number(first17 + checksum_char(first17))[1] is None


def test_legacy_15_digit_number_is_upgraded():
    # 130503 67-04-01 sequence 001: insert 19, check character 6 (sum 182, mod 11 = 6 -> '6')
    assert upgrade_15("130503670401001") == "130503196704010016"
    assert check_id_number("130503670401001") == ("130503196704010016", None)
    assert check_id_number(130503670401001) == ("130503196704010016", None)  # a number cell
    assert check_id_number(130503670401001.0) == ("130503196704010016", None)  # survives a float
    assert check_id_number("130503670401001.0") == ("130503196704010016", None)


def test_legacy_15_digit_number_with_impossible_date():
    assert check_id_number("130503670230001")[1].code == "id-number-birth-date"


@pytest.mark.parametrize("raw", [
    "5.00118E+17",             # what the clerk sees in the cell
    "5.00118199001011E+17",
    5.00118199001011e17,       # what a reader returns for a number cell
    500118199001011000,        # the float turned into an int: 15 digits kept, 3 zeros
    "500118199001011000",      # the same, exported to CSV
])
def test_excel_mangled_numbers_are_named_as_such(raw):
    number, problem = check_id_number(raw)
    assert number is None
    assert problem.code == "id-number-mangled"


def test_an_exact_18_digit_integer_is_fine():
    assert check_id_number(int(YONGCHUAN)) == (YONGCHUAN, None)


@pytest.mark.parametrize("raw", ["50011819900101123", "5001181990010112377", "50011819900101123A", "身份证"])
def test_malformed_numbers(raw):
    assert check_id_number(raw)[1].code == "invalid-id-number"


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000"])
def test_empty_input_is_no_value_and_no_problem(raw):
    assert check_id_number(raw) == (None, None)


def test_problems_carry_the_masked_number_only():
    bad = YONGCHUAN[:17] + "8"
    _, problem = check_id_number(bad)
    assert problem.params["value"] == "500118********1238"
    report = str(problem) + problem.message_en + repr(problem.to_dict())
    assert bad not in report
    assert "19900101" not in report


def test_birth_date_and_sex():
    assert birth_date_of(BEIJING_X) == date(1949, 12, 31)
    assert sex_of(BEIJING_X) == "2"       # 17th digit 2: female
    assert birth_date_of(YONGCHUAN) == date(1990, 1, 1)
    assert sex_of(YONGCHUAN) == "1"       # 17th digit 3: male
    assert birth_date_of("130503670401001") == date(1967, 4, 1)
    assert sex_of("130503670401001") == "1"
    with pytest.raises(ValueError):
        birth_date_of("500118199002301234")


def test_mask_keeps_region_and_last_four():
    assert mask_id_number(YONGCHUAN) == "500118********1237"
    assert mask_id_number(BEIJING_X) == "110105********002X"
    assert mask_id_number("130503670401001") == "130503*****1001"
    assert mask_id_number("12345") == "*****"
    assert mask_id_number("不详") == "不详"  # no number: nothing to hide, the clerk sees what was typed
    # a number written in Chinese numerals is a number: never shown whole
    assert mask_id_number("五〇〇一一八一九九〇〇一〇一一二三四") == "五〇〇一一八********一二三四"


def test_helpers_refuse_wrong_lengths():
    with pytest.raises(ValueError):
        checksum_char("1234")
    with pytest.raises(ValueError):
        upgrade_15("13050367040100")
