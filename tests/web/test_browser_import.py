"""The import page in a real headless Chromium: a town clerk uploads a roster with errors, watches
its import run in the background (the page follows it and then shows the result by itself), sees
each wrong row in the page and downloads the error workbook. Screenshots go to test-artifacts/
(import-desktop, import-progress-desktop, import-result-desktop, import-result-phone); look at them
when the pages change.

Chromium, Playwright, the server and the login come from tests/web/test_browser.py (skipped with
the reason when Chromium or Playwright is missing, as there).
"""

from __future__ import annotations

import threading

import openpyxl
import pytest

from tests.access.world import id_number
from tests.web import test_browser
from tests.web.test_browser import PHONE, fits_width, reason, shot
from tests.web.test_import import fill_roster, install_forms, person
from yibiaotong.web import import_jobs

browser, server, open_as = test_browser.browser, test_browser.server, test_browser.open_as  # the same fixtures
pytestmark = [pytest.mark.slow, pytest.mark.skipif(reason is not None, reason=reason or "")]


@pytest.fixture(scope="module")
def forms(shared_world, tmp_path_factory):
    """The roster forms installed in the module's world; uploads kept in a temp folder of their own."""
    folder = tmp_path_factory.mktemp("browser-import")
    mp = pytest.MonkeyPatch()
    mp.setenv("YBT_IMPORT_DIR", str(folder / "uploads"))
    yield install_forms(shared_world.engine, folder / "forms")
    mp.undo()


def test_a_town_clerk_uploads_a_file_with_errors_sees_them_and_downloads_the_error_workbook(
        open_as, server, forms, tmp_path, monkeypatch):
    real, go_on = import_jobs.import_file, threading.Event()

    def held(*args, **kwargs):  # the import waits until the page has shown it running
        assert go_on.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(import_jobs, "import_file", held)
    bad_id = id_number("500118", "19620212", 502)[:17] + "0"  # a wrong check digit
    rows = [person(1), person(2, **{"身份证号码": bad_id}), person(3, **{"出生日期": "2023-02-30", "残疾等级": "九级"})]
    roster = fill_roster(forms["person_roster"], tmp_path / "三月花名册.xlsx", rows)
    page = open_as("linjiang")
    page.click("header nav a[href='/import']")
    page.wait_for_selector("form.upload")
    assert fits_width(page)
    shot(page, "import-desktop")
    page.set_input_files("input[name=file]", str(roster))
    page.fill("input[name=period]", "2024-03")
    page.click("form.upload button[type=submit]")
    try:
        page.wait_for_selector("#job")  # the request answered at once: the job's page, following it
        # The page may show the job queued until the runner claims it; its polling then shows it running.
        assert page.inner_text("#job-status") in ("排队等待导入", "正在导入")
        page.wait_for_selector("#job-status:has-text('正在导入')", timeout=15000)
        assert "已读取 0 行" in page.inner_text("#job-count")
        assert fits_width(page)
        shot(page, "import-progress-desktop")
    finally:
        go_on.set()
    page.wait_for_selector("#import-problems")  # the page saw the job finish and shows its result
    status = page.inner_text("#import-status")
    assert "导入1行" in status and "2行有错误未导入" in status
    problems = page.inner_text("#import-problems")
    assert "身份证号码校验位错误" in problems and "日期无效：2023-02-30" in problems and "不在代码表" in problems
    assert "id-number-checksum" in problems and "身份证号码" in problems  # the rule code and the header
    assert bad_id not in page.content() and bad_id[-4:] in problems  # masked in the page
    shot(page, "import-result-desktop")

    with page.expect_download() as info:
        page.click("#error-workbook")
    download = info.value
    assert download.suggested_filename == "三月花名册.错误清单.xlsx"
    saved = tmp_path / "downloaded.xlsx"
    download.save_as(saved)
    values = list(openpyxl.load_workbook(saved).active.iter_rows(values_only=True))
    header = next(r for r in values if "错误说明" in r)
    notes = [r[header.index("错误说明")] for r in values if str(r[header.index("错误说明")] or "").startswith("原第")]
    assert len(notes) == 2 and "身份证号码校验位错误" in notes[0]

    page.set_viewport_size(PHONE)
    page.reload()
    assert fits_width(page)
    shot(page, "import-result-phone")
    page.goto(page.url.rsplit("/", 1)[0])  # the import page: the upload form and this upload in the list
    assert "三月花名册.xlsx" in page.inner_text("main") and fits_width(page)
    shot(page, "import-phone")
    assert not page.foreign, page.foreign
