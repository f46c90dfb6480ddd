"""`ybt user`: a new deployment's first administrator, and clerks who join, move and leave."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from yibiaotong.access.users import authenticate
from yibiaotong.cli import app
from yibiaotong.store import open_store

runner = CliRunner()


def run(*args, stdin: str | None = None):
    return runner.invoke(app, [str(a) for a in args], input=stdin, catch_exceptions=False)


def test_first_administrator_and_a_clerk_from_the_command_line(tmp_path):
    db = tmp_path / "x.db"
    assert run("init", "--db", db).exit_code == 0
    made = run("user", "add", "boss", "--role", "admin", "--display-name", "区大数据局", "--password-stdin", "--db", db,
               stdin="boss-password-1\n")
    assert made.exit_code == 0, made.output
    assert authenticate(open_store(str(db)), "boss", "boss-password-1").is_admin
    clerk = run("user", "add", "lj", "--role", "town", "--org-unit", "500118103000", "--password-stdin", "--db", db,
                "--json", stdin="clerk-password-1\n")
    assert json.loads(clerk.output)["user"] == {"name": "lj", "display_name": "lj", "role": "town",
                                                 "org_unit": "500118103000", "department": None, "active": True}
    assert run("user", "change", "lj", "--org-unit", "500118104000", "--db", db).exit_code == 0
    assert run("user", "disable", "lj", "--db", db).exit_code == 0
    listed = {u["name"]: u for u in json.loads(run("user", "list", "--db", db, "--json").output)}
    assert listed["lj"]["active"] is False and listed["lj"]["org_unit"] == "500118104000"
    assert authenticate(open_store(str(db)), "lj", "clerk-password-1") is None
    assert run("user", "enable", "lj", "--db", db).exit_code == 0
    assert run("user", "passwd", "lj", "--password-stdin", "--db", db, stdin="new-password-22\n").exit_code == 0
    assert authenticate(open_store(str(db)), "lj", "new-password-22").name == "lj"


def test_mistakes_are_refused_with_a_reason_and_change_nothing(tmp_path):
    db = tmp_path / "x.db"
    run("init", "--db", db)
    short = run("user", "add", "boss", "--role", "admin", "--password-stdin", "--db", db, "--json", stdin="short\n")
    assert short.exit_code == 2 and "密码至少8位" in short.output
    run("user", "add", "boss", "--role", "admin", "--password-stdin", "--db", db, stdin="boss-password-1\n")
    last = run("user", "disable", "boss", "--db", db, "--json")
    assert last.exit_code == 2 and json.loads(last.output)["details"][0]["params"]["reason"].count("最后一位") == 1
    no_tty = run("user", "passwd", "boss", "--db", db, "--json", stdin="")
    assert no_tty.exit_code == 2 and "--password-stdin" in no_tty.output
    wrong_unit = run("user", "add", "v", "--role", "village", "--org-unit", "500118103000", "--password-stdin",
                     "--db", db, "--json", stdin="long-enough-1\n")
    assert wrong_unit.exit_code == 2 and "村社区用户" in wrong_unit.output
    assert [u["name"] for u in json.loads(run("user", "list", "--db", db, "--json").output)] == ["boss"]


def test_every_user_command_has_help_with_an_example():
    for command in ("add", "list", "passwd", "change", "disable", "enable"):
        result = run("user", command, "--help")
        assert result.exit_code == 0 and "例：" in result.output, command
