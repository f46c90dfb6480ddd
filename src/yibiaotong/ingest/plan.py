"""How one recognised sheet is read (导入方案): per column, its converter and its ledger column."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from sqlalchemy import Table

from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.elements.model import AnswerError, CodeList, Element
from yibiaotong.elements.numbers import other_quantity
from yibiaotong.errors import Problem
from yibiaotong.forms.definition import FieldDef
from yibiaotong.forms.model import FormTemplate
from yibiaotong.ingest.convert import ColumnConverter, Converter, compile_column, compile_converter
from yibiaotong.ingest.recognise import Recognition
from yibiaotong.ingest.resolve import PERSON_ELEMENTS
from yibiaotong.ingest.workbook import column_letter
from yibiaotong.ledgers.definition import LedgerDef
from yibiaotong.ledgers.store import LedgerStore

ORG_ELEMENTS = ("town", "village")
VIRTUAL_COLUMN = 16385  # past Excel's last column (XFD, 16384): every row's cell there is empty
PLACES = frozenset({"county", "town", "village", "grid_area"})  # where a record is (reports.defaults.ORG_LEVEL)
_PERIOD = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月|(\d{4})\s*[-./]\s*(\d{1,2})(?!\d)")


@dataclass
class ColumnPlan:
    header: str
    column: int  # 1-based sheet column (roster) or the value cell's column (record forms)
    letter: str
    cell_row: int | None  # record forms: the row of the value cell; rosters: None
    element: Element
    convert: Converter
    ledger: str | None  # None: read for the org unit only
    ledger_column: str | None
    convert_column: ColumnConverter | None = None  # the same converter, a chunk of the column at a time
    unit: str | None = None  # the unit the file states for the column (元, 万元), which the converter applies
    subtable: str | None = None  # record forms: the repeated sub-table (家庭成员情况) the value cell heads

    @property
    def virtual(self) -> bool:
        """A column no sheet has: the ID number of a roster printing none (see _linked_by_person)."""
        return self.column == VIRTUAL_COLUMN

    def __post_init__(self) -> None:
        if self.convert_column is None:
            self.convert_column = compile_column(self.element, {}, convert=self.convert)


@dataclass
class LedgerPlan:
    definition: LedgerDef
    table: Table
    columns: list[tuple[str, int]] = field(default_factory=list)  # ledger column, index into the plans
    constants: dict[str, object] = field(default_factory=dict)  # the form's values: (ledger column -> value)
    # a form's column making records of its own here (FormDef.column_records): index into the plans;
    # a row writes such a record only where that cell holds something other than 0
    own: int | None = None

    @property
    def ledger(self) -> str:
        """The ledger written (the plan's key in SheetPlan.ledgers is another for a column's own records)."""
        return self.definition.id


@dataclass
class SheetPlan:
    columns: list[ColumnPlan]
    ledgers: dict[str, LedgerPlan]
    town: int | None = None  # index into columns
    village: int | None = None
    id_column: str | None = None  # the ledger column holding the subject's ID number, when it is a key
    id_index: int | None = None
    main: str | None = None  # the ledger whose records the roster's rows are (reports.defaults.main_ledger)
    # several of the form's columns feeding one ledger column (变动前/低保类别, 变动后/低保类别): the
    # column the ledger reads (index into columns) -> all of them, left to right (see last_given)
    merged: dict[int, list[int]] = field(default_factory=dict)
    # the code lists the columns are read with: the dictionary's, and those a column answers otherwise (FieldDef.answers)
    codelists: dict[str, CodeList] = field(default_factory=dict)


def _answered(element: Element, fd: FieldDef, codelists: dict[str, CodeList]) -> tuple[Element, Problem | None]:
    """The element as the column reads it: its code list answered as the form answers it (是/否
    under 是否到账), kept in ``codelists`` under an id of its own."""
    codelist = codelists.get(element.codelist or "")
    if codelist is None:
        return element, None  # said as unknown-codelist by the converter, as for any column
    answered_id = f"{codelist.id}@{fd.header}"
    try:
        codelists[answered_id] = codelist.answered(fd.answers or {}, answered_id)
    except AnswerError as exc:
        if exc.answer is None:
            return element, Problem("form-answers-malformed", {"header": fd.header})
        return element, Problem("form-answer-unknown-code", {"header": fd.header, "answer": exc.answer, "code": exc.code,
                                                             "codelist": codelist.name})
    return replace(element, codelist=answered_id), None


def _places_only(columns: list[ColumnPlan], ledgers: dict[str, LedgerPlan]) -> None:
    """A ledger the form gives nothing but where a row is (镇街, 村社区 mapped to 行政区域统计台账,
    keyed by unit and month) is no ledger of the form's: those columns place the row's records
    (as a report fills them from the record's unit), and no record of the unit is written for
    every row — nor a warning on every row that its month is missing."""
    for lid, lp in list(ledgers.items()):
        own = [i for name, i in lp.columns if columns[i].ledger == lid]
        if own and all(columns[i].element.id in PLACES for i in own):
            del ledgers[lid]
            for i in own:
                columns[i].ledger = columns[i].ledger_column = None


def build_plan(rec: Recognition, template: FormTemplate, store: LedgerStore, dictionary: Dictionary
               ) -> tuple[SheetPlan | None, list[Problem]]:
    problems: list[Problem] = []
    columns: list[ColumnPlan] = []
    ledgers: dict[str, LedgerPlan] = {}
    plan = SheetPlan(columns, ledgers, codelists=dict(dictionary.codelists))
    # (printed unit, kept unit) -> headers and elements of the columns printed in another quantity,
    # and the ledgers those columns were for
    other: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    emptied: set[str] = set()
    for mapped in rec.fields:
        fd, tf = mapped.field, mapped.source
        ledger_id = fd.ledger if fd.served else None
        element_id = fd.element
        column_name = fd.column or fd.element
        if ledger_id:
            if ledger_id not in ledgers:
                try:
                    definition, table = store.definition_and_table(ledger_id)
                except Exception as exc:  # unknown ledger: the definition is wrong, say so once
                    problems.extend(getattr(exc, "problems", [Problem("unknown-ledger", {"ledger": ledger_id})]))
                    ledger_id = None
                else:
                    ledgers[ledger_id] = LedgerPlan(definition, table)
            if ledger_id and column_name not in ledgers[ledger_id].definition.column_names:
                problems.append(Problem("unknown-column", {"ledger": ledger_id, "column": column_name}))
                ledger_id = None
            elif ledger_id:
                element_id = ledgers[ledger_id].definition.column(column_name).element
        if element_id is None or element_id not in dictionary:
            continue
        if not ledger_id and element_id not in ORG_ELEMENTS:
            continue  # not kept in any ledger (signatures, opinions): nothing to read
        element = dictionary.element(element_id)
        if fd.answers and element.type == "code":
            element, problem = _answered(element, fd, plan.codelists)
            if problem is not None:
                problems.append(problem)
                if ledger_id:
                    emptied.add(ledger_id)
                continue
        unit = tf.unit or fd.unit  # what this file prints wins over what the definition remembers
        kept = element.kept_unit
        if ledger_id and element.type in ("integer", "decimal", "amount") and other_quantity(kept, unit):
            # 发放金额（元） mapped to a count of people: every value would be stored as the wrong fact
            headers, names = other.setdefault((unit, kept), ([], []))
            headers.append(fd.header)
            names.append(element.name)
            emptied.add(ledger_id)
            continue
        row, col = tf.value_cell if (template.layout != "roster" and tf.value_cell) else (None, tf.column)
        columns.append(ColumnPlan(fd.header, col, column_letter(col), row, element,
                                  compile_converter(element, plan.codelists, unit),
                                  ledger_id, column_name if ledger_id else None, unit=unit,
                                  subtable=tf.subtable if template.layout != "roster" else None))
        index = len(columns) - 1
        if ledger_id:
            ledgers[ledger_id].columns.append((column_name, index))
        if element_id == "town" and plan.town is None:
            plan.town = index
        if element_id == "village" and plan.village is None:
            plan.village = index
    for (printed, kept), (headers, names) in other.items():  # said once per pair of units, not per column
        names = list(dict.fromkeys(names))
        problems.append(Problem("form-column-other-quantity", {
            "headers": "、".join(headers[:5]) + ("等" if len(headers) > 5 else ""), "unit": printed,
            "element": "、".join(names[:3]) + ("等" if len(names) > 3 else ""), "element_unit": kept}))
    if template.layout == "roster":
        problems += _linked_by_person(rec, columns, ledgers, plan, dictionary)
    # a ledger's key comes from the same row even when the form maps that column to another
    # ledger: the roster's one 身份证号码 keys both the identity and the disability record
    for lp in ledgers.values():
        for key in unprinted_keys(lp):
            element = lp.definition.column(key).element
            same = [i for i, c in enumerate(columns) if c.element.id == element and c.ledger]
            if same:
                lp.columns.append((key, same[0]))
    from yibiaotong.reports.defaults import main_ledger  # the reporter's answer: one rule both ways

    plan.main = main_ledger(rec.form, store)
    for lid in emptied - {plan.main}:  # every column of its own was in another quantity: nothing to write
        if lid in ledgers and not any(columns[i].ledger == lid for _n, i in ledgers[lid].columns):
            del ledgers[lid]
    _keyed_by_main_id(columns, ledgers, plan.main, dictionary)
    _places_only(columns, ledgers)
    problems += _form_values(rec.form, ledgers, dictionary, {d.id for d in store.ledgers()})
    problems += _column_records(rec, columns, ledgers, store, dictionary)
    # a sheet without one of its form's key columns (an ID number) cannot key some ledgers: the sheet's
    # to mend, said as a missing column and row by row, not as the definition's
    lacking = [dictionary.element(f.element) for f in rec.form.fields if f.header in rec.missing and f.element in dictionary]
    keys = {k for lp in ledgers.values() for k in lp.definition.key}
    if template.layout == "roster" and not any(e.type == "id_number" or e.id in keys for e in lacking):
        problems += _never_keyed(plan, dictionary)
    if template.layout != "roster":
        problems += _members_stay_in_their_ledgers(columns, ledgers)
    plan.merged = _merge_same_columns(ledgers)
    subject = _subject_id(columns, ledgers)
    if subject is not None:
        plan.id_column, plan.id_index = subject
    if not ledgers:
        problems.append(Problem("form-feeds-no-ledger", {"form": rec.form.title}))
        return None, problems
    return plan, problems


def _linked_by_person(rec: Recognition, columns: list[ColumnPlan], ledgers: dict[str, LedgerPlan], plan: SheetPlan,
                     dictionary: Dictionary) -> list[Problem]:
    """A roster printing no ID number (087 0—6岁儿童健康管理花名册: 儿童姓名, 性别, 出生日期) whose
    person ledger is keyed by one: its rows are people to find there by name, birth date and sex, as
    a row whose ID number is blank is (resolve: linked when sure, asked when not, returned when no
    one is like them). The ID number is planned as a column no sheet has; said once."""
    if any(c.element.type == "id_number" for c in columns) or any(
            f.element in dictionary and dictionary.element(f.element).type == "id_number" for f in rec.form.fields):
        return []  # the form prints one (a sheet lacking it is the sheet's to mend)
    for lid, lp in ledgers.items():
        keys = [k for k in lp.definition.key if k != "_org_unit"]
        element = column_element(dictionary, lp.definition, keys[0]) if len(keys) == 1 else None
        if element is None or element.type != "id_number" or element.role != "subject":
            continue
        given = {PERSON_ELEMENTS.get(columns[i].element.id) for _name, i in lp.columns if columns[i].ledger == lid}
        if "name" not in given or not given & {"birth", "sex"}:
            continue
        columns.append(ColumnPlan(element.name, VIRTUAL_COLUMN, "", None, element,
                                  compile_converter(element, plan.codelists, None), lid, keys[0]))
        lp.columns.append((keys[0], len(columns) - 1))
        return [Problem("form-rows-linked-by-person", {"form": rec.form.title, "ledger": lp.definition.name})]
    return []


def _form_values(form, ledgers: dict[str, LedgerPlan], dictionary: Dictionary, known: set[str]) -> list[Problem]:
    """The form's ``values`` (what every row is though no column says it) for the ledgers it writes,
    each converted as a cell of its column would be; a value that does not convert is said, once."""
    problems = []
    for lid, given in form.values.items():
        lp = ledgers.get(lid)
        if lp is None:
            if lid not in known:  # a misspelt ledger: said, as a misspelt column is
                problems += [Problem("form-value-invalid", {"form": form.title, "ledger": lid, "column": column,
                                                            "value": str(raw)}) for column, raw in given.items()]
            continue
        printed = {name for name, _i in lp.columns}
        stored, said = _stored(form, lp.definition, given, dictionary)
        problems += said
        lp.constants.update((c, v) for c, v in stored.items() if c not in printed)  # a sheet's column says it row by row
    return problems


def _stored(form, definition: LedgerDef, given: dict[str, object], dictionary: Dictionary
            ) -> tuple[dict[str, object], list[Problem]]:
    """A form's given values for a ledger's columns as the ledger holds them (a code list's label as its
    code), converted as a cell would be; each one that does not convert said (form-value-invalid)."""
    stored, problems = {}, []
    for column, raw in given.items():
        value, found = definition.as_stored(dictionary, column, raw) or (None, None)
        if found is None or found or value is None:
            problems.append(Problem("form-value-invalid", {"form": form.title, "ledger": definition.name,
                                                           "column": column, "value": str(raw)}))
        else:
            stored[column] = value
    return stored, problems


def _column_records(rec: Recognition, columns: list[ColumnPlan], ledgers: dict[str, LedgerPlan], store: LedgerStore,
                    dictionary: Dictionary) -> list[Problem]:
    """A ledger some of the form's columns make records of their own in (FormDef.column_records: the
    生活补贴 and the 护理补贴 of one row are two payments) is written through one plan per such column,
    keyed ``ledger#n`` in ``ledgers``: the row's columns of that ledger, that column's value in its
    ``column`` and its ``values`` beside (the 发放类型 no column prints). The ledger's own plan goes: its
    key lacks what the values give. A column the sheet lacks makes no record; one the form does not
    have, a column the ledger lacks or a value that does not convert is the definition's, said once."""
    problems: list[Problem] = []
    by_header = {c.header: i for i, c in enumerate(columns)}
    for lid, entries in rec.form.column_records.items():
        base = ledgers.get(lid)
        if base is None:
            try:
                base = LedgerPlan(*store.definition_and_table(lid))
            except Exception as exc:
                problems.extend(getattr(exc, "problems", [Problem("unknown-ledger", {"ledger": lid})]))
                continue
        valid, apart = False, set()
        where = {"form": rec.form.title, "ledger": base.definition.name}
        for n, entry in enumerate(entries, 1):
            index = by_header.get(entry.header)
            kept = column_element(dictionary, base.definition, entry.column)
            if entry.header in rec.missing and kept is not None:
                valid = True
                continue  # not on this sheet: no record of it
            told = tuple(sorted((c, str(v)) for c, v in entry.values.items() if c in base.definition.key))
            if (index is None or kept is None or kept.type != columns[index].element.type
                    or not told or told in apart):
                # not a column of the form the import reads, not one the ledger column can hold, or its
                # records not told apart from the others' by a key column (every one would be the same record)
                problems.append(Problem("form-column-records-invalid", {**where, "header": entry.header,
                                                                        "column": entry.column}))
                continue
            valid = True
            apart.add(told)
            stored, said = _stored(rec.form, base.definition, entry.values, dictionary)
            problems += said
            constants = {**base.constants, **stored}
            own = [(name, i) for name, i in base.columns if name != entry.column and name not in constants]
            ledgers[f"{lid}#{n}"] = LedgerPlan(base.definition, base.table, [*own, (entry.column, index)], constants,
                                               own=index)
        if valid:
            ledgers.pop(lid, None)
    return problems


