"""Submitting from the pages goes through a confirmation page; a refused workbook upload puts an error
summary at the top of the page; a submitted self-assessment shows when, by whom and which version."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pmm.assessments.models import Assessment
from pmm.assessments.selectors import assessment_access
from pmm.assessments.services import assessment_start, kpi_update
from pmm.core.actors import SYSTEM


def url(cycle, rest: str = "") -> str:
    return f"/cycles/{cycle.pk}/assessments/KEN/{rest}"


def status_of(cycle) -> str:
    return Assessment.objects.get(cycle=cycle, member__iso3="KEN").status


def confirmation_version(page: str) -> int:
    """The version the confirmation page's button posts."""
    form = page.split('<form method="post"')[1].split("</form>")[0]
    found = re.search(r'<input type="hidden" name="version" value="(\d+)">', form)
    assert found, form
    return int(found.group(1))


@pytest.fixture
def ncp(client, make_user):
    user = make_user("ncp", "KEN")
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_the_overview_button_leads_to_the_confirmation_page(client, ncp, open_cycle, complete_assessment):
    complete_assessment(open_cycle, "KEN")
    overview = client.get(url(open_cycle)).content.decode()
    assert f'<form method="get" action="{url(open_cycle, "submit/")}">' in overview


@pytest.mark.django_db
def test_the_confirmation_page_says_what_submitting_means_and_submits_nothing(
    client, ncp, open_cycle, complete_assessment
):
    complete_assessment(open_cycle, "KEN")
    response = client.get(url(open_cycle, "submit/"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "can no longer be changed unless the WCO Secretariat reopens" in page
    assert "peer review" in page
    assert "100% (" in page
    assert f'<form method="post" action="{url(open_cycle, "submit/")}">' in page
    assert "Submit the self-assessment</button>" in page
    assert f'href="{url(open_cycle)}#submit">Go back</a>' in page
    assert status_of(open_cycle) == "in_progress"


@pytest.mark.django_db
def test_the_confirmation_page_offers_no_submit_button_while_problems_remain(client, ncp, open_cycle):
    assessment_start(actor=SYSTEM, assessment=assessment_access(SYSTEM, open_cycle, "KEN"))
    page = client.get(url(open_cycle, "submit/")).content.decode()
    assert "You cannot submit yet." in page
    assert 'method="post"' not in page.split("<main")[1]
    assert "Go back</a>" in page


@pytest.mark.django_db
@pytest.mark.parametrize("posted", ["stale", "missing"])
def test_a_confirmation_overtaken_by_a_save_submits_nothing_and_shows_the_assessment_now(
    client, ncp, open_cycle, complete_assessment, posted
):
    complete_assessment(open_cycle, "KEN")
    read = confirmation_version(client.get(url(open_cycle, "submit/")).content.decode())
    # Meanwhile a colleague changes a KPI's disclosure level.
    kpi_update(
        actor=SYSTEM,
        assessment=Assessment.objects.get(cycle=open_cycle),
        kpi_code="D1.O1.K1",
        disclosure="country",
    )
    response = client.post(url(open_cycle, "submit/"), {"version": read} if posted == "stale" else {})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Nothing was done: the self-assessment changed since this page was opened." in page
    assert confirmation_version(page) == read + 1
    assert status_of(open_cycle) == "in_progress"
    assert client.post(url(open_cycle, "submit/"), {"version": read + 1}).status_code == 302
    assert status_of(open_cycle) == "submitted"


@pytest.mark.django_db
def test_only_the_ncp_sees_the_confirmation_page(client, make_user, open_cycle, complete_assessment):
    complete_assessment(open_cycle, "KEN")
    client.force_login(make_user("contributor", "KEN"))
    assert client.get(url(open_cycle, "submit/")).status_code == 403


@pytest.mark.django_db
def test_after_submission_the_overview_shows_when_by_whom_and_which_version(
    client, ncp, open_cycle, complete_assessment
):
    complete_assessment(open_cycle, "KEN")
    before = client.get(url(open_cycle)).content.decode()
    assert "What is left to do" in before and "submitted-state" not in before
    version = confirmation_version(client.get(url(open_cycle, "submit/")).content.decode())
    assert client.post(url(open_cycle, "submit/"), {"version": version}).status_code == 302
    assessment = Assessment.objects.get(cycle=open_cycle, member__iso3="KEN")
    assert assessment.status == "submitted"
    page = client.get(url(open_cycle)).content.decode()
    state = page.split('id="submitted-state"')[1].split("</div>")[0]
    assert "Submitted to the WCO Secretariat." in state
    assert f"version {assessment.version}." in state
    assert f"Submitted by {ncp.username}." in state
    assert "What is left to do" not in page


@pytest.mark.django_db
def test_a_refused_workbook_puts_an_error_summary_linking_to_each_problem_at_the_top(client, ncp, open_cycle):
    client.post(url(open_cycle, "start/"))
    response = client.post(url(open_cycle, "workbook/"), {"file": SimpleUploadedFile("ken.xlsx", b"hello")})
    assert response.status_code == 422
    page = response.content.decode()
    main = page.split("<main")[1]
    assert main.index('class="error-summary"') < main.index("<h1>")
    summary = main.split('class="error-summary"')[1].split("</div>")[0]
    assert 'tabindex="-1"' in summary and "data-focus-on-load" in summary
    assert "There is a problem" in summary
    anchors = re.findall(r'<a href="#(workbook-problem-\d+)">', summary)
    assert anchors and all(f'<li id="{anchor}">' in page for anchor in anchors)


@pytest.mark.django_db
def test_an_upload_without_a_file_links_the_summary_to_the_file_field(client, ncp, open_cycle):
    client.post(url(open_cycle, "start/"))
    response = client.post(url(open_cycle, "workbook/"), {})
    assert response.status_code == 400
    page = response.content.decode()
    summary = page.split('class="error-summary"')[1].split("</div>")[0]
    field = re.search(r'<a href="#([^"]+)">', summary)
    assert field and f'id="{field.group(1)}"' in page.split("workbook-upload")[1]


@pytest.mark.django_db
def test_no_error_summary_without_errors(client, ncp, open_cycle):
    client.post(url(open_cycle, "start/"))
    assert "error-summary" not in client.get(url(open_cycle)).content.decode()


@pytest.mark.django_db
def test_the_new_pages_are_structurally_accessible(
    client, ncp, open_cycle, complete_assessment, page_problems
):
    complete_assessment(open_cycle, "KEN")
    confirmation = client.get(url(open_cycle, "submit/")).content.decode()
    assert page_problems(confirmation) == []
    refused = client.post(url(open_cycle, "workbook/"), {"file": SimpleUploadedFile("ken.xlsx", b"hello")})
    assert page_problems(refused.content.decode()) == []
    moved = client.post(url(open_cycle, "submit/"), {"version": confirmation_version(confirmation) - 1})
    assert moved.status_code == 409 and page_problems(moved.content.decode()) == []
    client.post(url(open_cycle, "submit/"), {"version": confirmation_version(confirmation)})
    assert page_problems(client.get(url(open_cycle)).content.decode()) == []
