"""Writes of results: recomputing an assessment's current results, publishing a cycle's snapshot."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pmm.assessments.models import Assessment, AssessmentStatus
from pmm.assessments.selectors import cycle_spec
from pmm.audit.services import audit_record
from pmm.authz import require
from pmm.core.errors import ApplicationError
from pmm.cycles.models import Cycle, CycleStatus
from pmm.results.engine import COMPUTATION_VERSION, Inputs, compute
from pmm.results.models import (
    KpiResult,
    Publication,
    PublishedMember,
    PublishedResult,
    ResultSet,
)
from pmm.results.selectors import disclosures_of, inputs_of, latest_publication


def _store_current(assessment: Assessment, inputs: Inputs) -> ResultSet:
    results = compute(cycle_spec(assessment.cycle), inputs)
    ResultSet.objects.filter(assessment=assessment).delete()
    result_set = ResultSet.objects.create(
        assessment=assessment,
        assessment_version=assessment.version,
        inputs_fingerprint=inputs.fingerprint(),
        computation_version=COMPUTATION_VERSION,
        computed_at=timezone.now(),
    )
    KpiResult.objects.bulk_create(
        KpiResult(
            result_set=result_set, kpi=r.kpi, component=r.component, status=r.status, value=r.value,
            reason=r.reason, detail=r.detail, missing=list(r.missing),
        )
        for r in results
    )  # fmt: skip
    return result_set


@transaction.atomic
def results_recompute(assessment_id: int) -> ResultSet:
    """Compute and store the current results of an assessment from its data as it is now."""
    assessment = Assessment.objects.select_related("cycle__framework", "member").get(pk=assessment_id)
    return _store_current(assessment, inputs_of([assessment.pk])[assessment.pk])


@transaction.atomic
def results_recompute_cycle(cycle: Cycle) -> int:
    """Recompute and store the current results of every submitted assessment of a cycle; how many."""
    assessments = list(
        Assessment.objects.filter(cycle=cycle, status=AssessmentStatus.SUBMITTED).select_related(
            "cycle__framework", "member"
        )
    )
    inputs = inputs_of(a.pk for a in assessments)  # two queries for the whole cycle
    for assessment in assessments:
        _store_current(assessment, inputs[assessment.pk])
    return len(assessments)


def _is_fresh(result_set: ResultSet | None, assessment: Assessment, inputs: Inputs) -> bool:
    return (
        result_set is not None
        and result_set.assessment_version == assessment.version
        and result_set.computation_version == COMPUTATION_VERSION
        and result_set.inputs_fingerprint == inputs.fingerprint()
    )


_FIELDS = ("status", "value", "reason", "disclosure", "reviewed")


def _change_log(previous: Publication | None, rows: dict[tuple[str, str, str], dict[str, Any]]) -> list[dict]:
    """What differs from the previous publication: members added or withdrawn, and changed figures."""
    if previous is None:
        return []
    before = {
        (r.member.iso3, r.kpi, r.component): {f: getattr(r, f) for f in _FIELDS}
        for r in PublishedResult.objects.unrestricted().filter(publication=previous).select_related("member")
    }
    members_before = {key[0] for key in before}
    members_now = {key[0] for key in rows}
    log: list[dict[str, Any]] = [
        {"member": code, "change": "withdrawn"} for code in sorted(members_before - members_now)
    ]
    for key, row in rows.items():
        old = before.get(key)
        if key[0] not in members_before:
            continue
        fields = {f: [old[f] if old else None, row[f]] for f in _FIELDS if old is None or old[f] != row[f]}
        if fields:
            log.append(
                {"member": key[0], "kpi": key[1], "component": key[2], "change": "changed", "fields": fields}
            )
    log.extend({"member": code, "change": "added"} for code in sorted(members_now - members_before))
    return log


@transaction.atomic
def publication_create(*, actor: Any, cycle: Cycle, note: str = "") -> Publication:
    """Publish the cycle's current results of submitted assessments as a new, frozen snapshot. Each
    figure records whether a signed-off peer review confirmed or adjusted its KPI."""
    from pmm.reviews.selectors import reviewed_kpis  # reviews build on results, not the other way

    require(actor, "result.publish")
    if cycle.status == CycleStatus.PLANNED:
        raise ApplicationError("A cycle that has not opened yet has no results to publish.", code="conflict")
    assessments = list(
        Assessment.objects.filter(cycle=cycle, status=AssessmentStatus.SUBMITTED)
        .select_related("member", "result_set")
        .order_by("member__iso3")
    )
    if not assessments:
        raise ApplicationError(
            "No member has submitted its self-assessment in this cycle yet.", code="conflict"
        )
    inputs = inputs_of(a.pk for a in assessments)
    for a in assessments:  # the background job may not have run yet: never publish stale figures
        if not _is_fresh(getattr(a, "result_set", None), a, inputs[a.pk]):
            a.result_set = _store_current(a, inputs[a.pk])
    fingerprints = "\n".join(f"{a.member.iso3}:{inputs[a.pk].fingerprint()}" for a in assessments)
    inputs_fingerprint = hashlib.sha256(fingerprints.encode()).hexdigest()
    levels = disclosures_of(cycle_spec(cycle), [a.pk for a in assessments])
    reviewed = reviewed_kpis(cycle)
    by_set = {a.result_set.pk: a for a in assessments}
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in (
        KpiResult.objects.unrestricted().filter(result_set_id__in=by_set).order_by("result_set_id", "id")
    ):
        a = by_set[r.result_set_id]
        rows[(a.member.iso3, r.kpi, r.component)] = {
            "member": a.member, "kpi": r.kpi, "component": r.component, "status": r.status, "value": r.value,
            "reason": r.reason, "detail": r.detail, "disclosure": levels[a.pk][r.kpi],
            "reviewed": (a.member_id, r.kpi) in reviewed,
        }  # fmt: skip
    previous = latest_publication(cycle)
    log = _change_log(previous, rows)
    if previous is not None and not log and previous.inputs_fingerprint == inputs_fingerprint:
        raise ApplicationError(
            f"Nothing has changed since publication {previous.number}: there is nothing new to publish.",
            code="conflict",
        )
    framework = cycle.framework
    publication = Publication.objects.create(
        cycle=cycle,
        number=(previous.number + 1) if previous else 1,
        published_at=timezone.now(),
        published_by=actor if getattr(actor, "is_authenticated", False) else None,
        note=note.strip(),
        framework_code=framework.code,
        framework_version=framework.version,
        framework_fingerprint=framework.fingerprint,
        computation_version=COMPUTATION_VERSION,
        inputs_fingerprint=inputs_fingerprint,
        member_count=len(assessments),
        change_log=log,
    )
    PublishedMember.objects.bulk_create(
        PublishedMember(
            publication=publication, member=a.member, assessment_version=a.version,
            inputs=inputs[a.pk].to_json(), inputs_fingerprint=inputs[a.pk].fingerprint(),
        )
        for a in assessments
    )  # fmt: skip
    PublishedResult.objects.bulk_create(
        (PublishedResult(publication=publication, **row) for row in rows.values()), batch_size=2000
    )
    audit_record(
        actor=actor,
        verb="results.published",
        target=publication,
        after={
            "cycle": cycle.pk, "number": publication.number, "members": len(assessments),
            "inputs_fingerprint": inputs_fingerprint, "changes": len(log),
        },
        reason=note,
    )  # fmt: skip
    if settings.PMM_WARM_STATISTICS:
        transaction.on_commit(lambda: _warm(publication.pk), robust=True)
    return publication


def _warm(publication_id: int) -> None:
    from pmm.results.tasks import warm_group_statistics

    warm_group_statistics.enqueue(publication_id)
