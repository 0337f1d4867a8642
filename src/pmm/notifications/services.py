"""Writes of notifications: `notify()` (in the app at once, by e-mail after the commit), marking
notifications read, and a user's e-mail preferences.

Other apps call `notify_message()` inside their own write, with the code of a message of
`kinds.MESSAGES` and its parameters: each reader reads it in their language. The e-mail is sent only
once that write commits, so a write that is rolled back sends nothing, and a failing mail server is
logged, never raised to the caller.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core import mail
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pmm.accounts.models import User
from pmm.audit.services import audit_record
from pmm.core.errors import ApplicationError, FieldProblem, NotFound, PermissionDenied
from pmm.notifications.kinds import KINDS, MESSAGES
from pmm.notifications.messages import render
from pmm.notifications.models import Notification, NotificationPreference
from pmm.notifications.selectors import Preference, email_choices, preferences_of

logger = logging.getLogger(__name__)

SUBJECT_MAX = Notification._meta.get_field("subject").max_length or 300
URL_MAX = Notification._meta.get_field("url").max_length or 500
DEDUPE_KEY_MAX = Notification._meta.get_field("dedupe_key").max_length or 200


def absolute_url(url: str) -> str:
    """A link for an e-mail: paths on the platform get PMM_BASE_URL in front; full URLs stay."""
    if url.startswith(("https://", "http://")):
        return url
    return settings.PMM_BASE_URL.rstrip("/") + url


def _check_url(url: str) -> str:
    url = url.strip()
    if url and not (
        (url.startswith("/") and not url.startswith("//")) or url.startswith(("https://", "http://"))
    ):
        raise ValueError(f"a notification's url is a path on the platform or an http(s) URL, not {url!r}")
    if len(url) > URL_MAX:
        raise ValueError(f"a notification's url has at most {URL_MAX} characters")
    return url


def _one_line(subject: str) -> str:
    """E-mail subjects are one line; too long ones are cut (the full text is in the body)."""
    subject = " ".join(subject.split())
    return subject if len(subject) <= SUBJECT_MAX else subject[: SUBJECT_MAX - 1] + "…"


@dataclass(frozen=True)
class _Email:
    notification_id: int | None
    user_id: int
    address: str
    subject: str
    text: str


def _email_text(body: str, link: str) -> str:
    """The e-mail: the caller's body, the link to open, and where to change the preferences (in the
    active language, the one the caller wrote the subject and body in)."""
    preferences = absolute_url(reverse("notifications:preferences"))
    parts = [body.strip(), "", _("Open it on the platform:"), link, "", "-- "]
    parts.append(
        _(
            "You receive this e-mail because of your notification preferences on the WCO PMM platform. "
            "Choose which notifications also come by e-mail:"
        )
    )
    parts.append(preferences)
    return "\n".join(parts).lstrip("\n") + "\n"


def _send_emails(emails: list[_Email]) -> None:
    """Send each e-mail on one connection; a failure is logged (the notification stays in the app)
    and does not stop the others. Runs after the commit of the write that notified."""
    sent: list[int] = []
    try:
        with mail.get_connection() as connection:
            for email in emails:
                message = mail.EmailMessage(
                    subject=email.subject,
                    body=email.text,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[email.address],
                    connection=connection,
                )
                try:
                    message.send()
                except Exception:
                    logger.exception(
                        "The e-mail of notification %s to user %s could not be sent.",
                        email.notification_id,
                        email.user_id,
                    )
                else:
                    if email.notification_id is not None:
                        sent.append(email.notification_id)
    except Exception:
        logger.exception(
            "The mail server could not be reached; %s notification e-mails not sent.", len(emails)
        )
    if sent:
        try:
            Notification.objects.unrestricted().filter(pk__in=sent).update(emailed_at=timezone.now())
        except DatabaseError:
            logger.exception("Sent notification e-mails could not be recorded as sent.")


def notify_message(
    users: Iterable[User], message: str, params: Mapping[str, Any], url: str = "", *, dedupe_key: str = ""
) -> list[Notification]:
    """`notify` each user of message `message` (kinds.MESSAGES) filled with `params` (built with
    pmm.notifications.messages' helpers). The notification is shown in each reader's language when
    read; its e-mail is written in the recipient's preferred language, else the site's."""
    if message not in MESSAGES:
        raise ValueError(
            f"unknown notification message {message!r}; the messages are in pmm/notifications/kinds.py"
        )
    by_language: dict[str, list[User]] = defaultdict(list)
    for user in {u.pk: u for u in users}.values():
        by_language[user.preferred_language or settings.LANGUAGE_CODE].append(user)
    notifications: list[Notification] = []
    for language, readers in sorted(by_language.items()):
        with translation.override(language):
            subject, body = render(message, params) or ("", "")
            notifications += notify(
                readers,
                MESSAGES[message].kind,
                subject,
                body,
                url,
                dedupe_key=dedupe_key,
                message=message,
                params=params,
            )
    return notifications


@transaction.atomic
def notify(
    users: Iterable[User],
    kind: str,
    subject: str,
    body: str,
    url: str = "",
    *,
    dedupe_key: str = "",
    message: str = "",
    params: Mapping[str, Any] | None = None,
) -> list[Notification]:
    """Notify each distinct active user: one notification in the app each, and an e-mail to those who
    have an address and want this kind by e-mail (after the caller's transaction commits).

    `subject` and `body` are already translated by the caller. `url` is a path on the platform (or an
    http(s) URL) the notification links to. With a `dedupe_key`, users who already have a notification
    with that key are skipped (a reminder is sent once). A fixed number of queries, whatever the number
    of users. Raises ValueError for an unknown kind or a malformed url. Senders of a listed message
    call `notify_message`, which gives the message's code and `params` so that the notification is
    shown in each reader's language.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}; the kinds are in pmm/notifications/kinds.py")
    url = _check_url(url)
    subject = _one_line(subject)
    if not subject:
        raise ValueError("a notification needs a subject")
    if len(dedupe_key) > DEDUPE_KEY_MAX:
        raise ValueError(f"a dedupe_key has at most {DEDUPE_KEY_MAX} characters")
    recipients: dict[int, User] = {}
    for user in users:
        if user is not None and user.pk is not None and user.is_active and user.pk not in recipients:
            recipients[user.pk] = user
    if recipients and dedupe_key:
        already = Notification.objects.unrestricted().filter(
            user_id__in=list(recipients), dedupe_key=dedupe_key
        )
        for user_id in already.values_list("user_id", flat=True):
            recipients.pop(user_id, None)
    if not recipients:
        return []
    now = timezone.now()
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                user=user,
                kind=kind,
                subject=subject,
                body=body,
                url=url,
                dedupe_key=dedupe_key,
                message=message,
                params=dict(params or {}),
                created_at=now,
            )
            for user in recipients.values()
        ]
    )
    with_address = [user_id for user_id, user in recipients.items() if user.email]
    if with_address:
        wanted = email_choices(with_address, kind)
        text = _email_text(body, absolute_url(url or reverse("notifications:notification_list")))
        emails = [
            _Email(n.pk, n.user_id, recipients[n.user_id].email, subject, text)
            for n in notifications
            if wanted.get(n.user_id, False)
        ]
        if emails:
            transaction.on_commit(partial(_send_emails, emails), robust=True)
    return notifications


