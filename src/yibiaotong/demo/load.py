"""Loading element-keyed facts into whatever ledgers a database has (台账数据装载).

A fact knows nothing of ledgers: it is a person, a parcel or a payment described by data
elements. Each installed ledger takes the facts of its subject that carry its key elements and
at least one of its own (non-key, non-label) elements the generator knows: a person without a
disability has no disability values and so no record in the disability ledger. Columns whose
elements the generator never produces (new elements of the consolidation, x_…) get a plausible
value by type and unit, derived from the record key so that it is the same on every build. A
ledger none of whose own columns the generator knows gets a deterministic sample of its
subject's facts, so every ledger of a pack has data.

Records are written in large batches through ``LedgerStore.write`` (one transaction per batch,
history and provenance as for any other write); the whole load is one provenance source.
"""

from __future__ import annotations

import random
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select

from yibiaotong.demo.facts import GENERATED, Fact
from yibiaotong.demo.names import NameBook
from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.elements.idnumber import checksum_char
from yibiaotong.elements.model import Element
from yibiaotong.errors import Problem, YbtError
from yibiaotong.ledgers.definition import ORG_UNIT_KEY, LedgerDef
from yibiaotong.ledgers.provenance import Source
from yibiaotong.ledgers.store import LedgerStore, PreparedRecord
from yibiaotong.store import schema

# columns that name a record for people (matching.yaml ledger_labels): never a reason to enter a ledger
LABELS = frozenset({"person_name", "family_member_name", "household_head_name", "house_address", "land_parcel_name",
                    "org_name"})
# a ledger none of whose own columns the generator knows samples this share of its subject's facts
# (statistics of an area: this month's report of every village)
SAMPLE_SHARE = {"person": 0.05, "household": 0.3, "house": 0.3, "land": 0.3, "organisation": 1.0, "area": 1.0, "event": 0.5}
PRIMARY_KIND = {"person": "person", "household": "household", "house": "house", "land": "parcel",
                "organisation": "organisation", "area": "village_month"}
BATCH = 20_000
DEMO_SOURCE = Source(kind="system", note="演示数据生成")


@dataclass
class LoadResult:
    facts: int = 0
    records: int = 0  # inserted
    updated_records: int = 0  # existed and changed (a second load of the same facts changes none)
    by_ledger: dict[str, int] = field(default_factory=dict)  # inserted + updated
    seconds: float = 0.0
    source_id: int | None = None

    @property
    def empty_ledgers(self) -> list[str]:
        return sorted(k for k, v in self.by_ledger.items() if not v)


@dataclass(frozen=True)
class _Column:
    column: str
    element: str
    fill: Callable[[int, dict[str, Any]], Any] | None  # None: the facts' value (the generator knows it)
    salt: bytes  # "|column": the column's part of the filler's hash


@dataclass
class _Route:
    """How facts become records of one ledger."""

    ledger: LedgerDef
    key: list[tuple[str, str]]  # (column, element) of the key; element "_org_unit" for the record's unit
    columns: list[_Column]
    own_known: frozenset[str]
    pending: list[PreparedRecord] = field(default_factory=list)

    def takes(self, fact: Fact, this_month: str | None) -> bool:
        values = fact.values
        if any(values.get(e) is None for _c, e in self.key if e != ORG_UNIT_KEY):
            return False
        if self.own_known:
            return not self.own_known.isdisjoint(values)
        if self.ledger.subject in PRIMARY_KIND and fact.kind != PRIMARY_KIND[self.ledger.subject]:
            return False
        if self.ledger.subject == "area" and this_month:
            return values.get("stat_month") == this_month  # a statistics table we cannot read: this month's report
        return zlib.crc32(_key(self, fact).encode()) % 1000 < SAMPLE_SHARE.get(self.ledger.subject, 0.3) * 1000


def load(engine: Engine, store: LedgerStore, facts: Iterable[Fact], source: Source = DEMO_SOURCE, *,
         known_elements: Mapping[str, frozenset[str]] | None = None, batch: int = BATCH,
         progress: Callable[[int], None] | None = None) -> LoadResult:
    """Route the facts into the store's ledgers; returns how many records each ledger got.

    ``known_elements`` are, by subject, the elements the facts may carry (default: the
    generator's, ``facts.GENERATED``); other columns are filled with plausible values."""
    started = time.perf_counter()
    routes = _routes(store, GENERATED if known_elements is None else known_elements)
    by_subject: dict[str, list[_Route]] = {}
    for r in routes:
        by_subject.setdefault(r.ledger.subject, []).append(r)
    units = _org_units(engine)
    result = LoadResult(by_ledger={r.ledger.id: 0 for r in routes})
    once = _RecordedOnce(source)
    today = getattr(facts, "today", None)  # a FactStream knows its reporting month
    this_month = f"{today:%Y-%m}" if today else None
    pending, unit = 0, None
    for fact in facts:
        result.facts += 1
        if fact.org_unit != unit:
            if fact.org_unit not in units:
                raise YbtError(Problem("unknown-org-unit", {"org_unit": fact.org_unit}))
            # flush between villages: a village's facts of one record (a parcel's seasons) stay together
            if pending >= batch:
                _flush(store, routes, once, result, progress)
                pending = 0
            unit = fact.org_unit
        for r in by_subject.get(fact.subject, ()):
            if r.takes(fact, this_month):
                r.pending.append(_record(r, fact))
                pending += 1
    _flush(store, routes, once, result, progress)
    result.source_id = once.id
    result.seconds = round(time.perf_counter() - started, 2)
    return result