def ledger_of(planned: str) -> str:
    """The ledger a plan's key in SheetPlan.ledgers writes (``event_payment#1``: event_payment), as a
    row waiting for its person keeps it (schema.link.payload)."""
    return planned.partition("#")[0]


def unprinted_keys(lp: LedgerPlan) -> list[str]:
    """The ledger's key columns neither a column of the form nor its values give (the row's unit aside)."""
    have = {name for name, _i in lp.columns} | set(lp.constants)
    return [key for key in lp.definition.key if key != "_org_unit" and key not in have]


def implied_values(plan: SheetPlan, period: str | None, dictionary: Dictionary) -> dict[str, dict[str, object]]:
    """Per ledger, what the rows are though no column says it: the form's values, and the key columns
    the file's period gives (统计月份 of a monthly ledger from 2024年6月 in the title or --period; a
    year from either): as a report for that period fills them, an import of it writes them. A month
    is not made up from a year."""
    out: dict[str, dict[str, object]] = {lid: dict(lp.constants) for lid, lp in plan.ledgers.items() if lp.constants}
    if not period:
        return out
    for lid, lp in plan.ledgers.items():
        for key in unprinted_keys(lp):
            kind = _type_of(dictionary, lp, key)
            if kind == "month" and len(period) == 7:
                out.setdefault(lid, {})[key] = period
            elif kind == "year":
                out.setdefault(lid, {})[key] = int(period[:4])
    return out


