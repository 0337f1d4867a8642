"""Give every request an id: the caller's X-Request-ID when it is sane, else a new one. It is put
on every log line of the request (pmm.core.logs), including Django's own line about the response
("Not Found: …", written after the middleware returns), and sent back in the X-Request-ID header.
It is forgotten when the server has sent the response (the `request_finished` signal)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

from pmm.core.logs import current_request_id

HEADER = "X-Request-ID"
SANE = re.compile(r"[A-Za-z0-9._:-]{8,128}")  # a uuid, a proxy's id; nothing that could forge a log line


def request_id_of(request: HttpRequest) -> str:
    given = request.headers.get(HEADER, "")
    return given if SANE.fullmatch(given) else uuid.uuid4().hex


def _forget_request_id(**kwargs: Any) -> None:
    current_request_id.set("-")


request_finished.connect(_forget_request_id, dispatch_uid="pmm.core.request_id")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_of(request)
        current_request_id.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response
