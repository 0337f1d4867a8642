"""The self-assessment pages: what is due, the overview (data quality, submit, reopen), the data entry
page of a dimension (htmx autosave and plain form post), value history, permissions, read-only
states, accessibility structure and constant query counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pmm.assessments.models import Assessment, Change, DataValue, KpiResponse, WarningJustification
from pmm.assessments.selectors import assessment_access
from pmm.assessments.services import (
    ValueInput,
    assessment_start,
    assessment_submit,
    justification_save,
    kpi_update,
    values_save,
)
from pmm.assessments.validation import needed_slots
from pmm.core.actors import SYSTEM
from pmm.cycles.selectors import cycle_spec
from pmm.cycles.services import cycle_change_status, cycle_create

HX = {"HX-Request": "true"}
# Data elements as messages name them (by their label).
TOTAL_LABEL = "“Total number of Customs goods declarations (import, export and transit)”"
AEO_LABEL = "“Number of operators holding AEO status at year end”"
ELECTRONIC_LABEL = "“Declarations submitted and processed electronically”"


def url(cycle, rest: str = "", iso3: str = "KEN") -> str:
    return f"/cycles/{cycle.pk}/assessments/{iso3}/{rest}"


def form_version(page: str) -> int:
    """The version a page's workflow form (submit, reopen) posts."""
    found = re.findall(r'<input type="hidden" name="version" value="(\d+)">', page)
    assert len(found) == 1, found
    return int(found[0])


def current_version(cycle, iso3: str = "KEN") -> int:
    return Assessment.objects.get(cycle=cycle, member__iso3=iso3).version


def start(cycle, iso3: str = "KEN") -> Assessment:
    return assessment_start(actor=SYSTEM, assessment=assessment_access(SYSTEM, cycle, iso3))


def save(cycle, *items: ValueInput, iso3: str = "KEN") -> Assessment:
    assessment = assessment_access(SYSTEM, cycle, iso3)
    return values_save(
        actor=SYSTEM, assessment=assessment, version=assessment.version, items=list(items), path="api"
    )


def stored(cycle, element: str, period: str = "T", iso3: str = "KEN"):
    value = (
        DataValue.objects.unrestricted()
        .filter(assessment__cycle=cycle, assessment__member__iso3=iso3, element__code=element, period=period)
        .first()
    )
    return value.value if value else None


def version_of(cycle, iso3: str = "KEN") -> int:
    return Assessment.objects.get(cycle=cycle, member__iso3=iso3).version


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def ncp(client, make_user):
    user = make_user("ncp", "KEN")
    client.force_login(user)
    return user


# --- access -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role,member,status",
    [
        ("ncp", "KEN", 200),
        ("ncp", "UGA", 404),
        ("contributor", "KEN", 200),
        ("contributor", "UGA", 404),
        ("secretariat_analyst", None, 200),
        ("secretariat_admin", None, 200),
        ("peer_reviewer", "CAN", 404),
        ("basic", None, 404),
        (None, None, 302),
    ],
)
@pytest.mark.parametrize("rest", ["", "D1/", "history/"])
def test_who_may_see_an_assessment(client, make_user, open_cycle, role, member, status, rest):
    start(open_cycle)
    if role:
        client.force_login(make_user(role, member))
    response = client.get(url(open_cycle, rest))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_an_unknown_dimension_or_member_is_not_found(client, ncp, open_cycle):
    assert client.get(url(open_cycle, "D9/")).status_code == 404
    assert client.get(url(open_cycle, "", iso3="XXX")).status_code == 404
    assert client.get("/cycles/999/assessments/KEN/").status_code == 404


# --- starting ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_ncp_starts_the_self_assessment(client, ncp, open_cycle):
    page = text(client.get(url(open_cycle)))
    assert "Start the self-assessment" in page
    assert "has not started yet" in page
    response = client.post(url(open_cycle, "start/"))
    assert response.status_code == 302
    assert Assessment.objects.get(cycle=open_cycle, member__iso3="KEN").status == "in_progress"
    assert "Start the self-assessment" not in text(client.get(url(open_cycle)))


