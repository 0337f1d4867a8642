"""The unit of work of assessment writes (`assessment_write`): whatever it holds, one transaction, one
compare-and-swap of the version, one flush of the history and one audit event with every change before
and after; the policies (strict, partial, merge) and the editing window a caller chooses."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pmm.assessments.models import Assessment, AssessmentStatus, Change, DataValue, KpiResponse
from pmm.assessments.selectors import assessment_access
from pmm.assessments.services import Policy, ValueInput, assessment_submit, assessment_write, values_save
from pmm.audit.models import AuditEvent
from pmm.core.actors import SYSTEM
from pmm.core.errors import ApplicationError, FieldProblem

pytestmark = pytest.mark.django_db

JUMP = [ValueInput("AEO_COUNT", "T", 300), ValueInput("AEO_COUNT", "T-1", 100)]  # raises jump:AEO_COUNT


def kenya(cycle) -> Assessment:
    """KEN's assessment as a writer reads it now."""
    return assessment_access(SYSTEM, cycle, "KEN")


@pytest.fixture
def started(open_cycle) -> Assessment:
    return values_save(
        actor=SYSTEM,
        assessment=kenya(open_cycle),
        version=0,
        items=[ValueInput("DECL_TOTAL", "T", 1)],
        path="api",
    )


def version_of(assessment: Assessment) -> int:
    return Assessment.objects.values_list("version", flat=True).get(pk=assessment.pk)


def events() -> list[AuditEvent]:
    return list(AuditEvent.objects.unrestricted().order_by("pk"))


def value_of(assessment: Assessment, element: str, period: str = "T"):
    row = DataValue.objects.unrestricted().filter(assessment=assessment, element__code=element, period=period)
    return row.values_list("value", flat=True).first()


def test_values_a_kpi_and_an_explanation_are_one_write(started):
    version, before = started.version, len(events())
    with assessment_write(SYSTEM, started, version, path="api", reason="annual update") as w:
        w.values(JUMP)
        w.kpi("D1.O1.K1", applicable=False, justification="no electronic system yet")
        explained = w.justify({"jump:AEO_COUNT": "a new AEO programme"})
    assert explained.saved == ["jump:AEO_COUNT"]  # the warning arises from this unit's own values
    subjects = ["AEO_COUNT@T", "AEO_COUNT@T-1", "kpi:D1.O1.K1", "issue:jump:AEO_COUNT"]
    assert w.outcome.saved == subjects and not w.outcome.refused and not w.outcome.conflicting
    assert version_of(started) == w.outcome.assessment.version == version + 1
    [event] = events()[before:]
    assert (event.verb, event.reason) == ("assessment.saved", "annual update")
    assert event.before == {
        "version": version,
        "AEO_COUNT@T": {"value": None},
        "AEO_COUNT@T-1": {"value": None},
        "kpi:D1.O1.K1": {"applicable": True, "justification": ""},
        "issue:jump:AEO_COUNT": {"justification": ""},
    }
    assert event.after == {
        "version": version + 1,
        "path": "api",
        "AEO_COUNT@T": {"value": 300},
        "AEO_COUNT@T-1": {"value": 100},
        "kpi:D1.O1.K1": {"applicable": False, "justification": "no electronic system yet"},
        "issue:jump:AEO_COUNT": {"justification": "a new AEO programme"},
    }
    history = Change.objects.unrestricted().filter(assessment=started, subject__in=subjects)
    assert {(c.subject, c.path, c.reason) for c in history} == {(s, "api", "annual update") for s in subjects}


def test_one_swap_and_one_history_flush_whatever_the_unit_holds(started):
    with (
        CaptureQueriesContext(connection) as captured,
        assessment_write(SYSTEM, started, started.version, path="api") as w,
    ):
        w.values([*JUMP, ValueInput("STAFF_TOTAL", "T", 900)])
        w.kpi("D1.O1.K1", applicable=False, justification="no electronic system yet")
        w.kpi("D1.O1.K2", disclosure="country")
        w.justify({"jump:AEO_COUNT": "a new AEO programme"})
    statements = [q["sql"] for q in captured.captured_queries]
    assert sum(s.startswith('UPDATE "assessments_assessment"') for s in statements) == 1
    assert sum(s.startswith('INSERT INTO "assessments_change"') for s in statements) == 1
    assert sum(s.startswith('INSERT INTO "audit_auditevent"') for s in statements) == 1


