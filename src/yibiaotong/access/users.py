"""Users with argon2-hashed passwords, a role and the org unit / department they act for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, insert, select, update

from yibiaotong.errors import Problem, YbtError
from yibiaotong.store.schema import user as user_table

ROLES = {
    "admin": "区大数据局管理员",
    "department": "部门用户",
    "town": "镇街用户",
    "village": "村社区用户",
    "grid": "网格员",
}
_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    name: str
    display_name: str
    role: str
    org_unit: str | None
    department: str | None

    @property
    def role_name(self) -> str:
        return ROLES.get(self.role, self.role)


def create_user(engine: Engine, name: str, password: str, *, display_name: str, role: str,
                org_unit: str | None = None, department: str | None = None, replace: bool = False) -> User:
    if role not in ROLES:
        raise YbtError(Problem("invalid-definition", {"reason": f"角色“{role}”应为 {'/'.join(ROLES)} 之一"}))
    if len(password) < 8:
        raise YbtError(Problem("invalid-definition", {"reason": "密码至少8位"}))
    values = dict(display_name=display_name, password_hash=_hasher.hash(password), role=role, org_unit=org_unit,
                  department=department)
    with engine.begin() as conn:
        exists = conn.execute(select(user_table.c.name).where(user_table.c.name == name)).first()
        if exists and not replace:
            raise YbtError(Problem("duplicate-id", {"id": name}))
        if exists:
            conn.execute(update(user_table).where(user_table.c.name == name).values(**values))
        else:
            conn.execute(insert(user_table).values(name=name, created_at=datetime.now(UTC), **values))
    return User(name, display_name, role, org_unit, department)


def get_user(engine: Engine, name: str) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(select(user_table).where(user_table.c.name == name)).mappings().first()
    if row is None:
        return None
    return User(row["name"], row["display_name"], row["role"], row["org_unit"], row["department"])


def authenticate(engine: Engine, name: str, password: str) -> User | None:
    """The user when the password matches, else None (same cost whether or not the user exists)."""
    with engine.connect() as conn:
        row = conn.execute(select(user_table).where(user_table.c.name == name)).mappings().first()
    stored = row["password_hash"] if row else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    return User(row["name"], row["display_name"], row["role"], row["org_unit"], row["department"])


_DUMMY_HASH = _hasher.hash("not-a-real-password")
