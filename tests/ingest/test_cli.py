"""`ybt import`, `ybt links`, `ybt conflicts` call the library and speak Chinese."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.ingest.conftest import TOWN, person
from yibiaotong.cli import app

runner = CliRunner()


@pytest.fixture
def engine(tmp_path):
    """The CLI takes a --db path: a SQLite file here (the library tests cover PostgreSQL)."""
    from yibiaotong.store.engine import connect
    from yibiaotong.store.migrate import upgrade

    eng = connect(tmp_path / "test.db")
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_intake(intake):
    return intake


def run(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_commands_have_help_with_an_example():
    for command in ("import", "links list", "links confirm", "links reject", "conflicts list", "conflicts resolve"):
        result = run(*command.split(), "--help")
        assert result.exit_code == 0 and "例：" in result.output, command


def test_import_prints_what_happened_and_json_for_programs(sqlite_intake):
    db = sqlite_intake.engine.url.database
    good = sqlite_intake.roster("一月.xlsx", [person(1), person(2, **{"出生日期": "2023-13-01"})])
    result = run("import", good, "--org-unit", TOWN, "--db", db)
    assert result.exit_code == 3, result.output  # imported, one row left out: a script can tell
    assert run("import", sqlite_intake.roster("二月.xlsx", [person(3)]), "--org-unit", TOWN, "--db", db).exit_code == 0
    assert "导入完成：读取2行，导入1行，1行有错误未导入" in result.output and "日期无效" in result.output
    again = run("import", good, "--org-unit", TOWN, "--db", db, "--json")
    data = json.loads(again.output.strip().splitlines()[-1])
    assert data["status"] == "already-imported"
    assert data["message"].startswith("该文件已导入过，1行有错误未导入：读取2行，其余1行与台账一致，数据无变化")
    assert data["problems"][0]["location"]["column"] == "E"
    bad = sqlite_intake.tmp / "空.csv"
    bad.write_text("")
    failed = run("import", bad, "--db", db)
    assert failed.exit_code == 2 and "文件是空的" in failed.output


def test_links_and_conflicts_lists(sqlite_intake):
    db = sqlite_intake.engine.url.database
    run("import", sqlite_intake.roster("底.xlsx", [person(1), person(2)]), "--org-unit", TOWN, "--db", db,
        "--period", "2024-02")
    maybe = person(2, **{"身份证号码": "", "出生日期": "1952-03-13", "家庭住址": None})
    run("import", sqlite_intake.roster("缺号.xlsx", [maybe]), "--org-unit", TOWN, "--db", db)
    listed = json.loads(run("links", "list", "--db", db, "--json").output)
    assert len(listed) == 1 and listed[0]["status"] == "pending"
    assert "人员匹配 1 条" in run("links", "list", "--db", db).output
    assert run("links", "reject", listed[0]["id"], "--db", db, "--by", "张敏").exit_code == 0
    assert run("links", "reject", listed[0]["id"], "--db", db).exit_code == 2  # decided already
    run("import", sqlite_intake.roster("旧.xlsx", [person(1, **{"残疾等级": "一级"})]), "--org-unit", TOWN,
        "--db", db, "--period", "2024-01")
    out = run("conflicts", "list", "--db", db).output
    assert "数据冲突 1 条" in out
    conflicts = json.loads(run("conflicts", "list", "--db", db, "--json").output)
    assert run("conflicts", "resolve", conflicts[0]["id"], "--db", db).exit_code == 0
    assert json.loads(run("conflicts", "list", "--db", db, "--json").output) == []


def test_mistakes_in_the_command_are_said_before_anything_is_read(sqlite_intake):
    """A four-digit period outside any year a record holds, a unit name that many units have, and a
    roster whose every row is wrong: said, exit code 2 (the file is not in), never ✓."""
    db = sqlite_intake.engine.url.database
    roster = sqlite_intake.roster("一月.xlsx", [person(1)])
    limit = run("import", roster, "--org-unit", TOWN, "--max-size", "-1", "--db", db)
    assert limit.exit_code == 2 and "文件大小上限" in limit.output
    year = run("import", roster, "--org-unit", TOWN, "--period", "0000", "--db", db)
    assert year.exit_code == 2 and "年月" in year.output
    same = run("import", roster, "--org-unit", "红星村", "--db", db, "--json")
    body = json.loads(same.output)
    (problem,) = body["problems"]
    assert same.exit_code == 2 and problem["code"] == "org-unit-name-ambiguous" and "2个组织机构" in problem["message"]
    wrong = sqlite_intake.roster("全错.xlsx", [person(2, **{"出生日期": "明天"}), person(3, **{"出生日期": "2023-13-01"})])
    refused = run("import", wrong, "--org-unit", TOWN, "--db", db)
    assert refused.exit_code == 2 and "✗" in refused.output and "✓" not in refused.output
    assert "没有导入任何行" in refused.output


def test_forms_list_names_the_installed_forms(sqlite_intake):
    db = sqlite_intake.engine.url.database
    listed = json.loads(run("forms", "list", "--db", db, "--json").output)
    assert listed and {"id", "title", "department", "layout", "fields"} <= set(listed[0])
    found = json.loads(run("forms", "list", "--search", listed[0]["title"][:3], "--db", db, "--json").output)
    assert listed[0] in found
    assert "例：" in run("forms", "list", "--help").output
