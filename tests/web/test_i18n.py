"""Chinese first, English on request: one catalogue per language, every key in both."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from tests.web.helpers import login_client
from yibiaotong.web.i18n import LANGUAGES, catalogue

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "yibiaotong" / "web" / "templates"
SOURCES = Path(__file__).resolve().parents[2] / "src" / "yibiaotong" / "web"


def test_catalogues_have_the_same_keys_and_every_used_key():
    zh, en = catalogue("zh"), catalogue("en")
    assert set(zh) == set(en)
    assert all(v.strip() for v in [*zh.values(), *en.values()])
    used = set()
    for path in [*TEMPLATES.glob("*.html"), *SOURCES.glob("*.py")]:
        used |= set(re.findall(r"""\bt(?:ranslate)?\((?:request, )?["']([a-z_]+\.[a-z_0-9.]+)["']""", path.read_text(encoding="utf-8")))
    used = {k for k in used if not k.endswith(("_", "."))}  # prefixes of keys built at run time, checked below
    assert used and used - set(zh) == set()
    prefixes = set(re.findall(r"""t\(["']([a-z_]+\.[a-z_]*)["'] ~""", "".join(p.read_text(encoding="utf-8") for p in TEMPLATES.glob("*.html"))))
    for prefix in prefixes:  # keys built at run time (roles, actions …) exist for every value
        assert any(k.startswith(prefix) for k in zh), prefix
    assert LANGUAGES == ("zh", "en")


def test_the_language_switch_is_kept_in_session_and_cookie(shared_app):
    c = TestClient(shared_app)
    assert "登录一表通" in c.get("/login").text
    r = c.get("/lang/en", params={"next": "/login"}, follow_redirects=False)
    assert r.status_code == 303 and "ybt_lang=en" in r.headers["set-cookie"]
    assert "Log in to Yibiaotong" in c.get("/login").text
    assert c.get("/lang/en", params={"next": "//evil.example"}, follow_redirects=False).headers["location"] == "/"



def test_the_language_switch_keeps_the_page_and_its_filters(shared_app):
    import html

    c = login_client(shared_app, "linjiang")
    page = c.get("/ledgers/person_identity", params={"fc": "gender", "fv": "女"}).text
    link = html.unescape(re.search(r'href="(/lang/en\?next=[^"]+)"', page).group(1))
    r = c.get(link, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/ledgers/person_identity?")
    after = c.get(r.headers["location"]).text
    assert "Ledgers" in after and "= 女 ✕" in after  # in English, the filter still applied

def test_pages_and_problems_speak_english_after_the_switch(shared_app, shared_world):
    c = login_client(shared_app, "linjiang")
    assert "台账" in c.get("/ledgers").text
    c.get("/lang/en")
    page = c.get("/ledgers").text
    assert "Ledgers" in page and "about" in page and "中文" in page
    assert "Not found" in c.get("/ledgers/nope").text
    rid = shared_world.record_in("person_identity", "500118103201")
    record = c.get(f"/ledgers/person_identity/records/{rid}").text
    assert "History and sources" in record and "Reveal in full" in record
    c.get("/lang/zh")
    assert "修改历史与来源" in c.get(f"/ledgers/person_identity/records/{rid}").text
