"""The peer review pages of the first slice: the NCP requests a review from the assessment overview,
the Secretariat accepts or declines it, assigns reviewers (conflicts refused, warnings confirmed) and
starts it; the member withdraws it; the lists of reviews and reviewers; who sees what (404 for a
reviewer not assigned); accessibility structure and French rendering."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pmm.core.actors import SYSTEM
from pmm.reviews.models import Review, ReviewAssignment, ReviewerProfile, ReviewStatus
from pmm.reviews.services import review_assign, review_move, review_request, reviewer_save


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def base(cycle, iso3: str = "DEU") -> str:
    return f"/cycles/{cycle.pk}/assessments/{iso3}/"


def page(cycle, iso3: str = "DEU") -> str:
    return base(cycle, iso3) + "review/"


def as_user(client, user):
    client.logout()
    client.force_login(user)
    return client


def in_pool(user, accreditation: str = "accredited", **fields):
    reviewer_save(actor=SYSTEM, user=user, accreditation=accreditation, **fields)
    return user


def review_of(cycle, iso3: str = "DEU") -> Review:
    return Review.objects.filter(assessment__cycle=cycle, assessment__member__iso3=iso3).first()


@pytest.fixture
def deu(open_cycle, submitted_assessment):
    """Germany's submitted self-assessment in the open cycle."""
    return submitted_assessment(open_cycle, "DEU", seed=11)


@pytest.fixture
def people(make_user):
    """The NCP of Germany, a Secretariat administrator, and reviewers from France (shares union-eu with
    Germany), Germany (the reviewed member) and Kenya, all accredited."""
    return {
        "ncp": make_user("ncp", "DEU"),
        "admin": make_user("secretariat_admin"),
        "fra": in_pool(make_user("peer_reviewer", "FRA", username="rev-fra"), languages=["fr", "en"]),
        "deu": in_pool(make_user("peer_reviewer", "DEU", username="rev-deu")),
        "ken": in_pool(make_user("peer_reviewer", "KEN", username="rev-ken"), expertise=["D1"]),
    }


def requested(cycle, people, note: str = "Look at D2") -> Review:
    from pmm.assessments.selectors import assessment_access

    return review_request(actor=people["ncp"], assessment=assessment_access(SYSTEM, cycle, "DEU"), note=note)


def accepted(cycle, people) -> Review:
    return review_move(actor=people["admin"], review=requested(cycle, people), action="accept")


# --- the whole first slice, through the pages -----------------------------------------------------


@pytest.mark.django_db
def test_request_accept_assign_and_start_through_the_pages(client, open_cycle, deu, people, page_problems):
    # The NCP requests a review from the overview.
    as_user(client, people["ncp"])
    overview = client.get(base(open_cycle))
    assert overview.status_code == 200 and page_problems(overview.content.decode()) == []
    assert 'id="peer-review"' in text(overview) and "Request a peer review" in text(overview)
    response = client.post(page(open_cycle) + "request/", {"request-note": "Please look at D2 first."})
    assert response.status_code == 302 and response["Location"] == page(open_cycle)
    review = review_of(open_cycle)
    assert review.status == ReviewStatus.REQUESTED and review.request_note == "Please look at D2 first."
    overview = text(client.get(base(open_cycle)))
    assert "Requested" in overview and "Please look at D2 first." in overview
    assert "Withdraw the request" in overview and 'name="request-note"' not in overview
    ncp_page = client.get(page(open_cycle))
    assert ncp_page.status_code == 200 and page_problems(ncp_page.content.decode()) == []
    assert "Accept the request" not in text(ncp_page)

    # The Secretariat accepts it.
    as_user(client, people["admin"])
    detail = client.get(page(open_cycle))
    assert page_problems(detail.content.decode()) == []
    assert "Accept the request" in text(detail) and "Decline the request" in text(detail)
    response = client.post(
        page(open_cycle) + "decision/",
        {"action": "accept", "decision-version": review.version, "decision-reason": ""},
    )
    assert response.status_code == 302
    assert review_of(open_cycle).status == ReviewStatus.ACCEPTED

    # The assignment form lists the accredited reviewers with their administration, languages, load.
    detail = client.get(page(open_cycle))
    assert page_problems(detail.content.decode()) == []
    html = text(detail)
    assert 'name="assign-reviewer"' in html
    assert "rev-fra · France (FRA) · languages: en, fr · 0 open reviews" in html
    assert "Assign a lead reviewer before starting the review." in html

    # A reviewer from France shares a union with Germany: warned, then confirmed.
    post = {"assign-reviewer": "rev-fra", "assign-lead": "on"}
    response = client.post(page(open_cycle) + "reviewers/", post)
    assert response.status_code == 400 and page_problems(response.content.decode()) == []
    html = text(response)
    assert "shares a union with DEU (union-eu)" in html
    assert "I have read these warnings and assign anyway" in html and 'name="assign-warned"' in html
    assert "Assigning this reviewer needs your confirmation" in html
    assert not ReviewAssignment.objects.exists()
    response = client.post(
        page(open_cycle) + "reviewers/", {**post, "assign-warned": "rev-fra", "assign-accept_warnings": "on"}
    )
    assert response.status_code == 302
    lead = ReviewAssignment.objects.get()
    assert lead.reviewer == people["fra"] and lead.lead and "union-eu" in lead.warnings[0]

    # A reviewer from Germany is refused: a conflict of interest, shown next to the field.
    response = client.post(page(open_cycle) + "reviewers/", {"assign-reviewer": "rev-deu"})
    assert response.status_code == 400 and page_problems(response.content.decode()) == []
    assert "rev-deu works for DEU, the reviewed member: a conflict of interest." in text(response)
    assert 'id="id_assign-reviewer_error"' in text(response)
    assert ReviewAssignment.objects.count() == 1

    # The page shows the reviewers, lead first, with their administration and warnings; then start.
    detail = client.get(page(open_cycle))
    html = text(detail)
    assert page_problems(detail.content.decode()) == []
    assert 'France <span class="muted">FRA</span>' in html and "union-eu" in html
    response = client.post(page(open_cycle) + "start/", {"start-version": review_of(open_cycle).version})
    assert response.status_code == 302
    assert review_of(open_cycle).status == ReviewStatus.IN_REVIEW
    assert "Start the review" not in text(client.get(page(open_cycle)))

    # The assigned reviewer sees the review and the self-assessment; another reviewer sees neither.
    as_user(client, people["fra"])
    for path in (page(open_cycle), base(open_cycle)):
        response = client.get(path)
        assert response.status_code == 200, path
        assert page_problems(response.content.decode()) == [], path
    reviewer_page = text(client.get(page(open_cycle)))
    assert "Assign the reviewer" not in reviewer_page and "Withdraw the request" not in reviewer_page
    as_user(client, people["ken"])
    assert client.get(page(open_cycle)).status_code == 404
    assert client.get(base(open_cycle)).status_code == 404


