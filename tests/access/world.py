"""A small district for permission tests: two towns, villages, a grid, three ledgers, a user per role.

临江镇 (town) ── 临江村 (village) ── 临江村一网格 (grid)
             └─ 河湾村 (village)
朱沱镇 (town) ── 朱沱村 (village)

Records live at every level; departments get grants: 民政局 reads four columns of person_identity
(may reveal) and edits person_disability (may not reveal); 农业农村委 reads land_planting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from yibiaotong.access.grants import set_grant
from yibiaotong.access.tokens import create_token
from yibiaotong.access.users import create_user
from yibiaotong.ledgers import LedgerDef, LedgerStore, Source
from yibiaotong.orgunits import OrgTree, OrgUnit, save_tree
from yibiaotong.setup import install_pack

DISTRICT, LINJIANG, ZHUTUO = "500118000000", "500118103000", "500118116000"
LJ_VILLAGE, LJ_GRID, HEWAN, ZT_VILLAGE = "500118103201", "500118103201001", "500118103202", "500118116201"
UNITS = [
    OrgUnit(DISTRICT, "永川区", "district"),
    OrgUnit(LINJIANG, "临江镇", "town", DISTRICT),
    OrgUnit(LJ_VILLAGE, "临江村", "village", LINJIANG),
    OrgUnit(LJ_GRID, "临江村一网格", "grid", LJ_VILLAGE),
    OrgUnit(HEWAN, "河湾村", "village", LINJIANG),
    OrgUnit(ZHUTUO, "朱沱镇", "town", DISTRICT),
    OrgUnit(ZT_VILLAGE, "朱沱村", "village", ZHUTUO),
]
SCOPES = {  # org units each area user may see
    "linjiang": {LINJIANG, LJ_VILLAGE, LJ_GRID, HEWAN},
    "lj_village": {LJ_VILLAGE, LJ_GRID},
    "lj_grid": {LJ_GRID},
    "zhutuo": {ZHUTUO, ZT_VILLAGE},
}
PASSWORD = "test-password-1"
USERS = [  # name, role, org unit, department
    ("admin", "admin", DISTRICT, None),
    ("minzheng", "department", DISTRICT, "民政局"),
    ("nongye", "department", DISTRICT, "农业农村委"),
    ("linjiang", "town", LINJIANG, None),
    ("zhutuo", "town", ZHUTUO, None),
    ("lj_village", "village", LJ_VILLAGE, None),
    ("lj_grid", "grid", LJ_GRID, None),
]
LEDGERS = [
    {"id": "person_identity", "name": "人员基本信息台账", "subject": "person", "key": ["id_number"],
     "columns": ["id_number", "person_name", "gender", "birth_date", "phone", "marital_status"]},
    {"id": "person_disability", "name": "残疾人信息台账", "subject": "person", "key": ["id_number"],
     "columns": ["id_number", "person_name", "disability_level", "disability_cert_status", "disability_cert_number"]},
    {"id": "land_planting", "name": "耕地种植台账", "subject": "land", "key": ["land_parcel_code"],
     "columns": ["land_parcel_code", "crop_name", "planting_area", "is_non_grain"]},
]
VISIBLE = {  # ledgers each user sees
    "admin": {"person_identity", "person_disability", "land_planting"},
    "minzheng": {"person_identity", "person_disability"},
    "nongye": {"land_planting"},
    **{u: {"person_identity", "person_disability", "land_planting"} for u in SCOPES},
}
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张"


def id_number(region: str, birth: str, seq: int) -> str:
    """A valid GB 11643 number (checksum computed)."""
    body = f"{region}{birth}{seq:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


@dataclass
class Person:
    id_number: str
    name: str
    phone: str
    unit: str


@dataclass
class World:
    engine: Engine
    people: list[Person] = field(default_factory=list)
    ids: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # (ledger, unit) -> record numbers
    tokens: dict[str, str] = field(default_factory=dict)

    def count(self, ledger: str, units: set[str] | None) -> int:
        return sum(len(v) for (lid, unit), v in self.ids.items() if lid == ledger and (units is None or unit in units))

    def record_in(self, ledger: str, unit: str) -> int:
        return self.ids[(ledger, unit)][0]

    def person_of(self, unit: str) -> Person:
        return next(p for p in self.people if p.unit == unit)


def build_world(engine: Engine, *, per_unit: int = 3) -> World:
    install_pack(engine, "standard")
    save_tree(engine, OrgTree(UNITS))
    store = LedgerStore(engine)
    for d in LEDGERS:
        store.create_ledger(LedgerDef.from_dict(d))
    world = World(engine)
    seq = 0
    person_rows, disability_rows, land_rows = [], [], []
    for unit in UNITS:
        for i in range(per_unit):
            seq += 1
            p = Person(id_number(unit.code[:6], f"19{50 + seq % 40:02d}0{1 + seq % 9}1{seq % 9}", seq),
                       SURNAMES[seq % len(SURNAMES)] + unit.name[:2] + "名" + "一二三四五六七八九"[i % 9],
                       f"138{seq:08d}", unit.code)
            world.people.append(p)
            person_rows.append({"id_number": p.id_number, "person_name": p.name, "gender": "1" if seq % 2 else "2",
                                "birth_date": f"{1950 + seq % 40}-0{1 + seq % 9}-1{seq % 9}", "phone": p.phone,
                                "marital_status": "20", "_org_unit": unit.code, "_row": seq + 1})
            disability_rows.append({"id_number": p.id_number, "person_name": p.name, "disability_level": "1",
                                    "disability_cert_status": "1", "disability_cert_number": f"5001181{seq:011d}",
                                    "_org_unit": unit.code, "_row": seq + 1})
            land_rows.append({"land_parcel_code": f"{unit.code}-{i:03d}", "crop_name": "水稻", "planting_area": "3.5",
                              "is_non_grain": "否", "_org_unit": unit.code})
    for ledger_id, rows in (("person_identity", person_rows), ("person_disability", disability_rows),
                            ("land_planting", land_rows)):
        good, problems = store.prepare(ledger_id, rows)
        assert not problems, problems[:3]
        store.write(ledger_id, good, source=Source(kind="file", file_name="花名册.xlsx", sheet="Sheet1", actor="importer"))
        for r in store.records(ledger_id, limit=10_000):
            world.ids.setdefault((ledger_id, r["_org_unit"]), []).append(r["_id"])
    for name, role, unit, department in USERS:
        create_user(engine, name, PASSWORD, display_name=f"{name} 测试", role=role, org_unit=unit, department=department)
        world.tokens[name] = create_token(engine, name, "tests")[0]
    set_grant(engine, "民政局", "person_identity", columns=["id_number", "person_name", "gender", "phone"], reveal=True)
    set_grant(engine, "民政局", "person_disability", mode="write")
    set_grant(engine, "农业农村委", "land_planting")
    return world
