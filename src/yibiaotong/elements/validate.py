"""One entry point that turns a raw cell or form value into a typed value for a data element.

:func:`coerce` parses by ``element.type`` and then applies ``element.validation`` (``min``,
``max``, ``max_length``, ``pattern``, ``not_future``). Every problem carries ``location={"element": id}`` and
``params["value"]`` as :func:`mask` shows it, so reports never contain a full ID number or phone.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from yibiaotong.elements.dates import parse_date, parse_datetime, parse_month, parse_year, today
from yibiaotong.elements.idnumber import check_id_number, mask_id_number
from yibiaotong.elements.model import CodeList, Element
from yibiaotong.elements.numbers import parse_decimal, parse_integer
from yibiaotong.elements.phone import mask_phone, parse_phone
from yibiaotong.errors import Problem

TRUE_WORDS = frozenset({"是", "有", "对", "√", "✓", "✔", "☑", "☒", "y", "yes", "true", "t", "1"})
# ☒ is Word's default "checked" box, so it means yes; an empty box means no.
FALSE_WORDS = frozenset({"否", "无", "没有", "不是", "错", "×", "✗", "✘", "□", "☐", "n", "no", "false", "f", "0"})

MASKED = "***"  # what masking leaves (see mask): never a value to store
# a choice printed on a form, a box before each answer: ☑是 □否 (ticked: ☑ ☒ ■ √ ✓ ✔; empty: □ ☐)
_EMPTY_BOXES = frozenset("□☐")
_CHOICE = re.compile(r"([□☐☑☒■√✓✔])([^□☐☑☒■√✓✔]+)")

# Full-width Latin letters and digits become half-width; full-width Chinese punctuation (，：（）)
# is how Chinese text is written and stays.
_HALF_WIDTH = {c: c - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
               for c in range(r[0], r[1] + 1)}
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))  # pasted from web pages
# control characters that are not whitespace (\x01, DEL …; from other systems' exports): invisible in
# Excel, and a worksheet cannot hold them, so a report or error list with such a value could not be written
_CONTROL = dict.fromkeys(c for c in [*range(0x20), *range(0x7F, 0xA0)] if not chr(c).isspace())


def coerce(
    element: Element,
    raw: Any,
    codelists: Mapping[str, CodeList] | None = None,
    *,
    source_unit: str | None = None,
    rules: bool = True,
) -> tuple[Any, list[Problem]]:
    """``(value, problems)``: the typed value (None when invalid) and everything wrong with it.

    Empty input (None, blank text, NaN from a spreadsheet reader) is ``(None, [])``; whether a
    value is required is decided by the form or ledger. ``'/'``, ``'-'`` and ``'无'`` are not
    empty: ``'无'`` is a valid answer to a yes/no question. ``rules=False`` parses without holding
    the value to the element's rules (a search for a value they refuse).
    """
    if isinstance(raw, str):
        raw = raw.translate(_INVISIBLE)
    if raw is None or (isinstance(raw, str) and not raw.strip()) or (isinstance(raw, float) and math.isnan(raw)):
        return None, []
    if isinstance(raw, str) and MASKED in raw:  # 500118********1234, 138****5678, *** from a masked export
        return None, [Problem("masked-value", {"value": mask(element, raw.strip())[:40]}).at(element=element.id)]
    value, problem = _parse(element, raw, codelists or {}, source_unit)
    problems = [problem] if problem else _check_rules(element, value, rules)
    # report the value as typed, masked; ID and phone parsers masked their own already
    masked = mask(element, raw)
    problems = [
        Problem(p.code, {**p.params, "value": masked}) if "value" in p.params and p.code not in _SELF_MASKED else p
        for p in problems
    ]
    return (None if problems else value), [p.at(element=element.id) for p in problems]


def mask(element: Element, value: Any) -> str:
    """The value as it may appear in messages and logs: ID numbers and phones partly hidden,
    other ``sensitive`` values (health, disability ...) fully hidden."""
    if value is None:
        return ""
    if element.type == "id_number":
        return mask_id_number("".join(unicodedata.normalize("NFKC", str(value)).split()))
    if element.type in ("phone", "mobile"):
        return mask_phone(unicodedata.normalize("NFKC", str(value)).strip())
    if element.is_sensitive:
        return "***"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def clean_text(raw: Any) -> str:
    """Trimmed text with whitespace runs (newlines in a cell too) collapsed to one space."""
    if isinstance(raw, float) and raw.is_integer():  # house number 12 read as 12.0
        raw = int(raw)
    if isinstance(raw, date):
        raw = raw.isoformat()
    text = str(raw).translate(_INVISIBLE).translate(_CONTROL).translate(_HALF_WIDTH)
    return " ".join(text.split())


# spaces between two Chinese characters of a name (or around the dot of 阿依古丽·买买提) are padding:
# 王  五 lined up with 欧阳修 on a printed roster is 王五
_NAME_PADDING = re.compile(r"(?<=[\u3400-\u9fff\uf900-\ufaff·])\s+(?=[\u3400-\u9fff\uf900-\ufaff·])")


def unpad_name(text: str) -> str:
    """A person's name without the spaces that line it up (Latin names keep theirs: John Smith)."""
    return _NAME_PADDING.sub("", text) if " " in text else text


