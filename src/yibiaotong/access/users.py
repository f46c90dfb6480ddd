"""Users with argon2-hashed passwords, a role and the org unit / department they act for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, insert, select, update

from yibiaotong.access import audit
from yibiaotong.errors import Problem, YbtError
from yibiaotong.orgunits.tree import KIND_NAMES
from yibiaotong.store.schema import org_unit as org_unit_table
from yibiaotong.store.schema import user as user_table

ROLES = {
    "admin": "区大数据局管理员",
    "department": "部门用户",
    "town": "镇街用户",
    "village": "村社区用户",
    "grid": "网格员",
}
# the org-unit kinds each area role may be attached to (its scope is that unit and below)
ROLE_UNIT_KINDS = {
    "town": {"town", "subdistrict", "township"},
    "village": {"village", "community"},
    "grid": {"grid", "group"},
}
MIN_PASSWORD = 8
_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    name: str
    display_name: str
    role: str
    org_unit: str | None
    department: str | None
    active: bool = True
    sessions_after: datetime | None = None  # a browser session begun earlier is over

    def session_valid(self, begun: float | None) -> bool:
        """Whether a session begun at ``begun`` (a POSIX time) may still act for this user."""
        if self.sessions_after is None:
            return True
        after = self.sessions_after if self.sessions_after.tzinfo else self.sessions_after.replace(tzinfo=UTC)
        return begun is not None and begun >= after.timestamp()

    @property
    def role_name(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _user(row) -> User:
    return User(row["name"], row["display_name"], row["role"], row["org_unit"], row["department"],
                row.get("disabled_at") is None, row.get("sessions_after"))


def _wrong(reason: str, reason_en: str) -> Problem:
    """A mistake in what an administrator typed (web form or ``ybt user``), not in a pack's files."""
    return Problem("invalid-request", {"reason": reason, "reason_en": reason_en})


def _short_password() -> Problem:
    return _wrong(f"密码至少{MIN_PASSWORD}位", f"a password has at least {MIN_PASSWORD} characters")


def check_user(engine: Engine, *, name: str, role: str, org_unit: str | None, department: str | None) -> list[Problem]:
    """Every reason why this user could not act: unknown role, missing department, wrong kind of unit."""
    problems = []
    if not name or len(name) > 100 or not name.replace("_", "").replace("-", "").replace(".", "").isalnum():
        problems.append(_wrong("用户名应为字母、数字、下划线或连字符，最长100字符",
                               "a user name is letters, digits, _ . or -, at most 100 characters"))
    if role not in ROLES:
        problems.append(_wrong(f"角色“{role}”应为 {'/'.join(ROLES)} 之一", f"the role {role!r} is not one of {'/'.join(ROLES)}"))
    if role == "department" and not (department or "").strip():
        problems.append(_wrong("部门用户须填写所属部门（如 民政局）", "a department user needs the department it acts for"))
    if org_unit:
        with engine.connect() as conn:
            kind = conn.execute(select(org_unit_table.c.kind).where(org_unit_table.c.code == org_unit)).scalar()
        if kind is None:
            problems.append(Problem("unknown-org-unit", {"org_unit": org_unit}))
        elif role in ROLE_UNIT_KINDS and kind not in ROLE_UNIT_KINDS[role]:
            kinds = "、".join(sorted({KIND_NAMES.get(k, k) for k in ROLE_UNIT_KINDS[role]}))
            problems.append(_wrong(f"{ROLES[role]}应属于{kinds}，而 {org_unit} 是{KIND_NAMES.get(kind, kind)}，请另选所属组织机构",
                                   f"a {role} user belongs to a {'/'.join(sorted(ROLE_UNIT_KINDS[role]))}, "
                                   f"and {org_unit} is a {kind}: choose another org unit"))
    elif role in ROLE_UNIT_KINDS:
        problems.append(_wrong(f"{ROLES[role]}须指定所属组织机构", f"a {role} user needs an org unit"))
    return problems


def create_user(engine: Engine, name: str, password: str, *, display_name: str, role: str,
                org_unit: str | None = None, department: str | None = None, replace: bool = False) -> User:
    problems = check_user(engine, name=name, role=role, org_unit=org_unit, department=department)
    if len(password) < MIN_PASSWORD:
        problems.append(_short_password())
    if problems:
        raise YbtError(problems)
    department = (department or "").strip() or None
    values = dict(display_name=display_name or name, password_hash=_hasher.hash(password), role=role,
                  org_unit=org_unit or None, department=department)
    with engine.begin() as conn:
        exists = conn.execute(select(user_table.c.name).where(user_table.c.name == name)).first()
        if exists and not replace:
            raise YbtError(_wrong(f"用户名“{name}”已被使用，请换一个，或修改已有的用户",
                                  f"the user name {name!r} is taken: choose another or change that user"))
        if exists:
            conn.execute(update(user_table).where(user_table.c.name == name).values(**values))
        else:
            conn.execute(insert(user_table).values(name=name, created_at=datetime.now(UTC), **values))
    return User(name, values["display_name"], role, values["org_unit"], department)


