"""Every declared action, for every role, against the real endpoints that perform it.

An allowed role must succeed; any other signed-in role gets 403 and the anonymous public 401 (API)
or a redirect to the sign-in page (web). Adding an action without a probe here fails the suite.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from pmm.assessments.models import Assessment
from pmm.assessments.services import assessment_submit
from pmm.authz import ACTIONS, MATRIX
from pmm.authz.matrix import ALL_MEMBERS_ROLES
from pmm.authz.roles import ANONYMOUS, Role
from pmm.core.actors import SYSTEM
from pmm.framework.services import framework_load
from pmm.reviews.services import query_raise, review_assign, review_move, review_request, reviewer_save

TINY = Path(__file__).parent / "data" / "tiny-framework.yaml"
ROLES = [ANONYMOUS, *Role.values]
MEMBER_OF = {Role.NCP: "KEN", Role.CONTRIBUTOR: "KEN", Role.PEER_REVIEWER: "CAN"}
_unique = count(1)


@dataclass(frozen=True)
class Probe:
    method: str
    path: str
    success: int
    body: Any = None
    files: dict[str, str] | None = None  # field -> path of the file to upload
    member: str | None = None  # the probe acts on this member's assessment: no view right answers 404
    setup: str = ""  # "complete": the assessment can be submitted; "submitted": it has been
    versioned: bool = False  # the body carries the version of the member's assessment after the setup


def _new_name() -> str:
    return f"probe{next(_unique)}"


def api_probe(action: str, cycle: int = 0) -> Probe:
    """The API call that performs `action`; built fresh per test so it can create unique things."""
    name = _new_name()
    kenya = f"/api/v1/cycles/{cycle}/assessments/KEN"
    probes = {
        "cycle.view": Probe("get", "/api/v1/cycles", 200),
        "cycle.manage": Probe(
            "post",
            "/api/v1/cycles",
            201,
            body={
                "framework": "pmm-v1",
                "reporting_year": 2020,
                "opens_on": "2025-12-08",
                "closes_on": "2026-06-30",
            },
        ),
        "cycle.status_board": Probe("get", f"/api/v1/cycles/{cycle}/board", 200),
        "assessment.view": Probe("get", kenya, 200, member="KEN"),
        "assessment.edit": Probe(
            "put",
            f"{kenya}/values",
            200,
            member="KEN",
            body={"version": 0, "values": [{"element": "DECL_TOTAL", "period": "T", "value": 1000}]},
        ),
        "assessment.set_disclosure": Probe(
            "put", f"{kenya}/kpis/D1.O1.K1", 200, member="KEN", body={"disclosure": "country", "version": 0}
        ),
        "assessment.submit": Probe(
            "post", f"{kenya}/submit", 200, member="KEN", setup="complete", body={}, versioned=True
        ),
        "assessment.reopen": Probe(
            "post",
            f"{kenya}/reopen",
            200,
            member="KEN",
            setup="submitted",
            body={"reason": "probe"},
            versioned=True,
        ),
        "result.publish": Probe(
            "post", f"/api/v1/cycles/{cycle}/publications", 201, setup="submitted", body={"note": "probe"}
        ),
        "review.request": Probe("post", f"{kenya}/review", 201, member="KEN", setup="submitted", body={}),
        "review.view": Probe("get", f"{kenya}/review", 200, member="KEN", setup="review_requested"),
        "review.decide": Probe(
            "post",
            f"{kenya}/review/moves",
            200,
            member="KEN",
            setup="review_requested",
            body={"action": "accept"},
        ),
        "review.assign": Probe(
            "put",
            f"{kenya}/review/reviewers/pool-reviewer",
            200,
            member="KEN",
            setup="review_accepted",
            body={"lead": True},
        ),
        "review.examine": Probe(
            "post",
            f"{kenya}/review/queries",
            201,
            member="KEN",
            setup="review_started",
            body={"kpi": "D1.O1.K1", "text": "probe"},
        ),
        "review.respond": Probe(
            "post",
            f"{kenya}/review/queries/1/answer",
            200,
            member="KEN",
            setup="review_responding",
            body={"text": "probe"},
        ),
        "target.view": Probe("get", f"/api/v1/members/KEN/targets?cycle={cycle}", 200, member="KEN"),
        "target.manage": Probe(
            "put",
            "/api/v1/members/KEN/targets/D1.O1.K1/2026",
            200,
            member="KEN",
            body={"value": 80, "cycle": cycle},
        ),
        "dashboard.view": Probe("get", f"/api/v1/cycles/{cycle}/members/KEN/dashboard", 200, member="KEN"),
        "reviewer.list": Probe("get", "/api/v1/reviewers", 200),
        "reviewer.manage": Probe(
            "put", "/api/v1/reviewers/target-reviewer", 200, body={"accreditation": "accredited"}
        ),
        "framework.view": Probe("get", "/api/v1/frameworks/pmm-v1", 200),
        "framework.export": Probe("get", "/api/v1/frameworks/pmm-v1/export", 200),
        "framework.load": Probe(
            "post", "/api/v1/frameworks", 200, files={"file": str(settings.PMM_DEFAULT_FRAMEWORK_FILE)}
        ),
        "framework.change_status": Probe(
            "post",
            "/api/v1/frameworks/tiny/versions/0.1/status",
            200,
            body={"action": "activate", "reason": "probe"},
        ),
        "member.view": Probe("get", "/api/v1/members/KEN", 200),
        "member.load": Probe(
            "post", "/api/v1/members/load", 200, files={"file": str(settings.PMM_DEFAULT_MEMBERS_FILE)}
        ),
        "group.view": Probe("get", "/api/v1/groups/union-eu", 200),
        "group.manage": Probe(
            "put",
            f"/api/v1/groups/{name}",
            200,
            body={"name": {"en": "Probe", "fr": "Sonde"}, "members": ["KEN", "UGA"]},
        ),
        "me.view": Probe("get", "/api/v1/me", 200),
        "token.manage_own": Probe("post", "/api/v1/me/tokens", 201, body={"name": "probe"}),
        "user.list": Probe("get", "/api/v1/users", 200),
        "user.create": Probe(
            "post",
            "/api/v1/users",
            201,
            body={"username": name, "email": f"{name}@example.org", "roles": [{"role": "basic"}]},
        ),
        "user.change_roles": Probe(
            "put", "/api/v1/users/target/roles", 200, body={"roles": [{"role": "basic"}], "reason": "probe"}
        ),
        "user.invite_contributor": Probe(
            "post",
            "/api/v1/members/KEN/contributors",
            201,
            body={"email": f"{name}@example.org"},
        ),
        "audit.view": Probe("get", "/api/v1/audit", 200),
    }
    return probes[action]


WEB_PAGES = {
    "framework.view": "/frameworks/pmm-v1/",
    "framework.load": "/frameworks/upload/",
    "member.view": "/members/",
    "group.view": "/groups/",
    "group.manage": "/groups/new/",
    "token.manage_own": "/account/",
    "user.list": "/users/",
    "audit.view": "/audit/",
}


def test_every_action_has_a_probe():
    assert {a for a in ACTIONS if api_probe(a)} == set(ACTIONS)
    assert set(MATRIX) == set(ROLES)


@pytest.fixture
def actor_headers(make_user, bearer):
    def for_role(role: str) -> dict[str, str]:
        if role == ANONYMOUS:
            return {}
        return bearer(make_user(role, MEMBER_OF.get(role)))

    return for_role


def _call(client, probe: Probe, headers: dict[str, str]):
    if probe.files:
        data = {k: SimpleUploadedFile(Path(p).name, Path(p).read_bytes()) for k, p in probe.files.items()}
        return client.post(probe.path, data=data, headers=headers)
    method = getattr(client, probe.method)
    if probe.body is None:
        return method(probe.path, headers=headers)
    return method(probe.path, data=probe.body, content_type="application/json", headers=headers)


def _acts_for(role: str, iso3: str | None) -> bool:
    """Member-scoped rights come from the role's member, except for peer reviewers (assignments)."""
    return role != Role.PEER_REVIEWER and MEMBER_OF.get(role) == iso3


