"""Alerts in the web app: each role sees exactly its scope, actions need CSRF and write rights and are
audited, dismissing needs a reason, the export is scoped and masked, and a record's page shows its
alerts and the eligibility checks."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.access.world import LINJIANG, LJ_GRID, LJ_VILLAGE, SCOPES, UNITS, USERS, ZT_VILLAGE, build_world
from tests.web.alerts_world import expected_count, plant_alerts, severe_policy_pack
from tests.web.helpers import csrf_of, login_client
from yibiaotong.access import audit
from yibiaotong.rules import get_alert, list_alerts
from yibiaotong.web.app import create_app

ALL_UNITS = {u.code for u in UNITS}


def _total(page: str) -> int:
    return int(re.search(r"共 ([\d,]+) 条", page).group(1).replace(",", ""))


def _ids(page: str) -> set[int]:
    return {int(i) for i in re.findall(r'href="/alerts/(\d+)"', page)}


@pytest.fixture(scope="module")
def app(planted):
    return create_app(engine=planted.engine, secret_key="test")


def _alert_in(engine, rule_id: str, unit: str) -> dict:
    return next(a for a in list_alerts(engine, rule_id=rule_id, limit=None) if a["org_unit"] == unit)


def test_each_role_sees_exactly_its_scope(engine):
    world = build_world(engine)
    plant_alerts(world)
    app = create_app(engine=engine, secret_key="test")
    everything = list_alerts(engine, limit=None)
    ghost = max(a["id"] for a in everything) + 1000
    one_each = {(a["rule_id"], a["org_unit"]): a for a in everything}.values()  # one alert per rule and unit
    for user, role, _unit, department in USERS:
        c = login_client(app, user)
        units = SCOPES.get(user, ALL_UNITS)
        mine = {a["id"] for a in everything if a["org_unit"] in units
                and (role != "department" or a["department"] == department)}
        assert len(mine) == expected_count(user) > 0, user
        page = c.get("/alerts", params={"status": "all"})
        assert page.status_code == 200 and _total(page.text) == len(mine), user
        api = c.get("/api/alerts", params={"limit": 500}).json()
        assert api["total"] == len(mine) and {a["id"] for a in api["alerts"]} == mine, user
        assert all(a["org_unit"] in units for a in api["alerts"]), user
        # an alert outside the scope answers exactly like one that does not exist
        missing = c.get(f"/alerts/{ghost}")
        for a in one_each:
            r = c.get(f"/alerts/{a['id']}")
            if a["id"] in mine:
                assert r.status_code == 200, (user, a["id"])
            else:
                assert r.status_code == 404 and a["explanation"] not in r.text, (user, a["id"])
                same = r.text.replace(f"/alerts/{a['id']}", "/alerts/N") == missing.text.replace(f"/alerts/{ghost}", "/alerts/N")
                assert same, (user, a["id"])  # (the pages differ only in the language switch's link back)
        if user in ("linjiang", "lj_village", "lj_grid", "zhutuo"):
            away = ZT_VILLAGE if user != "zhutuo" else LJ_VILLAGE
            refused = c.get("/api/alerts", params={"org_unit": away})
            assert refused.status_code == 403 and '"alerts"' not in refused.text
            assert not any(p.name in refused.text for p in world.people if p.unit == away)


def test_actions_need_csrf_and_write_rights_and_are_audited(engine):
    world = build_world(engine)
    plant_alerts(world)
    app = create_app(engine=engine, secret_key="test")
    disability = _alert_in(engine, "test_disability_check", LJ_VILLAGE)
    rice = _alert_in(engine, "test_rice_parcel", LJ_VILLAGE)
    minzheng, nongye, town = (login_client(app, u) for u in ("minzheng", "nongye", "linjiang"))

    # no CSRF token: refused, nothing changes
    r = minzheng.post(f"/alerts/{disability['id']}/acknowledge", data={"reason": ""})
    assert r.status_code == 403 and "CSRF" in r.text
    assert get_alert(engine, disability["id"])["status"] == "new"

    # a department that only reads its ledgers reads its alerts but may not change them
    page = nongye.get(f"/alerts/{rice['id']}")
    assert "只有查看权限" in page.text and "action-acknowledge" not in page.text
    r = nongye.post(f"/alerts/{rice['id']}/acknowledge", data={"csrf": csrf_of(page.text)})
    assert r.status_code == 403 and "无权" in r.text
    assert get_alert(engine, rice["id"])["status"] == "new"
    # another department's alert is not there for it
    assert nongye.post(f"/alerts/{disability['id']}/acknowledge", data={"csrf": csrf_of(page.text)}).status_code == 404

    # 民政局 writes person_disability: it acknowledges its alert
    page = minzheng.get(f"/alerts/{disability['id']}")
    r = minzheng.post(f"/alerts/{disability['id']}/acknowledge", data={"csrf": csrf_of(page.text), "reason": "已转村核实"},
                      follow_redirects=False)
    assert r.status_code == 303
    assert "已签收。" in minzheng.get(r.headers["location"]).text
    assert get_alert(engine, disability["id"])["status"] == "acknowledged"

    # the town dismisses the rice alert: without a reason a clear Chinese error, nothing changes
    page = town.get(f"/alerts/{rice['id']}")
    csrf = csrf_of(page.text)
    r = town.post(f"/alerts/{rice['id']}/dismiss", data={"csrf": csrf, "reason": "  "})
    assert r.status_code == 422
    assert "忽略预警必须写明理由" in r.text and "忽略理由" in r.text
    assert get_alert(engine, rice["id"])["status"] == "new"
    r = town.post(f"/alerts/{rice['id']}/dismiss", data={"csrf": csrf, "reason": "已核实：实为水稻制种田"},
                  follow_redirects=False)
    assert r.status_code == 303
    after = get_alert(engine, rice["id"])
    assert after["status"] == "dismissed" and after["status_reason"] == "已核实：实为水稻制种田"
    assert "已核实：实为水稻制种田" in town.get(f"/alerts/{rice['id']}").text  # in its history

    # a dismissed alert cannot be resolved (told why, in Chinese); it can be reopened
    r = town.post(f"/alerts/{rice['id']}/resolve", data={"csrf": csrf})
    assert r.status_code == 409 and "已忽略" in r.text and "不能办结" in r.text
    r = town.post(f"/alerts/{rice['id']}/reopen", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and get_alert(engine, rice["id"])["status"] == "new"

    # out of the town's scope: not there; an unknown action: not there
    other = _alert_in(engine, "test_rice_parcel", ZT_VILLAGE)
    assert town.post(f"/alerts/{other['id']}/dismiss", data={"csrf": csrf, "reason": "x"}).status_code == 404
    assert town.post(f"/alerts/{rice['id']}/delete", data={"csrf": csrf}).status_code == 404
    assert get_alert(engine, other["id"])["status"] == "new"

    entries = [e for e in audit.entries(engine, limit=50) if e.action.startswith("alert-")]
    done = {(e.actor, e.action, e.details["alert"], e.details["to"]) for e in entries}
    assert done == {("minzheng", "alert-acknowledge", disability["id"], "acknowledged"),
                    ("linjiang", "alert-dismiss", rice["id"], "dismissed"),
                    ("linjiang", "alert-reopen", rice["id"], "new")}
    assert next(e for e in entries if e.action == "alert-dismiss").purpose == "已核实：实为水稻制种田"


def test_filters_and_pages(app, planted):
    c = login_client(app, "admin")
    assert _total(c.get("/alerts").text) == expected_count("admin")  # all open at first
    assert _total(c.get("/alerts", params={"rule": "test_rice_parcel", "status": "all"}).text) == \
        expected_count("admin", "test_rice_parcel")
    assert _total(c.get("/alerts", params={"severity": "high", "status": "all"}).text) == \
        expected_count("admin", "test_disability_check")
    town_only = c.get("/alerts", params={"org_unit": LINJIANG, "status": "all"}).text
    assert _total(town_only) == expected_count("linjiang")
    assert _total(c.get("/alerts", params={"status": "dismissed"}).text) == len(
        list_alerts(planted.engine, status="dismissed", limit=None))
    first, second = c.get("/alerts", params={"status": "all"}).text, c.get("/alerts", params={"status": "all", "page": 2}).text
    assert "第 1 / 2 页" in first and "第 2 / 2 页" in second
    assert len(_ids(first)) == 50 and _ids(first).isdisjoint(_ids(second))
    assert len(_ids(first) | _ids(second)) == expected_count("admin")
    bad = c.get("/alerts", params={"severity": "urgent"})
    assert bad.status_code == 422 and "等级应为" in bad.text
    grid = login_client(app, "lj_grid")
    assert grid.get("/alerts", params={"org_unit": LJ_VILLAGE}).status_code == 403  # above its own unit


def test_an_alert_page_shows_evidence_masked_and_links_records_in_scope(app, planted):
    person = planted.person_of(LJ_GRID)
    alert = next(a for a in list_alerts(planted.engine, rule_id="test_disability_check", limit=None)
                 if person.name in a["explanation"])
    rid = planted.record_in("person_disability", LJ_GRID)
    for user in ("admin", "minzheng", "linjiang", "lj_grid"):
        page = login_client(app, user).get(f"/alerts/{alert['id']}").text
        assert person.name in page and person.id_number not in page, user
        assert f"{person.id_number[:6]}********{person.id_number[-4:]}" in page, user
        assert f'href="/ledgers/person_disability/records/{rid}"' in page, user
        assert "村（社区）上门核实" in page and "规则运行发现" in page, user
    # 民政局 reads only some columns of person_identity: the phone alert is not addressed to it,
    # the admin sees it with the record linked
    phone = _alert_in(planted.engine, "test_phone_on_file", LJ_GRID)
    assert login_client(app, "minzheng").get(f"/alerts/{phone['id']}").status_code == 404
    page = login_client(app, "admin").get(f"/alerts/{phone['id']}").text
    assert person.phone not in page and "138****" in page


def test_export_is_scoped_masked_and_audited(app, planted):
    c = login_client(app, "linjiang")
    r = c.get("/alerts/export", params={"status": "all"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content), read_only=True)
    rows = list(wb["预警清单"].iter_rows(values_only=True))
    assert rows[0][0] == "编号" and len(rows) - 1 == expected_count("linjiang")
    units = {row[5] for row in rows[1:]}
    assert units <= SCOPES["linjiang"]
    text = " ".join(str(v) for sheet in wb.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v)
    assert not any(p.id_number in text or p.phone in text for p in planted.people)
    assert not any(p.name in text for p in planted.people if p.unit not in SCOPES["linjiang"])
    assert "********" in text
    one_rule = c.get("/alerts/export", params={"status": "all", "rule": "test_rice_parcel", "org_unit": LJ_VILLAGE})
    rows = list(load_workbook(io.BytesIO(one_rule.content), read_only=True)["预警清单"].iter_rows(values_only=True))
    assert len(rows) - 1 == len(SCOPES["lj_village"]) * 3 and {row[16] for row in rows[1:]} == {"test_rice_parcel"}
    entries = audit.entries(planted.engine, actor="linjiang", action="alert-export")
    assert [e.details["count"] for e in entries[:2]] == [len(rows) - 1, expected_count("linjiang")]
    assert c.get("/alerts/export", params={"org_unit": ZT_VILLAGE}).status_code == 403


def test_a_record_page_shows_its_alerts_and_the_eligibility_checks(app, planted):
    person = planted.person_of(LJ_VILLAGE)
    disability_rid = planted.record_in("person_disability", LJ_VILLAGE)
    clerk = login_client(app, "linjiang")
    plain = clerk.get(f"/ledgers/person_disability/records/{disability_rid}").text
    offer = plain.split('id="eligibility"')[1].split("</section>")[0]
    assert "核查资格" in offer and "临时救助" in offer and "无法判断" not in offer  # runs when asked, not on every view
    page = clerk.get(f"/ledgers/person_disability/records/{disability_rid}", params={"check": "1"}).text
    alert = next(a for a in list_alerts(planted.engine, rule_id="test_disability_check", limit=None)
                 if person.name in a["explanation"])
    section = page.split('id="record-alerts"')[1].split("</section>")[0]
    assert f'href="/alerts/{alert["id"]}"' in section and "一级残疾人待核实" in section
    checks = page.split('id="eligibility"')[1].split("</section>")[0]
    for title in ("临时救助", "最低生活保障", "特困", "高龄津贴", "困难残疾人生活补贴", "重度残疾人护理补贴"):
        assert title in checks, title
    assert "无法判断" in checks and "缺少" in checks and person.id_number not in checks
    # the world has person_identity with birth dates: the old-age allowance's age criterion is decided
    identity_rid = planted.record_in("person_identity", LJ_VILLAGE)
    admin_page = login_client(app, "admin").get(f"/ledgers/person_identity/records/{identity_rid}",
                                                params={"check": "1"}).text
    old_age = admin_page.partition("<b>高龄津贴</b>")[2].split("</details>")[0]
    assert "年满80周岁" in old_age and "出生日期" in old_age
    assert "联系电话待确认" in admin_page  # the 大数据局 alert about this record
    # 民政局 may not read birth dates in person_identity: the value is hidden, and that alert is not its
    mz_page = login_client(app, "minzheng").get(f"/ledgers/person_identity/records/{identity_rid}",
                                                params={"check": "1"}).text
    assert "联系电话待确认" not in mz_page
    mz_old_age = mz_page.partition("<b>高龄津贴</b>")[2].split("</details>")[0]
    assert "无权查看" in mz_old_age
    # another day can be chosen; records of other subjects have no eligibility section
    dated = login_client(app, "admin").get(f"/ledgers/person_identity/records/{identity_rid}",
                                           params={"as_of": "2020-01-01"}).text
    assert "核查日期 2020-01-01" in dated
    land = login_client(app, "admin").get(f"/ledgers/land_planting/records/{planted.record_in('land_planting', LJ_VILLAGE)}")
    assert land.status_code == 200 and 'id="eligibility"' not in land.text and "水稻地块待核查" in land.text


def test_the_api_lists_alerts_in_the_one_error_shape_and_is_documented(app, planted):
    spec = app.openapi()["paths"]["/api/alerts"]["get"]
    assert spec["tags"] == ["预警"] and {"status", "rule", "severity", "org_unit", "limit", "offset"} <= {
        p["name"] for p in spec["parameters"]}
    token = TestClient(app, raise_server_exceptions=False)
    assert token.get("/api/alerts").status_code == 401
    token.headers["Authorization"] = f"Bearer {planted.tokens['zhutuo']}"
    r = token.get("/api/alerts", params={"severity": "urgent"})
    assert r.status_code == 422 and set(r.json()) == {"ok", "error", "message", "details"}
    r = token.get("/api/alerts", params={"org_unit": "999999999999"})
    assert r.status_code == 422 and r.json()["error"] == "unknown-org-unit"
    page = token.get("/api/alerts", params={"limit": 5, "offset": 5}).json()
    assert page["total"] == expected_count("zhutuo") and len(page["alerts"]) == 5
    assert all(a["org_unit"] in SCOPES["zhutuo"] and "********" in a["explanation"] for a in page["alerts"]
               if a["rule_id"] != "test_rice_parcel")


def test_the_pages_speak_english(app, planted):
    c = login_client(app, "linjiang")
    c.get("/lang/en")
    page = c.get("/alerts").text
    assert "Alerts" in page and "Export to Excel" in page
    one = _alert_in(planted.engine, "test_phone_on_file", LINJIANG)
    assert "Reason for dismissing (required)" in c.get(f"/alerts/{one['id']}").text
    r = c.post(f"/alerts/{one['id']}/dismiss", data={"csrf": csrf_of(c.get(f"/alerts/{one['id']}").text)})
    assert r.status_code == 422 and "Dismissing an alert needs a reason" in r.text


def test_audit_page_names_alert_actions(app, planted):
    admin = login_client(app, "admin")
    one = _alert_in(planted.engine, "test_phone_on_file", ZT_VILLAGE)
    page = admin.get(f"/alerts/{one['id']}").text
    admin.post(f"/alerts/{one['id']}/acknowledge", data={"csrf": csrf_of(page)})
    log = admin.get("/admin/audit").text
    assert "签收预警" in log and f"alert:{one['id']}" in log


def test_eligibility_values_are_masked_as_on_the_record_page(app, planted, tmp_path, monkeypatch):
    """A sensitive value (the disability level) reads *** in the check, as in the record's own values."""
    monkeypatch.setenv("YBT_PACK", str(severe_policy_pack(tmp_path)))
    rid = planted.record_in("person_disability", LJ_VILLAGE)
    for user in ("linjiang", "minzheng", "admin"):
        page = login_client(app, user).get(f"/ledgers/person_disability/records/{rid}", params={"check": "1"}).text
        check = page.split('id="eligibility"')[1].split("</section>")[0]
        assert "重度残疾核查" in check and "符合" in check and "满足" in check, user
        row = check.split("残疾等级为一级")[1].split("</tr>")[0]
        assert "残疾等级：***" in row and "一级" not in row, (user, row)
