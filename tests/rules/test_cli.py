"""`ybt rules`, `ybt alerts`, `ybt check`: thin commands over the library (SQLite file)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.rules import world
from yibiaotong.cli import app
from yibiaotong.store.engine import open_store

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def last_json(result):
    return json.loads(result.output.strip().splitlines()[-1])


@pytest.fixture
def db(tmp_path, standard_dictionary):
    path = tmp_path / "rules.db"
    engine = open_store(path)
    world.build(engine, standard_dictionary)
    engine.dispose()
    return path


def test_every_command_has_help_with_an_example():
    for command in ("rules list", "rules run", "rules index", "alerts list", "alerts show", "alerts ack",
                    "alerts resolve", "alerts dismiss", "alerts reopen", "alerts export", "check"):
        result = run(*command.split(), "--help")
        assert result.exit_code == 0 and "例：" in result.output, command


def test_rules_list_says_which_ledgers_each_rule_reads(db):
    data = last_json(run("rules", "list", "--db", db, "--json"))
    rules = {r["id"]: r for r in data["rules"]}
    assert rules["deceased_still_paid"]["bound"] == {"p": "person_hukou", "pay": "event_payment"}
    assert all(r["runnable"] for r in rules.values()) and data["file_problems"] == []


def test_run_then_work_the_alerts_through_the_cli(db, tmp_path):
    result = run("rules", "run", "--db", db, "--as-of", "2024-06-30", "--json")
    assert result.exit_code == 0, result.output
    summary = last_json(result)
    total = sum(len(v) for v in world.EXPECTED.values())
    assert summary["rules"] == len(summary["counts"]) >= 11
    assert summary["alerts_new"] == summary["alerts_total"] == total
    assert summary["counts"]["deceased_still_paid"] == 2
    again = last_json(run("rules", "run", "--db", db, "--as-of", "2024-06-30", "--rule", "deceased_still_paid", "--json"))
    assert again["alerts_new"] == 0 and again["counts"] == {"deceased_still_paid": 2}

    listed = last_json(run("alerts", "list", "--db", db, "--rule", "deceased_still_paid", "--json"))
    assert len(listed) == 2 and all(world.PEOPLE["dead_paid"].id not in a["explanation"] for a in listed)
    first = listed[0]["id"]
    assert last_json(run("alerts", "ack", first, "--by", "zhangmin", "--db", db, "--json"))["alerts"][0]["status"] == "acknowledged"
    no_reason = run("alerts", "dismiss", first, "--reason", " ", "--db", db, "--json")
    assert no_reason.exit_code == 2 and last_json(no_reason)["problems"][0]["code"] == "alert-reason-required"
    assert run("alerts", "dismiss", first, "--db", db).exit_code == 2  # --reason is required
    done = last_json(run("alerts", "dismiss", first, "--reason", "已核实：系补发三月待遇", "--db", db, "--json"))
    assert done["ok"] and done["alerts"][0]["status"] == "dismissed"
    assert last_json(run("alerts", "resolve", listed[1]["id"], "--db", db, "--json"))["alerts"][0]["status"] == "resolved"
    shown = last_json(run("alerts", "show", first, "--db", db, "--json"))
    assert [e["to_status"] for e in shown["events"]] == ["new", "acknowledged", "dismissed"]
    assert all("record_key" not in r for r in shown["records"])
    assert len(last_json(run("alerts", "list", "--db", db, "--status", "all", "--json"))) == total
    human = run("alerts", "list", "--db", db, "--department", "农业农村委")
    assert human.exit_code == 0 and "预警 3 条" in human.output

    out = tmp_path / "alerts.xlsx"
    exported = last_json(run("alerts", "export", "--out", out, "--db", db, "--json"))
    assert exported["alerts"] == total and out.exists()


def test_a_bad_date_and_an_unknown_rule_are_problems(db):
    bad = run("rules", "run", "--db", db, "--as-of", "2024-13-01", "--json")
    assert bad.exit_code == 2 and last_json(bad)["error"] == "invalid-date"
    unknown = run("rules", "run", "--db", db, "--rule", "no_such_rule", "--json")
    assert unknown.exit_code == 2 and last_json(unknown)["error"] == "rule-not-found"


def test_rules_index_creates_the_lookup_indexes_once(db):
    first = last_json(run("rules", "index", "--db", db, "--json"))
    assert first["created"] and last_json(run("rules", "index", "--db", db, "--json"))["created"] == []


def test_check_answers_every_policy_or_one(db):
    person = world.PEOPLE["alive"].id
    one = last_json(run("check", person, "--policy", "old_age_allowance", "--as-of", "2024-06-30", "--db", db, "--json"))
    assert [v["answer"] for v in one["verdicts"]] == ["eligible"] and person not in json.dumps(one, ensure_ascii=False)
    every = last_json(run("check", person, "--as-of", "2024-06-30", "--db", db, "--json"))
    assert len(every["verdicts"]) >= 6
    human = run("check", person, "--policy", "temporary_relief", "--as-of", "2024-06-30", "--db", db)
    assert human.exit_code == 0 and "临时救助" in human.output and "无法判断" in human.output
    missing = run("check", "nobody", "--db", db, "--json")
    assert missing.exit_code == 2 and last_json(missing)["error"] == "subject-not-found"
