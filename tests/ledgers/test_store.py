"""The ledger store on SQLite and PostgreSQL: create, add column, upsert, history, conflicts, atomicity."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import inspect, select

from tests.ledgers.conftest import OTHER_TOWN, TOWN, VILLAGE
from yibiaotong.elements.idnumber import checksum_char
from yibiaotong.errors import YbtError
from yibiaotong.ledgers import ColumnDef, LedgerDef, LedgerStore, Source
from yibiaotong.store import schema


def make_id(body17: str) -> str:
    return body17 + checksum_char(body17)


ZHANG = make_id("50011819650312001")
LI = make_id("50011819780907002")


def person(id_number=ZHANG, **values):
    return {"id_number": id_number, "person_name": "张桂芳", "gender": "女", "birth_date": "1965年3月12日",
            "disability_level": "二级", "living_allowance_amount": "120", **values}


def test_create_ledger_makes_a_real_typed_table(store, engine):
    columns = {c["name"]: c for c in inspect(engine).get_columns("ledger_disabled_person")}
    assert {"_id", "_key", "_org_unit", "_version", "id_number", "birth_date", "living_allowance_amount"} <= set(columns)
    assert "DATE" in str(columns["birth_date"]["type"]).upper()
    assert "NUMERIC" in str(columns["living_allowance_amount"]["type"]).upper()
    indexed = {tuple(i["column_names"]) for i in inspect(engine).get_indexes("ledger_disabled_person")}
    uniques = {tuple(u["column_names"]) for u in inspect(engine).get_unique_constraints("ledger_disabled_person")}
    assert ("_org_unit",) in indexed
    assert ("_key",) in indexed | uniques


def test_create_ledger_twice_or_with_unknown_element_fails_clearly(store):
    with pytest.raises(YbtError) as info:
        store.create_ledger(store.ledger("disabled_person"))
    assert info.value.problems[0].code == "ledger-exists"
    with pytest.raises(YbtError) as info:
        store.create_ledger(LedgerDef.from_dict({"id": "bad", "name": "坏", "subject": "person", "key": ["nope"],
                                                  "columns": ["nope", "person_name"]}))
    codes = {p.code for p in info.value.problems}
    assert codes == {"unknown-element", "invalid-definition"} or "unknown-element" in codes


def test_upsert_inserts_then_updates_by_key_with_coerced_values(store):
    first = store.upsert("disabled_person", [person(), person(LI, person_name="李明", gender="1")],
                         org_unit=VILLAGE, source=Source(kind="file", file_name="花名册.xlsx", sheet="Sheet1"))
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    rec = store.get("disabled_person", ZHANG)
    assert rec["gender"] == "2" and rec["birth_date"] == date(1965, 3, 12)
    assert rec["disability_level"] == "2" and Decimal(str(rec["living_allowance_amount"])) == Decimal(120)
    assert rec["_version"] == 1 and rec["_org_unit"] == VILLAGE

    second = store.upsert("disabled_person", [person(living_allowance_amount="150元"), person(LI, person_name="李明", gender="男")],
                          org_unit=VILLAGE)
    assert (second.inserted, second.updated, second.unchanged) == (0, 1, 1)
    rec = store.get("disabled_person", ZHANG)
    assert Decimal(str(rec["living_allowance_amount"])) == Decimal(150) and rec["_version"] == 2


def test_importing_the_same_data_twice_changes_nothing(store):
    store.upsert("disabled_person", [person()], org_unit=VILLAGE)
    again = store.upsert("disabled_person", [person()], org_unit=VILLAGE)
    assert (again.inserted, again.updated, again.unchanged, again.changed) == (0, 0, 1, False)
    assert len(store.history("disabled_person", ZHANG)) == 1


def test_blank_input_does_not_erase_but_an_edit_can_clear(store):
    store.upsert("disabled_person", [person(phone="13812345678")], org_unit=VILLAGE)
    store.upsert("disabled_person", [person(phone="")], org_unit=VILLAGE)
    assert store.get("disabled_person", ZHANG)["phone"] == "13812345678"
    rec = store.update("disabled_person", ZHANG, {"phone": ""}, expected_version=1, source=Source.user("clerk"))
    assert rec["phone"] is None and rec["_version"] == 2


def test_history_keeps_every_change_with_its_source(store):
    store.upsert("disabled_person", [{**person(), "_row": 5}], org_unit=VILLAGE,
                 source=Source(kind="file", file_name="残疾人花名册.xlsx", file_hash="ab" * 32, sheet="1月", period="2024-01"))
    store.update("disabled_person", ZHANG, {"disability_level": "一级"}, expected_version=1,
                 source=Source.user("linjiang", note="入户核实"))
    store.upsert("disabled_person", [person(disability_level="1", phone="023-49871234")], org_unit=OTHER_TOWN,
                 source=Source(kind="file", file_name="2月.xlsx", period="2024-02"))
    rows = store.history("disabled_person", ZHANG)
    assert [(r["version"], r["op"], r["column_name"]) for r in rows] == [
        (1, "insert", None), (2, "update", "disability_level"), (3, "update", "_org_unit"), (3, "update", "phone")]
    assert rows[0]["file_name"] == "残疾人花名册.xlsx" and rows[0]["sheet"] == "1月" and rows[0]["source_row"] == 5
    assert rows[0]["period"] == "2024-01" and rows[0]["new_value"]["person_name"] == "张桂芳"
    # the insert lists the values as inserted, not as they are now
    assert rows[0]["new_value"]["disability_level"] == "2" and rows[0]["new_value"]["_org_unit"] == VILLAGE
    assert "phone" not in rows[0]["new_value"]
    assert rows[1]["actor"] == "linjiang" and rows[1]["old_value"] == "2" and rows[1]["new_value"] == "1"
    assert rows[2]["old_value"] == VILLAGE and rows[2]["new_value"] == OTHER_TOWN


def test_concurrent_edit_gets_a_version_conflict_not_a_silent_overwrite(store):
    store.upsert("disabled_person", [person()], org_unit=VILLAGE)
    seen = store.get("disabled_person", ZHANG)["_version"]
    store.update("disabled_person", ZHANG, {"phone": "13812345678"}, expected_version=seen)
    with pytest.raises(YbtError) as info:
        store.update("disabled_person", ZHANG, {"phone": "13900001111"}, expected_version=seen)
    problem = info.value.problems[0]
    assert problem.code == "version-conflict" and problem.params == {"expected": 1, "actual": 2}
    assert "已被他人修改" in problem.message_zh
    assert store.get("disabled_person", ZHANG)["phone"] == "13812345678"


def test_bad_rows_are_all_reported_and_nothing_is_written(store, engine):
    bad = [person(), person(make_id("50011819650312003")[:-1] + "0", person_name="错号"),
           person(LI, birth_date="2023-02-29", gender="未知值", living_allowance_amount="-5")]
    with pytest.raises(YbtError) as info:
        store.upsert("disabled_person", [{**r, "_row": i} for i, r in enumerate(bad, start=3)], org_unit=VILLAGE)
    flat = sorted((p.location.get("row"), p.location.get("column"), p.code) for p in info.value.problems)
    assert flat == [(4, "id_number", "id-number-checksum"), (4, "id_number", "missing-key"),
                    (5, "birth_date", "invalid-date"), (5, "gender", "not-in-codelist"),
                    (5, "living_allowance_amount", "value-too-small")]
    assert store.count("disabled_person") == 0
    with engine.connect() as conn:  # not even a source row was left behind
        assert conn.execute(select(schema.source)).first() is None


def test_full_id_numbers_never_appear_in_error_messages(store):
    wrong = ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1")
    with pytest.raises(YbtError) as info:
        store.upsert("disabled_person", [person(wrong)], org_unit=VILLAGE)
    text = str(info.value) + repr([p.to_dict() for p in info.value.problems])
    assert wrong not in text and wrong[:6] in text
    with pytest.raises(YbtError) as info:  # a valid ID number names the record of a row with another error
        store.upsert("disabled_person", [person(birth_date="不详")], org_unit=VILLAGE)
    problem = info.value.problems[0]
    assert problem.code == "invalid-date" and problem.location["record"] == ZHANG[:6] + "********" + ZHANG[-4:]
    assert ZHANG not in str(info.value) + repr(problem.to_dict())


def test_unknown_org_unit_and_missing_key(store):
    with pytest.raises(YbtError) as info:
        store.upsert("disabled_person", [person(id_number="")], org_unit="999999999999")
    assert {p.code for p in info.value.problems} == {"missing-key", "unknown-org-unit"}


def test_add_column_to_a_ledger_with_data_loses_nothing(store):
    store.upsert("disabled_person", [person(), person(LI, person_name="李明")], org_unit=VILLAGE)
    before = store.get("disabled_person", ZHANG)
    store.add_column("disabled_person", ColumnDef(element="household_size"))
    after = store.get("disabled_person", ZHANG)
    assert after["household_size"] is None
    assert {k: v for k, v in after.items() if k != "household_size"} == before
    store.upsert("disabled_person", [person(household_size="3人")], org_unit=VILLAGE)
    assert store.get("disabled_person", ZHANG)["household_size"] == 3
    assert "household_size" in store.ledger("disabled_person").column_names
    with pytest.raises(YbtError) as info:
        store.add_column("disabled_person", ColumnDef(element="household_size"))
    assert info.value.problems[0].code == "column-exists"


def test_records_are_scoped_by_org_unit_subtree(store):
    store.upsert("disabled_person", [person()], org_unit=VILLAGE)
    store.upsert("disabled_person", [person(LI, person_name="李明")], org_unit=OTHER_TOWN)
    town_path = f"/500118000000/{TOWN}/"
    assert [r["person_name"] for r in store.records("disabled_person", org_unit_path=town_path)] == ["张桂芳"]
    assert len(store.records("disabled_person", org_unit_path="/500118000000/")) == 2


def test_a_row_placed_above_a_record_leaves_it_where_it_is(store):
    """A district roster names the town of a person kept in one of its villages: the record stays in
    the village (no move, no history row). A row naming another unit, or a unit below, moves it."""
    store.upsert("disabled_person", [person()], org_unit=VILLAGE)
    result = store.upsert("disabled_person", [person()], org_unit=TOWN)
    assert (result.updated, result.unchanged) == (0, 1)
    assert store.get("disabled_person", ZHANG)["_org_unit"] == VILLAGE
    assert [h["column_name"] for h in store.history("disabled_person", ZHANG) if h["op"] == "update"] == []
    store.upsert("disabled_person", [person()], org_unit=OTHER_TOWN)  # moved away
    assert store.get("disabled_person", ZHANG)["_org_unit"] == OTHER_TOWN
    store.upsert("disabled_person", [person(LI)], org_unit=TOWN)
    store.upsert("disabled_person", [person(LI)], org_unit=VILLAGE)  # placed more closely
    assert store.get("disabled_person", LI)["_org_unit"] == VILLAGE


def test_duplicate_keys_in_one_input_are_merged(store):
    result = store.upsert("disabled_person", [person(phone="13812345678"), person(disability_level="一级")], org_unit=VILLAGE)
    assert (result.inserted, result.duplicate_keys) == (1, 1)
    rec = store.get("disabled_person", ZHANG)
    assert rec["phone"] == "13812345678" and rec["disability_level"] == "1"


def test_a_failure_in_the_middle_of_a_write_rolls_everything_back(store, engine, monkeypatch):
    from yibiaotong.ledgers import store as store_module

    monkeypatch.setattr(store_module, "BATCH", 1)
    calls = {"n": 0}
    original = store.__class__._write_batch

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("killed")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(store.__class__, "_write_batch", failing)
    with pytest.raises(RuntimeError):
        store.upsert("disabled_person", [person(), person(LI, person_name="李明")], org_unit=VILLAGE)
    assert store.count("disabled_person") == 0
    with engine.connect() as conn:
        assert conn.execute(select(schema.change)).first() is None


def test_org_unit_can_be_part_of_the_key_for_statistics_kept_per_unit(store):
    store.create_ledger(LedgerDef.from_dict({
        "id": "household_counts", "name": "家庭户统计", "subject": "area", "key": ["_org_unit", "household_size"],
        "columns": ["household_size", "living_allowance_amount"]}))
    store.upsert("household_counts", [{"household_size": "3", "living_allowance_amount": "10"}], org_unit=VILLAGE)
    store.upsert("household_counts", [{"household_size": "3", "living_allowance_amount": "20"}], org_unit=OTHER_TOWN)
    assert store.count("household_counts") == 2
    assert store.get("household_counts", f"{OTHER_TOWN}|3")["living_allowance_amount"] == Decimal("20")


def test_edits_and_lookups_never_put_a_full_id_number_in_a_problem(store):
    store.upsert("disabled_person", [person()], org_unit=VILLAGE)
    masked = ZHANG[:6] + "********" + ZHANG[-4:]
    for call in (lambda: store.update("disabled_person", ZHANG, {"birth_date": "不详"}, expected_version=1),
                 lambda: store.update("disabled_person", ZHANG, {"phone": "13812345678"}, expected_version=9),
                 lambda: store.get("disabled_person", LI)):
        with pytest.raises(YbtError) as info:
            call()
        text = str(info.value) + repr([p.to_dict() for p in info.value.problems])
        assert ZHANG not in text and LI not in text
        assert masked in text or LI[:6] + "********" + LI[-4:] in text


def test_a_stored_definition_keeps_its_group_and_department(store, engine, dictionary):
    store.create_ledger(LedgerDef.from_dict({
        "id": "low_income", "name": "低保对象台账", "subject": "person", "key": ["id_number"],
        "department": "民政局", "group": "social_assistance", "columns": ["id_number", "person_name"]}))
    again = LedgerStore(engine, dictionary).ledger("low_income")
    assert (again.group, again.department) == ("social_assistance", "民政局")
    assert LedgerDef.from_dict(again.to_dict()) == again


def test_a_batch_updates_only_the_values_that_differ_column_by_column(store):
    """Records of one batch compared with their stored rows a column at a time: an amount said
    otherwise (120 / 120.00) or left blank changes nothing, a differing value changes only its
    record, and each changed record gets one history row per changed column."""
    ids = [make_id(f"500118196503120{n:02d}") for n in range(1, 7)]
    store.upsert("disabled_person", [person(i, phone="13800000000") for i in ids], org_unit=VILLAGE)
    again = [person(ids[0], phone="13800000000", living_allowance_amount="120.00"),  # the same amount
             person(ids[1], phone="13911112222"),  # a new phone
             person(ids[2], phone=""),  # blank: keeps the stored phone
             person(ids[3], phone="13800000000", living_allowance_amount="150"),  # a new amount
             person(ids[4], phone="13911112222", disability_level="一级"),  # two columns
             person(ids[5], phone="13800000000", birth_date="1965-03-12")]  # the same date, spelt otherwise
    result = store.upsert("disabled_person", again, org_unit=VILLAGE)
    assert (result.inserted, result.updated, result.unchanged) == (0, 3, 3)
    changed = {i: [(r["version"], r["column_name"]) for r in store.history("disabled_person", i) if r["op"] == "update"]
               for i in ids}
    assert changed == {ids[0]: [], ids[1]: [(2, "phone")], ids[2]: [], ids[3]: [(2, "living_allowance_amount")],
                       ids[4]: [(2, "disability_level"), (2, "phone")], ids[5]: []}
    assert store.get("disabled_person", ids[2])["phone"] == "13800000000"
    assert store.get("disabled_person", ids[3])["living_allowance_amount"] == Decimal(150)
    assert [store.get("disabled_person", i)["_version"] for i in ids] == [1, 2, 1, 2, 2, 1]


def test_an_arbiter_is_shown_the_stored_columns_it_reads_beside_the_changed_ones(store):
    """A batch reads of its stored records only the columns it writes (and the key's, version's
    and unit's): an arbiter that weighs a change against another column says which it reads."""
    store.upsert("disabled_person", [person(phone="13800000000")], org_unit=VILLAGE)

    class Arbiter:
        reads = ["birth_date"]
        looked_up: list[int] = []
        seen: list[tuple] = []

        def look_up(self, record_ids):
            self.looked_up.extend(record_ids)

        def __call__(self, old, record, changed):
            self.seen.append((old.birth_date, old.phone, dict(changed)))
            return changed

    arbiter = Arbiter()
    records, problems = store.prepare("disabled_person", [{"id_number": ZHANG, "phone": "13911112222"}],
                                      org_unit=VILLAGE)
    assert not problems
    result = store.write("disabled_person", records, arbiter=arbiter)
    assert result.updated == 1 and len(arbiter.looked_up) == 1
    assert arbiter.seen == [(date(1965, 3, 12), "13800000000", {"phone": "13911112222"})]
    assert store.get("disabled_person", ZHANG)["phone"] == "13911112222"


def test_an_update_stores_each_records_own_values_of_every_type(store, engine, dictionary):
    """The update path writes through the driver: whole numbers, yes/no, a moment (two records'
    equal moments at other offsets each stored as its own), the update's time and source, and a
    database error said as a problem, nothing written."""
    from datetime import UTC, datetime, timedelta, timezone

    from yibiaotong.elements.dictionary import Dictionary
    from yibiaotong.elements.model import Element

    more = Dictionary([*dictionary.elements.values(), Element("visited_at", "走访时间", "datetime"),
                       Element("is_visited", "是否走访", "boolean")], dictionary.codelists.values())
    s = LedgerStore(engine, more)
    s.create_ledger(LedgerDef.from_dict({
        "id": "visit", "name": "走访台账", "subject": "person", "key": ["id_number"],
        "columns": ["id_number", "household_size", "visited_at", "is_visited"]}))
    ids = [make_id(f"500118196503120{n:02d}") for n in range(1, 4)]
    s.upsert("visit", [{"id_number": i, "household_size": "2"} for i in ids], org_unit=VILLAGE)
    utc, beijing = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, 8, tzinfo=timezone(timedelta(hours=8)))
    result = s.upsert("visit", [{"id_number": ids[0], "household_size": "3", "visited_at": utc, "is_visited": "是"},
                                {"id_number": ids[1], "household_size": "3", "visited_at": beijing, "is_visited": "否"},
                                {"id_number": ids[2], "household_size": "2"}], org_unit=VILLAGE)
    assert (result.updated, result.unchanged) == (2, 1)
    first, second = s.get("visit", ids[0]), s.get("visit", ids[1])
    assert (first["household_size"], first["is_visited"], second["is_visited"]) == (3, True, False)
    # each its own as given: SQLite keeps the clock time written, PostgreSQL the moment (in UTC)
    hours = (0, 8) if engine.dialect.name == "sqlite" else (0, 0)
    assert (first["visited_at"].hour, second["visited_at"].hour) == hours
    assert first["_version"] == 2 and first["_updated_at"] > first["_created_at"]
    assert first["_source_id"] == result.source_id != s.get("visit", ids[2])["_source_id"]
    records, problems = s.prepare("visit", [{"id_number": ids[0], "household_size": "4", "_org_unit": "999999999999"}],
                                  known_org_units={"999999999999"})
    assert not problems
    with pytest.raises(YbtError) as info:  # an existing record moved to a unit the tree does not hold
        s.write("visit", records)
    assert info.value.problems[0].code == "database-error"
    assert s.get("visit", ids[0])["household_size"] == 3
