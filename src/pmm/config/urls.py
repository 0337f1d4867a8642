from django.urls import include, path

from pmm.config.api import api
from pmm.operations import health

urlpatterns = [
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("public/", include("pmm.public.urls")),
    path("", include("pmm.web.urls")),
    path("", include("pmm.accounts.urls")),
    path("", include("pmm.framework.urls")),
    path("", include("pmm.members.urls")),
    path("", include("pmm.audit.urls")),
    path("", include("pmm.cycles.urls")),
    path("", include("pmm.reports.urls")),
    path("", include("pmm.results.urls")),  # before assessments, like evidence
    path("", include("pmm.reviews.urls")),  # before assessments, like evidence
    path("", include("pmm.notifications.urls")),
    path("", include("pmm.targets.urls")),
    path("", include("pmm.dashboards.urls")),
    path("", include("pmm.analytics.urls")),
    path("", include("pmm.evidence.urls")),  # before assessments: its paths extend an assessment's
    path("", include("pmm.assessments.urls")),
]
