"""The explanations step of a unit of work (`AssessmentWrite.justify`): explain validation warnings.

The one rule for the form, the workbook and the API: a text is saved only for a warning that arises
from the values stored now (this unit's values included, read once) and only when it changed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

from pmm.assessments.models import WarningJustification
from pmm.assessments.selectors import assessment_state
from pmm.assessments.services.common import acting_user

if TYPE_CHECKING:
    from pmm.assessments.services.unit_of_work import AssessmentWrite

VERB = "assessment.warning_explained"


class Explained(NamedTuple):
    """What the step did: the warnings whose explanation changed, and those given that no longer
    arise from the values stored (nothing is saved for them)."""

    saved: list[str]
    not_raised: list[str]


def write_justifications(w: AssessmentWrite, texts: Mapping[str, str]) -> Explained:
    """Save each changed explanation, {issue key: text} (an empty text removes the explanation)."""
    w.require_window()
    state = assessment_state(w.assessment, w.actor)
    raised = {i.key for i in state.issues if i.needs_justification}
    done = Explained([], [])
    for issue_key, given in texts.items():
        if issue_key not in raised:
            done.not_raised.append(issue_key)
            continue
        existing = state.justifications.get(issue_key)
        old = existing.text if existing else ""
        text = given.strip()
        if old == text:
            continue
        w.claim(data=True)
        if text:
            WarningJustification.objects.unrestricted().update_or_create(
                assessment=w.assessment,
                issue_key=issue_key,
                defaults={"text": text, "updated_by": acting_user(w.actor)},
            )
        elif existing:
            existing.delete()
        w.record(f"issue:{issue_key}", {"justification": (old, text)}, verb=VERB)
        done.saved.append(issue_key)
    return done
