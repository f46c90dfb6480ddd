"""The ledger page as a clerk uses it: what they typed is kept when something is wrong with it."""

from __future__ import annotations

from tests.web.helpers import login_client


def test_a_filter_value_the_column_cannot_hold_is_said_beside_the_form(app, world):
    clerk = login_client(app, "linjiang")
    page = clerk.get("/ledgers/person_identity", params={"fc": "birth_date", "fv": "abc", "q": "临江"})
    assert page.status_code == 200
    assert "出生日期：" in page.text and 'role="alert"' in page.text  # which column, what is wrong
    assert 'value="abc"' in page.text and 'value="临江"' in page.text  # nothing typed is lost
    assert "/ledgers/person_identity/records/" in page.text  # the page itself is still there
