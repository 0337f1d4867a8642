"""Account security: TOTP two-factor authentication (required for Secretariat and peer reviewer roles),
recovery codes, sign-in lockout with its audit trail, session expiry, password policy, security
headers and `check --deploy` in production mode."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PUBLIC_PAGES
from pmm.accounts.middleware import LAST_SEEN_AT, SIGNED_IN_AT
from pmm.accounts.models import LoginFailure, LoginLockout, User
from pmm.accounts.views import PENDING_SECRET
from pmm.audit.models import AuditEvent
from pmm.authz.roles import TWO_FACTOR_ROLES, Role

PASSWORD = "correct-horse-battery-staple"  # the conftest's make_user password
TOTP_KEY = "3132333435363738393031323334353637383930"  # the conftest's TOTP_KEY

REQUIRED = sorted(TWO_FACTOR_ROLES)
OPTIONAL = sorted(set(Role.values) - TWO_FACTOR_ROLES)
MEMBER_OF = {Role.NCP: "KEN", Role.CONTRIBUTOR: "KEN", Role.PEER_REVIEWER: "CAN"}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def code_for(key: str, user: User | None = None) -> str:
    """The current code of `key`; for a user's device, the next code it has not accepted yet."""
    totp = TOTP(bytes.fromhex(key))
    if user is not None:
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        totp.drift = max(0, device.last_t + 1 - totp.t())
    return f"{totp.token():06d}"


def unthrottle(user: User) -> None:
    """Forget django-otp's per-device delay after a wrong code (1 s, then 2, 4…)."""
    TOTPDevice.objects.filter(user=user).update(throttling_failure_count=0, throttling_failure_timestamp=None)


def sign_in(client, username: str, password: str = PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra})


def verbs(username: str) -> list[str]:
    return list(
        AuditEvent.objects.unrestricted()
        .filter(target_label=username)
        .order_by("created_at", "id")
        .values_list("verb", flat=True)
    )


# --- two-factor authentication -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", REQUIRED)
def test_required_roles_are_sent_to_enrolment_and_can_use_nothing_else(client, make_user, bearer, role):
    user = make_user(role, MEMBER_OF.get(role), totp=False)
    response = sign_in(client, user.username)
    assert response.status_code == 302 and response["Location"].startswith("/account/two-factor/?next=")
    for path in ("/", "/account/", "/members/", "/cycles/"):
        blocked = client.get(path)
        assert blocked.status_code == 302 and blocked["Location"].startswith("/account/two-factor/"), path
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and api.json()["error"]["code"] == "two_factor_required"
    # API tokens still work (made by the operator), and so does signing out.
    assert client.get("/api/v1/me", headers=bearer(user)).status_code == 200
    page = client.get("/account/two-factor/")
    assert page.status_code == 200 and "Your role requires two-factor authentication" in page.content.decode()
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/account/").status_code == 302


@pytest.mark.django_db
def test_a_role_that_requires_it_given_during_a_session_takes_effect_at_once(client, make_user):
    from pmm.accounts.services import RoleSpec, user_set_roles
    from pmm.core.actors import SYSTEM

    user = make_user("basic")
    client.force_login(user)
    assert client.get("/account/").status_code == 200
    user_set_roles(actor=SYSTEM, user=user, roles=[RoleSpec("secretariat_analyst")])
    assert client.get("/account/")["Location"] == "/account/two-factor/?next=%2Faccount%2F"


@pytest.mark.django_db
@pytest.mark.parametrize("role", OPTIONAL)
def test_other_roles_may_sign_in_without_it_and_may_turn_it_on(client, make_user, role):
    user = make_user(role, MEMBER_OF.get(role))
    response = sign_in(client, user.username)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/account/").status_code == 200
    page = client.get("/account/two-factor/").content.decode()
    assert "Turn on two-factor authentication" in page and "Your role requires" not in page
    assert (
        AuditEvent.objects.unrestricted().filter(verb="login.succeeded", target_label=user.username).exists()
    )


