"""Alert evidence is masked for each viewer as the record page masks it — on the alerts page, the alert's
page, the record page's alert list, the Excel export and GET /api/alerts alike: a disability
certificate number reads *** (never partly shown), and a department does not see a value from a
column not granted to it. A reveal stays on the record page."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from tests.access.world import LJ_VILLAGE
from tests.web.helpers import login_client
from yibiaotong.elements.idnumber import mask_id_number
from yibiaotong.ledgers import LedgerStore
from yibiaotong.rules import list_alerts
from yibiaotong.web.app import create_app

RULE = "test_disability_check"


@pytest.fixture(scope="module")
def app(planted):
    return create_app(engine=planted.engine, secret_key="test")


@pytest.fixture(scope="module")
def case(planted):
    """The alert about one person of 临江村, with the certificate number and birth date it read."""
    person = planted.person_of(LJ_VILLAGE)
    store = LedgerStore(planted.engine)
    disability, identity = (store.definition_and_table(i)[1] for i in ("person_disability", "person_identity"))
    with planted.engine.connect() as conn:
        certificate = conn.execute(select(disability.c.disability_cert_number)
                                   .where(disability.c.id_number == person.id_number)).scalar_one()
        birth = conn.execute(select(identity.c.birth_date).where(identity.c.id_number == person.id_number)).scalar_one()
    alert = next(a for a in list_alerts(planted.engine, rule_id=RULE, limit=None) if person.name in a["explanation"])
    return {"person": person, "certificate": certificate, "birth": birth.isoformat(), "alert": alert,
            "record": planted.record_in("person_disability", LJ_VILLAGE)}


def _everywhere(app, planted, case, user: str) -> dict[str, str]:
    """The alert's text on every page, in the export and in the API, as ``user`` gets it."""
    c = login_client(app, user)
    alert_id = case["alert"]["id"]
    listed = c.get("/alerts", params={"rule": RULE, "status": "all", "org_unit": LJ_VILLAGE}).text
    row = listed.split(f'<a href="/alerts/{alert_id}">{alert_id}</a>')[1].split("</tr>")[0]
    page = c.get(f"/alerts/{alert_id}").text.split('<section class="panel">')[1:3]
    record = c.get(f"/ledgers/person_disability/records/{case['record']}").text
    on_record = record.split('id="record-alerts"')[1].split("</section>")[0]
    workbook = load_workbook(io.BytesIO(c.get("/alerts/export", params={"rule": RULE, "status": "all"}).content))
    exported = next(" ".join(str(v) for v in r if v) for r in workbook["预警清单"].iter_rows(values_only=True)
                    if r[0] == str(alert_id))
    api = TestClient(app)
    api.headers["Authorization"] = f"Bearer {planted.tokens[user]}"
    item = next(a for a in api.get("/api/alerts", params={"rule": RULE, "limit": 500}).json()["alerts"]
                if a["id"] == alert_id)
    return {"list": row, "page": "".join(page), "record page": on_record, "export": exported,
            "api": item["explanation"], "api evidence": repr(item["evidence"]["fields"]), "record values": record}


def test_a_certificate_number_reads_as_on_the_record_page_for_every_viewer(app, planted, case):
    certificate = case["certificate"]
    partly = mask_id_number(certificate)  # what alerts used to show: 500118********1234
    for user in ("admin", "minzheng", "linjiang", "lj_village"):
        seen = _everywhere(app, planted, case, user)
        # the record page itself shows the column as ***
        assert "***" in seen["record values"] and certificate not in seen["record values"], user
        for where, text in seen.items():
            assert certificate not in text and partly not in text, (user, where)
            assert case["person"].id_number not in text, (user, where)
        for where in ("list", "page", "record page", "export", "api"):
            assert "残疾证号***" in seen[where], (user, where)
            assert mask_id_number(case["person"].id_number) in seen[where], (user, where)
        assert "'残疾证号': '***'" in seen["api evidence"], user


def test_a_department_does_not_see_a_value_from_a_column_not_granted_to_it(app, planted, case):
    """民政局 reads person_identity without its birth dates: the alert addressed to it leaves them out."""
    for user in ("admin", "linjiang"):
        seen = _everywhere(app, planted, case, user)
        for where in ("list", "page", "record page", "export", "api"):
            assert f"{case['birth']}出生" in seen[where], (user, where)
    seen = _everywhere(app, planted, case, "minzheng")
    for where in ("list", "page", "record page", "export", "api"):
        assert case["birth"] not in seen[where] and "（无权查看）出生" in seen[where], where
    assert case["person"].name in seen["page"]  # what it may read stays
    assert "部分依据来自未授权给您的台账或字段" in seen["page"]
    assert "'出生日期': None" in seen["api evidence"]
