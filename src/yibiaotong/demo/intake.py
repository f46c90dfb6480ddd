"""A filled intake roster (残疾人两项补贴花名册.xlsx) for the intake demo, with planted bad rows.

Invalid ID numbers and the same person under two spellings without an ID cannot live in ledgers
(the store validates ID numbers and keys records by them), so they are planted here, in the kind
of file a village clerk uploads: ~200 rows of disabled residents of the synthetic population,
among them ID numbers with a wrong check character, an impossible birth date, or mangled by Excel
(stored as the number 5.00118E+17), and persons entered twice under two spellings without an ID.
Every planted row is listed in the manifest with its Excel row number and the person's true ID.
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from yibiaotong.demo.codes import wrong_checksum
from yibiaotong.demo.names import NameBook
from yibiaotong.elements.idnumber import checksum_char

FILE_NAME = "残疾人两项补贴花名册.xlsx"
ROWS = 200
FIRST_ROW = 4  # title, unit line, header, then data
HEADER = ["序号", "镇街", "村（社区）", "姓名", "性别", "身份证号", "残疾人证号", "残疾类别", "残疾等级", "联系电话",
          "家庭住址", "困难残疾人生活补贴（元/月）", "重度残疾人护理补贴（元/月）", "备注"]
CATEGORY = {"1": "视力", "2": "听力", "3": "言语", "4": "肢体", "5": "智力", "6": "精神", "7": "多重"}
LEVEL = {"1": "一级", "2": "二级", "3": "三级", "4": "四级"}
PLANTED = {"checksum": 4, "birth_date": 3, "mangled": 3, "two_spellings": 5}


def intake_entry(values: dict[str, Any], town: str, village: str) -> dict[str, Any]:
    """What the roster needs of a disabled resident's person fact (kept small: one per resident)."""
    keys = ("id_number", "person_name", "gender", "disability_cert_number", "disability_category", "disability_level",
            "phone", "address_household_registration", "disabled_living_subsidy_amount", "disabled_nursing_subsidy_amount")
    return {"town": town, "village": village, **{k: values.get(k) for k in keys}}


def intake_roster(pool: list[dict[str, Any]], seed: int, today: date) -> tuple[list[list[Any]], dict[str, list]]:
    """(rows as written, manifest items by kind). Deterministic for the pool and seed."""
    rnd = random.Random(f"{seed}/intake")
    names = NameBook()
    # recipients of the two subsidies first (that is what the roster is for), then other holders
    paid = [e for e in pool if e["disabled_living_subsidy_amount"] or e["disabled_nursing_subsidy_amount"]]
    others = [e for e in pool if e not in paid]
    chosen = rnd.sample(paid, min(len(paid), ROWS)) + rnd.sample(others, max(0, min(len(others), ROWS - len(paid))))
    chosen = sorted(chosen[:ROWS - PLANTED["two_spellings"]], key=lambda e: (e["town"], e["village"], e["id_number"]))
    rows = [_row(e) for e in chosen]
    broken: list[tuple[list, str, dict]] = []
    spots = rnd.sample(range(len(rows)), min(len(rows), PLANTED["checksum"] + PLANTED["birth_date"] + PLANTED["mangled"]))
    kinds = ["checksum"] * PLANTED["checksum"] + ["birth_date"] * PLANTED["birth_date"] + ["mangled"] * PLANTED["mangled"]
    for spot, problem in zip(spots, kinds):
        rows[spot][5] = _broken(chosen[spot]["id_number"], problem)
        broken.append((rows[spot], problem, chosen[spot]))
    # the same person twice, two spellings, no ID number: the clerk typed them from two lists
    twins: list[tuple[list, list, dict]] = []
    candidates = [i for i in range(len(rows)) if i not in spots and any(c in names.variants for c in rows[i][3][1:])]
    for spot in sorted(rnd.sample(candidates, min(len(candidates), PLANTED["two_spellings"])), reverse=True):
        original, twin = rows[spot], list(rows[spot])
        twin[3] = names.variant(rnd, original[3])
        original[5] = twin[5] = None
        original[6] = twin[6] = None  # the certificate number carries the ID number: missing too
        twin[13] = "补录"
        rows.insert(min(len(rows), spot + rnd.randint(1, 9)), twin)
        twins.append((original, twin, chosen[spot]))
    for i, row in enumerate(rows):
        row[0] = i + 1
    row_of = {id(r): FIRST_ROW + i for i, r in enumerate(rows)}
    items: dict[str, list] = {
        "intake_invalid_id": [{"file": FILE_NAME, "row": row_of[id(r)], "problem": problem, "id_number": e["id_number"],
                               "name": e["person_name"]} for r, problem, e in sorted(broken, key=lambda b: row_of[id(b[0])])],
        "intake_same_person_two_spellings": [
            {"file": FILE_NAME, "rows": [row_of[id(a)], row_of[id(b)]], "names": [a[3], b[3]], "id_number": e["id_number"]}
            for a, b, e in sorted(twins, key=lambda t: row_of[id(t[0])])]}
    return rows, items


def _row(e: dict[str, Any]) -> list[Any]:
    sex = {"1": "男", "2": "女"}.get(e["gender"], "")
    return [0, e["town"], e["village"], e["person_name"], sex, e["id_number"], e["disability_cert_number"],
            CATEGORY.get(e["disability_category"], ""), LEVEL.get(e["disability_level"], ""), e["phone"] or "",
            e["address_household_registration"], _amount(e["disabled_living_subsidy_amount"]),
            _amount(e["disabled_nursing_subsidy_amount"]), ""]


def _amount(value: Any) -> int | str:
    return int(value) if value else ""


def _broken(id_number: str, problem: str) -> str | float:
    if problem == "checksum":
        return wrong_checksum(id_number)
    if problem == "birth_date":  # 30 February, with a matching check character: only the date is wrong
        first17 = id_number[:10] + "0230" + id_number[14:17]
        return first17 + checksum_char(first17)
    # Excel keeps 15 significant digits of a number typed without the text prefix
    return float(id_number[:15] + "000")


def write_roster(folder: Path, pool: list[dict[str, Any]], seed: int, today: date) -> Path:
    rows, _items = intake_roster(pool, seed, today)
    folder.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.append([f"永川区{today.year}年{today.month}月困难残疾人生活补贴和重度残疾人护理补贴发放花名册"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([f"填报单位（盖章）：永川区残疾人联合会　　　　填报日期：{today.year}年{today.month}月{today.day}日"])
    ws.append(HEADER)
    thin = Side(style="thin")
    for row in rows:
        ws.append(row)
    for r in ws.iter_rows(min_row=3, max_row=ws.max_row):
        for cell in r:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            if cell.column == 6 and isinstance(cell.value, str):
                cell.number_format = "@"  # the ID column kept as text, as careful clerks do
    for col, width in zip("ABCDEFGHIJKLMN", (6, 12, 12, 9, 5, 21, 24, 8, 8, 13, 40, 12, 12, 8)):
        ws.column_dimensions[col].width = width
    path = folder / FILE_NAME
    wb.save(path)
    return path
