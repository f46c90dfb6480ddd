"""`ybt user`: accounts for the web app and the API — the first administrator of a new deployment,
and the clerks who join, move or leave. Every change is written to the audit log as the operator."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.table import Table

from yibiaotong.access import audit, users
from yibiaotong.cli.common import Db, Json, console, fail, open_store, print_json
from yibiaotong.errors import Problem, YbtError

app = typer.Typer(help="用户账号：新建（含第一位管理员）、列表、重置密码、调整、停用、启用。\n\n"
                       "例：ybt user add admin --role admin --display-name 区大数据局", no_args_is_help=True)
Role = Annotated[str | None, typer.Option(help=f"角色：{' / '.join(users.ROLES)}")]
OrgUnit = Annotated[str | None, typer.Option("--org-unit", help="所属组织机构代码（镇街、村社区、网格用户必填）")]
Department = Annotated[str | None, typer.Option(help="所属部门（部门用户必填，如 民政局）")]
PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="从标准输入读密码（供脚本使用），否则交互输入")]
OPERATOR = "cli"


def _operator() -> str:
    """Who is at the command line, for the audit log (the OS account; the CLI has no login)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return OPERATOR


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise YbtError(Problem("invalid-request", {"reason": "请交互输入密码，或用 --password-stdin 从标准输入提供",
                                                   "reason_en": "type the password, or give it with --password-stdin"}))
    first = getpass.getpass("密码（至少8位）：")
    if getpass.getpass("再输一次：") != first:
        raise YbtError(Problem("invalid-request", {"reason": "两次输入的密码不一致", "reason_en": "the passwords differ"}))
    return first


@app.command("add")
def add(name: str, role: Annotated[str, typer.Option(help=f"角色：{' / '.join(users.ROLES)}")],
        display_name: Annotated[str, typer.Option("--display-name", help="姓名或单位名")] = "",
        org_unit: OrgUnit = None, department: Department = None, password_stdin: PasswordStdin = False,
        db: Db = None, as_json: Json = False) -> None:
    """新建用户。新部署先用它建第一位管理员，再到网页“用户与权限”里建其他账号。

    例：ybt user add admin --role admin --display-name 区大数据局
        echo 'S3cret-pass' | ybt user add lj_clerk --role town --org-unit 500118103000 --password-stdin
    """
    try:
        engine = open_store(db)
        user = users.create_user(engine, name, _password(password_stdin), display_name=display_name or name,
                                 role=role, org_unit=org_unit, department=department)
        users.audit_account(engine, _operator(), "user-create", user)
    except YbtError as exc:
        fail(exc, as_json)
    _done(as_json, user, f"已新建用户 {name}（{user.role_name}）。")


@app.command("list")
def list_users(db: Db = None, as_json: Json = False) -> None:
    """列出用户。

    例：ybt user list --json
    """
    found = users.list_users(open_store(db))
    if as_json:
        print_json([_as_dict(u) for u in found])
        return
    table = Table(title=f"{len(found)} 个用户")
    for heading in ("用户名", "姓名/单位", "角色", "组织机构", "部门", "状态"):
        table.add_column(heading)
    for u in found:
        table.add_row(u.name, u.display_name, u.role_name, u.org_unit or "", u.department or "",
                      "可用" if u.active else "[red]已停用[/]")
    console.print(table)


@app.command("passwd")
def passwd(name: str, password_stdin: PasswordStdin = False, db: Db = None, as_json: Json = False) -> None:
    """重置密码（忘记密码时由管理员操作）。

    例：ybt user passwd lj_clerk
    """
    try:
        engine = open_store(db)
        users.set_password(engine, name, _password(password_stdin))
        audit.write(engine, _operator(), "password-reset", target=f"user:{name}")
    except YbtError as exc:
        fail(exc, as_json)
    _done(as_json, None, f"已重置 {name} 的密码。")


@app.command("change")
def change(name: str, role: Role = None, org_unit: OrgUnit = None, department: Department = None,
           display_name: Annotated[str | None, typer.Option("--display-name", help="姓名或单位名")] = None,
           db: Db = None, as_json: Json = False) -> None:
    """人员调动：改角色、组织机构或部门（未给的保持不变）。

    例：ybt user change lj_clerk --org-unit 500118104000
    """
    try:
        engine = open_store(db)
        user = users.change_user(engine, name, role=role, org_unit=org_unit, department=department,
                                 display_name=display_name)
        users.audit_account(engine, _operator(), "user-change", user)
    except YbtError as exc:
        fail(exc, as_json)
    _done(as_json, user, f"已调整 {name}：{user.role_name} {user.org_unit or ''} {user.department or ''}".rstrip())


@app.command("disable")
def disable(name: str, db: Db = None, as_json: Json = False) -> None:
    """停用账号（人员离岗）：不能再登录，已登录的会话和接口令牌立即失效，审计记录保留。

    例：ybt user disable lj_clerk
    """
    _set_disabled(name, True, db, as_json)


@app.command("enable")
def enable(name: str, db: Db = None, as_json: Json = False) -> None:
    """重新启用已停用的账号。

    例：ybt user enable lj_clerk
    """
    _set_disabled(name, False, db, as_json)


def _set_disabled(name: str, disabled: bool, db: str | None, as_json: bool) -> None:
    try:
        engine = open_store(db)
        user = users.set_disabled(engine, name, disabled)
        audit.write(engine, _operator(), "user-disable" if disabled else "user-enable", target=f"user:{name}")
    except YbtError as exc:
        fail(exc, as_json)
    _done(as_json, user, f"已{'停用' if disabled else '启用'}用户 {name}。")


def _as_dict(u: users.User) -> dict:
    return {"name": u.name, "display_name": u.display_name, "role": u.role, "org_unit": u.org_unit,
            "department": u.department, "active": u.active}


def _done(as_json: bool, user: users.User | None, message: str) -> None:
    if as_json:
        print_json({"ok": True, **({"user": _as_dict(user)} if user else {})})
    else:
        console.print(f"[green]✓[/] {message}")
