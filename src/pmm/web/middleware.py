"""The web layer's middleware:

- `DatabaseOutageMiddleware`: a database that cannot be reached answers 503 with Retry-After.
- `ApplicationErrorMiddleware`: the services' NotFound and PermissionDenied become 404, 403 or a
  sign-in redirect on web pages; any other refusal a 400 page (409 for a conflict) that says why.
- `SecurityHeadersMiddleware`: the Content-Security-Policy and Permissions-Policy headers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import InterfaceError, OperationalError, connections
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext

from pmm.core.api import error_body
from pmm.core.errors import ApplicationError, NotFound, PermissionDenied
from pmm.core.input_hygiene import is_api, logged, plain_page

logger = logging.getLogger("pmm.web")

RETRY_AFTER_SECONDS = 30
OUTAGE_EXEMPT = ("/health/",)  # the health checks report an outage themselves


def outage_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: the JSON error shape under /api/, a plain page elsewhere."""
    message = gettext("The database cannot be reached at the moment. Try again in a few minutes.")
    if is_api(request):
        response: HttpResponse = JsonResponse(error_body("unavailable", message), status=503)
    else:
        response = plain_page(503, gettext("Service unavailable"), message)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return logged(response)


class DatabaseOutageMiddleware:
    """When the database cannot be reached, answer 503 with Retry-After instead of a 500 and a
    traceback, with one warning line in the log. A view (API or page) that cannot connect raises
    OperationalError or InterfaceError with no connection open: `process_exception` answers. A
    request with a session cookie reads the session in the middleware that follow, before any
    view: for those the connection is opened here first. Other requests (API docs, health checks,
    anonymous pages that need no data) never open a connection they do not need."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME in request.COOKIES and not request.path_info.startswith(
            OUTAGE_EXEMPT
        ):
            try:
                connections["default"].ensure_connection()
            except (OperationalError, InterfaceError) as error:
                return self._outage(request, error)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if (
            isinstance(exception, OperationalError | InterfaceError)
            and connections["default"].connection is None
        ):
            return self._outage(request, exception)
        return None

    def _outage(self, request: HttpRequest, error: Exception) -> HttpResponse:
        logger.warning("Database unavailable for %s %s: %s", request.method, ascii(request.path), error)
        return outage_response(request)


class ApplicationErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, NotFound):
            raise Http404(exception.message)
        if isinstance(exception, PermissionDenied):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            response = TemplateResponse(request, "403.html", status=403)
            return response.render()
        if isinstance(exception, ApplicationError):  # a page asked with a wrong parameter, say a language
            status = 409 if exception.code == "conflict" else 400
            context = {"problem": exception.message, "problems": exception.problems}
            return TemplateResponse(request, "400.html", context, status=status).render()
        return None


class SecurityHeadersMiddleware:
    """The Content-Security-Policy and Permissions-Policy headers on every response (settings
    PMM_CONTENT_SECURITY_POLICY and PMM_PERMISSIONS_POLICY). Django's SecurityMiddleware and
    XFrameOptionsMiddleware send the others (nosniff, Referrer-Policy, COOP, HSTS, X-Frame-Options)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.PMM_CONTENT_SECURITY_POLICY
        self.permissions = settings.PMM_PERMISSIONS_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        if self.permissions and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.permissions
        return response
