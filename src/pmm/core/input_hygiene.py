"""Input hygiene: a request whose path, query string or posted fields hold a character the platform
refuses (`pmm.core.text`: a NUL, a C0 control character, a lone surrogate) answers 400 before any
view reads or writes the database with it (PostgreSQL cannot store a NUL).

- `InputHygieneMiddleware`: the path and the query string of every request.
- `refuse_bad_posted_text`: the posted fields of the few views that read request.POST themselves
  (the project's forms, `pmm.core.forms`, show such problems next to the field).

The lowest layer: every app's views may use it (docs/architecture.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.html import escape
from django.utils.translation import gettext

from pmm.core.api import error_body
from pmm.core.errors import FieldProblem
from pmm.core.text import neutralised, text_problem

logger = logging.getLogger("pmm.web")


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def plain_page(status: int, title: str, text: str) -> HttpResponse:
    """A page that needs neither the database nor the site's templates (they may be what failed)."""
    html = (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
        f"<body><h1>{escape(title)}</h1><p>{escape(text)}</p></body></html>"
    )
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


def logged(response: HttpResponse) -> HttpResponse:
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
    if request.method != "POST" or is_api(request):
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
    if is_api(request):
        return logged(JsonResponse(error_body("invalid_text", message, problems), status=400))
    details = "; ".join(str(p) for p in problems)
    return logged(plain_page(400, gettext("Bad request"), f"{message} {details}"))


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
