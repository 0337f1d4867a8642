"""Pages of results: the cycle's results, publications and publishing, a member's KPI preview."""

from __future__ import annotations

import pytest

from pmm.authz.roles import Role
from pmm.results.models import Publication

pytestmark = pytest.mark.django_db


def test_results_page_shows_what_the_reader_may_see(client, open_cycle, published, make_user, page_problems):
    client.force_login(make_user(Role.NCP, "FRA"))
    page = client.get(f"/cycles/{open_cycle.pk}/results/", {"kpi": "D1.O1.K3"})
    html = page.content.decode()
    assert page.status_code == 200 and not page_problems(html)
    assert "(FRA)" in html and "(KEN)" not in html  # Kenya's D1.O1.K3 is country-level
    page = client.get(f"/cycles/{open_cycle.pk}/results/", {"kpi": "D1.O1.K3", "publication": "current"})
    assert "(FRA)" in page.content.decode() and "not published" in page.content.decode()


def test_results_page_explains_a_bad_filter(client, open_cycle, published, make_user):
    client.force_login(make_user(Role.BASIC))
    page = client.get(f"/cycles/{open_cycle.pk}/results/", {"kpi": "NOPE"})
    assert page.status_code == 400 and "No kpi NOPE" in page.content.decode()


def test_publish_from_the_page(client, open_cycle, submitted_assessment, make_user, page_problems):
    submitted_assessment(open_cycle, "KEN")
    client.force_login(make_user(Role.SECRETARIAT_ADMIN))
    page = client.get(f"/cycles/{open_cycle.pk}/publications/")
    assert page.status_code == 200 and not page_problems(page.content.decode())
    done = client.post(f"/cycles/{open_cycle.pk}/publications/publish/", {"note": "first"}, follow=True)
    assert "Publication 1 of" in done.content.decode()
    assert Publication.objects.get().note == "first"
    again = client.post(f"/cycles/{open_cycle.pk}/publications/publish/", {}, follow=True)
    assert "Nothing has changed since publication 1" in again.content.decode()


def test_only_the_secretariat_sees_the_publish_form(client, open_cycle, make_user):
    client.force_login(make_user(Role.NCP, "KEN"))
    page = client.get(f"/cycles/{open_cycle.pk}/publications/")
    assert 'name="note"' not in page.content.decode()
    assert client.post(f"/cycles/{open_cycle.pk}/publications/publish/").status_code == 403


def test_kpi_preview_for_the_member_in_french(client, open_cycle, make_user, page_problems):
    from pmm.assessments.models import Assessment
    from pmm.assessments.services import values_save
    from pmm.assessments.services.values import ValueInput

    ncp = make_user(Role.NCP, "KEN")
    member_id = ncp.role_assignments.first().member_id
    values_save(
        actor=ncp,
        assessment=Assessment(cycle=open_cycle, member_id=member_id),
        version=0,
        items=[ValueInput("DECL_TOTAL", "T", 200), ValueInput("DECL_ELECTRONIC", "T", 150)],
        path="form",
    )
    client.force_login(ncp)
    page = client.get(f"/cycles/{open_cycle.pk}/assessments/KEN/results/", HTTP_ACCEPT_LANGUAGE="fr")
    html = page.content.decode()
    assert page.status_code == 200 and not page_problems(html)
    assert "75\u00a0%" in html  # French puts a no-break space before %
    client.force_login(make_user(Role.NCP, "FRA"))
    assert client.get(f"/cycles/{open_cycle.pk}/assessments/KEN/results/").status_code == 404


def test_choosing_a_kpi_shows_its_group_statistics_or_why_not(client, open_cycle, published, make_user):
    client.force_login(make_user(Role.NCP, "KEN"))
    html = client.get(f"/cycles/{open_cycle.pk}/results/", {"kpi": "D1.O1.K1"}).content.decode()
    assert "Group statistics" in html and "All members" in html
    # Two members only: below the minimum of five, every group is held back and says why.
    assert "Not shown: fewer members contribute than the minimum." in html