@pytest.mark.django_db
def test_enrolment_then_sign_in_with_a_code(client, make_user, page_problems):
    user = make_user("secretariat_admin", totp=False)
    assert sign_in(client, user.username).status_code == 302
    page = client.get("/account/two-factor/?next=/audit/")
    assert "no-store" in page["Cache-Control"]  # the page holds a secret
    html = page.content.decode()
    assert page_problems(html) == []
    assert re.search(r'<img src="data:image/svg\+xml[^"]+" width="245" height="245" alt="[^"]+"', html)
    key = client.session[PENDING_SECRET]
    shown = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1)
    assert len(shown.replace(" ", "")) == 32
    assert client.get("/account/two-factor/").content.decode().count(shown) == 1  # same key on reload

    wrong = client.post("/account/two-factor/", {"action": "enable", "code": "000000", "next": "/audit/"})
    assert (
        'id="id_code_error"' in wrong.content.decode() and not TOTPDevice.objects.filter(user=user).exists()
    )
    done = client.post("/account/two-factor/", {"action": "enable", "code": code_for(key), "next": "/audit/"})
    html = done.content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", html)
    assert len(codes) == 10 and 'href="/audit/"' in html
    assert page_problems(html) == []
    assert client.get("/audit/").status_code == 200
    assert verbs(user.username)[-1] == "mfa.totp_enabled"
    assert StaticToken.objects.filter(device__user=user).count() == 10

    client.post("/accounts/logout/")
    step = sign_in(client, user.username, next="/audit/")
    assert step.status_code == 302 and step["Location"] == "/accounts/login/code/"
    assert client.get("/audit/").status_code == 302  # not signed in yet
    form = client.get("/accounts/login/code/")
    assert page_problems(form.content.decode()) == []
    unthrottle(user)
    signed = client.post("/accounts/login/code/", {"code": code_for(key, user)})
    assert signed.status_code == 302 and signed["Location"] == "/audit/"
    assert client.get("/audit/").status_code == 200
    event = (
        AuditEvent.objects.unrestricted().filter(verb="login.succeeded", target_label=user.username).first()
    )
    assert event.after["second_factor"] == "totp"


@pytest.mark.django_db
def test_a_wrong_code_is_refused_and_audited(client, make_user):
    user = make_user("secretariat_analyst")
    assert sign_in(client, user.username)["Location"] == "/accounts/login/code/"
    page = client.post("/accounts/login/code/", {"code": "123456"})
    assert page.status_code == 200 and "The code is not right" in page.content.decode()
    assert client.get("/account/").status_code == 302
    failed = AuditEvent.objects.unrestricted().filter(verb="login.failed", target_label=user.username).get()
    assert failed.after["step"] == "code" and failed.actor is None
    # Right after a wrong code the device makes you wait (django-otp throttling), even for a right code.
    throttled = client.post("/accounts/login/code/", {"code": code_for(TOTP_KEY, user)})
    assert "wait a few seconds" in throttled.content.decode()
    unthrottle(user)
    assert client.post("/accounts/login/code/", {"code": code_for(TOTP_KEY, user)}).status_code == 302
    assert client.get("/account/").status_code == 200


@pytest.mark.django_db
def test_the_code_step_expires(client, make_user, settings):
    user = make_user("peer_reviewer", "CAN")
    sign_in(client, user.username)
    session = client.session
    session["pmm_two_factor_pending"]["started"] -= settings.PMM_TWO_FACTOR_STEP_SECONDS + 1
    session.save()
    response = client.post("/accounts/login/code/", {"code": code_for(TOTP_KEY, user)})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/account/").status_code == 302


