"""Alerts: de-duplicated across runs, a life cycle with reasons and actors, scoped lists, masked
evidence (full keys only in ybt_alert_record), export to Excel — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import zipfile

import pytest
from sqlalchemy import func, select

from tests.rules import world
from yibiaotong.errors import YbtError
from yibiaotong.rules import (
    acknowledge,
    alerts_for_record,
    count_alerts,
    dismiss,
    export_alerts,
    get_alert,
    list_alerts,
    reopen,
    resolve,
    run_rules,
)
from yibiaotong.store import schema

TOTAL = sum(len(v) for v in world.EXPECTED.values())


def _run(store, **kw):
    return run_rules(store.engine, as_of=world.AS_OF, actor="tester", dictionary=store.dictionary, **kw)


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_rerun_finds_the_same_alerts_and_creates_none(store):
    first = _run(store)
    assert first.alerts_new == first.alerts_total == TOTAL
    assert first.to_dict()["counts"] == {k: len(v) for k, v in sorted(world.EXPECTED.items())}
    records = _count(store.engine, schema.alert_record)
    second = _run(store)
    assert second.alerts_new == 0 and second.alerts_total == TOTAL
    assert _count(store.engine, schema.alert) == TOTAL
    assert _count(store.engine, schema.alert_record) == records
    a = list_alerts(store.engine, rule_id="deceased_still_paid", limit=None)[0]
    assert a["times_found"] == 2 and a["last_run_id"] == second.run_id and a["first_run_id"] == first.run_id
    summary = second.to_dict()
    assert {"rules", "alerts_new", "alerts_total", "counts", "per_rule"} <= set(summary)
    assert summary["per_rule"]["deceased_still_paid"]["ledgers"] == {"p": "person_hukou", "pay": "event_payment"}


def test_alerts_show_masked_evidence_and_keep_full_keys_only_in_their_records(store):
    _run(store)
    dead = world.PEOPLE["dead_paid"]
    with store.engine.connect() as conn:
        alerts = conn.execute(select(schema.alert)).all()
        runs = conn.execute(select(schema.rule_run.c.summary)).scalars().all()
        events = conn.execute(select(schema.alert_event.c.reason)).scalars().all()
        keys = set(conn.execute(select(schema.alert_record.c.record_key)).scalars())
    shown = json.dumps([[a.explanation, a.evidence, a.title, a.action] for a in alerts], ensure_ascii=False)
    shown += json.dumps(runs, ensure_ascii=False, default=str) + json.dumps(events, ensure_ascii=False)
    for p in world.PEOPLE.values():
        assert p.id not in shown
    assert dead.id in keys  # ... and the link to the record is exact
    assert f"{dead.id[:6]}********{dead.id[-4:]}" in shown
    alert = get_alert(store.engine, list_alerts(store.engine, rule_id="deceased_still_paid", org_unit=world.TOWN)[0]["id"])
    assert {r["record_key"] for r in alert["records"]} >= {dead.id}
    assert all(dead.id not in r["key"] for r in alert["records"])
    assert "fingerprint" not in alert
    # a record page finds its alerts
    assert [a["rule_id"] for a in alerts_for_record(store.engine, "person_hukou", dead.id)] == ["deceased_still_paid"]


def test_the_life_cycle_with_reasons_actors_and_history(store):
    _run(store)
    engine = store.engine
    a = list_alerts(engine, rule_id="duplicate_payment")[0]
    assert a["status"] == "new" and a["status_zh"] == "待处理"
    a = acknowledge(engine, a["id"], actor="zhangmin")
    assert a["status"] == "acknowledged" and a["status_changed_by"] == "zhangmin"
    with pytest.raises(YbtError) as err:
        acknowledge(engine, a["id"], actor="zhangmin")
    assert err.value.problems[0].code == "alert-transition-invalid"
    a = resolve(engine, a["id"], actor="zhangmin", reason="已停发补发的一笔并追回 500118199001011234 的款项")
    assert a["status"] == "resolved" and "500118********1234" in a["status_reason"]  # reasons are masked too
    with pytest.raises(YbtError) as err:
        dismiss(engine, a["id"], actor="x", reason="晚了")
    assert err.value.problems[0].code == "alert-transition-invalid"
    assert [(e["from_status"], e["to_status"], e["actor"]) for e in a["events"]] == [
        (None, "new", "system"), ("new", "acknowledged", "zhangmin"), ("acknowledged", "resolved", "zhangmin")]

    b = list_alerts(engine, rule_id="id_sex_mismatch")[0]
    with pytest.raises(YbtError) as err:
        dismiss(engine, b["id"], actor="lijing", reason="  ")
    assert err.value.problems[0].code == "alert-reason-required"
    b = dismiss(engine, b["id"], actor="lijing", reason="已核实：身份证登记有误，公安已受理更正")
    assert b["status"] == "dismissed" and b["status_reason"].startswith("已核实")
    b = reopen(engine, b["id"], actor="lijing", reason="复核")
    assert b["status"] == "new"
    with pytest.raises(YbtError) as err:
        resolve(engine, 999999, actor="x")
    assert err.value.problems[0].code == "alert-not-found"


def test_a_resolved_problem_that_comes_back_is_reopened_and_a_fixed_one_is_marked_gone(store):
    _run(store)
    engine = store.engine
    dup = list_alerts(engine, rule_id="duplicate_payment")[0]
    resolve(engine, dup["id"], actor="zhangmin", reason="已处理")
    sex = list_alerts(engine, rule_id="id_sex_mismatch")[0]
    dismissed = list_alerts(engine, rule_id="id_birth_date_mismatch")[0]
    dismiss(engine, dismissed["id"], actor="zhangmin", reason="不是问题")
    # the clerk corrects the recorded sex; the duplicate payment is still in the ledger
    person = world.PEOPLE["sex_mismatch"]
    record = store.get("person_identity", person.id)
    store.update("person_identity", person.id, {"gender": "2"}, expected_version=record["_version"])
    result = _run(store)
    per_rule = result.to_dict()["per_rule"]
    assert per_rule["duplicate_payment"]["reopened"] == 1 and per_rule["id_sex_mismatch"]["gone"] == 1
    assert get_alert(engine, dup["id"])["status"] == "new"
    assert get_alert(engine, dup["id"])["events"][-1]["reason"] == "已办结的问题在本次运行中再次出现"
    gone = get_alert(engine, sex["id"])
    assert gone["present"] is False and gone["status"] == "new"  # not closed behind anyone's back
    assert get_alert(engine, dismissed["id"])["status"] == "dismissed"  # a dismissed case stays dismissed
    assert result.alerts_new == 0


def test_lists_are_scoped_by_org_unit_department_and_status(store):
    _run(store)
    engine = store.engine
    everything = list_alerts(engine, limit=None)
    assert len(everything) == TOTAL
    town = list_alerts(engine, org_unit=world.TOWN, limit=None)
    assert town and all(a["org_unit"] in (world.V1, world.V2) for a in town)
    assert {a["org_unit"] for a in list_alerts(engine, org_unit=world.OTHER_TOWN, limit=None)} == {world.C1}
    farming = list_alerts(engine, department="农业农村委", limit=None)
    assert {a["rule_id"] for a in farming} == {"non_grain_basic_farmland", "abandoned_two_seasons"}
    assert count_alerts(engine, org_unit=world.TOWN)["new"] == len(town)
    acknowledge(engine, town[0]["id"], actor="lijing")
    assert len(list_alerts(engine, org_unit=world.TOWN, status="new", limit=None)) == len(town) - 1
    assert len(list_alerts(engine, org_unit=world.TOWN, status="open", limit=None)) == len(town)
    with pytest.raises(YbtError):
        list_alerts(engine, org_unit="999999999999")


def test_a_run_over_one_town_leaves_the_others_alerts_alone(store):
    _run(store)
    result = _run(store, org_unit=world.OTHER_TOWN)
    assert result.alerts_new == 0
    assert all(a["present"] for a in list_alerts(store.engine, limit=None))
    assert result.alerts_total == len(list_alerts(store.engine, org_unit=world.OTHER_TOWN, limit=None))


def test_export_writes_masked_alerts_to_excel(store, tmp_path):
    _run(store)
    out = tmp_path / "alerts.xlsx"
    assert export_alerts(store.engine, out, department="民政局") == len(list_alerts(store.engine, department="民政局",
                                                                                    limit=None))
    with zipfile.ZipFile(out) as z:
        text = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    assert "已死亡人员仍在领取补贴" in text and "500118********" in text
    for p in world.PEOPLE.values():
        assert p.id not in text
    import openpyxl

    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["预警清单", "涉及记录"]
    assert wb["预警清单"]["B1"].value == "预警"
    from datetime import UTC

    from yibiaotong.access.audit import LOCAL

    first = list_alerts(store.engine, department="民政局", limit=None)[0]["first_found_at"]  # the pages' clock, not UTC
    local = (first if first.tzinfo else first.replace(tzinfo=UTC)).astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")
    assert wb["预警清单"]["K1"].value == "首次发现" and wb["预警清单"]["K2"].value == local
