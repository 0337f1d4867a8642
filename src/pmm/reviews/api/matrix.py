"""Peer review API: the comment-response matrix of a review as an Excel workbook."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from pmm.core.api import ERROR_RESPONSES, actor_of
from pmm.core.openapi import file_answer
from pmm.reviews.api.reviews import ONE, review_of
from pmm.reviews.matrix import CONTENT_TYPE, matrix_file, review_matrix

router = Router(tags=["peer review"])


@router.get(
    ONE + "/matrix.xlsx",
    response=ERROR_RESPONSES,
    summary="The comment-response matrix (.xlsx): every query you may see, its thread and its outcome",
    openapi_extra=file_answer("The workbook", CONTENT_TYPE),
)
def review_matrix_xlsx_download(request: HttpRequest, cycle: int, iso3: str) -> HttpResponse:
    actor = actor_of(request)
    return matrix_file(review_matrix(actor, review_of(actor, cycle, iso3)))
