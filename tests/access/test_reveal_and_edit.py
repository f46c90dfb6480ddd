"""Masking, reveal with purpose and audit, edits with validation and version conflicts."""

from __future__ import annotations

import json
import logging
import re

from sqlalchemy import select

from tests.access.world import LJ_GRID, LJ_VILLAGE, ZT_VILLAGE
from tests.web.helpers import csrf_of, login_client
from yibiaotong.store.schema import audit, change


def _audit_rows(engine):
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(audit).order_by(audit.c.id)).mappings()]


def test_full_id_appears_only_after_reveal_and_never_in_the_audit_table(app, world, api, caplog):
    caplog.set_level(logging.DEBUG)
    person = world.person_of(LJ_VILLAGE)
    rid = world.record_in("person_identity", LJ_VILLAGE)
    c = api("lj_village")
    before = c.get(f"/api/ledgers/person_identity/records/{rid}").text
    assert person.id_number not in before and person.phone not in before
    values = json.loads(before)["record"]["values"]
    assert values["id_number"] == person.id_number[:6] + "********" + person.id_number[-4:]
    assert values["phone"] == person.phone[:3] + "****" + person.phone[7:]
    assert person.id_number not in c.get("/api/ledgers/person_identity/records", params={"limit": 500}).text
    assert person.id_number not in c.get(f"/api/ledgers/person_identity/records/{rid}/history").text
    # a purpose is required
    r = c.post(f"/api/ledgers/person_identity/records/{rid}/reveal", json={"column": "id_number", "purpose": " "})
    assert r.status_code == 422 and r.json()["error"] == "purpose-required"
    assert not [a for a in _audit_rows(world.engine) if a["action"] == "reveal"]
    r = c.post(f"/api/ledgers/person_identity/records/{rid}/reveal",
               json={"column": "id_number", "purpose": f"核实低保资格 {person.id_number}"})
    assert r.status_code == 200 and r.json()["value"] == person.id_number
    reveals = [a for a in _audit_rows(world.engine) if a["action"] == "reveal"]
    assert len(reveals) == 1
    entry = reveals[0]
    assert entry["actor"] == "lj_village" and entry["purpose"].startswith("核实低保资格")
    assert entry["details"] == {"ledger": "person_identity", "record": rid, "column": "id_number", "org_unit": LJ_VILLAGE}
    # the full number is nowhere in the audit table (not even when typed into the purpose), nor in any log
    assert person.id_number not in json.dumps(_audit_rows(world.engine), ensure_ascii=False, default=str)
    assert person.id_number not in caplog.text
    # the next read is masked again: a reveal is one value, once
    assert person.id_number not in c.get(f"/api/ledgers/person_identity/records/{rid}").text


def test_reveal_in_the_browser_is_a_post_with_csrf_and_purpose(app, world):
    person = world.person_of(LJ_VILLAGE)
    rid = world.record_in("person_identity", LJ_VILLAGE)
    c = login_client(app, "linjiang")
    page = c.get(f"/ledgers/person_identity/records/{rid}")
    assert page.status_code == 200 and person.id_number not in page.text and "查看完整信息" in page.text
    url = f"/ledgers/person_identity/records/{rid}/reveal"
    forged = c.post(url, data={"csrf": "forged", "column": "id_number", "purpose": "核实低保资格"})
    assert forged.status_code == 403 and person.id_number not in forged.text
    missing = c.post(url, data={"csrf": csrf_of(page.text), "column": "id_number", "purpose": ""})
    assert missing.status_code == 422 and "用途" in missing.text and person.id_number not in missing.text
    shown = c.post(url, data={"csrf": csrf_of(page.text), "column": "id_number", "purpose": "核实低保资格"})
    assert shown.status_code == 200 and person.id_number in shown.text
    assert shown.headers["cache-control"] == "no-store"
    assert person.id_number not in c.get(f"/ledgers/person_identity/records/{rid}").text
    admin = login_client(app, "admin")
    log = admin.get("/admin/audit", params={"action": "reveal"}).text
    assert "linjiang" in log and "核实低保资格" in log and person.id_number not in log


