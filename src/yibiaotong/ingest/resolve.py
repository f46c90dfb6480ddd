"""Which person a row is about (实体识别).

1. By resident ID number: the ledgers are keyed by the normalized 18-digit number (15-digit
   numbers are upgraded, Excel's 5.00118E+17 is refused), so the same number is the same person.
2. A row whose ID number is missing or invalid is linked probabilistically on name, birth date,
   sex and address against the persons already in the ledger, with Splink (Fellegi–Sunter
   scoring in an embedded DuckDB; no network, no training run). The m/u probabilities below are
   fixed, documented estimates rather than trained ones: an import links a handful of rows, too
   few to train on, and fixed weights make the decision explainable and repeatable.

   * certain (probability ≥ 0.99, name and birth date identical, no rival above 0.5): the row
     is written to that person, and the report says so with the probability;
   * uncertain (best ≥ 0.5): the row waits in ``ybt_link`` for a person to confirm or reject
     (``ybt links``); nothing is merged before that;
   * otherwise the row is returned with its ID-number problem, like any invalid row.

Fellegi–Sunter in one line: each compared field adds log2(m/u) to the match weight when it
agrees (m: how often it agrees for the same person, u: for two different persons) and
log2((1-m)/(1-u))-like amounts when it differs; the prior is one in the number of persons.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, Table, func, or_, select

from yibiaotong.elements.idnumber import birth_date_of, sex_of
from yibiaotong.ledgers.definition import LedgerDef

CERTAIN, REVIEW = 0.99, 0.5
BLOCK_VALUES = 4000  # names (and birth dates) per candidate query: 8,000 parameters, within SQLite's 32,766
PERSON_ELEMENTS = {"person_name": "name", "birth_date": "birth", "gender": "sex",
                   "address_current": "address", "address_household_registration": "address"}
# (level, m, u) per compared field; levels tried in order, the first that holds counts
MODEL: dict[str, list[tuple[str, float, float]]] = {
    # Chinese names repeat a lot (张伟): an exact match is common among strangers
    "name": [("exact", 0.92, 0.002), ("similar", 0.05, 0.01), ("else", 0.03, 0.988)],
    # ~36,500 possible birth dates in a century; one mistyped digit is the usual error
    "birth": [("exact", 0.93, 0.0001), ("similar", 0.05, 0.002), ("else", 0.02, 0.9979)],
    "sex": [("exact", 0.98, 0.5), ("else", 0.02, 0.5)],
    # neighbours share addresses; clerks abbreviate them
    "address": [("exact", 0.55, 0.01), ("similar", 0.3, 0.05), ("else", 0.15, 0.94)],
}


@dataclass
class Person:
    """What is compared: normalized texts (None when unknown)."""

    name: str | None = None
    birth: str | None = None
    sex: str | None = None
    address: str | None = None


@dataclass
class Candidate:
    key: str  # the registry record's _key
    id_number: str
    person: Person


@dataclass
class Match:
    candidate: Candidate
    probability: float
    evidence: dict[str, str] = field(default_factory=dict)


@dataclass
class Registry:
    """The ledger whose persons rows are linked against, and where its person fields are."""

    ledger: LedgerDef
    table: Table
    id_column: str
    columns: dict[str, str]  # person field (name, birth, sex, address) -> ledger column


def find_registry(ledgers: list[tuple[LedgerDef, Table]], id_column: str) -> Registry | None:
    """Of the ledgers a form writes, the person ledger keyed by the ID number with the most person fields."""
    best = None
    for definition, table in ledgers:
        if id_column not in definition.key:
            continue
        columns = {}
        for col in definition.columns:
            f = PERSON_ELEMENTS.get(col.element)
            if f and f not in columns:
                columns[f] = col.column
        if "name" in columns and (best is None or len(columns) > len(best.columns)):
            best = Registry(definition, table, id_column, columns)
    return best


def normalize(name: Any = None, birth: Any = None, sex: Any = None, address: Any = None) -> Person:
    def text(v: Any) -> str | None:
        t = "".join(unicodedata.normalize("NFKC", str(v)).split()) if v not in (None, "") else ""
        return t or None

    b = birth.isoformat() if isinstance(birth, date) else text(birth)
    return Person(text(name), b, text(sex), text(address))


def candidates(conn: Connection, registry: Registry, persons: list[Person]) -> tuple[list[Candidate], int]:
    """Registry records sharing a name or a birth date with any of the persons (the blocking),
    and how many persons the registry holds (the prior)."""
    t, cols = registry.table, registry.columns
    total = int(conn.execute(select(func.count()).select_from(t)).scalar_one())
    names = sorted({p.name for p in persons if p.name})
    births = sorted({p.birth for p in persons if p.birth})
    wanted = [t.c[registry.id_column], t.c._key] + [t.c[cols[f]] for f in ("name", "birth", "sex", "address")
                                                      if f in cols]
    out: dict[str, Candidate] = {}
    # each query reads the whole registry (names and birth dates are not indexed): few, wide queries
    for start in range(0, max(len(names), len(births)), BLOCK_VALUES):
        conds = []
        if names[start:start + BLOCK_VALUES]:
            conds.append(t.c[cols["name"]].in_(names[start:start + BLOCK_VALUES]))
        if "birth" in cols and births[start:start + BLOCK_VALUES]:
            conds.append(t.c[cols["birth"]].in_([date.fromisoformat(b) for b in births[start:start + BLOCK_VALUES]
                                                  if _iso(b)]))
        for row in conn.execute(select(*wanted).where(or_(*conds))).mappings():
            id_number = row[registry.id_column]
            values = {f: row[cols[f]] for f in cols}
            if id_number and "birth" not in values:
                values["birth"] = birth_date_of(id_number)
            if id_number and "sex" not in values:
                values["sex"] = sex_of(id_number)
            out[row["_key"]] = Candidate(row["_key"], id_number, normalize(**values))
    return list(out.values()), total


def link(persons: list[Person], found: list[Candidate], registry_size: int) -> list[list[Match]]:
    """For each person, the candidates scoring at least :data:`REVIEW`, best first."""
    results: list[list[Match]] = [[] for _ in persons]
    if not persons or not found:
        return results
    import pyarrow as pa
    from splink import DuckDBAPI, Linker

    fields = ("name", "birth", "sex", "address")
    left = pa.table({"unique_id": [f"c{i}" for i in range(len(found))],
                     **{f: [getattr(c.person, f) for c in found] for f in fields}},
                    schema=pa.schema([("unique_id", pa.string())] + [(f, pa.string()) for f in fields]))
    right = pa.table({"unique_id": [f"p{i}" for i in range(len(persons))],
                      **{f: [getattr(p, f) for p in persons] for f in fields}},
                     schema=left.schema)
    db = DuckDBAPI()
    l_df, r_df = db.register(left, table_name="registry"), db.register(right, table_name="rows")
    linker = Linker([l_df, r_df], _settings(registry_size), log_level=None)
    logging.getLogger("splink").setLevel(logging.ERROR)
    scored = linker.inference.predict_between(l_df, r_df, threshold_match_probability=REVIEW,
                                              warning_mode="never")
    for rec in scored.as_record_list():
        ids = {rec["unique_id_l"], rec["unique_id_r"]}
        c = next(int(i[1:]) for i in ids if i.startswith("c"))
        p = next(int(i[1:]) for i in ids if i.startswith("p"))
        evidence = {f: _level_name(f, rec.get(f"gamma_{f}")) for f in fields}
        results[p].append(Match(found[c], float(rec["match_probability"]), evidence))
    for matches in results:
        matches.sort(key=lambda m: -m.probability)
    return results


def certain(matches: list[Match]) -> Match | None:
    if not matches:
        return None
    best = matches[0]
    rival = len(matches) > 1 and matches[1].probability >= REVIEW
    identical = best.evidence.get("name") == "exact" and best.evidence.get("birth") == "exact"
    return best if best.probability >= CERTAIN and identical and not rival else None


def _settings(registry_size: int) -> dict[str, Any]:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    similar = {"name": lambda c: cll.JaroWinklerLevel(c, 0.88), "birth": lambda c: cll.LevenshteinLevel(c, 1),
               "address": lambda c: cll.JaroWinklerLevel(c, 0.85)}
    comparisons = []
    for f, levels in MODEL.items():
        built = [cll.NullLevel(f)]
        for level, m, u in levels:
            maker = {"exact": lambda c: cll.ExactMatchLevel(c), "else": lambda c: cll.ElseLevel()}.get(level,
                                                                                                    similar.get(f))
            built.append(maker(f).configure(m_probability=m, u_probability=u))
        comparisons.append(cl.CustomComparison(output_column_name=f, comparison_levels=built))
    return SettingsCreator(
        link_type="link_only",
        probability_two_random_records_match=1 / max(registry_size, 2),
        blocking_rules_to_generate_predictions=[block_on("name"), block_on("birth")],
        comparisons=comparisons,
        retain_matching_columns=True,  # gamma_<field> (which level agreed) is the evidence shown to reviewers
    )


def _level_name(f: str, gamma: Any) -> str:
    if gamma is None or gamma == -1:
        return "missing"
    levels = [name for name, _m, _u in MODEL[f]]
    return levels[len(levels) - 1 - int(gamma)] if 0 <= int(gamma) < len(levels) else "missing"


def _iso(text: str) -> bool:
    try:
        date.fromisoformat(text)
        return True
    except ValueError:
        return False
