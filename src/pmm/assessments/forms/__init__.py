"""The data entry form of one dimension: how a posted page (or one autosaved row) is read back
(`posted`), where each element is shown (`layout`), and the page's view model (`blocks`) built from
the assessment's state (`builder`)."""

from pmm.assessments.forms.blocks import IssueView, dimension_completeness
from pmm.assessments.forms.builder import PageBuilder, display_value
from pmm.assessments.forms.layout import DocIndex, doc_index
from pmm.assessments.forms.posted import (
    PostedKpi,
    PostedSlot,
    ReopenForm,
    WorkbookForm,
    posted_justifications,
    posted_kpis,
    posted_slots,
    posted_version,
)

__all__ = [
    "DocIndex",
    "IssueView",
    "PageBuilder",
    "PostedKpi",
    "PostedSlot",
    "ReopenForm",
    "WorkbookForm",
    "dimension_completeness",
    "display_value",
    "doc_index",
    "posted_justifications",
    "posted_kpis",
    "posted_slots",
    "posted_version",
]