@pytest.mark.django_db
def test_the_secretariat_cannot_start_a_members_assessment(client, make_user, open_cycle):
    client.force_login(make_user("secretariat_admin"))
    assert "Start the self-assessment" not in text(client.get(url(open_cycle)))
    assert client.post(url(open_cycle, "start/")).status_code == 403
    assert not Assessment.objects.filter(cycle=open_cycle).exists()


# --- autosave (htmx) --------------------------------------------------------------------------


@pytest.mark.django_db
def test_autosave_saves_a_row_and_sends_back_the_new_version(client, ncp, open_cycle):
    version = start(open_cycle).version
    response = client.post(
        url(open_cycle, "D1/rows/DECL_TOTAL/"),
        {
            "version": version,
            "DECL_TOTAL__T__value": "1 234 567",
            "DECL_TOTAL__T__comment": "From the ASYCUDA logs",
        },
        headers=HX,
    )
    assert response.status_code == 200
    body = text(response)
    assert stored(open_cycle, "DECL_TOTAL") == 1234567
    assert DataValue.objects.unrestricted().get(element__code="DECL_TOTAL").comment == "From the ASYCUDA logs"
    new_version = version_of(open_cycle)
    assert new_version == version + 1
    assert f'id="assessment-version" value="{new_version}" hx-swap-oob="true"' in body
    assert 'id="issues-DECL_TOTAL" hx-swap-oob="true"' in body  # the row's messages
    assert 'id="completeness-D1.O1" hx-swap-oob="true"' in body  # the completeness bars
    assert "Saved" in body
    assert f"{TOTAL_LABEL} (year T) is missing" not in body
    change = Change.objects.unrestricted().get(subject="DECL_TOTAL@T", field="value")
    assert (change.path, change.changed_by, change.new) == ("form", ncp, 1234567)


@pytest.mark.django_db
def test_autosave_refuses_a_bad_value_with_the_api_message_and_changes_nothing(client, ncp, open_cycle):
    start(open_cycle)
    save(open_cycle, ValueInput("DECL_TOTAL", "T", 1000))
    version = version_of(open_cycle)
    response = client.post(
        url(open_cycle, "D1/rows/DECL_TOTAL/"),
        {"version": version, "DECL_TOTAL__T__value": "many"},
        headers=HX,
    )
    body = text(response)
    assert response.status_code == 200
    assert "Not saved:" in body and f"{TOTAL_LABEL} (year T) must be a number" in body
    assert 'id="f-DECL_TOTAL-T-error"' in body
    assert stored(open_cycle, "DECL_TOTAL") == 1000
    assert version_of(open_cycle) == version
    assert re.findall(r'id="assessment-version" value="(\d+)"', body) in ([], [str(version)])


@pytest.mark.django_db
def test_autosave_saves_the_good_period_and_keeps_the_bad_one(client, ncp, open_cycle):
    version = start(open_cycle).version
    response = client.post(
        url(open_cycle, "D1/rows/AEO_COUNT/"),
        {"version": version, "AEO_COUNT__T__value": "120", "AEO_COUNT__T-1__value": "-4"},
        headers=HX,
    )
    body = text(response)
    assert stored(open_cycle, "AEO_COUNT", "T") == 120
    assert stored(open_cycle, "AEO_COUNT", "T-1") is None
    assert f"{AEO_LABEL} (year T-1) must be at least 0, not -4" in body


@pytest.mark.django_db
def test_autosave_with_a_stale_version_asks_to_reload_and_saves_nothing(client, ncp, open_cycle):
    version = start(open_cycle).version
    save(open_cycle, ValueInput("DECL_ELECTRONIC", "T", 5))  # someone else, meanwhile
    response = client.post(
        url(open_cycle, "D1/rows/DECL_TOTAL/"), {"version": version, "DECL_TOTAL__T__value": "10"}, headers=HX
    )
    body = text(response)
    assert "someone else changed this self-assessment meanwhile" in body
    assert "Reload the page" in body and 'role="alert"' in body
    assert stored(open_cycle, "DECL_TOTAL") is None
    assert "assessment-version" not in body


