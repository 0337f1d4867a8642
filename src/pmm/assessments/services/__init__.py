"""Writes on assessments, shared by the form, the workbook import, the API and the CLI.

Every write: authorise, check the workflow and the editing window, validate, compare-and-swap
the version (a stale version changes nothing and answers 409), save, record each field's change
in the history with its path, and audit.

A KPI's disclosure level is not data and knows no editing window: the NCP may change it at any
time, also in a submitted assessment and after publication (`kpi_update`, `services.disclosure`).
"""

from pmm.assessments.services.common import ValueInput
from pmm.assessments.services.disclosure import PublishedLevels, published_levels, published_note
from pmm.assessments.services.kpis import kpi_update
from pmm.assessments.services.values import (
    ValuesPartlySaved,
    justification_save,
    justifications_save,
    values_save,
    values_save_valid,
)
from pmm.assessments.services.workflow import assessment_reopen, assessment_start, assessment_submit

__all__ = [
    "PublishedLevels",
    "ValueInput",
    "ValuesPartlySaved",
    "assessment_reopen",
    "assessment_start",
    "assessment_submit",
    "justification_save",
    "justifications_save",
    "kpi_update",
    "published_levels",
    "published_note",
    "values_save",
    "values_save_valid",
]
