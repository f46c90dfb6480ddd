"""Clerks join, move and leave: accounts are changed and disabled, never left working after someone left."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.access.world import LINJIANG, PASSWORD, ZHUTUO
from tests.web.helpers import csrf_of, login_client
from yibiaotong.access.tokens import user_for_token
from yibiaotong.access.users import authenticate, change_user, create_user, get_user, list_users, set_disabled
from yibiaotong.errors import YbtError
from yibiaotong.store.schema import audit as audit_log


def test_a_disabled_account_cannot_log_in_and_its_tokens_stop(world):
    assert authenticate(world.engine, "linjiang", PASSWORD) is not None
    set_disabled(world.engine, "linjiang", True, actor="admin")
    assert authenticate(world.engine, "linjiang", PASSWORD) is None
    assert get_user(world.engine, "linjiang") is None
    assert user_for_token(world.engine, world.tokens["linjiang"]) is None
    listed = {u.name: u for u in list_users(world.engine)}
    assert listed["linjiang"].active is False and listed["zhutuo"].active is True
    set_disabled(world.engine, "linjiang", False, actor="admin")
    assert authenticate(world.engine, "linjiang", PASSWORD).name == "linjiang"
    assert user_for_token(world.engine, world.tokens["linjiang"]).name == "linjiang"


def test_no_one_disables_themselves_or_the_last_administrator(world):
    with pytest.raises(YbtError, match="自己"):
        set_disabled(world.engine, "admin", True, actor="admin")
    with pytest.raises(YbtError, match="最后一位"):
        set_disabled(world.engine, "admin", True, actor="someone-else")
    with pytest.raises(YbtError, match="最后一位"):
        change_user(world.engine, "admin", role="town", org_unit=LINJIANG, actor="someone-else")
    create_user(world.engine, "admin2", "long-enough-1", display_name="第二位", role="admin")
    set_disabled(world.engine, "admin", True, actor="admin2")
    assert get_user(world.engine, "admin") is None
    with pytest.raises(YbtError, match="没有用户"):
        set_disabled(world.engine, "nobody", True, actor="admin2")


def test_a_clerk_moved_to_another_town_keeps_the_account_with_the_new_scope(world):
    moved = change_user(world.engine, "linjiang", org_unit=ZHUTUO, actor="admin")
    assert moved.org_unit == ZHUTUO and moved.role == "town"
    with pytest.raises(YbtError, match="部门"):
        change_user(world.engine, "linjiang", role="department", actor="admin")  # a department user names one
    assert get_user(world.engine, "linjiang").org_unit == ZHUTUO  # a refused change changed nothing


def test_disabling_in_the_browser_ends_the_clerks_session_at_once(app, world):
    clerk = login_client(app, "linjiang")
    assert clerk.get("/ledgers").status_code == 200
    admin = login_client(app, "admin")
    page = admin.get("/admin/users")
    assert page.status_code == 200 and "停用" in page.text
    r = admin.post("/admin/users/linjiang/disable", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert clerk.get("/ledgers", follow_redirects=False).status_code in (302, 303, 401)
    assert "已停用" in admin.get("/admin/users").text
    refused = admin.post("/admin/users/admin/disable", data={"csrf": csrf_of(page.text)})
    assert refused.status_code == 422 and "自己" in refused.text
    forged = admin.post("/admin/users/zhutuo/disable", data={"csrf": "forged"})
    assert forged.status_code == 403 and get_user(world.engine, "zhutuo") is not None
    r = admin.post("/admin/users/change", data={"csrf": csrf_of(page.text), "name": "zhutuo", "org_unit": LINJIANG},
                   follow_redirects=False)
    assert r.status_code == 303 and get_user(world.engine, "zhutuo").org_unit == LINJIANG
    with world.engine.connect() as conn:
        actions = [a for (a,) in conn.execute(select(audit_log.c.action).where(audit_log.c.actor == "admin"))]
    assert "user-disable" in actions and "user-change" in actions



def test_a_refused_new_user_comes_back_with_what_was_typed(app, world):
    admin = login_client(app, "admin")
    page = admin.get("/admin/users")
    r = admin.post("/admin/users", data={"csrf": csrf_of(page.text), "name": "new_clerk", "display_name": "新来的文员",
                                         "password": "long-enough-1", "role": "village", "org_unit": LINJIANG})
    assert r.status_code == 422 and "请另选所属组织机构" in r.text  # a town is not a village
    assert 'value="new_clerk"' in r.text and 'value="新来的文员"' in r.text and "long-enough-1" not in r.text
    assert f'value="{LINJIANG}" selected' in r.text and 'value="village" selected' in r.text
    assert '<details class="create" open>' in r.text and get_user(world.engine, "new_clerk") is None

def test_only_administrators_manage_accounts(app, world):
    clerk = login_client(app, "zhutuo")
    csrf = csrf_of(clerk.get("/ledgers").text)
    assert clerk.post("/admin/users/linjiang/disable", data={"csrf": csrf}).status_code == 403
    assert clerk.post("/admin/users/change", data={"csrf": csrf, "name": "zhutuo", "role": "admin"}).status_code == 403
    assert get_user(world.engine, "linjiang") is not None and get_user(world.engine, "zhutuo").role == "town"


def test_enabling_an_account_again_does_not_bring_its_old_sessions_back(app, world):
    clerk = login_client(app, "linjiang")
    assert clerk.get("/ledgers").status_code == 200
    set_disabled(world.engine, "linjiang", True, actor="admin")
    set_disabled(world.engine, "linjiang", False, actor="admin")
    assert clerk.get("/ledgers", follow_redirects=False).status_code in (302, 303, 401)
    assert login_client(app, "linjiang").get("/ledgers").status_code == 200  # a new login works


def test_a_password_reset_ends_the_users_other_sessions(app, world):
    from yibiaotong.access.users import set_password

    clerk = login_client(app, "zhutuo")
    set_password(world.engine, "zhutuo", "a-new-password-9")
    assert clerk.get("/ledgers", follow_redirects=False).status_code in (302, 303, 401)
    assert login_client(app, "zhutuo", "a-new-password-9").get("/ledgers").status_code == 200

