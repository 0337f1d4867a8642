"""The comment-response matrix of a peer review as a printable page and as an Excel download. Whoever
may see the review sees its matrix, as `review_queries` shows it to them; others get 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from pmm.assessments.models import Assessment
from pmm.assessments.selectors import assessment_access
from pmm.core.errors import NotFound
from pmm.cycles.selectors import cycle_get
from pmm.reviews import matrix
from pmm.reviews.models import Review
from pmm.reviews.selectors import review_current


def _load(request: HttpRequest, cycle_id: int, iso3: str) -> tuple[Assessment, Review]:
    """The assessment and its latest review; 404 for whoever may not see the review."""
    assessment = assessment_access(request.user, cycle_get(cycle_id), iso3)
    review = review_current(request.user, assessment)
    if review is None:
        raise NotFound("No peer review of this self-assessment.")
    return assessment, review


@login_required
def review_matrix(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    assessment, review = _load(request, cycle_id, iso3)
    member = assessment.member
    return render(
        request,
        "reviews/review_matrix.html",
        {
            "a": assessment,
            "cycle": assessment.cycle,
            "member": member,
            "review": review,
            "matrix": matrix.review_matrix(request.user, review),
            "review_url": reverse("reviews:review_detail", args=[assessment.cycle_id, member.iso3]),
            "xlsx_url": reverse("reviews:review_matrix_xlsx", args=[assessment.cycle_id, member.iso3]),
        },
    )


@login_required
def review_matrix_xlsx(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    _assessment, review = _load(request, cycle_id, iso3)
    return matrix.matrix_file(matrix.review_matrix(request.user, review))
