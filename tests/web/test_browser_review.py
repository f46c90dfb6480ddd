"""The consolidation review and the overview's charts in a real headless Chromium (Debian's
/usr/bin/chromium driven by Playwright, as in test_browser.py): an admin finds an element with the
search box and reassigns a field to it; the charts render for the admin and for a town clerk, fit
a phone screen and fetch nothing from elsewhere. Screenshots go to test-artifacts/ (look at them)."""

from __future__ import annotations

import pytest

from tests.web import test_browser as base
from tests.web.review_world import add_review_data
from tests.web.test_browser import DESKTOP, PHONE, fits_width, reason, shot
from yibiaotong.consolidate import stored_decisions

pytestmark = [pytest.mark.slow, pytest.mark.skipif(reason is not None, reason=reason or "")]
# the same browser, login (through this module's `server`) and screenshots as the other browser tests
browser, open_as = base.browser, base.open_as


@pytest.fixture(scope="module")
def server(shared_world, tmp_path_factory):
    from yibiaotong.web.app import create_app

    add_review_data(shared_world, tmp_path_factory.mktemp("pack"))
    with base.serving(create_app(engine=shared_world.engine, secret_key="browser-test")) as url:
        yield url


def test_the_admin_finds_an_element_and_reassigns_a_field(open_as, server, shared_world):
    page = open_as("admin")
    page.click("header nav >> text=梳理审核")
    page.wait_for_selector("table.review-forms")
    assert "残疾人花名册" in page.inner_text("main")
    shot(page, "consolidation-forms")
    page.click("text=残疾人花名册")
    page.wait_for_selector("table.review")
    row = page.locator("table.review tbody tr", has=page.locator("td.header-path", has_text="联系电话"))
    assert "phone" in row.inner_text() and "0.95" in row.inner_text()
    row.locator("details.reassign summary").click()
    row.locator("input[name=find]").fill("户主电话")
    row.locator("form.find button").first.click()
    page.wait_for_selector("ul.found")
    row = page.locator("table.review tbody tr", has=page.locator("td.header-path", has_text="联系电话"))
    row.locator("button.pick", has_text="户主电话").first.click()
    page.wait_for_selector(".notice")
    row = page.locator("table.review tbody tr", has=page.locator("td.header-path", has_text="联系电话"))
    text = row.inner_text()
    assert "household_head_phone" in text and "审核人 admin" in text and "1.00" in text
    kept = [s for s in stored_decisions.stored(shared_world.engine) if s.header == "联系电话"]
    assert kept[-1].action == "reassign" and kept[-1].element == "household_head_phone" and kept[-1].by == "admin"
    shot(page, "consolidation-review")
    page.goto(f"{server}/consolidation/ledgers?ledger=person_household#columns")
    assert "household_head_name" in page.inner_text("#columns")
    shot(page, "consolidation-ledgers")
    assert not page.foreign, page.foreign
    phone = open_as("admin", viewport=PHONE)
    for name, path in (("consolidation-forms", "/consolidation"), ("consolidation-ledgers", "/consolidation/ledgers")):
        phone.goto(server + path)
        assert fits_width(phone), name  # wide tables scroll inside their own box
        shot(phone, f"{name}-phone")


@pytest.mark.parametrize("user", ["admin", "linjiang"])
def test_the_overview_draws_its_charts_on_desktop_and_phone(open_as, server, user):
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = open_as(user, viewport=viewport)
        charts = page.locator("svg.chart")
        assert charts.count() == 5
        box = charts.first.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 20  # drawn, not an empty box
        assert page.locator("svg.chart rect").count() >= 8
        if user == "linjiang":
            assert "朱沱" not in page.inner_text("main")
        assert fits_width(page), name
        shot(page, f"overview-{user}-{name}")
        assert not page.foreign, page.foreign
