"""Results: recomputation on submission (queued job), publication snapshots, reproduction, API, files."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from openpyxl import load_workbook

from pmm.assessments.models import DataValue
from pmm.assessments.services import assessment_reopen, assessment_submit, values_save
from pmm.assessments.services.values import ValueInput
from pmm.audit.models import AuditEvent
from pmm.authz.roles import Role
from pmm.core.actors import SYSTEM
from pmm.core.append_only import AppendOnlyError
from pmm.core.errors import ApplicationError, PermissionDenied
from pmm.disclosure.policy import PUBLIC_AUDIENCE
from pmm.framework.models import Kpi
from pmm.results.models import KpiResult, Publication, PublishedMember, PublishedResult, ResultSet
from pmm.results.selectors import publication_reproduce
from pmm.results.services import publication_create

pytestmark = pytest.mark.django_db


def test_submission_queues_a_recomputation_that_stores_every_kpi(open_cycle, submitted_assessment):
    assessment = submitted_assessment(open_cycle, "KEN")
    result_set = ResultSet.objects.get(assessment=assessment)
    assert result_set.assessment_version == assessment.version
    results = KpiResult.objects.unrestricted().filter(result_set=result_set)
    kpis = Kpi.objects.filter(outcome__dimension__framework=open_cycle.framework)
    expected = sum(len(k.formula) for k in kpis)
    assert results.count() == expected
    assert results.filter(status="computed").count() > 40


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}})
def test_the_database_queue_holds_the_job_until_a_worker_runs_it(reference_data, open_cycle):
    from conftest import submit_generated

    assessment = submit_generated(open_cycle, "KEN")  # committed: the job is queued in the database
    assert not ResultSet.objects.filter(assessment=assessment).exists()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert ResultSet.objects.get(assessment=assessment).assessment_version == assessment.version


def _figures(publication):
    return {
        (r.member.iso3, r.kpi, r.component): (r.status, r.value, r.disclosure)
        for r in PublishedResult.objects.unrestricted()
        .filter(publication=publication)
        .select_related("member")
    }


def test_publication_freezes_results_and_a_correction_makes_a_new_snapshot(
    open_cycle, submitted_assessment, make_user
):
    ken = submitted_assessment(open_cycle, "KEN")
    submitted_assessment(open_cycle, "FRA", seed=3)
    admin = make_user(Role.SECRETARIAT_ADMIN)
    first = publication_create(actor=admin, cycle=open_cycle, note="first release")
    assert (first.number, first.member_count, first.change_log) == (1, 2, [])
    assert first.framework_fingerprint == open_cycle.framework.fingerprint
    frozen = _figures(first)
    assert len(frozen) == 2 * KpiResult.objects.unrestricted().filter(result_set__assessment=ken).count()
    assert AuditEvent.objects.unrestricted().filter(verb="results.published").count() == 1

    with pytest.raises(ApplicationError) as nothing_new:
        publication_create(actor=admin, cycle=open_cycle)
    assert nothing_new.value.code == "conflict"

    # The Secretariat reopens Kenya, which corrects one figure and submits again.
    assessment_reopen(actor=admin, assessment=ken, reason="declarations total double counted")
    ncp = make_user(Role.NCP, "KEN")
    total = DataValue.objects.unrestricted().get(assessment=ken, element__code="DECL_TOTAL", period="T")
    ken.refresh_from_db()
    ken = values_save(
        actor=ncp,
        assessment=ken,
        version=ken.version,
        items=[ValueInput("DECL_TOTAL", "T", total.value + 1000)],
        reason="recounted",
        path="api",
    )
    ken.refresh_from_db()
    assessment_submit(actor=ncp, assessment=ken)
    second = publication_create(actor=admin, cycle=open_cycle, note="correction for Kenya")
    assert second.number == 2
    changed = [entry for entry in second.change_log if entry["change"] == "changed"]
    assert changed and {e["member"] for e in changed} == {"KEN"}
    assert all("value" in e["fields"] or "status" in e["fields"] for e in changed)
    assert _figures(first) == frozen  # the first snapshot never changes
    assert _figures(second) != frozen


def test_published_rows_cannot_be_changed_or_deleted(open_cycle, submitted_assessment, make_user):
    submitted_assessment(open_cycle, "KEN")
    publication = publication_create(actor=make_user(Role.SECRETARIAT_ADMIN), cycle=open_cycle)
    row = PublishedResult.objects.unrestricted().filter(publication=publication).first()
    row.value = 1
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        PublishedResult.objects.unrestricted().filter(publication=publication).update(value=0)
    with pytest.raises(AppendOnlyError):
        publication.delete()


def test_a_published_snapshot_is_reproduced_exactly_from_its_recorded_inputs(
    open_cycle, submitted_assessment, make_user
):
    for seed, iso3 in enumerate(["KEN", "FRA", "BRA", "JPN"]):
        submitted_assessment(open_cycle, iso3, seed=seed)
    publication = publication_create(actor=make_user(Role.SECRETARIAT_ADMIN), cycle=open_cycle)
    assert publication_reproduce(publication) == []
    # Tampering with a recorded input (behind the application's back) is caught.
    recorded = PublishedMember.objects.unrestricted().get(publication=publication, member__iso3="KEN")
    inputs = dict(recorded.inputs)
    inputs["values"] = {**inputs["values"], "DECL_TOTAL@T": [10**9]}

    from conftest import tamper_published_inputs

    tamper_published_inputs(recorded, inputs)
    differences = publication_reproduce(publication)
    assert differences and {d.member for d in differences} == {"KEN"}


def test_only_the_secretariat_administrator_publishes(open_cycle, submitted_assessment, make_user):
    submitted_assessment(open_cycle, "KEN")
    for role, member in [(Role.NCP, "KEN"), (Role.SECRETARIAT_ANALYST, None), (Role.PEER_REVIEWER, None)]:
        with pytest.raises(PermissionDenied):
            publication_create(actor=make_user(role, member), cycle=open_cycle)
    assert not Publication.objects.exists()


def test_nothing_to_publish_is_a_clear_conflict(open_cycle, make_user):
    with pytest.raises(ApplicationError) as error:
        publication_create(actor=make_user(Role.SECRETARIAT_ADMIN), cycle=open_cycle)
    assert "No member has submitted" in error.value.message


# --- API ------------------------------------------------------------------------------------


def test_api_results_show_the_public_only_what_is_public(client, open_cycle, published):
    body = client.get(f"/api/v1/cycles/{open_cycle.pk}/results").json()
    assert body["source"] == "publication" and body["publication"]["number"] == 1
    assert body["count"] == len(body["results"]) > 0
    assert {r["disclosure"] for r in body["results"]} == {"public"}
    keys = {(r["member"], r["kpi"]) for r in body["results"]}
    assert ("KEN", "D1.O1.K1") in keys and ("FRA", "D1.O1.K3") in keys
    assert ("FRA", "D1.O1.K1") not in keys and ("KEN", "D1.O1.K3") not in keys


def test_api_results_filters_and_their_errors(client, open_cycle, published, make_user, bearer):
    basic = bearer(make_user(Role.BASIC))
    url = f"/api/v1/cycles/{open_cycle.pk}/results"
    rows = client.get(url, {"kpi": "D1.O1.K1"}, headers=basic).json()["results"]
    assert {(r["member"], r["kpi"]) for r in rows} == {("KEN", "D1.O1.K1"), ("FRA", "D1.O1.K1")}
    rows = client.get(url, {"member": "fra", "dimension": "D1"}, headers=basic).json()["results"]
    assert rows and {r["member"] for r in rows} == {"FRA"} and {r["dimension"] for r in rows} == {"D1"}
    rows = client.get(url, {"outcome": "D1.O2"}, headers=basic).json()["results"]
    assert rows and {r["outcome"] for r in rows} == {"D1.O2"}
    bad = client.get(url, {"kpi": "NOPE"}, headers=basic)
    assert bad.status_code == 400 and bad.json()["error"]["fields"][0]["field"] == "kpi"
    assert client.get(url, {"publication": "9"}, headers=basic).status_code == 404
    assert client.get(url, {"publication": "x"}, headers=basic).json()["error"]["fields"][0]["field"] == (
        "publication"
    )


def test_api_current_results_are_only_the_readers_own(client, open_cycle, published, make_user, bearer):
    url = f"/api/v1/cycles/{open_cycle.pk}/results?publication=current"
    ncp = client.get(url, headers=bearer(make_user(Role.NCP, "KEN"))).json()
    assert ncp["source"] == "current" and {r["member"] for r in ncp["results"]} == {"KEN"}
    admin = client.get(url, headers=bearer(make_user(Role.SECRETARIAT_ANALYST))).json()
    assert {r["member"] for r in admin["results"]} == {"KEN", "FRA"}
    assert client.get(url).json()["results"] == []


def test_csv_and_xlsx_hold_exactly_the_rows_of_the_json_answer(
    client, open_cycle, published, make_user, bearer
):
    headers = bearer(make_user(Role.NCP, "KEN"))
    base = f"/api/v1/cycles/{open_cycle.pk}/results"
    rows = client.get(base, headers=headers).json()["results"]
    as_csv = client.get(base + ".csv", headers=headers)
    assert as_csv["Content-Disposition"].startswith("attachment")
    records = list(csv.DictReader(io.StringIO(as_csv.content.decode())))
    assert [(r["member"], r["kpi"], r["component"]) for r in records] == [
        (r["member"], r["kpi"], r["component"]) for r in rows
    ]
    book = load_workbook(io.BytesIO(client.get(base + ".xlsx", headers=headers).content))
    sheet = book.worksheets[0]
    assert sheet.max_row - 1 == len(rows)
    assert [c.value for c in sheet[1]][:5] == ["member", "member_name", "dimension", "outcome", "kpi"]


def test_api_publish_and_list_publications(client, open_cycle, submitted_assessment, make_user, bearer):
    submitted_assessment(open_cycle, "KEN")
    url = f"/api/v1/cycles/{open_cycle.pk}/publications"
    refused = client.post(
        url, {"note": "x"}, content_type="application/json", headers=bearer(make_user(Role.NCP, "KEN"))
    )
    assert refused.status_code == 403
    made = client.post(
        url,
        {"note": "first"},
        content_type="application/json",
        headers=bearer(make_user(Role.SECRETARIAT_ADMIN)),
    )
    assert made.status_code == 201 and made.json()["number"] == 1
    listed = client.get("/api/v1/publications").json()
    assert [(p["cycle"], p["number"], p["note"]) for p in listed] == [(open_cycle.pk, 1, "first")]
    detail = client.get(f"{url}/1").json()
    assert detail["change_log"] == [] and detail["member_count"] == 1


def test_live_preview_of_a_draft_is_for_the_member_only(client, open_cycle, make_user, bearer):
    ncp = make_user(Role.NCP, "KEN")
    url = f"/api/v1/cycles/{open_cycle.pk}/assessments/KEN/results"
    from pmm.assessments.models import Assessment

    values_save(
        actor=ncp,
        assessment=Assessment(cycle=open_cycle, member_id=ncp.role_assignments.first().member_id),
        version=0,
        items=[ValueInput("DECL_TOTAL", "T", 200), ValueInput("DECL_ELECTRONIC", "T", 150)],
        path="api",
    )
    preview = {r["kpi"]: r for r in client.get(url, headers=bearer(ncp)).json()}
    assert preview["D1.O1.K1"]["status"] == "computed" and preview["D1.O1.K1"]["value"] == 75
    other = client.get(url, headers=bearer(make_user(Role.NCP, "FRA")))
    assert other.status_code == 404


def test_scoring_works_end_to_end_with_the_illustrative_framework(
    client, make_user, bearer, django_capture_on_commit_callbacks
):
    """A framework with scoring: values entered, submitted, published; the API gives each KPI's band."""
    from datetime import timedelta
    from pathlib import Path

    from django.utils import timezone

    from pmm.assessments.models import Assessment
    from pmm.cycles.services import cycle_create
    from pmm.framework.services import framework_change_status, framework_load
    from pmm.members.models import Member

    text = (Path(__file__).parent / "data" / "illustrative-scored.yaml").read_text()
    framework = framework_load(actor=SYSTEM, text=text).framework
    framework_change_status(actor=SYSTEM, framework=framework, action="activate")
    today = timezone.localdate()
    cycle = cycle_create(
        actor=SYSTEM,
        framework_code=framework.code,
        reporting_year=2024,
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=30),
    )
    ncp = make_user(Role.NCP, "KEN")
    values = {
        "DECL_TOTAL": 1000,
        "DECL_ELECTRONIC": 500,
        "DECL_IMPORT": 600,
        "DECL_EXPORT": 400,
        "DECL_IMPORT_ELECTRONIC": 300,
        "DECL_EXPORT_ELECTRONIC": 100,
        "RELEASE_HOURS": 30,
        "PHYSICAL_INSPECTIONS": 40,
        "SINGLE_WINDOW": True,
        "DM_ALIGNMENT": "partial",
    }
    items = [ValueInput(code, "T", value) for code, value in values.items()]
    items += [ValueInput("AEO_COUNT", "T", 55), ValueInput("AEO_COUNT", "T-1", 50)]
    member = Member.objects.get(iso3="KEN")
    assessment = values_save(
        actor=ncp, assessment=Assessment(cycle=cycle, member=member), version=0, items=items, path="api"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assessment_submit(actor=ncp, assessment=assessment)
    publication_create(actor=make_user(Role.SECRETARIAT_ADMIN), cycle=cycle)
    rows = client.get(f"/api/v1/cycles/{cycle.pk}/results", headers=bearer(ncp)).json()["results"]
    bands = {(r["kpi"], r["component"]): r["band"] for r in rows}
    assert bands[("D1.O1.K1", "value")] == "B"  # 50 % is exactly a cut point: the better band
    assert bands[("D1.O2.K1", "value")] == "C"  # 30 h, lower is better: between 24 and 48
    assert bands[("D2.O1.K1", "value")] == "B"  # "partial" scores 2
    assert bands[("D2.O2.K2", "value")] == "A"  # +10 % exactly
    assert bands[("D1.O2.K2", "value")] == ""  # context only: never scored
    assert bands[("D1.O1.K2", "combined")] == "C" and bands[("D1.O1.K2", "import")] == ""  # 40 %


def test_changing_a_group_forgets_the_cached_group_statistics(open_cycle, published):
    from django.core.cache import cache

    from pmm.members.models import Group, Member
    from pmm.results.group_stats import _GENERATION, aggregates_for

    aggregates_for(PUBLIC_AUDIENCE, open_cycle, published)
    before = cache.get(_GENERATION)
    assert before
    Group.objects.get(code="union-eu").members.add(Member.objects.get(iso3="KEN"))
    assert cache.get(_GENERATION) not in (None, before)


def test_a_cache_that_lost_the_generation_never_goes_back_to_an_earlier_one(open_cycle, published):
    """A full cache drops entries, the generation too: the next one must be new, or answers kept from
    before a change of the groups would count again."""
    from django.core.cache import cache

    from pmm.results.group_stats import _GENERATION, _generation, forget_cached_statistics

    seen = {_generation()}
    forget_cached_statistics()
    seen.add(_generation())
    cache.delete(_GENERATION)
    assert _generation() not in seen and len(seen) == 2
