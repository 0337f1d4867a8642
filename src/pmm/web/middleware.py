"""Turn the services' NotFound and PermissionDenied into 404, 403 or a sign-in redirect on web pages."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from pmm.core.errors import NotFound, PermissionDenied


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