@pytest.mark.django_db
def test_a_recovery_code_works_once(client, make_user):
    user = make_user("secretariat_admin")
    client.force_login(user)
    unthrottle(user)
    page = client.post("/account/two-factor/", {"action": "recovery_codes", "code": code_for(TOTP_KEY, user)})
    codes = re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", page.content.decode())
    assert len(codes) == 10
    assert verbs(user.username)[-1] == "mfa.recovery_codes_generated"
    client.post("/accounts/logout/")

    sign_in(client, user.username)
    used = client.post("/accounts/login/code/", {"code": codes[0].upper().replace("-", " ")}, follow=True)
    assert used.redirect_chain[-1][0] == "/"
    assert "9 recovery codes are left" in used.content.decode()
    assert (
        AuditEvent.objects.unrestricted().filter(verb="login.succeeded").first().after["second_factor"]
        == "recovery_code"
    )
    client.post("/accounts/logout/")

    sign_in(client, user.username)
    again = client.post("/accounts/login/code/", {"code": codes[0]})
    assert again.status_code == 200 and "The code is not right" in again.content.decode()
    assert StaticToken.objects.filter(device__user=user).count() == 9


@pytest.mark.django_db
def test_turning_it_off_is_refused_for_required_roles_and_allowed_for_others(client, make_user):
    admin = make_user("secretariat_admin")
    client.force_login(admin)
    page = client.get("/account/two-factor/").content.decode()
    assert "cannot be turned off" in page and 'value="disable"' not in page
    refused = client.post("/account/two-factor/", {"action": "disable", "code": code_for(TOTP_KEY, admin)})
    assert "required for your role" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=admin).exists()

    ncp = make_user("ncp", "KEN", totp=True)
    client.force_login(ncp)
    assert 'value="disable"' in client.get("/account/two-factor/").content.decode()
    bad = client.post("/account/two-factor/", {"action": "disable", "code": "999999"})
    assert 'id="id_code_error"' in bad.content.decode() and TOTPDevice.objects.filter(user=ncp).exists()
    unthrottle(ncp)
    off = client.post("/account/two-factor/", {"action": "disable", "code": code_for(TOTP_KEY, ncp)})
    assert off.status_code == 302
    assert not TOTPDevice.objects.filter(user=ncp).exists()
    assert verbs(ncp.username)[-1] == "mfa.totp_disabled"
    assert sign_in(client, ncp.username)["Location"] == "/"


@pytest.mark.django_db
def test_the_account_page_shows_the_two_factor_status(client, make_user):
    client.force_login(make_user("basic"))
    page = client.get("/account/").content.decode()
    assert (
        'id="two-factor-status">Two-factor authentication is off.' in page
        and 'href="/account/two-factor/"' in page
    )
    client.force_login(make_user("secretariat_analyst"))
    assert (
        'id="two-factor-status">Two-factor authentication is on.' in client.get("/account/").content.decode()
    )


@pytest.mark.django_db
def test_an_account_administrator_resets_a_lost_second_factor(client, make_user, page_problems):
    analyst = make_user("secretariat_analyst")
    admin = make_user("secretariat_admin")
    client.force_login(make_user("secretariat_analyst"))
    assert client.post(f"/users/{analyst.username}/two-factor/reset/", {"reason": "x"}).status_code == 403

    client.force_login(admin)
    page = client.get(f"/users/{analyst.username}/").content.decode()
    assert page_problems(page) == [] and "Reset two-factor authentication" in page
    no_reason = client.post(f"/users/{analyst.username}/two-factor/reset/", {"reason": " "}, follow=True)
    assert "say why the reset is needed" in no_reason.content.decode()
    assert TOTPDevice.objects.filter(user=analyst).exists()
    client.post(f"/users/{analyst.username}/two-factor/reset/", {"reason": "lost phone and codes"})
    assert not TOTPDevice.objects.filter(user=analyst).exists()
    event = AuditEvent.objects.unrestricted().get(verb="mfa.totp_reset")
    assert (event.actor, event.target_label, event.reason) == (
        admin,
        analyst.username,
        "lost phone and codes",
    )
    # The analyst signs in with the password alone, and must set up a new app before anything else.
    client.post("/accounts/logout/")
    assert sign_in(client, analyst.username)["Location"].startswith("/account/two-factor/")


# --- lockout -----------------------------------------------------------------------------------


def _lock_message(html: str) -> str:
    return re.search(r'<div class="form-errors" role="alert">(.*?)</div>', html, re.S).group(1)


