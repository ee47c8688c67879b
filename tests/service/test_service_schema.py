"""Schemathesis over the API's OpenAPI schema: no generated request gets a server error.

Requests are sent logged in (session cookie and CSRF header), so the checks reach past the
login, on a copy of the demo workspace (generated uploads and publishes change it). Path
ids are pointed at the demo program and run. Starting a match (a worker process each) and
logging out are left out; every other operation gets a bounded number of generated
examples (derandomized, so runs repeat), and each is counted.
"""

from __future__ import annotations

from collections import Counter

import schemathesis
from conftest import TOKEN, TestClient, login
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from service.app import create_app

#: Examples per operation: 10 send each of the 39 operations with inputs 10 requests and the
#: 2 without inputs their one (392 requests, 76 of them 2xx), at two thirds of the cost of
#: 15 (587 requests, about 114 2xx).
EXAMPLES = 10
SKIPPED = {("POST", "/api/v1/programs/{program_id}/jobs"), ("DELETE", "/api/v1/session")}


def test_no_generated_request_gets_a_server_error(demo_copy):
    demo = demo_copy
    app = create_app(demo.workspace, login_token=TOKEN)
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    with TestClient(app) as client:
        csrf = login(client)
        cookies = dict(client.cookies)
    checked, statuses = 0, []
    reached: Counter[tuple[str, str]] = Counter()
    without_inputs = set()  # one possible request each: hypothesis sends it once
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # an operation the schema could not load
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        if not list(operation.iter_parameters()) and not list(operation.body):
            without_inputs.add((operation.method.upper(), operation.path))

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case) -> None:
            # Aim at the demo's program and run, so the generated rest reaches the handlers
            # (unknown ids are tested elsewhere).
            params = case.path_parameters or {}
            if "program_id" in params:
                params["program_id"] = demo.program_id
            if "run_id" in params:
                params["run_id"] = demo.run_id
            response = case.call(headers={"X-CSRF-Token": csrf}, cookies=cookies)
            statuses.append((case.operation.path, response.status_code))
            reached[(case.method.upper(), case.operation.path)] += 1
            assert response.status_code < 500, (case.method, case.formatted_path,
                                                response.text[:500])

        check()
        checked += 1
    assert checked >= 18
    # Every operation reached its handler, each with inputs EXAMPLES times.
    assert len(reached) == checked and without_inputs, reached
    assert all(n >= EXAMPLES for op, n in reached.items() if op not in without_inputs), reached
    # Logged in, so generated requests get past the login: many succeed, none is a 401.
    codes = [code for path, code in statuses]
    assert sum(200 <= code < 300 for code in codes) > 50, sorted(set(codes))
    assert all(code != 401 for path, code in statuses if path != "/api/v1/session")