def test_a_stale_version_saves_nothing_of_any_step(started):
    read = kenya(started.cycle)
    values_save(
        actor=SYSTEM,
        assessment=started,
        version=started.version,
        items=[ValueInput("DECL_TOTAL", "T", 2)],
        path="form",
    )
    current, before = version_of(started), len(events())
    with (
        pytest.raises(ApplicationError) as caught,
        assessment_write(SYSTEM, read, read.version, path="api") as w,
    ):
        w.values([ValueInput("STAFF_TOTAL", "T", 900)])
        w.kpi("D1.O1.K1", applicable=False, justification="no electronic system yet")
    assert caught.value.code == "conflict" and caught.value.problems[0].field == "version"
    assert version_of(started) == current and len(events()) == before
    assert value_of(started, "STAFF_TOTAL") is None
    assert not KpiResponse.objects.unrestricted().filter(assessment=started).exists()
    with (
        pytest.raises(ApplicationError) as no_op,  # a unit that changes nothing still checks the version
        assessment_write(SYSTEM, read, read.version, path="api") as w,
    ):
        w.values([ValueInput("DECL_TOTAL", "T", 2)])
    assert no_op.value.code == "conflict"


def test_a_unit_that_changes_nothing_keeps_the_version_and_is_not_audited(started):
    version, before = started.version, len(events())
    with assessment_write(SYSTEM, started, version, path="api") as w:
        w.values([ValueInput("DECL_TOTAL", "T", 1)])
        w.kpi("D1.O1.K1", applicable=True)
        w.justify({})
    assert w.outcome.saved == [] and version_of(started) == version and len(events()) == before


def test_strict_refuses_the_whole_unit_at_the_first_refused_item(started):
    version = started.version
    with (
        pytest.raises(ApplicationError) as caught,
        assessment_write(SYSTEM, started, version, path="api") as w,
    ):
        w.kpi("D1.O1.K1", applicable=False, justification="no electronic system yet")
        w.values([ValueInput("STAFF_TOTAL", "T", 900), ValueInput("DECL_TOTAL", "T", "lots")])
    assert caught.value.code == "invalid_values"
    assert [p.field for p in caught.value.problems] == ["values[1].value"]
    assert version_of(started) == version and value_of(started, "STAFF_TOTAL") is None
    assert not KpiResponse.objects.unrestricted().filter(assessment=started).exists()


def test_partial_saves_the_valid_items_and_reports_the_others(started):
    version = started.version
    with assessment_write(SYSTEM, started, version, path="form", policy=Policy.PARTIAL) as w:
        written = w.values([ValueInput("DECL_TOTAL", "T", "lots"), ValueInput("STAFF_TOTAL", "T", 900)])
        w.kpi("D1.O1.K1", applicable=False)  # not applicable needs a justification
    assert [item.element for item in written] == ["STAFF_TOTAL"]
    outcome = w.outcome
    assert outcome.saved == ["STAFF_TOTAL@T"] and set(outcome.refused) == {"DECL_TOTAL@T", "kpi:D1.O1.K1"}
    value = outcome.refused["DECL_TOTAL@T"]
    assert [p.field for p in value.problems] == ["values[0].value"] and value.issues
    assert [p.field for p in outcome.refused["kpi:D1.O1.K1"].problems] == ["justification"]
    assert version_of(started) == version + 1 and value_of(started, "DECL_TOTAL") == 1


