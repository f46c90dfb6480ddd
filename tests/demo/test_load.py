"""Loading the synthetic population into ledgers, on SQLite and PostgreSQL: facts go to the ledgers
that hold their elements, unknown columns get plausible values, history and provenance are kept."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from yibiaotong.demo.load import load, proposed_ledgers
from yibiaotong.demo.population import generate
from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.elements.model import Element
from yibiaotong.ledgers import LedgerDef, LedgerStore
from yibiaotong.orgunits import OrgTree, read_csv, save_tree
from yibiaotong.packs import packs_root
from yibiaotong.store import schema

LEDGERS = [
    {"id": "person_identity", "subject": "person", "key": ["id_number"],
     "columns": ["id_number", "person_name", "gender", "birth_date", "hukou_status", "death_date"]},
    # rehabilitation_need is an element the generator never produces: it gets plausible values
    {"id": "person_disability", "subject": "person", "key": ["id_number"],
     "columns": ["id_number", "person_name", "disability_category", "disability_level", "disability_cert_number",
                 "disability_cert_valid_until", "rehabilitation_need"]},
    # none of religion / residence_permit_number is generated: a deterministic sample of persons
    {"id": "person_misc", "subject": "person", "key": ["id_number"],
     "columns": ["id_number", "person_name", "religion", "residence_permit_number"]},
    {"id": "household", "subject": "household", "key": ["household_head_id_number"],
     "columns": ["household_head_id_number", "household_head_name", "household_size", "household_economic_status"]},
    {"id": "event_payment", "subject": "event", "key": ["id_number", "payment_month", "payment_type"],
     "columns": ["id_number", "payment_month", "payment_type", "person_name", "subsidy_type", "paid_amount"]},
    {"id": "land", "subject": "land", "key": ["land_parcel_code"],
     "columns": ["land_parcel_code", "land_parcel_name", "land_actual_area", "is_permanent_basic_farmland"]},
    # x_… are new elements of a consolidation: typed, with a unit, unknown to the generator
    {"id": "land_planting", "subject": "land", "key": ["land_parcel_code"],
     "columns": ["land_parcel_code", "land_parcel_name", "crop_name", "is_non_grain", "planting_area",
                 "x_qing_cai_tou_zhong_zhi_mian_ji"]},
    {"id": "area_elderly_stats", "subject": "area", "key": ["_org_unit", "stat_month"],
     "columns": ["stat_month", "count_allowance_age_80_89", "count_allowance_age_90_99", "x_ju_jia_yang_lao_ren_shu"]},
]
NEW_ELEMENTS = [
    Element("x_qing_cai_tou_zhong_zhi_mian_ji", "青菜头种植面积", type="decimal", unit="亩", subject="land", group="planting"),
    Element("x_ju_jia_yang_lao_ren_shu", "居家养老服务人数", type="integer", unit="人", subject="area", group="elderly_stats"),
]


def small_tree() -> OrgTree:
    tree = read_csv(packs_root() / "yongchuan" / "orgunits.csv")
    keep = [tree["500118000000"]]
    for town in ("500118001000", "500118103000"):
        keep.append(tree[town])
        keep += [u for u in tree.children(town) if u.kind in ("village", "community")][:2]
    return OrgTree(keep)


@pytest.fixture
def store(engine, standard_dictionary):
    dictionary = Dictionary([*standard_dictionary.elements.values(), *NEW_ELEMENTS],
                            standard_dictionary.codelists.values())
    dictionary.save(engine)
    save_tree(engine, small_tree())
    store = LedgerStore(engine, dictionary)
    for d in LEDGERS:
        store.create_ledger(LedgerDef.from_dict({**d, "name": d["id"]}))
    return store


def test_load_routes_facts_to_the_ledgers_of_their_elements(engine, store):
    facts = list(generate(300, seed=5, org_units=small_tree()))
    kinds = Counter(f.kind for f in facts)
    result = load(engine, store, facts, batch=500)
    persons = [f.values for f in facts if f.kind == "person"]
    assert store.count("person_identity") == kinds["person"]
    assert store.count("person_disability") == sum("is_disabled" in p for p in persons) > 0
    assert store.count("household") == kinds["household"]
    assert store.count("event_payment") == kinds["payment"] > 0
    assert store.count("land") == kinds["parcel"]
    # the planting ledger is keyed by parcel only: a parcel's seasons are one record, the latest wins
    assert store.count("land_planting") == len({f.values["land_parcel_code"] for f in facts if f.kind == "planting"})
    assert store.count("area_elderly_stats") == 4 * 6  # four villages, six months
    assert 0 < store.count("person_misc") < kinds["person"] / 4
    assert result.records == sum(result.by_ledger.values()) - result.updated_records
    assert not result.empty_ledgers

    someone = next(p for p in persons if "is_disabled" in p)
    record = store.get("person_disability", someone["id_number"])
    assert record["disability_cert_number"] == someone["disability_cert_number"]
    assert record["rehabilitation_need"]  # filled: the generator does not know it
    assert store.get("person_identity", someone["id_number"])["birth_date"] == someone["birth_date"]
    for r in store.records("land_planting", limit=1000):
        assert 0.3 <= r["x_qing_cai_tou_zhong_zhi_mian_ji"] <= 5
    assert all(0 <= r["x_ju_jia_yang_lao_ren_shu"] <= 6 for r in store.records("area_elderly_stats", limit=100))

    # history and provenance: every record's insert in a run, all from the one demo source
    r = schema.change_run
    with engine.connect() as conn:
        inserts = conn.execute(select(func.coalesce(func.sum(r.c.last_id - r.c.first_id + 1), 0))).scalar_one()
        sources = conn.execute(select(schema.source.c.note)).scalars().all()
    assert inserts == result.records
    assert sources == ["演示数据生成"]
    assert store.history("person_identity", someone["id_number"])[0]["note"] == "演示数据生成"


def test_loading_again_changes_nothing(engine, store):
    facts = list(generate(120, seed=9, org_units=small_tree()))
    first = load(engine, store, facts)
    again = load(engine, store, facts)
    assert first.records > 0 and again.records == 0 and again.updated_records == 0


def test_generated_values_pass_the_stores_own_checks(engine, store):
    """What load() writes without parsing is what prepare() would have made of the same values."""
    facts = [f for f in generate(150, seed=3, org_units=small_tree()) if f.kind in ("person", "payment", "parcel")]
    for ledger_id in ("person_identity", "person_disability", "event_payment", "land"):
        d = store.ledger(ledger_id)
        rows = [{"_org_unit": f.org_unit, **{c.column: f.values[c.element] for c in d.columns if c.element in f.values}}
                for f in facts if all(f.values.get(k) is not None for k in d.key)]
        records, problems = store.prepare(ledger_id, rows)
        assert not problems and records


def test_proposed_ledgers_stand_in_for_a_pack_without_ledgers(standard_dictionary):
    ledgers = {d.id: d for d in proposed_ledgers(standard_dictionary)}
    assert {"person_identity", "person_disability", "event_payment", "land", "land_land_transfer", "household"} <= set(ledgers)
    assert ledgers["event_payment"].key == ("id_number", "payment_month", "payment_type")
    assert all(not d.check(standard_dictionary) for d in ledgers.values())