@pytest.mark.django_db
def test_the_assignment_warning_is_for_the_reviewer_it_was_shown_for(client, open_cycle, deu, people):
    accepted(open_cycle, people)
    as_user(client, people["admin"])
    # A confirmation sent with another reviewer than the one warned about accepts nothing.
    response = client.post(
        page(open_cycle) + "reviewers/",
        {"assign-reviewer": "rev-fra", "assign-warned": "rev-ken", "assign-accept_warnings": "on"},
    )
    assert response.status_code == 400 and "shares a union" in text(response)
    assert not ReviewAssignment.objects.exists()


@pytest.mark.django_db
def test_declining_needs_a_reason_the_member_then_reads(client, open_cycle, deu, people, page_problems):
    review = requested(open_cycle, people)
    as_user(client, people["admin"])
    response = client.post(
        page(open_cycle) + "decision/", {"action": "decline", "decision-version": review.version}
    )
    assert response.status_code == 400 and page_problems(response.content.decode()) == []
    assert 'id="id_decision-reason_error"' in text(response)
    assert "Say why you decline the request" in text(response)
    assert review_of(open_cycle).status == ReviewStatus.REQUESTED
    response = client.post(
        page(open_cycle) + "decision/",
        {"action": "decline", "decision-version": review.version, "decision-reason": "No reviewers free."},
    )
    assert response.status_code == 302
    assert review_of(open_cycle).status == ReviewStatus.DECLINED
    as_user(client, people["ncp"])
    overview = text(client.get(base(open_cycle)))
    assert "Declined" in overview and "No reviewers free." in overview
    assert 'name="request-note"' in overview  # a declined request can be made again


@pytest.mark.django_db
def test_a_stale_decision_changes_nothing(client, open_cycle, deu, people):
    review = requested(open_cycle, people)
    as_user(client, people["admin"])
    response = client.post(
        page(open_cycle) + "decision/", {"action": "accept", "decision-version": review.version - 1}
    )
    assert response.status_code == 302
    assert "changed since you read it" in text(client.get(page(open_cycle)))
    assert review_of(open_cycle).status == ReviewStatus.REQUESTED


