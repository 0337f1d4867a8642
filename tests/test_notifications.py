"""Notifications: notify() writes one in-app notification per user and e-mails those who want it, after
the commit only; preferences; dedupe keys; the pages, the API and the nav link; a user only ever sees
their own notifications; notify() runs a fixed number of queries however many users it reaches."""

from __future__ import annotations

import logging
import re

import pytest
from django.core import mail
from django.db import transaction
from typer.testing import CliRunner

from pmm.audit.models import AuditEvent
from pmm.core.actors import SYSTEM
from pmm.core.errors import ApplicationError, NotFound, PermissionDenied
from pmm.notifications.kinds import KINDS
from pmm.notifications.models import Notification, NotificationPreference
from pmm.notifications.selectors import notifications_of, preferences_of, unread_count
from pmm.notifications.services import notification_mark_read, notify, preferences_save

pytestmark = pytest.mark.django_db

KIND = "review.assigned"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def send(users, kind: str = KIND, **kwargs):
    """notify() with its e-mails sent, as after the commit of the caller's transaction."""
    kwargs.setdefault("url", "/reviews/")
    return notify(users, kind, kwargs.pop("subject", "Subject"), kwargs.pop("body", "Body text"), **kwargs)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run notify()'s after-commit work (the e-mails) at the end of the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --- the kinds ---------------------------------------------------------------------------------


def test_the_kinds_are_the_review_kinds_with_e_mail_on_by_default():
    assert set(KINDS) == {
        "review.assigned",
        "review.round_sent",
        "review.query_answered",
        "review.due_soon",
        "review.overdue",
        "review.signed_off",
        "review.status",
        "assessment.disclosure_changed",  # a published member changed a level (test_disclosure_changes)
    }
    assert all(kind.email_default is True for kind in KINDS.values())
    assert str(KINDS["review.assigned"].label) == "You were assigned to a peer review"


def test_an_unknown_kind_or_a_bad_url_is_a_programming_error(make_user):
    user = make_user()
    with pytest.raises(ValueError, match="unknown notification kind"):
        notify([user], "review.nope", "Subject", "Body")
    with pytest.raises(ValueError, match="url"):
        notify([user], KIND, "Subject", "Body", "javascript:alert(1)")
    with pytest.raises(ValueError, match="url"):
        notify([user], KIND, "Subject", "Body", "//evil.example/x")
    assert not Notification.objects.unrestricted().exists()


# --- notify -------------------------------------------------------------------------------------


def test_notify_creates_one_notification_per_user_and_e_mails_them(make_user, committed, settings):
    settings.PMM_BASE_URL = "https://pmm.example.org/"
    alice, bob = make_user(username="alice"), make_user(username="bob")
    with committed():
        created = notify(
            [alice, bob, alice], KIND, "Review of KEN", "You review Kenya.\nSee you.", "/cycles/1/review/"
        )
    assert len(created) == 2 and all(n.pk for n in created)
    assert {n.user for n in Notification.objects.unrestricted().all()} == {alice, bob}
    assert len(mail.outbox) == 2
    message = next(m for m in mail.outbox if m.to == ["alice@example.org"])
    assert message.subject == "Review of KEN"
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert "You review Kenya.\nSee you." in message.body
    assert "https://pmm.example.org/cycles/1/review/" in message.body
    assert "https://pmm.example.org/notifications/preferences/" in message.body
    assert all(n.emailed_at is not None for n in Notification.objects.unrestricted().all())


def test_inactive_users_and_users_without_address_get_no_e_mail(make_user, committed):
    active, no_address, inactive = make_user(), make_user(), make_user()
    no_address.email = ""
    no_address.save()
    inactive.is_active = False
    inactive.save()
    with committed():
        send([active, no_address, inactive])
    assert set(Notification.objects.unrestricted().values_list("user", flat=True)) == {
        active.pk,
        no_address.pk,
    }
    assert [m.to for m in mail.outbox] == [[active.email]]
    assert Notification.objects.unrestricted().get(user=no_address).emailed_at is None


def test_no_url_links_the_e_mail_to_the_notifications_page(make_user, committed, settings):
    settings.PMM_BASE_URL = "http://localhost:8000"
    with committed():
        notify([make_user()], "review.status", "Subject", "Body")
    assert "http://localhost:8000/notifications/" in mail.outbox[0].body


