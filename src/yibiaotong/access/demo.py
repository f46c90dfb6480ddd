"""Demo grants: what the district's civil-affairs bureau (民政局) is given in the demo database."""

from __future__ import annotations

from sqlalchemy import Engine, select

from yibiaotong.access.grants import Grant, set_grant
from yibiaotong.store.schema import ledger as ledger_table

# ledger id -> (mode, reveal). Civil affairs decides 低保/特困/临时救助 and pays the two disability
# subsidies: it maintains those ledgers and reads people's identity, household registration (its
# rules and policies start from it; alerts and checks show it only what is granted), disability
# and payments.
CIVIL_AFFAIRS = "民政局"
CIVIL_AFFAIRS_LEDGERS = {
    "person_identity": ("read", True),
    "person_hukou": ("read", False),
    "person_contact": ("read", False),
    "person_household": ("read", False),
    "household_household": ("read", False),
    "person_disability": ("read", False),
    "person_disability_subsidy": ("write", False),
    "person_social_assistance": ("write", False),
    "household_social_assistance": ("write", False),
    "household_dibao": ("write", True),
    "person_dibao": ("write", False),
    "person_tekun": ("write", False),
    "household_temporary_assistance": ("write", False),
    "person_temporary_assistance": ("write", False),
    "person_elderly": ("read", False),
    "household_income": ("read", False),
    "household_monitoring": ("read", False),
    "event_payment": ("read", False),
}


def seed_demo_access(engine: Engine, *, by: str = "demo") -> list[Grant]:
    """Grant 民政局 the demo ledgers that exist (all columns); safe to run again."""
    with engine.connect() as conn:
        existing = set(conn.execute(select(ledger_table.c.id)).scalars())
    return [set_grant(engine, CIVIL_AFFAIRS, ledger_id, mode=mode, reveal=reveal, by=by)
            for ledger_id, (mode, reveal) in CIVIL_AFFAIRS_LEDGERS.items() if ledger_id in existing]
