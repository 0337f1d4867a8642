"""Inviting a contributor never tells the inviter whether an account exists (docs/security.md,
"Invitations"): for a new address, an address an account already uses, and an address whose local
part is an existing username, the page and the API answer the same, and the invitation looks the same
in the NCP's list. Behind, a new person gets an account; an existing account is not changed until its
holder accepts; each invitation is audited."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from pmm.accounts.invitations import sent_message
from pmm.accounts.models import Invitation, User
from pmm.audit.models import AuditEvent

FRESH = "fresh"
EXISTING_EMAIL = "existing e-mail"
EXISTING_USERNAME = "existing username"
CASES = [FRESH, EXISTING_EMAIL, EXISTING_USERNAME]
LEAKS = ("already", "taken", "exists", "existing", "another account", "déjà", "existe")
OLD_LEAKS = ("is already taken", "another account already uses this e-mail address")


@pytest.fixture
def world(make_user):
    """An NCP of Kenya; a contributor for Uganda (username `wkamau`, e-mail wanjiru@example.org); an
    account named `otieno` with another address."""
    ncp = make_user("ncp", "KEN")
    holder = make_user("contributor", "UGA", username="wkamau")
    holder.email, holder.first_name, holder.last_name = "wanjiru@example.org", "Wanjiru", "Kamau"
    holder.save()
    namesake = make_user("basic", username="otieno")
    namesake.email = "otieno.ochieng@elsewhere.example"
    namesake.save()
    return {
        "ncp": ncp,
        "holder": holder,
        "namesake": namesake,
        "emails": {
            FRESH: "achieng@example.org",
            EXISTING_EMAIL: "Wanjiru@Example.org",  # case differs from the stored address
            EXISTING_USERNAME: "otieno@example.org",
        },
    }


def _events(**filters):
    """Audit events, read as the Secretariat's own paths do."""
    manager = AuditEvent.objects
    return (manager.unrestricted() if hasattr(manager, "unrestricted") else manager.all()).filter(**filters)


def _roles(user: User) -> list[str]:
    return sorted(f"{a.role}:{a.member.iso3 if a.member else ''}" for a in user.role_assignments.all())


def _invite_page(client, email):
    with_names = {"email": email, "first_name": "Ann", "last_name": "Lee"}
    return client.post("/contributors/", with_names, follow=True)


def _invite_api(client, headers, email):
    return client.post(
        "/api/v1/members/KEN/contributors",
        data={"email": email, "first_name": "Ann", "last_name": "Lee"},
        content_type="application/json",
        headers=headers,
    )


def _invitation_row(html: str, email: str) -> str:
    table = re.search(r'<table id="invitations">.*?</table>', html, re.S)
    assert table, "the page lists the invitations not accepted yet"
    rows = [r for r in re.findall(r"<tr>.*?</tr>", table.group(0), re.S) if email in r]
    assert len(rows) == 1
    return rows[0].replace(email, "<email>")


def _no_leak(text: str) -> None:
    """No word about an account existing, and no name of the existing accounts or the new one."""
    lowered = text.lower()
    assert not [word for word in LEAKS if word in lowered]
    for name in ("wkamau", "Kamau", "otieno-2"):
        assert name not in text


@pytest.mark.django_db
def test_the_page_answers_the_same_whether_or_not_an_account_exists(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world["ncp"])
    answers = {}
    for case in CASES:
        email = world["emails"][case]
        stored = User.objects.normalize_email(email)  # the domain in lower case
        with django_capture_on_commit_callbacks(execute=True):
            response = _invite_page(client, email)
        html = response.content.decode()
        assert response.status_code == 200 and response.redirect_chain == [("/contributors/", 302)]
        shown = [str(m) for m in response.context["messages"]]
        assert shown == [sent_message(stored)]
        row = _invitation_row(html, stored)
        _no_leak(" ".join(shown) + row)
        answers[case] = ([m.replace(stored, "<email>") for m in shown], row)
    assert answers[FRESH] == answers[EXISTING_EMAIL] == answers[EXISTING_USERNAME]
    page = client.get("/contributors/").content.decode()
    assert not [leak for leak in OLD_LEAKS if leak in page]
    for name in ("wkamau", "Kamau", "otieno-2"):
        assert name not in page
    # The new accounts are waiting for their holders: none is listed among the people yet.
    people = re.search(r"<caption>Accounts of your administration</caption>.*?</table>", page, re.S).group(0)
    assert "achieng" not in people and "otieno" not in people and "Wanjiru" not in people
    # Behind: two new accounts, the existing ones untouched, three audited invitations.
    assert _roles(User.objects.get(username="achieng")) == ["contributor:KEN"]
    assert User.objects.get(username="otieno-2").email == "otieno@example.org"
    assert _roles(world["namesake"]) == ["basic:"] and _roles(world["holder"]) == ["contributor:UGA"]
    assert sorted(e.verb for e in _events(verb__startswith="user.invited")) == [
        "user.invited",
        "user.invited",
        "user.invited_existing",
    ]
    assert sorted(to for m in mail.outbox for to in m.to) == [
        "achieng@example.org",
        "otieno@example.org",
        "wanjiru@example.org",
    ]


