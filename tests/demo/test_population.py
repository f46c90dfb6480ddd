"""The synthetic Yongchuan population: deterministic, valid, realistic in its shares, and with
exactly the planted problems its manifest lists (checked by rules written here independently)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date

import openpyxl
import pytest

from yibiaotong.demo.benefits import add_months, month_of
from yibiaotong.demo.facts import GENERATED
from yibiaotong.demo.population import DEFAULT_TODAY, generate, villages_of, write_intake_samples
from yibiaotong.elements.idnumber import birth_date_of, check_id_number, sex_of
from yibiaotong.elements.validate import coerce
from yibiaotong.orgunits import OrgTree, read_csv
from yibiaotong.packs import packs_root

TODAY = DEFAULT_TODAY
PACK_TREE = packs_root() / "yongchuan" / "orgunits.csv"
NEIGHBOURS = {"500116", "500153", "500111", "500120", "500151"}


@pytest.fixture(scope="module")
def demo():
    """The demo-scale stream, iterated once: (stream, facts)."""
    stream = generate("demo")
    return stream, list(stream)


@pytest.fixture(scope="module")
def persons(demo):
    return [f.values for f in demo[1] if f.kind == "person"]


def small_tree(villages: int = 3) -> OrgTree:
    """The district, one subdistrict and one town of the pack's tree, a few villages each."""
    tree = read_csv(PACK_TREE)
    keep = [tree["500118000000"]]
    for town in ("500118001000", "500118103000"):
        keep.append(tree[town])
        keep += [u for u in tree.children(town) if u.kind in ("village", "community")][:villages]
    return OrgTree(keep)


def test_same_seed_same_facts_other_seed_other_facts():
    tree = small_tree()
    first = [(f.subject, f.kind, f.org_unit, f.values) for f in generate(300, seed=11, org_units=tree)]
    again = [(f.subject, f.kind, f.org_unit, f.values) for f in generate(300, seed=11, org_units=tree)]
    other = [(f.subject, f.kind, f.org_unit, f.values) for f in generate(300, seed=12, org_units=tree)]
    assert first == again
    assert first != other
    assert {f[2] for f in first} <= {u.code for u in tree}


def test_town_only_tree_still_works():
    tree = read_csv(PACK_TREE)
    towns = OrgTree([u for u in tree if u.level <= 2])
    assert {v.kind for v in villages_of(towns)} <= {"town", "community"}
    facts = list(generate(200, org_units=towns))
    assert any(f.kind == "person" for f in facts) and any(f.kind == "parcel" for f in facts)


def test_every_value_is_what_the_dictionary_would_store(demo, standard_dictionary):
    d = standard_dictionary
    for fact in demo[1][:20000]:
        assert set(fact.values) <= GENERATED[fact.subject], fact.kind
        for element_id, value in fact.values.items():
            typed, problems = coerce(d.element(element_id), value, d.codelists)
            assert not problems and typed == value and type(typed) is type(value), (element_id, value, problems)


def test_id_numbers_are_valid_and_agree_with_birth_date_and_sex(demo, persons):
    manifest = demo[0].manifest.items
    wrong_birth = {i["id_number"] for i in manifest["id_birth_date_mismatch"]}
    wrong_sex = {i["id_number"] for i in manifest["id_sex_mismatch"]}
    regions = Counter()
    for p in persons:
        number = p["id_number"]
        assert check_id_number(number, today=TODAY) == (number, None)
        regions[number[:6]] += 1
        assert (birth_date_of(number) == p["birth_date"]) != (number in wrong_birth)
        assert (sex_of(number) == p["gender"]) != (number in wrong_sex)
    assert set(regions) <= {"500118"} | NEIGHBOURS
    assert regions["500118"] / len(persons) > 0.9
    ids = {p["id_number"] for p in persons}
    assert len(ids) == len(persons)
    for fact in demo[1]:  # every other ID number points at a person of the population
        for key in ("household_head_id_number", "spouse_id_number", "guardian_id_number", "house_owner_id_number",
                    "legal_rep_id_number"):
            if key in fact.values:
                assert fact.values[key] in ids


def test_age_pyramid_like_an_aging_chongqing_district(persons):
    ages = [p["age"] for p in persons if "death_date" not in p]
    share = lambda lo, hi: sum(lo <= a <= hi for a in ages) / len(ages)  # noqa: E731
    assert 0.13 <= share(0, 14) <= 0.19
    assert 0.19 <= share(60, 200) <= 0.26
    assert 0.018 <= share(80, 200) <= 0.036