def column_element(dictionary: Dictionary, definition: LedgerDef, column: str) -> Element | None:
    """The element a ledger column holds (None when the dictionary lacks it)."""
    element = definition.column(column).element
    return dictionary.element(element) if element in dictionary else None


def column_title(dictionary: Dictionary, definition: LedgerDef, column: str) -> str:
    """What a clerk calls a ledger column: its element's name (统计月份, not stat_month)."""
    element = column_element(dictionary, definition, column)
    return element.name if element is not None else column


def _type_of(dictionary: Dictionary, lp: LedgerPlan, column: str) -> str | None:
    element = column_element(dictionary, lp.definition, column)
    return element.type if element is not None else None


def keys_not_given(plan: SheetPlan, dictionary: Dictionary) -> dict[str, list[str]]:
    """Per ledger, its key columns the form's columns do not give, but for a month or a year (统计月份,
    which the file's period gives, or ``--period``): no row can be written there."""
    return _keys_not_given(plan.ledgers, dictionary)


def _keys_not_given(ledgers: dict[str, LedgerPlan], dictionary: Dictionary) -> dict[str, list[str]]:
    out = {}
    for lid, lp in ledgers.items():
        missing = [k for k in unprinted_keys(lp) if _type_of(dictionary, lp, k) not in ("month", "year")]
        if missing:
            out[lid] = missing
    return out


