"""Logging test clients in."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.access.world import PASSWORD


def csrf_of(text: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', text).group(1)


def login_client(app, user: str, password: str = PASSWORD) -> TestClient:
    c = TestClient(app, raise_server_exceptions=False)
    r = c.post("/login", data={"username": user, "password": password, "csrf": csrf_of(c.get("/login").text),
                               "next": "/"}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return c
