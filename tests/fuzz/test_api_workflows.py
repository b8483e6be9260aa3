"""Stateful fuzzing: sequences of API calls that use what earlier calls returned.

Schemathesis infers the links between operations from the schema (a draft's id from
POST /drafts used by its edits, diff, submit and approve; a consultation's id and code
used to read it and record a decision) and runs random sequences of them, each response
going through the same checks as tests/fuzz/test_api_schema.py. This reaches what
random single requests cannot: real drafts submitted and approved (publishing new data
versions), real consultations read back and decided.

FUZZ_WORKFLOWS sets the number of sequences: 20 by default (derandomized), more in
`make fuzz`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, settings
from schemathesis.core.transport import Response

from app.curation import drafts
from app.db import session_scope
from app.http.state import of_app
from tests.fuzz.test_api_schema import KNOWN, RANDOM, STATS, Target, schema

if TYPE_CHECKING:
    from schemathesis.specs.openapi.schemas import OpenApiCase

WORKFLOWS = int(os.environ.get("FUZZ_WORKFLOWS", "20"))
STEPS = 8


def test_api_workflows_conform_to_the_schema(target: Target) -> None:
    machine = schema.as_state_machine()
    assert len(machine.bundles) >= 8, "link inference found too few producers to chain"

    class Workflow(machine):  # type: ignore[misc,valid-type]  # a base class made at run time
        def setup(self) -> None:
            """Every sequence starts with no draft open or submitted, as Hypothesis needs
            the same steps to give the same answers when it replays or shrinks one."""
            with session_scope(of_app(target.app).engine, write=True) as session:
                for draft in drafts.list_drafts(session):
                    if draft.status in ("open", "submitted"):
                        drafts.discard(session, draft, by="fuzz-setup")

        def get_call_kwargs(self, case: OpenApiCase) -> dict[str, object]:
            return {"app": target.app, "headers": target.headers_for(case.path)}

        def validate_response(
            self, response: Response, case: OpenApiCase, **kwargs: object
        ) -> None:
            statuses = STATS.setdefault(f"(workflow) {case.operation.label}", {})
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            case.validate_response(response, excluded_checks=KNOWN)

    Workflow.run(
        settings=settings(
            max_examples=WORKFLOWS,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=not RANDOM,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    linked = [label for label in STATS if label.startswith("(workflow)")]
    assert linked, "no workflow step ran"