def _never_keyed(plan: SheetPlan, dictionary: Dictionary) -> list[Problem]:
    """A ledger keyed by what the roster has no column for (a person ledger's 公民身份号码 on a roster
    of households printing 户主身份证号) gets no row of it: left out, and said once, with the columns
    not kept, which are not read either (a value there that does not convert refuses no row). Said
    row by row, every row of a ten-thousand-row roster had the same warning, and the roster was
    read a row at a time. A roster writing no ledger at all keeps them (the import says why no row
    could be written, or that the form chosen is another)."""
    columns, ledgers = plan.columns, plan.ledgers
    never = _keys_not_given(ledgers, dictionary)
    if not never or len(never) == len(ledgers):
        return []
    problems = []
    for lid, missing in never.items():
        lp = ledgers.pop(lid)
        headers = [columns[i].header for _name, i in lp.columns if columns[i].ledger == lp.ledger]
        problems.append(Problem("ledger-key-not-in-form", {
            "ledger": lp.definition.name, "column": "、".join(column_title(dictionary, lp.definition, k) for k in missing),
            "headers": "、".join(headers[:5]) + ("等" if len(headers) > 5 else "")}))
    used = {i for lp in ledgers.values() for _name, i in lp.columns} | {plan.town, plan.village}
    kept = [i for i, c in enumerate(columns) if i in used or c.ledger not in never]
    if len(kept) < len(columns):
        at = {old: new for new, old in enumerate(kept)}
        columns[:] = [columns[i] for i in kept]
        for lp in ledgers.values():
            lp.columns = [(name, at[i]) for name, i in lp.columns]
        plan.town, plan.village = at.get(plan.town), at.get(plan.village)
    return problems


