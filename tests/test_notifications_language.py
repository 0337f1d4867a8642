"""Notifications are written in their reader's language when shown, not when sent: a notification sent
while English was active reads in French on the French page and in the API asked in French; its
e-mail follows the recipient's preferred language; notifications stored as text only keep their text."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core import mail
from django.utils import translation

from pmm.cycles.models import Cycle
from pmm.members.models import Member
from pmm.notifications.kinds import KINDS, MESSAGES
from pmm.notifications.messages import date_param, each_language, label_param, member_param, render
from pmm.notifications.models import Notification
from pmm.notifications.services import notify, notify_message
from pmm.reviews.models import ReviewStatus

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def germany() -> Member:
    return Member.objects.get(iso3="DEU")


def requested(users, member: Member, cycle: Cycle) -> list[Notification]:
    params = {"member": member_param(member), "cycle": each_language(lambda: cycle)}
    with translation.override("en"):
        return notify_message(users, "review.requested", params, "/reviews/")


def test_every_message_is_of_a_listed_kind_and_unknown_messages_are_refused():
    for code, message in MESSAGES.items():
        assert message.kind in KINDS, code
    with pytest.raises(ValueError, match="unknown notification message"):
        notify_message([], "review.nope", {})


def test_sent_in_english_read_in_french_on_the_page(client, make_user, germany, open_cycle, settings):
    reader = make_user("basic")
    (notification,) = requested([reader], germany, open_cycle)
    assert notification.subject == "Peer review requested: Germany"  # as first written
    client.force_login(reader)
    english = text(client.get("/notifications/"))
    assert "Peer review requested: Germany" in english
    assert (
        f"Germany asks for a peer review of its self-assessment for Cycle {open_cycle.opens_on.year}"
        in english
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = text(client.get("/notifications/"))
    assert "Évaluation par les pairs demandée : Allemagne" in french
    assert "Allemagne demande une évaluation par les pairs" in french
    assert f"(année de référence {open_cycle.reporting_year})" in french
    assert "Peer review requested" not in french and "Germany" not in french


def test_the_api_answers_in_the_request_language(client, make_user, germany, open_cycle):
    reader = make_user("basic")
    requested([reader], germany, open_cycle)
    client.force_login(reader)
    (english,) = client.get("/api/v1/notifications").json()
    (french,) = client.get("/api/v1/notifications", headers={"Accept-Language": "fr"}).json()
    assert english["subject"] == "Peer review requested: Germany"
    assert french["subject"] == "Évaluation par les pairs demandée : Allemagne"
    assert french["kind_label"] != english["kind_label"]


def test_the_e_mail_is_in_the_recipient_preferred_language(
    make_user, germany, open_cycle, django_capture_on_commit_callbacks
):
    english, french = make_user("basic"), make_user("basic")
    french.preferred_language = "fr"
    french.save(update_fields=["preferred_language"])
    with django_capture_on_commit_callbacks(execute=True):
        requested([english, french], germany, open_cycle)
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address[english.email].subject == "Peer review requested: Germany"
    assert by_address[french.email].subject == "Évaluation par les pairs demandée : Allemagne"


def test_labels_dates_and_optional_paragraphs_follow_the_language(germany):
    params = {
        "member": member_param(germany),
        "cycle": "Cycle 2026",
        "status": label_param(ReviewStatus.IN_REVIEW.label),
        "reason": "",
    }
    with translation.override("en"):
        subject, body = render("review.moved", params)
    assert "In review" in subject and "Germany" in subject
    assert "Reason" not in body  # no reason given: its paragraph is left out
    with translation.override("fr"):
        _subject, body = render("review.moved", {**params, "reason": "à la demande du membre"})
    assert "En cours d'évaluation" in body and body.endswith("Motif : à la demande du membre")
    with translation.override("fr"):
        _subject, body = render(
            "review.due_soon",
            {"member": member_param(germany), "number": 2, "due": date_param(date(2026, 3, 5))},
        )
    assert "5 mars 2026" in body
    assert render("review.gone", {}) is None


def test_a_notification_stored_as_text_only_keeps_its_text(client, make_user, settings):
    reader = make_user("basic")
    notify([reader], "review.assigned", "An old subject", "An old body", "/reviews/")
    client.force_login(reader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = text(client.get("/notifications/"))
    assert "An old subject" in page and "An old body" in page


def test_listing_renders_without_extra_queries(
    client, make_user, germany, open_cycle, django_assert_max_num_queries
):
    reader = make_user("basic")
    for _ in range(5):
        requested([reader], germany, open_cycle)
    client.force_login(reader)
    client.get("/notifications/")  # warm the session and caches
    with django_assert_max_num_queries(12) as one:
        client.get("/notifications/")
    requested([reader], germany, open_cycle)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get("/notifications/")