@pytest.mark.django_db
def test_the_ncp_withdraws_with_a_reason(client, open_cycle, deu, people, page_problems):
    review = accepted(open_cycle, people)
    as_user(client, people["ncp"])
    response = client.post(page(open_cycle) + "withdraw/", {"withdraw-version": review.version})
    assert response.status_code == 400 and page_problems(response.content.decode()) == []
    assert 'id="id_withdraw-reason_error"' in text(response) and "Say why you withdraw" in text(response)
    assert review_of(open_cycle).status == ReviewStatus.ACCEPTED
    response = client.post(
        page(open_cycle) + "withdraw/", {"withdraw-version": review.version, "withdraw-reason": "Not now."}
    )
    assert response.status_code == 302
    assert review_of(open_cycle).status == ReviewStatus.WITHDRAWN
    overview = text(client.get(base(open_cycle)))
    assert "Withdrawn" in overview and 'name="request-note"' in overview


@pytest.mark.django_db
def test_only_a_submitted_self_assessment_can_be_reviewed(client, open_cycle, people):
    from pmm.assessments.selectors import assessment_access
    from pmm.assessments.services import assessment_start

    assessment_start(actor=SYSTEM, assessment=assessment_access(SYSTEM, open_cycle, "DEU"))
    as_user(client, people["ncp"])
    assert 'id="peer-review"' not in text(client.get(base(open_cycle)))
    detail = client.get(page(open_cycle))
    assert detail.status_code == 200 and "No peer review has been requested" in text(detail)
    assert 'name="request-note"' not in text(detail)
    response = client.post(page(open_cycle) + "request/", {"request-note": ""})
    assert response.status_code == 302
    assert "once the self-assessment is submitted" in text(client.get(page(open_cycle)))
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_taking_a_reviewer_off_needs_a_reason(client, open_cycle, deu, people, page_problems):
    review = accepted(open_cycle, people)
    review_assign(actor=people["admin"], review=review, reviewer=people["fra"], accept_warnings=True)
    review_assign(actor=people["admin"], review=review, reviewer=people["ken"], lead=True)
    as_user(client, people["admin"])
    html = text(client.get(page(open_cycle)))
    assert html.index('<th scope="row">rev-ken</th>') < html.index(
        '<th scope="row">rev-fra</th>'
    )  # lead first
    response = client.post(page(open_cycle) + "reviewers/rev-ken/remove/", {"remove-rev-ken-reason": ""})
    assert response.status_code == 400 and page_problems(response.content.decode()) == []
    assert 'id="id_remove-rev-ken-reason_error"' in text(response)
    assert ReviewAssignment.objects.count() == 2
    response = client.post(
        page(open_cycle) + "reviewers/rev-ken/remove/", {"remove-rev-ken-reason": "Unavailable."}
    )
    assert response.status_code == 302
    assert list(ReviewAssignment.objects.values_list("reviewer__username", flat=True)) == ["rev-fra"]
    assert client.post(page(open_cycle) + "reviewers/rev-deu/remove/", {}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role,member,status",
    [
        ("contributor", "DEU", 200),
        ("secretariat_analyst", None, 200),
        ("ncp", "FRA", 404),
        ("basic", None, 404),
    ],
)
def test_who_sees_the_review_page(
    client, make_user, open_cycle, deu, people, page_problems, role, member, status
):
    accepted(open_cycle, people)
    as_user(client, make_user(role, member))
    response = client.get(page(open_cycle))
    assert response.status_code == status
    if status == 200:
        html = text(response)
        assert page_problems(response.content.decode()) == []
        assert "Accepted" in html
        assert "Assign the reviewer" not in html and "Withdraw the request" not in html  # read-only


@pytest.mark.django_db
def test_read_only_visitors_cannot_make_moves(client, make_user, open_cycle, deu, people):
    review = requested(open_cycle, people)
    as_user(client, make_user("secretariat_analyst"))
    assert client.post(page(open_cycle) + "decision/", {"action": "accept"}).status_code == 403
    as_user(client, make_user("contributor", "DEU"))
    assert client.post(page(open_cycle) + "withdraw/", {"withdraw-reason": "x"}).status_code == 403
    as_user(client, people["ncp"])
    assert client.post(page(open_cycle) + "decision/", {"action": "accept"}).status_code == 403
    assert client.post(page(open_cycle) + "reviewers/", {"assign-reviewer": "rev-ken"}).status_code == 403
    assert review_of(open_cycle).status == review.status == ReviewStatus.REQUESTED


