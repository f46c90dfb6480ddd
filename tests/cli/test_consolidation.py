from __future__ import annotations

import json

from typer.testing import CliRunner

from yibiaotong.cli import app
from yibiaotong.forms import render_template

runner = CliRunner()


def test_consolidate_writes_plan_and_decide_is_reapplied(tmp_path):
    forms = tmp_path / "forms"
    forms.mkdir()
    render_template({"title": "残疾人花名册", "layout": "roster", "columns": ["姓名", "身份证号", "残疾等级", "种植面积(亩)"]},
                    forms / "a.xlsx")
    render_template({"title": "低保户花名册", "layout": "roster", "columns": ["户主姓名", "公民身份号码", "家庭人口"]},
                    forms / "b.xlsx")
    out = tmp_path / "plan.json"
    result = runner.invoke(app, ["consolidate", str(forms), "--out", str(out), "--pack", "standard", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["forms"] == 2 and summary["out"] == str(out)
    plan = json.loads(out.read_text(encoding="utf-8"))
    assert {f["element"] for form in plan["forms"] for f in form["fields"]} >= {"person_name", "id_number", "household_head_name"}

    decisions = tmp_path / "decisions.yaml"
    r = runner.invoke(app, ["decide", "--file", "a.xlsx", "--header", "种植面积(亩)", "--reject", "--decisions", str(decisions),
                            "--by", "张敏"])
    assert r.exit_code == 0 and "已记录" in r.output
    runner.invoke(app, ["consolidate", str(forms), "--out", str(out), "--pack", "standard", "--decisions", str(decisions)])
    plan = json.loads(out.read_text(encoding="utf-8"))
    field = next(f for form in plan["forms"] for f in form["fields"] if f["header"] == "种植面积(亩)")
    assert field["element"] is None and field["decided"] == "reject" and "张敏" in field["reason"]


def test_consolidate_reports_missing_paths_in_chinese(tmp_path):
    result = runner.invoke(app, ["consolidate", str(tmp_path / "nope"), "--out", str(tmp_path / "p.json")])
    assert result.exit_code == 2 and "找不到文件" in result.output


def test_consolidate_says_a_plan_it_cannot_write_in_chinese_and_leaves_no_file(tmp_path):
    forms = tmp_path / "forms"
    forms.mkdir()
    render_template({"title": "残疾人花名册", "layout": "roster", "columns": ["姓名", "身份证号"]}, forms / "a.xlsx")
    out = tmp_path / "no-such-folder" / "plan.json"
    result = runner.invoke(app, ["consolidate", str(forms), "--out", str(out), "--pack", "standard", "--json"])
    assert result.exit_code == 2, result.output
    (problem,) = json.loads(result.output)["details"]
    assert problem["code"] == "output-unwritable" and problem["params"]["path"] == str(out)
    assert problem["message"] == f"无法写出文件“{out}”：要写入的文件夹不存在" and not out.parent.exists()
