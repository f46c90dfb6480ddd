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

   Only pairs that share a name or a birth date, and could still reach 0.5 by the model, are
   compared (:func:`blocking`): against a million persons, a same-birthday stranger under another
   name could not, so the thousands born on the rows' birthdays are no longer fetched and scored.

Fellegi–Sunter in one line: each compared field adds log2(m/u) to the match weight when it
agrees (m: how often it agrees for the same person, u: for two different persons) and
log2((1-m)/(1-u))-like amounts when it differs; the prior is one in the number of persons.
"""

from __future__ import annotations

import logging
import math
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    and_,
    extract,
    func,
    insert,
    or_,
    select,
    text,
)

from yibiaotong.elements.idnumber import birth_date_of, sex_of
from yibiaotong.ledgers.definition import LedgerDef

CERTAIN, REVIEW = 0.99, 0.5
MARGIN = 0.01  # bits: a block admits pairs a hair below REVIEW rather than miss one by rounding
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
# what "similar" means: Jaro-Winkler similarity at least (name, address), Levenshtein distance at most (birth)
SIMILAR = {"name": 0.88, "birth": 1, "address": 0.85}


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
    """Registry records worth comparing with any of the persons (the blocking, see :func:`blocking`),
    and how many persons the registry holds (the prior).

    The persons' names and birth dates go into a temporary table joined to the registry: one
    query per join key, each one pass over the registry (a hash join on PostgreSQL, a probe of
    the temporary table's index per registry row on SQLite), however many persons there are;
    the ledger needs no index of its own."""
    t, cols = registry.table, registry.columns
    total = int(conn.execute(select(func.count()).select_from(t)).scalar_one())
    blocks = blocking(total)
    keys = {(p.name, p.birth) for p in persons if p.name or p.birth}
    if not blocks or not keys:
        return [], total
    wanted = [t.c[registry.id_column], t.c._key] + [t.c[cols[f]] for f in ("name", "birth", "sex", "address")
                                                      if f in cols]
    w = _wanted_table()
    w.drop(conn, checkfirst=True)  # left on this pooled connection by an interrupted import
    w.create(conn)
    conn.execute(insert(w), [_wanted_row(name, birth) for name, birth in keys])
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ANALYZE {w.name}"))  # autovacuum never looks at temporary tables
    out: dict[str, Candidate] = {}
    found = []
    for key, levels in blocks.items():
        if key == "birth" and "birth" not in cols:
            continue  # the birth date is only inside the ID number: not searchable (nor was it before)
        other = "birth" if key == "name" else "name"
        match = [t.c[cols[key]] == w.c[key]]
        # (a birth date kept as text, were a pack to type it so, is not taken apart: all pass)
        if other in cols and "else" not in levels and (other == "name" or isinstance(t.c[cols[other]].type, Date)):
            match.append(or_(*(_sql_level(other, level, t.c[cols[other]], w) for level in levels)))
        found.append(select(w.c.name).where(*match).exists())
    # SQLite probes the wanted table's indexes per registry row: both keys in one pass over the
    # registry; PostgreSQL hash-joins each key's query, which an OR of the two would prevent
    queries = [or_(*found)] if conn.dialect.name == "sqlite" and found else found
    for condition in queries:
        for row in conn.execute(select(*wanted).where(condition)).mappings():
            if row["_key"] in out:
                continue
            id_number = row[registry.id_column]
            values = {f: row[cols[f]] for f in cols}
            if id_number and "birth" not in values:
                values["birth"] = birth_date_of(id_number)
            if id_number and "sex" not in values:
                values["sex"] = sex_of(id_number)
            out[row["_key"]] = Candidate(row["_key"], id_number, normalize(**values))
    w.drop(conn)  # were the import to fail before this, its rollback takes the table with it
    return list(out.values()), total


def blocking(registry_size: int) -> dict[str, list[str]]:
    """Which pairs are worth comparing, worked out from :data:`MODEL` (分块).

    A pair is compared only when it agrees exactly on the name or on the birth date (as ever);
    and then only when, at the levels its other field may show, it can still reach
    :data:`REVIEW` with the most the remaining fields (sex, address) can add. In a registry of a
    million persons a stranger born the same day under another name cannot: her birth date, sex
    and address together say at most ~30,000 to one for her, against a prior of a million to one;
    so "same birth date" no longer pulls in most of the registry. Below ~30,000 persons she
    still can, and is compared as before. Returns, per join key, the levels of the other field
    that are admitted ("else" admits every pair on that key). Pairs left out would score below
    :data:`REVIEW`, so the decisions are those of comparing every pair that shares a name or a
    birth date (tests/ingest/test_linkage_blocking.py compares them)."""
    prior = 1 / max(registry_size, 2)
    needed = math.log2(REVIEW / (1 - REVIEW)) - math.log2(prior / (1 - prior)) - MARGIN
    rest = sum(max(0.0, *(_weight(f, level) for level, _m, _u in MODEL[f])) for f in MODEL if f not in ("name", "birth"))
    out: dict[str, list[str]] = {}
    for key, other in (("name", "birth"), ("birth", "name")):
        levels = [level for level in [*(level for level, _m, _u in MODEL[other]), "null"]
                  if _weight(key, "exact") + _weight(other, level) + rest >= needed]
        if key == "birth" and "name" in out:
            # same name and same birth date is the name join's best pair: it is there already
            levels = [level for level in levels if level != "exact"]
        if levels:
            out[key] = levels
    return out


def link(persons: list[Person], found: list[Candidate], registry_size: int) -> list[list[Match]]:
    """For each person, the candidates scoring at least :data:`REVIEW`, best first."""
    results: list[list[Match]] = [[] for _ in persons]
    if not persons or not found or not blocking(registry_size):
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
        matches.sort(key=lambda m: (-m.probability, m.candidate.key))  # ties in a stable order
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
    from splink import SettingsCreator

    similar = {"name": lambda c: cll.JaroWinklerLevel(c, SIMILAR[c]), "birth": lambda c: cll.LevenshteinLevel(c, SIMILAR[c]),
               "address": lambda c: cll.JaroWinklerLevel(c, SIMILAR[c])}
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
        blocking_rules_to_generate_predictions=_splink_blocks(registry_size),
        comparisons=comparisons,
        retain_matching_columns=True,  # gamma_<field> (which level agreed) is the evidence shown to reviewers
    )


def _splink_blocks(registry_size: int) -> list[Any]:
    """:func:`blocking` as Splink's blocking rules: each level by the very condition of its comparison level."""
    from splink import block_on

    said = {("name", "exact"): "l.name = r.name", ("birth", "exact"): "l.birth = r.birth",
            ("name", "similar"): f"jaro_winkler_similarity(l.name, r.name) >= {SIMILAR['name']}",
            ("birth", "similar"): f"levenshtein(l.birth, r.birth) <= {SIMILAR['birth']}",
            ("name", "null"): "l.name IS NULL OR r.name IS NULL", ("birth", "null"): "l.birth IS NULL OR r.birth IS NULL"}
    rules: list[Any] = []
    for key, levels in blocking(registry_size).items():
        other = "birth" if key == "name" else "name"
        if "else" in levels:
            rules.append(block_on(key))
        else:
            rules.append(f"l.{key} = r.{key} AND ({' OR '.join(f'({said[other, level]})' for level in levels)})")
    return rules


def _sql_level(f: str, level: str, column: Any, w: Table) -> Any:
    """A condition every pair at this level of ``f`` meets (it may admit more), in SQL both
    databases run: the registry's ``column`` against the wanted keys ``w``."""
    if level == "exact":
        return column == w.c[f]
    if level == "null":
        return or_(column.is_(None), w.c[f].is_(None))
    if f == "name":
        # Jaro-Winkler ≥ 0.88 between two names of at most three characters needs the same first
        # character (their match window is 0, so the other characters must also sit in place);
        # longer names are let through (tests/ingest/test_linkage_blocking.py checks this on DuckDB)
        return or_(func.substr(column, 1, 1) == w.c.initial, func.length(column) > 3, w.c.long)
    # one edit away from a registry date "YYYY-MM-DD" leaves its year or its "MM-DD" in place
    return or_(extract("year", column) == w.c.year,
               and_(extract("month", column) == w.c.month, extract("day", column) == w.c.day))


def _wanted_table() -> Table:
    """The persons' names and birth dates, for the candidate queries to join (per connection)."""
    return Table("ybt_link_wanted", MetaData(),
                 Column("name", Text), Column("initial", Text), Column("long", Boolean),
                 Column("birth", Date), Column("year", Integer), Column("month", Integer), Column("day", Integer),
                 Index("ybt_link_wanted_name", "name"), Index("ybt_link_wanted_birth", "birth"),
                 prefixes=["TEMPORARY"])


def _wanted_row(name: str | None, birth: str | None) -> dict[str, Any]:
    day = _date(birth)
    tail = birth[-5:] if birth else ""
    md = tail[:2].isdigit() and tail[2] == "-" and tail[3:].isdigit() if len(tail) == 5 else False
    return {"name": name, "initial": name[:1] if name else None, "long": bool(name) and len(name) > 3,
            "birth": day, "year": int(birth[:4]) if birth and birth[:4].isdigit() else None,
            "month": int(tail[:2]) if md else None, "day": int(tail[3:]) if md else None}


def _weight(f: str, level: str) -> float:
    """The match weight (bits) a field adds at a level; a missing value adds nothing."""
    if level == "null":
        return 0.0
    m, u = next((m, u) for name, m, u in MODEL[f] if name == level)
    return math.log2(m / u)


def _level_name(f: str, gamma: Any) -> str:
    if gamma is None or gamma == -1:
        return "missing"
    levels = [name for name, _m, _u in MODEL[f]]
    return levels[len(levels) - 1 - int(gamma)] if 0 <= int(gamma) < len(levels) else "missing"


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
