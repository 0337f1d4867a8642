"""Pages of assessment cycles: the list (and opening a cycle), a cycle with its status actions and
deadline extensions, and the Secretariat's status board with its CSV download."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pmm.authz import acting_for, can, require
from pmm.core.errors import ApplicationError
from pmm.core.forms import form_add_problems
from pmm.cycles.forms import CycleForm, ExtensionForm, StatusForm
from pmm.cycles.models import Cycle, DeadlineExtension
from pmm.cycles.selectors import cycle_get, cycles_list
from pmm.cycles.services import cycle_change_status, cycle_create, extension_grant
from pmm.cycles.workflow import CYCLE_WORKFLOW
from pmm.members.models import Member
from pmm.members.selectors import member_get

ACTION_LABELS = {
    "open": gettext_lazy("Open the cycle"),
    "close": gettext_lazy("Close the cycle"),
    "archive": gettext_lazy("Archive the cycle"),
}


def _my_member_ids(user: Any) -> list[int]:
    return acting_for(user)


@login_required
def cycle_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "cycle.view")
    may_manage = can(request.user, "cycle.manage")
    form = CycleForm(request.POST or None) if may_manage else None
    if request.method == "POST":
        require(request.user, "cycle.manage")
        assert form is not None
        if form.is_valid():
            code, version = form.framework_code_version()
            try:
                cycle = cycle_create(
                    actor=request.user,
                    framework_code=code,
                    framework_version=version,
                    reporting_year=form.cleaned_data["reporting_year"],
                    opens_on=form.cleaned_data["opens_on"],
                    closes_on=form.cleaned_data["closes_on"],
                )
            except ApplicationError as error:
                form_add_problems(form, error)
            else:
                messages.success(request, _("%(cycle)s was created.") % {"cycle": cycle})
                return redirect("cycles:cycle_detail", cycle_id=cycle.pk)
    members = list(Member.objects.filter(pk__in=_my_member_ids(request.user)))
    return render(
        request,
        "cycles/cycle_list.html",
        {
            "cycles": list(cycles_list()),
            "form": form,
            "may_board": can(request.user, "cycle.status_board"),
            "my_members": sorted(members, key=lambda m: m.display_name),
        },
        status=400 if form is not None and form.errors else 200,
    )


def _render_detail(
    request: HttpRequest,
    cycle: Cycle,
    *,
    status_form: StatusForm | None = None,
    extension_form: ExtensionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    may_manage = can(request.user, "cycle.manage")
    members = list(Member.objects.filter(pk__in=_my_member_ids(request.user)))
    actions = sorted(CYCLE_WORKFLOW.available(request.user, cycle))
    extensions = (
        sorted(
            DeadlineExtension.objects.filter(cycle=cycle).select_related("member", "granted_by"),
            key=lambda e: e.member.display_name,
        )
        if can(request.user, "cycle.status_board")
        else []
    )
    return render(
        request,
        "cycles/cycle_detail.html",
        {
            "cycle": cycle,
            "actions": [
                (a, _("Reopen the cycle") if a == "open" and cycle.status == "closed" else ACTION_LABELS[a])
                for a in actions
            ],
            "status_form": status_form or StatusForm(prefix="status"),
            "extension_form": extension_form or ExtensionForm(prefix="extension", closes_on=cycle.closes_on),
            "may_manage": may_manage,
            "may_board": can(request.user, "cycle.status_board"),
            "extensions": extensions,
            "my_members": sorted(members, key=lambda m: m.display_name),
        },
        status=status,
    )


@login_required
def cycle_detail(request: HttpRequest, cycle_id: int) -> HttpResponse:
    require(request.user, "cycle.view")
    return _render_detail(request, cycle_get(cycle_id))


@login_required
@require_POST
def cycle_status(request: HttpRequest, cycle_id: int) -> HttpResponse:
    require(request.user, "cycle.manage")
    cycle = cycle_get(cycle_id)
    form = StatusForm(request.POST, prefix="status")
    action = request.POST.get("action", "")
    if not form.is_valid():
        return _render_detail(request, cycle, status_form=form, status=400)
    try:
        cycle_change_status(
            actor=request.user, cycle=cycle, action=action, reason=form.cleaned_data["reason"]
        )
    except ApplicationError:
        messages.error(
            request,
            _("A cycle that is %(status)s cannot do this.") % {"status": cycle.get_status_display().lower()},
        )
    else:
        messages.success(
            request, _("The cycle is now %(status)s.") % {"status": cycle.get_status_display().lower()}
        )
    return redirect("cycles:cycle_detail", cycle_id=cycle.pk)


@login_required
@require_POST
def extension_grant_view(request: HttpRequest, cycle_id: int) -> HttpResponse:
    require(request.user, "cycle.manage")
    cycle = cycle_get(cycle_id)
    form = ExtensionForm(request.POST, prefix="extension", closes_on=cycle.closes_on)
    if form.is_valid():
        member = member_get(form.cleaned_data["member"])
        try:
            extension_grant(
                actor=request.user,
                cycle=cycle,
                member=member,
                extended_to=form.cleaned_data["extended_to"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            form_add_problems(form, error)
        else:
            messages.success(
                request,
                _("%(member)s may now change its data until %(date)s.")
                % {"member": member.display_name, "date": date_format(form.cleaned_data["extended_to"])},
            )
            return redirect("cycles:cycle_detail", cycle_id=cycle.pk)
    return _render_detail(request, cycle, extension_form=form, status=400)


# --- status board --------------------------------------------------------------------------------
