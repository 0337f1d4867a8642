from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pmm.authz import can, require
from pmm.core.errors import ApplicationError
from pmm.core.forms import CheckedForm, form_add_problems
from pmm.core.translated import pick
from pmm.members import selectors
from pmm.members.models import Group, GroupKind
from pmm.members.services import group_save

FILTERS = [
    ("region", GroupKind.WCO_REGION),
    ("income_group", GroupKind.INCOME_GROUP),
    ("geography", GroupKind.GEOGRAPHY),
    ("union", GroupKind.UNION),
    ("group", GroupKind.CUSTOM),
]


class GroupForm(CheckedForm):
    code = forms.SlugField(
        label=gettext_lazy("Code"),
        max_length=79,
        help_text=gettext_lazy("Lower-case letters, digits and hyphens, e.g. landlocked-africa."),
    )
    name_en = forms.CharField(label=gettext_lazy("Name in English"), max_length=200)
    name_fr = forms.CharField(label=gettext_lazy("Name in French"), max_length=200)
    members = forms.CharField(
        label=gettext_lazy("Members"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("ISO3 codes separated by spaces or commas, e.g. KEN UGA RWA."),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False)


def member_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "member.view")
    chosen = {key: request.GET.get(key, "").strip() for key, _kind in FILTERS}
    search = request.GET.get("q", "").strip()
    members = sorted(selectors.members_list(search=search, **chosen), key=lambda m: m.display_name)
    groups = list(selectors.groups_list())
    filters = [
        {
            "key": key,
            "label": GroupKind(kind).label,
            "value": chosen[key],
            "options": sorted(
                (g for g in groups if g.kind == kind), key=lambda g: (g.sort_order, pick(g.name))
            ),
        }
        for key, kind in FILTERS
    ]
    return render(
        request,
        "members/member_list.html",
        {
            "members": members,
            "filters": [f for f in filters if f["options"]],
            "search": search,
            "filtered": any(chosen.values()) or bool(search),
        },
    )


def member_detail(request: HttpRequest, iso3: str) -> HttpResponse:
    require(request.user, "member.view")
    member = selectors.member_get(iso3)
    return render(request, "members/member_detail.html", {"member": member})


def group_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "group.view")
    groups = list(selectors.groups_list())
    sections = [
        {"kind": kind, "label": kind.label, "groups": [g for g in groups if g.kind == kind]}
        for kind in GroupKind
    ]
    return render(
        request,
        "members/group_list.html",
        {"sections": [s for s in sections if s["groups"]], "may_manage": can(request.user, "group.manage")},
    )


def group_detail(request: HttpRequest, code: str) -> HttpResponse:
    require(request.user, "group.view")
    group = selectors.group_get(code)
    members = sorted(group.members.all(), key=lambda m: m.display_name)
    return render(
        request,
        "members/group_detail.html",
        {
            "group": group,
            "members": members,
            "may_edit": group.kind == GroupKind.CUSTOM and can(request.user, "group.manage"),
        },
    )


@login_required
def group_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Create (no code) or change a custom group."""
    require(request.user, "group.manage")
    group: Group | None = selectors.group_get(code) if code else None
    initial = {}
    if group is not None:
        initial = {
            "code": group.code,
            "name_en": group.name.get("en", ""),
            "name_fr": group.name.get("fr", ""),
            "members": " ".join(sorted(m.iso3 for m in group.members.all())),
        }
    form = GroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        iso3s = [c.upper() for c in data["members"].replace(",", " ").split()]
        try:
            saved = group_save(
                actor=request.user,
                code=group.code if group else data["code"],
                name={"en": data["name_en"], "fr": data["name_fr"]},
                member_iso3=iso3s,
                reason=data["reason"],
            )
        except ApplicationError as error:
            form_add_problems(form, error)
        else:
            messages.success(request, _("The group was saved."))
            return redirect("members:group_detail", code=saved.code)
    return render(request, "members/group_form.html", {"form": form, "group": group})