# ledgers of what is paid to someone: on a roster of households, to the head
PAYEE_GROUPS = frozenset({"payment"})


def _keyed_by_main_id(columns: list[ColumnPlan], ledgers: dict[str, LedgerPlan], main: str | None,
                      dictionary: Dictionary) -> None:
    """A ledger saying who and where a person is (identity, address, contact: reports.defaults.
    GENERIC_GROUPS), keyed by a person's own ID number the form does not print, takes the ID number
    that keys the form's own records: on a household roster (低保户花名册: 户主公民身份号码) the 民族 and
    现住址 beside it are the household head's, as the reporter joins the person ledgers to the
    household's (reports.sources._bind); read back, they are written to the head's records, not
    dropped with a missing-key warning on every row. A business ledger is not: a household's 月保障金额
    or 增减原因 consolidated into a person's benefit or disability-subsidy ledger would make the head a
    record of it (a person who is not disabled listed in the disability-subsidy ledger). A payment
    (:data:`PAYEE_GROUPS`) is the exception: a household's payment roster (城乡低保金发放花名册) pays
    the household through its head, so the month's payment beside 户主身份证号 is the head's; left
    unwritten, no such roster kept a payment. (The 一卡通 account beside it is not made the head's:
    it may be a designated member's.)"""
    from yibiaotong.reports.defaults import GENERIC_GROUPS

    own = ledgers.get(main) if main else None
    if own is None:
        return
    index, groups = _own_id(columns, own), GENERIC_GROUPS | PAYEE_GROUPS
    if index is None and own.definition.group in PAYEE_GROUPS and _person_keyed(own, dictionary):
        # a payment roster printing only the head's ID number (its subject's, keying its other ledgers,
        # as the reporter binds them: reports.sources._bind): its payments are the head's, and no
        # one's identity or address (a helper's roster of the households he helps is no household's)
        subject = _subject_id(columns, ledgers)
        index, groups = (subject[1] if subject else None), PAYEE_GROUPS
    if index is None:
        return
    for lid, lp in ledgers.items():
        if lid != main and (not lp.definition.group or lp.definition.group not in groups):
            continue
        for key in unprinted_keys(lp):
            element = column_element(dictionary, lp.definition, key)
            # the person's own ID (role subject) only: a household ledger's 户主身份证号 is not every
            # disabled person's on a roster of the disabled, and stays unwritten there
            if element is not None and element.type == "id_number" and element.role == "subject":
                lp.columns.append((key, index))


