from __future__ import annotations

import re

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core import mail

from pmm.accounts.models import User
from pmm.accounts.services import RoleSpec, user_create, user_set_active, user_set_roles
from pmm.audit.models import AppendOnlyError, AuditEvent
from pmm.audit.services import audit_record
from pmm.core.actors import SYSTEM
from pmm.core.errors import ApplicationError, PermissionDenied

PASSWORD = "correct-horse-battery-staple"  # the conftest's make_user password


@pytest.mark.django_db
def test_audit_events_cannot_be_changed_or_deleted():
    event = audit_record(actor=SYSTEM, verb="test.done", target_label="x")
    event.reason = "edited"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.unrestricted().filter(pk=event.pk).update(reason="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.unrestricted().filter(pk=event.pk).delete()


@pytest.mark.django_db
def test_user_creation_and_role_changes_are_audited_with_who_and_why(make_user):
    admin = make_user("secretariat_admin")
    user = user_create(
        actor=admin,
        username="amina",
        email="amina@example.org",
        password="a-long-passphrase-1",
        roles=[RoleSpec("ncp", "KEN")],
        reason="new NCP",
    )
    created = AuditEvent.objects.unrestricted().get(verb="user.created", target_id=str(user.pk))
    assert created.actor == admin and created.reason == "new NCP"
    assert created.after["roles"] == ["ncp:KEN"]
    user_set_roles(actor=admin, user=user, roles=[RoleSpec("basic")], reason="left the NCP role")
    changed = AuditEvent.objects.unrestricted().get(verb="user.roles_changed")
    assert (changed.before, changed.after) == ({"roles": ["ncp:KEN"]}, {"roles": ["basic"]})
    user_set_active(actor=admin, user=user, active=False, reason="left")
    assert AuditEvent.objects.unrestricted().filter(verb="user.deactivated", reason="left").exists()


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2_in_the_real_settings():
    from pmm.config import settings as real_settings

    assert real_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    from django.contrib.auth.hashers import make_password
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=real_settings.PASSWORD_HASHERS):
        assert identify_hasher(make_password("x" * 14)).algorithm == "argon2"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"roles": [RoleSpec("ncp")]}, "roles.member"),
        ({"roles": [RoleSpec("ncp", "ZZZ")]}, "roles.member"),
        ({"roles": [RoleSpec("secretariat_admin", "KEN")]}, "roles.member"),
        ({"roles": [RoleSpec("emperor")]}, "roles"),
        ({"roles": []}, "roles"),
        ({"password": "short"}, "password"),
        ({"email": "not-an-address"}, "email"),
        ({"username": "has space"}, "username"),
    ],
)
def test_bad_accounts_are_refused_naming_the_field(kwargs, field):
    values = {
        "username": "newuser",
        "email": "new@example.org",
        "password": "a-long-passphrase-1",
        "roles": [RoleSpec("basic")],
        **kwargs,
    }
    before = User.objects.count()
    with pytest.raises(ApplicationError) as error:
        user_create(actor=SYSTEM, **values)
    assert field in {p.field for p in error.value.problems}
    assert User.objects.count() == before


@pytest.mark.django_db
def test_only_account_administrators_create_accounts(make_user):
    with pytest.raises(PermissionDenied):
        user_create(
            actor=make_user("ncp", "KEN"),
            username="x1",
            email="x1@example.org",
            password=None,
            roles=[RoleSpec("basic")],
        )


@pytest.mark.django_db
def test_invited_contributor_sets_a_password_by_link_and_signs_in(
    client, make_user, django_capture_on_commit_callbacks
):
    client.force_login(make_user("ncp", "KEN"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/contributors/", {"username": "wanjiru", "email": "wanjiru@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["wanjiru@example.org"]
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    client.logout()
    form = client.get(link, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0] if form.redirect_chain else link
    done = client.post(
        set_url, {"new_password1": "a-much-longer-secret-42", "new_password2": "a-much-longer-secret-42"}
    )
    assert done.status_code == 302
    assert client.login(username="wanjiru", password="a-much-longer-secret-42")
    assert AuditEvent.objects.unrestricted().filter(verb="user.invited", target_label="wanjiru").exists()


@pytest.mark.django_db
def test_login_and_logout(client, make_user):
    user = make_user("basic")
    page = client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    assert "not right" in page.content.decode()
    assert (
        client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    )
    assert user.username in client.get("/").content.decode()
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/account/").status_code == 302


@pytest.mark.django_db
def test_account_page_shows_a_new_token_once(client, make_user):
    client.force_login(make_user("basic"))
    page = client.post("/account/", {"name": "reporting script"}).content.decode()
    secret = re.search(r'id="new-token">(pmm_[^<]+)<', page).group(1)
    assert secret not in client.get("/account/").content.decode()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


@pytest.mark.django_db
def test_secretariat_browses_the_audit_log(client, make_user):
    client.force_login(make_user("secretariat_analyst"))
    page = client.get("/audit/?verb=framework.loaded").content.decode()
    assert "framework.loaded" in page
    api = client.get("/api/v1/audit?verb=members.loaded").json()
    assert api["count"] == 1 and api["events"][0]["actor"] == "system"


@pytest.mark.django_db
def test_api_invitation_and_account_without_password_send_the_link(
    client, make_user, bearer, django_capture_on_commit_callbacks
):
    headers = bearer(make_user("secretariat_admin"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/api/v1/members/KEN/contributors",
            data={"email": "o@example.org"},
            content_type="application/json",
            headers=headers,
        )
        client.post(
            "/api/v1/users",
            data={"username": "zoe", "email": "z@example.org", "roles": [{"role": "basic"}]},
            content_type="application/json",
            headers=headers,
        )
        client.post(
            "/api/v1/users",
            data={
                "username": "max",
                "email": "m@example.org",
                "password": "a-long-passphrase-1",
                "roles": [{"role": "basic"}],
            },
            content_type="application/json",
            headers=headers,
        )
    assert [m.to for m in mail.outbox] == [["o@example.org"], ["z@example.org"]]
    assert "Choose your password here" in mail.outbox[0].body
    assert "Choisissez votre mot de passe ici" in mail.outbox[0].body
    assert "http://127.0.0.1:8000/accounts/password/" in mail.outbox[0].body
