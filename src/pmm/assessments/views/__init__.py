"""Pages of a member's self-assessment: what is due (`due`), the overview with its data-quality summary
and workflow buttons (`overview`), the data entry page of each dimension, autosaved row by row with
htmx or saved whole by a plain form post (`entry`, saving through `saving`), and the history of each
value (`history`); submitting goes through a confirmation page (`submission`). `common` loads the
assessment as the visitor sees it.

Every write goes through the services: a page's values, KPI choices and explanations of warnings are
one unit of work (`assessment_write` with the partial policy), the moves are `assessment_start`,
`assessment_submit` and `assessment_reopen`; the messages shown for validation problems are
`issue_text`, the ones the API gives.
"""

from pmm.assessments.selectors import due_items
from pmm.assessments.views.due import due_list
from pmm.assessments.views.entry import dimension_edit, kpi_save, row_save
from pmm.assessments.views.history import history_list
from pmm.assessments.views.overview import (
    assessment_detail,
    assessment_reopen,
    assessment_start,
)
from pmm.assessments.views.submission import assessment_submit
from pmm.assessments.views.workbook import workbook_download, workbook_upload

__all__ = [
    "assessment_detail",
    "assessment_reopen",
    "assessment_start",
    "assessment_submit",
    "dimension_edit",
    "due_items",
    "due_list",
    "history_list",
    "kpi_save",
    "row_save",
    "workbook_download",
    "workbook_upload",
]