@pytest.mark.django_db
def test_the_api_answers_the_same_whether_or_not_an_account_exists(
    client, world, bearer, django_capture_on_commit_callbacks
):
    headers = bearer(world["ncp"])
    answers = {}
    for case in CASES:
        email = world["emails"][case]
        with django_capture_on_commit_callbacks(execute=True):
            response = _invite_api(client, headers, email)
        assert response.status_code == 201
        body = response.json()
        _no_leak(response.content.decode())
        stored = body["email"]
        assert stored.lower() == email.lower()
        answers[case] = response.content.decode().replace(stored, "<email>")
    assert answers[FRESH] == answers[EXISTING_EMAIL] == answers[EXISTING_USERNAME]
    assert body == {
        "email": "otieno@example.org",
        "first_name": "Ann",
        "last_name": "Lee",
        "member": "KEN",
        "roles": [{"role": "contributor", "member": "KEN"}],
        "message": sent_message("otieno@example.org"),
    }


@pytest.mark.django_db
def test_a_new_address_gets_an_account_and_a_link_to_choose_a_password(
    client, world, bearer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite_api(client, bearer(world["ncp"]), "achieng@example.org")
    user = User.objects.get(email="achieng@example.org")
    assert user.username == "achieng" and not user.has_usable_password()
    assert (user.first_name, user.last_name) == ("Ann", "Lee")
    assert _roles(user) == ["contributor:KEN"]
    assert [m.to for m in mail.outbox] == [["achieng@example.org"]]
    assert "Choose your password here" in mail.outbox[0].body
    event = _events().get(verb="user.invited")
    assert event.actor == world["ncp"] and event.target_label == "achieng"
    assert event.after["roles"] == ["contributor:KEN"]
    # Choosing the password accepts the invitation: the person then appears among the NCP's people.
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    form = client.get(link, follow=True)
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-long-passphrase-7", "new_password2": "a-long-passphrase-7"},
    )
    assert done.status_code == 302
    assert Invitation.objects.get(user=user).accepted_at is not None
    assert _events(verb="user.invitation_accepted", target_label="achieng").exists()
    client.force_login(world["ncp"])
    page = client.get("/contributors/").content.decode()
    assert "achieng@example.org" in page and 'id="invitations"' not in page


@pytest.mark.django_db
def test_a_taken_username_only_changes_the_new_accounts_username(
    client, world, bearer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite_api(client, bearer(world["ncp"]), "otieno@example.org")
    namesake = User.objects.get(username="otieno")
    assert namesake.email == "otieno.ochieng@elsewhere.example" and _roles(namesake) == [
        "basic:"
    ]  # the existing account named otieno is untouched
    new = User.objects.get(email="otieno@example.org")
    assert new.pk != namesake.pk and new.username == "otieno-2"
    assert _roles(new) == ["contributor:KEN"]
    # Only the new account's holder learns its username, in their own mailbox.
    assert [m.to for m in mail.outbox] == [["otieno@example.org"]]
    assert "otieno-2" in mail.outbox[0].body
    assert _events(verb="user.invited", target_label="otieno-2").exists()


@pytest.mark.django_db
def test_an_existing_account_is_asked_and_changed_only_when_its_holder_accepts(
    client, world, bearer, django_capture_on_commit_callbacks
):
    holder = world["holder"]
    users_before = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        _invite_api(client, bearer(world["ncp"]), "Wanjiru@Example.org")
    assert User.objects.count() == users_before  # no second account for the address
    holder.refresh_from_db()
    assert _roles(holder) == ["contributor:UGA"]
    assert (holder.username, holder.first_name, holder.last_name) == ("wkamau", "Wanjiru", "Kamau")
    assert holder.has_usable_password()
    invitation = Invitation.objects.get(user=holder)
    assert invitation.accepted_at is None and not invitation.account_created
    event = _events().get(verb="user.invited_existing")
    assert event.actor == world["ncp"] and event.target_label == "wkamau"
    assert event.after["outcome"] == "asked to accept" and event.after["member"] == "KEN"
    # The holder is e-mailed (in English and French) a link to accept, signed in.
    assert [m.to for m in mail.outbox] == [["wanjiru@example.org"]]
    body = mail.outbox[0].body
    assert "You already have an account (username: wkamau)" in body and "Vous avez déjà un compte" in body
    link = f"/invitations/{invitation.pk}/"
    assert settings.PMM_BASE_URL + link in body
    # Nobody else can see or accept it; the holder sees it on their account page and accepts.
    client.force_login(world["ncp"])
    assert client.get(link).status_code == 404 and client.post(link).status_code == 404
    client.force_login(holder)
    assert link in client.get("/account/").content.decode()
    page = client.get(link)
    assert page.status_code == 200 and "Accept the invitation" in page.content.decode()
    holder.refresh_from_db()
    assert _roles(holder) == ["contributor:UGA"]  # looking changes nothing
    assert client.post(link).status_code == 302
    holder.refresh_from_db()
    assert _roles(holder) == ["contributor:KEN", "contributor:UGA"]
    accepted = _events().get(verb="user.invitation_accepted")
    assert accepted.actor == holder and accepted.after["roles"] == ["contributor:KEN", "contributor:UGA"]
    assert client.post(link).status_code == 302  # accepting again changes nothing
    assert _events(verb="user.invitation_accepted").count() == 1
    # Only now, with the holder's consent, does the NCP see the account.
    client.force_login(world["ncp"])
    page = client.get("/contributors/").content.decode()
    assert "wkamau" in page and 'id="invitations"' not in page


@pytest.mark.django_db
def test_an_expired_invitation_cannot_be_accepted(client, world, bearer):
    _invite_api(client, bearer(world["ncp"]), "wanjiru@example.org")
    invitation = Invitation.objects.get(user=world["holder"])
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    )
    client.force_login(world["holder"])
    assert "expired" in client.get(f"/invitations/{invitation.pk}/").content.decode()
    client.post(f"/invitations/{invitation.pk}/")
    assert _roles(world["holder"]) == ["contributor:UGA"]
    assert not _events(verb="user.invitation_accepted").exists()
    assert f"/invitations/{invitation.pk}/" not in client.get("/account/").content.decode()
    # The NCP's list shows it expired, as it would an expired invitation of a new account.
    client.force_login(world["ncp"])
    assert "invite again" in client.get("/contributors/").content.decode()