def _own_id(columns: list[ColumnPlan], own: LedgerPlan) -> int | None:
    """The column of the ID number keying the form's own records (its main ledger's), if printed."""
    printed = dict(own.columns)
    ids = [k for k in own.definition.key if k in printed and columns[printed[k]].element.type == "id_number"]
    return printed[ids[0]] if ids else None


def _subject_id(columns: list[ColumnPlan], ledgers: dict[str, LedgerPlan]) -> tuple[str, int] | None:
    """The subject's ID number: the ID-number ledger column that is a key in the most ledgers, and
    the index of the form's column giving it."""
    keyed: dict[str, tuple[int, int]] = {}
    for lp in ledgers.values():
        for column_name, index in lp.columns:
            if columns[index].element.type == "id_number" and column_name in lp.definition.key:
                count, _ = keyed.get(column_name, (0, index))
                keyed[column_name] = (count + 1, index)
    if not keyed:
        return None
    name = max(keyed, key=lambda k: keyed[k][0])
    return name, keyed[name][1]


def _person_keyed(lp: LedgerPlan, dictionary: Dictionary) -> bool:
    """Is the ledger keyed by a person's own ID number (role subject)?"""
    return any(e is not None and e.type == "id_number" and e.role == "subject"
               for e in (column_element(dictionary, lp.definition, k) for k in lp.definition.key if k != "_org_unit"))


