"""The org tree in the database (ybt_org_unit)."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from yibiaotong.orgunits.tree import OrgTree, OrgUnit
from yibiaotong.store.schema import org_unit


def save_tree(engine: Engine, tree: OrgTree) -> int:
    """Insert or update every unit of the tree (units not in the tree are kept); returns the count."""
    rows = [{"code": u.code, "name": u.name, "level": u.level, "kind": u.kind, "parent_code": u.parent_code,
             "path": u.path} for u in tree]
    insert = (postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert)(org_unit)
    stmt = insert.on_conflict_do_update(
        index_elements=[org_unit.c.code],
        set_={c: insert.excluded[c] for c in ("name", "level", "kind", "parent_code", "path")})
    with engine.begin() as conn:
        # rows are in path order, so a parent is always written before its children (foreign key)
        if rows:
            conn.execute(stmt, rows)
    return len(rows)


def load_tree(engine: Engine) -> OrgTree:
    with engine.connect() as conn:
        rows = conn.execute(select(org_unit).order_by(org_unit.c.path)).mappings().all()
    return OrgTree(OrgUnit(r["code"], r["name"], r["kind"], r["parent_code"]) for r in rows)


def subtree_codes(engine: Engine, code: str) -> list[str]:
    """The unit and every unit below it, in one indexed query on the materialized path."""
    with engine.connect() as conn:
        path = conn.execute(select(org_unit.c.path).where(org_unit.c.code == code)).scalar_one_or_none()
        if path is None:
            return []
        return list(conn.execute(select(org_unit.c.code).where(org_unit.c.path.startswith(path))).scalars())
