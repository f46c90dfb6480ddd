"""Errors as data (问题清单).

Every error a user can cause is a :class:`Problem`: a fixed kebab-case ``code``, a message in
Chinese for clerks and in English for developers, a hint on how to fix it, and a location
(file, sheet, row, column, element, ledger, record key ...). Operations collect problems and
raise one :class:`YbtError` carrying all of them, so a user sees every problem at once.

Message templates live in one catalogue (:data:`CATALOG`) so that the same code always reads
the same way; a test checks that every code used in the code base is catalogued.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Template:
    zh: str
    en: str
    hint_zh: str = ""
    hint_en: str = ""


# code -> message templates. Placeholders are filled from the problem's location and params.
CATALOG: dict[str, Template] = {
    # --- values (validators) ---
    "required-value": Template("缺少必填值", "a required value is missing", "请填写该项。", "Fill in the value."),
    "masked-value": Template(
        "“{value}”是脱敏显示的值（星号遮住了部分内容），不是原值", "{value} is a masked value (asterisks hide part of it), not the value itself",
        "请填写完整的原值；不知道时留空（留空不会改动台账中已有的值）。从本系统导出时，有权限的用户可选择显示完整信息。",
        "Fill in the whole value, or leave it empty (an empty cell never changes the ledger); users with the right may export values unmasked."),
    "invalid-id-number": Template(
        "身份证号码格式错误：{value}", "not a resident ID number: {value}",
        "身份证号码应为18位（最后一位可为X），或旧版15位数字。", "Use the 18-character number (last may be X) or the old 15-digit one."),
    "id-number-checksum": Template(
        "身份证号码校验位错误：{value}", "ID number checksum is wrong: {value}",
        "请核对身份证号码每一位，常见错误是抄错一位或末位X写成其他字符。", "Check every digit; often one digit is mistyped."),
    "id-number-birth-date": Template(
        "身份证号码中的出生日期无效：{value}", "the birth date inside the ID number is impossible: {value}",
        "第7–14位应为有效的出生日期（年月日）。", "Digits 7-14 must be a real date of birth."),
    "id-number-region": Template(
        "身份证号码的地区码无效：{value}", "the region code of the ID number is invalid: {value}",
        "前6位应为行政区划代码。", "The first 6 digits must be a division code."),
    "id-number-mangled": Template(
        "身份证号码被Excel转换成了科学计数法：{value}", "Excel turned the ID number into a float: {value}",
        "把该列设置为“文本”格式后重新输入身份证号码。", "Format the column as text and re-enter the number."),
    "invalid-phone": Template(
        "电话号码无效：{value}", "not a phone number: {value}",
        "手机号为11位（1开头），座机如 023-49871234。", "Mobile: 11 digits starting with 1; landline like 023-49871234."),
    "invalid-date": Template(
        "日期无效：{value}", "not a valid date: {value}",
        "请写成 2024-01-05 或 2024年1月5日。", "Write dates as 2024-01-05 or 2024年1月5日."),
    "birth-date-not-id": Template(
        "出生日期{value}与身份证号码中的出生日期（{id_birth_zh}）不一致",
        "birth date {value} differs from the one inside the ID number ({id_birth})",
        "身份证号码第7–14位是出生日期：请核对出生日期和身份证号码，改正填错的一项后重新导入本行。",
        "Digits 7-14 of the ID number are the birth date: check both, correct the wrong one and import the row again."),
    "birth-month-not-id": Template(
        "出生年月“{value}”与身份证号码中的出生年月（{id_month}）不一致",
        "birth month {value!r} differs from the one inside the ID number ({month} against the ID's {id_month})",
        "身份证号码第7–12位是出生年月：请核对出生年月和身份证号码，改正填错的一项后重新导入本行。",
        "Digits 7-12 of the ID number are the birth year and month: check both, correct the wrong one and import again."),
    "gender-not-id": Template(
        "性别“{value}”与身份证号码不一致（身份证号码第17位表示{id_sex}）",
        "sex {value!r} differs from the ID number (its 17th digit says {id_sex})",
        "身份证号码第17位单数为男、双数为女：请核对性别和身份证号码，改正填错的一项后重新导入本行。",
        "The ID number's 17th digit is odd for a man, even for a woman: check both, correct the wrong one."),
    "date-serial-as-text": Template(
        "日期无效：“{value}”像是Excel的日期序号（对应{date}），单元格是文本格式",
        "not a valid date: {value!r} looks like an Excel date serial ({date}) kept as text",
        "请核对：如果是{date}这一天，就写成 {date}（或把该列设为日期格式后重新输入）。",
        "If {date} is meant, write it as {date} (or format the column as dates and enter it again)."),
    "date-in-future": Template(
        "日期晚于今天：{value}", "a date that has not come yet: {value}",
        "这一栏是已经发生的事情的日期（如出生日期、发证日期），不能晚于今天（{today}）；请核对年份是否写错。",
        "This column holds the date of something that has happened (a birth, an issue date); it cannot be "
        "later than today ({today}). Check the year."),
    "invalid-month": Template(
        "年月无效：{value}", "not a valid month: {value}",
        "请写成 2024-01 或 2024年1月。", "Write months as 2024-01 or 2024年1月."),
    "invalid-number": Template(
        "不是有效的数字：{value}", "not a number: {value}",
        "请只填写数字，如 1200 或 1.5万。", "Enter digits only, e.g. 1200 or 1.5万."),
    "invalid-integer": Template(
        "不是整数：{value}", "not a whole number: {value}", "请填写整数。", "Enter a whole number."),
    "invalid-boolean": Template(
        "无法识别的是/否值：{value}", "not a yes/no value: {value}",
        "请填写“是”或“否”。", "Enter 是 (yes) or 否 (no)."),
    "not-in-codelist": Template(
        "“{value}”不在代码表《{codelist}》中", "{value!r} is not in code list {codelist}",
        "请从代码表中选择，可填写代码或名称。", "Pick a value of the code list (code or label)."),
    "value-too-small": Template("数值{value}小于下限{min}", "{value} is below the minimum {min}", "请核对数值。", "Check the value."),
    "value-too-large": Template("数值{value}大于上限{max}", "{value} is above the maximum {max}", "请核对数值。", "Check the value."),
    "number-not-storable": Template(
        "数值{value}大得不合常理，超出了台账能保存的范围", "{value} is too large for a ledger to hold",
        "请核对是否多写了位数，或把身份证号、编号等填进了数字栏目。",
        "Check for extra digits, or an ID or serial number typed into a number column."),
    "text-too-long": Template(
        "内容过长（{length}字，最多{max_length}字）", "text too long ({length} > {max_length})",
        "请精简内容。", "Shorten the text."),
    "pattern-mismatch": Template("格式不符合要求：{value}", "{value!r} does not match the required pattern", "请按规定格式填写。", "Use the required format."),
    "unit-mismatch": Template(
        "单位“{unit}”无法换算为“{target_unit}”", "unit {unit} cannot be converted to {target_unit}",
        "请检查单位（如 元、万元、亩）。", "Check the unit (元, 万元, 亩 ...)."),
    "invalid-year": Template(
        "年份无效：{value}", "not a valid year: {value}",
        "请填写四位年份，如 2024。", "Write the year with four digits, e.g. 2024."),
    "invalid-datetime": Template(
        "日期时间无效：{value}", "not a valid date and time: {value}",
        "请写成 2024-01-05 08:30 或 2024年1月5日8时30分。", "Write it as 2024-01-05 08:30."),
    "invalid-postcode": Template(
        "邮政编码无效：{value}", "not a postcode: {value}",
        "邮政编码为6位数字，如 402160。", "A postcode has 6 digits, e.g. 402160."),
    "invalid-mobile": Template(
        "手机号码无效：{value}", "not a mobile number: {value}",
        "手机号码为11位数字，以1开头；此处不能填写座机号码。", "A mobile number has 11 digits starting with 1; no landlines here."),
    "multiple-phone-numbers": Template(
        "一格中填写了多个电话号码：{value}", "more than one phone number in one cell: {value}",
        "每格只填一个号码，其他号码请填到“备用电话”等栏目。", "Enter one number per cell; put others in another column."),
    # --- definitions (dictionary, packs, ledgers) ---
    "invalid-definition": Template(
        "定义有误：{reason}", "invalid definition: {reason}", "请修改数据包中的定义文件。", "Fix the definition file in the pack."),
    "duplicate-id": Template(
        "标识“{id}”重复定义", "id {id!r} is defined more than once", "每个标识只能定义一次。", "Define each id once."),
    "unknown-element": Template(
        "数据元“{element}”不存在", "unknown data element {element!r}", "请先在数据元目录中定义。", "Define it in the dictionary first."),
    "unknown-codelist": Template(
        "代码表“{codelist}”不存在", "unknown code list {codelist!r}", "请在数据包中提供该代码表。", "Add the code list to the pack."),
    "unknown-ledger": Template("台账“{ledger}”不存在", "unknown ledger {ledger!r}", "请检查台账标识。", "Check the ledger id."),
    "ledger-exists": Template("台账“{ledger}”已存在", "ledger {ledger!r} already exists", "请换一个标识。", "Use another id."),
    "column-exists": Template(
        "台账“{ledger}”已有字段“{column}”", "ledger {ledger!r} already has column {column!r}", "", ""),
    "unknown-column": Template(
        "台账“{ledger}”没有字段“{column}”", "ledger {ledger!r} has no column {column!r}", "请检查字段名。", "Check the column name."),
    "missing-key": Template(
        "缺少“{column}”，无法确定这一行是台账中的哪条记录", "the record lacks key column {column!r}",
        "台账靠这一项区分每条记录，请填写后重新导入。", "The ledger identifies records by this key; fill it in."),
    "database-not-found": Template(
        "数据库文件“{path}”不存在", "there is no database at {path}",
        "请检查 --db 或环境变量 YBT_DATABASE_URL 写的路径；要新建数据库，请用 ybt init（或 ybt demo 建演示库）。",
        "Check the --db path or YBT_DATABASE_URL; to create a database use ybt init (or ybt demo)."),
    "database-not-sqlite": Template(
        "“{path}”不是一表通的数据库文件（不是SQLite数据库）", "{path} is not a database (not an SQLite file)",
        "请检查 --db（或环境变量 YBT_DATABASE_URL）写的是不是数据库文件（如 demo.db），而不是表格或其他文件。",
        "Check that --db names the database file (such as demo.db), not a workbook or another file."),
    "database-is-folder": Template(
        "“{path}”是一个文件夹，不是数据库文件", "{path} is a folder, not a database",
        "请在 --db（或环境变量 YBT_DATABASE_URL）中写数据库文件本身，如 data/yibiaotong.db。",
        "Name the database file itself in --db (or YBT_DATABASE_URL), such as data/yibiaotong.db."),
    "database-folder-missing": Template(
        "要建数据库的文件夹“{path}”不存在", "the folder {path} for the database does not exist",
        "请先建好该文件夹，或检查 --db（或环境变量 YBT_DATABASE_URL）写的路径。",
        "Create the folder first, or check the --db path (or YBT_DATABASE_URL)."),
    "org-unit-name-ambiguous": Template(
        "“{org_unit}”是{count}个组织机构的名称，不知道指的是哪一个", "{count} org units are named {org_unit!r}",
        "请改用组织机构代码（用 ybt orgunits tree 查看）。", "Use the org unit's code (see ybt orgunits tree)."),
    "unknown-org-unit": Template(
        "组织机构代码“{org_unit}”不存在", "unknown org unit {org_unit!r}", "请使用组织机构树中的代码。", "Use a code of the org tree."),
    "record-not-found": Template(
        "台账“{ledger}”中没有“{key}”这条记录", "no record with key {key!r} in ledger {ledger!r}", "", ""),
    "version-conflict": Template(
        "记录已被他人修改（您看到的是第{expected}版，当前为第{actual}版）",
        "the record was changed by someone else (you had version {expected}, it is now {actual})",
        "请刷新后在最新版本上重新修改。", "Reload the record and apply your change again."),
    "invalid-org-tree": Template(
        "组织机构数据有误：{reason}", "invalid org tree: {reason}", "请修改组织机构文件。", "Fix the org-unit file."),
    "file-not-found": Template("找不到文件：{file}", "file not found: {file}", "请检查路径。", "Check the path."),
    "database-error": Template(
        "数据库操作失败，数据未作任何改动：{reason}", "database operation failed; nothing was changed: {reason}",
        "请联系系统管理员。", "Contact the administrator."),
    # --- report templates (forms.reader) ---
    "file-empty": Template(
        "文件是空的：{file}", "the file is empty: {file}",
        "请确认文件已完整下载或保存，再重新上传。", "Make sure the file was fully downloaded or saved, then upload it again."),
    "file-encrypted": Template(
        "文件设置了打开密码，无法读取：{file}", "the file is password-protected: {file}",
        "请在Excel中打开文件，取消“用密码进行加密”后另存，再上传。",
        "Open it in Excel, remove the password (File > Info > Protect Workbook) and save again."),
    "file-is-web-page": Template(
        "文件其实是网页格式，不是真正的Excel表格：{file}", "the file is a web page (HTML/XML), not a workbook: {file}",
        "很多系统导出的.xls其实是网页。请用Excel打开后“另存为”Excel工作簿(.xlsx)再上传。",
        "Many systems export HTML named .xls. Open it in Excel and save as .xlsx."),
    "file-not-spreadsheet": Template(
        "文件不是Excel表格或CSV文件：{file}", "not a spreadsheet or CSV file: {file}",
        "请上传.xlsx、.xls或.csv文件；Word文档或压缩包请先把表格复制到Excel中另存。",
        "Upload .xlsx, .xls or .csv; copy tables out of Word documents or archives into Excel first."),
    "file-unreadable": Template(
        "文件已损坏或无法读取：{file}（{reason}）", "the file is damaged or cannot be read: {file} ({reason})",
        "请用Excel打开，确认内容正常后另存为.xlsx再上传。", "Open it in Excel, check it, save as .xlsx and upload again."),
    "file-unknown-encoding": Template(
        "无法识别CSV文件的文字编码：{file}", "the text encoding of the CSV file is unknown: {file}",
        "请用Excel打开后另存为“CSV UTF-8”或.xlsx再上传。", "Open it in Excel and save as CSV UTF-8 or .xlsx."),
    "csv-line-undecodable": Template(
        "CSV文件第{row}行有乱码：文件前面是{encoding}编码，这一行不是（多半是两个不同编码的文件拼在了一起），文件未导入",
        "line {row} of the CSV file is not in {encoding}, the encoding of the lines before it (two files pasted "
        "together?); nothing was imported",
        "请用记事本打开，改正或重新输入该行，另存为“UTF-8”编码后再导入。",
        "Open it in a text editor, fix or retype that line, save it as UTF-8 and import again."),
    "csv-quote-unclosed": Template(
        "CSV文件第{row}行有一格以英文双引号（\"）开头却没有结束的引号，其后的内容都被读成了这一格，文件未导入",
        "a field in row {row} of the CSV file opens a double quote that never closes: the rest of the file reads as "
        "that one cell; nothing was imported",
        "请用记事本或Excel打开，在该行补上结束的引号或删去多余的引号，再重新导入。",
        "Open it in a text editor, close or remove the stray quote in that row, and import again."),
    "csv-cell-too-long": Template(
        "CSV文件第{row}行有一格超过13万个字符，文件未导入：多半是该行或其上方有一个英文双引号（\"）没有结束，"
        "其后的许多行都被读进了这一格",
        "a field in row {row} of the CSV file is longer than 131,072 characters, so nothing was imported: most likely "
        "a double quote in or above that row never closes and the lines after it read as that one cell",
        "请用记事本或Excel打开，在该行及其上方找到多余或没有结束的引号并改正，再重新导入。",
        "Open it in a text editor, find the stray or unclosed quote in or above that row, and import again."),
    "import-limit-invalid": Template(
        "文件大小上限 {value} MB 无效", "{value} MB is no file size limit",
        "--max-size 请写大于0的兆字节数，如 --max-size 300。", "Give --max-size a number of megabytes above 0, such as 300."),
    "file-extension-mismatch": Template(
        "文件扩展名是{ext}，实际是{actual}格式，已按实际格式读取", "the file is named {ext} but is {actual}; read as {actual}",
        "建议用Excel打开后另存为正确的格式。", "Save it again in Excel in its real format."),
    "file-read-without-format": Template(
        "文件格式不完全规范，已只读取单元格内容（缩进、边框、隐藏行列未能读取）：{reason}",
        "the workbook is not quite standard; read cell values only (no indent, borders, hidden rows): {reason}",
        "如识别结果不对，请用Excel打开后另存为.xlsx再上传。", "If the result looks wrong, save it again as .xlsx in Excel."),
    "sheet-not-a-form": Template(
        "工作表“{sheet}”里没有报表，已跳过（{reason}）", "sheet {sheet!r} holds no form and was skipped ({reason_en})",
        "如果这张工作表应当读取，请检查它是否有表头或“栏目—填写格”。",
        "If this sheet should be read, check that it has a header row or label/value cells."),
    "output-unwritable": Template(
        "无法写出文件“{path}”：{reason}", "cannot write {path}: {reason_en}",
        "请检查文件夹是否存在、磁盘空间和写入权限，或换一个保存位置。",
        "Check that the folder exists, the disk space and the permissions, or choose another place."),
    "error-workbook-unwritable": Template(
        "错误清单未能写出（{reason}），导入的数据已保存", "the list of rows not imported could not be written ({reason_en}); "
        "the imported rows are stored",
        "未导入的行及其错误见下方列表；请检查磁盘空间或文件夹权限后，改正这些行重新导入。",
        "The rows not imported and their errors are listed below; check disk space or folder permissions, then fix "
        "those rows and import them again."),
    "error-workbook-unwritable-nothing-stored": Template(
        "错误清单未能写出（{reason}），本文件的数据均未导入", "the list of rows with errors could not be written "
        "({reason_en}); nothing of this file was imported",
        "有错误的行及其错误见下方列表；请检查磁盘空间或文件夹权限，改正这些行后重新导入整个文件。",
        "The rows with errors are listed below; check disk space or folder permissions, fix those rows and import "
        "the whole file again."),
    "sheet-hidden": Template(
        "工作表“{sheet}”是隐藏的（通常存放下拉选项），已跳过", "sheet {sheet!r} is hidden (usually drop-down lists); skipped",
        "如需读取，请在Excel中取消隐藏该工作表。", "Unhide the sheet in Excel if it should be read."),
    # --- expressions (表达式: report definitions and rules) ---
    "expression-syntax-error": Template(
        "表达式写法有误：{reason}", "expression syntax error: {reason_en}",
        "请检查括号、引号、逗号是否成对完整；文字要用单引号括起来，如 '男'。",
        "Check brackets, quotes and commas; put text in single quotes."),
    "expression-not-allowed": Template(
        "表达式中不能使用{construct}", "{construct_en} is not allowed in an expression",
        "{advice}", "{advice_en}"),
    "expression-too-complex": Template(
        "表达式过长或嵌套过深（{reason}）", "expression too long or too deeply nested ({reason_en})",
        "请把它拆成几个较简单的表达式。", "Split it into simpler expressions."),
    "unknown-name": Template(
        "不认识的名称“{name}”{did_you_mean}", "unknown name {name!r}{did_you_mean_en}",
        "请使用台账中的字段名或其中文名称；文字值要加单引号，如 '男'。",
        "Use a column name or its Chinese label; quote text values like '男'."),
    "ambiguous-name": Template(
        "名称“{name}”同时出现在{tables}中，无法确定指哪一个", "name {name!r} is in more than one table: {tables}",
        "请写成“表别名.字段名”，如 p.{name}。", "Qualify it with the table alias, e.g. p.{name}."),
    "unknown-parameter": Template(
        "没有提供参数“:{name}”的值", "no value was given for parameter :{name}",
        "请在使用该表达式时提供这个参数，如 :period 填写年月 2024-05。",
        "Pass the parameter when compiling, e.g. :period as 2024-05."),
    "expression-arguments": Template(
        "函数 {function} 的参数个数不对：应为{expected}个，实际写了{actual}个",
        "function {function} takes {expected} argument(s), got {actual}",
        "用法：{usage}", "Usage: {usage}"),
    "expression-type-error": Template(
        "表达式类型不符：{reason}", "type error in expression: {reason_en}",
        "{advice}", "{advice_en}"),
    "aggregate-not-allowed": Template(
        "此处不能使用汇总函数 {function}：{reason}", "aggregate {function} is not allowed here: {reason_en}",
        "筛选条件和预警条件逐条判断记录，不能含 sum、count 等汇总；汇总请写在统计指标里。",
        "Filters are checked record by record; put aggregates in indicators."),
    # --- forms (definitions) ---
    "unknown-form": Template(
        "报表“{form}”不存在", "unknown form {form!r}",
        "用 ybt forms list 查看已有报表的标识或名称（可加 --search 关键字）。",
        "List the forms with `ybt forms list` (--search narrows it)."),
    # --- access (web): who may see and change what, where ---
    "login-required": Template(
        "请先登录", "authentication required",
        "网页请先登录；程序调用请在请求头 Authorization: Bearer 中提供有效的接口令牌。",
        "Log in, or send a valid API token as Authorization: Bearer <token>."),
    "forbidden": Template(
        "无权进行此操作：{reason}", "not allowed: {reason_en}",
        "如确需此权限，请联系区大数据局管理员授权。", "Ask the data bureau's administrator for a grant if you need it."),
    "not-found": Template(
        "找不到所请求的内容，或不在您的权限范围内", "not found, or not within your scope",
        "请检查链接；数据只对有权限的用户可见。", "Check the link; data is visible only within a user's scope."),
    "invalid-request": Template(
        "请求有误：{reason}", "invalid request: {reason_en}", "请检查填写的内容或参数。", "Check the parameters."),
    "purpose-required": Template(
        "查看完整信息须填写用途", "a purpose is required to reveal a value in full",
        "请写明用途，如“核实低保资格”；每次查看都会记入审计日志。",
        "State why, e.g. 核实低保资格; every reveal is written to the audit log."),
    "internal-error": Template(
        "服务器内部错误，操作未完成", "internal server error; the operation did not complete",
        "请稍后重试；如反复出现，请联系系统管理员。", "Try again later; tell the administrator if it persists."),
    # --- ingest (数据归集: importing filled forms) ---
    "database-refused-data": Template(
        "数据库拒绝写入本文件的数据（错误代码 {reason}），本文件未导入任何数据，台账保持原样",
        "the database refused this file's data ({reason}); nothing of the file was imported, the ledgers are as they were",
        "这是系统的校验没有先发现的问题。请把本文件和这条提示交给系统管理员；管理员可在运行日志中按时间找到数据库的原始报错。",
        "The checks before writing missed this value. Give the file and this message to an administrator: the server log "
        "has the database's own words at this time."),
    "database-write-conflict": Template(
        "写入台账时与其他操作冲突（错误代码 {reason}），本文件未导入任何数据，台账保持原样",
        "writing the ledgers collided with another change ({reason}); nothing of the file was imported",
        "多半是另一次导入同时写入了相同的记录。请稍后重新导入本文件（已导入的内容会被识别，不会重复）；若反复出现，请交给系统管理员。",
        "Most likely another import wrote the same records at the same time. Import this file again a little later "
        "(what is already there is recognised, not duplicated); if it keeps happening, tell an administrator."),
    "csv-row-too-long": Template(
        "这一行有{count}列值，比表头的{width}列多：某个值里可能有逗号（或分隔符）却没有加引号，其后的值都错了列，本行未导入",
        "the row has values in {count} columns, more than the header's {width}: a value holding the separator was "
        "probably not quoted, so every later value moved one column on; the row was not imported",
        "请打开文件核对这一行：把含逗号的值用英文双引号括起来（如 \"临江镇,3组\"），或把文件另存为.xlsx，改正后重新导入。",
        "Check the row: put a value holding a comma in double quotes (\"临江镇,3组\"), or save the file as .xlsx, then import again."),
    "file-incomplete": Template(
        "文件不完整或已损坏，无法打开：{file}（{reason}）", "the workbook is incomplete or damaged: {file} ({reason_en})",
        "常见原因是下载、复制或上传时中断。请从原处重新下载，或在填写的电脑上用Excel重新保存后再导入。",
        "Usually a download, copy or upload was cut short. Download it again, or save it again in Excel, then import."),
    "file-is-folder": Template(
        "“{file}”是一个文件夹，不是文件", "{file} is a folder, not a file",
        "请选择文件夹里填好的Excel或CSV文件导入。", "Choose the filled workbook or CSV file inside the folder."),
    "file-no-permission": Template(
        "没有读取文件的权限：{file}", "no permission to read the file: {file}",
        "请把文件复制到自己的文件夹后再导入，或请管理员给导入程序读取这个文件的权限。",
        "Copy the file into a folder of your own, or ask the administrator for read permission."),
    "file-no-form": Template(
        "文件中没有可导入的报表：{file}（{skipped}）", "no form to import in {file} ({skipped_en})",
        "如报表在隐藏的工作表中，请在Excel中取消隐藏后再导入；否则请确认选择的是填好的报表文件。",
        "If the form is on a hidden sheet, unhide it in Excel; otherwise check that this is the filled form."),
    "file-too-large": Template(
        "文件太大（{size_mb} MB），超过导入上限 {limit_mb} MB：{file}", "the file is too large ({size_mb} MB > {limit_mb} MB): {file}",
        "请把数据按镇街或月份拆成几个文件分别导入，或请管理员调整导入上限（YBT_IMPORT_MAX_MB）。",
        "Split the data into several files, or ask the administrator to raise YBT_IMPORT_MAX_MB."),
    "file-zip-bomb": Template(
        "文件解压后异常巨大（{unpacked_mb} MB，压缩比 {ratio}:1），可能是伪装成Excel的恶意文件，已拒绝：{file}",
        "the workbook unpacks to {unpacked_mb} MB (ratio {ratio}:1): refused as a possible zip bomb: {file}",
        "请用Excel打开确认内容后另存为.xlsx再导入；来历不明的文件请勿导入。",
        "Open it in Excel, check it and save it again; do not import files of unknown origin."),
    "no-forms-installed": Template(
        "系统中还没有任何报表定义，无法识别文件中的报表", "no form definitions are installed",
        "请先用 ybt init 安装含报表定义的数据包。", "Install a pack with form definitions first (ybt init)."),
    "form-not-recognised": Template(
        "无法识别工作表“{sheet}”是哪张报表（最接近的是《{best}》，表头吻合度{score}）",
        "sheet {sheet!r} matches no installed form (closest: {best}, {score} of headers)",
        "请使用系统下发的模板填报，不要改动表头；或用 --form 指定报表。",
        "Fill in the template as issued without changing its headers, or name the form with --form."),
    "form-columns-not-found": Template(
        "工作表“{sheet}”中找不到报表《{form}》的栏目（应有：{headers}…）",
        "sheet {sheet!r} has none of the columns of form {form}",
        "请检查是否选错了报表，或表头是否被改动。", "Check the form chosen and the sheet's header."),
    "form-chosen-is-another": Template(
        "工作表“{sheet}”不像所选的报表《{form}》（表头吻合度{score}），更像《{best}》（吻合度{best_score}），未导入",
        "sheet {sheet!r} does not look like the chosen form {form} ({score} of headers) but like {best} ({best_score}): not imported",
        "请改选《{best}》，或不指定报表、由系统自动识别后重新导入。",
        "Choose {best}, or let the form be recognised, and import again."),
    "form-chosen-lacks-keys": Template(
        "工作表“{sheet}”中找不到所选报表《{form}》用来区分每条记录的栏目（{headers}），表头吻合度只有{score}，每一行都无法写入台账，未导入",
        "sheet {sheet!r} lacks the columns the chosen form {form} tells its records apart by ({headers}); only {score} of "
        "headers match and no row could be written: not imported",
        "请检查是否选错了报表；如表头被改动过，请改回模板的表头后重新导入。",
        "Check that the right form was chosen; if the header was changed, restore the template's header and import again."),
    "form-rows-linked-by-person": Template(
        "报表《{form}》没有身份证号码栏：各行按姓名、出生日期、性别在《{ledger}》中查找此人，确定是同一人的写入，"
        "不能确定的提交人工确认，找不到的不导入",
        "form {form} prints no ID number: each row is looked up in {ledger} by name, birth date and sex; rows "
        "sure to be someone are written, uncertain ones queued for a person, the others returned",
        "无需处理；如能补充身份证号码，匹配更准确。", "Nothing to do; adding the ID numbers makes matching surer."),
    "row-person-not-found": Template(
        "本表没有身份证号码栏，按姓名、出生日期、性别在台账中找不到此人，本行未导入",
        "the form prints no ID number, and no one in the ledger has this row's name, birth date and sex: not imported",
        "请先在人口基础信息台账中登记此人（或核对姓名、出生日期是否填错），再重新导入本行；也可在表中补上身份证号码。",
        "Register the person first (or check the name and birth date), then import the row again; or add the ID number."),
    "form-gives-no-keys": Template(
        "报表《{form}》没有台账用来区分每条记录的栏目（{keys}），无法确定每一行是台账中的哪个人或哪条记录，本工作表未导入",
        "form {form} has none of the columns its ledgers tell records apart by ({keys}): no row can be written, "
        "the sheet was not imported",
        "请改用印有这些栏目（如身份证号码）的表格填报；如该表确实需要导入，请数据包维护人员在报表定义中增加这些栏目。",
        "Use a form that prints these columns (an ID number); if this form must be imported, add them to its definition."),
    "form-feeds-no-ledger": Template(
        "报表《{form}》的栏目没有对应任何台账，无法导入", "form {form} maps no field to a ledger",
        "请在报表定义中为栏目指定台账和字段。", "Map the form's fields to ledger columns in its definition."),
    "form-header-duplicate": Template(
        "工作表“{sheet}”有{count}列的表头都是“{header}”（{columns}列），无法确定哪一列是报表的这一栏，整张工作表未导入",
        "{count} columns of sheet {sheet!r} are headed {header!r} (columns {columns}): which one is the form's "
        "field is unknown; the sheet was not imported",
        "请把多余的一列删除，或把表头改成它的实际含义（如“监护人姓名”），再重新导入。",
        "Delete the extra column or rename its header to what it holds (e.g. 监护人姓名), then import again."),
    "form-fields-missing": Template(
        "工作表“{sheet}”缺少报表中的栏目：{headers}（这些栏目的数据不会导入）",
        "sheet {sheet!r} lacks columns of the form: {headers} (not imported)",
        "请使用系统下发的完整模板填报。", "Use the complete template."),
    "form-columns-disagree": Template(
        "工作表“{sheet}”有{count}行的{headers}填写不同（第{rows}行）；报表定义把这几栏都对应到台账《{ledger}》的同一项“{column}”，已取靠右一栏所填的值",
        "{count} rows of sheet {sheet!r} fill {headers} differently (rows {rows}); the form definition maps them all to "
        "one column of ledger {ledger} ({column}): the value of the right-most filled one was kept",
        "“变动前/变动后”“上月/本月”这样的栏目，靠右一栏是现在的情况，无需处理；如这几栏本不是同一项（如房主和承租人的身份证号），请数据局在报表定义中把它们对应到不同的数据元。",
        "For before/after or last month/this month columns the right-most one is how things are now: nothing to do. "
        "If the columns are not the same thing (an owner's and a tenant's ID number), the data office should map them "
        "to different elements in the form definition."),
    "org-unit-required": Template(
        "工作表“{sheet}”没有“村（社区）”或“镇街”栏目，无法确定数据属于哪个单位",
        "sheet {sheet!r} has no village or town column: the rows' org unit is unknown",
        "导入时请指定所属单位（--org-unit 组织机构代码），或在表中填写村（社区）栏目。",
        "Give the org unit with --org-unit, or fill in a village column."),
    "org-unit-missing": Template(
        "没有填写所属村（社区）或镇街", "no village or town given for the row",
        "请填写村（社区）名称，或导入时指定所属单位。", "Fill in the village, or give --org-unit."),
    "org-unit-not-found": Template(
        "“{name}”不是{within}下的村（社区）或镇街", "{name!r} is not a unit within {within}",
        "请核对名称是否写错，或是否属于本辖区。", "Check the name and that it lies within your area."),
    "org-unit-ambiguous": Template(
        "“{name}”有重名的单位，无法确定是哪一个", "{name!r} names more than one unit",
        "请同时填写镇街栏目，或写全称（如 临江镇红星村）。", "Fill in the town too, or write the full name."),
    "ledger-key-missing": Template(
        "该行未写入台账《{ledger}》：缺少“{column}”", "row not written to ledger {ledger}: {column} is empty",
        "台账按该栏目识别记录；如需写入，请补填后重新导入。", "The ledger identifies records by it; fill it in and import again."),
    "ledger-key-not-in-form": Template(
        "本表没有台账《{ledger}》识别记录所用的“{column}”栏目，栏目“{headers}”未写入该台账",
        "the form has no {column} column, by which ledger {ledger} knows its records: {headers} not written there",
        "这是报表定义的问题，不是填报的问题；如需保存这些数据，请数据局在报表中增加该栏目，或在报表定义中把这些栏目对应到本表能写入的台账。",
        "A definition problem, not the clerk's: to keep these values, add the column to the form, or map them to "
        "a ledger the form can write."),
    "form-template-missing": Template(
        "找不到报表《{form}》的模板文件，只能按表格本身识别，填写的内容可能被误认作栏目名",
        "the template file of form {form} is missing: the sheet is read on its own, and values may be taken for labels",
        "请数据局重新安装数据包（ybt init），使模板文件与报表定义在一起。",
        "Reinstall the pack (ybt init) so that the template file is beside the form definition."),
    "form-column-other-quantity": Template(
        "栏目“{headers}”以“{unit}”计，而报表定义把这些栏目对应到以“{element_unit}”计的数据元（{element}），不是同一项数据，未导入",
        "columns {headers} are in {unit}, but the form definition maps them to {element} kept in {element_unit}: "
        "not the same fact, not imported",
        "这是报表定义的问题，不是填报的问题：请数据局在报表定义中为这些栏目指定计量单位相符的数据元。",
        "A definition problem, not the clerk's: map these columns to elements kept in a matching unit."),
    "form-answer-unknown-code": Template(
        "报表定义把栏目“{header}”中的“{answer}”对应到代码“{code}”，但代码表《{codelist}》中没有该代码，该栏目未导入",
        "the form definition maps {answer} in column {header} to code {code}, which code list {codelist} does not hold: "
        "the column is not imported",
        "这是报表定义的问题，不是填报的问题：请数据局在报表定义中改正该栏目的答案对照（answers），使每个答案对应代码表中已有的代码。",
        "A definition problem, not the clerk's: correct the column's answers so each names a code of the list."),
    "form-answers-malformed": Template(
        "报表定义中栏目“{header}”的答案对照写法有误，该栏目未导入",
        "the answers of column {header} in the form definition are not answer: code pairs: the column is not imported",
        "这是报表定义的问题，不是填报的问题：请数据局把该栏目的答案对照（answers）逐项写成“答案: 代码”，如 是: \"2\"。",
        "A definition problem, not the clerk's: write the column's answers as answer: code pairs, e.g. 是: \"2\"."),
    "subtable-column-not-kept": Template(
        "子表栏目“{headers}”在报表定义中对应台账《{ledger}》中本表主记录的信息，不能按成员逐行写入，未导入",
        "sub-table columns {headers} map to the form's own record in ledger {ledger}: not imported row by row",
        "请数据局在报表定义中把这些栏目对应到家庭成员等子表自己的数据元（如 family_member_name）。",
        "Map these columns to the sub-table's own elements (e.g. family_member_name) in the form definition."),
    "record-rejected-with-form": Template(
        "本表的主要栏目有误，这一行子表（如家庭成员）随整张表一起未导入",
        "the form's own fields are invalid, so this sub-table row (a household member) was not imported either",
        "改正本表其他栏目的错误后，重新导入整张表。", "Fix the form's other errors and import the whole form again."),
    "formula-no-cached-value": Template(
        "该格是公式，但文件中没有保存计算结果（显示为空）", "the cell holds a formula without a calculated value",
        "请用Excel或WPS打开文件、保存一次（让公式算出结果），再导入；或把公式改为数值。",
        "Open and save the file in Excel or WPS so formulas are calculated, or paste values."),
    "formula-error": Template(
        "该格公式计算出错：{value}", "the cell's formula gives an error: {value}",
        "请修正公式或直接填写数值。", "Fix the formula or type the value."),
    "header-repeated-in-data": Template(
        "工作表“{sheet}”的数据中有{count}行是重复的表头（第{rows}行，常见于分页打印的花名册），已跳过，不作为记录导入",
        "{count} rows in the data of sheet {sheet!r} repeat the header (rows {rows}; a roster printed page by page): "
        "skipped, not imported as records",
        "无需处理；如这些行其实是要导入的数据，请检查它们是否填错了栏目。",
        "Nothing to do; if these rows are data after all, check that they are in the right columns."),
    "merged-cells-in-data": Template(
        "工作表“{sheet}”的数据区有{count}处合并单元格，已按所见内容填入合并范围内的每一行",
        "{count} merged ranges in the data of sheet {sheet!r}: their value was applied to every row they cover",
        "建议取消合并单元格后逐行填写，以免数据错位。", "Unmerge the cells and fill each row."),
    "row-linked": Template(
        "该行身份证号码缺失或有误，已按姓名、出生日期、性别、地址匹配到人员 {record}（匹配概率{probability}）",
        "no valid ID number: linked to {record} by name, birth date, sex and address ({probability})",
        "请核对并补正身份证号码。", "Check and correct the ID number."),
    "form-value-invalid": Template(
        "报表定义《{form}》给台账《{ledger}》的“{column}”规定的值“{value}”无效，未使用",
        "form {form!r}: its value {value!r} for column {column!r} of ledger {ledger!r} is not valid and was not used",
        "请数据包维护人员改正报表定义中的 values（字段名须是该台账的字段，值须符合数据元）。",
        "Correct the form definition's values: a column of that ledger, a value its element accepts."),
    "form-column-records-invalid": Template(
        "报表定义《{form}》的 column_records 让“{header}”一栏在台账《{ledger}》中各成记录，但该栏不是本表读入的栏目，"
        "台账没有可存放它的字段“{column}”，或它的 values 没有给出与其他栏不同的主键字段，未使用",
        "form {form!r}: its column_records make column {header!r} records of their own in ledger {ledger!r}, but the "
        "import reads no such column, the ledger has no column {column!r} that holds it, or its values give no key "
        "column apart from the other entries': not used",
        "请数据包维护人员改正报表定义中的 column_records（header 须是本表映射到台账的表头，column 须是该台账中类型相同的字段，"
        "values 须给出区分各栏记录的主键字段，如发放类型）。",
        "Correct the form definition's column_records: a header the form maps to a ledger, a ledger column of the same "
        "type, values giving a key column (such as the payment type) that tells each entry's records apart."),
    "id-number-other-person": Template(
        "身份证号码与{first}相同，但姓名不同：一个身份证号码只能是一个人，本行未导入",
        "the ID number is that of {first_en}, written for another person: this row was not imported",
        "核对这两行的身份证号码（常见为复制粘贴错行、身份证号码单元格合并），改正后重新导入本行。",
        "Check both rows' ID numbers (a number pasted one row off, a merged ID cell), correct and import this row again."),
    "row-link-uncertain": Template(
        "该行身份证号码缺失或有误，找到可能的同一人员（匹配概率{probability}），已提交人工确认",
        "no valid ID number: a possible match ({probability}) waits for a person to confirm",
        "请在“待确认人员”中确认或否定（ybt links list）。", "Confirm or reject it (ybt links list)."),
    "link-not-found": Template(
        "待确认记录 {id} 不存在", "no link question {id}", "用 ybt links list 查看待确认记录。", "List them with ybt links list."),
    "link-decided": Template(
        "待确认记录 {id} 已处理（{status}）", "link question {id} is already {status}", "", ""),
    "conflict-not-found": Template(
        "冲突记录 {id} 不存在", "no conflict {id}", "用 ybt conflicts list 查看冲突。", "List them with ybt conflicts list."),
    "cli-usage": Template("{message}", "{message_en}", "{help}", "Run the command with -h for its help."),
    "interrupted": Template(
        "已中断（Ctrl+C），命令没有做完", "interrupted (Ctrl+C): the command did not finish",
        "正在写入的那一步已撤销，此前做完的步骤保留；重新运行同一命令即可。",
        "The step being written was undone, the steps done before it stand; run the same command again."),
    "import-interrupted": Template(
        "已中断（Ctrl+C）：文件“{file}”的这次导入没有做完，已撤销，台账保持这次导入之前的样子",
        "interrupted (Ctrl+C): the import of {file} did not finish and was undone; the ledgers are as they were before it",
        "{others}重新运行同一命令即可（已经导入的文件会提示“已导入”，不会重复写入）。",
        "{others_en}run the same command again (files already in are said so and not written twice)."),
    "import-interrupted-stored": Template(
        "已中断（Ctrl+C）：文件“{file}”已经导入台账；中断发生在导入完成之后，错误清单（如有）没有写完",
        "interrupted (Ctrl+C) after {file} was in the ledgers (its error workbook, if any, was not written)",
        "{others}如需错误清单，重新运行同一命令即可（已导入的数据不会重复写入）。",
        "{others_en}run the same command again for the error workbook (what is in is not written twice)."),
    "rows-of-another-month": Template(
        "本表的所属期是 {period}，但“{header}”栏有 {rows} 行是其他月份：{months}",
        "the file's period is {period}, but {rows} rows give another month in column {header}: {months}",
        "这些行已按各自“{header}”栏的月份写入。如果它们本来就是其他月份（如补发），可以不管；否则请核对表头标题中的年月，或该栏的填写。",
        "Those rows were written with their own month. If that is right (a back payment), nothing is to do; "
        "otherwise check the year and month in the title, or the column."),
    "import-job-interrupted": Template(
        "导入任务在运行中被中断（服务重启或进程退出），文件“{file}”没有导入任何数据",
        "the import of {file} was interrupted (the server restarted or the process ended); nothing of it was stored",
        "数据保持导入前的状态，请重新上传该文件。", "The data is as it was before; upload the file again."),
    "import-job-interrupted-stored": Template(
        "导入任务在数据写入台账之后被中断（服务重启或进程退出）：文件“{file}”已导入台账，但本次的统计和错误清单没有保存",
        "the import of {file} was interrupted (the server restarted or the process ended) after its rows were stored; "
        "its counts and error workbook were not kept",
        "需要错误清单时请重新上传该文件：已导入的数据不会重复写入，会提示“已导入”并给出错误清单。",
        "Upload the file again for its error workbook: what is stored is not written twice."),
    "import-job-failed": Template(
        "导入任务失败（服务器内部错误），文件“{file}”没有导入任何数据", "the import of {file} failed ({reason}); nothing of it was stored",
        "数据保持导入前的状态。请重新上传；如反复出现，请联系系统管理员查看服务日志。",
        "The data is as it was before. Upload it again; if it fails again, the server log says why."),
    "import-job-unrecorded": Template(
        "文件“{file}”已处理（{status}），但因服务器内部错误，导入结果未能保存",
        "{file} was processed ({status}) but its result could not be kept ({reason})",
        "请在“导入记录”中核对该文件是否已导入，不要急于重复上传；如有疑问请联系系统管理员查看服务日志。",
        "Check the import history before uploading it again; the server log says why."),
    "import-busy": Template(
        "另一个文件正在导入，数据库暂时无法登记新的导入，本次上传未保存", "another file is being imported: the database "
        "cannot record a new import now; this upload was not kept",
        "请等前一个文件导入完成（约一两分钟）后重新上传。", "Upload it again when the other import has finished."),
    # --- reports (报表自动生成) ---
    "invalid-period": Template(
        "报告期“{value}”无效", "not a report period: {value!r}",
        "请写成年月，如 2024-01 或 2024年1月。", "Write the month as 2024-01."),
    "report-template-missing": Template(
        "找不到报表模板文件：{file}", "the form's template file is missing: {file}",
        "请把模板放回数据包的 forms 文件夹，或重新安装数据包（ybt init）。",
        "Put the template back into the pack's forms folder, or reinstall the pack."),
    "report-template-format": Template(
        "报表模板“{file}”不是 .xlsx 文件，无法按原样填写", "template {file} is not an .xlsx workbook",
        "请用Excel或WPS把模板另存为 .xlsx 后放回数据包。", "Save the template as .xlsx in the pack."),
    "report-no-ledger": Template(
        "报表《{form}》的栏目没有对应任何台账，只能生成空表", "form {form} maps no field to a ledger: the report is empty",
        "请在报表定义中为栏目指定台账和字段（或用 ledger: 指定主台账）。",
        "Map the form's fields to ledger columns (or name the main ledger with `ledger:`)."),
    "report-ledger-not-joined": Template(
        "台账《{ledger}》与主台账《{main}》无法关联（{reason}），其栏目留空",
        "ledger {ledger} cannot be joined to the main ledger {main} ({reason}): its fields stay blank",
        "请在报表定义中为这些栏目写表达式，或指定另一个主台账（ledger:）。",
        "Give those fields expressions, or choose another main ledger (`ledger:`)."),
    "report-indicator-no-ledger": Template(
        "指标“{header}”的汇总表达式没有指明台账", "indicator {header!r}: the aggregate names no ledger",
        "请为该指标写上 ledger:，或在表达式中写 台账.字段。", "Add `ledger:` to the field or qualify the columns."),
    "report-filter-not-applied": Template(
        "筛选条件“{filter}”用不到台账《{ledger}》上，该台账的指标未按条件筛选",
        "filter {filter!r} does not apply to ledger {ledger}: its indicators are not filtered",
        "请在这些指标的汇总表达式中写明条件（如 count_if(...)）。", "Put the condition into those aggregates."),
    "report-own-figures-differ": Template(
        "{unit}本级填报的数与下级合计不一致（{count}项）：{details}。报表用的是{unit}本级填报的数",
        "{unit}'s own figures differ from the sums of its parts ({count}): {details}. The report uses {unit}'s own",
        "如下级的数已更正，请{unit}重新填报本级报表；否则请核对下级的数。",
        "If the parts were corrected, have {unit} submit its own table again; otherwise check the parts."),
    "report-records-truncated": Template(
        "一张登记表一页，最多生成 {limit} 页，其余记录未生成", "one sheet per record: only the first {limit} were written",
        "请按村（社区）分别生成，或用筛选条件缩小范围。", "Generate per village, or narrow the filter."),
    "report-job-interrupted": Template(
        "报表生成任务 {id} 在运行中被中断（服务重启或进程退出），没有生成结果文件",
        "report job {id} was interrupted (the server restarted or the process ended); it produced no file",
        "请重新发起生成。", "Start the run again."),
    "report-job-failed": Template(
        "报表生成任务 {id} 失败（服务器内部错误），没有生成结果文件", "report job {id} failed ({reason}); it produced no file",
        "请重新发起生成；如反复出现，请联系系统管理员查看服务日志。", "Start it again; if it fails again, the server log says why."),
    "report-job-not-ready": Template(
        "报表生成任务 {id} 尚未完成（{status}），还没有可下载的文件", "report job {id} is {status}: no file to download yet",
        "请等待进度完成后再下载。", "Wait until it is done."),
    "report-job-expired": Template(
        "报表生成任务 {id} 的结果文件已按保留期限清理", "the file of report job {id} has been removed after its retention time",
        "请重新发起生成。", "Start the run again."),
    # --- rules (预警规则、资格核查) ---
    "rule-invalid": Template(
        "预警规则“{rule}”写法有误：{reason}", "rule {rule!r} is not well formed: {reason_en}",
        "请对照数据包 rules/ 中的说明修改该规则（YAML）。", "Fix the rule's YAML in the pack's rules/ folder."),
    "rule-ledger-not-found": Template(
        "预警规则“{rule}”的“{alias}”找不到台账：{need}", "rule {rule!r}: no ledger for {alias!r}: {need_en}",
        "请检查 ledgers 中写的台账标识，或先建立含这些数据元的台账；该规则本次未运行。",
        "Check the ledger id, or create a ledger holding these elements; the rule did not run."),
    "rule-too-broad": Template(
        "预警规则“{rule}”命中的记录超过{rows}条，只处理了前{rows}条", "rule {rule!r} matched more than {rows} rows; only those were used",
        "条件可能写得太宽（如漏了 where），请收紧条件后重新运行。", "The condition is probably too broad; narrow it and run again."),
    "rule-not-found": Template(
        "预警规则“{rule}”不存在", "no rule {rule!r}", "用 ybt rules list 查看已有规则。", "List the rules with ybt rules list."),
    "alert-not-found": Template(
        "预警 {id} 不存在", "no alert {id}", "用 ybt alerts list 查看预警编号。", "List the alerts with ybt alerts list."),
    "alert-transition-invalid": Template(
        "预警 {id} 当前状态为“{status}”，不能{action}", "alert {id} is {status_en}: cannot {action_en}",
        "新预警可签收、办结或忽略；已签收的可办结或忽略；已办结、已忽略的不能再改。",
        "new → acknowledged → resolved/dismissed; resolved and dismissed alerts are final."),
    "alert-reason-required": Template(
        "忽略预警必须写明理由", "dismissing an alert needs a reason",
        "请用 --reason 说明为什么不需要处理，如“已核实：补发的是上月待遇”。",
        "Say why with --reason, e.g. the payment was a back payment."),
    "policy-invalid": Template(
        "资格政策“{policy}”写法有误：{reason}", "policy {policy!r} is not well formed: {reason_en}",
        "请对照数据包 policies/ 中的说明修改该政策（YAML）。", "Fix the policy's YAML in the pack's policies/ folder."),
    "policy-ledger-not-found": Template(
        "资格政策“{policy}”的“{alias}”找不到台账：{need}", "policy {policy!r}: no ledger for {alias!r}: {need_en}",
        "用到该台账的标准将显示为“无法判断”；请建立含这些数据元的台账。",
        "Criteria that read it are answered 'unknown'; create a ledger holding these elements."),
    "policy-not-found": Template(
        "资格政策“{policy}”不存在", "no policy {policy!r}",
        "用 ybt check 身份证号 查看全部政策，或检查 --policy 的写法。", "Run ybt check without --policy to see them all."),
    "subject-not-found": Template(
        "台账中找不到“{subject}”对应的人员或家庭", "no person or household {subject!r} in the ledgers",
        "请输入18位身份证号码或户编号，并确认该人员已录入台账。", "Give an 18-character ID number or a household number."),
    "record-outside-scope": Template(
        "{ledger}中已有此记录（{record}），登记在本次导入范围（{within}）以外的单位，不能在此修改",
        "{ledger} already holds this record ({record}) in a unit outside this import's area ({within})",
        "如此人（户）已迁入本辖区，请联系区大数据局办理迁移；否则请从文件中删去此行后重新导入。",
        "If the person (household) has moved here, ask the data bureau to transfer the record; otherwise remove the row and import again."),
}


@dataclass(frozen=True)
class Problem:
    """One thing that is wrong, with where it is and how to fix it."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    location: dict[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> Template:
        return CATALOG.get(self.code, Template(self.code, self.code))

    def _fill(self, text: str) -> str:
        values = {**self.location, **self.params}
        try:
            return text.format_map(_Default(values))
        except (ValueError, IndexError):  # a malformed user value must never break reporting
            return text

    @property
    def message_zh(self) -> str:
        return self._fill(self.template.zh)

    @property
    def message_en(self) -> str:
        return self._fill(self.template.en)

    @property
    def hint_zh(self) -> str:
        return self._fill(self.template.hint_zh)

    @property
    def advice_zh(self) -> str:
        """What is wrong and how to fix it, two sentences (the hint left out when there is none)."""
        message, hint = self.message_zh, self.hint_zh
        if not hint:
            return message
        return f"{message}{'' if message[-1:] in '。！？' else '。'}{hint}"

    def where_zh(self) -> str:
        """The location in a clerk's words: 文件 a.xlsx 工作表 Sheet1 第5行 C列(身份证号)."""
        loc = self.location
        parts = []
        for key, label in (("file", "文件"), ("sheet", "工作表"), ("ledger", "台账"), ("record", "记录")):
            if loc.get(key) not in (None, ""):
                parts.append(f"{label} {loc[key]}")
        if loc.get("row") is not None:
            parts.append(f"第{loc['row']}行")
        if loc.get("column") is not None:
            col = f"{loc['column']}列" if isinstance(loc["column"], str) and loc["column"].isalpha() else f"字段 {loc['column']}"
            if loc.get("header"):
                col += f"（{loc['header']}）"
            parts.append(col)
        if loc.get("element"):
            parts.append(f"数据元 {loc['element']}")
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message_zh,
            "message_en": self.message_en,
            "hint": self.hint_zh,
            "location": {k: v for k, v in self.location.items() if v is not None},
            "params": _jsonable(self.params),
        }

    def __str__(self) -> str:
        where = self.where_zh()
        return f"{where}：{self.advice_zh}" if where else self.advice_zh

    def at(self, **location: Any) -> Problem:
        """The same problem with more location filled in (outer layers add file, row ...)."""
        return Problem(self.code, self.params, {**self.location, **location})


class _Default(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(params, default=str, ensure_ascii=False))


class YbtError(Exception):
    """Raised with every problem found; nothing was written when it is raised."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems[:20]))

    @classmethod
    def of(cls, code: str, **params: Any) -> YbtError:
        return cls(Problem(code, params))

    def to_dict(self) -> dict[str, Any]:
        return {"ok": False, "error": self.problems[0].code if self.problems else "error",
                "message": self.problems[0].message_zh if self.problems else "",
                "details": [p.to_dict() for p in self.problems]}


def problem_dicts(problems: list[Problem]) -> list[dict[str, Any]]:
    return [p.to_dict() for p in problems]


__all__ = ["CATALOG", "Problem", "Template", "YbtError", "asdict", "problem_dicts"]
