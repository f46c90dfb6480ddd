"""`ybt rules`, `ybt alerts`, `ybt check`: early warnings over the ledgers and eligibility checks."""

from __future__ import annotations

import getpass
import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from yibiaotong.cli.common import Db, Json, console, fail, open_store, plain, print_json
from yibiaotong.errors import Problem, YbtError

rules_app = typer.Typer(help="预警规则：列出、运行、建立所需索引。\n\n例：ybt rules run --as-of 2024-06-30", no_args_is_help=True)
alerts_app = typer.Typer(help="预警：查看、签收、办结、忽略、导出。\n\n例：ybt alerts list --status open", no_args_is_help=True)

Pack = Annotated[str, typer.Option("--pack", help="数据包（规则和政策所在）")]
By = Annotated[str | None, typer.Option("--by", help="操作人（默认当前系统用户）")]
SEVERITY_STYLE = {"high": "red", "medium": "yellow", "low": "cyan"}


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")
    app.add_typer(alerts_app, name="alerts")
    app.command("check")(check_command)


def _actor(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers: say so instead of failing
        return os.environ.get("USER") or "cli"


def _as_of(text: str | None, as_json: bool) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(YbtError(Problem("invalid-date", {"value": text})), as_json)
    return None


def _where(p: Problem) -> str:
    loc = p.location
    parts = [p.where_zh()] if p.where_zh() else []
    for key, label in (("rule", "规则"), ("policy", "政策"), ("field", "栏目")):
        if loc.get(key):
            parts.append(f"{label} {loc[key]}")
    if loc.get("expression"):
        parts.append(f"表达式 {loc['expression'][:60]}" + (f"（第{loc['position'] + 1}个字符）"
                                                          if loc.get("position") is not None else ""))
    return " ".join(parts)


def _problems(problems: list[Problem], title: str) -> None:
    table = Table(title=title)
    for col in ("位置", "问题", "怎么改"):
        table.add_column(col)
    for p in problems[:100]:
        table.add_row(*plain(_where(p), p.message_zh, p.hint_zh))
    console.print(table)


# --- rules --------------------------------------------------------------------------------------

@rules_app.command("list")
def rules_list(pack: Pack = "yongchuan", db: Db = None, as_json: Json = False) -> None:
    """列出数据包中的预警规则，以及在本库中各用到哪些台账（或为什么不能运行）。

    例：ybt rules list
    """
    from yibiaotong.ledgers import LedgerStore
    from yibiaotong.rules.binding import Catalog
    from yibiaotong.rules.compile import bind_rule
    from yibiaotong.rules.definitions import load_rules, rule_file_problems

    try:
        rules = load_rules(pack, strict=False)
        broken = rule_file_problems(pack)
        store = LedgerStore(open_store(db))
        catalog = Catalog(store.ledgers(), store.dictionary)
    except YbtError as exc:
        fail(exc, as_json)
    rows = []
    for r in rules:
        bound, problems = bind_rule(r, catalog)
        rows.append({**r.to_dict(), "bound": {a: b.ledger.id for a, b in bound.items()},
                     "absent": {a: list(b.absent) for a, b in bound.items() if b.absent},
                     "runnable": not problems, "problems": [p.to_dict() for p in problems]})
    if as_json:
        print_json({"rules": rows, "file_problems": [p.to_dict() for p in broken]})
        return
    table = Table(title=f"预警规则 {len(rows)} 条（数据包 {pack}）")
    for col in ("规则", "标题", "部门", "等级", "用到的台账", "可运行"):
        table.add_column(col)
    for r in rows:
        ledgers = "、".join(f"{a}={lid}" for a, lid in r["bound"].items())
        state = "✓" if r["runnable"] else "✗ " + "；".join(p["message"] for p in r["problems"])[:120]
        table.add_row(r["id"], r["title"], r["department"], f"[{SEVERITY_STYLE[r['severity']]}]{r['severity']}[/]",
                      ledgers, state)
    console.print(table)
    if broken:
        _problems(broken, f"写法有误、未能读取的规则 {len(broken)} 处")


@rules_app.command("run")
def rules_run(
    rule: Annotated[list[str] | None, typer.Option("--rule", help="只运行这条规则（可写多次）")] = None,
    org_unit: Annotated[str | None, typer.Option("--org-unit", help="只看该单位及下级（组织机构代码）")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="截至日期，如 2024-06-30（默认今天）")] = None,
    pack: Pack = "yongchuan", by: By = None, db: Db = None, as_json: Json = False,
) -> None:
    """运行预警规则：发现的问题记为预警，重复运行不会重复生成同一预警。

    例：ybt rules run --as-of 2024-06-30
        ybt rules run --rule deceased_still_paid --org-unit 500118103000 --json
    """
    from yibiaotong.rules import run_rules

    day = _as_of(as_of, as_json)
    try:
        result = run_rules(open_store(db), pack=pack, rule_ids=rule or None, org_unit=org_unit, as_of=day,
                           actor=_actor(by))
    except YbtError as exc:
        fail(exc, as_json)
    if as_json:
        print_json(result.to_dict())
        return
    table = Table(title=f"预警规则运行（截至 {result.as_of}，{'单位 ' + org_unit if org_unit else '全区'}）")
    for col in ("规则", "标题", "发现", "新增", "重新出现", "已消失", "秒"):
        table.add_column(col, justify="right" if col in ("发现", "新增", "重新出现", "已消失", "秒") else "left")
    for o in result.outcomes:
        if o.problems and not o.ledgers:
            table.add_row(o.rule, o.title, "[red]未运行[/]", "", "", "", f"{o.seconds:.2f}")
        else:
            table.add_row(o.rule, o.title, str(o.found), str(o.new), str(o.reopened), str(o.gone), f"{o.seconds:.2f}")
    console.print(table)
    console.print(f"共发现 {result.alerts_total} 条，其中新预警 {result.alerts_new} 条；待处理预警共 {result.open_alerts} 条。"
                  f"用时 {result.seconds:.1f} 秒。")
    problems = [p for o in result.outcomes for p in o.problems]
    if problems:
        _problems(problems, "未能运行或需注意的规则")
    for o in result.outcomes:
        for alias, elements in o.absent.items():
            console.print(f"[dim]提示：规则 {o.rule} 的台账 {o.ledgers[alias]} 没有 {'、'.join(elements)}，按空值处理。[/]")


