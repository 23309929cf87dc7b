"""schemathesis against the OpenAPI document, as an admin (so ``/api/admin/*`` and
``/api/jobs`` answer too): over every operation the document lists, neither data that fits the
schema nor data that breaks it makes the server fail (500), and every answer matches the schema
the document gives for it.

Bounded: a few generated examples per operation and mode, over the default pack on SQLite,
with some records in place so that reads by id can find one. Hostile values aimed at each
field type are ``tests/api/test_hostile_properties.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
)

from engine.api.app import create_app  # noqa: E402
from engine.runtime.factory import build_engine  # noqa: E402
from tests.auth_helpers import bearer  # noqa: E402

SERVICE = Path(__file__).resolve().parents[2] / "packs" / "service_default"
#: Examples per operation and generation mode.
EXAMPLES = 3


def _app(tmp_dir: Path) -> Any:
    runtime = build_engine([SERVICE], f"sqlite:///{tmp_dir / 'fuzz.db'}")
    customer = runtime.records.create("customer", {"name": "Fuzz Ltd"}, "setup")
    runtime.records.create("ticket", {"subject": "s", "priority": "P2",
                                      "customer": customer["id"]}, "setup")
    # Public endpoints are rate-limited; the fuzzer is one client sending many requests.
    return create_app(runtime, public_rate_limit=100_000), runtime


def _fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=[
            not_a_server_error, response_schema_conformance, content_type_conformance])

    run()


@pytest.mark.slow
def test_no_500_and_every_answer_matches_the_schema_on_every_operation(tmp_path: Path) -> None:
    app, runtime = _app(tmp_path)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    documented = {(method.upper(), path) for path, item in app.openapi()["paths"].items()
                  for method in item}
    failures: list[str] = []
    covered: set[tuple[str, str]] = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        covered.add((operation.method.upper(), operation.path))
        # A user and token of its own per operation: revoking tokens, logging out or
        # deactivating users (which the fuzzer does) must not end the next ones' credential.
        headers = bearer(runtime, f"fuzz-admin-{len(covered)}")
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, headers)
            except Exception as exc:  # collect every operation's failure, then report them all
                failures.append(f"{operation.label} ({mode}): {str(exc)[:800]}")
    runtime.close()
    assert covered == documented
    assert {("GET", "/api/admin/users"), ("PATCH", "/api/admin/users/{user_id}"),
            ("GET", "/api/admin/auth-events"), ("GET", "/api/jobs"),
            ("POST", "/api/jobs/{job_id}/retry")} <= covered
    assert not failures, "\n\n".join(failures)
