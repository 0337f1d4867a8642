"""Reads on assessments. Single assessments go through `assessment_access`, which answers 404 for
"missing" and "not yours" alike. Everything is fetched in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Count, F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pmm.assessments.board_checks import brief_checks
from pmm.assessments.models import (
    Assessment,
    AssessmentStatus,
    Change,
    DataValue,
    KpiResponse,
    WarningJustification,
)
from pmm.assessments.validation import Completeness, Entry, Issue, blocking, check_assessment, completeness
from pmm.authz import acting_for, can
from pmm.core.errors import NotFound, PermissionDenied
from pmm.cycles.models import Cycle, CycleStatus, DeadlineExtension, deadline_for
from pmm.cycles.selectors import closed_reason, cycle_spec, cycles_list, member_deadline
from pmm.framework.spec import FrameworkSpec
from pmm.members.models import Member


def assessment_access(actor: Any, cycle: Cycle, iso3: str, action: str = "assessment.view") -> Assessment:
    """The member's assessment in the cycle (unsaved and 'not started' if the member has not joined).

    Found only by those who may read it: the member's own people, the Secretariat, and the peer
    reviewers assigned to this very assessment (not the member's other cycles); 404 for everyone else.
    """
    if not getattr(actor, "is_authenticated", False) and not can(actor, "assessment.view"):
        raise PermissionDenied()
    member = Member.objects.filter(iso3=iso3.upper()).first()
    assessment = None
    if member is not None:
        assessment = (
            Assessment.objects.select_related("member", "cycle__framework", "submitted_by")
            .filter(cycle=cycle, member=member)
            .first()
        )
        if assessment is None:
            assessment = Assessment(
                cycle=cycle, member=member, status=AssessmentStatus.NOT_STARTED, version=0
            )
    if assessment is None or not can(actor, "assessment.view", assessment):
        raise NotFound(f"No assessment of {iso3} in this cycle.")
    return assessment


@dataclass
class AssessmentState:
    """Everything pages and the API show of one assessment, computed once."""

    assessment: Assessment
    spec: FrameworkSpec
    values: dict[tuple[str, str], DataValue]
    entries: dict[tuple[str, str], Entry]
    responses: dict[str, KpiResponse]
    justifications: dict[str, WarningJustification]
    issues: list[Issue]
    overall: Completeness
    per_outcome: dict[str, Completeness]
    blocking: list[Issue] = field(default_factory=list)

    @property
    def not_applicable(self) -> set[str]:
        return {code for code, r in self.responses.items() if not r.applicable}

    def disclosure(self, kpi: str) -> str:
        response = self.responses.get(kpi)
        return response.disclosure if response else self.spec.kpis[kpi].disclosure_default

    def issues_for(self, element: str) -> list[Issue]:
        return [i for i in self.issues if i.element == element]


def assessment_state(assessment: Assessment, reader: Any) -> AssessmentState:
    """The assessment's data, checks and completeness, as `reader` may read them (services pass their
    actor, which they have authorised; a reader without the right gets an empty state)."""
    spec = cycle_spec(assessment.cycle)
    values: dict[tuple[str, str], DataValue] = {}
    responses: dict[str, KpiResponse] = {}
    justifications: dict[str, WarningJustification] = {}
    if assessment.pk:
        # Keyed by the codes alone: loading the framework's rows with them (their texts in every
        # language) took three quarters of the read.
        values = {
            (v.element_code, v.period): v
            for v in DataValue.objects.visible_to(reader)
            .filter(assessment=assessment)
            .annotate(element_code=F("element__code"))
        }
        responses = {
            r.kpi_code: r
            for r in KpiResponse.objects.visible_to(reader)
            .filter(assessment=assessment)
            .annotate(kpi_code=F("kpi__code"))
        }
        justifications = {
            j.issue_key: j
            for j in WarningJustification.objects.visible_to(reader).filter(assessment=assessment)
        }
    entries = {key: Entry(v.value, v.state, v.reason) for key, v in values.items()}
    not_applicable = {code for code, r in responses.items() if not r.applicable}
    issues = check_assessment(spec, entries, not_applicable, settings.PMM_JUMP_THRESHOLD_PERCENT)
    overall, per_outcome = completeness(spec, entries, not_applicable)
    return AssessmentState(
        assessment,
        spec,
        values,
        entries,
        responses,
        justifications,
        issues,
        overall,
        per_outcome,
        blocking(issues, justifications),
    )


def value_history(assessment: Assessment, reader: Any, subject: str | None = None) -> QuerySet[Change]:
    changes = Change.objects.visible_to(reader).filter(assessment=assessment).select_related("changed_by")
    return changes.filter(subject=subject) if subject else changes


def value_history_counts(assessment: Assessment, reader: Any) -> dict[str, int]:
    """How many changes each subject (`ELEMENT@PERIOD`, `kpi:CODE`, ...) has in its history."""
    if not assessment.pk:
        return {}
    counts = value_history(assessment, reader).order_by().values("subject").annotate(n=Count("id"))
    return {row["subject"]: row["n"] for row in counts}


def editing_blocked(assessment: Assessment, deadline: date | None = None) -> str:
    """Why the assessment's data cannot change now, in the reader's language ("" when it can)."""
    if assessment.status == AssessmentStatus.SUBMITTED:
        return _(
            "This self-assessment has been submitted. If something must change, ask the WCO Secretariat "
            "to reopen it."
        )
    return closed_reason(assessment.cycle, assessment.member_id, deadline)


@dataclass
class DueItem:
    cycle: Cycle
    member: Member
    status: str
    status_label: str
    percent: int
    blocking: int
    deadline: date
    reopened_reason: str
    blocked: str
    url: str

    @property
    def days_left(self) -> int:
        return (self.deadline - timezone.localdate()).days


def due_items(user: Any) -> list[DueItem]:
    """The open cycles' assessments of the members the user works for (NCPs and contributors)."""
    member_ids = acting_for(user)
    if not member_ids:
        return []
    cycles = list(cycles_list().filter(status=CycleStatus.OPEN))
    members = sorted(Member.objects.filter(pk__in=member_ids), key=lambda m: m.display_name)
    items = []
    for cycle in cycles:
        for member in members:
            assessment = assessment_access(user, cycle, member.iso3)
            state = assessment_state(assessment, user)
            deadline = member_deadline(cycle, member.pk)
            items.append(
                DueItem(
                    cycle=cycle,
                    member=member,
                    status=assessment.status,
                    status_label=str(AssessmentStatus(assessment.status).label),
                    percent=state.overall.percent,
                    blocking=len(state.blocking),
                    deadline=deadline,
                    reopened_reason=assessment.reopened_reason,
                    blocked=closed_reason(cycle, member.pk, deadline),
                    url=reverse("assessments:assessment_detail", args=[cycle.pk, member.iso3]),
                )
            )
    return items


