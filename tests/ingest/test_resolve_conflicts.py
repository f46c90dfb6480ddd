"""Who a row is about when its ID number is missing (Splink), and which value wins when sources disagree."""

from __future__ import annotations

from sqlalchemy import select

from tests.ingest.conftest import TOWN, VILLAGE, person
from yibiaotong.forms.store import load_forms, save_forms
from yibiaotong.ingest import confirm_link, import_file, list_conflicts, list_links, reject_link
from yibiaotong.store import schema


def test_a_row_without_an_id_number_is_linked_by_name_birth_date_sex_and_address(intake):
    known = [person(i) for i in range(1, 6)]
    assert import_file(intake.engine, intake.roster("底册.xlsx", known), org_unit=TOWN).status == "imported"
    # 2月: person 3 without an ID number, same name, birth date, sex and address: certain
    later = person(3, **{"身份证号码": None, "残疾等级": "一级", "发放月份": "2024年2月"})
    report = import_file(intake.engine, intake.roster("二月.xlsx", [later]), org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 1, report.problems
    linked = report.sheets[0].linked
    assert len(linked) == 1 and linked[0].probability >= 0.99 and "*" in linked[0].record
    assert [w.code for w in report.warnings] == ["row-linked"]
    assert intake.store.get("person_disability", known[2]["身份证号码"])["disability_level"] == "1"


def test_an_uncertain_link_waits_for_a_person_and_is_never_merged_silently(intake):
    known = [person(i) for i in range(1, 6)]
    import_file(intake.engine, intake.roster("底册.xlsx", known), org_unit=TOWN)
    # same name and sex, birth date one digit off, an invalid ID number: maybe the same person
    maybe = person(3, **{"身份证号码": "50011819530404107", "出生日期": "1953-04-14", "残疾等级": "一级",
                         "家庭住址": "红星村4组"})
    feb = intake.roster("二月.xlsx", [maybe])
    report = import_file(intake.engine, feb, org_unit=TOWN)
    assert report.status == "imported" and report.sheets[0].rows_queued == 1 and report.rows_imported == 0
    assert intake.store.get("person_disability", known[2]["身份证号码"])["disability_level"] == "2"  # untouched
    waiting = list_links(intake.engine)
    assert len(waiting) == 1 and 0.5 <= waiting[0]["probability"] < 1  # likely, but the birth date differs
    assert waiting[0]["candidate_key"] == known[2]["身份证号码"] and waiting[0]["evidence"]["birth"] == "similar"
    assert "*" in waiting[0]["shown"]["身份证号码"]
    # importing the same file again, or a copy saved anew, asks nothing new
    assert import_file(intake.engine, feb, org_unit=TOWN).status == "already-imported"
    assert import_file(intake.engine, intake.roster("二月副本.xlsx", [maybe]), org_unit=TOWN).status == "no-change"
    assert len(list_links(intake.engine, status=None)) == 1
    confirm_link(intake.engine, waiting[0]["id"], by="张敏")
    assert intake.store.get("person_disability", known[2]["身份证号码"])["disability_level"] == "1"
    history = intake.store.history("person_disability", known[2]["身份证号码"])
    assert history[-1]["file_name"] == "二月.xlsx" and history[-1]["source_row"] == 5
    assert list_links(intake.engine) == []


def test_another_person_in_a_corrected_roster_of_the_same_month_is_listed_too(intake):
    """The same roster sent again for the same month and unit is a correction, and not listed — but
    not when it names someone else under an ID number (an error workbook re-imported as it was)."""
    jan = person(1)
    import_file(intake.engine, intake.roster("一月.xlsx", [jan]), org_unit=TOWN, period="2024-01")
    spaced = person(1, **{"姓名": "张 二 华", "联系电话": "13900000001"})
    import_file(intake.engine, intake.roster("一月改.xlsx", [spaced]), org_unit=TOWN, period="2024-01")
    assert list_conflicts(intake.engine) == []  # a correction: the phone, and the name spaced otherwise
    # another person's birth date and sex under the ID number say what the row is: refused, as it is
    other = person(2, **{"身份证号码": jan["身份证号码"]})
    report = import_file(intake.engine, intake.roster("一月再改.xlsx", [other]), org_unit=TOWN, period="2024-01")
    assert {p.code for p in report.problems} == {"birth-date-not-id", "gender-not-id"} and report.rows_imported == 0
    assert intake.store.get("person_identity", jan["身份证号码"])["person_name"] == jan["姓名"]
    # another name alone: listed for review
    renamed = person(1, **{"姓名": "李四", "联系电话": "13900000001"})
    import_file(intake.engine, intake.roster("一月三改.xlsx", [renamed]), org_unit=TOWN, period="2024-01")
    listed = {c["column_name"]: c["rule"] for c in list_conflicts(intake.engine)}
    assert listed == {"person_name": "correction"}


def test_a_wrong_id_number_is_said_beside_the_link_and_strict_mode_links_nothing(intake):
    """A row whose ID number fails its check digit is linked by name, birth date, sex and address,
    and the clerk is still told what was wrong with the number; --strict rejects the file instead."""
    known = [person(i) for i in range(1, 6)]
    import_file(intake.engine, intake.roster("底册.xlsx", known), org_unit=TOWN)
    typo = known[2]["身份证号码"][:17] + ("0" if known[2]["身份证号码"][17] != "0" else "1")
    row = person(3, **{"身份证号码": typo, "残疾等级": "一级", "发放月份": "2024年2月"})
    strict = import_file(intake.engine, intake.roster("二月严格.xlsx", [row]), org_unit=TOWN, strict=True)
    assert strict.status == "rejected" and [p.code for p in strict.problems] == ["id-number-checksum"]
    assert list_links(intake.engine) == [] and strict.sheets[0].linked == []
    report = import_file(intake.engine, intake.roster("二月.xlsx", [row]), org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 1 and len(report.sheets[0].linked) == 1
    codes = [w.code for w in report.warnings]
    assert codes == ["row-linked", "id-number-checksum"] and report.warnings[1].location["row"] == 5
    assert intake.store.get("person_disability", known[2]["身份证号码"])["disability_level"] == "1"


def test_a_rejected_link_writes_nothing(intake):
    import_file(intake.engine, intake.roster("底册.xlsx", [person(1), person(2)]), org_unit=TOWN)
    maybe = person(2, **{"身份证号码": "", "出生日期": "1952-03-13", "残疾等级": "一级", "家庭住址": None})
    import_file(intake.engine, intake.roster("二月.xlsx", [maybe]), org_unit=TOWN)
    link = list_links(intake.engine)[0]
    reject_link(intake.engine, link["id"], by="张敏")
    assert list_links(intake.engine, status="rejected")[0]["decided_by"] == "张敏"
    assert intake.store.get("person_disability", person(2)["身份证号码"])["disability_level"] == "2"


def test_a_row_like_nobody_is_returned_with_its_id_problem(intake):
    import_file(intake.engine, intake.roster("底册.xlsx", [person(1)]), org_unit=TOWN)
    stranger = person(7, **{"姓名": "欧阳修", "身份证号码": None})
    report = import_file(intake.engine, intake.roster("三月.xlsx", [stranger]), org_unit=TOWN)
    assert report.rows_invalid == 1 and [p.code for p in report.problems] == ["missing-key"]
    assert report.problems[0].location["column"] == "D"


def test_an_older_period_does_not_overwrite_a_newer_one_and_the_conflict_is_listed(intake):
    feb = person(1, **{"残疾等级": "一级", "发放月份": "2024年2月"})
    jan = person(1, **{"残疾等级": "二级"})
    import_file(intake.engine, intake.roster("二月.xlsx", [feb]), org_unit=TOWN, period="2024-02")
    report = import_file(intake.engine, intake.roster("一月.xlsx", [jan]), org_unit=TOWN, period="2024-01")
    assert report.sheets[0].values_kept == 2 and report.sheets[0].conflicts == 2  # level and payment month
    record = intake.store.get("person_disability", feb["身份证号码"])
    assert record["disability_level"] == "1" and record["payment_month"] == "2024-02"
    conflicts = {c["column_name"]: c for c in list_conflicts(intake.engine)}
    level = conflicts["disability_level"]
    assert level["kept"] == "old" and level["rule"] == "newer-period" and level["new_value"] == "2"
    assert level["old_file"] == "二月.xlsx" and level["new_file"] == "一月.xlsx" and level["new_period"] == "2024-01"
    history = intake.store.history("person_disability", feb["身份证号码"])
    assert [h["op"] for h in history] == ["insert", "conflict", "conflict"]  # both values kept, with sources
    # a newer period of the same form is an ordinary update: no conflict listed
    mar = person(1, **{"残疾等级": "三级", "发放月份": "2024年3月"})
    report = import_file(intake.engine, intake.roster("三月.xlsx", [mar]), org_unit=TOWN, period="2024-03")
    assert report.sheets[0].conflicts == 0
    assert intake.store.get("person_disability", feb["身份证号码"])["disability_level"] == "3"


def test_a_newer_period_naming_another_person_under_an_id_number_is_listed(intake):
    """A month does not change who a person is: the February roster's row under January's ID
    number with another name (the birth date and sex its ID number says: another's would refuse
    the row) is listed for review, while its subsidy month is an ordinary change."""
    jan = person(1)
    import_file(intake.engine, intake.roster("一月.xlsx", [jan]), org_unit=TOWN, period="2024-01")
    other = person(1, **{"姓名": person(2)["姓名"], "发放月份": "2024年2月"})
    report = import_file(intake.engine, intake.roster("二月.xlsx", [other]), org_unit=TOWN, period="2024-02")
    assert report.status == "imported"
    listed = {c["column_name"]: c for c in list_conflicts(intake.engine)}
    assert set(listed) == {"person_name"}
    assert listed["person_name"]["rule"] == "newer-period" and listed["person_name"]["old_value"] == jan["姓名"]
    assert listed["person_name"]["new_value"] == other["姓名"] and listed["person_name"]["new_file"] == "二月.xlsx"
    # the same name spaced to line up (张 三 强 in March) is the same person: nothing more listed
    padded = person(1, **{"姓名": " ".join(person(2)["姓名"]), "发放月份": "2024年3月"})
    import_file(intake.engine, intake.roster("三月.xlsx", [padded]), org_unit=TOWN, period="2024-03")
    assert len(list_conflicts(intake.engine)) == 1


def test_the_authoritative_department_wins_whatever_the_period(intake, tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "authority.yaml").write_text("authority:\n  disability_level: 残联\n", encoding="utf-8")
    forms = load_forms(intake.engine)
    civil = type(forms[0]).from_dict({**forms[0].to_dict(), "id": "civil_roster", "department": "民政局"})
    save_forms(intake.engine, "test", [])  # the forms move to a pack with an authority.yaml
    save_forms(intake.engine, str(pack), [forms[0], civil])
    import_file(intake.engine, intake.roster("残联.xlsx", [person(1)]), form="disability_roster", org_unit=TOWN,
                period="2024-01")
    report = import_file(intake.engine, intake.roster("民政.xlsx", [person(1, **{"残疾等级": "三级"})]),
                         form="civil_roster", org_unit=TOWN, period="2024-02")
    assert report.sheets[0].values_kept == 1
    assert intake.store.get("person_disability", person(1)["身份证号码"])["disability_level"] == "2"
    (conflict,) = list_conflicts(intake.engine)
    assert conflict["rule"] == "authority" and conflict["kept"] == "old"


def test_same_period_disagreement_takes_the_later_import_and_lists_it(intake):
    """Two reporters disagreeing about the same month: the village's roster after the town's."""
    import_file(intake.engine, intake.roster("甲.xlsx", [person(1)]), org_unit=TOWN, period="2024-01")
    report = import_file(intake.engine, intake.roster("乙.xlsx", [person(1, **{"联系电话": "13900000000"})]),
                         org_unit=VILLAGE, period="2024-01")
    assert report.sheets[0].conflicts == 1
    assert intake.store.get("person_identity", person(1)["身份证号码"])["phone"] == "13900000000"
    (conflict,) = list_conflicts(intake.engine)
    assert conflict["rule"] == "same-period" and conflict["kept"] == "new" and conflict["old_value"] == "13800000001"
    with intake.engine.connect() as conn:
        assert conn.execute(select(schema.conflict.c.status)).scalar_one() == "open"


def test_a_corrected_roster_sent_again_is_no_conflict_but_another_forms_value_is(intake):
    """The same form, month and unit imported again with values fixed: the same source revising
    itself. The corrections are updates, both values in the history with their files; nobody is
    asked to review them. Another form's different value for that month still is listed."""
    jan = person(1, **{"残疾等级": "二级"})
    import_file(intake.engine, intake.roster("一月.xlsx", [jan, person(2)]), org_unit=TOWN, period="2024-01")
    fixed = person(1, **{"残疾等级": "一级", "联系电话": "13900000000"})
    report = import_file(intake.engine, intake.roster("一月（更正）.xlsx", [fixed, person(2)]), org_unit=TOWN,
                         period="2024-01")
    assert report.status == "imported" and report.sheets[0].conflicts == 0 and report.sheets[0].values_kept == 0
    assert list_conflicts(intake.engine, status=None) == []
    key = jan["身份证号码"]
    assert intake.store.get("person_disability", key)["disability_level"] == "1"
    assert intake.store.get("person_identity", key)["phone"] == "13900000000"
    history = intake.store.history("person_disability", key)
    assert [(h["op"], h["file_name"]) for h in history] == [("insert", "一月.xlsx"), ("update", "一月（更正）.xlsx")]
    # the same month from another form of another department: a second opinion, listed
    forms = load_forms(intake.engine)
    civil = type(forms[0]).from_dict({**forms[0].to_dict(), "id": "civil_roster", "department": "民政局"})
    save_forms(intake.engine, "test", [forms[0], civil])
    civil = person(1, **{"残疾等级": "三级", "联系电话": "13900000000"})
    report = import_file(intake.engine, intake.roster("民政.xlsx", [civil]), form="civil_roster", org_unit=TOWN,
                         period="2024-01")
    assert report.sheets[0].conflicts == 1  # the level: the rest of the row is as corrected
    (level,) = list_conflicts(intake.engine)
    assert level["column_name"] == "disability_level" and level["rule"] == "same-period"
    assert level["old_file"] == "一月（更正）.xlsx" and level["new_value"] == "3"


def test_an_old_draft_sent_again_after_its_correction_is_listed(intake):
    """The clerk picks last week's file by mistake: its values are taken (the last import wins) but,
    being no correction, every value it takes back is listed for review."""
    draft = intake.roster("一月.xlsx", [person(1, **{"残疾等级": "二级"})])
    import_file(intake.engine, draft, org_unit=TOWN, period="2024-01")
    fixed = intake.roster("一月（更正）.xlsx", [person(1, **{"残疾等级": "一级"})])
    assert import_file(intake.engine, fixed, org_unit=TOWN, period="2024-01").sheets[0].conflicts == 0
    again = import_file(intake.engine, draft, org_unit=TOWN, period="2024-01")
    assert again.status == "imported" and again.sheets[0].conflicts == 1
    (level,) = list_conflicts(intake.engine)
    assert (level["old_file"], level["new_file"], level["new_value"]) == ("一月（更正）.xlsx", "一月.xlsx", "2")


def test_two_villages_sending_the_same_form_up_through_their_town_are_two_sources(intake):
    """Two rosters of one form and month, both imported for the town, that put one person in two
    villages: the second is no correction of the first (the record would move), it is listed."""
    import_file(intake.engine, intake.roster("红星村一月.xlsx", [person(1)]), org_unit=TOWN, period="2024-01")
    other = person(1, **{"村（社区）": "黄瓜山村", "联系电话": "13900000000"})
    report = import_file(intake.engine, intake.roster("黄瓜山村一月.xlsx", [other]), org_unit=TOWN, period="2024-01")
    assert report.sheets[0].conflicts == 1
    (phone,) = list_conflicts(intake.engine)
    assert phone["column_name"] == "phone" and phone["rule"] == "same-period" and phone["new_file"] == "黄瓜山村一月.xlsx"


def test_a_district_wide_roster_corrected_is_a_correction(intake):
    """A department's district-wide roster names each row's village: sent again corrected, it is
    the same source revising itself, for no unit as for one."""
    first = person(1, **{"村（社区）": "黄瓜山村"})  # one village of that name in the district
    assert import_file(intake.engine, intake.roster("全区一月.xlsx", [first]), period="2024-01").rows_imported == 1
    again = {**first, "联系电话": "13900000000"}
    report = import_file(intake.engine, intake.roster("全区一月（更正）.xlsx", [again]), period="2024-01")
    assert report.status == "imported" and report.sheets[0].conflicts == 0
    assert intake.store.get("person_identity", first["身份证号码"])["phone"] == "13900000000"


def test_villages_rosters_without_a_village_column_sent_up_by_their_town_are_two_sources(intake):
    """Rows naming no place under the town they were imported for may be any village's: the second
    roster's different value is listed, not taken as a correction of the first."""
    first = person(1, **{"村（社区）": None})
    import_file(intake.engine, intake.roster("红星村.xlsx", [first]), org_unit=TOWN, period="2024-01")
    other = {**first, "联系电话": "13900000000"}
    report = import_file(intake.engine, intake.roster("黄瓜山村.xlsx", [other]), org_unit=TOWN, period="2024-01")
    assert report.sheets[0].conflicts == 1 and list_conflicts(intake.engine)[0]["rule"] == "same-period"


def test_a_village_clerks_own_roster_corrected_needs_no_village_column(intake):
    """Imported for a village, every row is the village's own: its correction is one."""
    first = person(1, **{"村（社区）": None})
    import_file(intake.engine, intake.roster("一月.xlsx", [first]), org_unit=VILLAGE, period="2024-01")
    fixed = {**first, "联系电话": "13900000000"}
    report = import_file(intake.engine, intake.roster("一月（改）.xlsx", [fixed]), org_unit=VILLAGE, period="2024-01")
    assert report.sheets[0].conflicts == 0
    assert intake.store.get("person_identity", first["身份证号码"])["phone"] == "13900000000"


def test_an_old_draft_saved_anew_takes_back_a_correction_listed(intake):
    """Not byte for byte the file imported before (opened and saved again, a row added): a value
    the record held before its correction, brought back, is listed all the same."""
    import_file(intake.engine, intake.roster("一月.xlsx", [person(1, **{"残疾等级": "二级"})]), org_unit=TOWN,
                period="2024-01")
    import_file(intake.engine, intake.roster("一月（更正）.xlsx", [person(1, **{"残疾等级": "一级"})]), org_unit=TOWN,
                period="2024-01")
    resaved = intake.roster("一月（另存）.xlsx", [person(1, **{"残疾等级": "二级"}), person(2)])
    report = import_file(intake.engine, resaved, org_unit=TOWN, period="2024-01")
    assert report.sheets[0].conflicts == 1
    (level,) = list_conflicts(intake.engine)
    assert level["new_file"] == "一月（另存）.xlsx" and level["new_value"] == "2"


def test_a_value_updated_after_the_insert_keeps_its_own_source_after_a_downgrade_and_upgrade(intake):
    """Migration 0013's downgrade writes each insert run back as insert changes, after the records'
    updates: the value a later file wrote is still that file's, not the first file's."""
    from alembic import command

    from yibiaotong.store.migrate import alembic_config, upgrade

    jan = person(1, **{"残疾等级": "二级"})
    import_file(intake.engine, intake.roster("一月.xlsx", [jan]), org_unit=TOWN, period="2024-01")
    mar = person(1, **{"残疾等级": "一级"})
    import_file(intake.engine, intake.roster("三月.xlsx", [mar]), org_unit=TOWN, period="2024-03")
    config = alembic_config(intake.engine)
    with intake.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0012")
    upgrade(intake.engine)
    feb = person(1, **{"残疾等级": "三级"})
    import_file(intake.engine, intake.roster("二月.xlsx", [feb]), org_unit=TOWN, period="2024-02")
    assert intake.store.get("person_disability", jan["身份证号码"])["disability_level"] == "1"  # March's stays
    level = next(c for c in list_conflicts(intake.engine) if c["column_name"] == "disability_level")
    assert level["kept"] == "old" and level["rule"] == "newer-period" and level["old_file"] == "三月.xlsx"


def test_an_age_a_year_on_is_no_conflict_but_an_age_the_birth_date_denies_is(engine, standard_dictionary, tmp_path):
    """年龄 kept from an earlier roster and the age at this roster's month: the person grew older, no
    second opinion to review (a report computes the age at its month, and reads back so). An age
    the birth date does not give at that month still disagrees and is listed."""
    from datetime import date

    from tests.ingest.conftest import DISTRICT, VILLAGE, fill_roster, id_number, install_roster
    from yibiaotong.ledgers import LedgerDef, LedgerStore
    from yibiaotong.orgunits import OrgTree, OrgUnit, save_tree

    standard_dictionary.save(engine)
    save_tree(engine, OrgTree([OrgUnit(DISTRICT, "永川区", "district"), OrgUnit(TOWN, "临江镇", "town", DISTRICT),
                               OrgUnit(VILLAGE, "红星村", "village", TOWN)]))
    store = LedgerStore(engine, standard_dictionary)
    store.create_ledger(LedgerDef.from_dict({
        "id": "person_identity", "name": "人口基础信息台账", "subject": "person", "key": ["id_number"],
        "columns": ["id_number", "person_name", "birth_date", "age"]}))
    fields = {"姓名": ("person_name", "person_identity"), "身份证号码": ("id_number", "person_identity"),
              "年龄": ("age", "person_identity"), "村（社区）": ("village", None)}
    elderly = install_roster(engine, tmp_path, "高龄老人花名册", fields)
    survey = install_roster(engine, tmp_path, "老年人健康管理花名册", fields, department="卫健")
    wang, li = id_number(date(1944, 3, 10), 31), id_number(date(1950, 9, 1), 42)
    rows = [{"姓名": "王秀英", "身份证号码": wang, "年龄": 79, "村（社区）": "红星村"},
            {"姓名": "李德发", "身份证号码": li, "年龄": 72, "村（社区）": "红星村"}]
    first = import_file(engine, fill_roster(elderly, tmp_path / "一月.xlsx", rows), form="高龄老人花名册",
                        org_unit=TOWN, period="2024-01")
    assert first.status == "imported" and first.rows_imported == 2, first.problems
    # June, another department's roster: 王秀英 turned 80 in March; 李德发 is 73 on no day of June
    june = [{**rows[0], "年龄": 80}, {**rows[1], "年龄": 75}]
    report = import_file(engine, fill_roster(survey, tmp_path / "六月.xlsx", june), form="老年人健康管理花名册",
                         org_unit=TOWN, period="2024-06")
    assert report.status == "imported", report.problems
    assert store.get("person_identity", wang)["age"] == 80 and store.get("person_identity", li)["age"] == 75
    listed = list_conflicts(engine)
    assert [(c["record_key"], c["old_value"], c["new_value"]) for c in listed] == [(li, 72, 75)]