def test_a_preference_off_means_in_app_only(make_user, committed):
    quiet, loud = make_user(), make_user()
    preferences_save(actor=quiet, choices={KIND: False})
    with committed():
        send([quiet, loud])
    assert Notification.objects.unrestricted().filter(user=quiet).exists()
    assert [m.to for m in mail.outbox] == [[loud.email]]
    # Only that kind: other kinds still come by e-mail.
    mail.outbox.clear()
    with committed():
        send([quiet], "review.status")
    assert [m.to for m in mail.outbox] == [[quiet.email]]


def test_a_rolled_back_write_sends_nothing(make_user, committed):
    user = make_user()
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        send([user])
        raise RuntimeError("the caller's write fails")
    assert not Notification.objects.unrestricted().exists()
    assert mail.outbox == []


def test_the_e_mail_waits_for_the_commit(make_user, django_capture_on_commit_callbacks):
    user = make_user()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send([user])
    assert mail.outbox == [] and len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1


def test_a_mail_failure_is_logged_and_does_not_break_the_caller(make_user, committed, monkeypatch, caplog):
    def refuse(self, *args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    user = make_user()
    with caplog.at_level(logging.ERROR, logger="pmm.notifications.services"), committed():
        created = send([user])
    assert created and Notification.objects.unrestricted().get().emailed_at is None
    assert "could not be sent" in caplog.text


def test_a_dedupe_key_notifies_each_user_once(make_user, committed):
    first, second = make_user(), make_user()
    with committed():
        assert len(send([first], "review.due_soon", dedupe_key="round:1")) == 1
        assert send([first], "review.due_soon", dedupe_key="round:1") == []
        assert [n.user for n in send([first, second], "review.due_soon", dedupe_key="round:1")] == [second]
        assert len(send([first], "review.due_soon", dedupe_key="round:2")) == 1
        assert len(send([first], "review.due_soon")) == 1  # no key: no dedupe
    assert Notification.objects.unrestricted().filter(user=first).count() == 3
    assert len(mail.outbox) == 4


def test_notify_runs_the_same_queries_for_one_user_and_for_five(
    make_user, django_assert_num_queries, django_capture_on_commit_callbacks
):
    one = [make_user()]
    five = [make_user() for _ in range(5)]
    preferences_save(actor=five[0], choices={KIND: False})
    five[1].email = ""
    five[1].save()
    # Savepoint, dedupe check, insert, preferences, release; after the commit: recording the e-mails sent.
    for users in (one, five):
        with django_assert_num_queries(6), django_capture_on_commit_callbacks(execute=True):
            assert len(send(users, dedupe_key=f"key-{len(users)}")) == len(users)
    assert len(mail.outbox) == 1 + 3


# --- reading and marking read ---------------------------------------------------------------------


def test_selectors_read_only_the_users_own(make_user):
    alice, bob = make_user(), make_user()
    send([alice], subject="for alice")
    send([bob], subject="for bob")
    send([alice], subject="second for alice")
    assert [n.subject for n in notifications_of(alice)] == ["second for alice", "for alice"]
    assert unread_count(alice) == 2 and unread_count(bob) == 1
    assert notifications_of(SYSTEM) == [] and unread_count(SYSTEM) == 0


def test_mark_read_one_or_all_only_ones_own(make_user):
    alice, bob = make_user(), make_user()
    a1, a2 = send([alice])[0], send([alice])[0]
    b1 = send([bob])[0]
    assert notification_mark_read(actor=alice, ids=[a1.pk]) == 1
    assert notification_mark_read(actor=alice, ids=[a1.pk]) == 0  # already read
    assert [n.pk for n in notifications_of(alice, unread_only=True)] == [a2.pk]
    with pytest.raises(NotFound):
        notification_mark_read(actor=alice, ids=[b1.pk])
    with pytest.raises(NotFound):
        notification_mark_read(actor=alice, ids=[a2.pk, b1.pk])
    assert unread_count(alice) == 1 and unread_count(bob) == 1
    with pytest.raises(ApplicationError):
        notification_mark_read(actor=alice)
    with pytest.raises(PermissionDenied):
        notification_mark_read(actor=SYSTEM, all_unread=True)
    assert notification_mark_read(actor=alice, all_unread=True) == 1
    assert unread_count(alice) == 0 and unread_count(bob) == 1


# --- preferences ------------------------------------------------------------------------------------


def test_preferences_default_from_the_registry_and_are_audited(make_user):
    user = make_user()
    assert [(p.kind, p.email) for p in preferences_of(user)] == [(k, True) for k in KINDS]
    preferences_save(actor=user, choices={KIND: False, "review.status": True})
    assert dict((p.kind, p.email) for p in preferences_of(user))[KIND] is False
    # A kind left at its default stores nothing: it follows the default.
    assert list(NotificationPreference.objects.filter(user=user).values_list("kind", "email")) == [
        (KIND, False)
    ]
    event = AuditEvent.objects.unrestricted().get(verb="notifications.preferences_saved")
    assert event.actor == user and event.before == {"email": {KIND: True}}
    assert event.after == {"email": {KIND: False}}
    preferences_save(actor=user, choices={KIND: True})
    assert NotificationPreference.objects.get(user=user, kind=KIND).email is True
    preferences_save(actor=user, choices={KIND: True})  # no change: no audit event
    assert AuditEvent.objects.unrestricted().filter(verb="notifications.preferences_saved").count() == 2


def test_unknown_kinds_in_preferences_name_the_field(make_user):
    user = make_user()
    with pytest.raises(ApplicationError) as error:
        preferences_save(actor=user, choices={"review.nope": True, KIND: False})
    assert [p.field for p in error.value.problems] == ["review.nope"]
    assert not NotificationPreference.objects.exists()


# --- pages --------------------------------------------------------------------------------------------


def test_pages_need_a_signed_in_user(client):
    for path in ("/notifications/", "/notifications/preferences/"):
        response = client.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_list_page_marks_unread_and_links_to_the_target(client, make_user, page_problems):
    user = make_user()
    read, unread = send([user], subject="Old news")[0], send([user], subject="Fresh news", url="/reviews/")[0]
    notification_mark_read(actor=user, ids=[read.pk])
    send([make_user()], subject="Someone else's")
    client.force_login(user)
    response = client.get("/notifications/")
    assert response.status_code == 200
    html = text(response)
    assert page_problems(response.content.decode()) == []
    assert "Fresh news" in html and "Old news" in html and "Someone else" not in html
    assert 'class="notice notification-unread"' in html and 'class="card notification-read"' in html
    assert '<a href="/reviews/">Fresh news</a>' in html
    assert f'action="/notifications/{unread.pk}/read/"' in html
    assert f'action="/notifications/{read.pk}/read/"' not in html
    assert "Mark all as read" in html
    only_unread = text(client.get("/notifications/?unread=1"))
    assert "Fresh news" in only_unread and "Old news" not in only_unread


def test_mark_read_forms(client, make_user):
    user = make_user()
    first, _second = send([user])[0], send([user])[0]
    client.force_login(user)
    response = client.post(f"/notifications/{first.pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert unread_count(user) == 1
    assert client.get(f"/notifications/{first.pk}/read/").status_code == 405
    response = client.post("/notifications/read/", {"unread": "1"})
    assert response["Location"] == "/notifications/?unread=1"
    assert unread_count(user) == 0
    assert "Mark all as read" not in text(client.get("/notifications/"))


def test_others_notifications_are_404_on_the_pages(client, make_user):
    alice, bob = make_user(), make_user()
    theirs = send([bob])[0]
    client.force_login(alice)
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert client.post("/notifications/999999/read/").status_code == 404
    assert unread_count(bob) == 1


def test_preferences_page_saves_the_checkboxes(client, make_user, page_problems):
    user = make_user()
    client.force_login(user)
    response = client.get("/notifications/preferences/")
    assert response.status_code == 200
    html = response.content.decode()
    assert page_problems(html) == []
    assert html.count('type="checkbox"') == len(KINDS)
    assert "You were assigned to a peer review" in html
    # Untick "assigned" (absent from the form), keep the others ticked.
    data = {f"email_{k.replace('.', '_')}": "on" for k in KINDS if k != KIND}
    response = client.post("/notifications/preferences/", data)
    assert response.status_code == 302 and response["Location"] == "/notifications/preferences/"
    assert {p.kind: p.email for p in preferences_of(user)} == {k: k != KIND for k in KINDS}
    page = client.get("/notifications/preferences/").content.decode()
    assert "Your notification preferences were saved." in page
    assert not re.search(r'name="email_review_assigned"[^>]*checked', page)


def test_french_pages(client, make_user, settings):
    client.force_login(make_user())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    for path in ("/notifications/", "/notifications/preferences/"):
        response = client.get(path)
        assert response.status_code == 200 and '<html lang="fr"' in response.content.decode()


# --- the nav link ---------------------------------------------------------------------------------


def test_nav_shows_the_unread_count_to_signed_in_users_only(client, make_user):
    user = make_user()
    assert 'href="/notifications/"' not in text(client.get("/"))
    client.force_login(user)
    html = text(client.get("/"))
    assert 'href="/notifications/">Notifications</a>' in html  # nothing unread: no count
    send([user])
    send([user])
    html = text(client.get("/"))
    assert re.search(r'href="/notifications/">Notifications <span class="badge">.*?2</span></a>', html)
    assert 'aria-current="page">Notifications' in text(client.get("/notifications/"))


def test_nav_count_is_one_query(client, make_user, django_assert_num_queries):
    from django.template import Context, Template
    from django.test import RequestFactory

    user = make_user()
    send([user])
    request = RequestFactory().get("/")
    template = Template("{% load notifications %}{% notifications_nav_link %}")
    with django_assert_num_queries(1):
        html = template.render(Context({"request": request, "user": user}))
    assert ">1</span>" in html


# --- API ------------------------------------------------------------------------------------------------


def test_api_lists_only_ones_own(client, make_user, bearer):
    alice, bob = make_user("basic"), make_user("basic")
    mine = send([alice], subject="mine", url="/reviews/")[0]
    send([bob], subject="theirs")
    body = client.get("/api/v1/notifications", headers=bearer(alice)).json()
    assert [n["subject"] for n in body] == ["mine"]
    assert body[0] == {
        "id": mine.pk,
        "kind": KIND,
        "kind_label": "You were assigned to a peer review",
        "subject": "mine",
        "body": "Body text",
        "url": "/reviews/",
        "created_at": body[0]["created_at"],
        "read_at": None,
    }
    notification_mark_read(actor=alice, all_unread=True)
    assert client.get("/api/v1/notifications?unread=true", headers=bearer(alice)).json() == []
    assert len(client.get("/api/v1/notifications?unread=false", headers=bearer(alice)).json()) == 1


def test_api_reads_with_the_session_but_writes_need_a_token(client, make_user):
    user = make_user("basic")
    assert client.get("/api/v1/notifications").status_code == 401
    client.force_login(user)
    assert client.get("/api/v1/notifications").status_code == 200
    response = client.post("/api/v1/notifications/read", {"all": True}, content_type="application/json")
    assert response.status_code == 401


def test_api_marks_read(client, make_user, bearer):
    alice, bob = make_user("basic"), make_user("basic")
    a1, _a2 = send([alice])[0], send([alice])[0]
    b1 = send([bob])[0]
    headers = bearer(alice)

    def post(data):
        return client.post(
            "/api/v1/notifications/read", data, content_type="application/json", headers=headers
        )

    response = post({"ids": [a1.pk]})
    assert response.status_code == 200 and response.json() == {"marked": 1, "unread": 1}
    response = post({"ids": [b1.pk]})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    response = post({})
    assert response.status_code == 400 and response.json()["error"]["fields"][0]["field"] == "ids"
    assert post({"ids": ["x"]}).status_code == 422
    assert post({"all": True}).json() == {"marked": 1, "unread": 0}
    assert unread_count(bob) == 1


def test_api_preferences(client, make_user, bearer):
    user = make_user("basic")
    headers = bearer(user)
    body = client.get("/api/v1/notifications/preferences", headers=headers).json()
    assert [p["kind"] for p in body] == list(KINDS) and all(p["email"] for p in body)
    assert body[0]["label"] == "You were assigned to a peer review"

    def put(data):
        return client.put(
            "/api/v1/notifications/preferences", data, content_type="application/json", headers=headers
        )

    response = put({KIND: False})
    assert response.status_code == 200
    assert {p["kind"]: p["email"] for p in response.json()}[KIND] is False
    response = put({"review.nope": True})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_values" and error["fields"][0]["field"] == "review.nope"
    response = put({KIND: "perhaps"})
    assert response.status_code == 422 and response.json()["error"]["fields"]
    assert put({KIND: True}).status_code == 200
    assert client.get("/api/v1/notifications/preferences").status_code == 401


# --- command line ---------------------------------------------------------------------------------


def test_cli_sends_a_test_e_mail():
    from pmm.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["notifications", "test-email", "ops@example.org"])
    assert result.exit_code == 0, result.output
    assert mail.outbox[-1].to == ["ops@example.org"]
    result = runner.invoke(app, ["notifications", "test-email", "not-an-address"])
    assert result.exit_code == 1
