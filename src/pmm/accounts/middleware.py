"""Session expiry and required two-factor enrolment, checked on every request with a session."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from pmm.accounts import two_factor

SIGNED_IN_AT = "pmm_signed_in_at"
LAST_SEEN_AT = "pmm_last_seen_at"
# Activity is written to the session at most this often, so that reads do not all become writes.
LAST_SEEN_RESOLUTION_SECONDS = 60


@receiver(user_logged_in, dispatch_uid="pmm.accounts.session_stamps")
def _stamp_session(sender: object, request: HttpRequest | None, user: object, **kwargs: object) -> None:
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_SEEN_AT] = now


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class SessionExpiryMiddleware:
    """A signed-in session ends after PMM_SESSION_IDLE_MINUTES without a request, and in any case
    SESSION_COOKIE_AGE seconds after sign-in, whatever the activity."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            session = request.session
            now = time.time()
            signed_in = session.get(SIGNED_IN_AT)
            last_seen = session.get(LAST_SEEN_AT, signed_in)
            if signed_in is None or last_seen is None:
                session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = now
            elif (
                now - last_seen > settings.PMM_SESSION_IDLE_MINUTES * 60
                or now - signed_in > settings.SESSION_COOKIE_AGE
            ):
                logout(request)  # flushes the session
                if not _is_api(request):
                    messages.info(request, _("Your session has expired. Please sign in again."))
            elif now - last_seen > LAST_SEEN_RESOLUTION_SECONDS:
                session[LAST_SEEN_AT] = now
        return self.get_response(request)


class TwoFactorEnrolmentMiddleware:
    """A user whose role requires two-factor authentication and who has not set it up yet may only
    set it up (or sign out): every other page redirects to the set-up page, and API reads with the
    browser session are refused. API tokens are not affected: they are created by signed-in users
    or by the operator."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(settings.STATIC_URL)
            and two_factor.required_for(user)
            and not two_factor.has_totp(user)
        ):
            allowed = {reverse("accounts:two_factor"), reverse("accounts:logout"), reverse("set_language")}
            if _is_api(request):
                if "Authorization" not in request.headers:
                    return JsonResponse(
                        {
                            "error": {
                                "code": "two_factor_required",
                                "message": "Set up two-factor authentication on the platform's account "
                                "pages before using the API with your browser session.",
                                "fields": [],
                            }
                        },
                        status=403,
                    )
            elif request.path not in allowed:
                target = reverse("accounts:two_factor")
                if request.method == "GET":
                    target += "?" + urlencode({"next": request.get_full_path()})
                return redirect(target)
        return self.get_response(request)