@pytest.mark.django_db
def test_autosave_of_not_available_needs_a_reason(client, ncp, open_cycle):
    version = start(open_cycle).version
    row = url(open_cycle, "D1/rows/DECL_TOTAL/")
    body = text(
        client.post(
            row, {"version": version, "DECL_TOTAL__T__value": "", "DECL_TOTAL__T__na": "1"}, headers=HX
        )
    )
    assert f"say why {TOTAL_LABEL} is not available for year T" in body
    assert not DataValue.objects.unrestricted().filter(element__code="DECL_TOTAL").exists()
    client.post(
        row,
        {
            "version": version,
            "DECL_TOTAL__T__value": "",
            "DECL_TOTAL__T__na": "1",
            "DECL_TOTAL__T__reason": "No system",
        },
        headers=HX,
    )
    value = DataValue.objects.unrestricted().get(element__code="DECL_TOTAL")
    assert (value.state, value.reason) == ("not_available", "No system")


@pytest.mark.django_db
def test_a_row_post_without_htmx_goes_back_to_the_page(client, ncp, open_cycle):
    version = start(open_cycle).version
    response = client.post(
        url(open_cycle, "D1/rows/DECL_TOTAL/"), {"version": version, "DECL_TOTAL__T__value": "3"}
    )
    assert response.status_code == 302 and response["Location"].endswith("/D1/#row-DECL_TOTAL")
    assert stored(open_cycle, "DECL_TOTAL") is None


@pytest.mark.django_db
def test_an_element_of_another_dimension_is_not_saved_from_this_page(client, ncp, open_cycle):
    version = start(open_cycle).version
    response = client.post(
        url(open_cycle, "D1/rows/STAFF_TOTAL/"),
        {"version": version, "STAFF_TOTAL__T__value": "3"},
        headers=HX,
    )
    assert response.status_code == 404


# --- KPI choices and warnings -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_kpi_declared_not_applicable_needs_a_justification(client, ncp, open_cycle):
    version = start(open_cycle).version
    kpi = url(open_cycle, "D1/kpis/D1.O1.K1/")
    fields = {"version": version, "kpi__D1.O1.K1__na": "1", "kpi__D1.O1.K1__justification": ""}
    body = text(client.post(kpi, fields, headers=HX))
    assert "Explain why this KPI does not apply to your administration" in body
    assert not KpiResponse.objects.unrestricted().filter(kpi__code="D1.O1.K1", applicable=False).exists()
    fields["kpi__D1.O1.K1__justification"] = "No electronic system exists yet."
    body = text(client.post(kpi, fields, headers=HX))
    response = KpiResponse.objects.unrestricted().get(kpi__code="D1.O1.K1")
    assert (response.applicable, response.justification) == (False, "No electronic system exists yet.")
    assert "not applicable" in body
    assert 'id="issues-DECL_ELECTRONIC" hx-swap-oob="true"' in body  # its rows lose their "missing"


@pytest.mark.django_db
def test_only_the_ncp_chooses_the_disclosure_level(client, make_user, open_cycle):
    version = start(open_cycle).version
    client.force_login(make_user("contributor", "KEN"))
    page = client.get(url(open_cycle, "D1/")).content.decode()
    assert 'name="kpi__D1.O1.K1__disclosure"' not in page
    assert "chosen by the National Contact Point" in page
    client.post(
        url(open_cycle, "D1/kpis/D1.O1.K1/"),
        {"version": version, "kpi__D1.O1.K1__justification": "", "kpi__D1.O1.K1__disclosure": "public"},
        headers=HX,
    )
    assert not KpiResponse.objects.unrestricted().filter(kpi__code="D1.O1.K1").exists()
    client.force_login(make_user("ncp", "KEN"))
    page = client.get(url(open_cycle, "D1/")).content.decode()
    assert 'name="kpi__D1.O1.K1__disclosure"' in page
    client.post(
        url(open_cycle, "D1/kpis/D1.O1.K1/"),
        {"version": version, "kpi__D1.O1.K1__justification": "", "kpi__D1.O1.K1__disclosure": "country"},
        headers=HX,
    )
    assert KpiResponse.objects.unrestricted().get(kpi__code="D1.O1.K1").disclosure == "country"


