"""Every rule shipped in the Yongchuan pack finds exactly its planted positives in the hand-built
world (world.py), and none of the near misses, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.rules import world
from yibiaotong.rules.binding import Catalog
from yibiaotong.rules.run import evaluate


def test_the_pack_ships_the_rules_the_district_asked_for(shipped_rules):
    assert set(world.EXPECTED) <= set(shipped_rules)
    for rule in shipped_rules.values():
        assert rule.title and rule.department and rule.action and rule.evidence and rule.explain


@pytest.mark.parametrize("rule_id", sorted(world.EXPECTED))
def test_shipped_rule_finds_exactly_the_planted_cases(store, shipped_rules, rule_id):
    catalog = Catalog(store.ledgers(), store.dictionary)
    findings, outcome = evaluate(store.engine, shipped_rules[rule_id], catalog, as_of=world.AS_OF)
    assert not outcome.problems, [p.message_zh for p in outcome.problems]
    found = {"|".join(f.key) for f in findings}
    assert found == world.EXPECTED[rule_id]
    for f in findings:
        assert f.explanation and f.records and f.org_unit
        # evidence and explanation never hold a full ID number
        for p in world.PEOPLE.values():
            assert p.id not in f.explanation and p.id not in repr(f.evidence)


def test_a_deceased_persons_alert_names_the_payments_after_death(store, shipped_rules):
    catalog = Catalog(store.ledgers(), store.dictionary)
    findings, _ = evaluate(store.engine, shipped_rules["deceased_still_paid"], catalog, as_of=world.AS_OF)
    dead = world.PEOPLE["dead_paid"]
    f = next(f for f in findings if f.key == (dead.id,))
    assert f.evidence["fields"]["死亡日期"] == "2024-03-06"
    assert f.evidence["fields"]["死亡后发放月份"] == "2024-04、2024-05"
    assert dead.id[:6] + "********" + dead.id[-4:] in f.explanation
    assert "已于2024-03-06死亡" in f.explanation and "补贴发放台账" in f.explanation
    # linked to the person's hukou record and the two payments after the death month (not March's)
    assert set(f.records) == {("person_hukou", dead.id), ("event_payment", f"{dead.id}|2024-04|低保金"),
                              ("event_payment", f"{dead.id}|2024-05|低保金")}
    assert f.org_unit == dead.unit


def test_as_of_moves_the_month_of_the_80th_birthday(store, shipped_rules):
    catalog = Catalog(store.ledgers(), store.dictionary)
    from datetime import date

    findings, _ = evaluate(store.engine, shipped_rules["turning_80_without_allowance"], catalog, as_of=date(2024, 7, 31))
    assert {f.key[0] for f in findings} == {world.PEOPLE["soon1"].id}


def test_the_org_unit_limits_a_run_to_that_unit_and_below(store, shipped_rules):
    catalog = Catalog(store.ledgers(), store.dictionary)
    path = "/" + world.DISTRICT + "/" + world.TOWN + "/"
    findings, _ = evaluate(store.engine, shipped_rules["deceased_still_paid"], catalog, as_of=world.AS_OF,
                           org_unit_path=path)
    assert {f.key[0] for f in findings} == {world.PEOPLE["dead_paid"].id}  # cancelled_dead lives in the other town
