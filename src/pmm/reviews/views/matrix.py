"""The comment-response matrix of a peer review as a printable page and as an Excel download. Whoever
may see the review sees its matrix, as `review_queries` shows it to them; others get 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from pmm.reviews import matrix
from pmm.reviews.selectors import review_located


@login_required
def review_matrix(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    assessment, review = review_located(request.user, cycle_id, iso3)
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
    _assessment, review = review_located(request.user, cycle_id, iso3)
    return matrix.matrix_file(matrix.review_matrix(request.user, review))