def _may_view(role: str, iso3: str | None) -> bool:
    if "assessment.view" not in MATRIX[role]:
        return False
    return role in ALL_MEMBERS_ROLES or _acts_for(role, iso3)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_api_permission_matrix(
    client, make_user, actor_headers, open_cycle, complete_assessment, action, role
):
    framework_load(actor=SYSTEM, text=TINY.read_text())
    make_user("basic", username="target")
    make_user(Role.PEER_REVIEWER, "CAN", username="target-reviewer")
    probe = api_probe(action, open_cycle.pk)
    if probe.setup:
        assessment = complete_assessment(open_cycle, probe.member or "KEN")
        if probe.setup != "complete":
            assessment_submit(actor=SYSTEM, assessment=assessment)
        if probe.setup.startswith("review"):
            review = review_request(actor=SYSTEM, assessment=assessment)
        if probe.setup != "review_requested" and probe.setup.startswith("review"):
            review_move(actor=SYSTEM, review=review, action="accept")
            pool = make_user(Role.PEER_REVIEWER, "JPN", username="pool-reviewer")
            reviewer_save(actor=SYSTEM, user=pool, accreditation="accredited")
        if probe.setup in ("review_started", "review_responding"):
            _start_with_lead(review, pool, responding=probe.setup == "review_responding")
    if probe.versioned:
        version = Assessment.objects.get(cycle=open_cycle, member__iso3=probe.member).version
        probe = replace(probe, body={**probe.body, "version": version})
    response = _call(client, probe, actor_headers(role))
    allowed = action in MATRIX[role] and (
        probe.member is None or role in ALL_MEMBERS_ROLES or _acts_for(role, probe.member)
    )
    if allowed:
        assert response.status_code == probe.success, response.content
    elif role == ANONYMOUS:
        assert response.status_code == 401, response.content
        assert response.json()["error"]["code"] == "not_authenticated"
    elif probe.member and not _may_view(role, probe.member):
        assert response.status_code == 404, response.content
    else:
        assert response.status_code == 403, response.content
        assert response.json()["error"]["code"] == "forbidden"


