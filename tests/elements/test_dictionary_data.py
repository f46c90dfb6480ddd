"""The standard data-element dictionary (数据元目录) as shipped in packs/standard/elements/.

Checks the data itself, read with yaml.safe_load (not through the loader): ids, allowed values,
code lists, alias collisions, PIPL sensitivity spot checks, and that every element of the
development form set (shared/data/forms-dev.json) is defined and reachable by its printed label.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from tests.shared import not_found, shared_data
from yibiaotong.elements.model import CATEGORIES, ELEMENT_TYPES, ROLES, SENSITIVITIES, SUBJECTS, VALIDATION_RULES

ROOT = Path(__file__).resolve().parents[2]
STANDARD = ROOT / "packs" / "standard"
FORMS_DEV = shared_data("forms-dev.json")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
VALIDATION_KEYS = VALIDATION_RULES

# Bare labels that real forms print for more than one role; the role of the column (the row's
# subject, the household head, a contact, the legal representative ...) picks the element.
SHARED_ACROSS_ROLES = {
    "性别": {"gender", "household_head_gender"},
    "年龄": {"age", "household_head_age"},
    "联系电话": {"phone", "household_head_phone", "household_phone", "contact_person_phone", "legal_rep_phone"},
    "手机号码": {"phone", "legal_rep_mobile"},
    "关系": {"relation_to_head", "contact_person_relation"},
}

# Dev-set columns whose printed label alone does not name the element: only the form's context
# does. These labels are deliberately not aliases (they would be wrong on most other forms).
CONTEXT_ONLY = {
    "合计": "count_poor_households",  # total column of a poverty-type statistics table
    "其他": "other_income",  # last item of a living-income table
    "日期": "survey_date",  # date cell of a household-survey form
    "残疾种类/精神智力": "disability_level",  # level ticked per disability kind
    "残疾种类/其他": "disability_level",
    # sub-table under a legal-supporter header: the parent gives the role, the leaf the attribute
    "赡、抚(扶)养义务人情况/姓名": "legal_supporter_name",
    "赡、抚(扶)养义务人情况/年龄": "legal_supporter_age",
    "赡、抚(扶)养义务人情况/与户主关系": "legal_supporter_relation_to_head",
    "赡、抚(扶)养义务人情况/健康状况": "legal_supporter_health_status",
    "赡、抚(扶)养义务人情况/职业状况": "legal_supporter_employment_status",
    "赡、抚(扶)养义务人情况/年收入(元)": "legal_supporter_annual_income",
}


def fold(label: str) -> str:
    """Labels as matching compares them: NFKC, no whitespace, no required-field asterisks."""
    return "".join(unicodedata.normalize("NFKC", str(label)).split()).replace("*", "").lower()


def _load_elements() -> list[dict]:
    out = []
    for path in sorted((STANDARD / "elements").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(data, dict) and isinstance(data.get("elements"), list), path.name
        for raw in data["elements"]:
            out.append({**raw, "category": raw.get("category", data.get("category")), "_file": path.name})
    return out


ELEMENTS = _load_elements()
BY_ID = {e["id"]: e for e in ELEMENTS}


def labels(element: dict) -> list[str]:
    return [element["name"], *(element.get("aliases") or [])]


def test_files_are_split_into_common_and_application():
    files = {e["_file"] for e in ELEMENTS}
    assert "common.yaml" in files
    assert any(f.startswith("application") for f in files)
    for e in ELEMENTS:
        expected = "common" if e["_file"] == "common.yaml" else "application"
        assert e["category"] == expected, e["id"]


def test_ids_are_snake_case_and_unique_across_files():
    seen: dict[str, str] = {}
    for e in ELEMENTS:
        assert ID_PATTERN.match(e["id"]), e["id"]
        assert e["id"] not in seen, f"{e['id']} in {seen.get(e['id'])} and {e['_file']}"
        seen[e["id"]] = e["_file"]


def test_every_element_is_fully_described_with_allowed_values():
    for e in ELEMENTS:
        for key in ("name", "name_en", "type", "sensitivity", "group", "description"):
            assert e.get(key), f"{e['id']}: {key} missing"
        assert e["type"] in ELEMENT_TYPES, e["id"]
        assert e["sensitivity"] in SENSITIVITIES, e["id"]
        assert e["category"] in CATEGORIES, e["id"]
        assert e.get("subject") is None or e["subject"] in SUBJECTS, e["id"]
        assert e.get("role") is None or e["role"] in ROLES, e["id"]
        # roles are for person attributes, and every person attribute says whose it is
        assert (e.get("subject") == "person") == (e.get("role") is not None), e["id"]


def test_code_elements_have_a_code_list_and_others_do_not():
    for e in ELEMENTS:
        if e["type"] == "code":
            assert e.get("codelist"), f"{e['id']}: code element without codelist"
        else:
            assert not e.get("codelist"), f"{e['id']}: codelist on a {e['type']} element"


def test_every_referenced_code_list_exists():
    referenced = {e["codelist"] for e in ELEMENTS if e.get("codelist")}
    missing = sorted(c for c in referenced if not (STANDARD / "codelists" / f"{c}.yaml").is_file())
    assert not missing, f"code lists referenced but not in packs/standard/codelists/: {missing}"
    for cid in referenced:
        data = yaml.safe_load((STANDARD / "codelists" / f"{cid}.yaml").read_text(encoding="utf-8"))
        assert data["id"] == cid
        assert data.get("items"), cid


def test_amounts_have_a_unit_and_validation_rules_are_well_formed():
    for e in ELEMENTS:
        if e["type"] == "amount":
            assert e.get("unit", "").startswith(("元", "万元")), e["id"]
        rules = e.get("validation") or {}
        assert set(rules) <= VALIDATION_KEYS, e["id"]
        if "pattern" in rules:
            re.compile(rules["pattern"])
        if "min" in rules and "max" in rules:
            assert rules["min"] <= rules["max"], e["id"]


def test_no_label_is_repeated_within_an_element():
    for e in ELEMENTS:
        folded = [fold(x) for x in labels(e)]
        assert len(folded) == len(set(folded)), f"{e['id']}: {sorted(x for x in folded if folded.count(x) > 1)}"


def test_no_alias_is_shared_by_two_elements_with_the_same_role():
    """The same (subject, role) may not claim one label twice: context could not tell them apart.

    For non-person elements the role is null and the subject (household, organisation ...) plays
    its part: 联系电话 of a household and of a legal representative are told apart by the subject.
    """
    owners: dict[tuple[str, str | None, str | None], list[str]] = defaultdict(list)
    for e in ELEMENTS:
        for label in {fold(x) for x in labels(e)}:
            owners[(label, e.get("subject"), e.get("role"))].append(e["id"])
    clashes = {k: v for k, v in owners.items() if len(v) > 1}
    assert not clashes, clashes


def test_labels_shared_across_roles_are_the_documented_ones():
    by_label: dict[str, set[str]] = defaultdict(set)
    for e in ELEMENTS:
        for label in {fold(x) for x in labels(e)}:
            by_label[label].add(e["id"])
    shared = {label: ids for label, ids in by_label.items() if len(ids) > 1}
    assert shared == {fold(k): v for k, v in SHARED_ACROSS_ROLES.items()}
    for ids in SHARED_ACROSS_ROLES.values():  # bare labels default to the subject person
        subjects = [i for i in ids if BY_ID[i].get("role") == "subject"]
        assert len(subjects) <= 1, subjects


def test_sensitivity_spot_checks():
    id_number = BY_ID["id_number"]
    assert id_number["type"] == "id_number" and id_number["sensitivity"] == "sensitive"
    assert id_number["category"] == "common" and id_number["role"] == "subject"
    disability = BY_ID["disability_category"]
    assert disability["sensitivity"] == "sensitive" and disability["codelist"] == "gb_t_26341_disability_category"
    for e in ELEMENTS:
        if e["type"] == "id_number":
            assert e["sensitivity"] == "sensitive", e["id"]
        if e["group"] in ("disability", "rehabilitation", "medical_history"):
            assert e["sensitivity"] == "sensitive", e["id"]
    for eid in ("bank_account", "health_status", "religion", "criminal_record", "student_number", "allergy_history"):
        assert BY_ID[eid]["sensitivity"] == "sensitive", eid
    for eid in ("person_name", "phone", "address_current", "household_head_name"):
        assert BY_ID[eid]["sensitivity"] == "personal", eid
    assert BY_ID["count_dibao_households"]["sensitivity"] in ("internal", "public")


def test_role_and_unit_spot_checks():
    assert BY_ID["phone"]["role"] == "subject" and BY_ID["phone"]["name"] == "联系电话"
    assert BY_ID["household_head_phone"]["role"] == "household_head"
    assert BY_ID["contact_person_name"]["role"] == "contact"
    assert BY_ID["guardian_phone"]["role"] == "guardian"
    assert BY_ID["family_member_name"]["role"] == "family_member"
    assert "户主电话" in labels(BY_ID["household_head_phone"])
    assert "监护人电话" in labels(BY_ID["guardian_phone"])
    assert BY_ID["house_owner_name"]["subject"] == "house"  # 房主 is not the household head
    assert BY_ID["registered_capital"]["unit"] == "万元"
    assert BY_ID["benefit_amount"]["unit"] == "元"
    assert BY_ID["land_contract_area"]["unit"] == "亩"
    assert BY_ID["building_area_sqm"]["unit"] == "平方米"
    assert BY_ID["transfer_price"]["unit"] == "元/亩/年"
    assert BY_ID["house_safety_rating"]["codelist"] == "house_safety_grade"
    assert BY_ID["relation_to_head"]["codelist"] == "gb_t_4761_family_relationship"
    assert BY_ID["unified_social_credit_code"]["validation"]["max_length"] == 18


# ---------------------------------------------------------------------------------- dev forms

@pytest.fixture(scope="module")
def forms_dev() -> dict:
    if FORMS_DEV is None:
        pytest.skip(not_found("forms-dev.json"))
    return json.loads(FORMS_DEV.read_text(encoding="utf-8"))


def test_every_glossary_element_of_the_dev_forms_is_defined(forms_dev):
    missing = sorted(set(forms_dev["glossary"]) - set(BY_ID))
    assert not missing, missing
    for form in forms_dev["forms"]:
        assert set(form["elements"]) <= set(BY_ID), form["id"]


def _header_parts(column: str) -> list[str]:
    """'家庭成员/年收入(元)' -> ['家庭成员', '年收入(元)']; a slash inside brackets is not a level."""
    parts, depth, current = [], 0, ""
    for ch in unicodedata.normalize("NFKC", column):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "/" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current]


def _without_brackets(text: str) -> str:
    return re.sub(r"\([^()]*\)", "", text)


def test_every_dev_column_is_reachable_from_its_label(forms_dev):
    """Each column's label, leaf, or parent+leaf (with or without a bracketed unit or hint such
    as '(元)' or '(是/否)') is a label of the element it was assigned, except the documented
    context-only columns."""
    unreachable = []
    for form in forms_dev["forms"]:
        for column, element_id in zip(form["columns"], form["elements"], strict=True):
            if CONTEXT_ONLY.get(column) == element_id:
                continue
            parts = [fold(p) for p in _header_parts(column)]
            candidates = {fold(column), parts[-1], "".join(parts)}
            candidates |= {_without_brackets(c) for c in candidates}
            candidates |= {c.split(",")[0] for c in candidates}  # '独立注册,名称为'
            if not candidates & {fold(x) for x in labels(BY_ID[element_id])}:
                unreachable.append((form["id"], column, element_id))
    assert not unreachable, unreachable
