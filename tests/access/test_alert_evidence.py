"""What a user may read of ledgers it does not browse page by page: Scope.reader (for eligibility
checks) and Scope.reads (for alert evidence) answer as Scope.ledger does, and AlertScope shows every
alert's evidence through them — on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.access.world import LJ_VILLAGE, SCOPES, USERS
from tests.web.alerts_world import plant_alerts
from yibiaotong.access.alerts import AlertScope
from yibiaotong.access.scope import NotInScope, Scope
from yibiaotong.access.users import User
from yibiaotong.ledgers import LedgerStore
from yibiaotong.rules import list_alerts

LEDGERS = ("person_identity", "person_disability", "land_planting")


def _scope(engine, name: str) -> Scope:
    _n, role, unit, department = next(u for u in USERS if u[0] == name)
    return Scope.of(engine, User(name, name, role, unit, department))


def test_reader_and_reads_answer_as_the_ledger_pages(world):
    store = LedgerStore(world.engine)
    for name, *_rest in USERS:
        scope = _scope(world.engine, name)
        read = scope.reader(store)
        for ledger_id in LEDGERS:
            try:
                access = scope.ledger(store, ledger_id)
            except NotInScope:
                access = None
            assert read(ledger_id) == access, (name, ledger_id)
            for column in store.ledger(ledger_id).column_names:
                assert scope.reads(ledger_id, column) == (access is not None and access.may_read(column)), \
                    (name, ledger_id, column)
        if name in SCOPES:
            assert set(read("person_identity").units) == SCOPES[name]
    minzheng = _scope(world.engine, "minzheng").reader(store)
    assert minzheng("land_planting") is None and "birth_date" not in minzheng("person_identity").columns


def test_alert_scope_shows_each_user_the_evidence_it_may_read(world):
    plant_alerts(world)
    person = world.person_of(LJ_VILLAGE)
    alert = next(a for a in list_alerts(world.engine, rule_id="test_disability_check", limit=None)
                 if person.name in a["explanation"])
    seen = {}
    for name in ("admin", "minzheng", "linjiang"):
        alerts = AlertScope(_scope(world.engine, name))
        one = alerts.get(world.engine, alert["id"])
        listed = next(a for a in alerts.page(world.engine, alerts.filters(), limit=500, offset=0)[0]
                      if a["id"] == alert["id"])
        on_record = next(a for a in alerts.for_record(world.engine, "person_disability", person.id_number)
                         if a["id"] == alert["id"])
        assert one["explanation"] == listed["explanation"] == on_record["explanation"], name
        assert one["evidence"]["fields"]["残疾证号"] == "***", name
        seen[name] = one
    assert seen["admin"]["explanation"] == seen["linjiang"]["explanation"] == alert["explanation"]
    assert seen["admin"]["evidence"]["hidden"] == [] and seen["admin"]["evidence"]["fields"]["出生日期"]
    mine = seen["minzheng"]
    assert mine["evidence"]["hidden"] == ["出生日期"] and mine["evidence"]["fields"]["出生日期"] is None
    assert "（无权查看）出生" in mine["explanation"]
    # the linked identity record: 民政局 reads its ID number (masked), so the key shows as on its record pages
    keys = {r["ledger"]: r["key"] for r in mine["evidence"]["records"]}
    assert keys["person_identity"] == keys["person_disability"] == person.id_number[:6] + "********" + \
        person.id_number[-4:]