def _routes(store: LedgerStore, known_by_subject: Mapping[str, frozenset[str]]) -> list[_Route]:
    filler = Filler(store.dictionary)
    routes = []
    for d in store.ledgers():
        known = known_by_subject.get(d.subject, frozenset())
        columns = []
        for c in d.columns:
            element = store.dictionary.element(c.element)
            fill = None if c.element in known else filler.for_element(element)
            columns.append(_Column(c.column, c.element, fill, f"|{c.column}".encode()))
        element_of = {c.column: c.element for c in d.columns}
        key = [(k, element_of.get(k, ORG_UNIT_KEY)) for k in d.key]
        key_elements = {e for _c, e in key}
        own = frozenset(c.element for c in columns
                        if c.fill is None and c.element not in key_elements and c.element not in LABELS)
        routes.append(_Route(d, key, columns, own))
    return routes


def _key(route: _Route, fact: Fact) -> str:
    return "|".join(fact.org_unit if e == ORG_UNIT_KEY else key_text(fact.values.get(e)) for _c, e in route.key)


def _record(route: _Route, fact: Fact) -> PreparedRecord:
    key = _key(route, fact)
    get = fact.values.get
    values: dict[str, Any] = {}
    seed = None
    for c in route.columns:
        value = get(c.element)
        if value is None and c.fill is not None:
            if seed is None:
                seed = zlib.crc32(key.encode())
            value = c.fill(zlib.crc32(c.salt, seed), fact.values)  # = crc32(key + "|column")
        if value is not None:
            values[c.column] = value
    return PreparedRecord(key, fact.org_unit, values)


def _flush(store: LedgerStore, routes: list[_Route], once: _RecordedOnce, result: LoadResult,
           progress: Callable[[int], None] | None) -> None:
    for r in routes:
        if r.pending:
            done = store.write(r.ledger.id, r.pending, source=once)  # type: ignore[arg-type]
            result.by_ledger[r.ledger.id] += done.inserted + done.updated
            result.records += done.inserted
            result.updated_records += done.updated
            r.pending = []
    if progress:
        progress(result.records)


class _RecordedOnce:
    """Stands in for a Source in ``LedgerStore.write``: recorded with the first batch, the same id
    afterwards — one load is one provenance source however many batches it takes."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.id: int | None = None

    def record(self, conn) -> int:
        if self.id is None:
            self.id = self.source.record(conn)
        return self.id


def _org_units(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(schema.org_unit.c.code)).scalars())


def key_text(value: Any) -> str:
    """A key part as the ledger store writes it (``_key``): ISO dates, plain decimals."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return "" if value is None else str(value)


# --- plausible values for elements the generator does not know ----------------------------------

_TEXT_PHRASES = ("无", "正常", "已核实", "符合条件", "按规定办理", "已登记")
_RANGES = {  # unit -> (low, high, decimals) for integer/decimal/amount elements
    "人": (0, 6, 0), "户": (0, 30, 0), "岁": (1, 90, 0), "次": (0, 6, 0), "年": (1, 30, 0), "层": (1, 6, 0),
    "个": (0, 12, 0), "项": (0, 8, 0), "件": (0, 8, 0), "头": (0, 20, 0), "只": (0, 50, 0), "天": (0, 30, 0),
    "月": (1, 12, 0), "亩": (0.3, 5, 2), "平方米": (20, 200, 2), "%": (0, 100, 2), "万元": (1, 200, 2),
    "元": (50, 3000, 0), "元/月": (50, 1500, 0), "元/亩/年": (300, 800, 0), "公斤": (50, 2000, 1), "斤": (100, 4000, 0),
    "吨": (0.5, 20, 2), "千克": (50, 2000, 1), "小时": (1, 40, 0), "公里": (1, 50, 1),
}


