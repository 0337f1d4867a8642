"""The cycle pages: the list and opening a cycle, status actions and deadline extensions, the status
board with its filters and CSV, the home page cards and the navigation."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pmm.assessments.models import Change
from pmm.assessments.selectors import assessment_access
from pmm.assessments.services import ValueInput, assessment_start, assessment_submit, values_save
from pmm.core.actors import SYSTEM
from pmm.cycles.models import Cycle, DeadlineExtension
from pmm.members.models import Group, Member


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def start(cycle, iso3: str):
    return assessment_start(actor=SYSTEM, assessment=assessment_access(SYSTEM, cycle, iso3))


def save(cycle, iso3: str, *items: ValueInput):
    assessment = assessment_access(SYSTEM, cycle, iso3)
    return values_save(
        actor=SYSTEM, assessment=assessment, version=assessment.version, items=list(items), path="api"
    )


def dates(opens_days: int = -5, closes_days: int = 90) -> dict[str, str]:
    today = timezone.localdate()
    return {
        "opens_on": (today + timedelta(days=opens_days)).isoformat(),
        "closes_on": (today + timedelta(days=closes_days)).isoformat(),
    }


# --- list and creation -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_cycles_are_for_signed_in_users(client, make_user, open_cycle):
    response = client.get("/cycles/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(make_user("basic"))
    page = text(client.get("/cycles/"))
    assert str(open_cycle) in page
    assert "Open a cycle" not in page and "Status board" not in page


@pytest.mark.django_db
def test_the_secretariat_opens_a_cycle(client, make_user):
    client.force_login(make_user("secretariat_admin"))
    page = client.get("/cycles/").content.decode()
    assert "Open a cycle" in page and 'value="pmm-v1::1.0-reconstructed.1"' in page
    response = client.post(
        "/cycles/", {"framework": "pmm-v1::1.0-reconstructed.1", "reporting_year": "2024", **dates()}
    )
    cycle = Cycle.objects.get(reporting_year=2024)
    assert response.status_code == 302 and response["Location"] == f"/cycles/{cycle.pk}/"
    assert cycle.status == "open"
    assert "was created" in text(client.get(response["Location"]))


@pytest.mark.django_db
def test_opening_a_cycle_with_bad_dates_explains_and_creates_nothing(client, make_user):
    client.force_login(make_user("secretariat_admin"))
    response = client.post(
        "/cycles/",
        {"framework": "pmm-v1::1.0-reconstructed.1", "reporting_year": "2030", **dates(-5, -10)},
    )
    page = text(response)
    assert response.status_code == 400
    assert "The closing date must come after the opening date." in page
    assert "The reporting year must be over when the cycle opens" in page
    assert 'id="id_closes_on_error"' in page
    assert not Cycle.objects.exists()


@pytest.mark.django_db
def test_a_duplicate_cycle_is_refused_by_the_service(client, make_user, open_cycle):
    client.force_login(make_user("secretariat_admin"))
    response = client.post(
        "/cycles/", {"framework": "pmm-v1::1.0-reconstructed.1", "reporting_year": "2024", **dates()}
    )
    assert response.status_code == 400
    assert "a pmm-v1 cycle for 2024 exists" in text(response)
    assert Cycle.objects.count() == 1


@pytest.mark.django_db
def test_an_analyst_cannot_open_a_cycle(client, make_user):
    client.force_login(make_user("secretariat_analyst"))
    assert "Open a cycle" not in text(client.get("/cycles/"))
    response = client.post(
        "/cycles/", {"framework": "pmm-v1::1.0-reconstructed.1", "reporting_year": "2024", **dates()}
    )
    assert response.status_code == 403
    assert not Cycle.objects.exists()


# --- status and extensions -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_secretariat_closes_and_archives_a_cycle(client, make_user, open_cycle):
    client.force_login(make_user("secretariat_admin"))
    page = text(client.get(f"/cycles/{open_cycle.pk}/"))
    assert "Close the cycle" in page and "Archive the cycle" not in page
    client.post(f"/cycles/{open_cycle.pk}/status/", {"action": "close", "status-reason": "Deadline reached"})
    open_cycle.refresh_from_db()
    assert open_cycle.status == "closed"
    response = client.post(f"/cycles/{open_cycle.pk}/status/", {"action": "close"}, follow=True)
    assert "A cycle that is closed cannot do this." in text(response)
    client.post(f"/cycles/{open_cycle.pk}/status/", {"action": "archive"})
    open_cycle.refresh_from_db()
    assert open_cycle.status == "archived"


@pytest.mark.django_db
def test_only_the_administrator_changes_a_cycle(client, make_user, open_cycle):
    for role, member in (("secretariat_analyst", None), ("ncp", "KEN")):
        client.force_login(make_user(role, member))
        assert "Close the cycle" not in text(client.get(f"/cycles/{open_cycle.pk}/"))
        assert client.post(f"/cycles/{open_cycle.pk}/status/", {"action": "close"}).status_code == 403
        assert client.post(f"/cycles/{open_cycle.pk}/extensions/", {}).status_code == 403
    open_cycle.refresh_from_db()
    assert open_cycle.status == "open"


@pytest.mark.django_db
def test_the_secretariat_extends_a_members_deadline(client, make_user, open_cycle):
    client.force_login(make_user("secretariat_admin"))
    later = (open_cycle.closes_on + timedelta(days=20)).isoformat()
    response = client.post(
        f"/cycles/{open_cycle.pk}/extensions/",
        {"extension-member": "KEN", "extension-extended_to": later, "extension-reason": "Elections"},
    )
    assert response.status_code == 302
    extension = DeadlineExtension.objects.get(cycle=open_cycle, member__iso3="KEN")
    assert extension.extended_to.isoformat() == later and extension.reason == "Elections"
    page = text(client.get(f"/cycles/{open_cycle.pk}/"))
    assert "Kenya (KEN)" in page and "Elections" in page


@pytest.mark.django_db
def test_an_extension_needs_a_later_date_and_a_reason(client, make_user, open_cycle):
    client.force_login(make_user("secretariat_admin"))
    response = client.post(
        f"/cycles/{open_cycle.pk}/extensions/",
        {
            "extension-member": "KEN",
            "extension-extended_to": open_cycle.closes_on.isoformat(),
            "extension-reason": "",
        },
    )
    page = text(response)
    assert response.status_code == 400
    assert "The new deadline must come after the cycle" in page
    assert 'id="id_extension-reason_error"' in page
    assert not DeadlineExtension.objects.exists()


# --- status board -----------------------------------------------------------------------------------


@pytest.fixture
def board_data(open_cycle, complete_assessment):
    """Kenya in progress (with an error), France submitted, Uganda not started."""
    start(open_cycle, "KEN")
    save(open_cycle, "KEN", ValueInput("DECL_TOTAL", "T", 10), ValueInput("DECL_ELECTRONIC", "T", 20))
    assessment_submit(actor=SYSTEM, assessment=complete_assessment(open_cycle, "FRA"))
    return open_cycle


@pytest.mark.django_db
def test_the_board_shows_every_members_progress(client, make_user, board_data):
    client.force_login(make_user("secretariat_analyst"))
    response = client.get(f"/cycles/{board_data.pk}/board/")
    page = text(response)
    assert response.status_code == 200
    assert f"{Member.objects.count()} members" in page
    kenya = re.search(r'<tr><td><a href="/cycles/\d+/assessments/KEN/">Kenya</a>.*?</tr>', page).group(0)
    assert "In progress" in kenya and "East and Southern Africa" in kenya
    france = re.search(r'<tr><td><a href="/cycles/\d+/assessments/FRA/">France</a>.*?</tr>', page).group(0)
    assert "Submitted" in france and "100%" in france
    uganda = re.search(r'<tr><td><a href="/cycles/\d+/assessments/UGA/">Uganda</a>.*?</tr>', page).group(0)
    assert "Not started" in uganda


@pytest.mark.django_db
def test_the_board_filters_by_region_group_and_status(client, make_user, board_data):
    client.force_login(make_user("secretariat_admin"))
    board = f"/cycles/{board_data.pk}/board/"
    africa = text(client.get(board + "?region=region-east-southern-africa"))
    assert "Kenya" in africa and "Uganda" in africa and ">France<" not in africa
    eu = text(client.get(board + "?group=union-eu"))
    assert ">France<" in eu and ">Kenya<" not in eu  # (the member filter suggests every name)
    both = text(client.get(board + "?region=region-europe&group=union-eu"))
    assert ">France<" in both and ">Norway<" not in both
    submitted = text(client.get(board + "?status=submitted"))
    assert "1 member" in submitted and ">France<" in submitted


@pytest.mark.django_db
def test_the_board_csv_has_the_same_rows(client, make_user, board_data):
    client.force_login(make_user("secretariat_analyst"))
    response = client.get(f"/cycles/{board_data.pk}/board.csv?region=region-east-southern-africa")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["ISO code", "Member", "WCO region", "Status"]
    by_code = {row[0]: row for row in rows[1:]}
    assert "FRA" not in by_code
    kenya = by_code["KEN"]
    assert kenya[1:4] == ["Kenya", "East and Southern Africa", "In progress"]
    assert int(kenya[5]) > 0  # errors, including missing values
    assert kenya[8] == board_data.closes_on.isoformat()
    assert by_code["UGA"][3] == "Not started"
    expected = Member.objects.filter(groups__code="region-east-southern-africa").count()
    assert len(rows) - 1 == expected


@pytest.mark.django_db
def test_the_board_is_for_the_secretariat(client, make_user, board_data):
    for role, member in (("ncp", "KEN"), ("contributor", "KEN"), ("basic", None)):
        client.force_login(make_user(role, member))
        assert client.get(f"/cycles/{board_data.pk}/board/").status_code == 403
        assert client.get(f"/cycles/{board_data.pk}/board.csv").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/cycles/{cycle}/board/", "/cycles/{cycle}/board.csv", "/cycles/"])
def test_board_and_list_run_a_fixed_number_of_queries(client, make_user, board_data, path):
    client.force_login(make_user("secretariat_admin"))
    path = path.format(cycle=board_data.pk)
    with CaptureQueriesContext(connection) as small:
        assert client.get(path).status_code == 200
    groups = list(Group.objects.filter(code__in=["region-europe", "union-eu"]))
    for i in range(15):
        member = Member.objects.create(
            iso3=f"Q{i:02d}", iso2=f"{i:02d}", name={"en": f"Test {i}"}, sort_name=f"T{i}"
        )
        member.groups.set(groups)
        start(board_data, member.iso3)
        for n in range(3):
            save(
                board_data, member.iso3, ValueInput("DECL_TOTAL", "T", n + 1), ValueInput("AEO_COUNT", "T", n)
            )
    assert Change.objects.unrestricted().count() > 60
    with CaptureQueriesContext(connection) as large:
        assert client.get(path).status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)


# --- home page and navigation --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_home_page_shows_an_ncp_what_is_due(client, make_user, open_cycle):
    client.force_login(make_user("ncp", "KEN"))
    page = text(client.get("/"))
    assert "What is due" in page and "Kenya · " + str(open_cycle) in page and "Not started" in page
    assert 'href="/due/"' in page and 'href="/cycles/"' in page
    start(open_cycle, "KEN")
    assert "In progress" in text(client.get("/"))


@pytest.mark.django_db
def test_the_home_page_leads_the_secretariat_to_the_board(client, make_user, open_cycle):
    client.force_login(make_user("secretariat_analyst"))
    page = text(client.get("/"))
    assert f'href="/cycles/{open_cycle.pk}/board/"' in page
    assert 'href="/due/"' not in page


@pytest.mark.django_db
def test_a_visitor_has_no_cycle_links(client):
    page = text(client.get("/"))
    assert 'href="/cycles/"' not in page and 'href="/due/"' not in page
