"""A write that changes nothing is a no-op: same version, no audit event, no history, 200 with the
unchanged state, so it never makes a colleague's version stale (issue 13, finding 10)."""

from __future__ import annotations

import pytest

from pmm.assessments.models import Assessment, Change
from pmm.audit.models import AuditEvent

VALUE = {"element": "DECL_TOTAL", "period": "T", "value": 1200}


def url(cycle, tail=""):
    return f"/api/v1/cycles/{cycle.pk}/assessments/KEN{tail}"


def put_values(client, cycle, headers, version, values):
    return client.put(
        url(cycle, "/values"),
        data={"version": version, "values": values},
        content_type="application/json",
        headers=headers,
    )


def trail(cycle):
    """What a write leaves behind: the version, audit events and history rows of KEN's assessment."""
    assessment = Assessment.objects.get(cycle=cycle, member__iso3="KEN")
    return (
        assessment.version,
        AuditEvent.objects.unrestricted().count(),
        Change.objects.unrestricted().filter(assessment=assessment).count(),
    )


@pytest.fixture
def ncp(make_user, bearer):
    return bearer(make_user("ncp", "KEN"))


@pytest.fixture
def saved(client, open_cycle, ncp):
    """KEN's assessment with one value and a comment saved: its version."""
    first = put_values(client, open_cycle, ncp, 0, [{**VALUE, "comment": "from the annual report"}])
    assert first.status_code == 200, first.content
    return first.json()["version"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values",
    [
        [],
        [VALUE],
        [{**VALUE, "value": "1 200"}],  # the same number, written differently
        [{**VALUE, "comment": "from the annual report"}],
        [{**VALUE, "comment": "  from the annual report "}],  # stored stripped
    ],
    ids=["empty", "same value", "same number as text", "same comment", "same comment padded"],
)
def test_a_write_that_changes_nothing_keeps_the_version_and_is_not_audited(
    client, open_cycle, ncp, saved, values
):
    before = trail(open_cycle)
    response = put_values(client, open_cycle, ncp, saved, values)
    assert response.status_code == 200, response.content
    assert response.json() == {"version": saved, "status": "in_progress"}
    assert trail(open_cycle) == before


@pytest.mark.django_db
def test_a_colleague_holding_the_version_is_not_made_stale_by_a_no_op(
    client, open_cycle, ncp, saved, make_user, bearer
):
    colleague = bearer(make_user("ncp", "KEN"))
    assert put_values(client, open_cycle, ncp, saved, [VALUE]).status_code == 200
    changed = put_values(client, open_cycle, colleague, saved, [{**VALUE, "value": 1300}])
    assert changed.status_code == 200
    assert changed.json()["version"] == saved + 1


@pytest.mark.django_db
def test_a_no_op_with_a_stale_version_still_gets_409(client, open_cycle, ncp, saved):
    assert put_values(client, open_cycle, ncp, saved, [{**VALUE, "value": 1300}]).status_code == 200
    stale = put_values(client, open_cycle, ncp, saved, [])
    assert stale.status_code == 409
    assert stale.json()["error"]["fields"][0]["field"] == "version"


@pytest.mark.django_db
def test_an_empty_write_does_not_start_an_assessment(client, open_cycle, ncp):
    response = put_values(client, open_cycle, ncp, 0, [])
    assert response.status_code == 200
    assert response.json() == {"version": 0, "status": "not_started"}
    assert not Assessment.objects.filter(cycle=open_cycle, member__iso3="KEN", version__gt=0).exists()
    assert not AuditEvent.objects.unrestricted().filter(verb__startswith="assessment.").exists()


@pytest.mark.django_db
def test_a_real_change_still_moves_the_version_once_and_is_audited(client, open_cycle, ncp, saved):
    version, events, changes = trail(open_cycle)
    response = put_values(
        client, open_cycle, ncp, saved, [VALUE, {**VALUE, "element": "DECL_ELECTRONIC", "value": 7}]
    )
    assert response.status_code == 200
    assert trail(open_cycle) == (version + 1, events + 1, changes + 1)


@pytest.mark.django_db
def test_the_same_kpi_choice_again_keeps_the_version_and_is_not_audited(client, open_cycle, ncp, saved):
    kpi = url(open_cycle, "/kpis/D1.O1.K1")
    body = {"applicable": False, "justification": "no electronic system yet", "version": saved}
    first = client.put(kpi, data=body, content_type="application/json", headers=ncp)
    assert first.status_code == 200, first.content
    before = trail(open_cycle)
    again = client.put(kpi, data={**body, "version": before[0]}, content_type="application/json", headers=ncp)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert trail(open_cycle) == before


@pytest.mark.django_db
def test_the_same_reviewer_profile_again_is_not_audited(client, make_user, bearer):
    from pmm.authz.roles import Role

    reviewer = make_user(Role.PEER_REVIEWER, "CAN")
    admin = bearer(make_user(Role.SECRETARIAT_ADMIN))
    body = {"accreditation": "accredited", "languages": ["fr", "en"], "expertise": ["D1"]}
    path = f"/api/v1/reviewers/{reviewer.username}"
    first = client.put(path, data=body, content_type="application/json", headers=admin)
    assert first.status_code == 200, first.content
    events = AuditEvent.objects.unrestricted().filter(verb="reviewer.saved").count()
    again = client.put(
        path, data={**body, "languages": ["en", "fr"]}, content_type="application/json", headers=admin
    )
    assert again.status_code == 200
    assert again.json() == first.json()
    assert AuditEvent.objects.unrestricted().filter(verb="reviewer.saved").count() == events == 1


@pytest.mark.django_db
def test_the_default_kpi_choice_does_not_start_an_assessment(client, open_cycle, ncp):
    kpi = url(open_cycle, "/kpis/D1.O1.K1")
    response = client.put(
        kpi, data={"applicable": True, "version": 0}, content_type="application/json", headers=ncp
    )
    assert response.status_code == 200, response.content
    assert response.json()["applicable"] is True
    assert not Assessment.objects.filter(cycle=open_cycle, member__iso3="KEN").exclude(version=0).exists()
    assert not AuditEvent.objects.unrestricted().filter(verb__startswith="assessment.").exists()
    changed = client.put(
        kpi,
        data={"applicable": False, "justification": "no system yet", "version": 0},
        content_type="application/json",
        headers=ncp,
    )
    assert changed.status_code == 200, changed.content
    assert Assessment.objects.get(cycle=open_cycle, member__iso3="KEN").status == "in_progress"
