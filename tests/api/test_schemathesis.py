"""Property-based run over every operation of the OpenAPI schema (schemathesis): whatever the
input, valid or not, no server error and no response that contradicts the schema, on SQLite and
PostgreSQL.

Bounded so the suite stays fast on a 2-core machine: a fixed number of examples per operation and
generation mode (``NIGRAN_SCHEMATHESIS_EXAMPLES``, default 10), derandomised, so a failure
reproduces on the next run. Requests carry a token of an account with every review and legal
role, so the generated calls reach the code behind the authorisation checks instead of stopping
at 401.
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from nigran.api import create_app
from nigran.review import auth
from nigran.store import Store

EXAMPLES = int(os.environ.get("NIGRAN_SCHEMATHESIS_EXAMPLES", "10"))


def test_no_server_error_and_no_schema_violation(store: Store) -> None:
    auth.add_user(
        store, "fuzz-admin", "a long enough password", roles=("admin", "lead", "legal", "reviewer")
    )
    headers = {"Authorization": f"Bearer {auth.create_token(store, 'fuzz-admin')}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(store))
    checks = [not_a_server_error, response_schema_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    statuses: list[int] = []
    assert len(operations) >= 40  # every operation, none lost to a schema the tool cannot read
    for operation in operations:
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @given(case=cases)
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def call(case: Any) -> None:
            statuses.append(case.call_and_validate(headers=headers, checks=checks).status_code)

        call()
    # Some calls got past validation and authorisation, and every operation was called.
    assert any(200 <= s < 300 for s in statuses) and len(statuses) >= len(operations)
