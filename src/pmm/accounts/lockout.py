"""Sign-in throttling: failed passwords and codes per username, lockouts, and their audit events.

The lockout is keyed by the username as typed (lower case), whether or not such an account exists,
so that what a visitor sees never tells whether a username is in use. Counts live in the database,
so every server process shares them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from pmm.accounts.models import LoginFailure, LoginLockout, User
from pmm.audit.services import audit_record


def username_key(username: str) -> str:
    return (username or "").strip().lower()[:150]


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from (the proxy's, behind a reverse proxy)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def locked_until(username: str) -> datetime | None:
    """When the username's current lockout ends, or None when it may sign in."""
    lock = LoginLockout.objects.filter(
        username_key=username_key(username), locked_until__gt=timezone.now()
    ).first()
    return lock.locked_until if lock else None


def _account(username: str) -> User | None:
    return User.objects.filter(username__iexact=username_key(username)).first() if username else None


def _failure_event(username: str, request: HttpRequest | None, step: str, locked: bool) -> None:
    user = _account(username)
    after: dict[str, Any] = {"username": username_key(username), "step": step, "ip": client_ip(request)}
    if locked:
        after["refused"] = "locked"
    audit_record(
        actor=None,
        verb="login.failed",
        target=user,
        target_label=user.username if user else username_key(username),
        after=after,
    )


@transaction.atomic
def failure_record(*, username: str, step: str, request: HttpRequest | None) -> datetime | None:
    """Count one wrong password or code for `username`; returns the end of the lockout this started,
    if it did. Audited as login.failed, and login.locked when the lockout starts."""
    key = username_key(username)
    now = timezone.now()
    LoginFailure.objects.create(username_key=key, step=step, ip=client_ip(request), at=now)
    _failure_event(username, request, step, locked=False)
    since = now - timedelta(minutes=settings.PMM_LOGIN_FAILURE_WINDOW_MINUTES)
    previous = LoginLockout.objects.filter(username_key=key).order_by("-locked_at").first()
    if previous is not None and previous.locked_at > since:
        since = previous.locked_at  # failures before an earlier lockout do not count again
    failures = LoginFailure.objects.filter(username_key=key, at__gt=since).count()
    if failures < settings.PMM_LOGIN_MAX_FAILURES:
        return None
    until = now + timedelta(minutes=settings.PMM_LOGIN_LOCKOUT_MINUTES)
    LoginLockout.objects.create(username_key=key, locked_at=now, locked_until=until)
    user = _account(username)
    audit_record(
        actor=None,
        verb="login.locked",
        target=user,
        target_label=user.username if user else key,
        after={
            "username": key,
            "failures": failures,
            "minutes": settings.PMM_LOGIN_LOCKOUT_MINUTES,
            "until": until.isoformat(),
            "ip": client_ip(request),
        },
    )
    return until


@transaction.atomic
def locked_attempt_record(*, username: str, step: str, request: HttpRequest | None) -> None:
    """An attempt refused because the username is locked out (the password was not even checked)."""
    _failure_event(username, request, step, locked=True)


@transaction.atomic
def success_record(*, user: User, request: HttpRequest | None, second_factor: str) -> None:
    """A completed sign-in: clears the username's failures; audited as login.succeeded."""
    LoginFailure.objects.filter(username_key=username_key(user.username)).delete()
    audit_record(
        actor=user,
        verb="login.succeeded",
        target=user,
        after={"second_factor": second_factor, "ip": client_ip(request)},
    )
