"""Fixtures for data intake: the real standard dictionary, a small org tree, two person ledgers,
a roster form rendered by the project's own template writer, and a helper that fills it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from yibiaotong.elements.idnumber import checksum_char
from yibiaotong.forms import read_templates, render_template
from yibiaotong.forms.definition import FieldDef, FormDef
from yibiaotong.forms.store import save_forms
from yibiaotong.ledgers import LedgerDef, LedgerStore
from yibiaotong.orgunits import OrgTree, OrgUnit, save_tree

DISTRICT, TOWN, VILLAGE, VILLAGE2, OTHER_TOWN, OTHER_VILLAGE = (
    "500118000000", "500118103000", "500118103001", "500118103002", "500118116000", "500118116001")

# header path -> (element, ledger); the ledger column is the element id
FIELDS = {
    "姓名": ("person_name", "person_identity"),
    "性别": ("gender", "person_identity"),
    "身份证号码": ("id_number", "person_identity"),
    "出生日期": ("birth_date", "person_identity"),
    "联系电话": ("phone", "person_identity"),
    "村（社区）": ("village", None),
    "家庭住址": ("address_current", "person_identity"),
    "残疾类别": ("disability_category", "person_disability"),
    "残疾等级": ("disability_level", "person_disability"),
    "补贴金额/生活补贴（元）": ("disabled_living_subsidy_amount", "person_disability"),
    "发放月份": ("payment_month", "person_disability"),
}
COLUMNS = list(FIELDS)


def id_number(born: date, seq: int, region: str = "500118") -> str:
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + checksum_char(first17)


@pytest.fixture
def intake(engine, standard_dictionary, tmp_path):
    """A database with the dictionary, the org tree, the ledgers and the roster form installed."""
    standard_dictionary.save(engine)
    save_tree(engine, OrgTree([
        OrgUnit(DISTRICT, "永川区", "district"),
        OrgUnit(TOWN, "临江镇", "town", DISTRICT),
        OrgUnit(VILLAGE, "红星村", "village", TOWN),
        OrgUnit(VILLAGE2, "黄瓜山村", "village", TOWN),
        OrgUnit(OTHER_TOWN, "朱沱镇", "town", DISTRICT),
        OrgUnit(OTHER_VILLAGE, "红星村", "village", OTHER_TOWN),  # the same name in another town
    ]))
    store = LedgerStore(engine, standard_dictionary)
    store.create_ledger(LedgerDef.from_dict({
        "id": "person_identity", "name": "人员基础信息台账", "subject": "person", "key": ["id_number"],
        "columns": ["id_number", "person_name", "gender", "birth_date", "phone", "address_current"]}))
    store.create_ledger(LedgerDef.from_dict({
        "id": "person_disability", "name": "残疾人信息台账", "subject": "person", "key": ["id_number"],
        "columns": ["id_number", "disability_category", "disability_level", "disabled_living_subsidy_amount",
                    "payment_month"]}))
    forms_dir = tmp_path / "forms"
    forms_dir.mkdir()
    template = forms_dir / "残疾人两项补贴发放花名册.xlsx"
    render_template({"title": "残疾人两项补贴发放花名册", "columns": COLUMNS, "layout": "roster",
                     "options": {"serial": True, "total_row": None, "footer": True, "number_row": False}}, template)
    fd = FormDef(id="disability_roster", title="残疾人两项补贴发放花名册", layout="roster", template=template.name,
                 department="残联",
                 fields=[FieldDef(header=h, element=e, ledger=lg, column=e if lg else None)
                         for h, (e, lg) in FIELDS.items()])
    fd.save(forms_dir / "disability_roster.yaml")
    save_forms(engine, "test", [fd])
    return Intake(engine, store, template, tmp_path)


class Intake:
    def __init__(self, engine, store: LedgerStore, template: Path, tmp: Path):
        self.engine, self.store, self.template, self.tmp = engine, store, template, tmp

    def roster(self, name: str, rows: list[dict[str, Any]], *, title: str | None = None) -> Path:
        """The template filled with ``rows`` (header -> value), saved as ``name``."""
        return fill_roster(self.template, self.tmp / name, rows, title=title)


def fill_roster(template: Path, out: Path, rows: list[dict[str, Any]], *, title: str | None = None) -> Path:
    form = read_templates(template).forms[0]
    columns = {f.header: f.column for f in form.fields}
    first = form.data_first_row
    wb = openpyxl.load_workbook(template)
    ws = wb.active
    footer = [[c.value for c in row] for row in ws.iter_rows(min_row=first)]
    for m in list(ws.merged_cells.ranges):
        if m.min_row >= first:
            ws.unmerge_cells(str(m))
    for r in range(first, ws.max_row + 1):  # clear the empty rows and the footer, written again below
        for c in range(1, ws.max_column + 1):
            ws.cell(r, c).value = None
    if title:
        ws.cell(1, 1).value = title
    for i, row in enumerate(rows):
        if form.serial_column:
            ws.cell(first + i, form.serial_column).value = i + 1
        for header, value in row.items():
            if header in columns:
                ws.cell(first + i, columns[header]).value = value
            elif isinstance(header, int):  # a raw column number, for odd cells
                ws.cell(first + i, header).value = value
    r = first + len(rows) + 1
    for values in footer:
        if any(isinstance(v, str) and "：" in v for v in values):
            for c, v in enumerate(values, start=1):
                ws.cell(r, c).value = v
            r += 1
    # the file's own name in its properties: a copy saved under another name differs in bytes even
    # when written within the same second (openpyxl stamps the save time to the second only)
    wb.properties.title = out.stem
    wb.save(out)
    return out


def install_roster(engine, folder: Path, form_id: str, fields: dict[str, tuple[str, str | None]],
                   department: str = "民政") -> Path:
    """A roster form of ``fields`` (header -> (element, ledger)), its template rendered into ``folder``
    and its definition installed; returns the template to fill."""
    template = folder / f"{form_id}.xlsx"
    render_template({"title": form_id, "columns": list(fields), "layout": "roster",
                     "options": {"serial": True, "total_row": None, "footer": False, "number_row": False}}, template)
    fd = FormDef(id=form_id, title=form_id, layout="roster", template=template.name, department=department,
                 fields=[FieldDef(header=h, element=e, ledger=lg, column=e if lg else None)
                         for h, (e, lg) in fields.items()])
    save_forms(engine, f"test-{form_id}", [fd])  # a pack of its own: saving a pack replaces its forms
    return template


def person(n: int, **over: Any) -> dict[str, Any]:
    """A plausible roster row; ``n`` makes the person unique."""
    born = date(1950 + n % 40, 1 + n % 12, 1 + n % 27)
    row = {"姓名": f"张{'一二三四五六七八九十'[n % 10]}{'明华强芳'[n % 4]}", "性别": "男" if n % 2 else "女",
           "身份证号码": id_number(born, 100 + n * 2 + n % 2), "出生日期": born.isoformat(),
           "联系电话": f"138{n:08d}", "村（社区）": "红星村", "家庭住址": f"临江镇红星村{n % 9 + 1}组{n}号",
           "残疾类别": "肢体残疾", "残疾等级": "二级", "补贴金额/生活补贴（元）": 100, "发放月份": "2024年1月"}
    row.update(over)
    return row


def map_to(engine, form_id: str, fields: dict[str, tuple[str, str, str]]) -> None:
    """Install a faulty definition, as a pack owner might write one: each field (by header) fed to
    the given element, ledger and ledger column."""
    from sqlalchemy import update

    from yibiaotong.forms.store import get_form
    from yibiaotong.store.schema import form as form_table

    fd = get_form(engine, form_id)
    for header, (element, ledger, column) in fields.items():
        target = fd.field(header)
        target.element, target.ledger, target.column = element, ledger, column
    with engine.begin() as conn:
        conn.execute(update(form_table).where(form_table.c.id == form_id).values(definition=fd.to_dict()))


YONGCHUAN = Path(__file__).resolve().parents[2] / "packs" / "yongchuan"


@pytest.fixture
def yongchuan(tmp_path):
    """A SQLite database with the Yongchuan pack installed (its forms, ledgers and org tree)."""
    from yibiaotong.setup import install_pack
    from yibiaotong.store.engine import connect
    from yibiaotong.store.migrate import upgrade

    engine = connect(tmp_path / "yc.db")
    upgrade(engine)
    install_pack(engine, YONGCHUAN)
    yield engine
    engine.dispose()