def _merge_same_columns(ledgers: dict[str, LedgerPlan]) -> dict[int, list[int]]:
    """Columns of the form that feed the same ledger column become one: the ledger reads the first,
    which the import fills with the row's :func:`last_given` of them all. Were each read in turn, the
    last would win even when blank, and a new record would lose what 低保类别 says because
    变动后/低保类别 was left empty (a household whose benefit stopped)."""
    merged: dict[int, list[int]] = {}
    for lp in ledgers.values():
        sources: dict[str, list[int]] = {}
        for name, i in lp.columns:
            sources.setdefault(name, []).append(i)
        if len(sources) == len(lp.columns):
            continue
        lp.columns = [(name, indices[0]) for name, indices in sources.items()]
        merged.update((indices[0], indices) for indices in sources.values() if len(indices) > 1)
    return merged


def last_given(*values: object) -> object:
    """Of one row's values for one ledger column, the right-most that is filled (None if none is):
    on a form that asks twice, the later column says how things are now (变动后 after 变动前, 本月
    after 上月)."""
    for value in reversed(values):
        if value is not None:
            return value
    return None


def infer_period(template: FormTemplate) -> str | None:
    """2024-01 from a title or date line such as 2024年1月残疾人补贴发放花名册."""
    for text in [template.title or "", template.date_line or "", *template.preamble]:
        m = _PERIOD.search(text)
        if m:
            year, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            if 1 <= int(month) <= 12:
                return f"{int(year):04d}-{int(month):02d}"
    return None


def _members_stay_in_their_ledgers(columns: list[ColumnPlan], ledgers: dict[str, LedgerPlan]) -> list[Problem]:
    """A sub-table's cells (one household member a row) go only to ledgers keyed by the sub-table's own
    cells (家庭成员台账 by the member's ID number). A member's cell the definition puts in a ledger keyed
    by the form's record (the applicant's 人员基本信息) would overwrite the applicant: it is not read.
    A ledger whose key the record's cells give is the record's, even when the sub-table prints that key
    too (a 家庭主要成员/身份证号 mapped to the applicant's own ID column). A ledger left with nothing of
    its own is no ledger of the form's: it would only warn that its key is missing, or be given an
    empty record under the record's key."""
    problems = []
    for lid, lp in list(ledgers.items()):
        keys = [(name, i) for name, i in lp.columns if name in lp.definition.key]
        by_record = {name for name, i in keys if not columns[i].subtable}
        if len({columns[i].subtable for _n, i in keys} - {None}) == 1 and not any(
                columns[i].subtable and name in by_record for name, i in keys):
            continue  # the sub-table's own ledger (keyed by its cells, perhaps with the record's: 户编号 + 成员)
        stray = [(name, i) for name, i in lp.columns if columns[i].subtable]
        if not stray:
            continue
        lp.columns = [(name, i) for name, i in lp.columns if not columns[i].subtable]
        problems.append(Problem("subtable-column-not-kept", {
            "ledger": lp.definition.name, "headers": "、".join(columns[i].header for _n, i in stray[:5])}))
        for _name, i in stray:
            if columns[i].ledger == lp.ledger:  # read for no ledger (nor for linking the record's person)
                columns[i].ledger = columns[i].ledger_column = None
        if not any(columns[i].ledger == lp.ledger or i == lp.own for _name, i in lp.columns):
            del ledgers[lid]
    return problems
