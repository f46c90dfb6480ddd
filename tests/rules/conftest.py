"""The hand-built rules world on each database (see world.py)."""

from __future__ import annotations

import pytest

from tests.rules import world
from yibiaotong.ledgers import LedgerStore
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
