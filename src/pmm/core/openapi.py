"""How the API document declares an answer that is a file rather than JSON."""

from __future__ import annotations

from typing import Any

BINARY = {"schema": {"type": "string", "format": "binary"}}


def file_answer(description: str, *media_types: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """`openapi_extra` for an operation whose 200 answer is a file of one of `media_types`.

    `schema`: what the file holds when a client can parse it (a YAML mapping…); bytes by default.

    Give the operation `response=ERROR_RESPONSES` (no 200 entry): the document then says the file's
    real media type (application/yaml, text/csv…) instead of JSON.
    """
    body = {"schema": schema} if schema else BINARY
    content = {media_type.split(";")[0].strip(): body for media_type in media_types}
    return {"responses": {200: {"description": description, "content": content}}}
