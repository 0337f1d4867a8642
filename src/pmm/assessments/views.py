"""Pages of a member's self-assessment: what is due, the overview with its data-quality summary and
workflow buttons, the data entry page of each dimension (autosaved row by row with htmx, or saved
whole by a plain form post), and the history of each value.

Every write goes through the services (`values_save`, `kpi_update`, `justification_save`,
`assessment_start`, `assessment_submit`, `assessment_reopen`); the messages shown for validation
problems are `issue_text`, the ones the API gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from pmm.accounts.roles import Role
from pmm.assessments import services
from pmm.assessments.forms import (
    DocIndex,
    IssueView,
    PageBuilder,
    PostedKpi,
    PostedSlot,
    ReopenForm,
    dimension_completeness,
    display_value,
    doc_index,
    posted_justifications,
    posted_kpis,
    posted_slots,
    posted_version,
)
from pmm.assessments.messages import issue_text
from pmm.assessments.models import Assessment, AssessmentStatus, Disclosure, ValueState
from pmm.assessments.selectors import (
    AssessmentState,
    assessment_access,
    assessment_state,
    cycle_spec,
    value_history,
)
from pmm.assessments.spec import FrameworkSpec
from pmm.assessments.validation import check_entry
from pmm.authz import can, require, roles_of
from pmm.core.errors import ApplicationError, NotFound
from pmm.core.translated import pick
from pmm.cycles.models import Cycle, CycleStatus
from pmm.cycles.selectors import accepting_data, cycle_get, cycles_list, member_deadline
from pmm.members.models import Member

# --- loading -----------------------------------------------------------------------------------


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
    may_reopen: bool
    blocked: str  # why the data cannot be changed now ("" when it can)

    @property
    def editable(self) -> bool:
        return not self.blocked

    @property
    def member(self) -> Member:
        return self.assessment.member


def _blocked_reason(assessment: Assessment, may_edit: bool, deadline: date) -> str:
    if not may_edit:
        return _("You can read this self-assessment but not change it.")
    if assessment.status == AssessmentStatus.NOT_STARTED:
        return _("This self-assessment has not started yet.")
    if assessment.status == AssessmentStatus.SUBMITTED:
        return _(
            "This self-assessment has been submitted. If something must change, ask the WCO Secretariat "
            "to reopen it."
        )
    return _closed_reason(assessment.cycle, assessment.member_id, deadline)


def _closed_reason(cycle: Cycle, member_id: int, deadline: date) -> str:
    """Why the cycle accepts no data from this member now, in the reader's language ("" if it does)."""
    open_now, _why = accepting_data(cycle, member_id)
    if open_now:
        return ""
    if cycle.status == CycleStatus.PLANNED:
        return _("The cycle has not opened yet: data can be entered once the WCO Secretariat opens it.")
    if cycle.status != CycleStatus.OPEN:
        return _("Data cannot be changed: the cycle is %(status)s.") % {
            "status": cycle.get_status_display().lower()
        }
    if timezone.localdate() < cycle.opens_on:
        return _("Data can be entered from %(date)s, when the cycle opens.") % {"date": _date(cycle.opens_on)}
    return _("The deadline was %(date)s. Ask the WCO Secretariat for an extension to change the data.") % {
        "date": _date(deadline)
    }


def _date(value: date) -> str:
    return date_format(value, "DATE_FORMAT")


def _page(request: HttpRequest, cycle_id: int, iso3: str) -> Page:
    cycle = cycle_get(cycle_id)
    assessment = assessment_access(request.user, cycle, iso3)
    state = assessment_state(assessment)
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
        may_reopen=can(request.user, "assessment.reopen", member),
        blocked=_blocked_reason(assessment, may_edit, deadline),
    )


def _may_start(page: Page) -> bool:
    return (
        page.assessment.status == AssessmentStatus.NOT_STARTED
        and page.may_edit
        and not _closed_reason(page.cycle, page.member.pk, page.deadline)
    )


def _history_counts(assessment: Assessment) -> dict[str, int]:
    if not assessment.pk:
        return {}
    counts = value_history(assessment).order_by().values("subject").annotate(n=Count("id"))
    return {row["subject"]: row["n"] for row in counts}


def _urls(page: Page) -> dict[str, Any]:
    args = [page.cycle.pk, page.member.iso3]
    return {
        "overview": reverse("assessments:assessment_detail", args=args),
        "history": reverse("assessments:history_list", args=args),
        "dimensions": {
            code: reverse("assessments:dimension_edit", args=[*args, code])
            for code in page.state.spec.dimensions
        },
    }


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- what is due ---------------------------------------------------------------------------------


