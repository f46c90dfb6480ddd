"""The CLI is a thin layer: each command calls the library and turns problems into messages."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from yibiaotong.cli import app
from yibiaotong.elements.idnumber import checksum_char

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def valid_id(body17="50011819650312001"):
    return body17 + checksum_char(body17)


def test_every_command_has_help_with_an_example():
    top = run("--help")
    assert top.exit_code == 0
    commands = ["init", "demo", "serve", "validate", "dictionary list", "dictionary show", "dictionary codelists",
                "dictionary check", "orgunits import", "orgunits export", "orgunits tree", "ledger list",
                "ledger create", "ledger add-column", "ledger upsert", "ledger show", "ledger history"]
    for command in commands:
        result = run(*command.split(), "--help")
        assert result.exit_code == 0, command
        assert "例：" in result.output, f"`ybt {command} --help` shows no example"


def test_init_loads_pack_and_reports_counts_as_json(tmp_path):
    result = run("init", "--db", tmp_path / "x.db", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.strip().splitlines()[-1])
    assert data["packs"] == ["standard", "yongchuan"] and data["org_units"] > 1000 and data["elements"] > 100


def test_validate_normalises_and_explains(tmp_path):
    ok = run("validate", "birth_date", "2024年1月5日", "20240105", "--json")
    assert ok.exit_code == 0
    assert [r["value"] for r in json.loads(ok.output)] == ["2024-01-05", "2024-01-05"]
    bad = run("validate", "id_number", valid_id()[:-1] + "0" if valid_id()[-1] != "0" else valid_id()[:-1] + "1")
    assert bad.exit_code == 1 and "校验位错误" in bad.output


def test_ledger_commands_end_to_end(tmp_path):
    db = tmp_path / "l.db"
    assert run("init", "--db", db).exit_code == 0
    definition = tmp_path / "ledger.yaml"
    definition.write_text("id: residents\nname: 居民台账\nsubject: person\nkey: [id_number]\n"
                          "columns: [id_number, person_name, birth_date]\n", encoding="utf-8")
    assert run("ledger", "create", definition, "--db", db).exit_code == 0
    rows = tmp_path / "rows.csv"
    rows.write_text(f"id_number,person_name,birth_date\n{valid_id()},张三,1965.3.12\n", encoding="utf-8")
    first = run("ledger", "upsert", "residents", rows, "--org-unit", "500118103000", "--db", db, "--json")
    assert json.loads(first.output)["inserted"] == 1
    again = run("ledger", "upsert", "residents", rows, "--org-unit", "500118103000", "--db", db)
    assert "无需改动" in again.output
    assert run("ledger", "add-column", "residents", "phone", "--db", db).exit_code == 0
    shown = run("ledger", "show", "residents", valid_id(), "--db", db, "--json")
    record = json.loads(shown.output)
    assert record["person_name"] == "张三" and record["id_number"] == valid_id()[:6] + "********" + valid_id()[-4:]
    history = run("ledger", "history", "residents", valid_id(), "--db", db, "--json")
    assert json.loads(history.output)[0]["file_name"] == "rows.csv"
    assert valid_id() not in shown.output + history.output


def test_user_errors_are_listed_in_chinese_with_exit_code_2(tmp_path):
    db = tmp_path / "e.db"
    run("init", "--db", db)
    rows = tmp_path / "bad.csv"
    rows.write_text("id_number,person_name\n123,张三\n", encoding="utf-8")
    result = run("ledger", "upsert", "nope", rows, "--db", db, "--json")
    assert result.exit_code == 2
    body = json.loads(result.output)
    assert body["ok"] is False and body["error"] == "unknown-ledger" and "不存在" in body["message"]
    missing = run("ledger", "upsert", "nope", tmp_path / "missing.csv", "--db", db)
    assert missing.exit_code == 2 and "找不到文件" in missing.output


@pytest.mark.parametrize("args", [["orgunits", "tree", "--depth", "2"], ["dictionary", "list", "--search", "身份"]])
def test_listing_commands_print_tables(tmp_path, args):
    db = tmp_path / "t.db"
    run("init", "--db", db)
    extra = ["--db", db] if args[0] == "orgunits" else []
    result = run(*args, *extra)
    assert result.exit_code == 0 and ("永川区" in result.output or "身份" in result.output)


def test_init_in_a_folder_named_in_chinese_names_the_file_not_its_escaped_url(tmp_path):
    folder = tmp_path / "数据"
    folder.mkdir()
    result = run("init", "--db", folder / "一表通.db")
    assert result.exit_code == 0, result.output
    said = "".join(result.output.split())  # the console wraps long lines
    assert f"数据库{folder / '一表通.db'}已就绪" in said and "%E6" not in said


@pytest.mark.parametrize("case", ["missing", "no folder", "not a database", "a folder"])
def test_a_wrong_db_is_said_and_no_database_is_made(tmp_path, monkeypatch, capsys, case):
    """A mistyped --db is not made a new, empty database (an import would then say no form is
    installed); a folder that is not there or a file that is no database is said, not a traceback."""
    import sys

    from yibiaotong.cli import common, main

    monkeypatch.setattr(common.err_console, "width", 400)  # the message on one line
    db = {"missing": tmp_path / "typo.db", "no folder": tmp_path / "没有" / "x.db",
          "not a database": tmp_path / "表.db", "a folder": tmp_path / "库"}[case]
    if case == "a folder":
        db.mkdir()
    if case == "not a database":
        db.write_bytes(b"PK\x03\x04 a workbook, not a database")
    roster = tmp_path / "r.csv"
    roster.write_text("姓名\n张三\n", encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["ybt", "import", str(roster), "--db", str(db)])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 2
    said = capsys.readouterr().err
    assert {"missing": "不存在", "no folder": "不存在", "not a database": "不是SQLite数据库",
            "a folder": "是一个文件夹"}[case] in said
    assert "Traceback" not in said and (case in ("not a database", "a folder") or not db.exists())


def test_serve_on_a_database_that_is_not_there_says_so_before_starting(tmp_path):
    """Each worker would fail on its own and be started again, without end."""
    result = run("serve", "--db", tmp_path / "typo.db", "--workers", "2")
    assert result.exit_code == 2 and not (tmp_path / "typo.db").exists()


def test_a_file_name_rich_would_read_as_markup_is_shown_as_it_is(tmp_path):
    assert run("init", "--db", tmp_path / "x.db", "--pack", "standard").exit_code == 0
    named = tmp_path / "[bold]一月[red]花名册.csv"
    named.write_text("姓名,身份证号码\n", encoding="utf-8")
    result = run("import", named, "--db", tmp_path / "x.db")
    assert "[bold]一月[red]花名册.csv" in "".join(result.output.split())


def test_a_value_rich_would_read_as_markup_is_said_as_it_is():
    result = runner.invoke(app, ["validate", "birth_date", "[/]", "[bold]2024"])  # a closing tag Rich would refuse
    said = "".join(result.output.split())
    assert result.exit_code == 1 and "日期无效：[/]" in said and "日期无效：[bold]2024" in said
