from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from pmm.accounts import invitations, lockout, selectors, two_factor
from pmm.accounts.forms import (
    CodeForm,
    InviteForm,
    LoginForm,
    PasswordSetForm,
    PasswordUpdateForm,
    RolesForm,
    TokenForm,
    TotpEnableForm,
    UserCreateForm,
)
from pmm.accounts.models import User
from pmm.accounts.services import (
    RoleSpec,
    contributor_invite,
    invitation_accept,
    invitations_accept_with_password,
    token_create,
    token_revoke,
    user_create,
    user_set_active,
    user_set_roles,
)
from pmm.audit.services import audit_record
from pmm.authz import member_ids_for, require
from pmm.authz.roles import Role
from pmm.core.errors import ApplicationError, PermissionDenied
from pmm.core.forms import form_add_problems
from pmm.core.input_hygiene import refuse_bad_posted_text
from pmm.members.models import Member
from pmm.members.phrases import for_member

SECOND_STEP = "pmm_two_factor_pending"


class LoginView(auth_views.LoginView):
    """Sign-in, step 1: username and password (with lockout). Users with TOTP go on to the code step;
    users whose role requires TOTP and who have none are signed in and sent to set it up."""

    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:
        user = form.get_user()
        if two_factor.has_totp(user):
            self.request.session[SECOND_STEP] = {
                "user": user.pk,
                "backend": user.backend,
                "started": time.time(),
                "next": self.get_success_url(),
            }
            return redirect("accounts:login_code")
        auth_login(self.request, user)
        lockout.success_record(user=user, request=self.request, second_factor="none")
        if two_factor.required_for(user):  # the set-up page says why
            return redirect(f"{reverse('accounts:two_factor')}?{urlencode({'next': self.get_success_url()})}")
        return HttpResponseRedirect(self.get_success_url())


login = LoginView.as_view()
logout = auth_views.LogoutView.as_view()


def _pending_user(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    pending = request.session.get(SECOND_STEP)
    if not isinstance(pending, dict):
        return None
    if time.time() - float(pending.get("started", 0)) > settings.PMM_TWO_FACTOR_STEP_SECONDS:
        request.session.pop(SECOND_STEP, None)
        return None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    return (user, pending) if user is not None else None


@never_cache
def login_code(request: HttpRequest) -> HttpResponse:
    """Sign-in, step 2: a code from the authenticator app or a recovery code. Wrong codes count
    towards the username's lockout like wrong passwords."""
    found = _pending_user(request)
    if found is None:
        messages.info(request, _("Please sign in again: the sign-in was not completed in time."))
        return redirect("accounts:login")
    user, pending = found
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if lockout.locked_until(user.username):
            lockout.locked_attempt_record(username=user.username, step="code", request=request)
            return _code_step_locked(request)
        check = two_factor.code_check(user, form.cleaned_data["code"])
        if check.ok:
            request.session.pop(SECOND_STEP, None)
            auth_login(request, user, backend=pending["backend"])
            lockout.success_record(user=user, request=request, second_factor=str(check.method))
            if check.method == "recovery_code":
                left = two_factor.recovery_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "You signed in with a recovery code, which cannot be used again. "
                        "%(count)d recovery code is left.",
                        "You signed in with a recovery code, which cannot be used again. "
                        "%(count)d recovery codes are left.",
                        left,
                    )
                    % {"count": left},
                )
            return HttpResponseRedirect(pending["next"])
        if check.wait_until is not None:
            form.add_error("code", _("Too many wrong codes: wait a few seconds and try again."))
        else:
            if lockout.failure_record(username=user.username, step="code", request=request):
                return _code_step_locked(request)
            form.add_error("code", _("The code is not right. Type the code your app shows now."))
    return render(request, "accounts/login_code.html", {"form": form})


def _code_step_locked(request: HttpRequest) -> HttpResponse:
    request.session.pop(SECOND_STEP, None)
    messages.error(
        request,
        LoginForm.error_messages["locked"] % {"minutes": settings.PMM_LOGIN_LOCKOUT_MINUTES},
    )
    return redirect("accounts:login")


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """An invited user chooses a password (Django's validators apply); audited."""

    template_name = "accounts/password_set.html"
    form_class = PasswordSetForm
    success_url = reverse_lazy("accounts:login")
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        invitations_accept_with_password(form.user)
        audit_record(actor=form.user, verb="user.password_set", target=form.user)
        messages.success(self.request, _("Your password is saved. You can sign in now."))
        return response


password_set = PasswordSetView.as_view()


class PasswordChangeView(auth_views.PasswordChangeView):
    """A signed-in user changes their password (Django's validators apply); other sessions end."""

    template_name = "accounts/password_change.html"
    form_class = PasswordUpdateForm
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit_record(actor=self.request.user, verb="user.password_changed", target=self.request.user)
        messages.success(self.request, _("Your password was changed."))
        return response


password_change = PasswordChangeView.as_view()


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:home")


PENDING_SECRET = "pmm_totp_pending_secret"  # noqa: S105 - a session key name


