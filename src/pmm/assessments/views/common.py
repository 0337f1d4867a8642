"""What every assessment page starts from: the assessment as one visitor sees it (`Page`), what they
may do with it, why its data cannot change now, and the links between its pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from pmm.assessments.forms import DocIndex, doc_index
from pmm.assessments.models import Assessment, AssessmentStatus
from pmm.assessments.selectors import (
    AssessmentState,
    assessment_access,
    assessment_state,
    editing_blocked,
)
from pmm.assessments.services import PublishedLevels, published_levels
from pmm.assessments.workflow import ASSESSMENT_WORKFLOW
from pmm.authz import can
from pmm.core.errors import ApplicationError
from pmm.cycles.models import Cycle
from pmm.cycles.selectors import cycle_get, member_deadline
from pmm.members.models import Member


@dataclass
class Page:
    """An assessment as one visitor sees it: what they may do, and whether data may change now."""

    cycle: Cycle
    assessment: Assessment
    state: AssessmentState
    index: DocIndex
    deadline: date
    may_edit: bool
    may_submit: bool
    may_disclose: bool
    blocked: str  # why the data cannot be changed now ("" when it can)
    viewer: Any  # who reads the page: the workflow moves offered are theirs

    @property
    def editable(self) -> bool:
        return not self.blocked

    @property
    def member(self) -> Member:
        return self.assessment.member

    @property
    def may_reopen(self) -> bool:
        return ASSESSMENT_WORKFLOW.allows(self.viewer, self.assessment, "reopen")

    @cached_property
    def published(self) -> PublishedLevels:
        """The levels of the member's latest publication in the cycle (read when a page needs them)."""
        return published_levels(self.assessment)


def moved_since_read(error: ApplicationError) -> bool:
    """Whether a move was refused because the version its page posted is no longer the assessment's."""
    return any(problem.field == "version" for problem in error.problems)


def moved_text() -> str:
    """What a page says when a workflow move was refused because someone saved meanwhile."""
    return _(
        "Nothing was done: the self-assessment changed since this page was opened. Check it as it is now, "
        "then try again."
    )


def blocked_reason(assessment: Assessment, may_edit: bool, deadline: date) -> str:
    if not may_edit:
        return _("You can read this self-assessment but not change it.")
    if assessment.status == AssessmentStatus.NOT_STARTED:
        return _("This self-assessment has not started yet.")
    return editing_blocked(assessment, deadline)


def load_page(request: HttpRequest, cycle_id: int, iso3: str) -> Page:
    cycle = cycle_get(cycle_id)
    assessment = assessment_access(request.user, cycle, iso3)
    state = assessment_state(assessment, request.user)
    member = assessment.member
    may_edit = can(request.user, "assessment.edit", member)
    deadline = member_deadline(cycle, member.pk)
    return Page(
        cycle=cycle,
        assessment=assessment,
        state=state,
        index=doc_index(cycle.framework.document, state.spec),
        deadline=deadline,
        may_edit=may_edit,
        may_submit=can(request.user, "assessment.submit", member),
        may_disclose=can(request.user, "assessment.set_disclosure", member),
        blocked=blocked_reason(assessment, may_edit, deadline),
        viewer=request.user,
    )


def may_start(page: Page) -> bool:
    return ASSESSMENT_WORKFLOW.allows(page.viewer, page.assessment, "start")


def page_urls(page: Page) -> dict[str, Any]:
    args = [page.cycle.pk, page.member.iso3]
    return {
        "overview": reverse("assessments:assessment_detail", args=args),
        "history": reverse("assessments:history_list", args=args),
        "dimensions": {
            code: reverse("assessments:dimension_edit", args=[*args, code])
            for code in page.state.spec.dimensions
        },
    }


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
