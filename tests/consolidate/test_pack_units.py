"""The Yongchuan pack's form definitions that map a column to an element kept in another quantity
(发放金额（元） to a count of people). Intake sets such a column aside and the reporter leaves it
blank, each saying why; the definitions are the pack's to correct (consolidation should give each
value column its own element). The list may shrink; a new one is a mistake in a definition."""

from __future__ import annotations

from yibiaotong.elements import Dictionary
from yibiaotong.elements.numbers import other_quantity
from yibiaotong.forms.definition import FormDef
from yibiaotong.packs import load_pack, resolve_packs

# 098 left and 032, 078, 100, 109, 139, 140, 143 and 164 joined when a bare 人数/户数 value column became a unit:
# before, their counts were stored as the amounts (or the households) of the same element, unseen
KNOWN = {"025", "032", "062", "068", "078", "089", "099", "100", "109", "113", "128", "139", "140", "143",
         "164"}


def test_only_the_known_forms_map_a_column_to_an_element_of_another_quantity():
    pack = load_pack("yongchuan")
    dictionary = Dictionary.from_packs(resolve_packs(pack.path))
    found = set()
    for path in sorted((pack.path / "forms").glob("*.yaml")):
        fd = FormDef.load(path)
        for f in fd.fields:
            if not f.ledger or f.element not in dictionary:
                continue
            element = dictionary.element(f.element)
            if element.type in ("integer", "decimal", "amount") and other_quantity(element.kept_unit, f.unit):
                found.add(fd.id.split("_")[0])
    assert found == KNOWN
