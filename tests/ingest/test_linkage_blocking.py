"""Which registry persons a row without an ID number is compared with (blocking): only those it
could match, worked out from the model, so that a big registry does not drown linkage in
same-birthday strangers, and the decisions stay those of comparing everyone."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest
from sqlalchemy import insert

from tests.ingest.conftest import TOWN, VILLAGE, id_number, person
from yibiaotong.ingest import import_file, list_links, resolve
from yibiaotong.ledgers.store import RecordColumns
from yibiaotong.store import schema

REGISTRY = 32_000  # above ~30,600 a stranger sharing only the birth date can no longer reach REVIEW
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂玉萍红梅鹏辉飞"
TARGET = {"id_number": id_number(date(1953, 4, 14), 101), "person_name": "欧阳晓明", "gender": "1",
          "birth_date": date(1953, 4, 14), "address_current": "临江镇红星村4组18号"}
NEIGHBOUR = {"id_number": id_number(date(1961, 9, 2), 202), "person_name": "何丽", "gender": "2",
             "birth_date": date(1961, 9, 2), "address_current": "临江镇红星村2组7号"}


def test_the_blocks_follow_the_model():
    big = resolve.blocking(1_000_000)
    # same name: the birth date may be the same or one digit off; same birth date: the name may be
    # similar, or missing; a same-birthday stranger of another name is not compared
    assert big == {"name": ["exact", "similar"], "birth": ["similar", "null"]}
    # a small registry's prior is kind enough for that stranger to reach REVIEW: compared, as before
    assert "else" in resolve.blocking(5_000)["birth"]
    assert resolve.blocking(2) == {"name": ["exact", "similar", "else", "null"],
                                   "birth": ["similar", "else", "null"]}


def test_what_sql_tests_admits_every_similar_pair_duckdb_scores():
    """The SQL side cannot compute Jaro-Winkler or Levenshtein; the conditions it uses instead must
    hold for every pair the comparison levels call similar (checked exhaustively on small alphabets)."""
    con = duckdb.connect()
    names = ["".join(p) for n in (1, 2, 3, 4) for p in itertools.product("张三明华李", repeat=n)]
    con.execute("CREATE TABLE n AS SELECT unnest(?) AS x", [names])
    missed = con.execute(f"""SELECT a.x, b.x FROM n a, n b
        WHERE jaro_winkler_similarity(a.x, b.x) >= {resolve.SIMILAR['name']}
          AND NOT (substr(a.x, 1, 1) = substr(b.x, 1, 1) OR length(a.x) > 3 OR length(b.x) > 3)""").fetchall()
    assert missed == []
    days = [(date(1950, 1, 1) + timedelta(days=i)).isoformat() for i in range(0, 3000, 7)]
    near = [d[:j] + c + d[j + 1:] for d in days[:60] for j in range(10) for c in "0123456789-"]
    near += [d[:j] + d[j + 1:] for d in days[:60] for j in range(10)] + [d[:j] + "1" + d[j:] for d in days[:60]
                                                                         for j in range(11)]
    con.execute("CREATE TABLE d AS SELECT unnest(?) AS x", [days])
    con.execute("CREATE TABLE e AS SELECT unnest(?) AS x", [near])
    pairs = con.execute(f"SELECT d.x, e.x FROM d, e WHERE levenshtein(d.x, e.x) <= {resolve.SIMILAR['birth']}"
                        ).fetchall()
    assert len(pairs) > 1000
    for registered, typed in pairs:
        row = resolve._wanted_row("张三", typed)
        day = date.fromisoformat(registered)
        assert row["year"] == day.year or (row["month"], row["day"]) == (day.month, day.day), (registered, typed)


@pytest.fixture
def registry(intake):
    """A person ledger of :data:`REGISTRY` persons (the bulk path), among them TARGET and NEIGHBOUR."""
    rnd = random.Random(5)
    people = [TARGET, NEIGHBOUR]
    seen = {p["id_number"] for p in people}
    while len(people) < REGISTRY:
        born = date(1930, 1, 1) + timedelta(days=rnd.randrange(33_000))
        seq = rnd.randrange(1000)
        number = id_number(born, seq)
        if number in seen:
            continue
        seen.add(number)
        people.append({"id_number": number, "gender": "1" if seq % 2 else "2", "birth_date": born,
                       "person_name": rnd.choice(SURNAMES) + "".join(rnd.choices(GIVEN, k=rnd.choice((1, 2)))),
                       "address_current": f"临江镇红星村{rnd.randrange(1, 10)}组{rnd.randrange(1, 200)}号"})
    names = list(TARGET)
    with intake.engine.begin() as conn:
        source = conn.execute(insert(schema.source).values(kind="system", created_at=datetime.now(UTC)))
        intake.store.insert_new("person_identity", RecordColumns(
            [p["id_number"] for p in people], [VILLAGE] * len(people), [None] * len(people),
            {n: [p[n] for p in people] for n in names}), conn=conn, source_id=source.inserted_primary_key[0])
    return resolve.find_registry([intake.store.definition_and_table("person_identity")], "id_number")


def probes() -> dict[str, resolve.Person]:
    t, n = TARGET, NEIGHBOUR
    return {
        "same": resolve.normalize(t["person_name"], t["birth_date"], "1", t["address_current"]),
        "birth mistyped": resolve.normalize(t["person_name"], "1953-04-04", "1", t["address_current"]),
        "name shortened": resolve.normalize("欧阳晓", t["birth_date"], "1", t["address_current"]),
        "moved": resolve.normalize(t["person_name"], t["birth_date"], "1", "仙龙镇新华村1组3号"),
        "no birth date": resolve.normalize(t["person_name"], None, "1", t["address_current"]),
        "no name": resolve.normalize(None, t["birth_date"], "1", t["address_current"]),
        # born the same day as NEIGHBOUR, same sex, same address, another name: a stranger
        "stranger of that birthday": resolve.normalize("赵红梅", n["birth_date"], "2", n["address_current"]),
        "stranger": resolve.normalize("钱多多", date(1977, 7, 7), "1", "仙龙镇新华村1组1号"),
    }


def test_big_registry_finds_near_misses_and_leaves_out_same_birthday_strangers(registry, intake):
    persons = probes()
    with intake.engine.begin() as conn:
        found, total = resolve.candidates(conn, registry, list(persons.values()))
        again, _ = resolve.candidates(conn, registry, list(persons.values()))  # the temporary table again
    assert total == REGISTRY and {c.key for c in again} == {c.key for c in found}
    keys = {c.key for c in found}
    assert TARGET["id_number"] in keys  # whatever of name or birth date was mistyped
    assert NEIGHBOUR["id_number"] not in keys  # only her birth date, sex and address are shared
    assert len(found) < 0.01 * REGISTRY  # not everyone born on those days
    matches = dict(zip(persons, resolve.link(list(persons.values()), found, total)))
    assert resolve.certain(matches["same"]).candidate.key == TARGET["id_number"]
    for name in ("birth mistyped", "name shortened", "moved", "no birth date", "no name"):
        assert matches[name] and resolve.certain(matches[name]) is None, name  # queued for a person
        assert matches[name][0].candidate.key == TARGET["id_number"], name
    assert matches["stranger of that birthday"] == [] and matches["stranger"] == []


def test_decisions_are_those_of_comparing_everyone_who_shares_a_name_or_a_birth_date(registry, intake, monkeypatch):
    """Today's blocking against the whole registry (same name, or same birth date) is the reference."""
    persons = list(probes().values())
    with intake.engine.begin() as conn:
        found, total = resolve.candidates(conn, registry, persons)
        assert resolve.candidates(conn, registry, []) == ([], total)
        rows = conn.execute(registry.table.select()).mappings().all()
    everyone = [resolve.Candidate(r["_key"], r["id_number"], resolve.normalize(
        r["person_name"], r["birth_date"], r["gender"], r["address_current"])) for r in rows]

    def decided(matches):
        return [[(m.candidate.key, round(m.probability, 9), m.evidence) for m in options] for options in matches]

    for size in (total, 1_000_000):  # the SQL blocks at this registry's size; Splink's also at a million
        ours = decided(resolve.link(persons, found if size == total else everyone, size))
        with monkeypatch.context() as m:
            from splink import block_on

            m.setattr(resolve, "_splink_blocks", lambda _size: [block_on("name"), block_on("birth")])
            reference = decided(resolve.link(persons, everyone, size))
        assert ours == reference, size
        assert any(ours) and any(not options for options in ours)


def test_an_import_queues_the_mistyped_birth_date_and_returns_the_same_birthday_stranger(registry, intake):
    t, n = TARGET, NEIGHBOUR
    typo = person(1, **{"姓名": t["person_name"], "性别": "男", "身份证号码": "5001181953041410", "出生日期": "1953-04-04",
                        "家庭住址": t["address_current"]})
    stranger = person(2, **{"姓名": "赵红梅", "性别": "女", "身份证号码": None, "出生日期": n["birth_date"].isoformat(),
                            "家庭住址": n["address_current"]})
    report = import_file(intake.engine, intake.roster("缺号.xlsx", [typo, stranger]), org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 0, report.problems
    assert report.sheets[0].rows_queued == 1 and report.rows_invalid == 1
    waiting = list_links(intake.engine)
    assert [w["candidate_key"] for w in waiting] == [t["id_number"]] and waiting[0]["evidence"]["birth"] == "similar"
    assert [p.code for p in report.problems] == ["missing-key"]  # the stranger, returned with her ID problem
    assert report.problems[0].location["row"] == waiting[0]["source_row"] + 1