@pytest.mark.django_db
def test_a_jump_against_t_minus_1_asks_for_an_explanation(client, ncp, open_cycle):
    start(open_cycle)
    save(open_cycle, ValueInput("AEO_COUNT", "T", 300), ValueInput("AEO_COUNT", "T-1", 100))
    page = text(client.get(url(open_cycle, "D1/")))
    assert f"{AEO_LABEL} changed from 100 in year T-1 to 300 in year T, +200%; explain the change" in page
    assert 'name="just__jump:AEO_COUNT"' in page
    response = client.post(
        url(open_cycle, "D1/rows/AEO_COUNT/"),
        {"version": version_of(open_cycle), "just__jump:AEO_COUNT": "New AEO programme launched."},
        headers=HX,
    )
    assert (
        WarningJustification.objects.unrestricted().get(issue_key="jump:AEO_COUNT").text
        == "New AEO programme launched."
    )
    assert "Warning, explained:" in text(response)
    assert stored(open_cycle, "AEO_COUNT") == 300  # values untouched: they were not posted


# --- the whole page without JavaScript ----------------------------------------------------------


@pytest.mark.django_db
def test_the_page_works_without_javascript(client, ncp, open_cycle):
    version = start(open_cycle).version
    page = client.get(url(open_cycle, "D1/")).content.decode()
    assert 'type="submit"' in page and "Save all changes on this page" in page
    response = client.post(
        url(open_cycle, "D1/"),
        {
            "version": version,
            "DECL_TOTAL__T__value": "2000",
            "DECL_ELECTRONIC__T__value": "1500,0",
            "DATA_MODEL_ALIGNMENT__T__value": "partial",
            "DECL_IMPORT_TOTAL__T__value": "",
            "DECL_IMPORT_TOTAL__T__na": "1",
            "DECL_IMPORT_TOTAL__T__reason": "Not counted separately",
            "kpi__D1.O2.K1__na": "1",
            "kpi__D1.O2.K1__justification": "No such procedure",
            "kpi__D1.O2.K1__disclosure": "union",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("/D1/")
    assert stored(open_cycle, "DECL_TOTAL") == 2000
    assert stored(open_cycle, "DECL_ELECTRONIC") == 1500
    assert stored(open_cycle, "DATA_MODEL_ALIGNMENT") == "partial"
    assert DataValue.objects.unrestricted().get(element__code="DECL_IMPORT_TOTAL").state == "not_available"
    kpi = KpiResponse.objects.unrestricted().get(kpi__code="D1.O2.K1")
    assert (kpi.applicable, kpi.disclosure) == (False, "union")
    assert "Your changes were saved." in text(client.get(response["Location"]))


@pytest.mark.django_db
def test_a_whole_page_post_keeps_what_could_not_be_saved(client, ncp, open_cycle):
    version = start(open_cycle).version
    response = client.post(
        url(open_cycle, "D1/"),
        {"version": version, "DECL_TOTAL__T__value": "2000", "DECL_ELECTRONIC__T__value": "lots"},
    )
    body = text(response)
    assert response.status_code == 200
    assert stored(open_cycle, "DECL_TOTAL") == 2000
    assert stored(open_cycle, "DECL_ELECTRONIC") is None
    assert f"{ELECTRONIC_LABEL} (year T) must be a number" in body
    assert 'name="DECL_ELECTRONIC__T__value" value="lots"' in body
    assert 'aria-invalid="true"' in body
    assert 'href="#f-DECL_ELECTRONIC-T-value"' in body  # the summary at the top links to the field
    assert f'id="assessment-version" value="{version_of(open_cycle)}"' in body


@pytest.mark.django_db
def test_a_whole_page_post_with_a_stale_version_saves_nothing_and_keeps_the_entries(client, ncp, open_cycle):
    version = start(open_cycle).version
    save(open_cycle, ValueInput("DECL_ELECTRONIC", "T", 5))
    response = client.post(url(open_cycle, "D1/"), {"version": version, "DECL_TOTAL__T__value": "2000"})
    assert response.status_code == 409
    body = text(response)
    assert "someone else changed this self-assessment meanwhile" in body
    assert 'name="DECL_TOTAL__T__value" value="2000"' in body
    assert stored(open_cycle, "DECL_TOTAL") is None


@pytest.mark.django_db
def test_show_only_what_is_left_to_do(client, ncp, open_cycle):
    start(open_cycle)
    save(open_cycle, ValueInput("DECL_TOTAL", "T", 10), ValueInput("DECL_ELECTRONIC", "T", 5))
    everything = client.get(url(open_cycle, "D1/")).content.decode()
    left = client.get(url(open_cycle, "D1/?missing=1")).content.decode()
    assert 'id="row-DECL_TOTAL"' in everything and 'id="row-DECL_TOTAL"' not in left
    assert 'id="row-DECL_IMPORT_TOTAL"' in left
    assert left.count('class="value-row') < everything.count('class="value-row')


@pytest.mark.django_db
def test_carried_forward_values_are_flagged(client, ncp, open_cycle):
    today = timezone.localdate()
    earlier = cycle_create(
        actor=SYSTEM,
        framework_code="pmm-v1",
        reporting_year=2023,
        opens_on=today - timedelta(days=400),
        closes_on=today + timedelta(days=5),
    )
    start(earlier)
    save(earlier, ValueInput("AEO_COUNT", "T", 77))
    start(open_cycle)
    assert stored(open_cycle, "AEO_COUNT", "T-1") == 77
    page = text(client.get(url(open_cycle, "D1/")))
    assert 'name="AEO_COUNT__T-1__value" value="77"' in page
    assert "carried forward" in page


@pytest.mark.django_db
def test_the_page_shows_framework_texts_in_the_readers_language(client, ncp, open_cycle, settings):
    start(open_cycle)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get(url(open_cycle, "D1/")).content.decode()
    assert '<html lang="fr"' in page
    assert "Taux de déclarations électroniques" in page
    assert ">Partiellement aligné</option>" in page
    assert "Rate of electronic declarations" not in page


# --- history -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_value_shows_its_history(client, ncp, open_cycle):
    start(open_cycle)
    row = url(open_cycle, "D1/rows/DECL_TOTAL/")
    client.post(row, {"version": version_of(open_cycle), "DECL_TOTAL__T__value": "100"}, headers=HX)
    client.post(row, {"version": version_of(open_cycle), "DECL_TOTAL__T__value": "150"}, headers=HX)
    page = text(client.get(url(open_cycle, "D1/")))
    assert "(2 changes)" in page
    assert "history/?subject=DECL_TOTAL%40T" in page
    partial = text(client.get(url(open_cycle, "history/?subject=DECL_TOTAL@T"), headers=HX))
    assert "<html" not in partial
    assert re.search(r"value:</span> 100 .*changed to</span> 150", partial)
    assert ncp.username in partial and "form" in partial
    full = text(client.get(url(open_cycle, "history/?subject=DECL_TOTAL@T")))
    assert "<h1>History of changes</h1>" in full and "Total number of Customs goods declarations" in full


# --- workflow ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_ncp_submits_a_complete_assessment(client, ncp, open_cycle, complete_assessment):
    complete_assessment(open_cycle, "KEN")
    page = text(client.get(url(open_cycle)))
    assert (
        "Submit the self-assessment</button>" in page and "disabled" not in page.split("Submit the")[1][:80]
    )
    confirmation = client.get(url(open_cycle, "submit/")).content.decode()
    response = client.post(url(open_cycle, "submit/"), {"version": form_version(confirmation)})
    assert response.status_code == 302
    assert Assessment.objects.get(cycle=open_cycle, member__iso3="KEN").status == "submitted"
    page = text(client.get(url(open_cycle)))
    assert "submitted to the WCO Secretariat" in page


@pytest.mark.django_db
def test_submission_is_refused_while_problems_remain(client, ncp, open_cycle):
    start(open_cycle)
    page = text(client.get(url(open_cycle)))
    assert re.search(r'<button type="submit" disabled aria-describedby="submit-why">', page)
    assert "You cannot submit yet." in page
    response = client.post(url(open_cycle, "submit/"), {"version": current_version(open_cycle)})
    assert response.status_code == 422
    body = text(response)
    assert "The self-assessment was not submitted" in body
    assert f"{TOTAL_LABEL} (year T) is missing: report it or say why it is not available" in body
    assert Assessment.objects.get(cycle=open_cycle, member__iso3="KEN").status == "in_progress"


@pytest.mark.django_db
def test_a_contributor_cannot_submit(client, make_user, open_cycle, complete_assessment):
    complete_assessment(open_cycle, "KEN")
    client.force_login(make_user("contributor", "KEN"))
    page = text(client.get(url(open_cycle)))
    assert "Submit the self-assessment" not in page
    assert "Only the National Contact Point can submit" in page
    assert client.post(url(open_cycle, "submit/")).status_code == 403
    assert Assessment.objects.get(cycle=open_cycle, member__iso3="KEN").status == "in_progress"


@pytest.mark.django_db
def test_the_secretariat_reopens_with_a_reason_the_ncp_sees(
    client, make_user, open_cycle, complete_assessment
):
    assessment_submit(actor=SYSTEM, assessment=complete_assessment(open_cycle, "KEN"))
    client.force_login(make_user("secretariat_admin"))
    overview = text(client.get(url(open_cycle)))
    assert "Reopen and send back to the member" in overview
    version = form_version(overview)
    response = client.post(url(open_cycle, "reopen/"), {"reason": "", "version": version})
    assert response.status_code == 400 and 'id="id_reason_error"' in response.content.decode()
    assert Assessment.objects.get(cycle=open_cycle, member__iso3="KEN").status == "submitted"
    client.post(
        url(open_cycle, "reopen/"), {"reason": "The revenue figures look like thousands.", "version": version}
    )
    assert Assessment.objects.get(cycle=open_cycle, member__iso3="KEN").status == "in_progress"
    client.force_login(make_user("ncp", "KEN"))
    for page in (url(open_cycle), url(open_cycle, "D2/"), "/due/"):
        assert "The revenue figures look like thousands." in text(client.get(page))


@pytest.mark.django_db
def test_an_analyst_cannot_reopen(client, make_user, open_cycle, complete_assessment):
    assessment_submit(actor=SYSTEM, assessment=complete_assessment(open_cycle, "KEN"))
    client.force_login(make_user("secretariat_analyst"))
    assert "Reopen and send back" not in text(client.get(url(open_cycle)))
    assert client.post(url(open_cycle, "reopen/"), {"reason": "x"}).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("posted", ["stale", "missing"])
def test_a_reopen_form_overtaken_by_a_change_reopens_nothing(
    client, make_user, open_cycle, complete_assessment, posted
):
    assessment_submit(actor=SYSTEM, assessment=complete_assessment(open_cycle, "KEN"))
    client.force_login(make_user("secretariat_admin"))
    read = form_version(text(client.get(url(open_cycle))))
    # Meanwhile the NCP changes a KPI's disclosure level, which a submitted assessment allows.
    kpi_update(
        actor=SYSTEM,
        assessment=Assessment.objects.get(cycle=open_cycle),
        kpi_code="D1.O1.K1",
        disclosure="country",
    )
    data = {"reason": "Recount the declarations."} | ({"version": read} if posted == "stale" else {})
    response = client.post(url(open_cycle, "reopen/"), data)
    assert response.status_code == 409
    page = text(response)
    assert "Nothing was done: the self-assessment changed since this page was opened." in page
    assert "Recount the declarations." in page  # the reason typed is kept
    assert form_version(page) == read + 1
    assert Assessment.objects.get(cycle=open_cycle).status == "submitted"
    client.post(url(open_cycle, "reopen/"), {"reason": "Recount the declarations.", "version": read + 1})
    assert Assessment.objects.get(cycle=open_cycle).status == "in_progress"


# --- read-only states ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_secretariat_reads_but_does_not_edit(client, make_user, open_cycle):
    version = start(open_cycle).version
    save(open_cycle, ValueInput("DECL_TOTAL", "T", 4321))
    client.force_login(make_user("secretariat_admin"))
    page = text(client.get(url(open_cycle, "D1/")))
    assert "4,321" in page
    assert "__value" not in page and "hx-post" not in page
    assert "You can read this self-assessment but not change it." in page
    fields = {"version": version + 1, "DECL_TOTAL__T__value": "1"}
    assert client.post(url(open_cycle, "D1/rows/DECL_TOTAL/"), fields, headers=HX).status_code == 403
    assert client.post(url(open_cycle, "D1/"), fields).status_code == 403
    assert stored(open_cycle, "DECL_TOTAL") == 4321


@pytest.mark.django_db
def test_a_closed_cycle_refuses_edits_with_a_clear_message(client, ncp, open_cycle):
    version = start(open_cycle).version
    cycle_change_status(actor=SYSTEM, cycle=open_cycle, action="close")
    page = text(client.get(url(open_cycle, "D1/")))
    assert "Data cannot be changed: the cycle is closed." in page
    assert 'name="DECL_TOTAL__T__value"' not in page
    body = text(
        client.post(
            url(open_cycle, "D1/rows/DECL_TOTAL/"),
            {"version": version, "DECL_TOTAL__T__value": "1"},
            headers=HX,
        )
    )
    assert "Not saved" in body and "the cycle is closed" in body
    response = client.post(
        url(open_cycle, "D1/"), {"version": version, "DECL_TOTAL__T__value": "1"}, follow=True
    )
    assert "the cycle is closed" in text(response)
    assert stored(open_cycle, "DECL_TOTAL") is None


@pytest.mark.django_db
def test_a_passed_deadline_refuses_edits(client, ncp, make_user):
    today = timezone.localdate()
    cycle = cycle_create(
        actor=SYSTEM,
        framework_code="pmm-v1",
        reporting_year=2024,
        opens_on=today - timedelta(days=30),
        closes_on=today + timedelta(days=1),
    )
    start(cycle)
    cycle.closes_on = today - timedelta(days=1)
    cycle.save()
    page = text(client.get(url(cycle, "D1/")))
    assert "Ask the WCO Secretariat for an extension" in page
    assert 'name="DECL_TOTAL__T__value"' not in page


@pytest.mark.django_db
def test_a_submitted_assessment_is_read_only_but_its_disclosure_can_change(
    client, ncp, open_cycle, complete_assessment
):
    assessment_submit(actor=SYSTEM, assessment=complete_assessment(open_cycle, "KEN"))
    page = text(client.get(url(open_cycle, "D1/")))
    assert "This self-assessment has been submitted." in page
    assert 'name="DECL_TOTAL__T__value"' not in page
    assert 'name="kpi__D1.O1.K1__disclosure"' in page
    client.post(
        url(open_cycle, "D1/kpis/D1.O1.K1/"),
        {"version": version_of(open_cycle), "kpi__D1.O1.K1__disclosure": "public", "kpi__D1.O1.K1__na": "1"},
        headers=HX,
    )
    response = KpiResponse.objects.unrestricted().get(kpi__code="D1.O1.K1")
    assert (response.disclosure, response.applicable) == ("public", True)


# --- what is due -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_what_is_due_for_an_ncp(client, ncp, open_cycle):
    page = text(client.get("/due/"))
    assert "Kenya" in page and "Not started" in page and "Start the self-assessment" in page
    assert open_cycle.closes_on.strftime("%Y") in page
    client.post(url(open_cycle, "start/"))
    page = text(client.get("/due/"))
    assert "In progress" in page and "Continue" in page
    assert re.search(r"\d+ problems before submission", page)


@pytest.mark.django_db
def test_what_is_due_for_someone_without_a_member(client, make_user, open_cycle):
    client.force_login(make_user("secretariat_analyst"))
    assert "no self-assessment is due from you" in text(client.get("/due/"))
    assert client.get("/due/").status_code == 200


@pytest.fixture
def busy_assessment(open_cycle):
    """Kenya's assessment with values, an error, a warning, a justified jump and a KPI not applicable."""
    assessment = start(open_cycle)
    save(
        open_cycle,
        ValueInput("DECL_TOTAL", "T", 100),
        ValueInput("DECL_ELECTRONIC", "T", 150, comment="check"),
        ValueInput("AEO_COUNT", "T", 300),
        ValueInput("AEO_COUNT", "T-1", 100),
        ValueInput("DECL_IMPORT_TOTAL", "T", state="not_available", reason="not counted"),
    )
    assessment.refresh_from_db()
    justification_save(actor=SYSTEM, assessment=assessment, issue_key="jump:AEO_COUNT", text="New programme")
    kpi_update(
        actor=SYSTEM, assessment=assessment, kpi_code="D1.O2.K1", applicable=False, justification="n/a"
    )
    return assessment


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["ncp", "contributor", "secretariat_admin"])
@pytest.mark.parametrize(
    "rest", ["", "D1/", "D2/", "D3/", "D4/", "D1/?missing=1", "history/", "history/?subject=AEO_COUNT@T"]
)
def test_assessment_pages_are_structurally_accessible(
    client, make_user, busy_assessment, page_problems, role, rest
):
    client.force_login(make_user(role, "KEN" if role in ("ncp", "contributor") else None))
    assert page_problems(client.get(url(busy_assessment.cycle, rest)).content.decode()) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role,path",
    [
        ("ncp", "/due/"),
        ("ncp", "/"),
        ("ncp", "/cycles/"),
        ("ncp", "/cycles/{cycle}/"),
        ("secretariat_admin", "/"),
        ("secretariat_admin", "/cycles/"),
        ("secretariat_admin", "/cycles/{cycle}/"),
        ("secretariat_admin", "/cycles/{cycle}/board/"),
        ("secretariat_admin", "/cycles/{cycle}/board/?region=region-europe&group=union-eu"),
        ("secretariat_analyst", "/cycles/{cycle}/board/"),
    ],
)
def test_cycle_pages_are_structurally_accessible(
    client, make_user, busy_assessment, page_problems, role, path
):
    client.force_login(make_user(role, "KEN" if role == "ncp" else None))
    assert page_problems(client.get(path.format(cycle=busy_assessment.cycle_id)).content.decode()) == []


