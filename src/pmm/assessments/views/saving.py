"""Saving what a dimension page (or one of its rows or KPI blocks) posts: the values through
`values_save_valid` (valid ones saved, invalid ones kept with their message), then the KPI choices
and the explanations of warnings, and what the page must tell about it (`SaveResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from pmm.assessments import services
from pmm.assessments.forms import PostedKpi, PostedSlot
from pmm.assessments.messages import issue_text
from pmm.assessments.models import AssessmentStatus, Disclosure, ValueState
from pmm.assessments.views.common import Page, blocked_reason
from pmm.assessments.views.text_rule import set_aside_bad_text
from pmm.core.errors import ApplicationError


@dataclass
class SaveResult:
    conflict: bool = False
    blocked: str = ""
    entry_errors: dict[tuple[str, str], str] = field(default_factory=dict)
    kpi_errors: dict[str, str] = field(default_factory=dict)
    kpi_error_fields: dict[str, str] = field(default_factory=dict)  # the field each KPI error is about
    saved: int = 0  # how many writes were made
    version: int | None = None  # the page's version from now on (None: keep the one it has)
    concurrent: bool = False  # someone else wrote between our writes
    refused_justifications: dict[str, str] = field(default_factory=dict)  # as typed (pmm.core.text)

    @property
    def problems(self) -> bool:
        return bool(self.conflict or self.blocked or self.entry_errors or self.kpi_errors or self.concurrent)


def save(
    page: Page,
    actor: Any,
    version: int | None,
    slots: list[PostedSlot],
    kpis: list[PostedKpi],
    justifications: dict[str, str],
) -> SaveResult:
    """Save what changed on a page (or one of its rows). A stale version saves nothing; a value that
    is not valid is not saved (the others are) and keeps its message."""
    result = SaveResult()
    assessment, state = page.assessment, page.state
    if version != assessment.version:
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
    try:
        if items:
            outcome = services.values_save_valid(
                actor=actor,
                assessment=assessment,
                version=version,
                items=items,
                path="form",
                stored=state.values,
            )
            for key, issues in outcome.refused.items():  # after any refused explanation (text_rule)
                texts = [result.entry_errors.get(key, ""), *(issue_text(i) for i in issues)]
                result.entry_errors[key] = " ".join(filter(None, texts))
            result.saved += 1 if outcome.saved else 0
        for kpi in kpis:
            _save_kpi(page, actor, kpi, result)
        if justifications:  # a warning the new values made disappear is left alone
            explained = services.justifications_save(actor=actor, assessment=assessment, texts=justifications)
            result.saved += len(explained.saved)
    except ApplicationError as error:
        if any(p.field == "version" for p in error.problems):
            result.conflict = True
        elif error.code == "conflict":
            assessment.refresh_from_db()
            result.blocked = blocked_reason(assessment, page.may_edit, page.deadline) or error.message
        else:
            raise
    assessment.refresh_from_db(fields=["version", "status", "last_activity_at"])
    if not result.conflict and not result.blocked:
        if assessment.version == version + result.saved:
            result.version = assessment.version
        else:
            result.concurrent = True
    return result


def _save_kpi(page: Page, actor: Any, posted: PostedKpi, result: SaveResult) -> None:
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
            return
        changes["disclosure"] = posted.disclosure
    if not changes:
        return
    try:
        services.kpi_update(
            actor=actor,
            assessment=page.assessment,
            kpi_code=posted.kpi,
            path="form",
            reason=posted.reason if "disclosure" in changes else "",
            **changes,
        )
    except ApplicationError as error:
        if error.code != "invalid_values":
            raise
        fields = {p.field for p in error.problems}
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
        result.kpi_errors[posted.kpi] = " ".join(messages) or error.message
        result.kpi_error_fields[posted.kpi] = "justification" if "justification" in fields else "reason"
    else:
        result.saved += 1


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
