"""The data entry page of one dimension, saved whole by a plain form post, and its autosaves (one row,
or one KPI's choices, at a time with htmx) with the fragments they swap in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from pmm.assessments.forms import (
    PageBuilder,
    PostedKpi,
    PostedSlot,
    dimension_completeness,
    posted_justifications,
    posted_kpis,
    posted_slots,
    posted_version,
)
from pmm.assessments.models import AssessmentStatus, Disclosure
from pmm.assessments.selectors import assessment_state, value_history_counts
from pmm.assessments.validation import Completeness
from pmm.assessments.views.common import Page, is_htmx, load_page, may_start, page_urls
from pmm.assessments.views.outcome_sections import outcome_sections
from pmm.assessments.views.saving import SaveResult, disclosure_only, only_disclosure, save
from pmm.authz import require
from pmm.core.errors import NotFound
from pmm.core.translated import pick


def _dimension_context(
    request: HttpRequest, page: Page, dimension: str, builder: PageBuilder, *, unfold_all: bool = False
) -> dict[str, Any]:
    """The dimension page's context; every outcome unfolded with `unfold_all` (a refused save: its
    problems show) or when only what needs attention is shown."""
    only_attention = request.GET.get("missing") == "1"
    state = page.state
    urls = page_urls(page)
    view = builder.dimension(dimension, only_attention=only_attention)
    return {
        "page": page,
        "a": page.assessment,
        "cycle": page.cycle,
        "member": page.member,
        "state": state,
        "status_label": AssessmentStatus(page.assessment.status).label,
        "view": view,
        "sections": outcome_sections(view.outcomes, unfold_all=unfold_all or only_attention),
        "toc": _outcome_toc(page, dimension),
        "only_attention": only_attention,
        "nav": _dimension_nav(page, dimension),
        "urls": urls,
        "here": urls["dimensions"][dimension],
        "version": page.assessment.version,
        **_entry_context(page, dimension),
        "may_start": may_start(page),
    }


DISCLOSURE_CHOICES = [
    (Disclosure.PUBLIC, gettext_lazy("Public: anyone, on the public website")),
    (Disclosure.WCO, gettext_lazy("WCO: the NCPs and peer reviewers of all WCO members")),
    (Disclosure.UNION, gettext_lazy("Union: the administrations of your customs or economic unions")),
    (Disclosure.COUNTRY, gettext_lazy("Country: your administration only (and the WCO Secretariat)")),
]


def _entry_context(page: Page, dimension: str) -> dict[str, Any]:
    """What the row and KPI partials need, on the page and in autosave answers alike."""
    return {
        "cycle": page.cycle,
        "member": page.member,
        "dimension": dimension,
        "editable": page.editable,
        "disclosure_editable": disclosure_only(page),
        "disclosure_choices": DISCLOSURE_CHOICES,
        "conflict_text": _conflict_text(),
        "urls": page_urls(page),
        "here": _dimension_url(page, dimension),
    }


def _outcome_toc(page: Page, dimension: str) -> list[dict[str, Any]]:
    """The outcomes of the dimension with their completeness: the page's table of contents (swapped
    in again by each autosave, so that its figures follow the entries)."""
    spec, state = page.state.spec, page.state
    return [
        {
            "code": code,
            "name": pick(spec.outcomes[code].name),
            "completeness": state.per_outcome.get(code, Completeness(0, 0)),
        }
        for code in spec.dimensions[dimension].outcomes
    ]


def _dimension_nav(page: Page, current: str) -> list[dict[str, Any]]:
    urls = page_urls(page)
    return [
        {
            "code": code,
            "name": d.name,
            "url": urls["dimensions"][code],
            "current": code == current,
            "completeness": dimension_completeness(page.state, code),
        }
        for code, d in page.state.spec.dimensions.items()
    ]


def _dimension_page(request: HttpRequest, cycle_id: int, iso3: str, dimension: str) -> Page:
    page = load_page(request, cycle_id, iso3)
    if dimension not in page.state.spec.dimensions:
        raise NotFound(f"No dimension {dimension}.")
    return page


def _dimension_url(page: Page, dimension: str) -> str:
    return reverse("assessments:dimension_edit", args=[page.cycle.pk, page.member.iso3, dimension])


@login_required
def dimension_edit(request: HttpRequest, cycle_id: int, iso3: str, dimension: str) -> HttpResponse:
    page = _dimension_page(request, cycle_id, iso3, dimension)
    here = _dimension_url(page, dimension)
    counts = value_history_counts(page.assessment, request.user)
    if request.method != "POST":
        builder = PageBuilder(page.state, page.index, history_counts=counts, published=page.published)
        return render(
            request, "assessments/dimension_edit.html", _dimension_context(request, page, dimension, builder)
        )
    require(request.user, "assessment.edit", page.assessment)
    spec = page.state.spec
    kpis = [k for o in spec.dimensions[dimension].outcomes for k in spec.outcomes[o].kpis]
    choices = posted_kpis(request.POST, kpis, page.may_disclose)
    if page.blocked:
        choices = only_disclosure(page, choices) if disclosure_only(page) else []
        if not choices:
            messages.error(request, page.blocked)
            return redirect(here)
        slots, explained = [], {}
    else:
        elements = PageBuilder(page.state, page.index).page_elements(dimension)
        slots = posted_slots(request.POST, spec, elements)
        explained = posted_justifications(request.POST)
    result = save(page, request.user, posted_version(request.POST), slots, choices, explained)
    query = "?missing=1" if request.GET.get("missing") == "1" else ""
    if not result.problems:
        messages.success(
            request, _("Your changes were saved.") if result.saved else _("There was nothing new to save.")
        )
        return redirect(here + query)
    # Show the page again with what was typed, so that nothing is lost.
    page.state = assessment_state(page.assessment, request.user)
    keep = result.conflict or result.blocked
    builder = PageBuilder(
        page.state,
        page.index,
        typed={
            (s.element, s.period): s for s in slots if keep or (s.element, s.period) in result.entry_errors
        },
        entry_errors=result.entry_errors,
        typed_kpis={k.kpi: k for k in choices if keep or k.kpi in result.kpi_errors},
        kpi_errors=result.kpi_errors,
        typed_justifications=explained if keep else result.refused_justifications,
        history_counts=value_history_counts(page.assessment, request.user),
        published=page.published,
        kpi_error_fields=result.kpi_error_fields,
    )
    context = _dimension_context(request, page, dimension, builder, unfold_all=True)  # the problems show
    context["version"] = result.version if result.version is not None else posted_version(request.POST)
    count = len(result.entry_errors) + len(result.kpi_errors)
    if result.conflict:
        context["problem"] = _conflict_text()
    elif result.blocked:
        context["problem"] = result.blocked
    else:
        context["problem"] = ngettext(
            "%(n)d entry could not be saved; your other changes were saved:",
            "%(n)d entries could not be saved; your other changes were saved:",
            count,
        ) % {"n": count}
    context["problem_links"] = [
        (message, f"#f-{element}-{period}-value")
        for (element, period), message in result.entry_errors.items()
    ] + [
        (message, f"#kpi-{kpi}-{result.kpi_error_fields.get(kpi, 'justification')}")
        for kpi, message in result.kpi_errors.items()
    ]
    return render(
        request,
        "assessments/dimension_edit.html",
        context,
        status=409 if result.conflict else 200,
    )


def _autosave_response(
    request: HttpRequest,
    page: Page,
    dimension: str,
    result: SaveResult,
    *,
    element: str | None = None,
    kpi: str | None = None,
    slots: list[PostedSlot] | None = None,
    choice: PostedKpi | None = None,
) -> HttpResponse:
    """The fragments an autosave swaps in (all out of band): the messages of the rows concerned,
    the KPI's messages, the version, the completeness bars and the status line."""
    page.state = assessment_state(page.assessment, request.user)
    slots = slots or []
    keep = {(s.element, s.period): s for s in slots if (s.element, s.period) in result.entry_errors}
    builder = PageBuilder(
        page.state,
        page.index,
        typed=keep,
        entry_errors=result.entry_errors,
        typed_kpis={choice.kpi: choice} if choice and (result.kpi_errors or result.conflict) else {},
        kpi_errors=result.kpi_errors,
        typed_justifications=result.refused_justifications,
        history_counts=value_history_counts(page.assessment, request.user),
        published=page.published,
        kpi_error_fields=result.kpi_error_fields,
    )
    on_page = builder.page_elements(dimension)
    related: list[str] = []
    if element:
        partners = {e for r in page.state.spec.rules if element in r.elements for e in r.elements}
        related = [element] + [c for c in on_page if c in partners and c != element]
    if kpi:
        related += [c for c in builder.kpi_elements(kpi) if c in on_page and c not in related]
    rows = [builder.row(c) for c in related]
    if result.conflict:
        label, text = _("Not saved"), _conflict_text()
    elif result.blocked:
        label, text = _("Not saved"), result.blocked
    elif result.entry_errors or result.kpi_errors:
        label, text = _("Not saved"), " ".join([*result.entry_errors.values(), *result.kpi_errors.values()])
    else:
        label, text = (_("Saved"), "") if result.saved else (_("No change"), "")
    spec = page.state.spec
    subject = pick(spec.elements[element].name if element else spec.kpis[kpi or ""].name)
    context = {
        **_entry_context(page, dimension),
        "page": page,
        "a": page.assessment,
        "rows": rows,
        "focus_row": element,
        "kpi": builder.kpi(kpi) if kpi else None,
        "conflict": result.conflict,
        "blocked": result.blocked,
        "version": result.version,
        "outcomes": [
            (o, page.state.per_outcome.get(o)) for o in page.state.spec.dimensions[dimension].outcomes
        ],
        "overall": page.state.overall,
        "nav": _dimension_nav(page, dimension),
        "toc": _outcome_toc(page, dimension),
        "status_label": label,
        "status_text": text,
        "status_subject": subject,
        "status_problem": bool(result.conflict or result.blocked or result.entry_errors or result.kpi_errors),
        "now": timezone.localtime(),
    }
    return render(request, "assessments/partials/_autosave_response.html", context)


