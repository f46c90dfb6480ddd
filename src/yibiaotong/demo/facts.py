"""The synthetic world written as facts: one fact per thing the ledgers keep (a person, a
household, a house, a parcel, a transfer, a planting, an organisation, a payment, an event, a
village-month of statistics), with values keyed by DATA ELEMENT ids of the standard dictionary.

Values are already typed the way ``elements.validate.coerce`` returns them (date, Decimal, int,
bool, code strings, 'YYYY-MM' months), so the loader can write them without parsing again. A fact
carries only what is true of it: a person without a disability has no disability values, which
is how the loader knows not to put them into the disability ledger.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from yibiaotong.demo.benefits import PAYMENT_TYPES, Welfare, add_months
from yibiaotong.demo.codes import bank_card, disability_certificate, landline, mobile
from yibiaotong.demo.farmland import ORG_TYPES, FarmlandMaker, Operator, Parcel
from yibiaotong.demo.names import NameBook
from yibiaotong.demo.people import Household, Person, Village
from yibiaotong.elements.dates import age_on


@dataclass(slots=True)
class Fact:
    subject: str  # person | household | house | land | organisation | event | area
    kind: str  # what it is: person, household, house, parcel, transfer, planting, payment, ...
    org_unit: str  # the village or community that keeps it
    values: dict[str, Any]  # data element id -> typed value


RELATION_WORDS = {"51": "父亲", "52": "母亲", "11": "夫", "12": "妻", "61": "祖父", "62": "祖母", "63": "外祖父", "64": "外祖母"}
EDUCATION = {  # birth years -> GB/T 4658 codes and weights: the cohorts' schooling
    1949: {"80": 45, "90": 30, "70": 18, "61": 5, "41": 2},
    1969: {"70": 45, "80": 33, "61": 12, "41": 4, "90": 6},
    1989: {"70": 42, "61": 16, "47": 8, "41": 6, "31": 12, "21": 8, "80": 8},
    2008: {"21": 24, "31": 26, "61": 15, "47": 10, "70": 22, "14": 3},
}
VACCINES = [  # 国家免疫规划疫苗儿童免疫程序 (2021): vaccine, dose, age in days
    ("乙肝疫苗", 1, 0), ("卡介苗", 1, 0), ("乙肝疫苗", 2, 30), ("脊灰灭活疫苗", 1, 60), ("脊灰灭活疫苗", 2, 90),
    ("百白破疫苗", 1, 90), ("脊灰减毒活疫苗", 1, 120), ("百白破疫苗", 2, 120), ("百白破疫苗", 3, 150),
    ("乙肝疫苗", 3, 180), ("A群流脑多糖疫苗", 1, 180), ("麻腮风疫苗", 1, 240), ("乙脑减毒活疫苗", 1, 240),
    ("A群流脑多糖疫苗", 2, 270), ("百白破疫苗", 4, 540), ("麻腮风疫苗", 2, 540), ("甲肝减毒活疫苗", 1, 540),
    ("乙脑减毒活疫苗", 2, 730), ("A群C群流脑多糖疫苗", 1, 1095), ("脊灰减毒活疫苗", 2, 1460),
    ("A群C群流脑多糖疫苗", 2, 2190), ("白破疫苗", 1, 2190),
]
MAKERS = ["成都生物制品研究所有限责任公司", "北京生物制品研究所有限责任公司", "武汉生物制品研究所有限责任公司",
          "中国医学科学院医学生物学研究所", "深圳康泰生物制品股份有限公司"]
GRADES = {6: "一年级", 7: "二年级", 8: "三年级", 9: "四年级", 10: "五年级", 11: "六年级", 12: "七年级", 13: "八年级",
          14: "九年级", 15: "高一", 16: "高二", 17: "高三"}


# Every element some fact of a subject may carry: the loader fills a ledger column from the facts
# when its element is here (empty when a fact lacks it); other columns get plausible made-up values.
GENERATED: dict[str, frozenset[str]] = {
    "person": frozenset({
        "address_current", "address_current_division", "address_household_registration", "age",
        "agent_name", "agent_phone", "bank_account", "bank_account_holder", "bank_name",
        "basic_living_allowance", "beneficiary_category", "benefit_amount", "birth_date", "boarding_mode",
        "class_name", "contact_person_name", "contact_person_phone", "contact_person_relation",
        "death_date", "dibao_amount", "disability_category", "disability_cause", "disability_cert_number",
        "disability_cert_status", "disability_cert_valid_until", "disability_level",
        "disabled_living_subsidy_amount", "disabled_nursing_subsidy_amount", "discharge_date",
        "disease_name", "education_level", "employment_status", "enlistment_date", "ethnicity",
        "family_member_age", "family_member_birth_date", "family_member_education",
        "family_member_employment_status", "family_member_gender", "family_member_health_status",
        "family_member_id_number", "family_member_name", "gender", "grade", "guardian_id_number",
        "guardian_name", "guardian_phone", "guardian_relation", "health_record_number", "health_status",
        "household_head_age", "household_head_gender", "household_head_id_number", "household_head_name",
        "household_head_phone", "hukou_status", "hukou_type", "id_number", "id_type", "is_age_6_to_15",
        "is_deceased", "is_dibao_recipient", "is_disabled", "is_empty_nest_elderly",
        "is_family_doctor_contracted", "is_household_head", "is_left_behind_child", "is_severely_disabled",
        "is_tekun", "is_veteran", "labor_ability", "living_arrangement", "marital_status",
        "medical_insurance_type", "meets_tekun_criteria", "nationality", "native_place", "occupation",
        "old_age_allowance_amount", "pension_insurance_type", "person_name", "phone", "political_status",
        "population_type", "receives_disabled_living_subsidy", "receives_disabled_nursing_subsidy",
        "relation_to_head", "school_name", "school_stage", "school_within_county", "school_within_province",
        "school_within_town", "self_care_ability", "social_assistance_status", "spouse_id_number",
        "spouse_name", "spouse_phone", "student_number", "support_mode", "tekun_care_allowance",
    }),
    "household": frozenset({
        "assistance_measures", "covered_persons_count", "dibao_category", "dibao_cert_number",
        "family_deposits", "household_annual_income", "household_annual_net_income",
        "household_economic_status", "household_head_id_number", "household_head_name", "household_id",
        "household_members", "household_per_capita_annual_income", "household_per_capita_monthly_income",
        "household_per_capita_net_income", "household_phone", "household_size", "household_type",
        "housing_status", "hukou_household_kind", "is_current_beneficiary", "is_dibao_household",
        "is_poor_household", "is_registered_poor_household", "is_risk_eliminated",
        "low_income_margin_cert_number", "meets_dibao_criteria", "monitoring_object_type",
        "monitoring_start_date", "poverty_cause", "poverty_exit_year", "poverty_type",
        "return_to_poverty_risk_type", "vehicle_ownership",
    }),
    "house": frozenset({
        "appraisal_date", "building_area_sqm", "building_floors", "building_number", "building_structure",
        "construction_year", "current_use", "dangerous_house_renovation_type", "design_status",
        "door_number", "floor_number", "foundation_type", "house_address", "house_category", "house_number",
        "house_owner_id_number", "house_owner_name", "house_owner_phone", "house_rental_status",
        "house_safety_rating", "is_dangerous_house", "is_occupied", "is_self_built_house",
        "is_used_for_business", "land_use_type", "renovation_content", "renovation_status",
        "renovation_subsidy_amount", "residential_compound_name", "room_number", "tenant_count",
        "unit_number",
    }),
    "land": frozenset({
        "crop_category", "crop_name", "is_abandoned", "is_grain_crop", "is_non_grain",
        "is_permanent_basic_farmland", "land_actual_area", "land_contract_area",
        "land_contract_cert_number", "land_contractor_name", "land_location", "land_parcel_code",
        "land_parcel_name", "land_type", "operator_type", "planting_area", "planting_season", "report_year",
        "transfer_area", "transfer_contract_signed", "transfer_end_date", "transfer_in_party",
        "transfer_mode", "transfer_out_party", "transfer_price", "transfer_purpose", "transfer_start_date",
        "transfer_term_years",
    }),
    "organisation": frozenset({
        "business_scope", "cert_green_food", "coop_type", "count_employees", "count_households_driven",
        "count_members", "has_leading_enterprise_link", "industry", "legal_rep_id_number",
        "legal_rep_mobile", "legal_rep_name", "main_product", "member_share_capital", "org_address",
        "org_name", "org_type", "production_base_area_mu", "registered_capital", "registration_date",
        "scale_operation_area", "unified_social_credit_code",
    }),
    "event": frozenset({
        "approval_date", "card_created_date", "dose_number", "hazard_description", "house_number",
        "id_number", "inspection_conclusion", "inspection_date", "inspection_year", "inspector_name",
        "paid_amount", "payee_name", "payment_date", "payment_method", "payment_month", "payment_status",
        "payment_type", "person_name", "record_number", "rectification_deadline", "rectification_measures",
        "rectification_status", "semester", "subsidy_type", "survey_date", "vaccination_date",
        "vaccination_unit", "vaccine_batch_number", "vaccine_expiry_date", "vaccine_manufacturer",
        "vaccine_name",
    }),
    "area": frozenset({
        "admin_division", "city", "community_office_phone", "count_allowance_age_100_plus",
        "count_allowance_age_80_89", "count_allowance_age_90_99", "count_continuing_this_month",
        "count_dibao_households", "count_dibao_households_able_to_work",
        "count_dibao_households_unable_to_work", "count_households_able_to_work",
        "count_households_unable_to_work", "count_low_income_households",
        "count_low_income_households_able_to_work", "count_low_income_households_unable_to_work",
        "count_new_this_month", "count_poor_households", "count_terminated_this_month", "county",
        "division_code", "province", "rate_households_able_to_work", "stat_month", "town", "village",
    }),
}


def _weighted(rnd: random.Random, table: dict[str, float]) -> str:
    return rnd.choices(list(table), list(table.values()))[0]


class FactWriter:
    """Writes one village's world as facts; draws the remaining personal details as it goes."""

    def __init__(self, today: date, names: NameBook, places: dict, farmland: FarmlandMaker) -> None:
        self.today = today
        self.names = names
        self.places = places
        self.farmland = farmland
        self.school_year = today.year if today.month >= 9 else today.year - 1
        self.semester_name = f"{self.school_year}-{self.school_year + 1}学年第{'一' if today.month >= 9 or today.month < 2 else '二'}学期"

    # --- persons ----------------------------------------------------------------------------

    def profile(self, rnd: random.Random, p: Person) -> dict[str, Any]:
        """Details no other stage needs; kept on the person so that statistics agree with them."""
        age = p.age(self.today)
        info: dict[str, Any] = {}
        chronic = 0.05 if age < 45 else 0.18 if age < 60 else 0.42
        info["health"] = "4" if p.disability else "3" if rnd.random() < 0.02 + age / 3000 else "2" if rnd.random() < chronic else "1"
        if info["health"] in ("2", "3"):
            info["disease"] = rnd.choice(self.places["diseases"][:6] if info["health"] == "2" else self.places["diseases"])
        if age < 16:
            info["labor"] = "5"
        elif p.disability and p.disability.severe:
            info["labor"] = "4"
        elif age < 60:
            info["labor"] = "3" if info["health"] != "1" else "2" if rnd.random() < 0.2 else "1"
        else:
            info["labor"] = "3" if age < 70 and info["health"] == "1" else "5"
        info["self_care"] = ("3" if p.disability and p.disability.level == "1" else
                             "2" if (p.disability and p.disability.severe) or (age >= 85 and rnd.random() < 0.35) else "1")
        if age >= 16:
            info["education"] = _weighted(rnd, next(v for k, v in EDUCATION.items() if p.birth.year <= k or k == 2008))
            party = 0.12 if p.sex == "1" and age >= 45 else 0.04
            info["political"] = "01" if rnd.random() < party else "03" if age <= 28 and rnd.random() < 0.35 else "13"
        if 16 <= age < 60 and not _student(age):
            p.migrant_worker = p.household.village.rural and age < 55 and rnd.random() < 0.35
            info["occupation"] = ("外出务工" if p.migrant_worker else
                                  rnd.choice(self.places["occupations"]) if not p.household.village.rural or rnd.random() < 0.5
                                  else "务农")
            if p.migrant_worker:
                info["work_place"] = rnd.choice(self.places["work_places"])
        employee = info.get("occupation") in ("企业职工", "教师")
        info["medical"] = "1" if employee else "2" if rnd.random() < 0.97 else "9"
        if age >= 16:
            info["pension"] = "1" if employee or (age >= 60 and rnd.random() < 0.15) else "2" if rnd.random() < 0.85 else "9"
        if p.sex == "1" and 1950 <= p.birth.year <= 1996 and rnd.random() < 0.025:
            enlisted = date(p.birth.year + rnd.randint(18, 20), 12, 1)
            info["veteran"] = (enlisted, date(enlisted.year + rnd.choice((2, 3, 5)), 12, 1))
        p.info = info
        return info

    def person(self, rnd: random.Random, p: Person, w_amounts: dict[str, Decimal]) -> Fact:
        h, v, info = p.household, p.household.village, p.info
        birth = p.recorded_birth or p.birth
        sex = p.recorded_sex or p.sex
        at = p.death_date or self.today
        age = age_on(birth, at)
        x: dict[str, Any] = {
            "id_number": p.id_number, "person_name": p.name, "gender": sex, "birth_date": birth, "age": age,
            "id_type": "01", "ethnicity": "01" if rnd.random() < 0.995 else rnd.choice(("15", "06")),
            "nationality": "中国", "native_place": "重庆永川" if p.region == "500118" else "重庆",
            "marital_status": p.marital if age >= 18 else "10", "is_household_head": p.is_head,
            "address_household_registration": h.address, "address_current_division": f"重庆市{v.place}",
            "address_current": (f"{info['work_place']}（务工）" if p.migrant_worker else h.address),
            "hukou_status": p.hukou_status, "hukou_type": self._hukou_type(rnd, v),
            "population_type": "3" if p.migrant_worker else "1",
            "health_status": info["health"], "labor_ability": info["labor"], "self_care_ability": info["self_care"],
            "medical_insurance_type": info["medical"],
            # the household roster (家庭成员) mirrors every member under the family_member elements
            "family_member_id_number": p.id_number, "family_member_name": p.name, "relation_to_head": p.relation,
            "family_member_gender": sex, "family_member_birth_date": birth, "family_member_age": age,
            "family_member_health_status": info["health"],
        }
        _put(x, phone=p.phone, disease_name=info.get("disease"), education_level=info.get("education"),
             family_member_education=info.get("education"), political_status=info.get("political"),
             pension_insurance_type=info.get("pension"), occupation=info.get("occupation"),
             employment_status=self._employment(p, age), family_member_employment_status=self._employment(p, age))
        if p.death_date:
            x.update(is_deceased=True, death_date=p.death_date)
        if p.is_head:
            _put(x, household_head_id_number=p.id_number, household_head_name=p.name, household_head_gender=sex,
                 household_head_age=age, household_head_phone=p.phone)
        if p.spouse is not None:
            _put(x, spouse_name=p.spouse.name, spouse_id_number=p.spouse.id_number, spouse_phone=p.spouse.phone)
        if age < 18:
            self._child(rnd, p, age, x)
        if age >= 60:
            self._elderly(rnd, p, x)
        if p.disability:
            self._disabled(p, x)
        self._assistance(rnd, p, x, w_amounts)
        if "veteran" in info:
            x.update(is_veteran=True, enlistment_date=info["veteran"][0], discharge_date=info["veteran"][1])
        if age >= 60 or p.disability or info["health"] in ("2", "3"):
            x.update(health_record_number=f"{v.code[:9]}{p.id_number[-8:]}",
                     is_family_doctor_contracted=rnd.random() < 0.75)
        return Fact("person", "person", v.code, x)

    def _hukou_type(self, rnd: random.Random, v: Village) -> str:
        if v.rural:
            return "1" if rnd.random() < 0.85 else "3"
        return "2" if rnd.random() < 0.5 else "3"

    @staticmethod
    def _employment(p: Person, age: int) -> str | None:
        if age < 6:
            return "学龄前"
        if _student(age):
            return "在校学生"
        if age >= 60:
            return "退休" if p.info.get("pension") == "1" else "无业（老年）"
        return {"外出务工": "外出务工", "务农": "务农", None: None}.get(p.info.get("occupation"), "在业")

    def _child(self, rnd: random.Random, p: Person, age: int, x: dict[str, Any]) -> None:
        guardians = p.parents or [m for m in p.household.members if m.relation == "02"]
        g = next((m for m in guardians if m.alive), None)
        if g is not None:
            relation = ("父亲" if g.sex == "1" else "母亲") if g in p.parents else ("祖父" if g.sex == "1" else "祖母")
            _put(x, guardian_name=g.name, guardian_id_number=g.id_number, guardian_relation=relation, guardian_phone=g.phone)
        parents_away = not p.parents or all(q.migrant_worker for q in p.parents)
        if p.household.type == "skip_generation" or parents_away:
            x["is_left_behind_child"] = True
        school_age = self.school_year - p.birth.year - (1 if p.birth.month > 8 else 0)
        if 3 <= school_age <= 17:
            self._school(rnd, p, school_age, x)

    def _school(self, rnd: random.Random, p: Person, school_age: int, x: dict[str, Any]) -> None:
        s = self.places["schools"]
        if school_age < 6:
            stage, name, grade = "1", rnd.choice(s["preschool"]), ("小班", "中班", "大班")[school_age - 3]
        elif school_age < 12:
            stage, name, grade = "2", rnd.choice(s["primary"]), GRADES[school_age]
        elif school_age < 15:
            stage, name, grade = "3", rnd.choice(s["middle"]), GRADES[school_age]
        else:
            vocational = rnd.random() < 0.35
            stage, grade = ("5" if vocational else "4"), GRADES[school_age]
            name = s["high"][-1] if vocational else rnd.choice(s["high"][:-1])
        x.update(school_name=name, school_stage=stage, grade=grade, class_name=f"{rnd.randint(1, 8)}班",
                 student_number=f"G{p.id_number}", boarding_mode="2" if school_age >= 12 and rnd.random() < 0.5 else "1",
                 is_age_6_to_15=6 <= school_age <= 15, school_within_county="1", school_within_province="1",
                 school_within_town="1" if stage in ("1", "2") else "2")

    def _elderly(self, rnd: random.Random, p: Person, x: dict[str, Any]) -> None:
        h = p.household
        arrangement = {"single_elderly": "1", "elderly_couple": "2", "skip_generation": "4"}.get(h.type, "3")
        if h.tekun is p and "集中供养" in p.tags:
            arrangement = "5"
        x.update(living_arrangement=arrangement, is_empty_nest_elderly=arrangement in ("1", "2"))
        if arrangement in ("1", "2") and rnd.random() < 0.8:  # a child living elsewhere to call
            sex = rnd.choice("12")
            x.update(contact_person_name=self.names.full(rnd, sex, p.birth.year + 27, p.name[0] if p.sex == "1" else None),
                     contact_person_phone=mobile(rnd), contact_person_relation="儿子" if sex == "1" else "女儿")

    def _disabled(self, p: Person, x: dict[str, Any]) -> None:
        d = p.disability
        x.update(is_disabled=True, disability_category=d.category, disability_level=d.level,
                 disability_cert_number=disability_certificate(p.id_number, d.category, d.level),
                 disability_cert_status="3" if p.death_date else d.status(self.today),
                 disability_cert_valid_until=d.valid_until, is_severely_disabled=d.severe, disability_cause=d.cause)

    def _assistance(self, rnd: random.Random, p: Person, x: dict[str, Any], amounts: dict[str, Decimal]) -> None:
        """Benefit flags and current amounts (from this village's benefits, by subsidy)."""
        mine = {s: a for (q, s), a in amounts.items() if q is p}
        if "低保对象" in p.tags:
            x.update(is_dibao_recipient=True, social_assistance_status="2")
        if "特困供养" in p.tags:
            x.update(is_tekun=True, social_assistance_status="1", meets_tekun_criteria=True,
                     support_mode="1" if "集中供养" in p.tags else "2")
            if "特困供养" in mine:
                care = {"1": 0, "2": 190, "3": 420}[p.info["self_care"]]
                x.update(basic_living_allowance=mine["特困供养"] - care, tekun_care_allowance=Decimal(care))
        if "低保" in mine:
            x["dibao_amount"] = mine["低保"]
        if "高龄津贴" in mine:
            x["old_age_allowance_amount"] = mine["高龄津贴"]
        if "困难残疾人生活补贴" in mine:
            x.update(receives_disabled_living_subsidy=True, disabled_living_subsidy_amount=mine["困难残疾人生活补贴"])
        if "重度残疾人护理补贴" in mine:
            x.update(receives_disabled_nursing_subsidy=True, disabled_nursing_subsidy_amount=mine["重度残疾人护理补贴"])
        if mine:
            main = next(s for s in PAYMENT_TYPES if s in mine)
            x.update(beneficiary_category=main, benefit_amount=sum(mine.values(), Decimal(0)),
                     bank_name=self.places["bank"], bank_account=bank_card(rnd), bank_account_holder=p.name)
            if (p.age(self.today) >= 80 and p.info["self_care"] != "1") or rnd.random() < 0.1:  # 代办人
                child_sex = rnd.choice("12")
                x.update(agent_name=self.names.full(rnd, child_sex, p.birth.year + 28, p.name[0]),
                         agent_phone=mobile(rnd))

    # --- households and houses ------------------------------------------------------------------

    def household(self, rnd: random.Random, h: Household, dibao_amount: Decimal | None) -> Fact:
        head = h.head
        members = [p for p in h.members if p.hukou_status == "1" and p.alive] or [head]
        size = len(members)
        income = h.income_per_capita * size
        x: dict[str, Any] = {
            "household_head_id_number": head.id_number, "household_head_name": head.name, "household_id": h.number,
            "household_size": size, "hukou_household_kind": "1", "household_members": "、".join(p.name for p in members),
            "household_annual_income": Decimal(income), "household_annual_net_income": Decimal(round(income * 0.85)),
            "household_per_capita_annual_income": Decimal(h.income_per_capita),
            "household_per_capita_monthly_income": Decimal(round(h.income_per_capita / 12)),
            "household_per_capita_net_income": Decimal(round(h.income_per_capita * 0.85)),
            "household_economic_status": h.status, "housing_status": "自有住房",
        }
        _put(x, household_phone=head.phone or next((p.phone for p in h.members if p.phone), None))
        if h.village.rural:
            x["household_type"] = {"poverty_exit": "1", "monitored": "2"}.get(h.rural_kind, "3")
        if h.dibao:
            x.update(is_dibao_household=True, dibao_cert_number=f"渝永民低字{h.village.code[6:9]}{h.number[-5:]}",
                     dibao_category="2" if h.village.rural else "1", covered_persons_count=size,
                     is_current_beneficiary=bool(dibao_amount), meets_dibao_criteria=True,
                     family_deposits=Decimal(rnd.randrange(0, 8000, 100)),
                     vehicle_ownership=rnd.choice(("无", "无", "电动车", "摩托车")))
        if h.rural_kind == "poverty_exit":
            x.update(is_registered_poor_household=True, is_poor_household=False, poverty_exit_year=rnd.randint(2016, 2020),
                     poverty_cause=rnd.choice(("01", "02", "03", "08", "09")),
                     poverty_type="2" if h.dibao else "1")
        if h.rural_kind == "monitored":
            x.update(monitoring_object_type=rnd.choice("123"), monitoring_start_date=self.today - timedelta(days=rnd.randrange(60, 900)),
                     return_to_poverty_risk_type=rnd.choice(("01", "02", "12", "14")), is_risk_eliminated=rnd.random() < 0.3,
                     assistance_measures=rnd.choice(("产业帮扶", "就业帮扶", "医疗救助", "纳入低保", "临时救助")))
        if h.status == "3":
            x["low_income_margin_cert_number"] = f"渝永民边字{h.village.code[6:9]}{h.number[-5:]}"
        return Fact("household", "household", h.village.code, x)

    def house(self, rnd: random.Random, h: Household, dist: dict) -> Fact:
        v, head = h.village, h.head
        x: dict[str, Any] = {"house_number": f"{v.code}F{h.number[-4:]}", "house_address": h.address,
                             "house_owner_id_number": head.id_number, "house_owner_name": head.name, "current_use": "自住",
                             "is_occupied": any(p.alive for p in h.members)}
        _put(x, house_owner_phone=head.phone)
        if v.rural:
            structure = _weighted(rnd, dist["rural_structures"])
            built = rnd.randint(1975, 1995) if structure in ("03", "04", "05") else rnd.randint(1988, 2022)
            x.update(building_structure=structure, building_floors=rnd.choice((1, 2, 2, 3)) if structure != "04" else 1,
                     building_area_sqm=Decimal(rnd.randrange(70, 260)), construction_year=built, house_category="农村自建房",
                     land_use_type="宅基地", door_number=h.door, is_self_built_house=True, is_used_for_business=rnd.random() < 0.05,
                     foundation_type=rnd.choice(("条形基础", "毛石基础", "独立基础")), design_status="无正规设计")
            grade = rnd.choices("ABCD", dist["safety_by_structure"][structure])[0]
            if grade == "D" or grade == "C" and rnd.random() < 0.3:  # 农村危房改造 of dangerous rural houses
                x.update(dangerous_house_renovation_type="原址重建" if grade == "D" else "修缮加固",
                         renovation_subsidy_amount=Decimal(35000 if grade == "D" else 12000),
                         renovation_content="拆除重建主体结构" if grade == "D" else "墙体加固、屋面翻修")
        else:
            built = rnd.randint(1996, 2021)
            x.update(building_structure="01", building_floors=rnd.randint(6, 33), building_area_sqm=Decimal(rnd.randrange(55, 145)),
                     construction_year=built, house_category="商品房", land_use_type="城镇住宅用地",
                     residential_compound_name=h.compound, building_number=f"{rnd.randint(1, 16)}栋",
                     unit_number=f"{rnd.randint(1, 4)}单元", floor_number=rnd.randint(1, 30), room_number=h.door,
                     is_self_built_house=False, is_used_for_business=False)
            grade = "A" if rnd.random() < 0.85 else "B"
            if rnd.random() < 0.08:
                x.update(house_rental_status="出租", tenant_count=rnd.randint(1, 4))
        x.update(house_safety_rating=grade, is_dangerous_house=grade in "CD")
        if grade in "CD":
            x.update(appraisal_date=self.today - timedelta(days=rnd.randrange(30, 700)),
                     renovation_status="已纳入改造计划" if grade == "D" else "已加固维修")
        h.house = x
        return Fact("house", "house", v.code, x)

    def inspection(self, rnd: random.Random, h: Household) -> Fact | None:
        house = h.house
        grade = house["house_safety_rating"]
        if grade in "AB" and rnd.random() > 0.1:
            return None
        on = self.today - timedelta(days=rnd.randrange(20, 400))
        hazard = {"A": "未发现明显隐患", "B": "墙体局部开裂", "C": "承重墙体开裂、屋面漏雨", "D": "墙体倾斜、屋架腐朽，整体危险"}[grade]
        status = "4" if grade == "A" else rnd.choice("123") if grade in "CD" else "3"
        x = {"house_number": house["house_number"], "inspection_date": on, "inspection_year": on.year,
             "person_name": h.head.name, "hazard_description": hazard,
             "rectification_measures": "无" if grade == "A" else "修缮加固" if grade in "BC" else "停止使用、搬离人员、拆除重建",
             "rectification_deadline": on + timedelta(days=90), "rectification_status": status,
             "inspection_conclusion": f"{grade}级", "inspector_name": self.names.full(rnd, rnd.choice("12"), 1985)}
        return Fact("event", "inspection", h.village.code, x)

    # --- land and organisations ---------------------------------------------------------------

    def parcel(self, p: Parcel) -> Fact:
        return Fact("land", "parcel", p.household.village.code, {
            "land_parcel_code": p.code, "land_parcel_name": p.name, "land_contractor_name": p.household.head.name,
            "land_contract_cert_number": p.certificate, "land_contract_area": p.area, "land_actual_area": p.actual,
            "land_type": p.land_type, "land_location": p.location, "is_permanent_basic_farmland": p.basic})

    def transfer(self, p: Parcel) -> Fact:
        op = p.operator
        return Fact("land", "transfer", p.household.village.code, {
            "land_parcel_code": p.code, "land_parcel_name": p.name, "transfer_out_party": p.household.head.name,
            "transfer_in_party": op.name, "operator_type": op.type, "transfer_mode": p.mode, "transfer_area": p.actual,
            "transfer_price": Decimal(op.price), "transfer_start_date": op.start, "transfer_end_date": self.farmland.transfer_end(op),
            "transfer_term_years": op.term, "transfer_contract_signed": p.signed, "transfer_purpose": f"{op.product}种植"})

    def plantings(self, p: Parcel) -> list[Fact]:
        return [Fact("land", "planting", p.household.village.code, {
            "land_parcel_code": p.code, "land_parcel_name": p.name, "planting_season": x.season, "report_year": x.year,
            "crop_name": x.crop, "crop_category": self.farmland.crops[x.crop][0], "is_grain_crop": self.farmland.is_grain(x.crop),
            "is_non_grain": self.farmland.is_non_grain(p, x.crop), "planting_area": x.area, "is_abandoned": False})
            for x in p.plantings]

    def organisation(self, rnd: random.Random, op: Operator, village: Village) -> Fact:
        area = sum((p.actual for p in op.parcels), Decimal(0))
        coop = op.type == "4"
        x: dict[str, Any] = {
            "unified_social_credit_code": op.code, "org_name": op.name, "org_type": ORG_TYPES[op.type][1],
            "legal_rep_name": op.person.name, "legal_rep_id_number": op.person.id_number,
            "org_address": f"重庆市{village.place}", "registration_date": op.registered, "industry": "农业",
            "business_scope": f"{op.product}种植、销售；农业技术服务", "registered_capital": Decimal(rnd.choice((50, 100, 200, 500))),
            "count_employees": rnd.randint(3, 40), "main_product": op.product, "scale_operation_area": area,
            "production_base_area_mu": area, "count_households_driven": len({p.household for p in op.parcels})}
        _put(x, legal_rep_mobile=op.person.phone)
        if coop:
            x.update(coop_type="1", count_members=rnd.randint(5, 80), member_share_capital=Decimal(rnd.randrange(10, 200)),
                     has_leading_enterprise_link=rnd.random() < 0.2, cert_green_food=rnd.random() < 0.1)
        return Fact("organisation", "organisation", village.code, x)

    # --- events ---------------------------------------------------------------------------------

    def payments(self, w: Welfare) -> list[Fact]:
        out = []
        for x in sorted(w.payments, key=lambda x: (x.month, x.person.id_number, x.payment_type)):
            out.append(Fact("event", "payment", x.person.household.village.code, {
                "id_number": x.person.id_number, "person_name": x.person.name, "payment_month": x.month,
                "payment_type": x.payment_type, "subsidy_type": x.subsidy, "paid_amount": x.amount,
                "payment_date": x.paid_on, "payment_method": "社会化发放（惠民惠农一卡通）", "payment_status": "2",
                "payee_name": x.person.name}))
        return out

    def approvals(self, w: Welfare) -> list[Fact]:
        return [Fact("event", "approval", b.person.household.village.code, {
            "id_number": b.person.id_number, "person_name": b.person.name, "record_number": b.record_number,
            "approval_date": b.approved}) for b in w.benefits if b.approved]

    def survey(self, rnd: random.Random, h: Household) -> Fact:
        on = self.today - timedelta(days=rnd.randrange(10, 330))
        return Fact("event", "survey", h.village.code, {
            "id_number": h.head.id_number, "person_name": h.head.name, "record_number": f"DC{on:%Y%m}{h.number[-5:]}",
            "survey_date": on})

    def immunisations(self, rnd: random.Random, p: Person) -> list[Fact]:
        out = []
        unit = f"{p.household.village.town_name}{'卫生院' if p.household.village.rural else '社区卫生服务中心'}预防接种门诊"
        for vaccine, dose, days in VACCINES:
            on = p.birth + timedelta(days=days + (rnd.randrange(0, 15) if days else 0))
            if on > self.today:
                break
            out.append(Fact("event", "immunisation", p.household.village.code, {
                "id_number": p.id_number, "person_name": p.name, "vaccine_name": vaccine, "dose_number": dose,
                "vaccination_date": on, "vaccination_unit": unit, "vaccine_manufacturer": rnd.choice(MAKERS),
                "vaccine_batch_number": f"{on.year}{rnd.randrange(10**5):05d}", "vaccine_expiry_date": on + timedelta(days=540),
                "card_created_date": p.birth + timedelta(days=rnd.randrange(0, 30))}))
        return out

    def semester(self, p: Person) -> Fact:
        return Fact("event", "semester", p.household.village.code, {
            "id_number": p.id_number, "person_name": p.name, "record_number": f"G{p.id_number}-{self.school_year}",
            "semester": self.semester_name})

    # --- village statistics ----------------------------------------------------------------------

    def village_months(self, rnd: random.Random, village: Village, households: list[Household], w: Welfare,
                       months: list[str]) -> list[Fact]:
        able = [h for h in households if any(p.info.get("labor") in ("1", "2") for p in h.members if p.alive)]
        dibao = [h for h in households if h.dibao]
        low = [h for h in households if h.status == "3"]
        poor = [h for h in households if h.rural_kind == "poverty_exit"]
        phone = landline(rnd)
        out = []
        for month in months:
            paid = [x for x in w.payments if x.month == month and x.subsidy == "高龄津贴" and not x.back_pay]
            ages = [age_on(x.person.birth, date.fromisoformat(month + "-28")) for x in paid]
            assistance = [b for b in w.benefits if b.subsidy in ("低保", "特困供养")]
            out.append(Fact("area", "village_month", village.code, {
                "stat_month": month, "province": "重庆市", "city": "重庆市", "county": "500118", "town": village.town_name,
                "village": village.name, "division_code": village.code, "admin_division": f"重庆市{village.place}",
                "community_office_phone": phone,
                "count_allowance_age_80_89": sum(1 for a in ages if a < 90),
                "count_allowance_age_90_99": sum(1 for a in ages if 90 <= a < 100),
                "count_allowance_age_100_plus": sum(1 for a in ages if a >= 100),
                "count_new_this_month": sum(1 for b in assistance if b.start == month),
                "count_terminated_this_month": sum(1 for b in assistance if b.end and add_months(b.end, 1) == month),
                "count_continuing_this_month": sum(1 for b in assistance if b.start < month and (not b.end or b.end >= month)),
                "count_dibao_households": len(dibao), "count_poor_households": len(poor),
                "count_low_income_households": len(low),
                "count_households_able_to_work": len(able), "count_households_unable_to_work": len(households) - len(able),
                "rate_households_able_to_work": Decimal(f"{100 * len(able) / max(1, len(households)):.2f}"),
                "count_dibao_households_able_to_work": sum(1 for h in dibao if h in able),
                "count_dibao_households_unable_to_work": sum(1 for h in dibao if h not in able),
                "count_low_income_households_able_to_work": sum(1 for h in low if h in able),
                "count_low_income_households_unable_to_work": sum(1 for h in low if h not in able)}))
        return out


def _student(age: int) -> bool:
    return 6 <= age <= 17


def _put(x: dict[str, Any], **values: Any) -> None:
    """Set only the values that are known: a fact carries what is true of it, nothing empty."""
    x.update((k, v) for k, v in values.items() if v is not None)