@rules_app.command("index")
def rules_index(pack: Pack = "yongchuan", db: Db = None, as_json: Json = False) -> None:
    """为规则用到的查找字段建立索引（如身份证号、发放年月），数据量大时必须先建。

    例：ybt rules index
    """
    from yibiaotong.rules import ensure_rule_indexes

    try:
        created = ensure_rule_indexes(open_store(db), pack=pack)
    except YbtError as exc:
        fail(exc, as_json)
    if as_json:
        print_json({"created": created})
    else:
        console.print(f"[green]✓[/] 新建索引 {len(created)} 个" + (f"：{'、'.join(created)}" if created else "（已齐全）"))


# --- alerts -------------------------------------------------------------------------------------

@alerts_app.command("list")
def alerts_list(
    status: Annotated[str | None, typer.Option(help="open 待处理（默认）| new | acknowledged | resolved | dismissed | all")] = "open",
    rule: Annotated[str | None, typer.Option("--rule", help="规则")] = None,
    org_unit: Annotated[str | None, typer.Option("--org-unit", help="该单位及下级")] = None,
    department: Annotated[str | None, typer.Option(help="部门，如 民政局")] = None,
    limit: Annotated[int, typer.Option(help="最多显示条数")] = 100,
    db: Db = None, as_json: Json = False,
) -> None:
    """列出预警（身份证号已脱敏）。

    例：ybt alerts list --org-unit 500118103000 --department 民政局
    """
    from yibiaotong.rules import list_alerts

    try:
        rows = list_alerts(open_store(db), status=None if status == "all" else status, rule_id=rule,
                           org_unit=org_unit, department=department, limit=limit)
    except YbtError as exc:
        fail(exc, as_json)
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"预警 {len(rows)} 条（{status}）", show_lines=True)
    for col in ("编号", "等级", "预警", "单位", "状态", "说明"):
        table.add_column(col)
    for a in rows:
        table.add_row(str(a["id"]), f"[{SEVERITY_STYLE.get(a['severity'], '')}]{a['severity']}[/]", a["title"],
                      a.get("org_unit_name") or a["org_unit"] or "", a["status_zh"] + ("" if a["present"] else "（已不再出现）"),
                      a["explanation"])
    console.print(table)


@alerts_app.command("show")
def alerts_show(alert_id: Annotated[int, typer.Argument(help="预警编号")], db: Db = None, as_json: Json = False) -> None:
    """查看一条预警：说明、证据、涉及的台账记录和处理经过。

    例：ybt alerts show 3
    """
    from yibiaotong.rules import get_alert

    try:
        a = get_alert(open_store(db), alert_id)
    except YbtError as exc:
        fail(exc, as_json)
    if as_json:
        print_json({k: v for k, v in a.items() if k != "records"} | {
            "records": [{k: v for k, v in r.items() if k != "record_key"} for r in a["records"]]})
        return
    console.print(f"[bold]#{a['id']} {a['title']}[/]（{a['status_zh']}，{a['department'] or ''}，截至 {a['as_of']}）")
    console.print(a["explanation"])
    if a.get("action"):
        console.print(f"建议处置：{a['action']}")
    for r in a["records"]:
        console.print(f"  记录：{r['ledger_name']}（{r['ledger']}）{r['key']}")
    for e in a["events"]:
        console.print(f"  [dim]{e['at']:%Y-%m-%d %H:%M} {e['actor'] or ''} {e['from_status'] or '—'} → {e['to_status']}"
                      f" {e['reason'] or ''}[/]")


