"""The overview page: burden figures and bar charts drawn as inline SVG by the server, records counted
within the user's scope only, and what is new (imports, alerts) in that scope."""

from __future__ import annotations

import re

import pytest

from tests.access.world import DISTRICT, HEWAN, LINJIANG, LJ_GRID, LJ_VILLAGE, SCOPES, ZHUTUO, ZT_VILLAGE
from tests.web.helpers import login_client
from tests.web.review_world import ALERTS, IMPORTS, add_review_data
from yibiaotong.ledgers import LedgerStore
from yibiaotong.web.app import create_app
from yibiaotong.web.charts import Bar, bar_chart, top

WORLD_LEDGERS = ("person_identity", "person_disability", "land_planting")


@pytest.fixture(scope="module")
def app(shared_world, tmp_path_factory):
    add_review_data(shared_world, tmp_path_factory.mktemp("pack"))
    return create_app(engine=shared_world.engine, secret_key="test")


def bars(page: str, chart: str) -> dict[str, float]:
    """{label: value} of one chart on the page, read from the SVG (full label in each bar's title)."""
    section = re.search(rf'<section class="panel" id="chart-{chart}">(.*?)</section>', page, re.S).group(1)
    assert "<svg" in section and "</svg>" in section
    return {label: float(value) for label, value in
            re.findall(r'<g class="bar[^"]*"><title>(.*?)：[^<]*</title>.*?data-value="([^"]+)"', section)}


def card(page: str, label: str) -> str:
    return re.search(rf"<b>([^<]+)</b><span>{label}", page).group(1)


def records(world, units: set[str] | None, ledgers=WORLD_LEDGERS) -> int:
    return sum(world.count(ledger, units) for ledger in ledgers)


def test_the_admin_sees_burden_figures_and_charts_of_the_whole_district(app, shared_world):
    page = login_client(app, "admin").get("/").text
    ledgers = len(LedgerStore(shared_world.engine).ledgers())  # the world's 3 and those the pack adds
    assert ledgers > 3 and card(page, "报表梳理为台账") == f"3 → {ledgers}"
    everything = records(shared_world, None)
    assert card(page, "台账记录").replace(",", "") == str(everything)
    towns = bars(page, "units")
    assert towns == {"临江镇": records(shared_world, SCOPES["linjiang"]), "朱沱镇": records(shared_world, SCOPES["zhutuo"]),
                     "永川区（本级）": records(shared_world, {DISTRICT})}
    assert sum(towns.values()) == everything
    assert bars(page, "ledgers") == {"人员基本信息台账": shared_world.count("person_identity", None),
                                     "残疾人信息台账": shared_world.count("person_disability", None),
                                     "耕地种植台账": shared_world.count("land_planting", None)}
    assert bars(page, "subjects") == {"人员": records(shared_world, None, WORLD_LEDGERS[:2]),
                                      "土地": shared_world.count("land_planting", None)}
    assert bars(page, "departments") == {"残联": 1, "民政局": 1, "农业农村委": 1}
    fields = bars(page, "fields")
    assert fields["由台账供给"] + fields["仍须手工填写"] == 5 + 5 + 6  # every field of the three forms
    assert all(title in page for title, _ in ALERTS.values())
    assert all(file_name in page for file_name, _, _ in IMPORTS.values())
    # served by the app itself: no script, and nothing from another host
    assert "<script" not in page and not re.search(r'(src|href)="(https?:)?//', page)


def test_a_town_clerk_sees_only_its_town(app, shared_world):
    page = login_client(app, "linjiang").get("/").text
    assert card(page, "台账记录").replace(",", "") == str(records(shared_world, SCOPES["linjiang"]))
    assert bars(page, "units") == {"临江村": records(shared_world, {LJ_VILLAGE, LJ_GRID}),
                                   "河湾村": records(shared_world, {HEWAN}),
                                   "临江镇（本级）": records(shared_world, {LINJIANG})}
    assert bars(page, "ledgers") == {name: shared_world.count(ledger, SCOPES["linjiang"]) for ledger, name in
                                     (("person_identity", "人员基本信息台账"), ("person_disability", "残疾人信息台账"),
                                      ("land_planting", "耕地种植台账"))}
    assert "朱沱" not in page  # neither a unit, an import nor an alert of the other town
    assert ALERTS[LJ_VILLAGE][0] in page and IMPORTS[LJ_VILLAGE][0] in page
    assert "待处理和已签收 1 条" in page


def test_a_grid_worker_sees_its_grid(app, shared_world):
    page = login_client(app, "lj_grid").get("/").text
    assert bars(page, "units") == {"临江村一网格（本级）": records(shared_world, {LJ_GRID})}
    assert card(page, "台账记录") == str(records(shared_world, {LJ_GRID}))
    assert "临江村低保户花名册" not in page  # an import of the village, above the grid
    assert "河湾村" not in page and "朱沱" not in page


def test_a_department_sees_its_granted_ledgers_district_wide_and_its_own_alerts(app, shared_world):
    page = login_client(app, "minzheng").get("/").text
    mine = ("person_identity", "person_disability")
    assert card(page, "台账记录").replace(",", "") == str(records(shared_world, None, mine))
    assert bars(page, "units") == {"临江镇": records(shared_world, SCOPES["linjiang"], mine),
                                   "朱沱镇": records(shared_world, SCOPES["zhutuo"], mine),
                                   "永川区（本级）": records(shared_world, {DISTRICT}, mine)}
    assert "耕地种植台账" not in page and "土地" not in bars(page, "subjects")
    assert ALERTS[LJ_VILLAGE][0] in page and ALERTS[ZT_VILLAGE][0] not in page  # 民政局's alert only
    assert IMPORTS[LJ_VILLAGE][0] in page and IMPORTS[ZT_VILLAGE][0] not in page
    other = login_client(app, "nongye").get("/").text
    assert ALERTS[ZT_VILLAGE][0] in other and ALERTS[LJ_VILLAGE][0] not in other
    assert set(bars(other, "ledgers")) == {"耕地种植台账"}


def test_the_overview_speaks_english(app):
    c = login_client(app, "zhutuo")
    c.get("/lang/en")
    page = c.get("/").text
    assert "Ledger records per org unit" in page and set(bars(page, "units")) == {"朱沱村", "朱沱镇 (itself)"}
    assert ZHUTUO and "临江" not in page


def test_bar_chart_scales_escapes_and_says_when_empty():
    svg = bar_chart([Bar("<甲>", 30), Bar("乙", 15, "ok", href="/ledgers/x")], "标题 & 说明", unit="条")
    assert svg.startswith('<svg class="chart"') and "&lt;甲&gt;" in svg and "标题 &amp; 说明" in svg
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert widths[0] == pytest.approx(2 * widths[1]) and 'href="/ledgers/x"' in svg and "bar-ok" in svg
    assert "30条" in svg and 'data-value="15"' in svg
    assert "没有数据" in bar_chart([], "空", empty="没有数据")
    assert top([Bar("a", 1), Bar("b", 3), Bar("c", 2)], 2) == ([Bar("b", 3), Bar("c", 2)], 1, 1)
