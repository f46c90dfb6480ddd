"""Report templates (报表模板): read real-world grassroots forms as they are, and write realistic ones.

``read_templates(path)`` finds every form in a workbook (.xlsx, .xls, .csv, .ods, detected by
content), its layout — roster 列表式, record 表单式, indicator 指标式 — and its fields with header
paths; ``render_template(spec, path)`` writes a realistic template from a list of header paths.

Rules a consumer (the field→element matcher) can rely on:

* a header is its path joined by "/", outermost first: ``补贴金额/生活补贴`` (roster),
  ``家庭情况/母亲姓名`` and ``家庭成员情况/姓名`` (record), ``一、基层组织/2、汇总村数(个)``
  (indicator); a "/" inside a printed label stays (``类型(种植/养殖)``);
* labels are kept as printed (numbering, units, asterisks, inner spaces like ``姓  名``); only
  outer whitespace, line breaks inside a label (``身份证\\n号码`` -> ``身份证号码``) and a
  trailing colon (``姓名：``) are dropped;
* indicator tables: with one value column the header is the indicator path; with several the
  value column's header is appended (``…/本期数``); ``TemplateField.indicator`` holds the path;
  a 合计 row of an indicator table is an indicator (it is filled in), of a roster it is not;
* title, unit/date lines, header rows, the number row, a roster's 合计 row, footer lines and
  the 序号 column are never fields (the 序号 column is ``FormTemplate.serial_column``);
* fields come in reading order: roster left to right; record top to bottom, left to right;
  indicator top to bottom, each row's value columns left to right.
"""

from yibiaotong.forms.model import FormTemplate, ReadResult, TemplateField
from yibiaotong.forms.reader import read_templates
from yibiaotong.forms.render import render_template

__all__ = ["FormTemplate", "ReadResult", "TemplateField", "read_templates", "render_template"]
