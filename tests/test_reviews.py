"""Peer review, first slice: requests, the workflow table, the reviewer pool, assignments with their
conflict rules, and what an assigned reviewer may read (the assessment and country-level values)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pmm.accounts.models import User
from pmm.assessments.models import Assessment
from pmm.audit.models import AuditEvent
from pmm.authz.roles import Role
from pmm.cli import app
from pmm.core.actors import SYSTEM
from pmm.core.errors import ApplicationError, PermissionDenied
from pmm.results.selectors import may_read_current
from pmm.results.services import publication_create
from pmm.reviews.models import Review, ReviewAssignment, ReviewStatus
from pmm.reviews.services import review_assign, review_move, review_request, reviewer_save
from pmm.reviews.workflow import MOVES, TRANSITIONS

pytestmark = pytest.mark.django_db


@pytest.fixture
def kenya(open_cycle, submitted_assessment):
    return submitted_assessment(open_cycle, "KEN", disclosure={"D1.O1.K1": "country"})


def _reviewer(make_user, member: str | None, accreditation: str = "accredited") -> User:
    user = make_user(Role.PEER_REVIEWER, member)
    reviewer_save(
        actor=SYSTEM, user=user, accreditation=accreditation, languages=["en", "fr"], expertise=["D1"]
    )
    return User.objects.get(pk=user.pk)  # fresh: no cached rights


def _accepted(kenya, make_user) -> Review:
    review = review_request(actor=make_user(Role.NCP, "KEN"), assessment=kenya, note="Check D1 please")
    return review_move(actor=make_user(Role.SECRETARIAT_ADMIN), review=review, action="accept")


def test_the_ncp_requests_and_the_secretariat_accepts(kenya, make_user):
    review = review_request(actor=make_user(Role.NCP, "KEN"), assessment=kenya, note="  Check D1  ")
    assert (review.status, review.request_note) == (ReviewStatus.REQUESTED, "Check D1")
    accepted = review_move(actor=make_user(Role.SECRETARIAT_ADMIN), review=review, action="accept")
    assert accepted.status == ReviewStatus.ACCEPTED and accepted.decided_by is not None
    verbs = list(
        AuditEvent.objects.unrestricted().filter(verb__startswith="review.").values_list("verb", flat=True)
    )
    assert set(verbs) == {"review.requested", "review.accept"}


def test_a_review_needs_a_submitted_assessment_and_only_one_open_at_a_time(open_cycle, kenya, make_user):
    ncp = make_user(Role.NCP, "KEN")
    review_request(actor=ncp, assessment=kenya)
    with pytest.raises(ApplicationError) as twice:
        review_request(actor=ncp, assessment=kenya)
    assert twice.value.code == "conflict"
    draft = Assessment.objects.create(
        cycle=open_cycle, member_id=make_user(Role.NCP, "FRA").role_assignments.get().member_id
    )
    with pytest.raises(ApplicationError) as not_submitted:
        review_request(actor=make_user(Role.NCP, "FRA"), assessment=draft)
    assert not_submitted.value.code == "illegal_transition"
    assert Review.objects.count() == 1


@pytest.mark.parametrize(
    ("status", "action"),
    [(s, a) for s in ReviewStatus.values for a in MOVES if (s, a) not in TRANSITIONS],
)
def test_every_move_outside_the_table_is_refused_and_changes_nothing(kenya, make_user, status, action):
    review = review_request(actor=make_user(Role.NCP, "KEN"), assessment=kenya)
    Review.objects.filter(pk=review.pk).update(status=status)
    review.refresh_from_db()
    with pytest.raises(ApplicationError) as error:
        review_move(actor=SYSTEM, review=review, action=action, reason="because")
    assert error.value.code == "illegal_transition"
    review.refresh_from_db()
    assert review.status == status and review.version == 1


def test_declining_and_withdrawing_need_a_reason(kenya, make_user):
    review = review_request(actor=make_user(Role.NCP, "KEN"), assessment=kenya)
    for action, actor in [
        ("decline", make_user(Role.SECRETARIAT_ADMIN)),
        ("withdraw", make_user(Role.NCP, "KEN")),
    ]:
        with pytest.raises(ApplicationError) as error:
            review_move(actor=actor, review=review, action=action, reason="  ")
        assert error.value.problems[0].field == "reason"
    declined = review_move(
        actor=make_user(Role.SECRETARIAT_ADMIN), review=review, action="decline", reason="No capacity"
    )
    assert declined.status == ReviewStatus.DECLINED and declined.decision_reason == "No capacity"
    again = review_request(actor=make_user(Role.NCP, "KEN"), assessment=kenya)  # a declined review is over
    assert again.pk != review.pk


def test_only_the_right_people_make_each_move(kenya, make_user):
    review = review_request(actor=make_user(Role.NCP, "KEN"), assessment=kenya)
    for actor in [
        make_user(Role.NCP, "KEN"),
        make_user(Role.SECRETARIAT_ANALYST),
        make_user(Role.PEER_REVIEWER),
    ]:
        with pytest.raises(PermissionDenied):
            review_move(actor=actor, review=review, action="accept")
    with pytest.raises(PermissionDenied):
        review_move(actor=make_user(Role.NCP, "FRA"), review=review, action="withdraw", reason="not mine")


def test_a_reviewer_from_the_reviewed_member_is_refused(kenya, make_user):
    review = _accepted(kenya, make_user)
    kenyan = _reviewer(make_user, "KEN")
    with pytest.raises(ApplicationError) as error:
        review_assign(actor=SYSTEM, review=review, reviewer=kenyan, lead=True, accept_warnings=True)
    assert error.value.code == "conflict" and "conflict of interest" in error.value.problems[0].message
    assert not ReviewAssignment.objects.exists()


def test_candidates_and_suspended_reviewers_are_refused(kenya, make_user):
    review = _accepted(kenya, make_user)
    for accreditation in ("candidate", "suspended"):
        with pytest.raises(ApplicationError) as error:
            review_assign(actor=SYSTEM, review=review, reviewer=_reviewer(make_user, "CAN", accreditation))
        assert "not accredited" in error.value.problems[0].message


def test_same_union_and_busy_reviewers_need_a_confirmation(
    open_cycle, submitted_assessment, make_user, settings
):
    germany = submitted_assessment(open_cycle, "DEU", seed=2)
    review = review_request(actor=make_user(Role.NCP, "DEU"), assessment=germany)
    review = review_move(actor=SYSTEM, review=review, action="accept")
    french = _reviewer(make_user, "FRA")  # France and Germany share the EU
    with pytest.raises(ApplicationError) as warned:
        review_assign(actor=SYSTEM, review=review, reviewer=french, lead=True)
    assert warned.value.problems[0].field == "accept_warnings" and "union" in warned.value.problems[0].message
    assert not ReviewAssignment.objects.exists()
    assignment = review_assign(actor=SYSTEM, review=review, reviewer=french, lead=True, accept_warnings=True)
    assert assignment.lead and "union" in assignment.warnings[0]
    settings.PMM_REVIEWER_MAX_OPEN_REVIEWS = 1
    kenya = submitted_assessment(open_cycle, "KEN")
    other = review_move(actor=SYSTEM, review=review_request(actor=SYSTEM, assessment=kenya), action="accept")
    with pytest.raises(ApplicationError) as busy:
        review_assign(actor=SYSTEM, review=other, reviewer=french)
    assert "1 open reviews" in busy.value.problems[0].message


def test_at_most_three_reviewers_one_lead_and_start_needs_the_lead(kenya, make_user):
    review = _accepted(kenya, make_user)
    with pytest.raises(ApplicationError) as no_lead:
        review_move(actor=SYSTEM, review=review, action="start")
    assert "lead reviewer" in no_lead.value.message
    reviewers = [_reviewer(make_user, iso3) for iso3 in ("CAN", "JPN", "BRA", "CHL")]
    review_assign(actor=SYSTEM, review=review, reviewer=reviewers[0], lead=True)
    review_assign(actor=SYSTEM, review=review, reviewer=reviewers[1])
    review_assign(actor=SYSTEM, review=review, reviewer=reviewers[2], lead=True)  # the lead moves
    assert list(ReviewAssignment.objects.filter(lead=True).values_list("reviewer__username", flat=True)) == [
        reviewers[2].username
    ]
    with pytest.raises(ApplicationError) as full:
        review_assign(actor=SYSTEM, review=review, reviewer=reviewers[3])
    assert "at most 3 reviewers" in full.value.problems[0].message
    started = review_move(actor=SYSTEM, review=review, action="start")
    assert started.status == ReviewStatus.IN_REVIEW


def test_an_assigned_reviewer_reads_the_assessment_and_its_country_values(
    client, open_cycle, kenya, make_user, bearer
):
    publication_create(actor=SYSTEM, cycle=open_cycle)
    canadian = _reviewer(make_user, "CAN")
    headers = bearer(canadian)
    assessment_url = f"/api/v1/cycles/{open_cycle.pk}/assessments/KEN"
    results_url = f"/api/v1/cycles/{open_cycle.pk}/results?member=KEN&kpi=D1.O1.K1"
    assert client.get(assessment_url, headers=headers).status_code == 404
    assert client.get(assessment_url + "/review", headers=headers).status_code == 404
    assert client.get(results_url, headers=headers).json()["results"] == []  # country level: not yet
    review = _accepted(kenya, make_user)
    assert client.get(assessment_url, headers=headers).status_code == 404  # accepted, not assigned
    review_assign(actor=SYSTEM, review=review, reviewer=canadian, lead=True)
    assert client.get(assessment_url, headers=headers).status_code == 200
    assert may_read_current(User.objects.get(pk=canadian.pk)) and not may_read_current(
        _reviewer(make_user, "JPN")
    )
    body = client.get(assessment_url + "/review", headers=headers).json()
    assert body["status"] == "accepted" and body["reviewers"][0] == {
        "username": canadian.username,
        "lead": True,
        "warnings": [],
    }
    assert [r["kpi"] for r in client.get(results_url, headers=headers).json()["results"]] == ["D1.O1.K1"]
    # Reading is not editing; and the reviewer's own administration gains nothing.
    saved = client.put(
        assessment_url + "/values",
        {"version": 1, "values": []},
        content_type="application/json",
        headers=headers,
    )
    assert saved.status_code == 403
    assert client.get(f"/api/v1/cycles/{open_cycle.pk}/assessments/CAN", headers=headers).status_code == 404
    # Withdrawn: the reviewer no longer reads it.
    review_move(actor=make_user(Role.NCP, "KEN"), review=review, action="withdraw", reason="Not needed now")
    assert client.get(assessment_url, headers=bearer(User.objects.get(pk=canadian.pk))).status_code == 404


def test_api_request_move_assign_and_pool(client, open_cycle, kenya, make_user, bearer):
    base = f"/api/v1/cycles/{open_cycle.pk}/assessments/KEN/review"
    ncp, admin = bearer(make_user(Role.NCP, "KEN")), bearer(make_user(Role.SECRETARIAT_ADMIN))
    made = client.post(base, {"note": "D1 please"}, content_type="application/json", headers=ncp)
    assert made.status_code == 201 and made.json()["status"] == "requested"
    bad = client.post(base + "/moves", {"action": "decline"}, content_type="application/json", headers=admin)
    assert bad.status_code == 400 and bad.json()["error"]["fields"][0]["field"] == "reason"
    stale = client.post(
        base + "/moves", {"action": "accept", "version": 7}, content_type="application/json", headers=admin
    )
    assert stale.status_code == 409
    ok = client.post(base + "/moves", {"action": "accept"}, content_type="application/json", headers=admin)
    assert ok.json()["status"] == "accepted"
    reviewer = _reviewer(make_user, "CAN")
    assigned = client.put(
        f"{base}/reviewers/{reviewer.username}",
        {"lead": True},
        content_type="application/json",
        headers=admin,
    )
    assert assigned.status_code == 200 and assigned.json()["reviewers"][0]["lead"] is True
    probe = client.put(
        f"{base}/reviewers/nobody-{reviewer.pk}", {}, content_type="application/json", headers=ncp
    )
    assert probe.status_code == 403  # an NCP cannot probe usernames
    pool = client.get("/api/v1/reviewers", headers=admin).json()
    assert {
        "username": reviewer.username,
        "member": "CAN",
        "accreditation": "accredited",
        "languages": ["en", "fr"],
        "expertise": ["D1"],
        "open_reviews": 1,
    } in pool
    assert client.get("/api/v1/reviewers", headers=ncp).status_code == 403
    listed = client.get("/api/v1/reviews", headers=bearer(reviewer)).json()
    assert [r["member"] for r in listed] == ["KEN"]
    assert client.get("/api/v1/reviews", headers=bearer(make_user(Role.NCP, "FRA"))).json() == []


def test_reviewer_profile_errors_name_the_field(make_user):
    user = make_user(Role.PEER_REVIEWER, "CAN")
    with pytest.raises(ApplicationError) as error:
        reviewer_save(actor=SYSTEM, user=user, languages=["english"], expertise=["trade"])
    assert {p.field for p in error.value.problems} == {"languages", "expertise"}
    with pytest.raises(ApplicationError):
        reviewer_save(actor=SYSTEM, user=make_user(Role.BASIC), accreditation="accredited")


def test_cli_review_flow(kenya, make_user):
    runner = CliRunner()
    reviewer = make_user(Role.PEER_REVIEWER, "CAN")
    ncp = make_user(Role.NCP, "KEN")
    cycle = str(kenya.cycle_id)
    steps = [
        ["reviewer", "set", reviewer.username, "--accreditation", "accredited", "--languages", "en,FR"],
        ["review", "request", "--cycle", cycle, "--member", "KEN", "--as", ncp.username, "--note", "D1"],
        ["review", "move", "--cycle", cycle, "--member", "KEN", "--action", "accept"],
        ["review", "assign", "--cycle", cycle, "--member", "KEN", "--reviewer", reviewer.username, "--lead"],
        ["review", "move", "--cycle", cycle, "--member", "KEN", "--action", "start"],
    ]
    for args in steps:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
    assert "languages en, fr" in runner.invoke(app, steps[0]).output
    assert Review.objects.get().status == ReviewStatus.IN_REVIEW
    refused = runner.invoke(
        app, ["review", "move", "--cycle", cycle, "--member", "KEN", "--action", "accept"]
    )
    assert refused.exit_code == 1 and "cannot be asked to accept" in refused.output