@dataclass
class DueItem:
    cycle: Cycle
    member: Member
    status: str
    status_label: str
    percent: int
    blocking: int
    deadline: date
    reopened_reason: str
    blocked: str
    url: str

    @property
    def days_left(self) -> int:
        return (self.deadline - timezone.localdate()).days


def due_items(user: Any) -> list[DueItem]:
    """The open cycles' assessments of the members the user works for (NCPs and contributors)."""
    member_ids = {m for role, m in roles_of(user) if role in (Role.NCP, Role.CONTRIBUTOR) and m}
    if not member_ids:
        return []
    cycles = list(cycles_list().filter(status=CycleStatus.OPEN))
    members = sorted(Member.objects.filter(pk__in=member_ids), key=lambda m: m.display_name)
    items = []
    for cycle in cycles:
        for member in members:
            assessment = assessment_access(user, cycle, member.iso3)
            state = assessment_state(assessment)
            deadline = member_deadline(cycle, member.pk)
            items.append(
                DueItem(
                    cycle=cycle,
                    member=member,
                    status=assessment.status,
                    status_label=str(AssessmentStatus(assessment.status).label),
                    percent=state.overall.percent,
                    blocking=len(state.blocking),
                    deadline=deadline,
                    reopened_reason=assessment.reopened_reason,
                    blocked=_closed_reason(cycle, member.pk, deadline),
                    url=reverse("assessments:assessment_detail", args=[cycle.pk, member.iso3]),
                )
            )
    return items


@login_required
def due_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "cycle.view")
    return render(
        request,
        "assessments/due_list.html",
        {
            "items": due_items(request.user),
            "works_for_member": any(r in (Role.NCP, Role.CONTRIBUTOR) for r, _m in roles_of(request.user)),
        },
    )


# --- overview ------------------------------------------------------------------------------------


def _issue_views(page: Page, builder: PageBuilder) -> list[dict[str, Any]]:
    urls = _urls(page)
    found = []
    for issue in page.state.issues:
        anchor = builder.anchor(issue)
        home = page.index.homes.get(anchor or "", ("",))[0]
        link = f"{urls['dimensions'][home]}#row-{anchor}" if home in urls["dimensions"] else ""
        justification = page.state.justifications.get(issue.key)
        found.append(
            {
                "issue": IssueView(
                    issue.key,
                    issue.severity,
                    issue.kind,
                    issue_text(issue),
                    issue.element,
                    justification.text if justification else "",
                ),
                "link": link,
                "element": anchor,
            }
        )
    return found