def set_password(engine: Engine, name: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise YbtError(_short_password())
    with engine.begin() as conn:
        done = conn.execute(update(user_table).where(user_table.c.name == name)  # other sessions end
                            .values(password_hash=_hasher.hash(password), sessions_after=datetime.now(UTC))).rowcount
    if not done:
        raise YbtError(Problem("not-found"))


def audit_account(engine: Engine, actor: str, action: str, user: User) -> None:
    """The audit entry of an account created or changed (in the web or with ``ybt user``): what it is now."""
    audit.write(engine, actor, action, target=f"user:{user.name}",
                details={"role": user.role, "org_unit": user.org_unit, "department": user.department})


def get_user(engine: Engine, name: str, *, include_disabled: bool = False) -> User | None:
    """The user who may act now; a disabled account counts as absent unless ``include_disabled``."""
    with engine.connect() as conn:
        row = conn.execute(select(user_table).where(user_table.c.name == name)).mappings().first()
    if row is None or (row["disabled_at"] is not None and not include_disabled):
        return None
    return _user(row)


def disabled_problem(name: str) -> Problem:
    """Why work asked for by an account disabled since then does not run."""
    return Problem("forbidden", {"reason": f"用户“{name}”的账号已停用", "reason_en": f"the account of {name} is disabled"})


def change_user(engine: Engine, name: str, *, actor: str | None = None, display_name: str | None = None,
                role: str | None = None, org_unit: str | None = None, department: str | None = None) -> User:
    """A clerk moved to another town or department: new role, unit or department (what is not given stays)."""
    current = _existing(engine, name)
    role = role or current.role
    org_unit = (org_unit if org_unit is not None else current.org_unit) or None
    department = ((department if department is not None else current.department) or "").strip() or None
    problems = check_user(engine, name=name, role=role, org_unit=org_unit, department=department)
    if current.role == "admin" and role != "admin":
        problems += _last_admin(engine, name, "改变角色")
    if actor == name and role != current.role:
        problems.append(_wrong("不能修改自己的角色，请另一位管理员操作", "you cannot change your own role"))
    if problems:
        raise YbtError(problems)
    values = dict(role=role, org_unit=org_unit, department=department,
                  display_name=(display_name or "").strip() or current.display_name)
    with engine.begin() as conn:
        conn.execute(update(user_table).where(user_table.c.name == name).values(**values))
    return User(name, values["display_name"], role, org_unit, department, current.active)


def set_disabled(engine: Engine, name: str, disabled: bool, *, actor: str | None = None) -> User:
    """Disable an account (it can no longer log in; its sessions and API tokens stop at once) or enable it again."""
    current = _existing(engine, name)
    if disabled:
        problems = []
        if actor == name:
            problems.append(_wrong("不能停用自己的账号，请另一位管理员操作", "you cannot disable your own account"))
        if current.role == "admin":
            problems += _last_admin(engine, name, "停用")
        if problems:
            raise YbtError(problems)
    with engine.begin() as conn:
        now = datetime.now(UTC)
        values = dict(disabled_at=now, sessions_after=now) if disabled else dict(disabled_at=None)
        conn.execute(update(user_table).where(user_table.c.name == name).values(**values))
    return User(current.name, current.display_name, current.role, current.org_unit, current.department, not disabled)


def _existing(engine: Engine, name: str) -> User:
    user = get_user(engine, name, include_disabled=True)
    if user is None:
        raise YbtError(_wrong(f"没有用户“{name}”，请用 ybt user list 查看用户名", f"no user {name!r}; see ybt user list"))
    return user


def _last_admin(engine: Engine, name: str, doing: str) -> list[Problem]:
    """Refuse what would leave the district without an active administrator."""
    with engine.connect() as conn:
        others = conn.execute(select(user_table.c.name).where(
            user_table.c.role == "admin", user_table.c.disabled_at.is_(None), user_table.c.name != name)).first()
    if others:
        return []
    return [_wrong(f"“{name}”是最后一位可用的管理员，不能{doing}；请先新建另一位管理员",
                   f"{name} is the last active administrator; create another administrator first")]


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        return [_user(r) for r in conn.execute(select(user_table).order_by(user_table.c.role, user_table.c.name)).mappings()]


def authenticate(engine: Engine, name: str, password: str) -> User | None:
    """The user when the password matches, else None (same cost whether or not the user exists)."""
    with engine.connect() as conn:
        row = conn.execute(select(user_table).where(user_table.c.name == name)).mappings().first()
    stored = row["password_hash"] if row else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or row["disabled_at"] is not None:
        return None
    return _user(row)


_DUMMY_HASH = _hasher.hash("not-a-real-password")
