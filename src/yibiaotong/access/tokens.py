"""API tokens (接口令牌) for machine clients: each belongs to a user and carries that user's scope.

Tokens are 32 random bytes, so a plain SHA-256 is enough to store them (no slow hash needed:
nobody can guess such a token from its hash); the token itself is shown once, at creation.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import OperationalError

from yibiaotong.access.users import User, _user, get_user
from yibiaotong.errors import Problem, YbtError
from yibiaotong.store.engine import BUSY_TIMEOUT_MS
from yibiaotong.store.schema import api_token
from yibiaotong.store.schema import user as user_table

PREFIX = "ybt_"
TOUCH_EVERY = timedelta(hours=1)  # last_used_at is a hint for admins, not worth a write per request
TOUCH_WAIT_MS = 200
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenInfo:
    id: int
    user_name: str
    label: str
    prefix: str
    created_by: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(engine: Engine, user_name: str, label: str, *, by: str | None = None) -> tuple[str, TokenInfo]:
    """A new token for the user: (the token, shown only now; what is kept of it)."""
    if get_user(engine, user_name) is None:
        raise YbtError(Problem("invalid-definition", {"reason": f"没有用户“{user_name}”"}))
    label = (label or "").strip() or "接口令牌"
    token = PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        new_id = conn.execute(insert(api_token).values(
            user_name=user_name, label=label[:200], token_hash=_digest(token), prefix=token[:10], created_by=by,
            created_at=now)).inserted_primary_key[0]
    return token, TokenInfo(int(new_id), user_name, label, token[:10], by, now, None, None)


def user_for_token(engine: Engine, token: str) -> User | None:
    """The user a valid, unrevoked token acts for, else None (also when the user has been disabled)."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(api_token.c.id, api_token.c.last_used_at, *user_table.c)
                           .join(user_table, user_table.c.name == api_token.c.user_name)
                           .where(api_token.c.token_hash == _digest(token), api_token.c.revoked_at.is_(None),
                                  user_table.c.disabled_at.is_(None))
                           ).mappings().first()
    if row is None:
        return None
    now = datetime.now(UTC)
    last = row["last_used_at"]
    if last is None or now - (last if last.tzinfo else last.replace(tzinfo=UTC)) > TOUCH_EVERY:
        _touch(engine, row["id"], now)
    return _user(row)


def _touch(engine: Engine, token_id: int, now: datetime) -> None:
    """Note the token's use, if the database lets us at once: the time is a hint for admins, never a
    reason to keep a caller waiting while an import holds SQLite's one write lock."""
    try:
        with engine.begin() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {TOUCH_WAIT_MS}")
            try:
                conn.execute(update(api_token).where(api_token.c.id == token_id).values(last_used_at=now))
            finally:
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    except OperationalError:
        log.info("token %s: last use not recorded, the database is busy", token_id)


def list_tokens(engine: Engine) -> list[TokenInfo]:
    with engine.connect() as conn:
        rows = conn.execute(select(api_token).order_by(api_token.c.id.desc())).mappings().all()
    return [TokenInfo(r["id"], r["user_name"], r["label"], r["prefix"], r["created_by"], r["created_at"],
                      r["last_used_at"], r["revoked_at"]) for r in rows]


def revoke_token(engine: Engine, token_id: int) -> bool:
    with engine.begin() as conn:
        return bool(conn.execute(update(api_token).where(api_token.c.id == token_id, api_token.c.revoked_at.is_(None))
                                 .values(revoked_at=datetime.now(UTC))).rowcount)