def assessments_of_cycle(cycle: Cycle) -> dict[int, Assessment]:
    return {a.member_id: a for a in Assessment.objects.filter(cycle=cycle)}


@dataclass(frozen=True)
class BoardRow:
    member: Member
    status: str
    completeness: int
    errors: int
    unexplained_warnings: int
    last_activity: Any
    deadline: Any
    submitted_at: Any


def status_board(actor: Any, cycle: Cycle, group: str = "") -> list[BoardRow]:
    """Every member's state in the cycle, in a fixed number of queries whatever the numbers (counts
    computed from the data `actor` may read: everything, for the Secretariat who see the board; each
    assessment is validated again only when its version moved: `board_checks`)."""
    spec = cycle_spec(cycle)
    members = Member.objects.all()
    if group:
        members = members.filter(groups__code=group)
    assessments = {a.member_id: a for a in Assessment.objects.filter(cycle=cycle)}
    extensions = {e.member_id: e for e in DeadlineExtension.objects.filter(cycle=cycle)}
    checks = brief_checks(spec, actor, list(assessments.values()))
    explained: dict[int, set[str]] = defaultdict(set)
    for assessment_id, key in (
        WarningJustification.objects.visible_to(actor)
        .filter(assessment__cycle=cycle)
        .values_list("assessment_id", "issue_key")
    ):
        explained[assessment_id].add(key)
    rows = []
    for member in sorted(members, key=lambda m: m.display_name):
        a = assessments.get(member.pk)
        deadline = deadline_for(cycle, extensions.get(member.pk))
        if a is None:
            rows.append(BoardRow(member, AssessmentStatus.NOT_STARTED, 0, 0, 0, None, deadline, None))
            continue
        brief = checks[a.pk]
        rows.append(
            BoardRow(
                member,
                a.status,
                brief.completeness,
                brief.errors,
                sum(1 for key in brief.warning_keys if key not in explained[a.pk]),
                a.last_activity_at,
                deadline,
                a.submitted_at,
            )
        )
    return rows