@pytest.mark.django_db
@override_settings(PMM_LOGIN_MAX_FAILURES=5, PMM_LOGIN_LOCKOUT_MINUTES=15)
def test_lockout_after_five_failures_is_audited_and_looks_the_same_for_unknown_users(client, make_user):
    user = make_user("basic")
    pages = [sign_in(client, user.username, "wrong-password").content.decode() for _ in range(5)]
    assert all("not right" in p for p in pages[:4])
    locked = pages[4]
    assert "Too many failed sign-in attempts" in locked and "15 minutes" in locked
    # Even the right password is refused now, without being checked.
    refused = sign_in(client, user.username).content.decode()
    assert "Too many failed sign-in attempts" in refused and client.get("/account/").status_code == 302
    assert verbs(user.username) == ["user.created"] + ["login.failed"] * 5 + ["login.locked", "login.failed"]
    lock_event = AuditEvent.objects.unrestricted().get(verb="login.locked", target_label=user.username)
    assert lock_event.after["failures"] == 5 and lock_event.target_id == str(user.pk)
    assert AuditEvent.objects.unrestricted().filter(
        verb="login.failed", target_label=user.username
    ).first().after == {
        "username": user.username,
        "step": "password",
        "ip": "127.0.0.1",
        "refused": "locked",
    }

    ghost = [sign_in(client, "nobody-at-all", "wrong-password").content.decode() for _ in range(6)]
    assert _lock_message(ghost[4]) == _lock_message(locked)
    assert _lock_message(ghost[5]) == _lock_message(refused)
    assert "not right" in ghost[0] and _lock_message(ghost[0]) == _lock_message(pages[0])
    assert verbs("nobody-at-all") == ["login.failed"] * 5 + ["login.locked", "login.failed"]


@pytest.mark.django_db
def test_lockout_ends_after_its_period_and_a_success_clears_the_count(client, make_user, settings):
    settings.PMM_LOGIN_MAX_FAILURES = 3
    user = make_user("basic")
    for _ in range(3):
        sign_in(client, user.username, "wrong-password")
    assert "Too many failed" in sign_in(client, user.username).content.decode()
    # Fifteen minutes later (moved back in time rather than waited for).
    earlier = timezone.now() - timedelta(minutes=settings.PMM_LOGIN_LOCKOUT_MINUTES + 1)
    LoginLockout.objects.update(locked_at=earlier, locked_until=earlier + timedelta(seconds=1))
    LoginFailure.objects.update(at=earlier)
    assert sign_in(client, user.username)["Location"] == "/"
    assert verbs(user.username)[-1] == "login.succeeded"
    assert not LoginFailure.objects.filter(username_key=user.username).exists()
    client.post("/accounts/logout/")
    # The count starts again from zero: two failures do not lock.
    for _ in range(2):
        sign_in(client, user.username, "wrong-password")
    assert sign_in(client, user.username)["Location"] == "/"


@pytest.mark.django_db
def test_failures_outside_the_window_do_not_count(client, make_user, settings):
    settings.PMM_LOGIN_MAX_FAILURES = 3
    user = make_user("basic")
    for _ in range(2):
        sign_in(client, user.username, "wrong-password")
    LoginFailure.objects.update(
        at=timezone.now() - timedelta(minutes=settings.PMM_LOGIN_FAILURE_WINDOW_MINUTES + 1)
    )
    assert "not right" in sign_in(client, user.username, "wrong-password").content.decode()
    assert sign_in(client, user.username)["Location"] == "/"


@pytest.mark.django_db
def test_wrong_codes_count_towards_the_lockout(client, make_user, settings):
    settings.PMM_LOGIN_MAX_FAILURES = 3
    user = make_user("secretariat_admin")
    sign_in(client, user.username)
    for _ in range(2):
        unthrottle(user)
        assert client.post("/accounts/login/code/", {"code": "000000"}).status_code == 200
    unthrottle(user)
    locked = client.post("/accounts/login/code/", {"code": "000000"}, follow=True)
    assert locked.redirect_chain[-1][0] == "/accounts/login/"
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert "Too many failed" in sign_in(client, user.username).content.decode()
    assert verbs(user.username)[-3:] == ["login.failed", "login.locked", "login.failed"]


