"""数据冲突 in the browser: each user reviews the conflicts of records in their scope, values masked as
on the record page; marking one checked is audited; another unit's conflict is as if absent."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from tests.access.world import LINJIANG, ZHUTUO
from tests.web.helpers import csrf_of, login_client
from yibiaotong.ledgers.provenance import Source
from yibiaotong.store import schema


def _conflict(world, ledger: str, unit: str, column: str, old, new, file_name: str = "二月花名册.xlsx",
              file_hash: str | None = None) -> int:
    """A conflict as an import records it: the record keeps the new value, the old one is listed."""
    record_id = world.record_in(ledger, unit)
    engine = world.engine
    with engine.begin() as conn:
        key = conn.exec_driver_sql(f"SELECT _key FROM ledger_{ledger} WHERE _id = {record_id}").scalar()
        source = Source(kind="file", file_name=file_name, file_hash=file_hash, sheet="Sheet1",
                        period="2024-02").record(conn)
        if file_hash:  # the import the file was: a page narrowed to one file finds its sheets here
            conn.execute(insert(schema.import_batch).values(
                source_id=source, file_name=file_name, file_hash=file_hash, sheet="Sheet1", period="2024-02",
                org_unit=unit, rows_read=1, rows_imported=1, rows_invalid=0, result={},
                created_at=datetime.now(UTC)))
        return conn.execute(insert(schema.conflict).values(
            ledger_id=ledger, record_id=record_id, record_key=key, column_name=column, kept="new",
            rule="same-period", old_value=old, new_value=new, new_source_id=source, source_row=7,
            status="open", created_at=datetime.now(UTC))
        ).inserted_primary_key[0]


def test_each_user_sees_and_checks_only_conflicts_in_scope(app, world):
    mine = _conflict(world, "person_identity", LINJIANG, "phone", "13800000001", "13900000002")
    theirs = _conflict(world, "person_identity", ZHUTUO, "phone", "13800000003", "13900000004")
    clerk = login_client(app, "linjiang")
    page = clerk.get("/import/conflicts")
    assert page.status_code == 200 and f"conflict-{mine}" in page.text and f"conflict-{theirs}" not in page.text
    assert "二月花名册.xlsx" in page.text and "同一报告期" in page.text
    forged = clerk.post(f"/import/conflicts/{mine}", data={"csrf": "forged"})
    assert forged.status_code == 403
    other = clerk.post(f"/import/conflicts/{theirs}", data={"csrf": csrf_of(page.text)})
    assert other.status_code == 404
    done = clerk.post(f"/import/conflicts/{mine}", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert done.status_code == 303
    with world.engine.connect() as conn:
        status = dict(conn.execute(select(schema.conflict.c.id, schema.conflict.c.status)).all())
        actions = [a for (a,) in conn.execute(select(schema.audit.c.action).where(schema.audit.c.actor == "linjiang"))]
    assert status == {mine: "resolved", theirs: "open"} and "conflict-resolve" in actions
    again = clerk.post(f"/import/conflicts/{mine}", data={"csrf": csrf_of(page.text)})  # a double click
    assert again.status_code == 200 and "已经核对过" in again.text and "找不到" not in again.text
    with world.engine.connect() as conn:
        assert len(conn.execute(select(schema.audit.c.id).where(schema.audit.c.action == "conflict-resolve")).all()) == 1
    other_town = login_client(app, "zhutuo")  # another town's clerk is not told it exists
    token = csrf_of(other_town.get("/import/conflicts").text)
    assert other_town.post(f"/import/conflicts/{mine}", data={"csrf": token}).status_code == 404
    assert f"conflict-{mine}" not in clerk.get("/import/conflicts").text


def test_values_are_masked_as_on_the_record_page(app, world):
    _conflict(world, "person_identity", LINJIANG, "phone", "13800000001", "13900000002")
    page = login_client(app, "minzheng").get("/import/conflicts")  # 民政局 may read phone, masked
    assert page.status_code == 200 and "139****0002" in page.text and "13900000002" not in page.text
    assert "13800000001" not in login_client(app, "nongye").get("/import/conflicts").text  # no grant at all



def test_a_clerks_conflicts_are_found_among_the_districts_older_ones(app, world, monkeypatch):
    """The page lists the oldest open conflicts the user may see: another town's older ones, however
    many, do not hide the clerk's own; and a list cut short says how many there are."""
    from yibiaotong.web import routes_conflicts

    monkeypatch.setattr(routes_conflicts, "SCAN", 3)
    older = [_conflict(world, "person_identity", ZHUTUO, "phone", f"1380000000{i}", f"1390000000{i}") for i in range(4)]
    mine = _conflict(world, "person_identity", LINJIANG, "phone", "13800000009", "13900000009")
    page = login_client(app, "linjiang").get("/import/conflicts").text
    assert f"conflict-{mine}" in page and "没有待核对的数据冲突" not in page
    assert not any(f"conflict-{c}\"" in page for c in older) and "conflicts-more" not in page
    assert "<small>1</small>" in page
    district = login_client(app, "admin").get("/import/conflicts").text
    assert [c for c in [*older, mine] if f'id="conflict-{c}"' in district] == older[:3]
    assert "<small>5</small>" in district and "共 5 个待核对，这里先列出最早的 3 个" in district


def test_the_conflicts_of_one_import_are_listed_on_their_own(app, world):
    """The import result links to the conflicts its file brought: checked there, the clerk comes
    back to the same short list, not to every open conflict of the town."""
    first, second = "a" * 64, "b" * 64
    older = _conflict(world, "person_identity", LINJIANG, "phone", "13800000001", "13900000002",
                      file_name="一月花名册.xlsx", file_hash=first)
    mine = _conflict(world, "person_identity", LINJIANG, "phone", "13800000003", "13900000004",
                     file_name="二月花名册.xlsx", file_hash=second)
    clerk = login_client(app, "linjiang")
    page = clerk.get(f"/import/conflicts?file={second}")
    assert page.status_code == 200 and f"conflict-{mine}" in page.text and f"conflict-{older}" not in page.text
    assert "<small>1</small>" in page.text and "只列出文件“二月花名册.xlsx”导入时产生" in page.text
    done = clerk.post(f"/import/conflicts/{mine}", data={"csrf": csrf_of(page.text), "file": second},
                      follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/import/conflicts?done=1&file={second}"
    after = clerk.get(done.headers["location"]).text
    assert "这个文件导入时产生的冲突都已核对" in after and f"conflict-{older}" not in after
    assert "“”" not in after and "本次导入的文件" in after  # no conflict left to name the file by
    assert f"conflict-{older}" in clerk.get("/import/conflicts").text  # the whole list still has the other
    # another town's file: its conflicts are not this clerk's, and its name is not shown
    theirs = _conflict(world, "person_identity", ZHUTUO, "phone", "13800000005", "13900000006",
                       file_name="朱沱镇.xlsx", file_hash="c" * 64)
    page = clerk.get(f"/import/conflicts?file={'c' * 64}").text
    assert f"conflict-{theirs}" not in page and "朱沱镇.xlsx" not in page
    assert clerk.get("/import/conflicts?file=../../etc").status_code == 422
