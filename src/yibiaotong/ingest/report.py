"""What an import did (导入结果): per sheet and per ledger, every problem, and one sentence to say it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from yibiaotong.errors import Problem

STATUS_ZH = {
    "imported": "导入完成", "no-change": "数据无变化", "already-imported": "该文件已导入过，数据无变化",
    "rejected": "文件有错误，按严格模式整体未导入", "failed": "文件未能导入",
}


@dataclass
class LedgerCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicate_keys: int = 0


@dataclass
class LinkedRow:
    row: int
    record: str  # the person's key, masked
    probability: float


@dataclass
class SheetReport:
    sheet: str
    form: str | None = None
    form_title: str | None = None
    score: float = 0.0
    period: str | None = None
    rows_read: int = 0
    rows_imported: int = 0
    rows_invalid: int = 0
    rows_queued: int = 0  # waiting for a person to confirm who they are
    ledgers: dict[str, LedgerCounts] = field(default_factory=dict)
    linked: list[LinkedRow] = field(default_factory=list)
    conflicts: int = 0  # listed for review
    values_kept: int = 0  # new values that lost to the current one (authority, newer period)
    missing_fields: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.rows_queued or self.conflicts or self.values_kept
                    or any(c.inserted or c.updated for c in self.ledgers.values()))

    def nothing_stored(self) -> None:
        """The sheet's rows were rolled back (strict mode): what was read and found wrong stays, what
        would have been stored, linked, queued or listed for review is none (duplicate keys are the
        file's own)."""
        self.rows_imported = self.rows_queued = self.conflicts = self.values_kept = 0
        self.ledgers = {lid: LedgerCounts(duplicate_keys=c.duplicate_keys) for lid, c in self.ledgers.items()}
        self.linked = []


@dataclass
class ImportReport:
    file: str
    file_hash: str | None = None
    status: str = "failed"
    sheets: list[SheetReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # what kept rows (or the file) out
    warnings: list[Problem] = field(default_factory=list)  # what was read anyway, and how
    error_workbook: str | None = None
    seconds: float = 0.0
    strict: bool = False

    def reject(self) -> None:
        """Strict mode found wrong rows: the file's transaction is rolled back, so no row of any
        sheet counts as imported (the right ones were not stored either)."""
        self.status = "rejected"
        for sheet in self.sheets:
            sheet.nothing_stored()
        # rows linked to a person or asked about were rolled back too: nothing to say of them
        self.warnings = [w for w in self.warnings if w.code not in ("row-linked", "row-link-uncertain")]

    @property
    def ok(self) -> bool:
        return self.status in ("imported", "no-change", "already-imported")

    @property
    def every_row_refused(self) -> bool:
        """Rows were read and every one was refused (none stored, none waiting for a person): nothing of
        the file is in the ledgers, though the file itself could be read."""
        return bool(self.rows_invalid and not self.rows_imported and not any(s.rows_queued for s in self.sheets))

    @property
    def rows_read(self) -> int:
        return sum(s.rows_read for s in self.sheets)

    @property
    def rows_imported(self) -> int:
        return sum(s.rows_imported for s in self.sheets)

    @property
    def rows_invalid(self) -> int:
        return sum(s.rows_invalid for s in self.sheets)

    @property
    def rows_per_s(self) -> float:
        return self.rows_read / self.seconds if self.seconds else 0.0

    @property
    def message(self) -> str:
        """One sentence for the clerk."""
        head = STATUS_ZH[self.status]
        if self.status == "failed":
            return f"{head}：{self.problems[0].message_zh}" if self.problems else head
        if self.status == "rejected":
            return self._rejected_message(head)
        parts = [f"读取{self.rows_read}行", f"导入{self.rows_imported}行"]
        unchanged = self.status in ("no-change", "already-imported")  # nothing written: say why, not 导入N行
        if self.rows_invalid and unchanged:  # "no change" must not hide the rows left out
            head = "没有导入任何行" if not self.rows_imported else f"{self.rows_invalid}行有错误未导入"
            if self.status == "already-imported":
                head = f"该文件已导入过，{head}"
            parts[1:] = ([f"{self.rows_invalid}行都有错误"] if not self.rows_imported
                         else [f"其余{self.rows_imported}行与台账一致，数据无变化"])
        elif self.rows_invalid:
            parts.append(f"{self.rows_invalid}行有错误未导入")
        elif unchanged and not self.rows_read:
            parts = ["表头下面没有填写任何数据行"]  # a blank template sent back: not 读取0行，导入0行
        elif unchanged and self.rows_imported == self.rows_read:
            parts[1] = "均与台账一致"  # not 导入13行: nothing was written, not twice either
        queued = sum(s.rows_queued for s in self.sheets)
        if queued:
            parts.append(f"{queued}行待人工确认人员身份")
        conflicts = sum(s.conflicts for s in self.sheets)
        if conflicts:
            parts.append(f"{conflicts}个数据冲突待核对")
        text = f"{head}：" + "，".join(parts)
        if self.error_workbook:
            text += f"。错误清单：{self.error_workbook}（改正后可重新导入）"
        return text

    def _rejected_message(self, head: str) -> str:
        """Strict mode: the right rows were rolled back with the wrong ones, and the error workbook
        holds only the wrong ones, so importing it corrected would leave the right ones out: the
        clerk corrects the original file and imports all of it again."""
        wrong, right = self.rows_invalid, self.rows_read - self.rows_invalid
        text = f"{head}：读取{self.rows_read}行，其中{wrong}行有错误，整个文件一行也没有导入。请在原文件中改正这{wrong}行"
        if self.error_workbook:
            text += f"（错误清单 {self.error_workbook} 列出了这些行）"
        text += "，再重新导入整个原文件"
        if self.error_workbook and right > 0:
            text += f"；只导入改好的错误清单会漏掉正确的{right}行"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "every_row_refused": self.every_row_refused, "status": self.status, "message": self.message, "file": self.file,
            "file_hash": self.file_hash, "rows_read": self.rows_read, "rows_imported": self.rows_imported,
            "rows_invalid": self.rows_invalid, "seconds": round(self.seconds, 3),
            "rows_per_s": round(self.rows_per_s, 1), "error_workbook": self.error_workbook,
            "sheets": [{
                "sheet": s.sheet, "form": s.form, "form_title": s.form_title, "score": round(s.score, 3),
                "period": s.period, "rows_read": s.rows_read, "rows_imported": s.rows_imported,
                "rows_invalid": s.rows_invalid, "rows_queued": s.rows_queued, "conflicts": s.conflicts,
                "values_kept": s.values_kept, "missing_fields": s.missing_fields, "extra_columns": s.extra_columns,
                "ledgers": {k: vars(v) for k, v in s.ledgers.items()},
                "linked": [vars(x) for x in s.linked],
            } for s in self.sheets],
            "problems": [p.to_dict() for p in self.problems],
            "warnings": [p.to_dict() for p in self.warnings],
        }
