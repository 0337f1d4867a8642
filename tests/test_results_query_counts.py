"""Results endpoints and pages run a fixed number of queries, however many members and KPIs there are."""

from __future__ import annotations

import pytest

from conftest import queries_of, write_results
from pmm.assessments.models import Assessment
from pmm.authz.roles import Role
from pmm.framework.models import Kpi
from pmm.members.models import Member

pytestmark = pytest.mark.django_db


def _publish(cycle, members: int, kpis: int, number: int = 1) -> None:
    """A publication (and the current results) of `members` members x `kpis` KPIs, written directly."""
    every_kpi = Kpi.objects.filter(outcome__dimension__framework=cycle.framework).order_by("position")
    chosen = list(every_kpi[:kpis])
    entries = {}
    for i, member in enumerate(Member.objects.order_by("iso3")[:members]):
        level = ["public", "wco", "union", "country"][i % 4]
        entries[member] = [
            (kpi, level, [{"component": c, "status": "computed", "value": 10.0 + i} for c in kpi.formula])
            for kpi in chosen
        ]
    write_results(cycle, number, entries)


URLS = [
    "/api/v1/cycles/{cycle}/results",
    "/api/v1/cycles/{cycle}/results?publication=current",
    "/api/v1/cycles/{cycle}/results.csv",
    "/api/v1/cycles/{cycle}/results.xlsx",
    "/api/v1/cycles/{cycle}/aggregates",
    "/api/v1/publications",
]


@pytest.mark.parametrize("url", URLS)
def test_results_endpoints_run_a_fixed_number_of_queries(client, open_cycle, make_user, bearer, url):
    headers = bearer(make_user(Role.NCP, "KEN"))
    url = url.format(cycle=open_cycle.pk)
    _publish(open_cycle, members=3, kpis=2)
    queries_of(client, url, headers)  # the first call also records when the token was last used
    small = queries_of(client, url, headers)
    _grow(open_cycle)
    assert queries_of(client, url, headers) == small


def _grow(cycle) -> None:
    """Replace the data with 12 members x 20 KPIs (the earlier rows stay in publication 1)."""
    Assessment.objects.filter(cycle=cycle).delete()
    _publish(cycle, members=12, kpis=20, number=2)


@pytest.mark.parametrize("path", ["/cycles/{cycle}/results/", "/cycles/{cycle}/publications/"])
def test_results_pages_run_a_fixed_number_of_queries(client, open_cycle, make_user, path):
    client.force_login(make_user(Role.NCP, "KEN"))
    url = path.format(cycle=open_cycle.pk)
    _publish(open_cycle, members=3, kpis=2)
    queries_of(client, url)
    small = queries_of(client, url)
    _grow(open_cycle)
    assert queries_of(client, url) == small


# Recomputing and publishing: set-based writes, a fixed number of queries whatever the number of members.


def _submit(cycle, iso3s) -> None:
    """Submitted assessments of these members with generated data (the demo's generator), written
    straight into the tables: their results are not computed yet."""
    from pmm.assessments.models import AssessmentStatus, DataValue, KpiResponse
    from pmm.cycles.selectors import cycle_spec
    from pmm.demo import member_info
    from pmm.demo_data import complete_plan
    from pmm.framework.models import DataElement

    spec = cycle_spec(cycle)
    elements = {e.code: e for e in DataElement.objects.filter(framework=cycle.framework)}
    kpis = {k.code: k for k in Kpi.objects.filter(outcome__dimension__framework=cycle.framework)}
    for member in Member.objects.filter(iso3__in=iso3s).prefetch_related("groups"):
        plan = complete_plan(spec, member_info(member), 11, cycle.reporting_year)
        assessment = Assessment.objects.create(cycle=cycle, member=member, status=AssessmentStatus.SUBMITTED)
        DataValue.objects.bulk_create(
            DataValue(assessment=assessment, element=elements[code], period=period, value=entry.value,
                      state=entry.state, reason=entry.reason)
            for (code, period), entry in plan.entries.items()
        )  # fmt: skip
        KpiResponse.objects.bulk_create(
            KpiResponse(assessment=assessment, kpi=kpis[c.kpi], applicable=c.applicable is not False,
                        justification=c.justification or "",
                        disclosure=c.disclosure or kpis[c.kpi].disclosure_default)
            for c in plan.kpi_choices
        )  # fmt: skip


FEW = ["FRA", "KEN", "MEX"]
MORE = ["BRA", "CAN", "IND", "JPN", "NGA"]  # with FEW: 8 members


