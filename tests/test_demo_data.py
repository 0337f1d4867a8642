"""The demo's synthetic assessments: valid where they claim to be, the promised mix, and idempotent."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from pmm.assessments.models import Assessment, AssessmentStatus, Change, KpiResponse
from pmm.assessments.selectors import assessment_state, status_board
from pmm.assessments.validation import check_assessment, completeness
from pmm.audit.models import AuditEvent
from pmm.core.actors import SYSTEM
from pmm.cycles.models import Cycle, CycleStatus
from pmm.demo import demo_setup
from pmm.demo_data import (
    IN_PROGRESS,
    NOT_STARTED,
    SUBMITTED,
    MemberInfo,
    complete_plan,
    demo_plan,
    in_progress_plan,
    member_profile,
    model_values,
)
from pmm.framework.loader import framework_parse
from pmm.framework.spec import FrameworkSpec, spec_from_document


@pytest.fixture(scope="module")
def spec() -> FrameworkSpec:
    checked = framework_parse(settings.PMM_DEFAULT_FRAMEWORK_FILE.read_text())
    return spec_from_document(checked.document, checked.fingerprint)


MEMBERS = [
    MemberInfo("AAA", "region-europe", "high"),
    MemberInfo("BBB", "region-west-central-africa", "low", landlocked=True),
    MemberInfo("CCC", "region-asia-pacific", "upper_middle", island=True),
    MemberInfo("DDD", "region-americas-caribbean", "lower_middle", unions=("union-caricom",)),
    MemberInfo("EEE", "region-north-africa-near-middle-east", ""),
]


# --------------------------------------------------------------------------------------------
# The pure generator


@pytest.mark.parametrize("seed", range(25))
@pytest.mark.parametrize("member", MEMBERS, ids=lambda m: m.iso3)
def test_complete_assessments_pass_validation(spec, member, seed):
    plan = complete_plan(spec, member, seed, 2024, jump=seed % 3 == 0)
    issues = check_assessment(spec, plan.entries, plan.not_applicable, 50)
    assert [i.key for i in issues if i.severity == "error"] == []
    warnings = {i.key for i in issues if i.severity == "warning"}
    assert warnings <= set(plan.justifications), "every warning of a submitted assessment is explained"
    assert completeness(spec, plan.entries, plan.not_applicable)[0].percent == 100


def test_complete_assessment_with_kpis_not_applicable(spec):
    skipped = {"D1.O8.K1": "no transit", "D1.O8.K2": "no transit"}
    plan = complete_plan(spec, MEMBERS[2], 1, 2024, not_applicable=skipped)
    assert plan.not_applicable == set(skipped)
    assert not any(code.startswith("TRANSIT_") for code, _period in plan.entries)
    assert not [
        i for i in check_assessment(spec, plan.entries, plan.not_applicable, 50) if i.severity == "error"
    ]


def test_values_are_in_plausible_ranges(spec):
    shares, exams, release = [], [], []
    for seed in range(40):
        for member in MEMBERS:
            v = model_values(member, member_profile(member, seed), 2024, seed)
            shares.append(v[("DECL_ELECTRONIC", "T")] / v[("DECL_TOTAL", "T")])
            exams.append(v[("DECL_IMPORT_PHYSICAL_EXAM", "T")] / v[("DECL_IMPORT_TOTAL", "T")])
            release.append(v[("RELEASE_TIME_IMPORT_AVG_H", "T")])
            aeo_before, aeo = v[("AEO_COUNT", "T-1")], v[("AEO_COUNT", "T")]
            if aeo_before >= 20:
                assert -0.15 <= aeo / aeo_before - 1 <= 0.45
            assert 0.15 <= v[("STAFF_WOMEN", "T")] / v[("STAFF_TOTAL", "T")] <= 0.55
            assert 0.005 <= v[("CUSTOMS_OPERATING_COST", "T")] / v[("REVENUE_CUSTOMS_TOTAL", "T")] <= 0.05
    assert all(0.85 <= s <= 1 for s in shares) and 0.96 <= sum(shares) / len(shares) <= 0.995
    assert all(0.02 <= e <= 0.6 for e in exams)
    assert all(2 <= h <= 150 for h in release)


def test_the_generator_is_deterministic(spec):
    first = complete_plan(spec, MEMBERS[0], 7, 2024)
    again = complete_plan(spec, MEMBERS[0], 7, 2024)
    assert first.batches == again.batches and first.kpi_choices == again.kpi_choices
    assert complete_plan(spec, MEMBERS[0], 8, 2024).entries != first.entries


def test_in_progress_plans_reach_their_completeness_and_keep_their_warnings(spec):
    plan = in_progress_plan(spec, MEMBERS[0], 3, 2024, percent=60, anomalies=["training_in_days", "jump"])
    percent = completeness(spec, plan.entries, plan.not_applicable)[0].percent
    assert 55 <= percent <= 70
    issues = check_assessment(spec, plan.entries, plan.not_applicable, 50)
    keys = {i.key for i in issues if i.severity == "warning"}
    assert "rule:TRAINING_HOURS_GE_STAFF_TRAINED" in keys and any(k.startswith("jump:") for k in keys)
    assert not plan.justifications
    assert not [i for i in issues if i.severity == "error" and i.kind != "missing"]


@pytest.mark.django_db
def test_the_demo_plan_has_the_promised_mix(spec):
    from pmm.demo import _member_infos

    plan = demo_plan(spec, _member_infos())
    assert (plan.count(NOT_STARTED), plan.count(IN_PROGRESS), plan.count(SUBMITTED)) == (15, 25, 20)
    regions = {p.member.region for p in plan.assessments}
    incomes = {p.member.income for p in plan.assessments}
    assert len(regions) == 6 and incomes == {"low", "lower_middle", "upper_middle", "high"}
    by_member = {p.member.iso3: p for p in plan.assessments}
    assert by_member["KEN"].status == IN_PROGRESS and by_member["FRA"].status == SUBMITTED
    percents = [p.target_percent for p in plan.assessments if p.status == IN_PROGRESS]
    assert min(percents) >= 30 and max(percents) <= 95
    assert len(plan.earlier) == 10 and {"KEN", "FRA"} <= {p.member.iso3 for p in plan.earlier}


# --------------------------------------------------------------------------------------------
# demo_setup through the services


@pytest.mark.django_db
def test_demo_setup_enters_both_cycles_through_the_services():
    started = time.perf_counter()
    lines = demo_setup()
    seconds = time.perf_counter() - started
    assert seconds < 60, f"demo_setup took {seconds:.1f} s"
    cycle = Cycle.objects.get(framework__code="pmm-v1", reporting_year=2024)
    assert cycle.status == CycleStatus.OPEN
    assessments = {a.member.iso3: a for a in Assessment.objects.filter(cycle=cycle).select_related("member")}
    statuses = [a.status for a in assessments.values()]
    assert statuses.count(AssessmentStatus.SUBMITTED) == 20
    assert statuses.count(AssessmentStatus.IN_PROGRESS) == 25
    assert len(assessments) == 45  # the 15 not started have no assessment
    # The summary counts as every page does (pmm.results.participation): every member is invited.
    summary = "187 members invited, 45 started (25 in progress, 20 submitted), 142 not started"
    assert any(summary in line for line in lines)

    # The demo accounts' members.
    kenya = assessment_state(assessments["KEN"], SYSTEM)
    assert assessments["KEN"].status == AssessmentStatus.IN_PROGRESS
    assert [i for i in kenya.issues if i.severity == "warning" and i.key not in kenya.justifications]
    assert 30 <= kenya.overall.percent <= 95
    assert assessments["FRA"].status == AssessmentStatus.SUBMITTED
    assert assessments["FRA"].submitted_by.username == "ncp-fra"

    # Submitted ones pass the platform's own checks; in-progress ones are varied, some with warnings.
    for assessment in assessments.values():
        if assessment.status == AssessmentStatus.SUBMITTED:
            state = assessment_state(assessment, SYSTEM)
            assert not state.blocking and state.overall.percent == 100, assessment.member.iso3
            assert not [i for i in state.issues if i.severity == "error"]
    board = {row.member.iso3: row for row in status_board(SYSTEM, cycle)}
    in_progress = [board[iso3] for iso3, a in assessments.items() if a.status == AssessmentStatus.IN_PROGRESS]
    assert all(30 <= row.completeness <= 95 for row in in_progress)
    assert len({row.completeness for row in in_progress}) > 10
    assert sum(1 for row in in_progress if row.unexplained_warnings) >= 3
    responses = KpiResponse.objects.unrestricted().filter(assessment__cycle=cycle)
    assert responses.filter(applicable=False).exclude(justification="").exists()
    assert {"public", "country"} <= set(responses.values_list("disclosure", flat=True))

    # History and audit are the services' own.
    kenya_changes = Change.objects.unrestricted().filter(assessment=assessments["KEN"])
    assert set(kenya_changes.values_list("path", flat=True)) <= {"form", "workbook"}
    assert kenya_changes.filter(changed_by__username="contrib-ken").exists()
    assert (
        AuditEvent.objects.unrestricted()
        .filter(verb="assessment.submitted", actor__username="ncp-fra")
        .exists()
    )
    # 20 now, 10 in 2022, and one resubmission after the demo's correction
    assert AuditEvent.objects.unrestricted().filter(verb="assessment.submitted").count() == 31
    assert Change.objects.unrestricted().filter(subject__startswith="issue:jump:").exists()  # jumps explained

    # The earlier cycle: closed, ten submissions, and (2022 and 2021 data) nothing carried into 2023.
    earlier = Cycle.objects.get(framework__code="pmm-v1", reporting_year=2022)
    assert earlier.status == CycleStatus.CLOSED
    assert Assessment.objects.filter(cycle=earlier, status=AssessmentStatus.SUBMITTED).count() == 10
    assert not any(v.carried_forward for v in kenya.values.values())

    # Results are published: 2022 once, 2024 twice (a correction of one member, with its change log).
    from pmm.results.models import Publication
    from pmm.results.selectors import publication_reproduce

    assert Publication.objects.filter(cycle=earlier).count() == 1
    first, second, third = Publication.objects.filter(cycle=cycle).order_by("number")
    assert (first.member_count, second.member_count) == (20, 20)
    assert second.change_log and {e["member"] for e in second.change_log} == {second.note.split()[2][:3]}
    assert publication_reproduce(second) == []

    # A peer review in progress: France, led by the demo reviewer from Canada, waiting for answers.
    from pmm.results.models import PublishedResult
    from pmm.reviews.models import Review

    review = Review.objects.get(assessment=assessments["FRA"])
    assert review.status == "member_responding" and review.queries.unrestricted().count() == 3
    assert [(a.reviewer.username, a.lead) for a in review.assignments.all()] == [("reviewer", True)]
    # And a signed-off one, with a corrected value; the third publication marks its figures.
    signed = Review.objects.get(status="signed_off")
    assert signed.certificate["level"].startswith("certified")
    assert signed.queries.unrestricted().get().messages.unrestricted().filter(kind="correction").exists()
    reviewed = PublishedResult.objects.unrestricted().filter(publication=third, reviewed=True)
    assert set(reviewed.values_list("member_id", flat=True)) == {signed.assessment.member_id}
    assert not reviewed.filter(kpi="D1.O1.K2").exists()
    assert publication_reproduce(third) == []
    # France set targets for 2026: its dashboard shows progress toward them.
    from pmm.targets.models import Target

    assert Target.objects.unrestricted().filter(member__iso3="FRA", year=2026).count() == 2


@pytest.mark.django_db
def test_demo_setup_is_idempotent():
    demo_setup()
    counts = (
        Cycle.objects.count(),
        Assessment.objects.count(),
        Change.objects.unrestricted().count(),
        AuditEvent.objects.unrestricted().count(),
        KpiResponse.objects.unrestricted().count(),
    )
    lines = demo_setup()
    assert "demo cycles 2022 and 2024: unchanged" in lines
    assert (
        Cycle.objects.count(),
        Assessment.objects.count(),
        Change.objects.unrestricted().count(),
        AuditEvent.objects.unrestricted().count(),
        KpiResponse.objects.unrestricted().count(),
    ) == counts
