"""Alert evidence is kept by label with the ledger columns it came from, masked as the record pages
mask (a disability certificate number is ***, not partly shown), and shown to each viewer without
what it may not read — neither columns not granted to it nor what records of other org units say;
alerts kept before are withheld until their rule runs again."""

from __future__ import annotations

import json

from sqlalchemy import select, update

from tests.rules import world
from yibiaotong.elements.model import Element
from yibiaotong.rules import export_alerts, get_alert, list_alerts, run_rules
from yibiaotong.rules.evidence import HIDDEN, OUT_OF_SCOPE, WITHHELD, as_seen
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
                                                "element": "disability_cert_number", "masked": True, "aliases": ["d"]}
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


# --- records of other org units ------------------------------------------------------------------

MOVED = "moved_out_still_paid"


def _paid_elsewhere(store) -> dict:
    """moved_paid lives in 临江镇 (V2), whose payment ledger pays her 低保金 in 2024-06; the other
    town's community (C1) pays her 临时救助金 that month as well: the rule joins both payments."""
    person = world.PEOPLE["moved_paid"]
    store.upsert("event_payment", [{"_org_unit": world.C1, "id_number": person.id, "person_name": "测试moved_paid",
                                    "payment_month": "2024-06", "payment_type": "临时救助金", "paid_amount": 200,
                                    "payment_date": world.AS_OF}])
    run_rules(store.engine, as_of=world.AS_OF, actor="tester", dictionary=store.dictionary, rule_ids=[MOVED])
    return list_alerts(store.engine, rule_id=MOVED, limit=None)[0]


def _subtree(code: str) -> frozenset[str]:
    return frozenset(u.code for u in world.small_tree() if code in (u.code, u.parent_code))


def test_each_record_and_row_is_kept_with_the_org_units_it_came_from(store):
    alert = _paid_elsewhere(store)
    with store.engine.connect() as conn:
        kept = conn.execute(select(schema.alert.c.evidence).where(schema.alert.c.id == alert["id"])).scalar_one()
    assert {(r["ledger"], r["org_unit"]) for r in kept["records"]} == {
        ("person_hukou", world.V2), ("event_payment", world.V2), ("event_payment", world.C1)}
    assert kept["units"]["records"] == {world.V2: 2, world.C1: 1}
    by_type = {r["发放类型"]: units for r, units in zip(kept["rows"], kept["row_units"])}
    assert by_type == {"低保金": [{"p": world.V2, "pay": world.V2}], "临时救助金": [{"p": world.V2, "pay": world.C1}]}
    assert kept["columns"]["金额"]["aliases"] == ["pay"] and kept["columns"]["姓名"]["aliases"] == ["p"]
    # what each viewer is shown leaves the bookkeeping out
    assert "units" not in alert["evidence"] and "row_units" not in alert["evidence"]


