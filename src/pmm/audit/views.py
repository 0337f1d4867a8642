from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from pmm.audit.labels import verb_label
from pmm.audit.selectors import audit_events_labelled, audit_events_list, audit_verbs
from pmm.authz import require


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "audit.view")
    verb, actor, target = (request.GET.get(k, "").strip() for k in ("verb", "actor", "target"))
    try:
        since = date.fromisoformat(request.GET["since"]) if request.GET.get("since") else None
    except ValueError:
        since = None
    events = audit_events_list(request.user, verb=verb, actor=actor, target=target, since=since)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/audit_list.html",
        {
            "page": page,
            "events": audit_events_labelled(page),
            "verbs": [(verb, verb_label(verb)) for verb in audit_verbs(request.user)],
            "query": query.urlencode(),
            "filters": {"verb": verb, "actor": actor, "target": target, "since": since},
        },
    )