def test_merge_swaps_the_current_version_and_refuses_conflicts_whole(started):
    base = started.version
    values_save(
        actor=SYSTEM, assessment=started, version=base, items=[ValueInput("DECL_TOTAL", "T", 2)], path="api"
    )
    with assessment_write(SYSTEM, kenya(started.cycle), base, path="workbook", policy=Policy.MERGE) as w:
        assert w.stale  # the caller compares with its copy of version `base` and with the stored data
        w.values([ValueInput("STAFF_TOTAL", "T", 900)])
    assert version_of(started) == base + 2 and value_of(started, "STAFF_TOTAL") == 900

    current = version_of(started)
    with (
        pytest.raises(ApplicationError) as conflict,
        assessment_write(SYSTEM, kenya(started.cycle), base, path="workbook", policy=Policy.MERGE) as w,
    ):
        w.values([ValueInput("STAFF_TOTAL", "T", 901)])
        w.conflict("DECL_TOTAL@T", FieldProblem("D1!E5", "changed on the platform after the download."))
    assert conflict.value.code == "conflict" and [p.field for p in conflict.value.problems] == ["D1!E5"]
    with (
        pytest.raises(ApplicationError) as refused,  # every refused item named at once, at the end
        assessment_write(SYSTEM, kenya(started.cycle), current, path="workbook", policy=Policy.MERGE) as w,
    ):
        w.values([ValueInput("DECL_TOTAL", "T", "lots"), ValueInput("STAFF_TOTAL", "T", -1)])
    assert refused.value.code == "invalid_values" and len(refused.value.problems) == 2
    assert version_of(started) == current and value_of(started, "STAFF_TOTAL") == 900


def test_a_first_write_starts_the_assessment_and_a_no_op_does_not(open_cycle):
    with assessment_write(SYSTEM, kenya(open_cycle), 0, path="api") as w:
        w.values([])
        w.kpi("D1.O1.K1", applicable=True)
    assert not Assessment.objects.filter(cycle=open_cycle, member__iso3="KEN", version__gt=0).exists()
    with assessment_write(SYSTEM, kenya(open_cycle), 0, path="api") as w:
        w.values([ValueInput("DECL_TOTAL", "T", 1)])
    assert w.assessment.status == AssessmentStatus.IN_PROGRESS and version_of(w.assessment) == 2
    assert [e.verb for e in events() if e.verb.startswith("assessment.")] == [
        "assessment.started",
        "assessment.values_saved",
    ]


def test_without_a_version_the_write_applies_to_the_assessment_as_it_is(started):
    read = kenya(started.cycle)
    values_save(
        actor=SYSTEM,
        assessment=started,
        version=started.version,
        items=[ValueInput("DECL_TOTAL", "T", 2)],
        path="api",
    )
    with assessment_write(SYSTEM, read, None, path="system") as w:
        w.values([ValueInput("DECL_TOTAL", "T", 3)])
    assert version_of(started) == w.assessment.version == started.version + 1
    latest = Change.objects.unrestricted().filter(subject="DECL_TOTAL@T").order_by("-pk").first()
    assert (latest.old, latest.new) == (2, 3)  # compared with the value stored when it wrote


def test_the_window_is_the_callers(open_cycle, complete_assessment):
    assessment = complete_assessment(open_cycle, "KEN")
    submitted = assessment_submit(actor=SYSTEM, assessment=kenya(open_cycle))
    item = [ValueInput("DECL_TOTAL", "T", 5)]
    with pytest.raises(ApplicationError) as closed:
        values_save(actor=SYSTEM, assessment=submitted, version=submitted.version, items=item, path="api")
    assert closed.value.code == "conflict" and "submitted" in closed.value.message
    corrected = values_save(
        actor=SYSTEM,
        assessment=submitted,
        version=submitted.version,
        items=item,
        path="form",
        window=lambda _assessment: "",  # e.g. a member's correction answering a peer review query
    )
    assert corrected.status == AssessmentStatus.SUBMITTED and value_of(assessment, "DECL_TOTAL") == 5
    with assessment_write(SYSTEM, corrected, corrected.version, path="api") as w:
        w.kpi("D1.O1.K1", disclosure="public")  # a disclosure level knows no window
    assert version_of(assessment) == corrected.version


def test_a_closed_window_refuses_data_with_its_reason(started):
    with pytest.raises(ApplicationError) as caught:
        values_save(
            actor=SYSTEM,
            assessment=started,
            version=started.version,
            items=[ValueInput("DECL_TOTAL", "T", 5)],
            path="api",
            window=lambda _assessment: "Closed for the test.",
        )
    assert (caught.value.code, caught.value.message) == ("conflict", "Closed for the test.")
