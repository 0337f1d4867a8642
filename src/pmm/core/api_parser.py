"""How the API reads request bodies and form fields before ninja validates them.

- A body is read as JSON only when it is sent as JSON (`application/json` or `application/*+json`);
  any other content type with a body is refused with 415, in the API's JSON error shape.
- JSON can spell lone surrogates (`"\\ud800"`), which are not characters: any text or field name
  holding one is refused with 422 naming the field (`values[0].comment`), before anything can try to
  store or encode it. The other refused characters (`pmm.core.text`) are checked by the schemas
  (`pmm.core.api.Input`).
- Form fields (the text fields of multipart uploads) are checked against the whole character rule:
  422 naming the field. (Django already drops non-printable characters from uploaded files' names.)
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from pmm.core.errors import ApplicationError, FieldProblem
from pmm.core.text import LONE_SURROGATE, bad_text_in

__all__ = ["CheckedParser"]


def is_json(content_type: str | None) -> bool:
    if content_type is None:  # ninja's stand-in request for JSON parts of a multipart body
        return True
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


class CheckedParser(Parser):
    """ninja's JSON parser with the content type and the character rule checked."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        if not is_json(request.content_type):
            raise ApplicationError(
                f"The body is sent as {request.content_type or 'an unknown type'}; "
                "send JSON with 'Content-Type: application/json'.",
                code="unsupported_media_type",
            )
        data: dict[str, Any] = super().parse_body(request)
        problems = [
            FieldProblem(path, problem) for path, problem in bad_text_in(data, refused=LONE_SURROGATE)
        ]
        if problems:
            raise ApplicationError("Some text is not valid.", code="invalid_text", problems=problems)
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        result: dict[str, Any] = super().parse_querydict(data, list_fields, request)
        errors = [
            {"loc": ("form", path), "msg": problem, "type": "invalid_text"}
            for path, problem in bad_text_in(result)
        ]
        if errors:
            raise NinjaValidationError(errors)
        return result
