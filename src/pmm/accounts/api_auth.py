"""Who is calling the API, as django-ninja authentication (wired for every operation in
`pmm.config.api`; the OpenAPI document declares the bearer scheme):

1. `BearerToken`: `Authorization: Bearer <token>` is the token's user; a token that is unknown,
   expired or revoked answers 401 (never read as a visitor).
2. `SessionOrVisitor`: without a bearer token, the signed-in user of the browser session for reads
   (GET, HEAD, OPTIONS: writes need a token, so a page cannot be made to write for its visitor), else
   an anonymous visitor, who reads what the public may see. Any other Authorization header is 401.

The services then decide what that caller may do (`pmm.authz.require`), once.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from pmm.accounts.services import token_authenticate

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token.strip())
        if user is None:
            raise AuthenticationError()
        return user


class SessionOrVisitor:
    def __call__(self, request: HttpRequest) -> Any:
        if request.headers.get("Authorization"):
            raise AuthenticationError()  # a header that is not a bearer token
        if request.method in SAFE_METHODS and request.user.is_authenticated:
            return request.user
        return AnonymousUser()  # truthy: the operation runs, for a visitor


API_AUTH = [BearerToken(), SessionOrVisitor()]
