"""Alert evidence is kept by label with the ledger columns it came from, masked as the record pages
mask (a disability certificate number is ***, not partly shown), and shown to each viewer without
what it may not read; alerts kept before are withheld until their rule runs again."""

from __future__ import annotations

import json

from sqlalchemy import select, update

from tests.rules import world
from yibiaotong.elements.model import Element
from yibiaotong.rules import export_alerts, get_alert, list_alerts, run_rules
from yibiaotong.rules.evidence import HIDDEN, WITHHELD, as_seen
from yibiaotong.store import schema

RULE = "expired_certificate_still_paid"


def _run(store):
    return run_rules(store.engine, as_of=world.AS_OF, actor="tester", dictionary=store.dictionary, rule_ids=[RULE])


def _certificate_alert(store) -> dict:
    return list_alerts(store.engine, rule_id=RULE, limit=None)[0]


def test_a_sensitive_value_is_kept_as_the_record_pages_show_it(store):
    _run(store)
    person = world.PEOPLE["expired"]
    certificate = person.id + "41"  # the world's certificate numbers: the ID number, category, level
    with store.engine.connect() as conn:
        kept = conn.execute(select(schema.alert.c.explanation, schema.alert.c.evidence)).all()
    text = json.dumps([[k.explanation, k.evidence] for k in kept], ensure_ascii=False)
    assert certificate[-6:] not in text and certificate[:6] + "**" not in text.replace(person.id[:6] + "********", "")
    alert = _certificate_alert(store)
    evidence = alert["evidence"]
    assert evidence["fields"]["残疾人证号"] == "***" and "残疾人证（***）" in alert["explanation"]
    assert evidence["fields"]["身份证号"] == person.id[:6] + "********" + person.id[-4:]
    assert evidence["fields"]["有效期至"] == "***"  # sensitive too: *** on the record page
    assert evidence["fields"]["过期后发放月份"] == "2024-04"
    assert evidence["columns"]["残疾人证号"] == {"reads": [["person_disability", "disability_cert_number",
                                                           "disability_cert_number"]],
                                                "element": "disability_cert_number", "masked": True}
    assert evidence["columns"]["过期后发放月份"]["masked"] is False and evidence["hidden"] == []


def test_a_viewer_sees_nothing_of_a_column_it_may_not_read(store, tmp_path):
    _run(store)
    alert_id = _certificate_alert(store)["id"]
    full = get_alert(store.engine, alert_id)

    def readable(ledger: str, column: str) -> bool:  # a department granted the disability ledger only
        return ledger == "person_disability"

    seen = get_alert(store.engine, alert_id, readable=readable)
    assert set(seen["evidence"]["hidden"]) == {"过期后发放月份", "补贴", "金额"}
    assert seen["evidence"]["fields"]["补贴"] is None and all(r["补贴"] is None for r in seen["evidence"]["rows"])
    assert "重度残疾人护理补贴" in full["explanation"] and "重度残疾人护理补贴" not in seen["explanation"]
    assert f"仍发放了{HIDDEN}（{HIDDEN}元）" in seen["explanation"]
    assert seen["explanation"].startswith(full["explanation"].split("，已过期")[0])  # name, ID, ***, date stay
    # a record of a ledger it may not read is named, its key not shown (*** as the record pages show keys)
    assert "补贴发放台账 ***|***|***" in seen["explanation"]
    assert {r["key"] for r in seen["records"] if r["ledger"] == "event_payment"} == {"***|***|***"}
    # the export writes what the viewer sees
    out = tmp_path / "alerts.xlsx"
    assert export_alerts(store.engine, out, readable=readable, rule_id=RULE) == 1
    import openpyxl

    cells = " ".join(str(c) for row in openpyxl.load_workbook(out)["预警清单"].iter_rows(values_only=True) for c in row)
    assert HIDDEN in cells and "重度残疾人护理补贴" not in cells
    # the operator (and the CLI) sees every column
    assert list_alerts(store.engine, rule_id=RULE)[0]["explanation"] == full["explanation"]


def test_a_column_masked_since_the_alert_was_kept_is_masked(store):
    _run(store)
    alert = _certificate_alert(store)
    with store.engine.connect() as conn:
        raw = dict(conn.execute(select(schema.alert).where(schema.alert.c.id == alert["id"])).one()._mapping)
    now_sensitive = {"payment_month": Element("payment_month", "发放月份", "month", sensitivity="sensitive")}
    seen = as_seen(raw, now_sensitive)
    assert seen["evidence"]["fields"]["过期后发放月份"] == "***" and "但***仍发放了" in seen["explanation"]
    assert as_seen(raw, {})["explanation"] == alert["explanation"]


def test_alerts_kept_before_are_withheld_until_their_rule_runs_again(store):
    _run(store)
    alert = _certificate_alert(store)
    old = {k: v for k, v in alert["evidence"].items() if k not in ("columns", "explain", "hidden")}
    with store.engine.begin() as conn:  # as the code before this change kept it
        conn.execute(update(schema.alert).where(schema.alert.c.id == alert["id"]).values(
            evidence=old, explanation="测试expired的残疾人证（500118**********3441）已过期"))
    withheld = get_alert(store.engine, alert["id"])
    assert withheld["evidence"]["withheld"] and withheld["evidence"]["fields"] == {}
    assert withheld["explanation"].startswith(WITHHELD) and "3441" not in withheld["explanation"]
    assert "残疾人信息台账" in withheld["explanation"]  # the records it rests on (keys masked) stay
    _run(store)
    again = get_alert(store.engine, alert["id"])
    assert again["explanation"] == alert["explanation"] and "withheld" not in again["evidence"]


def test_the_migration_drops_the_values_of_alerts_kept_before(store):
    from alembic import command

    from yibiaotong.store.migrate import alembic_config, current_revision, head_revision

    _run(store)
    engine = store.engine
    run_rules(engine, as_of=world.AS_OF, actor="tester", dictionary=store.dictionary, rule_ids=["deceased_still_paid"])
    old_one, new_one = list_alerts(engine, rule_id=RULE)[0], list_alerts(engine, rule_id="deceased_still_paid")[0]
    old = {k: v for k, v in old_one["evidence"].items() if k not in ("columns", "explain", "hidden")}
    with engine.begin() as conn:
        conn.execute(update(schema.alert).where(schema.alert.c.id == old_one["id"]).values(
            evidence=old, explanation="测试expired的残疾人证（500118**********3441）已过期"))
    config = alembic_config(engine)
    with engine.begin() as conn:  # the database as it was before this change's revision, then that revision
        config.attributes["connection"] = conn
        command.stamp(config, "0009")
        command.upgrade(config, "0010")
        command.stamp(config, "head")  # the later revisions are already in place
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(schema.alert).where(
            schema.alert.c.id.in_([old_one["id"], new_one["id"]])))}
    rewritten = rows[old_one["id"]]
    assert rewritten.evidence["withheld"] and rewritten.evidence["fields"] == {} and rewritten.evidence["rows"] == []
    assert rewritten.evidence["records"] == old["records"] and "3441" not in rewritten.explanation
    assert rewritten.explanation == get_alert(engine, old_one["id"])["explanation"]  # worded as the code words it
    assert rows[new_one["id"]].evidence["columns"] == new_one["evidence"]["columns"]  # kept by column: untouched