@login_required
@require_POST
def row_save(request: HttpRequest, cycle_id: int, iso3: str, dimension: str, element: str) -> HttpResponse:
    """Autosave of one element's values (and the explanations of its warnings)."""
    page = _dimension_page(request, cycle_id, iso3, dimension)
    require(request.user, "assessment.edit", page.assessment)
    if element not in PageBuilder(page.state, page.index).page_elements(dimension):
        raise NotFound(f"No data element {element} on this page.")
    here = _dimension_url(page, dimension)
    if not is_htmx(request):
        return redirect(f"{here}#row-{element}")
    slots = posted_slots(request.POST, page.state.spec, [element])
    if page.blocked:
        return _autosave_response(
            request, page, dimension, SaveResult(blocked=page.blocked), element=element, slots=slots
        )
    result = save(
        page, request.user, posted_version(request.POST), slots, [], posted_justifications(request.POST)
    )
    return _autosave_response(request, page, dimension, result, element=element, slots=slots)


@login_required
@require_POST
def kpi_save(request: HttpRequest, cycle_id: int, iso3: str, dimension: str, kpi: str) -> HttpResponse:
    """Autosave of one KPI's applicability, justification and (NCP) disclosure level."""
    page = _dimension_page(request, cycle_id, iso3, dimension)
    require(request.user, "assessment.edit", page.assessment)
    spec = page.state.spec
    if kpi not in spec.kpis or spec.kpis[kpi].dimension != dimension:
        raise NotFound(f"No KPI {kpi} on this page.")
    here = _dimension_url(page, dimension)
    if not is_htmx(request):
        return redirect(f"{here}#kpi-{kpi}")
    choices = posted_kpis(request.POST, [kpi], page.may_disclose)
    choice = choices[0] if choices else None
    if page.blocked and disclosure_only(page):
        choices = only_disclosure(page, choices)
    if page.blocked and not choices:
        result = SaveResult(blocked=page.blocked)
    else:
        result = save(page, request.user, posted_version(request.POST), [], choices, {})
    return _autosave_response(request, page, dimension, result, kpi=kpi, choice=choice)


def _conflict_text() -> str:
    return _(
        "Not saved: someone else changed this self-assessment meanwhile. Your entries are still in the "
        "fields: note them, reload the page to see the other changes, then enter yours again."
    )