def test_users_without_the_reveal_right_cannot_reveal(api, world):
    rid = world.record_in("person_disability", LJ_VILLAGE)
    r = api("minzheng").post(f"/api/ledgers/person_disability/records/{rid}/reveal",
                             json={"column": "id_number", "purpose": "核实残疾人补贴"})
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    r = api("lj_grid").post(f"/api/ledgers/person_identity/records/{world.record_in('person_identity', LJ_GRID)}/reveal",
                            json={"column": "id_number", "purpose": "核实身份"})
    assert r.status_code == 403


def test_masked_columns_search_by_whole_value_only(api, world):
    person = world.person_of(ZT_VILLAGE)
    c = api("admin")
    whole = c.get("/api/ledgers/person_identity/records", params={"q": person.id_number}).json()["records"]
    assert [r["org_unit"] for r in whole] == [ZT_VILLAGE]
    part = c.get("/api/ledgers/person_identity/records", params={"q": person.id_number[:10]}).json()["records"]
    assert part == []  # no probing masked digits with partial searches
    by_name = c.get("/api/ledgers/person_identity/records", params={"q": person.name}).json()["records"]
    assert len(by_name) == 1
    assert c.get("/api/ledgers/person_identity/records", params={"sort": "id_number"}).status_code == 422
    hidden = api("minzheng").get("/api/ledgers/person_identity/records", params={"filter": "marital_status:20"})
    assert hidden.status_code == 422  # a hidden column can neither be shown nor filtered on


def test_edit_validates_and_refuses_stale_versions(api, world):
    rid = world.record_in("person_identity", LJ_VILLAGE)
    c = api("linjiang")
    record = c.get(f"/api/ledgers/person_identity/records/{rid}").json()["record"]
    bad = c.patch(f"/api/ledgers/person_identity/records/{rid}",
                  json={"version": record["version"], "values": {"birth_date": "2023-02-30", "phone": "12"}})
    assert bad.status_code == 422
    columns = {d["location"]["column"] for d in bad.json()["details"]}
    assert columns == {"birth_date", "phone"} and "日期无效" in bad.json()["message"] + json.dumps(bad.json()["details"], ensure_ascii=False)
    ok = c.patch(f"/api/ledgers/person_identity/records/{rid}",
                 json={"version": record["version"], "values": {"person_name": "新名字"}})
    assert ok.status_code == 200 and ok.json()["record"]["version"] == record["version"] + 1
    stale = c.patch(f"/api/ledgers/person_identity/records/{rid}",
                    json={"version": record["version"], "values": {"person_name": "另一个名字"}})
    assert stale.status_code == 409 and stale.json()["error"] == "version-conflict"
    assert c.get(f"/api/ledgers/person_identity/records/{rid}").json()["record"]["values"]["person_name"] == "新名字"
    history = c.get(f"/api/ledgers/person_identity/records/{rid}/history").json()["history"]
    assert history[0]["source"]["file_name"] == "花名册.xlsx" and history[0]["source"]["sheet"] == "Sheet1"
    assert history[-1]["source"] == {"kind": "user", "actor": "linjiang", "file_name": None, "sheet": None,
                                     "source_row": None, "period": None, "task": None}
    with world.engine.connect() as conn:
        assert conn.execute(select(change.c.new_value).where(change.c.column_name == "person_name")).scalar() == "新名字"


def test_a_birth_date_in_the_future_is_refused_on_edit_and_found_by_a_filter(api, world):
    """A typed birth date may not lie ahead; one stored before that rule can still be looked for
    (a filter parses its value without the rules) so that it can be corrected."""
    rid = world.record_in("person_identity", LJ_VILLAGE)
    with world.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE ledger_person_identity SET birth_date = '2052-03-14' WHERE _id = {rid}")
    c = api("linjiang")
    found = c.get("/api/ledgers/person_identity/records", params={"filter": "birth_date:2052-03-14"})
    assert found.status_code == 200 and [r["id"] for r in found.json()["records"]] == [rid]
    record = c.get(f"/api/ledgers/person_identity/records/{rid}").json()["record"]
    bad = c.patch(f"/api/ledgers/person_identity/records/{rid}",
                  json={"version": record["version"], "values": {"birth_date": "2062-03-14"}})
    assert bad.status_code == 422 and bad.json()["details"][0]["code"] == "date-in-future"
    assert bad.json()["details"][0]["location"]["column"] == "birth_date"
    fixed = c.patch(f"/api/ledgers/person_identity/records/{rid}",
                    json={"version": record["version"], "values": {"birth_date": "1952-03-14"}})
    assert fixed.status_code == 200


