from __future__ import annotations

import pytest

from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.elements.model import Element
from yibiaotong.ledgers import LedgerDef, LedgerStore
from yibiaotong.orgunits import OrgTree, OrgUnit, save_tree

TOWN, VILLAGE, OTHER_TOWN = "500118103000", "500118103001", "500118116000"


@pytest.fixture(scope="session")
def dictionary(standard_dictionary) -> Dictionary:
    """Test elements typed like the real ones, over the real national code lists."""
    elements = [
        Element("person_name", "姓名", "text", sensitivity="personal", subject="person", role="subject"),
        Element("id_number", "公民身份号码", "id_number", sensitivity="sensitive", subject="person", role="subject"),
        Element("gender", "性别", "code", codelist="gb_t_2261_1_sex", sensitivity="personal"),
        Element("birth_date", "出生日期", "date", sensitivity="personal"),
        Element("phone", "联系电话", "phone", sensitivity="personal"),
        Element("disability_level", "残疾等级", "code", codelist="gb_t_26341_disability_level", sensitivity="sensitive"),
        Element("living_allowance_amount", "生活补贴金额", "amount", unit="元", validation={"min": 0}),
        Element("household_size", "家庭人口", "integer", unit="人", validation={"min": 1, "max": 30}),
    ]
    return Dictionary(elements, standard_dictionary.codelists.values())


@pytest.fixture
def store(engine, dictionary) -> LedgerStore:
    save_tree(engine, OrgTree([
        OrgUnit("500118000000", "永川区", "district"),
        OrgUnit(TOWN, "临江镇", "town", "500118000000"),
        OrgUnit(VILLAGE, "临江镇测试村", "village", TOWN),
        OrgUnit(OTHER_TOWN, "朱沱镇", "town", "500118000000"),
    ]))
    s = LedgerStore(engine, dictionary)
    s.create_ledger(LedgerDef.from_dict({
        "id": "disabled_person", "name": "残疾人信息台账", "subject": "person", "key": ["id_number"],
        "columns": ["id_number", "person_name", "gender", "birth_date", "phone", "disability_level",
                    "living_allowance_amount"],
    }))
    return s