def _owner(actor: Any) -> User:
    """The signed-in user acting on their own notifications (visitors and the system have none)."""
    if not isinstance(actor, User) or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied()
    return actor


@transaction.atomic
def notification_mark_read(*, actor: Any, ids: Iterable[int] | None = None, all_unread: bool = False) -> int:
    """Mark the actor's notifications `ids` (or all their unread ones) read; how many were unread.

    Notifications of other users answer as if they did not exist (NotFound)."""
    owner = _owner(actor)
    unread = Notification.objects.unrestricted().filter(user=owner, read_at__isnull=True)
    if not all_unread:
        wanted = set(ids or [])
        if not wanted:
            raise ApplicationError(
                "Say which notifications to mark as read, or all of them.",
                problems=[FieldProblem("ids", "give the notifications' ids, or all: true")],
            )
        found = set(
            Notification.objects.unrestricted().filter(user=owner, pk__in=wanted).values_list("pk", flat=True)
        )
        if found != wanted:
            raise NotFound("No such notification.")
        unread = unread.filter(pk__in=wanted)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def preferences_save(*, actor: Any, choices: Mapping[str, bool]) -> list[Preference]:
    """Set, for each kind in `choices`, whether the actor gets it by e-mail; the other kinds keep
    their setting. A kind left at its default keeps following the default. Audited when anything
    changes; returns every kind's preference."""
    owner = _owner(actor)
    problems = [
        FieldProblem(kind, "is not a notification kind" if kind not in KINDS else "must be true or false")
        for kind, email in choices.items()
        if kind not in KINDS or not isinstance(email, bool)
    ]
    if problems:
        raise ApplicationError(
            "The notification preferences could not be saved.", code="invalid_values", problems=problems
        )
    rows = {p.kind: p for p in NotificationPreference.objects.select_for_update().filter(user=owner)}
    before: dict[str, bool] = {}
    after: dict[str, bool] = {}
    create: list[NotificationPreference] = []
    update: list[NotificationPreference] = []
    for kind, email in choices.items():
        row = rows.get(kind)
        current = row.email if row is not None else KINDS[kind].email_default
        if email == current:
            continue
        before[kind], after[kind] = current, email
        if row is None:
            create.append(NotificationPreference(user=owner, kind=kind, email=email))
        else:
            row.email = email
            update.append(row)
    NotificationPreference.objects.bulk_create(create)
    NotificationPreference.objects.bulk_update(update, ["email"])
    if after:
        audit_record(
            actor=actor,
            verb="notifications.preferences_saved",
            target=owner,
            target_label=owner.get_username(),
            before={"email": before},
            after={"email": after},
        )
    return preferences_of(owner)


def send_test_email(*, to: str) -> None:
    """Send one e-mail with the configured mail settings, to check them (`pmm notifications test-email`)."""
    address = to.strip()
    if "@" not in address:
        raise ApplicationError(
            "Give an e-mail address.", problems=[FieldProblem("address", "is not an e-mail address")]
        )
    try:
        mail.EmailMessage(
            subject=_("Test e-mail from the WCO PMM platform"),
            body=_("The platform can send e-mails: notifications will reach their readers.")
            + "\n"
            + absolute_url("/")
            + "\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
        ).send()
    except Exception as error:
        raise ApplicationError(f"The e-mail could not be sent: {error}", code="mail_failed") from error
