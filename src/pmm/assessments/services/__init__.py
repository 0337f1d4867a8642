"""Writes on assessments, shared by the form, the workbook import, the API and the CLI.

Every write on an assessment's data is one unit of work (`unit_of_work.assessment_write`): authorise,
check the workflow and the editing window, validate, compare with the stored data once, compare-and-swap
the version (a stale version changes nothing and answers 409), save, record each field's change in the
history with its path, and write one audit event with every change before and after.

A KPI's disclosure level is not data and knows no editing window: the NCP may change it at any time,
also in a submitted assessment and after publication (`kpi_update`, `services.disclosure`).
"""

from pmm.assessments.services.common import ValueInput, Window, editing_window
from pmm.assessments.services.disclosure import PublishedLevels, published_levels, published_note
from pmm.assessments.services.justification_writes import Explained
from pmm.assessments.services.kpis import kpi_update
from pmm.assessments.services.unit_of_work import AssessmentWrite, assessment_write
from pmm.assessments.services.values import justification_save, justifications_save, values_save
from pmm.assessments.services.workflow import assessment_reopen, assessment_start, assessment_submit
from pmm.assessments.services.write_terms import FileChange, Policy, Refusal, WriteOutcome

__all__ = [
    "AssessmentWrite",
    "Explained",
    "FileChange",
    "Policy",
    "PublishedLevels",
    "Refusal",
    "ValueInput",
    "Window",
    "WriteOutcome",
    "assessment_reopen",
    "assessment_start",
    "assessment_submit",
    "assessment_write",
    "editing_window",
    "justification_save",
    "justifications_save",
    "kpi_update",
    "published_levels",
    "published_note",
    "values_save",
]
