from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmm.accounts import selectors
from pmm.accounts.forms import InviteForm, RolesForm, TokenForm, UserCreateForm
from pmm.accounts.models import User
from pmm.accounts.roles import Role
from pmm.accounts.services import (
    RoleSpec,
    token_create,
    token_revoke,
    user_create,
    user_invite_contributor,
    user_set_active,
    user_set_roles,
)
from pmm.authz import require, roles_of
from pmm.core.errors import ApplicationError, PermissionDenied
from pmm.core.forms import form_add_problems
from pmm.members.models import Member

login = auth_views.LoginView.as_view(template_name="accounts/login.html", redirect_authenticated_user=True)
logout = auth_views.LogoutView.as_view()
password_set = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_set.html",
    success_url=reverse_lazy("accounts:login"),
    post_reset_login=False,
)


def _invitation_sent(request: HttpRequest, user: User) -> None:
    messages.success(
        request,
        _(
            "The account %(username)s was created: an e-mail with a link to choose a password "
            "was sent to %(email)s."
        )
        % {"username": user.username, "email": user.email},
    )


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The signed-in user's roles and API tokens; a new token is shown once, right after creation."""
    require(request.user, "token.manage_own")
    form = TokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_secret = token_create(
                actor=request.user, user=request.user, name=form.cleaned_data["name"]
            )
            form = TokenForm()
        except ApplicationError as error:
            form_add_problems(form, error)
    user = selectors.user_get(request.user.get_username())
    return render(
        request,
        "accounts/account.html",
        {"account": user, "form": form, "new_secret": new_secret, "tokens": selectors.tokens_of(user)},
    )


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    require(request.user, "token.manage_own")
    token = token_revoke(actor=request.user, token_id=token_id)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("accounts:account")


def _ncp_member(request: HttpRequest) -> Member:
    member_ids = [m for role, m in roles_of(request.user) if role == Role.NCP and m]
    if not member_ids:
        raise PermissionDenied()
    return Member.objects.get(pk=member_ids[0])


@login_required
def contributor_list(request: HttpRequest) -> HttpResponse:
    """An NCP's contributors, and the form to invite one. The member comes from the NCP's role."""
    member = _ncp_member(request)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_invite_contributor(actor=request.user, member=member, **form.cleaned_data)
        except ApplicationError as error:
            form_add_problems(form, error)
        else:
            _invitation_sent(request, user)
            return redirect("accounts:contributor_list")
    return render(
        request,
        "accounts/contributor_list.html",
        {"member": member, "form": form, "people": selectors.member_users(member.pk)},
    )


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "user.list")
    role, member, search = (request.GET.get(k, "").strip() for k in ("role", "member", "q"))
    form = UserCreateForm(request.POST or None)
    if request.method == "POST":
        require(request.user, "user.create")
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = user_create(
                    actor=request.user,
                    username=data["username"],
                    email=data["email"],
                    password=None,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    roles=[RoleSpec(data["role"], data["member"].upper() or None)],
                    reason=data["reason"],
                )
            except ApplicationError as error:
                form_add_problems(form, error)
            else:
                _invitation_sent(request, user)
                return redirect("accounts:user_list")
    return render(
        request,
        "accounts/user_list.html",
        {
            "users": selectors.users_list(role=role, member=member, search=search),
            "form": form,
            "roles": Role.choices,
            "filters": {"role": role, "member": member, "q": search},
        },
    )


@login_required
def user_detail(request: HttpRequest, username: str) -> HttpResponse:
    require(request.user, "user.list")
    user = selectors.user_get(username)
    initial = "\n".join(
        f"{a.role}:{a.member.iso3}" if a.member else a.role for a in user.role_assignments.all()
    )
    form = RolesForm(request.POST or None, initial={"roles": initial})
    if request.method == "POST" and form.is_valid():
        specs = []
        for line in form.cleaned_data["roles"].splitlines():
            if line.strip():
                role, _sep, iso3 = line.strip().partition(":")
                specs.append(RoleSpec(role.strip(), iso3.strip().upper() or None))
        try:
            if "active" in request.POST:
                user_set_active(
                    actor=request.user,
                    user=user,
                    active=request.POST["active"] == "1",
                    reason=form.cleaned_data["reason"],
                )
            else:
                user_set_roles(actor=request.user, user=user, roles=specs, reason=form.cleaned_data["reason"])
        except ApplicationError as error:
            form_add_problems(form, error)
        else:
            messages.success(request, _("The account was updated."))
            return redirect("accounts:user_detail", username=user.username)
    return render(request, "accounts/user_detail.html", {"account": user, "form": form})