def _render_overview(
    request: HttpRequest,
    page: Page,
    *,
    reopen_form: ReopenForm | None = None,
    submit_problems: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    state = page.state
    builder = PageBuilder(state, page.index)
    issues = _issue_views(page, builder)
    errors = [i for i in issues if i["issue"].severity == "error" and i["issue"].kind != "missing"]
    missing = [i for i in issues if i["issue"].kind == "missing"]
    warnings = [i for i in issues if i["issue"].severity == "warning"]
    unexplained = [i for i in warnings if not i["issue"].justification]
    urls = _urls(page)
    dimensions = [
        {
            "code": code,
            "name": dimension.name,
            "url": urls["dimensions"][code],
            "completeness": dimension_completeness(state, code),
            "outcomes": [
                {
                    "code": o,
                    "name": state.spec.outcomes[o].name,
                    "completeness": state.per_outcome.get(o),
                }
                for o in dimension.outcomes
            ],
        }
        for code, dimension in state.spec.dimensions.items()
    ]
    a = page.assessment
    submit_block = ""
    if a.status == AssessmentStatus.NOT_STARTED:
        submit_block = _("The self-assessment has not started yet.")
    elif a.status == AssessmentStatus.SUBMITTED:
        submit_block = _("The self-assessment has been submitted.")
    elif page.blocked:
        submit_block = page.blocked
    elif state.blocking:
        submit_block = ngettext(
            "%(n)d problem must be solved first: see the data-quality summary above.",
            "%(n)d problems must be solved first: see the data-quality summary above.",
            len(state.blocking),
        ) % {"n": len(state.blocking)}
    return render(
        request,
        "assessments/assessment_detail.html",
        {
            "page": page,
            "a": a,
            "cycle": page.cycle,
            "member": page.member,
            "state": state,
            "status_label": AssessmentStatus(a.status).label,
            "extended": page.deadline != page.cycle.closes_on,
            "dimensions": dimensions,
            "errors": errors,
            "missing": missing,
            "warnings": warnings,
            "unexplained": unexplained,
            "unexplained_jumps": [i for i in unexplained if i["issue"].kind == "jump"],
            "error_count": len(errors) + len(missing),
            "submit_block": submit_block,
            "submit_problems": submit_problems or [],
            "may_start": _may_start(page),
            "reopen_form": reopen_form or ReopenForm(),
            "urls": urls,
        },
        status=status,
    )


@login_required
def assessment_detail(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    return _render_overview(request, _page(request, cycle_id, iso3))


@login_required
@require_POST
def assessment_start(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    page = _page(request, cycle_id, iso3)
    require(request.user, "assessment.edit", page.member)
    try:
        services.assessment_start(actor=request.user, assessment=page.assessment, path="form")
    except ApplicationError:
        messages.error(
            request,
            _closed_reason(page.cycle, page.member.pk, page.deadline)
            or _("The self-assessment could not start."),
        )
    else:
        messages.success(
            request,
            _(
                "The self-assessment has started. Values of %(year)s reported in earlier cycles were "
                "carried forward."
            )
            % {"year": page.cycle.previous_year},
        )
    return redirect("assessments:assessment_detail", cycle_id=page.cycle.pk, iso3=page.member.iso3)


@login_required
@require_POST
def assessment_submit(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    page = _page(request, cycle_id, iso3)
    require(request.user, "assessment.submit", page.member)
    try:
        services.assessment_submit(actor=request.user, assessment=page.assessment, path="form")
    except ApplicationError as error:
        if error.code == "invalid_values":
            problems = [issue_text(i) for i in page.state.blocking]
            return _render_overview(request, page, submit_problems=problems, status=422)
        messages.error(request, page.blocked or _("The self-assessment cannot be submitted now."))
    else:
        messages.success(request, _("The self-assessment was submitted to the WCO Secretariat. Thank you."))
    return redirect("assessments:assessment_detail", cycle_id=page.cycle.pk, iso3=page.member.iso3)


@login_required
@require_POST
def assessment_reopen(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    page = _page(request, cycle_id, iso3)
    require(request.user, "assessment.reopen", page.member)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return _render_overview(request, page, reopen_form=form, status=400)
    try:
        services.assessment_reopen(
            actor=request.user, assessment=page.assessment, reason=form.cleaned_data["reason"], path="form"
        )
    except ApplicationError:
        messages.error(request, _("Only a submitted self-assessment can be reopened."))
    else:
        messages.success(request, _("The self-assessment was reopened; the member can change it again."))
    return redirect("assessments:assessment_detail", cycle_id=page.cycle.pk, iso3=page.member.iso3)


# --- saving (whole page or one row) ---------------------------------------------------------------


@dataclass
class SaveResult:
    conflict: bool = False
    blocked: str = ""
    entry_errors: dict[tuple[str, str], str] = field(default_factory=dict)
    kpi_errors: dict[str, str] = field(default_factory=dict)
    saved: int = 0  # how many writes were made
    version: int | None = None  # the page's version from now on (None: keep the one it has)
    concurrent: bool = False  # someone else wrote between our writes

    @property
    def problems(self) -> bool:
        return bool(self.conflict or self.blocked or self.entry_errors or self.kpi_errors or self.concurrent)


def _stored(state: AssessmentState, element: str, period: str) -> tuple[Any, str, str, str]:
    v = state.values.get((element, period))
    return (v.value, v.state, v.reason, v.comment) if v else (None, ValueState.REPORTED, "", "")


def _save(
    page: Page,
    actor: Any,
    version: int | None,
    slots: list[PostedSlot],
    kpis: list[PostedKpi],
    justifications: dict[str, str],
) -> SaveResult:
    """Save what changed on a page (or one of its rows). A stale version saves nothing; a value that
    is not valid is not saved (the others are) and keeps its message."""
    result = SaveResult()
    assessment, state = page.assessment, page.state
    if version != assessment.version:
        return SaveResult(conflict=True)
    items = []
    for slot in slots:
        status = ValueState.NOT_AVAILABLE if slot.not_available else ValueState.REPORTED
        entry, issues = check_entry(state.spec, slot.element, slot.period, slot.value, status, slot.reason)
        if issues or entry is None:
            result.entry_errors[(slot.element, slot.period)] = " ".join(issue_text(i) for i in issues)
            continue
        after = (entry.value, entry.state, entry.reason, slot.comment.strip())
        if after != _stored(state, slot.element, slot.period):
            items.append(
                services.ValueInput(slot.element, slot.period, slot.value, status, slot.reason, slot.comment)
            )
    try:
        if items:
            services.values_save(
                actor=actor, assessment=assessment, version=version, items=items, path="form"
            )
            result.saved += 1
        for kpi in kpis:
            _save_kpi(page, actor, kpi, result)
        warnings = {i.key for i in state.issues if i.needs_justification}
        for key, text in justifications.items():
            current = state.justifications.get(key)
            if key not in warnings or text.strip() == (current.text if current else ""):
                continue
            try:
                services.justification_save(actor=actor, assessment=assessment, issue_key=key, text=text)
            except ApplicationError as error:
                if error.code != "invalid_values":  # a warning the new values made disappear
                    raise
            else:
                result.saved += 1
    except ApplicationError as error:
        if any(p.field == "version" for p in error.problems):
            result.conflict = True
        elif error.code == "conflict":
            assessment.refresh_from_db()
            result.blocked = _blocked_reason(assessment, page.may_edit, page.deadline) or error.message
        else:
            raise
    assessment.refresh_from_db(fields=["version", "status", "last_activity_at"])
    if not result.conflict and not result.blocked:
        if assessment.version == version + result.saved:
            result.version = assessment.version
        else:
            result.concurrent = True
    return result


def _save_kpi(page: Page, actor: Any, posted: PostedKpi, result: SaveResult) -> None:
    state = page.state
    response = state.responses.get(posted.kpi)
    changes: dict[str, Any] = {}
    if posted.applicable != (posted.kpi not in state.not_applicable):
        changes["applicable"] = posted.applicable
    if posted.justification.strip() != (response.justification if response else ""):
        changes["justification"] = posted.justification
    if posted.disclosure is not None and posted.disclosure != state.disclosure(posted.kpi):
        if posted.disclosure not in Disclosure.values:
            result.kpi_errors[posted.kpi] = _("Choose one of the disclosure levels offered.")
            return
        changes["disclosure"] = posted.disclosure
    if not changes:
        return
    try:
        services.kpi_update(
            actor=actor, assessment=page.assessment, kpi_code=posted.kpi, path="form", **changes
        )
    except ApplicationError as error:
        if error.code != "invalid_values":
            raise
        result.kpi_errors[posted.kpi] = _(
            "Explain why this KPI does not apply to your administration; the choice is saved once it is "
            "explained."
        )
    else:
        result.saved += 1


def _disclosure_only(page: Page) -> bool:
    """A submitted assessment (or a closed cycle) keeps its data, but the NCP may still change who may
    see each KPI until publication."""
    return page.may_disclose and page.assessment.status != AssessmentStatus.NOT_STARTED


def _only_disclosure(page: Page, choices: list[PostedKpi]) -> list[PostedKpi]:
    kept = []
    for choice in choices:
        if choice.disclosure is None:
            continue
        response = page.state.responses.get(choice.kpi)
        applicable = choice.kpi not in page.state.not_applicable
        kept.append(
            PostedKpi(choice.kpi, applicable, response.justification if response else "", choice.disclosure)
        )
    return kept


def _conflict_text() -> str:
    return _(
        "Not saved: someone else changed this self-assessment meanwhile. Your entries are still in the "
        "fields: note them, reload the page to see the other changes, then enter yours again."
    )


# --- the dimension page --------------------------------------------------------------------------


def _dimension_context(
    request: HttpRequest, page: Page, dimension: str, builder: PageBuilder
) -> dict[str, Any]:
    only_attention = request.GET.get("missing") == "1"
    state = page.state
    urls = _urls(page)
    return {
        "page": page,
        "a": page.assessment,
        "cycle": page.cycle,
        "member": page.member,
        "state": state,
        "status_label": AssessmentStatus(page.assessment.status).label,
        "view": builder.dimension(dimension, only_attention=only_attention),
        "only_attention": only_attention,
        "nav": _dimension_nav(page, dimension),
        "urls": urls,
        "here": urls["dimensions"][dimension],
        "version": page.assessment.version,
        **_entry_context(page, dimension),
        "may_start": _may_start(page),
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
        "disclosure_editable": _disclosure_only(page),
        "disclosure_choices": DISCLOSURE_CHOICES,
        "conflict_text": _conflict_text(),
        "urls": _urls(page),
        "here": reverse("assessments:dimension_edit", args=[page.cycle.pk, page.member.iso3, dimension]),
    }


def _dimension_nav(page: Page, current: str) -> list[dict[str, Any]]:
    urls = _urls(page)
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


def _check_dimension(page: Page, dimension: str) -> None:
    if dimension not in page.state.spec.dimensions:
        raise NotFound(f"No dimension {dimension}.")


@login_required
def dimension_edit(request: HttpRequest, cycle_id: int, iso3: str, dimension: str) -> HttpResponse:
    page = _page(request, cycle_id, iso3)
    _check_dimension(page, dimension)
    here = reverse("assessments:dimension_edit", args=[page.cycle.pk, page.member.iso3, dimension])
    counts = _history_counts(page.assessment)
    if request.method != "POST":
        builder = PageBuilder(page.state, page.index, history_counts=counts)
        return render(
            request, "assessments/dimension_edit.html", _dimension_context(request, page, dimension, builder)
        )
    require(request.user, "assessment.edit", page.member)
    spec = page.state.spec
    kpis = [k for o in spec.dimensions[dimension].outcomes for k in spec.outcomes[o].kpis]
    choices = posted_kpis(request.POST, kpis, page.may_disclose)
    if page.blocked:
        choices = _only_disclosure(page, choices) if _disclosure_only(page) else []
        if not choices:
            messages.error(request, page.blocked)
            return redirect(here)
        slots, explained = [], {}
    else:
        elements = PageBuilder(page.state, page.index).page_elements(dimension)
        slots = posted_slots(request.POST, spec, elements)
        explained = posted_justifications(request.POST)
    result = _save(page, request.user, posted_version(request.POST), slots, choices, explained)
    query = "?missing=1" if request.GET.get("missing") == "1" else ""
    if not result.problems:
        messages.success(
            request, _("Your changes were saved.") if result.saved else _("There was nothing new to save.")
        )
        return redirect(here + query)
    # Show the page again with what was typed, so that nothing is lost.
    page.state = assessment_state(page.assessment)
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
        typed_justifications=explained if keep else {},
        history_counts=_history_counts(page.assessment),
    )
    context = _dimension_context(request, page, dimension, builder)
    context["version"] = result.version if result.version is not None else posted_version(request.POST)
    count = len(result.entry_errors) + len(result.kpi_errors)
    if result.conflict:
        context["problem"] = _conflict_text()
    elif result.blocked:
        context["problem"] = result.blocked
    elif count:
        context["problem"] = ngettext(
            "%(n)d entry could not be saved; your other changes were saved:",
            "%(n)d entries could not be saved; your other changes were saved:",
            count,
        ) % {"n": count}
    else:
        context["problem"] = _("Someone else changed this self-assessment at the same time: reload the page.")
    context["problem_links"] = [
        (message, f"#f-{element}-{period}-value")
        for (element, period), message in result.entry_errors.items()
    ] + [(message, f"#kpi-{kpi}-justification") for kpi, message in result.kpi_errors.items()]
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
    page.state = assessment_state(page.assessment)
    slots = slots or []
    keep = {(s.element, s.period): s for s in slots if (s.element, s.period) in result.entry_errors}
    builder = PageBuilder(
        page.state,
        page.index,
        typed=keep,
        entry_errors=result.entry_errors,
        typed_kpis={choice.kpi: choice} if choice and (result.kpi_errors or result.conflict) else {},
        kpi_errors=result.kpi_errors,
        history_counts=_history_counts(page.assessment),
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
    elif result.concurrent:
        label, text = (
            _("Saved"),
            _("Someone else changed this self-assessment at the same time: reload the page."),
        )
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
    page = _page(request, cycle_id, iso3)
    _check_dimension(page, dimension)
    require(request.user, "assessment.edit", page.member)
    if element not in PageBuilder(page.state, page.index).page_elements(dimension):
        raise NotFound(f"No data element {element} on this page.")
    here = reverse("assessments:dimension_edit", args=[page.cycle.pk, page.member.iso3, dimension])
    if not _is_htmx(request):
        return redirect(f"{here}#row-{element}")
    slots = posted_slots(request.POST, page.state.spec, [element])
    if page.blocked:
        return _autosave_response(
            request, page, dimension, SaveResult(blocked=page.blocked), element=element, slots=slots
        )
    result = _save(
        page, request.user, posted_version(request.POST), slots, [], posted_justifications(request.POST)
    )
    return _autosave_response(request, page, dimension, result, element=element, slots=slots)


@login_required
@require_POST
def kpi_save(request: HttpRequest, cycle_id: int, iso3: str, dimension: str, kpi: str) -> HttpResponse:
    """Autosave of one KPI's applicability, justification and (NCP) disclosure level."""
    page = _page(request, cycle_id, iso3)
    _check_dimension(page, dimension)
    require(request.user, "assessment.edit", page.member)
    spec = page.state.spec
    if kpi not in spec.kpis or spec.kpis[kpi].dimension != dimension:
        raise NotFound(f"No KPI {kpi} on this page.")
    here = reverse("assessments:dimension_edit", args=[page.cycle.pk, page.member.iso3, dimension])
    if not _is_htmx(request):
        return redirect(f"{here}#kpi-{kpi}")
    choices = posted_kpis(request.POST, [kpi], page.may_disclose)
    choice = choices[0] if choices else None
    if page.blocked and _disclosure_only(page):
        choices = _only_disclosure(page, choices)
    if page.blocked and not choices:
        result = SaveResult(blocked=page.blocked)
    else:
        result = _save(page, request.user, posted_version(request.POST), [], choices, {})
    return _autosave_response(request, page, dimension, result, kpi=kpi, choice=choice)


# --- history -------------------------------------------------------------------------------------

FIELD_LABELS = {
    "value": gettext_lazy("value"),
    "state": gettext_lazy("state"),
    "reason": gettext_lazy("reason it is not available"),
    "comment": gettext_lazy("comment"),
    "applicable": gettext_lazy("applicable"),
    "justification": gettext_lazy("justification"),
    "disclosure": gettext_lazy("disclosure level"),
    "status": gettext_lazy("status"),
}


def _change_value(spec: FrameworkSpec, subject: str, name: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if name == "value" and "@" in subject:
        element = spec.elements.get(subject.split("@")[0])
        return display_value(element, value) if element else str(value)
    if name == "state" and value in ValueState.values:
        return str(ValueState(value).label)
    if name == "disclosure" and value in Disclosure.values:
        return str(Disclosure(value).label)
    if name == "status" and value in AssessmentStatus.values:
        return str(AssessmentStatus(value).label)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def _subject_label(spec: FrameworkSpec, subject: str, year: int) -> str:
    if "@" in subject:
        code, period = subject.split("@", 1)
        element = spec.elements.get(code)
        shown_year = year - 1 if period == "T-1" else year
        name = pick(element.name) if element else ""
        return f"{name or code} ({code}), {shown_year} ({period})"
    if subject.startswith("kpi:"):
        code = subject.removeprefix("kpi:")
        kpi = spec.kpis.get(code)
        return _("KPI %(code)s: %(name)s") % {"code": code, "name": pick(kpi.name) if kpi else ""}
    if subject.startswith("issue:"):
        return _("Explanation of a warning (%(key)s)") % {"key": subject.removeprefix("issue:")}
    return _("The self-assessment")


@login_required
@vary_on_headers("HX-Request")
def history_list(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    """Every change of the assessment, or of the values named by `subject` (repeatable), newest first."""
    cycle = cycle_get(cycle_id)
    assessment = assessment_access(request.user, cycle, iso3)
    spec = cycle_spec(cycle)
    subjects = [s for s in request.GET.getlist("subject") if s]
    changes: Any = []
    if assessment.pk:
        changes = value_history(assessment)
        if subjects:
            changes = changes.filter(subject__in=subjects)
    page_obj = Paginator(changes, 50).get_page(request.GET.get("page"))
    year = cycle.reporting_year
    rows = [
        {
            "when": c.changed_at,
            "who": c.changed_by.get_username() if c.changed_by else _("system"),
            "subject": _subject_label(spec, c.subject, year),
            "field": FIELD_LABELS.get(c.field, c.field),
            "old": _change_value(spec, c.subject, c.field, c.old),
            "new": _change_value(spec, c.subject, c.field, c.new),
            "path": c.get_path_display(),
            "reason": c.reason,
        }
        for c in page_obj.object_list
    ]
    context = {
        "cycle": cycle,
        "member": assessment.member,
        "a": assessment,
        "rows": rows,
        "page_obj": page_obj,
        "subject_labels": [_subject_label(spec, s, year) for s in subjects],
        "show_subject": len(subjects) != 1,
        "overview": reverse("assessments:assessment_detail", args=[cycle.pk, assessment.member.iso3]),
        "query": urlencode([("subject", s) for s in subjects]),
    }
    template = "assessments/partials/_history.html" if _is_htmx(request) else "assessments/history_list.html"
    return render(request, template, context)
