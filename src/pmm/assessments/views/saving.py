"""Saving what a dimension page (or one of its rows or KPI blocks) posts: the values, the KPI choices
and the explanations of warnings in one unit of work with the partial policy (valid entries saved,
the others kept with their message, one version swap for all), and what the page must tell about it
(`SaveResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from pmm.assessments import services
from pmm.assessments.forms import PostedKpi, PostedSlot
from pmm.assessments.messages import issue_text
from pmm.assessments.models import AssessmentStatus, Disclosure, ValueState
from pmm.assessments.selectors import editing_blocked
from pmm.assessments.views.common import Page, blocked_reason
from pmm.assessments.views.text_rule import set_aside_bad_text
from pmm.core.errors import ApplicationError, FieldProblem


@dataclass
class SaveResult:
    conflict: bool = False
    blocked: str = ""
    entry_errors: dict[tuple[str, str], str] = field(default_factory=dict)
    kpi_errors: dict[str, str] = field(default_factory=dict)
    kpi_error_fields: dict[str, str] = field(default_factory=dict)  # the field each KPI error is about
    saved: int = 0  # how many subjects (values, KPI choices, explanations) changed
    version: int | None = None  # the page's version from now on (None: keep the one it has)
    refused_justifications: dict[str, str] = field(default_factory=dict)  # as typed (pmm.core.text)

    @property
    def problems(self) -> bool:
        return bool(self.conflict or self.blocked or self.entry_errors or self.kpi_errors)


def save(
    page: Page,
    actor: Any,
    version: int | None,
    slots: list[PostedSlot],
    kpis: list[PostedKpi],
    justifications: dict[str, str],
) -> SaveResult:
    """Save what changed on a page (or one of its rows) in one write. A stale version saves nothing; a
    value or KPI choice that is not valid is not saved (the others are) and keeps its message."""
    result = SaveResult()
    assessment = page.assessment
    if version is None or version != assessment.version:
        return SaveResult(conflict=True)
    slots, kpis, justifications = set_aside_bad_text(page, slots, kpis, justifications, result)
    items = [
        services.ValueInput(
            slot.element,
            slot.period,
            slot.value,
            ValueState.NOT_AVAILABLE if slot.not_available else ValueState.REPORTED,
            slot.reason,
            slot.comment,
        )
        for slot in slots
    ]
    choices = [(kpi, changes) for kpi in kpis if (changes := _kpi_changes(page, kpi, result))]
    try:
        with services.assessment_write(
            actor, assessment, version, path="form", policy=services.Policy.PARTIAL, window=_window(page)
        ) as write:
            if items:
                write.values(items, read=page.state.values)
            for posted, changes in choices:
                reason = posted.reason if "disclosure" in changes else ""
                write.kpi(posted.kpi, reason=reason, **changes)
            if justifications:  # a warning the new values made disappear is left alone
                write.justify(justifications)
    except ApplicationError as error:
        if any(p.field == "version" for p in error.problems):
            result.conflict = True
        elif error.code == "conflict":
            assessment.refresh_from_db()
            result.blocked = blocked_reason(assessment, page.may_edit, page.deadline) or error.message
        else:
            raise
        return result
    outcome = write.outcome
    for subject, refusal in outcome.refused.items():
        if subject.startswith("kpi:"):
            _kpi_refused(result, subject.removeprefix("kpi:"), refusal.problems)
        else:  # after any refused explanation (text_rule)
            element, _at, period = subject.rpartition("@")
            texts = [result.entry_errors.get((element, period), ""), *(issue_text(i) for i in refusal.issues)]
            result.entry_errors[(element, period)] = " ".join(filter(None, texts))
    result.saved = len(outcome.saved)
    result.version = outcome.assessment.version
    return result


def _window(page: Page) -> services.Window:
    """The self-assessment's editing window, judged with the member's deadline the page has read."""
    return lambda assessment: editing_blocked(assessment, page.deadline)


def _kpi_changes(page: Page, posted: PostedKpi, result: SaveResult) -> dict[str, Any]:
    """What the posted KPI choice changes, compared with the page's state ({} when nothing, or when the
    posted level is not one offered: then its error is in `result`)."""
    state = page.state
    response = state.responses.get(posted.kpi)
    changes: dict[str, Any] = {}
    if posted.applicable != (posted.kpi not in state.not_applicable):
        changes["applicable"] = posted.applicable
    if posted.justification.strip() != (response.justification if response else ""):
        changes["justification"] = posted.justification
    if posted.disclosure is not None and posted.disclosure != state.disclosure(posted.kpi):
        if posted.disclosure not in Disclosure.values:
            result.kpi_errors[posted.kpi] = _("Choose one of the disclosure levels offered.")
            result.kpi_error_fields[posted.kpi] = "disclosure"
            return {}
        changes["disclosure"] = posted.disclosure
    return changes


def _kpi_refused(result: SaveResult, kpi: str, problems: list[FieldProblem]) -> None:
    """A KPI choice the write refused, told in the page's words next to the field it is about."""
    fields = {p.field for p in problems}
    messages = []
    if "justification" in fields:
        messages.append(
            _(
                "Explain why this KPI does not apply to your administration; the choice is saved once "
                "it is explained."
            )
        )
    if "reason" in fields:
        messages.append(
            _(
                "Say why you change who may see this KPI: its results have been published. The "
                "published figures keep the level they were published with; the new level applies "
                "from the next publication."
            )
        )
    result.kpi_errors[kpi] = " ".join(messages) or "; ".join(str(p) for p in problems)
    result.kpi_error_fields[kpi] = "justification" if "justification" in fields else "reason"


def disclosure_only(page: Page) -> bool:
    """A submitted assessment (or a closed cycle) keeps its data, but the NCP may change who may see
    each KPI at any time, also after publication (with a reason; docs/disclosure.md)."""
    return page.may_disclose and page.assessment.status != AssessmentStatus.NOT_STARTED


def only_disclosure(page: Page, choices: list[PostedKpi]) -> list[PostedKpi]:
    """The posted KPI choices reduced to their disclosure levels and reasons (the rest kept as stored)."""
    kept = []
    for choice in choices:
        if choice.disclosure is None:
            continue
        response = page.state.responses.get(choice.kpi)
        applicable = choice.kpi not in page.state.not_applicable
        justification = response.justification if response else ""
        kept.append(PostedKpi(choice.kpi, applicable, justification, choice.disclosure, choice.reason))
    return kept