def test_a_town_sees_only_what_the_records_of_its_own_units_say(store, tmp_path):
    full = _paid_elsewhere(store)
    assert full["org_unit"] == world.V2 and "临时救助金" in full["explanation"] and "低保金" in full["explanation"]
    assert full["evidence"]["out_of_scope"] is None and full["evidence"]["records_total"] == 3
    town = _subtree(world.TOWN)
    seen = get_alert(store.engine, full["id"], units=town)
    evidence = seen["evidence"]
    note = OUT_OF_SCOPE.format(n=1)
    assert evidence["out_of_scope"]["records"] == 1 and evidence["out_of_scope"]["rows"] == 0
    assert evidence["out_of_scope"]["note"] == note == "另有1条依据属于其他镇街/村社区，您无权查看"
    assert evidence["out_of_scope"]["note_en"].startswith("1 more record(s)")
    # the values of 临江镇's own records stay; those of the other town's payment are left out
    assert evidence["fields"]["姓名"] == "测试moved_paid" and evidence["fields"]["户籍状态"] == full["evidence"]["fields"]["户籍状态"]
    assert evidence["fields"]["发放类型"] == "低保金" and evidence["fields"]["金额"] == "400"
    assert evidence["rows_total"] == 2 and len(evidence["rows"]) == 2
    cut = [(r, cells) for r, cells in zip(evidence["rows"], evidence["out_of_scope"]["cells"]) if cells]
    assert len(cut) == 1 and set(cut[0][1]) == {"发放月份", "发放类型", "金额"}
    assert cut[0][0]["姓名"] == "测试moved_paid" and cut[0][0]["金额"] is None and cut[0][0]["发放类型"] is None
    # nor is its record named, or linked
    assert [r["org_unit"] for r in evidence["records"]] == [world.V2, world.V2] and evidence["records_total"] == 2
    assert len(seen["records"]) == 2 and seen["records_out_of_scope"] == 1
    assert not any("临时救助金" in r["record_key"] for r in seen["records"])
    assert "临时救助金" not in seen["explanation"] and "200" not in seen["explanation"]
    assert seen["explanation"].endswith(f"；{note}）") and "仍发放了低保金（400元）" in seen["explanation"]
    # the list and the export say the same
    assert list_alerts(store.engine, rule_id=MOVED, units=town)[0]["explanation"] == seen["explanation"]
    import openpyxl

    for lang, said in (("zh", note), ("en", evidence["out_of_scope"]["note_en"])):
        out = tmp_path / f"alerts-{lang}.xlsx"
        assert export_alerts(store.engine, out, units=town, lang=lang, rule_id=MOVED) == 1
        book = openpyxl.load_workbook(out)
        head, row = list(book["预警清单"].iter_rows(values_only=True))
        exported = dict(zip(head, row))
        assert exported["说明"] == seen["explanation"] and exported["未显示的依据"] == said
        linked = list(book["涉及记录"].iter_rows(values_only=True))[1:]
        assert len(linked) == 2 and not any("临时救助金" in str(c) for r in linked for c in r)
    # a viewer of the whole district (an administrator, a department of the district) sees it all
    whole = get_alert(store.engine, full["id"])
    assert whole["explanation"] == full["explanation"] and len(whole["records"]) == 3
    assert whole["records_out_of_scope"] == 0 and whole["evidence"]["out_of_scope"] is None


def test_a_row_read_only_from_other_units_is_left_out_whole(store):
    """The other town, were it shown the alert, would see its own payment and nothing of 临江镇's records."""
    full = _paid_elsewhere(store)
    other = get_alert(store.engine, full["id"], units=_subtree(world.OTHER_TOWN))
    evidence = other["evidence"]
    assert evidence["out_of_scope"]["records"] == 2 and evidence["out_of_scope"]["rows"] == 1
    assert evidence["rows_total"] == 1 and [r["发放类型"] for r in evidence["rows"]] == ["临时救助金"]
    assert evidence["fields"]["姓名"] is None and evidence["fields"]["发放类型"] == "临时救助金"
    assert f"{HIDDEN}（{HIDDEN}）户籍状态为“{HIDDEN}”" in other["explanation"]
    assert OUT_OF_SCOPE.format(n=2) in other["explanation"] and "低保金" not in other["explanation"]
    assert [r["ledger"] for r in other["records"]] == ["event_payment"] and other["records_out_of_scope"] == 2


def test_alerts_kept_before_records_had_org_units_are_withheld_below_the_district(store):
    full = _paid_elsewhere(store)
    old = {k: v for k, v in full["evidence"].items() if k not in ("hidden", "out_of_scope")}
    old["records"] = [{k: v for k, v in r.items() if k != "org_unit"} for r in old["records"]]
    with store.engine.begin() as conn:  # as the code before this change kept it: no units
        conn.execute(update(schema.alert).where(schema.alert.c.id == full["id"]).values(evidence=old))
    town = get_alert(store.engine, full["id"], units=_subtree(world.TOWN))
    assert town["evidence"]["withheld"] and town["evidence"]["records"] == [] and town["evidence"]["fields"] == {}
    assert town["explanation"] == WITHHELD and "临时救助金" not in repr(town["evidence"])
    assert len(town["records"]) == 2  # the linked records still lying in its units
    assert get_alert(store.engine, full["id"])["explanation"] == full["explanation"]  # the district: as before
    run_rules(store.engine, as_of=world.AS_OF, actor="tester", dictionary=store.dictionary, rule_ids=[MOVED])
    again = get_alert(store.engine, full["id"], units=_subtree(world.TOWN))
    assert "withheld" not in again["evidence"] and again["evidence"]["out_of_scope"]["records"] == 1
