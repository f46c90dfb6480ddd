"""Alerts end to end in headless Chromium (same launch and skip rules as test_browser.py).

A town clerk opens the alerts page, sees only the alerts of the town, opens one and dismisses it with
a reason; the admin finds the dismissal in the audit log. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os

import pytest

from tests.access.world import LJ_VILLAGE, SCOPES
from tests.web.alerts_world import expected_count, plant_alerts
from tests.web.test_browser import PHONE, _why_not, fits_width, shot
from tests.web.test_browser import browser, open_as, server  # noqa: F401  (the same fixtures)

reason = _why_not()
if reason and os.environ.get("YBT_REQUIRE_BROWSER") == "1":
    pytest.fail(f"YBT_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
pytestmark = [pytest.mark.slow, pytest.mark.skipif(reason is not None, reason=reason or "")]


@pytest.fixture(scope="module")
def planted(shared_world):
    plant_alerts(shared_world)
    return shared_world


def test_a_town_clerk_dismisses_an_alert_with_a_reason(open_as, planted, server):  # noqa: F811
    page = open_as("linjiang")
    page.click("header nav >> text=预警")
    page.wait_for_selector("table.alerts")
    text = page.inner_text("main")
    assert f"共 {expected_count('linjiang')} 条" in text
    assert not any(p.name in text for p in planted.people if p.unit not in SCOPES["linjiang"])
    assert not any(p.id_number in text for p in planted.people)
    shot(page, "alerts-linjiang")
    page.select_option("select[name=rule]", "test_rice_parcel")
    page.select_option("select[name=org_unit]", LJ_VILLAGE)
    page.click("form.filters button")
    page.wait_for_url("**/alerts?*rule=test_rice_parcel*")
    assert "水稻地块待核查" in page.inner_text("table.alerts") and "一级残疾人待核实" not in page.inner_text("table.alerts")
    page.click("table.alerts tbody tr >> nth=0 >> td >> nth=2 >> a")
    page.wait_for_selector("#explanation")
    assert "种植水稻" in page.inner_text("#explanation")
    shot(page, "alert-desktop")
    page.fill("form.action-dismiss input[name=reason]", "已核实：系水稻制种田，无需处理")
    page.click("form.action-dismiss button[type=submit]")
    page.wait_for_selector(".notice")
    body = page.inner_text("main")
    assert "已忽略。" in body and "已核实：系水稻制种田，无需处理" in body and "重新打开" in body
    alert_url = page.url.split("?")[0]
    shot(page, "alert-dismissed")
    admin = open_as("admin")
    admin.goto(f"{server}/admin/audit")
    log = admin.inner_text("main")
    assert "忽略预警" in log and "linjiang" in log and "已核实：系水稻制种田，无需处理" in log
    assert not page.foreign and not admin.foreign
    phone = open_as("linjiang", viewport=PHONE)
    for name, url in (("alerts", f"{server}/alerts"), ("alert", alert_url)):
        phone.goto(url)
        assert fits_width(phone), name
        shot(phone, f"{name}-phone")


def test_a_record_page_shows_its_alerts_and_eligibility(open_as, planted, server):  # noqa: F811
    rid = planted.record_in("person_disability", LJ_VILLAGE)
    page = open_as("linjiang")
    page.goto(f"{server}/ledgers/person_disability/records/{rid}")
    page.wait_for_selector("#eligibility")
    assert "一级残疾人待核实" in page.inner_text("#record-alerts")
    page.click("#eligibility button")  # the policies run when the clerk asks
    page.wait_for_selector("#eligibility details.verdict")
    assert "临时救助" in page.inner_text("#eligibility") and "check=1" in page.url
    shot(page, "record-eligibility")
