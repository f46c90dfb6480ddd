"""Resident ID numbers (公民身份号码, GB 11643-1999).

An 18-character number: 6-digit region code, 8-digit birth date, 3-digit sequence (odd for
men, even for women) and an ISO 7064 MOD 11-2 check character (0-9 or X). Numbers issued
before 1999 have 15 digits (2-digit year, no check character) and are upgraded here.

Privacy: a full ID number is 敏感个人信息. Every :class:`Problem` made here carries the
*masked* number in ``params["value"]`` (``500118********1234``), so error reports and logs
built from problems never leak a full ID; never log the raw value yourself.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal

from yibiaotong.elements.dates import today as china_today
from yibiaotong.errors import Problem

# Province-level codes (GB/T 2260). 71 Taiwan; 81/82 Hong Kong/Macao and 83 Taiwan are used by
# the residence permits for Hong Kong, Macao and Taiwan residents, which share this format.
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
})
EARLIEST_BIRTH_YEAR = 1900  # nobody born earlier holds an ID today; earlier years are typos

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2**(17-i) mod 11
_CHECK_CHARS = "10X98765432"
_ID18 = re.compile(r"\d{17}[\dX]")
_ID15 = re.compile(r"\d{15}")
# Excel shows numbers above 15 digits as 5.00118E+17 and keeps only 15 significant digits.
_SCIENTIFIC = re.compile(r"\d(\.\d+)?E\+?\d+")


def normalize_id_number(raw: object) -> str:
    """The number as a clean string: no spaces, half-width digits, capital X. May be invalid.

    Numbers that Excel stored as floats come back in scientific notation (``5.00118E+17``) so
    that :func:`check_id_number` can recognise them.
    """
    if raw is None:
        return ""
    if isinstance(raw, float):
        if raw.is_integer() and abs(raw) < 1e15:  # a 15-digit legacy number survives as a float
            return str(int(raw))
        return repr(raw).upper()
    if isinstance(raw, (int, Decimal)):
        return str(raw)
    text = unicodedata.normalize("NFKC", str(raw))
    text = "".join(text.split()).upper()
    text = text.lstrip("'")  # Excel's "store as text" prefix, pasted along with the number
    if text.startswith('="') and text.endswith('"'):  # ="500118…": how exports keep Excel off the number
        text = text[2:-1]
    if re.fullmatch(r"\d{15}\.0+", text):  # a legacy number that went through a float column
        text = text.split(".")[0]
    return text


def checksum_char(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits."""
    if not re.fullmatch(r"\d{17}", first17):
        raise ValueError("checksum_char needs exactly 17 digits")
    return _CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def upgrade_15(id15: str) -> str:
    """The 18-character form of a 15-digit number: insert century 19, append the check char."""
    if not _ID15.fullmatch(id15):
        raise ValueError("upgrade_15 needs exactly 15 digits")
    first17 = id15[:6] + "19" + id15[6:]
    return first17 + checksum_char(first17)


def birth_date_of(id_number: str) -> date:
    """The birth date inside an 18- or 15-character number (ValueError if impossible)."""
    digits = id_number[6:14] if len(id_number) == 18 else "19" + id_number[6:12]
    if not digits.isdigit():
        raise ValueError("no birth date in this number")
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))


def sex_of(id_number: str) -> str:
    """GB/T 2261.1 sex code from the sequence digit: ``'1'`` male (odd), ``'2'`` female (even)."""
    digit = id_number[16] if len(id_number) == 18 else id_number[14]
    return "1" if int(digit) % 2 else "2"


def mask_id_number(id_number: str) -> str:
    """Keep the first 6 and last 4 characters: ``500118********1234``. Short text is all masked;
    text without a digit (无, 不详) is no number and is shown as it is. Chinese numerals are digits
    here (一, 〇, 幺: an ID number or phone written out in words is still one)."""
    text = str(id_number)
    if not any(map(str.isnumeric, text)):
        return text
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def check_id_number(
    raw: object, *, today: date | None = None, earliest_year: int = EARLIEST_BIRTH_YEAR
) -> tuple[str | None, Problem | None]:
    """The valid 18-character number, or ``None`` and the first problem found.

    Empty input gives ``(None, None)``: whether a value is required is the caller's business.
    15-digit numbers are checked, then upgraded. The problem's ``value`` is masked.
    """
    text = normalize_id_number(raw)
    if not text:
        return None, None
    if _is_mangled(raw, text):
        return None, _problem("id-number-mangled", text)
    if _ID15.fullmatch(text):
        first17 = text[:6] + "19" + text[6:]
    elif _ID18.fullmatch(text):
        first17 = text[:17]
    else:
        return None, _problem("invalid-id-number", text)
    if first17[:2] not in PROVINCE_CODES:
        return None, _problem("id-number-region", text)
    try:
        born = birth_date_of(first17 + "0")
    except ValueError:
        return None, _problem("id-number-birth-date", text)
    if born.year < earliest_year or born > (today or china_today()):
        return None, _problem("id-number-birth-date", text)
    check = checksum_char(first17)
    if len(text) == 18 and text[17] != check:
        return None, _problem("id-number-checksum", text)
    return first17 + check, None


def _is_mangled(raw: object, text: str) -> bool:
    """Did Excel store the number as a float and drop digits?"""
    if isinstance(raw, float) or _SCIENTIFIC.fullmatch(text):
        return not _ID15.fullmatch(text)
    # An 18-digit number that lost its last digits reads ...000; a genuine one would pass the
    # checksum, so only a failing one is reported as mangled.
    return (
        re.fullmatch(r"\d{15}000", text) is not None and checksum_char(text[:17]) != text[17]
    )


def _problem(code: str, text: str) -> Problem:
    return Problem(code, {"value": mask_id_number(text)})
