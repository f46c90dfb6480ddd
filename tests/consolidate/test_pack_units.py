"""No form definition of the Yongchuan pack maps a column to an element kept in another quantity
(发放金额（元） to a count of people): consolidation gives each quantity of an indicator its own
element. Intake would set such a column aside and the reporter leave it blank, each saying why;
16 forms had them before."""

from __future__ import annotations

from yibiaotong.elements import Dictionary
from yibiaotong.elements.numbers import other_quantity
from yibiaotong.forms.definition import FormDef
from yibiaotong.packs import load_pack, resolve_packs


def test_no_form_maps_a_column_to_an_element_of_another_quantity():
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
    assert found == set()
