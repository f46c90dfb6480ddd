"""A small hand-built world for the rules: ledgers made of real standard elements, records upserted
through the ledger store, and for every shipped rule its planted positives and near misses.

As of 2024-06-30 (``:period`` 2024-06). Persons are named by what they are planted for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.elements.idnumber import checksum_char
from yibiaotong.ledgers import LedgerDef, LedgerStore
from yibiaotong.orgunits import OrgTree, read_csv, save_tree
from yibiaotong.packs import packs_root

AS_OF = date(2024, 6, 30)
DISTRICT, TOWN, OTHER_TOWN = "500118000000", "500118103000", "500118001000"


def pid(birth: date, seq: str, region: str = "500118") -> str:
    """A valid ID number; the last digit of ``seq`` is odd for men, even for women."""
    body = region + birth.strftime("%Y%m%d") + seq
    return body + checksum_char(body)


def sex_of(seq: str) -> str:
    return "1" if int(seq[-1]) % 2 else "2"


def small_tree() -> OrgTree:
    tree = read_csv(packs_root() / "yongchuan" / "orgunits.csv")
    keep = [tree[DISTRICT]]
    for town in (TOWN, OTHER_TOWN):
        keep.append(tree[town])
        keep += [u for u in tree.children(town) if u.kind in ("village", "community")][:2]
    return OrgTree(keep)


def villages() -> tuple[str, str, str]:
    """Two villages of 临江镇 and one community of the other town."""
    tree = small_tree()
    mine = [u.code for u in tree if u.parent_code == TOWN]
    other = [u.code for u in tree if u.parent_code == OTHER_TOWN]
    return mine[0], mine[1], other[0]


V1, V2, C1 = villages()

LEDGERS: list[dict[str, Any]] = [
    {"id": "person_identity", "name": "人口基础信息台账", "subject": "person", "key": ["id_number"],
     "columns": ["id_number", "person_name", "gender", "birth_date", "hukou_type"]},
    {"id": "person_hukou", "name": "户籍状态台账", "subject": "person", "key": ["id_number"],
     "columns": ["id_number", "person_name", "hukou_status", "hukou_type", "death_date", "is_deceased"]},
    {"id": "person_disability", "name": "残疾人信息台账", "subject": "person", "key": ["id_number"],
     "columns": ["id_number", "person_name", "disability_category", "disability_level", "disability_cert_number",
                 "disability_cert_valid_until", "disability_cert_status"]},
    {"id": "event_payment", "name": "补贴发放台账", "subject": "event", "key": ["id_number", "payment_month", "payment_type"],
     "columns": ["id_number", "payment_month", "payment_type", "person_name", "subsidy_type", "paid_amount",
                 "payment_date"]},
    {"id": "land", "name": "承包地块台账", "subject": "land", "key": ["land_parcel_code"],
     "columns": ["land_parcel_code", "land_parcel_name", "land_contractor_name", "land_type", "land_actual_area",
                 "is_permanent_basic_farmland"]},
    {"id": "land_land_transfer", "name": "土地流转台账", "subject": "land", "key": ["land_parcel_code"],
     "columns": ["land_parcel_code", "land_parcel_name", "transfer_in_party", "transfer_start_date"]},
    {"id": "land_planting", "name": "耕地种植台账", "subject": "land",
     "key": ["land_parcel_code", "report_year", "planting_season"],
     "columns": ["land_parcel_code", "report_year", "planting_season", "land_parcel_name", "crop_name",
                 "crop_category", "is_non_grain", "planting_area"]},
]


@dataclass(frozen=True)
class P:
    """A planted person: birth, sequence (sex), hukou status, death date, village."""

    name: str
    birth: date
    seq: str
    hukou: str = "1"
    died: date | None = None
    unit: str = ""

    @property
    def id(self) -> str:
        return pid(self.birth, self.seq)


PEOPLE = {p.name: p for p in [
    P("dead_paid", date(1950, 3, 1), "011", "3", date(2024, 3, 6), V1),
    P("dead_ok", date(1940, 1, 1), "021", "3", date(2024, 5, 10), V1),
    P("alive", date(1938, 5, 5), "031", unit=V2),
    P("moved_paid", date(1990, 2, 2), "041", "2", unit=V2),
    P("moved_ok", date(1991, 3, 3), "051", "2", unit=C1),
    P("cancelled_dead", date(1945, 7, 7), "061", "3", date(2024, 5, 20), C1),
    P("dup", date(1960, 8, 8), "071", unit=V1),
    P("dup_ok", date(1961, 9, 9), "081", unit=V1),
    P("excl", date(1955, 10, 10), "091", unit=V2),
    P("excl_ok", date(1956, 11, 11), "101", unit=V2),
    P("t80", date(1944, 6, 15), "112", unit=V1),
    P("t80_paid", date(1944, 6, 2), "121", unit=V1),
    P("t80_dead", date(1944, 6, 20), "131", "3", date(2024, 6, 21), V1),
    P("t80_moved", date(1944, 6, 10), "141", "2", unit=V2),
    P("soon1", date(1944, 7, 1), "151", unit=V2),
    P("soon3", date(1944, 9, 30), "161", unit=C1),
    P("later", date(1944, 10, 1), "171", unit=C1),
    P("soon_dead", date(1944, 8, 15), "181", "3", date(2024, 1, 1), C1),
    P("expired", date(1970, 1, 20), "191", unit=V1),
    P("expired_ok", date(1971, 2, 21), "201", unit=V1),
    P("valid", date(1972, 3, 22), "211", unit=V2),
    P("expired_other", date(1973, 4, 23), "221", unit=V2),
    P("birth_mismatch", date(1989, 10, 4), "231", unit=C1),
    P("sex_mismatch", date(1997, 1, 22), "244", unit=C1),
]}
RECORDED_BIRTH = {"birth_mismatch": date(1989, 4, 10)}
RECORDED_SEX = {"sex_mismatch": "1"}

# (person, month, payment type, amount)
PAYMENTS = [
    ("dead_paid", "2024-03", "低保金", 500), ("dead_paid", "2024-04", "低保金", 500), ("dead_paid", "2024-05", "低保金", 500),
    ("dead_ok", "2024-04", "高龄津贴", 50), ("dead_ok", "2024-05", "高龄津贴", 50),
    ("alive", "2024-05", "高龄津贴", 50), ("alive", "2024-06", "高龄津贴", 50),
    ("moved_paid", "2024-06", "低保金", 400),
    ("moved_ok", "2024-04", "低保金", 400),
    ("cancelled_dead", "2024-06", "特困供养金", 830),
    ("dup", "2024-02", "低保金", 300), ("dup", "2024-02", "低保金（补发）", 300),
    ("dup_ok", "2024-01", "低保金（补发）", 300), ("dup_ok", "2024-02", "低保金", 300),
    ("excl", "2024-05", "低保金", 350), ("excl", "2024-05", "特困供养金", 830),
    ("excl_ok", "2024-03", "低保金", 350), ("excl_ok", "2024-04", "特困供养金", 830),
    ("t80_paid", "2024-06", "高龄津贴", 50),
    ("expired", "2024-03", "重度残疾人护理补贴", 100), ("expired", "2024-04", "重度残疾人护理补贴", 100),
    ("expired_ok", "2024-04", "困难残疾人生活补贴", 90), ("expired_ok", "2024-05", "困难残疾人生活补贴", 90),
    ("valid", "2024-06", "重度残疾人护理补贴", 80),
    ("expired_other", "2024-06", "低保金", 400),
]
SUBSIDY = {"低保金": "低保", "特困供养金": "特困供养", "高龄津贴": "高龄津贴"}
# person -> (category, level, valid until)
DISABILITY = {
    "expired": ("4", "1", date(2024, 3, 15)), "expired_ok": ("2", "3", date(2024, 5, 20)),
    "valid": ("5", "2", date(2030, 1, 1)), "expired_other": ("1", "4", date(2024, 1, 10)),
}


def parcel(village: str, n: int) -> str:
    return f"{village}01{n:05d}"


# code -> (name, land type, basic farmland, transferred to, plantings [(year, season, crop, category, non-grain)])
PARCELS = {
    parcel(V1, 1): ("大田", "01", True, "永川区红沟柑橘专业合作社", [(2024, "3", "柑橘", "40", True)]),
    parcel(V1, 2): ("秧田", "01", True, "张德明家庭农场", [(2024, "1", "水稻", "11", False)]),
    parcel(V1, 3): ("沟田", "01", True, None, [(2024, "1", "蔬菜", "30", True)]),
    parcel(V2, 1): ("坡地", "01", False, "重庆绿源农业发展有限公司", [(2024, "1", "蔬菜", "30", True)]),
    parcel(V2, 2): ("洼田", "01", False, None, [(2023, "1", "玉米", "13", False), (2023, "2", "油菜", "20", False)]),
    parcel(V2, 3): ("塝田", "01", True, None, []),
    parcel(C1, 1): ("湾田", "01", False, None, [(2024, "2", "马铃薯", "15", False)]),
    parcel(C1, 2): ("茶园", "02", False, None, []),
}

# what each shipped rule must find: the alert keys (subject record keys, or the group key)
EXPECTED = {
    "deceased_still_paid": {PEOPLE["dead_paid"].id, PEOPLE["cancelled_dead"].id},
    "moved_out_still_paid": {PEOPLE["moved_paid"].id},
    "duplicate_payment": {f"{PEOPLE['dup'].id}|2024-02|低保金"},
    "exclusive_benefits": {PEOPLE["excl"].id},
    "turning_80_without_allowance": {PEOPLE["t80"].id},
    "turning_80_soon": {PEOPLE["soon1"].id, PEOPLE["soon3"].id},
    "expired_certificate_still_paid": {PEOPLE["expired"].id},
    "non_grain_basic_farmland": {parcel(V1, 1)},
    "abandoned_two_seasons": {parcel(V2, 2), parcel(V2, 3)},
    "id_birth_date_mismatch": {PEOPLE["birth_mismatch"].id},
    "id_sex_mismatch": {PEOPLE["sex_mismatch"].id},
}


# ledgers the eligibility checks read besides the above (created by conftest's engine_with_households)
HOUSEHOLD_ID = "1032010001"
POLICY_LEDGERS: list[dict[str, Any]] = [
    {"id": "household", "name": "家庭户台账", "subject": "household", "key": ["household_head_id_number"],
     "columns": ["household_head_id_number", "household_head_name", "household_id", "household_size"]},
    {"id": "household_income", "name": "家庭收入台账", "subject": "household", "key": ["household_head_id_number"],
     "columns": ["household_head_id_number", "household_head_name", "household_per_capita_monthly_income"]},
    {"id": "person_social_assistance", "name": "社会救助对象台账", "subject": "person", "key": ["id_number"],
     "columns": ["id_number", "person_name", "is_dibao_recipient", "is_tekun", "social_assistance_status"]},
    {"id": "person_temporary_assistance", "name": "临时救助申请台账", "subject": "person", "key": ["id_number"],
     "columns": ["id_number", "person_name", "assistance_reason"]},
    {"id": "person_health", "name": "健康状况台账", "subject": "person", "key": ["id_number"],
     "columns": ["id_number", "person_name", "labor_ability"]},
    {"id": "person_legal_supporter", "name": "法定赡养人台账", "subject": "person", "key": ["id_number"],
     "columns": ["id_number", "person_name", "legal_supporter_name", "legal_supporter_capacity"]},
]


def build(engine, dictionary: Dictionary) -> LedgerStore:
    """The world in a migrated database: dictionary, org tree, ledgers, records.

    The database keeps only the elements the world's ledgers use (what `ybt` reads back), which
    makes a build fast; the store works with the whole standard dictionary."""
    used = {c if isinstance(c, str) else c["element"] for d in LEDGERS + POLICY_LEDGERS for c in d["columns"]}
    Dictionary([dictionary.element(e) for e in sorted(used)], dictionary.codelists.values()).save(engine)
    save_tree(engine, small_tree())
    store = LedgerStore(engine, dictionary)
    store.create_ledgers([LedgerDef.from_dict(d) for d in LEDGERS])
    identity, hukou = [], []
    for key, p in PEOPLE.items():
        name = f"测试{key}"
        identity.append({"_org_unit": p.unit, "id_number": p.id, "person_name": name,
                         "gender": RECORDED_SEX.get(key, sex_of(p.seq)), "birth_date": RECORDED_BIRTH.get(key, p.birth),
                         "hukou_type": "1"})
        hukou.append({"_org_unit": p.unit, "id_number": p.id, "person_name": name, "hukou_status": p.hukou,
                      "hukou_type": "1", "death_date": p.died, "is_deceased": p.died is not None or None})
    store.upsert("person_identity", identity)
    store.upsert("person_hukou", hukou)
    store.upsert("person_disability", [
        {"_org_unit": PEOPLE[k].unit, "id_number": PEOPLE[k].id, "person_name": f"测试{k}", "disability_category": c,
         "disability_level": level, "disability_cert_number": PEOPLE[k].id + c + level, "disability_cert_valid_until": until,
         "disability_cert_status": "1"} for k, (c, level, until) in DISABILITY.items()])
    store.upsert("event_payment", [
        {"_org_unit": PEOPLE[k].unit, "id_number": PEOPLE[k].id, "person_name": f"测试{k}", "payment_month": month,
         "payment_type": kind, "subsidy_type": SUBSIDY.get(kind.removesuffix("（补发）"), kind.removesuffix("（补发）")),
         "paid_amount": amount, "payment_date": date(int(month[:4]), int(month[5:]), 12)}
        for k, month, kind, amount in PAYMENTS])
    land, transfers, plantings = [], [], []
    for code, (name, land_type, basic, operator, crops) in PARCELS.items():
        unit = code[:12]
        land.append({"_org_unit": unit, "land_parcel_code": code, "land_parcel_name": name, "land_contractor_name": "王大山",
                     "land_type": land_type, "land_actual_area": "1.25", "is_permanent_basic_farmland": basic})
        if operator:
            transfers.append({"_org_unit": unit, "land_parcel_code": code, "land_parcel_name": name,
                              "transfer_in_party": operator, "transfer_start_date": date(2020, 3, 1)})
        plantings += [{"_org_unit": unit, "land_parcel_code": code, "report_year": year, "planting_season": season,
                       "land_parcel_name": name, "crop_name": crop, "crop_category": category, "is_non_grain": non_grain,
                       "planting_area": "1.2"} for year, season, crop, category, non_grain in crops]
    store.upsert("land", land)
    store.upsert("land_land_transfer", transfers)
    store.upsert("land_planting", plantings)
    return store
