"""What is due: the open cycles' assessments of the members the visitor works for, and the peer-review
queries waiting for their answers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from pmm.assessments.peer_reviews import member_review_work
from pmm.assessments.selectors import due_items
from pmm.authz import acting_for, require


@login_required
def due_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "cycle.view")
    return render(
        request,
        "assessments/due_list.html",
        {
            "items": due_items(request.user),
            "reviews": member_review_work(request.user),
            "works_for_member": bool(acting_for(request.user)),
        },
    )
