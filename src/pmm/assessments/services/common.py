"""What every assessment write shares: the editing window, the version swap, the history."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils import timezone

from pmm.assessments.models import (
    Assessment,
    Change,
)
from pmm.assessments.selectors import editing_blocked
from pmm.core.errors import ApplicationError, FieldProblem


@dataclass(frozen=True)
class ValueInput:
    element: str
    period: str
    value: Any = None
    state: str = "reported"
    reason: str = ""
    comment: str | None = None  # None: leave the comment as it is


def acting_user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# Why an assessment's data cannot change now, in the reader's language ("" when it can).
Window = Callable[[Assessment], str]


def editing_window(assessment: Assessment) -> str:
    """The editing window of the self-assessment: closed once it is submitted, or while the cycle does
    not accept the member's data (not open yet, closed, past the member's deadline)."""
    return editing_blocked(assessment)


def require_editable(assessment: Assessment, *, window: Window = editing_window) -> None:
    """Refuse writes outside the editing window. `window`: the window the write belongs to, by default
    the self-assessment's; the reviews pass the window of a member's correction answering a peer
    review query (the self-assessment stays submitted and the cycle may be closed)."""
    reason = window(assessment)
    if reason:
        raise ApplicationError(reason, code="conflict")


def bump_version(assessment: Assessment, expected: int | None) -> None:
    """Compare-and-swap the version: exactly one writer holding `expected` wins."""
    now = timezone.now()
    rows = Assessment.objects.filter(pk=assessment.pk)
    if expected is not None:
        rows = rows.filter(version=expected)
    if rows.update(version=F("version") + 1, last_activity_at=now) != 1:
        current = Assessment.objects.values_list("version", flat=True).get(pk=assessment.pk)
        raise stale_version(expected, current)
    assessment.refresh_from_db(fields=["version", "last_activity_at"])


def require_version(assessment: Assessment, expected: int | None) -> None:
    """Refuse a stale `expected` version without moving the version (for writes that change nothing)."""
    if expected is None:
        return
    current = Assessment.objects.values_list("version", flat=True).get(pk=assessment.pk)
    if current != expected:
        raise stale_version(expected, current)


def stale_version(expected: int | None, current: int) -> ApplicationError:
    """The 409 of a writer whose version is no longer the assessment's."""
    return ApplicationError(
        f"Someone else changed this assessment meanwhile (you had version {expected}, "
        f"it is now {current}). Reload it and apply your changes again.",
        code="conflict",
        problems=[FieldProblem("version", f"stale: {expected}, current {current}")],
    )


def history_entries(
    assessment: Assessment,
    subject: str,
    diffs: Mapping[str, tuple[Any, Any]],
    *,
    actor: Any,
    path: str,
    reason: str = "",
) -> list[Change]:
    """One history row per changed field: {field: (old, new)}."""
    return [
        Change(
            assessment=assessment,
            subject=subject,
            field=field,
            old=old,
            new=new,
            path=path,
            reason=reason,
            changed_by=acting_user(actor),
        )
        for field, (old, new) in diffs.items()
    ]


def history_record(
    assessment: Assessment,
    subject: str,
    diffs: Mapping[str, tuple[Any, Any]],
    *,
    actor: Any,
    path: str,
    reason: str = "",
) -> None:
    Change.objects.bulk_create(
        history_entries(assessment, subject, diffs, actor=actor, path=path, reason=reason)
    )
