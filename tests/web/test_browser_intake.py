"""The pages around an import, in a real headless Chromium: the conflicts page marking the value each
record kept, as its note says. Screenshots go to test-artifacts/ (conflicts-desktop).

Chromium, Playwright, the server and the login come from tests/web/test_browser.py (skipped with
the reason when Chromium or Playwright is missing, as there).
"""

from __future__ import annotations

import pytest

from tests.access.world import LINJIANG
from tests.access.test_conflicts_page import _conflict
from tests.web import test_browser
from tests.web.test_browser import reason, shot

browser, server, open_as = test_browser.browser, test_browser.server, test_browser.open_as  # the same fixtures
pytestmark = [pytest.mark.slow, pytest.mark.skipif(reason is not None, reason=reason or "")]


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
