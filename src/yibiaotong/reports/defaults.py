"""Sensible defaults for a form definition that says only which element each field is
(报表定义的默认规则), as consolidation writes them:

* a roster's rows are the records of its **main ledger**: the one named by ``ledger:`` in the
  definition, else the ledger holding most of its fields (ties: the one whose key the form asks
  for, then the first); the other ledgers it uses are joined on the key they share;
* a ledger keyed by month (payments, monthly statistics) is read for the report's month;
* fields about where a record is (镇街, 村社区, 网格) come from the record's org unit, the month
  and year from the report's period, 序号 is counted, 填报日期 is the day of the report;
* age is computed at the end of the period from the birth date, else from the ID number; sex and
  birth date fall back to the ID number when no ledger holds them;
* an indicator without an aggregate is ``sum`` of its column when it is a number, ``count_if``
  when it is yes/no, else ``count`` — over the org unit and everything below it;
* a one-record form's sub-table (家庭成员情况) lists the records of the same household as the
  form's record: same 户编号, else same 户主身份证号, else same 户籍地址 (see ``subtables``).
"""

from __future__ import annotations

from collections import Counter

from yibiaotong.forms.definition import FieldDef, FormDef
from yibiaotong.ledgers.store import LedgerStore

SERIAL = frozenset({"row_no"})
ORG_LEVEL = {"county": 1, "town": 2, "village": 3, "grid_area": 4}
ORG_OTHER = {"division_code": "code", "admin_division": "full"}
PERIOD = frozenset({"stat_month", "report_year", "report_quarter"})
REPORT_DATE = frozenset({"form_fill_date"})
# element -> expressions tried in order; the first that the ledgers at hand can compute is used
DERIVED: dict[str, tuple[str, ...]] = {
    "age": ("age(birth_date)", "age(id_birth_date(id_number))"),
    "birth_date": ("id_birth_date(id_number)",),
    "gender": ("id_sex(id_number)",),
}
ALWAYS_DERIVED = frozenset({"age"})
# what ties a sub-table's rows to the form's record, tried in order (the first both sides hold)
HOUSEHOLD_LINKS = ("household_id", "household_head_id_number", "address_household_registration")  # an age kept in a ledger is the age when it was typed in
NUMERIC = frozenset({"integer", "decimal", "amount"})
# element groups that describe who, where and when rather than a business domain (as matching.yaml's
# generic_groups, plus the names kept beside every key)
GENERIC_GROUPS = frozenset({"identity", "address", "contact", "area", "record", "period", "approval", "location",
                            "household", "hukou", None})


def placed(element: str | None) -> bool:
    """Elements the report writer fills itself, whatever ledger consolidation put them in."""
    return bool(element) and (element in SERIAL or element in ORG_LEVEL or element in ORG_OTHER
                              or element in PERIOD or element in REPORT_DATE)


def main_ledger(fd: FormDef, store: LedgerStore) -> str | None:
    """The ledger whose records are the roster's rows."""
    chosen = fd.extra.get("ledger")
    if chosen:
        return str(chosen)
    known = {d.id: d for d in store.ledgers()}
    fields = [f for f in fd.fields if f.ledger in known and not placed(f.element)]
    counts = Counter(f.ledger for f in fields)
    if not counts:
        return None
    non_area = {lg for lg in counts if known[lg].subject != "area"}
    if non_area:  # area statistics ledgers join a roster; they do not make its rows
        counts = Counter({lg: n for lg, n in counts.items() if lg in non_area})
    elements = {f.element for f in fd.fields if f.element}
    order = list(dict.fromkeys(f.ledger for f in fields))

    def rank(lg: str) -> tuple:
        key = [k for k in known[lg].key if not k.startswith("_")]
        asks_key = bool(key) and all(known[lg].column(k).element in elements for k in key)
        return (_domain(known[lg], store), counts[lg], asks_key, -order.index(lg))

    return max(counts, key=rank)


def _domain(definition, store: LedgerStore) -> bool:
    """Is this a business ledger (残疾人信息, 低保) rather than one saying who and where a subject is
    (人口基础信息, 住址, 联系方式)? A roster of disabled people lists the disability ledger's records."""
    elements = store.dictionary.elements
    own = [c.element for c in definition.columns if c.column not in definition.key]
    return any(elements[e].group not in GENERIC_GROUPS for e in own if e in elements)


def default_aggregate(column: str, kind: str) -> str:
    if kind in NUMERIC:
        return f"sum({column})"
    if kind == "boolean":
        return f"count_if({column})"
    return f"count({column})"


def header_labels(fd: FormDef) -> dict[str, str]:
    """Form headers as names expressions may use (享受时间 -> person_benefit.benefit_start_date)."""
    out: dict[str, str] = {}
    for f in fd.fields:
        if f.ledger and f.column:
            out.setdefault(f.header, f"{f.ledger}.{f.column}")
            out.setdefault(f.header.rsplit("/", 1)[-1], f"{f.ledger}.{f.column}")
    return out


def field_of(fd: FormDef, header: str) -> FieldDef | None:
    for f in fd.fields:
        if f.header == header:
            return f
    return None
