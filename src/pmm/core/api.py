"""The API's shared plumbing: who is asking, and one JSON error shape for every failure.

Error shape: {"error": {"code": "...", "message": "...", "fields": [{"field": "...", "message": "..."}]}}
"""

from __future__ import annotations

from typing import Annotated, Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from pydantic import BaseModel, BeforeValidator, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from pmm.core.errors import ApplicationError, FieldProblem, NotFound, PermissionDenied
from pmm.core.text import bad_text_in
from pmm.core.translated import pick

STATUS_BY_CODE = {
    "not_found": 404,
    "forbidden": 403,
    "framework_locked": 409,
    "invalid_values": 422,
    "illegal_transition": 409,
    "conflict": 409,
    "invalid_text": 422,
    "too_large": 413,
    "unsupported_media_type": 415,
}


class FieldError(Schema):
    field: str
    message: str


class ErrorBody(Schema):
    code: str
    message: str
    fields: list[FieldError] = []


class Error(Schema):
    error: ErrorBody


class Input(Schema):
    """The base of every request-body schema: unknown fields are refused (a misspelt "coment" must
    not silently lose the comment), and every text in it, however deeply nested, must keep the
    character rule of `pmm.core.text`. Both give 422 naming the field (`values[0].comment`)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _text_is_clean(cls, value: Any) -> Any:
        for path, problem in bad_text_in(value):
            message = f"{path}: {problem}" if path else problem
            raise PydanticCustomError("invalid_text", message)
        return value


def _in_reader_language(texts: Any) -> Any:
    """A translated text ({language: text}) in the reader's language; a plain text as it is."""
    return texts if isinstance(texts, str) else pick(texts)


# A text stored in every language ({language: text}), answered in the reader's language.
TranslatedText = Annotated[str, BeforeValidator(_in_reader_language)]


def _iso_text(moment: Any) -> Any:
    """A date or a time as its ISO 8601 text (as Python writes it: `+00:00`, not `Z`); a text as it is."""
    return moment.isoformat() if hasattr(moment, "isoformat") else moment


# A moment (a datetime or a date), answered as its ISO 8601 text.
IsoText = Annotated[str, BeforeValidator(_iso_text)]


class AttributesOut(BaseModel):
    """The base of the plain pydantic answers (faster than ninja's Schema on long lists): read from
    the attributes of the selectors' objects. A field with a default (an attribute that only some of
    them have) is still declared required in the OpenAPI document, as it is always answered.

    The answers' classes are described in comments: a docstring would become the description of
    their component in the OpenAPI document."""

    model_config = ConfigDict(from_attributes=True, json_schema_serialization_defaults_required=True)


ERROR_RESPONSES: dict[int, type[Schema]] = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    409: Error,
    413: Error,
    415: Error,
    422: Error,
}


_JSON = JSONRenderer()


def json_answer(request: HttpRequest, data: Any, status: int = 200) -> HttpResponse:
    """An API answer rendered as ninja renders one, without validating it against the operation's
    response schema (for large answers already built in the schema's shape: see results_list)."""
    return json_response(json_content(request, data, status), status)


def json_content(request: HttpRequest, data: Any, status: int = 200) -> bytes:
    """An answer's body as ninja writes it (for an answer kept once written: see results_list)."""
    content = _JSON.render(request, data, response_status=status)
    return content if isinstance(content, bytes) else content.encode(_JSON.charset)


def json_response(content: bytes, status: int = 200) -> HttpResponse:
    """An API answer from its body as `json_content` wrote it."""
    return HttpResponse(content, status=status, content_type=f"{_JSON.media_type}; charset={_JSON.charset}")


def actor_of(request: HttpRequest) -> Any:
    """The caller of an API operation, as the API's authentication found it (`pmm.accounts.api_auth`,
    wired in `pmm.config.api`): a token's user, the session's user for reads, or a visitor."""
    return getattr(request, "auth", None) or AnonymousUser()


def error_body(code: str, message: str, fields: list[FieldProblem] | None = None) -> dict[str, Any]:
    """The one JSON shape of every API error."""
    return {
        "error": {
            "code": code,
            "message": message,
            "fields": [{"field": f.field, "message": f.message} for f in fields or []],
        }
    }


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: list[FieldProblem] | None = None,
) -> HttpResponse:
    return api.create_response(request, error_body(code, message, fields), status=status)


TOO_LARGE = "The request body is larger than the server accepts."
SIGN_IN_FIRST = "Sign in first: send an API token as 'Authorization: Bearer <token>'."


def refusal(
    exc: ApplicationError, *, signed_in: bool, sign_in: str = SIGN_IN_FIRST
) -> tuple[int, dict[str, Any]]:
    """The status and JSON body of a refused request: 401 asking a visitor to sign in (`sign_in`) for
    what needs more than the public, else the error's own status by its code. The one mapping, for the
    API and the pages' JSON answers (a report's status)."""
    if isinstance(exc, PermissionDenied) and not signed_in:
        return 401, error_body("not_authenticated", sign_in)
    return STATUS_BY_CODE.get(exc.code, 400), error_body(exc.code, exc.message, exc.problems)


def _loc_to_path(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "file", "payload")]
    path = ""
    for part in parts:
        path += f"[{part}]" if part.isdigit() else (f".{part}" if path else part)
    return path


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ApplicationError)
    def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        status, body = refusal(exc, signed_in=actor_of(request).is_authenticated)
        return api.create_response(request, body, status=status)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields = [
            FieldProblem(_loc_to_path(e.get("loc", ())), str(e.get("msg", "is not valid")))
            for e in exc.errors
        ]
        return error_response(api, request, 422, "invalid", "Some input is not valid.", fields)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(
            api, request, 401, "not_authenticated", "The API token is not valid, or has been revoked."
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, "not_found", "Not found.")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja wraps whatever the body parser raised in "400 Cannot parse request body".
        cause = exc.__cause__
        if isinstance(cause, ApplicationError):
            return application_error(request, cause)
        if isinstance(cause, RequestDataTooBig):
            return error_response(api, request, 413, "too_large", TOO_LARGE)
        return error_response(api, request, exc.status_code, "http_error", str(exc))

    @api.exception_handler(RequestDataTooBig)
    def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return error_response(api, request, 413, "too_large", TOO_LARGE)

    @api.exception_handler(MultiPartParserError)
    def bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        return error_response(
            api,
            request,
            400,
            "bad_multipart",
            "The multipart body cannot be read: send it as multipart/form-data with a boundary.",
        )


__all__ = [
    "ERROR_RESPONSES",
    "Error",
    "Input",
    "NotFound",
    "actor_of",
    "error_body",
    "install_error_handlers",
]
