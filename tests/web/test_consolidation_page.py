"""The consolidation review pages (/consolidation): admins only; every form with its fields, the
element each was matched to with confidence and reason; accept / reject / reassign kept in the
database with who and when, audited, CSRF-checked; ledgers with the forms each column serves."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
import yaml
from fastapi.testclient import TestClient

from tests.web.helpers import csrf_of, login_client
from tests.web.review_world import add_review_data
from yibiaotong.consolidate import stored_decisions
from yibiaotong.web.app import create_app

DIBAO = "/consolidation/forms/" + quote("低保户花名册")
CANLIAN = "/consolidation/forms/" + quote("残疾人花名册")


@pytest.fixture(scope="module")
def pack(shared_world, tmp_path_factory):
    return add_review_data(shared_world, tmp_path_factory.mktemp("pack"))


@pytest.fixture(scope="module")
def app(shared_world, pack):
    return create_app(engine=shared_world.engine, secret_key="test")


@pytest.fixture(scope="module")
def admin(app) -> TestClient:
    return login_client(app, "admin")


def _row(page: str, header: str) -> str:
    """The table row of one field (by its header path)."""
    for row in re.findall(r'<tr id="f\d+".*?</tr>', page, re.S):
        if f'<td class="header-path">{header}</td>' in row:
            return row
    raise AssertionError(f"no row for {header}")


def _decide(client: TestClient, path: str, page: str, header: str, **data):
    index = re.search(r'id="f(\d+)"', _row(page, header)).group(1)
    return client.post(f"{path}/decide", data={"csrf": csrf_of(page), "index": index, "header": header, **data},
                       follow_redirects=False)


def test_the_admin_sees_every_form_its_fields_and_why(admin):
    page = admin.get("/consolidation")
    assert page.status_code == 200
    text = page.text
    for title, department in (("低保户花名册", "民政局"), ("残疾人花名册", "残联"), ("青菜头种植统计表", "农业农村委")):
        assert title in text and f"<td>{department}</td>" in text
    assert "列表式（花名册）" in text and "指标式（统计表）" in text
    filtered = admin.get("/consolidation", params={"department": "残联"}).text
    assert "残疾人花名册" in filtered and "青菜头种植统计表" not in filtered
    assert "青菜头种植统计表" in admin.get("/consolidation", params={"q": "青菜头"}).text

    form = admin.get(DIBAO)
    assert form.status_code == 200
    head = _row(form.text, "户主姓名")
    assert "household_head_name" in head and "0.95" in head and "户主" in head
    assert "person_household.household_head_name" in head  # the ledger column the installation uses
    assert "已安装的报表定义为" not in form.text  # the pack was written from this very matching
    new = _row(form.text, "养殖规模（头）")
    assert "conf-low" in new and "0.50" in new and "新建数据元" in new
    indicator = admin.get("/consolidation/forms/" + quote("青菜头统计表")).text
    assert "种植面积(亩)/其中：规模种植/本期数" in indicator  # header paths as printed, outermost first


def test_a_search_box_finds_elements_to_reassign_to(admin):
    page = admin.get(CANLIAN, params={"find": "户主电话", "at": 3})
    row = _row(page.text, "联系电话")
    assert "<details class=\"reassign\" open>" in row
    assert 'value="household_head_phone"' in row and "改为“户主电话”" in row
    nothing = admin.get(CANLIAN, params={"find": "不存在的东西", "at": 3}).text
    assert "没有找到与“不存在的东西”相符的数据元" in nothing


def test_accept_reject_and_reassign_persist_and_are_audited(admin, app, shared_world):
    page = admin.get(DIBAO).text
    r = _decide(admin, DIBAO, page, "户主姓名", action="accept")
    assert r.status_code == 303 and r.headers["location"].endswith("#f0")
    _decide(admin, DIBAO, page, "养殖规模（头）", action="reject", note="一次性调查，不入台账")
    page = admin.get(CANLIAN).text
    _decide(admin, CANLIAN, page, "联系电话", action="reassign", element="household_head_phone")

    dibao = admin.get(DIBAO).text
    assert "人工审核（admin）确认" in _row(dibao, "户主姓名") and "1.00" in _row(dibao, "户主姓名")
    rejected = _row(dibao, "养殖规模（头）")
    assert '<span class="muted">不入台账</span>' in rejected and "重新梳理后生效" in rejected
    assert "一次性调查" in rejected and "审核人 admin" in rejected
    reassigned = _row(admin.get(CANLIAN).text, "联系电话")
    assert "household_head_phone" in reassigned and "自动对标：联系电话（phone）" in reassigned
    assert "重新梳理后生效" in reassigned

    # in the database, with who and when: a new app (nothing cached) shows the same
    kept = {(s.form, s.header): s for s in stored_decisions.stored(shared_world.engine)}
    assert kept[("残疾人花名册", "联系电话")].element == "household_head_phone"
    assert kept[("低保户花名册", "养殖规模（头）")].by == "admin" and kept[("低保户花名册", "养殖规模（头）")].at
    fresh = login_client(create_app(engine=shared_world.engine, secret_key="other"), "admin")
    assert "household_head_phone" in _row(fresh.get(CANLIAN).text, "联系电话")
    decided = len({(s.form, s.header) for s in stored_decisions.stored(shared_world.engine)})
    assert f"<b>{decided}</b><span>已人工审核的字段</span>" in fresh.get("/consolidation").text

    log = admin.get("/admin/audit", params={"action": "consolidation-decide"}).text
    assert log.count("梳理审核决定") >= 3 and "form:残疾人花名册 field:联系电话" in log


def test_a_bad_element_id_is_refused_in_chinese_and_changes_nothing(admin, shared_world):
    before = len(stored_decisions.stored(shared_world.engine))
    page = admin.get(DIBAO).text
    r = _decide(admin, DIBAO, page, "家庭人口", action="reassign", element="no_such_element")
    assert r.status_code == 422
    row = _row(r.text, "家庭人口")
    assert "数据元“no_such_element”不存在" in row and "字段“家庭人口”未修改" in row and "查找框" in row
    empty = _decide(admin, DIBAO, page, "家庭人口", action="reassign", element="")
    assert empty.status_code == 422 and "改派须指定数据元" in empty.text
    stale = admin.post(f"{DIBAO}/decide", data={"csrf": csrf_of(page), "index": "0", "header": "别的字段",
                                                "action": "accept"})
    assert stale.status_code == 422 and "请刷新页面" in stale.text
    assert admin.get("/consolidation/forms/nope").status_code == 404
    assert len(stored_decisions.stored(shared_world.engine)) == before


def test_decisions_need_the_csrf_token(admin, shared_world):
    before = len(stored_decisions.stored(shared_world.engine))
    r = admin.post(f"{DIBAO}/decide", data={"index": "0", "header": "户主姓名", "action": "reject"})
    assert r.status_code == 403 and "CSRF" in r.text
    r = admin.post(f"{DIBAO}/decide", data={"csrf": "forged", "index": "0", "header": "户主姓名", "action": "reject"})
    assert r.status_code == 403
    assert admin.post("/consolidation/export", data={}).status_code == 403
    assert len(stored_decisions.stored(shared_world.engine)) == before


@pytest.mark.parametrize("user", ["minzheng", "linjiang", "lj_grid"])
def test_other_roles_get_403(app, user):
    c = login_client(app, user)
    for path in ("/consolidation", DIBAO, "/consolidation/ledgers"):
        r = c.get(path)
        assert r.status_code == 403 and "无权" in r.text and "户主姓名" not in r.text, path
    token = csrf_of(c.get("/ledgers").text)
    r = c.post(f"{DIBAO}/decide", data={"csrf": token, "index": "0", "header": "户主姓名", "action": "reject"})
    assert r.status_code == 403
    assert c.post("/consolidation/export", data={"csrf": token}).status_code == 403


def test_ledgers_with_their_columns_and_the_forms_each_serves(admin):
    page = admin.get("/consolidation/ledgers").text
    assert "person_household" in page and "耕地种植台账" in page
    chosen = admin.get("/consolidation/ledgers", params={"ledger": "person_household"}).text
    section = chosen[chosen.index('id="columns"'):]
    assert "household_head_name" in section and "户主姓名" in section
    assert f'href="/consolidation/forms/{quote("低保户花名册")}"' in section
    assert "person_household" in admin.get("/consolidation/ledgers", params={"q": "household_head"}).text
    assert "没有符合条件的台账" in admin.get("/consolidation/ledgers", params={"q": "没有这种台账"}).text


def test_decisions_are_written_into_the_pack_for_the_next_run(admin, pack, shared_world):
    _decide(admin, CANLIAN, admin.get(CANLIAN).text, "青菜头种植面积(亩)", action="reject")
    page = admin.get("/consolidation").text
    r = admin.post("/consolidation/export", data={"csrf": csrf_of(page)}, follow_redirects=True)
    assert r.status_code == 200 and "审核决定写入数据包的 decisions.yaml" in r.text
    written = yaml.safe_load((pack / "decisions.yaml").read_text(encoding="utf-8"))["fields"]
    assert ("青菜头种植面积(亩)", "reject", "admin") in {(d["header"], d["action"], d.get("by")) for d in written}
    assert "审核决定写入数据包" in admin.get("/admin/audit", params={"action": "consolidation-export"}).text


def test_the_pages_speak_english_after_the_switch(admin):
    admin.get("/lang/en")
    try:
        assert "Consolidation review" in admin.get("/consolidation").text
        english = admin.get(DIBAO).text
        assert "Header path" in english and "按列表式读取" not in english  # the layout's reason in English only
    finally:
        admin.get("/lang/zh")
    chinese = admin.get(DIBAO).text
    assert "按列表式读取" in chinese and ": roster" not in chinese


def test_a_slow_first_computation_shows_a_page_that_comes_back_by_itself(shared_world, pack, monkeypatch):
    from yibiaotong.web import routes_consolidation

    monkeypatch.setattr(routes_consolidation, "WAIT", 0.0)
    fresh = create_app(engine=shared_world.engine, secret_key="slow")
    c = login_client(fresh, "admin")
    first = c.get("/consolidation")
    assert first.status_code == 503 and first.headers["refresh"] == "3" and "正在读取报表模板" in first.text
    assert fresh.state.review.get(60) is not None  # the background computation finishes
    assert c.get("/consolidation").status_code == 200
