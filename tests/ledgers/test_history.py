"""A record's insert in its history, whichever way it was written: record by record
(LedgerStore.write), column-wise in bulk (LedgerStore.insert_new, an import's path), or in a
database that still holds a per-record insert change from before insert runs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import delete, func, insert, select

from tests.ledgers.conftest import OTHER_TOWN, VILLAGE
from tests.ledgers.test_store import LI, ZHANG, make_id, person
from yibiaotong.ledgers import LedgerDef, Source
from yibiaotong.ledgers.store import RecordColumns
from yibiaotong.store import schema

WANG = make_id("50011819900101003")


def twin(store):
    store.create_ledger(LedgerDef.from_dict({**store.ledger("disabled_person").to_dict(), "id": "disabled_twin"}))


def test_the_bulk_path_and_the_record_path_list_the_same_insert(store, engine):
    twin(store)
    rows = [person(), person(LI, person_name="李明", gender="1", phone="13800138000"),
            person(WANG, person_name="王五", birth_date=None, living_allowance_amount="120.50")]
    records, problems = store.prepare("disabled_person", [{**r, "_row": 4 + i} for i, r in enumerate(rows)],
                                      org_unit=VILLAGE)
    assert not problems
    file = Source(kind="file", file_name="花名册.xlsx", sheet="Sheet1", period="2024-01")
    store.write("disabled_person", records, source=file)
    with engine.begin() as conn:
        source_id = file.record(conn)
        names = list(dict.fromkeys(n for r in records for n in r.values))
        columns = RecordColumns([r.key for r in records], [r.org_unit for r in records], [r.row for r in records],
                                {n: [r.values.get(n) for r in records] for n in names})
        store.insert_new("disabled_twin", columns, conn=conn, source_id=source_id)
    for key, row in ((ZHANG, 4), (LI, 5), (WANG, 6)):
        one, bulk = store.history("disabled_person", key), store.history("disabled_twin", key)
        assert len(one) == len(bulk) == 1
        assert one[0]["op"] == bulk[0]["op"] == "insert" and one[0]["source_row"] == bulk[0]["source_row"] == row
        assert one[0]["new_value"] == bulk[0]["new_value"]
        assert one[0]["file_name"] == bulk[0]["file_name"] == "花名册.xlsx" and bulk[0]["period"] == "2024-01"
    wang = store.history("disabled_twin", WANG)[0]["new_value"]
    assert wang == {"_org_unit": VILLAGE, "id_number": WANG, "person_name": "王五", "gender": "2",
                    "disability_level": "2", "living_allowance_amount": "120.50"}  # empty values left out
    assert store.history("disabled_twin", LI)[0]["new_value"]["birth_date"] == "1965-03-12"
    # three records written together: one run per ledger, not a change per record
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.change_run)).scalar_one() == 2
        assert conn.execute(select(func.count()).select_from(schema.change)).scalar_one() == 0


def test_the_bulk_path_inserts_in_key_order_and_each_record_keeps_its_own_row_and_values(store, engine):
    """SQLite's bulk insert goes in the order of the keys (the unique index fills faster): the
    records still get their own values, and their history their own source row."""
    ids = [make_id(f"500118197{9 - i}0101{i:03d}") for i in range(6)]  # descending: the reverse of key order
    names = ["赵一", "钱二", "孙三", "李四", "周五", "吴六"]
    records, problems = store.prepare("disabled_person", [
        person(idn, person_name=name, _row=10 + i) for i, (idn, name) in enumerate(zip(ids, names))], org_unit=VILLAGE)
    assert not problems and [r.key for r in records] == ids and sorted(ids) == ids[::-1]
    file = Source(kind="file", file_name="花名册.xlsx")
    with engine.begin() as conn:
        columns = RecordColumns([r.key for r in records], [r.org_unit for r in records], [r.row for r in records],
                                {n: [r.values.get(n) for r in records] for n in ("id_number", "person_name")})
        assert store.insert_new("disabled_person", columns, conn=conn, source_id=file.record(conn)).inserted == 6
    table = store.table("disabled_person")
    with engine.connect() as conn:
        stored = conn.execute(select(table.c._id, table.c._key, table.c.person_name).order_by(table.c._id)).all()
        assert [key for _id, key, _name in stored] == sorted(ids)  # inserted in key order
        assert conn.execute(select(func.count()).select_from(schema.change_run)).scalar_one() == 1
    for i, (idn, name) in enumerate(zip(ids, names)):
        assert store.get("disabled_person", idn)["person_name"] == name
        (insert_change,) = store.history("disabled_person", idn)
        assert insert_change["source_row"] == 10 + i and insert_change["new_value"]["person_name"] == name


def test_the_insert_lists_the_values_it_was_inserted_with_after_later_changes(store):
    store.upsert("disabled_person", [person()], org_unit=VILLAGE, source=Source(kind="file", file_name="一月.xlsx"))
    store.update("disabled_person", ZHANG, {"disability_level": "一级", "phone": "13800138000",
                                             "living_allowance_amount": ""}, expected_version=1,
                 source=Source.user("linjiang"))
    store.upsert("disabled_person", [person(person_name="张桂方", disability_level="三级")], org_unit=OTHER_TOWN,
                 source=Source(kind="file", file_name="二月.xlsx"))
    record = store.get("disabled_person", ZHANG)
    assert (record["disability_level"], record["person_name"], record["_org_unit"]) == ("3", "张桂方", OTHER_TOWN)
    first, *later = store.history("disabled_person", ZHANG)
    assert first["new_value"] == {"_org_unit": VILLAGE, "id_number": ZHANG, "person_name": "张桂芳", "gender": "2",
                                  "birth_date": "1965-03-12", "disability_level": "2",
                                  "living_allowance_amount": "120.00"}
    assert first["file_name"] == "一月.xlsx" and [c["op"] for c in later] == ["update"] * len(later)
    assert record["living_allowance_amount"] is not None and Decimal(str(record["living_allowance_amount"])) == 120


def test_records_whose_ids_are_not_consecutive_are_recorded_in_runs(store, engine):
    """ids given out of order and with a gap (another writer's record between them) make two runs,
    each record keeping its own source row."""
    store.upsert("disabled_person", [person(), person(LI)], org_unit=VILLAGE)
    table = store.table("disabled_person")
    with engine.begin() as conn:
        ids = dict(conn.execute(select(table.c._key, table.c._id)).all())
        conn.execute(delete(schema.change_run))
        from yibiaotong.ledgers.store import _record_inserts

        source_id = Source(kind="file", file_name="乱序.xlsx").record(conn)
        _record_inserts(conn, "disabled_person", [ids[LI] + 5, ids[LI], ids[ZHANG]], [9, 8, 7], source_id,
                        store.get("disabled_person", ZHANG)["_created_at"])
        runs = conn.execute(select(schema.change_run.c.first_id, schema.change_run.c.last_id,
                                   schema.change_run.c.source_rows).order_by(schema.change_run.c.first_id)).all()
    assert [tuple(r) for r in runs] == [(ids[ZHANG], ids[LI], [7, 8]), (ids[LI] + 5, ids[LI] + 5, [9])]
    assert store.history("disabled_person", ZHANG)[0]["source_row"] == 7
    assert store.history("disabled_person", LI)[0]["source_row"] == 8


def test_a_per_record_insert_change_from_before_runs_is_listed_as_it_was_kept(store, engine):
    store.upsert("disabled_person", [person()], org_unit=VILLAGE)
    record = store.get("disabled_person", ZHANG)
    with engine.begin() as conn:
        source_id = Source(kind="file", file_name="旧版.xlsx").record(conn)
        conn.execute(delete(schema.change_run))
        conn.execute(insert(schema.change).values(
            ledger_id="disabled_person", record_id=record["_id"], version=1, op="insert",
            new_value={"_org_unit": VILLAGE, "person_name": "张桂芳（旧）"}, source_id=source_id, source_row=3,
            changed_at=record["_created_at"]))
    (first,) = store.history("disabled_person", ZHANG)
    assert first["new_value"] == {"_org_unit": VILLAGE, "person_name": "张桂芳（旧）"}
    assert first["file_name"] == "旧版.xlsx" and first["source_row"] == 3
    assert record["birth_date"] == date(1965, 3, 12)


def test_inserts_that_a_downgrade_wrote_back_without_values_list_the_values_again_after_the_upgrade(store, engine):
    """Migration 0013's downgrade turns each run back into one insert change per record, without
    its values; upgraded again, the history lists them with the values as inserted, as for a run."""
    from alembic import command

    from yibiaotong.store.migrate import alembic_config, upgrade

    store.upsert("disabled_person", [person(), person(LI)], org_unit=VILLAGE,
                 source=Source(kind="file", file_name="一月.xlsx", sheet="花名册"))
    store.update("disabled_person", ZHANG, {"disability_level": "一级"}, expected_version=1,
                 source=Source.user("linjiang"))
    before = store.history("disabled_person", ZHANG)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0012")
    upgrade(engine)
    after = store.history("disabled_person", ZHANG)
    assert [c["op"] for c in after] == ["insert", "update"]
    assert after[0]["new_value"] == before[0]["new_value"] and after[0]["new_value"]["disability_level"] == "2"
    assert (after[0]["file_name"], after[0]["sheet"], after[0]["source_row"]) == ("一月.xlsx", "花名册", 1)
    assert store.history("disabled_person", LI)[0]["new_value"]["id_number"] == LI
