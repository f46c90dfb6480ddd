"""The pages around an import, in a real headless Chromium: the upload form while a large file is
still on its way (a clerk on a slow line must see that it is, and cannot send it twice), and the
conflicts page marking the value each record kept, as its note says. Screenshots go to test-artifacts/
(conflicts-desktop).

Chromium, Playwright, the server and the login come from tests/web/test_browser.py, the installed
forms from tests/web/test_browser_import.py (skipped with the reason when Chromium or Playwright is
missing, as there).
"""

from __future__ import annotations

import threading

import pytest
from starlette.concurrency import run_in_threadpool

from tests.access.world import LINJIANG
from tests.access.test_conflicts_page import _conflict
from tests.web import test_browser, test_browser_import
from tests.web.test_browser import reason, shot
from tests.web.test_import import fill_roster, person
from yibiaotong.ingest import jobs
from yibiaotong.web import routes_import

browser, server, open_as = test_browser.browser, test_browser.server, test_browser.open_as  # the same fixtures
forms = test_browser_import.forms  # the roster forms installed, uploads in a temp folder of their own
pytestmark = [pytest.mark.slow, pytest.mark.skipif(reason is not None, reason=reason or "")]


def test_a_file_on_its_way_says_so_and_cannot_be_sent_twice(open_as, server, forms, shared_world, tmp_path,
                                                            monkeypatch):
    real, arrived = routes_import.read_upload, threading.Event()

    async def slow_line(*args, **kwargs):  # a slow line: the upload arrives two seconds later
        await run_in_threadpool(arrived.wait, 60)
        return await real(*args, **kwargs)

    monkeypatch.setattr(routes_import, "read_upload", slow_line)
    before = len(jobs.list_jobs(shared_world.engine, "linjiang", 100))
    roster = fill_roster(forms["person_roster"], tmp_path / "慢慢传.xlsx", [person(41)])
    page = open_as("linjiang")
    page.goto(f"{server}/import")
    page.set_input_files("input[name=file]", str(roster))
    # While its request is on the way the page still shows the form, but Playwright's reads wait for
    # that navigation: the page writes down what it shows (sessionStorage outlives the navigation),
    # and clicks the button again, while the server holds the upload.
    page.evaluate("""() => {
        const form = document.querySelector('form.upload');
        form.addEventListener('submit', () => {
            sessionStorage.sent = Number(sessionStorage.sent || 0) + 1;
            setTimeout(() => {
                const s = document.getElementById('upload-status'), b = form.querySelector('button[type=submit]');
                sessionStorage.seen = JSON.stringify([s.hidden, s.textContent, b.disabled, b.textContent]);
                b.click();
            }, 300);
        });
    }""")
    threading.Timer(2.0, arrived.set).start()
    page.click("form.upload button[type=submit]", no_wait_after=True)
    page.wait_for_selector("#job, #import-status", timeout=30000)
    page.wait_for_selector("#import-status", timeout=60000)
    hidden, text, disabled, label = page.evaluate("JSON.parse(sessionStorage.seen)")
    assert not hidden and "正在上传文件" in text and disabled and label == "正在上传…"
    assert page.evaluate("sessionStorage.sent") == "1"  # the second click sent nothing
    assert len(jobs.list_jobs(shared_world.engine, "linjiang", 100)) == before + 1
    page.go_back()  # the form, usable again
    page.wait_for_selector("form.upload")
    assert page.locator("form.upload button[type=submit]").is_enabled()
    assert page.locator("#upload-status").is_hidden()
    assert not page.foreign, page.foreign


def test_the_conflicts_page_marks_the_value_the_record_kept(open_as, server, shared_world):
    conflict = _conflict(shared_world, "person_identity", LINJIANG, "phone", "13800000001", "13900000002")
    page = open_as("linjiang")
    page.goto(f"{server}/import/conflicts")
    row = page.locator(f"#conflict-{conflict}")
    kept, other = row.locator("td.kept"), row.locator("td").nth(2)
    assert kept.count() == 1 and "139****0002" in kept.inner_text()
    background = "getComputedStyle(e).backgroundColor"
    assert kept.evaluate(f"e => {background}") != other.evaluate(f"e => {background}")
    shot(page, "conflicts-desktop")