def test_disability_assistance_and_household_shares(demo, persons):
    households = [f.values for f in demo[1] if f.kind == "household"]
    assert 0.05 <= sum("is_disabled" in p for p in persons) / len(persons) <= 0.075
    assert 0.03 <= sum(h.get("is_dibao_household", False) for h in households) / len(households) <= 0.065
    assert 0.004 <= sum(h["household_economic_status"] == "1" for h in households) / len(households) <= 0.02
    assert 2.2 <= len(persons) / len(households) <= 2.8
    for p in persons:
        if "is_disabled" in p:
            assert p["disability_cert_number"] == p["id_number"] + p["disability_category"] + p["disability_level"]
            assert p["disability_cert_valid_until"] and p["disability_level"] in "1234"
    heads = Counter(p["household_head_id_number"] for p in persons if p.get("is_household_head"))
    assert len(heads) == len(households) and set(heads.values()) == {1}


def test_names_and_addresses_look_local(persons):
    surnames = Counter(p["person_name"][0] for p in persons)
    assert {s for s, _n in surnames.most_common(6)} >= {"陈", "李", "张", "刘"}
    old_women = Counter(p["person_name"][1:] for p in persons if p["gender"] == "2" and p["birth_date"].year < 1950)
    young = {p["person_name"][1:] for p in persons if p["birth_date"].year >= 2010}
    assert old_women.most_common(1)[0][0] in {"秀英", "桂英", "秀兰", "玉兰", "桂兰", "淑珍", "素芳"}
    assert not young & {"秀英", "桂英", "桂兰", "淑珍", "建国", "建华"}
    villages = {u.name for u in read_csv(PACK_TREE) if u.kind == "village"}
    rural = [p["address_household_registration"] for p in persons if "组" in p["address_household_registration"]]
    assert rural and all(a.startswith("重庆市永川区") for a in rural)
    assert sum(any(v in a for v in villages) for a in rural) == len(rural)


# --- planted problems: rules that do not know how they were planted ---------------------------------

def detect(facts) -> dict[str, set[str]]:
    this_month = month_of(TODAY)
    persons, pays, parcels, transfers, plantings = {}, [], {}, set(), defaultdict(list)
    for f in facts:
        v = f.values
        if f.kind == "person":
            persons[v["id_number"]] = v
        elif f.kind == "payment":
            pays.append(v)
        elif f.kind == "parcel":
            parcels[v["land_parcel_code"]] = v
        elif f.kind == "transfer":
            transfers.add(v["land_parcel_code"])
        elif f.kind == "planting":
            plantings[v["land_parcel_code"]].append(v)
    found: dict[str, set[str]] = defaultdict(set)
    by_person = defaultdict(list)
    same = Counter()
    subsidies = defaultdict(set)
    for x in pays:
        by_person[x["id_number"]].append(x)
        same[(x["id_number"], x["payment_month"], x["payment_type"].replace("（补发）", ""))] += 1
        subsidies[(x["id_number"], x["payment_month"])].add(x["subsidy_type"])
    found["duplicate_payment"] = {k[0] for k, n in same.items() if n > 1}
    found["exclusive_benefits"] = {k[0] for k, s in subsidies.items() if {"低保", "特困供养"} <= s}
    soon = {add_months(this_month, k) for k in (1, 2, 3)}
    for number, p in persons.items():
        paid = by_person.get(number, [])
        if "death_date" in p and any(x["payment_month"] > month_of(p["death_date"]) for x in paid):
            found["deceased_still_paid"].add(number)
        if p["hukou_status"] == "2" and any(x["payment_month"] == this_month for x in paid):
            found["moved_out_still_paid"].add(number)
        born = birth_date_of(number)
        resident = "death_date" not in p and p["hukou_status"] == "1"
        eightieth = f"{born.year + 80:04d}-{born.month:02d}"
        allowance = any(x["subsidy_type"] == "高龄津贴" and x["payment_month"] == this_month for x in paid)
        if resident and eightieth <= this_month and not allowance:  # anyone 80+ without it, not only new ones
            found["turning_80_no_allowance"].add(number)
        if resident and eightieth in soon:
            found["turning_80_soon"].add(number)
        if "disability_cert_valid_until" in p and any(
                x["subsidy_type"] in ("困难残疾人生活补贴", "重度残疾人护理补贴")
                and x["payment_month"] > month_of(p["disability_cert_valid_until"]) for x in paid):
            found["expired_certificate_still_paid"].add(number)
        if p["birth_date"] != born:
            found["id_birth_date_mismatch"].add(number)
        if p["gender"] != sex_of(number):
            found["id_sex_mismatch"].add(number)
    for code, parcel in parcels.items():
        if code in transfers and parcel["is_permanent_basic_farmland"] and any(x["is_non_grain"] for x in plantings[code]):
            found["non_grain_basic_farmland"].add(code)
        if not plantings[code]:
            found["abandoned_two_seasons"].add(code)
    return found


