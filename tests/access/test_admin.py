"""Users, grants, tokens and the access migration."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from tests.access.world import LINJIANG, LJ_VILLAGE
from yibiaotong.access import seed_demo_access
from yibiaotong.access.grants import grants_for, set_grant
from yibiaotong.access.redact import redact
from yibiaotong.access.tokens import create_token, revoke_token, user_for_token
from yibiaotong.access.users import create_user
from yibiaotong.errors import YbtError
from yibiaotong.store.migrate import upgrade
from yibiaotong.store.schema import api_token


def test_users_must_fit_their_role(world):
    with pytest.raises(YbtError) as err:
        create_user(world.engine, "v2", "long-enough-1", display_name="村", role="village", org_unit=LINJIANG)
    assert "村社区用户" in str(err.value)
    with pytest.raises(YbtError):
        create_user(world.engine, "d2", "long-enough-1", display_name="部门", role="department")
    with pytest.raises(YbtError):
        create_user(world.engine, "t2", "long-enough-1", display_name="镇", role="town")
    assert create_user(world.engine, "v3", "long-enough-1", display_name="村", role="village", org_unit=LJ_VILLAGE)



def test_an_administrators_typing_mistake_says_what_to_change_in_the_form_not_in_a_pack(world):
    """These come from the users page (or ``ybt user``): "fix the pack's definition file" sent the
    administrator looking for a file that has nothing to do with it, and English showed Chinese."""
    import re

    mistakes = [dict(name="v4", password="long-enough-1", role="village", org_unit=LINJIANG),  # a town, not a village
                dict(name="v4", password="long-enough-1", role="village"),  # no unit
                dict(name="d4", password="long-enough-1", role="department"),  # no department
                dict(name="v4", password="short", role="village", org_unit=LJ_VILLAGE),
                dict(name="v3b", password="long-enough-1", role="village", org_unit=LJ_VILLAGE)]
    create_user(world.engine, "v3b", "long-enough-1", display_name="村", role="village", org_unit=LJ_VILLAGE)
    for m in mistakes:
        with pytest.raises(YbtError) as err:
            create_user(world.engine, m.pop("name"), m.pop("password"), display_name="x", **m)
        for p in err.value.problems:
            assert "数据包" not in str(p) and not re.search(r"[\u4e00-\u9fff]", p.message_en), (str(p), p.message_en)
    with pytest.raises(YbtError) as err:
        create_user(world.engine, "v4", "long-enough-1", display_name="村", role="village", org_unit=LINJIANG)
    assert "应属于村、社区" in str(err.value) and "是镇" in str(err.value)
    with pytest.raises(YbtError, match="已被使用"):
        create_user(world.engine, "v3b", "long-enough-1", display_name="村", role="village", org_unit=LJ_VILLAGE)

def test_grants_name_existing_ledgers_and_columns(world):
    with pytest.raises(YbtError):
        set_grant(world.engine, "残联", "no_such_ledger")
    with pytest.raises(YbtError):
        set_grant(world.engine, "残联", "person_disability", columns=["nope"])
    with pytest.raises(YbtError):
        set_grant(world.engine, "残联", "person_disability", mode="delete")
    set_grant(world.engine, "残联", "person_disability", columns=["person_name"], mode="write")
    set_grant(world.engine, "残联", "person_disability", mode="read")  # a second grant replaces the first
    g = grants_for(world.engine, "残联")["person_disability"]
    assert g.columns is None and g.mode == "read"


def test_tokens_are_stored_hashed_and_can_be_revoked(world):
    token, info = create_token(world.engine, "linjiang", "对接")
    with world.engine.connect() as conn:
        stored = conn.execute(select(api_token.c.token_hash, api_token.c.prefix).where(api_token.c.id == info.id)).one()
    assert token not in stored.token_hash and len(stored.token_hash) == 64 and token.startswith(stored.prefix)
    assert user_for_token(world.engine, token).name == "linjiang"
    assert revoke_token(world.engine, info.id)
    assert user_for_token(world.engine, token) is None


def test_demo_grants_only_ledgers_that_exist(world):
    granted = seed_demo_access(world.engine)
    assert {g.ledger_id for g in granted} == {"person_identity", "person_disability"}
    assert seed_demo_access(world.engine)  # idempotent


def test_redaction_cuts_id_and_mobile_numbers():
    assert redact("GET /api?q=500118199001011234 HTTP") == "GET /api?q=500118********1234 HTTP"
    assert redact("tel 13812345678.") == "tel 138****5678."
    assert redact("record 12 of 2024") == "record 12 of 2024"


def test_access_migration_downgrades_and_upgrades_again(engine):
    from alembic import command

    from yibiaotong.store.migrate import alembic_config

    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert "ybt_grant" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert {"ybt_grant", "ybt_api_token"} <= set(inspect(engine).get_table_names())


def test_a_token_works_at_once_while_an_import_holds_sqlites_write_lock(world):
    if world.engine.dialect.name != "sqlite":
        pytest.skip("only SQLite has one writer for the whole database")
    import time

    token, _info = create_token(world.engine, "linjiang", "轮询")  # never used: its first use is noted
    with world.engine.connect() as importer:
        importer.exec_driver_sql("BEGIN IMMEDIATE")  # what an import's transaction holds until the file is done
        started = time.perf_counter()
        assert user_for_token(world.engine, token).name == "linjiang"
        assert time.perf_counter() - started < 2  # not the 10 s a writer waits
        importer.exec_driver_sql("ROLLBACK")
    user_for_token(world.engine, token)
    with world.engine.connect() as conn:
        assert conn.execute(select(api_token.c.last_used_at).where(api_token.c.prefix == token[:10])).scalar()
