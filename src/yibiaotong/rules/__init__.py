"""Rules (预警规则) and eligibility checks (资格核查) over the ledgers.

Rules and policies are pack data (``packs/<pack>/rules/*.yaml``, ``policies/*.yaml``) written in
the shared expression language; they compile to SQL that runs inside the database.

    result = run_rules(engine, as_of=date(2024, 6, 30))          # alerts, de-duplicated across runs
    list_alerts(engine, org_unit="500118103000", status="open")  # a town's open alerts
    dismiss(engine, 17, actor="zhangmin", reason="已核实：补发上月待遇")
    check(engine, "500118194406243682", "old_age_allowance")     # eligible / not eligible / unknown

Modules: ``definitions`` (rule files), ``binding`` (aliases → ledgers), ``compile`` (one SELECT per
rule), ``findings`` (rows → cases with evidence), ``alerts`` (life cycle), ``run``, ``indexes``,
``export``, ``present`` (masking), and ``policies`` (eligibility).
"""

from yibiaotong.rules.alerts import (
    STATUSES,
    acknowledge,
    alerts_for_record,
    count_alerts,
    dismiss,
    get_alert,
    list_alerts,
    reopen,
    resolve,
    transition,
)
from yibiaotong.rules.definitions import RuleDef, load_rules
from yibiaotong.rules.export import export_alerts
from yibiaotong.rules.indexes import ensure_rule_indexes
from yibiaotong.rules.policies import Verdict, check, check_all, load_policies
from yibiaotong.rules.run import RunResult, run_rules

__all__ = [
    "STATUSES", "RuleDef", "RunResult", "Verdict", "acknowledge", "alerts_for_record", "check", "check_all",
    "count_alerts", "dismiss", "ensure_rule_indexes", "export_alerts", "get_alert", "list_alerts",
    "load_policies", "load_rules", "reopen", "resolve", "run_rules", "transition",
]
