"""The shipped rules against the synthetic Yongchuan district: built at demo scale (2,400 persons)
into the Yongchuan pack's own ledger definitions, every rule must find exactly the problems the
generator planted (precision and recall 1.0 against its manifest), on SQLite and PostgreSQL.

Only the ledgers the rules read are created (the loader routes facts to whatever ledgers exist),
which keeps a build to seconds. A rule whose ledgers the pack does not provide yet is skipped,
naming what is missing.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import postgres_schema
from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.ledgers import LedgerDef, LedgerStore
from yibiaotong.orgunits import read_csv, save_tree
from yibiaotong.packs import packs_root
from yibiaotong.rules import ensure_rule_indexes, load_rules, run_rules
from yibiaotong.rules.binding import Catalog
from yibiaotong.rules.compile import bind_rule
from yibiaotong.rules.run import evaluate
from yibiaotong.store.engine import open_store
from yibiaotong.store.migrate import upgrade

PACK_LEDGERS = packs_root() / "yongchuan" / "ledgers"
try:
    from yibiaotong.demo.load import load
    from yibiaotong.demo.population import DEFAULT_TODAY, generate
except ImportError as exc:  # the demo data generator is not there (yet)
    load = generate = None
    DEFAULT_TODAY = date(2024, 6, 30)
    MISSING_GENERATOR = f"yibiaotong.demo (population, load) cannot be imported: {exc}"
else:
    MISSING_GENERATOR = ""

SCALE = os.environ.get("YBT_RULES_DEMO_SCALE", "demo")
# rule -> the manifest kind it must reproduce, and how a finding and a planted item name their case
KIND = {"turning_80_without_allowance": "turning_80_no_allowance"}


def _case_of_finding(rule_id: str, key: tuple[str, ...]) -> str:
    parts = key[0].split("|")
    return "|".join(parts[:2]) if rule_id == "duplicate_payment" else parts[0]


def _case_of_item(kind: str, item: dict) -> str:
    if kind == "duplicate_payment":
        return f"{item['id_number']}|{item['payment_month']}"
    return item.get("id_number") or item["land_parcel_code"]


def _skip_reason() -> str:
    if MISSING_GENERATOR:
        return MISSING_GENERATOR
    if not PACK_LEDGERS.is_dir() or not any(PACK_LEDGERS.glob("*.yaml")):
        return f"the Yongchuan pack has no ledger definitions yet ({PACK_LEDGERS} is missing or empty)"
    return ""


def _build(engine) -> tuple[LedgerStore, dict]:
    dictionary = Dictionary.for_pack("yongchuan")
    dictionary.save(engine)
    save_tree(engine, read_csv(packs_root() / "yongchuan" / "orgunits.csv"))
    store = LedgerStore(engine, dictionary)
    wanted = {lid for r in load_rules("yongchuan") for ref in r.ledgers for lid in ref.ledgers}
    for path in sorted(PACK_LEDGERS.glob("*.yaml")):
        d = LedgerDef.from_file(path)
        if d.id in wanted:
            store.create_ledger(d)
    stream = generate(int(SCALE) if SCALE.isdigit() else SCALE)
    load(engine, store, stream)
    ensure_rule_indexes(engine)
    return store, stream.manifest.items


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo(request, tmp_path_factory):
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    if request.param == "sqlite":
        engine = open_store(tmp_path_factory.mktemp("demo") / "demo.db")
        yield _build(engine)
        engine.dispose()
        return
    with postgres_schema() as engine:
        upgrade(engine)
        yield _build(engine)


RULES = sorted(r.id for r in load_rules("yongchuan"))


@pytest.mark.parametrize("rule_id", RULES)
def test_every_shipped_rule_finds_exactly_the_planted_problems(demo, rule_id):
    store, manifest = demo
    rule = next(r for r in load_rules("yongchuan") if r.id == rule_id)
    kind = KIND.get(rule_id, rule_id)
    if kind not in manifest:
        pytest.skip(f"the generator plants no {kind!r} problems")
    catalog = Catalog(store.ledgers(), store.dictionary)
    _bound, problems = bind_rule(rule, catalog)
    if problems:
        pytest.skip(f"the Yongchuan pack's ledgers cannot serve rule {rule_id} yet: "
                    + "; ".join(p.message_zh for p in problems))
    findings, outcome = evaluate(store.engine, rule, catalog, as_of=DEFAULT_TODAY)
    assert not outcome.problems, [p.message_zh for p in outcome.problems]
    found = {_case_of_finding(rule_id, f.key) for f in findings}
    planted = {_case_of_item(kind, item) for item in manifest[kind]}
    assert planted, f"no {kind} planted at scale {SCALE}: recall cannot be measured"
    precision = len(found & planted) / len(found) if found else 1.0
    recall = len(found & planted) / len(planted)
    assert (precision, recall) == (1.0, 1.0), {"false_positives": sorted(found - planted)[:5],
                                               "missed": sorted(planted - found)[:5]}


def test_a_run_over_the_demo_district_raises_one_alert_per_planted_problem(demo):
    store, manifest = demo
    result = run_rules(store.engine, as_of=DEFAULT_TODAY, dictionary=store.dictionary)
    runnable = [o for o in result.outcomes if o.ledgers]
    assert runnable
    for o in runnable:
        assert o.found == len(manifest.get(KIND.get(o.rule, o.rule), [])), o.rule
    again = run_rules(store.engine, as_of=DEFAULT_TODAY, dictionary=store.dictionary)
    assert again.alerts_new == 0 and again.alerts_total == result.alerts_total


def test_the_manifest_in_the_pack_matches_the_generator(demo):
    """planted.json (what people read) describes the demo build (what the rules are scored on)."""
    if SCALE != "demo":
        pytest.skip("planted.json describes the demo scale")
    import json

    _store, manifest = demo
    written = json.loads(Path(packs_root() / "yongchuan" / "population" / "planted.json").read_text(encoding="utf-8"))
    counts = {k["kind"]: k["count"] for k in written["kinds"]}
    for kind, items in manifest.items():
        if not kind.startswith("intake_"):
            assert counts.get(kind) == len(items), kind
