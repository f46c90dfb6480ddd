"""The hand-built rules world on each database (see world.py)."""

from __future__ import annotations

import pytest

from tests.rules import world
from yibiaotong.ledgers import LedgerDef, LedgerStore
from yibiaotong.rules import load_policies, load_rules


@pytest.fixture(scope="session")
def shipped_rules():
    return {r.id: r for r in load_rules("yongchuan")}


@pytest.fixture(scope="session")
def shipped_policies():
    return {p.id: p for p in load_policies("yongchuan")}


@pytest.fixture
def store(engine, standard_dictionary) -> LedgerStore:
    return world.build(engine, standard_dictionary)


@pytest.fixture
def engine_with_households(store):
    """The world with the ledgers the eligibility policies read besides (households, income, assistance …)."""
    P = world.PEOPLE
    store.create_ledgers([LedgerDef.from_dict(d) for d in world.POLICY_LEDGERS])
    heads = {"excl": (400, world.HOUSEHOLD_ID), "dup_ok": (2000, "1032010002"), "valid": (450, "1032020001")}
    store.upsert("household", [{"_org_unit": P[k].unit, "household_head_id_number": P[k].id, "household_head_name": k,
                                "household_id": hid, "household_size": 2} for k, (_i, hid) in heads.items()])
    store.upsert("household_income", [{"_org_unit": P[k].unit, "household_head_id_number": P[k].id,
                                       "household_head_name": k, "household_per_capita_monthly_income": income}
                                      for k, (income, _h) in heads.items()])
    store.upsert("person_social_assistance", [
        {"_org_unit": P["excl"].unit, "id_number": P["excl"].id, "person_name": "excl", "is_dibao_recipient": True,
         "social_assistance_status": "2"},
        {"_org_unit": P["valid"].unit, "id_number": P["valid"].id, "person_name": "valid", "is_dibao_recipient": True,
         "social_assistance_status": "2"}])
    store.upsert("person_temporary_assistance", [
        {"_org_unit": P["excl"].unit, "id_number": P["excl"].id, "person_name": "excl", "assistance_reason": "突发重大疾病住院"},
        {"_org_unit": P["dup"].unit, "id_number": P["dup"].id, "person_name": "dup", "assistance_reason": "房屋失火"}])
    store.upsert("person_health", [{"_org_unit": P["alive"].unit, "id_number": P["alive"].id, "person_name": "alive",
                                    "labor_ability": "5"}])
    return store.engine
