"""Writes of results: recomputing an assessment's current results, publishing a cycle's snapshot."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import router, transaction
from django.utils import timezone

from pmm.assessments.models import Assessment, AssessmentStatus
from pmm.audit.services import audit_record
from pmm.authz import require
from pmm.core.bulk import bulk_insert, db_value
from pmm.core.errors import ApplicationError
from pmm.cycles.models import Cycle, CycleStatus
from pmm.cycles.selectors import cycle_spec
from pmm.framework.spec import FrameworkSpec
from pmm.results.engine import COMPUTATION_VERSION, Inputs, compute
from pmm.results.models import (
    KpiResult,
    Publication,
    PublishedMember,
    PublishedResult,
    ResultSet,
)
from pmm.results.peer_reviews import reviewed_kpis
from pmm.results.selectors import disclosures_of, inputs_of, latest_publication


def _store_current(
    spec: FrameworkSpec,
    assessments: Sequence[Assessment],
    inputs: Mapping[int, Inputs],
    fingerprints: Mapping[int, str] | None = None,
) -> dict[int, ResultSet]:
    """Compute and store the current results of `assessments` (of one framework, `spec`), replacing
    their earlier ones: {assessment id: its new result set}.

    Set-based, in five queries however many assessments there are: delete the earlier results and
    result sets, insert the result sets, read their ids back, insert every result."""
    if not assessments:
        return {}
    ids = [a.pk for a in assessments]
    computed = {a.pk: compute(spec, inputs[a.pk]) for a in assessments}
    # The results go first (one fast delete: nothing refers to them), then their sets, which would
    # otherwise be collected row by row to cascade to the results.
    KpiResult.objects.unrestricted().filter(result_set__assessment_id__in=ids).delete()
    ResultSet.objects.filter(assessment_id__in=ids)._raw_delete(router.db_for_write(ResultSet))
    now = db_value(ResultSet, "computed_at", timezone.now())
    bulk_insert(
        ResultSet,
        ("assessment", "assessment_version", "inputs_fingerprint", "computation_version", "computed_at"),
        [
            (a.pk, a.version, fingerprints[a.pk] if fingerprints else inputs[a.pk].fingerprint(),
             COMPUTATION_VERSION, now)
            for a in assessments
        ],
    )  # fmt: skip
    result_sets = {rs.assessment_id: rs for rs in ResultSet.objects.filter(assessment_id__in=ids)}
    missing: dict[tuple[str, ...], Any] = {}  # the same few lists of missing inputs, prepared once
    rows = []
    for a in assessments:
        set_id = result_sets[a.pk].pk
        for r in computed[a.pk]:
            key = tuple(r.missing)
            if key not in missing:
                missing[key] = db_value(KpiResult, "missing", list(key))
            rows.append((set_id, r.kpi, r.component, r.status, r.value, r.reason, r.detail, missing[key]))
    bulk_insert(
        KpiResult, ("result_set", "kpi", "component", "status", "value", "reason", "detail", "missing"), rows
    )
    return result_sets


@transaction.atomic
def results_recompute(assessment_id: int) -> ResultSet:
    """Compute and store the current results of an assessment from its data as it is now."""
    assessment = Assessment.objects.select_related("cycle__framework", "member").get(pk=assessment_id)
    spec = cycle_spec(assessment.cycle)
    return _store_current(spec, [assessment], inputs_of([assessment.pk]))[assessment.pk]


@transaction.atomic
def results_recompute_cycle(cycle: Cycle) -> int:
    """Recompute and store the current results of every submitted assessment of a cycle; how many.
    A fixed number of queries, whatever the number of members."""
    assessments = list(
        Assessment.objects.filter(cycle=cycle, status=AssessmentStatus.SUBMITTED).order_by("pk")
    )
    inputs = inputs_of(a.pk for a in assessments)  # two queries for the whole cycle
    _store_current(cycle_spec(cycle), assessments, inputs)
    return len(assessments)


def _is_fresh(result_set: ResultSet | None, assessment: Assessment, fingerprint: str) -> bool:
    return (
        result_set is not None
        and result_set.assessment_version == assessment.version
        and result_set.computation_version == COMPUTATION_VERSION
        and result_set.inputs_fingerprint == fingerprint
    )


_FIELDS = ("status", "value", "reason", "disclosure", "reviewed")
Figures = dict[tuple[str, str, str], tuple[Any, ...]]  # (member ISO3, KPI, component) -> values of _FIELDS


def _change_log(previous: Publication | None, rows: Figures) -> list[dict]:
    """What differs from the previous publication: members added or withdrawn, and changed figures."""
    if previous is None:
        return []
    before: Figures = {
        (iso3, kpi, component): tuple(values)
        for iso3, kpi, component, *values in PublishedResult.objects.unrestricted()
        .filter(publication=previous)
        .values_list("member__iso3", "kpi", "component", *_FIELDS)
    }
    members_before = {key[0] for key in before}
    members_now = {key[0] for key in rows}
    log: list[dict[str, Any]] = [
        {"member": code, "change": "withdrawn"} for code in sorted(members_before - members_now)
    ]
    for key, row in rows.items():
        if key[0] not in members_before:
            continue
        old = before.get(key)
        if old == row:
            continue
        fields = {
            f: [old[i] if old else None, row[i]]
            for i, f in enumerate(_FIELDS)
            if old is None or old[i] != row[i]
        }
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
    spec = cycle_spec(cycle)
    inputs = inputs_of(a.pk for a in assessments)
    prints = {a.pk: inputs[a.pk].fingerprint() for a in assessments}
    stored = {a.pk: getattr(a, "result_set", None) for a in assessments}
    # The background job may not have run yet: never publish stale figures.
    stale = [a for a in assessments if not _is_fresh(stored[a.pk], a, prints[a.pk])]
    result_sets = {pk: rs for pk, rs in stored.items() if rs is not None} | _store_current(
        spec, stale, inputs, prints
    )
    fingerprints = "\n".join(f"{a.member.iso3}:{prints[a.pk]}" for a in assessments)
    inputs_fingerprint = hashlib.sha256(fingerprints.encode()).hexdigest()
    levels = disclosures_of(spec, [a.pk for a in assessments])
    reviewed = reviewed_kpis(cycle)
    by_set = {result_sets[a.pk].pk: a for a in assessments}
    rows: Figures = {}
    published = []  # the columns of each figure, but its publication
    for set_id, kpi, component, status, value, reason, detail in (
        KpiResult.objects.unrestricted()
        .filter(result_set_id__in=by_set)
        .order_by("result_set_id", "id")
        .values_list("result_set_id", "kpi", "component", "status", "value", "reason", "detail")
    ):
        a = by_set[set_id]
        disclosure, was_reviewed = levels[a.pk][kpi], (a.member_id, kpi) in reviewed
        rows[(a.member.iso3, kpi, component)] = (status, value, reason, disclosure, was_reviewed)
        published.append(
            (a.member_id, kpi, component, status, value, reason, detail, disclosure, was_reviewed)
        )
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
    bulk_insert(
        PublishedMember,
        ("publication", "member", "assessment_version", "inputs", "inputs_fingerprint"),
        [
            (publication.pk, a.member_id, a.version,
             db_value(PublishedMember, "inputs", inputs[a.pk].to_json()), prints[a.pk])
            for a in assessments
        ],
    )  # fmt: skip
    bulk_insert(
        PublishedResult,
        ("publication", "member", "kpi", "component", "status", "value", "reason", "detail", "disclosure",
         "reviewed"),
        [(publication.pk, *row) for row in published],
    )  # fmt: skip
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