# --- sessions ----------------------------------------------------------------------------------


def _age_session(client, key: str, seconds: float) -> None:
    session = client.session
    session[key] = time.time() - seconds
    session.save()


@pytest.mark.django_db
def test_sessions_end_after_inactivity(client, make_user, settings):
    client.force_login(make_user("basic"))
    assert client.get("/account/").status_code == 200
    _age_session(client, LAST_SEEN_AT, settings.PMM_SESSION_IDLE_MINUTES * 60 - 30)
    assert client.get("/account/").status_code == 200  # still active: the request counts as activity
    assert time.time() - client.session[LAST_SEEN_AT] < 5
    _age_session(client, LAST_SEEN_AT, settings.PMM_SESSION_IDLE_MINUTES * 60 + 1)
    expired = client.get("/account/", follow=True)
    assert expired.redirect_chain[0][0].startswith("/accounts/login/")
    assert "Your session has expired" in expired.content.decode()
    assert client.get("/account/").status_code == 302


@pytest.mark.django_db
def test_sessions_end_at_the_absolute_maximum_whatever_the_activity(client, make_user, settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    client.force_login(make_user("basic"))
    _age_session(client, SIGNED_IN_AT, settings.SESSION_COOKIE_AGE + 1)
    assert client.get("/account/").status_code == 302
    # API reads with the session stop too (401, no redirect).
    client.force_login(make_user("basic"))
    _age_session(client, LAST_SEEN_AT, settings.PMM_SESSION_IDLE_MINUTES * 60 + 1)
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.django_db
def test_signing_out_clears_the_session(client, make_user):
    from django.contrib.sessions.models import Session

    user = make_user("basic")
    sign_in(client, user.username)
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/account/").status_code == 302


# --- passwords ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_password_change_enforces_the_policy_and_is_audited(client, make_user, page_problems):
    user = make_user("basic")
    client.force_login(user)
    assert page_problems(client.get("/account/password/").content.decode()) == []
    short = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    ).content.decode()
    assert 'id="id_new_password2_error"' in short and "at least 12 characters" in short
    common = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "password1234", "new_password2": "password1234"},
    ).content.decode()
    assert "too common" in common
    done = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase",
            "new_password2": "a-new-long-passphrase",
        },
    )
    assert done.status_code == 302 and client.get("/account/").status_code == 200  # this session goes on
    user.refresh_from_db()
    assert user.check_password("a-new-long-passphrase")
    assert verbs(user.username)[-1] == "user.password_changed"


