"""The API keeps the contract its OpenAPI document states (schemathesis, in-process over WSGI).

Every operation of /api/v1/openapi.json is called with generated input (valid and invalid), as the
Secretariat, as a member's NCP, as its lead peer reviewer and without a token, on a world with data:
a cycle, two submitted assessments, a publication, a peer review under way. Half of the examples use
the world's real path parameters, so that not every answer is a 404. Every answer is checked: no
server error, and the status code, content type and body the document declares. A short stateful
run then chains operations through the links schemathesis infers (a token created, then revoked…).

The counts (operations, requests, statuses, failures) are printed at the end: run with `-s`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import accredited_reviewer
from pmm.core.actors import SYSTEM

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 6  # per generation mode; ~80 operations: keep the module well under 90 s
STATEFUL_STEPS = 25
STATEFUL_RUNS = 8


@dataclass
class Tally:
    """What the run did: requests per operation, and each distinct failure once."""

    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)

    def check(self, case: Any, response: Any) -> None:
        label = f"{case.method.upper()} {case.path}"
        self.requests[label] += 1
        self.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (AssertionError, FailureGroup) as failure:
            for problem in getattr(failure, "exceptions", None) or [failure]:
                title = getattr(problem, "title", type(problem).__name__)
                self.failures.setdefault((label, title), f"{problem}\n{case.as_curl_command()}"[:2000])


@pytest.fixture
def in_process_app():
    """Django's WSGI app, answering in the test's own database transaction.

    A real server closes "old" database connections around each request; here that would close the
    test's transaction, so the closing is switched off for the test, as Django's test client does.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


class Tokens:
    """Each role's API token, issued again when a generated call has revoked it (DELETE /me/tokens/…)."""

    def __init__(self, users: dict[str, Any]) -> None:
        self.users = users
        self.issued: dict[str, tuple[Any, str]] = {}

    def headers(self, role: str) -> dict[str, str]:
        from pmm.accounts.models import ApiToken
        from pmm.accounts.services import token_create

        user = self.users.get(role)
        if user is None:
            return {}
        token, secret = self.issued.get(role, (None, ""))
        if token is None or not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).exists():
            token, secret = token_create(actor=SYSTEM, user=user, name="contract")
            self.issued[role] = (token, secret)
        return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def world(published, make_user, open_cycle):
    """The data the operations read and change, and the tokens of the roles that call them.

    The path parameters that name a user or a token name spare ones, so that generated calls do not
    lock the calling roles out (they still may: `Tokens` then issues a new token).
    """
    from pmm.accounts.services import token_create
    from pmm.assessments.selectors import assessment_access
    from pmm.authz.roles import Role
    from pmm.reviews.services import review_assign, review_move, review_request

    ncp, admin = make_user(Role.NCP, "KEN"), make_user(Role.SECRETARIAT_ADMIN)
    review = review_request(actor=ncp, assessment=assessment_access(SYSTEM, open_cycle, "KEN"))
    review_move(actor=admin, review=review, action="accept")
    lead = accredited_reviewer(make_user, "CAN")
    review_assign(actor=admin, review=review, reviewer=lead, lead=True, accept_warnings=True)
    review_move(actor=admin, review=review, action="start")
    spare_user = make_user(Role.NCP, "FRA")
    spare_token, _secret = token_create(actor=SYSTEM, user=ncp, name="spare")
    real = {
        "cycle": open_cycle.pk,
        "iso3": "KEN",
        "code": "pmm-v1",
        "version": open_cycle.framework.version,
        "year": open_cycle.reporting_year,
        "number": 1,
        "kpi": "D1.O1.K1",
        "username": spare_user.username,
        "token_id": spare_token.pk,
    }
    return Tokens({"secretariat": admin, "ncp": ncp, "reviewer": lead, "anonymous": None}), real


def _real_parameters(operation: Any, real: dict[str, Any]) -> dict[str, Any]:
    names = {p.name for p in operation.path_parameters}
    chosen = {name: value for name, value in real.items() if name in names}
    if "code" in chosen and operation.path.startswith("/api/v1/groups"):
        chosen["code"] = "union-eu"
    return chosen


def _run_operation(operation: Any, tokens: Tokens, real: dict[str, Any], tally: Tally) -> None:
    strategies = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        strategies.append(operation.as_strategy(generation_mode=mode))
        known = _real_parameters(operation, real)
        if known:
            strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=known))

    @given(case=st.one_of(strategies), role=st.sampled_from(sorted(tokens.users)))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION * 2,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case: Any, role: str) -> None:
        tally.check(case, case.call(headers=tokens.headers(role)))

    call()


@pytest.mark.django_db
def test_every_operation_keeps_the_documented_contract(in_process_app, world, capsys):
    tokens, real = world
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", in_process_app)
    tally = Tally()
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        _run_operation(operation, tokens, real, tally)

    stateless = sum(tally.requests.values())
    state_machine = schema.as_state_machine()

    class Stateful(state_machine):  # type: ignore[misc,valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": tokens.headers("secretariat")}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            tally.check(case, response)

    run_state_machine_as_test(
        Stateful,
        settings=settings(
            max_examples=STATEFUL_RUNS,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        ),
    )

    with capsys.disabled():
        print(
            f"\nAPI contract: {len(operations)} operations ({len(tally.requests)} called), "
            f"{sum(tally.requests.values())} requests ({stateless} stateless), "
            f"statuses {dict(sorted(tally.statuses.items()))}, {len(tally.failures)} distinct failures"
        )
        for (label, title), detail in sorted(tally.failures.items()):
            print(f"  {label}: {title}\n    {detail.replace(chr(10), chr(10) + '    ')}")
    assert len(operations) > 70
    assert not tally.failures, sorted(tally.failures)
