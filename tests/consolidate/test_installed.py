"""Reviewing an installation's consolidation: the installed forms matched again with confidence and
reason, decisions kept in the database with who and when, applied and exported like `ybt decide`'s."""

from __future__ import annotations

import shutil

import pytest
import yaml
from sqlalchemy import func, select, update

from tests.consolidate.review_pack import make_pack
from yibiaotong.consolidate import run, stored_decisions
from yibiaotong.consolidate.installed import read_installation, reviewed, signature
from yibiaotong.errors import YbtError
from yibiaotong.setup import install_pack
from yibiaotong.store.schema import audit
from yibiaotong.store.schema import form as form_table


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    return make_pack(tmp_path_factory.mktemp("review"))


def _audit_rows(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(audit)).scalar_one()


def test_installed_forms_are_matched_again_with_confidence_and_reason(engine, pack):
    install_pack(engine, pack)
    installation = read_installation(engine)
    assert [f.id for f in installation.forms] == ["低保户花名册", "残疾人花名册", "青菜头统计表"]
    assert installation.pack_folders == {"district": pack}
    dibao = installation.form("低保户花名册")
    assert dibao.definition.department == "民政局" and dibao.problem is None
    by_header = {f.header: f for f in dibao.proposal.fields}
    head = by_header["户主姓名"]
    assert head.element == "household_head_name" and head.confidence >= 0.9 and "户主" in head.reason
    new = by_header["养殖规模（头）"]
    assert new.confidence < 0.7 and "新建数据元" in new.reason and new.element.startswith("x_")
    # the same element as the installed definition: the plan is deterministic
    installed = {f.header: f.element for f in dibao.definition.fields}
    assert all(installed[f.header] == f.element for f in dibao.proposal.fields)
    assert installation.element_ledger["household_head_name"] == "person_household"
    assert [e.id for e in installation.find_elements("户主姓名")][0] == "household_head_name"
    assert installation.find_elements("  ") == []


def test_a_missing_template_is_said_and_changes_the_signature(engine, pack, tmp_path):
    pack = shutil.copytree(pack, tmp_path / "district")
    install_pack(engine, pack)
    before = signature(engine)
    assert signature(engine) == before
    with engine.begin() as conn:  # a definition edited and installed again
        definition = conn.execute(select(form_table.c.definition).where(form_table.c.id == "低保户花名册")).scalar_one()
        definition["fields"][0]["element"] = "person_name"
        conn.execute(update(form_table).where(form_table.c.id == "低保户花名册").values(definition=definition))
    assert signature(engine) != before
    stale = read_installation(engine).form("低保户花名册")
    assert stale.definition.fields[0].element == "person_name" != stale.proposal.fields[0].element
    before = signature(engine)
    (pack / "forms" / "青菜头统计表.xlsx").unlink()
    assert signature(engine) != before
    form = read_installation(engine).form("青菜头统计表")
    assert form.proposal is None and form.problem.code == "file-not-found"


def test_decisions_are_kept_with_who_and_when_and_applied_like_ybt_decide(engine, pack, tmp_path):
    install_pack(engine, pack)
    installation = read_installation(engine)
    form = installation.form("低保户花名册")
    common = {"form": form.id, "file": form.file, "sheet": form.sheet, "elements": installation.elements}
    stored_decisions.record(engine, header="养殖规模（头）", action="reject", note="一次性调查", by="admin", **common)
    stored_decisions.record(engine, header="家庭人口", action="reassign", element="household_size", by="zhang", **common)
    kept = stored_decisions.record(engine, header="家庭人口", action="accept", by="admin", **common)  # newest wins
    assert kept.by == "admin" and kept.at is not None and kept.action == "accept"

    with pytest.raises(YbtError) as bad:
        stored_decisions.record(engine, header="户主姓名", action="reassign", element="no_such_element", by="admin",
                                **common)
    problem = bad.value.problems[0]
    assert problem.code == "unknown-element" and "no_such_element" in problem.message_zh
    assert problem.location["header"] == "户主姓名" and problem.location["file"] == "低保户花名册.xlsx"
    with pytest.raises(YbtError, match="改派须指定数据元"):
        stored_decisions.record(engine, header="户主姓名", action="reassign", element=" ", by="admin", **common)
    assert len(stored_decisions.stored(engine)) == 3  # refused decisions left nothing behind

    current = reviewed(form.proposal, stored_decisions.decisions(stored_decisions.stored(engine, form=form.id)))
    fields = {f.header: f for f in current.fields}
    assert fields["养殖规模（头）"].element is None and fields["养殖规模（头）"].decided == "reject"
    assert "人工审核（admin）" in fields["养殖规模（头）"].reason and "一次性调查" in fields["养殖规模（头）"].reason
    assert fields["家庭人口"].decided == "accept" and fields["家庭人口"].confidence == 1.0
    assert fields["户主姓名"].decided is None  # untouched
    assert form.proposal.fields[4].element is not None  # the proposal itself stays as the matcher made it


def test_exported_decisions_are_reapplied_by_every_consolidation_run(engine, pack, tmp_path):
    pack = shutil.copytree(pack, tmp_path / "district")
    install_pack(engine, pack)
    installation = read_installation(engine)
    form = installation.form("残疾人花名册")
    stored_decisions.record(engine, form=form.id, file=form.file, sheet=form.sheet, header="联系电话",
                            action="reassign", element="household_head_phone", by="admin",
                            elements=installation.elements)
    audits = _audit_rows(engine)
    written = stored_decisions.export(engine, pack / "decisions.yaml", {form.id}, by="admin")
    assert written == 1 and _audit_rows(engine) == audits + 1
    saved = yaml.safe_load((pack / "decisions.yaml").read_text(encoding="utf-8"))["fields"]
    assert saved == [{"file": "残疾人花名册.xlsx", "sheet": form.sheet, "header": "联系电话", "action": "reassign",
                      "element": "household_head_phone", "by": "admin"}]
    plan = run([pack / "forms"], pack=str(pack))  # decisions.yaml next to the pack is read by every run
    field = next(f for pf in plan.forms if pf.title == "残疾人花名册" for f in pf.fields if f.header == "联系电话")
    assert field.element == "household_head_phone" and field.decided == "reassign" and "admin" in field.reason
    assert stored_decisions.export(engine, pack / "decisions.yaml", {form.id}, by="admin") == 1  # idempotent
    assert len(yaml.safe_load((pack / "decisions.yaml").read_text(encoding="utf-8"))["fields"]) == 1