@pytest.mark.django_db
def test_deactivated_or_already_contributing_accounts_get_the_same_answer(
    client, world, make_user, bearer, django_capture_on_commit_callbacks
):
    headers = bearer(world["ncp"])
    gone = make_user("basic", username="gone")
    gone.is_active = False
    gone.save()
    colleague = make_user("contributor", "KEN", username="colleague")
    answers = []
    for user in (gone, colleague):
        with django_capture_on_commit_callbacks(execute=True):
            response = _invite_api(client, headers, user.email)
        assert response.status_code == 201
        answers.append(response.content.decode().replace(user.email, "<email>"))
    assert answers[0] == answers[1]
    assert mail.outbox == []  # a deactivated account is sent nothing; a colleague needs nothing
    gone.refresh_from_db()
    assert not gone.is_active and _roles(gone) == ["basic:"]
    outcomes = sorted(e.after["outcome"] for e in _events(verb="user.invited_existing"))
    assert outcomes == [
        "nothing sent: already a contributor for the member",
        "nothing sent: the account is deactivated",
    ]


@pytest.mark.django_db
def test_a_failing_mail_server_does_not_tell_the_cases_apart(
    client, world, bearer, django_capture_on_commit_callbacks
):
    headers = bearer(world["ncp"])
    with mock.patch("pmm.accounts.invitations.send_mail", side_effect=OSError("mail server down")):
        for email in ("new@example.org", "wanjiru@example.org"):
            with django_capture_on_commit_callbacks(execute=True):
                assert _invite_api(client, headers, email).status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email", "problem"),
    [("", "give the e-mail address"), ("not-an-address", "is not a valid e-mail address")],
)
def test_the_inviters_own_mistakes_are_named_on_their_field(client, world, bearer, email, problem):
    headers = bearer(world["ncp"])
    response = _invite_api(client, headers, email)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["message"] == "The invitation could not be sent."
    assert [f["field"] for f in error["fields"]] == ["email"] and problem in error["fields"][0]["message"]
    missing = client.post(
        "/api/v1/members/KEN/contributors", data={}, content_type="application/json", headers=headers
    )
    assert missing.status_code == 422 and missing.json()["error"]["fields"][0]["field"] == "email"
    client.force_login(world["ncp"])
    page = client.post("/contributors/", {"email": email})
    assert page.status_code == 200 and 'id="id_email_error"' in page.content.decode()
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_the_contributor_page_and_its_answer_are_in_french(client, world):
    from test_i18n import _english_leftovers, _visible_text

    client.force_login(world["ncp"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.post("/contributors/", {"email": "wanjiru@example.org"}, follow=True)
    html = response.content.decode()
    shown = [str(m) for m in response.context["messages"]]
    assert shown and shown[0].startswith("L'invitation à wanjiru@example.org a été envoyée.")
    assert _english_leftovers(_visible_text(html)) == []
    client.force_login(world["holder"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    invitation = Invitation.objects.get()
    assert (
        _english_leftovers(_visible_text(client.get(f"/invitations/{invitation.pk}/").content.decode())) == []
    )