def _start_with_lead(review, lead, responding: bool) -> None:
    """The review under way with `lead` as lead reviewer; `responding`: query 1 sent to the member."""
    review_assign(actor=SYSTEM, review=review, reviewer=lead, lead=True, accept_warnings=True)
    review_move(actor=SYSTEM, review=review, action="start")
    if responding:
        query_raise(actor=lead, review=review, kpi="D1.O1.K1", text="probe")
        due = timezone.localdate() + timedelta(days=7)
        review_move(actor=lead, review=review, action="send_round", due_date=due)


@pytest.mark.django_db
def test_only_the_assigned_reviewers_examine_a_review(
    client, make_user, bearer, open_cycle, complete_assessment
):
    """The matrix above shows every other role refused; here the assigned reviewer succeeds and a
    reviewer of another review gets 404."""
    assessment = complete_assessment(open_cycle, "KEN")
    assessment_submit(actor=SYSTEM, assessment=assessment)
    review = review_request(actor=SYSTEM, assessment=assessment)
    review_move(actor=SYSTEM, review=review, action="accept")
    lead = make_user(Role.PEER_REVIEWER, "JPN")
    reviewer_save(actor=SYSTEM, user=lead, accreditation="accredited")
    _start_with_lead(review, lead, responding=False)
    probe = api_probe("review.examine", open_cycle.pk)
    assert _call(client, probe, bearer(lead)).status_code == 201
    other = make_user(Role.PEER_REVIEWER, "JPN")
    assert _call(client, api_probe("review.examine", open_cycle.pk), bearer(other)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(WEB_PAGES))
def test_web_permission_matrix(client, make_user, action, role):
    if role != ANONYMOUS:
        client.force_login(make_user(role, MEMBER_OF.get(role)))
    response = client.get(WEB_PAGES[action])
    if action in MATRIX[role]:
        assert response.status_code == 200
    elif role == ANONYMOUS:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 403


@pytest.mark.django_db
def test_ncp_invites_only_for_its_own_member(client, make_user, bearer):
    headers = bearer(make_user("ncp", "KEN"))
    body = {"email": "someone@example.org"}
    other = client.post(
        "/api/v1/members/UGA/contributors", data=body, content_type="application/json", headers=headers
    )
    assert other.status_code == 403
    own = client.post(
        "/api/v1/members/KEN/contributors", data=body, content_type="application/json", headers=headers
    )
    assert own.status_code == 201
    assert own.json()["roles"] == [{"role": "contributor", "member": "KEN"}]


@pytest.mark.django_db
def test_contributor_page_uses_the_ncps_own_member(client, make_user):
    client.force_login(make_user("ncp", "KEN"))
    response = client.post(
        "/contributors/", {"username": "newbie", "email": "newbie@example.org", "member": "UGA"}
    )
    assert response.status_code == 302
    from pmm.accounts.models import RoleAssignment

    assignment = RoleAssignment.objects.get(user__username="newbie")
    assert (assignment.role, assignment.member.iso3) == ("contributor", "KEN")