def parse_boolean(raw: Any) -> tuple[bool | None, Problem | None]:
    """是/否, 有/无, √/×, ☑/□, Y/N, yes/no, true/false, 1/0 (also the numbers 1 and 0)."""
    if isinstance(raw, bool):
        return raw, None
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return raw == 1, None
    text = "".join(unicodedata.normalize("NFKC", str(raw)).split()).lower()
    if text in TRUE_WORDS:
        return True, None
    if text in FALSE_WORDS:
        return False, None
    boxes = _CHOICE.findall(text)
    if len(boxes) >= 2 and "".join(b + w for b, w in boxes) == text:  # a printed choice: ☑是 □否
        ticked = [w for b, w in boxes if b not in _EMPTY_BOXES]
        if not ticked:
            return None, None  # nothing ticked: not answered
        if len(ticked) == 1 and (ticked[0] in TRUE_WORDS or ticked[0] in FALSE_WORDS):
            return ticked[0] in TRUE_WORDS, None
    return None, Problem("invalid-boolean", {"value": str(raw)})


def parse_code(raw: Any, codelist: CodeList) -> tuple[str | None, Problem | None]:
    """The code for a code, label or alias (``'男'`` and ``'1'`` -> ``'1'``).

    Excel turns the code ``01`` into the number 1, so a number that is not a code itself is
    tried with leading zeros at the code widths the list uses, when exactly one matches.
    """
    numeric = isinstance(raw, (int, float)) and not isinstance(raw, bool)
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).strip()
    found = codelist.lookup(text)
    if found is None and numeric and text.isdigit():
        widths = {len(code) for code in codelist.codes if len(code) > len(text)}
        hits = {codelist.lookup(text.zfill(w)) for w in widths} - {None}
        found = hits.pop() if len(hits) == 1 else None
    if found is None:
        return None, Problem("not-in-codelist", {"value": text, "codelist": codelist.name})
    return found, None