class Filler:
    """Deterministic plausible values by element type and unit: one function per column, called
    with a hash of the record key and the column (so a value is the same on every build)."""

    def __init__(self, dictionary: Dictionary) -> None:
        self.dictionary = dictionary
        self._names: NameBook | None = None

    def for_element(self, element: Element) -> Callable[[int, dict[str, Any]], Any]:
        kind = element.type
        if kind in ("integer", "decimal", "amount"):
            return self._number(element)
        if kind == "code":
            codelist = self.dictionary.codelists.get(element.codelist or "")
            codes = codelist.codes if codelist else [None]
            return lambda h, _v: codes[h % len(codes)]
        if kind == "text":
            return self._text(element)
        simple: dict[str, Callable[[int, dict[str, Any]], Any]] = {
            "date": lambda h, _v: date(2024, 6, 30) - timedelta(days=h % 1500),
            "datetime": lambda h, _v: datetime(2024, 6, 30, 9) - timedelta(minutes=h % 500_000),
            "month": lambda h, _v: f"2024-{h % 6 + 1:02d}",
            "year": lambda h, _v: 2015 + h % 10,
            "boolean": lambda h, _v: h % 4 == 0,  # most yes/no questions of a form are answered no
            "phone": lambda h, _v: f"1{'3589'[h % 4]}{h % 10**9:09d}",
            "mobile": lambda h, _v: f"1{'3589'[h % 4]}{h % 10**9:09d}",
            "postcode": lambda _h, _v: "402160",  # 永川
            "id_number": _id_number,
        }
        return simple.get(kind, lambda _h, _v: None)

    @staticmethod
    def _number(element: Element) -> Callable[[int, dict[str, Any]], Any]:
        low, high, places = _RANGES.get(element.unit or "", (0, 100, 0 if element.type == "integer" else 2))
        rules = element.validation or {}
        low = max(low, float(rules["min"])) if rules.get("min") is not None else low
        high = min(high, float(rules["max"])) if rules.get("max") is not None else high
        span = (high - low) / 10_000
        if element.type == "integer":
            return lambda h, _v: int(round(low + h % 10_000 * span))
        if element.type == "amount" and places == 0:
            return lambda h, _v: Decimal(int(round((low + h % 10_000 * span) / 10) * 10))
        quantum = Decimal(1).scaleb(-(places or 2))
        return lambda h, _v: Decimal(low + h % 10_000 * span).quantize(quantum)

    def _text(self, element: Element) -> Callable[[int, dict[str, Any]], Any]:
        name = element.name
        if "姓名" in name or name.endswith(("人", "员")) and "人数" not in name:
            if self._names is None:
                self._names = NameBook()
            names = self._names
            return lambda h, _v: names.full(random.Random(h), "12"[h % 2], 1950 + h % 50)
        if "地址" in name or "住址" in name or "地点" in name:
            return lambda _h, v: v.get("address_household_registration") or v.get("house_address") or "重庆市永川区"
        if name.endswith(("单位", "学校", "机构", "医院")):
            return lambda h, _v: "永川区" + ("人民医院", "民政局", "社会保障局", "中心小学")[h % 4]
        if name.endswith(("编号", "号", "码", "证号")):
            return lambda h, _v: f"YC{h % 10**8:08d}"
        limit = int((element.validation or {}).get("max_length") or 100)
        phrases = [p[:limit] for p in _TEXT_PHRASES]
        return lambda h, _v: phrases[h % len(phrases)]


def _id_number(h: int, _values: dict[str, Any]) -> str:
    first17 = f"500118{1940 + h % 60}{h % 12 + 1:02d}{h % 28 + 1:02d}{h % 1000:03d}"
    return first17 + checksum_char(first17)


# --- when a pack has no ledgers yet ---------------------------------------------------------------

def proposed_ledgers(dictionary: Dictionary) -> list[LedgerDef]:
    """The ledgers consolidation would propose if forms used every element of the dictionary
    (one per subject × group, key and label columns first): a stand-in while a pack has none."""
    from yibiaotong.consolidate.knowledge import Knowledge
    from yibiaotong.consolidate.ledgers import ElementInfo, propose
    from yibiaotong.packs import resolve_packs

    k = Knowledge.from_packs(resolve_packs("standard"))
    infos = {e.id: ElementInfo(e.id, e.name, e.subject, e.group, type=e.type, unit=e.unit, fields=1)
             for e in dictionary.elements.values()}
    ledgers, _homes = propose(infos, k, set(dictionary.elements))
    return [LedgerDef.from_dict({"id": p.id, "name": p.name, "subject": p.subject, "key": p.key, "columns": p.columns})
            for p in ledgers]


def ensure_ledgers(store: LedgerStore) -> list[str]:
    """Create the proposed ledgers when the database has none; returns the ids created."""
    if store.ledgers():
        return []
    created = []
    for d in proposed_ledgers(store.dictionary):
        if not d.check(store.dictionary):
            store.create_ledger(d)
            created.append(d.id)
    return created