# --- lists ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_reviews_list_shows_what_each_may_see(client, make_user, open_cycle, deu, people, page_problems):
    review = accepted(open_cycle, people)
    review_assign(actor=people["admin"], review=review, reviewer=people["ken"], lead=True)
    as_user(client, people["admin"])
    listing = client.get("/reviews/")
    assert listing.status_code == 200 and page_problems(listing.content.decode()) == []
    html = text(listing)
    assert "Germany" in html and "rev-ken" in html and page(open_cycle) in html
    assert "Germany" not in text(client.get("/reviews/?status=requested"))
    assert "Germany" in text(client.get("/reviews/?status=accepted"))
    assert "Germany" in text(client.get("/reviews/?status=nonsense"))

    as_user(client, people["ken"])
    listing = client.get("/reviews/")
    html = text(listing)
    assert page_problems(listing.content.decode()) == []
    assert "My reviews" in html and page(open_cycle) in html and f'href="{base(open_cycle)}"' in html
    as_user(client, people["fra"])
    assert "Germany" not in text(client.get("/reviews/"))
    as_user(client, make_user("ncp", "FRA"))
    assert "Germany" not in text(client.get("/reviews/"))
    as_user(client, make_user("basic"))
    assert client.get("/reviews/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role,member,shown",
    [
        ("ncp", "DEU", True),
        ("contributor", "DEU", True),
        ("peer_reviewer", "FRA", True),
        ("secretariat_analyst", None, True),
        ("basic", None, False),
    ],
)
def test_the_navigation_links_to_peer_reviews(client, make_user, role, member, shown):
    as_user(client, make_user(role, member))
    assert ('href="/reviews/"' in client.get("/").content.decode()) is shown


@pytest.mark.django_db
def test_the_reviews_list_runs_a_fixed_number_of_queries(
    client, make_user, open_cycle, deu, people, submitted_assessment
):
    from pmm.assessments.selectors import assessment_access

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/reviews/").status_code == 200
        return len(captured.captured_queries)

    review_assign(actor=people["admin"], review=accepted(open_cycle, people), reviewer=people["ken"])
    as_user(client, people["admin"])
    small = count()
    for iso3 in ("BEL", "NLD"):
        submitted_assessment(open_cycle, iso3, seed=4)
        assessment = assessment_access(SYSTEM, open_cycle, iso3)
        review = review_request(actor=make_user("ncp", iso3), assessment=assessment)
        review = review_move(actor=people["admin"], review=review, action="accept")
        review_assign(actor=people["admin"], review=review, reviewer=people["fra"], accept_warnings=True)
    assert count() == small


# --- the reviewer pool ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_reviewer_pool_and_its_edit_page(client, make_user, people, page_problems):
    make_user("peer_reviewer", "BRA", username="rev-new")  # not in the pool yet
    as_user(client, people["admin"])
    pool = client.get("/reviews/reviewers/")
    assert pool.status_code == 200 and page_problems(pool.content.decode()) == []
    html = text(pool)
    assert "rev-fra" in html and "France" in html and "en, fr" in html and "Not in the pool yet" in html
    edit = client.get("/reviews/reviewers/rev-new/")
    assert edit.status_code == 200 and page_problems(edit.content.decode()) == []
    response = client.post(
        "/reviews/reviewers/rev-new/",
        {"accreditation": "accredited", "languages": "pt, english", "expertise": "D1, X9", "reason": ""},
    )
    assert response.status_code == 400 and page_problems(response.content.decode()) == []
    assert 'id="id_languages_error"' in text(response) and 'id="id_expertise_error"' in text(response)
    assert not ReviewerProfile.objects.filter(user__username="rev-new").exists()
    response = client.post(
        "/reviews/reviewers/rev-new/",
        {"accreditation": "accredited", "languages": "PT, en", "expertise": "d2 D1", "reason": "Trained"},
    )
    assert response.status_code == 302
    profile = ReviewerProfile.objects.get(user__username="rev-new")
    assert (profile.accreditation, profile.languages, profile.expertise) == (
        "accredited",
        ["en", "pt"],
        ["D1", "D2"],
    )
    assert client.get("/reviews/reviewers/nobody/").status_code == 404
    assert client.get("/reviews/reviewers/" + people["ncp"].username + "/").status_code == 404


@pytest.mark.django_db
def test_who_may_see_and_change_the_pool(client, make_user, people):
    as_user(client, make_user("secretariat_analyst"))
    assert client.get("/reviews/reviewers/").status_code == 200
    edit = client.get("/reviews/reviewers/rev-fra/")
    assert edit.status_code == 200 and 'name="accreditation"' not in edit.content.decode()
    assert client.post("/reviews/reviewers/rev-fra/", {"accreditation": "suspended"}).status_code == 403
    assert ReviewerProfile.objects.get(user__username="rev-fra").accreditation == "accredited"
    for user in (people["ncp"], people["fra"]):
        as_user(client, user)
        assert client.get("/reviews/reviewers/").status_code == 403


# --- language ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_review_page_renders_in_french(client, open_cycle, deu, people, page_problems):
    accepted(open_cycle, people)
    as_user(client, people["admin"])
    response = client.get(page(open_cycle), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert '<html lang="fr"' in response.content.decode()
    assert page_problems(response.content.decode()) == []
