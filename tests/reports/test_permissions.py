"""Who may generate which report, and see its sensitive values in full."""

from __future__ import annotations

from tests.reports.conftest import DISTRICT, FAMILY, INDICATOR, ROSTER, TOWN, VILLAGE
from yibiaotong.access.grants import set_grant
from yibiaotong.access.scope import OrgIndex, Scope
from yibiaotong.access.users import User, create_user
from yibiaotong.forms.store import get_form
from yibiaotong.reports.permissions import WHOLE, form_reads, generable, may_reveal, whole_ledger

ALL = (ROSTER, INDICATOR, FAMILY)


def _scope(engine, name: str, role: str, unit: str, department: str | None = None) -> Scope:
    user = create_user(engine, name, "a-long-password-1", display_name=name, role=role, org_unit=unit,
                       department=department)
    return Scope.of(engine, user)


def test_what_a_form_reads(district):
    roster = form_reads(district.store, get_form(district.engine, ROSTER))
    assert roster["person_identity"] is WHOLE  # 年龄 is computed from the birth date (or the ID number)
    assert roster["person_contact"] == {"phone"} and roster["event_payment"] == {"paid_amount"}  # joined on the key
    indicator = form_reads(district.store, get_form(district.engine, INDICATOR))
    # count_if(person_identity.gender = '2'): a read of person_identity that names no column it shows
    assert indicator["person_identity"] is WHOLE and indicator["person_disability"] is WHOLE
    assert indicator["area_disability"] == {"x_fa_fang_jin_e_he_ji", "x_kang_fu_fu_wu_ren_ci"}


def test_departments_generate_what_their_grants_cover(district):
    engine = district.engine
    forms = [get_form(engine, f) for f in ALL]
    town = _scope(engine, "clerk", "town", TOWN)
    assert [f.id for f in generable(town, district.store, forms)] == list(ALL)
    set_grant(engine, "残联", "person_disability")
    set_grant(engine, "残联", "person_identity", columns=["id_number", "person_name", "gender"], reveal=True)
    set_grant(engine, "残联", "area_disability")
    canlian = _scope(engine, "canlian", "department", DISTRICT, "残联")
    assert generable(canlian, district.store, forms) == []  # person_identity is granted in part only
    set_grant(engine, "残联", "person_identity", reveal=True)  # now whole
    canlian = _scope(engine, "canlian2", "department", DISTRICT, "残联")
    assert [f.id for f in generable(canlian, district.store, forms)] == [INDICATOR]
    assert not may_reveal(canlian, district.store, [get_form(engine, INDICATOR)])  # person_disability: no reveal
    set_grant(engine, "残联", "person_disability", reveal=True)
    set_grant(engine, "残联", "area_disability", reveal=True)
    canlian = _scope(engine, "canlian3", "department", DISTRICT, "残联")
    assert may_reveal(canlian, district.store, [get_form(engine, INDICATOR)])
    may_read = whole_ledger(canlian.user.role, canlian.grants)
    assert may_read("person_identity") and not may_read("person_address")
    assert whole_ledger(town.user.role, town.grants) is None


def test_who_may_see_values_in_full(district):
    forms = [get_form(district.engine, f) for f in ALL]
    assert may_reveal(_scope(district.engine, "t", "town", TOWN), district.store, forms)
    assert may_reveal(_scope(district.engine, "v", "village", VILLAGE), district.store, forms)
    grid = User("g", "g", "grid", VILLAGE, None)  # grid workers verify in person: never in full
    assert not may_reveal(Scope(grid, OrgIndex(district.engine).refresh(), {}), district.store, forms)
