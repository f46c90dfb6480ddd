"""The web shell: login with CSRF and rate limiting, pages behind login, served assets."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from yibiaotong.demo import build_demo
from yibiaotong.web.app import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    db = tmp_path_factory.mktemp("web") / "demo.db"
    build_demo(db, scale=200)  # a small population: these tests are about the web shell
    with TestClient(create_app(str(db), secret_key="test")) as c:
        yield c


def csrf(client, path="/login") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def login(client, user="admin", password="ybt-demo-admin"):
    return client.post("/login", data={"username": user, "password": password, "csrf": csrf(client), "next": "/"},
                       follow_redirects=False)


def test_pages_need_login(client):
    client.cookies.clear()
    r = client.get("/elements", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/elements")


def test_login_shows_the_dictionary_and_the_org_tree(client):
    client.cookies.clear()
    r = login(client)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    overview = client.get("/")
    assert "数据元" in overview.text and "区大数据局" in overview.text
    elements = client.get("/elements", params={"q": "身份证"})
    assert "id_number" in elements.text
    assert "敏感" in client.get("/elements/id_number").text or "sensitive" in client.get("/elements/id_number").text
    assert "临江镇" in client.get("/orgunits").text
    assert "汉族" in client.get("/codelists/gb_t_3304_ethnic_group").text
    assert client.get("/elements/nope").status_code == 404
    # an element's checks in words, not as a Python dict
    assert "不能晚于今天" in client.get("/elements/birth_date").text
    age = client.get("/elements/age").text
    assert "最小值 0；最大值 150" in age and "{" not in age.split("校验")[1][:80]


def test_login_without_csrf_token_is_refused(client):
    client.cookies.clear()
    client.get("/login")
    r = client.post("/login", data={"username": "admin", "password": "ybt-demo-admin", "csrf": "forged"})
    assert r.status_code == 403


def test_wrong_passwords_are_rate_limited(client):
    client.cookies.clear()
    for _ in range(5):
        wrong = login(client, "linjiang", "wrong-password")
        assert wrong.status_code == 401 and 'name="username" value="linjiang"' in wrong.text  # retype the password only
    r = login(client, "linjiang", "ybt-demo-lj")
    assert r.status_code == 429 and "过多" in r.text


def test_logout_ends_the_session(client):
    client.cookies.clear()
    login(client, "minzheng", "ybt-demo-mz")
    assert client.get("/", follow_redirects=False).status_code == 200
    r = client.post("/logout", data={"csrf": csrf(client, "/")}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_static_assets_are_served_locally_and_pages_fetch_nothing_external(client):
    client.cookies.clear()
    login(client)
    assert client.get("/static/style.css").status_code == 200
    page = client.get("/").text
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert client.get("/api/health").json() == {"ok": True}


def test_pages_have_no_inline_script_the_content_security_policy_would_block():
    """default-src 'self' blocks onsubmit="…" and <script>…</script>: a confirmation written that
    way is silently skipped (disabling an account went ahead without asking)."""
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "src" / "yibiaotong" / "web" / "templates"
    for path in templates.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""\son[a-z]+\s*=\s*["']""", text), path.name
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path.name


def test_a_label_says_its_unit_once():
    """A consolidated element's name may carry the unit its forms print (扶助标准（元/月）, unit 元/月)."""
    from yibiaotong.web.render import templates

    with_unit = templates.env.filters["with_unit"]
    assert with_unit("扶助标准（元/月）", "元/月") == "扶助标准（元/月）"
    assert with_unit("扶助标准(元/月)", "元/月") == "扶助标准(元/月)"
    assert with_unit("生活补贴金额", "元") == "生活补贴金额（元）"
    assert with_unit("残疾等级", None) == "残疾等级"