@pytest.mark.django_db
def test_invitation_acceptance_enforces_the_policy(client, make_user, django_capture_on_commit_callbacks):
    client.force_login(make_user("ncp", "KEN"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/contributors/", {"username": "achieng", "email": "achieng@example.org"})
    client.post("/accounts/logout/")
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    form = client.get(link, follow=True)
    set_url = form.redirect_chain[-1][0]
    weak = client.post(set_url, {"new_password1": "12345678", "new_password2": "12345678"}).content.decode()
    assert (
        'id="id_new_password2_error"' in weak
        and "at least 12 characters" in weak
        and "entirely numeric" in weak
    )
    ok = client.post(
        set_url, {"new_password1": "a-long-passphrase-7", "new_password2": "a-long-passphrase-7"}
    )
    assert ok.status_code == 302 and ok["Location"] == "/accounts/login/"
    assert verbs("achieng")[-1] == "user.password_set"
    assert sign_in(client, "achieng", "a-long-passphrase-7")["Location"] == "/"


@pytest.mark.django_db
def test_the_command_line_enforces_the_policy():
    from typer.testing import CliRunner

    from pmm.cli import app

    result = CliRunner().invoke(
        app,
        ["user", "create", "--username", "weak", "--email", "weak@example.org", "--role", "basic"],
        input="short\n",
    )
    assert result.exit_code == 1
    assert (
        "  - password: This password is too short. It must contain at least 12 characters." in result.stderr
    )
    assert not User.objects.filter(username="weak").exists()


# --- headers and inline code -------------------------------------------------------------------


class InlineCode(HTMLParser):
    """Collects what a strict Content-Security-Policy would block: inline scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and not a.get("src") and a.get("type") != "application/json":
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"{name} attribute on <{tag}>")
            if name in {"href", "src", "action"} and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")
            if name.startswith("hx-on"):
                self.problems.append(f"{name} attribute on <{tag}>")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.problems


@pytest.mark.django_db
def test_every_page_of_the_main_journeys_has_the_headers_and_no_inline_code(
    client, make_user, open_cycle, complete_assessment
):
    complete_assessment(open_cycle, "FRA")
    kenya = f"/cycles/{open_cycle.pk}/assessments/KEN/"
    public = [*PUBLIC_PAGES, "/api/v1/docs"]
    by_role = {
        "secretariat_admin": [
            "/account/",
            "/account/two-factor/",
            "/account/password/",
            "/users/",
            "/audit/",
            "/groups/new/",
            "/frameworks/upload/",
            "/cycles/",
            f"/cycles/{open_cycle.pk}/",
            f"/cycles/{open_cycle.pk}/board/",
            f"/cycles/{open_cycle.pk}/assessments/FRA/",
        ],
        "ncp": ["/due/", "/contributors/", kenya, kenya + "D1/", kenya + "history/", kenya + "D2/"],
    }
    seen = 0
    for role, paths in [(None, public), *by_role.items()]:
        if role:
            client.force_login(make_user(role, MEMBER_OF.get(role)))
            if role == "ncp":
                client.post(kenya + "start/")
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            assert response["Content-Security-Policy"] == CSP, path
            assert response["X-Frame-Options"] == "DENY"
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response["Referrer-Policy"] == "same-origin"
            assert inline_code(response.content.decode()) == [], path
            seen += 1
    # The enrolment page (with its QR code) and the sign-in code step, too.
    client.force_login(make_user("basic"))
    enrol = client.get("/account/two-factor/")
    assert "data:image/svg+xml" in enrol.content.decode() and inline_code(enrol.content.decode()) == []
    assert seen == len(public) + sum(len(p) for p in by_role.values())
    # API answers and redirects carry the policy as well.
    assert client.get("/api/v1/me")["Content-Security-Policy"] == CSP


@pytest.mark.django_db
@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_hsts_on_https_requests(client):
    assert client.get("/", secure=True)["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/")


# --- production settings -----------------------------------------------------------------------


def _production_env(tmp_path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("PMM_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="pmm.config.settings",
        PMM_DEBUG="0",
        PMM_SECRET_KEY="x7Qf9-pZ2kLm4Rt8vWb1nC6yHs3Jd0GaEo5Ui-Kq7Xr2Tz9Vc4Nb8Mh1Ly6Wp3Sg",
        PMM_ALLOWED_HOSTS="pmm.example.org",
        PMM_VAR_DIR=str(tmp_path),
        **extra,
    )
    return env


def test_check_deploy_is_clean_in_production_mode(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "DEBUG"],
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_transport_settings_follow_the_environment(tmp_path):
    probe = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS, "
        "settings.SECURE_PROXY_SSL_HEADER, settings.PMM_SESSION_IDLE_MINUTES, settings.SESSION_COOKIE_AGE)"
    )

    def run(**extra: str) -> str:
        result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet
            [sys.executable, "-c", probe],
            env=_production_env(tmp_path, **extra),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert run() == "True True 31536000 None 60 28800"
    assert run(PMM_PROXY_SSL_HEADER="X-Forwarded-Proto", PMM_SESSION_IDLE_MINUTES="20") == (
        "True True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https') 20 28800"
    )
    assert run(PMM_HTTPS="false", PMM_SESSION_MAX_HOURS="4") == "False False 0 None 60 14400"
