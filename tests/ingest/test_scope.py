"""An import for a town or a village changes records kept there and below, never elsewhere."""

from __future__ import annotations

from tests.ingest.conftest import OTHER_TOWN, OTHER_VILLAGE, TOWN, VILLAGE, VILLAGE2, person
from yibiaotong.ingest import import_file
from yibiaotong.ingest.review import list_links


def test_a_row_whose_record_is_kept_in_another_town_is_refused_and_the_rest_go_in(intake):
    theirs = person(7)
    import_file(intake.engine, intake.roster("朱沱底册.xlsx", [theirs]), org_unit=OTHER_TOWN)
    kept = intake.store.get("person_disability", theirs["身份证号码"])
    assert kept["_org_unit"] == OTHER_VILLAGE

    mine = person(1)
    report = import_file(intake.engine, intake.roster("临江.xlsx", [mine, {**theirs, "残疾等级": "一级"}]),
                         org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 1 and report.rows_invalid == 1
    # one problem for the record, naming each ledger the row would have changed in it
    (problem,) = [p for p in report.problems if p.code == "record-outside-scope"]
    assert problem.location["row"] == 6 and len(report.problems) == 1  # the second data row
    assert problem.message_zh.startswith("人员基础信息台账、残疾人信息台账中已有此记录（")
    assert problem.location["header"] == "身份证号码"
    assert "朱沱" not in problem.message_zh and theirs["身份证号码"] not in problem.message_zh
    assert "办理迁移" in problem.hint_zh
    assert intake.store.get("person_disability", theirs["身份证号码"]) == kept  # not moved, not overwritten
    assert intake.store.get("person_disability", mine["身份证号码"])["_org_unit"] == VILLAGE
    # the district may move it (the person moved house): the same row imported district-wide goes in
    moved = {**theirs, "残疾等级": "一级", "村（社区）": "黄瓜山村"}  # a name no other town has
    report = import_file(intake.engine, intake.roster("区里.xlsx", [moved]))
    assert report.rows_imported == 1, report.problems
    assert intake.store.get("person_disability", theirs["身份证号码"])["_org_unit"] == VILLAGE2


def test_a_row_without_an_id_number_is_not_linked_to_someone_of_another_town(intake):
    theirs = person(7)
    import_file(intake.engine, intake.roster("朱沱底册.xlsx", [theirs]), org_unit=OTHER_TOWN)
    kept = intake.store.get("person_disability", theirs["身份证号码"])
    lookalike = {**theirs, "身份证号码": None, "残疾等级": "一级"}  # same name, sex, birth date: a sure match
    report = import_file(intake.engine, intake.roster("临江缺号.xlsx", [lookalike]), org_unit=TOWN)
    assert report.rows_imported == 0 and not report.sheets[0].linked and list_links(intake.engine) == []
    assert intake.store.get("person_disability", theirs["身份证号码"]) == kept
    # for the district the same row is that person
    report = import_file(intake.engine, intake.roster("区里缺号.xlsx", [{**lookalike, "村（社区）": "黄瓜山村"}]))
    assert report.rows_imported == 1 and len(report.sheets[0].linked) == 1, report.problems
