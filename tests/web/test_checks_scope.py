"""The record page's eligibility check (资格核查) uses only what its user may read: a town user's check
leaves out a record kept in another town, a department's leaves out a ledger not granted to it;
the criterion reads 无权查看所需数据，结果未知, and no value — nor whether the record exists — shows.
The administrator's check reads everything, as before."""

from __future__ import annotations

from datetime import date

import pytest

from tests.access.world import LJ_VILLAGE, ZT_VILLAGE, id_number
from tests.web.alerts_world import severe_policy_pack
from tests.web.helpers import login_client
from yibiaotong.access.grants import revoke_grant, set_grant
from yibiaotong.elements.idnumber import mask_id_number
from yibiaotong.ledgers import LedgerStore
from yibiaotong.web.app import create_app

# a person of 临江村 with a disability record kept by 朱沱村 (another town), and one with none at all
KEPT_AWAY = id_number("500118", "19580302", 901)
NOWHERE = id_number("500118", "19580302", 903)
CERTIFICATE = "50011895803029011A2"


@pytest.fixture(scope="module")
def world(shared_world):
    store = LedgerStore(shared_world.engine)
    store.upsert("person_identity", [
        {"id_number": pid, "person_name": name, "gender": "1", "birth_date": date(1958, 3, 2), "_org_unit": LJ_VILLAGE}
        for pid, name in ((KEPT_AWAY, "外镇有档"), (NOWHERE, "各处无档"))])
    store.upsert("person_disability", [
        {"id_number": KEPT_AWAY, "person_name": "外镇有档", "disability_level": "1", "disability_cert_status": "1",
         "disability_cert_number": CERTIFICATE, "_org_unit": ZT_VILLAGE}])
    return shared_world


@pytest.fixture(scope="module")
def app(world):
    return create_app(engine=world.engine, secret_key="test")


@pytest.fixture(autouse=True)
def policies(tmp_path, monkeypatch):
    monkeypatch.setenv("YBT_PACK", str(severe_policy_pack(tmp_path)))


def _record(world, pid: str) -> int:
    store = LedgerStore(world.engine)
    return next(r["_id"] for r in store.records("person_identity", limit=10_000) if r["id_number"] == pid)


def _check(client, world, pid: str) -> str:
    page = client.get(f"/ledgers/person_identity/records/{_record(world, pid)}", params={"check": "1"})
    assert page.status_code == 200, page.text[:300]
    return page.text.split('id="eligibility"')[1].split("</section>")[0]


def test_a_town_users_check_leaves_out_a_record_kept_in_another_town(app, world):
    admin = _check(login_client(app, "admin"), world, KEPT_AWAY)
    assert "重度残疾核查" in admin and "满足" in admin and "残疾等级：***" in admin  # the operator's answer

    town = login_client(app, "linjiang")
    check = _check(town, world, KEPT_AWAY)
    row = check.split("残疾等级为一级")[1].split("</tr>")[0]
    assert "无权查看所需数据，结果未知" in row and "满足" not in row and "***" not in row
    assert "您权限范围内的残疾人信息台账中没有该对象的记录" in row
    assert CERTIFICATE not in check and CERTIFICATE[-4:] not in check
    # word for word what a person with no record anywhere gets: the record's existence is not told
    none = _check(town, world, NOWHERE)
    assert check.replace(mask_id_number(KEPT_AWAY), "X") == none.replace(mask_id_number(NOWHERE), "X")
    # the other town cannot open the person at all
    zhutuo = login_client(app, "zhutuo")
    assert zhutuo.get(f"/ledgers/person_identity/records/{_record(world, KEPT_AWAY)}").status_code == 404


def test_a_department_without_a_grant_on_a_ledger_gets_unknown(app, world):
    minzheng = login_client(app, "minzheng")
    pid = world.person_of(LJ_VILLAGE).id_number  # a disability record of its own village: level 一级
    assert "满足" in _check(minzheng, world, pid).split("残疾等级为一级")[1].split("</tr>")[0]
    revoke_grant(world.engine, "民政局", "person_disability")
    try:
        check = _check(minzheng, world, pid)
        row = check.split("残疾等级为一级")[1].split("</tr>")[0]
        assert "无权查看所需数据，结果未知" in row and "满足" not in row
        assert "无权查看所需数据（残疾人信息台账），结果未知" in row and "***" not in row
        assert "（无权查看）" in row  # the value it would have used is not shown
        minzheng.get("/lang/en")
        english = _check(minzheng, world, pid).split("残疾等级为一级")[1].split("</tr>")[0]
        assert "unknown — needs data you cannot see" in english
    finally:
        set_grant(world.engine, "民政局", "person_disability", mode="write")
