"""Reports end to end in a real headless Chromium: a town clerk downloads one report, starts every
report of the town in the background, watches the progress finish and downloads the zip.
Screenshots go to test-artifacts/ like the other browser tests'."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from tests.access.world import LINJIANG, LJ_VILLAGE, ZT_VILLAGE
from tests.reports.world_forms import LAND_FORM, PEOPLE_FORM, install_world_forms
from tests.web.test_browser import DESKTOP, PHONE, browser, fits_width, open_as, reason, serving, shot

pytestmark = [pytest.mark.slow, pytest.mark.skipif(reason is not None, reason=reason or "")]
__all__ = ["browser", "open_as"]  # fixtures used by name


@pytest.fixture(scope="module")
def server(shared_world, tmp_path_factory):
    from yibiaotong.web.app import create_app
    from yibiaotong.web.routes_reports import ReportJobs

    install_world_forms(shared_world.engine, tmp_path_factory.mktemp("forms"))
    app = create_app(engine=shared_world.engine, secret_key="browser-test")
    app.state.report_jobs = ReportJobs(shared_world.engine, tmp_path_factory.mktemp("jobs"))
    with serving(app) as url:
        yield url


def test_a_town_clerk_downloads_a_report_and_every_report_of_the_town(open_as, shared_world, server, tmp_path):
    page = open_as("linjiang", viewport=DESKTOP)
    page.goto(f"{server}/reports")
    main = page.inner_text("main")
    assert PEOPLE_FORM in page.content() and LAND_FORM in page.content() and "朱沱镇" not in main
    shot(page, "reports-desktop")
    # one report, at once
    page.select_option("form.report-one select[name=form]", PEOPLE_FORM)
    page.fill("form.report-one input[name=period]", "2024-01")
    page.select_option("form.report-one select[name=org_unit]", LINJIANG)
    with page.expect_download() as one:
        page.click("form.report-one button[type=submit]")
    path = tmp_path / one.value.suggested_filename
    one.value.save_as(path)
    assert path.suffix == ".xlsx" and "人员花名册" in path.name
    text = " ".join(str(c.value) for row in openpyxl.load_workbook(path).active.iter_rows() for c in row if c.value)
    assert shared_world.person_of(LJ_VILLAGE).name in text and shared_world.person_of(ZT_VILLAGE).name not in text
    assert shared_world.person_of(LJ_VILLAGE).id_number not in text  # masked
    # every report of the town, in the background, with progress
    page.fill("form.report-all input[name=period]", "2024-01")
    page.select_option("form.report-all select[name=org_unit]", LINJIANG)
    page.click("form.report-all button[type=submit]")
    page.wait_for_url(f"{server}/reports/jobs/*")
    shot(page, "report-job-progress")
    page.wait_for_selector("#job-download", timeout=60_000)  # the page follows the job and shows the zip
    assert "已完成" in page.inner_text("#job-status") and page.get_attribute("#job-progress", "value") == "2"
    shot(page, "report-job-done")
    with page.expect_download() as zipped:
        page.click("#job-download")
    archive = tmp_path / zipped.value.suggested_filename
    zipped.value.save_as(archive)
    with zipfile.ZipFile(archive) as zf:
        assert len([n for n in zf.namelist() if n.endswith(".xlsx")]) == 2 and "生成情况.csv" in zf.namelist()
    page.goto(f"{server}/reports")
    assert "已完成" in page.inner_text("table.jobs")
    assert not page.foreign, page.foreign


def test_the_reports_page_fits_a_phone(open_as, server):
    page = open_as("linjiang", viewport=PHONE)
    page.goto(f"{server}/reports")
    assert fits_width(page)
    shot(page, "reports-phone")
    assert not page.foreign
