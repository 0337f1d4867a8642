"""Saving values and explaining warnings: the services the API, the CLI, the demo and the reviews call,
each one unit of work (`unit_of_work.assessment_write`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pmm.assessments.models import Assessment
from pmm.assessments.services.common import ValueInput, Window, editing_window
from pmm.assessments.services.justification_writes import Explained
from pmm.assessments.services.unit_of_work import assessment_write
from pmm.core.errors import ApplicationError, FieldProblem


def values_save(
    *,
    actor: Any,
    assessment: Assessment,
    version: int | None,
    items: Sequence[ValueInput],
    path: str,
    reason: str = "",
    window: Window = editing_window,
) -> Assessment:
    """Save a batch of values atomically. Any invalid item refuses the whole batch, naming each item.

    A batch that changes nothing (empty, or every item as stored) is a no-op: the version stays, nothing
    is audited and the assessment is returned as it is, so that it makes no colleague's version stale
    (a stale `version` still gets 409)."""
    with assessment_write(actor, assessment, version, path=path, reason=reason, window=window) as w:
        w.values(items)
    return w.assessment


def justifications_save(
    *,
    actor: Any,
    assessment: Assessment,
    texts: Mapping[str, str],
    path: str = "form",
    version: int | None = None,
    window: Window = editing_window,
) -> Explained:
    """Explain validation warnings, {issue key: text} (an empty text removes the explanation), in one
    write: a text is saved only for a warning that arises from the values stored now, and only when it
    changed (`justification_writes`). `version`: the version the writer read (None: not checked)."""
    with assessment_write(actor, assessment, version, path=path, window=window) as w:
        return w.justify(texts)


def justification_save(
    *,
    actor: Any,
    assessment: Assessment,
    issue_key: str,
    text: str,
    path: str = "form",
    version: int | None = None,
    window: Window = editing_window,
) -> Assessment:
    """Explain one validation warning (`justifications_save`); refused when no such warning arises.
    Return the assessment at its version after the write."""
    with assessment_write(actor, assessment, version, path=path, window=window) as w:
        done = w.justify({issue_key: text})
        if done.not_raised:
            raise ApplicationError(
                "There is no such warning to explain.",
                code="invalid_values",
                problems=[FieldProblem("issue", f"no current warning {issue_key}")],
            )
    return w.assessment
