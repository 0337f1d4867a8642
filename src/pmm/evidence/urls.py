from django.urls import path

from pmm.evidence import views

app_name = "evidence"
urlpatterns = [
    path(
        "cycles/<int:cycle>/assessments/<str:iso3>/evidence/",
        views.evidence_list_view,
        name="evidence_list",
    ),
    path(
        "cycles/<int:cycle>/assessments/<str:iso3>/evidence/<int:evidence_id>/",
        views.evidence_download,
        name="evidence_download",
    ),
    path(
        "cycles/<int:cycle>/assessments/<str:iso3>/evidence/<int:evidence_id>/remove/",
        views.evidence_remove_view,
        name="evidence_remove",
    ),
]
