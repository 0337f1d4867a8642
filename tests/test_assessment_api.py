"""The self-assessment API: shapes, validation of bad input, versions, workflow, history."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from pmm.assessments.models import Assessment, Change, DataValue
from pmm.audit.models import AuditEvent
from pmm.core.actors import SYSTEM
from pmm.cycles.services import cycle_create, extension_grant
from pmm.members.models import Member


def url(cycle, iso3="KEN", tail=""):
    return f"/api/v1/cycles/{cycle.pk}/assessments/{iso3}{tail}"


def put_values(client, cycle, headers, version, values, iso3="KEN"):
    return client.put(
        url(cycle, iso3, "/values"),
        data={"version": version, "values": values},
        content_type="application/json",
        headers=headers,
    )


def move(client, cycle, tail, headers, version, iso3="KEN", **body):
    """POST a workflow move (`/submit`, `/reopen`) based on `version`."""
    return client.post(
        url(cycle, iso3, tail),
        data={"version": version, **body},
        content_type="application/json",
        headers=headers,
    )


def current_version(cycle, iso3="KEN"):
    return Assessment.objects.get(cycle=cycle, member__iso3=iso3).version


@pytest.fixture
def ncp(make_user, bearer):
    return bearer(make_user("ncp", "KEN"))


def stored(cycle, iso3="KEN"):
    return sorted(
        DataValue.objects.unrestricted()
        .filter(assessment__cycle=cycle, assessment__member__iso3=iso3)
        .values_list("element__code", "period", "value", "state")
    )


@pytest.mark.django_db
def test_create_cycle_shape(client, make_user, bearer):
    response = client.post(
        "/api/v1/cycles",
        data={
            "framework": "pmm-v1",
            "reporting_year": 2024,
            "opens_on": "2025-12-08",
            "closes_on": "2026-06-30",
        },
        content_type="application/json",
        headers=bearer(make_user("secretariat_admin")),
    )
    assert response.status_code == 201
    body = response.json()
    assert body["id"] and body["reporting_year"] == 2024 and body["previous_year"] == 2023
    assert body["status"] in {"open", "planned"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload,field",
    [
        ({"framework": "nope"}, "framework"),
        ({"closes_on": "2025-01-01"}, "closes_on"),
        ({"reporting_year": 2099}, "reporting_year"),
    ],
)
def test_bad_cycles_are_refused(client, make_user, bearer, payload, field):
    body = {
        "framework": "pmm-v1",
        "reporting_year": 2024,
        "opens_on": "2025-12-08",
        "closes_on": "2026-06-30",
        **payload,
    }
    response = client.post(
        "/api/v1/cycles",
        data=body,
        content_type="application/json",
        headers=bearer(make_user("secretariat_admin")),
    )
    assert response.status_code == 400
    assert field in {f["field"] for f in response.json()["error"]["fields"]}


@pytest.mark.django_db
def test_values_write_then_read(client, open_cycle, ncp):
    first = client.get(url(open_cycle), headers=ncp).json()
    assert first["status"] == "not_started" and first["version"] == 0
    response = put_values(
        client,
        open_cycle,
        ncp,
        0,
        [
            {
                "element": "DECL_TOTAL",
                "period": "T",
                "value": 120000,
                "state": "reported",
                "comment": "from ASYCUDA",
            },
            {"element": "DECL_ELECTRONIC", "period": "T", "value": 119000},
            {
                "element": "AEO_COUNT",
                "period": "T-1",
                "value": None,
                "state": "not_available",
                "reason": "programme started in 2024",
            },
        ],
    )
    assert response.status_code == 200, response.content
    version = response.json()["version"]
    body = client.get(url(open_cycle), headers=ncp).json()
    assert body["status"] == "in_progress" and body["version"] == version
    values = {(v["element"], v["period"]): v for v in body["values"]}
    assert values[("DECL_TOTAL", "T")]["value"] == 120000
    assert values[("DECL_TOTAL", "T")]["comment"] == "from ASYCUDA"
    assert values[("AEO_COUNT", "T-1")]["state"] == "not_available"
    assert 0 < body["completeness"]["percent"] < 100
    assert {"D1.O1", "D4.O5"} <= set(body["completeness_by_outcome"])
    assert any(i["kind"] == "missing" and i["blocking"] for i in body["issues"])
    assert next(k for k in body["kpis"] if k["kpi"] == "D1.O1.K1")["disclosure"] == "wco"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "item,field,words",
    [
        ({"element": "DECL_TOTAL", "period": "T", "value": "lots"}, "values[0].value", "must be a number"),
        ({"element": "DECL_TOTAL", "period": "T", "value": 12.5}, "values[0].value", "whole number"),
        ({"element": "DECL_TOTAL", "period": "T", "value": -3}, "values[0].value", "at least 0"),
        (
            {"element": "DATA_MODEL_ALIGNED_SHARE", "period": "T", "value": 140},
            "values[0].value",
            "between 0 and 100",
        ),
        ({"element": "NOPE", "period": "T", "value": 1}, "values[0].element", "unknown data element"),
        ({"element": "DECL_TOTAL", "period": "T-1", "value": 1}, "values[0].period", "for year T-1"),
        ({"element": "CEN_USED", "period": "T", "value": "perhaps"}, "values[0].value", "yes or no"),
        ({"element": "DATA_MODEL_ALIGNMENT", "period": "T", "value": "total"}, "values[0].value", "one of"),
        ({"element": "DECL_TOTAL", "period": "T", "state": "not_available"}, "values[0].reason", "say why"),
    ],
)
def test_bad_values_are_refused_whole_and_change_nothing(client, open_cycle, ncp, item, field, words):
    assert (
        put_values(
            client, open_cycle, ncp, 0, [{"element": "STAFF_TOTAL", "period": "T", "value": 900}]
        ).status_code
        == 200
    )
    before = stored(open_cycle)
    version = client.get(url(open_cycle), headers=ncp).json()["version"]
    response = put_values(
        client,
        open_cycle,
        ncp,
        version,
        [item, {"element": "DECL_TOTAL", "period": "T", "value": 5}]
        if item["element"] != "DECL_TOTAL"
        else [item],
    )
    assert response.status_code == 422, response.content
    problems = {f["field"]: f["message"] for f in response.json()["error"]["fields"]}
    assert field in problems and words in problems[field]
    assert stored(open_cycle) == before
    assert client.get(url(open_cycle), headers=ncp).json()["version"] == version


@pytest.mark.django_db
def test_wrong_json_types_are_422_naming_the_field(client, open_cycle, ncp):
    response = client.put(
        url(open_cycle, tail="/values"),
        data={"version": "three", "values": [{"element": 5}]},
        content_type="application/json",
        headers=ncp,
    )
    assert response.status_code == 422
    fields = {f["field"] for f in response.json()["error"]["fields"]}
    assert "version" in fields and any(f.startswith("values[0]") for f in fields)


@pytest.mark.django_db
def test_another_members_iso_code_is_404_and_changes_nothing(client, open_cycle, ncp):
    assert client.get(url(open_cycle, "UGA"), headers=ncp).status_code == 404
    response = put_values(
        client, open_cycle, ncp, 0, [{"element": "DECL_TOTAL", "period": "T", "value": 1}], "UGA"
    )
    assert response.status_code == 404
    assert not Assessment.objects.filter(member__iso3="UGA").exists()


@pytest.mark.django_db
def test_stale_version_gets_409_and_changes_nothing(client, open_cycle, ncp):
    version = put_values(
        client, open_cycle, ncp, 0, [{"element": "DECL_TOTAL", "period": "T", "value": 10}]
    ).json()["version"]
    assert (
        put_values(
            client, open_cycle, ncp, version, [{"element": "DECL_TOTAL", "period": "T", "value": 20}]
        ).status_code
        == 200
    )
    stale = put_values(
        client, open_cycle, ncp, version, [{"element": "DECL_TOTAL", "period": "T", "value": 30}]
    )
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict"
    assert ("DECL_TOTAL", "T", 20, "reported") in stored(open_cycle)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_writers_one_wins_the_other_gets_409(reference_data, make_user, bearer, open_cycle):
    headers = bearer(make_user("ncp", "KEN"))
    version = put_values(
        Client(), open_cycle, headers, 0, [{"element": "DECL_TOTAL", "period": "T", "value": 1}]
    ).json()["version"]
    barrier, results = threading.Barrier(2), {}

    def write(value: int) -> None:
        try:
            barrier.wait()
            response = put_values(
                Client(),
                open_cycle,
                headers,
                version,
                [{"element": "DECL_TOTAL", "period": "T", "value": value}],
            )
            results[value] = response.status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(v,)) for v in (111, 222)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results.values()) == [200, 409], results
    winner = next(v for v, status in results.items() if status == 200)
    assert ("DECL_TOTAL", "T", winner, "reported") in stored(open_cycle)
    assert Assessment.objects.get(cycle=open_cycle).version == version + 1


@pytest.mark.django_db
def test_every_change_is_kept_with_who_path_and_reason(client, open_cycle, ncp):
    v = put_values(client, open_cycle, ncp, 0, [{"element": "DECL_TOTAL", "period": "T", "value": 10}]).json()
    client.put(
        url(open_cycle, tail="/values"),
        data={
            "version": v["version"],
            "reason": "typo",
            "values": [{"element": "DECL_TOTAL", "period": "T", "value": 100}],
        },
        content_type="application/json",
        headers=ncp,
    )
    history = client.get(url(open_cycle, tail="/history?subject=DECL_TOTAL@T"), headers=ncp).json()
    assert [(h["old"], h["new"], h["path"], h["reason"]) for h in history] == [
        (10, 100, "api", "typo"),
        (None, 10, "api", ""),
    ]
    assert all(h["changed_by"].startswith("ncp-ken") for h in history)
    assert AuditEvent.objects.unrestricted().filter(verb="assessment.values_saved").count() == 2


@pytest.mark.django_db
def test_kpi_choices_need_a_justification_and_are_audited(client, open_cycle, ncp):
    kpi = url(open_cycle, tail="/kpis/D1.O3.K1")
    refused = client.put(
        kpi, data={"applicable": False, "version": 0}, content_type="application/json", headers=ncp
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"][0]["field"] == "justification"
    ok = client.put(
        kpi,
        data={
            "applicable": False,
            "justification": "no e-commerce flag in our system",
            "disclosure": "country",
            "version": 0,
        },
        content_type="application/json",
        headers=ncp,
    )
    assert ok.json() == {
        "kpi": "D1.O3.K1",
        "applicable": False,
        "justification": "no e-commerce flag in our system",
        "disclosure": "country",
        "version": 2,  # started (1), then the choice (2)
    }
    body = client.get(url(open_cycle), headers=ncp).json()
    assert not any(i["element"] == "ECOM_EXPORT_COUNT" and i["kind"] == "missing" for i in body["issues"])
    fields = set(Change.objects.unrestricted().filter(subject="kpi:D1.O3.K1").values_list("field", flat=True))
    assert fields == {"applicable", "justification", "disclosure"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tail,body",
    [
        ("/kpis/D1.O1.K1", {"applicable": False, "justification": "no system yet"}),
        ("/justifications/jump:AEO_COUNT", {"text": "a new programme"}),
        ("/values", {"values": [{"element": "DECL_TOTAL", "period": "T", "value": 1}]}),
    ],
    ids=["kpi", "justification", "values"],
)
def test_a_write_without_the_version_it_read_is_refused_naming_version(client, open_cycle, ncp, tail, body):
    """Decision 0014: every write carries the version it read; a client that sends none (as KPI writes
    could before) gets 422 in the one error shape, naming `version`, and nothing is saved."""
    refused = client.put(url(open_cycle, tail=tail), data=body, content_type="application/json", headers=ncp)
    assert refused.status_code == 422, refused.content
    assert [f["field"] for f in refused.json()["error"]["fields"]] == ["version"]
    assert not Assessment.objects.filter(cycle=open_cycle, version__gt=0).exists()


@pytest.mark.django_db
def test_a_kpi_write_with_a_stale_version_gets_409_and_changes_nothing(client, open_cycle, ncp):
    version = put_values(
        client, open_cycle, ncp, 0, [{"element": "DECL_TOTAL", "period": "T", "value": 10}]
    ).json()["version"]
    kpi = url(open_cycle, tail="/kpis/D1.O1.K1")
    body = {"applicable": False, "justification": "no system yet"}
    first = client.put(kpi, data={**body, "version": version}, content_type="application/json", headers=ncp)
    assert first.status_code == 200 and first.json()["version"] == version + 1
    stale = client.put(
        kpi,
        data={"disclosure": "country", "version": version},
        content_type="application/json",
        headers=ncp,
    )
    assert stale.status_code == 409 and stale.json()["error"]["fields"][0]["field"] == "version"
    assert client.get(url(open_cycle), headers=ncp).json()["version"] == version + 1
    assert not Change.objects.unrestricted().filter(subject="kpi:D1.O1.K1", field="disclosure").exists()


@pytest.mark.django_db
def test_contributors_edit_but_cannot_submit_nor_choose_disclosure(
    client, open_cycle, make_user, bearer, complete_assessment
):
    headers = bearer(make_user("contributor", "KEN"))
    assert (
        put_values(
            client, open_cycle, headers, 0, [{"element": "DECL_TOTAL", "period": "T", "value": 1}]
        ).status_code
        == 200
    )
    disclosure = client.put(
        url(open_cycle, tail="/kpis/D1.O1.K1"),
        data={"disclosure": "public", "version": Assessment.objects.get(cycle=open_cycle).version},
        content_type="application/json",
        headers=headers,
    )
    assert disclosure.status_code == 403
    complete_assessment(open_cycle, "KEN")
    assert move(client, open_cycle, "/submit", headers, current_version(open_cycle)).status_code == 403


@pytest.mark.django_db
def test_submit_needs_no_blocking_issue_then_locks_until_reopened(
    client, open_cycle, ncp, make_user, bearer, complete_assessment
):
    put_values(client, open_cycle, ncp, 0, [{"element": "DECL_TOTAL", "period": "T", "value": 1}])
    refused = move(client, open_cycle, "/submit", ncp, current_version(open_cycle))
    assert refused.status_code == 422
    assert any(f["field"].startswith("missing:") for f in refused.json()["error"]["fields"])
    Assessment.objects.filter(member__iso3="KEN").delete()
    complete_assessment(open_cycle, "KEN")
    version = client.get(url(open_cycle), headers=ncp).json()["version"]
    submitted = move(client, open_cycle, "/submit", ncp, version).json()
    assert submitted == {"version": version + 1, "status": "submitted"}
    version = client.get(url(open_cycle), headers=ncp).json()["version"]
    locked = put_values(
        client, open_cycle, ncp, version, [{"element": "DECL_TOTAL", "period": "T", "value": 2}]
    )
    assert locked.status_code == 409 and "submitted" in locked.json()["error"]["message"]
    admin = bearer(make_user("secretariat_admin"))
    no_reason = move(client, open_cycle, "/reopen", admin, version, reason=" ")
    assert no_reason.status_code == 400
    reopened = move(client, open_cycle, "/reopen", admin, version, reason="please check the seizure figures")
    assert reopened.json() == {"version": version + 1, "status": "in_progress"}
    body = client.get(url(open_cycle), headers=ncp).json()
    assert body["status"] == "in_progress" and body["reopened_reason"] == "please check the seizure figures"


@pytest.mark.django_db
def test_warnings_need_a_justification_before_submission(client, open_cycle, ncp, complete_assessment):
    assessment = complete_assessment(open_cycle, "KEN")
    version = Assessment.objects.get(pk=assessment.pk).version
    put_values(
        client,
        open_cycle,
        ncp,
        version,
        [
            {"element": "AEO_COUNT", "period": "T", "value": 300},
            {"element": "AEO_COUNT", "period": "T-1", "value": 100},
        ],
    )
    body = client.get(url(open_cycle), headers=ncp).json()
    jump = next(i for i in body["issues"] if i["key"] == "jump:AEO_COUNT")
    assert jump["severity"] == "warning" and jump["blocking"] and "+200%" in jump["message"]
    assert move(client, open_cycle, "/submit", ncp, body["version"]).status_code == 422
    explanation = url(open_cycle, tail="/justifications/jump:AEO_COUNT")
    version = body["version"]
    stale = client.put(
        explanation,
        data={"text": "new AEO programme", "version": version - 1},
        content_type="application/json",
        headers=ncp,
    )
    assert stale.status_code == 409 and stale.json()["error"]["fields"][0]["field"] == "version"
    explained = client.put(
        explanation,
        data={"text": "new AEO programme", "version": version},
        content_type="application/json",
        headers=ncp,
    )
    assert explained.json() == {"version": version + 1, "status": "in_progress"}
    assert move(client, open_cycle, "/submit", ncp, version + 1).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("body", [None, {}, {"reason": "please check"}])
@pytest.mark.parametrize("tail", ["/submit", "/reopen"])
def test_a_move_without_the_version_read_is_refused_naming_it(
    client, open_cycle, make_user, bearer, complete_assessment, tail, body
):
    """Old clients that post a move without `version` get 422 naming the field; nothing moves."""
    from pmm.assessments.services import assessment_submit

    assessment = complete_assessment(open_cycle, "KEN")
    if tail == "/reopen":
        assessment_submit(actor=SYSTEM, assessment=assessment)
    status_before, version_before = Assessment.objects.values_list("status", "version").get(pk=assessment.pk)
    headers = bearer(make_user("ncp", "KEN") if tail == "/submit" else make_user("secretariat_admin"))
    if body is None:  # no body at all, as a move was posted before it carried the version
        response = client.generic("POST", url(open_cycle, tail=tail), headers=headers)
    else:
        response = client.post(
            url(open_cycle, tail=tail), data=body, content_type="application/json", headers=headers
        )
    assert response.status_code == 422, response.content
    assert "version" in {f["field"] for f in response.json()["error"]["fields"]}
    assert Assessment.objects.values_list("status", "version").get(pk=assessment.pk) == (
        status_before,
        version_before,
    )


@pytest.mark.django_db
def test_a_move_on_a_stale_version_gets_409_and_changes_nothing(
    client, open_cycle, ncp, make_user, bearer, complete_assessment
):
    complete_assessment(open_cycle, "KEN")
    read = client.get(url(open_cycle), headers=ncp).json()["version"]
    assert read > 1
    # A colleague saves meanwhile: the version the NCP read is stale.
    client.put(
        url(open_cycle, tail="/kpis/D1.O1.K1"),
        data={"disclosure": "country", "version": read},
        content_type="application/json",
        headers=ncp,
    )
    stale = move(client, open_cycle, "/submit", ncp, read)
    assert stale.status_code == 409
    assert stale.json()["error"]["fields"] == [
        {"field": "version", "message": f"stale: {read}, current {read + 1}"}
    ]
    assert client.get(url(open_cycle), headers=ncp).json()["status"] == "in_progress"
    assert move(client, open_cycle, "/submit", ncp, read + 1).json() == {
        "version": read + 2,
        "status": "submitted",
    }
    admin = bearer(make_user("secretariat_admin"))
    stale = move(client, open_cycle, "/reopen", admin, read + 1, reason="recount")
    assert stale.status_code == 409 and stale.json()["error"]["fields"][0]["field"] == "version"
    assert Assessment.objects.values_list("status", "version").get(cycle=open_cycle) == (
        "submitted",
        read + 2,
    )
    assert not AuditEvent.objects.unrestricted().filter(verb="assessment.reopened").exists()


@pytest.mark.django_db
def test_after_the_deadline_edits_need_an_extension(client, ncp):
    today = timezone.localdate()
    cycle = cycle_create(
        actor=SYSTEM,
        framework_code="pmm-v1",
        reporting_year=2023,
        opens_on=today - timedelta(days=100),
        closes_on=today - timedelta(days=1),
    )
    refused = put_values(client, cycle, ncp, 0, [{"element": "DECL_TOTAL", "period": "T", "value": 1}])
    assert refused.status_code == 409 and "deadline" in refused.json()["error"]["message"]
    extension_grant(
        actor=SYSTEM,
        cycle=cycle,
        member=Member.objects.get(iso3="KEN"),
        extended_to=today + timedelta(days=7),
        reason="system outage",
    )
    assert (
        put_values(client, cycle, ncp, 0, [{"element": "DECL_TOTAL", "period": "T", "value": 1}]).status_code
        == 200
    )


@pytest.mark.django_db
def test_previous_year_values_are_carried_forward_and_flagged(client, ncp):
    today = timezone.localdate()
    earlier = cycle_create(
        actor=SYSTEM,
        framework_code="pmm-v1",
        reporting_year=2023,
        opens_on=today - timedelta(days=30),
        closes_on=today + timedelta(days=30),
    )
    put_values(
        client,
        earlier,
        ncp,
        0,
        [
            {"element": "AEO_COUNT", "period": "T", "value": 57},
            {"element": "DECL_TOTAL", "period": "T", "value": 9},
        ],
    )
    current = cycle_create(
        actor=SYSTEM,
        framework_code="pmm-v1",
        reporting_year=2024,
        opens_on=today - timedelta(days=3),
        closes_on=today + timedelta(days=30),
    )
    put_values(client, current, ncp, 0, [{"element": "STAFF_TOTAL", "period": "T", "value": 100}])
    values = {(v["element"], v["period"]): v for v in client.get(url(current), headers=ncp).json()["values"]}
    assert values[("AEO_COUNT", "T-1")]["value"] == 57 and values[("AEO_COUNT", "T-1")]["carried_forward"]
    assert ("DECL_TOTAL", "T-1") not in values  # DECL_TOTAL is not collected for T-1
    history = client.get(url(current, tail="/history?subject=AEO_COUNT@T-1"), headers=ncp).json()
    assert history[0]["path"] == "system" and "carried forward" in history[0]["reason"]


@pytest.mark.django_db
def test_status_board_lists_every_member(client, open_cycle, ncp, make_user, bearer, complete_assessment):
    put_values(client, open_cycle, ncp, 0, [{"element": "DECL_TOTAL", "period": "T", "value": 1}])
    complete_assessment(open_cycle, "FRA")
    rows = client.get(
        f"/api/v1/cycles/{open_cycle.pk}/board", headers=bearer(make_user("secretariat_analyst"))
    ).json()
    assert len(rows) == 187
    by_member = {r["member"]: r for r in rows}
    assert by_member["KEN"]["status"] == "in_progress" and by_member["KEN"]["errors"] > 0
    assert by_member["FRA"]["completeness"] == 100 and by_member["FRA"]["errors"] == 0
    assert by_member["UGA"]["status"] == "not_started"
    europe = client.get(
        f"/api/v1/cycles/{open_cycle.pk}/board?group=region-europe",
        headers=bearer(make_user("secretariat_analyst")),
    ).json()
    assert len(europe) == 52