def test_planted_problems_are_exactly_what_the_rules_find(demo):
    stream, facts = demo
    found = detect(facts)
    for kind, items in stream.manifest.items.items():
        if kind.startswith("intake_"):
            continue
        key = "land_parcel_code" if kind in ("non_grain_basic_farmland", "abandoned_two_seasons") else "id_number"
        planted = {i[key] for i in items}
        assert 3 <= len(planted) <= 60, kind
        assert planted == found[kind], kind  # precision and recall 1: nothing natural looks planted


def test_the_committed_manifest_matches_the_demo_population(demo):
    committed = json.loads((packs_root() / "yongchuan" / "population" / "planted.json").read_text(encoding="utf-8"))
    assert committed["seed"] == 2024 and committed["today"] == TODAY.isoformat()
    by_kind = {k["kind"]: k for k in committed["kinds"]}
    for kind, items in demo[0].manifest.items.items():
        if not kind.startswith("intake_"):
            assert by_kind[kind]["count"] == len(items), f"{kind}: run python -m yibiaotong.demo.population"
            assert json.loads(json.dumps(items, default=str)) == by_kind[kind]["items"], kind
    assert by_kind["intake_invalid_id"]["count"] == 10 and by_kind["intake_same_person_two_spellings"]["count"] == 5


def test_intake_roster_holds_the_planted_bad_rows(tmp_path, demo):
    committed = json.loads((packs_root() / "yongchuan" / "population" / "planted.json").read_text(encoding="utf-8"))
    by_kind = {k["kind"]: k["items"] for k in committed["kinds"]}
    [path] = write_intake_samples(tmp_path)
    ws = openpyxl.load_workbook(path).active
    assert ws.max_row - 3 >= 150  # title, unit line, header
    problems = {"checksum": "id-number-checksum", "birth_date": "id-number-birth-date", "mangled": "id-number-mangled"}
    for item in by_kind["intake_invalid_id"]:
        cell = ws.cell(item["row"], 6).value
        _number, problem = check_id_number(cell, today=TODAY)
        assert problem is not None and problem.code == problems[item["problem"]]
        assert ws.cell(item["row"], 4).value == item["name"]
    for item in by_kind["intake_same_person_two_spellings"]:
        a, b = item["rows"]
        names = [ws.cell(a, 4).value, ws.cell(b, 4).value]
        assert names == item["names"] and names[0] != names[1] and len(names[0]) == len(names[1])
        assert sum(x != y for x, y in zip(*names)) == 1
        assert ws.cell(a, 6).value is None and ws.cell(b, 6).value is None
        assert ws.cell(a, 10).value == ws.cell(b, 10).value and ws.cell(a, 11).value == ws.cell(b, 11).value
    ids = [ws.cell(r, 6).value for r in range(4, ws.max_row + 1)]
    bad = {i["row"] for i in by_kind["intake_invalid_id"]}
    for row, cell in enumerate(ids, start=4):  # every other ID in the roster is valid
        if cell is not None and row not in bad:
            assert check_id_number(cell, today=TODAY)[1] is None


def test_payments_and_turning_80_follow_the_calendar(demo):
    facts = demo[1]
    months = {f.values["payment_month"] for f in facts if f.kind == "payment"}
    assert months == {add_months(month_of(TODAY), -i) for i in range(6)}
    assert all(f.values["payment_date"] <= TODAY for f in facts if f.kind == "payment")
    soon = demo[0].manifest.items["turning_80_soon"]
    assert soon and all(date.fromisoformat(i["turns_80_on"]) > TODAY for i in soon)