@never_cache
@login_required
def two_factor_view(request: HttpRequest) -> HttpResponse:
    """Turn two-factor authentication on (scan, confirm with a code, keep the recovery codes), get
    new recovery codes, or turn it off (not for the roles that require it)."""
    user = selectors.user_get(request.user.get_username())
    required = two_factor.required_for(user)
    enabled = two_factor.has_totp(user)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    context: dict[str, Any] = {"account": user, "required": required, "next": _safe_next(request)}
    if not enabled:
        key = request.session.get(PENDING_SECRET) or two_factor.new_secret()
        request.session[PENDING_SECRET] = key
        form = TotpEnableForm(request.POST if action == "enable" else None)
        if action == "enable" and form.is_valid():
            try:
                codes = two_factor.totp_enable(actor=user, user=user, key=key, code=form.cleaned_data["code"])
            except ApplicationError as error:
                form_add_problems(form, error)
            else:
                request.session.pop(PENDING_SECRET, None)
                messages.success(request, _("Two-factor authentication is on."))
                return render(request, "accounts/recovery_codes.html", {**context, "codes": codes})
        url = two_factor.otpauth_url(user, key)
        context.update(
            form=form,
            qr_code=two_factor.qr_code_data_uri(url),
            secret=two_factor.secret_for_humans(key),
        )
        return render(request, "accounts/two_factor_enable.html", context)
    form = CodeForm(request.POST if action in {"recovery_codes", "disable"} else None)
    if action and form.is_valid():
        try:
            if action == "recovery_codes":
                codes = two_factor.recovery_codes_generate(
                    actor=user, user=user, code=form.cleaned_data["code"]
                )
                messages.success(request, _("New recovery codes were made; the old ones no longer work."))
                context["next"] = reverse("accounts:two_factor")
                return render(request, "accounts/recovery_codes.html", {**context, "codes": codes})
            two_factor.totp_disable(actor=user, user=user, code=form.cleaned_data["code"])
        except ApplicationError as error:
            form_add_problems(form, error)
        else:
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("accounts:two_factor")
    context.update(form=form, recovery_codes_left=two_factor.recovery_codes_left(user))
    return render(request, "accounts/two_factor.html", context)


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
        {
            "account": user,
            "form": form,
            "new_secret": new_secret,
            "tokens": selectors.tokens_of(user),
            "two_factor_on": two_factor.has_totp(user),
            "two_factor_required": two_factor.required_for(user),
            "invitations": selectors.invitations_waiting_for(user),
        },
    )


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    require(request.user, "token.manage_own")
    token = token_revoke(actor=request.user, token_id=token_id)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("accounts:account")


def _ncp_member(request: HttpRequest) -> Member:
    member_ids = member_ids_for(request.user, "user.invite_contributor")
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
            invitation = contributor_invite(actor=request.user, member=member, **form.cleaned_data)
        except ApplicationError as error:
            form_add_problems(form, error)
        else:
            # The same answer whether or not an account already uses the address (docs/security.md).
            messages.success(request, invitations.sent_message(invitation.email))
            return redirect("accounts:contributor_list")
    pending = selectors.member_invitations_pending(member.pk)
    return render(
        request,
        "accounts/contributor_list.html",
        {
            "member": member,
            "form": form,
            "people": selectors.member_people(member.pk),
            "invitations": [(i, invitations.is_expired(i)) for i in pending],
            "validity_days": invitations.validity_days(),
        },
    )


@login_required
def invitation_accept_view(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """The invited holder of an existing account, signed in, accepts an invitation to contribute."""
    invitation = selectors.invitation_get(request.user, invitation_id)
    if request.method == "POST":
        try:
            invitation = invitation_accept(actor=request.user, invitation_id=invitation.pk)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("You now contribute %(for_member)s.") % {"for_member": for_member(invitation.member)},
            )
            return redirect("web:home")
    return render(
        request,
        "accounts/invitation.html",
        {
            "invitation": invitation,
            "open": invitations.can_be_accepted(invitation),
            "valid_until": invitations.valid_until(invitation),
        },
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
    return render(
        request,
        "accounts/user_detail.html",
        {
            "account": user,
            "form": form,
            "two_factor_on": two_factor.has_totp(user),
            "two_factor_required": two_factor.required_for(user),
        },
    )


@login_required
@require_POST
@refuse_bad_posted_text
def user_two_factor_reset(request: HttpRequest, username: str) -> HttpResponse:
    """An account administrator removes a user's second factor (lost phone and recovery codes)."""
    require(request.user, "user.change_roles")
    user = selectors.user_get(username)
    try:
        two_factor.totp_reset(actor=request.user, user=user, reason=request.POST.get("reason", ""))
    except ApplicationError as error:
        messages.error(request, "; ".join([error.message, *(p.message for p in error.problems)]))
    else:
        messages.success(
            request, _("Two-factor authentication was reset for %(username)s.") % {"username": username}
        )
    return redirect("accounts:user_detail", username=username)