def test_edit_page_shows_errors_next_to_the_field_and_conflicts_without_overwriting(app, world):
    rid = world.record_in("person_identity", LJ_VILLAGE)
    a, b = login_client(app, "linjiang"), login_client(app, "admin")
    page_a = a.get(f"/ledgers/person_identity/records/{rid}").text
    page_b = b.get(f"/ledgers/person_identity/records/{rid}").text
    url = f"/ledgers/person_identity/records/{rid}"
    bad = a.post(url, data={"csrf": csrf_of(page_a), "version": "1", "v_birth_date": "1990-13-40"})
    assert bad.status_code == 422 and 'class="field-error"' in bad.text and "日期无效" in bad.text
    saved = b.post(url, data={"csrf": csrf_of(page_b), "version": "1", "v_person_name": "管理员改的名字"},
                   follow_redirects=False)
    assert saved.status_code == 303
    conflict = a.post(url, data={"csrf": csrf_of(page_a), "version": "1", "v_person_name": "镇里改的名字"})
    assert conflict.status_code == 409 and "已被他人修改" in conflict.text
    assert 'value="镇里改的名字"' in conflict.text  # the clerk's input is kept to compare
    assert "管理员改的名字" in a.get(url).text  # and nothing was overwritten


def test_a_records_history_shows_beijing_time_like_the_rest_of_the_app(app, world):
    from datetime import UTC, datetime

    from yibiaotong.access.audit import LOCAL

    rid = world.record_in("person_identity", LJ_GRID)
    c = login_client(app, "admin")
    url = f"/ledgers/person_identity/records/{rid}"
    page = c.get(url).text
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    before = datetime.now(UTC)
    c.post(url, data={"csrf": csrf_of(page), "version": version, "v_person_name": "北京时间"}, follow_redirects=False)
    shown = {before.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M"), datetime.now(LOCAL).strftime("%Y-%m-%d %H:%M")}
    after = c.get(url).text
    assert any(f"<td>{when}</td>" in after for when in shown), shown  # it showed UTC, 8 hours behind


def test_department_edits_only_granted_writable_ledgers(api, world):
    rid = world.record_in("person_disability", ZT_VILLAGE)
    c = api("minzheng")
    record = c.get(f"/api/ledgers/person_disability/records/{rid}").json()["record"]
    ok = c.patch(f"/api/ledgers/person_disability/records/{rid}",
                 json={"version": record["version"], "values": {"disability_level": "2"}})
    assert ok.status_code == 200
    rid2 = world.record_in("person_identity", ZT_VILLAGE)
    ro = c.patch(f"/api/ledgers/person_identity/records/{rid2}", json={"version": 1, "values": {"person_name": "x"}})
    assert ro.status_code == 403


def test_session_api_calls_that_change_data_need_the_csrf_header(app, world):
    rid = world.record_in("person_identity", LJ_VILLAGE)
    c = login_client(app, "linjiang")
    body = {"column": "id_number", "purpose": "核实身份"}
    assert c.post(f"/api/ledgers/person_identity/records/{rid}/reveal", json=body).status_code == 403
    token = csrf_of(c.get("/ledgers").text)
    r = c.post(f"/api/ledgers/person_identity/records/{rid}/reveal", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 200


def test_a_masked_value_sent_back_unchanged_never_overwrites_the_record(api, world):
    rid = world.record_in("person_disability", LJ_VILLAGE)
    c = api("lj_village")
    shown = c.get(f"/api/ledgers/person_disability/records/{rid}").json()["record"]
    assert shown["values"]["disability_cert_number"] == "***"
    saved = c.patch(f"/api/ledgers/person_disability/records/{rid}",
                    json={"version": shown["version"], "values": dict(shown["values"])})  # the whole record back
    assert saved.status_code == 200
    with world.engine.connect() as conn:
        kept = conn.exec_driver_sql(f"SELECT disability_cert_number FROM ledger_person_disability WHERE _id = {rid}").scalar()
    assert kept and "*" not in kept
    pid = world.record_in("person_identity", LJ_VILLAGE)
    person = c.get(f"/api/ledgers/person_identity/records/{pid}").json()["record"]
    stars = c.patch(f"/api/ledgers/person_identity/records/{pid}",
                    json={"version": person["version"], "values": {"person_name": "王***"}})  # a masked copy's name
    assert stars.status_code == 422 and stars.json()["error"] == "masked-value"