def parse_postcode(raw: Any) -> tuple[str | None, Problem | None]:
    """Six digits. Excel drops the leading zero of 010010 (Hohhot), so short numbers are padded."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 < raw < 100000:
        return f"{raw:06d}", None
    text = "".join(unicodedata.normalize("NFKC", str(raw)).split())
    if re.fullmatch(r"\d{6}", text):
        return text, None
    return None, Problem("invalid-postcode", {"value": str(raw)})


def _parse(
    element: Element, raw: Any, codelists: Mapping[str, CodeList], source_unit: str | None
) -> tuple[Any, Problem | None]:
    kind = element.type
    if kind == "text":
        text = clean_text(raw)
        return (unpad_name(text) if (element.validation or {}).get("person_name") else text), None
    if kind == "integer":
        return parse_integer(raw, element.unit, source_unit)
    if kind in ("decimal", "amount"):
        # an amount is money: in 元 unless the element says otherwise
        target = element.unit or ("元" if kind == "amount" else None)
        number, problem = parse_decimal(raw, target, source_unit)
        limit = _STORABLE.get(kind)  # beyond it _check_rules says number-not-storable
        if number is not None and number.as_tuple().exponent != -_SCALE[kind] and (limit is None or abs(number) < limit):
            # as the ledger column keeps it (NUMERIC(20,2) / (20,4), rounded half away from zero as
            # PostgreSQL rounds): the same on every database, and in history and conflicts; with
            # its digits too, so 2401 from an .xls, 2401.0 from an .xlsx and "2401.00" from a CSV
            # are one new value (2401.00, as the old one reads back), whatever the file's format
            number = number.quantize(Decimal(1).scaleb(-_SCALE[kind]), ROUND_HALF_UP)
        return number, problem
    if kind in ("phone", "mobile"):
        return parse_phone(raw, kind)
    if kind == "code":
        codelist = codelists.get(element.codelist or "")
        if codelist is None:
            return None, Problem("unknown-codelist", {"codelist": element.codelist})
        return parse_code(raw, codelist)
    parser = _PARSERS.get(kind)
    if parser is None:
        return None, Problem("invalid-definition", {"reason": f"unknown element type {kind!r}"})
    return parser(raw)


_PARSERS: dict[str, Callable[[Any], tuple[Any, Problem | None]]] = {
    "date": parse_date, "month": parse_month, "datetime": parse_datetime, "year": parse_year,
    "boolean": parse_boolean, "id_number": check_id_number, "postcode": parse_postcode,
}
# These already carry a value masked from the normalized number; keep theirs.
_SELF_MASKED = frozenset({"id-number-mangled", "invalid-id-number", "id-number-checksum", "id-number-birth-date",
                          "id-number-region", "invalid-phone", "invalid-mobile", "multiple-phone-numbers"})


# what a ledger column of the type holds (ledgers.tables: amount NUMERIC(20,2), decimal NUMERIC(20,4),
# integer BIGINT): a larger number is no typo a database should be the one to find (PostgreSQL
# refuses it and ends the whole import; SQLite would keep a float)
_STORABLE = {"amount": Decimal("1e18"), "decimal": Decimal("1e16"), "integer": Decimal(2**63)}
_SCALE = {"amount": 2, "decimal": 4}  # digits after the point the column keeps


def _check_rules(element: Element, value: Any, checked: bool = True) -> list[Problem]:
    """What is wrong with a parsed value: too large for its column, and (``checked``) against the
    element's rules."""
    rules = element.validation or {}
    problems = []
    limit = _STORABLE.get(element.type)
    if limit is not None and isinstance(value, (int, Decimal)) and not isinstance(value, bool) and abs(value) >= limit:
        return [Problem("number-not-storable", {"value": value})]
    if not checked:
        return []
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        # bounds from YAML may be floats: compare as written (min 0.1 must accept 0.1)
        if rules.get("min") is not None and value < Decimal(str(rules["min"])):
            problems.append(Problem("value-too-small", {"value": value, "min": rules["min"]}))
        if rules.get("max") is not None and value > Decimal(str(rules["max"])):
            problems.append(Problem("value-too-large", {"value": value, "max": rules["max"]}))
    latest = latest_date(element)
    if latest is not None and value is not None and _later(element.type, value, latest):
        problems.append(Problem("date-in-future", {"value": value, "today": latest.isoformat()}))
    if isinstance(value, str):
        if rules.get("max_length") is not None and len(value) > int(rules["max_length"]):
            problems.append(Problem("text-too-long", {"length": len(value), "max_length": rules["max_length"]}))
        if rules.get("pattern") and not re.fullmatch(rules["pattern"], value):
            problems.append(Problem("pattern-mismatch", {"value": value}))
    return problems


def latest_date(element: Element) -> date | None:
    """The last date an element with ``not_future`` accepts: today on a clerk's calendar (None: any)."""
    if not (element.validation or {}).get("not_future"):
        return None
    return today()


def _later(kind: str, value: Any, latest: date) -> bool:
    """Is a date, month (YYYY-MM) or year later than ``latest``?"""
    if isinstance(value, datetime):
        return value.date() > latest
    if isinstance(value, date):
        return value > latest
    if kind == "month" and isinstance(value, str):
        return value > latest.strftime("%Y-%m")
    if kind == "year" and isinstance(value, int) and not isinstance(value, bool):
        return value > latest.year
    return False