def _transition(action: str, ids: list[int], reason: str | None, by: str | None, db: str | None, as_json: bool) -> None:
    from yibiaotong.rules import transition

    engine = open_store(db)
    done, problems = [], []
    for alert_id in ids:
        try:
            a = transition(engine, alert_id, action, actor=_actor(by), reason=reason)
            done.append({"id": a["id"], "status": a["status"], "status_zh": a["status_zh"]})
        except YbtError as exc:
            problems += exc.problems
    if as_json:
        print_json({"ok": not problems, "alerts": done, "problems": [p.to_dict() for p in problems]})
    else:
        for d in done:
            console.print(f"[green]✓[/] 预警 {d['id']}：{d['status_zh']}")
        if problems:
            _problems(problems, "未能处理")
    if problems:
        raise typer.Exit(2)


Ids = Annotated[list[int], typer.Argument(help="预警编号（可写多个）")]
Reason = Annotated[str | None, typer.Option("--reason", help="说明")]


@alerts_app.command("ack")
def alerts_ack(ids: Ids, reason: Reason = None, by: By = None, db: Db = None, as_json: Json = False) -> None:
    """签收预警（表示已有人在处理）。

    例：ybt alerts ack 3 4 --by 张敏
    """
    _transition("acknowledge", ids, reason, by, db, as_json)


@alerts_app.command("resolve")
def alerts_resolve(ids: Ids, reason: Reason = None, by: By = None, db: Db = None, as_json: Json = False) -> None:
    """办结预警（问题已处理；若下次运行仍发现，会重新打开）。

    例：ybt alerts resolve 3 --reason "已停发并追回"
    """
    _transition("resolve", ids, reason, by, db, as_json)


@alerts_app.command("dismiss")
def alerts_dismiss(ids: Ids, reason: Annotated[str, typer.Option("--reason", help="忽略的理由（必填）")],
                   by: By = None, db: Db = None, as_json: Json = False) -> None:
    """忽略预警（核实后不是问题），必须写明理由。

    例：ybt alerts dismiss 5 --reason "已核实：补发的是上月待遇"
    """
    _transition("dismiss", ids, reason, by, db, as_json)


@alerts_app.command("reopen")
def alerts_reopen(ids: Ids, reason: Reason = None, by: By = None, db: Db = None, as_json: Json = False) -> None:
    """重新打开已办结或已忽略的预警。

    例：ybt alerts reopen 5 --reason "复核发现仍在发放"
    """
    _transition("reopen", ids, reason, by, db, as_json)


@alerts_app.command("export")
def alerts_export(
    out: Annotated[Path, typer.Option("--out", "-o", help="导出的 Excel 文件")] = Path("alerts.xlsx"),
    status: Annotated[str | None, typer.Option(help="open | new | acknowledged | resolved | dismissed | all")] = "all",
    rule: Annotated[str | None, typer.Option("--rule", help="规则")] = None,
    org_unit: Annotated[str | None, typer.Option("--org-unit", help="该单位及下级")] = None,
    department: Annotated[str | None, typer.Option(help="部门")] = None,
    db: Db = None, as_json: Json = False,
) -> None:
    """把预警导出为 Excel（身份证号已脱敏）。

    例：ybt alerts export --out alerts.xlsx --department 民政局
    """
    from yibiaotong.files import writing
    from yibiaotong.rules import export_alerts

    try:
        with writing(out):
            n = export_alerts(open_store(db), out, status=None if status == "all" else status, rule_id=rule,
                              org_unit=org_unit, department=department)
    except YbtError as exc:
        fail(exc, as_json)
    if as_json:
        print_json({"out": str(out), "alerts": n})
    else:
        console.print(f"[green]✓[/] 已导出 {n} 条预警到 {out}")


# --- eligibility --------------------------------------------------------------------------------

def check_command(
    subject: Annotated[str, typer.Argument(help="身份证号或户编号")],
    policy: Annotated[list[str] | None, typer.Option("--policy", help="只核查该政策（可写多次），如 temporary_relief")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="按哪天核查（默认今天）")] = None,
    pack: Pack = "yongchuan", db: Db = None, as_json: Json = False,
) -> None:
    """资格核查：某人（或某户）是否符合临时救助、低保、特困、高龄津贴、残疾人两项补贴等政策。

    例：ybt check 500118194406243682
        ybt check 500118194406243682 --policy temporary_relief --json
    """
    from yibiaotong.rules import check_all

    day = _as_of(as_of, as_json)
    try:
        verdicts = check_all(open_store(db), subject, pack=pack, as_of=day, policy_ids=policy or None)
    except YbtError as exc:
        fail(exc, as_json)
    if as_json:
        print_json({"subject": verdicts[0].subject if verdicts else subject,
                    "verdicts": [v.to_dict() for v in verdicts]})
        return
    style = {"eligible": "green", "not_eligible": "red", "unknown": "yellow"}
    for v in verdicts:
        console.print(f"[bold]{v.title}[/]：[{style[v.answer]}]{v.answer_zh}[/]  {v.explanation}")
        for c in v.criteria:
            mark = {"met": "[green]✓[/]", "not_met": "[red]✗[/]", "unknown": "[yellow]?[/]"}[c.result]
            console.print(f"  {mark} {c.explanation}")
        if v.basis:
            console.print(f"  [dim]依据：{v.basis}[/]")
