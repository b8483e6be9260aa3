"""Property-based fuzzing of the JSON API against its own OpenAPI schema (Schemathesis).

Every operation of /openapi.json is called in-process (ASGI) with generated requests,
valid and invalid, on a fresh migrated database with the bundled drug data and the
staff users of tests/integration/staff.py, and every response goes through all of
Schemathesis's checks: never a server error, status codes and bodies as the schema
declares them, invalid input refused, and so on.

FUZZ_EXAMPLES sets the examples per operation: 25 by default (the normal test run,
derandomized so CI is reproducible); `make fuzz` runs 1,000 with a random seed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from app.accounts.service import login
from app.config import Settings
from app.db import session_scope
from app.http.state import of_app
from app.main import create_app
from tests.builders import bundled_dataset
from tests.conftest import Databases
from tests.integration.conftest import publish
from tests.integration.staff import PASSWORD, Staff, add_staff

if TYPE_CHECKING:
    from schemathesis.specs.openapi.schemas import OpenApiCase

#: Checks left out, each for a reason:
#: - positive_data_acceptance: a schema-valid request can still be refused (422) by design,
#:   because checklist and drug ids are checked against the published data version, which
#:   a static schema cannot list (e.g. {"avoid": ["x"]}).
KNOWN: list[schemathesis.CheckFunction] = [schemathesis.checks.positive_data_acceptance]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
RANDOM = os.environ.get("FUZZ_RANDOM", "") == "1"
#: Responses per operation and status code, for the summary in conftest.py.
STATS: dict[str, dict[int, int]] = {}


class TabletAndCodeLimits(TypedDict):
    """The per-minute limits UNLIMITED lifts, as Settings names and types them."""

    tablet_per_client_per_minute: int
    tablet_overall_per_minute: int
    code_misses_per_minute: int


#: Thousands of requests from one client within a minute are the point here: the abuse
#: limits (ADR 0011, tested in tests/integration/test_abuse_limits.py) must not make
#: what the fuzzing sees depend on how fast it runs. Failed logins stay limited.
UNLIMITED: TabletAndCodeLimits = {
    "tablet_per_client_per_minute": 10**9,
    "tablet_overall_per_minute": 10**9,
    "code_misses_per_minute": 10**9,
}


def _schema_app() -> FastAPI:
    """Only for reading the schema: building it opens no database."""
    return create_app(Settings(env="test", database_url="sqlite:///schema-only.db"))


schema = schemathesis.openapi.from_dict(_schema_app().openapi())
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=EXAMPLES
)
#: A body over SDM_MAX_BODY_BYTES is refused with 413 before anything else is looked at
#: (the schema declares it): for an invalid request that is a rejection too.
_rejection = schema.config.checks.negative_data_rejection
_rejection.expected_statuses = [*_rejection.expected_statuses, "413"]


@dataclass
class Target:
    app: FastAPI
    staff: Staff
    tokens: dict[str, str]

    def fresh_token(self, username: str) -> str:
        """A new bearer token, straight from the service: for revoke, which ends it."""
        engine = of_app(self.app).engine
        with session_scope(engine) as session:
            outcome = login(
                session,
                username=username,
                password=PASSWORD,
                totp=self.staff.code(username),
                client="fuzz-setup",
                kind="api",
                policy=of_app(self.app).session_policy,
            )
        assert outcome.secret is not None
        return outcome.secret

    def headers_for(self, path: str) -> dict[str, str]:
        if path == "/api/v1/auth/revoke":
            token = self.fresh_token("phil")
        elif path.startswith("/api/v1/service"):
            token = self.tokens["lena"]
        elif path.startswith("/api/v1/audit"):
            token = self.tokens["ada"]
        elif path.endswith("/approve"):  # never the author: phil opens the drafts
            token = self.tokens["pia"]
        else:
            token = self.tokens["phil"]
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def target(databases: Databases) -> Iterator[Target]:
    from tests.conftest import migrate

    url = databases.empty()
    migrate(url)
    publish(url, bundled_dataset())
    staff = add_staff(url)
    app = create_app(Settings(database_url=url, env="test", **UNLIMITED))
    result = Target(app, staff, {})
    result.tokens = {name: result.fresh_token(name) for name in ("phil", "pia", "ada", "lena")}
    yield result
    of_app(app).engine.dispose()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case: OpenApiCase, target: Target) -> None:
    response = case.call(app=target.app, headers=target.headers_for(case.path))
    statuses = STATS.setdefault(case.operation.label, {})
    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    case.validate_response(response, excluded_checks=KNOWN)
