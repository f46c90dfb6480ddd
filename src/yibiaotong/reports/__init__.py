"""Report generation (报表自动生成): every original form filled from the ledgers, in its own layout.

    generate_report(engine, "019_残疾人生活补贴上报花名册", "2024-01", "500118103000", "out/")
    generate_all(engine, "2024-01", "out/", progress=lambda done, total, result: ...)

A form is a view over ledgers. Its definition (YAML beside the template, from consolidation)
says which element and ledger column each field is; optional expressions in the shared
expression language refine it (compiled to SQL, never evaluated in Python):

    filter: disability_cert_status = '1' and receives_living_subsidy   # which records
    ledger: person_disability          # the main ledger: one row per record (default: see defaults)
    order_by: [person_name]            # default: org unit, then record
    group_by: [village]                # a roster of groups instead of records
    fields:
      - {header: 年龄, expression: "age(birth_date)"}
      - {header: 发放金额（元）, ledger: event_payment, column: paid_amount}   # this month's sum
      - {header: 一、持证残疾人总数, aggregate: "count_if(disability_cert_status = '1')", ledger: person_disability}

Names in expressions: a column of the main ledger, ``ledger.column`` for a joined one, an
element's Chinese name or alias, or a header of the form. Parameters: ``:period`` ('2024-01'),
``:today`` and ``:period_end`` (the month's last day; age() counts to it), ``:period_start``,
``:org_unit``. Defaults for everything left out are in :mod:`yibiaotong.reports.defaults`.

Modules: ``period``, ``defaults`` (definition defaults), ``sources`` (main ledger and joins),
``query`` (the SELECTs), ``template`` (the template's cells and styles), ``values`` (cell types,
masking), ``titles`` (title, unit and date lines), ``writer`` (xlsxwriter), ``generate``.
"""

from yibiaotong.reports.generate import Reporter, ReportResult, generate_all, generate_report, report_units
from yibiaotong.reports.period import Period

__all__ = ["Period", "ReportResult", "Reporter", "generate_all", "generate_report", "report_units"]
