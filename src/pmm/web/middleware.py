"""The web layer's middleware:

- `InputHygieneMiddleware`: refuse a path or query string holding a character the platform refuses
  (and `refuse_bad_posted_text`, the same for the posted fields of views that read request.POST).
- `DatabaseOutageMiddleware`: a database that cannot be reached answers 503 with Retry-After.
- `ApplicationErrorMiddleware`: the services' NotFound and PermissionDenied become 404, 403 or a
  sign-in redirect on web pages.
- `SecurityHeadersMiddleware`: the Content-Security-Policy and Permissions-Policy headers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError, connections
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.response import TemplateResponse
from django.utils.html import escape
from django.utils.translation import gettext

from pmm.core.api import error_body
from pmm.core.errors import FieldProblem, NotFound, PermissionDenied
from pmm.core.text import neutralised, text_problem

logger = logging.getLogger("pmm.web")

RETRY_AFTER_SECONDS = 30
OUTAGE_EXEMPT = ("/health/",)  # the health checks report an outage themselves


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _plain_page(status: int, title: str, text: str) -> HttpResponse:
    """A page that needs neither the database nor the site's templates (they may be what failed)."""
    html = (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
        f"<body><h1>{escape(title)}</h1><p>{escape(text)}</p></body></html>"
    )
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


def _logged(response: HttpResponse) -> HttpResponse:
    """Mark a response as logged already (our one warning line): Django would add a second."""
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _fields_problems(fields: Iterable[tuple[str, list[str]]]) -> list[FieldProblem]:
    """Refused characters in the names and values of a query string or a form."""
    problems = []
    for name, values in fields:
        shown = neutralised(name)
        name_problem = text_problem(name)
        if name_problem:
            problems.append(FieldProblem(shown, gettext("the name %(problem)s") % {"problem": name_problem}))
        for value in values:
            value_problem = text_problem(value)
            if value_problem:
                problems.append(FieldProblem(shown, value_problem))
    return problems


def _form_problems(request: HttpRequest) -> list[FieldProblem]:
    """Refused characters in a posted web form's field names and values. The API checks its own
    bodies (pmm.core.api_parser); a body that cannot be read is left for the view to report."""
    if request.method != "POST" or _is_api(request):
        return []
    try:
        return _fields_problems(request.POST.lists())  # Django drops non-printables from file names
    except (MultiPartParserError, RequestDataTooBig):
        return []


def refuse_bad_posted_text(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For a page view that reads request.POST itself rather than through a form of the project
    (`pmm.core.forms.CheckedForm` shows such problems next to the field): a posted field holding a
    refused character answers the plain 400 page before the view runs, so that nothing reads or
    writes the database with it (PostgreSQL cannot store a NUL)."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        problems = _form_problems(request)
        if problems:
            return _refused(request, gettext("The form holds a character that is not allowed."), problems)
        return view(request, *args, **kwargs)

    checked.refuses_bad_posted_text = True  # type: ignore[attr-defined]
    return checked


def _url_problems(request: HttpRequest) -> list[FieldProblem]:
    """Refused characters in the path or in the query string's names and values."""
    problems = []
    path_problem = text_problem(request.path)
    if path_problem:
        problems.append(FieldProblem("path", path_problem))
    return problems + _fields_problems(request.GET.lists())


def _refused(request: HttpRequest, message: str, problems: list[FieldProblem]) -> HttpResponse:
    """400 naming the problems: the JSON error shape under /api/, a plain page elsewhere; one
    warning line in the log, no traceback."""
    logger.warning(
        "Refused %s %s: %s",
        request.method,
        ascii(request.path),
        ascii("; ".join(str(p) for p in problems)),
    )
    if _is_api(request):
        return _logged(JsonResponse(error_body("invalid_text", message, problems), status=400))
    details = "; ".join(str(p) for p in problems)
    return _logged(_plain_page(400, gettext("Bad request"), f"{message} {details}"))


class InputHygieneMiddleware:
    """Refuse, with 400, a request whose path or query string holds a character refused by
    `pmm.core.text` (a NUL, a C0 control character, a lone surrogate): the JSON error shape under
    /api/, a plain page elsewhere; one warning line in the log, no traceback. Nothing reads or
    writes the database with such a text (PostgreSQL fails on a NUL). Posted web forms are checked
    field by field by the project's forms (`pmm.core.forms`), and by `refuse_bad_posted_text` for
    the few views that read request.POST themselves."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problems = _url_problems(request)
        if not problems:
            return self.get_response(request)
        return _refused(request, gettext("The address holds a character that is not allowed."), problems)


def outage_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: the JSON error shape under /api/, a plain page elsewhere."""
    message = gettext("The database cannot be reached at the moment. Try again in a few minutes.")
    if _is_api(request):
        response: HttpResponse = JsonResponse(error_body("unavailable", message), status=503)
    else:
        response = _plain_page(503, gettext("Service unavailable"), message)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return _logged(response)


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