# --- query counts ----------------------------------------------------------------------------------


def queries_for(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured.captured_queries)


def _fill(cycle, iso3: str = "KEN", rounds: int = 3) -> None:
    """Every needed value, changed several times (history grows), plus KPI choices and explanations."""
    assessment = assessment_access(SYSTEM, cycle, iso3)
    slots = needed_slots(cycle_spec(cycle), [])
    for n in range(rounds):
        assessment = values_save(
            actor=SYSTEM,
            assessment=assessment,
            version=assessment.version,
            items=[
                ValueInput(code, period, state="not_available", reason=f"round {n}") for code, period in slots
            ],
            path="api",
        )
    save(cycle, ValueInput("AEO_COUNT", "T", 300), ValueInput("AEO_COUNT", "T-1", 100), iso3=iso3)
    assessment.refresh_from_db()
    justification_save(actor=SYSTEM, assessment=assessment, issue_key="jump:AEO_COUNT", text="why")
    for kpi in ("D1.O1.K1", "D1.O2.K1", "D2.O1.K1"):
        kpi_update(actor=SYSTEM, assessment=assessment, kpi_code=kpi, disclosure="country")


@pytest.mark.django_db
@pytest.mark.parametrize("rest", ["", "D1/", "D3/", "history/"])
def test_assessment_pages_run_a_fixed_number_of_queries(client, ncp, open_cycle, rest):
    start(open_cycle)
    save(open_cycle, ValueInput("DECL_TOTAL", "T", 1))
    small = queries_for(client, url(open_cycle, rest))
    _fill(open_cycle)
    large = queries_for(client, url(open_cycle, rest))
    assert small == large
