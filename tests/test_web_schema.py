"""Schemathesis over the web API's OpenAPI description: generated requests (odd ids, pages, queries,
bodies) never make the server fail (no 5xx), on the hostile sample collection."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from archive.store.db import make_engine
from archive.web.app import create_app
from tests.helpers.collection import build_collection


def test_no_server_error(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'archive.db'}")
    build_collection(engine)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(engine, secret="s", anonymous_read=True))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5
    failures = []
    for op in operations:
        @given(case=op.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            response = case.call()
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, response.status_code, response.text[:200]))
        check()
    assert not failures, failures[:5]
