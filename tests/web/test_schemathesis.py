"""Property-based API testing from /openapi.json: generated requests (with an API token) never get a 500,
and every error has the one JSON shape. Bounded: a few examples per operation, well under a minute."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed (pip install -e '.[dev]')")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402

from yibiaotong.web.app import create_app  # noqa: E402

EXAMPLES = 15


def test_generated_requests_never_fail_with_a_server_error(shared_world):
    app = create_app(engine=shared_world.engine, secret_key="test")
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {shared_world.tokens['linjiang']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    failures = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, phases=[Phase.explicit, Phase.generate], database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, case.query, response.text[:200]))
            elif response.status_code >= 400:
                body = response.json()
                assert set(body) == {"ok", "error", "message", "details"} and body["ok"] is False, body

        check()
    assert not failures, failures[:5]
