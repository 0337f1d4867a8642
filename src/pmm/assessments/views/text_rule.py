"""The character rule (`pmm.core.text`) on what a dimension page, or one of its autosaves, posts.

The data entry page is not a Django form: each posted value, reason, comment, KPI justification or
explanation of a warning holding a refused character (a NUL, a C0 control character…) is set aside,
not saved, and gets its message next to its field like a value that is not valid; the rest is saved
as usual. Nothing reads or writes the database with such a text (PostgreSQL cannot store a NUL).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from pmm.assessments.forms import PageBuilder, PostedKpi, PostedSlot
from pmm.core.forms import submitted_text_problem

if TYPE_CHECKING:
    from pmm.assessments.views.common import Page
    from pmm.assessments.views.saving import SaveResult


def _labelled_problem(texts: list[tuple[str, str]]) -> str | None:
    """The first problem among (field label, posted text) pairs, with the label in front."""
    for label, text in texts:
        problem = submitted_text_problem(text)
        if problem is not None:
            return _("%(field)s: %(problem)s") % {"field": label, "problem": problem}
    return None


def set_aside_bad_text(
    page: Page,
    slots: list[PostedSlot],
    kpis: list[PostedKpi],
    justifications: dict[str, str],
    result: SaveResult,
) -> tuple[list[PostedSlot], list[PostedKpi], dict[str, str]]:
    """The posted entries that keep the character rule; the others are recorded in `result`
    (`entry_errors`, `kpi_errors`, and `refused_justifications` with the text typed)."""
    kept_slots = []
    for slot in slots:
        problem = _labelled_problem(
            [
                (_("Value"), slot.value),
                (_("Why is it not available?"), slot.reason),
                (_("Comment"), slot.comment),
            ]
        )
        if problem is None:
            kept_slots.append(slot)
        else:
            result.entry_errors[(slot.element, slot.period)] = problem
    kept_kpis = []
    for kpi in kpis:
        texts = [
            ("justification", _("Why does it not apply?"), kpi.justification),
            ("reason", _("Why do you change who may see it?"), kpi.reason),
            ("disclosure", _("Who may see the results of this KPI"), kpi.disclosure or ""),
        ]
        for field, label, text in texts:
            problem = _labelled_problem([(label, text)])
            if problem is not None:
                result.kpi_errors[kpi.kpi] = problem
                result.kpi_error_fields[kpi.kpi] = field
                break
        else:
            kept_kpis.append(kpi)
    kept_justifications = {}
    issues = {issue.key: issue for issue in page.state.issues}
    builder = PageBuilder(page.state, page.index)
    for key, text in justifications.items():
        problem = _labelled_problem([(_("Explain this warning"), text)])
        if problem is None:
            kept_justifications[key] = text
            continue
        result.refused_justifications[key] = text
        anchor = builder.anchor(issues[key]) if key in issues else None
        if anchor is not None:  # shown on the row that holds the explanation, below its first value
            first = (anchor, page.state.spec.elements[anchor].periods[0])
            result.entry_errors[first] = " ".join(filter(None, [result.entry_errors.get(first), problem]))
    return kept_slots, kept_kpis, kept_justifications
