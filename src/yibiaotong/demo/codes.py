"""Identifiers of the synthetic population, valid by their standards: resident ID numbers
(GB 11643), unified social credit codes (GB 32100), bank card numbers (Luhn), phone numbers,
certificate and parcel codes as Chongqing clerks see them."""

from __future__ import annotations

import random
from datetime import date

from yibiaotong.elements.idnumber import checksum_char

# GB 32100-2015: 31 characters (no I, O, S, V, Z); check weights 3^i mod 31
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code
_MOBILE_PREFIXES = ("133", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "177", "180",
                    "182", "183", "187", "189", "191", "199")


class IdNumbers:
    """Issues unique 18-character ID numbers: region + birth date + sequence (odd for men) + check.

    The sequence's first two digits stand for the police station, so they are drawn per person; a
    number already issued is skipped (the set grows with the population, ~100 bytes a person)."""

    def __init__(self) -> None:
        self._issued: set[str] = set()

    def issue(self, rnd: random.Random, region: str, born: date, sex: str) -> str:
        stem = f"{region}{born:%Y%m%d}"
        for _ in range(200):
            seq = rnd.randrange(0, 100) * 10 + rnd.randrange(0, 5) * 2 + (1 if sex == "1" else 0)
            first17 = f"{stem}{seq:03d}"
            if first17 not in self._issued:
                self._issued.add(first17)
                return first17 + checksum_char(first17)
        raise RuntimeError(f"no free ID sequence for {region} {born}")  # 500 per day and sex: never in practice


def wrong_checksum(id_number: str) -> str:
    """The same number with a wrong check character (a typo in the last position)."""
    good = id_number[17]
    return id_number[:17] + next(c for c in "0123456789X" if c != good)


def uscc(rnd: random.Random, region: str, kind: str) -> str:
    """A unified social credit code: ``kind`` is the 2-character registration authority and
    organisation type (``93`` farmers' cooperative, ``91`` enterprise, ``92`` individual business)."""
    body = "MA" + "".join(rnd.choice(_USCC_CHARS[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(6))
    total = sum(_value(c) * w for c, w in zip(body, _ORG_WEIGHTS))
    check = 11 - total % 11
    org_code = body + ("X" if check == 10 else "0" if check == 11 else str(check))
    first17 = kind + region + org_code
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return first17 + _USCC_CHARS[(31 - total % 31) % 31]


def _value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def bank_card(rnd: random.Random, prefix: str = "622") -> str:
    """A 19-digit card number passing the Luhn check (rural 一卡通 cards are 19 digits)."""
    digits = prefix + "".join(str(rnd.randrange(10)) for _ in range(18 - len(prefix)))
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return digits + str((10 - total % 10) % 10)


def mobile(rnd: random.Random) -> str:
    return rnd.choice(_MOBILE_PREFIXES) + f"{rnd.randrange(10**8):08d}"


def landline(rnd: random.Random) -> str:
    """Yongchuan landlines: area code 023, local numbers 4xxx xxxx."""
    return f"023-4{rnd.choice('2789')}{rnd.randrange(10**6):06d}"


def disability_certificate(id_number: str, category: str, level: str) -> str:
    """The second-generation 残疾人证号: the holder's ID number + category digit + level digit."""
    return f"{id_number}{category}{level}"


def parcel_code(village_code: str, group: int, serial: int) -> str:
    """地块编码 of the 承包经营权确权登记 (19 digits): 发包方编码 (county 6 + town 3 + village 3 +
    group 2) + a 5-digit parcel serial."""
    return f"{village_code[:12]}{group:02d}{serial:05d}"


def contract_certificate(village_code: str, group: int, household: int) -> str:
    """土地承包经营权证号: 承包方编码 (发包方编码 + 4-digit household serial) + J."""
    return f"{village_code[:12]}{group:02d}{household:04d}J"
