"""The terms of a unit of work on an assessment (`unit_of_work.assessment_write`): the policy a caller
chooses, and what it hears back."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from django.db import models

from pmm.assessments.models import Assessment
from pmm.assessments.validation import Issue
from pmm.core.errors import FieldProblem


class Policy(StrEnum):
    """How a unit of work treats the items it cannot save."""

    STRICT = "strict"  # the API: any item refused refuses the whole write at once (422)
    PARTIAL = "partial"  # the form: refused items are reported, the others saved
    MERGE = "merge"  # the workbook: see `assessment_write`


@dataclass(frozen=True)
class Refusal:
    """Why an item was not saved: its problems, each naming the input as the caller gave it
    (`values[2].value`, `justification`), and for a value the validation issues (translated at the edge)."""

    problems: list[FieldProblem]
    issues: list[Issue] = field(default_factory=list)


@dataclass(frozen=True)
class WriteOutcome:
    """What a unit of work did. Subjects are those of the history: `DECL_TOTAL@T`, `kpi:D1.O1.K1`,
    `issue:jump:AEO_COUNT`, `evidence:D1.O1.K1`."""

    assessment: Assessment  # at its version after the write
    saved: list[str]
    refused: dict[str, Refusal]
    conflicting: dict[str, list[FieldProblem]]


class FileChange(NamedTuple):
    """An evidence file attached (`before` None) or withdrawn (`after` None), as `AssessmentWrite.evidence`
    records it: the row written, its facts before and after, its audit verb and label."""

    target: models.Model
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    verb: str
    label: str
