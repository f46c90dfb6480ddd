"""A command typed wrongly is said in Chinese (and as JSON with --json), with the command's usage
and where its help is: not typer's English."""

from __future__ import annotations

import json
import sys

import pytest

from yibiaotong.cli import common, main

CASES = {
    "a missing option": (["report", "x"], "缺少选项 '--period'"),
    "a missing argument": (["import"], "缺少参数 'files'"),
    "a mistyped option": (["import", "a.xlsx", "--perod", "2024-01"], "没有选项 --perod，是不是要用 --errors、--period？"),
    "an option without its value": (["report", "x", "--period"], "选项 --period 后面缺少它的值"),
    "no number": (["import", "a.xlsx", "--max-size", "abc"], "'--max-size' 的值无效：应为数字"),
    "no whole number": (["serve", "--port", "80.5"], "'--port' 的值无效：应为整数"),
    "out of range": (["serve", "--port", "70000"], "'--port' 的值无效：不能大于 65535"),
    "no such command": (["improt", "a.xlsx"], "没有命令 'improt'，是不是要用 'import'？"),
    "one argument too many": (["forms", "list", "低保"], "多出了参数：低保（文件名或值中有空格时，请加引号）"),
    "what rich would read as markup": (["import", "a.xlsx", "--[bold]x[/]"], "没有选项 --[bold]x[/]"),
}


def run(monkeypatch, capsys, args: list[str]) -> tuple[int, str, str]:
    monkeypatch.setattr(common.err_console, "width", 400)  # the message on one line
    monkeypatch.setattr(sys, "argv", ["ybt", *args])
    with pytest.raises(SystemExit) as done:
        main()
    out = capsys.readouterr()
    return done.value.code, out.out, out.err


@pytest.mark.parametrize("case", CASES)
def test_a_command_typed_wrongly_is_said_in_chinese(monkeypatch, capsys, case):
    args, message = CASES[case]
    code, _out, err = run(monkeypatch, capsys, args)
    assert code == 2 and message in err
    assert "-h 查看说明和例子" in err and ("用法：ybt" in err or case == "an option without its value")
    assert not any(english in err for english in ("Usage:", "Error", "Missing", "No such", "Invalid value", "Traceback"))


def test_as_json_a_command_typed_wrongly_is_structured_with_the_english_beside(monkeypatch, capsys):
    code, out, _err = run(monkeypatch, capsys, ["import", "a.xlsx", "--max-size", "abc", "--json"])
    said = json.loads(out)
    assert code == 2 and said["ok"] is False and said["error"] == "cli-usage"
    (problem,) = said["details"]
    assert problem["message"] == "'--max-size' 的值无效：应为数字"
    assert problem["message_en"].startswith("Invalid value for '--max-size'")
    assert problem["params"]["usage"].startswith("用法：ybt import") and problem["hint"] == "运行 ybt import -h 查看说明和例子。"


def test_help_and_a_bare_group_still_show_the_help_with_chinese_titles(monkeypatch, capsys):
    code, out, _err = run(monkeypatch, capsys, ["import", "-h"])
    assert code == 0 and "选项" in out and "--period" in out and "Options" not in out
    # click's own words around the help too: its first line, and -h's line
    assert "用法：ybt import [选项]" in out and "显示本说明并退出" in out
    assert not any(english in out for english in ("Usage:", "[OPTIONS]", "Show this message"))
    code, out, err = run(monkeypatch, capsys, ["links"])
    assert code == 2 and "命令" in out + err and "confirm" in out + err
    assert "命令 [参数]..." in out + err and "COMMAND" not in out + err
