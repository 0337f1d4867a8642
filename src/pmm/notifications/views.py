"""Pages of notifications: the signed-in user's list (mark one or all read) and their e-mail
preferences. Each page calls one selector or service; a notification of someone else is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmm.core.errors import ApplicationError, NotFound, PermissionDenied
from pmm.notifications import services
from pmm.notifications.forms import PreferencesForm
from pmm.notifications.selectors import notifications_of, preferences_of, unread_count

LIST_LIMIT = 100


def _to_list(request: HttpRequest) -> HttpResponse:
    url = reverse("notifications:notification_list")
    return redirect(url + "?unread=1" if request.POST.get("unread") == "1" else url)


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    notifications = notifications_of(request.user, unread_only=unread_only, limit=LIST_LIMIT)
    return render(
        request,
        "notifications/notification_list.html",
        {
            "notifications": notifications,
            "unread_only": unread_only,
            "unread": unread_count(request.user),
            "limit": LIST_LIMIT,
        },
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    services.notification_mark_read(actor=request.user, ids=[notification_id])
    messages.success(request, _("The notification is marked as read."))
    return _to_list(request)


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.notification_mark_read(actor=request.user, all_unread=True)
    messages.success(request, _("All your notifications are marked as read."))
    return _to_list(request)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, preferences=preferences_of(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_save(actor=request.user, choices=form.choices())
        except ApplicationError as error:  # not expected: the form offers only the known kinds
            if isinstance(error, (NotFound, PermissionDenied)):
                raise
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your notification preferences were saved."))
            return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
