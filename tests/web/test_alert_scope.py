"""An alert's evidence read from records of another town is not shown to a town or village: one
person of 临江村 is registered in 朱沱村 (her disability record is kept by 临江村, her identity record
with her birth date by 朱沱村). The alert about her is 临江村's; 临江镇 and 临江村 see it without her
birth date and without the identity record, and are told that one record they may not see was left
out — on the alerts page, the alert's page, GET /api/alerts and the export alike, in Chinese and in
English. The administrator sees it all; 民政局 (a department of the whole district) sees what its
grants let it read, as before."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select, update

from tests.access.world import LJ_VILLAGE, ZT_VILLAGE
from tests.web.alerts_world import plant_alerts
from tests.web.helpers import login_client
from yibiaotong.ledgers import LedgerStore
from yibiaotong.rules import list_alerts
from yibiaotong.web.app import create_app

RULE = "test_disability_check"
NOTE = "另有1条依据属于其他镇街/村社区，您无权查看"
IDENTITY = "人员基本信息台账"


@pytest.fixture(scope="module")
def case(shared_world):
    """The module's world with the second person of 临江村 registered in 朱沱村, then the alerts planted."""
    engine = shared_world.engine
    person = [p for p in shared_world.people if p.unit == LJ_VILLAGE][1]
    identity = LedgerStore(engine).table("person_identity")
    with engine.begin() as conn:
        conn.execute(update(identity).where(identity.c.id_number == person.id_number).values(_org_unit=ZT_VILLAGE))
        birth = conn.execute(select(identity.c.birth_date).where(identity.c.id_number == person.id_number)).scalar_one()
    plant_alerts(shared_world)
    alert = next(a for a in list_alerts(engine, rule_id=RULE, limit=None) if person.name in a["explanation"])
    return {"world": shared_world, "person": person, "birth": birth.isoformat(), "alert": alert}


@pytest.fixture(scope="module")
def app(case):
    return create_app(engine=case["world"].engine, secret_key="test")


def _everywhere(app, case, user: str, lang: str = "zh") -> dict[str, str]:
    """The alert as ``user`` gets it: its row on the alerts page, its page, the API and the export."""
    c = login_client(app, user)
    if lang == "en":
        c.get("/lang/en")
    alert_id = case["alert"]["id"]
    listed = c.get("/alerts", params={"rule": RULE, "status": "all", "org_unit": LJ_VILLAGE}).text
    row = listed.split(f'<a href="/alerts/{alert_id}">{alert_id}</a>')[1].split("</tr>")[0]
    page = c.get(f"/alerts/{alert_id}").text.split('<section class="panel" id="handle">')[0]
    book = load_workbook(io.BytesIO(c.get("/alerts/export", params={"rule": RULE, "status": "all"}).content))
    head, *rows = book["预警清单"].iter_rows(values_only=True)
    exported = dict(zip(head, next(r for r in rows if r[0] == str(alert_id))))
    linked = " ".join(str(v) for r in book["涉及记录"].iter_rows(values_only=True) if r[0] == str(alert_id) for v in r)
    api = TestClient(app)
    api.headers["Authorization"] = f"Bearer {case['world'].tokens[user]}"
    item = next(a for a in api.get("/api/alerts", params={"rule": RULE, "limit": 500}).json()["alerts"]
                if a["id"] == alert_id)
    return {"list": row, "page": page, "records": page.split('<ul id="records">')[1], "api": item,
            "export": exported, "export records": linked}


@pytest.mark.parametrize("user", ["linjiang", "lj_village"])
def test_a_town_or_village_does_not_see_what_a_record_of_another_town_says(app, case, user):
    seen = _everywhere(app, case, user)
    person, birth = case["person"], case["birth"]
    texts = {"list": seen["list"], "page": seen["page"], "api": seen["api"]["explanation"],
             "export": seen["export"]["说明"]}
    for where, text in texts.items():
        assert birth not in text and IDENTITY not in text, (user, where)
        assert NOTE in text and person.name in text, (user, where)  # what its own record says stays
        assert "残疾证号***" in text and "（无权查看）出生" in text, (user, where)
    # the records: the identity record kept by 朱沱村 is neither listed nor linked, and that is said
    assert IDENTITY not in seen["records"] and "残疾人信息台账" in seen["records"]
    assert "另有1条涉及的记录属于其他镇街/村社区" in seen["records"]
    assert "另有1条依据属于其他镇街/村社区，您无权查看；这些记录中的数据和记录编号不显示。" in seen["page"]
    assert IDENTITY not in seen["export records"] and "残疾人信息台账" in seen["export records"]
    evidence = seen["api"]["evidence"]
    assert evidence["fields"]["出生日期"] is None and evidence["fields"]["姓名"] == person.name
    assert evidence["out_of_scope"]["records"] == 1 and evidence["out_of_scope"]["note"] == NOTE
    assert evidence["out_of_scope"]["note_en"].startswith("1 more record(s) this alert rests on belong to other towns")
    assert [r["ledger"] for r in evidence["records"]] == ["person_disability"] and evidence["records_total"] == 1
    assert seen["export"]["未显示的依据"] == NOTE


def test_the_note_reads_in_english_too(app, case):
    seen = _everywhere(app, case, "linjiang", lang="en")
    english = "1 more record(s) this alert rests on belong to other towns or villages"
    assert english in seen["list"] and english in seen["page"]
    assert "1 more record(s) concerned belong to other towns or villages" in seen["records"]
    assert seen["export"]["未显示的依据"].startswith(english) and case["birth"] not in seen["export"]["说明"]


def test_the_district_sees_it_all(app, case):
    seen = _everywhere(app, case, "admin")
    for where, text in {"list": seen["list"], "page": seen["page"], "api": seen["api"]["explanation"],
                        "export": seen["export"]["说明"]}.items():
        assert f"{case['birth']}出生" in text and IDENTITY in text and "另有" not in text, where
    assert IDENTITY in seen["records"] and IDENTITY in seen["export records"]
    assert seen["api"]["evidence"]["out_of_scope"] is None and not seen["export"]["未显示的依据"]
    # 民政局 works for the whole district: the identity record is named, its birth date column not granted
    department = _everywhere(app, case, "minzheng")
    assert IDENTITY in department["page"] and IDENTITY in department["records"] and "另有" not in department["page"]
    assert "（无权查看）出生" in department["api"]["explanation"]
    assert department["api"]["evidence"]["out_of_scope"] is None


def test_acting_on_the_alert_answers_with_what_the_user_may_see(case):
    """A town acknowledges the alert: what comes back is the alert as the town sees it, not the
    operator's (the other town's birth date and record stay out)."""
    from tests.access.test_alert_evidence import _scope
    from yibiaotong.access.alerts import AlertScope

    engine, alert_id = case["world"].engine, case["alert"]["id"]
    town = AlertScope(_scope(engine, "linjiang"))
    try:
        done = town.act(engine, alert_id, "acknowledge")
        assert done["status"] == "acknowledged" and done == town.get(engine, alert_id)
        assert case["birth"] not in str(done) and IDENTITY not in done["explanation"] and NOTE in done["explanation"]
    finally:  # new again, for the other tests of the module
        town.act(engine, alert_id, "dismiss", reason="测试后恢复")
        town.act(engine, alert_id, "reopen", reason="测试后恢复")
