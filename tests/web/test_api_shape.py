"""Every API error has one JSON shape, whatever raised it; the OpenAPI document describes the API."""

from __future__ import annotations

import logging

from fastapi.testclient import TestClient

from tests.access.world import LJ_VILLAGE, ZT_VILLAGE

SHAPE = {"ok", "error", "message", "details"}


def _client(app, world, user="linjiang") -> TestClient:
    c = TestClient(app, raise_server_exceptions=False)
    c.headers["Authorization"] = f"Bearer {world.tokens[user]}"
    return c


def test_errors_have_one_shape(shared_app, shared_world):
    c = _client(shared_app, shared_world)
    rid = shared_world.record_in("person_identity", LJ_VILLAGE)
    cases = {
        401: TestClient(shared_app).get("/api/ledgers"),
        403: c.get("/api/ledgers/person_identity/records", params={"org_unit": ZT_VILLAGE}),
        404: c.get("/api/ledgers/nope"),
        405: c.delete("/api/ledgers"),
        409: c.patch(f"/api/ledgers/person_identity/records/{rid}", json={"version": 999, "values": {"person_name": "x"}}),
        422: c.get("/api/ledgers/person_identity/records", params={"limit": "many"}),
    }
    for status, r in cases.items():
        body = r.json()
        assert r.status_code == status and set(body) == SHAPE and body["ok"] is False, (status, body)
        assert isinstance(body["error"], str) and body["message"] and isinstance(body["details"], list)
    assert cases[404].json()["error"] == "not-found" and cases[401].json()["error"] == "login-required"
    assert cases[422].json()["error"] == "invalid-request" and cases[409].json()["error"] == "version-conflict"
    assert c.get("/api/no/such/route").json()["error"] == "not-found"
    assert c.get("/api/ledgers/person_identity/records", params={"cursor": "garbage!"}).json()["error"] == "invalid-request"


def test_validation_errors_never_echo_the_input(shared_app, shared_world):
    c = _client(shared_app, shared_world, "admin")
    secret = shared_world.people[0].id_number
    r = c.post("/api/ledgers/person_identity/records/1/reveal", json={"column": 5, "purpose": secret, "x": secret})
    assert r.status_code == 422 and secret not in r.text and set(r.json()) == SHAPE


def test_unexpected_errors_are_500_in_the_same_shape_and_logged_without_values(shared_world, caplog):
    from yibiaotong.web.app import create_app

    app = create_app(engine=shared_world.engine, secret_key="test")
    secret = shared_world.people[0].id_number

    @app.get("/api/boom")
    def boom():
        raise RuntimeError(f"failed on {secret}")

    caplog.set_level(logging.ERROR)
    r = TestClient(app, raise_server_exceptions=False).get("/api/boom")
    assert r.status_code == 500 and r.json() == {"ok": False, "error": "internal-error",
                                                 "message": "服务器内部错误，操作未完成", "details": []}
    assert "RuntimeError" in caplog.text and secret not in caplog.text and secret[:6] + "********" in caplog.text


def test_openapi_document_describes_the_api_and_token_auth(shared_app):
    doc = TestClient(shared_app).get("/openapi.json").json()
    assert "/api/ledgers/{ledger_id}/records" in doc["paths"]
    assert not [p for p in doc["paths"] if not p.startswith("/api")]  # pages are not part of the API
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_pagination_walks_forward_and_back_over_every_record(shared_app, shared_world):
    c = _client(shared_app, shared_world, "admin")
    seen, cursor, pages = [], None, []
    while True:
        body = c.get("/api/ledgers/person_identity/records", params={"limit": 4, "cursor": cursor}).json()
        pages.append(body)
        seen += [r["id"] for r in body["records"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == shared_world.count("person_identity", None)
    back = c.get("/api/ledgers/person_identity/records", params={"limit": 4, "cursor": pages[2]["prev_cursor"]}).json()
    assert [r["id"] for r in back["records"]] == [r["id"] for r in pages[1]["records"]]
    # sorted by a column, descending, ties broken by record number
    by_name, cursor = [], None
    while True:
        body = c.get("/api/ledgers/person_identity/records",
                     params={"limit": 5, "sort": "person_name", "desc": True, "cursor": cursor}).json()
        by_name += [r["values"]["person_name"] for r in body["records"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert by_name == sorted(by_name, reverse=True) and len(by_name) == shared_world.count("person_identity", None)


def test_access_log_lines_are_redacted(shared_world, caplog):
    from yibiaotong.web.logs import install_redaction

    install_redaction()
    secret = shared_world.people[0].id_number
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET",
                                             f"/api/ledgers/person_identity/records?q={secret}", "1.1", 200)
    assert secret not in caplog.text and secret[-4:] in caplog.text