def _count(action) -> int:
    """How many queries `action()` runs; it is undone afterwards."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            action()
        transaction.set_rollback(True)
    return len(queries)


def _recompute(cycle) -> None:
    from pmm.results.services import results_recompute_cycle

    results_recompute_cycle(cycle)


def _publication_create(cycle):
    from pmm.core.actors import SYSTEM
    from pmm.results.services import publication_create

    return publication_create(actor=SYSTEM, cycle=cycle)


def _stale(cycle) -> None:
    from django.db.models import F

    Assessment.objects.filter(cycle=cycle).update(version=F("version") + 1)


def _one_disclosure_changed(cycle) -> None:
    """The first member changes the disclosure level of its first KPI."""
    from pmm.assessments.models import KpiResponse
    from pmm.cycles.selectors import cycle_spec
    from pmm.results.selectors import disclosures_of

    assessment = Assessment.objects.filter(cycle=cycle).order_by("member__iso3").first()
    kpi = Kpi.objects.filter(outcome__dimension__framework=cycle.framework).order_by("position").first()
    level = disclosures_of(cycle_spec(cycle), [assessment.pk])[assessment.pk][kpi.code]
    level = "country" if level != "country" else "public"
    if not KpiResponse.objects.filter(assessment=assessment, kpi=kpi).update(disclosure=level):
        KpiResponse.objects.create(assessment=assessment, kpi=kpi, disclosure=level)


def _queries_of_each_write(cycle) -> dict[str, int]:
    """The queries of recomputing the cycle and of publishing it: with its results fresh, with none
    computed yet, with all stale, and again after a first publication (with its change log)."""
    from django.db import transaction

    counts = {"publish, no results yet": _count(lambda: _publication_create(cycle))}
    counts["recompute, no results yet"] = _count(lambda: _recompute(cycle))
    with transaction.atomic():
        _recompute(cycle)
        counts["recompute"] = _count(lambda: _recompute(cycle))
        counts["publish"] = _count(lambda: _publication_create(cycle))
        counts["publish, every result stale"] = _count(lambda: (_stale(cycle), _publication_create(cycle)))
        _publication_create(cycle)
        counts["publish again"] = _count(lambda: (_one_disclosure_changed(cycle), _publication_create(cycle)))
        transaction.set_rollback(True)
    return counts


def test_recomputing_and_publishing_run_a_fixed_number_of_queries(open_cycle):
    _submit(open_cycle, FEW)
    few = _queries_of_each_write(open_cycle)
    _submit(open_cycle, MORE)
    more = _queries_of_each_write(open_cycle)
    assert more == few
    # The savepoint and its release, the assessments, their inputs (2), deleting (2), inserting (3).
    assert few["recompute"] <= 10, few


def test_recomputing_a_cycle_stores_what_the_engine_computes_and_replaces_the_earlier_results(open_cycle):
    from pmm.cycles.selectors import cycle_spec
    from pmm.results.engine import compute
    from pmm.results.models import KpiResult, ResultSet
    from pmm.results.selectors import inputs_of
    from pmm.results.services import results_recompute

    _submit(open_cycle, FEW)
    assessments = list(Assessment.objects.filter(cycle=open_cycle).order_by("pk"))
    results_recompute(assessments[0].pk)  # one assessment first, as the job after a submission does
    earlier = ResultSet.objects.get(assessment=assessments[0]).pk
    _recompute(open_cycle)
    inputs = inputs_of(a.pk for a in assessments)
    spec = cycle_spec(open_cycle)
    for a in assessments:
        result_set = ResultSet.objects.get(assessment=a)
        assert (result_set.assessment_version, result_set.inputs_fingerprint) == (
            a.version,
            inputs[a.pk].fingerprint(),
        )
        stored = list(
            KpiResult.objects.unrestricted()
            .filter(result_set=result_set)
            .order_by("id")
            .values_list("kpi", "component", "status", "value", "reason", "detail", "missing")
        )
        computed = [
            (r.kpi, r.component, r.status, r.value, r.reason, r.detail, list(r.missing))
            for r in compute(spec, inputs[a.pk])
        ]
        assert stored == computed
    assert not ResultSet.objects.filter(pk=earlier).exists()
    assert not KpiResult.objects.unrestricted().filter(result_set_id=earlier).exists()
    assert ResultSet.objects.count() == len(FEW)


def test_a_failed_recomputation_keeps_the_earlier_results(open_cycle, monkeypatch):
    from pmm.results import services
    from pmm.results.models import KpiResult, ResultSet

    _submit(open_cycle, FEW)
    _recompute(open_cycle)
    before = sorted(KpiResult.objects.unrestricted().values_list("pk", "result_set_id"))
    insert = services.bulk_insert

    def failing(model, fields, rows):
        if model is KpiResult:
            raise RuntimeError("the database went away")
        insert(model, fields, rows)

    monkeypatch.setattr(services, "bulk_insert", failing)
    with pytest.raises(RuntimeError):
        _recompute(open_cycle)
    assert sorted(KpiResult.objects.unrestricted().values_list("pk", "result_set_id")) == before
    assert ResultSet.objects.count() == len(FEW)


def test_a_publication_of_stale_results_is_computed_afresh_and_reproduced_exactly(open_cycle):
    from pmm.results.models import PublishedMember, PublishedResult
    from pmm.results.selectors import inputs_of, publication_reproduce

    _submit(open_cycle, FEW + MORE)
    _recompute(open_cycle)
    _stale(open_cycle)  # the background job has not run since: publishing recomputes first
    first = _publication_create(open_cycle)
    assert publication_reproduce(first) == []
    recorded = {
        m.member.iso3: m
        for m in PublishedMember.objects.unrestricted().filter(publication=first).select_related("member")
    }
    inputs = inputs_of(Assessment.objects.filter(cycle=open_cycle).values_list("pk", flat=True))
    assert sorted(recorded) == sorted(FEW + MORE)
    for a in Assessment.objects.filter(cycle=open_cycle).select_related("member", "result_set"):
        assert recorded[a.member.iso3].inputs == inputs[a.pk].to_json()
        assert recorded[a.member.iso3].inputs_fingerprint == inputs[a.pk].fingerprint()
        assert (a.result_set.assessment_version, recorded[a.member.iso3].assessment_version) == (
            a.version,
            a.version,
        )
    _one_disclosure_changed(open_cycle)
    second = _publication_create(open_cycle)
    assert publication_reproduce(second) == []
    changed = {(c["member"], c["kpi"], c["change"], *c["fields"]) for c in second.change_log}
    assert len(changed) == 1 and next(iter(changed))[2:] == ("changed", "disclosure")
    assert PublishedResult.objects.unrestricted().filter(publication=second).count() == (
        PublishedResult.objects.unrestricted().filter(publication=first).count()
    )
